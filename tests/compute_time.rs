//! The strategy's compute time: charged to its orders (`latency.compute`),
//! measured per callback kind, and left out for callbacks it does not define.

use std::path::Path;
use std::time::{Duration, Instant};

use ticklab::market::{Instrument, MarketEvent, Side};
use ticklab::sim::{
    ComputeLatency, Engine, FillRecord, Liquidity, OrderUpdate, RunConfig, RunRecord, Wake,
};
use ticklab::strategy::{Callback, CallbackSet, Ctx, Runner, Strategy, StrategyError};

fn instrument() -> Instrument {
    Instrument::new("TEST", 1.0, 1.0)
}

const MS: i64 = 1_000_000;

/// Bid 99 and ask 101 x 5 at time 0; at 1 ms the ask at 101 is gone and
/// 102 x 7 is the best ask; one more event at 1 s keeps the data going.
fn day() -> Vec<MarketEvent> {
    vec![
        MarketEvent::depth(0, Side::Buy, 99, 10),
        MarketEvent::depth(0, Side::Sell, 101, 5),
        MarketEvent::depth(MS, Side::Sell, 101, 0),
        MarketEvent::depth(MS, Side::Sell, 102, 7),
        MarketEvent::depth(1_000 * MS, Side::Buy, 98, 1),
    ]
}

/// Constant latency, entry 0.5 ms and response 0.2 ms, and `compute`.
fn config(compute: &str) -> RunConfig {
    let text = format!(
        "[latency]\nmodel = \"constant\"\nentry_ns = 500_000\nresponse_ns = 200_000\ncompute = \"{compute}\"\n"
    );
    RunConfig::from_toml_str(&text, Path::new("run.toml")).expect("valid run.toml")
}

/// Buys 5 lots at market when it first sees the ask at 101, after
/// thinking (spinning) for `think`.
struct BuyAtTheAsk {
    think: Duration,
    sent_at_ns: Option<i64>,
}

impl Strategy for BuyAtTheAsk {
    fn on_market(&mut self, ctx: &mut Ctx<'_, '_>, ev: &MarketEvent) -> Result<(), StrategyError> {
        if self.sent_at_ns.is_none() && ev.side == Side::Sell && ev.price == 101 {
            let start = Instant::now();
            while start.elapsed() < self.think {
                std::hint::spin_loop();
            }
            ctx.buy_market(5)?;
            self.sent_at_ns = Some(ctx.now_ns());
        }
        Ok(())
    }
}

fn run(config: &RunConfig, think: Duration) -> (RunRecord, i64) {
    let events = day();
    let engine = Engine::from_slice(instrument(), config, &events).expect("valid engine");
    let mut runner = Runner::new(
        engine,
        BuyAtTheAsk {
            think,
            sent_at_ns: None,
        },
    );
    runner.run().expect("run");
    let sent_at_ns = runner.strategy().sent_at_ns.expect("the order was sent");
    (runner.into_record(), sent_at_ns)
}

fn fill_of(record: &RunRecord) -> (i64, i64, i64, i64, Liquidity) {
    assert_eq!(record.fills.len(), 1, "{:?}", record.fills);
    let f: &FillRecord = &record.fills[0];
    (
        f.exch_ts_ns,
        f.local_ts_ns,
        f.price_ticks,
        f.qty_lots,
        f.liquidity,
    )
}

#[test]
fn a_fixed_compute_time_delays_the_order_and_changes_its_fill() {
    // Sent at local time T = 0 with no compute time, the order reaches the
    // exchange at T + entry = 0.5 ms, before the ask at 101 leaves at 1 ms:
    // 5 lots at 101, reported at 0.5 + 0.2 = 0.7 ms.
    let (record, sent_at_ns) = run(&config("none"), Duration::ZERO);
    assert_eq!(sent_at_ns, 0);
    assert_eq!(
        fill_of(&record),
        (500_000, 700_000, 101, 5, Liquidity::Taker)
    );

    // With 1 ms of compute it reaches the exchange at T + entry + 1 ms =
    // 1.5 ms: the ask at 101 is gone, 5 of the 7 lots at 102 fill,
    // reported at 1.7 ms.
    let (record, sent_at_ns) = run(&config("fixed:1000000"), Duration::ZERO);
    assert_eq!(sent_at_ns, 0);
    assert_eq!(
        fill_of(&record),
        (1_500_000, 1_700_000, 102, 5, Liquidity::Taker)
    );
    // Deterministic: the same run gives the same record.
    let (again, _) = run(&config("fixed:1000000"), Duration::ZERO);
    assert_eq!(again.fills, record.fills);
    assert_eq!(again.orders, record.orders);
}

#[test]
fn a_measured_compute_time_charges_the_callbacks_wall_time() {
    let config = config("measured");
    assert_eq!(config.compute, ComputeLatency::Measured);
    assert!(!config.compute.is_deterministic());
    // The strategy thinks for 2 ms before sending: the order cannot reach
    // the exchange before 0 + 2 + 0.5 ms, after the ask at 101 left.
    let (record, _) = run(&config, Duration::from_millis(2));
    let (exch_ts_ns, local_ts_ns, price_ticks, qty_lots, _) = fill_of(&record);
    assert!(exch_ts_ns >= 2_500_000, "{exch_ts_ns}");
    assert!(exch_ts_ns < 1_000 * MS, "{exch_ts_ns}");
    assert_eq!(local_ts_ns, exch_ts_ns + 200_000);
    assert_eq!((price_ticks, qty_lots), (102, 5));
}

/// Counts the market events it is called for.
struct Counting {
    callbacks: CallbackSet,
    market_calls: u64,
}

impl Strategy for Counting {
    fn on_market(
        &mut self,
        _ctx: &mut Ctx<'_, '_>,
        _ev: &MarketEvent,
    ) -> Result<(), StrategyError> {
        self.market_calls += 1;
        Ok(())
    }

    fn on_order(&mut self, _ctx: &mut Ctx<'_, '_>, _u: &OrderUpdate) -> Result<(), StrategyError> {
        Ok(())
    }

    fn callbacks(&self) -> CallbackSet {
        self.callbacks
    }
}

fn counting_run(callbacks: CallbackSet) -> (u64, u64, Vec<(String, u64)>) {
    let events = day();
    let engine = Engine::from_slice(instrument(), &config("none"), &events).expect("valid engine");
    let mut runner = Runner::new(
        engine,
        Counting {
            callbacks,
            market_calls: 0,
        },
    );
    runner.set_timing(true);
    runner.run().expect("run");
    let times = runner.compute_times().expect("timed");
    let kinds = times
        .callbacks
        .iter()
        .map(|c| (c.callback.clone(), c.calls))
        .collect();
    (
        runner.strategy().market_calls,
        runner.engine().events_seen(),
        kinds,
    )
}

#[test]
fn every_defined_callback_is_timed_and_the_others_are_not_called() {
    // All callbacks (the default): on_market for each of the 5 events.
    let (calls, seen, kinds) = counting_run(CallbackSet::ALL);
    assert_eq!((calls, seen), (5, 5));
    assert_eq!(
        kinds,
        [
            ("on_start".to_owned(), 1),
            ("on_market".to_owned(), 5),
            ("on_finish".to_owned(), 1)
        ]
    );
    // A strategy that says it has no market callback is never called for
    // market events, and nothing is timed for them.
    let (calls, seen, kinds) = counting_run(CallbackSet::NONE.with(Callback::Order));
    assert_eq!((calls, seen), (0, 5));
    assert!(kinds.is_empty(), "{kinds:?}");
}

#[test]
fn timing_is_off_unless_asked_for_and_reports_p50_p99_max() {
    let events = day();
    let engine = Engine::from_slice(instrument(), &config("none"), &events).unwrap();
    let mut runner = Runner::new(
        engine,
        BuyAtTheAsk {
            think: Duration::ZERO,
            sent_at_ns: None,
        },
    );
    runner.run().unwrap();
    assert_eq!(runner.compute_times(), None);

    let engine = Engine::from_slice(instrument(), &config("none"), &events).unwrap();
    let mut runner = Runner::new(
        engine,
        BuyAtTheAsk {
            think: Duration::from_millis(3),
            sent_at_ns: None,
        },
    );
    runner.set_timing(true);
    runner.run().unwrap();
    let times = runner.compute_times().unwrap();
    let market = times
        .callbacks
        .iter()
        .find(|c| c.callback == "on_market")
        .unwrap();
    assert_eq!(market.calls, 5);
    // One call of the five thought for 3 ms: the maximum, and the 99th
    // percentile (the 5th of 5), are at least that (less the clock's
    // calibration error, far below 1 %); the median is not.
    assert!(market.max_ns >= 2_990_000, "{market:?}");
    assert!(market.p99_ns >= 2_990_000, "{market:?}");
    assert!(market.p50_ns < 2_990_000, "{market:?}");
    assert!(market.p50_ns <= market.p99_ns && market.p99_ns <= market.max_ns);
    assert!(market.total_ns >= market.max_ns);
    let line = &times.lines()[1];
    assert!(line.starts_with("on_market: 5 calls, p50 "), "{line}");
}

#[test]
fn a_measured_compute_latency_turns_timing_on() {
    let events = day();
    let engine = Engine::from_slice(instrument(), &config("measured"), &events).unwrap();
    let mut runner = Runner::new(
        engine,
        BuyAtTheAsk {
            think: Duration::ZERO,
            sent_at_ns: None,
        },
    );
    runner.set_timing(false);
    runner.run().unwrap();
    assert!(runner.compute_times().is_some());
}

#[test]
fn the_wake_the_runner_hands_over_is_small() {
    let event = std::mem::size_of::<MarketEvent>();
    assert!(std::mem::size_of::<Wake<()>>() <= event + 8);
    assert!(std::mem::size_of::<Wake<&OrderUpdate>>() <= event + 8);
    assert!(std::mem::size_of::<Wake>() >= std::mem::size_of::<OrderUpdate>());
}

#[test]
fn the_engine_driven_by_hand_still_hands_updates_by_value() {
    let events = day();
    let mut engine = Engine::from_slice(instrument(), &config("fixed:1000000"), &events).unwrap();
    engine.start().unwrap();
    let mut updates = Vec::new();
    let mut sent = false;
    loop {
        match engine.advance().unwrap() {
            Wake::Market(ev) if !sent && ev.price == 101 => {
                Ctx::new(&mut engine).buy_market(5).unwrap();
                sent = true;
            }
            Wake::Order(update) => updates.push(update),
            Wake::Finished => break,
            _ => {}
        }
    }
    // Outside a runner the fixed compute time applies just the same.
    let fill = updates.iter().find_map(|u| u.fill).unwrap();
    assert_eq!((fill.price_ticks, fill.qty_lots), (102, 5));
    assert_eq!(engine.delivered_update(), updates.last().unwrap());
}

/// `ticklab run` over [`day`] (on 2024-03-01) with a Python strategy that
/// buys 5 at market when it sees the ask at 101, and `compute`; returns
/// the exit status, stdout + stderr, and the output folder.
fn ticklab_run(dir: &Path, compute: &str, extra: &[&str]) -> (bool, String, std::path::PathBuf) {
    use ticklab::market::parquet::{write_events, WriteOptions};

    const DAY_NS: i64 = 1_709_251_200_000_000_000;
    let symbol_dir = dir.join("data").join("TEST");
    std::fs::create_dir_all(&symbol_dir).expect("data folder");
    let inst = instrument();
    std::fs::write(
        symbol_dir.join("instrument.toml"),
        inst.to_toml_string("test"),
    )
    .expect("instrument file");
    let events = day().into_iter().map(|mut ev| {
        ev.exch_ts += DAY_NS;
        ev.local_ts += DAY_NS;
        ev
    });
    write_events(
        symbol_dir.join("2024-03-01.parquet"),
        &inst,
        events,
        &WriteOptions::default(),
    )
    .expect("day file");
    let strategy = dir.join("buy.py");
    std::fs::write(
        &strategy,
        r#"
from ticklab import Strategy

class Buy(Strategy):
    sent = False

    def on_market(self, ctx, ev):
        if not self.sent and ev.side == "sell" and ev.price == 101.0:
            ctx.buy(5.0)
            self.sent = True
"#,
    )
    .expect("strategy file");
    let config = dir.join("run.toml");
    std::fs::write(
        &config,
        format!("[latency]\nmodel = \"constant\"\nentry_ns = 500_000\nresponse_ns = 200_000\ncompute = \"{compute}\"\n"),
    )
    .expect("run.toml");
    let out = dir.join(format!("out-{}", compute.replace(':', "-")));
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_ticklab"))
        .args(["run", "--csv", "--data"])
        .arg(dir.join("data"))
        .arg("--strategy")
        .arg(&strategy)
        .arg("--config")
        .arg(&config)
        .arg("--out")
        .arg(&out)
        .arg("--force")
        .args(extra)
        .output()
        .expect("ticklab runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text, out)
}

/// The `price_ticks` of each row of `fills.csv`.
fn fill_prices(out: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(out.join("fills.csv")).expect("fills.csv");
    let mut lines = text.lines();
    let header: Vec<_> = lines.next().expect("a header").split(',').collect();
    let column = header
        .iter()
        .position(|&c| c == "price_ticks")
        .expect("price_ticks");
    lines
        .map(|line| line.split(',').nth(column).expect("a price").to_owned())
        .collect()
}

#[test]
fn ticklab_run_charges_reports_and_can_skip_the_compute_time() {
    let dir = tempfile::tempdir().unwrap();

    let (ok, text, out) = ticklab_run(dir.path(), "fixed:1000000", &[]);
    assert!(ok, "{text}");
    assert_eq!(fill_prices(&out), ["102"]);
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["deterministic"], true);
    assert_eq!(summary["config"]["latency.compute"], "fixed:1000000");
    assert!(summary["stats"].get("compute_time").is_none(), "{summary}");
    let timing: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("timing.json")).unwrap()).unwrap();
    let kinds: Vec<_> = timing["callbacks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["callback"].as_str().unwrap().to_owned(),
                c["calls"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [("on_market".to_owned(), 5), ("on_finish".to_owned(), 1)]
    );
    assert!(
        text.contains("compute time on_market: 5 calls, p50 "),
        "{text}"
    );

    let (ok, text, out) = ticklab_run(dir.path(), "none", &["--no-timing"]);
    assert!(ok, "{text}");
    assert_eq!(fill_prices(&out), ["101"]);
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["deterministic"], true);
    assert!(summary["stats"].get("compute_time").is_none(), "{summary}");
    assert!(!out.join("timing.json").exists());
    assert!(!text.contains("compute time"), "{text}");

    let (ok, text, _) = ticklab_run(dir.path(), "measured", &["--no-timing"]);
    assert!(!ok);
    assert!(
        text.contains("--no-timing cannot be used with latency.compute = \"measured\""),
        "{text}"
    );

    let (ok, text, out) = ticklab_run(dir.path(), "measured", &[]);
    assert!(ok, "{text}");
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["deterministic"], false);
    assert!(text.contains("the run is not deterministic"), "{text}");
}
