//! How long the strategy's callbacks take: one clock read before and one
//! after each call ([`super::clock`]), kept in a fixed-size log histogram
//! per callback kind, so timing allocates nothing per event.

use crate::sim::{CallbackTime, ComputeTimes};
use crate::strategy::clock;
use crate::strategy::Callback;

/// Sub-buckets per power of two: a value is kept to within 1/32 (3 %).
const SUB_BITS: u32 = 5;
/// Values below this are kept exactly, one bucket each.
const SUB: usize = 1 << SUB_BITS;
/// Buckets from 0 up to `u64::MAX`: `SUB` exact ones, then `SUB` for each
/// power of two from `2^SUB_BITS` to `2^63`.
const BUCKETS: usize = SUB + (64 - SUB_BITS as usize) * SUB;

/// A histogram of durations (in clock ticks or ns) with logarithmic
/// buckets (as HdrHistogram's, with 5 significant bits): values below 64
/// exactly, larger ones within 1/32, over the whole `u64` range, in 15 KiB
/// made once.
#[derive(Clone, Debug)]
pub(crate) struct LogHistogram {
    counts: Box<[u64]>,
    count: u64,
    max_value: u64,
    total: u64,
}

/// The bucket holding `value`.
#[inline]
fn bucket_of(value: u64) -> usize {
    if value < SUB as u64 {
        return value as usize;
    }
    // value >= 32, so its highest bit is at least SUB_BITS.
    let shift = 63 - value.leading_zeros() - SUB_BITS;
    // The top SUB_BITS + 1 bits: 32..=63.
    let top = (value >> shift) as usize;
    SUB + shift as usize * SUB + (top - SUB)
}

/// The highest value bucket `bucket` holds.
fn highest_in(bucket: usize) -> u64 {
    if bucket < SUB {
        return bucket as u64;
    }
    let shift = (bucket - SUB) / SUB;
    let top = (SUB + (bucket - SUB) % SUB) as u64;
    // The last bucket ends at u64::MAX: add before shifting would overflow.
    (top << shift) + ((1_u64 << shift) - 1)
}

impl LogHistogram {
    /// An empty histogram.
    pub(crate) fn new() -> Self {
        LogHistogram {
            counts: vec![0; BUCKETS].into_boxed_slice(),
            count: 0,
            max_value: 0,
            total: 0,
        }
    }

    /// Counts one duration.
    #[inline]
    pub(crate) fn record(&mut self, value: u64) {
        if let Some(slot) = self.counts.get_mut(bucket_of(value)) {
            *slot += 1;
        }
        self.count += 1;
        self.max_value = self.max_value.max(value);
        self.total = self.total.saturating_add(value);
    }

    /// Durations counted.
    pub(crate) fn count(&self) -> u64 {
        self.count
    }

    /// Longest duration counted (exact).
    pub(crate) fn max(&self) -> u64 {
        self.max_value
    }

    /// The value at quantile `q` (0..=1): the highest value of the bucket
    /// holding the `ceil(q · count)`-th smallest duration, never above the
    /// maximum; 0 when empty.
    pub(crate) fn quantile(&self, q: f64) -> u64 {
        if self.count == 0 {
            return 0;
        }
        // The rank is at most `count`, so the float is exact enough.
        let rank = ((q.clamp(0.0, 1.0) * self.count as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (bucket, &n) in self.counts.iter().enumerate() {
            seen += n;
            if seen >= rank {
                return highest_in(bucket).min(self.max_value);
            }
        }
        self.max_value
    }
}

/// Wall time of each kind of callback over a run.
#[derive(Clone, Debug)]
pub(crate) struct CallbackTimes {
    by_kind: [LogHistogram; Callback::ALL.len()],
}

impl CallbackTimes {
    /// No call timed yet.
    pub(crate) fn new() -> Self {
        CallbackTimes {
            by_kind: std::array::from_fn(|_| LogHistogram::new()),
        }
    }

    /// Counts one call of `callback` that took `ticks` of [`clock::ticks`].
    #[inline]
    pub(crate) fn record(&mut self, callback: Callback, ticks: u64) {
        if let Some(histogram) = self.by_kind.get_mut(callback.index()) {
            histogram.record(ticks);
        }
    }

    /// p50, p99 and max of each kind called at least once, in ns.
    pub(crate) fn summary(&self) -> ComputeTimes {
        self.summary_with(clock::ns_from_ticks)
    }

    /// [`CallbackTimes::summary`] with ticks turned into ns by `ns`.
    fn summary_with(&self, ns: impl Fn(u64) -> u64) -> ComputeTimes {
        let callbacks = Callback::ALL
            .iter()
            .zip(&self.by_kind)
            .filter(|(_, h)| h.count() > 0)
            .map(|(callback, h)| CallbackTime {
                callback: callback.name().to_owned(),
                calls: h.count(),
                p50_ns: ns(h.quantile(0.50)),
                p99_ns: ns(h.quantile(0.99)),
                max_ns: ns(h.max()),
                total_ns: ns(h.total),
            })
            .collect();
        ComputeTimes { callbacks }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_values_have_a_bucket_each_and_larger_ones_share_by_32nds() {
        for ns in 0..32 {
            assert_eq!(bucket_of(ns), ns as usize);
            assert_eq!(highest_in(ns as usize), ns);
        }
        // 32..=63 are still exact: one value per bucket.
        assert_eq!(bucket_of(32), 32);
        assert_eq!(bucket_of(63), 63);
        // 64..=127 share buckets by twos: 64 and 65 together, 66 next.
        assert_eq!(bucket_of(64), 64);
        assert_eq!(bucket_of(65), 64);
        assert_eq!(bucket_of(66), 65);
        assert_eq!(highest_in(64), 65);
        // 1000 = 0b1111101000: shift 4, top 62 -> bucket 32 + 4*32 + 30.
        assert_eq!(bucket_of(1000), 190);
        assert_eq!(highest_in(190), 1007);
        assert_eq!(bucket_of(1007), 190);
        assert_eq!(bucket_of(1008), 191);
        assert_eq!(bucket_of(u64::MAX), BUCKETS - 1);
        assert_eq!(highest_in(BUCKETS - 1), u64::MAX);
    }

    #[test]
    fn every_bucket_starts_right_after_the_one_before() {
        for bucket in 1..BUCKETS {
            let low = highest_in(bucket - 1) + 1;
            assert_eq!(bucket_of(low), bucket, "bucket {bucket}");
            assert_eq!(bucket_of(highest_in(bucket)), bucket, "bucket {bucket}");
            // Each bucket is no wider than 1/32 of its lowest value.
            assert!(highest_in(bucket) - low <= low / 32, "bucket {bucket}");
        }
    }

    #[test]
    fn quantiles_worked_by_hand() {
        let mut h = LogHistogram::new();
        assert_eq!(h.quantile(0.5), 0);
        // 1..=100 ns: the median is the 50th value, 50, kept exactly (below
        // 64 every value has its own bucket); p99 is the 99th, 99, in the
        // bucket 98..=99; the 100th shares 100..=101, capped at the max.
        for ns in 1..=100 {
            h.record(ns);
        }
        assert_eq!(h.count(), 100);
        assert_eq!(h.quantile(0.5), 50);
        assert_eq!(h.quantile(0.99), 99);
        assert_eq!(h.quantile(1.0), 100);
        assert_eq!(h.max(), 100);
        assert_eq!(h.total, 5050);
        // One slow call: the maximum is exact; p99 is now the 100th of 101
        // values, 100, reported as its bucket's highest, 101.
        h.record(1_000_000);
        assert_eq!(h.max(), 1_000_000);
        assert_eq!(h.quantile(0.99), 101);
        assert_eq!(h.quantile(1.0), 1_000_000);
    }

    #[test]
    fn the_summary_lists_only_callbacks_called() {
        let mut times = CallbackTimes::new();
        times.record(Callback::Market, 10);
        times.record(Callback::Market, 20);
        times.record(Callback::Finish, 3000);
        // One tick a ns, to check the arithmetic.
        let summary = times.summary_with(|ticks| ticks);
        let names: Vec<_> = summary
            .callbacks
            .iter()
            .map(|c| c.callback.as_str())
            .collect();
        assert_eq!(names, ["on_market", "on_finish"]);
        let market = &summary.callbacks[0];
        assert_eq!(
            (
                market.calls,
                market.p50_ns,
                market.p99_ns,
                market.max_ns,
                market.total_ns
            ),
            (2, 10, 20, 20, 30)
        );
        // 3000 = 0b101110111000: shift 6, top 46 -> bucket 32 + 6*32 + 14 =
        // 238, highest 46*64 + 63 = 3007, capped at the maximum, 3000.
        assert_eq!(summary.callbacks[1].p50_ns, 3000);
    }
}
