//! The trading state of a venue: continuous trading, a pre-open auction, a
//! halt, or closed. Carried by `status` events (see
//! [`crate::market::EventKind::Status`]) and followed over the data by a
//! [`StateTracker`].
//!
//! **Status events** set the state. Once the data has given one, the state
//! follows the data alone and nothing is inferred.
//!
//! **Inference** (data without status events, e.g. CME MBO files, whose
//! pre-open shows only as a crossed book): a batch that ends with the book
//! crossed or locked (best bid ≥ best ask) while no trade has printed since
//! the book last ended a batch uncrossed starts a pre-open auction. In a
//! pre-open inferred so, the first trade is the open: the state is
//! trading from that trade on. (On a venue in continuous trading a crossing
//! order trades at once, so a book that stays crossed without a trade is
//! an auction's order book, not a continuous one.)
//!
//! **The opening.** From a change into trading until the first batch that
//! ends with the book uncrossed, the venue is *opening*: the first trade is
//! the opening price, and the book is still crossed by orders the auction
//! matched but the data has not removed yet, so the book moving through a
//! resting order does not fill it (the simulator's `passive.rs` says what
//! does).
//!
//! The simulator runs one tracker on its exchange side and one on its local
//! side over the same events, at exchange and at local time, so the
//! strategy learns of a change when it sees the event that caused it.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::event::{EventKind, MarketEvent, UnknownName};

/// What a venue lets orders do now.
#[repr(u8)]
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum MarketState {
    /// Continuous trading: orders match as they arrive.
    #[default]
    Trading = 0,
    /// Pre-open or auction call: orders are taken and rest, nothing
    /// matches until the open (the book may be crossed).
    PreOpen = 1,
    /// Trading is halted: orders rest, nothing matches.
    Halted = 2,
    /// The venue is closed: orders rest, nothing matches.
    Closed = 3,
}

impl MarketState {
    /// Every state, in code order.
    pub const ALL: [MarketState; 4] = [
        MarketState::Trading,
        MarketState::PreOpen,
        MarketState::Halted,
        MarketState::Closed,
    ];

    /// The name used in files, Python and rule files (`"trading"`,
    /// `"pre_open"`, `"halted"`, `"closed"`).
    pub fn as_str(self) -> &'static str {
        match self {
            MarketState::Trading => "trading",
            MarketState::PreOpen => "pre_open",
            MarketState::Halted => "halted",
            MarketState::Closed => "closed",
        }
    }

    /// The state of a code (its discriminant), if one.
    pub fn from_code(code: u64) -> Option<Self> {
        Self::ALL.into_iter().find(|state| *state as u64 == code)
    }

    /// Parses a state name from raw bytes (ASCII, case-insensitive):
    /// the names of [`MarketState::as_str`], plus `pre-open`, `preopen`,
    /// `auction`, `halt` and `close`.
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        const ALIASES: [(&str, MarketState); 9] = [
            ("trading", MarketState::Trading),
            ("pre_open", MarketState::PreOpen),
            ("pre-open", MarketState::PreOpen),
            ("preopen", MarketState::PreOpen),
            ("auction", MarketState::PreOpen),
            ("halted", MarketState::Halted),
            ("halt", MarketState::Halted),
            ("closed", MarketState::Closed),
            ("close", MarketState::Closed),
        ];
        ALIASES
            .iter()
            .find(|(name, _)| name.as_bytes().eq_ignore_ascii_case(bytes))
            .map(|&(_, state)| state)
    }

    /// True in continuous trading: the only state in which orders match.
    pub fn is_trading(self) -> bool {
        self == MarketState::Trading
    }
}

impl fmt::Display for MarketState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for MarketState {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::from_bytes(s.as_bytes()).ok_or_else(|| UnknownName(s.to_owned()))
    }
}

/// Follows the state of one venue over its market events (see the module
/// docs for the rules). Feed it every event in order: [`StateTracker::before`]
/// before the event is applied to the book, and, for an event flagged last
/// in its batch, [`StateTracker::at_batch_end`] after.
#[derive(Clone, Debug)]
pub struct StateTracker {
    state: MarketState,
    /// Infer states from the book (no status event seen, inference on).
    is_inferring: bool,
    /// A trade printed since the book last ended a batch uncrossed.
    traded_since_uncrossed: bool,
    /// Between a change into trading and the first uncrossed batch end.
    is_opening: bool,
    /// The first trade of the current opening, ticks.
    opening_price_ticks: Option<i64>,
}

impl StateTracker {
    /// A tracker that starts in continuous trading; `infer` turns the
    /// inference rule on.
    pub fn new(infer: bool) -> Self {
        StateTracker {
            state: MarketState::Trading,
            is_inferring: infer,
            traded_since_uncrossed: false,
            is_opening: false,
            opening_price_ticks: None,
        }
    }

    /// The state now.
    #[inline]
    pub fn state(&self) -> MarketState {
        self.state
    }

    /// True when orders match continuously: trading, and not opening.
    ///
    /// A book crossed at the end of a batch is legitimate exactly when this
    /// is false after [`StateTracker::at_batch_end`] of that batch: the
    /// venue is in an auction (or halted, closed), or opening.
    #[inline]
    pub fn is_continuous(&self) -> bool {
        self.state == MarketState::Trading && !self.is_opening
    }

    /// True during the opening (see the module docs).
    #[inline]
    pub fn is_opening(&self) -> bool {
        self.is_opening
    }

    /// The opening price, once the opening's first trade has printed.
    pub fn opening_price_ticks(&self) -> Option<i64> {
        self.opening_price_ticks
    }

    /// Takes in `ev` before it is applied to the book; returns the new
    /// state when the event itself changes it (a status event, or the
    /// trade that opens an inferred pre-open). For a trade during an
    /// opening that has no price yet, the opening price is set.
    #[inline]
    pub fn before(&mut self, ev: &MarketEvent) -> Option<MarketState> {
        match ev.kind {
            EventKind::Trade => {
                self.traded_since_uncrossed = true;
                let change = if self.is_inferring && self.state == MarketState::PreOpen {
                    self.set(MarketState::Trading)
                } else {
                    None
                };
                if self.is_opening && self.opening_price_ticks.is_none() {
                    self.opening_price_ticks = Some(ev.price);
                }
                change
            }
            EventKind::Status => {
                let state = ev.market_state()?;
                self.is_inferring = false;
                self.set(state)
            }
            _ => None,
        }
    }

    /// After an event flagged last in its batch was applied to the book,
    /// `is_crossed` telling whether the book is now crossed or locked (best
    /// bid ≥ best ask): ends an opening once the book is uncrossed, and
    /// infers a pre-open (returned) from a crossed book with no trade.
    #[inline]
    pub fn at_batch_end(&mut self, is_crossed: bool) -> Option<MarketState> {
        if !is_crossed {
            self.traded_since_uncrossed = false;
            self.is_opening = false;
            self.opening_price_ticks = None;
            return None;
        }
        if self.is_inferring && self.state == MarketState::Trading && !self.traded_since_uncrossed {
            return self.set(MarketState::PreOpen);
        }
        None
    }

    fn set(&mut self, state: MarketState) -> Option<MarketState> {
        if state == self.state {
            return None;
        }
        self.is_opening = state == MarketState::Trading;
        self.opening_price_ticks = None;
        self.state = state;
        Some(state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::market::Side;

    #[test]
    fn names_and_codes_round_trip() {
        for state in MarketState::ALL {
            assert_eq!(state.as_str().parse::<MarketState>(), Ok(state));
            assert_eq!(MarketState::from_code(state as u64), Some(state));
        }
        assert_eq!("Auction".parse::<MarketState>(), Ok(MarketState::PreOpen));
        assert_eq!(MarketState::from_code(4), None);
        assert!("open".parse::<MarketState>().is_err());
    }

    /// Is a book with this best bid and ask crossed or locked?
    fn book(bid: i64, ask: i64) -> bool {
        bid >= ask
    }

    #[test]
    fn a_crossed_book_without_trades_is_a_pre_open_until_the_first_trade() {
        let mut tracker = StateTracker::new(true);
        assert_eq!(tracker.at_batch_end(book(100, 101)), None);
        assert_eq!(
            tracker.at_batch_end(book(102, 101)),
            Some(MarketState::PreOpen)
        );
        assert!(!tracker.is_continuous());
        // Uncrossing alone does not open.
        assert_eq!(tracker.at_batch_end(book(100, 101)), None);
        assert_eq!(tracker.state(), MarketState::PreOpen);
        let trade = MarketEvent::trade(5, Side::None, 101, 3);
        assert_eq!(tracker.before(&trade), Some(MarketState::Trading));
        assert!(tracker.is_opening());
        assert_eq!(tracker.opening_price_ticks(), Some(101));
        // Still crossed after the open's trade: trading, still opening.
        assert_eq!(tracker.at_batch_end(book(102, 101)), None);
        assert!(tracker.is_opening());
        assert_eq!(tracker.at_batch_end(book(100, 101)), None);
        assert!(tracker.is_continuous());
    }

    #[test]
    fn a_cross_with_a_trade_stays_trading() {
        let mut tracker = StateTracker::new(true);
        tracker.before(&MarketEvent::trade(1, Side::Buy, 101, 1));
        assert_eq!(tracker.at_batch_end(book(101, 101)), None);
        assert!(tracker.is_continuous());
    }

    #[test]
    fn status_events_set_the_state_and_end_inference() {
        let mut tracker = StateTracker::new(true);
        let halt = MarketEvent::status(1, MarketState::Halted);
        assert_eq!(tracker.before(&halt), Some(MarketState::Halted));
        assert_eq!(tracker.before(&halt), None);
        // A trade does not end an explicit halt.
        assert_eq!(
            tracker.before(&MarketEvent::trade(2, Side::Buy, 1, 1)),
            None
        );
        let open = MarketEvent::status(3, MarketState::Trading);
        assert_eq!(tracker.before(&open), Some(MarketState::Trading));
        // No inference once the data gives states.
        assert_eq!(tracker.at_batch_end(book(102, 101)), None);
        assert_eq!(tracker.state(), MarketState::Trading);
    }

    #[test]
    fn without_inference_a_crossed_book_changes_nothing() {
        let mut tracker = StateTracker::new(false);
        assert_eq!(tracker.at_batch_end(book(102, 101)), None);
        assert!(tracker.is_continuous());
    }
}
