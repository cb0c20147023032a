//! Liquidation: the venue closes an account whose equity fell below the
//! maintenance margin of its position.
//!
//! The rule, checked at the exchange side after every market event that
//! ends a batch (the book is consistent) and after every order message,
//! while a position is open:
//!
//! 1. `equity < maintenance_margin_rate × |notional of the position at the
//!    mark|`, both marked at the exchange-side mid (the last mid when the
//!    book has none), triggers it. Nothing happens while the other side of
//!    the book is empty: it is tried again at the next event.
//! 2. Every resting and stop order of ours is canceled, with reason
//!    `liquidation`. (Orders still on their way arrive afterwards as usual.)
//! 3. A market order of the exchange's own (the next order id) closes the
//!    whole position, walking the exchange-side book; each piece is a taker
//!    fill charged the taker fee. Every update of that order carries reason
//!    `liquidation`; what the book cannot absorb is canceled and, if the
//!    account is still below maintenance, liquidated at the next event.
//!
//! The strategy sees all of it as order updates after the response latency
//! (the closing order is one it never sent), and a line in the run's log
//! when the closing order is done.

use crate::market::Side;
use crate::sim::account::Account;
use crate::sim::engine::Engine;
use crate::sim::exchange::{ExchOrder, Exchange};
use crate::sim::order::{OrderId, OrderRequest, OrderState, OrderType};
use crate::sim::queue::QueuePos;
use crate::sim::record::LogRecord;
use crate::sim::update::{OrderUpdate, Reason, UpdateKind};

/// The marks at which the exchange-side account was last found surely
/// solvent, for the position and cash it had then: while both are
/// unchanged and the mark stays inside, the exact test is skipped.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct SolventMarks {
    /// Bits of the cash the range was worked out for.
    cash_bits: u64,
    /// The position it was worked out for; 0 = no range.
    position_lots: i64,
    low_ticks: f64,
    high_ticks: f64,
}

impl SolventMarks {
    /// True when `account` at `mark_ticks` is surely above maintenance.
    #[inline]
    fn covers(&self, account: &Account, mark_ticks: f64) -> bool {
        self.position_lots == account.position_lots()
            && self.cash_bits == account.cash().to_bits()
            && mark_ticks > self.low_ticks
            && mark_ticks < self.high_ticks
    }

    /// The range for `account` as it is now (empty when none is known).
    fn of(account: &Account) -> Self {
        match account.solvent_marks() {
            Some((low_ticks, high_ticks)) => SolventMarks {
                cash_bits: account.cash().to_bits(),
                position_lots: account.position_lots(),
                low_ticks,
                high_ticks,
            },
            None => SolventMarks::default(),
        }
    }
}

impl Engine<'_> {
    /// At the end of a batch: liquidates the exchange-side account if it
    /// fell below maintenance, skipping the test while the mark stays in
    /// the range last found surely solvent.
    #[inline(always)]
    pub(crate) fn check_liquidation_at_batch_end(&mut self) {
        if let Some(mid) = self.exchange.book.mid_ticks() {
            if self.solvent_marks.covers(&self.exch_account, mid) {
                return;
            }
        }
        self.check_liquidation();
        if self.exch_account.position_lots() != 0 {
            self.solvent_marks = SolventMarks::of(&self.exch_account);
        }
    }

    /// Liquidates the exchange-side account if its equity is below the
    /// maintenance margin (see the module docs).
    #[inline(never)]
    pub(crate) fn check_liquidation(&mut self) {
        let position_lots = self.exch_account.position_lots();
        if position_lots == 0 {
            return;
        }
        let Some(mark_ticks) = self.exchange.book.mid_ticks().or(self.exch_mark_ticks) else {
            return;
        };
        let maintenance_margin = self.exch_account.maintenance_margin(mark_ticks);
        let equity = self.exch_account.equity(mark_ticks);
        if equity >= maintenance_margin {
            return;
        }
        let side = if position_lots > 0 {
            Side::Sell
        } else {
            Side::Buy
        };
        if !self.exchange.crosses(side, None) {
            return;
        }
        let id = OrderId(self.next_order_id);
        self.next_order_id += 1;
        let reason = Reason::Liquidation {
            equity,
            maintenance_margin,
        };
        self.exchange
            .liquidate(id, side, position_lots.abs(), reason);
        self.route_exchange_output();
    }

    /// Logs a liquidation once the strategy learns that the closing order
    /// is done.
    pub(crate) fn note_liquidation(&mut self, update: &OrderUpdate) {
        let Some(Reason::Liquidation { .. }) = update.reason else {
            return;
        };
        if update.order_type != OrderType::Market || !update.state.is_final() {
            return;
        }
        let verb = if update.side == Side::Buy {
            "bought"
        } else {
            "sold"
        };
        let avg_price = update.avg_fill_price_ticks * self.instrument.tick_size;
        let text = format!(
            "{}; open orders canceled; order {} {verb} {} of {} lots at market, average price {:.*}",
            update.reason.map(|r| r.to_string()).unwrap_or_default(),
            update.order_id,
            update.filled_lots,
            update.qty_lots,
            self.instrument.price_decimals() + 2,
            avg_price,
        );
        self.record.logs.push(LogRecord {
            ts_ns: self.local.now_ns,
            event_index: self.local.events_seen,
            text,
        });
    }
}

impl Exchange {
    /// The venue closes our position of `qty_lots` by a market order `id` on
    /// `side`, after canceling every resting and stop order; every update
    /// carries `reason`.
    pub(crate) fn liquidate(&mut self, id: OrderId, side: Side, qty_lots: i64, reason: Reason) {
        for mut order in std::mem::take(&mut self.resting) {
            self.models.queue.on_exit(order.id);
            order.state = OrderState::Canceled;
            self.emit(&order, UpdateKind::Canceled, None, Some(reason));
        }
        for mut order in std::mem::take(&mut self.stops) {
            order.state = OrderState::Canceled;
            self.emit(&order, UpdateKind::Canceled, None, Some(reason));
        }
        let mut order = ExchOrder {
            id,
            req: OrderRequest::market(side, qty_lots),
            filled_lots: 0,
            filled_value: 0.0,
            state: OrderState::Accepted,
            queue: QueuePos::default(),
            level_lots: 0,
            priority_ts: self.now_ns,
            mid_at_send_ticks: self.book.mid_ticks(),
        };
        self.emit(&order, UpdateKind::Accepted, None, Some(reason));
        let first_fill = self.out.len();
        self.take(&mut order, None);
        for update in &mut self.out[first_fill..] {
            update.reason = Some(reason);
        }
        if order.leaves_lots() > 0 {
            order.state = OrderState::Canceled;
            self.emit(&order, UpdateKind::Canceled, None, Some(reason));
        }
    }
}
