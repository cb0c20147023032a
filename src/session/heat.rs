//! Book columns for the depth heatmap, sampled by the session on a grid of
//! data time.
//!
//! The session samples the book itself rather than leaving it to the
//! window's frames, so the heatmap does not depend on how fast the window
//! draws: a seek, a reload or a step of hours arrives with the book as it
//! stood over the stretch before the landing, and the same run always
//! gives the same columns.
//!
//! The grid follows the playback speed: one column per 60th of a second of
//! real time, so at 1× a column covers 16.7 ms of data and at 1000× about
//! 17 s. Only the newest [`HEAT_COLUMNS`] are ever kept, here and in the
//! window, so memory stays fixed however far the run goes.

use std::collections::VecDeque;

use crate::book::L2Book;
use crate::market::Side;

use super::command::Speed;
use super::frame::BookView;

/// Columns kept: the heatmap's width in columns.
pub const HEAT_COLUMNS: usize = 1_200;

/// Real time one column stands for, ns: one frame at 60 frames a second.
const COLUMN_REAL_NS: f64 = 1e9 / 60.0;

/// The speed whose grid "max" uses: at full speed a day passes in a second
/// or two, so the grid is coarse enough for the ring to hold whole days.
const MAX_SPEED_MULTIPLE: f64 = 10_000.0;

/// Data time between two columns at `speed`, ns.
pub fn column_step_ns(speed: Speed) -> i64 {
    let multiple = match speed {
        Speed::RealTime(multiple) => multiple.clamp(1e-3, MAX_SPEED_MULTIPLE),
        Speed::Max => MAX_SPEED_MULTIPLE,
    };
    ((COLUMN_REAL_NS * multiple) as i64).max(1)
}

/// The book at one moment.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BookColumn {
    /// Local time of the event after which the book was sampled, ns.
    pub ts_ns: i64,
    /// The top levels of both sides.
    pub book: BookView,
}

impl BookColumn {
    /// Best bid and ask prices, ticks.
    pub fn touch_ticks(&self) -> (Option<i64>, Option<i64>) {
        self.book.touch_ticks()
    }
}

/// Samples the local book every `step_ns` of data time and keeps the
/// newest [`HEAT_COLUMNS`] until they are taken.
#[derive(Debug)]
pub struct ColumnSampler {
    step_ns: i64,
    depth: usize,
    /// The next event at or after this time is sampled.
    next_ns: i64,
    /// Nothing before this time is sampled: the columns it would give
    /// would be pushed out of the ring before the run lands.
    from_ns: i64,
    columns: VecDeque<BookColumn>,
    /// True when sampling skipped ahead since the last take: the columns
    /// taken do not continue the ones taken before.
    restarted: bool,
}

impl ColumnSampler {
    /// A sampler of the top `depth` levels each side, every `step_ns`.
    pub fn new(step_ns: i64, depth: usize) -> Self {
        ColumnSampler {
            step_ns: step_ns.max(1),
            depth,
            next_ns: i64::MIN,
            from_ns: i64::MIN,
            columns: VecDeque::new(),
            restarted: false,
        }
    }

    /// Data time between two columns, ns.
    pub fn step_ns(&self) -> i64 {
        self.step_ns
    }

    /// Samples every `step_ns` from the next event on.
    pub fn set_step(&mut self, step_ns: i64) {
        let step_ns = step_ns.max(1);
        if step_ns != self.step_ns {
            self.step_ns = step_ns;
            self.next_ns = self.from_ns;
        }
    }

    /// The first time sampled by a run landing at `landing_ns`: the grid
    /// point at or after the last ring's width before it (on the grid, so
    /// a run sampling from the start and one sampling from there keep the
    /// same columns).
    pub fn from_ns_for(&self, landing_ns: i64) -> i64 {
        let span_ns = self.step_ns.saturating_mul(HEAT_COLUMNS as i64);
        let from_ns = landing_ns.saturating_sub(span_ns);
        let cell = from_ns.div_euclid(self.step_ns);
        let floor_ns = cell.saturating_mul(self.step_ns);
        if floor_ns == from_ns {
            from_ns
        } else {
            floor_ns.saturating_add(self.step_ns)
        }
    }

    /// Sets the time the run is known to land at (a seek's target, the
    /// place a reload re-runs to), or `None` when it is not known: only
    /// the last ring's width of data time before it is sampled.
    pub fn land_at(&mut self, landing_ns: Option<i64>) {
        self.from_ns = landing_ns.map_or(i64::MIN, |ts| self.from_ns_for(ts));
        if self.from_ns > self.next_ns {
            // What was sampled before would sit a gap away from what comes.
            self.next_ns = self.from_ns;
            self.columns.clear();
            self.restarted = true;
        }
    }

    /// Forgets every column, for a fresh run.
    pub fn reset(&mut self) {
        self.next_ns = self.from_ns;
        self.columns.clear();
        self.restarted = true;
    }

    /// True when an event at `ts_ns` is to be sampled.
    #[inline]
    pub fn is_due(&self, ts_ns: i64) -> bool {
        ts_ns >= self.next_ns
    }

    /// Samples `book` after an event at `ts_ns`.
    #[cold]
    pub fn sample(&mut self, book: &L2Book, ts_ns: i64) {
        // A full ring hands its oldest column's buffers to the new one.
        let mut column = if self.columns.len() >= HEAT_COLUMNS {
            self.columns.pop_front().unwrap_or_default()
        } else {
            BookColumn::default()
        };
        column.ts_ns = ts_ns;
        column.book.bids.clear();
        column.book.bids.extend(book.top(Side::Buy, self.depth));
        column.book.asks.clear();
        column.book.asks.extend(book.top(Side::Sell, self.depth));
        self.columns.push_back(column);
        self.next_ns = (ts_ns.div_euclid(self.step_ns) + 1).saturating_mul(self.step_ns);
    }

    /// The columns sampled since the last call, oldest first, and whether
    /// they start afresh rather than continue the columns taken before.
    pub fn take(&mut self) -> (bool, Vec<BookColumn>) {
        let restarted = std::mem::take(&mut self.restarted);
        (restarted, self.columns.drain(..).collect())
    }
}

/// Keeps the newest [`HEAT_COLUMNS`] of `columns`.
pub fn keep_newest_columns(columns: &mut Vec<BookColumn>) {
    if columns.len() > HEAT_COLUMNS {
        columns.drain(..columns.len() - HEAT_COLUMNS);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::book::Level;

    fn book_with_bid(price: i64, qty: i64) -> L2Book {
        let mut book = L2Book::new();
        book.set_level(Side::Buy, price, qty);
        book
    }

    #[test]
    fn one_column_per_step_of_data_time() {
        let mut sampler = ColumnSampler::new(100, 5);
        for (ts, price) in [(0, 10), (40, 11), (100, 12), (150, 13), (420, 14)] {
            if sampler.is_due(ts) {
                sampler.sample(&book_with_bid(price, 3), ts);
            }
        }
        let (_, taken) = sampler.take();
        let seen: Vec<(i64, i64)> = taken
            .iter()
            .map(|c| (c.ts_ns, c.book.bids[0].price))
            .collect();
        assert_eq!(seen, vec![(0, 10), (100, 12), (420, 14)]);
        assert_eq!(taken[0].book.bids, vec![Level { price: 10, qty: 3 }]);
        assert_eq!(sampler.take(), (false, Vec::new()));
    }

    #[test]
    fn a_known_landing_samples_only_the_last_ring() {
        let mut sampler = ColumnSampler::new(10, 1);
        sampler.sample(&book_with_bid(5, 1), 0);
        sampler.land_at(Some(100_000));
        let first = 100_000 - 10 * HEAT_COLUMNS as i64;
        assert!(!sampler.is_due(first - 1));
        assert!(sampler.is_due(first));
        sampler.sample(&book_with_bid(6, 1), first);
        let (restarted, columns) = sampler.take();
        assert!(restarted, "the column at 0 is a gap away");
        assert_eq!(columns.len(), 1);
        assert_eq!(columns[0].ts_ns, first);
        // Landing where sampling already is changes nothing.
        sampler.land_at(Some(first + 5));
        assert!(!sampler.take().0);
    }

    #[test]
    fn the_ring_keeps_the_newest_columns() {
        let mut sampler = ColumnSampler::new(1, 1);
        let book = book_with_bid(5, 1);
        for ts in 0..(HEAT_COLUMNS as i64 + 7) {
            sampler.sample(&book, ts);
        }
        let (_, taken) = sampler.take();
        assert_eq!(taken.len(), HEAT_COLUMNS);
        assert_eq!(taken[0].ts_ns, 7);
    }

    #[test]
    fn grids_follow_the_speed() {
        assert_eq!(column_step_ns(Speed::RealTime(1.0)), 16_666_666);
        assert_eq!(column_step_ns(Speed::RealTime(1000.0)), 16_666_666_666);
        assert_eq!(column_step_ns(Speed::Max), 166_666_666_666);
    }
}
