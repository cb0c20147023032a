//! What runs on this thread now: the strategy whose callback is on the
//! stack, the guard rules it runs under, and what it printed.
//!
//! The host hands its [`Active`] state to the thread for the span of one
//! callback ([`run`]) and takes it back afterwards, so `print`, `logging`
//! and the audit hook, which Python calls with no strategy at hand, find
//! the right one in O(1) and nothing is shared between strategies.

use std::cell::RefCell;
use std::sync::Arc;

use super::guard::Policy;
use super::slot;
use crate::strategy::Ctx;

/// A strategy's per-callback state, parked in the host between callbacks.
#[derive(Debug)]
pub(crate) struct Active {
    /// The strategy's identity (see [`super::host`]).
    pub owner: u64,
    /// What the strategy may do (network, files).
    pub policy: Arc<Policy>,
    /// Lines printed, logged or passed to `ctx.log` during the callback, in
    /// order; the host sends them to the run's log when the callback ends.
    pub lines: Vec<String>,
    /// Text printed since the last newline.
    pub partial: String,
}

impl Active {
    /// A fresh state for strategy `owner`.
    pub(crate) fn new(owner: u64, policy: Arc<Policy>) -> Self {
        Active {
            owner,
            policy,
            lines: Vec::new(),
            partial: String::new(),
        }
    }

    /// Ends the line being printed, if any.
    pub(crate) fn end_partial_line(&mut self) {
        if !self.partial.is_empty() {
            let line = std::mem::take(&mut self.partial);
            self.lines.push(line);
        }
    }
}

thread_local! {
    static ACTIVE: RefCell<Option<Active>> = const { RefCell::new(None) };
}

/// Puts the previous state back when dropped (also on unwind).
struct Restore(Option<Option<Active>>);

impl Drop for Restore {
    fn drop(&mut self) {
        if let Some(previous) = self.0.take() {
            ACTIVE.with(|active| *active.borrow_mut() = previous);
        }
    }
}

/// Runs `f` as a callback of `active.owner` with `ctx` lent to it, and
/// returns what `f` returned and the state, with the lines written meanwhile.
pub(crate) fn run<R>(active: Active, ctx: &mut Ctx<'_, '_>, f: impl FnOnce() -> R) -> (R, Active) {
    let owner = active.owner;
    let previous = ACTIVE.with(|slot| slot.borrow_mut().replace(active));
    let mut restore = Restore(Some(previous));
    let result = slot::lend(owner, ctx, f);
    let mut active = ACTIVE
        .with(|slot| slot.borrow_mut().take())
        .filter(|active| active.owner == owner)
        .unwrap_or_else(|| {
            // Only `run` sets the slot and it restores it before returning,
            // so the state put in above is still there; a fresh one keeps
            // the run going should that ever not hold.
            Active::new(owner, Arc::new(Policy::default()))
        });
    if let Some(previous) = restore.0.take() {
        ACTIVE.with(|slot| *slot.borrow_mut() = previous);
    }
    active.end_partial_line();
    (result, active)
}

/// True while a callback of strategy `owner` runs on this thread.
pub(crate) fn is_active(owner: u64) -> bool {
    ACTIVE.with(|slot| {
        slot.try_borrow()
            .is_ok_and(|active| active.as_ref().is_some_and(|a| a.owner == owner))
    })
}

/// Adds printed text to the running callback's output; `false` (and nothing
/// kept) when no callback runs on this thread.
pub(crate) fn write_text(text: &str) -> bool {
    ACTIVE.with(|slot| {
        let Ok(mut slot) = slot.try_borrow_mut() else {
            return false;
        };
        let Some(active) = slot.as_mut() else {
            return false;
        };
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
    ACTIVE.with(|slot| {
        let Ok(mut slot) = slot.try_borrow_mut() else {
            return false;
        };
        match slot.as_mut() {
            Some(active) if active.owner == owner => {
                active.end_partial_line();
                active.lines.push(line);
                true
            }
            _ => false,
        }
    })
}

/// Calls `f` with the guard rules of the callback running on this thread
/// (`None` when no callback runs here).
pub(crate) fn with_policy<R>(f: impl FnOnce(Option<&Policy>) -> R) -> R {
    ACTIVE.with(|slot| match slot.try_borrow() {
        Ok(active) => f(active.as_ref().map(|a| &*a.policy)),
        Err(_) => f(None),
    })
}
