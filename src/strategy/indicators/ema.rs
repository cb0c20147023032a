//! Exponential moving average decayed by elapsed time.

/// Exponential moving average of a step series, decayed by elapsed time
/// with a half-life: a value in force `h` ago weighs half as much as one in
/// force now.
///
/// Like [`super::TimeWeightedWindow`], the value pushed at `t` holds until
/// the next push, so between pushes the average moves towards the current
/// value: `e(now) = x + (e(t) - x) * 2^(-(now - t) / h)`. The first value
/// starts the average. Pushing the value already in force changes nothing,
/// however often it is pushed.
#[derive(Clone, Copy, Debug)]
pub struct TimeEma {
    /// ln 2 / half-life, per ns.
    decay_per_ns: f64,
    /// Time of the last push, the average then, and the value in force.
    state: Option<(i64, f64, f64)>,
}

impl TimeEma {
    /// An empty average with half-life `half_life_ns` (at least 1 ns).
    pub fn new(half_life_ns: i64) -> Self {
        TimeEma {
            decay_per_ns: std::f64::consts::LN_2 / half_life_ns.max(1) as f64,
            state: None,
        }
    }

    /// The series takes the value `x` at `ts_ns`.
    pub fn push(&mut self, ts_ns: i64, x: f64) {
        self.state = match self.state {
            None => Some((ts_ns, x, x)),
            Some((_, _, held)) if held == x => self.state,
            Some((t, e, held)) => {
                let now = ts_ns.max(t);
                Some((now, decay(e, held, (now - t) as f64 * self.decay_per_ns), x))
            }
        };
    }

    /// The average at `now_ns`; `None` before the first push.
    pub fn value(&self, now_ns: i64) -> Option<f64> {
        let (t, e, held) = self.state?;
        Some(decay(
            e,
            held,
            (now_ns - t).max(0) as f64 * self.decay_per_ns,
        ))
    }
}

#[inline]
fn decay(e: f64, towards: f64, exponent: f64) -> f64 {
    if exponent == 0.0 {
        e
    } else {
        towards + (e - towards) * (-exponent).exp()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: i64 = 1_000_000_000;

    #[test]
    fn halves_the_distance_each_half_life() {
        let mut ema = TimeEma::new(2 * S);
        ema.push(0, 100.0);
        ema.push(S, 108.0);
        assert_eq!(ema.value(S), Some(100.0));
        let v = ema.value(3 * S).unwrap_or(f64::NAN);
        assert!((v - 104.0).abs() < 1e-9, "{v}");
        ema.push(3 * S, 108.0);
        let v = ema.value(5 * S).unwrap_or(f64::NAN);
        assert!((v - 106.0).abs() < 1e-9, "{v}");
    }
}
