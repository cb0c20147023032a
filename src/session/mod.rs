//! A run in progress: market data, engine and strategy wired together.
//!
//! The headless command and the window drive runs through this module, so
//! both see the same results for the same inputs.

pub mod day;
pub mod source;

pub use day::{open_day, DayRun, SessionError, StrategyChoice};
pub use source::LoaderSource;
