//! The streaming generator: one exchange message at a time, from the
//! arrival clock, the fair price, the order flow and the feed latency.

use crate::market::{flags, EventKind, MarketEvent, Side};

use super::book_sim::SimBook;
use super::flow::OrderFlow;
use super::hawkes::HawkesClock;
use super::latency::FeedLatency;
use super::price::FairPrice;
use super::profile::ActivityProfile;
use super::random::Sampler;
use super::spec::{SampleSpec, Session, NS_PER_SEC};

/// Messages run before the open to settle the book (and measure how many
/// events a message makes), for a full-size day.
const WARM_UP_MESSAGES: usize = 20_000;
/// Excitation a jump of the median size leaves, in messages.
const JUMP_EXCITATION_MESSAGES: f64 = 4.0;

/// The events of one sample day, generated as they are read.
///
/// Holds only the current book (a few dozen levels a side) and the events of
/// one exchange message, so a day of any size streams in bounded memory.
/// Made by [`super::generate`].
pub struct SampleEvents {
    open_ns: i64,
    close_ns: i64,
    exch_ts_resolution_ns: i64,
    session: Session,
    profile: ActivityProfile,
    mean_activity: f64,
    median_jump_ticks: f64,
    rng: Sampler,
    clock: HawkesClock,
    fair: FairPrice,
    flow: OrderFlow,
    book: SimBook,
    latency: FeedLatency,
    /// Events of the current message.
    pending: Vec<MarketEvent>,
    /// Next event of `pending` to hand out.
    next_pending: usize,
    last_exch_ts: i64,
    last_secs: f64,
    is_finished: bool,
}

impl SampleEvents {
    /// The generator of `spec`'s day for `seed`, positioned before the
    /// opening snapshot.
    pub(crate) fn new(spec: &SampleSpec, seed: u64) -> Self {
        let mut rng = Sampler::from_seed(stream_seed(seed, spec.symbol()));
        let floor_ticks = 4.0 * f64::from(spec.book.max_distance_ticks) + 10.0;
        let mut fair = FairPrice::new(&spec.price, floor_ticks);
        let mut flow = OrderFlow::new(&spec.book, spec.price.half_spread_ticks);
        let mut book = flow.seed_book(fair.ticks(), &mut rng);

        // Settle the book before the open, counting events per message.
        let target_events = spec.target_events.max(1) as f64;
        let warm_up_messages = WARM_UP_MESSAGES
            .min((target_events / 5.0) as usize)
            .max(200);
        let mut scratch = Vec::new();
        let mut warm_up_events = 0usize;
        // Messages come about every `duration / messages` seconds; a message
        // makes a little over one event.
        let warm_up_step_secs = spec.session.duration_secs() / (target_events / 1.25);
        for _ in 0..warm_up_messages {
            fair.advance(warm_up_step_secs, 1.0, &mut rng);
            scratch.clear();
            flow.message(&mut book, fair.ticks(), 0, &mut rng, &mut scratch);
            warm_up_events += scratch.len();
        }
        let events_per_message = warm_up_events as f64 / warm_up_messages as f64;

        let open_ns = spec.open_ns();
        let mut latency = FeedLatency::new(&spec.latency);
        let mut pending = Vec::with_capacity(256);
        let local_ts = latency.local_ts(open_ns, 0.0, &mut rng);
        snapshot(&book, open_ns, local_ts, &mut pending);
        let expected_messages =
            (target_events - pending.len() as f64).max(1.0) / events_per_message.max(1.0);

        SampleEvents {
            open_ns,
            close_ns: spec.close_ns(),
            exch_ts_resolution_ns: spec.exch_ts_resolution_ns.max(1),
            session: spec.session,
            profile: spec.profile,
            mean_activity: spec.profile.mean_activity(&spec.session).max(1e-9),
            median_jump_ticks: spec.price.median_jump_ticks.max(1e-9),
            clock: HawkesClock::new(&spec.hawkes, spec.profile, spec.session, expected_messages),
            rng,
            fair,
            flow,
            book,
            latency,
            pending,
            next_pending: 0,
            last_exch_ts: open_ns,
            last_secs: 0.0,
            is_finished: false,
        }
    }

    /// The unobserved fair price the order flow currently leans towards, in
    /// ticks (fractional): the ground truth an estimator of "true price" can
    /// be checked against.
    pub fn fair_ticks(&self) -> f64 {
        self.fair.ticks()
    }

    /// Generates the next exchange message into `pending`; false once the
    /// session is over.
    fn next_message(&mut self) -> bool {
        let Some(secs) = self.clock.next_arrival_secs(&mut self.rng) else {
            return false;
        };
        let elapsed_secs = secs - self.last_secs;
        self.last_secs = secs;

        let relative_activity =
            self.profile.step_activity(&self.session, secs) / self.mean_activity;
        if let Some(jump_ticks) = self
            .fair
            .advance(elapsed_secs, relative_activity, &mut self.rng)
        {
            let size = jump_ticks.abs() / self.median_jump_ticks;
            self.clock.excite(JUMP_EXCITATION_MESSAGES * size);
        }

        let resolution = self.exch_ts_resolution_ns;
        let offset_ns = (secs * NS_PER_SEC as f64) as i64 / resolution * resolution;
        let exch_ts = (self.open_ns + offset_ns).max(self.last_exch_ts + resolution);
        if exch_ts >= self.close_ns {
            return false;
        }
        self.last_exch_ts = exch_ts;
        let local_ts = self.latency.local_ts(exch_ts, elapsed_secs, &mut self.rng);

        self.pending.clear();
        self.next_pending = 0;
        self.flow.message(
            &mut self.book,
            self.fair.ticks(),
            exch_ts,
            &mut self.rng,
            &mut self.pending,
        );
        let last = self.pending.len().saturating_sub(1);
        for (index, event) in self.pending.iter_mut().enumerate() {
            event.local_ts = local_ts;
            event.flags = if index == last {
                flags::LAST_IN_BATCH
            } else {
                0
            };
        }
        true
    }
}

impl Iterator for SampleEvents {
    type Item = MarketEvent;

    fn next(&mut self) -> Option<MarketEvent> {
        loop {
            if let Some(event) = self.pending.get(self.next_pending) {
                self.next_pending += 1;
                return Some(*event);
            }
            if self.is_finished || !self.next_message() {
                self.is_finished = true;
                self.pending.clear();
                return None;
            }
        }
    }
}

/// The opening message: a clear of both sides, then every level, bids then
/// asks, best first.
fn snapshot(book: &SimBook, exch_ts: i64, local_ts: i64, out: &mut Vec<MarketEvent>) {
    out.push(MarketEvent {
        exch_ts,
        local_ts,
        kind: EventKind::Clear,
        side: Side::None,
        flags: flags::SNAPSHOT,
        ..MarketEvent::default()
    });
    for (side, levels) in [
        (Side::Buy, book.bids.levels()),
        (Side::Sell, book.asks.levels()),
    ] {
        for level in levels {
            out.push(MarketEvent {
                kind: EventKind::Snapshot,
                ..MarketEvent::depth(exch_ts, side, level.price_ticks, level.lots)
                    .seen_at(local_ts)
                    .with_flags(flags::SNAPSHOT)
            });
        }
    }
    if let Some(last) = out.last_mut() {
        last.flags |= flags::LAST_IN_BATCH;
    }
}

/// The random stream of `symbol`'s day for `seed`: days of different
/// symbols differ even with the same seed.
fn stream_seed(seed: u64, symbol: &str) -> u64 {
    // FNV-1a of the symbol, then one SplitMix64 step to spread the bits.
    let symbol_hash = symbol
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
        });
    let mut z = (seed ^ symbol_hash).wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}
