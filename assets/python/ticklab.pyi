"""Type stub of `ticklab`, the module a ticklab strategy imports.

Put this folder on your editor's stub path (for example `python.analysis.stubPath`
in VS Code / Pyright, or `mypy_path` for mypy) to get completion for `ctx.`.

Prices and sizes are floats in natural units (currency per unit, base units);
times are ints in ns since the Unix epoch, UTC.
"""

import datetime
import enum
from typing import Any, Mapping, Optional, Sequence, Tuple, Union

from ticklab import indicators

class Side(str, enum.Enum):
    """Buy or sell. On book events BUY is the bid side and SELL the ask side;
    on trades it is the aggressor's side (NONE when unknown)."""

    BUY = "buy"
    SELL = "sell"
    NONE = "none"

class Tif(str, enum.Enum):
    """Time in force."""

    GTC = "gtc"
    """Good till canceled: what does not fill at once rests in the book."""
    IOC = "ioc"
    """Immediate or cancel: fills what it can at once, the rest is canceled."""
    FOK = "fok"
    """Fill or kill: fills whole at once or expires with no fill."""
    POST_ONLY = "post_only"
    """Rests in the book, or is rejected if it would cross."""

class OrderStatus(str, enum.Enum):
    """Where an order stands, as the exchange last reported it."""

    NEW = "new"
    ACCEPTED = "accepted"
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELED = "canceled"
    REJECTED = "rejected"
    EXPIRED = "expired"

class OrderType(str, enum.Enum):
    """How an order is priced."""

    LIMIT = "limit"
    MARKET = "market"
    STOP_MARKET = "stop_market"
    STOP_LIMIT = "stop_limit"

class EventKind(str, enum.Enum):
    """What a market event says happened."""

    DEPTH = "depth"
    TRADE = "trade"
    BBO = "bbo"
    CLEAR = "clear"
    SNAPSHOT = "snapshot"
    ADD = "add"
    MODIFY = "modify"
    CANCEL = "cancel"
    FILL = "fill"
    FUNDING = "funding"
    STATUS = "status"

class MarketState(str, enum.Enum):
    """The venue's trading state: orders match only in TRADING; in a
    pre-open auction, a halt or a close they rest and market, IOC and FOK
    orders are rejected."""

    TRADING = "trading"
    PRE_OPEN = "pre_open"
    HALTED = "halted"
    CLOSED = "closed"

class UpdateKind(str, enum.Enum):
    """What an order update reports."""

    ACCEPTED = "accepted"
    FILL = "fill"
    MODIFIED = "modified"
    TRIGGERED = "triggered"
    CANCELED = "canceled"
    REJECTED = "rejected"
    EXPIRED = "expired"
    CANCEL_REJECTED = "cancel_rejected"
    MODIFY_REJECTED = "modify_rejected"

class Liquidity(str, enum.Enum):
    """Whether a fill added liquidity (maker) or took it (taker)."""

    MAKER = "maker"
    TAKER = "taker"

NS_PER_SECOND: int
NS_PER_MS: int
NS_PER_US: int
MAX_BATCH_ORDERS: int
"""Most orders one `ctx.submit_batch` call may send (100)."""

class OrderError(ValueError):
    """An order request that cannot be sent (bad size, unknown order, batch too
    large). Pre-trade risk breaches are not errors: they come back as a
    REJECTED update."""

class GuardError(PermissionError):
    """An action refused to strategies: network access (unless the run allows
    it with --allow-network), writing files outside the run's output folder,
    starting processes. The guard is an audit hook in the same process as the
    strategy: it stops mistakes, it is not a sandbox (native code such as
    ctypes can go around it)."""

class CallbackTimeout(BaseException):
    """Raised inside a callback that ran longer than the run's callback budget
    (2 s by default); the run then stops."""

class MarketEvent:
    """A market event. The same object is passed to every market callback with
    new contents: keep `ev.copy()`, not `ev`."""

    @property
    def symbol(self) -> str:
        """The symbol of the event's instrument."""
    @property
    def kind(self) -> EventKind: ...
    @property
    def side(self) -> Side: ...
    @property
    def price(self) -> float:
        """The price; for a FUNDING event, the funding rate (a fraction)."""
    @property
    def qty(self) -> float:
        """The level's new size (book events) or the traded size (trades)."""
    @property
    def exch_ts(self) -> int:
        """Exchange time, ns."""
    @property
    def local_ts(self) -> int:
        """Time the strategy sees the event, ns."""
    @property
    def order_id(self) -> int:
        """Exchange order id of L3 events, else 0."""
    @property
    def flags(self) -> int: ...
    @property
    def is_last_in_batch(self) -> bool:
        """True when the book is consistent after this event."""
    @property
    def state(self) -> Optional[MarketState]:
        """The venue's new trading state on a status event, else None."""
    @property
    def is_trade(self) -> bool: ...
    def copy(self) -> "MarketEvent": ...

class OrderUpdate:
    """An answer from the exchange about one of our orders."""

    @property
    def symbol(self) -> str:
        """The symbol of the order's instrument."""
    @property
    def order_id(self) -> int: ...
    @property
    def kind(self) -> UpdateKind: ...
    @property
    def status(self) -> OrderStatus:
        """The order's status after this update."""
    @property
    def side(self) -> Side: ...
    @property
    def order_type(self) -> OrderType: ...
    @property
    def tif(self) -> Tif: ...
    @property
    def price(self) -> Optional[float]:
        """Limit price; None for market and stop-market orders."""
    @property
    def stop_price(self) -> Optional[float]: ...
    @property
    def qty(self) -> float: ...
    @property
    def filled(self) -> float: ...
    @property
    def leaves(self) -> float:
        """Quantity still working (0.0 once final)."""
    @property
    def avg_fill_price(self) -> Optional[float]: ...
    @property
    def is_fill(self) -> bool: ...
    @property
    def is_final(self) -> bool: ...
    @property
    def fill_price(self) -> Optional[float]: ...
    @property
    def fill_qty(self) -> Optional[float]: ...
    @property
    def liquidity(self) -> Optional[Liquidity]: ...
    @property
    def fee(self) -> Optional[float]:
        """Fee of this fill in currency units (negative = rebate)."""
    @property
    def reason(self) -> Optional[str]:
        """Why, for rejections, cancels, expiries and refused requests."""
    @property
    def exch_ts(self) -> int: ...
    @property
    def local_ts(self) -> int: ...

class Order:
    """One of our open orders as we know it, with its queue position."""

    @property
    def id(self) -> int: ...
    @property
    def side(self) -> Side: ...
    @property
    def price(self) -> Optional[float]: ...
    @property
    def stop_price(self) -> Optional[float]: ...
    @property
    def qty(self) -> float:
        """Total quantity, including what has filled."""
    @property
    def filled(self) -> float: ...
    @property
    def leaves(self) -> float: ...
    @property
    def status(self) -> OrderStatus:
        """NEW until the exchange answers."""
    @property
    def order_type(self) -> OrderType: ...
    @property
    def tif(self) -> Tif: ...
    @property
    def ahead_qty(self) -> Optional[float]:
        """Volume estimated ahead of the order in its price level's queue; None
        until the exchange has acknowledged it, and for orders that do not rest."""
    @property
    def level_qty(self) -> Optional[float]:
        """Market volume at the order's price level."""
    @property
    def avg_fill_price(self) -> Optional[float]: ...
    @property
    def cancel_pending(self) -> bool: ...
    @property
    def modify_pending(self) -> bool: ...
    @property
    def sent_ts(self) -> int: ...

class Book:
    """The order book as the strategy sees it. Read-only."""

    best_bid: Optional[float]
    best_ask: Optional[float]
    best_bid_qty: float
    best_ask_qty: float
    mid: Optional[float]
    spread: Optional[float]
    def levels(self, n: int = 5) -> Tuple[list[Tuple[float, float]], list[Tuple[float, float]]]:
        """The n best levels of each side, best first: (bids, asks), each a list
        of (price, qty)."""
    def qty_at(self, price: float) -> float:
        """Quantity resting at price on either side (0.0 when none)."""
    def depth(self) -> Tuple[int, int]:
        """Number of price levels on each side: (bids, asks)."""

OrderSpec = Union[
    Mapping[str, Any],  # {"side": ..., "qty": ..., "price": ..., "tif": ..., "post_only": ..., "stop": ...}
    Tuple[Union[Side, str], float],
    Tuple[Union[Side, str], float, Optional[float]],
]

class Ctx:
    """The strategy's whole world during a callback. Usable only inside a
    callback, on the thread running it."""

    @property
    def now(self) -> int:
        """Local time, ns since the epoch: the data time of what is handled."""
    @property
    def now_dt(self) -> datetime.datetime:
        """Local time as a UTC datetime (to the microsecond)."""
    @property
    def market_state(self) -> MarketState:
        """The venue's trading state as the strategy sees it."""
    @property
    def event_index(self) -> int:
        """Market events seen so far."""
    @property
    def symbol(self) -> str:
        """The instrument the callback is about (the event's, the order's,
        the timer's)."""
    @property
    def symbols(self) -> list[str]:
        """The run's symbols, in the order named."""
    @property
    def tick_size(self) -> float: ...
    @property
    def lot_size(self) -> float: ...
    @property
    def book(self) -> Book:
        """The book of the instrument the callback is about."""
    def book_of(self, symbol: str) -> Book:
        """The book of any instrument of the run, as the strategy sees it now."""
    def position_of(self, symbol: str) -> float:
        """Signed position in any instrument of the run."""
    @property
    def account_equity(self) -> float:
        """Equity of the run's one account: cash plus every instrument's
        position marked to its mid."""
    @property
    def position(self) -> float:
        """Signed position (positive = long)."""
    @property
    def avg_price(self) -> float:
        """Average entry price of the position (0.0 when flat)."""
    @property
    def cash(self) -> float: ...
    @property
    def equity(self) -> float:
        """Cash plus the position marked to the mid."""
    @property
    def pnl(self) -> float:
        """Equity minus starting cash (after fees)."""
    @property
    def realized_pnl(self) -> float: ...
    @property
    def unrealized_pnl(self) -> float: ...
    @property
    def fees(self) -> float: ...
    @property
    def open_orders(self) -> list[Order]:
        """Open orders, in the order sent, with their queue positions."""
    def order(self, id: int) -> Optional[Order]:
        """The open order id, or None once it is final."""
    def buy(
        self,
        qty: float,
        price: Optional[float] = None,
        *,
        tif: Union[Tif, str, None] = None,
        post_only: bool = False,
        stop: Optional[float] = None,
        symbol: Optional[str] = None,
    ) -> int:
        """Sends a buy: limit at price when given, market otherwise; stop= makes
        it a stop-market (no price) or stop-limit order; symbol= sends it to
        another instrument of the run (default: the callback's). Returns its
        id. An off-grid price or size raises ValueError naming it and the
        grid; a symbol the run lacks raises OrderError naming its symbols."""
    def sell(
        self,
        qty: float,
        price: Optional[float] = None,
        *,
        tif: Union[Tif, str, None] = None,
        post_only: bool = False,
        stop: Optional[float] = None,
        symbol: Optional[str] = None,
    ) -> int:
        """Sends a sell; see buy()."""
    def submit_batch(self, orders: Sequence[OrderSpec]) -> list[int]:
        """Sends up to 100 orders at once; nothing is sent if any is invalid."""
    def cancel(self, id: int) -> None: ...
    def cancel_all(self) -> int:
        """Asks to cancel every open order; returns how many cancels were sent."""
    def modify(self, id: int, price: Optional[float] = None, qty: Optional[float] = None) -> None:
        """Changes a limit order's price and/or total quantity (including what
        has filled). Loses queue priority unless it only reduces the size."""
    def set_timer(
        self,
        at: Union[int, datetime.datetime, None] = None,
        after: Union[float, datetime.timedelta, None] = None,
    ) -> int:
        """Sets a timer at a time (ns or datetime) or after a delay (seconds or
        timedelta); on_timer(ctx, ts) gets it. Returns its id."""
    def cancel_timer(self, id: int) -> None: ...
    def log(self, *args: object, sep: str = " ") -> None:
        """Writes a line to the run's log, stamped with the data time."""
    def round_price(self, price: float) -> float:
        """The price on the tick grid nearest to price."""
    def register(self, indicator: Any) -> Any:
        """Registers a ticklab.indicators indicator: from now on the run feeds
        it as the rule engine feeds its own (trades as they come, book series
        when the book is consistent and its touch moved), from the instrument
        it names (default: the run's first). Call it in on_start. Returns it.
        The indicators: ticklab.indicators.SMA / Stddev / EMA / RSI /
        TradeCount / Volume / SignedVolume / VWAP / Imbalance."""
    def register(self, indicator: Any) -> Any:
        """Registers a ticklab.indicators indicator: from now on the run feeds
        it as the rule engine feeds its own (trades as they come, book series
        when the book is consistent and its touch moved), from the instrument
        it names (default: the run's first). Call it in on_start. Returns it.
        The indicators: ticklab.indicators.SMA / Stddev / EMA / RSI /
        TradeCount / Volume / SignedVolume / VWAP / Imbalance."""

class Strategy:
    """Base class of a strategy. Keyword parameters from the run's [params]
    table reach __init__; without an __init__ of its own a strategy keeps them
    as attributes. Define only the callbacks you need: the others cost nothing."""

    def __init__(self, **params: Any) -> None: ...
    def on_start(self, ctx: Ctx) -> None:
        """Called once before the first event."""
    def on_depth(self, ctx: Ctx, ev: MarketEvent) -> None:
        """A book event (depth, snapshot, bbo, clear, L3 add/modify/cancel)."""
    def on_trade(self, ctx: Ctx, ev: MarketEvent) -> None:
        """A trade print."""
    def on_bbo(self, ctx: Ctx, ev: MarketEvent) -> None:
        """The best bid or ask (price or size) changed and the book is
        consistent."""
    def on_market(self, ctx: Ctx, ev: MarketEvent) -> None:
        """Every market event (called before on_trade / on_depth / on_bbo);
        the only callback that sees FUNDING events; status events go to
        on_status only."""
    def on_status(self, ctx: Ctx, ev: MarketEvent) -> None:
        """The venue's trading state changed to ev.state (from a status event
        in the data, or inferred from a crossed book that prints no trade)."""
    def on_order(self, ctx: Ctx, update: OrderUpdate) -> None:
        """An answer from the exchange about one of our orders."""
    def on_timer(self, ctx: Ctx, ts: int) -> None:
        """A timer fired at local time ts (ns)."""
    def on_finish(self, ctx: Ctx) -> None:
        """Called once after the data is over."""
    def on_day_start(self, ctx: Ctx, day: datetime.date) -> None:
        """A day of the run (UTC) begins; position, orders and timers carry
        over from the day before."""
    def on_day_end(self, ctx: Ctx, day: datetime.date) -> None:
        """A day of the run (UTC) is over."""
