//! What ticks and lots are worth: the one place that knows whether an
//! instrument is linear (money in the quote currency, `price × quantity`) or
//! inverse (money in the base currency, `contracts × multiplier / price`).
//!
//! Linear: one tick on one lot is worth
//! `tick_value = tick_size · lot_size · contract_multiplier` quote-currency
//! units, so `notional = price_ticks · lots · tick_value` and a position's
//! PnL is `(exit − entry) · lots · tick_value`.
//!
//! Inverse (`inverse = true`, e.g. BTCUSD coin-margined perpetuals): one lot
//! is `lot_size` contracts of `contract_multiplier` quote-currency units
//! (USD), and money is in the base currency (BTC). With
//! `k = lot_size · contract_multiplier / tick_size`,
//! `notional = k · lots / price_ticks` and a position's PnL is
//! `k · lots · (1/entry − 1/exit)`, i.e. `qty × multiplier × (1/entry −
//! 1/exit)` in natural units. A price of zero or less is worth nothing.

use crate::market::Instrument;

/// How an instrument turns prices in ticks and quantities in lots into money.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ContractValue {
    /// Money in the quote currency: `price × quantity × multiplier`.
    Linear {
        /// Quote-currency value of one tick on one lot.
        tick_value: f64,
    },
    /// Money in the base currency: `contracts × multiplier / price`.
    Inverse {
        /// Base-currency value of one lot at a price of one tick:
        /// `lot_size · contract_multiplier / tick_size`.
        lot_value_at_one_tick: f64,
    },
}

impl ContractValue {
    /// The valuation `instrument` describes.
    pub fn from_instrument(instrument: &Instrument) -> Self {
        if instrument.inverse {
            ContractValue::Inverse {
                lot_value_at_one_tick: instrument.lot_size * instrument.contract_multiplier
                    / instrument.tick_size,
            }
        } else {
            ContractValue::Linear {
                tick_value: instrument.tick_size
                    * instrument.lot_size
                    * instrument.contract_multiplier,
            }
        }
    }

    /// True for an inverse (coin-margined) contract.
    pub fn is_inverse(&self) -> bool {
        matches!(self, ContractValue::Inverse { .. })
    }

    /// Signed money value of `qty_lots` (signed) at `price_ticks`.
    #[inline]
    pub fn notional(&self, price_ticks: f64, qty_lots: i64) -> f64 {
        match *self {
            ContractValue::Linear { tick_value } => price_ticks * qty_lots as f64 * tick_value,
            ContractValue::Inverse {
                lot_value_at_one_tick,
            } => {
                if price_ticks > 0.0 {
                    lot_value_at_one_tick * qty_lots as f64 / price_ticks
                } else {
                    0.0
                }
            }
        }
    }

    /// PnL of a position of `qty_lots` (signed: positive = long) opened at
    /// `entry_ticks` and marked or closed at `exit_ticks`.
    #[inline]
    pub fn pnl(&self, entry_ticks: f64, exit_ticks: f64, qty_lots: i64) -> f64 {
        match *self {
            ContractValue::Linear { tick_value } => {
                (exit_ticks - entry_ticks) * qty_lots as f64 * tick_value
            }
            ContractValue::Inverse { .. } => {
                self.notional(entry_ticks, qty_lots) - self.notional(exit_ticks, qty_lots)
            }
        }
    }

    /// Average entry price, in ticks, after adding `add_lots` at
    /// `price_ticks` to `held_lots` (absolute quantities) entered at
    /// `avg_ticks`: the quantity-weighted mean for a linear contract, the
    /// harmonic mean (contracts per unit of base currency) for an inverse one.
    pub fn average_entry(
        &self,
        avg_ticks: f64,
        held_lots: i64,
        price_ticks: f64,
        add_lots: i64,
    ) -> f64 {
        let (held, add) = (held_lots as f64, add_lots as f64);
        match self {
            ContractValue::Linear { .. } => (avg_ticks * held + price_ticks * add) / (held + add),
            ContractValue::Inverse { .. } => {
                let coins = if held_lots > 0 { held / avg_ticks } else { 0.0 } + add / price_ticks;
                (held + add) / coins
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inverse_pnl_is_contracts_times_multiplier_times_reciprocal_prices() {
        // BTCUSD: tick 0.5 USD, 1 contract of 1 USD per lot.
        let mut inst = Instrument::new("BTCUSD", 0.5, 1.0);
        inst.inverse = true;
        let value = ContractValue::from_instrument(&inst);
        // 10,000 contracts long from 20,000 to 25,000 USD:
        // 10,000 × (1/20,000 − 1/25,000) = 0.5 − 0.4 = 0.1 BTC.
        let pnl = value.pnl(40_000.0, 50_000.0, 10_000);
        assert!((pnl - 0.1).abs() < 1e-15, "{pnl}");
        // The notional at 20,000 USD: 0.5 BTC.
        assert!((value.notional(40_000.0, 10_000) - 0.5).abs() < 1e-15);
        // 10,000 at 20,000 and 10,000 at 25,000: 0.5 + 0.4 BTC for 20,000
        // contracts, a harmonic mean of 22,222.2 USD = 44,444.4 ticks.
        let avg = value.average_entry(40_000.0, 10_000, 50_000.0, 10_000);
        assert!((avg - 20_000.0 / 0.9 * 2.0).abs() < 1e-9, "{avg}");
    }

    #[test]
    fn linear_value_is_price_times_quantity() {
        let value = ContractValue::from_instrument(&Instrument::new("X", 0.5, 2.0));
        assert_eq!(value.notional(100.0, 3), 300.0);
        assert_eq!(value.pnl(100.0, 110.0, -2), -20.0);
        assert_eq!(value.average_entry(100.0, 3, 110.0, 1), 102.5);
    }
}
