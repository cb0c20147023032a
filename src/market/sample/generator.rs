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
use super::spec::{SampleSpec, Session, NS_PER_SEC, SAMPLE_DAY};

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
    /// The fair price this one follows, and its value at the open.
    leader: Option<(LeaderPath, f64)>,
    /// How much later the leader's moves show here, ns.
    lag_ns: i64,
    /// The fair price the order flow leaned towards at the last message.
    flow_fair_ticks: f64,
    /// (exchange time, own fair price) of each message, when recorded.
    recording: Option<Vec<(i64, f64)>>,
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
        let leader = spec
            .leader
            .as_ref()
            .map(|leader| LeaderPath::generated(&leader.spec, seed));
        Self::following(spec, seed, leader)
    }

    /// The generator of `spec`'s day for `seed`, whose fair price follows
    /// `leader` (the path of its leader's day for the same seed).
    pub(crate) fn following(spec: &SampleSpec, seed: u64, leader: Option<LeaderPath>) -> Self {
        let mut rng = Sampler::from_seed(stream_seed(seed, &stream_key(spec)));
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

        let open_fair_ticks = fair.ticks();
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
            flow_fair_ticks: open_fair_ticks,
            recording: None,
            leader: leader.map(|path| {
                let open_ticks = path.current;
                (path, open_ticks)
            }),
            lag_ns: spec.leader.as_ref().map_or(0, |l| l.lag_ns),
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
        self.flow_fair_ticks
    }

    /// The fair price of this day's own process (without its leader's
    /// move), in ticks.
    fn own_fair_ticks(&self) -> f64 {
        self.fair.ticks()
    }

    /// Records the fair price of every message from here on (the day's
    /// path for a follower), starting with the one in force now.
    pub(crate) fn record_path(&mut self) {
        self.recording = Some(vec![(self.last_exch_ts, self.fair.ticks())]);
    }

    /// The path recorded since [`SampleEvents::record_path`].
    pub(crate) fn take_path(&mut self) -> LeaderPath {
        LeaderPath::recorded(self.recording.take().unwrap_or_default())
    }

    /// Exchange time of the last message, ns.
    fn last_exch_ts(&self) -> i64 {
        self.last_exch_ts
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
        if let Some(path) = &mut self.recording {
            path.push((exch_ts, self.fair.ticks()));
        }
        let local_ts = self.latency.local_ts(exch_ts, elapsed_secs, &mut self.rng);

        self.pending.clear();
        self.next_pending = 0;
        self.flow_fair_ticks = match &mut self.leader {
            None => self.fair.ticks(),
            Some((path, open_ticks)) => {
                self.fair.ticks() * path.fair_at(exch_ts - self.lag_ns) / *open_ticks
            }
        };
        self.flow.message(
            &mut self.book,
            self.flow_fair_ticks,
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

/// The leader's fair price through its day: generated alongside, or
/// recorded while its day was written.
pub(crate) struct LeaderPath {
    source: PathSource,
    /// The fair price in force at the last time asked about.
    pub(crate) current: f64,
}

enum PathSource {
    /// The leader's day, generated as far as needed, with its next
    /// message's time and fair price once generated.
    Generated {
        events: Box<SampleEvents>,
        next: Option<(i64, f64)>,
        is_over: bool,
    },
    /// (exchange time, fair price) of each of its messages, and the next
    /// one to apply.
    Recorded { path: Vec<(i64, f64)>, next: usize },
}

impl LeaderPath {
    /// The path of `spec`'s day for `seed`, generated as it is read.
    pub(crate) fn generated(spec: &SampleSpec, seed: u64) -> Self {
        let events = SampleEvents::new(spec, seed);
        LeaderPath {
            current: events.own_fair_ticks(),
            source: PathSource::Generated {
                events: Box::new(events),
                next: None,
                is_over: false,
            },
        }
    }

    /// A path recorded by [`SampleEvents::record_path`].
    pub(crate) fn recorded(path: Vec<(i64, f64)>) -> Self {
        LeaderPath {
            current: path.first().map_or(f64::NAN, |&(_, fair)| fair),
            source: PathSource::Recorded { path, next: 1 },
        }
    }

    /// The leader's fair price in force at `ts_ns` (asked at times that
    /// never decrease): the one after its last message at or before it.
    fn fair_at(&mut self, ts_ns: i64) -> f64 {
        match &mut self.source {
            PathSource::Recorded { path, next } => {
                while let Some(&(ts, fair)) = path.get(*next) {
                    if ts > ts_ns {
                        break;
                    }
                    self.current = fair;
                    *next += 1;
                }
            }
            PathSource::Generated {
                events,
                next,
                is_over,
            } => loop {
                match *next {
                    Some((ts, fair)) if ts <= ts_ns => {
                        self.current = fair;
                        *next = None;
                    }
                    Some(_) => break,
                    None if *is_over => break,
                    None => {
                        if events.next_message() {
                            *next = Some((events.last_exch_ts(), events.own_fair_ticks()));
                        } else {
                            *is_over = true;
                        }
                    }
                }
            },
        }
        self.current
    }
}

/// What names a day's random stream: the symbol for the first shipped day
/// (as it always was), the symbol and the date for any other.
fn stream_key(spec: &SampleSpec) -> String {
    if spec.day == SAMPLE_DAY {
        spec.symbol().to_owned()
    } else {
        format!("{}@{}", spec.symbol(), spec.day)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::market::sample::{Leader, SAMPLE_DAY_2};

    /// A two-hour follower of a two-hour leader, both small.
    fn pair() -> SampleSpec {
        let short = |mut spec: SampleSpec| {
            spec.session = Session {
                open_utc_secs: 14 * 3600,
                close_utc_secs: 16 * 3600,
            };
            spec.with_target_events(20_000)
        };
        let mut follower = short(SampleSpec::eth_perp_on(SAMPLE_DAY_2));
        follower.leader = Some(Leader {
            spec: Box::new(short(SampleSpec::crypto_perp_on(SAMPLE_DAY_2))),
            lag_ns: 400_000_000,
        });
        follower
    }

    #[test]
    fn a_follower_reads_the_same_path_generated_or_recorded() {
        let follower = pair();
        let leader = follower.leader.as_ref().map(|l| (*l.spec).clone());
        let Some(leader) = leader else {
            panic!("a follower");
        };
        let mut written = SampleEvents::new(&leader, 3);
        written.record_path();
        let leader_events = written.by_ref().count();
        assert!(leader_events > 10_000, "{leader_events}");
        let recorded = SampleEvents::following(&follower, 3, Some(written.take_path()));
        let generated = SampleEvents::new(&follower, 3);
        let (recorded, generated): (Vec<_>, Vec<_>) = (recorded.collect(), generated.collect());
        assert!(recorded.len() > 10_000, "{}", recorded.len());
        assert!(recorded == generated);
    }
}
