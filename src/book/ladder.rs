//! One side of an L2 book: quantity by price, best-first.
//!
//! Levels near the touch live in a dense window indexed by price (one `i64`
//! per tick), so setting a level and finding the best price cost a few
//! instructions and allocate nothing. The window grows to cover new prices up
//! to [`MAX_WINDOW_TICKS`]; a price beyond that (a stray far-away order) goes
//! to a small ordered overflow map, so any price is accepted.

use std::collections::{btree_map, BTreeMap};

/// Largest span of the dense window, in ticks (16 MiB of quantities).
pub const MAX_WINDOW_TICKS: usize = 1 << 21;

/// Window size of a new side, in ticks.
const INITIAL_WINDOW_TICKS: usize = 4096;

/// Quantity by price on one side of the book.
#[derive(Debug, Clone)]
pub(crate) struct Ladder {
    /// True for the bid side (best = highest price), false for asks.
    is_bid: bool,
    /// Price, in ticks, of `window_qty[0]`.
    base_ticks: i64,
    /// Quantity in lots at `base_ticks + i`; 0 = no level.
    window_qty: Vec<i64>,
    /// Number of non-zero entries of `window_qty`.
    window_levels: usize,
    /// Levels outside the window (rare: far from the touch).
    far: BTreeMap<i64, i64>,
    /// Best price in ticks, when the side has any level.
    best_ticks: Option<i64>,
}

impl Ladder {
    pub(crate) fn new(is_bid: bool) -> Self {
        Ladder {
            is_bid,
            base_ticks: 0,
            window_qty: Vec::new(),
            window_levels: 0,
            far: BTreeMap::new(),
            best_ticks: None,
        }
    }

    /// Best price and its quantity.
    #[inline]
    pub(crate) fn best(&self) -> Option<(i64, i64)> {
        self.best_ticks.map(|p| (p, self.qty_at(p)))
    }

    /// Best price in ticks.
    #[inline]
    pub(crate) fn best_price(&self) -> Option<i64> {
        self.best_ticks
    }

    /// Number of price levels on this side.
    pub(crate) fn len(&self) -> usize {
        self.window_levels + self.far.len()
    }

    /// Quantity in lots resting at `price` (0 when there is no level).
    #[inline]
    pub(crate) fn qty_at(&self, price: i64) -> i64 {
        match self.window_index(price) {
            Some(i) => self.window_qty[i],
            None => self.far.get(&price).copied().unwrap_or(0),
        }
    }

    /// True when `a` is a better price than `b` on this side.
    #[inline]
    fn is_better(&self, a: i64, b: i64) -> bool {
        if self.is_bid {
            a > b
        } else {
            a < b
        }
    }

    #[inline]
    fn window_index(&self, price: i64) -> Option<usize> {
        let offset = price.checked_sub(self.base_ticks)?;
        usize::try_from(offset)
            .ok()
            .filter(|&i| i < self.window_qty.len())
    }

    /// Sets the level at `price` to `qty` lots; `qty <= 0` deletes it.
    /// Returns the previous quantity.
    #[inline(always)]
    pub(crate) fn set(&mut self, price: i64, qty: i64) -> i64 {
        let qty = qty.max(0);
        // Fast paths, most depth updates: a level in the window changes
        // without touching the best price.
        if let Some(offset) = price.checked_sub(self.base_ticks) {
            let index = usize::try_from(offset).unwrap_or(usize::MAX);
            if let Some(slot) = self.window_qty.get_mut(index) {
                let previous = *slot;
                if previous > 0 && qty > 0 {
                    *slot = qty;
                    return previous;
                }
                // A level appears or goes strictly worse than the best: the
                // best price stays, only the level count moves.
                let worse_than_best = match self.best_ticks {
                    Some(best) if self.is_bid => price < best,
                    Some(best) => price > best,
                    None => false,
                };
                if worse_than_best {
                    *slot = qty;
                    self.window_levels =
                        self.window_levels + usize::from(qty > 0) - usize::from(previous > 0);
                    return previous;
                }
            }
        }
        self.set_slow(price, qty)
    }

    /// [`Ladder::set`] when a level appears or goes, or lies outside the
    /// window; `qty` is already clamped at 0.
    #[inline(never)]
    fn set_slow(&mut self, price: i64, qty: i64) -> i64 {
        let index = match self.window_index(price) {
            Some(i) => Some(i),
            None if qty > 0 => self.grow_to(price),
            None => None,
        };
        let previous = match index {
            Some(i) => {
                let previous = std::mem::replace(&mut self.window_qty[i], qty);
                match (previous > 0, qty > 0) {
                    (false, true) => self.window_levels += 1,
                    (true, false) => self.window_levels -= 1,
                    _ => {}
                }
                previous
            }
            None if qty > 0 => self.far.insert(price, qty).unwrap_or(0),
            None => self.far.remove(&price).unwrap_or(0),
        };
        if qty > 0 {
            if self
                .best_ticks
                .is_none_or(|best| self.is_better(price, best))
            {
                self.best_ticks = Some(price);
            }
        } else if previous > 0 && self.best_ticks == Some(price) {
            self.best_ticks = self.find_best_from(price);
        }
        previous
    }

    /// Removes every level.
    pub(crate) fn clear(&mut self) {
        if self.window_levels > 0 {
            self.window_qty.fill(0);
            self.window_levels = 0;
        }
        self.far.clear();
        self.best_ticks = None;
    }

    /// Removes the levels strictly better than `price`.
    pub(crate) fn remove_better_than(&mut self, price: i64) {
        while let Some(best) = self.best_ticks {
            if !self.is_better(best, price) {
                break;
            }
            self.set(best, 0);
        }
    }

    /// The best price at or worse than `from` (all better prices are empty).
    fn find_best_from(&self, from: i64) -> Option<i64> {
        let in_window = if self.window_levels == 0 {
            None
        } else {
            let len = self.window_qty.len() as i64;
            // Start at `from` when it is inside the window, else at the
            // window's better end.
            let start = (from - self.base_ticks).clamp(0, len - 1);
            if self.is_bid {
                (0..=start).rev().find(|&i| self.window_qty[i as usize] > 0)
            } else {
                (start..len).find(|&i| self.window_qty[i as usize] > 0)
            }
            .map(|i| self.base_ticks + i)
        };
        let in_far = if self.is_bid {
            self.far.range(..=from).next_back().map(|(&p, _)| p)
        } else {
            self.far.range(from..).next().map(|(&p, _)| p)
        };
        match (in_window, in_far) {
            (Some(a), Some(b)) => Some(if self.is_better(a, b) { a } else { b }),
            (a, b) => a.or(b),
        }
    }

    /// Extends the window to hold `price`; `None` when that would pass
    /// [`MAX_WINDOW_TICKS`] (the level then goes to the overflow map).
    /// Allocates only when the window grows, never per event in steady state.
    fn grow_to(&mut self, price: i64) -> Option<usize> {
        let len = self.window_qty.len();
        if len == 0 || self.window_levels == 0 {
            // Empty window: recentre it on the new price.
            let new_len = len.max(INITIAL_WINDOW_TICKS);
            let half = (new_len / 2) as i64;
            self.base_ticks = price.checked_sub(half)?;
            if self.window_qty.len() != new_len {
                self.window_qty = vec![0; new_len];
            }
            self.absorb_far();
            return self.window_index(price);
        }
        let old_end = self.base_ticks + len as i64;
        let low = self.base_ticks.min(price);
        let high = old_end.max(price + 1);
        let span = usize::try_from(high.checked_sub(low)?).ok()?;
        if span > MAX_WINDOW_TICKS {
            return None;
        }
        // Double, with slack on the side the price moved to.
        let new_len = (len * 2).max(span + span / 2).min(MAX_WINDOW_TICKS);
        let slack = (new_len - span) as i64;
        let new_base = if price < self.base_ticks {
            low - slack
        } else {
            low
        };
        let mut grown = vec![0; new_len];
        let shift = (self.base_ticks - new_base) as usize;
        grown[shift..shift + len].copy_from_slice(&self.window_qty);
        self.window_qty = grown;
        self.base_ticks = new_base;
        self.absorb_far();
        self.window_index(price)
    }

    /// Moves the overflow levels that the window now covers into it.
    fn absorb_far(&mut self) {
        if self.far.is_empty() {
            return;
        }
        let end = self.base_ticks + self.window_qty.len() as i64;
        let inside: Vec<i64> = self
            .far
            .range(self.base_ticks..end)
            .map(|(&p, _)| p)
            .collect();
        for price in inside {
            if let Some(qty) = self.far.remove(&price) {
                self.window_qty[(price - self.base_ticks) as usize] = qty;
                self.window_levels += 1;
            }
        }
    }

    /// Levels best first, as `(price_ticks, qty_lots)`.
    pub(crate) fn iter(&self) -> Levels<'_> {
        let len = self.window_qty.len() as i64;
        let end = self.base_ticks + len;
        let (head, tail) = if self.is_bid {
            (
                FarRange::Desc(self.far.range(end..).rev()),
                FarRange::Desc(self.far.range(..self.base_ticks).rev()),
            )
        } else {
            (
                FarRange::Asc(self.far.range(..self.base_ticks)),
                FarRange::Asc(self.far.range(end..)),
            )
        };
        let cursor = match self.best_ticks {
            Some(best) if self.window_levels > 0 => (best - self.base_ticks).clamp(0, len - 1),
            _ => -1,
        };
        Levels {
            ladder: self,
            head,
            cursor,
            window_left: self.window_levels,
            tail,
        }
    }
}

enum FarRange<'a> {
    Asc(btree_map::Range<'a, i64, i64>),
    Desc(std::iter::Rev<btree_map::Range<'a, i64, i64>>),
}

impl Iterator for FarRange<'_> {
    type Item = (i64, i64);
    fn next(&mut self) -> Option<(i64, i64)> {
        match self {
            FarRange::Asc(r) => r.next(),
            FarRange::Desc(r) => r.next(),
        }
        .map(|(&p, &q)| (p, q))
    }
}

/// Price levels of one side, best first, as `(price_ticks, qty_lots)`.
pub struct Levels<'a> {
    ladder: &'a Ladder,
    head: FarRange<'a>,
    /// Next window index to look at; -1 or past the end when done.
    cursor: i64,
    /// Window levels not yet yielded: the scan stops when none are left.
    window_left: usize,
    tail: FarRange<'a>,
}

impl Iterator for Levels<'_> {
    type Item = (i64, i64);

    fn next(&mut self) -> Option<(i64, i64)> {
        if let Some(level) = self.head.next() {
            return Some(level);
        }
        let window = &self.ladder.window_qty;
        let step = if self.ladder.is_bid { -1 } else { 1 };
        while self.window_left > 0 && self.cursor >= 0 && (self.cursor as usize) < window.len() {
            let i = self.cursor as usize;
            self.cursor += step;
            if window[i] > 0 {
                self.window_left -= 1;
                return Some((self.ladder.base_ticks + i as i64, window[i]));
            }
        }
        self.tail.next()
    }
}
