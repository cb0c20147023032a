//! What a strategy can ask of the exchange: order types, time in force, the
//! order state machine, and the requests themselves.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::market::Side;

/// Largest number of orders a strategy may send in one batch call.
pub const MAX_BATCH_ORDERS: usize = 100;

/// Identity of one of our orders, unique within a run; ids count up from 1 in
/// the order the strategy submitted them, so two runs number orders alike.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct OrderId(pub u64);

impl fmt::Display for OrderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// How an order is priced.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderType {
    /// Trades at its limit price or better; the rest waits in the book.
    Limit,
    /// Trades at whatever the book offers until filled or the book runs out.
    Market,
    /// Waits unseen until a trade at or through the stop price, then acts as
    /// a market order.
    StopMarket,
    /// Waits unseen until a trade at or through the stop price, then acts as
    /// a limit order at its limit price.
    StopLimit,
}

impl OrderType {
    /// True for the two stop types.
    pub fn is_stop(self) -> bool {
        matches!(self, OrderType::StopMarket | OrderType::StopLimit)
    }

    /// True when the order carries a limit price.
    pub fn has_limit(self) -> bool {
        matches!(self, OrderType::Limit | OrderType::StopLimit)
    }
}

/// How long an order may live and whether it may take liquidity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum TimeInForce {
    /// Good till canceled: what is not filled at once rests in the book.
    #[default]
    Gtc,
    /// Immediate or cancel: fills what it can at once, the rest is canceled.
    Ioc,
    /// Fill or kill: fills whole at once or expires with no fill.
    Fok,
    /// Post only (GTX): rests in the book or is rejected if it would cross.
    PostOnly,
}

/// Where an order stands, as the exchange last reported it.
///
/// `New → Accepted → PartiallyFilled → Filled | Canceled | Rejected | Expired`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderState {
    /// Sent by the strategy; the exchange has not answered yet.
    New,
    /// The exchange took the order: it rests in the book (or waits for its
    /// stop) with nothing filled yet.
    Accepted,
    /// Some quantity filled; the rest is still working.
    PartiallyFilled,
    /// Completely filled. Final.
    Filled,
    /// Canceled by the strategy, or the unfilled rest of an IOC or market
    /// order. Final.
    Canceled,
    /// Refused by pre-trade risk or by the exchange, with a reason. Final.
    Rejected,
    /// A fill-or-kill that could not fill whole. Final.
    Expired,
}

impl OrderState {
    /// True once nothing more can happen to the order.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            OrderState::Filled | OrderState::Canceled | OrderState::Rejected | OrderState::Expired
        )
    }

    /// True while the order may still fill.
    pub fn is_open(self) -> bool {
        !self.is_final()
    }
}

/// A new order as the strategy asks for it. Build one with the constructors
/// ([`OrderRequest::limit`], [`OrderRequest::market`], ...) and adjust the
/// time in force with [`OrderRequest::with_tif`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderRequest {
    /// Buy or sell ([`Side::None`] is refused).
    #[serde(with = "crate::sim::side_serde")]
    pub side: Side,
    /// Limit, market, stop-market or stop-limit.
    pub order_type: OrderType,
    /// Time in force.
    pub time_in_force: TimeInForce,
    /// Limit price in ticks (ignored for market and stop-market orders).
    pub price_ticks: i64,
    /// Stop price in ticks (stop orders only).
    pub stop_price_ticks: i64,
    /// Quantity in lots, at least 1.
    pub qty_lots: i64,
}

impl OrderRequest {
    /// A good-till-canceled limit order.
    pub fn limit(side: Side, price_ticks: i64, qty_lots: i64) -> Self {
        OrderRequest {
            side,
            order_type: OrderType::Limit,
            time_in_force: TimeInForce::Gtc,
            price_ticks,
            stop_price_ticks: 0,
            qty_lots,
        }
    }

    /// A market order: takes what the book offers, the rest is canceled.
    pub fn market(side: Side, qty_lots: i64) -> Self {
        OrderRequest {
            order_type: OrderType::Market,
            time_in_force: TimeInForce::Ioc,
            ..Self::limit(side, 0, qty_lots)
        }
    }

    /// A stop-market order: a market order once a trade reaches the stop.
    pub fn stop_market(side: Side, stop_price_ticks: i64, qty_lots: i64) -> Self {
        OrderRequest {
            order_type: OrderType::StopMarket,
            time_in_force: TimeInForce::Ioc,
            stop_price_ticks,
            ..Self::limit(side, 0, qty_lots)
        }
    }

    /// A stop-limit order: a limit order at `price_ticks` once a trade
    /// reaches the stop.
    pub fn stop_limit(side: Side, stop_price_ticks: i64, price_ticks: i64, qty_lots: i64) -> Self {
        OrderRequest {
            order_type: OrderType::StopLimit,
            stop_price_ticks,
            ..Self::limit(side, price_ticks, qty_lots)
        }
    }

    /// The same order with another time in force.
    #[must_use]
    pub fn with_tif(mut self, time_in_force: TimeInForce) -> Self {
        self.time_in_force = time_in_force;
        self
    }

    /// Checks what can be checked before sending: side, quantity, and that
    /// the time in force fits the type.
    pub fn validate(&self) -> Result<(), OrderError> {
        if self.side == Side::None {
            return Err(OrderError::NoSide);
        }
        if self.qty_lots <= 0 {
            return Err(OrderError::NonPositiveQty {
                qty_lots: self.qty_lots,
            });
        }
        if self.time_in_force == TimeInForce::PostOnly
            && matches!(self.order_type, OrderType::Market | OrderType::StopMarket)
        {
            return Err(OrderError::PostOnlyMarket);
        }
        Ok(())
    }
}

/// A request the strategy made that cannot be sent at all. Pre-trade risk
/// breaches are not errors: they come back as a `Rejected` order update.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum OrderError {
    /// The side was neither buy nor sell.
    #[error("an order must be a buy or a sell")]
    NoSide,
    /// Zero or negative quantity.
    #[error("order quantity must be at least 1 lot, got {qty_lots}")]
    NonPositiveQty {
        /// The quantity asked for, in lots.
        qty_lots: i64,
    },
    /// A market or stop-market order cannot be post-only.
    #[error("a market order cannot be post-only")]
    PostOnlyMarket,
    /// More orders in one batch than allowed.
    #[error("a batch holds at most {max} orders, got {len}")]
    BatchTooLarge {
        /// Orders in the batch.
        len: usize,
        /// The limit ([`MAX_BATCH_ORDERS`]).
        max: usize,
    },
    /// The strategy has no open order with this id (never sent, or already
    /// filled, canceled, rejected or expired as far as it knows).
    #[error("no open order {0}")]
    UnknownOrder(OrderId),
    /// Only limit orders can be modified.
    #[error("order {0} is not a limit order and cannot be modified")]
    NotModifiable(OrderId),
    /// A modify must leave more than what is already filled.
    #[error("order {id}: new quantity {qty_lots} lots is not above the {filled_lots} lots already filled")]
    ModifyBelowFilled {
        /// The order.
        id: OrderId,
        /// New total quantity asked for, in lots.
        qty_lots: i64,
        /// Quantity already filled, in lots.
        filled_lots: i64,
    },
    /// An order for an instrument the run does not have.
    #[error("no instrument {symbol:?} in this run; it has: {symbols}")]
    UnknownSymbol {
        /// The symbol asked for.
        symbol: String,
        /// The run's symbols, comma separated.
        symbols: String,
    },
    /// A timer was asked for at a negative delay.
    #[error("a timer delay cannot be negative, got {delay_ns} ns")]
    NegativeDelay {
        /// The delay asked for, in ns.
        delay_ns: i64,
    },
}

/// What travels from the strategy to the exchange.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum OrderMsg {
    /// A new order.
    New {
        id: OrderId,
        request: OrderRequest,
        /// Local mid when the strategy sent it, in ticks (for slippage).
        mid_at_send_ticks: Option<f64>,
        /// Local time the strategy sent it, ns.
        sent_local_ts: i64,
    },
    /// Cancel an order.
    Cancel { id: OrderId },
    /// Change price and total quantity of a resting limit order.
    Modify {
        id: OrderId,
        price_ticks: i64,
        qty_lots: i64,
    },
}
