//! What the market did: the event model, instruments, and data I/O.
//!
//! Nothing here simulates; `market` only reads, writes, validates and
//! generates data.

pub mod cache;
pub mod catalog;
pub mod day_range;
pub mod event;
pub mod import;
pub mod instrument;
pub mod parquet;
pub mod sample;
pub mod state;

pub use event::{flags, EventKind, MarketEvent, Side};
pub use instrument::{GridError, Instrument, InstrumentError};
pub use state::{MarketState, StateTracker};
