//! The run's rows on their way to the window: the engine hands each fill,
//! order update and equity sample to [`PendingRows`] instead of keeping
//! them in its record, so a replay of a whole day holds only what the
//! window has not taken yet (at most a few bounded lists) and running
//! totals, never the day's full record.
//!
//! The statistics are built as the rows pass, and the counts of fills and
//! order updates booked so far stay exact for the checkpoints.

use std::cell::RefCell;
use std::rc::Rc;

use crate::market::Instrument;
use crate::sim::stats::{Stats, StatsBuilder};
use crate::sim::{EquitySample, FillRecord, OrderUpdate, RecordSink};

/// Rows of one list kept for the window at most between two batches.
pub const MAX_PENDING_ROWS: usize = 20_000;

/// Drops the oldest half of `rows` once it holds `max_rows`, counting them
/// in `skipped`; the newest rows are the ones the window shows.
pub fn keep_newest<T>(rows: &mut Vec<T>, max_rows: usize, skipped: &mut u64) {
    if rows.len() > max_rows {
        let dropped = rows.len() - max_rows / 2;
        rows.drain(..dropped);
        *skipped += dropped as u64;
    }
}

/// Keeps every other row once `rows` holds more than `max_rows`, so the
/// rows still span the same time at a coarser step (for charts); the
/// newest row stays.
pub fn thin<T>(rows: &mut Vec<T>, max_rows: usize) {
    while rows.len() > max_rows.max(1) {
        let len = rows.len();
        let mut index = 0;
        // Keep the indices with the parity of the last one.
        rows.retain(|_| {
            let keep = (len - 1 - index).is_multiple_of(2);
            index += 1;
            keep
        });
    }
}

/// What the engine produced that the window has not been sent yet, with
/// the run's totals and statistics.
#[derive(Debug)]
pub struct PendingRows {
    stats: StatsBuilder,
    /// Fills booked since the start of the run.
    pub fills_total: usize,
    /// Order updates produced since the start of the run.
    pub orders_total: usize,
    fills: Vec<FillRecord>,
    fills_skipped: u64,
    orders: Vec<OrderUpdate>,
    orders_skipped: u64,
    equity: Vec<EquitySample>,
}

/// Rows pending for the window, shared between the engine (which writes)
/// and the replay (which takes them).
pub type SharedRows = Rc<RefCell<PendingRows>>;

/// The rows taken for one batch.
#[derive(Debug, Default, PartialEq)]
pub struct TakenRows {
    /// Fills, oldest first.
    pub fills: Vec<FillRecord>,
    /// Older fills left out.
    pub fills_skipped: u64,
    /// Order updates, oldest first.
    pub orders: Vec<OrderUpdate>,
    /// Older order updates left out.
    pub orders_skipped: u64,
    /// Equity samples, oldest first, thinned when many came at once.
    pub equity: Vec<EquitySample>,
}

impl PendingRows {
    /// Nothing yet, for a run starting with `initial_cash` on
    /// `instrument`.
    pub fn new(initial_cash: f64, instrument: &Instrument) -> Self {
        PendingRows {
            stats: StatsBuilder::new(initial_cash, instrument),
            fills_total: 0,
            orders_total: 0,
            fills: Vec::new(),
            fills_skipped: 0,
            orders: Vec::new(),
            orders_skipped: 0,
            equity: Vec::new(),
        }
    }

    /// The statistics of the run so far, over `data_events` market events.
    pub fn stats(&self, data_events: u64) -> Stats {
        self.stats.finish(data_events)
    }

    /// Everything pending, leaving the lists empty (their memory goes with
    /// them).
    pub fn take(&mut self) -> TakenRows {
        TakenRows {
            fills: std::mem::take(&mut self.fills),
            fills_skipped: std::mem::take(&mut self.fills_skipped),
            orders: std::mem::take(&mut self.orders),
            orders_skipped: std::mem::take(&mut self.orders_skipped),
            equity: std::mem::take(&mut self.equity),
        }
    }
}

impl RecordSink for PendingRows {
    fn order(&mut self, update: &OrderUpdate) {
        self.stats.order(update);
        self.orders_total += 1;
        keep_newest(&mut self.orders, MAX_PENDING_ROWS, &mut self.orders_skipped);
        self.orders.push(*update);
    }

    fn fill(&mut self, fill: &FillRecord) {
        self.stats.fill(fill);
        self.fills_total += 1;
        keep_newest(&mut self.fills, MAX_PENDING_ROWS, &mut self.fills_skipped);
        self.fills.push(*fill);
    }

    fn equity(&mut self, sample: &EquitySample) {
        self.stats.equity(sample);
        self.equity.push(*sample);
        thin(&mut self.equity, MAX_PENDING_ROWS);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keep_newest_drops_the_oldest_half_and_counts_it() {
        let mut rows: Vec<u32> = (0..11).collect();
        let mut skipped = 3;
        keep_newest(&mut rows, 10, &mut skipped);
        assert_eq!(rows, vec![6, 7, 8, 9, 10]);
        assert_eq!(skipped, 9);
        keep_newest(&mut rows, 10, &mut skipped);
        assert_eq!(rows, vec![6, 7, 8, 9, 10]);
    }

    #[test]
    fn thin_keeps_every_other_row_and_the_newest() {
        let mut rows: Vec<u32> = (0..5).collect();
        thin(&mut rows, 4);
        assert_eq!(rows, vec![0, 2, 4]);
        let mut rows: Vec<u32> = (0..6).collect();
        thin(&mut rows, 4);
        assert_eq!(rows, vec![1, 3, 5]);
        let mut rows: Vec<u32> = (0..9).collect();
        thin(&mut rows, 2);
        assert_eq!(rows, vec![0, 8]);
    }
}
