//! Pre-trade risk: limits checked before an order leaves the strategy.
//!
//! A breach never panics and never errors: the order comes back `Rejected`
//! with a [`Reason`] naming the limit.

use serde::{Deserialize, Serialize};

use crate::market::Side;
use crate::sim::update::Reason;

/// Pre-trade limits; a missing limit is not checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RiskLimits {
    /// Largest quantity of one order, in lots.
    pub max_order_lots: Option<i64>,
    /// Largest absolute position, in lots, counting every open order on the
    /// order's side as if it filled (worst case).
    pub max_position_lots: Option<i64>,
    /// Largest number of orders open at once (sent and not yet final).
    pub max_open_orders: Option<usize>,
}

/// What the strategy holds and has working, as it knows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Exposure {
    /// Signed position, lots.
    pub position_lots: i64,
    /// Unfilled quantity of open buy orders, lots.
    pub open_buy_lots: i64,
    /// Unfilled quantity of open sell orders, lots.
    pub open_sell_lots: i64,
    /// Open orders.
    pub open_orders: usize,
}

impl RiskLimits {
    /// Checks a new order of `qty_lots` on `side`.
    pub fn check_new(&self, exposure: &Exposure, side: Side, qty_lots: i64) -> Result<(), Reason> {
        if let Some(max) = self.max_open_orders {
            let open_orders = exposure.open_orders + 1;
            if open_orders > max {
                return Err(Reason::MaxOpenOrders { open_orders, max });
            }
        }
        self.check_size(qty_lots)?;
        self.check_position(exposure, side, qty_lots)
    }

    /// Checks a modify that leaves `leaves_lots` working, `extra_lots` more
    /// than before, on `side`.
    pub fn check_modify(
        &self,
        exposure: &Exposure,
        side: Side,
        new_qty_lots: i64,
        extra_lots: i64,
    ) -> Result<(), Reason> {
        self.check_size(new_qty_lots)?;
        if extra_lots > 0 {
            self.check_position(exposure, side, extra_lots)?;
        }
        Ok(())
    }

    fn check_size(&self, qty_lots: i64) -> Result<(), Reason> {
        match self.max_order_lots {
            Some(max_lots) if qty_lots > max_lots => {
                Err(Reason::MaxOrderSize { qty_lots, max_lots })
            }
            _ => Ok(()),
        }
    }

    fn check_position(&self, exposure: &Exposure, side: Side, qty_lots: i64) -> Result<(), Reason> {
        let Some(max_lots) = self.max_position_lots else {
            return Ok(());
        };
        let worst_position_lots = match side {
            Side::Buy => exposure.position_lots + exposure.open_buy_lots + qty_lots,
            Side::Sell => exposure.position_lots - exposure.open_sell_lots - qty_lots,
            Side::None => exposure.position_lots,
        };
        if worst_position_lots.abs() > max_lots {
            return Err(Reason::MaxPosition {
                worst_position_lots,
                max_lots,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn position_limit_counts_open_orders() {
        let limits = RiskLimits {
            max_position_lots: Some(5),
            ..RiskLimits::default()
        };
        let exposure = Exposure {
            position_lots: 2,
            open_buy_lots: 2,
            ..Exposure::default()
        };
        assert!(limits.check_new(&exposure, Side::Buy, 1).is_ok());
        assert_eq!(
            limits.check_new(&exposure, Side::Buy, 2),
            Err(Reason::MaxPosition {
                worst_position_lots: 6,
                max_lots: 5
            })
        );
        assert!(limits.check_new(&exposure, Side::Sell, 7).is_ok());
    }
}
