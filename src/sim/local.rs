//! The local processor: the market and our orders as the strategy knows them,
//! at local time.
//!
//! The local book is fed the same events as the exchange book, each at its
//! local time. Our orders and our account change only when the exchange's
//! answers arrive, after the response latency.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use crate::book::{ApplyOutcome, L2Book};
use crate::market::{EventKind, Instrument, MarketEvent, Side, StateTracker};
use crate::sim::account::Account;
use crate::sim::exchange::QueueChange;
use crate::sim::order::{OrderId, OrderRequest, OrderState, OrderType, TimeInForce};
use crate::sim::risk::Exposure;
use crate::sim::update::{OrderUpdate, UpdateKind};

/// Where one of our resting orders stands in its queue.
///
/// This is the exchange-side estimate (see `sim::queue`) as of the last
/// market event the strategy has seen: it never runs ahead of the local book.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueView {
    /// Market volume estimated ahead of the order at its price, lots
    /// (rounded up).
    pub ahead_lots: i64,
    /// Market volume at the order's price, lots.
    pub level_lots: i64,
    /// Market events the strategy had seen when this estimate held.
    pub as_of_event: u64,
}

/// One of the strategy's open orders as it knows it: what it sent, updated by
/// every answer received from the exchange.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct OpenOrder {
    /// The order's id.
    pub id: OrderId,
    /// Buy or sell.
    #[serde(with = "crate::sim::side_serde")]
    pub side: Side,
    /// Order type.
    pub order_type: OrderType,
    /// Time in force.
    pub time_in_force: TimeInForce,
    /// Limit price, ticks (0 for market orders).
    pub price_ticks: i64,
    /// Stop price, ticks (0 when not a stop).
    pub stop_price_ticks: i64,
    /// Total quantity, lots.
    pub qty_lots: i64,
    /// Filled so far, lots.
    pub filled_lots: i64,
    /// Average fill price so far, ticks (0 when nothing filled).
    pub avg_fill_price_ticks: f64,
    /// State as last reported ([`OrderState::New`] until the exchange answers).
    pub state: OrderState,
    /// Local time the order was sent, ns.
    pub sent_ts_ns: i64,
    /// A cancel is on its way and not yet answered.
    pub cancel_pending: bool,
    /// A modify is on its way and not yet answered.
    pub modify_pending: bool,
    /// Exchange-side queue estimate, kept even before the acknowledgement.
    queue_estimate: Option<QueueView>,
}

impl OpenOrder {
    pub(crate) fn new(id: OrderId, req: &OrderRequest, sent_ts_ns: i64) -> Self {
        OpenOrder {
            id,
            side: req.side,
            order_type: req.order_type,
            time_in_force: req.time_in_force,
            price_ticks: req.price_ticks,
            stop_price_ticks: req.stop_price_ticks,
            qty_lots: req.qty_lots,
            filled_lots: 0,
            avg_fill_price_ticks: 0.0,
            state: OrderState::New,
            sent_ts_ns,
            cancel_pending: false,
            modify_pending: false,
            queue_estimate: None,
        }
    }

    /// Quantity still working, lots.
    pub fn leaves_lots(&self) -> i64 {
        self.qty_lots - self.filled_lots
    }

    /// Queue position of the order in its level, once the exchange has
    /// acknowledged it and while it rests (`None` before, and for orders that
    /// do not rest, like untriggered stops).
    pub fn queue(&self) -> Option<QueueView> {
        match self.state {
            OrderState::Accepted | OrderState::PartiallyFilled => self.queue_estimate,
            _ => None,
        }
    }

    fn apply(&mut self, update: &OrderUpdate) {
        match update.kind {
            UpdateKind::CancelRejected => self.cancel_pending = false,
            UpdateKind::ModifyRejected => self.modify_pending = false,
            kind => {
                if kind == UpdateKind::Modified {
                    self.modify_pending = false;
                }
                self.order_type = update.order_type;
                self.price_ticks = update.price_ticks;
                self.qty_lots = update.qty_lots;
                self.filled_lots = update.filled_lots;
                self.avg_fill_price_ticks = update.avg_fill_price_ticks;
                self.state = update.state;
            }
        }
    }
}

/// The local side's state.
pub(crate) struct LocalSide {
    /// The market as the strategy sees it, at local time.
    pub book: L2Book,
    /// Events of earlier batches processed at the exchange and not yet seen
    /// locally, in file order, each with its (monotone) local time in
    /// `local_ts`; the engine reads the current batch in place.
    pub feed: VecDeque<MarketEvent>,
    /// Local time of the last event given a local time (in `feed`, seen,
    /// or passed by the engine's local cursor).
    pub last_feed_ts: i64,
    /// Open orders as the strategy knows them, in the order sent.
    pub orders: Vec<OpenOrder>,
    /// The account as the strategy knows it (fills booked on arrival).
    pub account: Account,
    /// Market events delivered to the strategy.
    pub events_seen: u64,
    /// Local time, ns.
    pub now_ns: i64,
    /// Funding the exchange booked for events the strategy has not seen
    /// yet, in event order (see `sim::funding`).
    pub funding_due: VecDeque<f64>,
    /// The venue's trading state as the strategy has seen it.
    pub state: StateTracker,
    /// A status event for the last state change, until the strategy is
    /// told of it.
    pub status_change: Option<MarketEvent>,
}

impl LocalSide {
    pub(crate) fn new(instrument: &Instrument, initial_cash: f64, infer_state: bool) -> Self {
        LocalSide {
            book: L2Book::new(),
            feed: VecDeque::new(),
            last_feed_ts: i64::MIN,
            orders: Vec::new(),
            account: Account::new(instrument, initial_cash),
            events_seen: 0,
            now_ns: i64::MIN,
            funding_due: VecDeque::new(),
            state: StateTracker::new(infer_state),
            status_change: None,
        }
    }

    /// The strategy sees `ev` now: applies it to the local book and to the
    /// market state. Book events (most of the data) take the inlined path:
    /// the book's own answer tells whether a batch ended crossed.
    #[inline(always)]
    pub(crate) fn deliver(&mut self, ev: MarketEvent) {
        match ev.kind {
            EventKind::Depth | EventKind::Snapshot | EventKind::Bbo | EventKind::Clear => {
                let outcome = self.book.apply(&ev);
                if ev.is_last_in_batch() {
                    let crossed = matches!(outcome, ApplyOutcome::Crossed { .. });
                    if let Some(state) = self.state.at_batch_end(crossed) {
                        self.note_status_change(&ev, state);
                    }
                }
            }
            _ => self.deliver_other(&ev),
        }
        self.events_seen += 1;
        self.now_ns = self.now_ns.max(ev.local_ts);
    }

    /// [`LocalSide::deliver`] for every event but the book's own: trades
    /// and status events move the market state, funding moves money.
    #[inline(never)]
    fn deliver_other(&mut self, ev: &MarketEvent) {
        let mut change = self.state.before(ev);
        self.book.apply(ev);
        if ev.kind == EventKind::Funding {
            self.pay_funding();
        }
        if ev.is_last_in_batch() {
            change = self.state.at_batch_end(self.book.is_crossed()).or(change);
        }
        if let Some(state) = change {
            self.note_status_change(ev, state);
        }
    }

    /// Keeps a status event for a change of state at `ev`, until the
    /// strategy is told of it.
    #[cold]
    fn note_status_change(&mut self, ev: &MarketEvent, state: crate::market::MarketState) {
        self.status_change = Some(MarketEvent::status(ev.exch_ts, state).seen_at(ev.local_ts));
    }

    /// Applies the queue changes whose market event the strategy has seen.
    #[inline]
    pub(crate) fn apply_queue_changes(&mut self, log: &mut VecDeque<QueueChange>) {
        while let Some(change) = log.front() {
            if change.as_of_event > self.events_seen {
                break;
            }
            if let Some(order) = self.orders.iter_mut().find(|o| o.id == change.id) {
                order.queue_estimate = Some(QueueView {
                    ahead_lots: change.ahead_lots,
                    level_lots: change.level_lots,
                    as_of_event: change.as_of_event,
                });
            }
            log.pop_front();
        }
    }

    /// Takes in an answer from the exchange (or from pre-trade risk).
    pub(crate) fn apply_update(&mut self, update: &OrderUpdate) {
        if let Some(fill) = &update.fill {
            self.account
                .apply_fill(update.side, fill.price_ticks, fill.qty_lots, fill.fee);
        }
        let Some(i) = self.orders.iter().position(|o| o.id == update.order_id) else {
            return;
        };
        self.orders[i].apply(update);
        if self.orders[i].state.is_final() {
            self.orders.remove(i);
        }
    }

    /// The open order `id`, if the strategy has one.
    pub(crate) fn order_mut(&mut self, id: OrderId) -> Option<&mut OpenOrder> {
        self.orders.iter_mut().find(|o| o.id == id)
    }

    /// Position and working orders, for pre-trade risk.
    pub(crate) fn exposure(&self) -> Exposure {
        let mut exposure = Exposure {
            position_lots: self.account.position_lots(),
            open_orders: self.orders.len(),
            ..Exposure::default()
        };
        for order in &self.orders {
            match order.side {
                Side::Buy => exposure.open_buy_lots += order.leaves_lots(),
                Side::Sell => exposure.open_sell_lots += order.leaves_lots(),
                Side::None => {}
            }
        }
        exposure
    }
}
