//! The generator's own order book: price levels and their resting lots.
//!
//! A side is a short vector of levels sorted best first; the generator keeps
//! a few dozen levels per side, so inserting near the touch is a small copy.

use crate::market::Side;

/// One price level: its price and the lots resting there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Level {
    /// Price, in ticks.
    pub(crate) price_ticks: i64,
    /// Resting quantity, in lots (always > 0 while the level exists).
    pub(crate) lots: i64,
}

/// One side of the book, best level first.
#[derive(Clone, Debug)]
pub(crate) struct BookSide {
    is_bid: bool,
    levels: Vec<Level>,
    total_lots: i64,
}

impl BookSide {
    /// An empty bid (`is_bid`) or ask side.
    pub(crate) fn new(is_bid: bool) -> Self {
        BookSide {
            is_bid,
            levels: Vec::with_capacity(128),
            total_lots: 0,
        }
    }

    /// The book side this is: [`Side::Buy`] for bids, [`Side::Sell`] for asks.
    pub(crate) fn side(&self) -> Side {
        if self.is_bid {
            Side::Buy
        } else {
            Side::Sell
        }
    }

    /// Levels, best first.
    pub(crate) fn levels(&self) -> &[Level] {
        &self.levels
    }

    /// Number of levels.
    pub(crate) fn len(&self) -> usize {
        self.levels.len()
    }

    /// Lots resting on the whole side.
    pub(crate) fn total_lots(&self) -> i64 {
        self.total_lots
    }

    /// Best price, in ticks.
    pub(crate) fn best_ticks(&self) -> Option<i64> {
        self.levels.first().map(|level| level.price_ticks)
    }

    /// Worst (farthest from the touch) price, in ticks.
    pub(crate) fn farthest_ticks(&self) -> Option<i64> {
        self.levels.last().map(|level| level.price_ticks)
    }

    /// How many ticks `price_ticks` is behind `reference_ticks` on this side:
    /// positive for less aggressive prices, negative for more aggressive.
    pub(crate) fn distance_ticks(&self, reference_ticks: i64, price_ticks: i64) -> i64 {
        if self.is_bid {
            reference_ticks - price_ticks
        } else {
            price_ticks - reference_ticks
        }
    }

    /// The price `distance_ticks` behind `reference_ticks` on this side.
    pub(crate) fn behind(&self, reference_ticks: i64, distance_ticks: i64) -> i64 {
        if self.is_bid {
            reference_ticks - distance_ticks
        } else {
            reference_ticks + distance_ticks
        }
    }

    /// Adds `lots` at `price_ticks`; returns the level's new quantity.
    pub(crate) fn add(&mut self, price_ticks: i64, lots: i64) -> i64 {
        self.total_lots += lots;
        match self.find(price_ticks) {
            Ok(index) => {
                self.levels[index].lots += lots;
                self.levels[index].lots
            }
            Err(index) => {
                self.levels.insert(index, Level { price_ticks, lots });
                lots
            }
        }
    }

    /// Takes up to `lots` from the level at `index`, deleting it when empty;
    /// returns the level's new quantity.
    pub(crate) fn remove_lots(&mut self, index: usize, lots: i64) -> i64 {
        let level = &mut self.levels[index];
        let taken = lots.min(level.lots);
        level.lots -= taken;
        self.total_lots -= taken;
        let left = level.lots;
        if left == 0 {
            self.levels.remove(index);
        }
        left
    }

    /// Position of `price_ticks` among the levels (`Err`: where to insert).
    fn find(&self, price_ticks: i64) -> Result<usize, usize> {
        if self.is_bid {
            self.levels
                .binary_search_by(|level| price_ticks.cmp(&level.price_ticks))
        } else {
            self.levels
                .binary_search_by(|level| level.price_ticks.cmp(&price_ticks))
        }
    }
}

/// Both sides of the generator's book.
#[derive(Clone, Debug)]
pub(crate) struct SimBook {
    /// Bids, highest first.
    pub(crate) bids: BookSide,
    /// Asks, lowest first.
    pub(crate) asks: BookSide,
}

impl SimBook {
    /// An empty book.
    pub(crate) fn new() -> Self {
        SimBook {
            bids: BookSide::new(true),
            asks: BookSide::new(false),
        }
    }

    /// The side holding resting orders of `side` (`Buy`: bids).
    pub(crate) fn side(&self, side: Side) -> &BookSide {
        if side == Side::Buy {
            &self.bids
        } else {
            &self.asks
        }
    }

    /// The side holding resting orders of `side`, to change it.
    pub(crate) fn side_mut(&mut self, side: Side) -> &mut BookSide {
        if side == Side::Buy {
            &mut self.bids
        } else {
            &mut self.asks
        }
    }

    /// The side of `side` and the opposite one, to change both.
    pub(crate) fn side_and_opposite(&mut self, side: Side) -> (&mut BookSide, &mut BookSide) {
        if side == Side::Buy {
            (&mut self.bids, &mut self.asks)
        } else {
            (&mut self.asks, &mut self.bids)
        }
    }

    /// Mid price in ticks, when both sides have levels.
    pub(crate) fn mid_ticks(&self) -> Option<f64> {
        match (self.bids.best_ticks(), self.asks.best_ticks()) {
            (Some(bid), Some(ask)) => Some((bid + ask) as f64 / 2.0),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sides_stay_sorted_best_first() {
        let mut book = SimBook::new();
        for (price, lots) in [(100, 5), (102, 1), (99, 2), (102, 3)] {
            book.bids.add(price, lots);
            book.asks.add(price + 10, lots);
        }
        let bids: Vec<i64> = book.bids.levels().iter().map(|l| l.price_ticks).collect();
        let asks: Vec<i64> = book.asks.levels().iter().map(|l| l.price_ticks).collect();
        assert_eq!(bids, [102, 100, 99]);
        assert_eq!(asks, [109, 110, 112]);
        assert_eq!(book.bids.levels()[0].lots, 4);
        assert_eq!(book.bids.total_lots(), 11);
        assert_eq!(book.bids.remove_lots(0, 10), 0);
        assert_eq!(book.bids.best_ticks(), Some(100));
        assert_eq!(book.bids.total_lots(), 7);
        assert_eq!(book.mid_ticks(), Some(104.5));
    }
}
