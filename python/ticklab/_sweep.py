"""``ticklab.sweep``: the runs ``ticklab sweep`` plans (its space, search,
objective and constraints), on local processes, a Ray cluster or a Dask
cluster, as its results table."""

from __future__ import annotations

import inspect
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Union

from ticklab import _ticklab

BACKENDS = ("processes", "ray", "dask")

PathLike = Union[str, "os.PathLike[str]"]


def sweep(
    data: PathLike = "sample-data",
    symbol: Optional[str] = None,
    day: Optional[str] = None,
    strategy: Any = "mm",
    space: Optional[Mapping[str, Any]] = None,
    config: Union[None, PathLike, Mapping[str, Any]] = None,
    params: Optional[Mapping[str, Any]] = None,
    *,
    search: str = "grid",
    samples: Optional[int] = None,
    population: Optional[int] = None,
    generations: Optional[int] = None,
    seed: int = 0,
    objective: str = "sharpe",
    require: Sequence[str] = (),
    class_name: Optional[str] = None,
    backend: str = "processes",
    workers: Optional[int] = None,
    client: Any = None,
):
    """Runs ``strategy`` over a space of parameters and returns the results
    as a ``pyarrow.Table``, the ``results.parquet`` ``ticklab sweep`` writes:
    ``rank`` (best first by ``objective`` among the runs meeting
    ``require``), ``run_id``, one column per axis of the space, the status,
    the error and the runs' statistics. Each row replays alone: its run is
    ``ticklab.run`` with the point's parameters.

    Args:
        data, symbol, day, strategy, class_name: as for :func:`ticklab.run`
            (a strategy class or instance travels to the workers by value).
        space: the axes: each key a strategy parameter or a dotted
            run-configuration field (``"queue.model"``), each value a list of
            values or a ``"from..to:step"`` range:
            ``{"qty_lots": [1, 2, 3], "latency.entry_ns": "100000..500000:200000"}``.
        config: the configuration every run starts from, a dict or a TOML
            file; its ``[sweep]`` table adds axes and its ``[params]`` are
            the strategy's fixed parameters.
        params: fixed parameters of the strategy, added to a dict
            ``config``'s ``[params]`` (with a TOML file, write them in it).
        search: ``"grid"`` (every point), ``"random"`` (``samples`` points
            drawn with ``seed``) or ``"genetic"`` (``population`` points a
            generation, ``generations`` generations, ``seed``).
        objective: the statistic to optimise, ``"max:"`` or ``"min:"``
            before it to say which way (``"sharpe"``, ``"min:max_drawdown"``).
        require: conditions a counted run must meet (``"fills>10"``).
        backend: ``"processes"`` (default: local worker processes, one per
            core, or ``workers``), ``"ray"`` (one Ray task per run on the
            cluster ``ray.init()`` connected to, or a local one) or
            ``"dask"`` (one task per run on ``client``, a
            ``distributed.Client``, or the current client).

    Every machine that runs a task needs the ``ticklab`` package and the
    data folder (and strategy files) at the same paths, or a shared
    filesystem.
    """
    if backend not in BACKENDS:
        raise ValueError(f"backend: {backend!r} is not one of {', '.join(BACKENDS)}")
    if not isinstance(space, Mapping):
        raise TypeError("space: expected a dict of axes (name: list of values or 'from..to:step')")
    if isinstance(require, str):
        require = [require]
    data = os.path.abspath(os.fspath(data))
    if isinstance(strategy, (str, os.PathLike)):
        strategy = os.fspath(strategy)
        if os.path.exists(strategy):
            strategy = os.path.abspath(strategy)
    if isinstance(config, (str, os.PathLike)):
        if params:
            raise ValueError("params: with a config file, write them in its [params] table "
                             "(or give config as a dict)")
        config = os.path.abspath(os.fspath(config))
    elif config is None or isinstance(config, Mapping):
        config = dict(config or {})
        if params:
            config["params"] = {**config.get("params", {}), **params}

    with tempfile.TemporaryDirectory(prefix="ticklab-sweep-") as scratch:
        label, identity_text = _strategy_for_planner(strategy, Path(scratch))
        identity = "\n".join([label, class_name or "", data, symbol or "", identity_text])
        planner = _ticklab.SweepPlanner(
            data=data, symbol=symbol, day=day, strategy=label, config=config,
            space=dict(space), search=search, samples=samples, population=population,
            generations=generations, seed=seed, objective=objective, require=list(require),
            identity=identity,
        )
        common = {"data": data, "symbol": symbol, "strategy": strategy,
                  "class_name": class_name}
        rows: List[Dict[str, Any]] = []
        while True:
            plans = planner.next_runs(rows)
            if not plans:
                break
            tasks = [_task(common, plan) for plan in plans]
            if backend == "processes":
                rows.extend(_on_processes(tasks, workers))
            elif backend == "ray":
                rows.extend(_on_ray(tasks))
            else:
                rows.extend(_on_dask(tasks, client))
        path = Path(scratch) / "results.parquet"
        planner.write_results(rows, os.fspath(path))
        import pyarrow.parquet as pq

        return pq.read_table(path)


def _strategy_for_planner(strategy: Any, scratch: Path):
    """The strategy as the planner knows it, and the text that identifies
    it: a name or file as it is (with the file's text); for a class or
    instance, a file declaring its class with its ``__init__`` parameters,
    so that the space's parameter names are checked."""
    if isinstance(strategy, str):
        try:
            text = Path(strategy).read_text()
        except (OSError, UnicodeDecodeError):
            text = ""
        return strategy, text
    cls = strategy if isinstance(strategy, type) else type(strategy)
    try:
        signature = str(inspect.signature(cls.__init__))
        stub = f"import ticklab\n\n\nclass {cls.__name__}(ticklab.Strategy):\n" \
            f"    def __init__{signature}:\n        pass\n"
        compile(stub, "<stub>", "exec")
    except (TypeError, ValueError, SyntaxError):
        stub = f"import ticklab\n\n\nclass {cls.__name__}(ticklab.Strategy):\n" \
            "    def __init__(self, **params):\n        pass\n"
    file = scratch / f"{cls.__name__}.py"
    file.write_text(stub)
    try:
        text = inspect.getsource(cls)
    except (OSError, TypeError):
        text = stub
    return os.fspath(file), text


def _task(common: Dict[str, Any], plan: Dict[str, Any]) -> bytes:
    """One run as bytes a worker anywhere can take (the strategy object by
    value)."""
    import cloudpickle

    return cloudpickle.dumps((common, plan))


def run_task(task: bytes) -> Dict[str, Any]:
    """Runs one planned run where it is called (a worker process, a Ray or
    Dask task) and returns its results row."""
    import cloudpickle

    import ticklab

    common, plan = cloudpickle.loads(task)
    scratch = Path(tempfile.mkdtemp(prefix="ticklab-sweep-run-"))
    try:
        config = scratch / "run.toml"
        config.write_text(plan["config_toml"])
        folder = scratch / plan["run_id"]
        failure = None
        try:
            ticklab.run(data=common["data"], symbol=common["symbol"], day=plan["day"],
                        strategy=common["strategy"], class_name=common["class_name"],
                        config=config, out=folder, progress=False, log=lambda line: None)
        except ticklab.TicklabError:
            pass  # the folder's summary says why
        except (ValueError, TypeError, OSError) as err:
            failure = str(err)
        return _ticklab.collect_row(plan, os.fspath(folder), failure)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _on_processes(tasks: List[bytes], workers: Optional[int]) -> List[Dict[str, Any]]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    workers = min(workers or os.cpu_count() or 1, len(tasks))
    # Fresh interpreters: no threads or locks inherited from this one.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        return list(pool.map(run_task, tasks))


def _on_ray(tasks: List[bytes]) -> List[Dict[str, Any]]:
    try:
        import ray
    except ImportError:
        raise ImportError('backend="ray" needs Ray: pip install "ticklab[ray]"') from None
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
    return client.gather(client.map(run_task, tasks, pure=False))
