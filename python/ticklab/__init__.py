"""ticklab: tick-by-tick backtests of trading strategies on a deterministic
exchange simulator (queue position, latency, fees, book walking), from Python.

    import ticklab

    class Joiner(ticklab.Strategy):
        def __init__(self, qty=0.005):
            self.qty = qty

        def on_bbo(self, ctx, ev):
            if not ctx.open_orders:
                ctx.buy(self.qty, ctx.book.best_bid, tif=ticklab.Tif.POST_ONLY)

    res = ticklab.run(data="sample-data", symbol="BTC-PERP", day="2026-03-02",
                      strategy=Joiner, params={"qty": 0.005})
    res.summary              # dict, the same as summary.json
    res.fills.to_pandas()    # also res.orders, res.equity: pyarrow Tables

The engine is the one the `ticklab` desktop application and command run:
the same inputs give the same results, byte for byte.
"""

from ticklab import _ticklab
from ticklab._errors import RunError, StrategyError, TicklabError
from ticklab._run import RunResult, run

__version__ = _ticklab.__version__

# The names strategies use (`ticklab.Strategy`, `ticklab.Tif`, ...): the
# classes the engine hands to and expects from strategy code.
_strategy_api = _ticklab.strategy_module()
Strategy = _strategy_api.Strategy
Side = _strategy_api.Side
Tif = _strategy_api.Tif
OrderStatus = _strategy_api.OrderStatus
OrderType = _strategy_api.OrderType
EventKind = _strategy_api.EventKind
MarketState = _strategy_api.MarketState
UpdateKind = _strategy_api.UpdateKind
Liquidity = _strategy_api.Liquidity
OrderError = _strategy_api.OrderError
GuardError = _strategy_api.GuardError
CallbackTimeout = _strategy_api.CallbackTimeout
Book = _strategy_api.Book
NS_PER_SECOND = _strategy_api.NS_PER_SECOND
NS_PER_MS = _strategy_api.NS_PER_MS
NS_PER_US = _strategy_api.NS_PER_US
MAX_BATCH_ORDERS = _strategy_api.MAX_BATCH_ORDERS

from ticklab import convert, data, indicators  # noqa: E402  (they use the names above)
from ticklab._sweep import (  # noqa: E402
    MonteCarloResult,
    WalkForwardResult,
    monte_carlo,
    sweep,
)

__all__ = [
    "Book",
    "CallbackTimeout",
    "EventKind",
    "GuardError",
    "Liquidity",
    "MAX_BATCH_ORDERS",
    "MarketState",
    "NS_PER_MS",
    "NS_PER_SECOND",
    "NS_PER_US",
    "OrderError",
    "OrderStatus",
    "OrderType",
    "RunError",
    "RunResult",
    "Side",
    "Strategy",
    "StrategyError",
    "Tif",
    "TicklabError",
    "UpdateKind",
    "convert",
    "data",
    "run",
    "sweep",
    "indicators",
    "monte_carlo",
    "MonteCarloResult",
    "WalkForwardResult",
]
