//! The strategy's side of the engine: sending orders through pre-trade risk,
//! timers, log lines, and what the strategy may look at (local book, its
//! orders, its account), all at local time.
//!
//! Strategies reach these through `strategy::Ctx`; they are public on the
//! engine so that hosts and tests can drive it directly.

use crate::book::L2Book;
use crate::market::{Instrument, Side};
use crate::sim::account::Account;
use crate::sim::engine::{Engine, TimerId};
use crate::sim::local::OpenOrder;
use crate::sim::margin;
use crate::sim::order::{
    OrderError, OrderId, OrderMsg, OrderRequest, OrderState, OrderType, MAX_BATCH_ORDERS,
};
use crate::sim::record::LogRecord;
use crate::sim::risk::Exposure;
use crate::sim::update::{OrderUpdate, Reason, UpdateKind};

impl Engine<'_> {
    /// Local time, ns: the time of the last thing the strategy saw.
    pub fn now_ns(&self) -> i64 {
        self.local.now_ns
    }

    /// Market events the strategy has seen (the event index of step mode).
    pub fn events_seen(&self) -> u64 {
        self.local.events_seen
    }

    /// The instrument traded.
    pub fn instrument(&self) -> &Instrument {
        &self.instrument
    }

    /// The order book as the strategy sees it, at local time.
    pub fn local_book(&self) -> &L2Book {
        &self.local.book
    }

    /// The account as the strategy knows it: fills count once their report
    /// has arrived.
    pub fn account(&self) -> &Account {
        &self.local.account
    }

    /// The strategy's open orders, in the order sent.
    pub fn open_orders(&self) -> &[OpenOrder] {
        &self.local.orders
    }

    /// The open order `id`, if it is still open as far as the strategy knows.
    pub fn order(&self, id: OrderId) -> Option<&OpenOrder> {
        self.local.orders.iter().find(|o| o.id == id)
    }

    /// The timer that woke the strategy, during a [`crate::sim::Wake::Timer`].
    pub fn current_timer(&self) -> Option<TimerId> {
        self.current_timer
    }

    /// Sends a new order now. It reaches the exchange after the entry
    /// latency; a pre-trade risk breach comes back as a `Rejected` update.
    pub fn submit(&mut self, request: OrderRequest) -> Result<OrderId, OrderError> {
        request.validate()?;
        Ok(self.submit_valid(request))
    }

    /// Sends up to [`MAX_BATCH_ORDERS`] orders at once, in order. Nothing is
    /// sent when any request is invalid.
    pub fn submit_batch(&mut self, requests: &[OrderRequest]) -> Result<Vec<OrderId>, OrderError> {
        if requests.len() > MAX_BATCH_ORDERS {
            return Err(OrderError::BatchTooLarge {
                len: requests.len(),
                max: MAX_BATCH_ORDERS,
            });
        }
        for request in requests {
            request.validate()?;
        }
        Ok(requests.iter().map(|r| self.submit_valid(*r)).collect())
    }

    fn submit_valid(&mut self, request: OrderRequest) -> OrderId {
        let id = OrderId(self.next_order_id);
        self.next_order_id += 1;
        let now = self.local.now_ns;
        let order = OpenOrder::new(id, &request, now);
        let exposure = self.local.exposure();
        let checked = if now < self.trading_from_ns {
            Err(Reason::Warmup)
        } else {
            self.risk
                .check_new(&exposure, request.side, request.qty_lots)
                .and_then(|()| self.check_margin(&exposure, &request, request.qty_lots))
        };
        if let Err(reason) = checked {
            let mut rejected = order;
            rejected.state = OrderState::Rejected;
            self.answer_locally(&rejected, UpdateKind::Rejected, reason);
            return id;
        }
        self.local.orders.push(order);
        let mid_at_send_ticks = self.local.book.mid_ticks();
        self.send(OrderMsg::New {
            id,
            request,
            mid_at_send_ticks,
            sent_local_ts: now,
        });
        id
    }

    /// Asks the exchange to cancel an open order. The answer (`Canceled`, or
    /// `CancelRejected` when a fill got there first) comes back later.
    pub fn cancel(&mut self, id: OrderId) -> Result<(), OrderError> {
        let order = self
            .local
            .order_mut(id)
            .ok_or(OrderError::UnknownOrder(id))?;
        order.cancel_pending = true;
        self.send(OrderMsg::Cancel { id });
        Ok(())
    }

    /// Asks to cancel every open order; returns how many cancels were sent.
    pub fn cancel_all(&mut self) -> usize {
        let ids: Vec<OrderId> = self
            .local
            .orders
            .iter()
            .filter(|o| !o.cancel_pending)
            .map(|o| o.id)
            .collect();
        for &id in &ids {
            // The ids come from the open orders just listed.
            let _ = self.cancel(id);
        }
        ids.len()
    }

    /// Asks to change a resting limit order's price and total quantity (in
    /// lots, including what has filled). A new price or a larger quantity
    /// loses queue priority; a smaller quantity at the same price keeps it.
    pub fn modify(
        &mut self,
        id: OrderId,
        price_ticks: i64,
        qty_lots: i64,
    ) -> Result<(), OrderError> {
        if qty_lots <= 0 {
            return Err(OrderError::NonPositiveQty { qty_lots });
        }
        let exposure = self.local.exposure();
        let order = *self.order(id).ok_or(OrderError::UnknownOrder(id))?;
        if order.order_type != OrderType::Limit {
            return Err(OrderError::NotModifiable(id));
        }
        if qty_lots <= order.filled_lots {
            return Err(OrderError::ModifyBelowFilled {
                id,
                qty_lots,
                filled_lots: order.filled_lots,
            });
        }
        let extra_lots = qty_lots - order.qty_lots;
        let checked = self
            .risk
            .check_modify(&exposure, order.side, qty_lots, extra_lots)
            .and_then(|()| {
                // The order's working lots at their new price, in place of
                // the old ones.
                let mut without = exposure;
                match order.side {
                    Side::Buy => without.open_buy_lots -= order.leaves_lots(),
                    Side::Sell => without.open_sell_lots -= order.leaves_lots(),
                    Side::None => {}
                }
                let request = OrderRequest::limit(order.side, price_ticks, qty_lots);
                let leaves_lots = qty_lots - order.filled_lots;
                self.check_margin_replacing(&exposure, &without, &request, leaves_lots)
            });
        if let Err(reason) = checked {
            self.answer_locally(&order, UpdateKind::ModifyRejected, reason);
            return Ok(());
        }
        if let Some(open) = self.local.order_mut(id) {
            open.modify_pending = true;
        }
        self.send(OrderMsg::Modify {
            id,
            price_ticks,
            qty_lots,
        });
        Ok(())
    }

    /// Pre-trade margin (see `sim::margin`) of `lots` more of `request`
    /// with `exposure` working.
    fn check_margin(
        &self,
        exposure: &Exposure,
        request: &OrderRequest,
        lots: i64,
    ) -> Result<(), Reason> {
        self.check_margin_replacing(exposure, exposure, request, lots)
    }

    /// Pre-trade margin of `lots` of `request` added to `without`, where
    /// `exposure` is what works now: refused only when the worst case grows
    /// past what equity covers.
    fn check_margin_replacing(
        &self,
        exposure: &Exposure,
        without: &Exposure,
        request: &OrderRequest,
        lots: i64,
    ) -> Result<(), Reason> {
        let Some(price_ticks) = self.margin_price_ticks(request) else {
            return Ok(());
        };
        let mark_ticks = self.local.book.mid_ticks().unwrap_or(price_ticks as f64);
        margin::check_order(
            &self.local.account,
            margin::worst_case_lots(exposure, request.side, 0),
            margin::worst_case_lots(without, request.side, lots),
            price_ticks,
            mark_ticks,
        )
    }

    /// The price an order is valued at for margin: its limit or stop price,
    /// or for a market order the best price it could take in the local book
    /// (the local mid without one).
    fn margin_price_ticks(&self, request: &OrderRequest) -> Option<i64> {
        match request.order_type {
            OrderType::Limit | OrderType::StopLimit => Some(request.price_ticks),
            OrderType::StopMarket => Some(request.stop_price_ticks),
            OrderType::Market => {
                let book = &self.local.book;
                book.best_price(request.side.opposite())
                    .or_else(|| book.mid_ticks().map(|mid| mid.round() as i64))
            }
        }
    }

    /// Sets a timer for local time `ts_ns` (now, if that is past).
    pub fn set_timer_at(&mut self, ts_ns: i64) -> TimerId {
        let id = TimerId(self.next_timer_id);
        self.next_timer_id += 1;
        self.seq += 1;
        self.timers.push(ts_ns.max(self.local.now_ns), self.seq, id);
        id
    }

    /// Cancels a timer that has not fired yet (unknown ids are ignored).
    pub fn cancel_timer(&mut self, id: TimerId) {
        if id.0 < self.next_timer_id && !self.canceled_timers.contains(&id) {
            self.canceled_timers.push(id);
        }
    }

    /// Takes the log lines recorded since the last call, so a host that
    /// shows or writes them as the run goes does not keep them all.
    pub fn take_logs(&mut self) -> Vec<LogRecord> {
        std::mem::take(&mut self.record.logs)
    }

    /// Adds a line to the run's log, stamped with local time.
    pub fn log(&mut self, text: impl Into<String>) {
        self.record.logs.push(LogRecord {
            ts_ns: self.local.now_ns,
            event_index: self.local.events_seen,
            text: text.into(),
        });
    }

    /// Puts an order message in flight: it leaves after the strategy's
    /// compute time (`latency.compute`), arrives after the entry latency,
    /// never before a message sent earlier.
    fn send(&mut self, msg: OrderMsg) {
        let now = self.local.now_ns;
        let leaves = now.saturating_add(self.compute.delay_ns(self.callback_start));
        let arrival = leaves
            .saturating_add(self.latency.entry_latency_ns(leaves))
            .max(self.last_entry_arrival_ts);
        self.last_entry_arrival_ts = arrival;
        self.seq += 1;
        self.last_entry_seq = self.seq;
        self.to_exchange.push(arrival, self.seq, msg);
    }

    /// An answer that does not need the exchange (pre-trade risk): delivered
    /// at the current local time, which also stands in for exchange time.
    fn answer_locally(&mut self, order: &OpenOrder, kind: UpdateKind, reason: Reason) {
        let now = self.local.now_ns;
        let update = OrderUpdate {
            order_id: order.id,
            kind,
            state: order.state,
            side: order.side,
            order_type: order.order_type,
            time_in_force: order.time_in_force,
            price_ticks: order.price_ticks,
            stop_price_ticks: order.stop_price_ticks,
            qty_lots: order.qty_lots,
            filled_lots: order.filled_lots,
            avg_fill_price_ticks: order.avg_fill_price_ticks,
            fill: None,
            reason: Some(reason),
            exch_ts_ns: now,
            local_ts_ns: now,
        };
        self.book_order(update);
        self.seq += 1;
        self.to_local.push(now, self.seq, update);
    }
}
