"""``ticklab.indicators``: the rule engine's duration-window indicators for
Python strategies, the same implementations the rules use.

Registered with the run's ``ctx`` (``ctx.register(ind)``, in ``on_start``),
an indicator is fed by the run exactly as a rule file's indicator is —
every trade as it comes, the book when it is consistent (the last event of
an exchange message) and its touch moved — so it reads the values a rule
compares, prices in price units::

    class Trend(ticklab.Strategy):
        def on_start(self, ctx):
            self.fast = ctx.register(ticklab.indicators.EMA(of="mid", half_life="5s"))
            self.slow = ctx.register(ticklab.indicators.SMA(of="mid", window="1m"))

        def on_bbo(self, ctx, ev):
            if self.fast.value is not None and self.slow.value is not None:
                ...

Not registered, an indicator is fed by ``ind.update(ts_ns, value)`` (trade
windows: ``ind.update(ts_ns, lots, side="buy", price_ticks=...)``) and reads
``ind.value`` at the last update or ``ind.value_at(ts_ns)`` later.

- ``SMA(of, window)``, ``Stddev(of, window)``: time-weighted mean and
  population standard deviation over the last ``window`` (``"5s"``,
  ``"500ms"``, ``"1m"``, or ns).
- ``EMA(of, half_life)``: exponential moving average in time.
- ``RSI(of, window)``: relative strength index, 0 to 100.
- ``TradeCount(window)``, ``Volume(window)``, ``SignedVolume(window)``
  (lots, buys minus sells by aggressor), ``VWAP(window=None)``.
- ``Imbalance(levels=1)``: (bid lots - ask lots) / (bid lots + ask lots)
  over the best ``levels`` levels.

``of`` is ``"mid"``, ``"bid"``, ``"ask"``, ``"last"``, ``"microprice"`` or
``"spread"`` (ticks); ``symbol=`` feeds it from another instrument of the
run. ``value`` is ``None`` while not known.
"""

from ticklab import _ticklab

_module = _ticklab.strategy_module().indicators

Indicator = _module.Indicator
SMA = _module.SMA
Stddev = _module.Stddev
EMA = _module.EMA
RSI = _module.RSI
TradeCount = _module.TradeCount
Volume = _module.Volume
SignedVolume = _module.SignedVolume
VWAP = _module.VWAP
Imbalance = _module.Imbalance

__all__ = ["Indicator", "SMA", "Stddev", "EMA", "RSI", "TradeCount", "Volume", "SignedVolume",
           "VWAP", "Imbalance"]
