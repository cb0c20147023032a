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

use std::hint::black_box;

use criterion::{Criterion, Throughput};

use ticklab::market::{Instrument, MarketEvent, Side};
use ticklab::sim::{Engine, LatencyConfig, RunConfig};
use ticklab::strategy::native::NoOp;
use ticklab::strategy::rules::RuleSet;
use ticklab::strategy::{run_to_end, Ctx, Strategy, StrategyError};

const DAY_EVENTS: usize = 5_000_000;
const LEVELS: i64 = 10;

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

/// xorshift64*: a fast, fixed random stream for the synthetic day.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> i64 {
        (self.next() % n) as i64
    }
}

/// The day of `engine_throughput`: a random walk of the mid, depth updates
/// across ten levels a side, trades at the touch followed by the depth they
/// take, and about a millisecond of jittered feed latency.
fn synthetic_day(n: usize) -> Vec<MarketEvent> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut events = Vec::with_capacity(n + 64);
    let mut ts = 1_700_000_000_000_000_000_i64;
    let mut mid = 100_000_i64;
    let mut bids = [0_i64; LEVELS as usize];
    let mut asks = [0_i64; LEVELS as usize];
    let emit = |events: &mut Vec<MarketEvent>, ts: i64, rng: &mut Rng, ev: MarketEvent| {
        let local = ts + 900_000 + rng.below(200_000);
        events.push(ev.seen_at(local));
    };
    for i in 0..LEVELS as usize {
        bids[i] = 10 + rng.below(50);
        asks[i] = 10 + rng.below(50);
        emit(
            &mut events,
            ts,
            &mut rng,
            MarketEvent::depth(ts, Side::Buy, mid - 1 - i as i64, bids[i]),
        );
        emit(
            &mut events,
            ts,
            &mut rng,
            MarketEvent::depth(ts, Side::Sell, mid + 1 + i as i64, asks[i]),
        );
    }
    while events.len() < n {
        ts += 1 + rng.below(34_000_000);
        let roll = rng.below(100);
        if roll < 75 {
            let level = rng.below(LEVELS as u64) as usize;
            let qty = 1 + rng.below(60);
            if rng.below(2) == 0 {
                bids[level] = qty;
                emit(
                    &mut events,
                    ts,
                    &mut rng,
                    MarketEvent::depth(ts, Side::Buy, mid - 1 - level as i64, qty),
                );
            } else {
                asks[level] = qty;
                emit(
                    &mut events,
                    ts,
                    &mut rng,
                    MarketEvent::depth(ts, Side::Sell, mid + 1 + level as i64, qty),
                );
            }
        } else if roll < 90 {
            let buy = rng.below(2) == 0;
            let (side, levels, price) = if buy {
                (Side::Sell, &mut asks, mid + 1)
            } else {
                (Side::Buy, &mut bids, mid - 1)
            };
            let traded = (1 + rng.below(levels[0].max(1) as u64))
                .min(levels[0])
                .max(1);
            levels[0] = (levels[0] - traded).max(1);
            let aggressor = if buy { Side::Buy } else { Side::Sell };
            emit(
                &mut events,
                ts,
                &mut rng,
                MarketEvent::trade(ts, aggressor, price, traded),
            );
            emit(
                &mut events,
                ts,
                &mut rng,
                MarketEvent::depth(ts, side, price, levels[0]),
            );
        } else {
            let up = rng.below(2) == 0;
            let (gone, grow) = if up {
                (Side::Sell, Side::Buy)
            } else {
                (Side::Buy, Side::Sell)
            };
            let gone_touch = if up { mid + 1 } else { mid - 1 };
            let far_gone = if up { mid - LEVELS } else { mid + LEVELS };
            mid += if up { 1 } else { -1 };
            let new_far = if up { mid + LEVELS } else { mid - LEVELS };
            let new_touch = if up { mid - 1 } else { mid + 1 };
            let (old_side, new_side) = if up {
                (&mut asks, &mut bids)
            } else {
                (&mut bids, &mut asks)
            };
            old_side.rotate_left(1);
            old_side[LEVELS as usize - 1] = 10 + rng.below(50);
            new_side.rotate_right(1);
            new_side[0] = 1 + rng.below(30);
            let mid_batch = |e: MarketEvent| e.with_flags(0);
            emit(
                &mut events,
                ts,
                &mut rng,
                mid_batch(MarketEvent::depth(ts, gone, gone_touch, 0)),
            );
            emit(
                &mut events,
                ts,
                &mut rng,
                mid_batch(MarketEvent::depth(ts, grow, far_gone, 0)),
            );
            emit(
                &mut events,
                ts,
                &mut rng,
                mid_batch(MarketEvent::depth(
                    ts,
                    gone,
                    new_far,
                    old_side[LEVELS as usize - 1],
                )),
            );
            emit(
                &mut events,
                ts,
                &mut rng,
                MarketEvent::depth(ts, grow, new_touch, new_side[0]),
            );
        }
    }
    events.truncate(n);
    events
}

fn config() -> RunConfig {
    RunConfig {
        latency: LatencyConfig::Constant {
            entry_ns: 500_000,
            response_ns: 500_000,
        },
        ..RunConfig::default()
    }
}

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
