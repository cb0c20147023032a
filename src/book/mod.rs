//! Limit order books rebuilt from market events.
pub use l2::L2Book;
mod l2;
