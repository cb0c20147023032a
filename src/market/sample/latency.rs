//! Feed latency: when our feed handler sees each exchange message.
//!
//! `local_ts − exch_ts` is lognormal jitter around a median of about a
//! millisecond; now and then the feed stalls (a congested link, a paused
//! handler) and every message of the stall is seen only when it clears, in
//! a quick catch-up burst. Local times need not increase, but a message is
//! never seen before the exchange sent it.

use super::random::Sampler;
use super::spec::LatencyParams;

/// Log-standard-deviation of stall lengths.
const STALL_SIGMA: f64 = 0.8;
/// Catch-up latency after a stall, as a fraction of the median latency.
const CATCH_UP_SHARE: f64 = 0.05;

/// The feed latency model of a day.
pub(crate) struct FeedLatency {
    params: LatencyParams,
    /// Exchange time until which the feed is stalled, ns (0: not stalled).
    stall_until_ns: i64,
}

impl FeedLatency {
    /// A feed that is not stalled.
    pub(crate) fn new(params: &LatencyParams) -> Self {
        FeedLatency {
            params: params.clone(),
            stall_until_ns: 0,
        }
    }

    /// Local receive time of a message sent at `exch_ts`, `elapsed_secs`
    /// after the previous message.
    pub(crate) fn local_ts(&mut self, exch_ts: i64, elapsed_secs: f64, rng: &mut Sampler) -> i64 {
        let stall_rate_per_sec = self.params.stalls_per_hour / 3600.0;
        if exch_ts >= self.stall_until_ns
            && rng.chance(1.0 - (-stall_rate_per_sec * elapsed_secs).exp())
        {
            let stall_ns = rng.lognormal(self.params.median_stall_ns, STALL_SIGMA);
            self.stall_until_ns = exch_ts.saturating_add(stall_ns as i64);
        }
        let jitter_ns = rng.lognormal(self.params.median_latency_ns, self.params.latency_sigma);
        let mut local_ts = exch_ts.saturating_add(jitter_ns as i64);
        if exch_ts < self.stall_until_ns {
            let catch_up_ns = rng.exponential(self.params.median_latency_ns * CATCH_UP_SHARE);
            local_ts = local_ts.max(self.stall_until_ns.saturating_add(catch_up_ns as i64));
        }
        local_ts.max(exch_ts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latency_is_positive_around_its_median_with_stalls() {
        let params = LatencyParams {
            median_latency_ns: 1_000_000.0,
            latency_sigma: 0.3,
            stalls_per_hour: 60.0,
            median_stall_ns: 20_000_000.0,
        };
        let mut feed = FeedLatency::new(&params);
        let mut rng = Sampler::from_seed(3);
        let mut latencies: Vec<i64> = (0..360_000i64)
            .map(|i| {
                let exch_ts = i * 10_000_000;
                feed.local_ts(exch_ts, 0.01, &mut rng) - exch_ts
            })
            .collect();
        assert!(latencies.iter().all(|&l| l >= 0));
        latencies.sort_unstable();
        let median = latencies[latencies.len() / 2];
        assert!((900_000..1_100_000).contains(&median), "{median}");
        let worst = latencies[latencies.len() - 1];
        assert!(worst > 10_000_000, "stalls show as spikes: {worst}");
    }
}
