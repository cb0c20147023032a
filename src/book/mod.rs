//! Limit order books rebuilt from market events.
//!
//! [`L2Book`] keeps quantity by price level. It is built for the replay hot
//! loop: setting a level and reading the touch allocate nothing.

pub mod cross;
mod l2;
mod l3;
mod ladder;

pub use cross::{CrossedBookPolicy, CrossedReport, CrossedTally};
pub use l2::{ApplyOutcome, L2Book, Level, SideLevels};
pub use l3::{L3Book, L3Order, L3Outcome};
pub use ladder::MAX_WINDOW_TICKS;
