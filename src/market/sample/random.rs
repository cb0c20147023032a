//! The few random samplers the generator needs, over one seeded stream.
//!
//! Written out by hand so that the numbers drawn for a seed depend only on
//! the ChaCha8 stream, never on a distribution library's version.

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// 2^-53: the spacing of doubles in [0.5, 1).
const UNIT_STEP: f64 = 1.0 / (1u64 << 53) as f64;

/// A seeded random stream with the samplers of the generator.
pub(crate) struct Sampler {
    rng: ChaCha8Rng,
    /// The second normal of the last Box–Muller pair, not yet used.
    spare_normal: Option<f64>,
}

impl Sampler {
    /// A stream fully determined by `seed`.
    pub(crate) fn from_seed(seed: u64) -> Self {
        Sampler {
            rng: ChaCha8Rng::seed_from_u64(seed),
            spare_normal: None,
        }
    }

    /// Uniform in [0, 1).
    pub(crate) fn uniform(&mut self) -> f64 {
        (self.rng.next_u64() >> 11) as f64 * UNIT_STEP
    }

    /// Uniform in (0, 1): safe to take the logarithm of.
    pub(crate) fn open_uniform(&mut self) -> f64 {
        ((self.rng.next_u64() >> 11) as f64 + 0.5) * UNIT_STEP
    }

    /// True with probability `p`.
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.uniform() < p
    }

    /// Uniform integer in `0..n` (`n > 0`).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        ((self.uniform() * n as f64) as usize).min(n.saturating_sub(1))
    }

    /// Exponential with the given mean.
    pub(crate) fn exponential(&mut self, mean: f64) -> f64 {
        -self.open_uniform().ln() * mean
    }

    /// Standard normal, by the Box–Muller transform.
    pub(crate) fn normal(&mut self) -> f64 {
        if let Some(z) = self.spare_normal.take() {
            return z;
        }
        let radius = (-2.0 * self.open_uniform().ln()).sqrt();
        let angle = std::f64::consts::TAU * self.uniform();
        self.spare_normal = Some(radius * angle.sin());
        radius * angle.cos()
    }

    /// Lognormal with the given median and log-standard-deviation `sigma`.
    pub(crate) fn lognormal(&mut self, median: f64, sigma: f64) -> f64 {
        median * (sigma * self.normal()).exp()
    }

    /// Number of failures before the first success, each try succeeding with
    /// probability `p` (0 < p <= 1); mean `(1 - p) / p`.
    pub(crate) fn geometric(&mut self, p: f64) -> u64 {
        if p >= 1.0 {
            return 0;
        }
        (self.open_uniform().ln() / (1.0 - p).ln()).floor() as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_numbers() {
        let mut a = Sampler::from_seed(7);
        let mut b = Sampler::from_seed(7);
        for _ in 0..100 {
            assert_eq!(a.normal().to_bits(), b.normal().to_bits());
        }
    }

    #[test]
    fn samplers_have_their_means() {
        let mut s = Sampler::from_seed(1);
        let n = 200_000;
        let mean = |f: &mut dyn FnMut() -> f64| (0..n).map(|_| f()).sum::<f64>() / n as f64;
        assert!((mean(&mut || s.uniform()) - 0.5).abs() < 0.01);
        let mut s = Sampler::from_seed(2);
        assert!((mean(&mut || s.exponential(3.0)) - 3.0).abs() < 0.05);
        let mut s = Sampler::from_seed(3);
        assert!(mean(&mut || s.normal()).abs() < 0.01);
        let mut s = Sampler::from_seed(4);
        assert!((mean(&mut || s.normal().powi(2)) - 1.0).abs() < 0.02);
        let mut s = Sampler::from_seed(5);
        assert!((mean(&mut || s.geometric(0.25) as f64) - 3.0).abs() < 0.05);
        let mut s = Sampler::from_seed(6);
        let expected = 2.0 * (0.5f64 * 0.5 * 0.5).exp();
        assert!((mean(&mut || s.lognormal(2.0, 0.5)) - expected).abs() < 0.02);
    }
}
