//! Rule strategy throughput against the native no-op, over the same
//! synthetic 5 M-event L2 day held in memory.
//!
//! The rule file has 5 conditions over 3 windowed indicators (a
//! time-decayed EMA and a time-weighted SMA of the mid, signed trade volume
//! over 5 s) plus the book imbalance and the position, in two rules that
//! trade on EMA/SMA crossings confirmed by trade flow. The target is at
//! least half the no-op's events per second.
//!
//! `RULES_BENCH_QUICK=N` runs each strategy N times and prints the best
//! rate and the ratio instead of the criterion benchmarks.

mod common;
use common::{config, synthetic_day};

use std::hint::black_box;

use criterion::{Criterion, Throughput};

use ticklab::market::{Instrument, MarketEvent};
use ticklab::sim::Engine;
use ticklab::strategy::native::NoOp;
use ticklab::strategy::rules::RuleSet;
use ticklab::strategy::{run_to_end, Ctx, Strategy, StrategyError};

const DAY_EVENTS: usize = 5_000_000;

const RULES: &str = r#"
[settings]
max_position_lots = 5

[indicators]
fast = { ema = { of = "mid", half_life = "2s" } }
slow = { sma = { of = "mid", window = "30s" } }
flow = { signed_volume = { window = "5s" } }

[[rules]]
name = "buy"
when = { all = [
    { lhs = "fast", op = "crosses_above", rhs = "slow" },
    { lhs = "flow", op = ">", rhs = 0 },
    { lhs = "imbalance", op = ">", rhs = 0.2 },
] }
then = [ { buy = { lots = 1 } } ]
cooldown = "10s"

[[rules]]
name = "sell"
when = { all = [
    { lhs = "fast", op = "crosses_below", rhs = "slow" },
    { lhs = "position", op = ">", rhs = 0 },
] }
then = [ "flatten" ]
cooldown = "10s"
"#;

/// The bench's rule file, or the one named by `RULES_BENCH_FILE`.
fn rules() -> RuleSet {
    match std::env::var_os("RULES_BENCH_FILE") {
        Some(path) => RuleSet::from_path(std::path::Path::new(&path)).expect("a valid rule file"),
        None => RuleSet::from_toml_str(RULES, "bench.rules.toml")
            .expect("the bench's rule file is valid"),
    }
}

fn rules_throughput(c: &mut Criterion) {
    let events = synthetic_day(DAY_EVENTS);
    let instrument = Instrument::new("BENCH", 0.01, 1.0);
    let config = config();
    let rules = rules();
    let mut group = c.benchmark_group("rules_day_5m");
    group.sample_size(10);
    group.throughput(Throughput::Elements(events.len() as u64));
    group.bench_function("native_noop", |b| {
        b.iter(|| {
            let engine =
                Engine::from_slice(instrument.clone(), &config, &events).expect("valid config");
            black_box(run_to_end(engine, NoOp).expect("run").data_events)
        });
    });
    group.bench_function("rules_5_conditions_3_windows", |b| {
        b.iter(|| {
            let engine =
                Engine::from_slice(instrument.clone(), &config, &events).expect("valid config");
            black_box(
                run_to_end(engine, rules.strategy())
                    .expect("run")
                    .fills
                    .len(),
            )
        });
    });
    group.finish();
}

/// Reads the touch at every event and does nothing with it: what any
/// strategy that looks at the book costs the runner.
#[derive(Default)]
struct TouchReader {
    sum_ticks: i64,
}

impl Strategy for TouchReader {
    fn on_market(&mut self, ctx: &mut Ctx<'_, '_>, _ev: &MarketEvent) -> Result<(), StrategyError> {
        if let (Some(bid), Some(ask)) = (ctx.best_bid(), ctx.best_ask()) {
            self.sum_ticks = self.sum_ticks.wrapping_add(bid.price + ask.qty);
        }
        Ok(())
    }
}

/// Runs each strategy `runs` times, alternating so all see the same
/// machine load, and prints the best rates and the ratio to the no-op.
fn quick(runs: usize) {
    let events = synthetic_day(DAY_EVENTS);
    let instrument = Instrument::new("BENCH", 0.01, 1.0);
    let config = config();
    let rules = rules();
    let mut best_secs = [f64::MAX; 3];
    let (mut fills, mut signals) = (0, 0);
    // `RULES_BENCH_ONLY=noop|reader|rules` runs one of them, for profiling.
    let only = std::env::var("RULES_BENCH_ONLY").unwrap_or_default();
    for _ in 0..runs.max(1) {
        let mut timed = |i: usize, f: &mut dyn FnMut()| {
            if !only.is_empty() && only != ["noop", "reader", "rules"][i] {
                return;
            }
            let start = std::time::Instant::now();
            f();
            best_secs[i] = best_secs[i].min(start.elapsed().as_secs_f64());
        };
        let engine =
            || Engine::from_slice(instrument.clone(), &config, &events).expect("valid config");
        timed(0, &mut || {
            black_box(run_to_end(engine(), NoOp).expect("run").data_events);
        });
        timed(1, &mut || {
            black_box(
                run_to_end(engine(), TouchReader::default())
                    .expect("run")
                    .data_events,
            );
        });
        timed(2, &mut || {
            let strategy = rules.strategy();
            let feed = strategy.signal_feed();
            fills = run_to_end(engine(), strategy).expect("run").fills.len();
            signals = feed.len();
        });
    }
    let rate = |secs: f64| events.len() as f64 / secs / 1e6;
    let [noop, reader, rules_secs] = best_secs;
    println!("native_noop:                  {:.2} M events/s", rate(noop));
    println!(
        "native_touch_reader:          {:.2} M events/s, {:.0}% of no-op",
        rate(reader),
        100.0 * noop / reader
    );
    println!(
        "rules_5_conditions_3_windows: {:.2} M events/s ({fills} fills, {signals} signals), {:.0}% of no-op",
        rate(rules_secs),
        100.0 * noop / rules_secs
    );
}

fn main() {
    match std::env::var("RULES_BENCH_QUICK")
        .ok()
        .and_then(|n| n.parse().ok())
    {
        Some(runs) => quick(runs),
        None => {
            let mut criterion = Criterion::default().configure_from_args();
            rules_throughput(&mut criterion);
            criterion.final_summary();
        }
    }
}
