"""Type stub of ``ticklab.indicators``: the rule engine's duration-window
indicators for Python strategies."""

from typing import Optional, Union

Window = Union[str, int]
"""A length of time: ``"5s"``, ``"500ms"``, ``"1m"``, ``"1h30m"``, or ns."""

class Indicator:
    """An indicator: fed by the run once registered with ``ctx.register``,
    or by :meth:`update`."""

    @property
    def value(self) -> Optional[float]:
        """The value at the latest time it was told of (the event being
        handled, when registered); ``None`` while not known."""
    def value_at(self, now_ns: int) -> Optional[float]:
        """The value at ``now_ns`` (not before the latest update)."""
    @property
    def evaluations(self) -> int:
        """How many times the run has evaluated it: where a rule file
        evaluates its indicators. Act when it moves to act where a rule
        would."""
    @property
    def kind(self) -> str:
        """``"sma"``, ``"ema"``, ``"rsi"``, ``"stddev"``, ``"trade_count"``,
        ``"volume"``, ``"signed_volume"``, ``"vwap"`` or ``"imbalance"``."""
    def update(
        self,
        ts_ns: int,
        value: float,
        side: Optional[object] = None,
        price_ticks: int = 0,
    ) -> None:
        """Feeds a value at ``ts_ns`` (not before the last): a series' value,
        or for a trade window a trade of ``value`` whole lots on ``side``
        (``"buy"``/``"sell"``, the aggressor) at ``price_ticks``."""

def SMA(of: str = "mid", window: Optional[Window] = None, symbol: Optional[str] = None) -> Indicator:
    """Time-weighted mean of ``of`` over the last ``window``."""
def Stddev(of: str = "mid", window: Optional[Window] = None, symbol: Optional[str] = None) -> Indicator:
    """Time-weighted population standard deviation of ``of`` over ``window``."""
def EMA(of: str = "mid", half_life: Optional[Window] = None, symbol: Optional[str] = None) -> Indicator:
    """Exponential moving average of ``of`` in time, with this half-life."""
def RSI(of: str = "mid", window: Optional[Window] = None, symbol: Optional[str] = None) -> Indicator:
    """Relative strength index (0 to 100) of ``of``'s moves over ``window``."""
def TradeCount(window: Optional[Window] = None, symbol: Optional[str] = None) -> Indicator:
    """Trades printed over the last ``window``."""
def Volume(window: Optional[Window] = None, symbol: Optional[str] = None) -> Indicator:
    """Lots traded over the last ``window``."""
def SignedVolume(window: Optional[Window] = None, symbol: Optional[str] = None) -> Indicator:
    """Lots bought by aggressors minus lots sold over the last ``window``."""
def VWAP(window: Optional[Window] = None, symbol: Optional[str] = None) -> Indicator:
    """Volume-weighted average trade price over ``window`` (the whole run
    without one)."""
def Imbalance(levels: int = 1, symbol: Optional[str] = None) -> Indicator:
    """Book imbalance over the best ``levels`` levels, -1 (all asks) to 1."""
