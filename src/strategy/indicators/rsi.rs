//! Relative strength index over a time window.

use std::collections::VecDeque;

use super::REBUILD_EVERY;

/// Relative strength index over a time window, 0 to 100:
/// `100 * up / (up + down)`, where `up` sums the rises and `down` the falls
/// (as positive numbers) of the series at the changes inside `(now - w, now]`.
///
/// This is Cutler's RSI (plain sums, no smoothing) on a time window instead
/// of a count of bars, so it does not depend on how often the data ticks.
/// With no change in the window it is 50; before the first value, `None`.
///
/// Example: 10, 11, 13, 12, 13, 11 inside the window: rises 1 + 2 + 1 = 4,
/// falls 1 + 2 = 3, RSI = 400 / 7 ≈ 57.14.
#[derive(Clone, Debug)]
pub struct WindowedRsi {
    window_ns: i64,
    /// Changes inside the window: time and signed size.
    changes: VecDeque<(i64, f64)>,
    up: f64,
    down: f64,
    last: Option<f64>,
    updates_since_rebuild: usize,
}

impl WindowedRsi {
    /// An empty RSI over `window_ns` (at least 1 ns).
    pub fn new(window_ns: i64) -> Self {
        WindowedRsi {
            window_ns: window_ns.max(1),
            changes: VecDeque::new(),
            up: 0.0,
            down: 0.0,
            last: None,
            updates_since_rebuild: 0,
        }
    }

    /// The series takes the value `x` at `ts_ns`.
    pub fn push(&mut self, ts_ns: i64, x: f64) {
        if let Some(last) = self.last {
            let change = x - last;
            if change != 0.0 {
                self.changes.push_back((ts_ns, change));
                self.add(change, 1.0);
            }
        }
        self.last = Some(x);
        self.evict(ts_ns);
    }

    fn add(&mut self, change: f64, sign: f64) {
        if change > 0.0 {
            self.up += sign * change;
        } else {
            self.down -= sign * change;
        }
        self.updates_since_rebuild += 1;
    }

    fn evict(&mut self, now_ns: i64) {
        let cutoff = now_ns - self.window_ns;
        while let Some(&(ts, change)) = self.changes.front() {
            if ts > cutoff {
                break;
            }
            self.changes.pop_front();
            self.add(change, -1.0);
        }
        if self.changes.is_empty() || self.updates_since_rebuild >= REBUILD_EVERY {
            let (mut up, mut down) = (0.0, 0.0);
            for &(_, change) in &self.changes {
                if change > 0.0 {
                    up += change;
                } else {
                    down -= change;
                }
            }
            self.up = up;
            self.down = down;
            self.updates_since_rebuild = 0;
        }
    }

    /// The RSI at `now_ns`.
    pub fn value(&mut self, now_ns: i64) -> Option<f64> {
        self.last?;
        self.evict(now_ns);
        let total = self.up + self.down;
        Some(if total > 0.0 {
            100.0 * self.up / total
        } else {
            50.0
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_series() {
        let mut rsi = WindowedRsi::new(100);
        for (ts, x) in [
            (0, 10.0),
            (1, 11.0),
            (2, 13.0),
            (3, 12.0),
            (4, 13.0),
            (5, 11.0),
        ] {
            rsi.push(ts, x);
        }
        let v = rsi.value(5).unwrap_or(f64::NAN);
        assert!((v - 400.0 / 7.0).abs() < 1e-12);
        // At 102 the changes at 1 and 2 have left the window: rises 1, falls 3.
        assert_eq!(rsi.value(102), Some(25.0));
        assert_eq!(rsi.value(1000), Some(50.0));
    }
}
