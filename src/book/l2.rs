//! The L2 (price-level) order book rebuilt from depth, snapshot, BBO and
//! clear events.

use crate::book::ladder::{Ladder, Levels};
use crate::market::{EventKind, MarketEvent, Side};

/// One price level: price in ticks, quantity in lots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Level {
    /// Price in ticks.
    pub price: i64,
    /// Quantity resting at that price, in lots.
    pub qty: i64,
}

/// What applying one event did to the book.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApplyOutcome {
    /// The book changed (or was set to the same value).
    Updated,
    /// The event does not change an L2 book (a trade, an L3 message).
    Ignored,
    /// The event ended a batch and left the book crossed or locked: the feed
    /// is inconsistent (or the market really is crossed, e.g. pre-open). The
    /// book keeps what the feed said; nothing is hidden.
    Crossed {
        /// Best bid in ticks.
        bid: i64,
        /// Best ask in ticks.
        ask: i64,
    },
}

/// A price-level order book.
///
/// Applying an event never allocates once the price window has grown to the
/// range the day trades in (see [`crate::book::MAX_WINDOW_TICKS`]).
#[derive(Debug, Clone)]
pub struct L2Book {
    bids: Ladder,
    asks: Ladder,
    crossed_batches: u64,
}

impl Default for L2Book {
    fn default() -> Self {
        Self::new()
    }
}

impl L2Book {
    /// An empty book.
    pub fn new() -> Self {
        L2Book {
            bids: Ladder::new(true),
            asks: Ladder::new(false),
            crossed_batches: 0,
        }
    }

    fn ladder(&self, side: Side) -> Option<&Ladder> {
        match side {
            Side::Buy => Some(&self.bids),
            Side::Sell => Some(&self.asks),
            Side::None => None,
        }
    }

    fn ladder_mut(&mut self, side: Side) -> Option<&mut Ladder> {
        match side {
            Side::Buy => Some(&mut self.bids),
            Side::Sell => Some(&mut self.asks),
            Side::None => None,
        }
    }

    /// Applies one market event.
    ///
    /// Depth and snapshot set a level (0 deletes it); BBO replaces its whole
    /// side by one level (L1 data); clear empties one side or both. Trades
    /// and L3 messages leave the L2 book alone: the depth updates that follow
    /// them carry the change. After an event flagged last-in-batch the book is
    /// checked: a crossed book is counted and reported, never repaired.
    #[inline(always)]
    pub fn apply(&mut self, ev: &MarketEvent) -> ApplyOutcome {
        match ev.kind {
            EventKind::Depth | EventKind::Snapshot => {
                self.set_level(ev.side, ev.price, ev.qty);
            }
            EventKind::Bbo => {
                if let Some(ladder) = self.ladder_mut(ev.side) {
                    ladder.clear();
                    ladder.set(ev.price, ev.qty);
                }
            }
            EventKind::Clear => self.clear(ev.side),
            _ => return ApplyOutcome::Ignored,
        }
        if ev.is_last_in_batch() {
            if let (Some(bid), Some(ask)) = (self.bids.best_price(), self.asks.best_price()) {
                if bid >= ask {
                    self.crossed_batches += 1;
                    return ApplyOutcome::Crossed { bid, ask };
                }
            }
        }
        ApplyOutcome::Updated
    }

    /// Sets the level at `price` on `side` to `qty` lots (0 deletes it) and
    /// returns the previous quantity. A side of `None` does nothing.
    #[inline]
    pub fn set_level(&mut self, side: Side, price: i64, qty: i64) -> i64 {
        self.ladder_mut(side).map_or(0, |l| l.set(price, qty))
    }

    /// Empties `side`, or both sides for [`Side::None`].
    pub fn clear(&mut self, side: Side) {
        match self.ladder_mut(side) {
            Some(ladder) => ladder.clear(),
            None => {
                self.bids.clear();
                self.asks.clear();
            }
        }
    }

    /// Removes the levels of `side` strictly better than `price`.
    pub fn remove_better_than(&mut self, side: Side, price: i64) {
        if let Some(ladder) = self.ladder_mut(side) {
            ladder.remove_better_than(price);
        }
    }

    /// Highest bid: price in ticks and quantity in lots.
    #[inline]
    pub fn best_bid(&self) -> Option<Level> {
        self.bids.best().map(|(price, qty)| Level { price, qty })
    }

    /// Lowest ask: price in ticks and quantity in lots.
    #[inline]
    pub fn best_ask(&self) -> Option<Level> {
        self.asks.best().map(|(price, qty)| Level { price, qty })
    }

    /// Best price of `side` in ticks.
    #[inline]
    pub fn best_price(&self, side: Side) -> Option<i64> {
        self.ladder(side).and_then(Ladder::best_price)
    }

    /// Mid price in ticks (may be a half tick), when both sides have a level.
    #[inline]
    pub fn mid_ticks(&self) -> Option<f64> {
        let (bid, ask) = (self.bids.best_price()?, self.asks.best_price()?);
        Some((bid + ask) as f64 / 2.0)
    }

    /// Best ask minus best bid, in ticks; 0 or negative when locked or crossed.
    #[inline]
    pub fn spread_ticks(&self) -> Option<i64> {
        Some(self.asks.best_price()? - self.bids.best_price()?)
    }

    /// Quantity in lots resting at `price` on `side` (0 when there is none).
    #[inline]
    pub fn qty_at(&self, side: Side, price: i64) -> i64 {
        self.ladder(side).map_or(0, |l| l.qty_at(price))
    }

    /// Levels of `side`, best first.
    pub fn levels(&self, side: Side) -> impl Iterator<Item = Level> + '_ {
        self.ladder(side)
            .into_iter()
            .flat_map(Ladder::iter)
            .map(|(price, qty)| Level { price, qty })
    }

    /// The `n` best levels of `side`, best first.
    pub fn top(&self, side: Side, n: usize) -> impl Iterator<Item = Level> + '_ {
        self.levels(side).take(n)
    }

    /// Number of price levels on `side`.
    pub fn level_count(&self, side: Side) -> usize {
        self.ladder(side).map_or(0, Ladder::len)
    }

    /// True when both sides are empty.
    pub fn is_empty(&self) -> bool {
        self.bids.len() == 0 && self.asks.len() == 0
    }

    /// True when the best bid is at or above the best ask.
    #[inline]
    pub fn is_crossed(&self) -> bool {
        matches!(self.spread_ticks(), Some(s) if s <= 0)
    }

    /// How many batches so far ended with the book crossed.
    pub fn crossed_batches(&self) -> u64 {
        self.crossed_batches
    }
}

/// Iterator type over one side's levels; see [`L2Book::levels`].
pub type SideLevels<'a> = Levels<'a>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::market::flags;

    fn depth(side: Side, price: i64, qty: i64) -> MarketEvent {
        MarketEvent::depth(0, side, price, qty)
    }

    #[test]
    fn depth_sets_and_deletes_levels() {
        let mut book = L2Book::new();
        book.apply(&depth(Side::Buy, 100, 5));
        book.apply(&depth(Side::Buy, 99, 7));
        book.apply(&depth(Side::Sell, 102, 3));
        assert_eq!(book.best_bid(), Some(Level { price: 100, qty: 5 }));
        assert_eq!(book.best_ask(), Some(Level { price: 102, qty: 3 }));
        assert_eq!(book.spread_ticks(), Some(2));
        assert_eq!(book.mid_ticks(), Some(101.0));
        book.apply(&depth(Side::Buy, 100, 0));
        assert_eq!(book.best_bid(), Some(Level { price: 99, qty: 7 }));
        assert_eq!(book.qty_at(Side::Buy, 100), 0);
        let bids: Vec<_> = book.levels(Side::Buy).map(|l| (l.price, l.qty)).collect();
        assert_eq!(bids, vec![(99, 7)]);
    }

    #[test]
    fn crossed_book_after_a_batch_is_reported_not_repaired() {
        let mut book = L2Book::new();
        book.apply(&depth(Side::Sell, 100, 1));
        let mid_batch = depth(Side::Buy, 101, 1).with_flags(0);
        assert_eq!(book.apply(&mid_batch), ApplyOutcome::Updated);
        let end = depth(Side::Buy, 90, 1).with_flags(flags::LAST_IN_BATCH);
        assert_eq!(
            book.apply(&end),
            ApplyOutcome::Crossed { bid: 101, ask: 100 }
        );
        assert_eq!(book.crossed_batches(), 1);
        assert_eq!(book.best_bid().map(|l| l.price), Some(101));
    }

    #[test]
    fn bbo_replaces_its_side_and_clear_empties() {
        let mut book = L2Book::new();
        book.apply(&depth(Side::Buy, 100, 5));
        book.apply(&depth(Side::Buy, 98, 5));
        let bbo = MarketEvent {
            kind: EventKind::Bbo,
            ..depth(Side::Buy, 99, 4)
        };
        book.apply(&bbo);
        assert_eq!(book.level_count(Side::Buy), 1);
        assert_eq!(book.best_bid(), Some(Level { price: 99, qty: 4 }));
        let clear = MarketEvent {
            kind: EventKind::Clear,
            ..depth(Side::None, 0, 0)
        };
        book.apply(&clear);
        assert!(book.is_empty());
        assert_eq!(book.best_bid(), None);
    }

    #[test]
    fn far_prices_outside_the_window_still_count() {
        let mut book = L2Book::new();
        book.apply(&depth(Side::Sell, 1_000, 2));
        book.apply(&depth(Side::Sell, 50_000_000, 9));
        book.apply(&depth(Side::Sell, 1, 3));
        let asks: Vec<_> = book.levels(Side::Sell).map(|l| (l.price, l.qty)).collect();
        assert_eq!(asks, vec![(1, 3), (1_000, 2), (50_000_000, 9)]);
        book.apply(&depth(Side::Sell, 1, 0));
        book.apply(&depth(Side::Sell, 1_000, 0));
        assert_eq!(
            book.best_ask(),
            Some(Level {
                price: 50_000_000,
                qty: 9
            })
        );
    }
}
