//! Pre-trade margin: whether the account can afford an order, checked at
//! the gateway with what the strategy knows (its account, its open orders,
//! its local book), like a venue's order-cost check.
//!
//! The rule. Count, in lots, the worst case on each side if every open order
//! filled (orders sent and not yet final, stops included):
//!
//! - worst-case long `L = max(0, position + open buy lots)`,
//! - worst-case short `S = max(0, open sell lots − position)`,
//!
//! so that orders reducing the position need no margin. A new order adds its
//! lots to its side. It is accepted when it does not raise `max(L, S)`, or
//! when
//!
//! `initial_margin_rate × notional(max(L, S) lots at the order's price) ≤ equity`,
//!
//! with equity marked at the local mid (at the order's price without one).
//! Otherwise it is rejected with [`Reason::InsufficientMargin`]. The order's
//! price is its limit price (limit and stop-limit), its stop price
//! (stop-market), or the best price on the other side of the local book
//! (market; the local mid without one). A market order with neither is not
//! checked: the exchange answers it `no_liquidity`. A modify is checked the
//! same way with its new quantity at its new price, in place of the old
//! one; a modify that only moves the price never raises `max(L, S)`.
//!
//! With the default `initial_margin_rate = 1.0` the account is fully
//! funded: it cannot buy (or sell short) more than its equity is worth.

use crate::market::Side;
use crate::sim::account::Account;
use crate::sim::risk::Exposure;
use crate::sim::update::Reason;

/// The worst-case position, in lots (absolute), if every open order of
/// `exposure` filled and an order of `extra_lots` on `side` did too.
pub fn worst_case_lots(exposure: &Exposure, side: Side, extra_lots: i64) -> i64 {
    let (extra_buy, extra_sell) = match side {
        Side::Buy => (extra_lots, 0),
        Side::Sell => (0, extra_lots),
        Side::None => (0, 0),
    };
    let long = (exposure.position_lots + exposure.open_buy_lots + extra_buy).max(0);
    let short = (exposure.open_sell_lots + extra_sell - exposure.position_lots).max(0);
    long.max(short)
}

/// Checks an order that takes the worst case from `before_lots` to
/// `worst_lots`, valued at `price_ticks`, against `account` marked at
/// `mark_ticks` (see the module docs).
pub(crate) fn check_order(
    account: &Account,
    before_lots: i64,
    worst_lots: i64,
    price_ticks: i64,
    mark_ticks: f64,
) -> Result<(), Reason> {
    if worst_lots <= before_lots {
        return Ok(());
    }
    let required_margin = account.initial_margin(price_ticks as f64, worst_lots);
    let equity = account.equity(mark_ticks);
    if required_margin <= equity {
        return Ok(());
    }
    Err(Reason::InsufficientMargin {
        worst_lots,
        price_ticks,
        required_margin,
        equity,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::market::Instrument;

    /// Tick 1, lot 1, 10× leverage: one lot at 100 ticks needs 10 of margin.
    fn account(cash: f64) -> Account {
        let mut inst = Instrument::new("X", 1.0, 1.0);
        inst.initial_margin_rate = 0.1;
        Account::new(&inst, cash)
    }

    #[test]
    fn orders_that_reduce_never_need_margin() {
        let exposure = Exposure {
            position_lots: 10,
            open_sell_lots: 4,
            ..Exposure::default()
        };
        // Selling 16 more: short side 4 + 16 − 10 = 10, not above the long 10.
        assert_eq!(worst_case_lots(&exposure, Side::Sell, 16), 10);
        assert_eq!(worst_case_lots(&exposure, Side::Sell, 17), 11);
        let acc = account(0.0);
        let worst = worst_case_lots(&exposure, Side::Sell, 16);
        assert!(check_order(&acc, 10, worst, 100, 100.0).is_ok());
    }

    #[test]
    fn an_order_beyond_equity_is_refused_with_the_figures() {
        let exposure = Exposure {
            open_buy_lots: 5,
            ..Exposure::default()
        };
        let acc = account(100.0);
        // 5 open + 5 new = 10 lots at 100 → 0.1 × 1,000 = 100 ≤ 100.
        let ten = worst_case_lots(&exposure, Side::Buy, 5);
        assert!(check_order(&acc, 5, ten, 100, 100.0).is_ok());
        let eleven = worst_case_lots(&exposure, Side::Buy, 6);
        assert_eq!(
            check_order(&acc, 5, eleven, 100, 100.0),
            Err(Reason::InsufficientMargin {
                worst_lots: 11,
                price_ticks: 100,
                required_margin: 110.0,
                equity: 100.0,
            })
        );
    }
}
