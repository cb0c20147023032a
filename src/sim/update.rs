//! What the exchange tells the strategy about its orders: order updates,
//! fills, and the reasons behind rejections and cancels.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::market::{MarketState, Side};
use crate::sim::order::{OrderId, OrderState, OrderType, TimeInForce};

/// Whether a fill added liquidity to the book or took it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Liquidity {
    /// Our resting order was hit: maker fee (often a rebate).
    Maker,
    /// Our order crossed the spread: taker fee.
    Taker,
}

/// One piece of an order's execution.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Fill {
    /// Execution price in ticks.
    pub price_ticks: i64,
    /// Quantity filled in this piece, in lots.
    pub qty_lots: i64,
    /// Maker or taker.
    pub liquidity: Liquidity,
    /// Fee charged for this piece in currency units (negative = rebate).
    pub fee: f64,
    /// Time the order waited in the book at its current priority before this
    /// piece, in ns (0 for taker fills).
    pub time_in_queue_ns: i64,
    /// How much worse than the local mid at send time this piece executed,
    /// in ticks (negative = better); `None` when there was no mid.
    pub slippage_ticks: Option<f64>,
}

/// What an order update reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UpdateKind {
    /// The exchange took the order.
    Accepted,
    /// A piece of the order filled; see [`OrderUpdate::fill`].
    Fill,
    /// A modify took effect (new price and/or quantity).
    Modified,
    /// A stop order's stop price was reached: it now works as a market or
    /// limit order.
    Triggered,
    /// The order was canceled (by the strategy, or the rest of an IOC).
    Canceled,
    /// The order was refused; see [`OrderUpdate::reason`].
    Rejected,
    /// A fill-or-kill could not fill whole.
    Expired,
    /// A cancel arrived too late or for an unknown order; the order's state
    /// is unchanged.
    CancelRejected,
    /// A modify could not be applied; the order's state is unchanged.
    ModifyRejected,
}

/// Why an order was rejected, canceled, or a request refused.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Reason {
    /// Pre-trade risk: the order is larger than the maximum order size.
    MaxOrderSize {
        /// Order quantity in lots.
        qty_lots: i64,
        /// Limit in lots.
        max_lots: i64,
    },
    /// Pre-trade risk: if every open order on that side filled, the position
    /// would pass the maximum.
    MaxPosition {
        /// Worst-case position in lots, signed.
        worst_position_lots: i64,
        /// Limit in lots (absolute).
        max_lots: i64,
    },
    /// Pre-trade risk: too many open orders.
    MaxOpenOrders {
        /// Open orders counted, including this one.
        open_orders: usize,
        /// Limit.
        max: usize,
    },
    /// A post-only order would have crossed the spread.
    PostOnlyWouldCross,
    /// A fill-or-kill could not fill its whole quantity at once.
    FillOrKill,
    /// The unfilled rest of an IOC or market order.
    ImmediateOrCancel,
    /// Nothing to trade against on the other side of the book.
    NoLiquidity,
    /// The order is larger than the allowed share of the visible volume
    /// (impact model's liquidity limit).
    LiquidityLimit {
        /// Order quantity in lots.
        qty_lots: i64,
        /// Largest quantity allowed, in lots.
        max_lots: i64,
    },
    /// Canceled at the strategy's request.
    UserCancel,
    /// The order was already filled, canceled or expired at the exchange.
    TooLate,
    /// The exchange knows no order with this id.
    UnknownOrder,
    /// Only resting limit orders can be modified.
    NotModifiable,
    /// The new quantity is not above what has filled.
    ModifyBelowFilled,
    /// Pre-trade margin: the initial margin of the worst-case position the
    /// order would allow exceeds the account's equity (see `sim::margin`).
    InsufficientMargin {
        /// Worst-case position with the order, lots (absolute).
        worst_lots: i64,
        /// The price it is valued at, ticks.
        price_ticks: i64,
        /// Initial margin it needs, currency units.
        required_margin: f64,
        /// Equity of the account, currency units.
        equity: f64,
    },
    /// The venue liquidated the account: equity fell below the maintenance
    /// margin. Open orders are canceled with this reason, and the order that
    /// closes the position carries it on every update.
    Liquidation {
        /// Equity when it happened, currency units.
        equity: f64,
        /// Maintenance margin of the position, currency units.
        maintenance_margin: f64,
    },
    /// Sent during the warm-up, before the run's start: trading is
    /// disabled while the strategy warms up.
    Warmup,
    /// The venue is not in continuous trading (pre-open, halted, closed):
    /// an order that must execute at once (market, IOC, FOK) cannot.
    MarketState {
        /// The venue's state when the order arrived.
        state: MarketState,
    },
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Reason::MaxOrderSize { qty_lots, max_lots } => {
                write!(
                    f,
                    "order size {qty_lots} lots exceeds the maximum {max_lots}"
                )
            }
            Reason::MaxPosition {
                worst_position_lots,
                max_lots,
            } => write!(
                f,
                "worst-case position {worst_position_lots} lots would exceed the maximum {max_lots}"
            ),
            Reason::MaxOpenOrders { open_orders, max } => {
                write!(
                    f,
                    "{open_orders} open orders would exceed the maximum {max}"
                )
            }
            Reason::PostOnlyWouldCross => f.write_str("post-only order would cross the spread"),
            Reason::FillOrKill => f.write_str("fill-or-kill order could not fill whole"),
            Reason::ImmediateOrCancel => f.write_str("unfilled rest of an immediate order"),
            Reason::NoLiquidity => f.write_str("no liquidity on the other side"),
            Reason::LiquidityLimit { qty_lots, max_lots } => write!(
                f,
                "order of {qty_lots} lots exceeds the liquidity limit of {max_lots} lots"
            ),
            Reason::UserCancel => f.write_str("canceled by the strategy"),
            Reason::Warmup => f.write_str("warm-up: trading starts at the run's start"),
            Reason::TooLate => f.write_str("order already closed at the exchange"),
            Reason::UnknownOrder => f.write_str("unknown order"),
            Reason::NotModifiable => f.write_str("order cannot be modified"),
            Reason::ModifyBelowFilled => f.write_str("new quantity not above the filled quantity"),
            Reason::InsufficientMargin {
                worst_lots,
                price_ticks,
                required_margin,
                equity,
            } => write!(
                f,
                "insufficient margin: {worst_lots} lots at {price_ticks} ticks need {} \
                 initial margin, equity is {}",
                Money(required_margin),
                Money(equity)
            ),
            Reason::Liquidation {
                equity,
                maintenance_margin,
            } => write!(
                f,
                "liquidation: equity {} below maintenance margin {}",
                Money(equity),
                Money(maintenance_margin)
            ),
            Reason::MarketState { state } => {
                write!(f, "market {state}: no continuous matching")
            }
        }
    }
}

/// Money in a message: at most 8 decimals (a satoshi), trailing zeros cut.
struct Money(f64);

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = format!("{:.8}", self.0);
        let text = text.trim_end_matches('0').trim_end_matches('.');
        f.write_str(if text == "-0" { "0" } else { text })
    }
}

/// One message from the exchange about one of our orders, as the strategy
/// receives it after the response latency.
///
/// It carries the whole order as the exchange saw it when it sent the
/// message, so the strategy never has to reconstruct state.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct OrderUpdate {
    /// The order.
    pub order_id: OrderId,
    /// What happened.
    pub kind: UpdateKind,
    /// The order's state after it happened.
    pub state: OrderState,
    /// Buy or sell.
    #[serde(with = "crate::sim::side_serde")]
    pub side: Side,
    /// Order type.
    pub order_type: OrderType,
    /// Time in force.
    pub time_in_force: TimeInForce,
    /// Limit price in ticks (0 for market orders).
    pub price_ticks: i64,
    /// Stop price in ticks (0 for non-stop orders).
    pub stop_price_ticks: i64,
    /// Total order quantity in lots.
    pub qty_lots: i64,
    /// Quantity filled so far, in lots.
    pub filled_lots: i64,
    /// Average price of everything filled so far, in ticks (0 when nothing).
    pub avg_fill_price_ticks: f64,
    /// The piece filled by this update, when `kind` is [`UpdateKind::Fill`].
    pub fill: Option<Fill>,
    /// Why, for rejections, cancels, expiries and refused requests, and on
    /// every update of a liquidation.
    pub reason: Option<Reason>,
    /// Exchange time at which it happened, ns.
    pub exch_ts_ns: i64,
    /// Local time at which the strategy learns of it, ns.
    pub local_ts_ns: i64,
}

impl OrderUpdate {
    /// Quantity still working, in lots (0 once the order is final).
    pub fn leaves_lots(&self) -> i64 {
        if self.state.is_final() {
            0
        } else {
            self.qty_lots - self.filled_lots
        }
    }
}
