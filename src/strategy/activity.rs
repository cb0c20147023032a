//! What the strategy of this process is doing right now, readable from
//! another thread: the event it is at, the data time, and whether one of
//! its callbacks is running.
//!
//! The [`Runner`](super::Runner) marks each callback with a few plain
//! atomic stores (no clock read, no read-modify-write), so marking costs
//! nothing measurable per event. A watcher (the worker's heartbeat) samples
//! [`snapshot`] now and then: a callback it sees running with the same
//! serial on two samples has been running at least as long as between them.
//!
//! The state is process-wide: it describes the one run of a worker process.
//! In a process running several strategies at once it mixes them, which
//! only the worker's watcher reads, and the worker runs one.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

/// `serial << 8 | callback << 1 | running`.
static STATE: AtomicU64 = AtomicU64::new(0);
/// Market events the strategy had seen when the last callback started.
static EVENT_INDEX: AtomicU64 = AtomicU64::new(0);
/// Local data time when the last callback started, ns since epoch.
static DATA_TS_NS: AtomicI64 = AtomicI64::new(0);

/// The callbacks, by the number kept in the state word.
const CALLBACKS: [&str; 6] = [
    "callback",
    "on_start",
    "on_market",
    "on_order",
    "on_timer",
    "on_finish",
];

/// A moment of the strategy's activity.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Activity {
    /// Callbacks started so far in this process.
    pub serial: u64,
    /// The callback is running now.
    pub is_running: bool,
    /// Which callback (`on_market`, ...), the last one when none runs.
    pub callback: &'static str,
    /// Market events the strategy had seen when it started.
    pub event_index: u64,
    /// Local data time when it started, ns since epoch.
    pub data_ts_ns: i64,
}

/// The number of `name` in [`CALLBACKS`], told apart by their fourth byte
/// (`on_s`tart, `on_m`arket, ...) so that marking costs no string compare.
#[inline]
fn number_of(name: &str) -> u64 {
    match name.as_bytes().get(3) {
        Some(b's') => 1,
        Some(b'm') => 2,
        Some(b'o') => 3,
        Some(b't') => 4,
        Some(b'f') => 5,
        _ => 0,
    }
}

/// A callback named `name` starts, the strategy having seen `event_index`
/// market events, at local time `ts_ns`.
#[inline(always)]
pub(crate) fn enter(name: &'static str, event_index: u64, ts_ns: i64) {
    // One thread marks a run; a plain load and store is enough.
    let serial = (STATE.load(Ordering::Relaxed) >> 8) + 1;
    EVENT_INDEX.store(event_index, Ordering::Relaxed);
    DATA_TS_NS.store(ts_ns, Ordering::Relaxed);
    STATE.store(serial << 8 | number_of(name) << 1 | 1, Ordering::Release);
}

/// The callback started last has returned.
#[inline(always)]
pub(crate) fn exit() {
    let state = STATE.load(Ordering::Relaxed);
    STATE.store(state & !1, Ordering::Release);
}

/// What the strategy is doing now.
pub fn snapshot() -> Activity {
    let state = STATE.load(Ordering::Acquire);
    let number = usize::try_from(state >> 1 & 0x7f).unwrap_or(0);
    Activity {
        serial: state >> 8,
        is_running: state & 1 == 1,
        callback: CALLBACKS.get(number).copied().unwrap_or("callback"),
        event_index: EVENT_INDEX.load(Ordering::Relaxed),
        data_ts_ns: DATA_TS_NS.load(Ordering::Relaxed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_callback_name_has_its_own_number() {
        for (number, name) in CALLBACKS.iter().enumerate().skip(1) {
            assert_eq!(number_of(name), number as u64, "{name}");
        }
        assert_eq!(number_of("x"), 0);
    }
}
