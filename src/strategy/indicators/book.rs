//! Indicators read straight off the order book.

use crate::book::L2Book;
use crate::market::Side;

/// Microprice in ticks: the touch prices weighted by the size on the other
/// side, `(bid * ask_qty + ask * bid_qty) / (bid_qty + ask_qty)`; it leans
/// towards the side that is about to be taken. `None` without both sides.
pub fn microprice_ticks(book: &L2Book) -> Option<f64> {
    let (bid, ask) = (book.best_bid()?, book.best_ask()?);
    let total_lots = bid.qty + ask.qty;
    if total_lots <= 0 {
        return Some((bid.price + ask.price) as f64 / 2.0);
    }
    Some(
        (bid.price as f64 * ask.qty as f64 + ask.price as f64 * bid.qty as f64) / total_lots as f64,
    )
}

/// Book imbalance over the `levels` best levels of each side, in `[-1, 1]`:
/// `(bid_lots - ask_lots) / (bid_lots + ask_lots)`; positive when more size
/// bids than offers. `None` when both sides are empty.
pub fn imbalance(book: &L2Book, levels: usize) -> Option<f64> {
    let (bid_lots, ask_lots) = if levels == 1 {
        (
            book.best_bid().map_or(0, |l| l.qty),
            book.best_ask().map_or(0, |l| l.qty),
        )
    } else {
        (
            book.top(Side::Buy, levels).map(|l| l.qty).sum(),
            book.top(Side::Sell, levels).map(|l| l.qty).sum(),
        )
    };
    let total_lots = bid_lots + ask_lots;
    (total_lots > 0).then(|| (bid_lots - ask_lots) as f64 / total_lots as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::market::MarketEvent;

    fn book(levels: &[(Side, i64, i64)]) -> L2Book {
        let mut book = L2Book::new();
        for &(side, price, qty) in levels {
            book.apply(&MarketEvent::depth(0, side, price, qty));
        }
        book
    }

    #[test]
    fn microprice_leans_towards_the_thin_side() {
        let b = book(&[(Side::Buy, 100, 30), (Side::Sell, 101, 10)]);
        // (100 * 10 + 101 * 30) / 40 = 100.75
        assert_eq!(microprice_ticks(&b), Some(100.75));
    }

    #[test]
    fn imbalance_sums_the_top_levels() {
        let b = book(&[
            (Side::Buy, 100, 30),
            (Side::Buy, 99, 10),
            (Side::Buy, 98, 100),
            (Side::Sell, 101, 10),
            (Side::Sell, 102, 10),
        ]);
        assert_eq!(imbalance(&b, 1), Some(0.5));
        assert_eq!(imbalance(&b, 2), Some(20.0 / 60.0));
        assert_eq!(imbalance(&L2Book::new(), 3), None);
    }
}
