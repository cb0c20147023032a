//! Depth updates applied to the L2 book per second.
#![allow(missing_docs)] // criterion_group! generates an undocumented pub fn

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use ticklab::book::L2Book;
use ticklab::market::{MarketEvent, Side};

/// A random walk of depth updates around a drifting touch, the way a busy
/// L2 feed looks: most updates within a few ticks of the best price.
fn depth_stream(count: usize) -> Vec<MarketEvent> {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut mid = 650_000i64;
    (0..count)
        .map(|i| {
            if rng.random_bool(0.01) {
                mid += if rng.random_bool(0.5) { 1 } else { -1 };
            }
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
                rng.random_range(1..500)
            };
            MarketEvent::depth(i as i64, side, price, qty)
        })
        .collect()
}

fn book_apply(c: &mut Criterion) {
    let events = depth_stream(1_000_000);
    let mut group = c.benchmark_group("book_apply");
    group.throughput(Throughput::Elements(events.len() as u64));
    group.bench_function("depth_updates", |b| {
        b.iter_batched_ref(
            L2Book::new,
            |book| {
                for ev in &events {
                    book.apply(ev);
                }
                book.best_bid()
            },
            BatchSize::LargeInput,
        );
    });
    group.finish();
}

criterion_group!(benches, book_apply);
criterion_main!(benches);
