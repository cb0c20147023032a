//! Aggressive execution: an order that crosses the spread walks the
//! exchange-side book level by level, or, for data without depth, fills at a
//! price set by the impact model.

use crate::market::Side;
use crate::sim::exchange::{ExchOrder, Exchange};
use crate::sim::update::{Liquidity, Reason};

/// True when `price` is at or better than `limit` for a taker on `side`.
#[inline]
fn within(side: Side, price: i64, limit: i64) -> bool {
    match side {
        Side::Buy => price <= limit,
        Side::Sell => price >= limit,
        Side::None => false,
    }
}

impl Exchange {
    /// The best level a taker on `side` could trade at now, with the lots
    /// still there for us (book quantity less what we already took).
    pub(crate) fn best_available(&self, side: Side) -> Option<(i64, i64)> {
        let book_side = side.opposite();
        if self.consumed.is_empty() {
            let level = match book_side {
                Side::Buy => self.book.best_bid(),
                Side::Sell => self.book.best_ask(),
                Side::None => None,
            }?;
            return Some((level.price, level.qty));
        }
        self.book.levels(book_side).find_map(|level| {
            let lots = level.qty - self.consumed.at(book_side, level.price);
            (lots > 0).then_some((level.price, lots))
        })
    }

    /// Would an order on `side` limited at `limit` (`None` = market) take
    /// liquidity now?
    pub(crate) fn crosses(&self, side: Side, limit: Option<i64>) -> bool {
        match self.best_available(side) {
            Some((price, _)) => limit.is_none_or(|l| within(side, price, l)),
            // Trades-only data: a market order fills at the impact price.
            None => limit.is_none() && self.models.impact.is_some() && self.last_trade.is_some(),
        }
    }

    /// Price at which the impact model fills `qty_lots` whole; `Ok(None)`
    /// when no impact model is configured.
    pub(crate) fn impact_price(&self, side: Side, qty_lots: i64) -> Result<Option<i64>, Reason> {
        let Some(model) = &self.models.impact else {
            return Ok(None);
        };
        let (ref_price, visible_lots) = self
            .best_available(side)
            .or(self.last_trade)
            .ok_or(Reason::NoLiquidity)?;
        model
            .taker_price_ticks(side, qty_lots, ref_price, visible_lots)
            .map(Some)
    }

    /// Lots a taker on `side` limited at `limit` could get now, counting no
    /// further than `needed`.
    pub(crate) fn available_lots(&self, side: Side, limit: Option<i64>, needed: i64) -> i64 {
        if self.models.impact.is_some() {
            return match self.impact_price(side, needed) {
                Ok(Some(price)) if limit.is_none_or(|l| within(side, price, l)) => needed,
                _ => 0,
            };
        }
        let book_side = side.opposite();
        let mut total = 0;
        for level in self.book.levels(book_side) {
            if total >= needed || limit.is_some_and(|l| !within(side, level.price, l)) {
                break;
            }
            total += (level.qty - self.consumed.at(book_side, level.price)).max(0);
        }
        total
    }

    /// Takes liquidity for `order` up to `limit` (`None` = market): each level
    /// walked is one taker fill, and what we took stays taken until the data
    /// updates that level.
    pub(crate) fn take(&mut self, order: &mut ExchOrder, limit: Option<i64>) {
        let side = order.req.side;
        if self.models.impact.is_some() {
            if let Ok(Some(price)) = self.impact_price(side, order.leaves_lots()) {
                if limit.is_none_or(|l| within(side, price, l)) {
                    let lots = order.leaves_lots();
                    self.fill(order, price, lots, Liquidity::Taker);
                }
            }
            return;
        }
        let book_side = side.opposite();
        let mut pieces = std::mem::take(&mut self.pieces);
        pieces.clear();
        let mut needed = order.leaves_lots();
        for level in self.book.levels(book_side) {
            if needed == 0 || limit.is_some_and(|l| !within(side, level.price, l)) {
                break;
            }
            let lots = (level.qty - self.consumed.at(book_side, level.price)).min(needed);
            if lots > 0 {
                pieces.push((level.price, lots));
                needed -= lots;
            }
        }
        for &(price, lots) in &pieces {
            self.consumed.add(book_side, price, lots);
            self.fill(order, price, lots, Liquidity::Taker);
        }
        self.pieces = pieces;
    }
}
