//! The L2 book against a naive reference (two BTreeMaps) over random event
//! sequences: same levels and same best prices after every event.

use std::collections::BTreeMap;

use proptest::prelude::*;
use ticklab::book::{ApplyOutcome, L2Book};
use ticklab::market::{flags, EventKind, MarketEvent, Side};

/// The obvious book: quantity by price per side.
#[derive(Default)]
struct Reference {
    bids: BTreeMap<i64, i64>,
    asks: BTreeMap<i64, i64>,
}

impl Reference {
    fn side(&mut self, side: Side) -> Option<&mut BTreeMap<i64, i64>> {
        match side {
            Side::Buy => Some(&mut self.bids),
            Side::Sell => Some(&mut self.asks),
            Side::None => None,
        }
    }

    fn apply(&mut self, ev: &MarketEvent) {
        match ev.kind {
            EventKind::Depth | EventKind::Snapshot => {
                if let Some(levels) = self.side(ev.side) {
                    if ev.qty > 0 {
                        levels.insert(ev.price, ev.qty);
                    } else {
                        levels.remove(&ev.price);
                    }
                }
            }
            EventKind::Bbo => {
                if let Some(levels) = self.side(ev.side) {
                    levels.clear();
                    if ev.qty > 0 {
                        levels.insert(ev.price, ev.qty);
                    }
                }
            }
            EventKind::Clear => match self.side(ev.side) {
                Some(levels) => levels.clear(),
                None => {
                    self.bids.clear();
                    self.asks.clear();
                }
            },
            _ => {}
        }
    }
}

fn event_strategy() -> impl Strategy<Value = MarketEvent> {
    let side = prop_oneof![Just(Side::Buy), Just(Side::Sell)];
    let kind = prop_oneof![
        40 => Just(EventKind::Depth),
        3 => Just(EventKind::Snapshot),
        2 => Just(EventKind::Bbo),
        1 => Just(EventKind::Clear),
        3 => Just(EventKind::Trade),
    ];
    // Mostly near the touch, sometimes far away (outside the dense window).
    let price = prop_oneof![
        20 => 9_900i64..10_100,
        1 => -20_000i64..40_000,
        1 => 1_000_000_000i64..1_000_000_100,
    ];
    let qty = prop_oneof![3 => 1i64..50, 1 => Just(0i64)];
    (kind, side, price, qty, any::<bool>()).prop_map(|(kind, side, price, qty, last)| {
        let side = if kind == EventKind::Clear && qty == 0 {
            Side::None
        } else {
            side
        };
        MarketEvent {
            kind,
            ..MarketEvent::depth(0, side, price, qty).with_flags(if last {
                flags::LAST_IN_BATCH
            } else {
                0
            })
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn book_matches_reference_after_every_event(events in prop::collection::vec(event_strategy(), 1..400)) {
        let mut book = L2Book::new();
        let mut reference = Reference::default();
        for ev in &events {
            book.apply(ev);
            reference.apply(ev);
            let bids: Vec<(i64, i64)> = book.levels(Side::Buy).map(|l| (l.price, l.qty)).collect();
            let asks: Vec<(i64, i64)> = book.levels(Side::Sell).map(|l| (l.price, l.qty)).collect();
            let ref_bids: Vec<(i64, i64)> = reference.bids.iter().rev().map(|(&p, &q)| (p, q)).collect();
            let ref_asks: Vec<(i64, i64)> = reference.asks.iter().map(|(&p, &q)| (p, q)).collect();
            prop_assert_eq!(&bids, &ref_bids);
            prop_assert_eq!(&asks, &ref_asks);
            prop_assert_eq!(book.best_bid().map(|l| (l.price, l.qty)), ref_bids.first().copied());
            prop_assert_eq!(book.best_ask().map(|l| (l.price, l.qty)), ref_asks.first().copied());
            prop_assert_eq!(book.level_count(Side::Buy), ref_bids.len());
            prop_assert_eq!(book.level_count(Side::Sell), ref_asks.len());
            for &(p, q) in ref_bids.iter().take(5) {
                prop_assert_eq!(book.qty_at(Side::Buy, p), q);
            }
        }
    }

    /// A consistent batch (one that describes an uncrossed book) never leaves
    /// the book crossed; each batch here is a full snapshot of such a book.
    #[test]
    fn consistent_batches_never_leave_the_book_crossed(
        batches in prop::collection::vec((9_000i64..11_000, 1i64..20, prop::collection::vec((1i64..30, 1i64..100), 1..30)), 1..30)
    ) {
        let mut book = L2Book::new();
        for (mid, half_spread, levels) in batches {
            let mut batch = vec![MarketEvent { kind: EventKind::Clear, ..MarketEvent::depth(0, Side::None, 0, 0).with_flags(0) }];
            for (i, &(offset, qty)) in levels.iter().enumerate() {
                let side = if i % 2 == 0 { Side::Buy } else { Side::Sell };
                let price = if side == Side::Buy { mid - half_spread - offset } else { mid + half_spread + offset };
                batch.push(MarketEvent { kind: EventKind::Snapshot, ..MarketEvent::depth(0, side, price, qty).with_flags(0) });
            }
            if let Some(last) = batch.last_mut() {
                last.flags = flags::LAST_IN_BATCH;
            }
            for ev in &batch {
                let outcome = book.apply(ev);
                let crossed = matches!(outcome, ApplyOutcome::Crossed { .. });
                prop_assert!(!crossed, "crossed after {:?}", ev);
            }
            prop_assert!(!book.is_crossed());
            prop_assert_eq!(book.crossed_batches(), 0);
        }
    }
}
