"""``ticklab.convert``: vendor data into a ticklab data folder, as
``ticklab convert --from FORMAT`` does.

    ticklab.convert.tardis("binance-futures_incremental_book_L2_....csv.gz",
                           symbol="BTCUSDT", tick_size=0.1, lot_size=0.001, out="mydata")

Each returns a :class:`Converted`; its ``text`` is the summary the command
prints (rows read, converted, skipped by reason).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import List, Optional, Sequence, Union

from ticklab import _ticklab

PathLike = Union[str, "os.PathLike[str]"]
Inputs = Union[PathLike, Sequence[PathLike]]


class Converted:
    """What a conversion wrote: ``instrument_file``, ``days`` (the day files),
    ``events_written`` and ``text``, the summary ``ticklab convert`` prints."""

    def __init__(self, found: dict):
        self.text: str = found["text"]
        self.instrument_file = Path(found["instrument_file"])
        self.days: List[Path] = [Path(p) for p in found["days"]]
        self.events_written: int = found["events_written"]

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"<ticklab.convert.Converted {self.events_written} events, {len(self.days)} days>"


def _convert(
    fmt: str,
    inputs: Inputs,
    symbol: str,
    out: PathLike,
    tick_size: Optional[float] = None,
    lot_size: Optional[float] = None,
    currency: Optional[str] = None,
    skip_bad: bool = False,
    verify: bool = False,
    column_map: Optional[str] = None,
    ts_unit: str = "ns",
    instrument_id: Optional[int] = None,
    reorder_window_ms: Optional[float] = None,
    local_ts_shift_ns: int = 0,
) -> Converted:
    if isinstance(inputs, (str, os.PathLike)):
        inputs = [inputs]
    if not isinstance(symbol, str):
        raise TypeError(f"symbol: expected a str, got {type(symbol).__name__}")
    found = _ticklab.convert(
        fmt,
        [os.fspath(p) for p in inputs],
        symbol=symbol,
        out=os.fspath(out),
        tick_size=tick_size,
        lot_size=lot_size,
        currency=currency,
        skip_bad=skip_bad,
        verify=verify,
        column_map=column_map,
        ts_unit=ts_unit,
        instrument_id=instrument_id,
        reorder_window_ms=reorder_window_ms,
        local_ts_shift_ns=local_ts_shift_ns,
    )
    return Converted(found)


def tardis(inputs: Inputs, *, symbol: str, out: PathLike, tick_size: float, lot_size: float,
           currency: Optional[str] = None, skip_bad: bool = False) -> Converted:
    """Tardis.dev CSV (``incremental_book_L2``, ``trades``, ``quotes``,
    ``book_ticker``, ``book_snapshot_N``; plain or ``.gz``)."""
    return _convert("tardis", inputs, symbol, out, tick_size, lot_size, currency, skip_bad)


def lobster(inputs: Inputs, *, symbol: str, out: PathLike, tick_size: Optional[float] = None,
            lot_size: Optional[float] = None, currency: Optional[str] = None,
            skip_bad: bool = False, verify: bool = False) -> Converted:
    """LOBSTER message and orderbook files (the sibling is found by name);
    ``verify`` checks every message against the orderbook file."""
    return _convert("lobster", inputs, symbol, out, tick_size, lot_size, currency, skip_bad,
                    verify=verify)


def dbn(inputs: Inputs, *, symbol: str, out: PathLike, tick_size: Optional[float] = None,
        lot_size: Optional[float] = None, currency: Optional[str] = None,
        skip_bad: bool = False, instrument_id: Optional[int] = None) -> Converted:
    """Databento DBN (mbo, mbp-1, mbp-10, tbbo, trades; with definition and
    status files among the inputs)."""
    return _convert("dbn", inputs, symbol, out, tick_size, lot_size, currency, skip_bad,
                    instrument_id=instrument_id)


def csv(inputs: Inputs, *, symbol: str, out: PathLike, column_map: str, tick_size: float,
        lot_size: float, ts_unit: str = "ns", currency: Optional[str] = None,
        skip_bad: bool = False) -> Converted:
    """Any CSV through a column map, e.g.
    ``"exch_ts=ts,price=px,qty=size,side=aggressor,kind=const:trade"``
    (``--map``); ``ts_unit`` is ``s``, ``ms``, ``us`` or ``ns``."""
    return _convert("csv", inputs, symbol, out, tick_size, lot_size, currency, skip_bad,
                    column_map=column_map, ts_unit=ts_unit)


def npz(inputs: Inputs, *, symbol: str, out: PathLike, tick_size: float, lot_size: float,
        currency: Optional[str] = None, skip_bad: bool = False) -> Converted:
    """hftbacktest ``.npz`` event files."""
    return _convert("npz", inputs, symbol, out, tick_size, lot_size, currency, skip_bad)


def collector(inputs: Inputs, *, symbol: str, out: PathLike, tick_size: float, lot_size: float,
              currency: Optional[str] = None, skip_bad: bool = False,
              reorder_window_ms: Optional[float] = None, local_ts_shift_ns: int = 0) -> Converted:
    """hftbacktest data-collector captures (Binance, Bybit, Hyperliquid),
    read in the order given as one stream."""
    return _convert("collector", inputs, symbol, out, tick_size, lot_size, currency, skip_bad,
                    reorder_window_ms=reorder_window_ms, local_ts_shift_ns=local_ts_shift_ns)


def bybit(inputs: Inputs, *, symbol: str, out: PathLike, tick_size: float, lot_size: float,
          currency: Optional[str] = None, skip_bad: bool = False) -> Converted:
    """Bybit's historical order-book files (``*_ob500.data`` or its ``.zip``)."""
    return _convert("bybit", inputs, symbol, out, tick_size, lot_size, currency, skip_bad)
