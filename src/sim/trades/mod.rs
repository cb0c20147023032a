//! Trade-level statistics: a run's round trips, matched FIFO from its
//! fills, per instrument, and the figures traders read from them (win
//! rate, average win and loss, profit factor, holding time, adverse and
//! favourable excursions).
//!
//! **A round trip** opens when an instrument's position leaves flat (or
//! reverses) and closes when the quantity it opened, with any added to it
//! (scaling in), is matched back FIFO by opposite fills, leaving the
//! position flat. A fill that reverses the position closes the trip with
//! the part that brings it to flat and opens a new trip with the remainder.
//! Partial fills are fills like any other. A trip still open at the end of
//! the run is not counted.
//!
//! - **PnL** of a trip: its gross PnL (each exit matched FIFO against the
//!   oldest open entry, valued as the account values the instrument,
//!   linear or inverse) less its fees and the funding paid while it was
//!   open. A fill's fee goes to the trip it belongs to; the fee of a fill
//!   that reverses the position is split by quantity: the part that closes
//!   the old trip pays its share to it, the remainder's to the new one.
//!   The account's figures and the trades table are in the account's
//!   currency (an instrument in another currency converted at the run's
//!   fixed `[fx]` rate); an instrument's own figures (`by_symbol`) in its
//!   currency, as the rest of them.
//! - **Holding time**: exchange time from the trip's first fill to the
//!   fill that closes it, ns.
//! - **Excursions**: the trip's running PnL before fees (what it realized
//!   so far plus its open lots marked at the mid, the price equity is
//!   marked to) at every equity sample taken while it is open: after each
//!   of its fills that leaves it open, at every step of data time, after a
//!   funding payment. MAE is how far below zero that went and MFE how far
//!   above, both 0 or more, currency units; exit prices are not marks.
//! - **Wins and losses**: a trip with PnL above zero wins, below zero
//!   loses; one at exactly zero is neither but counts in `round_trips`.
//!   The profit factor is gross profit over gross loss; with no losing
//!   trip it would be infinite and is `None` (`null` in JSON).

mod fifo;
mod tally;

pub use fifo::TripTracker;
pub use tally::{TradeStats, TradeTally};

use crate::market::Side;

/// One closed round trip of one instrument.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RoundTrip {
    /// Exchange time of its opening fill, ns.
    pub open_ts_ns: i64,
    /// Exchange time of its closing fill, ns.
    pub close_ts_ns: i64,
    /// `Buy` for a long trip, `Sell` for a short one.
    pub side: Side,
    /// Lots entered (and so exited), scaling in included.
    pub qty_lots: i64,
    /// Mean entry price, ticks, weighted by quantity.
    pub entry_ticks: f64,
    /// Mean exit price, ticks, weighted by quantity.
    pub exit_ticks: f64,
    /// PnL of the matched entries and exits before fees and funding,
    /// currency units.
    pub gross_pnl: f64,
    /// Fees of its fills (its share of a reversing fill's), currency units
    /// (negative = rebates).
    pub fees: f64,
    /// Funding paid while it was open (negative = received), currency units.
    pub funding: f64,
    /// `gross_pnl − fees − funding`, currency units.
    pub pnl: f64,
    /// Maximum adverse excursion, currency units, 0 or more.
    pub mae: f64,
    /// Maximum favourable excursion, currency units, 0 or more.
    pub mfe: f64,
    /// Fill pieces in it (a reversing fill counts in both trips).
    pub fills: u32,
}

impl RoundTrip {
    /// Close minus open time, ns.
    pub fn holding_ns(&self) -> i64 {
        self.close_ts_ns - self.open_ts_ns
    }

    /// Lots traded in it, entries and exits.
    pub fn traded_lots(&self) -> i64 {
        2 * self.qty_lots
    }

    /// The trip with its money converted at `rate` (account currency per
    /// unit of the instrument's).
    pub fn converted(&self, rate: f64) -> RoundTrip {
        RoundTrip {
            gross_pnl: self.gross_pnl * rate,
            fees: self.fees * rate,
            funding: self.funding * rate,
            pnl: self.pnl * rate,
            mae: self.mae * rate,
            mfe: self.mfe * rate,
            ..*self
        }
    }
}

#[cfg(test)]
pub(crate) mod tests;
