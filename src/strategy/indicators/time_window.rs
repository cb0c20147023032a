//! Time-weighted mean and standard deviation over a sliding time window.

use std::collections::VecDeque;

use super::REBUILD_EVERY;

/// Mean and standard deviation of a series over a window.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WindowStats {
    /// Time-weighted mean.
    pub mean: f64,
    /// Time-weighted population standard deviation.
    pub stddev: f64,
}

/// A value that was in force from `start_ns` to `end_ns`.
#[derive(Clone, Copy, Debug)]
struct Segment {
    start_ns: i64,
    end_ns: i64,
    /// Value minus the window's reference value.
    value: f64,
}

/// Time-weighted mean (SMA) and standard deviation of a step series over
/// the last `window_ns`.
///
/// The value pushed at `t` is in force until the next push, so at time `now`
/// the mean is `(1 / w) * ∫ x(s) ds` over `[now - w, now]`, with `w` the
/// window or, early in the day, the time since the first push. A value
/// pushed exactly at `now` has no weight yet; when no time has passed since
/// the first push the mean is that value.
///
/// Example (3 s window): 100 from 0 s, then 110 from 10 s. At 10 s the
/// window `[7 s, 10 s]` saw only 100, so the mean is 100; at 11 s it is
/// `(2 * 100 + 1 * 110) / 3`; from 13 s on it is 110.
///
/// Values are kept relative to the first value pushed, so sums of prices
/// in ticks times durations in ns stay exact in `f64`.
#[derive(Clone, Debug)]
pub struct TimeWeightedWindow {
    window_ns: i64,
    /// 1 / window, per ns: dividing by a full window is a multiplication.
    per_window_ns: f64,
    /// Closed segments that may still overlap the window, oldest first.
    segments: VecDeque<Segment>,
    /// Σ value × duration over `segments`.
    sum: f64,
    /// Σ value² × duration over `segments`.
    sum_sq: f64,
    /// The value in force now (relative) and since when.
    open: Option<(i64, f64)>,
    first_ns: i64,
    reference: f64,
    updates_since_rebuild: usize,
}

impl TimeWeightedWindow {
    /// An empty window of `window_ns` (at least 1 ns).
    pub fn new(window_ns: i64) -> Self {
        TimeWeightedWindow {
            window_ns: window_ns.max(1),
            per_window_ns: 1.0 / window_ns.max(1) as f64,
            segments: VecDeque::new(),
            sum: 0.0,
            sum_sq: 0.0,
            open: None,
            first_ns: 0,
            reference: 0.0,
            updates_since_rebuild: 0,
        }
    }

    /// The window length, ns.
    pub fn window_ns(&self) -> i64 {
        self.window_ns
    }

    /// The series takes the value `x` at `ts_ns` (times never go back; a
    /// value equal to the current one changes nothing).
    pub fn push(&mut self, ts_ns: i64, x: f64) {
        let Some((start_ns, value)) = self.open else {
            self.reference = x;
            self.first_ns = ts_ns;
            self.open = Some((ts_ns, 0.0));
            return;
        };
        let rel = x - self.reference;
        if rel == value {
            return;
        }
        if ts_ns > start_ns {
            let dur = (ts_ns - start_ns) as f64;
            self.segments.push_back(Segment {
                start_ns,
                end_ns: ts_ns,
                value,
            });
            self.sum += value * dur;
            self.sum_sq += value * value * dur;
            self.updates_since_rebuild += 1;
        }
        self.open = Some((ts_ns.max(start_ns), rel));
        self.evict(ts_ns);
    }

    /// Drops the segments that ended before the window starts at `now_ns`.
    fn evict(&mut self, now_ns: i64) {
        let cutoff = now_ns - self.window_ns;
        while let Some(seg) = self.segments.front() {
            if seg.end_ns > cutoff {
                break;
            }
            let dur = (seg.end_ns - seg.start_ns) as f64;
            self.sum -= seg.value * dur;
            self.sum_sq -= seg.value * seg.value * dur;
            self.segments.pop_front();
            self.updates_since_rebuild += 1;
        }
        if self.segments.is_empty() {
            self.sum = 0.0;
            self.sum_sq = 0.0;
            self.updates_since_rebuild = 0;
        } else if self.updates_since_rebuild >= REBUILD_EVERY {
            self.rebuild();
        }
    }

    fn rebuild(&mut self) {
        let (mut sum, mut sum_sq) = (0.0, 0.0);
        for seg in &self.segments {
            let dur = (seg.end_ns - seg.start_ns) as f64;
            sum += seg.value * dur;
            sum_sq += seg.value * seg.value * dur;
        }
        self.sum = sum;
        self.sum_sq = sum_sq;
        self.updates_since_rebuild = 0;
    }

    /// Mean and standard deviation over the window ending at `now_ns`;
    /// `None` before the first push.
    pub fn stats(&mut self, now_ns: i64) -> Option<WindowStats> {
        let (open_ns, open_value) = self.open?;
        self.evict(now_ns);
        let cutoff = now_ns - self.window_ns;
        let covered_ns = now_ns - cutoff.max(self.first_ns);
        if covered_ns <= 0 {
            return Some(WindowStats {
                mean: open_value + self.reference,
                stddev: 0.0,
            });
        }
        let (mut sum, mut sum_sq) = (self.sum, self.sum_sq);
        if let Some(front) = self.segments.front() {
            if front.start_ns < cutoff {
                let outside = (cutoff - front.start_ns) as f64;
                sum -= front.value * outside;
                sum_sq -= front.value * front.value * outside;
            }
        }
        let open_dur = (now_ns - open_ns.max(cutoff)).max(0) as f64;
        sum += open_value * open_dur;
        sum_sq += open_value * open_value * open_dur;
        let mean_rel = self.per_covered(sum, covered_ns);
        let var = (self.per_covered(sum_sq, covered_ns) - mean_rel * mean_rel).max(0.0);
        Some(WindowStats {
            mean: mean_rel + self.reference,
            stddev: var.sqrt(),
        })
    }

    /// Time-weighted mean over the window ending at `now_ns` (as in
    /// [`TimeWeightedWindow::stats`], without the standard deviation);
    /// `None` before the first push.
    pub fn mean(&mut self, now_ns: i64) -> Option<f64> {
        let (open_ns, open_value) = self.open?;
        self.evict(now_ns);
        let cutoff = now_ns - self.window_ns;
        let covered_ns = now_ns - cutoff.max(self.first_ns);
        if covered_ns <= 0 {
            return Some(open_value + self.reference);
        }
        let mut sum = self.sum;
        if let Some(front) = self.segments.front() {
            if front.start_ns < cutoff {
                sum -= front.value * (cutoff - front.start_ns) as f64;
            }
        }
        sum += open_value * (now_ns - open_ns.max(cutoff)).max(0) as f64;
        Some(self.per_covered(sum, covered_ns) + self.reference)
    }

    /// `sum / covered_ns`, the same way in [`Self::mean`] and [`Self::stats`].
    #[inline]
    fn per_covered(&self, sum: f64, covered_ns: i64) -> f64 {
        if covered_ns == self.window_ns {
            sum * self.per_window_ns
        } else {
            sum / covered_ns as f64
        }
    }

    /// The value in force now; `None` before the first push.
    pub fn last(&self) -> Option<f64> {
        self.open.map(|(_, v)| v + self.reference)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: i64 = 1_000_000_000;

    #[test]
    fn mean_across_a_gap_weighs_by_time() {
        let mut w = TimeWeightedWindow::new(3 * S);
        w.push(0, 100.0);
        w.push(10 * S, 110.0);
        assert_eq!(w.stats(10 * S).map(|s| s.mean), Some(100.0));
        let m = w.stats(11 * S).map(|s| s.mean).unwrap_or(f64::NAN);
        assert!((m - 310.0 / 3.0).abs() < 1e-9, "{m}");
        assert_eq!(w.stats(13 * S).map(|s| s.mean), Some(110.0));
    }

    #[test]
    fn stddev_of_two_equal_halves() {
        let mut w = TimeWeightedWindow::new(2 * S);
        w.push(0, 10.0);
        w.push(S, 12.0);
        let s = w.stats(2 * S).unwrap_or(WindowStats {
            mean: 0.0,
            stddev: 0.0,
        });
        assert_eq!(s.mean, 11.0);
        assert!((s.stddev - 1.0).abs() < 1e-12);
    }

    #[test]
    fn early_window_averages_over_the_time_covered() {
        let mut w = TimeWeightedWindow::new(60 * S);
        w.push(0, 1.0);
        assert_eq!(w.stats(0).map(|s| s.mean), Some(1.0));
        w.push(S, 3.0);
        w.push(2 * S, 3.0);
        // 1 for 1 s, 3 for 2 s.
        let m = w.stats(3 * S).map(|s| s.mean).unwrap_or(f64::NAN);
        assert!((m - 7.0 / 3.0).abs() < 1e-12);
    }
}
