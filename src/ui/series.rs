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

    /// Adds `items` in order, as many pushes would, touching only those
    /// that will be kept.
    pub fn extend(&mut self, items: Vec<T>) {
        let count = items.len();
        self.pushed += count as u64;
        let skip = count.saturating_sub(self.capacity);
        let overflow = (self.items.len() + count - skip).saturating_sub(self.capacity);
        self.items.drain(..overflow);
        self.items.extend(items.into_iter().skip(skip));
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

    /// Adds points in order, as many pushes would, moving each point at
    /// most once.
    pub fn extend_from_slice(&mut self, points: &[[f64; 2]]) {
        let older = points.len().saturating_sub(self.recent_capacity);
        if older == 0 {
            for &[x, y] in points {
                self.push(x, y);
            }
            return;
        }
        // Everything recent now and the oldest new points become history.
        let mut recent = std::mem::take(&mut self.recent);
        for &point in recent.iter().chain(&points[..older]) {
            self.push_history(point);
        }
        recent.clear();
        recent.extend(&points[older..]);
        self.recent = recent;
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
    fn ring_extend_keeps_what_pushes_keep() {
        for (before, added) in [(0, 2), (2, 2), (3, 1), (1, 5), (3, 7)] {
            let mut pushed = Ring::new(4);
            let mut extended = Ring::new(4);
            for i in 0..before {
                pushed.push(i);
                extended.push(i);
            }
            let items: Vec<i32> = (100..100 + added).collect();
            for &i in &items {
                pushed.push(i);
            }
            extended.extend(items);
            assert_eq!(
                extended.iter().collect::<Vec<_>>(),
                pushed.iter().collect::<Vec<_>>()
            );
            assert_eq!(extended.pushed(), pushed.pushed());
        }
        let mut ring = Ring::new(3);
        ring.push(1);
        ring.extend(vec![2, 3, 4, 5, 6]);
        assert_eq!(ring.iter().copied().collect::<Vec<_>>(), vec![4, 5, 6]);
        assert_eq!(ring.pushed(), 6);
    }

    #[test]
    fn series_extend_matches_pushes() {
        for (before, added) in [(0, 3), (5, 3), (5, 40), (150, 1_000), (0, 5_000)] {
            let mut pushed = Series::new(10, 16);
            let mut extended = Series::new(10, 16);
            let point = |i: usize| [i as f64, (i % 7) as f64];
            for i in 0..before {
                let [x, y] = point(i);
                pushed.push(x, y);
                extended.push(x, y);
            }
            let points: Vec<[f64; 2]> = (before..before + added).map(point).collect();
            for &[x, y] in &points {
                pushed.push(x, y);
            }
            extended.extend_from_slice(&points);
            assert_eq!(
                extended.iter().collect::<Vec<_>>(),
                pushed.iter().collect::<Vec<_>>()
            );
        }
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
