//! mbp-1, tbbo and mbp-10 records into BBO and depth events.

use ::dbn::UNDEF_PRICE;

use super::DbnSource;
use crate::market::import::ImportError;
use crate::market::{flags, EventKind, MarketEvent, Side};

impl DbnSource {
    /// mbp-1 / tbbo: BBO events for the sides that changed.
    pub(super) fn bbo(
        &mut self,
        bids: &[(i64, u32)],
        asks: &[(i64, u32)],
        base: MarketEvent,
        out: &mut Vec<MarketEvent>,
    ) -> Result<(), ImportError> {
        let first = !self.has_levels;
        if first {
            out.push(MarketEvent {
                kind: EventKind::Clear,
                side: Side::None,
                ..base
            });
        }
        for (side, new) in [(Side::Buy, bids), (Side::Sell, asks)] {
            let new = visible(new);
            let old = if side == Side::Buy {
                &self.bids
            } else {
                &self.asks
            };
            if !first && *old == new {
                continue;
            }
            match new.first() {
                Some(&(price, size)) => out.push(MarketEvent {
                    kind: EventKind::Bbo,
                    side,
                    price: self.ticks("price", price)?,
                    qty: self.lots("size", size)?,
                    ..base
                }),
                None if !first => out.push(MarketEvent {
                    kind: EventKind::Clear,
                    side,
                    ..base
                }),
                None => {}
            }
            if side == Side::Buy {
                self.bids = new;
            } else {
                self.asks = new;
            }
        }
        self.has_levels = true;
        Ok(())
    }

    /// mbp-10: depth events that make the visible levels equal the record's.
    pub(super) fn depth(
        &mut self,
        bids: &[(i64, u32)],
        asks: &[(i64, u32)],
        base: MarketEvent,
        out: &mut Vec<MarketEvent>,
    ) -> Result<(), ImportError> {
        let first = !self.has_levels;
        let (kind, flag) = if first {
            out.push(MarketEvent {
                kind: EventKind::Clear,
                side: Side::None,
                flags: base.flags | flags::SNAPSHOT,
                ..base
            });
            (EventKind::Snapshot, flags::SNAPSHOT)
        } else {
            (EventKind::Depth, 0)
        };
        for (side, new) in [(Side::Buy, bids), (Side::Sell, asks)] {
            let new = visible(new);
            let old = if side == Side::Buy {
                &self.bids
            } else {
                &self.asks
            };
            for &(price, _) in old {
                if !new.iter().any(|&(p, _)| p == price) {
                    out.push(MarketEvent {
                        kind,
                        side,
                        price: self.ticks("price", price)?,
                        qty: 0,
                        flags: base.flags | flag,
                        ..base
                    });
                }
            }
            for &(price, size) in &new {
                if !old.contains(&(price, size)) {
                    out.push(MarketEvent {
                        kind,
                        side,
                        price: self.ticks("price", price)?,
                        qty: self.lots("size", size)?,
                        flags: base.flags | flag,
                        ..base
                    });
                }
            }
            if side == Side::Buy {
                self.bids = new;
            } else {
                self.asks = new;
            }
        }
        self.has_levels = true;
        Ok(())
    }
}

/// The levels that hold something (an empty level has no price or size 0).
fn visible(levels: &[(i64, u32)]) -> Vec<(i64, u32)> {
    levels
        .iter()
        .copied()
        .filter(|&(price, size)| price != UNDEF_PRICE && size > 0)
        .collect()
}
