//! The order-by-order (L3) book: every resting order by id, first in first
//! out within its price level.
//!
//! Priority follows the usual matching-engine rule: an order joins the back
//! of its level; reducing its quantity at the same price keeps its place;
//! raising its quantity or moving its price sends it to the back of the
//! (new) level. A fill takes quantity out of the order (and removes it at 0).

use std::collections::{BTreeMap, HashMap};

use crate::book::Level;
use crate::market::{EventKind, MarketEvent, Side};

/// One resting order as the book knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct L3Order {
    /// Exchange order id.
    pub order_id: u64,
    /// Bid ([`Side::Buy`]) or ask ([`Side::Sell`]).
    pub side: Side,
    /// Price in ticks.
    pub price: i64,
    /// Remaining quantity in lots.
    pub qty: i64,
}

/// What applying one event did to the L3 book.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum L3Outcome {
    /// The book changed.
    Updated,
    /// The event does not change an L3 book (depth, trade, BBO, ...).
    Ignored,
    /// A modify, cancel or fill named an order the book does not hold
    /// (placed before the data starts, or outside the depth the feed
    /// covers); the book is unchanged.
    UnknownOrder,
    /// The event ended a batch and left the book crossed or locked. The book
    /// keeps what the feed said: pre-open and auction books really cross.
    Crossed {
        /// Best bid in ticks.
        bid: i64,
        /// Best ask in ticks.
        ask: i64,
    },
}

/// Where an order sits: its level and its place in the level's queue.
#[derive(Debug, Clone, Copy)]
struct Slot {
    side: Side,
    price: i64,
    qty: i64,
    /// Arrival number: lower is earlier in the queue.
    seq: u64,
}

/// The orders of one price level, in queue order.
#[derive(Debug, Clone, Default)]
struct Queue {
    /// Sum of the orders' quantities, in lots.
    total_qty: i64,
    /// Arrival number → (order id, quantity).
    orders: BTreeMap<u64, (u64, i64)>,
}

/// An order-by-order book with FIFO queues per price level.
#[derive(Debug, Clone, Default)]
pub struct L3Book {
    orders: HashMap<u64, Slot>,
    bids: BTreeMap<i64, Queue>,
    asks: BTreeMap<i64, Queue>,
    next_seq: u64,
    crossed_batches: u64,
    unknown_order_events: u64,
}

impl L3Book {
    /// An empty book.
    pub fn new() -> Self {
        Self::default()
    }

    fn side_levels(&self, side: Side) -> Option<&BTreeMap<i64, Queue>> {
        match side {
            Side::Buy => Some(&self.bids),
            Side::Sell => Some(&self.asks),
            Side::None => None,
        }
    }

    fn side_levels_mut(&mut self, side: Side) -> Option<&mut BTreeMap<i64, Queue>> {
        match side {
            Side::Buy => Some(&mut self.bids),
            Side::Sell => Some(&mut self.asks),
            Side::None => None,
        }
    }

    /// Applies one market event.
    ///
    /// Add, modify, cancel and fill change orders; a clear empties one side
    /// or both; other kinds are ignored (an L2 depth update says nothing
    /// about which order changed). After an event flagged last-in-batch the
    /// book is checked for a cross, which is counted and reported, never
    /// repaired.
    pub fn apply(&mut self, ev: &MarketEvent) -> L3Outcome {
        let is_known = match ev.kind {
            EventKind::Add => {
                self.add(ev.order_id, ev.side, ev.price, ev.qty);
                true
            }
            EventKind::Modify => self.modify(ev.order_id, ev.price, ev.qty),
            EventKind::Cancel => self.cancel(ev.order_id).is_some(),
            EventKind::Fill => self.fill(ev.order_id, ev.qty),
            EventKind::Clear => {
                self.clear(ev.side);
                true
            }
            _ => return L3Outcome::Ignored,
        };
        if !is_known {
            self.unknown_order_events += 1;
            return L3Outcome::UnknownOrder;
        }
        if ev.is_last_in_batch() {
            if let (Some(bid), Some(ask)) =
                (self.best_price(Side::Buy), self.best_price(Side::Sell))
            {
                if bid >= ask {
                    self.crossed_batches += 1;
                    return L3Outcome::Crossed { bid, ask };
                }
            }
        }
        L3Outcome::Updated
    }

    /// Puts order `order_id` at the back of the queue at `price` on `side`
    /// with `qty` lots. An order with the same id is replaced (it loses its
    /// place). Returns true when it replaced one. A side of `None` or a
    /// quantity of 0 or less only removes the old order.
    pub fn add(&mut self, order_id: u64, side: Side, price: i64, qty: i64) -> bool {
        let replaced = self.cancel(order_id).is_some();
        if qty > 0 && side != Side::None {
            self.insert_back(order_id, side, price, qty);
        }
        replaced
    }

    /// Sets order `order_id` to `qty` lots at `price`. At the same price, a
    /// smaller quantity keeps the order's place; a larger one or a new price
    /// sends it to the back. A quantity of 0 or less removes it. Returns
    /// false when the order is unknown (the book is unchanged).
    pub fn modify(&mut self, order_id: u64, price: i64, qty: i64) -> bool {
        let Some(slot) = self.orders.get(&order_id).copied() else {
            return false;
        };
        if qty <= 0 {
            self.cancel(order_id);
        } else if price == slot.price && qty <= slot.qty {
            self.set_qty_in_place(order_id, slot, qty);
        } else {
            self.cancel(order_id);
            self.insert_back(order_id, slot.side, price, qty);
        }
        true
    }

    /// Removes order `order_id`; returns it as it was, or `None` when unknown.
    pub fn cancel(&mut self, order_id: u64) -> Option<L3Order> {
        let slot = self.orders.remove(&order_id)?;
        if let Some(levels) = self.side_levels_mut(slot.side) {
            if let Some(queue) = levels.get_mut(&slot.price) {
                queue.orders.remove(&slot.seq);
                queue.total_qty -= slot.qty;
                if queue.orders.is_empty() {
                    levels.remove(&slot.price);
                }
            }
        }
        Some(L3Order {
            order_id,
            side: slot.side,
            price: slot.price,
            qty: slot.qty,
        })
    }

    /// Takes `qty` lots out of order `order_id`, which keeps its place (and
    /// leaves the book when nothing is left). Returns false when unknown.
    pub fn fill(&mut self, order_id: u64, qty: i64) -> bool {
        let Some(slot) = self.orders.get(&order_id).copied() else {
            return false;
        };
        let left = slot.qty - qty.max(0);
        if left <= 0 {
            self.cancel(order_id);
        } else {
            self.set_qty_in_place(order_id, slot, left);
        }
        true
    }

    /// Empties `side`, or both sides for [`Side::None`].
    pub fn clear(&mut self, side: Side) {
        match side {
            Side::None => {
                self.orders.clear();
                self.bids.clear();
                self.asks.clear();
            }
            side => {
                self.orders.retain(|_, slot| slot.side != side);
                if let Some(levels) = self.side_levels_mut(side) {
                    levels.clear();
                }
            }
        }
    }

    fn insert_back(&mut self, order_id: u64, side: Side, price: i64, qty: i64) {
        let seq = self.next_seq;
        self.next_seq += 1;
        let Some(levels) = self.side_levels_mut(side) else {
            return;
        };
        let queue = levels.entry(price).or_default();
        queue.orders.insert(seq, (order_id, qty));
        queue.total_qty += qty;
        self.orders.insert(
            order_id,
            Slot {
                side,
                price,
                qty,
                seq,
            },
        );
    }

    fn set_qty_in_place(&mut self, order_id: u64, slot: Slot, qty: i64) {
        if let Some(queue) = self
            .side_levels_mut(slot.side)
            .and_then(|levels| levels.get_mut(&slot.price))
        {
            if let Some(entry) = queue.orders.get_mut(&slot.seq) {
                entry.1 = qty;
            }
            queue.total_qty += qty - slot.qty;
        }
        if let Some(stored) = self.orders.get_mut(&order_id) {
            stored.qty = qty;
        }
    }

    /// The order `order_id`, when the book holds it.
    pub fn order(&self, order_id: u64) -> Option<L3Order> {
        self.orders.get(&order_id).map(|slot| L3Order {
            order_id,
            side: slot.side,
            price: slot.price,
            qty: slot.qty,
        })
    }

    /// Arrival number of order `order_id` in its level's queue: an order
    /// with a lower number is ahead of it. It changes only when the order
    /// loses its place (a larger size or a new price). `None` when unknown.
    pub fn arrival(&self, order_id: u64) -> Option<u64> {
        self.orders.get(&order_id).map(|slot| slot.seq)
    }

    /// The arrival number the next order to join a queue will take: every
    /// order resting now has a lower one, every later arrival a higher one.
    pub fn next_arrival(&self) -> u64 {
        self.next_seq
    }

    /// Volume ahead of this order at its price level, in lots: the sum of
    /// the orders that arrived before it and are still resting. `None` when
    /// the book does not hold the order.
    pub fn qty_ahead(&self, order_id: u64) -> Option<i64> {
        let slot = self.orders.get(&order_id)?;
        let queue = self.side_levels(slot.side)?.get(&slot.price)?;
        Some(
            queue
                .orders
                .range(..slot.seq)
                .map(|(_, &(_, qty))| qty)
                .sum(),
        )
    }

    /// The orders resting at `price` on `side`, front of the queue first.
    pub fn orders_at(&self, side: Side, price: i64) -> impl Iterator<Item = L3Order> + '_ {
        self.side_levels(side)
            .and_then(|levels| levels.get(&price))
            .into_iter()
            .flat_map(move |queue| {
                queue.orders.values().map(move |&(order_id, qty)| L3Order {
                    order_id,
                    side,
                    price,
                    qty,
                })
            })
    }

    /// Quantity in lots resting at `price` on `side` (0 when there is none).
    pub fn qty_at(&self, side: Side, price: i64) -> i64 {
        self.side_levels(side)
            .and_then(|levels| levels.get(&price))
            .map_or(0, |queue| queue.total_qty)
    }

    /// The L2 view of `side`: quantity per price level, best first.
    pub fn levels(&self, side: Side) -> Box<dyn Iterator<Item = Level> + '_> {
        let level = |(&price, queue): (&i64, &Queue)| Level {
            price,
            qty: queue.total_qty,
        };
        match side {
            Side::Buy => Box::new(self.bids.iter().rev().map(level)),
            Side::Sell => Box::new(self.asks.iter().map(level)),
            Side::None => Box::new(std::iter::empty()),
        }
    }

    /// Best price of `side` in ticks.
    pub fn best_price(&self, side: Side) -> Option<i64> {
        match side {
            Side::Buy => self.bids.keys().next_back().copied(),
            Side::Sell => self.asks.keys().next().copied(),
            Side::None => None,
        }
    }

    /// Highest bid: price in ticks and total quantity in lots.
    pub fn best_bid(&self) -> Option<Level> {
        self.levels(Side::Buy).next()
    }

    /// Lowest ask: price in ticks and total quantity in lots.
    pub fn best_ask(&self) -> Option<Level> {
        self.levels(Side::Sell).next()
    }

    /// Number of price levels on `side`.
    pub fn level_count(&self, side: Side) -> usize {
        self.side_levels(side).map_or(0, BTreeMap::len)
    }

    /// Number of resting orders on both sides.
    pub fn order_count(&self) -> usize {
        self.orders.len()
    }

    /// True when no order rests.
    pub fn is_empty(&self) -> bool {
        self.orders.is_empty()
    }

    /// True when the best bid is at or above the best ask.
    pub fn is_crossed(&self) -> bool {
        matches!(
            (self.best_price(Side::Buy), self.best_price(Side::Sell)),
            (Some(bid), Some(ask)) if bid >= ask
        )
    }

    /// How many batches so far ended with the book crossed.
    pub fn crossed_batches(&self) -> u64 {
        self.crossed_batches
    }

    /// How many modify, cancel or fill events named an unknown order.
    pub fn unknown_order_events(&self) -> u64 {
        self.unknown_order_events
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::market::flags;

    fn l3(kind: EventKind, order_id: u64, side: Side, price: i64, qty: i64) -> MarketEvent {
        MarketEvent {
            kind,
            order_id,
            ..MarketEvent::depth(0, side, price, qty)
        }
    }

    /// Orders A (3) and B (5) rest ahead of ours (O, 2); C (4) joins behind.
    fn queue_with_ours() -> L3Book {
        let mut book = L3Book::new();
        book.apply(&l3(EventKind::Add, 1, Side::Buy, 100, 3)); // A
        book.apply(&l3(EventKind::Add, 2, Side::Buy, 100, 5)); // B
        book.apply(&l3(EventKind::Add, 9, Side::Buy, 100, 2)); // ours
        book.apply(&l3(EventKind::Add, 3, Side::Buy, 100, 4)); // C
        book
    }

    #[test]
    fn ahead_counts_only_earlier_orders_after_cancel_and_partial_fill() {
        let mut book = queue_with_ours();
        assert_eq!(book.qty_ahead(9), Some(8));
        assert_eq!(book.qty_ahead(1), Some(0));
        assert_eq!(book.qty_ahead(3), Some(10));
        assert_eq!(book.qty_at(Side::Buy, 100), 14);

        assert_eq!(
            book.apply(&l3(EventKind::Cancel, 1, Side::Buy, 100, 3)),
            L3Outcome::Updated
        );
        assert_eq!(book.qty_ahead(9), Some(5));
        assert_eq!(book.qty_at(Side::Buy, 100), 11);

        book.apply(&l3(EventKind::Fill, 2, Side::Buy, 100, 2));
        assert_eq!(book.qty_ahead(9), Some(3));
        assert_eq!(book.order(2).map(|o| o.qty), Some(3));
        assert_eq!(book.qty_at(Side::Buy, 100), 9);

        book.apply(&l3(EventKind::Fill, 2, Side::Buy, 100, 3));
        assert_eq!(book.qty_ahead(9), Some(0));
        assert_eq!(book.order(2), None);
        assert_eq!(book.qty_ahead(3), Some(2));
    }

    #[test]
    fn modify_down_keeps_priority_up_or_reprice_goes_to_the_back() {
        let mut book = queue_with_ours();
        book.apply(&l3(EventKind::Modify, 1, Side::Buy, 100, 1));
        assert_eq!(book.qty_ahead(9), Some(6), "A shrank in place");
        book.apply(&l3(EventKind::Modify, 2, Side::Buy, 100, 6));
        assert_eq!(book.qty_ahead(9), Some(1), "B grew: now behind us");
        assert_eq!(book.qty_ahead(2), Some(1 + 2 + 4));
        book.apply(&l3(EventKind::Modify, 1, Side::Buy, 99, 1));
        assert_eq!(book.qty_ahead(9), Some(0), "A moved to another price");
        assert_eq!(book.qty_at(Side::Buy, 99), 1);
        let queue: Vec<u64> = book.orders_at(Side::Buy, 100).map(|o| o.order_id).collect();
        assert_eq!(queue, vec![9, 3, 2]);
    }

    #[test]
    fn unknown_orders_are_reported_and_change_nothing() {
        let mut book = queue_with_ours();
        assert_eq!(
            book.apply(&l3(EventKind::Cancel, 77, Side::Buy, 100, 1)),
            L3Outcome::UnknownOrder
        );
        assert_eq!(
            book.apply(&l3(EventKind::Modify, 77, Side::Buy, 100, 1)),
            L3Outcome::UnknownOrder
        );
        assert_eq!(book.unknown_order_events(), 2);
        assert_eq!(book.qty_at(Side::Buy, 100), 14);
    }

    #[test]
    fn l2_view_and_cross_detection() {
        let mut book = queue_with_ours();
        book.apply(&l3(EventKind::Add, 20, Side::Sell, 102, 7));
        book.apply(&l3(EventKind::Add, 21, Side::Sell, 101, 1));
        book.apply(&l3(EventKind::Add, 22, Side::Buy, 98, 1));
        let asks: Vec<_> = book.levels(Side::Sell).map(|l| (l.price, l.qty)).collect();
        assert_eq!(asks, vec![(101, 1), (102, 7)]);
        let bids: Vec<_> = book.levels(Side::Buy).map(|l| (l.price, l.qty)).collect();
        assert_eq!(bids, vec![(100, 14), (98, 1)]);
        assert_eq!(
            book.best_bid(),
            Some(Level {
                price: 100,
                qty: 14
            })
        );

        let crossing = l3(EventKind::Add, 23, Side::Buy, 101, 1).with_flags(flags::LAST_IN_BATCH);
        assert_eq!(
            book.apply(&crossing),
            L3Outcome::Crossed { bid: 101, ask: 101 }
        );
        assert_eq!(book.crossed_batches(), 1);

        book.apply(&MarketEvent {
            kind: EventKind::Clear,
            ..MarketEvent::depth(0, Side::Sell, 0, 0)
        });
        assert_eq!(book.level_count(Side::Sell), 0);
        assert_eq!(book.order_count(), 6);
        assert!(!book.is_crossed());
    }

    #[test]
    fn arrival_numbers_order_the_queue_and_change_only_on_lost_priority() {
        let mut book = queue_with_ours();
        assert_eq!(book.next_arrival(), 4);
        assert_eq!(
            [1, 2, 9, 3].map(|id| book.arrival(id)),
            [Some(0), Some(1), Some(2), Some(3)]
        );
        book.modify(2, 100, 4);
        assert_eq!(book.arrival(2), Some(1), "smaller size keeps the place");
        book.modify(1, 100, 7);
        assert_eq!(book.arrival(1), Some(4), "larger size goes to the back");
        assert_eq!(book.next_arrival(), 5);
        assert_eq!(book.arrival(77), None);
    }

    #[test]
    fn add_with_a_known_id_replaces_the_order() {
        let mut book = queue_with_ours();
        assert!(book.add(1, Side::Buy, 100, 3));
        assert_eq!(book.qty_ahead(9), Some(5));
        assert_eq!(book.qty_ahead(1), Some(11));
        assert_eq!(book.order_count(), 4);
    }
}
