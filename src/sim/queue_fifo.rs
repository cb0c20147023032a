//! The exact first-in-first-out queue for order-by-order (L3) data.
//!
//! **Rule.** When our order arrives at the exchange, every market order
//! resting at our price on our side is ahead of it, with its exact size;
//! every order that joins later, or loses its place (a larger size or a new
//! price), is behind it. So
//!
//! `ahead = known + unknown − credit`, where
//! - `known` is the sum of the sizes of the market orders ahead of ours that
//!   the model's own [`L3Book`] holds. It falls exactly as they are
//!   canceled, reduced in place (modify down), filled, or sent behind us
//!   (modify up, new price);
//! - `unknown` is the volume the L2 level held at arrival beyond the known
//!   orders (orders placed before the data starts, or beyond the depth a
//!   feed covers), taken to be older than ours. It falls with cancels and
//!   fills of orders the book does not know at our price, and is capped by
//!   the L2 level: `known + unknown ≤ level`;
//! - `credit` is traded volume already taken off `ahead` by a trade and not
//!   yet matched by the L3 message that takes it out of the book.
//!
//! **One execution is counted once.** Importers write an execution as the
//! trade first, then what it does to the resting orders: LOBSTER as `trade`,
//! `fill` of the resting order, then the `depth` of the level; Databento mbo
//! as `trade`, then a `modify` (size down) or `cancel` of each resting order
//! it took (its F records are not written), then the `depth` of the level. So a trade at our price counts
//! first: it takes the queue ahead of us first, `ahead ← ahead − trade`, and
//! the volume beyond the queue ahead fills us, as for the L2 models (our
//! fill arrives with the execution that takes the last order ahead, and the
//! next executed volume at our price is ours). The part that came from ahead
//! becomes `credit`: the fill, modify or cancel of an order ahead that
//! follows uses up the credit before it moves `ahead` again, and the depth
//! update that follows a trade does the same for `unknown` (so with L2 data
//! alone the model is [`crate::sim::RiskAverseQueue`]). Messages about
//! orders behind us move nothing. A trade through our price fills us
//! outright (the exchange's rule, as for every model). A trade at our price
//! that no L3 message explains (LOBSTER's hidden executions) keeps its
//! credit: the volume ahead runs below the book's until later removals of
//! orders ahead use it up.
//!
//! **Clears.** A clear of our side turns the known volume ahead into
//! unknown volume: the snapshot that follows re-adds the orders, and the
//! model cannot tell their old places.

use crate::book::L3Book;
use crate::market::{EventKind, MarketEvent, Side};
use crate::sim::order::OrderId;
use crate::sim::queue::{QueueModel, QueueOrder, QueuePos};

/// A market order's place in the book: level and arrival number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Place {
    side: Side,
    price: i64,
    qty: i64,
    arrival: u64,
}

/// What one of our orders has ahead of it, in lots.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Ahead {
    id: OrderId,
    side: Side,
    price: i64,
    /// Market orders with a lower arrival number are ahead of ours.
    entry_arrival: u64,
    known_lots: i64,
    unknown_lots: i64,
    credit_lots: i64,
}

impl Ahead {
    fn lots(&self) -> i64 {
        (self.known_lots + self.unknown_lots - self.credit_lots).max(0)
    }

    /// Size of `place` that counts as ahead of our order.
    fn share_of(&self, place: Option<Place>) -> i64 {
        match place {
            Some(p)
                if p.side == self.side
                    && p.price == self.price
                    && p.arrival < self.entry_arrival =>
            {
                p.qty
            }
            _ => 0,
        }
    }
}

/// The last L3 message and the place of the order it named, before and
/// after it.
#[derive(Clone, Copy, Debug)]
struct Change {
    ev: MarketEvent,
    before: Option<Place>,
    after: Option<Place>,
}

/// Exact FIFO queue position from order-by-order data (see the module
/// docs for the rule).
#[derive(Debug, Default)]
pub struct FifoQueue {
    book: L3Book,
    ours: Vec<Ahead>,
    last: Option<Change>,
}

impl FifoQueue {
    /// A model with an empty book.
    pub fn new() -> Self {
        Self::default()
    }

    fn place(&self, order_id: u64) -> Option<Place> {
        let order = self.book.order(order_id)?;
        Some(Place {
            side: order.side,
            price: order.price,
            qty: order.qty,
            arrival: self.book.arrival(order_id)?,
        })
    }

    fn ahead_mut(&mut self, id: OrderId) -> Option<&mut Ahead> {
        self.ours.iter_mut().find(|a| a.id == id)
    }
}

impl QueueModel for FifoQueue {
    fn name(&self) -> &'static str {
        "fifo"
    }

    fn on_entry(&mut self, order: QueueOrder, level_lots: i64) -> QueuePos {
        self.on_exit(order.id);
        let known_lots = self.book.qty_at(order.side, order.price_ticks);
        let ahead = Ahead {
            id: order.id,
            side: order.side,
            price: order.price_ticks,
            entry_arrival: self.book.next_arrival(),
            known_lots,
            unknown_lots: (level_lots - known_lots).max(0),
            credit_lots: 0,
        };
        self.ours.push(ahead);
        QueuePos {
            ahead_lots: ahead.lots() as f64,
            traded_since_depth_lots: 0,
        }
    }

    fn on_trade(&mut self, order: QueueOrder, pos: &mut QueuePos, trade_lots: i64) {
        let trade_lots = trade_lots.max(0);
        pos.traded_since_depth_lots += trade_lots;
        let Some(ahead) = self.ahead_mut(order.id) else {
            pos.ahead_lots -= trade_lots as f64;
            return;
        };
        let from_ahead = trade_lots.min(ahead.lots());
        ahead.credit_lots += from_ahead;
        // Negative when the trade reached our order: the exchange fills that.
        pos.ahead_lots = (ahead.lots() - (trade_lots - from_ahead)) as f64;
    }

    fn on_depth(&mut self, order: QueueOrder, pos: &mut QueuePos, prev_lots: i64, new_lots: i64) {
        pos.traded_since_depth_lots = 0;
        let Some(ahead) = self.ahead_mut(order.id) else {
            pos.ahead_lots = pos.ahead_lots.min(new_lots.max(0) as f64);
            return;
        };
        // A decrease that follows a trade takes out the traded unknown volume.
        let matched = ahead
            .credit_lots
            .min((prev_lots - new_lots).max(0))
            .min(ahead.unknown_lots);
        ahead.credit_lots -= matched;
        ahead.unknown_lots -= matched;
        ahead.unknown_lots = ahead.unknown_lots.min((new_lots - ahead.known_lots).max(0));
        ahead.credit_lots = ahead.credit_lots.min(ahead.known_lots + ahead.unknown_lots);
        pos.ahead_lots = ahead.lots() as f64;
    }

    fn observe_l3(&mut self, ev: &MarketEvent) {
        match ev.kind {
            EventKind::Clear => {
                self.book.clear(ev.side);
                for ahead in &mut self.ours {
                    if ev.side == Side::None || ev.side == ahead.side {
                        ahead.unknown_lots += ahead.known_lots;
                        ahead.known_lots = 0;
                    }
                }
                self.last = None;
            }
            EventKind::Add | EventKind::Modify | EventKind::Cancel | EventKind::Fill => {
                let before = self.place(ev.order_id);
                self.book.apply(ev);
                let after = self.place(ev.order_id);
                self.last = Some(Change {
                    ev: *ev,
                    before,
                    after,
                });
            }
            _ => {}
        }
    }

    fn on_l3_at_level(&mut self, order: QueueOrder, pos: &mut QueuePos, ev: &MarketEvent) {
        let Some(change) = self.last.filter(|c| c.ev == *ev) else {
            return;
        };
        let Some(ahead) = self.ahead_mut(order.id) else {
            return;
        };
        // Sizes only fall in place; anything else leaves the place behind us.
        let mut taken_lots = (ahead.share_of(change.before) - ahead.share_of(change.after)).max(0);
        ahead.known_lots -= taken_lots;
        let names_unknown_order_here = change.before.is_none()
            && matches!(ev.kind, EventKind::Cancel | EventKind::Fill)
            && ev.side == ahead.side
            && ev.price == ahead.price;
        if names_unknown_order_here {
            let unknown_taken = ev.qty.max(0).min(ahead.unknown_lots);
            ahead.unknown_lots -= unknown_taken;
            taken_lots += unknown_taken;
        }
        let counted_at_trade = taken_lots.min(ahead.credit_lots);
        ahead.credit_lots -= counted_at_trade;
        pos.ahead_lots = ahead.lots() as f64;
    }

    fn l3_level_lots(&self, order: QueueOrder) -> Option<i64> {
        let known_lots = self.book.qty_at(order.side, order.price_ticks);
        let ahead = self.ours.iter().find(|a| a.id == order.id)?;
        Some(known_lots + ahead.unknown_lots)
    }

    fn on_exit(&mut self, order: OrderId) {
        self.ours.retain(|a| a.id != order);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::market::flags;

    const OURS: QueueOrder = QueueOrder {
        id: OrderId(1),
        side: Side::Buy,
        price_ticks: 100,
    };

    fn l3(kind: EventKind, order_id: u64, price: i64, qty: i64) -> MarketEvent {
        MarketEvent {
            kind,
            order_id,
            ..MarketEvent::depth(0, Side::Buy, price, qty).with_flags(flags::LAST_IN_BATCH)
        }
    }

    /// Feeds `ev` to the model and to our order, as the exchange does.
    fn feed(model: &mut FifoQueue, pos: &mut QueuePos, ev: MarketEvent) {
        model.observe_l3(&ev);
        model.on_l3_at_level(OURS, pos, &ev);
    }

    /// A (3) and B (5) rest at 100; ours joins (level 8); C (4) after.
    fn queue() -> (FifoQueue, QueuePos) {
        let mut model = FifoQueue::new();
        let mut pos = QueuePos::default();
        feed(&mut model, &mut pos, l3(EventKind::Add, 11, 100, 3));
        feed(&mut model, &mut pos, l3(EventKind::Add, 12, 100, 5));
        let mut pos = model.on_entry(OURS, 8);
        feed(&mut model, &mut pos, l3(EventKind::Add, 13, 100, 4));
        (model, pos)
    }

    #[test]
    fn only_orders_ahead_move_us() {
        let (mut model, mut pos) = queue();
        assert_eq!(pos.ahead_lots, 8.0);
        feed(&mut model, &mut pos, l3(EventKind::Cancel, 13, 100, 4));
        assert_eq!(pos.ahead_lots, 8.0, "C was behind us");
        feed(&mut model, &mut pos, l3(EventKind::Modify, 11, 100, 1));
        assert_eq!(pos.ahead_lots, 6.0, "A shrank in place: 1 + 5");
        feed(&mut model, &mut pos, l3(EventKind::Modify, 12, 100, 9));
        assert_eq!(pos.ahead_lots, 1.0, "B grew and went behind us");
        feed(&mut model, &mut pos, l3(EventKind::Modify, 11, 99, 1));
        assert_eq!(pos.ahead_lots, 0.0, "A moved to 99");
        assert_eq!(model.l3_level_lots(OURS), Some(9));
    }

    #[test]
    fn a_trade_and_the_fill_it_causes_count_once() {
        let (mut model, mut pos) = queue();
        // A trade of 4: 3 of A and 1 of B are ahead of us.
        model.on_trade(OURS, &mut pos, 4);
        assert_eq!(pos.ahead_lots, 4.0);
        feed(&mut model, &mut pos, l3(EventKind::Fill, 11, 100, 3));
        feed(&mut model, &mut pos, l3(EventKind::Modify, 12, 100, 4));
        assert_eq!(pos.ahead_lots, 4.0, "already counted at the trade");
        feed(&mut model, &mut pos, l3(EventKind::Cancel, 12, 100, 4));
        assert_eq!(pos.ahead_lots, 0.0, "a later cancel moves us again");
        // A trade of 3 with nothing ahead reaches us whole.
        model.on_trade(OURS, &mut pos, 3);
        assert_eq!(pos.ahead_lots, -3.0);
    }

    #[test]
    fn unknown_volume_is_older_than_ours_and_capped_by_the_level() {
        let mut model = FifoQueue::new();
        let mut pos = QueuePos::default();
        feed(&mut model, &mut pos, l3(EventKind::Add, 11, 100, 3));
        // The L2 level shows 10: 7 lots of orders the book never saw added.
        let mut pos = model.on_entry(OURS, 10);
        assert_eq!(pos.ahead_lots, 10.0);
        feed(&mut model, &mut pos, l3(EventKind::Cancel, 99, 100, 2));
        assert_eq!(pos.ahead_lots, 8.0, "an unknown order at our price");
        feed(&mut model, &mut pos, l3(EventKind::Cancel, 98, 101, 2));
        assert_eq!(pos.ahead_lots, 8.0, "another price");
        // L2 only: a trade of 4, then the depth update it caused.
        model.on_trade(OURS, &mut pos, 4);
        model.on_depth(OURS, &mut pos, 8, 4);
        assert_eq!(pos.ahead_lots, 4.0);
        model.on_depth(OURS, &mut pos, 4, 3);
        assert_eq!(pos.ahead_lots, 3.0, "known 3 + unknown capped at 0");
        model.observe_l3(&MarketEvent {
            kind: EventKind::Clear,
            ..MarketEvent::depth(0, Side::Buy, 0, 0)
        });
        assert_eq!(model.l3_level_lots(OURS), Some(3), "all unknown now");
        model.on_depth(OURS, &mut pos, 3, 3);
        assert_eq!(pos.ahead_lots, 3.0, "a clear keeps the volume ahead");
    }
}
