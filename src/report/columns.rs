//! The columns of the three tables a run writes, from its rows: which
//! column holds what, in which unit. Names (sides, states, reasons) come
//! from fixed lists, one per column, so that no row allocates a string;
//! the lists are the names serde gives the enums (see the tests).

use crate::market::{Instrument, Side};
use crate::report::table::{Table, NO_LABEL};
use crate::sim::record::{EquitySample, FillRecord};
use crate::sim::update::{OrderUpdate, Reason};

// The enums behind the lists: `crate::sim::order::{OrderState, OrderType,
// TimeInForce}`, `crate::sim::record::SampleCause`,
// `crate::sim::update::{Liquidity, UpdateKind}`.

/// Names of [`Side`], in code order.
const SIDES: &[&str] = &["buy", "sell", "none"];
/// Names of `UpdateKind`, in code order.
const UPDATE_KINDS: &[&str] = &[
    "accepted",
    "fill",
    "modified",
    "triggered",
    "canceled",
    "rejected",
    "expired",
    "cancel_rejected",
    "modify_rejected",
];
/// Names of `OrderState`, in code order.
const ORDER_STATES: &[&str] = &[
    "new",
    "accepted",
    "partially_filled",
    "filled",
    "canceled",
    "rejected",
    "expired",
];
/// Names of `OrderType`, in code order.
const ORDER_TYPES: &[&str] = &["limit", "market", "stop_market", "stop_limit"];
/// Names of `TimeInForce`, in code order.
const TIMES_IN_FORCE: &[&str] = &["gtc", "ioc", "fok", "post_only"];
/// Names of `Liquidity`, in code order.
const LIQUIDITY: &[&str] = &["maker", "taker"];
/// Names of `SampleCause`, in code order.
const SAMPLE_CAUSES: &[&str] = &["fill", "step", "final", "funding"];
/// Names of [`Reason`], in the order of [`reason_code`].
const REASONS: &[&str] = &[
    "max_order_size",
    "max_position",
    "max_open_orders",
    "post_only_would_cross",
    "fill_or_kill",
    "immediate_or_cancel",
    "no_liquidity",
    "liquidity_limit",
    "user_cancel",
    "too_late",
    "unknown_order",
    "not_modifiable",
    "modify_below_filled",
    "insufficient_margin",
    "liquidation",
    "market_state",
    "warmup",
];

/// The index of `reason`'s name in [`REASONS`].
fn reason_code(reason: &Reason) -> u8 {
    match reason {
        Reason::MaxOrderSize { .. } => 0,
        Reason::MaxPosition { .. } => 1,
        Reason::MaxOpenOrders { .. } => 2,
        Reason::PostOnlyWouldCross => 3,
        Reason::FillOrKill => 4,
        Reason::ImmediateOrCancel => 5,
        Reason::NoLiquidity => 6,
        Reason::LiquidityLimit { .. } => 7,
        Reason::UserCancel => 8,
        Reason::TooLate => 9,
        Reason::UnknownOrder => 10,
        Reason::NotModifiable => 11,
        Reason::ModifyBelowFilled => 12,
        Reason::InsufficientMargin { .. } => 13,
        Reason::Liquidation { .. } => 14,
        Reason::MarketState { .. } => 15,
        Reason::Warmup => 16,
    }
}

/// The figures behind a reason, in words, for the reasons that carry any.
fn reason_detail(reason: &Reason) -> Option<String> {
    match reason {
        Reason::MaxOrderSize { .. }
        | Reason::MaxPosition { .. }
        | Reason::MaxOpenOrders { .. }
        | Reason::LiquidityLimit { .. }
        | Reason::InsufficientMargin { .. }
        | Reason::Liquidation { .. }
        | Reason::MarketState { .. } => Some(reason.to_string()),
        _ => None,
    }
}

fn side_code(side: Side) -> u8 {
    side as u8
}

/// Fills `table` with one row per fill piece of `f`.
pub(crate) fn fill_rows_into(f: &[FillRecord], inst: &Instrument, table: &mut Table) {
    table
        .refill()
        .timestamp("exch_ts", f.iter().map(|x| x.exch_ts_ns))
        .timestamp("local_ts", f.iter().map(|x| x.local_ts_ns))
        .int("order_id", f.iter().map(|x| x.order_id.0 as i64))
        .label("side", SIDES, f.iter().map(|x| side_code(x.side)))
        .float(
            "price",
            f.iter().map(|x| Some(inst.price_from_ticks(x.price_ticks))),
        )
        .float(
            "qty",
            f.iter().map(|x| Some(inst.qty_from_lots(x.qty_lots))),
        )
        .int("price_ticks", f.iter().map(|x| x.price_ticks))
        .int("qty_lots", f.iter().map(|x| x.qty_lots))
        .label("liquidity", LIQUIDITY, f.iter().map(|x| x.liquidity as u8))
        .float("fee", f.iter().map(|x| Some(x.fee)))
        .int("time_in_queue_ns", f.iter().map(|x| x.time_in_queue_ns))
        .float("slippage_ticks", f.iter().map(|x| x.slippage_ticks))
        .int("position_lots", f.iter().map(|x| x.position_after_lots));
}

/// Fills `table` with one row per equity sample of `e`.
pub(crate) fn equity_rows_into(e: &[EquitySample], inst: &Instrument, table: &mut Table) {
    let tick = inst.tick_size;
    table
        .refill()
        .timestamp("ts", e.iter().map(|x| x.ts_ns))
        .label("cause", SAMPLE_CAUSES, e.iter().map(|x| x.cause as u8))
        .int("position_lots", e.iter().map(|x| x.account.position_lots))
        .float(
            "avg_entry_price",
            e.iter().map(|x| {
                (x.account.position_lots != 0).then_some(x.account.avg_entry_ticks * tick)
            }),
        )
        .float("cash", e.iter().map(|x| Some(x.account.cash)))
        .float(
            "realized_pnl",
            e.iter().map(|x| Some(x.account.realized_pnl)),
        )
        .float(
            "unrealized_pnl",
            e.iter().map(|x| Some(x.account.unrealized_pnl)),
        )
        .float("fees", e.iter().map(|x| Some(x.account.fees_paid)))
        .float(
            "funding_paid",
            e.iter().map(|x| Some(x.account.funding_paid)),
        )
        .float("equity", e.iter().map(|x| Some(x.account.equity)))
        .float(
            "mark_price",
            e.iter().map(|x| Some(x.account.mark_ticks * tick)),
        );
}

/// Fills `table` with one row per order update of `o`.
pub(crate) fn order_rows_into(o: &[OrderUpdate], inst: &Instrument, table: &mut Table) {
    table
        .refill()
        .timestamp("exch_ts", o.iter().map(|x| x.exch_ts_ns))
        .timestamp("local_ts", o.iter().map(|x| x.local_ts_ns))
        .int("order_id", o.iter().map(|x| x.order_id.0 as i64))
        .label("event", UPDATE_KINDS, o.iter().map(|x| x.kind as u8))
        .label("state", ORDER_STATES, o.iter().map(|x| x.state as u8))
        .label("side", SIDES, o.iter().map(|x| side_code(x.side)))
        .label(
            "order_type",
            ORDER_TYPES,
            o.iter().map(|x| x.order_type as u8),
        )
        .label(
            "time_in_force",
            TIMES_IN_FORCE,
            o.iter().map(|x| x.time_in_force as u8),
        )
        .float(
            "price",
            o.iter().map(|x| {
                x.order_type
                    .has_limit()
                    .then(|| inst.price_from_ticks(x.price_ticks))
            }),
        )
        .float(
            "stop_price",
            o.iter().map(|x| {
                x.order_type
                    .is_stop()
                    .then(|| inst.price_from_ticks(x.stop_price_ticks))
            }),
        )
        .float(
            "qty",
            o.iter().map(|x| Some(inst.qty_from_lots(x.qty_lots))),
        )
        .float(
            "filled",
            o.iter().map(|x| Some(inst.qty_from_lots(x.filled_lots))),
        )
        .float(
            "fill_price",
            o.iter()
                .map(|x| x.fill.map(|f| inst.price_from_ticks(f.price_ticks))),
        )
        .float(
            "fill_qty",
            o.iter()
                .map(|x| x.fill.map(|f| inst.qty_from_lots(f.qty_lots))),
        )
        .label(
            "reason",
            REASONS,
            o.iter()
                .map(|x| x.reason.as_ref().map_or(NO_LABEL, reason_code)),
        )
        .text(
            "reason_detail",
            o.iter().map(|x| x.reason.as_ref().and_then(reason_detail)),
        );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::order::{OrderState, OrderType, TimeInForce};
    use crate::sim::record::SampleCause;
    use crate::sim::update::{Liquidity, UpdateKind};

    fn serde_name<T: serde::Serialize>(value: &T) -> String {
        match serde_json::to_value(value).unwrap() {
            serde_json::Value::String(s) => s,
            serde_json::Value::Object(map) => map["reason"].as_str().unwrap().to_owned(),
            other => panic!("{other}"),
        }
    }

    #[test]
    fn the_name_lists_are_the_serde_names_in_code_order() {
        for (i, v) in [
            UpdateKind::Accepted,
            UpdateKind::Fill,
            UpdateKind::Modified,
            UpdateKind::Triggered,
            UpdateKind::Canceled,
            UpdateKind::Rejected,
            UpdateKind::Expired,
            UpdateKind::CancelRejected,
            UpdateKind::ModifyRejected,
        ]
        .iter()
        .enumerate()
        {
            assert_eq!(*v as usize, i);
            assert_eq!(UPDATE_KINDS[i], serde_name(v));
        }
        assert_eq!(UPDATE_KINDS.len(), 9);
        for (i, v) in [
            OrderState::New,
            OrderState::Accepted,
            OrderState::PartiallyFilled,
            OrderState::Filled,
            OrderState::Canceled,
            OrderState::Rejected,
            OrderState::Expired,
        ]
        .iter()
        .enumerate()
        {
            assert_eq!(*v as usize, i);
            assert_eq!(ORDER_STATES[i], serde_name(v));
        }
        assert_eq!(ORDER_STATES.len(), 7);
        for (i, v) in [
            OrderType::Limit,
            OrderType::Market,
            OrderType::StopMarket,
            OrderType::StopLimit,
        ]
        .iter()
        .enumerate()
        {
            assert_eq!(*v as usize, i);
            assert_eq!(ORDER_TYPES[i], serde_name(v));
        }
        for (i, v) in [
            TimeInForce::Gtc,
            TimeInForce::Ioc,
            TimeInForce::Fok,
            TimeInForce::PostOnly,
        ]
        .iter()
        .enumerate()
        {
            assert_eq!(*v as usize, i);
            assert_eq!(TIMES_IN_FORCE[i], serde_name(v));
        }
        for (i, v) in [Liquidity::Maker, Liquidity::Taker].iter().enumerate() {
            assert_eq!(*v as usize, i);
            assert_eq!(LIQUIDITY[i], serde_name(v));
        }
        for (i, v) in [SampleCause::Fill, SampleCause::Step, SampleCause::Final]
            .iter()
            .enumerate()
        {
            assert_eq!(*v as usize, i);
            assert_eq!(SAMPLE_CAUSES[i], serde_name(v));
        }
        for (i, v) in [Side::Buy, Side::Sell, Side::None].iter().enumerate() {
            assert_eq!(usize::from(side_code(*v)), i);
            assert_eq!(SIDES[i], v.to_string());
        }
    }

    #[test]
    fn every_reason_has_its_serde_name() {
        let reasons = [
            Reason::MaxOrderSize {
                qty_lots: 1,
                max_lots: 0,
            },
            Reason::MaxPosition {
                worst_position_lots: 6,
                max_lots: 5,
            },
            Reason::MaxOpenOrders {
                open_orders: 3,
                max: 2,
            },
            Reason::PostOnlyWouldCross,
            Reason::FillOrKill,
            Reason::ImmediateOrCancel,
            Reason::NoLiquidity,
            Reason::LiquidityLimit {
                qty_lots: 9,
                max_lots: 4,
            },
            Reason::UserCancel,
            Reason::TooLate,
            Reason::UnknownOrder,
            Reason::NotModifiable,
            Reason::ModifyBelowFilled,
            Reason::InsufficientMargin {
                worst_lots: 110,
                price_ticks: 96,
                required_margin: 1056.0,
                equity: 1000.0,
            },
            Reason::Liquidation {
                equity: 406.0,
                maintenance_margin: 420.75,
            },
            Reason::MarketState {
                state: crate::market::MarketState::PreOpen,
            },
            Reason::Warmup,
        ];
        assert_eq!(reasons.len(), REASONS.len());
        for (i, reason) in reasons.iter().enumerate() {
            assert_eq!(usize::from(reason_code(reason)), i);
            assert_eq!(REASONS[i], serde_name(reason));
        }
        assert_eq!(
            reason_detail(&reasons[1]).as_deref(),
            Some("worst-case position 6 lots would exceed the maximum 5")
        );
        assert_eq!(reason_detail(&Reason::UserCancel), None);
    }
}
