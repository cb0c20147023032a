//! A copy of what strategy code prints, handed on as it is printed.
//!
//! A strategy's output normally reaches the run's log when its callback
//! returns, stamped with the event's data time. A process that dies inside
//! the callback (an `os._exit`, a crash in native code, a kill) never gets
//! there; the worker process sets a tap so that its parent holds a copy of
//! each line from the moment it is written, for the report of the death.

use std::sync::OnceLock;

/// What the tap is told.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tapped<'a> {
    /// Text strategy code just printed or logged (possibly part of a line).
    Text(&'a str),
    /// The callback returned: what it printed reaches the run's log now.
    Returned,
}

/// Where a copy of printed text goes, when set.
static TAP: OnceLock<fn(Tapped<'_>)> = OnceLock::new();

/// Sends a copy of everything strategy code prints or logs from now on to
/// `tap`, as it is written, and tells it when each callback returns. Only
/// the first call sets it; later ones return `false`.
pub fn set(tap: fn(Tapped<'_>)) -> bool {
    TAP.set(tap).is_ok()
}

/// Hands `text`, just printed by strategy code, to the tap if one is set.
#[inline]
pub(crate) fn echo(text: &str) {
    if let Some(tap) = TAP.get() {
        tap(Tapped::Text(text));
    }
}

/// Tells the tap, if one is set, that a callback returned.
#[inline]
pub(crate) fn returned() {
    if let Some(tap) = TAP.get() {
        tap(Tapped::Returned);
    }
}
