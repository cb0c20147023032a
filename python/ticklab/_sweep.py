"""``ticklab.sweep``: the runs ``ticklab sweep`` plans (its space, search,
objective and constraints, walk-forward folds), on local processes, a Ray
cluster or a Dask cluster, as its results table; ``ticklab.monte_carlo``:
the Monte Carlo of a finished run."""

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
    walk_forward: Optional[str] = None,
    monte_carlo: Optional[int] = None,
    run: Any = None,
    slippage_ticks: float = 0.0,
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

        walk_forward: walk-forward folds over the days (``day``, default
            all), as ``ticklab sweep --walk-forward``: ``"train=2d,test=1d"``,
            with ``",anchored"`` to keep the first day. Every point of the
            search runs over each fold's train days, the best over the test
            days after; returns a :class:`WalkForwardResult`.
        monte_carlo, run, slippage_ticks: as ``ticklab sweep --monte-carlo
            N --run FOLDER``: :func:`monte_carlo` of the finished ``run``
            (nothing is swept; ``seed`` seeds the draws).

    Every machine that runs a task needs the ``ticklab`` package and the
    data folder (and strategy files) at the same paths, or a shared
    filesystem.
    """
    if monte_carlo is not None:
        return _monte_carlo(run, monte_carlo, seed=seed, slippage_ticks=slippage_ticks,
                            data=data, samples_name="monte_carlo")
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
            identity=identity, walk_forward=walk_forward,
        )
        common = {"data": data, "symbol": symbol, "strategy": strategy,
                  "class_name": class_name, "keep_equity": walk_forward is not None}

        def run_all(plans: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
            tasks = [_task(common, plan) for plan in plans]
            if backend == "processes":
                return _on_processes(tasks, workers)
            if backend == "ray":
                return _on_ray(tasks)
            return _on_dask(tasks, client)

        import pyarrow.parquet as pq

        rows: List[Dict[str, Any]] = []
        if walk_forward is None:
            while True:
                plans = planner.next_runs(rows)
                if not plans:
                    break
                rows.extend(run_all(plans))
        else:
            rows.extend(run_all(planner.walk_train_runs()))
            rows.extend(run_all(planner.walk_test_runs(rows)))
        path = Path(scratch) / "results.parquet"
        planner.write_results(rows, os.fspath(path))
        results = pq.read_table(path)
        if walk_forward is None:
            return results
        equity = Path(scratch) / "equity"
        equity.mkdir()
        for row in rows:
            if row.get("equity_parquet") is not None:
                (equity / f"{row['run_id']}.parquet").write_bytes(row["equity_parquet"])
        efficiency = planner.write_walk_forward(rows, os.fspath(equity), scratch)
        return WalkForwardResult(
            results=results,
            folds=pq.read_table(Path(scratch) / "walk_forward.parquet"),
            oos_equity=pq.read_table(Path(scratch) / "oos_equity.parquet"),
            efficiency=efficiency,
        )


class WalkForwardResult:
    """What a walk-forward sweep gives, as ``ticklab sweep --walk-forward``
    writes it:

    - ``results``: the results table of every run (``results.parquet``).
    - ``folds``: one row a fold (``walk_forward.parquet``): ``fold``,
      ``train_from``, ``train_to``, ``test_from``, ``test_to``, ``winner``,
      ``train_run``, ``test_run``, ``in_sample``, ``out_of_sample``.
    - ``oos_equity``: the winners' test runs stitched fold after fold
      (``oos_equity.parquet``): ``ts``, ``fold``, ``day``, ``run_id``,
      ``equity``.
    - ``efficiency``: mean out-of-sample over mean in-sample objective
      (``None`` when it cannot be computed).
    """

    def __init__(self, results, folds, oos_equity, efficiency):
        self.results = results
        self.folds = folds
        self.oos_equity = oos_equity
        self.efficiency: Optional[float] = efficiency

    def __repr__(self) -> str:
        return (f"<ticklab.WalkForwardResult {self.folds.num_rows} folds, "
                f"{self.results.num_rows} runs, efficiency {self.efficiency}>")


class MonteCarloResult:
    """The Monte Carlo of a finished run, as ``ticklab sweep --monte-carlo``
    writes it:

    - ``bands``: ``trip``, then ``p5`` ... ``p95`` of the equity after that
      many round trips (``monte_carlo_equity.parquet``).
    - ``percentiles``: ``metric`` (``final_pnl``, ``max_drawdown``,
      ``max_drawdown_pct``), then ``p5`` ... ``p95`` (``monte_carlo.csv``).
    - ``trips``: the run's round trips, each resample's length.
    """

    def __init__(self, bands, percentiles, trips: int):
        self.bands = bands
        self.percentiles = percentiles
        self.trips = trips

    def __repr__(self) -> str:
        return f"<ticklab.MonteCarloResult {self.trips} round trips>"


def monte_carlo(
    run: Any,
    samples: int,
    *,
    seed: int = 0,
    slippage_ticks: float = 0.0,
    data: PathLike = "sample-data",
) -> MonteCarloResult:
    """Resamples the round trips of a finished run ``samples`` times with
    ``seed`` (as ``ticklab sweep --monte-carlo N --run FOLDER``): percentile
    bands of the equity path and of the final PnL and maximum drawdown.

    Args:
        run: a :class:`ticklab.RunResult` or a run's output folder.
        samples: the resamples.
        seed: the seed of the draws.
        slippage_ticks: extra slippage charged on every lot of every round
            trip, ticks (the tick size read from ``data``'s instrument).
        data: the data folder, for the instrument's tick size.

    Raises:
        TypeError: an argument of the wrong type, named with what it takes.
        ValueError: no resample, a negative slippage, a folder that is not
            a finished run's (its ``trades`` table, the round trips, is
            what is resampled) or a run without a closed round trip; the
            message names the argument (``samples=0: ...``).
    """
    return _monte_carlo(run, samples, seed=seed, slippage_ticks=slippage_ticks, data=data,
                        samples_name="samples")


_SEED_MAX = 2**64 - 1


def _monte_carlo(run, samples, *, seed, slippage_ticks, data, samples_name):
    """:func:`monte_carlo`, its number of resamples called ``samples_name``
    in messages (``monte_carlo`` from :func:`sweep`)."""
    from ticklab._run import RunResult

    if isinstance(samples, bool) or not isinstance(samples, int):
        raise TypeError(f"{samples_name}: expected an int, 1 or more, "
                        f"got {type(samples).__name__}")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed: expected an int from 0 to 2**64 - 1, got {type(seed).__name__}")
    if not 0 <= seed <= _SEED_MAX:
        raise ValueError(f"seed={seed}: expected an int from 0 to 2**64 - 1")
    if isinstance(slippage_ticks, bool) or not isinstance(slippage_ticks, (int, float)):
        raise TypeError("slippage_ticks: expected a number of ticks, 0 or more, "
                        f"got {type(slippage_ticks).__name__}")
    if not isinstance(data, (str, os.PathLike)):
        raise TypeError(f"data: expected a data folder (a str or os.PathLike), "
                        f"got {type(data).__name__}")
    import pyarrow.parquet as pq

    with tempfile.TemporaryDirectory(prefix="ticklab-mc-") as scratch:
        if isinstance(run, RunResult):
            if run.out is not None:
                folder = Path(run.out)
            else:
                import json

                folder = Path(scratch) / "run"
                folder.mkdir()
                (folder / "summary.json").write_text(json.dumps(run.summary))
                pq.write_table(run.equity, folder / "equity.parquet")
                pq.write_table(run.trades, folder / "trades.parquet")
        elif isinstance(run, (str, os.PathLike)):
            folder = Path(run)
        else:
            raise TypeError("run: expected a ticklab.RunResult or a finished run's output "
                            f"folder (a str or os.PathLike), got {type(run).__name__}")
        run_label = repr(run) if isinstance(run, RunResult) else repr(os.fspath(run))
        trips = _ticklab.monte_carlo(run=os.fspath(folder), run_label=run_label,
                                     data=os.fspath(data), samples=samples,
                                     samples_name=samples_name, seed=seed,
                                     slippage_ticks=float(slippage_ticks), out=scratch)
        return MonteCarloResult(
            bands=pq.read_table(Path(scratch) / "monte_carlo_equity.parquet"),
            percentiles=pq.read_table(Path(scratch) / "monte_carlo.parquet"),
            trips=trips,
        )


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
        row = _ticklab.collect_row(plan, os.fspath(folder), failure)
        equity = folder / "equity.parquet"
        if common.get("keep_equity") and equity.exists():
            row["equity_parquet"] = equity.read_bytes()
        return row
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
