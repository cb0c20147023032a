"""Bad input raises at once with ticklab's message; a failing strategy
raises `ticklab.StrategyError` with its traceback and the rows up to it;
Ctrl-C stops a run at once."""

import json
import os
import signal
import threading
import time

import pytest

import ticklab
from conftest import SAMPLE_DATA, read_bytes

FAILING = '''
import ticklab


class Failing(ticklab.Strategy):
    """Quotes the bid, then divides by zero 100 s into the day."""

    def on_bbo(self, ctx, ev):
        if not ctx.open_orders:
            ctx.buy(0.001, ctx.book.best_bid, tif=ticklab.Tif.POST_ONLY)
        if ctx.now >= 1772409700000000000:
            1 / 0
'''


def test_a_strategy_exception_raises_strategy_error_with_the_cli_error(
    tmp_path, cli, generated_day
):
    file = tmp_path / "failing.py"
    file.write_text(FAILING)
    done = cli("run", "--data", generated_day, "--strategy", file, "--out", tmp_path / "cli",
               check=False)
    assert done.returncode != 0
    expected = json.loads((tmp_path / "cli" / "summary.json").read_text())["error"]

    namespace = {}
    exec(compile(FAILING, str(file), "exec"), namespace)
    with pytest.raises(ticklab.StrategyError) as raised:
        ticklab.run(data=generated_day, strategy=namespace["Failing"], out=tmp_path / "py",
                    progress=False)
    err = raised.value
    assert err.message == expected["message"]
    assert err.message == ("on_bbo failed at event 85 (00:01:40.983 369 UTC, 2026-03-02): "
                           "failing.py:12: ZeroDivisionError: division by zero")
    assert err.detail == expected["detail"]
    assert err.traceback.endswith("1 / 0\n    ~~^~~\nZeroDivisionError: division by zero")
    assert (err.event_index, err.ts_ns, err.data_time) == (
        85, expected["ts_ns"], "2026-03-02 00:01:40.983369078 UTC"
    )
    assert str(err).startswith(
        expected["message"] + " (at 2026-03-02 00:01:40.983369078 UTC, event 85)\nTraceback"
    )
    # The rows up to the failure, as `ticklab run` wrote them.
    result = err.result
    assert result.summary["status"] == "failed"
    assert result.orders.num_rows > 0
    for name in ["orders.parquet", "fills.parquet", "equity.parquet"]:
        assert read_bytes(tmp_path / "py", name) == read_bytes(tmp_path / "cli", name), name


@pytest.mark.parametrize(
    "config, message",
    [
        # (The list of fields grows with the configuration: its start is enough.)
        ({"quue": 1}, 'config["quue"]: unknown field `quue`, expected one of `initial_cash`, '
         "`seed`, `equity_step_ns`, `feed_latency_ns`, `queue`, `latency`, `fees`, `impact`, "),
        ({"queue": {"model": "fast"}}, 'config["queue"]["model"]: unknown variant `fast`, '
         "expected one of `risk_averse`, `prob_power`, `prob_power3`, `prob_log`, `fifo`"),
        ({"seed": "a"}, 'config["seed"]: invalid type: string "a", expected u64'),
    ],
)
def test_a_bad_config_key_raises_value_error_naming_it(generated_day, config, message):
    with pytest.raises(ValueError) as raised:
        ticklab.run(data=generated_day, strategy="noop", config=config, progress=False)
    if "unknown field" in message:
        assert str(raised.value).startswith(message)
        assert "`params`" in str(raised.value)
    else:
        assert str(raised.value) == message


def test_a_bad_config_file_names_its_line_and_column(tmp_path, generated_day):
    config = tmp_path / "run.toml"
    config.write_text("seed = 1\n[queue]\nmodel = \"fast\"\n")
    with pytest.raises(ValueError) as raised:
        ticklab.run(data=generated_day, strategy="noop", config=config, progress=False)
    assert str(raised.value).startswith(f"{config}: TOML parse error at line 3, column 9\n")
    assert str(raised.value).endswith("unknown variant `fast`, expected one of `risk_averse`, "
                                      "`prob_power`, `prob_power3`, `prob_log`, `fifo`")


@pytest.mark.parametrize(
    "arguments, error, message",
    [
        (dict(strategy=42), TypeError, "strategy: expected a ticklab.Strategy subclass or "
         "instance, a .py or rule file, or a built-in name; got int"),
        (dict(strategy=dict), TypeError, "strategy: the class dict is not a subclass of "
         "ticklab.Strategy"),
        (dict(strategy="nope"), ValueError, "strategy nope: unknown strategy; built-in "
         "strategies: noop, mm"),
        (dict(data=3), TypeError, "data: expected a folder path (str or os.PathLike), got int"),
        (dict(day=20260302), TypeError, 'day: expected a day "YYYY-MM-DD" (str), got int'),
        (dict(day="2026-13-01"), ValueError, 'day: "2026-13-01" is not a date (expected '
         "YYYY-MM-DD)"),
        (dict(config=3), TypeError, "config: expected a dict or a TOML file path, got int"),
        (dict(params=[1]), TypeError, "params: expected a dict of parameters, got list"),
        (dict(params={"qty": {1, 2}}), TypeError, "params[\"qty\"]: a set cannot be given "
         "(use bool, int, float, str, list or dict)"),
    ],
)
def test_wrong_arguments_raise_naming_the_argument(generated_day, arguments, error, message):
    with pytest.raises(error) as raised:
        ticklab.run(**{"data": generated_day, "strategy": "noop", "progress": False,
                       **arguments})
    assert str(raised.value) == message


def test_an_unknown_symbol_names_what_the_folder_has(generated_day):
    with pytest.raises(ValueError) as raised:
        ticklab.run(data=generated_day, symbol="ZZZ", strategy="noop", progress=False)
    assert str(raised.value) == f'{generated_day}: no symbol "ZZZ"; the folder has: BTC-PERP'


def test_params_for_an_instance_are_refused(generated_day):
    class Quiet(ticklab.Strategy):
        pass

    with pytest.raises(ticklab.StrategyError) as raised:
        ticklab.run(data=generated_day, strategy=Quiet(), params={"qty": 1}, progress=False)
    assert "TypeError: params (qty) are given to a strategy class; this is an instance of " \
        "Quiet already made: pass the class, or no params" in raised.value.message


class Slow(ticklab.Strategy):
    """Takes a millisecond over every change of the touch."""

    def on_bbo(self, ctx, ev):
        time.sleep(0.001)


@pytest.mark.parametrize("strategy", ["noop", Slow], ids=["built-in", "python"])
def test_ctrl_c_stops_a_run_within_100_ms(tmp_path, strategy):
    sent = []

    def interrupt():
        sent.append(time.monotonic())
        os.kill(os.getpid(), signal.SIGINT)

    timer = threading.Timer(0.2, interrupt)
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            ticklab.run(data=SAMPLE_DATA, symbol="BTC-PERP", day="2026-03-02", strategy=strategy,
                        out=tmp_path / "out", progress=False, log=lambda line: None)
        stopped = time.monotonic()
    finally:
        timer.cancel()
    assert sent, "the run ended before it was interrupted"
    assert stopped - sent[0] < 0.1
    # What was done is written, and says so.
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["status"] == "failed"
    if strategy == "noop":
        assert summary["error"]["message"] == "interrupted (KeyboardInterrupt)"
    else:
        assert summary["error"]["detail"].endswith("\nKeyboardInterrupt")
