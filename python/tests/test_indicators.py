"""`ticklab.indicators`: the rule engine's indicators for Python strategies,
reading exactly the values a rule file compares."""

import json

import pytest

import ticklab
from ticklab import indicators

RULES = """
description = "Reads its indicators at every evaluation (an IOC far below the bid fires each time)."

[indicators]
mean5 = { sma = { of = "mid", window = "5s" } }
ema3 = { ema = { of = "mid", half_life = "3s" } }
rsi10 = { rsi = { of = "mid", window = "10s" } }
vol10 = { stddev = { of = "mid", window = "10s" } }
micro = { sma = { of = "microprice", window = "2s" } }
busy3 = { trade_count = { window = "3s" } }
flow5 = { signed_volume = { window = "5s" } }
traded5 = { volume = { window = "5s" } }

[[rules]]
name = "watch"
when = { any = [
    { lhs = "mean5", op = ">", rhs = 0 },
    { lhs = "ema3", op = ">", rhs = 0 },
    { lhs = "rsi10", op = ">=", rhs = 0 },
    { lhs = "vol10", op = ">=", rhs = 0 },
    { lhs = "micro", op = ">", rhs = 0 },
    { lhs = "busy3", op = ">=", rhs = 0 },
    { lhs = "flow5", op = ">=", rhs = -1000000000 },
    { lhs = "traded5", op = ">=", rhs = 0 },
    { lhs = "imbalance", op = ">=", rhs = -1 },
] }
then = [ { buy = { lots = 1, price = "bid-50", tif = "ioc" } } ]
"""

NAMES = ["mean5", "ema3", "rsi10", "vol10", "micro", "busy3", "flow5", "traded5", "imbalance"]


class Watcher(ticklab.Strategy):
    """Registers the rule file's indicators and reads them at every event;
    sends what the rule sends, so that both runs see the same orders."""

    def on_start(self, ctx):
        self.ind = {
            "mean5": ctx.register(indicators.SMA(of="mid", window="5s")),
            "ema3": ctx.register(indicators.EMA(of="mid", half_life="3s")),
            "rsi10": ctx.register(indicators.RSI(of="mid", window="10s")),
            "vol10": ctx.register(indicators.Stddev(of="mid", window="10s")),
            "micro": ctx.register(indicators.SMA(of="microprice", window="2s")),
            "busy3": ctx.register(indicators.TradeCount(window="3s")),
            "flow5": ctx.register(indicators.SignedVolume(window="5s")),
            "traded5": ctx.register(indicators.Volume(window="5s")),
            "imbalance": ctx.register(indicators.Imbalance(levels=1)),
        }
        self.seen = {}
        self.evaluations = 0

    def on_market(self, ctx, ev):
        self.seen[ctx.event_index] = {name: ind.value for name, ind in self.ind.items()}
        # The rule fires at every evaluation (its trade count is always
        # known): the same IOC, so that the runs see the same orders.
        evaluations = self.ind["busy3"].evaluations
        if evaluations != self.evaluations:
            self.evaluations = evaluations
            bid = ctx.book.best_bid
            if bid is not None:
                ctx.buy(ctx.lot_size, ctx.round_price(bid - 50 * ctx.tick_size),
                        tif=ticklab.Tif.IOC)


def test_a_python_strategy_reads_the_values_the_rules_compare(tmp_path, generated_day):
    rules = tmp_path / "watch.rules.toml"
    rules.write_text(RULES)
    by_rules = ticklab.run(data=generated_day, strategy=rules, out=tmp_path / "rules",
                           progress=False)
    signals = [json.loads(line)
               for line in (tmp_path / "rules" / "signals.jsonl").read_text().splitlines()]
    watcher = Watcher()
    by_python = ticklab.run(data=generated_day, strategy=watcher, progress=False)

    assert len(signals) > 1000
    # The same orders went out at the same times.
    assert by_python.orders.num_rows == by_rules.orders.num_rows
    assert by_python.orders.column("local_ts").equals(by_rules.orders.column("local_ts"))
    compared = 0
    for signal in signals:
        by_name = {child["lhs"]["source"]: child["lhs"].get("value")
                   for child in signal["when"]["children"]}
        seen = watcher.seen[signal["event_index"]]
        assert seen == {name: by_name[name] for name in NAMES}, signal["event_index"]
        compared += 1
    assert compared == len(signals)
    # Every indicator was known, and moved, somewhere in the day.
    for name in NAMES:
        values = {s[name] for s in watcher.seen.values()} - {None}
        assert len(values) > 3, name


def test_update_feeds_an_indicator_by_hand():
    sma = indicators.SMA(of="mid", window="3s")
    assert sma.value is None
    sec = 1_000_000_000
    sma.update(0, 100.0)
    sma.update(10 * sec, 110.0)
    # At 10 s the window [7 s, 10 s] saw only 100; at 11 s two thirds of it.
    assert sma.value == 100.0
    assert sma.value_at(11 * sec) == pytest.approx((2 * 100 + 110) / 3, rel=1e-15)
    assert sma.value_at(13 * sec) == 110.0

    flow = indicators.SignedVolume(window="5s")
    flow.update(0, 3, side="buy")
    flow.update(sec, 1, side=ticklab.Side.SELL)
    assert flow.value == 2
    assert flow.value_at(5 * sec + 1) == -1
    with pytest.raises(ValueError, match="is before the last update"):
        flow.update(0, 1, side="buy")
    with pytest.raises(ValueError, match="side: a trade window needs the trade's side"):
        flow.update(2 * sec, 1)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match='of: "close" is not a series'):
        indicators.SMA(of="close", window="5s")
    with pytest.raises(ValueError, match="window:"):
        indicators.SMA(window="5 seconds")
    with pytest.raises(TypeError, match="SMA: give window="):
        indicators.SMA()
