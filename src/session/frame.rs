//! A frame: what the run looks like now, sent at most once per repaint.
//!
//! A frame is a small copy (the top levels of both books, the open orders,
//! the account), never a reference into the engine, so the window reads it
//! while the engine runs on.

use crate::book::{L2Book, Level};
use crate::market::Side;
use crate::sim::{AccountSnapshot, Engine, OpenOrder};

use super::command::Speed;

/// Levels of each side copied into a frame by default.
pub const DEFAULT_FRAME_DEPTH: usize = 40;

/// What the session is doing.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum RunState {
    /// Nothing loaded yet.
    Empty,
    /// Loaded and waiting for a command.
    Paused,
    /// Playing at a speed.
    Playing(Speed),
    /// Running to a step target as fast as it can.
    Stepping,
    /// Re-running from the start to a place before the current one.
    Seeking,
    /// The data is over; `on_finish` has run.
    Finished,
    /// The strategy or the data failed; the error is in the console.
    Failed,
}

impl RunState {
    /// True while the engine runs without waiting for a command.
    pub fn is_running(self) -> bool {
        matches!(
            self,
            RunState::Playing(_) | RunState::Stepping | RunState::Seeking
        )
    }

    /// A word for the status bar.
    pub fn label(self) -> &'static str {
        match self {
            RunState::Empty => "no data",
            RunState::Paused => "paused",
            RunState::Playing(_) => "playing",
            RunState::Stepping => "stepping",
            RunState::Seeking => "seeking",
            RunState::Finished => "finished",
            RunState::Failed => "failed",
        }
    }
}

/// The best levels of one book, best first on each side.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BookView {
    /// Bid levels, highest price first.
    pub bids: Vec<Level>,
    /// Ask levels, lowest price first.
    pub asks: Vec<Level>,
}

impl BookView {
    /// The top `depth` levels of each side of `book`.
    pub fn of(book: &L2Book, depth: usize) -> Self {
        BookView {
            bids: book.top(Side::Buy, depth).collect(),
            asks: book.top(Side::Sell, depth).collect(),
        }
    }

    /// Best bid and ask prices, ticks.
    pub fn touch_ticks(&self) -> (Option<i64>, Option<i64>) {
        (
            self.bids.first().map(|l| l.price),
            self.asks.first().map(|l| l.price),
        )
    }

    /// Mid price, ticks, when both sides have a level.
    pub fn mid_ticks(&self) -> Option<f64> {
        match self.touch_ticks() {
            (Some(bid), Some(ask)) => Some((bid + ask) as f64 / 2.0),
            _ => None,
        }
    }

    /// Quantity at `price_ticks` on `side`, lots (0 when not among the copied
    /// levels).
    pub fn qty_at(&self, side: Side, price_ticks: i64) -> i64 {
        let levels = match side {
            Side::Buy => &self.bids,
            Side::Sell => &self.asks,
            Side::None => return 0,
        };
        levels
            .iter()
            .find(|l| l.price == price_ticks)
            .map_or(0, |l| l.qty)
    }
}

/// The run as it stands, for the window.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Frame {
    /// What the session is doing.
    pub state: RunState,
    /// Local time: the time of the last thing the strategy saw, ns.
    pub now_ns: i64,
    /// Exchange time of the last market event the exchange processed, ns.
    pub exchange_now_ns: i64,
    /// Market events the strategy has seen (the step index).
    pub events_seen: u64,
    /// Market events the exchange has processed.
    pub exchange_events: u64,
    /// Things the strategy has been woken for (events, order updates,
    /// timers) since the start of the run.
    pub wakes: u64,
    /// The book as the strategy sees it, at local time.
    pub local_book: BookView,
    /// The book at the exchange, ahead of the local one by the feed latency.
    pub exchange_book: BookView,
    /// The strategy's open orders as it knows them, with queue positions.
    pub orders: Vec<OpenOrder>,
    /// The strategy's account, marked to the local mid.
    pub account: AccountSnapshot,
    /// Market events processed per second of real time over the last
    /// measurement, while running.
    pub events_per_sec: f64,
}

impl Frame {
    /// A frame of `engine` with `depth` levels per side.
    pub fn of(engine: &Engine<'_>, state: RunState, wakes: u64, depth: usize) -> Self {
        let local = engine.local_book();
        let mark = local
            .mid_ticks()
            .unwrap_or_else(|| engine.account().avg_entry_ticks());
        Frame {
            state,
            now_ns: engine.now_ns(),
            exchange_now_ns: engine.exchange_now_ns(),
            events_seen: engine.events_seen(),
            exchange_events: engine.exchange_events(),
            wakes,
            local_book: BookView::of(local, depth),
            exchange_book: BookView::of(engine.exchange_book(), depth),
            orders: engine.open_orders().to_vec(),
            account: engine.account().snapshot(mark),
            events_per_sec: 0.0,
        }
    }
}
