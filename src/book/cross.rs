//! A book left crossed at the end of a batch: the one rule, and the check
//! that applies it to a day file as it is read.
//!
//! After the last event of a batch (`LAST_IN_BATCH`) the book is what the
//! venue showed. A best bid above the best ask there is a feed that lost
//! an update, or data that is wrong: an error naming the file and the
//! batch's last row, unless the run says `crossed_book = "warn"` (then it
//! is counted, and the first one is reported with the same detail). A
//! locked book (bid equal to ask) is not crossed: venues with a maker-taker
//! fee schedule and crossed-market rules show it for short spells, and
//! nothing in it is inconsistent.
//!
//! A crossed book is legitimate while the venue is not trading
//! continuously (a pre-open auction, where orders cross and wait for the
//! uncross). [`crossed_at_batch_end`] takes that as an argument; the check
//! follows the data's `status` events. A pre-open the simulator only
//! infers (a crossed book without trades, data without status events)
//! does not silence it: such data runs with `crossed_book = "warn"`.

use std::path::Path;
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

use super::L2Book;
use crate::market::parquet::{BatchCheck, DataError};
use crate::market::{Instrument, MarketEvent, Side, StateTracker};

/// What a run does when a batch ends with the book crossed
/// (`crossed_book` in the run configuration).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CrossedBookPolicy {
    /// Stop with an error naming the file and the batch's last row.
    #[default]
    Error,
    /// Go on; count the batches and report the first.
    Warn,
}

/// Best bid and ask, in ticks, of a book crossed at the end of a batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Crossed {
    /// Best bid in ticks.
    pub bid_ticks: i64,
    /// Best ask in ticks, below the bid.
    pub ask_ticks: i64,
}

/// The rule: after `ev` was applied to `book`, the book is crossed when `ev`
/// ends its batch, the venue trades continuously (`continuous_trading`),
/// and the best bid is strictly above the best ask. A locked book (equal
/// prices) and a book with an empty side are not crossed.
#[inline]
pub fn crossed_at_batch_end(
    book: &L2Book,
    ev: &MarketEvent,
    continuous_trading: bool,
) -> Option<Crossed> {
    if !(continuous_trading && ev.is_last_in_batch()) {
        return None;
    }
    let bid_ticks = book.best_price(Side::Buy)?;
    let ask_ticks = book.best_price(Side::Sell)?;
    (bid_ticks > ask_ticks).then_some(Crossed {
        bid_ticks,
        ask_ticks,
    })
}

/// Follows a file's events with an L2 book of its own (depth, snapshot,
/// BBO and clear events) and finds the batches that end crossed.
#[derive(Debug, Clone)]
pub struct CrossCheck {
    book: L2Book,
    continuous_trading: bool,
    /// The venue's state as the data's status events say (no inference:
    /// an inferred pre-open does not silence the check).
    state: StateTracker,
}

impl Default for CrossCheck {
    fn default() -> Self {
        Self::new()
    }
}

impl CrossCheck {
    /// A check from the start of a file, the venue trading continuously.
    pub fn new() -> Self {
        CrossCheck {
            book: L2Book::new(),
            continuous_trading: true,
            state: StateTracker::new(false),
        }
    }

    /// Says whether the venue trades continuously from the next event on;
    /// while it does not (an auction, a halt), a crossed book is accepted.
    pub fn set_continuous_trading(&mut self, continuous_trading: bool) {
        self.continuous_trading = continuous_trading;
    }

    /// Applies `events`, consecutive rows of the file, and calls `crossed`
    /// with the index in `events` of each one that ends a batch with the
    /// book crossed; the first error `crossed` returns stops the check.
    pub fn check<E>(
        &mut self,
        events: &[MarketEvent],
        mut crossed: impl FnMut(usize, Crossed) -> Result<(), E>,
    ) -> Result<(), E> {
        for (index, ev) in events.iter().enumerate() {
            self.state.before(ev);
            self.book.apply(ev);
            if ev.is_last_in_batch() {
                self.state.at_batch_end(self.book.is_crossed());
            }
            let continuous = self.continuous_trading && self.state.is_continuous();
            if let Some(found) = crossed_at_batch_end(&self.book, ev, continuous) {
                crossed(index, found)?;
            }
        }
        Ok(())
    }
}

/// Crossed batches a run went on past (`crossed_book = "warn"`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CrossedReport {
    /// Batches that ended with the book crossed.
    pub batches: u64,
    /// The first of them, with file, row and prices.
    pub first: Option<String>,
}

/// A [`CrossedReport`] shared between the thread that reads a file and
/// whoever reports on the run. Cloning shares it.
#[derive(Clone, Debug, Default)]
pub struct CrossedTally(Arc<Mutex<CrossedReport>>);

impl CrossedTally {
    /// What has been found so far.
    pub fn report(&self) -> CrossedReport {
        self.0
            .lock()
            .map(|report| report.clone())
            .unwrap_or_default()
    }

    fn record(&self, error: &DataError) {
        if let Ok(mut report) = self.0.lock() {
            report.batches += 1;
            if let (
                None,
                DataError::CrossedBook {
                    file,
                    row,
                    bid,
                    ask,
                },
            ) = (&report.first, error)
            {
                report.first = Some(format!(
                    "{}: row {row} (0-based), the last of its batch: the book is crossed, best bid {bid} > best ask {ask}",
                    file.display()
                ));
            }
        }
    }
}

/// The crossed-book check of a day file of `instrument`, to run on the
/// reading thread ([`crate::market::parquet::EventReader::with_check`]):
/// an error under [`CrossedBookPolicy::Error`], counted in `tally` under
/// [`CrossedBookPolicy::Warn`].
pub fn crossed_book_check(
    instrument: &Instrument,
    policy: CrossedBookPolicy,
    tally: CrossedTally,
) -> BatchCheck {
    let instrument = instrument.clone();
    let mut check = CrossCheck::new();
    Box::new(move |file: &Path, first_row: u64, events: &[MarketEvent]| {
        check.check(events, |index, crossed| {
            let error = DataError::CrossedBook {
                file: file.to_owned(),
                row: first_row + index as u64,
                bid: instrument.price_from_ticks(crossed.bid_ticks),
                ask: instrument.price_from_ticks(crossed.ask_ticks),
            };
            match policy {
                CrossedBookPolicy::Error => Err(error),
                CrossedBookPolicy::Warn => {
                    tally.record(&error);
                    Ok(())
                }
            }
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::market::flags;

    fn depth(side: Side, price: i64, last: bool) -> MarketEvent {
        let flags = if last { flags::LAST_IN_BATCH } else { 0 };
        MarketEvent::depth(0, side, price, 1).with_flags(flags)
    }

    fn crossed_rows(events: &[MarketEvent], continuous_trading: bool) -> Vec<(usize, i64, i64)> {
        let mut check = CrossCheck::new();
        check.set_continuous_trading(continuous_trading);
        let mut found = Vec::new();
        let outcome: Result<(), ()> = check.check(events, |index, crossed| {
            found.push((index, crossed.bid_ticks, crossed.ask_ticks));
            Ok(())
        });
        assert_eq!(outcome, Ok(()));
        found
    }

    #[test]
    fn only_a_batch_end_with_bid_above_ask_is_crossed() {
        let events = [
            depth(Side::Sell, 100, true),
            // Crossed inside a batch, repaired by its end: fine.
            depth(Side::Buy, 101, false),
            depth(Side::Buy, 101, false).with_flags(0),
            MarketEvent {
                qty: 0,
                ..depth(Side::Buy, 101, true)
            },
            // Locked: fine.
            depth(Side::Buy, 100, true),
            // Crossed at the end of the batch: row 5.
            depth(Side::Buy, 102, true),
        ];
        assert_eq!(crossed_rows(&events, true), vec![(5, 102, 100)]);
        assert_eq!(crossed_rows(&events, false), vec![]);
    }
}
