"""``ticklab.run``: one strategy over days of one or more instruments, in
this interpreter."""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable, Dict, Mapping, Optional, Sequence, Union

from ticklab import _ticklab
from ticklab._errors import RunError, StrategyError
from ticklab._progress import Progress

PathLike = Union[str, "os.PathLike[str]"]

_TABLES = ("fills", "orders", "equity", "trades")


class RunResult:
    """What a run produced.

    - ``summary``: ``dict``, the run's ``summary.json`` (status, symbol, day,
      strategy, seed, the configuration in force, statistics).
    - ``fills``, ``orders``, ``equity``, ``trades`` (the round trips):
      ``pyarrow.Table`` with the columns of the files ``ticklab run`` writes
      (timestamps as ``timestamp[ns, UTC]``); ``.to_pandas()`` makes a
      DataFrame, ``polars.from_arrow(...)`` a polars one (or
      ``res.to_polars()`` for all of them).
    - ``log``: the strategy's log lines (``log.txt``).
    - ``out``: the output folder when ``out=`` was given, else ``None``.
    - ``elapsed_secs``: the real time the engine took, as ``ticklab run``
      reports it (``... events in 1.23 s``).
    """

    def __init__(self, folder: Path, keep: bool):
        import pyarrow.parquet as pq

        self.out: Optional[Path] = folder if keep else None
        self.summary: Dict[str, Any] = json.loads((folder / "summary.json").read_text())
        tables = {name: pq.read_table(folder / f"{name}.parquet") for name in _TABLES}
        self.fills = tables["fills"]
        self.orders = tables["orders"]
        self.equity = tables["equity"]
        self.trades = tables["trades"]
        log = folder / "log.txt"
        self.log = log.read_text().splitlines() if log.exists() else []
        self.elapsed_secs: Optional[float] = None

    @property
    def stats(self) -> Dict[str, Any]:
        """The summary's statistics (``summary["stats"]``)."""
        return self.summary["stats"]

    def to_pandas(self) -> Dict[str, Any]:
        """``fills``, ``orders``, ``equity`` and ``trades`` as pandas DataFrames."""
        return {name: getattr(self, name).to_pandas() for name in _TABLES}

    def to_polars(self) -> Dict[str, Any]:
        """``fills``, ``orders``, ``equity`` and ``trades`` as polars DataFrames
        (needs polars installed)."""
        import polars

        return {name: polars.from_arrow(getattr(self, name)) for name in _TABLES}

    def __repr__(self) -> str:
        s = self.summary
        stats = s.get("stats", {})
        return (
            f"<ticklab.RunResult {s.get('status')} {s.get('symbol')} {s.get('day')} "
            f"{s.get('strategy')}: pnl {stats.get('pnl')}, fills {stats.get('fills')}>"
        )


def _strategy_label(strategy: Any) -> str:
    if isinstance(strategy, (str, os.PathLike)):
        return os.fspath(strategy)
    cls = strategy if isinstance(strategy, type) else type(strategy)
    return cls.__name__


def _check_type(name: str, value: Any, types: tuple, accepted: str) -> None:
    if value is not None and not isinstance(value, types):
        raise TypeError(f"{name}: expected {accepted}, got {type(value).__name__}")


def _comma_list(name: str, value: Any, accepted: str) -> Optional[str]:
    """``value`` as the CLI takes it: a ``str`` as it is, a list or tuple of
    ``str`` joined with commas."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, str) for v in value):
        return ",".join(value)
    if isinstance(value, (list, tuple)) and not value:
        raise ValueError(f"{name}: the list is empty; expected {accepted}")
    raise TypeError(f"{name}: expected {accepted}, got {type(value).__name__}")


def run(
    data: PathLike = "sample-data",
    symbol: Union[None, str, Sequence[str]] = None,
    day: Union[None, str, Sequence[str]] = None,
    strategy: Any = "noop",
    params: Optional[Mapping[str, Any]] = None,
    config: Union[None, PathLike, Mapping[str, Any]] = None,
    *,
    warmup: Optional[str] = None,
    progress: bool = True,
    seed: Optional[int] = None,
    out: Optional[PathLike] = None,
    force: bool = False,
    csv: bool = False,
    class_name: Optional[str] = None,
    callback_budget_ms: Optional[int] = None,
    log: Optional[Callable[[str], Any]] = None,
) -> RunResult:
    """Runs ``strategy`` over days of market data and returns its results.

    The engine is the one ``ticklab run`` uses, in this interpreter: the same
    inputs give the same ``summary.json``, fills, orders and equity, byte for
    byte. Other threads of this interpreter keep running: a built-in or rule
    strategy's run releases the interpreter while the engine works; a Python
    strategy's run holds it (so that its callbacks cost no hand-over each)
    and releases it every two of Python's switch intervals (10 ms by
    default), when a thread waiting for it gets it.

    Args:
        data: a data folder (``<folder>/<SYMBOL>/<YYYY-MM-DD>.parquet``), a
            symbol folder or a day file.
        symbol: the instrument, or several as a list (``["BTC-PERP",
            "ETH-PERP"]``) or a comma list (``"BTC-PERP,ETH-PERP"``; the order
            breaks ties between events at the same time), or ``"all"``; may
            be left out when the folder has one.
        day: ``"YYYY-MM-DD"``, a list of days, a comma list, a range
            ``"2026-03-02..2026-03-06"`` or ``"all"``; may be left out when
            there is one. One clock runs through the days: position, cash,
            orders and timers carry over midnight.
        warmup: data before the first day replayed to the strategy with
            trading disabled (orders rejected, reason ``warmup``), e.g.
            ``"2h"``, ``"30m"``, ``"1d"``; the statistics start after it.
        strategy: a ``ticklab.Strategy`` subclass (made with ``params`` as
            keyword arguments) or an instance of one, a ``.py`` file, a rule
            file (``.rules.toml`` / ``.rules.json``) or a built-in name
            (``"noop"``, ``"mm"``).
        params: the strategy's parameters; they override the
            configuration's ``[params]``.
        config: the run configuration: a dict of the tables of ``run.toml``
            (``{"queue": {"model": "prob_power", "n": 2}}``) or the path of a
            TOML file.
        progress: a progress bar (terminal or notebook) once the run has taken
            a second; ``False`` shows none.
        seed: the seed of the random models; overrides the configuration's.
        out: keep the output folder here (it must be absent or empty unless
            ``force``); by default the files go to a temporary folder,
            removed once read.
        force: replace a non-empty ``out`` whole.
        csv: also write the tables as CSV (with ``out``).
        class_name: the class to run from a ``.py`` file that has several.
        callback_budget_ms: interrupt a callback that runs longer (default:
            no limit).
        log: called with each line the strategy logs or prints (default:
            written to ``sys.stderr``).

    Returns:
        A :class:`ticklab.RunResult`.

    Raises:
        TypeError: an argument of the wrong type.
        ValueError: bad input found before the run starts (a data folder,
            day, strategy file or configuration key), with ticklab's message
            naming the file, row and column.
        ticklab.StrategyError: the strategy raised; carries the traceback,
            ``event_index``, ``data_time`` and the partial ``result``.
        ticklab.RunError: the run stopped on bad data or an output error.
        KeyboardInterrupt: Ctrl-C; the run stops within 100 ms.
    """
    _check_type("data", data, (str, os.PathLike), "a folder path (str or os.PathLike)")
    symbol = _comma_list("symbol", symbol, 'a symbol (str), a list of symbols or "all"')
    day = _comma_list(
        "day", day, 'a day "YYYY-MM-DD", a list of days, a range "A..B" or "all"'
    )
    _check_type("warmup", warmup, (str,), 'a length of time (str), e.g. "2h"')
    _check_type("params", params, (Mapping,), "a dict of parameters")
    _check_type("config", config, (str, os.PathLike, Mapping), "a dict or a TOML file path")
    _check_type("seed", seed, (int,), "an int")
    _check_type("out", out, (str, os.PathLike), "a folder path")
    _check_type("class_name", class_name, (str,), "a class name (str)")
    if strategy is None:
        raise TypeError(
            "strategy: expected a ticklab.Strategy subclass or instance, a .py or rule "
            "file, or a built-in name (noop, mm)"
        )
    if isinstance(config, Mapping):
        config = dict(config)
    if isinstance(params, Mapping):
        params = dict(params)
    if isinstance(strategy, os.PathLike):
        strategy = os.fspath(strategy)

    temp = None
    if out is None:
        temp = Path(tempfile.mkdtemp(prefix="ticklab-run-"))
        target = temp / "run"
    else:
        target = Path(out)
    bar = Progress(f"{symbol or ''} {day or ''}".strip()) if progress else None
    write_line = log if log is not None else (bar.write if bar else _to_stderr)
    try:
        try:
            outcome = _ticklab.run(
                data=os.fspath(data),
                symbol=symbol,
                day=day,
                warmup=warmup,
                strategy=strategy,
                strategy_label=_strategy_label(strategy),
                class_name=class_name,
                config=config,
                params=params,
                seed=seed,
                out=os.fspath(target),
                force=force,
                csv=csv,
                callback_budget_ms=callback_budget_ms,
                progress=bar,
                log=write_line,
            )
        finally:
            if bar is not None:
                bar.close()
        result = RunResult(Path(outcome["out"]), keep=temp is None)
        result.elapsed_secs = outcome.get("elapsed_secs")
    finally:
        if temp is not None:
            shutil.rmtree(temp, ignore_errors=True)
    error = outcome.get("error")
    if error is not None:
        if error["kind"] == "strategy":
            failure = StrategyError(error, result)
            # Ctrl-C while a callback ran: the interrupt it is.
            if failure.detail.rstrip().splitlines()[-1:] == ["KeyboardInterrupt"]:
                raise KeyboardInterrupt from failure
            raise failure
        raise RunError(error, result)
    return result


def _to_stderr(line: str) -> None:
    print(line, file=sys.stderr)
