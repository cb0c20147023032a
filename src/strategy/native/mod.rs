//! Strategies written in Rust that ship with ticklab.

pub mod market_maker;
pub mod noop;

pub use market_maker::{MarketMaker, MarketMakerConfig};
pub use noop::NoOp;
