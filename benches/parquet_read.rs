//! Canonical Parquet read throughput: decode, validate and convert a
//! 2M-event day to ticks and lots, on the current thread and through the
//! loader thread (with and without the crossed-book check runs apply).
#![allow(missing_docs)] // criterion_group! generates an undocumented pub fn

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use ticklab::book::cross::crossed_book_check;
use ticklab::book::{CrossedBookPolicy, CrossedTally};
use ticklab::market::parquet::{write_events, EventReader, Loader, ReadOptions, WriteOptions};
use ticklab::market::{flags, EventKind, Instrument, MarketEvent, Side};

const EVENTS: usize = 2_000_000;

fn instrument() -> Instrument {
    Instrument::new("BTC-PERP", 0.1, 0.001)
}

/// A day the way a busy crypto L2 feed looks: batches of depth updates
/// near a drifting touch, sharing one exchange time, with trades between
/// them and feed latency of a few hundred microseconds.
fn synthetic_day(count: usize) -> Vec<MarketEvent> {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let mut mid = 650_000_i64;
    let mut exch_ts = 1_709_251_200_000_000_000_i64;
    let mut events = Vec::with_capacity(count);
    while events.len() < count {
        exch_ts += rng.random_range(1_000..80_000_000);
        let local_ts = exch_ts + rng.random_range(200_000..900_000);
        if rng.random_bool(0.02) {
            mid += if rng.random_bool(0.5) { 1 } else { -1 };
        }
        if rng.random_bool(0.1) {
            let aggressor = if rng.random_bool(0.5) {
                Side::Buy
            } else {
                Side::Sell
            };
            let price = mid + if aggressor == Side::Buy { 1 } else { -1 };
            let trade = MarketEvent::trade(exch_ts, aggressor, price, rng.random_range(1..2_000));
            events.push(trade.seen_at(local_ts));
            continue;
        }
        let batch = rng.random_range(1..8);
        for i in 0..batch {
            let side = if rng.random_bool(0.5) {
                Side::Buy
            } else {
                Side::Sell
            };
            let distance = (rng.random::<f64>().powi(3) * 50.0) as i64 + 1;
            let price = if side == Side::Buy {
                mid - distance
            } else {
                mid + distance
            };
            let qty = if rng.random_bool(0.2) {
                0
            } else {
                rng.random_range(1..50_000)
            };
            let last = if i + 1 == batch {
                flags::LAST_IN_BATCH
            } else {
                0
            };
            let event = MarketEvent {
                kind: EventKind::Depth,
                ..MarketEvent::depth(exch_ts, side, price, qty)
            };
            events.push(event.seen_at(local_ts).with_flags(last));
        }
    }
    events.truncate(count);
    events
}

fn read_all(path: &Path, instrument: &Instrument) -> u64 {
    let mut reader =
        EventReader::open(path, instrument, ReadOptions::default()).expect("bench file opens");
    let mut batch = Vec::new();
    let mut checksum = 0_u64;
    while reader.read_batch(&mut batch).expect("bench file reads") > 0 {
        checksum = checksum.wrapping_add(batch.len() as u64);
        if let Some(last) = batch.last() {
            checksum = checksum.wrapping_add(last.price as u64);
        }
    }
    checksum
}

fn load_all(path: &Path, instrument: &Instrument) -> u64 {
    let loader = Loader::spawn(path, instrument, ReadOptions::default()).expect("bench file opens");
    let mut checksum = 0_u64;
    while let Some(batch) = loader.recv() {
        let batch = batch.expect("bench file reads");
        checksum = checksum.wrapping_add(batch.len() as u64);
        loader.recycle(batch);
    }
    checksum
}

/// [`load_all`] with the crossed-book check every run applies, on the
/// loader thread (counting, so a crossed batch does not stop it).
fn load_checked(path: &Path, instrument: &Instrument) -> u64 {
    let check = crossed_book_check(instrument, CrossedBookPolicy::Warn, CrossedTally::default());
    let reader = EventReader::open(path, instrument, ReadOptions::default())
        .expect("bench file opens")
        .with_check(check);
    let loader = Loader::from_reader(reader).expect("bench file opens");
    let mut checksum = 0_u64;
    while let Some(batch) = loader.recv() {
        let batch = batch.expect("bench file reads");
        checksum = checksum.wrapping_add(batch.len() as u64);
        loader.recycle(batch);
    }
    checksum
}

fn parquet_read(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("2024-03-01.parquet");
    let instrument = instrument();
    let summary = write_events(
        &path,
        &instrument,
        synthetic_day(EVENTS),
        &WriteOptions::default(),
    )
    .expect("bench file writes");
    println!(
        "parquet_read: {} events, {} row groups, {:.1} MB ({:.1} bytes/event)",
        summary.rows,
        summary.row_groups,
        summary.bytes as f64 / 1e6,
        summary.bytes as f64 / summary.rows as f64
    );

    let mut group = c.benchmark_group("parquet_read");
    group.sample_size(10);
    group.throughput(Throughput::Elements(EVENTS as u64));
    group.bench_function("2M events, current thread", |b| {
        b.iter(|| black_box(read_all(&path, &instrument)))
    });
    group.bench_function("2M events, loader thread", |b| {
        b.iter(|| black_box(load_all(&path, &instrument)))
    });
    group.bench_function("2M events, loader thread, crossed-book check", |b| {
        b.iter(|| black_box(load_checked(&path, &instrument)))
    });
    group.finish();
}

criterion_group!(benches, parquet_read);
criterion_main!(benches);
