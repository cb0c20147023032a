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

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::market::Instrument;
use crate::sim::record::{RunRecord, SampleCause};
use crate::sim::update::{Liquidity, UpdateKind};

/// Seconds in the calendar year used to annualise.
const SECONDS_PER_YEAR: f64 = 365.25 * 24.0 * 3600.0;

/// The summary of a run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    /// Cash at the start, currency units.
    pub initial_cash: f64,
    /// Equity at the end, currency units.
    pub final_equity: f64,
    /// Final equity minus initial cash, currency units (after fees).
    pub pnl: f64,
    /// PnL over initial cash, percent.
    pub return_pct: f64,
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
    /// That fall as a percent of the peak equity.
    pub max_drawdown_pct: f64,
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
    /// Exchange time of the first and last equity sample, ns.
    pub span_ns: (i64, i64),
}

impl Stats {
    /// Computes the statistics of `record`; `instrument` values the fills.
    pub fn from_record(record: &RunRecord, instrument: &Instrument) -> Stats {
        let initial_cash = record.initial_cash;
        let last = record.equity.last().map(|s| s.account);
        let final_equity = last.map_or(initial_cash, |a| a.equity);
        let pnl = final_equity - initial_cash;

        let step_equity: Vec<(i64, f64)> = record
            .equity
            .iter()
            .filter(|s| s.cause != SampleCause::Fill)
            .map(|s| (s.ts_ns, s.account.equity))
            .collect();
        let (sharpe, sortino) = ratios(&step_equity, initial_cash);
        let (max_drawdown, max_drawdown_pct) =
            drawdown(initial_cash, record.equity.iter().map(|s| s.account.equity));

        let mut order_qty: BTreeMap<u64, i64> = BTreeMap::new();
        let mut filled_orders: BTreeMap<u64, ()> = BTreeMap::new();
        let mut orders_rejected = 0;
        for update in &record.orders {
            let qty = order_qty.entry(update.order_id.0).or_insert(0);
            *qty = (*qty).max(update.qty_lots);
            match update.kind {
                UpdateKind::Rejected => orders_rejected += 1,
                UpdateKind::Fill => {
                    filled_orders.insert(update.order_id.0, ());
                }
                _ => {}
            }
        }
        let ordered_lots: i64 = order_qty.values().sum();

        let mut maker_fills = 0;
        let mut queue_ns_total = 0i128;
        let mut traded_lots = 0;
        let mut turnover = 0.0;
        let mut max_inventory_lots = 0;
        for fill in &record.fills {
            if fill.liquidity == Liquidity::Maker {
                maker_fills += 1;
                queue_ns_total += i128::from(fill.time_in_queue_ns);
            }
            traded_lots += fill.qty_lots;
            turnover += instrument.notional(fill.price_ticks, fill.qty_lots).abs();
            max_inventory_lots = max_inventory_lots.max(fill.position_after_lots.abs());
        }
        let fills = record.fills.len() as u64;

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
            max_drawdown,
            max_drawdown_pct,
            orders: order_qty.len() as u64,
            orders_filled: filled_orders.len() as u64,
            orders_rejected,
            fills,
            maker_fills,
            taker_fills: fills - maker_fills,
            fill_ratio: if ordered_lots > 0 {
                traded_lots as f64 / ordered_lots as f64
            } else {
                0.0
            },
            mean_time_in_queue_ms: (maker_fills > 0)
                .then(|| queue_ns_total as f64 / maker_fills as f64 / 1e6),
            traded_lots,
            turnover,
            max_inventory_lots,
            final_position_lots: last.map_or(0, |a| a.position_lots),
            data_events: record.data_events,
            span_ns: (
                record.equity.first().map_or(0, |s| s.ts_ns),
                record.equity.last().map_or(0, |s| s.ts_ns),
            ),
        }
    }
}

fn percent(part: f64, whole: f64) -> f64 {
    if whole == 0.0 {
        0.0
    } else {
        part / whole * 100.0
    }
}

/// Annualised Sharpe and Sortino of the returns between consecutive samples.
fn ratios(samples: &[(i64, f64)], initial_cash: f64) -> (Option<f64>, Option<f64>) {
    if samples.len() < 3 || initial_cash <= 0.0 {
        return (None, None);
    }
    let returns: Vec<f64> = samples
        .windows(2)
        .map(|w| (w[1].1 - w[0].1) / initial_cash)
        .collect();
    let span_ns = (samples[samples.len() - 1].0 - samples[0].0) as f64;
    if span_ns <= 0.0 {
        return (None, None);
    }
    let step_secs = span_ns / 1e9 / returns.len() as f64;
    let annualise = (SECONDS_PER_YEAR / step_secs).sqrt();
    let n = returns.len() as f64;
    let mean = returns.iter().sum::<f64>() / n;
    let variance = returns.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / (n - 1.0);
    let downside = (returns.iter().map(|r| r.min(0.0).powi(2)).sum::<f64>() / n).sqrt();
    let sharpe = (variance > 0.0).then(|| mean / variance.sqrt() * annualise);
    let sortino = (downside > 0.0).then(|| mean / downside * annualise);
    (sharpe, sortino)
}

/// Largest peak-to-trough fall of `equity`, absolute and in percent of the
/// peak; the peak starts at the initial cash.
fn drawdown(initial_cash: f64, equity: impl Iterator<Item = f64>) -> (f64, f64) {
    let mut peak = initial_cash;
    let mut worst = 0.0;
    let mut worst_pct = 0.0;
    for value in equity {
        peak = peak.max(value);
        let fall = peak - value;
        if fall > worst {
            worst = fall;
        }
        let fall_pct = percent(fall, peak);
        if fall_pct > worst_pct {
            worst_pct = fall_pct;
        }
    }
    (worst, worst_pct)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drawdown_is_measured_from_the_running_peak() {
        let (abs, pct) = drawdown(100.0, [110.0, 99.0, 120.0, 90.0, 130.0].into_iter());
        assert_eq!(abs, 30.0);
        assert!((pct - 25.0).abs() < 1e-12);
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
    fn flat_equity_has_no_ratio() {
        let samples = [(0, 100.0), (1, 100.0), (2, 100.0)];
        assert_eq!(ratios(&samples, 100.0), (None, None));
    }
}
