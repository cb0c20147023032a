//! Trades and fills summed into bubbles for the heatmap: one bubble per
//! side, price and cell of a few pixels of time, the biggest kept.
//!
//! After a fast run the heatmap spans hours and holds tens of thousands of
//! trades; a shape per trade would be hundreds of thousands of overlapping
//! triangles. Items arrive in time order, so each cell is summed on its
//! own (sorted by price and side, runs added up) and the biggest bubbles
//! wait in a bounded heap.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// What traded at one price on one side within one cell of time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Bubble {
    /// Total quantity, lots (first, so bubbles order by size).
    pub qty_lots: i64,
    /// Index of the time cell from the left edge.
    pub cell: i64,
    /// Price, ticks.
    pub price_ticks: i64,
    /// True for buys (trades lifting the ask, or our buy fills).
    pub is_buy: bool,
}

/// Sums into bubbles, keeping the `max` biggest.
#[derive(Debug, Default)]
pub struct Binner {
    /// The items of the cell being summed.
    open: Vec<Bubble>,
    /// The cell being summed.
    open_cell: i64,
    /// The biggest bubbles of the closed cells, smallest on top.
    kept: BinaryHeap<Reverse<Bubble>>,
}

impl Binner {
    /// Sums `items` — (cell, price, is_buy, qty) in nondecreasing cell
    /// order — into bubbles and returns the `max` biggest.
    pub fn bin(
        &mut self,
        items: impl Iterator<Item = (i64, i64, bool, i64)>,
        max: usize,
    ) -> Vec<Bubble> {
        self.open.clear();
        self.kept.clear();
        for (cell, price_ticks, is_buy, qty_lots) in items {
            if cell != self.open_cell {
                self.close_cell(max);
                self.open_cell = cell;
            }
            self.open.push(Bubble {
                qty_lots,
                cell,
                price_ticks,
                is_buy,
            });
        }
        self.close_cell(max);
        self.kept.drain().map(|Reverse(bubble)| bubble).collect()
    }

    /// Sums the open cell's items by price and side into bubbles and
    /// offers each to the heap.
    fn close_cell(&mut self, max: usize) {
        self.open
            .sort_unstable_by_key(|b| (b.price_ticks, b.is_buy));
        let mut run: Option<Bubble> = None;
        for item in self.open.drain(..) {
            match &mut run {
                Some(bubble)
                    if (bubble.price_ticks, bubble.is_buy) == (item.price_ticks, item.is_buy) =>
                {
                    bubble.qty_lots += item.qty_lots;
                }
                _ => {
                    if let Some(done) = run.replace(item) {
                        Self::keep(&mut self.kept, done, max);
                    }
                }
            }
        }
        if let Some(done) = run {
            Self::keep(&mut self.kept, done, max);
        }
    }

    /// Puts `bubble` in the heap, dropping the smallest beyond `max`.
    fn keep(kept: &mut BinaryHeap<Reverse<Bubble>>, bubble: Bubble, max: usize) {
        kept.push(Reverse(bubble));
        if kept.len() > max {
            kept.pop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bubble(cell: i64, price_ticks: i64, is_buy: bool, qty_lots: i64) -> Bubble {
        Bubble {
            qty_lots,
            cell,
            price_ticks,
            is_buy,
        }
    }

    #[test]
    fn one_bubble_per_cell_price_and_side() {
        let items = [
            (0, 10, true, 2),
            (0, 10, true, 3),
            (0, 10, false, 1),
            (0, 11, true, 4),
            (1, 10, true, 7),
        ];
        let mut bubbles = Binner::default().bin(items.into_iter(), 10);
        bubbles.sort();
        assert_eq!(
            bubbles,
            vec![
                bubble(0, 10, false, 1),
                bubble(0, 11, true, 4),
                bubble(0, 10, true, 5),
                bubble(1, 10, true, 7),
            ]
        );
    }

    #[test]
    fn the_biggest_are_kept() {
        let items = (0..100).map(|i| (i, 5, i % 2 == 0, i + 1));
        let mut binner = Binner::default();
        let mut bubbles = binner.bin(items, 3);
        bubbles.sort();
        let sizes: Vec<i64> = bubbles.iter().map(|b| b.qty_lots).collect();
        assert_eq!(sizes, vec![98, 99, 100]);
        // The binner starts afresh each time.
        assert_eq!(binner.bin(std::iter::empty(), 3), Vec::new());
    }
}
