//! The trading account: position, average entry price, cash, PnL, fees,
//! funding and margin.
//!
//! Quantities are integer lots and prices integer ticks; money is `f64` in
//! the account currency, valued by the instrument's [`ContractValue`]: the
//! quote currency for a linear instrument, the base currency for an inverse
//! one.
//!
//! Cash: for a linear instrument a buy pays its notional out of cash and a
//! sell receives it (a short holds its proceeds), so equity is cash plus the
//! position at the mark. For an inverse instrument cash is the margin
//! balance in the base currency, `initial + realized − fees − funding`, and
//! equity is cash plus the unrealized PnL. Either way the books balance at
//! every step:
//! `equity − initial_cash = realized_pnl + unrealized_pnl − fees_paid − funding_paid`.
//!
//! Margin (see `sim::margin` for the rules): the initial rate prices what
//! orders and positions need, the maintenance rate what a position must keep.

use serde::{Deserialize, Serialize};

use crate::market::{Instrument, Side};
use crate::sim::contract::ContractValue;

/// Position, cash and PnL of one instrument.
#[derive(Clone, Debug, PartialEq)]
pub struct Account {
    value: ContractValue,
    initial_margin_rate: f64,
    maintenance_margin_rate: f64,
    initial_cash: f64,
    cash: f64,
    position_lots: i64,
    avg_entry_ticks: f64,
    realized_pnl: f64,
    fees_paid: f64,
    funding_paid: f64,
    traded_lots: i64,
    traded_notional: f64,
    fill_count: u64,
}

impl Account {
    /// A flat account holding `initial_cash` (currency units; base currency
    /// for an inverse instrument).
    pub fn new(instrument: &Instrument, initial_cash: f64) -> Self {
        Account {
            value: ContractValue::from_instrument(instrument),
            initial_margin_rate: instrument.initial_margin_rate,
            maintenance_margin_rate: instrument.maintenance_rate(),
            initial_cash,
            cash: initial_cash,
            position_lots: 0,
            avg_entry_ticks: 0.0,
            realized_pnl: 0.0,
            fees_paid: 0.0,
            funding_paid: 0.0,
            traded_lots: 0,
            traded_notional: 0.0,
            fill_count: 0,
        }
    }

    /// How the instrument's ticks and lots turn into money.
    pub fn contract_value(&self) -> ContractValue {
        self.value
    }

    /// Money value of `qty_lots` (signed) at `price_ticks`.
    pub fn notional(&self, price_ticks: f64, qty_lots: i64) -> f64 {
        self.value.notional(price_ticks, qty_lots)
    }

    /// Books a fill: `side` bought or sold `qty_lots` at `price_ticks`,
    /// paying `fee` currency units (negative = rebate).
    pub fn apply_fill(&mut self, side: Side, price_ticks: i64, qty_lots: i64, fee: f64) {
        let signed = side.sign() * qty_lots;
        if signed == 0 {
            return;
        }
        let price = price_ticks as f64;
        let inverse = self.value.is_inverse();
        if inverse {
            self.cash -= fee;
        } else {
            self.cash -= self.notional(price, signed) + fee;
        }
        self.fees_paid += fee;
        self.traded_lots += qty_lots;
        self.traded_notional += self.notional(price, qty_lots).abs();
        self.fill_count += 1;

        let old = self.position_lots;
        let new = old + signed;
        if old == 0 || old.signum() == signed.signum() {
            // Opening or adding: the average moves to the weighted mean.
            self.avg_entry_ticks =
                self.value
                    .average_entry(self.avg_entry_ticks, old.abs(), price, signed.abs());
        } else {
            // Reducing, closing or flipping: the closed part realizes PnL at
            // the old average; a flip opens the rest at the fill price.
            let closed = signed.abs().min(old.abs());
            let pnl = self
                .value
                .pnl(self.avg_entry_ticks, price, closed * old.signum());
            self.realized_pnl += pnl;
            if inverse {
                self.cash += pnl;
            }
            if new == 0 {
                self.avg_entry_ticks = 0.0;
            } else if new.signum() != old.signum() {
                self.avg_entry_ticks = price;
            }
        }
        self.position_lots = new;
    }

    /// Books a funding payment at rate `rate` (a fraction; positive = longs
    /// pay) on the position valued at `mark_ticks`; returns what the account
    /// paid (negative = received), currency units.
    pub fn apply_funding(&mut self, rate: f64, mark_ticks: f64) -> f64 {
        if self.position_lots == 0 {
            return 0.0;
        }
        let paid = rate * self.notional(mark_ticks, self.position_lots);
        self.pay_funding(paid);
        paid
    }

    /// Books a funding payment of `paid` currency units (negative =
    /// received), as computed by [`Account::apply_funding`] on the venue's
    /// own account.
    pub fn pay_funding(&mut self, paid: f64) {
        self.cash -= paid;
        self.funding_paid += paid;
    }

    /// Initial margin of `qty_lots` (absolute) at `price_ticks`: what an
    /// order or position of that size needs, currency units.
    pub fn initial_margin(&self, price_ticks: f64, qty_lots: i64) -> f64 {
        self.initial_margin_rate * self.notional(price_ticks, qty_lots.abs()).abs()
    }

    /// Maintenance margin of the open position marked at `mark_ticks`:
    /// equity below it liquidates the position, currency units.
    pub fn maintenance_margin(&self, mark_ticks: f64) -> f64 {
        self.maintenance_margin_rate * self.notional(mark_ticks, self.position_lots.abs()).abs()
    }

    /// Marks (ticks) at which equity surely covers the maintenance margin
    /// of the position as it is now: an open interval `(low, high)` of
    /// positive marks, kept a millionth inside the exact boundary so that
    /// rounding never puts a mark the exact test would fail inside it.
    /// `None` when no such interval is worked out (inverse contracts, no
    /// position, or rates that make the boundary undefined): then only the
    /// exact test answers.
    pub(crate) fn solvent_marks(&self) -> Option<(f64, f64)> {
        let ContractValue::Linear { tick_value } = self.value else {
            return None;
        };
        let lots = self.position_lots as f64;
        let r = self.maintenance_margin_rate;
        // For a mark m > 0: equity - maintenance = cash + m·lots·v - r·m·|lots|·v,
        // increasing in m when long, decreasing when short.
        let slope = if lots > 0.0 {
            lots * tick_value * (1.0 - r)
        } else if lots < 0.0 {
            lots * tick_value * (1.0 + r)
        } else {
            return None;
        };
        if !(slope.is_finite() && slope != 0.0 && tick_value > 0.0) {
            return None;
        }
        let boundary = -self.cash / slope;
        if !boundary.is_finite() {
            return None;
        }
        let guard = boundary.abs() * 1e-6 + 1e-9;
        if slope > 0.0 {
            Some((boundary.max(0.0) + guard, f64::INFINITY))
        } else if boundary > 0.0 {
            Some((0.0, boundary - guard))
        } else {
            // Short with no cash to cover: no positive mark is surely safe.
            None
        }
    }

    /// Cash, currency units.
    pub fn cash(&self) -> f64 {
        self.cash
    }

    /// Cash at the start of the run, currency units.
    pub fn initial_cash(&self) -> f64 {
        self.initial_cash
    }

    /// Signed position in lots (positive = long).
    pub fn position_lots(&self) -> i64 {
        self.position_lots
    }

    /// Average entry price of the open position, in ticks (0 when flat).
    pub fn avg_entry_ticks(&self) -> f64 {
        self.avg_entry_ticks
    }

    /// PnL locked in by closing trades, currency units, before fees.
    pub fn realized_pnl(&self) -> f64 {
        self.realized_pnl
    }

    /// Fees paid so far, currency units (negative when rebates dominate).
    pub fn fees_paid(&self) -> f64 {
        self.fees_paid
    }

    /// Funding paid so far, currency units (negative when received).
    pub fn funding_paid(&self) -> f64 {
        self.funding_paid
    }

    /// PnL of the open position marked at `mark_ticks`, currency units.
    pub fn unrealized_pnl(&self, mark_ticks: f64) -> f64 {
        if self.position_lots == 0 {
            return 0.0;
        }
        self.value
            .pnl(self.avg_entry_ticks, mark_ticks, self.position_lots)
    }

    /// What the account is worth with the position marked at `mark_ticks`,
    /// currency units: cash plus the position (linear), cash plus the
    /// unrealized PnL (inverse).
    pub fn equity(&self, mark_ticks: f64) -> f64 {
        if self.value.is_inverse() {
            self.cash + self.unrealized_pnl(mark_ticks)
        } else {
            self.cash + self.notional(mark_ticks, self.position_lots)
        }
    }

    /// Lots bought and sold so far.
    pub fn traded_lots(&self) -> i64 {
        self.traded_lots
    }

    /// Currency value traded so far (turnover).
    pub fn traded_notional(&self) -> f64 {
        self.traded_notional
    }

    /// Number of fills booked.
    pub fn fill_count(&self) -> u64 {
        self.fill_count
    }

    /// Everything at once, marked at `mark_ticks`.
    pub fn snapshot(&self, mark_ticks: f64) -> AccountSnapshot {
        AccountSnapshot {
            position_lots: self.position_lots,
            avg_entry_ticks: self.avg_entry_ticks,
            cash: self.cash,
            realized_pnl: self.realized_pnl,
            unrealized_pnl: self.unrealized_pnl(mark_ticks),
            fees_paid: self.fees_paid,
            equity: self.equity(mark_ticks),
            mark_ticks,
            funding_paid: self.funding_paid,
        }
    }
}

/// The account at one moment, marked to a price.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct AccountSnapshot {
    /// Signed position in lots.
    pub position_lots: i64,
    /// Average entry price of the open position, ticks (0 when flat).
    pub avg_entry_ticks: f64,
    /// Cash, currency units.
    pub cash: f64,
    /// Realized PnL before fees, currency units.
    pub realized_pnl: f64,
    /// Unrealized PnL at `mark_ticks`, currency units.
    pub unrealized_pnl: f64,
    /// Fees paid, currency units.
    pub fees_paid: f64,
    /// Cash plus position at `mark_ticks`, currency units.
    pub equity: f64,
    /// The mark price (mid), ticks.
    pub mark_ticks: f64,
    /// Funding paid (negative = received), currency units.
    #[serde(default)]
    pub funding_paid: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every mark `solvent_marks` vouches for passes the exact test, on
    /// both sides of the boundary, long and short; marks far inside are
    /// vouched for.
    #[test]
    fn solvent_marks_never_vouch_for_a_mark_below_maintenance() {
        let mut inst = Instrument::new("X", 0.5, 2.0);
        inst.initial_margin_rate = 0.1;
        for (side, cash, far_inside) in [(Side::Buy, 100.0, 400.0), (Side::Sell, 2_000.0, 20.0)] {
            let mut acc = Account::new(&inst, cash);
            acc.apply_fill(side, 100, 10, 0.0);
            let (low, high) = acc.solvent_marks().expect("a linear position has a range");
            let boundary = if side == Side::Buy { low } else { high };
            assert!(
                low < far_inside && far_inside < high,
                "{side:?}: ({low}, {high})"
            );
            let mut exact_failures = 0;
            for step in -2_000..=2_000 {
                let mark = boundary * (1.0 + step as f64 * 1e-8);
                let exactly_solvent = acc.equity(mark) >= acc.maintenance_margin(mark);
                exact_failures += usize::from(!exactly_solvent);
                if low < mark && mark < high {
                    assert!(exactly_solvent, "{side:?}: mark {mark} vouched for");
                }
            }
            assert!(exact_failures > 0, "{side:?}: the boundary was crossed");
        }
        let flat = Account::new(&inst, 100.0);
        assert_eq!(flat.solvent_marks(), None);
    }

    #[test]
    fn round_trip_realizes_and_balances() {
        let inst = Instrument::new("X", 0.5, 2.0); // one tick on one lot = 1.0
        let mut acc = Account::new(&inst, 1_000.0);
        acc.apply_fill(Side::Buy, 100, 3, 0.3);
        acc.apply_fill(Side::Buy, 110, 1, 0.1);
        assert_eq!(acc.position_lots(), 4);
        assert!((acc.avg_entry_ticks() - 102.5).abs() < 1e-12);
        acc.apply_fill(Side::Sell, 120, 6, 0.6); // closes 4, opens 2 short
        assert_eq!(acc.position_lots(), -2);
        assert!((acc.realized_pnl() - 70.0).abs() < 1e-9);
        assert_eq!(acc.avg_entry_ticks(), 120.0);
        let mark = 118.0;
        let lhs = acc.equity(mark) - acc.initial_cash();
        let rhs = acc.realized_pnl() + acc.unrealized_pnl(mark) - acc.fees_paid();
        assert!((lhs - rhs).abs() < 1e-9, "{lhs} vs {rhs}");
        assert!((acc.unrealized_pnl(mark) - 4.0).abs() < 1e-9);
    }

    #[test]
    fn an_inverse_short_books_pnl_and_funding_in_coins() {
        // BTCUSD: tick 0.5 USD, one lot = one 1-USD contract, 1 BTC of cash.
        let mut inst = Instrument::new("BTCUSD", 0.5, 1.0);
        inst.inverse = true;
        let mut acc = Account::new(&inst, 1.0);
        // Short 20,000 contracts at 25,000 USD: 0.8 BTC of notional.
        acc.apply_fill(Side::Sell, 50_000, 20_000, 0.0);
        assert_eq!(acc.cash(), 1.0);
        // Funding 1 bp at 25,000 USD: the short receives 0.0001 × 0.8.
        let paid = acc.apply_funding(0.0001, 50_000.0);
        assert!((paid + 0.000_08).abs() < 1e-15, "{paid}");
        // Bought back at 20,000 USD: −20,000 × (1/25,000 − 1/20,000) = 0.2.
        acc.apply_fill(Side::Buy, 40_000, 20_000, 0.0);
        assert_eq!(acc.position_lots(), 0);
        assert!((acc.realized_pnl() - 0.2).abs() < 1e-12);
        assert!((acc.cash() - 1.200_08).abs() < 1e-12, "{}", acc.cash());
        assert!((acc.equity(40_000.0) - 1.200_08).abs() < 1e-12);
        assert!((acc.funding_paid() + 0.000_08).abs() < 1e-15);
    }
}
