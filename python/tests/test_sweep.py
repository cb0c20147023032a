"""`ticklab.sweep`: a grid of runs as one table, the same on local
processes, a Ray cluster and a Dask cluster, each row what `ticklab.run`
gives for its parameters."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pytest

import ticklab
from ticklab._sweep import grid

SPACE = {"qty_lots": [1, 2], "max_position_lots": [5, 10]}

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


def test_a_grid_varies_the_last_name_fastest():
    assert grid(SPACE) == [
        {"qty_lots": 1, "max_position_lots": 5},
        {"qty_lots": 1, "max_position_lots": 10},
        {"qty_lots": 2, "max_position_lots": 5},
        {"qty_lots": 2, "max_position_lots": 10},
    ]
    with pytest.raises(TypeError) as raised:
        grid({"qty_lots": 3})
    assert str(raised.value) == "space['qty_lots']: expected a list of values, got int"


@pytest.fixture(scope="module")
def expected(generated_day):
    """The table the sweep must give, run by run through `ticklab.run`."""
    rows = []
    for index, point in enumerate(grid(SPACE)):
        res = ticklab.run(data=generated_day, strategy="mm", params=point,
                          config={"seed": 5}, progress=False)
        stats = {k: v for k, v in res.stats.items()
                 if isinstance(v, (int, float)) or v is None}
        rows.append({"run": index, "status": "ok", "error": None, **point, **stats})
    return pa.Table.from_pylist(rows)


def sweep_on(generated_day, backend, **kwargs):
    return ticklab.sweep(data=generated_day, strategy="mm", space=SPACE,
                         config={"seed": 5}, backend=backend, **kwargs)


def test_processes_give_each_runs_own_results(generated_day, expected):
    table = sweep_on(generated_day, "processes", workers=2)
    assert table.column_names[:5] == ["run", "status", "error", "qty_lots", "max_position_lots"]
    assert table.num_rows == 4
    assert table.equals(expected)
    # The points differ, and so do their runs.
    assert len(set(table.column("pnl").to_pylist())) == 4


def test_a_class_defined_here_travels_to_the_workers(generated_day):
    namespace = {"__name__": "notebook"}
    exec(compile(QUOTER, "<notebook cell>", "exec"), namespace)
    quoter = namespace["Quoter"]
    table = ticklab.sweep(data=generated_day, strategy=quoter,
                          space={"qty": [0.001, 0.002]}, params={"limit": 0.004}, workers=2)
    for row in table.to_pylist():
        alone = ticklab.run(data=generated_day, strategy=quoter,
                            params={"limit": 0.004, "qty": row["qty"]}, progress=False)
        assert row["status"] == "ok"
        assert (row["pnl"], row["fills"]) == (alone.stats["pnl"], alone.stats["fills"])


def test_a_failing_point_is_a_failed_row(generated_day):
    table = ticklab.sweep(data=generated_day, strategy="mm",
                          space={"qty_lots": [1, -1]}, workers=1)
    rows = table.to_pylist()
    assert [row["status"] for row in rows] == ["ok", "failed"]
    assert rows[1]["error"] == ("strategy on_market failed at event 35 (local time "
                                "1772409600001068475 ns): order quantity must be at least 1 "
                                "lot, got -1")


def test_a_bad_backend_is_named():
    with pytest.raises(ValueError) as raised:
        ticklab.sweep(space=SPACE, backend="spark")
    assert str(raised.value) == "backend: 'spark' is not one of processes, ray, dask"


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


def test_ray_gives_the_table_of_processes(generated_day, expected, ray_head):
    table = sweep_on(generated_day, "ray")
    assert table.equals(expected)


def test_dask_gives_the_table_of_processes(generated_day, expected):
    distributed = pytest.importorskip(
        "distributed", reason="dask is installed by `pip install ticklab[dask]`"
    )
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster:
        with distributed.Client(cluster) as client:
            table = sweep_on(generated_day, "dask", client=client)
            # The current client is found without being named.
            again = sweep_on(generated_day, "dask")
    assert table.equals(expected)
    assert again.equals(expected)
