"""`ticklab.run` gives what `ticklab run` gives, byte for byte, whatever
form the strategy takes."""

import importlib.util
import json
from pathlib import Path

import pyarrow as pa
import pytest

import ticklab
from conftest import SAMPLE_DATA, STRATEGIES, read_bytes

TABLES = ["fills.parquet", "orders.parquet", "equity.parquet", "trades.parquet"]

# A strategy as a notebook cell would define it; the same text is the file
# `ticklab run` gets.
JOINER = '''
import ticklab


class Joiner(ticklab.Strategy):
    """Joins the bid with one post-only order, re-joins when filled; sells
    what it holds at the ask."""

    def __init__(self, qty=0.005):
        self.qty = qty

    def on_bbo(self, ctx, ev):
        book = ctx.book
        if book.best_bid is None or book.best_ask is None or ctx.open_orders:
            return
        if ctx.position > 0:
            ctx.sell(ctx.position, book.best_ask, tif=ticklab.Tif.POST_ONLY)
        else:
            ctx.buy(self.qty, book.best_bid, tif=ticklab.Tif.POST_ONLY)
        print("quoted at", book.best_bid if ctx.position <= 0 else book.best_ask)
'''


def joiner_class():
    namespace = {"__name__": "notebook"}
    exec(compile(JOINER, "<notebook cell>", "exec"), namespace)
    return namespace["Joiner"]


def summary_of(folder: Path) -> dict:
    return json.loads((folder / "summary.json").read_text())


def test_a_class_defined_here_runs_as_its_file_does_in_ticklab_run(tmp_path, cli, generated_day):
    file = tmp_path / "joiner.py"
    file.write_text(JOINER)
    config = tmp_path / "run.toml"
    config.write_text('seed = 3\n[queue]\nmodel = "prob_power"\nn = 2\n[params]\nqty = 0.004\n')
    cli("run", "--data", generated_day, "--symbol", "BTC-PERP", "--strategy", file,
        "--config", config, "--out", tmp_path / "cli")

    res = ticklab.run(data=generated_day, symbol="BTC-PERP", day="2026-03-02",
                      strategy=joiner_class(), params={"qty": 0.004},
                      config={"seed": 3, "queue": {"model": "prob_power", "n": 2}},
                      out=tmp_path / "py", progress=False, log=lambda line: None)

    for name in TABLES + ["log.txt"]:
        assert read_bytes(tmp_path / "py", name) == read_bytes(tmp_path / "cli", name), name
    expected = summary_of(tmp_path / "cli")
    assert expected["strategy"] == str(file)
    expected["strategy"] = "Joiner"
    assert res.summary == expected
    assert summary_of(tmp_path / "py") == expected
    assert res.stats["fills"] > 0
    assert res.fills.num_rows == res.stats["fills"]
    assert res.fills == pa.parquet.read_table(tmp_path / "cli" / "fills.parquet")
    assert res.log[0].endswith(f"quoted at {res.orders.column('price')[0].as_py()}")


def test_a_strategy_file_gives_the_same_bytes_as_ticklab_run(tmp_path, cli, generated_day):
    strategy = STRATEGIES / "queue_mm.py"
    cli("run", "--data", generated_day, "--strategy", strategy, "--out", tmp_path / "cli")
    res = ticklab.run(data=generated_day, strategy=strategy, out=tmp_path / "py",
                      progress=False, log=lambda line: None)
    for name in ["summary.json", "log.txt"] + TABLES:
        assert read_bytes(tmp_path / "py", name) == read_bytes(tmp_path / "cli", name), name
    assert res.summary == summary_of(tmp_path / "cli")
    assert res.out == tmp_path / "py"


def load_class(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, name)


def test_a_class_and_an_instance_give_the_tables_of_their_file(tmp_path, cli, generated_day):
    strategy = STRATEGIES / "queue_mm.py"
    cli("run", "--data", generated_day, "--strategy", strategy, "--out", tmp_path / "cli")
    expected = {name: read_bytes(tmp_path / "cli", name) for name in TABLES}
    cls = load_class(strategy, "QueueMarketMaker")
    quiet = dict(progress=False, log=lambda line: None)
    by_class = ticklab.run(data=generated_day, strategy=cls, out=tmp_path / "class", **quiet)
    by_instance = ticklab.run(data=generated_day, strategy=cls(), out=tmp_path / "instance",
                              **quiet)
    for folder in ["class", "instance"]:
        for name in TABLES:
            assert read_bytes(tmp_path / folder, name) == expected[name], (folder, name)
    assert by_class.summary["strategy"] == "QueueMarketMaker"
    assert by_instance.summary["stats"] == by_class.summary["stats"]


def test_a_rule_file_writes_its_signals_as_ticklab_run_does(tmp_path, cli, generated_day):
    strategy = STRATEGIES / "spread_mm.rules.toml"
    cli("run", "--data", generated_day, "--strategy", strategy, "--out", tmp_path / "cli")
    ticklab.run(data=generated_day, strategy=strategy, out=tmp_path / "py", progress=False)
    for name in ["summary.json", "signals.jsonl"] + TABLES:
        assert read_bytes(tmp_path / "py", name) == read_bytes(tmp_path / "cli", name), name


def test_a_built_in_on_the_sample_data_with_a_dict_config_equals_its_toml(tmp_path, cli):
    config = tmp_path / "run.toml"
    config.write_text(
        'seed = 42\n[queue]\nmodel = "prob_power"\nn = 2.0\n'
        '[latency]\nmodel = "lognormal"\nentry_median_ns = 500_000\n'
        "response_median_ns = 500_000\nsigma = 0.3\n[params]\nqty_lots = 3\n"
    )
    cli("run", "--data", SAMPLE_DATA, "--symbol", "ACME", "--strategy", "mm",
        "--config", config, "--out", tmp_path / "cli", "--no-timing")
    res = ticklab.run(
        data=SAMPLE_DATA, symbol="ACME", strategy="mm",
        config={"seed": 42, "queue": {"model": "prob_power", "n": 2.0},
                "latency": {"model": "lognormal", "entry_median_ns": 500_000,
                            "response_median_ns": 500_000, "sigma": 0.3}},
        params={"qty_lots": 3}, out=tmp_path / "py", progress=False,
    )
    for name in ["summary.json"] + TABLES:
        assert read_bytes(tmp_path / "py", name) == read_bytes(tmp_path / "cli", name), name
    # The TOML file itself gives the same run.
    again = ticklab.run(data=SAMPLE_DATA, symbol="ACME", strategy="mm", config=config,
                        progress=False)
    assert again.summary == res.summary
    assert again.out is None


def test_the_tables_have_the_documented_columns_and_types(generated_day):
    res = ticklab.run(data=generated_day, strategy="mm", params={"qty_lots": 2},
                      progress=False)
    ts = pa.timestamp("ns", tz="UTC")
    assert res.fills.schema.names == [
        "exch_ts", "local_ts", "order_id", "side", "price", "qty", "price_ticks",
        "qty_lots", "liquidity", "fee", "time_in_queue_ns", "slippage_ticks",
        "position_lots",
    ]
    assert res.fills.schema.field("exch_ts").type == ts
    assert res.fills.schema.field("qty_lots").type == pa.int64()
    assert res.equity.schema.names == [
        "ts", "cause", "position_lots", "avg_entry_price", "cash", "realized_pnl",
        "unrealized_pnl", "fees", "funding_paid", "equity", "mark_price",
    ]
    assert res.orders.schema.names[:6] == [
        "exch_ts", "local_ts", "order_id", "event", "state", "side",
    ]
    frames = res.to_pandas()
    fills = frames["fills"]
    assert str(fills["exch_ts"].dtype) == "datetime64[ns, UTC]"
    assert str(fills["price"].dtype) == "float64"
    assert str(fills["position_lots"].dtype) == "int64"
    assert len(fills) == res.summary["stats"]["fills"]
    assert set(fills["side"]) <= {"buy", "sell"}
    assert frames["equity"]["cause"].iloc[-1] == "final"
    final = frames["equity"].iloc[-1]
    assert final["equity"] == res.stats["final_equity"]
    assert final["position_lots"] == res.stats["final_position_lots"]
    trades = frames["trades"]
    assert len(trades) == res.stats["trades"]["round_trips"]
    assert (trades["pnl"] > 0).sum() == res.stats["trades"]["wins"]


def test_numpy_numbers_are_parameters_like_python_ones(generated_day):
    np = pytest.importorskip("numpy", reason="numpy comes with pandas, a test extra")
    by_numpy = ticklab.run(data=generated_day, strategy="mm",
                           params={"qty_lots": np.int64(2), "max_position_lots": np.int32(6)},
                           config={"initial_cash": np.float32(5000.0)}, progress=False)
    by_python = ticklab.run(data=generated_day, strategy="mm",
                            params={"qty_lots": 2, "max_position_lots": 6},
                            config={"initial_cash": 5000.0}, progress=False)
    assert by_numpy.summary == by_python.summary
    assert by_numpy.fills.equals(by_python.fills)


class Watcher(ticklab.Strategy):
    """Looks at every change of the touch and does nothing."""

    def on_bbo(self, ctx, ev):
        self.last = ev.price


@pytest.mark.parametrize("strategy", ["noop", Watcher], ids=["built-in", "python"])
def test_other_threads_run_while_the_engine_works(monkeypatch, strategy):
    import threading

    from ticklab._progress import Progress

    state = {"n": 0, "stop": False}

    def count():
        while not state["stop"]:
            state["n"] += 1

    seen = []

    class Recording(Progress):
        def __call__(self, done, total):
            seen.append(state["n"])

    monkeypatch.setattr("ticklab._run.Progress", Recording)
    counter = threading.Thread(target=count)
    counter.start()
    try:
        ticklab.run(data=SAMPLE_DATA, symbol="BTC-PERP", day="2026-03-02", strategy=strategy)
    finally:
        state["stop"] = True
        counter.join()
    # Between two looks at the run (50 ms of engine work each) the counting
    # thread ran: the run had let go of the interpreter (a Python strategy's
    # run every two switch intervals, 10 ms). (The last slice may end at
    # once, with the data.)
    steps = [later - earlier for earlier, later in zip(seen, seen[1:])]
    assert len(steps) >= 3
    assert all(step > 0 for step in steps[:-1]), steps


def test_two_days_of_two_symbols_give_the_same_bytes_as_ticklab_run(
    tmp_path, cli, three_days_two_symbols
):
    file = tmp_path / "joiner.py"
    file.write_text(JOINER)
    data = three_days_two_symbols
    cli("run", "--data", data, "--symbol", "BTC-PERP,ETH-PERP", "--day",
        "2026-03-03..2026-03-04", "--warmup", "2h", "--strategy", file,
        "--out", tmp_path / "cli")

    res = ticklab.run(data=data, symbol=["BTC-PERP", "ETH-PERP"],
                      day=["2026-03-03", "2026-03-04"], warmup="2h", strategy=joiner_class(),
                      out=tmp_path / "py", progress=False, log=lambda line: None)

    for name in TABLES + ["log.txt"]:
        assert read_bytes(tmp_path / "py", name) == read_bytes(tmp_path / "cli", name), name
    expected = summary_of(tmp_path / "cli")
    expected["strategy"] = "Joiner"
    assert res.summary == expected
    assert res.summary["days"] == ["2026-03-03", "2026-03-04"]
    assert res.summary["symbols"] == ["BTC-PERP", "ETH-PERP"]
    assert res.summary["warmup"]["days"] == ["2026-03-02"]
    assert [d["day"] for d in res.summary["by_day"]] == ["2026-03-03", "2026-03-04"]
    assert [s["symbol"] for s in res.summary["by_symbol"]] == ["BTC-PERP", "ETH-PERP"]
    assert res.stats["fills"] > 0
    assert set(res.fills.column("symbol").to_pylist()) == {"BTC-PERP", "ETH-PERP"}
    # The range, the comma list and "all" from the second day name the same run.
    for day in ["2026-03-03..2026-03-04", "2026-03-03,2026-03-04"]:
        again = ticklab.run(data=data, symbol="BTC-PERP,ETH-PERP", day=day, warmup="2h",
                            strategy=joiner_class(), progress=False, log=lambda line: None)
        assert again.summary == res.summary, day


def test_to_polars_gives_the_tables_with_their_columns_and_types(generated_day):
    import polars as pl

    res = ticklab.run(data=generated_day, strategy="mm", params={"qty_lots": 2},
                      progress=False)
    frames = res.to_polars()
    assert sorted(frames) == ["equity", "fills", "orders", "trades"]
    fills = frames["fills"]
    assert isinstance(fills, pl.DataFrame)
    assert fills.columns == res.fills.schema.names
    assert fills.height == res.stats["fills"] > 0
    assert fills.schema["exch_ts"] == pl.Datetime("ns", "UTC")
    assert fills.schema["qty_lots"] == pl.Int64
    assert fills.schema["price"] == pl.Float64
    assert fills.schema["side"] == pl.String
    assert fills["position_lots"].to_list() == res.fills.column("position_lots").to_pylist()
    equity = frames["equity"]
    assert equity["cause"][-1] == "final"
    assert equity["equity"][-1] == res.stats["final_equity"]
    assert frames["orders"].height == res.orders.num_rows
    assert frames["trades"].height == res.trades.num_rows
