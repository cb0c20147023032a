"""`ticklab.sweep`: the results table of `ticklab sweep`, the same on local
processes, a Ray cluster and a Dask cluster, each row what `ticklab.run`
gives for its point."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import ticklab
from conftest import SAMPLE_DATA

SPACE = {"qty_lots": [1, 2], "max_position_lots": [5, 10]}
GRID = ["--grid", "qty_lots=1,2", "--grid", "max_position_lots=5,10"]

QUOTER = '''
import ticklab


class Quoter(ticklab.Strategy):
    """One post-only order at the touch on the side that brings the
    position back towards zero."""

    def __init__(self, qty=0.001, limit=0.005):
        self.qty, self.limit = qty, limit

    def on_bbo(self, ctx, ev):
        book = ctx.book
        if ctx.open_orders or book.best_bid is None or book.best_ask is None:
            return
        if ctx.position + self.qty <= self.limit + 1e-12:
            ctx.buy(self.qty, book.best_bid, tif=ticklab.Tif.POST_ONLY)
        else:
            ctx.sell(self.qty, book.best_ask, tif=ticklab.Tif.POST_ONLY)
'''


@pytest.fixture(scope="module")
def config(tmp_path_factory):
    path = tmp_path_factory.mktemp("sweep") / "run.toml"
    path.write_text("seed = 5\n[queue]\nmodel = \"prob_power\"\nn = 2.0\n")
    return path


@pytest.fixture(scope="module")
def expected(tmp_path_factory, cli, generated_day, config):
    """`ticklab sweep`'s results table of the grid."""
    out = tmp_path_factory.mktemp("cli") / "sweep"
    cli("sweep", "--data", generated_day, "--strategy", "mm", *GRID, "--config", config,
        "--out", out)
    return pq.read_table(out / "results.parquet")


def sweep_on(generated_day, config, backend, **kwargs):
    return ticklab.sweep(data=generated_day, strategy="mm", space=SPACE, config=config,
                         backend=backend, **kwargs)


def test_processes_give_the_results_table_of_ticklab_sweep(generated_day, config, expected):
    table = sweep_on(generated_day, config, "processes", workers=2)
    assert table.column_names[:6] == [
        "rank", "run_id", "qty_lots", "max_position_lots", "day", "generation",
    ]
    assert table.num_rows == 4
    assert table.equals(expected)
    # Best first by Sharpe: the points differ, and so do their runs.
    sharpe = table.column("sharpe").to_pylist()
    assert sharpe == sorted(sharpe, reverse=True)
    assert len(set(table.column("pnl").to_pylist())) == 4


def test_each_row_is_the_run_of_its_point(generated_day, config):
    table = sweep_on(generated_day, config, "processes", workers=2)
    for row in table.to_pylist()[:2]:
        alone = ticklab.run(data=generated_day, strategy="mm", config=config, progress=False,
                            params={"qty_lots": row["qty_lots"],
                                    "max_position_lots": row["max_position_lots"]})
        # The analyzer reads summary.json's numbers with serde_json's fast
        # float parser, which may land one ulp from the shortest round-trip
        # text Python reads exactly.
        assert row["fills"] == alone.stats["fills"]
        assert row["pnl"] == pytest.approx(alone.stats["pnl"], rel=1e-15)
        assert row["sharpe"] == pytest.approx(alone.stats["sharpe"], rel=1e-15)


def test_a_random_search_draws_the_points_ticklab_sweep_draws(tmp_path, cli, generated_day):
    space = ["--range", "qty_lots=1..4:1", "--grid", "max_position_lots=5,10"]
    cli("sweep", "--data", generated_day, "--strategy", "mm", *space, "--search", "random",
        "--samples", 3, "--seed", 4, "--objective", "max:pnl", "--out", tmp_path / "cli")
    table = ticklab.sweep(data=generated_day, strategy="mm",
                          # `ticklab sweep` puts --grid axes before --range axes.
                          space={"max_position_lots": [5, 10], "qty_lots": "1..4:1"},
                          search="random", samples=3, seed=4, objective="max:pnl", workers=2)
    assert table.equals(pq.read_table(tmp_path / "cli" / "results.parquet"))


def test_a_class_defined_here_travels_to_the_workers(generated_day):
    namespace = {"__name__": "notebook"}
    exec(compile(QUOTER, "<notebook cell>", "exec"), namespace)
    quoter = namespace["Quoter"]
    table = ticklab.sweep(data=generated_day, strategy=quoter,
                          space={"qty": [0.001, 0.002]}, params={"limit": 0.004}, workers=2)
    rows = table.to_pylist()
    assert sorted(row["qty"] for row in rows) == [0.001, 0.002]
    for row in rows:
        alone = ticklab.run(data=generated_day, strategy=quoter,
                            params={"limit": 0.004, "qty": row["qty"]}, progress=False)
        assert row["status"] == "ok"
        assert row["fills"] == alone.stats["fills"]
        assert row["pnl"] == pytest.approx(alone.stats["pnl"], rel=1e-15)
    # The class's parameters are checked before any run.
    with pytest.raises(ValueError) as raised:
        ticklab.sweep(data=generated_day, strategy=quoter, space={"qyt": [1]})
    assert str(raised.value).startswith("space[\"qyt\"]: unknown parameter `qyt` of strategy ")
    assert str(raised.value).endswith("its parameters: limit, qty")


def test_a_failing_point_is_a_failed_row(generated_day):
    table = ticklab.sweep(data=generated_day, strategy="mm",
                          space={"qty_lots": [1, -1]}, workers=1)
    rows = {row["qty_lots"]: row for row in table.to_pylist()}
    assert rows[1]["status"] == "ok"
    assert rows[-1]["status"] == "failed"
    assert rows[-1]["error"] == ("on_market failed at event 35 (00:00:00.001 068 UTC, "
                                 "2026-03-02): order quantity must be at least 1 lot, got -1")


def test_bad_arguments_are_named():
    with pytest.raises(ValueError) as raised:
        ticklab.sweep(space=SPACE, backend="spark")
    assert str(raised.value) == "backend: 'spark' is not one of processes, ray, dask"
    with pytest.raises(ValueError) as raised:
        ticklab.sweep(data=SAMPLE_DATA, symbol="ACME", space=SPACE, search="annealing")
    assert str(raised.value) == 'search: "annealing" is not one of grid, random, genetic'


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def ray_head(tmp_path_factory):
    """A Ray head on 127.0.0.1, started as a real cluster is
    (`ray start --head --block`) and stopped by its process id."""
    ray = pytest.importorskip("ray", reason="ray is installed by `pip install ticklab[ray]`")
    port = free_port()
    ray_bin = Path(sys.executable).with_name("ray")
    log = open(tmp_path_factory.mktemp("ray") / "head.log", "w")
    head = subprocess.Popen(
        [str(ray_bin), "start", "--head", "--block", f"--port={port}",
         "--node-ip-address=127.0.0.1", "--num-cpus=2", "--include-dashboard=false",
         "--disable-usage-stats"],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        address = f"127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            try:
                ray.init(address=address, log_to_driver=False)
                break
            except Exception:  # the head is still starting
                if time.monotonic() > deadline or head.poll() is not None:
                    raise
                time.sleep(1)
        yield address
    finally:
        ray.shutdown()
        # The head and the processes it started are one process group.
        os.killpg(head.pid, signal.SIGTERM)
        try:
            head.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(head.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        head.wait()
        log.close()


def test_ray_gives_the_table_of_ticklab_sweep(generated_day, config, expected, ray_head):
    table = sweep_on(generated_day, config, "ray")
    assert table.equals(expected)


def test_dask_gives_the_table_of_ticklab_sweep(generated_day, config, expected):
    distributed = pytest.importorskip(
        "distributed", reason="dask is installed by `pip install ticklab[dask]`"
    )
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster:
        with distributed.Client(cluster) as client:
            table = sweep_on(generated_day, config, "dask", client=client)
            # The current client is found without being named.
            again = sweep_on(generated_day, config, "dask")
    assert table.equals(expected)
    assert again.equals(expected)


@pytest.fixture(scope="module")
def four_days(tmp_path_factory, cli):
    """BTC-PERP over 2026-03-02 to 2026-03-05: `ticklab sample --seed 7
    --events 8000`, each later day the first's events shifted by whole
    days, seeds apart so the days differ."""
    import pyarrow.compute as pc

    root = tmp_path_factory.mktemp("days")
    folder = root / "four"
    (folder / "BTC-PERP").mkdir(parents=True)
    for later in range(4):
        made = root / f"seed{later}"
        cli("sample", "--out", made, "--seed", 7 + later, "--events", 8000,
            "--symbol", "BTC-PERP")
        if later == 0:
            (folder / "BTC-PERP" / "instrument.toml").write_text(
                (made / "BTC-PERP" / "instrument.toml").read_text())
        day = pq.read_table(made / "BTC-PERP" / "2026-03-02.parquet")
        for column in ["exch_ts", "local_ts"]:
            index = day.schema.get_field_index(column)
            shifted = pc.add(day.column(column), later * 86_400 * 10**9)
            day = day.set_column(index, day.schema.field(column), shifted)
        pq.write_table(day, folder / "BTC-PERP" / f"2026-03-0{2 + later}.parquet")
    return folder


def test_walk_forward_gives_the_tables_of_ticklab_sweep(tmp_path, cli, four_days):
    out = tmp_path / "cli"
    done = cli("sweep", "--data", four_days, "--strategy", "mm", "--day", "all",
               "--grid", "qty_lots=1,2,3", "--walk-forward", "train=2d,test=1d",
               "--objective", "pnl", "--jobs", 2, "--out", out)
    walked = ticklab.sweep(data=four_days, strategy="mm", space={"qty_lots": [1, 2, 3]},
                           walk_forward="train=2d,test=1d", objective="pnl", workers=2)
    assert walked.results.equals(pq.read_table(out / "results.parquet"))
    assert walked.folds.equals(pq.read_table(out / "walk_forward.parquet"))
    assert walked.oos_equity.equals(pq.read_table(out / "oos_equity.parquet"))
    # Two folds of three two-day train runs, then each winner's test day.
    assert walked.results.num_rows == 8
    assert walked.folds.column("test_from").to_pylist() == ["2026-03-04", "2026-03-05"]
    efficiency = [line for line in done.stdout.splitlines() if "efficiency" in line]
    assert efficiency == [
        "walk-forward efficiency (mean out-of-sample / mean in-sample): "
        + ("n/a" if walked.efficiency is None else f"{walked.efficiency:.6f}")
    ]


def test_walk_forward_refuses_a_genetic_search_and_too_few_days(generated_day):
    with pytest.raises(ValueError, match='walk_forward: optimises each fold with search="grid"'):
        ticklab.sweep(data=generated_day, strategy="mm", space=SPACE, search="genetic",
                      population=2, generations=2, walk_forward="train=2d,test=1d")
    with pytest.raises(ValueError) as raised:
        ticklab.sweep(data=generated_day, strategy="mm", space=SPACE,
                      walk_forward="train=2d,test=1d")
    assert str(raised.value) == (
        "--walk-forward: 1 day(s) of data, too few for one fold of 2 train and 1 test days"
    )


def test_monte_carlo_gives_the_tables_of_ticklab_sweep(tmp_path, cli, generated_day):
    res = ticklab.run(data=generated_day, strategy="mm", params={"qty_lots": 2},
                      out=tmp_path / "run", progress=False)
    cli("sweep", "--data", generated_day, "--monte-carlo", 200, "--run", tmp_path / "run",
        "--seed", 9, "--slippage-ticks", 0.5, "--out", tmp_path / "mc")
    expected_bands = pq.read_table(tmp_path / "mc" / "monte_carlo_equity.parquet")
    import pyarrow.csv as pcsv

    expected = pcsv.read_csv(tmp_path / "mc" / "monte_carlo.csv")
    by_folder = ticklab.monte_carlo(tmp_path / "run", 200, seed=9, slippage_ticks=0.5,
                                    data=generated_day)
    by_result = ticklab.monte_carlo(res, 200, seed=9, slippage_ticks=0.5, data=generated_day)
    by_sweep = ticklab.sweep(data=generated_day, monte_carlo=200, run=res, seed=9,
                             slippage_ticks=0.5)
    for mc in [by_folder, by_result, by_sweep]:
        assert mc.bands.equals(expected_bands)
        assert mc.percentiles.column_names == expected.column_names
        assert mc.percentiles.column("metric").to_pylist() == [
            "final_pnl", "max_drawdown", "max_drawdown_pct"]
        for name in ["p5", "p25", "p50", "p75", "p95"]:
            assert mc.percentiles.column(name).to_pylist() == pytest.approx(
                expected.column(name).to_pylist(), rel=1e-12), name
    assert by_folder.trips == expected_bands.num_rows - 1 > 0
    # The same in the temporary folder a result without `out` is written to.
    quiet = ticklab.run(data=generated_day, strategy="mm", params={"qty_lots": 2},
                        progress=False)
    assert ticklab.monte_carlo(quiet, 200, seed=9, slippage_ticks=0.5,
                               data=generated_day).bands.equals(expected_bands)
    with pytest.raises(ValueError, match="samples=0: give at least one resample"):
        ticklab.monte_carlo(res, 0)


def test_monte_carlo_errors_name_the_python_arguments_and_what_they_take(
        tmp_path, cli, generated_day):
    res = ticklab.run(data=generated_day, strategy="mm", params={"qty_lots": 2},
                      out=tmp_path / "run", progress=False)

    def message(error, *args, call=ticklab.monte_carlo, **kwargs):
        with pytest.raises(error) as raised:
            call(*args, **kwargs)
        return str(raised.value)

    taken = "give at least one resample (an int, 1 or more)"
    assert message(ValueError, res, 0) == f"samples=0: {taken}"
    assert message(ValueError, res, -3) == f"samples=-3: {taken}"
    assert message(TypeError, res, 2.5) == "samples: expected an int, 1 or more, got float"
    assert message(ValueError, data=generated_day, monte_carlo=0, run=res,
                   call=ticklab.sweep) == f"monte_carlo=0: {taken}"
    assert message(ValueError, res, 10, slippage_ticks=-1) == (
        "slippage_ticks=-1.0: must be a number of ticks, 0 or more")
    assert message(TypeError, res, 10, slippage_ticks="1") == (
        "slippage_ticks: expected a number of ticks, 0 or more, got str")
    assert message(ValueError, res, 10, seed=-1) == "seed=-1: expected an int from 0 to 2**64 - 1"
    assert message(TypeError, 7, 10) == (
        "run: expected a ticklab.RunResult or a finished run's output folder "
        "(a str or os.PathLike), got int")

    empty = tmp_path / "empty"
    empty.mkdir()
    assert message(ValueError, empty, 10) == (
        f"run={str(empty)!r}: no summary.json; run= takes a ticklab.RunResult or the out "
        "folder of a finished run (No such file or directory (os error 2))")
    # The command line says the same of its own flags.
    done = cli("sweep", "--data", generated_day, "--monte-carlo", 10, "--run", empty,
               "--out", tmp_path / "mc", check=False)
    assert done.returncode != 0
    assert (f"--run {empty}: no summary.json; is it a finished run's folder?: "
            "No such file or directory (os error 2)") in done.stderr

    summary_only = tmp_path / "summary_only"
    summary_only.mkdir()
    (summary_only / "summary.json").write_bytes((tmp_path / "run" / "summary.json").read_bytes())
    assert message(ValueError, summary_only, 10) == (
        f"run={str(summary_only)!r}: no trades.parquet (the run's round trips); "
        "rerun it with ticklab.run, which writes it")

    quiet = ticklab.run(data=generated_day, strategy="noop", progress=False)
    assert message(ValueError, quiet, 10) == (
        f"run={quiet!r}: the run has no closed round trip to resample")

    other = tmp_path / "other"
    cli("sample", "--out", other, "--seed", 1, "--events", 1000, "--symbol", "ETH-PERP",
        "--day", "2026-03-02")
    assert message(ValueError, res, 10, slippage_ticks=0.5, data=other) == (
        f"data='{other}': no instrument \"BTC-PERP\", needed to value slippage_ticks=0.5")
