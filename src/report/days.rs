//! Statistics of each day of a run over several days, from the account's
//! equity samples and fills as they are written.

use serde::Serialize;

use crate::market::catalog::Day;
use crate::sim::record::{EquitySample, FillRecord};
use crate::sim::update::Liquidity;

/// How the account did on one day (UTC) of the run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DayStats {
    /// The day, `YYYY-MM-DD`.
    pub day: String,
    /// Equity at the day's first sample (the last one before it, or the
    /// initial cash), currency units.
    pub start_equity: f64,
    /// Equity at the day's last sample, currency units.
    pub final_equity: f64,
    /// Final minus start equity, currency units (after fees).
    pub pnl: f64,
    /// PnL over the start equity, percent; `None` when that is not positive.
    pub return_pct: Option<f64>,
    /// Fees paid that day (negative = rebates earned), currency units.
    pub fees: f64,
    /// Fill pieces that day (by exchange time).
    pub fills: u64,
    /// Of those, where our resting order was hit.
    pub maker_fills: u64,
    /// Of those, where our order crossed the spread.
    pub taker_fills: u64,
    /// Largest fall of equity from its running peak that day, currency
    /// units.
    pub max_drawdown: f64,
}

/// The running tally of one day.
#[derive(Clone, Debug)]
struct Tally {
    day: Day,
    start_equity: f64,
    start_fees: f64,
    last_equity: f64,
    last_fees: f64,
    peak: f64,
    max_drawdown: f64,
    fills: u64,
    maker_fills: u64,
}

impl Tally {
    fn new(day: Day, equity: f64, fees: f64) -> Self {
        Tally {
            day,
            start_equity: equity,
            start_fees: fees,
            last_equity: equity,
            last_fees: fees,
            peak: equity,
            max_drawdown: 0.0,
            fills: 0,
            maker_fills: 0,
        }
    }

    fn stats(&self) -> DayStats {
        let pnl = self.last_equity - self.start_equity;
        DayStats {
            day: self.day.to_string(),
            start_equity: self.start_equity,
            final_equity: self.last_equity,
            pnl,
            return_pct: (self.start_equity > 0.0).then(|| pnl / self.start_equity * 100.0),
            fees: self.last_fees - self.start_fees,
            fills: self.fills,
            maker_fills: self.maker_fills,
            taker_fills: self.fills - self.maker_fills,
            max_drawdown: self.max_drawdown,
        }
    }
}

/// The days of a run, oldest first, as their rows come.
#[derive(Clone, Debug)]
pub(crate) struct DayTallies {
    initial_cash: f64,
    days: Vec<Tally>,
}

impl DayTallies {
    /// Tallies of a run starting with `initial_cash`.
    pub(crate) fn new(initial_cash: f64) -> Self {
        DayTallies {
            initial_cash,
            days: Vec::new(),
        }
    }

    /// The tally of `day`, started from the day before's last figures
    /// when it is new.
    fn day_mut(&mut self, day: Day) -> &mut Tally {
        if self.days.last().is_none_or(|t| t.day < day) {
            let (equity, fees) = self
                .days
                .last()
                .map_or((self.initial_cash, 0.0), |t| (t.last_equity, t.last_fees));
            self.days.push(Tally::new(day, equity, fees));
        }
        let index = self.days.iter().rposition(|t| t.day <= day).unwrap_or(0);
        &mut self.days[index]
    }

    /// An equity sample of the whole account.
    pub(crate) fn equity(&mut self, sample: &EquitySample) {
        let tally = self.day_mut(Day::from_ts_ns(sample.ts_ns));
        let equity = sample.account.equity;
        tally.last_equity = equity;
        tally.last_fees = sample.account.fees_paid;
        tally.peak = tally.peak.max(equity);
        tally.max_drawdown = tally.max_drawdown.max(tally.peak - equity);
    }

    /// A fill.
    pub(crate) fn fill(&mut self, fill: &FillRecord) {
        let tally = self.day_mut(Day::from_ts_ns(fill.exch_ts_ns));
        tally.fills += 1;
        if fill.liquidity == Liquidity::Maker {
            tally.maker_fills += 1;
        }
    }

    /// Each day's statistics, oldest first.
    pub(crate) fn stats(&self) -> Vec<DayStats> {
        self.days.iter().map(Tally::stats).collect()
    }
}
