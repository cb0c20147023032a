//! A day replayed from disk: the event cache against Parquet.
//!
//! The synthetic 5 M-event L2 day of `engine_throughput` is written as a
//! Parquet day file (row groups of 1 M rows), then replayed end to end with
//! one resting order, side by side:
//!
//! - `cached`: from its event cache, memory-mapped a window at a time;
//! - `uncached`: from Parquet, row groups decoded on every core;
//! - `first_run`: from Parquet as `uncached`, writing the cache as it goes
//!   (the cache is removed before each run);
//! - `one_thread_loader`: from Parquet decoded on one thread (the loader
//!   before the cache);
//! - `in_memory`: from a slice already in memory (the engine alone).
//!
//! `cache_seek/locate` times finding the first event at a time in the cached
//! day (binary search of the sparse index, then of one block).
//!
//! `ENGINE_BENCH_EVENTS=<n>` picks another day length.

mod common;

use std::hint::black_box;
use std::path::Path;

use common::{config, synthetic_day};
use criterion::{BatchSize, Criterion, Throughput};
use ticklab::market::cache::{clear_cache, plan_replay, CacheOptions, EventCache, ReplayPlan};
use ticklab::market::parquet::{
    write_events, LoadTap, Loader, LocalTsPolicy, ReadOptions, WriteOptions,
};
use ticklab::market::{Instrument, MarketEvent};
use ticklab::session::{open_day, DayRun, LoaderSource};
use ticklab::sim::{Engine, RunConfig};
use ticklab::strategy::{run_to_end, Ctx, Strategy, StrategyError};

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

/// Writes `events` as the one day of a data folder in `dir`.
fn write_day(dir: &Path, instrument: &Instrument, events: &[MarketEvent]) -> DayRun {
    let symbol_dir = dir.join(&instrument.symbol);
    std::fs::create_dir_all(&symbol_dir).expect("a temporary folder");
    std::fs::write(
        symbol_dir.join("instrument.toml"),
        instrument.to_toml_string("bench instrument"),
    )
    .expect("a temporary folder");
    write_events(
        symbol_dir.join("2026-03-02.parquet"),
        instrument,
        events.iter().copied(),
        &WriteOptions::default(),
    )
    .expect("the day writes");
    open_day(dir, None, None).expect("the day opens")
}

/// Writes the day's cache (as a first replay would).
fn build_cache(day: &DayRun, options: &CacheOptions) -> EventCache {
    let mut notes = Vec::new();
    let plan = plan_replay(
        &day.file,
        &day.instrument,
        LocalTsPolicy::Error,
        options,
        &mut notes,
    );
    if let ReplayPlan::Parquet { tap: Some(tap) } = plan {
        let loader = Loader::spawn_tapped(
            &day.file,
            &day.instrument,
            ReadOptions::default(),
            Some(Box::new(tap) as Box<dyn LoadTap>),
        )
        .expect("the day opens");
        while let Some(batch) = loader.recv() {
            loader.recycle(batch.expect("the day reads"));
        }
        loader.finish().expect("the loader ends");
    }
    let mut notes = Vec::new();
    match plan_replay(
        &day.file,
        &day.instrument,
        LocalTsPolicy::Error,
        options,
        &mut notes,
    ) {
        ReplayPlan::Cached(cache) => cache,
        _ => panic!("the cache was not written: {notes:?}"),
    }
}

fn replay(day: &DayRun, config: &RunConfig, cache: &CacheOptions) -> u64 {
    let mut notes = Vec::new();
    let (engine, _) = day
        .engine_cached(config, ReadOptions::default(), cache, &mut notes)
        .expect("the day opens");
    run_to_end(engine, OneRestingOrder::default())
        .expect("run")
        .data_events
}

fn cache_replay(c: &mut Criterion) {
    let day_events = std::env::var("ENGINE_BENCH_EVENTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(DAY_EVENTS);
    let events = synthetic_day(day_events);
    let instrument = Instrument::new("BENCH", 0.01, 1.0);
    let config = config();
    let dir = tempfile::tempdir().expect("a temporary folder");
    let day = write_day(dir.path(), &instrument, &events);
    let cached = CacheOptions {
        enabled: true,
        dir: Some(dir.path().join("cache")),
        fallback_dir: None,
    };
    build_cache(&day, &cached);

    let mut group = c.benchmark_group("cache_replay");
    group.sample_size(10);
    group.throughput(Throughput::Elements(events.len() as u64));
    group.bench_function("cached", |b| {
        b.iter(|| black_box(replay(&day, &config, &cached)));
    });
    group.bench_function("uncached", |b| {
        b.iter(|| black_box(replay(&day, &config, &CacheOptions::disabled())));
    });
    group.bench_function("first_run", |b| {
        b.iter_batched(
            || {
                clear_cache(&day.file, &cached).expect("the cache folder is writable");
            },
            |()| black_box(replay(&day, &config, &cached)),
            BatchSize::PerIteration,
        );
    });
    group.bench_function("one_thread_loader", |b| {
        b.iter(|| {
            let loader =
                Loader::spawn_with(&day.file, &instrument, ReadOptions::default(), None, 1)
                    .expect("the day opens");
            let engine = Engine::new(instrument.clone(), &config, LoaderSource::new(loader))
                .expect("valid config");
            let record = run_to_end(engine, OneRestingOrder::default()).expect("run");
            black_box(record.data_events)
        });
    });
    group.bench_function("in_memory", |b| {
        b.iter(|| {
            let engine =
                Engine::from_slice(instrument.clone(), &config, &events).expect("valid config");
            let record = run_to_end(engine, OneRestingOrder::default()).expect("run");
            black_box(record.data_events)
        });
    });
    group.finish();

    let first = events.first().map_or(0, |ev| ev.exch_ts);
    let last = events.last().map_or(0, |ev| ev.exch_ts);
    let span = (last - first).max(1);
    let targets: Vec<i64> = (0..1021_i64)
        .map(|k| first + span / 1021 * ((k * 389) % 1021))
        .collect();
    // `first_run` left a fresh cache: the one `locate` reads.
    let cache = build_cache(&day, &cached);
    let mut group = c.benchmark_group("cache_seek");
    let mut next = 0;
    group.bench_function("locate", |b| {
        b.iter(|| {
            next = (next + 1) % targets.len();
            black_box(cache.locate(targets[next]).expect("the cache maps"))
        });
    });
    group.finish();
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    cache_replay(&mut criterion);
    criterion.final_summary();
}
