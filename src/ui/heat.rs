//! The heatmap's memory: a fixed-size ring of book columns sampled by the
//! session on a grid of data time (see `session::heat`), and the book of
//! the latest frame as a live edge after them.
//!
//! The grid follows the playback speed, so the ring's width in data time
//! adapts to the speed by itself, and its memory never grows.

use crate::session::heat::{BookColumn, HEAT_COLUMNS};
use crate::session::BookView;

use super::series::Ring;

/// The last columns of the book, oldest first, then the live edge.
#[derive(Clone, Debug)]
pub struct HeatRing {
    columns: Ring<BookColumn>,
    /// The book of the latest frame, when it is newer than every column.
    live: Option<BookColumn>,
    max_qty: i64,
}

/// The biggest level quantity of `book`, lots.
fn max_level_qty(book: &BookView) -> i64 {
    book.bids
        .iter()
        .chain(&book.asks)
        .map(|l| l.qty)
        .max()
        .unwrap_or(0)
}

impl HeatRing {
    /// A ring of at most `columns` columns.
    pub fn new(columns: usize) -> Self {
        HeatRing {
            columns: Ring::new(columns),
            live: None,
            max_qty: 0,
        }
    }

    /// Takes in the columns of a batch. `restart` says they do not
    /// continue the ones held (a jump, a re-run): the columns held from
    /// their first time on are dropped, the older ones kept — the book
    /// replays the same on the same day, so what was shown stays true.
    pub fn extend(&mut self, restart: bool, columns: Vec<BookColumn>) {
        if restart {
            self.live = None;
            match columns.first().map(|c| c.ts_ns) {
                Some(first_ns) if self.columns.last().is_some_and(|c| c.ts_ns >= first_ns) => {
                    let kept: Vec<BookColumn> = self
                        .columns
                        .iter()
                        .take_while(|c| c.ts_ns < first_ns)
                        .cloned()
                        .collect();
                    self.columns.clear();
                    self.columns.extend(kept);
                }
                _ => {}
            }
        }
        for column in columns {
            if self.columns.last().is_some_and(|c| c.ts_ns >= column.ts_ns) {
                continue;
            }
            self.note_qty(max_level_qty(&column.book));
            self.columns.push(column);
        }
        if self
            .live
            .as_ref()
            .is_some_and(|live| self.columns.last().is_some_and(|c| c.ts_ns >= live.ts_ns))
        {
            self.live = None;
        }
    }

    /// Shows `book` at `ts_ns` after the columns, until a newer column comes.
    pub fn set_live(&mut self, ts_ns: i64, book: &BookView) {
        if ts_ns == i64::MIN || self.columns.last().is_some_and(|c| c.ts_ns >= ts_ns) {
            self.live = None;
            return;
        }
        if self.live.as_ref().is_some_and(|live| live.ts_ns == ts_ns) {
            return;
        }
        let live = self.live.get_or_insert_with(BookColumn::default);
        live.ts_ns = ts_ns;
        live.book.clone_from(book);
        self.note_qty(max_level_qty(book));
    }

    /// Decays slowly so one huge level does not wash out the colours for
    /// the rest of the day.
    fn note_qty(&mut self, qty: i64) {
        self.max_qty = (self.max_qty - self.max_qty / 512).max(qty);
    }

    /// Forgets every column.
    pub fn clear(&mut self) {
        self.columns.clear();
        self.live = None;
        self.max_qty = 0;
    }

    /// Columns held, the live edge included.
    pub fn len(&self) -> usize {
        self.columns.len() + usize::from(self.live.is_some())
    }

    /// True when there is no column.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The `index`-th column, oldest first; the live edge is the last.
    pub fn get(&self, index: usize) -> Option<&BookColumn> {
        if index < self.columns.len() {
            self.columns.get(index)
        } else if index == self.columns.len() {
            self.live.as_ref()
        } else {
            None
        }
    }

    /// The newest column, the live edge if there is one.
    pub fn last(&self) -> Option<&BookColumn> {
        self.live.as_ref().or_else(|| self.columns.last())
    }

    /// Every column, oldest first, the live edge last.
    pub fn iter(&self) -> impl Iterator<Item = &BookColumn> {
        self.columns.iter().chain(self.live.as_ref())
    }

    /// Changes whenever a column is added or the live edge moves: what the
    /// heatmap's texture is keyed on.
    pub fn version(&self) -> (u64, i64) {
        (
            self.columns.pushed(),
            self.live.as_ref().map_or(i64::MIN, |l| l.ts_ns),
        )
    }

    /// True when data time between column `index` and the next is a jump
    /// (much longer than the step before it, and over a second): nothing
    /// was sampled there, and the column is not stretched over it.
    pub fn is_gap_after(&self, index: usize) -> bool {
        let (Some(this), Some(next)) = (self.get(index), self.get(index + 1)) else {
            return false;
        };
        let step = index
            .checked_sub(1)
            .and_then(|i| self.get(i))
            .map_or(1_000_000, |prev| (this.ts_ns - prev.ts_ns).max(1_000_000));
        let gap = next.ts_ns - this.ts_ns;
        gap > 1_000_000_000 && gap > step.saturating_mul(8)
    }

    /// Data time a column covers before a gap after it: its own step.
    pub fn step_before(&self, index: usize) -> i64 {
        match (
            index.checked_sub(1).and_then(|i| self.get(i)),
            self.get(index),
        ) {
            (Some(prev), Some(this)) => (this.ts_ns - prev.ts_ns).max(1),
            _ => 1_000_000,
        }
    }

    /// A recent maximum of level quantity, lots, to scale colours.
    pub fn max_qty(&self) -> i64 {
        self.max_qty
    }
}

impl Default for HeatRing {
    fn default() -> Self {
        HeatRing::new(HEAT_COLUMNS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::book::Level;

    fn column(ts_ns: i64, bid: i64) -> BookColumn {
        BookColumn {
            ts_ns,
            book: BookView {
                bids: vec![Level { price: bid, qty: 2 }],
                asks: Vec::new(),
            },
        }
    }

    #[test]
    fn the_live_edge_follows_the_columns_until_overtaken() {
        let mut ring = HeatRing::new(3);
        ring.extend(false, vec![column(10, 1), column(20, 2)]);
        ring.set_live(25, &column(25, 3).book);
        let seen: Vec<i64> = ring.iter().map(|c| c.ts_ns).collect();
        assert_eq!(seen, vec![10, 20, 25]);
        assert_eq!(ring.get(2).map(|c| c.book.bids[0].price), Some(3));
        ring.extend(false, vec![column(30, 4), column(40, 5)]);
        let seen: Vec<i64> = ring.iter().map(|c| c.ts_ns).collect();
        assert_eq!(seen, vec![20, 30, 40], "live edge dropped, ring full");
        ring.extend(true, vec![column(5, 6)]);
        assert_eq!(ring.len(), 1, "a restart forgets the older columns");
    }
}

#[cfg(test)]
mod jump_tests {
    use super::*;

    fn column(ts_ns: i64) -> BookColumn {
        BookColumn {
            ts_ns,
            book: BookView::default(),
        }
    }

    fn times(ring: &HeatRing) -> Vec<i64> {
        ring.iter().map(|c| c.ts_ns).collect()
    }

    #[test]
    fn a_jump_keeps_the_history_before_it_and_marks_the_gap() {
        let s = 1_000_000_000;
        let mut ring = HeatRing::new(100);
        ring.extend(false, (0..5).map(|i| column(i * s / 10)).collect());
        // A jump forwards: the history stays, a gap after it.
        ring.extend(true, vec![column(60 * s), column(60 * s + s / 10)]);
        assert_eq!(
            times(&ring),
            vec![
                0,
                s / 10,
                2 * s / 10,
                3 * s / 10,
                4 * s / 10,
                60 * s,
                60 * s + s / 10
            ]
        );
        assert!(ring.is_gap_after(4));
        assert!(!ring.is_gap_after(3));
        assert!(!ring.is_gap_after(5));
        // A re-run back to 0.25 s: what it will sample again goes.
        ring.extend(true, vec![column(s / 4)]);
        assert_eq!(times(&ring), vec![0, s / 10, 2 * s / 10, s / 4]);
    }
}
