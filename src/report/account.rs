//! The one account of a run over several instruments, summed from the
//! parts each instrument's engine keeps, for the equity table and the
//! statistics.

use crate::market::Instrument;
use crate::sim::account::AccountSnapshot;
use crate::sim::record::EquitySample;
use crate::sim::stats::{Stats, StatsBuilder};
use crate::sim::trades::TradeTally;

/// The one account of a run over several instruments: each instrument's
/// engine keeps its part (all from the same initial cash), summed here,
/// each part at its last sample.
pub(crate) struct AccountStats {
    initial_cash: f64,
    /// The last sample of each instrument's part.
    parts: Vec<Option<AccountSnapshot>>,
    /// Each part's currency in the account's.
    pub(crate) rates: Vec<f64>,
    /// Statistics of the account: its equity curve, every order and fill.
    pub(crate) stats: StatsBuilder,
}

impl AccountStats {
    pub(crate) fn new(initial_cash: f64, instruments: &[Instrument]) -> Self {
        AccountStats {
            initial_cash,
            parts: vec![None; instruments.len()],
            rates: vec![1.0; instruments.len()],
            stats: StatsBuilder::new(initial_cash, &instruments[0]).without_trips(),
        }
    }

    /// The account at `sample` of instrument `index`: its position and
    /// mark, every part's money.
    pub(crate) fn sample(&mut self, index: usize, sample: &EquitySample) -> EquitySample {
        if let Some(part) = self.parts.get_mut(index) {
            *part = Some(sample.account);
        }
        let mut account = sample.account;
        let (mut cash, mut realized, mut unrealized) = (0.0, 0.0, 0.0);
        let (mut fees, mut funding, mut equity) = (0.0, 0.0, 0.0);
        for (part, rate) in self.parts.iter().zip(&self.rates) {
            let Some(part) = part else { continue };
            cash += (part.cash - self.initial_cash) * rate;
            realized += part.realized_pnl * rate;
            unrealized += part.unrealized_pnl * rate;
            fees += part.fees_paid * rate;
            funding += part.funding_paid * rate;
            equity += (part.equity - self.initial_cash) * rate;
        }
        account.cash = self.initial_cash + cash;
        account.realized_pnl = realized;
        account.unrealized_pnl = unrealized;
        account.fees_paid = fees;
        account.funding_paid = funding;
        account.equity = self.initial_cash + equity;
        let whole = EquitySample { account, ..*sample };
        self.stats.equity(&whole);
        whole
    }

    /// The account's statistics: money and ratios from its equity curve,
    /// counts from every order and fill, turnover summed over the
    /// instruments (each valued with its own contract), the final position
    /// summed in lots, the largest inventory of any one instrument, and the
    /// round trips of every instrument in the account's currency.
    pub(crate) fn finish(&self, parts: &[StatsBuilder], data_events: u64) -> Stats {
        let mut stats = self.stats.finish(data_events);
        let each: Vec<Stats> = parts.iter().map(|p| p.finish(0)).collect();
        stats.turnover = each.iter().map(|s| s.turnover).sum();
        stats.final_position_lots = each.iter().map(|s| s.final_position_lots).sum();
        stats.max_inventory_lots = each.iter().map(|s| s.max_inventory_lots).max().unwrap_or(0);
        stats.liquidations = each.iter().map(|s| s.liquidations).sum();
        let mut trades = TradeTally::default();
        for (part, rate) in parts.iter().zip(&self.rates) {
            trades.merge(part.trade_tally(), *rate);
        }
        stats.trades = trades.stats();
        stats
    }
}
