//! mbo records (order by order) into L3 events, by Databento's book rules.

use ::dbn::MboMsg;

use super::DbnSource;
use crate::book::L3Outcome;
use crate::market::import::ImportError;
use crate::market::{EventKind, MarketEvent, Side};

impl DbnSource {
    pub(super) fn mbo(
        &mut self,
        r: &MboMsg,
        base: MarketEvent,
        out: &mut Vec<MarketEvent>,
    ) -> Result<(), ImportError> {
        let action = r.action as u8;
        let is_snapshot = r.flags.is_snapshot();
        if is_snapshot && !self.in_snapshot && action != b'R' {
            self.summary
                .note("snapshot without an R record: a clear is written before it");
            out.push(MarketEvent {
                kind: EventKind::Clear,
                side: Side::None,
                ..base
            });
        }
        self.in_snapshot = is_snapshot;
        let order = |kind, side, price, qty| MarketEvent {
            kind,
            side,
            price,
            qty,
            order_id: r.order_id,
            ..base
        };
        match action {
            b'R' => out.push(MarketEvent {
                kind: EventKind::Clear,
                side: Side::None,
                ..base
            }),
            b'A' => {
                let side = self.book_side(r.side)?;
                let (price, qty) = (self.ticks("price", r.price)?, self.lots("size", r.size)?);
                if let Some(old) = self.orders.order(r.order_id) {
                    self.summary
                        .note("A for an order the book holds: replaced (cancel + add)");
                    out.push(order(EventKind::Cancel, old.side, old.price, old.qty));
                }
                out.push(order(EventKind::Add, side, price, qty));
            }
            b'C' => match self.orders.order(r.order_id) {
                Some(old) => {
                    let left = old.qty - self.lots("size", r.size)?;
                    if left > 0 {
                        out.push(order(EventKind::Modify, old.side, old.price, left));
                    } else {
                        out.push(order(EventKind::Cancel, old.side, old.price, old.qty));
                    }
                }
                None => {
                    self.summary.note(
                        "C for an order the book does not hold: written as a cancel of its size (an L3 book ignores it)",
                    );
                    let side = self.book_side(r.side)?;
                    let (price, qty) = (self.ticks("price", r.price)?, self.lots("size", r.size)?);
                    out.push(order(EventKind::Cancel, side, price, qty));
                }
            },
            b'M' => {
                let side = self.book_side(r.side)?;
                let (price, qty) = (self.ticks("price", r.price)?, self.lots("size", r.size)?);
                if self.orders.order(r.order_id).is_some() {
                    out.push(order(EventKind::Modify, side, price, qty));
                } else {
                    self.summary
                        .note("M for an order the book does not hold: written as add");
                    out.push(order(EventKind::Add, side, price, qty));
                }
            }
            b'T' => out.extend(self.trade_of(r.action, r.side, r.price, r.size, base)?),
            b'F' => self.summary.note(
                "F (fill) record: not written, the C or M that follows carries the book change",
            ),
            b'N' => self.summary.note("N (none) record: no event"),
            other => {
                return Err(self.error(
                    "action",
                    char::from(other),
                    "unknown MBO action (expected A, C, M, R, T, F or N)",
                ))
            }
        }
        self.apply_with_depth(out);
        Ok(())
    }

    /// Applies the record's order events to the importer's L3 book and
    /// appends one `depth` event per price level they changed, with the
    /// level's new total: the L2 view of the same change, so that a reader
    /// of L2 (the simulator's books, the window) sees mbo data too.
    fn apply_with_depth(&mut self, out: &mut Vec<MarketEvent>) {
        let mut touched = std::mem::take(&mut self.touched_levels);
        touched.clear();
        let mut touch = |side: Side, price: i64| {
            if side != Side::None && !touched.contains(&(side, price)) {
                touched.push((side, price));
            }
        };
        let mut base = None;
        for ev in out.iter() {
            let before = self.orders.order(ev.order_id);
            if !matches!(
                ev.kind,
                EventKind::Add | EventKind::Modify | EventKind::Cancel | EventKind::Fill
            ) {
                self.orders.apply(ev);
                continue;
            }
            if self.orders.apply(ev) == L3Outcome::UnknownOrder {
                continue;
            }
            if let Some(old) = before {
                touch(old.side, old.price);
            }
            if ev.kind != EventKind::Cancel {
                touch(ev.side, ev.price);
            }
            base = Some(*ev);
        }
        if let Some(base) = base {
            for &(side, price) in &touched {
                out.push(MarketEvent {
                    kind: EventKind::Depth,
                    side,
                    price,
                    qty: self.orders.qty_at(side, price),
                    order_id: 0,
                    ..base
                });
            }
        }
        self.touched_levels = touched;
    }
}
