//! What runs on this thread now: the strategy whose callback is on the
//! stack, the guard rules it runs under, and what it printed.
//!
//! `print`, `logging` and the audit hook are called by Python with no
//! strategy at hand; they find the running one here in O(1). The state
//! stays on the thread between callbacks (marked not running) so that a
//! callback costs two flag flips, not a move; a different strategy taking
//! the thread replaces it.

use std::cell::{Cell, RefCell};
use std::sync::Arc;

use super::guard::Policy;
use super::slot;
use crate::strategy::console_tap;
use crate::strategy::Ctx;

/// A strategy's state on this thread.
struct Active {
    owner: u64,
    policy: Arc<Policy>,
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

/// What a callback's start and end read and write: plain cells, so that
/// marking a callback touches no borrow flag.
struct Marks {
    /// The strategy whose callback is on the stack, 0 for none.
    running: Cell<u64>,
    /// The strategy whose state [`ACTIVE`] holds, 0 for none.
    held: Cell<u64>,
    /// The running callback wrote text, waiting in [`ACTIVE`].
    wrote: Cell<bool>,
}

thread_local! {
    static ACTIVE: RefCell<Option<Active>> = const { RefCell::new(None) };
    static MARKS: Marks = const {
        Marks {
            running: Cell::new(0),
            held: Cell::new(0),
            wrote: Cell::new(false),
        }
    };
}

/// Marks the callback over when dropped (also on unwind): the strategy
/// running before it, if any, runs again.
struct Leave(u64);

impl Drop for Leave {
    #[inline]
    fn drop(&mut self) {
        MARKS.with(|marks| marks.running.set(self.0));
    }
}

/// Makes `owner`, under `policy`, the strategy whose state this thread
/// holds.
#[cold]
#[inline(never)]
fn hold(owner: u64, policy: &Arc<Policy>) {
    // The cell is borrowed only inside these small functions, never while
    // Python runs, so the borrow always succeeds; were it to fail, the
    // callback would run without console capture and under the guard's
    // fallback rules rather than panic.
    ACTIVE.with(|slot| {
        let Ok(mut slot) = slot.try_borrow_mut() else {
            return;
        };
        *slot = Some(Active {
            owner,
            policy: Arc::clone(policy),
            lines: Vec::new(),
            partial: String::new(),
        });
        MARKS.with(|marks| marks.held.set(owner));
    });
}

/// The lines `owner`'s callback wrote, its partial line ended.
#[cold]
#[inline(never)]
fn take_lines(owner: u64) -> Vec<String> {
    ACTIVE.with(|slot| {
        let Ok(mut slot) = slot.try_borrow_mut() else {
            return Vec::new();
        };
        match slot.as_mut().filter(|a| a.owner == owner) {
            Some(active) => {
                active.end_partial_line();
                std::mem::take(&mut active.lines)
            }
            None => Vec::new(),
        }
    })
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
    let before = MARKS.with(|marks| {
        if marks.held.get() != owner {
            hold(owner, policy);
        }
        marks.wrote.set(false);
        marks.running.replace(owner)
    });
    let leave = Leave(before);
    let result = slot::lend(owner, ctx, f);
    drop(leave);
    console_tap::returned();
    let lines = if MARKS.with(|marks| marks.wrote.replace(false)) {
        take_lines(owner)
    } else {
        Vec::new()
    };
    (result, lines)
}

/// Calls `f` on the state of the callback running on this thread.
#[inline]
fn with_running<R>(f: impl FnOnce(Option<&mut Active>) -> R) -> R {
    let running = MARKS.with(|marks| marks.running.get());
    if running == 0 {
        return f(None);
    }
    ACTIVE.with(|slot| match slot.try_borrow_mut() {
        Ok(mut slot) => f(slot.as_mut().filter(|a| a.owner == running)),
        Err(_) => f(None),
    })
}

/// Notes that the running callback wrote text.
#[inline]
fn mark_written() {
    MARKS.with(|marks| marks.wrote.set(true));
}

/// True while a callback of strategy `owner` runs on this thread.
pub(crate) fn is_active(owner: u64) -> bool {
    owner != 0 && MARKS.with(|marks| marks.running.get()) == owner
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
        mark_written();
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
            mark_written();
            true
        }
        _ => false,
    })
}

/// Calls `f` with the guard rules of the callback running on this thread
/// (`None` when no callback runs here).
pub(crate) fn with_policy<R>(f: impl FnOnce(Option<&Policy>) -> R) -> R {
    let running = MARKS.with(|marks| marks.running.get());
    if running == 0 {
        return f(None);
    }
    ACTIVE.with(|slot| match slot.try_borrow() {
        Ok(active) => f(active
            .as_ref()
            .filter(|a| a.owner == running)
            .map(|a| &*a.policy)),
        Err(_) => f(None),
    })
}
