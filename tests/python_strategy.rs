//! Python strategies: the simulator's scenario scripts written in Python
//! give the fills of their native versions; errors carry file, line and
//! data time; output is captured; the guard rails and the callback budget
//! hold; parameters reach `__init__`.
//!
//! Python starts once per process, so every test here shares one
//! interpreter; each strategy gets its own module.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use ticklab::market::{Instrument, MarketEvent, Side};
use ticklab::session::StrategyChoice;
use ticklab::sim::{
    Engine, LatencyConfig, OrderId, OrderRequest, RiskLimits, RunConfig, RunRecord, TimeInForce,
};
use ticklab::strategy::python::{PythonOptions, PythonSpec, PythonStrategy};
use ticklab::strategy::{run_to_end, Ctx, RunError, Strategy, StrategyError};

/// 2024-03-01 09:30:00 UTC, ns.
const T0: i64 = 1_709_285_400_000_000_000;

fn instrument() -> Instrument {
    Instrument::new("TEST", 1.0, 1.0)
}

fn config(entry_ns: i64, response_ns: i64) -> RunConfig {
    RunConfig {
        latency: LatencyConfig::Constant {
            entry_ns,
            response_ns,
        },
        ..RunConfig::default()
    }
}

fn bid(ts: i64, price: i64, qty: i64) -> MarketEvent {
    MarketEvent::depth(ts, Side::Buy, price, qty)
}

fn ask(ts: i64, price: i64, qty: i64) -> MarketEvent {
    MarketEvent::depth(ts, Side::Sell, price, qty)
}

fn trade(ts: i64, aggressor: Side, price: i64, qty: i64) -> MarketEvent {
    MarketEvent::trade(ts, aggressor, price, qty)
}

/// A strategy file in a temporary folder (kept while the folder lives).
fn strategy_file(dir: &tempfile::TempDir, name: &str, source: &str) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, source).expect("write the strategy file");
    path
}

fn python(path: &Path) -> PythonStrategy {
    python_with(path, None, toml::Table::new(), PythonOptions::default())
}

fn python_with(
    path: &Path,
    class: Option<&str>,
    params: toml::Table,
    options: PythonOptions,
) -> PythonStrategy {
    PythonStrategy::new(
        PythonSpec {
            path: path.to_path_buf(),
            class: class.map(str::to_owned),
            params,
        },
        options,
    )
}

fn run(
    events: &[MarketEvent],
    config: &RunConfig,
    instrument: Instrument,
    strategy: impl Strategy,
) -> Result<RunRecord, RunError> {
    let engine = Engine::from_slice(instrument, config, events).expect("valid configuration");
    run_to_end(engine, strategy)
}

fn log_texts(record: &RunRecord) -> Vec<String> {
    record.logs.iter().map(|l| l.text.clone()).collect()
}

// ---------------------------------------------------------------------------
// The scenario scripts of tests/sim_scenarios.rs, native and in Python.

/// One action of a scripted strategy.
#[derive(Clone, Debug)]
enum Act {
    Submit(OrderRequest),
    Cancel(u64),
    Modify(u64, i64, i64),
    Batch(Vec<OrderRequest>),
}

/// Acts at given local times, through timers set at the start.
struct Script(Vec<(i64, Vec<Act>)>);

impl Strategy for Script {
    fn on_start(&mut self, ctx: &mut Ctx<'_, '_>) -> Result<(), StrategyError> {
        for (ts, _) in &self.0 {
            ctx.set_timer_at(*ts);
        }
        Ok(())
    }

    fn on_timer(&mut self, ctx: &mut Ctx<'_, '_>, ts_ns: i64) -> Result<(), StrategyError> {
        let Some((_, acts)) = self.0.iter().find(|(ts, _)| *ts == ts_ns) else {
            return Ok(());
        };
        for act in acts.clone() {
            match act {
                Act::Submit(request) => {
                    ctx.submit(request)?;
                }
                Act::Cancel(id) => ctx.cancel(OrderId(id))?,
                Act::Modify(id, price, qty) => ctx.modify(OrderId(id), price, qty)?,
                Act::Batch(requests) => {
                    ctx.submit_batch(&requests)?;
                }
            }
        }
        Ok(())
    }
}

/// The Python twin of [`Script`]: `steps` maps local times to functions of
/// `ctx`.
fn python_script(steps: &str) -> String {
    format!(
        r#"
from ticklab import Strategy, Tif, OrderError

{steps}

class Script(Strategy):
    def on_start(self, ctx):
        for ts in STEPS:
            ctx.set_timer(at=ts)

    def on_timer(self, ctx, ts):
        STEPS[ts](ctx)
"#
    )
}

/// Runs the native and the Python script over the same day and checks
/// they produced the same fills and order updates; returns the record.
fn parity(
    events: &[MarketEvent],
    config: &RunConfig,
    instrument: &Instrument,
    native: Vec<(i64, Vec<Act>)>,
    python_steps: &str,
) -> RunRecord {
    let dir = tempfile::tempdir().expect("temporary folder");
    let path = strategy_file(&dir, "script.py", &python_script(python_steps));
    let native = run(events, config, instrument.clone(), Script(native)).expect("native run");
    let from_python = run(events, config, instrument.clone(), python(&path)).expect("Python run");
    assert!(!native.orders.is_empty(), "the script sent nothing");
    assert_eq!(from_python.fills, native.fills, "fills differ");
    assert_eq!(from_python.orders, native.orders, "order updates differ");
    from_python
}

fn fills(record: &RunRecord) -> Vec<(i64, i64)> {
    record
        .fills
        .iter()
        .map(|f| (f.price_ticks, f.qty_lots))
        .collect()
}

#[test]
fn resting_buy_behind_the_queue_fills_like_the_native_script() {
    let mut inst = instrument();
    inst.tick_size = 0.5;
    inst.maker_fee_rate = 0.0002;
    inst.fee_per_fill = 0.01;
    let events = [
        bid(0, 100, 30),
        ask(0, 101, 10),
        trade(20, Side::Sell, 100, 10),
        bid(21, 100, 20),
        trade(30, Side::Sell, 100, 25),
        bid(31, 100, 0),
        bid(40, 99, 1),
    ];
    let record = parity(
        &events,
        &config(10, 10),
        &inst,
        vec![(1, vec![Act::Submit(OrderRequest::limit(Side::Buy, 100, 5))])],
        // 100 ticks of 0.5 is 50.0.
        "STEPS = {1: lambda ctx: ctx.buy(5, 50.0)}",
    );
    assert_eq!(fills(&record), vec![(100, 5)]);
    assert!((record.fills[0].fee - 0.06).abs() < 1e-12);
}

#[test]
fn market_buys_walk_the_book_like_the_native_script() {
    let events = [
        bid(0, 99, 10),
        ask(0, 100, 5),
        ask(0, 101, 4),
        ask(0, 102, 10),
        bid(50, 98, 1),
        ask(60, 102, 10),
        bid(70, 97, 1),
    ];
    let market = |qty| vec![Act::Submit(OrderRequest::market(Side::Buy, qty))];
    let record = parity(
        &events,
        &config(0, 0),
        &instrument(),
        vec![(10, market(12)), (20, market(10)), (65, market(1))],
        "STEPS = {10: lambda ctx: ctx.buy(12), 20: lambda ctx: ctx.buy(10), 65: lambda ctx: ctx.buy(1)}",
    );
    assert_eq!(
        fills(&record),
        vec![(100, 5), (101, 4), (102, 3), (102, 7), (102, 1)]
    );
}

#[test]
fn post_only_fok_and_ioc_behave_like_the_native_script() {
    let events = [
        bid(0, 99, 10),
        ask(0, 100, 5),
        ask(0, 101, 4),
        bid(100, 98, 1),
    ];
    let record = parity(
        &events,
        &config(0, 0),
        &instrument(),
        vec![(
            10,
            vec![
                Act::Submit(OrderRequest::limit(Side::Buy, 100, 1).with_tif(TimeInForce::PostOnly)),
                Act::Submit(OrderRequest::limit(Side::Buy, 101, 10).with_tif(TimeInForce::Fok)),
                Act::Submit(OrderRequest::limit(Side::Buy, 100, 8).with_tif(TimeInForce::Ioc)),
            ],
        )],
        r#"
def at_10(ctx):
    ctx.buy(1, 100, post_only=True)
    ctx.buy(10, 101, tif=Tif.FOK)
    ctx.buy(8, 100, tif="ioc")

STEPS = {10: at_10}
"#,
    );
    assert_eq!(fills(&record), vec![(100, 5)]);
}

#[test]
fn a_cancel_in_flight_and_stops_behave_like_the_native_script() {
    // The fill at the exchange beats the cancel still in flight.
    let events = [
        bid(0, 99, 10),
        ask(0, 102, 10),
        trade(200, Side::Sell, 100, 5),
        bid(400, 98, 1),
    ];
    let record = parity(
        &events,
        &config(100, 100),
        &instrument(),
        vec![
            (0, vec![Act::Submit(OrderRequest::limit(Side::Buy, 100, 5))]),
            (150, vec![Act::Cancel(1)]),
        ],
        "STEPS = {0: lambda ctx: ctx.buy(5, 100), 150: lambda ctx: ctx.cancel(1)}",
    );
    assert_eq!(fills(&record), vec![(100, 5)]);

    // A stop-market buy triggers on the first trade through its stop.
    let events = [
        bid(0, 99, 10),
        ask(0, 106, 10),
        trade(100, Side::Buy, 104, 1),
        trade(200, Side::Buy, 106, 1),
        trade(300, Side::Buy, 107, 1),
        bid(400, 98, 1),
    ];
    let record = parity(
        &events,
        &config(0, 0),
        &instrument(),
        vec![(
            10,
            vec![Act::Submit(OrderRequest::stop_market(Side::Buy, 105, 2))],
        )],
        "STEPS = {10: lambda ctx: ctx.buy(2, stop=105)}",
    );
    assert_eq!(fills(&record), vec![(106, 2)]);

    // A trade at the stop price triggers a stop-limit sell.
    let events = [
        bid(0, 99, 10),
        ask(0, 101, 10),
        trade(100, Side::Sell, 96, 1),
        trade(200, Side::Sell, 95, 1),
        bid(300, 98, 1),
    ];
    let record = parity(
        &events,
        &config(0, 0),
        &instrument(),
        vec![(
            10,
            vec![Act::Submit(OrderRequest::stop_limit(Side::Sell, 95, 99, 4))],
        )],
        "STEPS = {10: lambda ctx: ctx.sell(4, 99, stop=95)}",
    );
    assert_eq!(fills(&record), vec![(99, 4)]);
}

#[test]
fn latency_pieces_and_trade_throughs_behave_like_the_native_script() {
    // The book at arrival decides.
    let events = [
        bid(0, 99, 10),
        ask(0, 100, 5),
        ask(50, 100, 2),
        ask(50, 101, 10),
        bid(300, 98, 1),
    ];
    let record = parity(
        &events,
        &config(100, 30),
        &instrument(),
        vec![(10, vec![Act::Submit(OrderRequest::market(Side::Buy, 5))])],
        "STEPS = {10: lambda ctx: ctx.buy(5)}",
    );
    assert_eq!(fills(&record), vec![(100, 2), (101, 3)]);

    // A trade through our price fills us outright.
    let events = [
        bid(0, 100, 50),
        ask(0, 101, 10),
        trade(100, Side::Sell, 99, 1),
        bid(101, 100, 0),
        bid(200, 98, 1),
    ];
    let record = parity(
        &events,
        &config(0, 0),
        &instrument(),
        vec![(
            10,
            vec![Act::Submit(OrderRequest::limit(Side::Buy, 100, 3))],
        )],
        "STEPS = {10: lambda ctx: ctx.buy(3, 100)}",
    );
    assert_eq!(fills(&record), vec![(100, 3)]);

    // An order filled in three pieces.
    let events = [
        bid(0, 99, 10),
        ask(0, 102, 10),
        trade(10, Side::Buy, 101, 3),
        trade(20, Side::Buy, 101, 3),
        trade(30, Side::Buy, 101, 3),
        trade(40, Side::Buy, 101, 3),
        bid(50, 98, 1),
    ];
    let record = parity(
        &events,
        &config(0, 0),
        &instrument(),
        vec![(
            1,
            vec![Act::Submit(OrderRequest::limit(Side::Sell, 101, 9))],
        )],
        "STEPS = {1: lambda ctx: ctx.sell(9, 101)}",
    );
    assert_eq!(fills(&record), vec![(101, 3), (101, 3), (101, 3)]);
}

#[test]
fn modifies_risk_rejections_and_batches_behave_like_the_native_script() {
    let events = [
        bid(0, 100, 30),
        bid(0, 99, 40),
        ask(0, 101, 10),
        trade(10, Side::Sell, 100, 10),
        bid(11, 100, 20),
        bid(30, 100, 25),
        ask(100, 102, 1),
    ];
    parity(
        &events,
        &config(0, 0),
        &instrument(),
        vec![
            (1, vec![Act::Submit(OrderRequest::limit(Side::Buy, 100, 5))]),
            (20, vec![Act::Modify(1, 100, 3)]),
            (50, vec![Act::Modify(1, 99, 3)]),
            (70, vec![Act::Modify(1, 99, 4)]),
        ],
        r#"STEPS = {
    1: lambda ctx: ctx.buy(5, 100),
    20: lambda ctx: ctx.modify(1, qty=3),
    50: lambda ctx: ctx.modify(1, price=99),
    70: lambda ctx: ctx.modify(1, qty=4),
}"#,
    );

    let events = [bid(0, 99, 10), ask(0, 101, 10), bid(100, 98, 1)];
    let limited = RunConfig {
        risk: RiskLimits {
            max_position_lots: Some(5),
            ..RiskLimits::default()
        },
        ..config(10, 10)
    };
    let record = parity(
        &events,
        &limited,
        &instrument(),
        vec![(
            10,
            vec![
                Act::Submit(OrderRequest::limit(Side::Buy, 98, 3)),
                Act::Submit(OrderRequest::limit(Side::Buy, 97, 3)),
            ],
        )],
        r#"
def at_10(ctx):
    ctx.buy(3, 98)
    ctx.buy(3, 97)

STEPS = {10: at_10}
"#,
    );
    assert_eq!(record.orders.len(), 2, "one accepted, one rejected");

    let batch: Vec<_> = (0..100)
        .map(|i| OrderRequest::limit(Side::Buy, 90 - i, 1))
        .collect();
    let record = parity(
        &events,
        &config(0, 0),
        &instrument(),
        vec![(1, vec![Act::Batch(batch)])],
        r#"
def at_1(ctx):
    ids = ctx.submit_batch([("buy", 1, 90 - i) for i in range(100)])
    assert ids == list(range(1, 101)), ids
    try:
        ctx.submit_batch([{"side": "buy", "qty": 1, "price": 90}] * 101)
    except OrderError as err:
        ctx.log("refused:", err)
    else:
        raise AssertionError("a batch of 101 was accepted")

STEPS = {1: at_1}
"#,
    );
    assert_eq!(record.orders.len(), 100);
    assert!(log_texts(&record)[0].contains("at most 100 orders"));
}

// ---------------------------------------------------------------------------
// What a strategy sees.

/// A day at realistic times: a touch that moves, trades in between.
fn day_events() -> Vec<MarketEvent> {
    let at = |i: i64| T0 + i * 100;
    vec![
        bid(at(0), 100, 30),
        ask(at(0), 101, 10),
        trade(at(1), Side::Buy, 101, 2),
        ask(at(2), 101, 8),
        bid(at(3), 99, 5),
        bid(at(4), 100, 31),
        trade(at(5), Side::Sell, 100, 1),
        bid(at(6), 100, 30),
        ask(at(7), 102, 4),
        bid(at(8), 98, 1),
    ]
}

#[test]
fn only_the_callbacks_a_strategy_defines_are_called() {
    let dir = tempfile::tempdir().unwrap();
    let path = strategy_file(
        &dir,
        "touch.py",
        r#"
import ticklab

class Touch(ticklab.Strategy):
    def __init__(self):
        self.seen = []

    def on_bbo(self, ctx, ev):
        b = ctx.book
        self.seen.append((b.best_bid, b.best_bid_qty, b.best_ask, b.best_ask_qty))

    def on_trade(self, ctx, ev):
        ctx.log("trade", ev.side, ev.price, ev.qty, ev.kind)

    def on_finish(self, ctx):
        ctx.log("touches", len(self.seen), self.seen[-1])
"#,
    );
    let record = run(&day_events(), &config(0, 0), instrument(), python(&path)).unwrap();
    let logs = log_texts(&record);
    assert_eq!(
        logs,
        vec![
            "trade buy 101.0 2.0 trade",
            "trade sell 100.0 1.0 trade",
            // The touch changed five times: 100x30 | -, then | 101x10,
            // | 101x8, 100x31 |, 100x30 |; trades and deeper levels leave
            // it as it was.
            "touches 5 (100.0, 30.0, 101.0, 8.0)",
        ]
    );
}

#[test]
fn print_logging_and_ctx_log_reach_the_run_log_with_the_data_time() {
    let dir = tempfile::tempdir().unwrap();
    let path = strategy_file(
        &dir,
        "chatty.py",
        r#"
import logging
import ticklab

log = logging.getLogger("chatty")
print("loaded")

class Chatty(ticklab.Strategy):
    def on_start(self, ctx):
        print("start at", ctx.now_dt.isoformat())

    def on_trade(self, ctx, ev):
        print("trade", end="")
        print(" of", ev.qty)
        log.info("info %s", ev.price)
        ctx.log("ctx", ctx.now)
        log.debug("not shown at INFO")
"#,
    );
    let events = day_events();
    let record = run(&events, &config(0, 0), instrument(), python(&path)).unwrap();
    let lines: Vec<(i64, String)> = record
        .logs
        .iter()
        .map(|l| (l.ts_ns, l.text.clone()))
        .collect();
    let first_trade = T0 + 100;
    assert_eq!(
        lines,
        vec![
            (T0, "loaded".to_owned()),
            (T0, "start at 2024-03-01T09:30:00+00:00".to_owned()),
            (first_trade, "trade of 2.0".to_owned()),
            (first_trade, "INFO chatty: info 101.0".to_owned()),
            (first_trade, format!("ctx {first_trade}")),
            (T0 + 500, "trade of 1.0".to_owned()),
            (T0 + 500, "INFO chatty: info 100.0".to_owned()),
            (T0 + 500, format!("ctx {}", T0 + 500)),
        ]
    );
    assert_eq!(record.logs[2].event_index, 3);
}

#[test]
fn parameters_reach_init_as_keyword_arguments() {
    let dir = tempfile::tempdir().unwrap();
    let path = strategy_file(
        &dir,
        "params.py",
        r#"
from ticklab import Strategy

class WithParams(Strategy):
    def __init__(self, qty, name="x", levels=(), limits=None, live=False):
        self.args = (qty, name, levels, limits, live)

    def on_start(self, ctx):
        ctx.log(repr(self.args))

class Defaults(Strategy):
    def on_start(self, ctx):
        ctx.log(self.qty, self.name)
"#,
    );
    let params: toml::Table = toml::from_str(
        r#"
qty = 2.5
name = "fast"
levels = [1, 2, 3]
limits = { max = 10 }
live = true
"#,
    )
    .unwrap();
    let record = run(
        &day_events(),
        &config(0, 0),
        instrument(),
        python_with(&path, Some("WithParams"), params, PythonOptions::default()),
    )
    .unwrap();
    assert_eq!(
        log_texts(&record),
        vec!["(2.5, 'fast', [1, 2, 3], {'max': 10}, True)"]
    );

    // Without an __init__ of its own, the base class keeps them.
    let params: toml::Table = toml::from_str("qty = 3\nname = \"kept\"").unwrap();
    let record = run(
        &day_events(),
        &config(0, 0),
        instrument(),
        python_with(&path, Some("Defaults"), params, PythonOptions::default()),
    )
    .unwrap();
    assert_eq!(log_texts(&record), vec!["3 kept"]);

    // Two strategies and no --class: an error naming both.
    let err = run(&day_events(), &config(0, 0), instrument(), python(&path)).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("several strategies"), "{text}");
    assert!(
        text.contains("WithParams") && text.contains("Defaults"),
        "{text}"
    );
}

#[test]
fn ctx_shows_orders_with_their_queue_position_and_the_account() {
    let dir = tempfile::tempdir().unwrap();
    let path = strategy_file(
        &dir,
        "queue.py",
        r#"
from ticklab import Strategy, OrderStatus, Side

class Queue(Strategy):
    def on_start(self, ctx):
        ctx.set_timer(at=1)
        ctx.set_timer(at=25)

    def on_timer(self, ctx, ts):
        if ts == 1:
            self.id = ctx.buy(5, 50.0)
            order = ctx.order(self.id)
            ctx.log("sent", order.status, order.ahead_qty)
        else:
            [order] = ctx.open_orders
            assert order.id == self.id and order.side == Side.BUY
            ctx.log("queue", order.status == OrderStatus.ACCEPTED, order.price,
                    order.qty, order.ahead_qty, order.level_qty)
            bids, asks = ctx.book.levels(3)
            ctx.log("book", bids, asks, ctx.book.mid, ctx.book.spread, ctx.book.qty_at(50.0))

    def on_order(self, ctx, update):
        ctx.log("update", update.kind, update.status, update.fill_qty, update.fill_price,
                update.liquidity, ctx.position, ctx.avg_price, round(ctx.cash, 4))
"#,
    );
    let mut inst = instrument();
    inst.tick_size = 0.5;
    let events = [
        bid(0, 100, 30),
        ask(0, 101, 10),
        trade(20, Side::Sell, 100, 10),
        bid(21, 100, 20),
        trade(30, Side::Sell, 100, 25),
        bid(31, 100, 0),
        bid(40, 99, 1),
    ];
    let record = run(&events, &config(10, 10), inst, python(&path)).unwrap();
    assert_eq!(
        log_texts(&record),
        vec![
            "sent new None",
            "update accepted accepted None None None 0.0 0.0 100000.0",
            "queue True 50.0 5.0 20.0 20.0",
            "book [(50.0, 20.0)] [(50.5, 10.0)] 50.25 0.5 20.0",
            "update fill filled 5.0 50.0 maker 5.0 50.0 99750.0",
        ]
    );
}

// ---------------------------------------------------------------------------
// Errors.

#[test]
fn an_exception_reports_file_line_text_and_data_time() {
    let dir = tempfile::tempdir().unwrap();
    let path = strategy_file(
        &dir,
        "boom.py",
        r#"from ticklab import Strategy

class Boom(Strategy):
    def on_market(self, ctx, ev):
        if ev.kind == "trade":
            self.explode(ev.price)

    def explode(self, price):
        raise RuntimeError(f"no liquidity at {price}")
"#,
    );
    let err = run(&day_events(), &config(0, 0), instrument(), python(&path)).unwrap_err();
    let RunError::Strategy {
        callback,
        event_index,
        ts_ns,
        ..
    } = &err
    else {
        panic!("{err}");
    };
    assert_eq!(
        (*callback, *event_index, *ts_ns),
        ("on_market", 3, T0 + 100)
    );
    let text = err.to_string();
    for expected in [
        "boom.py:9",
        "RuntimeError: no liquidity at 101.0",
        "data time 2024-03-01 09:30:00.000000100 UTC",
        "line 6, in on_market",
        "line 9, in explode",
        "raise RuntimeError(f\"no liquidity at {price}\")",
        "event 3",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
}

#[test]
fn syntax_and_import_errors_name_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let bad = strategy_file(
        &dir,
        "bad_syntax.py",
        "from ticklab import Strategy\n\nclass S(Strategy)\n    pass\n",
    );
    let err = StrategyChoice::parse(bad.to_str().unwrap(), &toml::Table::new()).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("bad_syntax.py:3"), "{text}");
    assert!(text.contains("SyntaxError"), "{text}");
    assert!(text.contains("class S(Strategy)"), "{text}");

    let missing = strategy_file(
        &dir,
        "bad_import.py",
        "import ticklab\nimport no_such_package_here\n",
    );
    let err = run(&day_events(), &config(0, 0), instrument(), python(&missing)).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("bad_import.py:2"), "{text}");
    assert!(
        text.contains("ModuleNotFoundError: No module named 'no_such_package_here'"),
        "{text}"
    );
    assert!(text.contains("on_start"), "{text}");
}

#[test]
fn an_off_grid_price_raises_value_error_naming_price_and_tick_size() {
    let dir = tempfile::tempdir().unwrap();
    let path = strategy_file(
        &dir,
        "grid.py",
        r#"
from ticklab import Strategy

class Grid(Strategy):
    def on_start(self, ctx):
        for call in (lambda: ctx.buy(1, 100.3), lambda: ctx.sell(0.5, 100.0)):
            try:
                call()
            except ValueError as err:
                ctx.log(type(err).__name__, err)
        ctx.log(ctx.round_price(100.3))
        ctx.buy(1, 99.9)
"#,
    );
    let mut inst = instrument();
    inst.tick_size = 0.5;
    let err = run(&day_events(), &config(0, 0), inst, python(&path)).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("grid.py:12"), "{text}");
    assert!(
        text.contains("ValueError: price 99.9 is not a multiple of the tick size 0.5"),
        "{text}"
    );
    // What was logged before the failure is in the record of a run that
    // gets that far; here check the caught errors through a fresh run.
    let path = strategy_file(
        &dir,
        "grid_ok.py",
        r#"
from ticklab import Strategy

class Grid(Strategy):
    def on_start(self, ctx):
        for call in (lambda: ctx.buy(1, 100.3), lambda: ctx.sell(0.5, 100.0)):
            try:
                call()
            except ValueError as err:
                ctx.log(type(err).__name__, err)
        ctx.log(ctx.round_price(100.3))
"#,
    );
    let mut inst = instrument();
    inst.tick_size = 0.5;
    let record = run(&day_events(), &config(0, 0), inst, python(&path)).unwrap();
    assert_eq!(
        log_texts(&record),
        vec![
            "ValueError price 100.3 is not a multiple of the tick size 0.5 (100.0 and 100.5 are)",
            "ValueError quantity 0.5 is not a multiple of the lot size 1.0 (0.0 and 1.0 are)",
            "100.5",
        ]
    );
}

#[test]
fn a_callback_over_its_budget_is_interrupted_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let path = strategy_file(
        &dir,
        "spin.py",
        r#"from ticklab import Strategy

class Spin(Strategy):
    def on_trade(self, ctx, ev):
        while True:
            try:
                pass
            except Exception:
                pass
"#,
    );
    let options = PythonOptions {
        callback_budget: Some(Duration::from_millis(200)),
        ..PythonOptions::default()
    };
    let started = Instant::now();
    let err = run(
        &day_events(),
        &config(0, 0),
        instrument(),
        python_with(&path, None, toml::Table::new(), options),
    )
    .unwrap_err();
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_millis(200), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");
    let text = err.to_string();
    for expected in [
        "on_trade ran longer than the callback budget of 200 ms and was interrupted",
        "spin.py:",
        "CallbackTimeout",
        "data time 2024-03-01 09:30:00.000000100 UTC",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
}

// ---------------------------------------------------------------------------
// Guard rails.

#[test]
fn network_access_is_refused_unless_allowed() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    let path = strategy_file(
        &dir,
        "net.py",
        &format!(
            r#"
import socket
from ticklab import Strategy, GuardError

class Net(Strategy):
    def on_start(self, ctx):
        try:
            with socket.create_connection(("127.0.0.1", {port}), timeout=2):
                ctx.log("connected")
        except GuardError as err:
            ctx.log("refused", isinstance(err, PermissionError), err)
"#
        ),
    );
    let record = run(&day_events(), &config(0, 0), instrument(), python(&path)).unwrap();
    let logs = log_texts(&record);
    assert_eq!(logs.len(), 1, "{logs:?}");
    assert!(
        logs[0].starts_with("refused True ticklab guard: network access is refused"),
        "{logs:?}"
    );
    assert!(logs[0].contains("--allow-network"), "{logs:?}");

    let allowed = PythonOptions {
        allow_network: true,
        ..PythonOptions::default()
    };
    let record = run(
        &day_events(),
        &config(0, 0),
        instrument(),
        python_with(&path, None, toml::Table::new(), allowed),
    )
    .unwrap();
    assert_eq!(log_texts(&record), vec!["connected"]);
}

#[test]
fn files_can_be_written_only_in_the_output_folder_and_processes_not_started() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let outside = dir.path().join("outside.txt");
    let path = strategy_file(
        &dir,
        "files.py",
        &format!(
            r#"
import os, subprocess
from ticklab import Strategy

OUT = {out:?}
OUTSIDE = {outside:?}

class Files(Strategy):
    def on_start(self, ctx):
        os.makedirs(OUT, exist_ok=True)
        with open(os.path.join(OUT, "notes.txt"), "w") as f:
            f.write("inside")
        os.remove(os.path.join(OUT, "notes.txt"))
        for attempt in (
            lambda: open(OUTSIDE, "w"),
            lambda: open(os.path.join(OUT, "..", "outside.txt"), "a"),
            lambda: os.remove(__file__),
            lambda: subprocess.run(["true"]),
        ):
            try:
                attempt()
                ctx.log("allowed")
            except PermissionError as err:
                ctx.log("refused", str(err).split(":")[1].strip().split(" ")[0])
        with open(__file__) as f:
            ctx.log("read", len(f.read()) > 0)
"#
        ),
    );
    let options = PythonOptions {
        write_dirs: vec![out.clone()],
        ..PythonOptions::default()
    };
    let record = run(
        &day_events(),
        &config(0, 0),
        instrument(),
        python_with(&path, None, toml::Table::new(), options),
    )
    .unwrap();
    assert_eq!(
        log_texts(&record),
        vec![
            "refused writing",
            "refused writing",
            "refused writing",
            "refused strategies",
            "read True"
        ]
    );
    assert!(!outside.exists());
    assert!(out.is_dir());
}

// ---------------------------------------------------------------------------
// numpy and the command line.

#[test]
fn numpy_works_inside_a_strategy_when_installed() {
    let interpreter = std::env::var("PYO3_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let has_numpy = std::process::Command::new(&interpreter)
        .args(["-c", "import numpy"])
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !has_numpy {
        println!("note: numpy is not installed for {interpreter}; skipping the numpy check");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = strategy_file(
        &dir,
        "np.py",
        r#"
import numpy as np
from ticklab import Strategy

class Np(Strategy):
    def __init__(self):
        self.mids = []

    def on_bbo(self, ctx, ev):
        if ctx.book.mid is not None:
            self.mids.append(ctx.book.mid)

    def on_finish(self, ctx):
        ctx.log(float(np.mean(np.array(self.mids))) > 0)
"#,
    );
    let record = run(&day_events(), &config(0, 0), instrument(), python(&path)).unwrap();
    assert_eq!(log_texts(&record), vec!["True"]);
}

#[test]
fn ticklab_run_writes_the_log_and_exits_non_zero_on_an_exception() {
    use ticklab::market::parquet::{write_events, WriteOptions};

    let dir = tempfile::tempdir().unwrap();
    let symbol_dir = dir.path().join("data").join("TEST");
    std::fs::create_dir_all(&symbol_dir).unwrap();
    let inst = instrument();
    std::fs::write(
        symbol_dir.join("instrument.toml"),
        inst.to_toml_string("test"),
    )
    .unwrap();
    write_events(
        symbol_dir.join("2024-03-01.parquet"),
        &inst,
        day_events(),
        &WriteOptions::default(),
    )
    .unwrap();
    let ok = strategy_file(
        &dir,
        "ok.py",
        r#"
import os
from ticklab import Strategy

class A(Strategy):
    def on_trade(self, ctx, ev):
        print("trade", ev.price)
        with open(os.environ["TICKLAB_OUT"] + "/mine.txt", "a") as f:
            f.write("x")

class B(Strategy):
    def on_trade(self, ctx, ev):
        raise ValueError("bad trade")
"#,
    );
    let config_path = dir.path().join("run.toml");
    let out = dir.path().join("out");
    std::fs::write(&config_path, "").unwrap();
    let ticklab = |class: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_ticklab"))
            .args(["run", "--data"])
            .arg(dir.path().join("data"))
            .args(["--strategy"])
            .arg(&ok)
            .args(["--class", class, "--config"])
            .arg(&config_path)
            .arg("--out")
            .arg(&out)
            .arg("--force")
            .output()
            .unwrap()
    };
    let good = ticklab("A");
    let stderr = String::from_utf8_lossy(&good.stderr);
    assert!(good.status.success(), "{stderr}");
    assert!(
        stderr.contains("2024-03-01 09:30:00.000000100 UTC [3] trade 101.0"),
        "{stderr}"
    );
    let log = std::fs::read_to_string(out.join("log.txt")).unwrap();
    assert_eq!(log.lines().count(), 2, "{log}");
    assert_eq!(std::fs::read_to_string(out.join("mine.txt")).unwrap(), "xx");

    let bad = ticklab("B");
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(!bad.status.success());
    assert!(stderr.contains("ok.py:13"), "{stderr}");
    assert!(stderr.contains("ValueError: bad trade"), "{stderr}");
    assert!(stderr.contains("Traceback"), "{stderr}");
}

#[test]
fn ctx_used_outside_a_callback_raises_runtime_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = strategy_file(
        &dir,
        "outside.py",
        r#"
import threading
from ticklab import Strategy

class Outside(Strategy):
    def on_start(self, ctx):
        errors = []

        def probe():
            try:
                ctx.now
            except RuntimeError as err:
                errors.append(str(err))

        thread = threading.Thread(target=probe)
        thread.start()
        thread.join()
        ctx.log(errors)
"#,
    );
    let record = run(&day_events(), &config(0, 0), instrument(), python(&path)).unwrap();
    assert_eq!(
        log_texts(&record),
        vec!["['ctx can act only inside a callback of its strategy, on the thread running it']"]
    );
}

#[test]
fn a_file_not_in_utf8_is_refused_at_its_first_bad_byte() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("latin1.py");
    // "café" in Latin-1: 0xE9 at byte 20, line 2, column 6.
    std::fs::write(&path, b"import ticklab\n# caf\xe9\n").unwrap();
    let err = StrategyChoice::parse(path.to_str().unwrap(), &toml::Table::new()).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains(
            "not UTF-8 text: byte 0xE9 at byte offset 20 (line 2, column 6); save the file as UTF-8"
        ),
        "{text}"
    );
    assert!(text.contains("latin1.py"), "{text}");
}

#[test]
fn a_lone_surrogate_is_printed_escaped_not_raised() {
    let dir = tempfile::tempdir().unwrap();
    let path = strategy_file(
        &dir,
        "surrogate.py",
        r#"
import ticklab

print("at load \udc80")

class Surrogate(ticklab.Strategy):
    def on_start(self, ctx):
        print("bad \udc80 text", "\ud800")
"#,
    );
    let events = day_events();
    let record = run(&events, &config(0, 0), instrument(), python(&path)).unwrap();
    assert_eq!(
        log_texts(&record),
        vec![
            "at load \\udc80".to_owned(),
            "bad \\udc80 text \\ud800".to_owned()
        ]
    );
}
