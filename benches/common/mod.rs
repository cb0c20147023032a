//! What the engine, rules and Python benches share: one synthetic L2 day
//! held in memory, and the run configuration they replay it with.
//!
//! The day is a random walk of the mid with depth updates across ten levels
//! a side, trades at the touch followed by the depth update they cause, and
//! a jittered feed latency of about a millisecond.

use ticklab::market::{MarketEvent, Side};
use ticklab::sim::{LatencyConfig, RunConfig};

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

/// `n` events of the synthetic day, the same for every seedless call.
pub fn synthetic_day(n: usize) -> Vec<MarketEvent> {
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

/// Constant 0.5 ms order-entry and response latency, defaults otherwise.
pub fn config() -> RunConfig {
    RunConfig {
        latency: LatencyConfig::Constant {
            entry_ns: 500_000,
            response_ns: 500_000,
        },
        ..RunConfig::default()
    }
}
