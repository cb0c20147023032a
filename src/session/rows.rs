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

use super::digest::RunDigest;
use crate::market::Instrument;
use crate::report::{AccountStats, DayStats, DayTallies};
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

/// [`keep_newest`] of `rows` and of `tags`, a tag per row (or none at
/// all): the same oldest rows go from both.
pub fn keep_newest_tagged<T, U>(
    rows: &mut Vec<T>,
    tags: &mut Vec<U>,
    max_rows: usize,
    skipped: &mut u64,
) {
    let before = rows.len();
    keep_newest(rows, max_rows, skipped);
    let dropped = before - rows.len();
    tags.drain(..dropped.min(tags.len()));
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
///
/// In a run over several instruments every engine hands its rows here
/// through an [`InstrumentRows`]: each fill and order update is tagged with
/// its instrument, the statistics are the one account's (as `ticklab run`
/// computes them), and each equity sample is the whole account's, with the
/// position of the instrument the window follows.
pub struct PendingRows {
    /// Statistics of each instrument, in the order named.
    parts: Vec<StatsBuilder>,
    /// The one account of a run over several instruments.
    account: Option<AccountStats>,
    /// Last position of each instrument, lots.
    positions: Vec<i64>,
    /// The instrument whose position the equity samples carry.
    focus: usize,
    /// Each day's statistics, in a run over several days.
    days: Option<DayTallies>,
    /// Fills booked since the start of the run.
    pub fills_total: usize,
    /// Order updates produced since the start of the run.
    pub orders_total: usize,
    /// The digest of every order update and fill since the start of the
    /// run, in order.
    pub digest: RunDigest,
    fills: Vec<FillRecord>,
    fill_instruments: Vec<u16>,
    fills_skipped: u64,
    orders: Vec<OrderUpdate>,
    order_instruments: Vec<u16>,
    orders_skipped: u64,
    equity: Vec<EquitySample>,
}

impl std::fmt::Debug for PendingRows {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingRows")
            .field("instruments", &self.parts.len())
            .field("fills_total", &self.fills_total)
            .field("orders_total", &self.orders_total)
            .finish_non_exhaustive()
    }
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
    /// The instrument of each fill, in a run over several (else empty).
    pub fill_instruments: Vec<u16>,
    /// The instrument of each order update, in a run over several.
    pub order_instruments: Vec<u16>,
}

impl PendingRows {
    /// Nothing yet, for a run starting with `initial_cash` on
    /// `instrument`.
    pub fn new(initial_cash: f64, instrument: &Instrument) -> Self {
        Self::for_instruments(initial_cash, std::slice::from_ref(instrument), &[], 0)
    }

    /// Nothing yet, for a run starting with `initial_cash` over
    /// `instruments` (in the order named), each valued in the account's
    /// currency at its rate in `fx_rates` (1 when not given); equity
    /// samples carry the position of instrument `focus`.
    pub fn for_instruments(
        initial_cash: f64,
        instruments: &[Instrument],
        fx_rates: &[f64],
        focus: usize,
    ) -> Self {
        let account = (instruments.len() > 1).then(|| {
            let mut account = AccountStats::new(initial_cash, instruments);
            for (rate, &given) in account.rates.iter_mut().zip(fx_rates) {
                *rate = given;
            }
            account
        });
        PendingRows {
            parts: instruments
                .iter()
                .map(|i| StatsBuilder::new(initial_cash, i))
                .collect(),
            account,
            positions: vec![0; instruments.len()],
            focus,
            days: None,
            fills_total: 0,
            orders_total: 0,
            digest: RunDigest::default(),
            fills: Vec::new(),
            fill_instruments: Vec::new(),
            fills_skipped: 0,
            orders: Vec::new(),
            order_instruments: Vec::new(),
            orders_skipped: 0,
            equity: Vec::new(),
        }
    }

    /// The statistics of the run so far, over `data_events` market events:
    /// the account's, over every instrument.
    pub fn stats(&self, data_events: u64) -> Stats {
        match (&self.account, self.parts.first()) {
            (Some(account), _) => account.finish(&self.parts, data_events),
            (None, Some(part)) => part.finish(data_events),
            // A run without an instrument has nothing to count.
            (None, None) => {
                StatsBuilder::new(0.0, &Instrument::new("", 1.0, 1.0)).finish(data_events)
            }
        }
    }

    /// Keeps statistics of each day (UTC) too, for a run over several
    /// days, as `ticklab run` does; call it before the first row.
    pub fn track_days(&mut self, initial_cash: f64) {
        self.days = Some(DayTallies::new(initial_cash));
    }

    /// Each day's statistics so far, oldest first, when tracked.
    pub fn stats_by_day(&self) -> Vec<DayStats> {
        self.days
            .as_ref()
            .map(DayTallies::stats)
            .unwrap_or_default()
    }

    /// The statistics of each instrument alone, in the order named, over
    /// the market events of each (`data_events`), as `ticklab run` gives
    /// them in `by_symbol`.
    pub fn stats_by_instrument(&self, data_events: &[u64]) -> Vec<Stats> {
        self.parts
            .iter()
            .enumerate()
            .map(|(i, s)| s.finish(data_events.get(i).copied().unwrap_or(0)))
            .collect()
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
            fill_instruments: std::mem::take(&mut self.fill_instruments),
            order_instruments: std::mem::take(&mut self.order_instruments),
        }
    }

    /// An order update of instrument `index`.
    fn order_of(&mut self, index: usize, update: &OrderUpdate) {
        if let Some(part) = self.parts.get_mut(index) {
            part.order(update);
        }
        self.orders_total += 1;
        self.digest.order(update);
        keep_newest_tagged(
            &mut self.orders,
            &mut self.order_instruments,
            MAX_PENDING_ROWS,
            &mut self.orders_skipped,
        );
        self.orders.push(*update);
        if let Some(account) = &mut self.account {
            account.stats.order(update);
            self.order_instruments.push(tag(index));
        }
    }

    /// A fill of instrument `index`.
    fn fill_of(&mut self, index: usize, fill: &FillRecord) {
        if let Some(part) = self.parts.get_mut(index) {
            part.fill(fill);
        }
        self.fills_total += 1;
        self.digest.fill(fill);
        keep_newest_tagged(
            &mut self.fills,
            &mut self.fill_instruments,
            MAX_PENDING_ROWS,
            &mut self.fills_skipped,
        );
        self.fills.push(*fill);
        if let Some(days) = &mut self.days {
            days.fill(fill);
        }
        if let Some(account) = &mut self.account {
            account.stats.fill(fill);
            self.fill_instruments.push(tag(index));
        }
    }

    /// An equity sample of instrument `index`'s part of the account.
    fn equity_of(&mut self, index: usize, sample: &EquitySample) {
        if let Some(part) = self.parts.get_mut(index) {
            part.equity(sample);
        }
        let sample = match &mut self.account {
            Some(account) => {
                if let Some(position) = self.positions.get_mut(index) {
                    *position = sample.account.position_lots;
                }
                let mut whole = account.sample(index, sample);
                whole.account.position_lots = self.positions.get(self.focus).copied().unwrap_or(0);
                whole
            }
            None => *sample,
        };
        if let Some(days) = &mut self.days {
            days.equity(&sample);
        }
        self.equity.push(sample);
        thin(&mut self.equity, MAX_PENDING_ROWS);
    }
}

/// The tag of instrument `index` (a run has far fewer than 65 536).
fn tag(index: usize) -> u16 {
    u16::try_from(index).unwrap_or(u16::MAX)
}

impl RecordSink for PendingRows {
    fn order(&mut self, update: &OrderUpdate) {
        self.order_of(0, update);
    }

    fn fill(&mut self, fill: &FillRecord) {
        self.fill_of(0, fill);
    }

    fn equity(&mut self, sample: &EquitySample) {
        self.equity_of(0, sample);
    }
}

/// Where the engine of one instrument of a run over several sends its rows
/// for the window: the run's [`PendingRows`], tagged with the instrument.
pub struct InstrumentRows {
    rows: SharedRows,
    index: usize,
}

impl InstrumentRows {
    /// The sink of instrument `index` (in the order named) into `rows`.
    pub fn new(rows: &SharedRows, index: usize) -> Self {
        InstrumentRows {
            rows: Rc::clone(rows),
            index,
        }
    }
}

impl RecordSink for InstrumentRows {
    fn order(&mut self, update: &OrderUpdate) {
        self.rows.borrow_mut().order_of(self.index, update);
    }

    fn fill(&mut self, fill: &FillRecord) {
        self.rows.borrow_mut().fill_of(self.index, fill);
    }

    fn equity(&mut self, sample: &EquitySample) {
        self.rows.borrow_mut().equity_of(self.index, sample);
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
    fn keep_newest_tagged_drops_the_same_rows_of_both() {
        let mut rows: Vec<u32> = (0..11).collect();
        let mut tags: Vec<u16> = (100..111).collect();
        let mut skipped = 0;
        keep_newest_tagged(&mut rows, &mut tags, 10, &mut skipped);
        assert_eq!(rows, vec![6, 7, 8, 9, 10]);
        assert_eq!(tags, vec![106, 107, 108, 109, 110]);
        assert_eq!(skipped, 6);
        // Rows of one instrument carry no tags: nothing to drop there.
        let mut rows: Vec<u32> = (0..11).collect();
        let mut none: Vec<u16> = Vec::new();
        keep_newest_tagged(&mut rows, &mut none, 10, &mut skipped);
        assert_eq!((rows.len(), none.len(), skipped), (5, 0, 12));
    }

    fn sample(ts_ns: i64, cash: f64, equity: f64, position_lots: i64) -> EquitySample {
        EquitySample {
            ts_ns,
            cause: crate::sim::SampleCause::Step,
            account: crate::sim::AccountSnapshot {
                position_lots,
                avg_entry_ticks: 0.0,
                cash,
                realized_pnl: 0.0,
                unrealized_pnl: 0.0,
                fees_paid: 0.0,
                equity,
                mark_ticks: 0.0,
                funding_paid: 0.0,
            },
        }
    }

    fn fill(order_id: u64, qty_lots: i64) -> FillRecord {
        FillRecord {
            exch_ts_ns: 1,
            local_ts_ns: 2,
            order_id: crate::sim::OrderId(order_id),
            side: crate::market::Side::Buy,
            price_ticks: 100,
            qty_lots,
            liquidity: crate::sim::Liquidity::Taker,
            fee: 0.0,
            time_in_queue_ns: 0,
            slippage_ticks: None,
            position_after_lots: qty_lots,
        }
    }

    #[test]
    fn rows_of_two_instruments_are_tagged_and_sum_to_one_account() {
        let instruments = [
            Instrument::new("AAA", 0.01, 1.0),
            Instrument::new("BBB", 1.0, 1.0),
        ];
        // The window follows BBB.
        let rows: SharedRows = Rc::new(RefCell::new(PendingRows::for_instruments(
            1_000.0,
            &instruments,
            &[1.0, 1.0],
            1,
        )));
        let mut aaa = InstrumentRows::new(&rows, 0);
        let mut bbb = InstrumentRows::new(&rows, 1);
        aaa.fill(&fill(1, 1));
        bbb.fill(&fill(2, 3));
        // AAA: paid 10 for what is worth 11; BBB: received 50, owes 52.
        aaa.equity(&sample(10, 990.0, 1_001.0, 1));
        bbb.equity(&sample(20, 1_050.0, 998.0, -2));
        let taken = rows.borrow_mut().take();
        assert_eq!(taken.fill_instruments, vec![0, 1]);
        assert_eq!(
            taken.fills.iter().map(|f| f.order_id.0).collect::<Vec<_>>(),
            vec![1, 2]
        );
        // Each sample is the whole account at that time, with the followed
        // instrument's position: cash 1000 - 10 (+ 50), equity 1000 + 1 (- 2).
        let whole: Vec<(f64, f64, i64)> = taken
            .equity
            .iter()
            .map(|s| (s.account.cash, s.account.equity, s.account.position_lots))
            .collect();
        assert_eq!(whole, vec![(990.0, 1_001.0, 0), (1_040.0, 999.0, -2)]);
        let stats = rows.borrow().stats(7);
        assert_eq!((stats.fills, stats.traded_lots), (2, 4));
        assert_eq!((stats.final_equity, stats.data_events), (999.0, 7));
        let each = rows.borrow().stats_by_instrument(&[3, 4]);
        assert_eq!(
            each.iter()
                .map(|s| (s.fills, s.final_equity, s.data_events))
                .collect::<Vec<_>>(),
            vec![(1, 1_001.0, 3), (1, 998.0, 4)]
        );
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
