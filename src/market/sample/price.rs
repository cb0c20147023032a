//! The fair price: an unobserved value the order flow leans towards.
//!
//! It diffuses (Brownian, with volatility rising with activity) and now and
//! then jumps by a lognormal number of ticks of random sign. It is kept well
//! above zero so that every price of the book stays on a positive tick.

use super::random::Sampler;
use super::spec::PriceParams;

/// Log-standard-deviation of jump sizes.
const JUMP_SIGMA: f64 = 0.6;

/// The fair price of a day, in ticks (fractional).
pub(crate) struct FairPrice {
    ticks: f64,
    floor_ticks: f64,
    vol_ticks_per_sqrt_sec: f64,
    jump_rate_per_sec: f64,
    median_jump_ticks: f64,
}

impl FairPrice {
    /// The fair price at the start of the day, never going below
    /// `floor_ticks`.
    pub(crate) fn new(params: &PriceParams, floor_ticks: f64) -> Self {
        FairPrice {
            ticks: (params.start_ticks as f64).max(floor_ticks),
            floor_ticks,
            vol_ticks_per_sqrt_sec: params.vol_ticks_per_sqrt_sec,
            jump_rate_per_sec: params.jumps_per_hour / 3600.0,
            median_jump_ticks: params.median_jump_ticks,
        }
    }

    /// Current fair price, in ticks.
    pub(crate) fn ticks(&self) -> f64 {
        self.ticks
    }

    /// Moves the fair price over `elapsed_secs` at `relative_activity` (1 =
    /// average); returns the jump, in ticks, if one happened.
    pub(crate) fn advance(
        &mut self,
        elapsed_secs: f64,
        relative_activity: f64,
        rng: &mut Sampler,
    ) -> Option<f64> {
        let variance = self.vol_ticks_per_sqrt_sec.powi(2) * relative_activity * elapsed_secs;
        self.ticks += variance.max(0.0).sqrt() * rng.normal();
        let jump_chance = 1.0 - (-self.jump_rate_per_sec * relative_activity * elapsed_secs).exp();
        let jump = if rng.chance(jump_chance) {
            let size = rng.lognormal(self.median_jump_ticks, JUMP_SIGMA);
            let jump = if rng.chance(0.5) { size } else { -size };
            self.ticks += jump;
            Some(jump)
        } else {
            None
        };
        if self.ticks < self.floor_ticks {
            self.ticks = 2.0 * self.floor_ticks - self.ticks;
        }
        jump
    }
}
