//! ticklab: a strategy lab for market microstructure.
//!
//! Layers, each depending only on the ones after it:
//! [`strategy`] → [`sim`] → [`book`] → [`market`].
//! `market` says what the market did (data model and I/O), `book` rebuilds
//! the order book from it, `sim` is the deterministic exchange simulator and
//! `strategy` holds what decides.

pub mod analyzer;
pub mod book;
pub mod market;
pub mod report;
pub mod run;
pub mod sandbox;
pub mod session;
pub mod sim;
pub mod strategy;
#[cfg(feature = "gui")]
pub mod ui;
pub mod worker;

pub use book::{L2Book, Level};
pub use market::{EventKind, Instrument, MarketEvent, Side};
