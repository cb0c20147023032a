//! Engine throughput over a synthetic 5 M-event L2 day held in memory.
//!
//! The day is a random walk of the mid with depth updates across ten levels
//! a side, trades at the touch followed by the depth update they cause, and
//! a jittered feed latency of about a millisecond. Two strategies run over
//! it: one resting order that never changes (engine overhead), and the
//! native market maker (order traffic on every move of the touch); the
//! market maker runs again with its callbacks timed (`market_maker_timed`:
//! two clock reads per callback, as `ticklab run` does by default).
//! `two_instruments` runs the market maker over the same number of events
//! split into two instruments on one clock (the day's halves, the second
//! moved back in time onto the first), merged by the runner's scheduler:
//! compare it with `market_maker`. `two_instruments_in_turn` is the same
//! run with the second half left after the first, so that the scheduler
//! hands over one instrument's events for half the day, then the other's:
//! its cost apart from the cost of alternating between two instruments'
//! states at random from one event to the next. `two_instruments_alternating`
//! has the instruments take turns in a regular pattern (the second half's
//! events re-timed to come 2 ms after the first half's): the cost of
//! switching instruments when which one comes next is predictable.

mod common;
use common::{config, synthetic_day};

use std::hint::black_box;

use criterion::{Criterion, Throughput};

use ticklab::market::{Instrument, MarketEvent};
use ticklab::sim::Engine;
use ticklab::strategy::native::{MarketMaker, NoOp};
use ticklab::strategy::{run_to_end, Ctx, Runner, Strategy, StrategyError};

const DAY_EVENTS: usize = 5_000_000;

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
    group.bench_function("market_maker_timed", |b| {
        b.iter(|| {
            let engine =
                Engine::from_slice(instrument.clone(), &config, &events).expect("valid config");
            black_box(timed_market_maker(engine))
        });
    });
    let halves = two_halves(&events);
    group.bench_function("two_instruments", |b| {
        b.iter(|| black_box(two_instruments(&config, &halves)));
    });
    let in_turn_halves = in_turn(&events);
    group.bench_function("two_instruments_in_turn", |b| {
        b.iter(|| black_box(two_instruments(&config, &in_turn_halves)));
    });
    let alternating_halves = alternating(&events);
    group.bench_function("two_instruments_alternating", |b| {
        b.iter(|| black_box(two_instruments(&config, &alternating_halves)));
    });
    group.finish();
}

/// The day's two halves as two instruments' days over the same span: the
/// second half moved back in time to start with the first.
fn two_halves(events: &[MarketEvent]) -> (Vec<MarketEvent>, Vec<MarketEvent>) {
    let (first, second) = events.split_at(events.len() / 2);
    let shift = match (first.first(), second.first()) {
        (Some(a), Some(b)) => b.exch_ts - a.exch_ts,
        _ => 0,
    };
    let moved = second
        .iter()
        .map(|ev| MarketEvent {
            exch_ts: ev.exch_ts - shift,
            local_ts: ev.local_ts - shift,
            ..*ev
        })
        .collect();
    (first.to_vec(), moved)
}

/// The day's two halves as two instruments' days, the second starting
/// where the first ends.
fn in_turn(events: &[MarketEvent]) -> (Vec<MarketEvent>, Vec<MarketEvent>) {
    let (first, second) = events.split_at(events.len() / 2);
    (first.to_vec(), second.to_vec())
}

/// The day's two halves as two instruments' days that take turns: the
/// second half's events, in their order, each re-timed to come 2 ms after
/// the first half's event of the same rank (its feed latency kept). Events
/// of one instrument are 1 ns to 34 ms apart, so in the merged run 65 % of
/// events come right after one of the other instrument (46 % with
/// `two_halves`), each event of the second 2 ms after its counterpart of
/// the first.
fn alternating(events: &[MarketEvent]) -> (Vec<MarketEvent>, Vec<MarketEvent>) {
    const LAG_NS: i64 = 2_000_000;
    let (first, second) = events.split_at(events.len() / 2);
    let retimed = first
        .iter()
        .zip(second)
        .map(|(lead, ev)| {
            let exch_ts = lead.exch_ts + LAG_NS;
            MarketEvent {
                exch_ts,
                local_ts: exch_ts + (ev.local_ts - ev.exch_ts),
                ..*ev
            }
        })
        .collect();
    (first.to_vec(), retimed)
}

/// Runs the market maker over two instruments' days; returns its fills.
fn two_instruments(
    config: &ticklab::sim::RunConfig,
    halves: &(Vec<MarketEvent>, Vec<MarketEvent>),
) -> usize {
    let engines = vec![
        Engine::from_slice(Instrument::new("BENCH", 0.01, 1.0), config, &halves.0)
            .expect("valid config"),
        Engine::from_slice(Instrument::new("BENCH2", 0.01, 1.0), config, &halves.1)
            .expect("valid config"),
    ];
    let mut runner =
        Runner::with_instruments(engines, MarketMaker::default()).expect("two engines");
    runner.run().expect("run");
    let (engines, _) = runner.into_engines();
    engines
        .into_iter()
        .map(|engine| engine.into_record().fills.len())
        .sum()
}

/// Runs the market maker with every callback timed; returns its fills.
fn timed_market_maker(engine: Engine<'_>) -> usize {
    let mut runner = Runner::new(engine, MarketMaker::default());
    runner.set_timing(true);
    runner.run().expect("run");
    runner.into_record().fills.len()
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
/// machine); `ENGINE_BENCH_ONLY=<a,b>` picks the strategies and
/// `ENGINE_BENCH_EVENTS=<n>` a smaller day (for cachegrind). Otherwise runs
/// the criterion benchmarks.
fn quick(runs: usize) {
    let day_events = std::env::var("ENGINE_BENCH_EVENTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(DAY_EVENTS);
    let events = synthetic_day(day_events);
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
    // ENGINE_BENCH_ONLY: a comma list of the cases to run (all by default).
    let only = std::env::var("ENGINE_BENCH_ONLY").unwrap_or_default();
    let wanted = |case: &str| only.is_empty() || only.split(',').any(|name| name == case);
    if wanted("noop") {
        let (rate, _) = best_rate(&|| {
            let engine =
                Engine::from_slice(instrument.clone(), &config, &events).expect("valid config");
            run_to_end(engine, NoOp).expect("run").fills.len()
        });
        println!("noop:              {rate:.1} M events/s");
    }
    if wanted("one_resting_order") {
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
    if wanted("market_maker") {
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
    if wanted("market_maker_timed") {
        let (rate, fills) = best_rate(&|| {
            let engine =
                Engine::from_slice(instrument.clone(), &config, &events).expect("valid config");
            timed_market_maker(engine)
        });
        println!("market_maker_timed: {rate:.1} M events/s ({fills} fills)");
    }
    // The two-instrument cases differ only in how the day is split.
    type Split = fn(&[MarketEvent]) -> (Vec<MarketEvent>, Vec<MarketEvent>);
    let splits: [(&str, Split); 3] = [
        ("two_instruments", two_halves),
        ("two_instruments_in_turn", in_turn),
        ("two_instruments_alternating", alternating),
    ];
    for (name, split) in splits {
        if wanted(name) {
            let halves = split(&events);
            let (rate, fills) = best_rate(&|| two_instruments(&config, &halves));
            println!("{name}: {rate:.1} M events/s ({fills} fills)");
        }
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
