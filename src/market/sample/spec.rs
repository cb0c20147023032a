//! What a sample day looks like: the instrument, the session, and the knobs
//! of the order flow, price, arrival and latency models.

use std::fmt;

use crate::market::Instrument;

use super::profile::ActivityProfile;

/// A calendar day (proleptic Gregorian), e.g. 2026-03-02.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct CivilDate {
    /// Year, e.g. 2026.
    pub year: i32,
    /// Month, 1–12.
    pub month: u32,
    /// Day of the month, 1–31.
    pub day: u32,
}

impl CivilDate {
    /// The day `year-month-day`.
    pub const fn new(year: i32, month: u32, day: u32) -> Self {
        CivilDate { year, month, day }
    }

    /// Days from 1970-01-01 to this day (negative before it).
    pub fn days_since_epoch(self) -> i64 {
        // Howard Hinnant's `days_from_civil`: years start in March so that
        // the leap day is the last day of the year.
        let year = i64::from(self.year) - i64::from(self.month <= 2);
        let era = year.div_euclid(400);
        let year_of_era = year - era * 400;
        let month_from_march = (i64::from(self.month) + 9) % 12;
        let day_of_year = (153 * month_from_march + 2) / 5 + i64::from(self.day) - 1;
        let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
        era * 146_097 + day_of_era - 719_468
    }

    /// Midnight UTC of this day, in ns since the Unix epoch.
    pub fn midnight_utc_ns(self) -> i64 {
        self.days_since_epoch() * NS_PER_DAY
    }
}

impl fmt::Display for CivilDate {
    /// `YYYY-MM-DD`, the file stem of a day of data.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// Nanoseconds in one second.
pub(crate) const NS_PER_SEC: i64 = 1_000_000_000;
/// Nanoseconds in one day.
pub(crate) const NS_PER_DAY: i64 = 86_400 * NS_PER_SEC;

/// The trading hours of the day, in seconds after midnight UTC.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Session {
    /// Start of trading, seconds after midnight UTC.
    pub open_utc_secs: u32,
    /// End of trading (exclusive), seconds after midnight UTC; at most 86 400.
    pub close_utc_secs: u32,
}

impl Session {
    /// Round the clock: 00:00–24:00 UTC.
    pub const ALL_DAY: Session = Session {
        open_utc_secs: 0,
        close_utc_secs: 86_400,
    };

    /// 09:30–16:00 New York time in winter (UTC−5): 14:30–21:00 UTC.
    pub const NEW_YORK_WINTER: Session = Session {
        open_utc_secs: 14 * 3600 + 1800,
        close_utc_secs: 21 * 3600,
    };

    /// Length of the session in seconds.
    pub fn duration_secs(&self) -> f64 {
        f64::from(self.close_utc_secs.saturating_sub(self.open_utc_secs))
    }
}

/// How messages arrive: a self-exciting (Hawkes) process with an exponential
/// kernel on top of the intraday activity profile.
#[derive(Clone, Debug, PartialEq)]
pub struct HawkesParams {
    /// Mean number of messages each message triggers (0 ≤ n < 1); the
    /// fraction of all messages that are triggered rather than spontaneous.
    pub branching_ratio: f64,
    /// Decay rate of the excitation a message leaves behind, per second.
    pub decay_per_sec: f64,
}

/// The unobserved fair price the order flow leans towards.
#[derive(Clone, Debug, PartialEq)]
pub struct PriceParams {
    /// Fair price at the start of the day, in ticks.
    pub start_ticks: i64,
    /// Diffusion of the fair price, in ticks per √second at average activity
    /// (volatility scales with the square root of activity).
    pub vol_ticks_per_sqrt_sec: f64,
    /// Mean number of jumps of the fair price per hour.
    pub jumps_per_hour: f64,
    /// Median size of a jump, in ticks (lognormal, random sign).
    pub median_jump_ticks: f64,
    /// Half of the spread liquidity providers aim for, in ticks: new orders
    /// rest at `fair ∓ half_spread` or further away.
    pub half_spread_ticks: f64,
}

/// The resting book and the order flow that builds and consumes it.
#[derive(Clone, Debug, PartialEq)]
pub struct BookParams {
    /// New limit orders rest up to this many ticks behind the quote.
    pub max_distance_ticks: u32,
    /// Fewer levels than this on a side and new orders refill its far end.
    pub min_levels: usize,
    /// More levels than this on a side and the farthest is cancelled.
    pub max_levels: usize,
    /// Resting orders per side at which adds and cancels balance.
    pub resting_orders_per_side: f64,
    /// Median size of a limit order, in lots.
    pub median_order_lots: f64,
    /// Log-standard-deviation of limit order sizes.
    pub order_size_sigma: f64,
    /// Share of order sizes rounded to a round number (1, 2, 5 × 10^k lots).
    pub round_size_share: f64,
    /// Share of messages that are market orders, when the book sits at the
    /// fair price.
    pub market_order_share: f64,
    /// Median size of a market order, in lots.
    pub median_market_order_lots: f64,
    /// Log-standard-deviation of market order sizes.
    pub market_order_sigma: f64,
    /// Share of market orders that sweep the touch and go on to deeper
    /// levels, when the book sits at the fair price.
    pub sweep_share: f64,
}

/// Feed latency `local_ts − exch_ts`: lognormal jitter plus rare stalls that
/// hold everything back until they clear.
#[derive(Clone, Debug, PartialEq)]
pub struct LatencyParams {
    /// Median feed latency, in ns.
    pub median_latency_ns: f64,
    /// Log-standard-deviation of the feed latency.
    pub latency_sigma: f64,
    /// Mean number of feed stalls per hour.
    pub stalls_per_hour: f64,
    /// Median length of a stall, in ns.
    pub median_stall_ns: f64,
}

/// Everything that defines a sample day; with a seed it fixes every event.
#[derive(Clone, Debug, PartialEq)]
pub struct SampleSpec {
    /// The instrument, with its symbol, tick and lot size.
    pub instrument: Instrument,
    /// The trading day.
    pub day: CivilDate,
    /// Trading hours within the day.
    pub session: Session,
    /// Shape of activity through the session.
    pub profile: ActivityProfile,
    /// About how many events the day holds (the count is random around it).
    pub target_events: u64,
    /// Exchange timestamps are multiples of this, in ns (1 000 = µs).
    pub exch_ts_resolution_ns: i64,
    /// Message arrivals.
    pub hawkes: HawkesParams,
    /// Fair price.
    pub price: PriceParams,
    /// Book and order flow.
    pub book: BookParams,
    /// Feed latency.
    pub latency: LatencyParams,
    /// The instrument whose fair price this one's follows, if any.
    pub leader: Option<Leader>,
}

/// Another sample instrument whose fair price moves this one's: the
/// follower's fair price is its own (diffusing, jumping) times the
/// leader's relative move since the open, `lag_ns` later, so their returns
/// are correlated and the leader's moves show in the follower a moment
/// after.
#[derive(Clone, Debug, PartialEq)]
pub struct Leader {
    /// The leader's day, generated with the same seed.
    pub spec: Box<SampleSpec>,
    /// How long the follower takes to follow, ns.
    pub lag_ns: i64,
}

/// The day every shipped sample is on: Monday 2 March 2026.
pub const SAMPLE_DAY: CivilDate = CivilDate::new(2026, 3, 2);

/// The second day of the shipped crypto perpetuals: Tuesday 3 March 2026.
pub const SAMPLE_DAY_2: CivilDate = CivilDate::new(2026, 3, 3);

/// Fair prices of BTC-PERP and ETH-PERP at the start of each shipped day,
/// in ticks: the second day opens where BTC-PERP's first day closed
/// (64 940.0), ETH-PERP by the same move.
const CRYPTO_STARTS: [(CivilDate, i64, i64); 2] = [
    (SAMPLE_DAY, 650_000, 350_000),
    (SAMPLE_DAY_2, 649_400, 349_677),
];

/// ETH-PERP follows BTC-PERP's fair price this much later, ns.
const ETH_LAG_NS: i64 = 400_000_000;

impl SampleSpec {
    /// `BTC-PERP`: a crypto perpetual around 65 000 USD, tick 0.1, lot
    /// 0.001, traded round the clock, about 2 million events.
    pub fn crypto_perp() -> Self {
        let mut instrument = Instrument::new("BTC-PERP", 0.1, 0.001);
        instrument.maker_fee_rate = -0.000_1;
        instrument.taker_fee_rate = 0.000_5;
        instrument.description = DESCRIPTION.to_owned();
        SampleSpec {
            instrument,
            day: SAMPLE_DAY,
            session: Session::ALL_DAY,
            profile: ActivityProfile::CryptoDay,
            target_events: 2_000_000,
            exch_ts_resolution_ns: 1_000,
            hawkes: HawkesParams {
                branching_ratio: 0.72,
                decay_per_sec: 4.0,
            },
            price: PriceParams {
                start_ticks: 650_000,
                vol_ticks_per_sqrt_sec: 3.0,
                jumps_per_hour: 1.5,
                median_jump_ticks: 30.0,
                half_spread_ticks: 0.05,
            },
            book: BookParams {
                max_distance_ticks: 50,
                min_levels: 25,
                max_levels: 60,
                resting_orders_per_side: 160.0,
                median_order_lots: 80.0,
                order_size_sigma: 1.1,
                round_size_share: 0.4,
                market_order_share: 0.08,
                median_market_order_lots: 12.0,
                market_order_sigma: 1.4,
                sweep_share: 0.015,
            },
            latency: LatencyParams {
                median_latency_ns: 1_200_000.0,
                latency_sigma: 0.35,
                stalls_per_hour: 4.0,
                median_stall_ns: 25_000_000.0,
            },
            leader: None,
        }
    }

    /// [`SampleSpec::crypto_perp`] on `day`: on the second shipped day it
    /// opens where the first closed; on any other day as on the first.
    pub fn crypto_perp_on(day: CivilDate) -> Self {
        let mut spec = Self::crypto_perp();
        spec.day = day;
        spec.price.start_ticks = start_ticks(day).0;
        spec
    }

    /// `ETH-PERP` on `day`: a crypto perpetual around 3 500 USD, tick 0.01,
    /// lot 0.01, traded round the clock, about 600 000 events, whose fair
    /// price follows BTC-PERP's on the same day 400 ms later (plus moves of
    /// its own), so its mid moves with BTC-PERP's.
    pub fn eth_perp_on(day: CivilDate) -> Self {
        let mut instrument = Instrument::new("ETH-PERP", 0.01, 0.01);
        instrument.maker_fee_rate = -0.000_1;
        instrument.taker_fee_rate = 0.000_5;
        instrument.description = DESCRIPTION.to_owned();
        let btc = Self::crypto_perp_on(day);
        SampleSpec {
            instrument,
            day,
            session: Session::ALL_DAY,
            profile: ActivityProfile::CryptoDay,
            target_events: 600_000,
            exch_ts_resolution_ns: 1_000,
            hawkes: HawkesParams {
                branching_ratio: 0.7,
                decay_per_sec: 4.0,
            },
            price: PriceParams {
                start_ticks: start_ticks(day).1,
                // Half of BTC-PERP's relative volatility of its own; the
                // rest comes from following BTC-PERP.
                vol_ticks_per_sqrt_sec: 0.8,
                jumps_per_hour: 0.5,
                median_jump_ticks: 10.0,
                half_spread_ticks: 0.05,
            },
            book: BookParams {
                max_distance_ticks: 50,
                min_levels: 25,
                max_levels: 60,
                resting_orders_per_side: 150.0,
                median_order_lots: 60.0,
                order_size_sigma: 1.1,
                round_size_share: 0.4,
                market_order_share: 0.09,
                median_market_order_lots: 10.0,
                market_order_sigma: 1.3,
                sweep_share: 0.02,
            },
            latency: btc.latency.clone(),
            leader: Some(Leader {
                spec: Box::new(btc),
                lag_ns: ETH_LAG_NS,
            }),
        }
    }

    /// `ACME`: a stock around 48 USD, tick 0.01, lot 1 share, traded
    /// 09:30–16:00 New York time, about 500 000 events.
    pub fn stock() -> Self {
        let mut instrument = Instrument::new("ACME", 0.01, 1.0);
        instrument.maker_fee_rate = -0.000_02;
        instrument.taker_fee_rate = 0.000_06;
        instrument.description = DESCRIPTION.to_owned();
        SampleSpec {
            instrument,
            day: SAMPLE_DAY,
            session: Session::NEW_YORK_WINTER,
            profile: ActivityProfile::StockU,
            target_events: 500_000,
            exch_ts_resolution_ns: 1,
            hawkes: HawkesParams {
                branching_ratio: 0.68,
                decay_per_sec: 3.0,
            },
            price: PriceParams {
                start_ticks: 4_800,
                vol_ticks_per_sqrt_sec: 0.45,
                jumps_per_hour: 0.8,
                median_jump_ticks: 4.0,
                half_spread_ticks: 0.3,
            },
            book: BookParams {
                max_distance_ticks: 45,
                min_levels: 25,
                max_levels: 55,
                resting_orders_per_side: 140.0,
                median_order_lots: 200.0,
                order_size_sigma: 0.9,
                round_size_share: 0.8,
                market_order_share: 0.07,
                median_market_order_lots: 100.0,
                market_order_sigma: 1.1,
                sweep_share: 0.025,
            },
            latency: LatencyParams {
                median_latency_ns: 600_000.0,
                latency_sigma: 0.3,
                stalls_per_hour: 2.0,
                median_stall_ns: 8_000_000.0,
            },
            leader: None,
        }
    }

    /// Every shipped sample, in the order written: BTC-PERP and ETH-PERP
    /// on each of two days (each BTC-PERP day before the ETH-PERP day that
    /// follows it), then the stock.
    pub fn shipped() -> Vec<SampleSpec> {
        vec![
            Self::crypto_perp(),
            Self::eth_perp_on(SAMPLE_DAY),
            Self::crypto_perp_on(SAMPLE_DAY_2),
            Self::eth_perp_on(SAMPLE_DAY_2),
            Self::stock(),
        ]
    }

    /// The same day with about `target_events` events: the session and
    /// price process stay, the message rate scales.
    #[must_use]
    pub fn with_target_events(mut self, target_events: u64) -> Self {
        self.target_events = target_events;
        self
    }

    /// The symbol, e.g. `BTC-PERP`.
    pub fn symbol(&self) -> &str {
        &self.instrument.symbol
    }

    /// Exchange time of the session open, in ns since the Unix epoch.
    pub fn open_ns(&self) -> i64 {
        self.day.midnight_utc_ns() + i64::from(self.session.open_utc_secs) * NS_PER_SEC
    }

    /// Exchange time of the session close (exclusive), in ns since the epoch.
    pub fn close_ns(&self) -> i64 {
        self.day.midnight_utc_ns() + i64::from(self.session.close_utc_secs) * NS_PER_SEC
    }
}

/// The start prices of BTC-PERP and ETH-PERP on `day`, ticks.
fn start_ticks(day: CivilDate) -> (i64, i64) {
    CRYPTO_STARTS.iter().find(|(d, _, _)| *d == day).map_or(
        (CRYPTO_STARTS[0].1, CRYPTO_STARTS[0].2),
        |&(_, btc, eth)| (btc, eth),
    )
}

/// The `description` of every sample instrument.
pub(crate) const DESCRIPTION: &str = "Synthetic sample data generated by ticklab, not real \
market data: Hawkes-clustered order flow around a diffusing, jumping fair price. See README.md \
in the data folder.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_count_days_from_the_epoch() {
        assert_eq!(CivilDate::new(1970, 1, 1).days_since_epoch(), 0);
        assert_eq!(CivilDate::new(2000, 3, 1).days_since_epoch(), 11_017);
        assert_eq!(CivilDate::new(1969, 12, 31).days_since_epoch(), -1);
        // 2026-03-02 00:00:00 UTC = 1772409600 s.
        assert_eq!(SAMPLE_DAY.midnight_utc_ns(), 1_772_409_600 * NS_PER_SEC);
        assert_eq!(SAMPLE_DAY.to_string(), "2026-03-02");
    }

    #[test]
    fn sample_day_is_a_monday() {
        // 1970-01-01 was a Thursday (index 3 with Monday = 0).
        assert_eq!((SAMPLE_DAY.days_since_epoch() + 3).rem_euclid(7), 0);
    }
}
