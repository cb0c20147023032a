"""``ticklab.data``: what a data folder holds, and a day's events as a table.

    folder = ticklab.data.open("sample-data")
    folder.instruments            # ["ACME", "BTC-PERP"]
    folder.days("BTC-PERP")       # ["2026-03-02"]
    folder.instrument("BTC-PERP") # instrument.toml's fields
    folder.events("BTC-PERP", "2026-03-02").to_pandas()
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Dict, List, Optional, Union

from ticklab import _ticklab

PathLike = Union[str, "os.PathLike[str]"]


class DataFolder:
    """A data folder opened by :func:`open`: ``<folder>/<SYMBOL>/instrument.toml``
    and ``<folder>/<SYMBOL>/<YYYY-MM-DD>.parquet``."""

    def __init__(self, path: PathLike):
        self.path = Path(path)
        found = _ticklab.catalog(os.fspath(path))
        self._instruments: Dict[str, Dict[str, Any]] = {
            item["symbol"]: item for item in found["instruments"]
        }
        #: Files and folders left out, each with why.
        self.skipped: List[str] = list(found["skipped"])

    @property
    def instruments(self) -> List[str]:
        """The symbols, sorted."""
        return list(self._instruments)

    def instrument(self, symbol: str) -> Dict[str, Any]:
        """``instrument.toml`` of ``symbol`` (tick and lot size, currency,
        fees, ...) and its days."""
        try:
            return self._instruments[symbol]
        except KeyError:
            raise ValueError(
                f"{self.path}: no instrument {symbol!r}; instruments: "
                f"{', '.join(self.instruments) or 'none'}"
            ) from None

    def days(self, symbol: str) -> List[str]:
        """The days of ``symbol`` (``YYYY-MM-DD``), in order."""
        return [entry["day"] for entry in self.instrument(symbol)["days"]]

    def events(self, symbol: Optional[str] = None, day: Optional[str] = None):
        """The day's events as a ``pyarrow.Table`` in the canonical schema
        (``exch_ts``, ``local_ts`` in ns, ``kind``, ``side``, ``price``,
        ``qty``, ``order_id``, ``flags``), read and checked by the engine's
        reader: a price off the tick grid, a time going backwards, an unknown
        kind or side raises ``ValueError`` naming the file, row and column.
        ``symbol`` and ``day`` may be left out when there is one choice."""
        import pyarrow.parquet as pq

        temp = Path(tempfile.mkdtemp(prefix="ticklab-events-"))
        try:
            file = temp / "events.parquet"
            _ticklab.day_events(os.fspath(self.path), symbol, day, os.fspath(file))
            return pq.read_table(file)
        finally:
            shutil.rmtree(temp, ignore_errors=True)

    def __repr__(self) -> str:
        return f"<ticklab.data.DataFolder {self.path}: {', '.join(self.instruments)}>"


def open(path: PathLike = "sample-data") -> DataFolder:  # noqa: A001 (the module's verb)
    """Opens a data folder, a symbol folder or a day file."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path: expected a folder path, got {type(path).__name__}")
    return DataFolder(path)
