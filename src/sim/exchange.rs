//! The exchange processor: our orders as the venue sees them, matched against
//! the exchange-side book at exchange time.
//!
//! This file holds the order book of our own orders and what happens when an
//! order message arrives (new, cancel, modify). Aggressive execution is in
//! `taker.rs`; what market data does to resting orders is in `passive.rs`.
//!
//! Our orders are invisible to the market data: they never appear in the L2
//! book, and our aggressive orders never trade against our own resting ones.

use std::collections::VecDeque;

use crate::book::L2Book;
use crate::market::{Side, StateTracker};
use crate::sim::consumed::Consumed;
use crate::sim::contract::ContractValue;
use crate::sim::fees::FeeModel;
use crate::sim::id_hash::IdMap;
use crate::sim::impact::ImpactModel;
use crate::sim::order::{OrderId, OrderMsg, OrderRequest, OrderState, OrderType, TimeInForce};
use crate::sim::queue::{QueueModel, QueueOrder, QueuePos};
use crate::sim::update::{Fill, Liquidity, OrderUpdate, Reason, UpdateKind};

/// One of our orders at the exchange.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ExchOrder {
    pub id: OrderId,
    pub req: OrderRequest,
    pub filled_lots: i64,
    /// Σ price·qty of the fills, ticks·lots (exact below 2^53).
    pub filled_value: f64,
    pub state: OrderState,
    pub queue: QueuePos,
    /// Market volume at the order's price when last seen, lots.
    pub level_lots: i64,
    /// Exchange time at which the order took its current queue priority.
    pub priority_ts: i64,
    pub mid_at_send_ticks: Option<f64>,
}

impl ExchOrder {
    #[inline]
    pub fn leaves_lots(&self) -> i64 {
        self.req.qty_lots - self.filled_lots
    }

    #[inline]
    pub fn queue_order(&self) -> QueueOrder {
        QueueOrder {
            id: self.id,
            side: self.req.side,
            price_ticks: self.req.price_ticks,
        }
    }
}

/// A change of an order's queue estimate, shown to the strategy once it has
/// seen the market event that caused it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct QueueChange {
    /// Exchange-side data events processed when the change happened.
    pub as_of_event: u64,
    pub id: OrderId,
    pub ahead_lots: i64,
    pub level_lots: i64,
}

/// The models the exchange uses.
pub(crate) struct ExchangeModels {
    pub queue: Box<dyn QueueModel>,
    pub fees: Box<dyn FeeModel>,
    pub impact: Option<Box<dyn ImpactModel>>,
}

/// The exchange-side state: market book, our orders, and what they produced.
pub(crate) struct Exchange {
    /// The market as the exchange sees it, at exchange time.
    pub book: L2Book,
    pub consumed: Consumed,
    /// Our limit orders resting in the book, in time priority.
    pub resting: Vec<ExchOrder>,
    /// Our stop orders waiting for their trigger, in arrival order.
    pub stops: Vec<ExchOrder>,
    pub models: ExchangeModels,
    /// What ticks and lots are worth (fees are charged on it).
    pub value: ContractValue,
    /// Updates produced, drained by the engine after each step.
    pub out: Vec<OrderUpdate>,
    /// Queue estimate changes, drained by the local side.
    pub queue_log: VecDeque<QueueChange>,
    /// Last update sent for each order id, to answer a cancel or modify
    /// that comes too late; forgotten once none can come (see
    /// [`Exchange::forget`]), so it holds about the orders working.
    last_sent: IdMap<OrderId, OrderUpdate>,
    /// Exchange time, ns.
    pub now_ns: i64,
    /// Market events processed.
    pub events: u64,
    /// Last trade seen: price in ticks and size in lots.
    pub last_trade: Option<(i64, i64)>,
    /// Scratch space for a walk of the book: (price, lots) pieces.
    pub(crate) pieces: Vec<(i64, i64)>,
    /// A level reached one of our orders during the current batch: check
    /// for a crossed order when the batch ends.
    pub(crate) cross_pending: bool,
    /// The venue's trading state at exchange time.
    pub(crate) state: StateTracker,
}

impl Exchange {
    pub(crate) fn new(models: ExchangeModels, value: ContractValue, infer_state: bool) -> Self {
        Exchange {
            book: L2Book::new(),
            consumed: Consumed::default(),
            resting: Vec::new(),
            stops: Vec::new(),
            models,
            value,
            out: Vec::new(),
            queue_log: VecDeque::new(),
            last_sent: IdMap::default(),
            now_ns: 0,
            events: 0,
            last_trade: None,
            pieces: Vec::new(),
            cross_pending: false,
            state: StateTracker::new(infer_state),
        }
    }

    /// Handles an order message arriving at exchange time `ts`.
    pub(crate) fn on_order_msg(&mut self, msg: OrderMsg, ts: i64) {
        self.now_ns = self.now_ns.max(ts);
        match msg {
            OrderMsg::New {
                id,
                request,
                mid_at_send_ticks,
                sent_local_ts: _,
            } => self.new_order(id, request, mid_at_send_ticks),
            OrderMsg::Cancel { id } => self.cancel(id),
            OrderMsg::Modify {
                id,
                price_ticks,
                qty_lots,
            } => self.modify(id, price_ticks, qty_lots),
        }
    }

    fn new_order(&mut self, id: OrderId, req: OrderRequest, mid_at_send_ticks: Option<f64>) {
        let mut order = ExchOrder {
            id,
            req,
            filled_lots: 0,
            filled_value: 0.0,
            state: OrderState::New,
            queue: QueuePos::default(),
            level_lots: 0,
            priority_ts: self.now_ns,
            mid_at_send_ticks,
        };
        if req.order_type.is_stop() {
            order.state = OrderState::Accepted;
            self.emit(&order, UpdateKind::Accepted, None, None);
            self.stops.push(order);
            return;
        }
        if let Some(reason) = self.refusal(&order) {
            order.state = OrderState::Rejected;
            self.emit(&order, UpdateKind::Rejected, None, Some(reason));
            return;
        }
        order.state = OrderState::Accepted;
        self.emit(&order, UpdateKind::Accepted, None, None);
        self.execute(order);
    }

    /// Why an order arriving now must be refused outright, if it must.
    fn refusal(&self, order: &ExchOrder) -> Option<Reason> {
        let state = self.state.state();
        if !state.is_trading() {
            // Nothing matches: an order that must execute at once cannot.
            let is_immediate = !order.req.order_type.has_limit()
                || matches!(order.req.time_in_force, TimeInForce::Ioc | TimeInForce::Fok);
            return is_immediate.then_some(Reason::MarketState { state });
        }
        let limit = order
            .req
            .order_type
            .has_limit()
            .then_some(order.req.price_ticks);
        let crosses = self.crosses(order.req.side, limit);
        if order.req.time_in_force == TimeInForce::PostOnly && crosses {
            return Some(Reason::PostOnlyWouldCross);
        }
        if crosses {
            if let Err(reason @ Reason::LiquidityLimit { .. }) =
                self.impact_price(order.req.side, order.leaves_lots())
            {
                return Some(reason);
            }
        }
        None
    }

    /// Works an order that may take liquidity (new, triggered, or re-priced):
    /// takes what it can, then rests, cancels or expires the rest according
    /// to its type and time in force.
    pub(crate) fn execute(&mut self, mut order: ExchOrder) {
        let limit = order
            .req
            .order_type
            .has_limit()
            .then_some(order.req.price_ticks);
        let tif = order.req.time_in_force;
        let is_trading = self.state.state().is_trading();
        if tif == TimeInForce::PostOnly && is_trading && self.crosses(order.req.side, limit) {
            // Only reached by a triggered stop-limit or a re-priced order.
            order.state = OrderState::Canceled;
            self.emit(
                &order,
                UpdateKind::Canceled,
                None,
                Some(Reason::PostOnlyWouldCross),
            );
            return;
        }
        if tif == TimeInForce::Fok
            && self.available_lots(order.req.side, limit, order.leaves_lots()) < order.leaves_lots()
        {
            order.state = OrderState::Expired;
            self.emit(&order, UpdateKind::Expired, None, Some(Reason::FillOrKill));
            return;
        }
        if tif != TimeInForce::PostOnly && is_trading {
            self.take(&mut order, limit);
        }
        if order.leaves_lots() == 0 {
            return;
        }
        let immediate = matches!(tif, TimeInForce::Ioc | TimeInForce::Fok) || limit.is_none();
        if immediate {
            let reason = if order.filled_lots == 0
                && self.book.best_price(order.req.side.opposite()).is_none()
            {
                Reason::NoLiquidity
            } else {
                Reason::ImmediateOrCancel
            };
            order.state = OrderState::Canceled;
            self.emit(&order, UpdateKind::Canceled, None, Some(reason));
            return;
        }
        self.rest(order);
    }

    /// Puts a limit order at the back of its level's queue.
    pub(crate) fn rest(&mut self, mut order: ExchOrder) {
        let level_lots = self.book.qty_at(order.req.side, order.req.price_ticks);
        order.queue = self.models.queue.on_entry(order.queue_order(), level_lots);
        order.level_lots = level_lots;
        order.priority_ts = self.now_ns;
        if order.req.order_type == OrderType::StopLimit {
            // A triggered stop-limit rests as a plain limit order.
            order.req.order_type = OrderType::Limit;
        }
        self.log_queue(&order);
        self.resting.push(order);
    }

    fn cancel(&mut self, id: OrderId) {
        if let Some(i) = self.resting.iter().position(|o| o.id == id) {
            let mut order = self.resting.remove(i);
            self.models.queue.on_exit(id);
            order.state = OrderState::Canceled;
            self.emit(&order, UpdateKind::Canceled, None, Some(Reason::UserCancel));
        } else if let Some(i) = self.stops.iter().position(|o| o.id == id) {
            let mut order = self.stops.remove(i);
            order.state = OrderState::Canceled;
            self.emit(&order, UpdateKind::Canceled, None, Some(Reason::UserCancel));
        } else {
            self.refuse_request(id, UpdateKind::CancelRejected);
        }
    }

    fn modify(&mut self, id: OrderId, price_ticks: i64, qty_lots: i64) {
        let Some(i) = self.resting.iter().position(|o| o.id == id) else {
            let kind = UpdateKind::ModifyRejected;
            if let Some(stop) = self.stops.iter().find(|o| o.id == id).copied() {
                self.emit(&stop, kind, None, Some(Reason::NotModifiable));
            } else {
                self.refuse_request(id, kind);
            }
            return;
        };
        let old = self.resting[i];
        if qty_lots <= old.filled_lots {
            self.emit(
                &old,
                UpdateKind::ModifyRejected,
                None,
                Some(Reason::ModifyBelowFilled),
            );
            return;
        }
        if price_ticks == old.req.price_ticks && qty_lots <= old.req.qty_lots {
            // A size decrease keeps the order's place in the queue.
            self.resting[i].req.qty_lots = qty_lots;
            let order = self.resting[i];
            self.emit(&order, UpdateKind::Modified, None, None);
            return;
        }
        let side = old.req.side;
        let is_trading = self.state.state().is_trading();
        if old.req.time_in_force == TimeInForce::PostOnly
            && is_trading
            && self.crosses(side, Some(price_ticks))
        {
            self.emit(
                &old,
                UpdateKind::ModifyRejected,
                None,
                Some(Reason::PostOnlyWouldCross),
            );
            return;
        }
        // A new price or a larger size loses priority: out, and in again at
        // the back (taking liquidity first if the new price crosses).
        let mut order = self.resting.remove(i);
        self.models.queue.on_exit(id);
        order.req.price_ticks = price_ticks;
        order.req.qty_lots = qty_lots;
        self.emit(&order, UpdateKind::Modified, None, None);
        if is_trading {
            self.take(&mut order, Some(price_ticks));
        }
        if order.leaves_lots() > 0 {
            self.rest(order);
        }
    }

    /// Answers a cancel or modify for an order that is no longer working.
    fn refuse_request(&mut self, id: OrderId, kind: UpdateKind) {
        match self.last_sent.get(&id).copied() {
            Some(mut last) => {
                last.kind = kind;
                last.fill = None;
                last.reason = Some(Reason::TooLate);
                last.exch_ts_ns = self.now_ns;
                self.out.push(last);
            }
            None => {
                let order = ExchOrder {
                    id,
                    req: OrderRequest::market(Side::None, 0),
                    filled_lots: 0,
                    filled_value: 0.0,
                    state: OrderState::Rejected,
                    queue: QueuePos::default(),
                    level_lots: 0,
                    priority_ts: self.now_ns,
                    mid_at_send_ticks: None,
                };
                self.emit(&order, kind, None, Some(Reason::UnknownOrder));
            }
        }
    }

    /// Books a fill of `qty_lots` at `price_ticks` on `order`.
    pub(crate) fn fill(
        &mut self,
        order: &mut ExchOrder,
        price_ticks: i64,
        qty_lots: i64,
        liquidity: Liquidity,
    ) {
        let notional = self.value.notional(price_ticks as f64, qty_lots);
        let fee = self.models.fees.fee(notional, qty_lots, liquidity);
        order.filled_lots += qty_lots;
        order.filled_value += price_ticks as f64 * qty_lots as f64;
        order.state = if order.leaves_lots() == 0 {
            OrderState::Filled
        } else {
            OrderState::PartiallyFilled
        };
        let fill = Fill {
            price_ticks,
            qty_lots,
            liquidity,
            fee,
            time_in_queue_ns: match liquidity {
                Liquidity::Maker => self.now_ns - order.priority_ts,
                Liquidity::Taker => 0,
            },
            slippage_ticks: order
                .mid_at_send_ticks
                .map(|mid| (price_ticks as f64 - mid) * order.req.side.sign() as f64),
        };
        self.emit(order, UpdateKind::Fill, Some(fill), None);
        if order.state == OrderState::Filled {
            self.models.queue.on_exit(order.id);
        }
    }

    /// Sends an update about `order` (its local time is set by the engine).
    pub(crate) fn emit(
        &mut self,
        order: &ExchOrder,
        kind: UpdateKind,
        fill: Option<Fill>,
        reason: Option<Reason>,
    ) {
        let update = OrderUpdate {
            order_id: order.id,
            kind,
            state: order.state,
            side: order.req.side,
            order_type: order.req.order_type,
            time_in_force: order.req.time_in_force,
            price_ticks: order.req.price_ticks,
            stop_price_ticks: order.req.stop_price_ticks,
            qty_lots: order.req.qty_lots,
            filled_lots: order.filled_lots,
            avg_fill_price_ticks: if order.filled_lots > 0 {
                order.filled_value / order.filled_lots as f64
            } else {
                0.0
            },
            fill,
            reason,
            exch_ts_ns: self.now_ns,
            local_ts_ns: 0,
        };
        self.out.push(update);
        if order.req.side != Side::None {
            self.last_sent.insert(order.id, update);
        }
    }

    /// Forgets the last update of order `id`: it is final, the strategy has
    /// seen that, and every message it sent about it has arrived, so no
    /// cancel or modify of it can come any more.
    pub(crate) fn forget(&mut self, id: OrderId) {
        self.last_sent.remove(&id);
    }

    /// Notes the order's queue estimate for the strategy's view.
    #[inline]
    pub(crate) fn log_queue(&mut self, order: &ExchOrder) {
        self.queue_log.push_back(QueueChange {
            as_of_event: self.events,
            id: order.id,
            ahead_lots: order.queue.ahead_lots.max(0.0).ceil() as i64,
            level_lots: order.level_lots,
        });
    }
}
