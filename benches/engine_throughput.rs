//! Engine throughput over a synthetic 5 M-event L2 day held in memory.
//!
//! The day is a random walk of the mid with depth updates across ten levels
//! a side, trades at the touch followed by the depth update they cause, and
//! a jittered feed latency of about a millisecond. Two strategies run over
//! it: one resting order that never changes (engine overhead), and the
//! native market maker (order traffic on every move of the touch).

use std::hint::black_box;

use criterion::{Criterion, Throughput};

use ticklab::market::{Instrument, MarketEvent, Side};
use ticklab::sim::{Engine, LatencyConfig, RunConfig};
use ticklab::strategy::native::{MarketMaker, NoOp};
use ticklab::strategy::{run_to_end, Ctx, Strategy, StrategyError};

const DAY_EVENTS: usize = 5_000_000;
const LEVELS: i64 = 10;

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
            let traded = 1 + rng.below(levels[0].max(1) as u64);
            let traded = traded.min(levels[0]).max(1);
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
            // The mid moves one tick: the touch on one side goes, a level
            // appears at the new touch on the other, the far ends roll.
            let up = rng.below(2) == 0;
            let step = if up { 1 } else { -1 };
            let (gone, grow) = if up {
                (Side::Sell, Side::Buy)
            } else {
                (Side::Buy, Side::Sell)
            };
            let gone_touch = if up { mid + 1 } else { mid - 1 };
            let far_gone = if up { mid - LEVELS } else { mid + LEVELS };
            mid += step;
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
            let flag = |e: MarketEvent| e.with_flags(0);
            emit(
                &mut events,
                ts,
                &mut rng,
                flag(MarketEvent::depth(ts, gone, gone_touch, 0)),
            );
            emit(
                &mut events,
                ts,
                &mut rng,
                flag(MarketEvent::depth(ts, grow, far_gone, 0)),
            );
            emit(
                &mut events,
                ts,
                &mut rng,
                flag(MarketEvent::depth(
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

/// Places one buy three ticks under the touch and leaves it there.
#[derive(Default)]
struct OneRestingOrder {
    placed: bool,
}

impl Strategy for OneRestingOrder {
    fn on_market(&mut self, ctx: &mut Ctx<'_, '_>, _ev: &MarketEvent) -> Result<(), StrategyError> {
        if !self.placed {
            if let Some(bid) = ctx.best_bid() {
                ctx.buy(bid.price - 3, 1)?;
                self.placed = true;
            }
        }
        Ok(())
    }
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

fn engine_throughput(c: &mut Criterion) {
    let events = synthetic_day(DAY_EVENTS);
    let instrument = Instrument::new("BENCH", 0.01, 1.0);
    let config = config();
    let mut group = c.benchmark_group("engine_day_5m");
    group.sample_size(10);
    group.throughput(Throughput::Elements(events.len() as u64));
    group.bench_function("one_resting_order", |b| {
        b.iter(|| {
            let engine =
                Engine::from_slice(instrument.clone(), &config, &events).expect("valid config");
            let record = run_to_end(engine, OneRestingOrder::default()).expect("run");
            black_box(record.data_events)
        });
    });
    group.bench_function("market_maker", |b| {
        b.iter(|| {
            let engine =
                Engine::from_slice(instrument.clone(), &config, &events).expect("valid config");
            let record = run_to_end(engine, MarketMaker::default()).expect("run");
            black_box(record.fills.len())
        });
    });
    group.finish();
}

/// Time this thread spent on a CPU, ns (Linux), so that a busy machine
/// does not count against the engine; wall time elsewhere.
fn busy_ns(wall: std::time::Instant) -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
        .unwrap_or_else(|| wall.elapsed().as_nanos() as f64)
}

/// With `ENGINE_BENCH_QUICK=N` set, runs each strategy N times over the day
/// and prints the best rate by on-CPU time (a quick check on a busy
/// machine); `ENGINE_BENCH_ONLY=<name>` picks one strategy. Otherwise runs
/// the criterion benchmarks.
fn quick(runs: usize) {
    let events = synthetic_day(DAY_EVENTS);
    let instrument = Instrument::new("BENCH", 0.01, 1.0);
    let config = config();
    let best_rate = |f: &dyn Fn() -> usize| {
        let mut best = f64::MAX;
        let mut out = 0;
        for _ in 0..runs.max(1) {
            let wall = std::time::Instant::now();
            let start = busy_ns(wall);
            out = f();
            best = best.min(busy_ns(wall) - start);
        }
        (events.len() as f64 / best * 1e3, out)
    };
    let only = std::env::var("ENGINE_BENCH_ONLY").unwrap_or_default();
    if "noop".contains(only.as_str()) {
        let (rate, _) = best_rate(&|| {
            let engine =
                Engine::from_slice(instrument.clone(), &config, &events).expect("valid config");
            run_to_end(engine, NoOp).expect("run").fills.len()
        });
        println!("noop:              {rate:.1} M events/s");
    }
    if "one_resting_order".contains(only.as_str()) {
        let (rate, _) = best_rate(&|| {
            let engine =
                Engine::from_slice(instrument.clone(), &config, &events).expect("valid config");
            run_to_end(engine, OneRestingOrder::default())
                .expect("run")
                .fills
                .len()
        });
        println!("one_resting_order: {rate:.1} M events/s");
    }
    if "market_maker".contains(only.as_str()) {
        let (rate, fills) = best_rate(&|| {
            let engine =
                Engine::from_slice(instrument.clone(), &config, &events).expect("valid config");
            run_to_end(engine, MarketMaker::default())
                .expect("run")
                .fills
                .len()
        });
        println!("market_maker:      {rate:.1} M events/s ({fills} fills)");
    }
}

fn main() {
    match std::env::var("ENGINE_BENCH_QUICK")
        .ok()
        .and_then(|n| n.parse().ok())
    {
        Some(runs) => quick(runs),
        None => {
            let mut criterion = Criterion::default().configure_from_args();
            engine_throughput(&mut criterion);
            criterion.final_summary();
        }
    }
}
