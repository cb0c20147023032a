//! Bounded histories for the charts: a fixed-size ring, and a time series
//! that keeps recent points at full resolution and thins older ones, so a
//! whole day fits in a fixed amount of memory.

use std::collections::VecDeque;

/// The last `capacity` items pushed; older ones fall out.
#[derive(Clone, Debug)]
pub struct Ring<T> {
    items: VecDeque<T>,
    capacity: usize,
    pushed: u64,
}

impl<T> Ring<T> {
    /// A ring holding at most `capacity` items (at least 1).
    pub fn new(capacity: usize) -> Self {
        Ring {
            items: VecDeque::with_capacity(capacity.clamp(1, 4096)),
            capacity: capacity.max(1),
            pushed: 0,
        }
    }

    /// Adds an item, dropping the oldest when full.
    pub fn push(&mut self, item: T) {
        if self.items.len() == self.capacity {
            self.items.pop_front();
        }
        self.items.push_back(item);
        self.pushed += 1;
    }

    /// Forgets everything.
    pub fn clear(&mut self) {
        self.items.clear();
        self.pushed = 0;
    }

    /// Items kept, oldest first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &T> + ExactSizeIterator {
        self.items.iter()
    }

    /// The item at `index` (0 = oldest kept).
    pub fn get(&self, index: usize) -> Option<&T> {
        self.items.get(index)
    }

    /// The newest item.
    pub fn last(&self) -> Option<&T> {
        self.items.back()
    }

    /// Items kept.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when nothing is kept.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Items pushed since the last clear, kept or not.
    pub fn pushed(&self) -> u64 {
        self.pushed
    }

    /// Index of the first item whose key is at least `key`, for items
    /// sorted by `key_of`.
    pub fn partition_point_by(&self, key: i64, key_of: impl Fn(&T) -> i64) -> usize {
        self.items.partition_point(|item| key_of(item) < key)
    }
}

/// A time series of `(x, y)` points: the newest `recent` points exactly,
/// older ones thinned so that at most `history` remain.
///
/// Thinning keeps every other point and doubles the stride of what comes
/// next, so memory stays fixed and older parts of a day are drawn at a
/// coarser but even resolution.
#[derive(Clone, Debug)]
pub struct Series {
    history: Vec<[f64; 2]>,
    history_capacity: usize,
    stride: u64,
    skipped: u64,
    recent: VecDeque<[f64; 2]>,
    recent_capacity: usize,
}

impl Series {
    /// A series keeping `recent` exact points and at most `history` older
    /// ones.
    pub fn new(recent: usize, history: usize) -> Self {
        Series {
            history: Vec::new(),
            history_capacity: history.max(2),
            stride: 1,
            skipped: 0,
            recent: VecDeque::new(),
            recent_capacity: recent.max(1),
        }
    }

    /// Adds a point; `x` must not go backwards.
    pub fn push(&mut self, x: f64, y: f64) {
        if self.recent.len() == self.recent_capacity {
            if let Some(old) = self.recent.pop_front() {
                self.push_history(old);
            }
        }
        self.recent.push_back([x, y]);
    }

    fn push_history(&mut self, point: [f64; 2]) {
        self.skipped += 1;
        if self.skipped < self.stride {
            return;
        }
        self.skipped = 0;
        self.history.push(point);
        if self.history.len() >= self.history_capacity {
            let mut keep = false;
            self.history.retain(|_| {
                keep = !keep;
                keep
            });
            self.stride *= 2;
        }
    }

    /// Forgets every point.
    pub fn clear(&mut self) {
        self.history.clear();
        self.recent.clear();
        self.stride = 1;
        self.skipped = 0;
    }

    /// Points kept.
    pub fn len(&self) -> usize {
        self.history.len() + self.recent.len()
    }

    /// True when there is no point.
    pub fn is_empty(&self) -> bool {
        self.history.is_empty() && self.recent.is_empty()
    }

    /// The newest point.
    pub fn last(&self) -> Option<[f64; 2]> {
        self.recent.back().copied()
    }

    /// Every point kept, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = [f64; 2]> + '_ {
        self.history.iter().chain(self.recent.iter()).copied()
    }

    /// The points with `x` in `[x_min, x_max]`, plus one on each side so a
    /// line reaches the edges, at most about `max_points` (thinned evenly).
    pub fn window(&self, x_min: f64, x_max: f64, max_points: usize) -> Vec<[f64; 2]> {
        let first_history = self.history.partition_point(|p| p[0] < x_min);
        let first_recent = self.recent.partition_point(|p| p[0] < x_min);
        // The last point before the window, so a line reaches its left edge.
        let before = if first_recent > 0 {
            self.recent.get(first_recent - 1)
        } else {
            first_history
                .checked_sub(1)
                .and_then(|i| self.history.get(i))
        };
        let from_history = self.history[first_history..]
            .iter()
            .take_while(|p| p[0] <= x_max);
        let from_recent = self
            .recent
            .range(first_recent..)
            .take_while(|p| p[0] <= x_max);
        let mut points: Vec<[f64; 2]> = before
            .into_iter()
            .chain(from_history)
            .chain(from_recent)
            .copied()
            .collect();
        if let Some(after) = self
            .recent
            .iter()
            .find(|p| p[0] > x_max)
            .or_else(|| self.history.iter().find(|p| p[0] > x_max))
        {
            points.push(*after);
        }
        let max_points = max_points.max(2);
        if points.len() > max_points {
            let step = points.len().div_ceil(max_points);
            let last = points.last().copied();
            points = points.into_iter().step_by(step).collect();
            if let Some(last) = last {
                points.push(last);
            }
        }
        points
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ring_keeps_the_newest() {
        let mut ring = Ring::new(3);
        for i in 0..5 {
            ring.push(i);
        }
        assert_eq!(ring.iter().copied().collect::<Vec<_>>(), vec![2, 3, 4]);
        assert_eq!(ring.pushed(), 5);
        assert_eq!(ring.partition_point_by(3, |&i| i), 1);
    }

    #[test]
    fn series_memory_is_bounded_and_recent_points_exact() {
        let mut series = Series::new(100, 1_000);
        for i in 0..1_000_000 {
            series.push(f64::from(i), f64::from(i % 7));
        }
        assert!(series.len() <= 1_100);
        let recent = series.window(999_950.0, 1_000_000.0, 1_000);
        assert_eq!(recent.len(), 51);
        assert_eq!(recent.last(), Some(&[999_999.0, f64::from(999_999 % 7)]));
        let all = series.window(0.0, 2e6, 200);
        assert!(all.len() <= 202);
        assert!(all.windows(2).all(|w| w[0][0] <= w[1][0]));
    }
}
