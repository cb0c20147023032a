//! What the engine hands the strategy at each step ([`Wake`]), the
//! identity of a timer it set, and why the engine cannot go on.

use serde::{Deserialize, Serialize};

use crate::market::MarketEvent;
use crate::sim::config::ConfigError;
use crate::sim::source::SourceError;
use crate::sim::update::OrderUpdate;
#[cfg(doc)]
use crate::sim::Engine;

/// Identity of a timer the strategy set, unique within a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TimerId(pub u64);

/// The next thing the strategy sees, returned by [`Engine::advance`].
///
/// `U` is how an order update is handed over: by value from
/// [`Engine::advance`], by reference from the runner's `step`, not at all
/// (`()`, read [`Engine::delivered_update`]) from [`Engine::advance_lean`].
///
/// An explicit tag byte rather than a niche in the event's `kind`: matching
/// on a niche reads `kind` alone, and the event is then rebuilt in memory a
/// byte at a time and read back in wide loads, a store-forwarding stall on
/// every event.
///
/// `M` is how a market event is handed over: by value, or not at all
/// (`()`, written where the caller asked) where a scheduler between the
/// engine and the strategy would otherwise copy it through each of its
/// return values.
#[derive(Clone, Copy, Debug, PartialEq)]
#[repr(C, u8)]
pub enum Wake<U = OrderUpdate, M = MarketEvent> {
    /// A market event reached the strategy; the local book already includes
    /// it. Its `local_ts` is the time the strategy sees it.
    Market(M),
    /// An answer from the exchange (or from pre-trade risk) about one of our
    /// orders; the strategy's orders and account already include it.
    Order(U),
    /// A timer the strategy set fired.
    Timer {
        /// The time it was set for (local time now), ns.
        ts_ns: i64,
        /// Which timer.
        id: TimerId,
    },
    /// The data is over and nothing more is due.
    Finished,
}

impl<U, M> Wake<U, M> {
    /// The same wake with its order update turned by `f`.
    #[inline]
    pub fn map_order<V>(self, f: impl FnOnce(U) -> V) -> Wake<V, M> {
        match self {
            Wake::Market(ev) => Wake::Market(ev),
            Wake::Order(update) => Wake::Order(f(update)),
            Wake::Timer { ts_ns, id } => Wake::Timer { ts_ns, id },
            Wake::Finished => Wake::Finished,
        }
    }

    /// The same wake with its market event turned by `f`.
    #[inline(always)]
    pub fn map_market<N>(self, f: impl FnOnce(M) -> N) -> Wake<U, N> {
        match self {
            Wake::Market(ev) => Wake::Market(f(ev)),
            Wake::Order(update) => Wake::Order(update),
            Wake::Timer { ts_ns, id } => Wake::Timer { ts_ns, id },
            Wake::Finished => Wake::Finished,
        }
    }
}

/// Why the engine cannot go on.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The market data source failed (I/O, decoding).
    #[error("market data: {0}")]
    Source(#[source] SourceError),
    /// The run configuration cannot be used.
    #[error(transparent)]
    Config(#[from] ConfigError),
}
