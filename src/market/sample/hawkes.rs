//! Clustered message arrivals: a Hawkes process with an exponential kernel.
//!
//! Intensity `λ(t) = μ(t) + Σ α·e^{−β(t − tᵢ)}` over past messages `tᵢ`,
//! where the baseline `μ(t)` follows the intraday profile (held constant
//! over steps of one minute) and `α/β` is the branching ratio. Arrivals are
//! drawn exactly (Dassios & Zhao): the next spontaneous arrival and the next
//! excited one are drawn apart and the earlier one wins.

use super::profile::{ActivityProfile, PROFILE_STEP_SECS};
use super::random::Sampler;
use super::spec::{HawkesParams, Session};

/// The arrival clock of a day's messages.
pub(crate) struct HawkesClock {
    profile: ActivityProfile,
    session: Session,
    duration_secs: f64,
    /// Baseline intensity per unit of profile activity, messages per second.
    baseline_per_activity: f64,
    /// Intensity added by each message, per second (α).
    kick_per_sec: f64,
    /// Decay rate of the excitation, per second (β).
    decay_per_sec: f64,
    /// Time of the last arrival, seconds after the open.
    now_secs: f64,
    /// Intensity above the baseline at `now_secs`, per second.
    excitation_per_sec: f64,
}

impl HawkesClock {
    /// A clock that yields about `expected_messages` arrivals over `session`.
    pub(crate) fn new(
        params: &HawkesParams,
        profile: ActivityProfile,
        session: Session,
        expected_messages: f64,
    ) -> Self {
        let duration_secs = session.duration_secs();
        let branching_ratio = params.branching_ratio.clamp(0.0, 0.95);
        let decay_per_sec = params.decay_per_sec.max(1e-6);
        // E[messages] = ∫μ dt / (1 − n).
        let spontaneous = expected_messages.max(1.0) * (1.0 - branching_ratio);
        let mean_activity = profile.mean_activity(&session).max(1e-9);
        HawkesClock {
            profile,
            session,
            duration_secs,
            baseline_per_activity: spontaneous / (mean_activity * duration_secs.max(1e-9)),
            kick_per_sec: branching_ratio * decay_per_sec,
            decay_per_sec,
            now_secs: 0.0,
            excitation_per_sec: 0.0,
        }
    }

    /// Time of the next message in seconds after the open, or `None` once the
    /// session is over.
    pub(crate) fn next_arrival_secs(&mut self, rng: &mut Sampler) -> Option<f64> {
        loop {
            if self.now_secs >= self.duration_secs {
                return None;
            }
            let step_end_secs = (((self.now_secs / PROFILE_STEP_SECS).floor() + 1.0)
                * PROFILE_STEP_SECS)
                .min(self.duration_secs);
            let baseline_per_sec = self.baseline_per_activity
                * self.profile.step_activity(&self.session, self.now_secs);
            let spontaneous_secs = if baseline_per_sec > 0.0 {
                rng.exponential(1.0 / baseline_per_sec)
            } else {
                f64::INFINITY
            };
            let excited_secs = self.excited_wait_secs(rng);
            let wait_secs = spontaneous_secs.min(excited_secs);
            if self.now_secs + wait_secs >= step_end_secs {
                // No arrival in this step: move to its end (the process is
                // memoryless given the excitation) and draw again.
                self.decay_to(step_end_secs);
                if step_end_secs >= self.duration_secs {
                    self.now_secs = self.duration_secs;
                    return None;
                }
                continue;
            }
            self.decay_to(self.now_secs + wait_secs);
            self.excitation_per_sec += self.kick_per_sec;
            return Some(self.now_secs);
        }
    }

    /// Adds `messages` worth of excitation now, as an outside shock does.
    pub(crate) fn excite(&mut self, messages: f64) {
        self.excitation_per_sec += messages * self.decay_per_sec;
    }

    /// Waiting time until the next arrival triggered by past messages.
    fn excited_wait_secs(&self, rng: &mut Sampler) -> f64 {
        if self.excitation_per_sec <= 0.0 {
            return f64::INFINITY;
        }
        // The excited arrivals have total mass x/β left; the first one, if
        // any, solves x(1 − e^{−βs})/β = E with E ~ Exp(1).
        let d = 1.0 + self.decay_per_sec * rng.open_uniform().ln() / self.excitation_per_sec;
        if d > 0.0 {
            -d.ln() / self.decay_per_sec
        } else {
            f64::INFINITY
        }
    }

    fn decay_to(&mut self, secs: f64) {
        let elapsed_secs = secs - self.now_secs;
        self.excitation_per_sec *= (-self.decay_per_sec * elapsed_secs).exp();
        self.now_secs = secs;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arrivals(branching_ratio: f64, expected: f64) -> Vec<f64> {
        let params = HawkesParams {
            branching_ratio,
            decay_per_sec: 5.0,
        };
        let session = Session {
            open_utc_secs: 0,
            close_utc_secs: 3_600,
        };
        let mut clock = HawkesClock::new(&params, ActivityProfile::Flat, session, expected);
        let mut rng = Sampler::from_seed(11);
        std::iter::from_fn(|| clock.next_arrival_secs(&mut rng)).collect()
    }

    fn coefficient_of_variation(times: &[f64]) -> f64 {
        let gaps: Vec<f64> = times.windows(2).map(|w| w[1] - w[0]).collect();
        let mean = gaps.iter().sum::<f64>() / gaps.len() as f64;
        let var = gaps.iter().map(|g| (g - mean).powi(2)).sum::<f64>() / gaps.len() as f64;
        var.sqrt() / mean
    }

    #[test]
    fn yields_about_the_expected_count_in_order() {
        let times = arrivals(0.7, 50_000.0);
        let n = times.len() as f64;
        assert!((n - 50_000.0).abs() < 5_000.0, "{n}");
        assert!(times.windows(2).all(|w| w[0] <= w[1]));
        assert!(times.iter().all(|&t| (0.0..3_600.0).contains(&t)));
    }

    #[test]
    fn excitation_clusters_arrivals() {
        let poisson = coefficient_of_variation(&arrivals(0.0, 20_000.0));
        let hawkes = coefficient_of_variation(&arrivals(0.7, 20_000.0));
        assert!((poisson - 1.0).abs() < 0.05, "{poisson}");
        assert!(hawkes > 1.3, "{hawkes}");
    }
}
