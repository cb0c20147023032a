"""ticklab: write a trading strategy as a class; ticklab runs it tick by tick
inside its exchange simulator.

    from ticklab import Strategy, Tif

    class Quoter(Strategy):
        def __init__(self, qty=0.01):
            self.qty = qty

        def on_bbo(self, ctx, ev):
            if not ctx.open_orders:
                ctx.buy(self.qty, ctx.book.best_bid, tif=Tif.POST_ONLY)

Define any of on_start, on_depth, on_trade, on_bbo, on_market, on_status,
on_order, on_timer, on_finish, on_day_start, on_day_end: only the ones a
class defines are called. Prices and sizes are floats in natural units;
times are integers in ns since the epoch.
"""

import datetime as _datetime
import enum as _enum
import logging as _logging

try:
    from enum import StrEnum as _StrEnum
except ImportError:  # Python before 3.11

    class _StrEnum(str, _enum.Enum):
        def __str__(self):
            return self.value


class Side(_StrEnum):
    """Buy or sell; on book events BUY is the bid side and SELL the ask side."""

    BUY = "buy"
    SELL = "sell"
    NONE = "none"


class Tif(_StrEnum):
    """Time in force of an order."""

    GTC = "gtc"
    IOC = "ioc"
    FOK = "fok"
    POST_ONLY = "post_only"


class OrderStatus(_StrEnum):
    """Where an order stands, as the exchange last reported it."""

    NEW = "new"
    ACCEPTED = "accepted"
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELED = "canceled"
    REJECTED = "rejected"
    EXPIRED = "expired"


class OrderType(_StrEnum):
    """How an order is priced."""

    LIMIT = "limit"
    MARKET = "market"
    STOP_MARKET = "stop_market"
    STOP_LIMIT = "stop_limit"


class EventKind(_StrEnum):
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


class MarketState(_StrEnum):
    """The venue's trading state: orders match only in TRADING; in a
    pre-open auction, a halt or a close they rest and market orders are
    rejected."""

    TRADING = "trading"
    PRE_OPEN = "pre_open"
    HALTED = "halted"
    CLOSED = "closed"


class UpdateKind(_StrEnum):
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


class Liquidity(_StrEnum):
    """Whether a fill added liquidity (maker) or took it (taker)."""

    MAKER = "maker"
    TAKER = "taker"


NS_PER_SECOND = 1_000_000_000
NS_PER_MS = 1_000_000
NS_PER_US = 1_000
MAX_BATCH_ORDERS = 100


class OrderError(ValueError):
    """An order request that cannot be sent (bad size, unknown order, ...)."""


class GuardError(PermissionError):
    """An action refused to strategies: network, file writes outside the
    run's output folder, starting processes."""


class CallbackTimeout(BaseException):
    """Raised inside a callback that ran longer than the run's callback
    budget. A BaseException, so `except Exception` does not swallow it."""


class Strategy:
    """Base class of a strategy. Keyword parameters from the run's [params]
    table reach __init__; without an __init__ of its own a strategy keeps
    them as attributes."""

    def __init__(self, **params):
        for name, value in params.items():
            setattr(self, name, value)

    def on_start(self, ctx):
        """Called once before the first event."""

    def on_depth(self, ctx, ev):
        """A book event (depth, snapshot, bbo, clear, L3 add/modify/cancel)."""

    def on_trade(self, ctx, ev):
        """A trade print."""

    def on_bbo(self, ctx, ev):
        """The best bid or ask (price or size) changed; the book is consistent."""

    def on_market(self, ctx, ev):
        """Every market event (status events go to on_status only)."""

    def on_status(self, ctx, ev):
        """The venue's trading state changed to ev.state (a MarketState);
        ctx.market_state already says it."""

    def on_order(self, ctx, update):
        """An answer from the exchange about one of our orders."""

    def on_timer(self, ctx, ts):
        """A timer set with ctx.set_timer fired at local time ts (ns)."""

    def on_finish(self, ctx):
        """Called once after the data is over."""

    def on_day_start(self, ctx, day):
        """A day of the run (a datetime.date, UTC) begins; position, orders
        and timers carry over from the day before."""

    def on_day_end(self, ctx, day):
        """A day of the run (a datetime.date, UTC) is over."""


class Book:
    """The order book as the strategy sees it. The touch attributes are
    read-only snapshots, current in every callback; levels() and qty_at()
    read the whole book."""

    __slots__ = ("best_bid", "best_ask", "best_bid_qty", "best_ask_qty", "mid", "spread", "_depth")

    def __init__(self, depth):
        self._depth = depth
        self.best_bid = self.best_ask = self.mid = self.spread = None
        self.best_bid_qty = self.best_ask_qty = 0.0

    def levels(self, n=5):
        """The n best levels of each side, best first: (bids, asks), each a
        list of (price, qty)."""
        return self._depth.levels(n)

    def qty_at(self, price):
        """Quantity resting at price on either side (0.0 when none)."""
        return self._depth.qty_at(price)

    def depth(self):
        """Number of price levels on each side: (bids, asks)."""
        return self._depth.depth()

    def __repr__(self):
        show = lambda p: "-" if p is None else p
        return (f"<Book {show(self.best_bid)} x {show(self.best_ask)} "
                f"({self.best_bid_qty} / {self.best_ask_qty})>")


_EPOCH = _datetime.datetime(1970, 1, 1, tzinfo=_datetime.timezone.utc)


def _dt_from_ns(ns):
    return _EPOCH + _datetime.timedelta(microseconds=ns // 1000)


def _ns_from_dt(dt):
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=_datetime.timezone.utc)
    delta = dt - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * NS_PER_SECOND + delta.microseconds * NS_PER_US


def _install_logging(stream):
    root = _logging.getLogger()
    if not root.handlers:
        handler = _logging.StreamHandler(stream)
        handler.setFormatter(_logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
        root.setLevel(_logging.INFO)
