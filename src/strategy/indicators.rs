//! Incremental indicators over market data, for any strategy host.
//!
//! Each indicator takes values as they happen and answers for the time it is
//! asked about; none keeps more than its window needs, and after the window
//! has filled once none allocates again (ring buffers are reused).
//!
//! Market data arrives at irregular times, so every windowed indicator says
//! exactly how it weighs what it saw:
//!
//! - **State series** (mid, best bid, microprice, spread, last trade price)
//!   hold each value until the next one: the value pushed at `t` is in force
//!   on `[t, next push)`. [`TimeWeightedWindow`] (SMA, standard deviation,
//!   Bollinger bands) and [`TimeEma`] weigh a value by how long it was in
//!   force, so a burst of a thousand updates at one price counts for the
//!   milliseconds it lasted, not a thousand times, and a value pushed at the
//!   very time asked about has no weight yet.
//! - **Event series** (trades) count each event once: [`TradeWindow`] sums
//!   volume, count, signed volume and notional over the trades in the window.
//! - [`WindowedRsi`] sums the up and down moves of a series inside the window
//!   (Cutler's RSI on a time window).
//!
//! Windows are half-open at their far end: at time `t` a window of length `w`
//! covers `(t - w, t]` for events and `[t - w, t]` for time-weighted values.
//! Prices are in ticks, quantities in lots, times in ns since the epoch.

mod book;
mod ema;
mod rsi;
mod time_window;
mod trade_window;
mod value_ago;

pub use book::{imbalance, microprice_ticks};
pub use ema::TimeEma;
pub use rsi::WindowedRsi;
pub use time_window::{TimeWeightedWindow, WindowStats};
pub use trade_window::{TradeWindow, TradeWindowStats};
pub use value_ago::ValueAgo;

/// Updates of a running sum after which it is recomputed from its parts,
/// so floating-point error cannot build up over a long day.
const REBUILD_EVERY: usize = 4096;
