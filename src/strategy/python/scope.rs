//! What runs on this thread now: the strategy whose callback is on the
//! stack, the guard rules it runs under, and what it printed.
//!
//! `print`, `logging` and the audit hook are called by Python with no
//! strategy at hand; they find the running one here in O(1). The state
//! stays on the thread between callbacks (marked not running) so that a
//! callback costs two flag flips, not a move; a different strategy taking
//! the thread replaces it.

use std::cell::RefCell;
use std::sync::Arc;

use super::guard::Policy;
use super::slot;
use crate::strategy::console_tap;
use crate::strategy::Ctx;

/// A strategy's state on this thread.
struct Active {
    owner: u64,
    policy: Arc<Policy>,
    /// A callback of `owner` is on the stack.
    running: bool,
    /// Lines printed, logged or passed to `ctx.log` during the callback, in
    /// order; the host sends them to the run's log when it returns.
    lines: Vec<String>,
    /// Text printed since the last newline.
    partial: String,
}

impl Active {
    fn end_partial_line(&mut self) {
        if !self.partial.is_empty() {
            let line = std::mem::take(&mut self.partial);
            self.lines.push(line);
        }
    }
}

thread_local! {
    static ACTIVE: RefCell<Option<Active>> = const { RefCell::new(None) };
}

/// Marks the callback over when dropped (also on unwind).
struct Leave(u64);

impl Drop for Leave {
    fn drop(&mut self) {
        ACTIVE.with(|slot| {
            if let Ok(mut slot) = slot.try_borrow_mut() {
                if let Some(active) = slot.as_mut().filter(|a| a.owner == self.0) {
                    active.running = false;
                }
            }
        });
    }
}

/// Runs `f` as a callback of strategy `owner` under `policy`, with `ctx`
/// lent to it; returns what `f` returned and the lines written meanwhile.
#[inline]
pub(crate) fn run<R>(
    owner: u64,
    policy: &Arc<Policy>,
    ctx: &mut Ctx<'_, '_>,
    f: impl FnOnce() -> R,
) -> (R, Vec<String>) {
    // The cell is borrowed only inside these small functions, never while
    // Python runs, so the borrows below always succeed; were one to fail,
    // the callback would run without console capture and under the guard's
    // fallback rules rather than panic.
    ACTIVE.with(|slot| {
        let Ok(mut slot) = slot.try_borrow_mut() else {
            return;
        };
        match slot.as_mut() {
            Some(active) if active.owner == owner => active.running = true,
            _ => {
                *slot = Some(Active {
                    owner,
                    policy: Arc::clone(policy),
                    running: true,
                    lines: Vec::new(),
                    partial: String::new(),
                });
            }
        }
    });
    // Only for an unwind: the normal way out below does the same.
    let leave = Leave(owner);
    let result = slot::lend(owner, ctx, f);
    std::mem::forget(leave);
    console_tap::returned();
    let lines = ACTIVE.with(|slot| {
        let Ok(mut slot) = slot.try_borrow_mut() else {
            return Vec::new();
        };
        match slot.as_mut().filter(|a| a.owner == owner) {
            Some(active) => {
                active.running = false;
                active.end_partial_line();
                std::mem::take(&mut active.lines)
            }
            None => Vec::new(),
        }
    });
    (result, lines)
}

/// Calls `f` on the state of the callback running on this thread.
#[inline]
fn with_running<R>(f: impl FnOnce(Option<&mut Active>) -> R) -> R {
    ACTIVE.with(|slot| match slot.try_borrow_mut() {
        Ok(mut slot) => f(slot.as_mut().filter(|a| a.running)),
        Err(_) => f(None),
    })
}

/// True while a callback of strategy `owner` runs on this thread.
pub(crate) fn is_active(owner: u64) -> bool {
    with_running(|active| active.is_some_and(|a| a.owner == owner))
}

/// Adds printed text to the running callback's output; `false` (and nothing
/// kept) when no callback runs on this thread.
pub(crate) fn write_text(text: &str) -> bool {
    with_running(|active| {
        let Some(active) = active else {
            return false;
        };
        console_tap::echo(text);
        let mut rest = text;
        while let Some(end) = rest.find('\n') {
            active.partial.push_str(&rest[..end]);
            let line = std::mem::take(&mut active.partial);
            active.lines.push(line);
            rest = &rest[end + 1..];
        }
        active.partial.push_str(rest);
        true
    })
}

/// Adds a whole line to the running callback of `owner`'s output (after
/// anything printed before it); `false` when that callback is not running.
pub(crate) fn write_line(owner: u64, line: String) -> bool {
    with_running(|active| match active {
        Some(active) if active.owner == owner => {
            console_tap::echo(&line);
            console_tap::echo("\n");
            active.end_partial_line();
            active.lines.push(line);
            true
        }
        _ => false,
    })
}

/// Calls `f` with the guard rules of the callback running on this thread
/// (`None` when no callback runs here).
pub(crate) fn with_policy<R>(f: impl FnOnce(Option<&Policy>) -> R) -> R {
    ACTIVE.with(|slot| match slot.try_borrow() {
        Ok(active) => f(active.as_ref().filter(|a| a.running).map(|a| &*a.policy)),
        Err(_) => f(None),
    })
}
