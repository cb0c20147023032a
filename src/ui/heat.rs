//! The heatmap's memory: a fixed-size ring of book columns, one per frame
//! that moved data time forward, each the top levels of both sides.
//!
//! At 1× a column covers one repaint of data time; at 1000× it covers a
//! thousand times more. The ring's width in data time adapts to the speed
//! by itself, and its memory never grows.

use crate::book::Level;
use crate::session::BookView;

use super::series::Ring;

/// Columns kept by default.
pub const DEFAULT_COLUMNS: usize = 1_200;

/// The book at one moment.
#[derive(Clone, Debug, PartialEq)]
pub struct Column {
    /// Local time, ns.
    pub ts_ns: i64,
    /// Bid levels, best first.
    pub bids: Vec<Level>,
    /// Ask levels, best first.
    pub asks: Vec<Level>,
}

impl Column {
    /// Best bid and ask prices, ticks.
    pub fn touch_ticks(&self) -> (Option<i64>, Option<i64>) {
        (
            self.bids.first().map(|l| l.price),
            self.asks.first().map(|l| l.price),
        )
    }
}

/// The last columns of the book, oldest first.
#[derive(Clone, Debug)]
pub struct HeatRing {
    columns: Ring<Column>,
    max_qty: i64,
}

impl HeatRing {
    /// A ring of at most `columns` columns.
    pub fn new(columns: usize) -> Self {
        HeatRing {
            columns: Ring::new(columns),
            max_qty: 0,
        }
    }

    /// Adds the book at `ts_ns` if time moved on since the last column.
    pub fn push(&mut self, ts_ns: i64, book: &BookView) {
        if self.columns.last().is_some_and(|c| c.ts_ns >= ts_ns) || ts_ns == i64::MIN {
            return;
        }
        let column_max = book
            .bids
            .iter()
            .chain(&book.asks)
            .map(|l| l.qty)
            .max()
            .unwrap_or(0);
        // Decay slowly so one huge level does not wash out the colours for
        // the rest of the day.
        self.max_qty = (self.max_qty - self.max_qty / 512).max(column_max);
        self.columns.push(Column {
            ts_ns,
            bids: book.bids.clone(),
            asks: book.asks.clone(),
        });
    }

    /// Forgets every column.
    pub fn clear(&mut self) {
        self.columns.clear();
        self.max_qty = 0;
    }

    /// The columns, oldest first.
    pub fn columns(&self) -> &Ring<Column> {
        &self.columns
    }

    /// A recent maximum of level quantity, lots, to scale colours.
    pub fn max_qty(&self) -> i64 {
        self.max_qty
    }
}

impl Default for HeatRing {
    fn default() -> Self {
        HeatRing::new(DEFAULT_COLUMNS)
    }
}
