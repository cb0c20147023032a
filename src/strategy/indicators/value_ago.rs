//! The value a step series had a window ago, for changes over a window.

use std::collections::VecDeque;

/// The value of a step series in force at `now - window`: the last value
/// pushed at or before that time, or the earliest value pushed while the
/// series is younger than the window.
///
/// A value pushed at `t` holds until the next push (as in
/// [`super::TimeWeightedWindow`]); pushing the value already in force
/// changes nothing. Keeps the pushes of one window and one before it.
#[derive(Clone, Debug)]
pub struct ValueAgo {
    window_ns: i64,
    /// (time, value) of the pushes still needed, oldest first.
    pushes: VecDeque<(i64, f64)>,
}

impl ValueAgo {
    /// An empty series looking `window_ns` back.
    pub fn new(window_ns: i64) -> Self {
        ValueAgo {
            window_ns,
            pushes: VecDeque::new(),
        }
    }

    /// The series takes the value `x` at `ts_ns`.
    pub fn push(&mut self, ts_ns: i64, x: f64) {
        if self.pushes.back().is_some_and(|&(_, held)| held == x) {
            return;
        }
        self.pushes.push_back((ts_ns, x));
    }

    /// The value in force at `now_ns - window`; `None` before the first
    /// push.
    pub fn value(&mut self, now_ns: i64) -> Option<f64> {
        let start_ns = now_ns.saturating_sub(self.window_ns);
        while self.pushes.len() >= 2 && self.pushes[1].0 <= start_ns {
            self.pushes.pop_front();
        }
        self.pushes.front().map(|&(_, x)| x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_value_in_force_a_window_ago() {
        let mut v = ValueAgo::new(10);
        assert_eq!(v.value(0), None);
        v.push(100, 1.0);
        // Younger than the window: the earliest value.
        assert_eq!(v.value(105), Some(1.0));
        v.push(104, 2.0);
        v.push(106, 2.0);
        v.push(108, 3.0);
        assert_eq!(v.value(113), Some(1.0));
        // At 114 the window starts at 104, when 2 took over.
        assert_eq!(v.value(114), Some(2.0));
        assert_eq!(v.value(118), Some(3.0));
        assert_eq!(v.value(500), Some(3.0));
    }
}
