//! Performance statistics of a run, computed from its [`RunRecord`].
//!
//! Returns are PnL-based: each step's return is the change of equity over
//! the step divided by the initial cash (no compounding: a market maker's
//! capital is not reinvested tick by tick). Sharpe and Sortino use the
//! equity samples taken at the fixed data-time step and are annualised in
//! calendar time: multiplied by `sqrt(steps per year)` with a year of
//! 365.25 days of 24 hours, the convention of markets that never close. For
//! a stock session of 6.5 hours over 252 days, divide by
//! `sqrt(365.25 * 24 / (252 * 6.5))` ≈ 2.3 to compare with the usual figure.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::market::Instrument;
use crate::sim::compute::ComputeTimes;
use crate::sim::contract::ContractValue;
use crate::sim::id_hash::IdMap;
use crate::sim::record::{EquitySample, FillRecord, RecordSink, RunRecord, SampleCause};
use crate::sim::trades::{RoundTrip, TradeStats, TradeTally, TripTracker};
use crate::sim::update::{Liquidity, OrderUpdate, Reason, UpdateKind};

use super::step_returns::StepReturns;

/// The summary of a run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    /// Cash at the start, currency units.
    pub initial_cash: f64,
    /// Equity at the end, currency units.
    pub final_equity: f64,
    /// Final equity minus initial cash, currency units (after fees).
    pub pnl: f64,
    /// PnL over initial cash, percent; `None` when the initial cash is not
    /// positive (a percent of nothing).
    pub return_pct: Option<f64>,
    /// Realized PnL before fees at the end, currency units.
    pub realized_pnl: f64,
    /// Unrealized PnL of the open position at the end, currency units.
    pub unrealized_pnl: f64,
    /// Fees paid (negative = rebates earned), currency units.
    pub fees: f64,
    /// Annualised Sharpe ratio of step returns (see the module docs);
    /// `None` with fewer than two steps or no variation.
    pub sharpe: Option<f64>,
    /// Annualised Sortino ratio (downside deviation of step returns).
    pub sortino: Option<f64>,
    /// Largest fall of equity from a running peak, currency units.
    pub max_drawdown: f64,
    /// That fall as a percent of the peak equity; `None` when the initial
    /// cash is not positive.
    pub max_drawdown_pct: Option<f64>,
    /// Orders sent (each order id once, rejected ones included).
    pub orders: u64,
    /// Orders that filled at least partly.
    pub orders_filled: u64,
    /// Orders rejected by the exchange or pre-trade risk.
    pub orders_rejected: u64,
    /// Fill pieces in all.
    pub fills: u64,
    /// Fill pieces where our resting order was hit.
    pub maker_fills: u64,
    /// Fill pieces where our order crossed the spread.
    pub taker_fills: u64,
    /// Lots filled over lots ordered.
    pub fill_ratio: f64,
    /// Mean time maker fills waited in the queue, ms; `None` without any.
    pub mean_time_in_queue_ms: Option<f64>,
    /// Lots traded, both sides.
    pub traded_lots: i64,
    /// Notional traded, both sides, currency units.
    pub turnover: f64,
    /// Largest absolute position held, lots.
    pub max_inventory_lots: i64,
    /// Position at the end, lots.
    pub final_position_lots: i64,
    /// Market events replayed.
    pub data_events: u64,
    /// Batches of the data that ended with the book crossed, counted under
    /// `crossed_book = "warn"` (set by the run, 0 otherwise).
    #[serde(default)]
    pub crossed_batches: u64,
    /// Exchange time of the first and last equity sample, ns.
    pub span_ns: (i64, i64),
    /// Times the venue liquidated the account (see `sim::liquidation`).
    #[serde(default)]
    pub liquidations: u64,
    /// Funding paid (negative = received), currency units.
    #[serde(default)]
    pub funding_paid: f64,
    /// Trade-level statistics of the round trips (see `sim::trades`):
    /// `"trades"` in `summary.json`'s `stats`.
    #[serde(default)]
    pub trades: TradeStats,
    /// Wall time of the strategy's callbacks, when timed. Measured, so it
    /// differs from run to run: `ticklab run` writes it to `timing.json`,
    /// never to `summary.json`, which stays the same bytes for the same
    /// inputs.
    #[serde(skip)]
    pub compute_time: Option<ComputeTimes>,
}

impl Stats {
    /// Computes the statistics of `record`; `instrument` values the fills.
    pub fn from_record(record: &RunRecord, instrument: &Instrument) -> Stats {
        let mut builder = StatsBuilder::new(record.initial_cash, instrument);
        builder.take_record(record);
        builder.finish(record.data_events)
    }
}

/// What the statistics need to know of one order, while it may still
/// change.
#[derive(Clone, Copy, Debug, Default)]
struct OrderTally {
    /// Largest quantity the order had, lots.
    max_qty_lots: i64,
    /// It filled at least partly.
    filled: bool,
}

/// Order ids whose order reached a final state, as a bit set (ids are
/// handed out from 1 up) with a map for ids too large for it.
#[derive(Clone, Debug, Default)]
struct IdSet {
    words: Vec<u64>,
    large: BTreeSet<u64>,
}

impl IdSet {
    /// Ids below this go to the bit set (8 MiB at most; one bit per id
    /// handed out).
    const DENSE_LIMIT: u64 = 1 << 26;

    fn contains(&self, id: u64) -> bool {
        if id < Self::DENSE_LIMIT {
            let word = (id / 64) as usize;
            self.words
                .get(word)
                .is_some_and(|w| w & (1 << (id % 64)) != 0)
        } else {
            self.large.contains(&id)
        }
    }

    fn insert(&mut self, id: u64) {
        if id < Self::DENSE_LIMIT {
            let word = (id / 64) as usize;
            if self.words.len() <= word {
                self.words.resize(word + 1, 0);
            }
            self.words[word] |= 1 << (id % 64);
        } else {
            self.large.insert(id);
        }
    }
}

/// The statistics computed as the rows of a run come, in the order the
/// [`RunRecord`] lists them, without keeping the rows: the result is
/// exactly that of [`Stats::from_record`]. Memory grows with the orders
/// open at a time and one number per equity step, not with the fills or
/// order updates.
///
/// Orders count once per id with the largest quantity they had: an order
/// is tallied while it works and folded in when an update reports a final
/// state. Later updates about it (a cancel or modify that came too late)
/// repeat a quantity it already had, so they change nothing.
#[derive(Clone, Debug)]
pub struct StatsBuilder {
    instrument: Instrument,
    initial_cash: f64,
    first_ts_ns: Option<i64>,
    last: Option<EquitySample>,
    /// The returns between the samples not caused by a fill, taken in
    /// one at a time (a run's memory does not grow with its length).
    step_returns: StepReturns,
    drawdown: Drawdown,
    working: IdMap<u64, OrderTally>,
    done: IdSet,
    orders_done: u64,
    orders_done_filled: u64,
    ordered_lots_done: i64,
    orders_rejected: u64,
    fills: u64,
    maker_fills: u64,
    queue_ns_total: i128,
    traded_lots: i64,
    turnover: f64,
    max_inventory_lots: i64,
    liquidations: u64,
    /// The round trips under way; `None` for a builder of the whole
    /// account of a run over several instruments (its trips are the sum of
    /// the instruments').
    trips: Option<TripTracker>,
    trade_tally: TradeTally,
    /// Closed trips kept for [`StatsBuilder::take_trips_into`], when asked for.
    kept_trips: Option<Vec<RoundTrip>>,
}

impl StatsBuilder {
    /// A builder for a run starting with `initial_cash`; `instrument`
    /// values the fills.
    pub fn new(initial_cash: f64, instrument: &Instrument) -> Self {
        StatsBuilder {
            instrument: instrument.clone(),
            initial_cash,
            first_ts_ns: None,
            last: None,
            step_returns: StepReturns::default(),
            drawdown: Drawdown::new(initial_cash),
            working: IdMap::default(),
            done: IdSet::default(),
            orders_done: 0,
            orders_done_filled: 0,
            ordered_lots_done: 0,
            orders_rejected: 0,
            fills: 0,
            maker_fills: 0,
            queue_ns_total: 0,
            traded_lots: 0,
            turnover: 0.0,
            max_inventory_lots: 0,
            liquidations: 0,
            trips: Some(TripTracker::new(instrument)),
            trade_tally: TradeTally::default(),
            kept_trips: None,
        }
    }

    /// A builder that keeps no round trips of its own: for the whole
    /// account of a run over several instruments, whose fills are those of
    /// every instrument.
    pub(crate) fn without_trips(mut self) -> Self {
        self.trips = None;
        self
    }

    /// Keeps the round trips as they close, for
    /// [`StatsBuilder::take_trips_into`].
    pub fn keep_trips(&mut self) {
        self.kept_trips.get_or_insert_with(Vec::new);
    }

    /// Moves the round trips closed since the last call to `out`, oldest
    /// first (none unless [`StatsBuilder::keep_trips`] asked for them).
    pub fn take_trips_into(&mut self, out: &mut Vec<RoundTrip>) {
        if let Some(kept) = &mut self.kept_trips {
            out.append(kept);
        }
    }

    /// The sums of the round trips closed so far.
    pub fn trade_tally(&self) -> &TradeTally {
        &self.trade_tally
    }

    /// Takes in every row of `record`, fills and equity samples in the
    /// order the engine produced them (each fill just before the sample
    /// taken after it), as a sink would have.
    pub fn take_record(&mut self, record: &RunRecord) {
        for update in &record.orders {
            self.order(update);
        }
        let mut fills = record.fills.iter();
        for sample in &record.equity {
            if sample.cause == SampleCause::Fill {
                if let Some(fill) = fills.next() {
                    self.fill(fill);
                }
            }
            self.equity(sample);
        }
        for fill in fills {
            self.fill(fill);
        }
    }

    /// Takes in an order update.
    pub fn order(&mut self, update: &OrderUpdate) {
        if update.kind == UpdateKind::Rejected {
            self.orders_rejected += 1;
        }
        if update.kind == UpdateKind::Accepted
            && matches!(update.reason, Some(Reason::Liquidation { .. }))
        {
            self.liquidations += 1;
        }
        let id = update.order_id.0;
        if self.done.contains(id) {
            return;
        }
        let tally = self.working.entry(id).or_default();
        tally.max_qty_lots = tally.max_qty_lots.max(update.qty_lots);
        tally.filled |= update.kind == UpdateKind::Fill;
        if update.state.is_final() {
            let tally = *tally;
            self.working.remove(&id);
            self.done.insert(id);
            self.orders_done += 1;
            self.orders_done_filled += u64::from(tally.filled);
            self.ordered_lots_done += tally.max_qty_lots;
        }
    }

    /// Takes in a fill.
    pub fn fill(&mut self, fill: &FillRecord) {
        self.fills += 1;
        if fill.liquidity == Liquidity::Maker {
            self.maker_fills += 1;
            self.queue_ns_total += i128::from(fill.time_in_queue_ns);
        }
        self.traded_lots += fill.qty_lots;
        self.turnover += if self.instrument.inverse {
            ContractValue::from_instrument(&self.instrument)
                .notional(fill.price_ticks as f64, fill.qty_lots)
                .abs()
        } else {
            self.instrument
                .notional(fill.price_ticks, fill.qty_lots)
                .abs()
        };
        self.max_inventory_lots = self.max_inventory_lots.max(fill.position_after_lots.abs());
        if let Some(trips) = &mut self.trips {
            trips.fill(fill);
            for trip in trips.take_closed() {
                self.trade_tally.add(&trip);
                if let Some(kept) = &mut self.kept_trips {
                    kept.push(trip);
                }
            }
        }
    }

    /// Takes in an equity sample.
    pub fn equity(&mut self, sample: &EquitySample) {
        self.first_ts_ns.get_or_insert(sample.ts_ns);
        self.last = Some(*sample);
        if sample.cause != SampleCause::Fill {
            self.step_returns
                .add(sample.ts_ns, sample.account.equity, self.initial_cash);
        }
        self.drawdown.add(sample.account.equity);
        if let Some(trips) = &mut self.trips {
            trips.equity(sample);
        }
    }

    /// The statistics of the rows taken in, over `data_events` market
    /// events.
    pub fn finish(&self, data_events: u64) -> Stats {
        let initial_cash = self.initial_cash;
        let last = self.last.map(|s| s.account);
        let final_equity = last.map_or(initial_cash, |a| a.equity);
        let pnl = final_equity - initial_cash;
        let (sharpe, sortino) = self.step_returns.ratios(initial_cash);
        let orders = self.orders_done + self.working.len() as u64;
        let orders_filled =
            self.orders_done_filled + self.working.values().filter(|t| t.filled).count() as u64;
        let ordered_lots: i64 =
            self.ordered_lots_done + self.working.values().map(|t| t.max_qty_lots).sum::<i64>();
        let maker_fills = self.maker_fills;
        Stats {
            initial_cash,
            final_equity,
            pnl,
            return_pct: percent(pnl, initial_cash),
            realized_pnl: last.map_or(0.0, |a| a.realized_pnl),
            unrealized_pnl: last.map_or(0.0, |a| a.unrealized_pnl),
            fees: last.map_or(0.0, |a| a.fees_paid),
            sharpe,
            sortino,
            max_drawdown: self.drawdown.worst,
            max_drawdown_pct: (initial_cash > 0.0).then_some(self.drawdown.worst_pct),
            orders,
            orders_filled,
            orders_rejected: self.orders_rejected,
            fills: self.fills,
            maker_fills,
            taker_fills: self.fills - maker_fills,
            fill_ratio: if ordered_lots > 0 {
                self.traded_lots as f64 / ordered_lots as f64
            } else {
                0.0
            },
            mean_time_in_queue_ms: (maker_fills > 0)
                .then(|| self.queue_ns_total as f64 / maker_fills as f64 / 1e6),
            traded_lots: self.traded_lots,
            turnover: self.turnover,
            max_inventory_lots: self.max_inventory_lots,
            final_position_lots: last.map_or(0, |a| a.position_lots),
            data_events,
            crossed_batches: 0,
            span_ns: (
                self.first_ts_ns.unwrap_or(0),
                self.last.map_or(0, |s| s.ts_ns),
            ),
            liquidations: self.liquidations,
            funding_paid: last.map_or(0.0, |a| a.funding_paid),
            trades: self.trade_tally.stats(),
            compute_time: None,
        }
    }
}

impl RecordSink for StatsBuilder {
    fn order(&mut self, update: &OrderUpdate) {
        StatsBuilder::order(self, update);
    }

    fn fill(&mut self, fill: &FillRecord) {
        StatsBuilder::fill(self, fill);
    }

    fn equity(&mut self, sample: &EquitySample) {
        StatsBuilder::equity(self, sample);
    }
}

/// `part` as a percent of `whole`; `None` unless `whole` is positive.
fn percent(part: f64, whole: f64) -> Option<f64> {
    (whole > 0.0).then(|| part / whole * 100.0)
}

/// The largest peak-to-trough fall of an equity curve, absolute and in
/// percent of the peak, taken in one value at a time; the peak starts at the
/// initial cash.
#[derive(Clone, Copy, Debug)]
struct Drawdown {
    peak: f64,
    worst: f64,
    worst_pct: f64,
}

impl Drawdown {
    fn new(initial_cash: f64) -> Self {
        Drawdown {
            peak: initial_cash,
            worst: 0.0,
            worst_pct: 0.0,
        }
    }

    fn add(&mut self, value: f64) {
        self.peak = self.peak.max(value);
        let fall = self.peak - value;
        if fall > self.worst {
            self.worst = fall;
        }
        if let Some(fall_pct) = percent(fall, self.peak) {
            if fall_pct > self.worst_pct {
                self.worst_pct = fall_pct;
            }
        }
    }
}

/// Largest peak-to-trough fall of `equity`, absolute and in percent of the
/// peak; the peak starts at the initial cash.
#[cfg(test)]
fn drawdown(initial_cash: f64, equity: impl Iterator<Item = f64>) -> (f64, f64) {
    let mut dd = Drawdown::new(initial_cash);
    equity.for_each(|v| dd.add(v));
    (dd.worst, dd.worst_pct)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::step_returns::SECONDS_PER_YEAR;

    #[test]
    fn drawdown_is_measured_from_the_running_peak() {
        let (abs, pct) = drawdown(100.0, [110.0, 99.0, 120.0, 90.0, 130.0].into_iter());
        assert_eq!(abs, 30.0);
        assert!((pct - 25.0).abs() < 1e-12);
    }

    /// The ratios of `samples` taken in one at a time.
    fn ratios(samples: &[(i64, f64)], initial_cash: f64) -> (Option<f64>, Option<f64>) {
        let mut returns = StepReturns::default();
        for &(ts_ns, equity) in samples {
            returns.add(ts_ns, equity, initial_cash);
        }
        returns.ratios(initial_cash)
    }

    #[test]
    fn fewer_than_two_returns_have_no_ratio() {
        assert_eq!(ratios(&[(0, 100.0), (1, 101.0)], 100.0), (None, None));
    }

    #[test]
    fn sharpe_of_known_returns() {
        // Returns +1, -1, +2 (per 100 cash) over 1 s steps.
        let samples = [
            (0, 100.0),
            (1_000_000_000, 101.0),
            (2_000_000_000, 100.0),
            (3_000_000_000, 102.0),
        ];
        let (sharpe, sortino) = ratios(&samples, 100.0);
        let mean = (0.01 - 0.01 + 0.02) / 3.0;
        let sd =
            ((0.01f64 - mean).powi(2) + (-0.01f64 - mean).powi(2) + (0.02f64 - mean).powi(2)) / 2.0;
        let expected = mean / sd.sqrt() * SECONDS_PER_YEAR.sqrt();
        assert!((sharpe.unwrap() - expected).abs() < 1e-6 * expected.abs());
        let downside = (0.0001f64 / 3.0).sqrt();
        let expected_sortino = mean / downside * SECONDS_PER_YEAR.sqrt();
        assert!((sortino.unwrap() - expected_sortino).abs() < 1e-6 * expected_sortino.abs());
    }

    #[test]
    fn no_initial_cash_gives_no_percent() {
        let inst = Instrument::new("X", 1.0, 1.0);
        let sample = |ts_ns, equity| EquitySample {
            ts_ns,
            cause: SampleCause::Step,
            account: crate::sim::AccountSnapshot {
                position_lots: 0,
                avg_entry_ticks: 0.0,
                cash: equity,
                realized_pnl: 0.0,
                unrealized_pnl: 0.0,
                fees_paid: 0.0,
                equity,
                mark_ticks: 100.0,
                funding_paid: 0.0,
            },
        };
        let mut broke = StatsBuilder::new(0.0, &inst);
        for (ts, equity) in [(0, 0.0), (1, 12.0), (2, -3.0)] {
            broke.equity(&sample(ts, equity));
        }
        let stats = broke.finish(3);
        assert_eq!(stats.pnl, -3.0);
        assert_eq!(stats.max_drawdown, 15.0);
        assert_eq!(stats.return_pct, None);
        assert_eq!(stats.max_drawdown_pct, None);
        let json = serde_json::to_value(&stats).unwrap();
        assert_eq!(json["return_pct"], serde_json::Value::Null);
        assert_eq!(json["max_drawdown_pct"], serde_json::Value::Null);

        let mut funded = StatsBuilder::new(100.0, &inst);
        for (ts, equity) in [(0, 100.0), (1, 125.0), (2, 97.0)] {
            funded.equity(&sample(ts, equity));
        }
        let stats = funded.finish(3);
        assert_eq!(stats.return_pct, Some(-3.0));
        // 28 below the peak of 125.
        let pct = stats.max_drawdown_pct.unwrap();
        assert!((pct - 22.4).abs() < 1e-12, "{pct}");
    }

    #[test]
    fn flat_equity_has_no_ratio() {
        let samples = [(0, 100.0), (1, 100.0), (2, 100.0)];
        assert_eq!(ratios(&samples, 100.0), (None, None));
    }
}
