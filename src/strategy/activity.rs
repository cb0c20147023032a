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
//! A worker keeps these words in a page it shares with its parent
//! ([`share`]), so that after the worker's death the parent reads the exact
//! event and callback it died in, not a beat up to a period old.
//!
//! The state is process-wide: it describes the one run of a worker process.
//! In a process running several strategies at once it mixes them, which
//! only the worker's watcher reads, and the worker runs one.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::OnceLock;

/// The words that say what the strategy is doing, laid out for a page
/// shared with another process (see [`share`]).
#[repr(C)]
#[derive(Debug, Default)]
pub struct Slots {
    /// `serial << 8 | callback << 1 | running`.
    state: AtomicU64,
    /// Market events the strategy had seen when the last callback started.
    event_index: AtomicU64,
    /// Local data time when the last callback started, ns since epoch.
    data_ts_ns: AtomicI64,
}

impl Slots {
    /// Nothing marked yet.
    pub const fn new() -> Slots {
        Slots {
            state: AtomicU64::new(0),
            event_index: AtomicU64::new(0),
            data_ts_ns: AtomicI64::new(0),
        }
    }

    /// What these words say now.
    pub fn snapshot(&self) -> Activity {
        let state = self.state.load(Ordering::Acquire);
        let number = usize::try_from(state >> 1 & 0x7f).unwrap_or(0);
        Activity {
            serial: state >> 8,
            is_running: state & 1 == 1,
            callback: CALLBACKS.get(number).copied().unwrap_or("callback"),
            event_index: self.event_index.load(Ordering::Relaxed),
            data_ts_ns: self.data_ts_ns.load(Ordering::Relaxed),
        }
    }
}

/// The words of this process, until [`share`] moves them.
static LOCAL: Slots = Slots::new();
/// The words in a page shared with the parent, once [`share`] set them.
static SHARED: OnceLock<&'static Slots> = OnceLock::new();

/// Where the words live now.
#[inline(always)]
fn slots() -> &'static Slots {
    match SHARED.get() {
        Some(shared) => shared,
        None => &LOCAL,
    }
}

/// Marks the activity in `shared` from now on (a page the parent reads
/// after the process died, for the exact event of its death); false when
/// it already is elsewhere. Call it before the strategy runs.
pub fn share(shared: &'static Slots) -> bool {
    let now = &LOCAL;
    for (to, from) in [
        (&shared.event_index, &now.event_index),
        (&shared.state, &now.state),
    ] {
        to.store(from.load(Ordering::Relaxed), Ordering::Relaxed);
    }
    shared
        .data_ts_ns
        .store(now.data_ts_ns.load(Ordering::Relaxed), Ordering::Relaxed);
    SHARED.set(shared).is_ok()
}

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
    let slots = slots();
    let serial = (slots.state.load(Ordering::Relaxed) >> 8) + 1;
    slots.event_index.store(event_index, Ordering::Relaxed);
    slots.data_ts_ns.store(ts_ns, Ordering::Relaxed);
    slots
        .state
        .store(serial << 8 | number_of(name) << 1 | 1, Ordering::Release);
}

/// The callback started last has returned.
#[inline(always)]
pub(crate) fn exit() {
    let slots = slots();
    let state = slots.state.load(Ordering::Relaxed);
    slots.state.store(state & !1, Ordering::Release);
}

/// What the strategy is doing now.
pub fn snapshot() -> Activity {
    slots().snapshot()
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
