"""``ticklab.sweep``: many runs of one strategy over a space of parameters,
on local processes, a Ray cluster or a Dask cluster, as one results table."""

from __future__ import annotations

import itertools
import os
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Union

BACKENDS = ("processes", "ray", "dask")

#: The columns every results row has before the parameters and statistics.
_FIXED = ("run", "status", "error")


def grid(space: Mapping[str, Sequence[Any]]) -> List[Dict[str, Any]]:
    """Every combination of the values of ``space`` (a grid), in order: the
    last name varies fastest. ``{"a": [1, 2], "b": [3, 4]}`` gives
    ``[{a: 1, b: 3}, {a: 1, b: 4}, {a: 2, b: 3}, {a: 2, b: 4}]``."""
    names = list(space)
    for name in names:
        values = space[name]
        if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
            raise TypeError(f"space[{name!r}]: expected a list of values, got "
                            f"{type(values).__name__}")
    return [dict(zip(names, values)) for values in itertools.product(*(space[n] for n in names))]


def _task(run_kwargs: Dict[str, Any], point: Dict[str, Any], index: int) -> bytes:
    """One run as bytes a worker anywhere can take: the strategy class or
    instance by value (cloudpickle), files and folders as absolute paths."""
    import cloudpickle

    kwargs = dict(run_kwargs)
    kwargs["params"] = {**(kwargs.get("params") or {}), **point}
    return cloudpickle.dumps((index, point, kwargs))


def run_task(task: bytes) -> Dict[str, Any]:
    """Runs one task made by the sweep and returns its results row (in a
    worker process, Ray task or Dask task)."""
    import cloudpickle

    import ticklab

    index, point, kwargs = cloudpickle.loads(task)
    row: Dict[str, Any] = {"run": index, "status": "ok", "error": None, **point}
    try:
        result = ticklab.run(progress=False, log=lambda line: None, **kwargs)
    except ticklab.TicklabError as err:
        result = err.result
        row["status"] = "failed"
        row["error"] = err.message
    except ValueError as err:
        row["status"] = "failed"
        row["error"] = str(err)
        return row
    for name, value in result.summary["stats"].items():
        if isinstance(value, (int, float)) or value is None:
            row[name] = value
    return row


def _absolute(value: Any) -> Any:
    if isinstance(value, (str, os.PathLike)) and os.path.exists(value):
        return os.path.abspath(value)
    return value


def sweep(
    data: Union[str, "os.PathLike[str]"] = "sample-data",
    symbol: Optional[str] = None,
    day: Optional[str] = None,
    strategy: Any = "mm",
    space: Optional[Mapping[str, Sequence[Any]]] = None,
    params: Optional[Mapping[str, Any]] = None,
    config: Union[None, str, "os.PathLike[str]", Mapping[str, Any]] = None,
    *,
    search: str = "grid",
    backend: str = "processes",
    workers: Optional[int] = None,
    client: Any = None,
):
    """Runs ``strategy`` once for each point of ``space`` and returns the
    results as a ``pyarrow.Table``: one row per run, in the order of the
    points, with ``run`` (its index), ``status`` (``ok`` / ``failed``),
    ``error``, the parameters of the point and the run's statistics
    (``pnl``, ``return_pct``, ``sharpe``, ``max_drawdown``, ``fills``, ...,
    as in ``summary.json``). Each row is reproducible alone:
    ``ticklab.run(..., params={**params, **point})`` gives the same.

    Args:
        data, symbol, day, strategy, params, config: as for
            :func:`ticklab.run`; ``space``'s values override ``params``.
        space: the parameters to vary, each a list of values:
            ``{"qty_lots": [1, 2], "max_position_lots": [5, 10]}``.
        search: ``"grid"``: every combination.
        backend: ``"processes"`` (default: local worker processes, one per
            core), ``"ray"`` (one Ray task per run on the cluster
            ``ray.init()`` connected to, or a local one) or ``"dask"`` (one
            task per run on ``client``, a ``distributed.Client``, or the
            current one).
        workers: worker processes of the ``"processes"`` backend (default:
            the machine's cores).
        client: the ``distributed.Client`` of the ``"dask"`` backend.

    Every machine that runs a task needs the ``ticklab`` package and the
    data folder (and strategy files) at the same paths, or a shared
    filesystem; a strategy class defined in a notebook travels with the task.
    """
    if backend not in BACKENDS:
        raise ValueError(f"backend: {backend!r} is not one of {', '.join(BACKENDS)}")
    if search != "grid":
        raise ValueError(f"search: {search!r} is not one of grid")
    if space is None or not isinstance(space, Mapping):
        raise TypeError("space: expected a dict of parameter names to lists of values")
    points = grid(space)
    run_kwargs = {
        "data": _absolute(data),
        "symbol": symbol,
        "day": day,
        "strategy": _absolute(strategy),
        "params": dict(params or {}),
        "config": _absolute(config) if not isinstance(config, Mapping) else dict(config),
    }
    tasks = [_task(run_kwargs, point, index) for index, point in enumerate(points)]
    if backend == "processes":
        rows = _on_processes(tasks, workers)
    elif backend == "ray":
        rows = _on_ray(tasks)
    else:
        rows = _on_dask(tasks, client)
    return _table(rows, list(space))


def _on_processes(tasks: List[bytes], workers: Optional[int]) -> List[Dict[str, Any]]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    workers = workers or os.cpu_count() or 1
    # Fresh interpreters: no threads or locks inherited from this one.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(workers, len(tasks)) or 1,
                             mp_context=context) as pool:
        return list(pool.map(run_task, tasks))


def _on_ray(tasks: List[bytes]) -> List[Dict[str, Any]]:
    try:
        import ray
    except ImportError:
        raise ImportError(
            'backend="ray" needs Ray: pip install "ticklab[ray]"'
        ) from None
    if not ray.is_initialized():
        ray.init()
    remote = ray.remote(run_task)
    return ray.get([remote.remote(task) for task in tasks])


def _on_dask(tasks: List[bytes], client: Any) -> List[Dict[str, Any]]:
    try:
        import distributed
    except ImportError:
        raise ImportError(
            'backend="dask" needs Dask\'s distributed scheduler: pip install "ticklab[dask]"'
        ) from None
    if client is None:
        try:
            client = distributed.get_client()
        except ValueError:
            raise ValueError(
                'backend="dask": no Dask client; start one (distributed.Client(...)) '
                "or pass client="
            ) from None
    futures = client.map(run_task, tasks, pure=False)
    return client.gather(futures)


def _table(rows: List[Dict[str, Any]], names: List[str]):
    import pyarrow as pa

    rows = sorted(rows, key=lambda row: row["run"])
    columns: List[str] = list(_FIXED) + names
    for row in rows:
        for name in row:
            if name not in columns:
                columns.append(name)
    return pa.Table.from_pylist([{c: row.get(c) for c in columns} for row in rows])
