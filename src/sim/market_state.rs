//! The venue's trading state in the engine: what the exchange side matches
//! by, and what the strategy has seen.
//!
//! Each side runs a [`StateTracker`](crate::market::StateTracker) over the
//! market events it processes (rules in `market::state`). Outside
//! continuous trading the exchange matches nothing: orders that must
//! execute at once (market, IOC, FOK) are rejected with
//! [`Reason::MarketState`](crate::sim::Reason::MarketState), limit orders
//! (post-only too) rest without taking, and `passive.rs` says what market
//! data does to resting orders then and at the open. Cancels and modifies
//! are always taken.

use crate::market::{MarketEvent, MarketState};
use crate::sim::engine::Engine;

impl Engine<'_> {
    /// The venue's trading state as the strategy sees it (at local time).
    pub fn market_state(&self) -> MarketState {
        self.local.state.state()
    }

    /// The venue's trading state at exchange time: what orders arriving now
    /// are matched by.
    pub fn exchange_market_state(&self) -> MarketState {
        self.exchange.state.state()
    }

    /// True when the venue matches continuously at exchange time (trading,
    /// and past the opening). A book crossed at the end of a batch is the
    /// data's auction book, not an error, exactly when this is false.
    pub fn is_continuous_trading(&self) -> bool {
        self.exchange.state.is_continuous()
    }

    /// Takes the status event of the last state change the strategy has
    /// seen and not been told of: the data's own status event, or one the
    /// inference rule made at the event that caused the change (its time,
    /// its local time).
    pub fn take_status_change(&mut self) -> Option<MarketEvent> {
        self.local.status_change.take()
    }
}
