//! Liquidity our aggressive orders took from the book: it stays taken until
//! the data updates that level.
//!
//! The market data does not know about our orders, so after we lift 3 lots
//! at 102 the feed still shows the level whole until its next depth update.
//! Until then the exchange treats those 3 lots as gone.

use crate::market::Side;

/// Lots taken by us per (side, price), cleared by the next depth update of
/// that level. Holds a handful of entries at most, so a plain vector is the
/// fastest map.
#[derive(Clone, Debug, Default)]
pub(crate) struct Consumed {
    taken: Vec<(Side, i64, i64)>,
}

impl Consumed {
    /// True when no level carries an adjustment (the common case).
    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.taken.is_empty()
    }

    /// Lots taken by us at `price` on `side` since its last depth update.
    #[inline]
    pub(crate) fn at(&self, side: Side, price: i64) -> i64 {
        self.taken
            .iter()
            .find(|&&(s, p, _)| s == side && p == price)
            .map_or(0, |&(_, _, q)| q)
    }

    /// Records `qty` more lots taken at `price` on `side`.
    pub(crate) fn add(&mut self, side: Side, price: i64, qty: i64) {
        match self
            .taken
            .iter_mut()
            .find(|(s, p, _)| *s == side && *p == price)
        {
            Some((_, _, q)) => *q += qty,
            None => self.taken.push((side, price, qty)),
        }
    }

    /// The data updated `price` on `side`: its quantity is the truth again.
    #[inline]
    pub(crate) fn clear_level(&mut self, side: Side, price: i64) {
        self.taken.retain(|&(s, p, _)| !(s == side && p == price));
    }

    /// The data replaced a whole side (BBO or clear); `Side::None` = both.
    pub(crate) fn clear_side(&mut self, side: Side) {
        if side == Side::None {
            self.taken.clear();
        } else {
            self.taken.retain(|&(s, _, _)| s != side);
        }
    }
}
