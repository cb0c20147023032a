//! The strategy's printed lines, copied to the worker's standard error as
//! they are written, for the parent's report should the worker die before
//! the callback returns (see [`console_tap`](crate::strategy::console_tap)).
//!
//! Each copied line starts with [`PRINTED_PREFIX`]; the parent keeps such
//! lines among the worker's last console lines without showing them, and
//! drops them at the next [`RETURNED_LINE`], written once the callback that
//! printed them has returned: its text then reaches the console through the
//! run's log, stamped with its data time.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::strategy::console_tap::Tapped;

/// Marks a line of the worker's standard error as a copy of printed text.
pub const PRINTED_PREFIX: &str = "\u{1}printed ";

/// The line that says the copies so far are in the run's log now.
pub const RETURNED_LINE: &str = "\u{1}printed-returned";

/// Something was copied since the last [`RETURNED_LINE`].
static COPIED: AtomicBool = AtomicBool::new(false);

/// The worker's console tap: copies printed text to standard error, one
/// marked line per line of it, and says when the callback returned (only
/// after one that printed). A failure to write is ignored: the copy only
/// serves a report.
pub fn copy_to_stderr(tapped: Tapped<'_>) {
    let mut out = Vec::new();
    match tapped {
        Tapped::Text(text) => {
            for line in text.split('\n').filter(|line| !line.is_empty()) {
                out.extend_from_slice(PRINTED_PREFIX.as_bytes());
                out.extend_from_slice(line.as_bytes());
                out.push(b'\n');
            }
            if !out.is_empty() {
                COPIED.store(true, Ordering::Relaxed);
            }
        }
        Tapped::Returned => {
            if COPIED.swap(false, Ordering::Relaxed) {
                out.extend_from_slice(RETURNED_LINE.as_bytes());
                out.push(b'\n');
            }
        }
    }
    if !out.is_empty() {
        let _ = std::io::stderr().lock().write_all(&out);
    }
}

/// A line of the worker's standard error, as the parent reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConsoleLine<'a> {
    /// A copy of printed text (kept for a report, not shown).
    Printed(&'a str),
    /// The copies so far are in the run's log now.
    Returned,
    /// Anything else the worker wrote.
    Other(&'a str),
}

impl<'a> ConsoleLine<'a> {
    /// What `line` is.
    pub fn of(line: &'a str) -> Self {
        if line == RETURNED_LINE {
            return ConsoleLine::Returned;
        }
        match line.strip_prefix(PRINTED_PREFIX) {
            Some(text) => ConsoleLine::Printed(text),
            None => ConsoleLine::Other(line),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_and_returns_are_recognised_and_other_lines_are_not() {
        let copy = format!("{PRINTED_PREFIX}about to exit");
        assert_eq!(
            ConsoleLine::of(&copy),
            ConsoleLine::Printed("about to exit")
        );
        assert_eq!(ConsoleLine::of(RETURNED_LINE), ConsoleLine::Returned);
        assert_eq!(
            ConsoleLine::of("Fatal Python error: Segmentation fault"),
            ConsoleLine::Other("Fatal Python error: Segmentation fault")
        );
    }
}
