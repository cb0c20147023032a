//! Lends the callback's [`Ctx`] to the Python objects that act through it.
//!
//! Python objects live as long as Python keeps them (`'static` to Rust), but
//! the `Ctx` a callback receives borrows the engine for that callback only.
//! [`lend`] parks a pointer to it in a thread-local slot for exactly the
//! span of one call and clears it on the way out, even on unwind;
//! [`with_ctx`] hands it back out as a short-lived `&mut` to the `ctx`
//! methods running inside that span, on that thread, for that strategy.

// The one place where a borrowed `Ctx` crosses into code that Python calls
// back: the borrow cannot be expressed in types pyo3 can hold, so it is
// checked at run time here (thread, owner, span, no re-entry) instead.
#![allow(unsafe_code)]

use std::cell::Cell;
use std::ptr::NonNull;

use crate::strategy::Ctx;

/// A lent context: which strategy it belongs to and where it is.
#[derive(Clone, Copy)]
struct Lent {
    owner: u64,
    ctx: NonNull<Ctx<'static, 'static>>,
}

thread_local! {
    /// The context lent on this thread, if a callback is running.
    static SLOT: Cell<Option<Lent>> = const { Cell::new(None) };
}

/// Why a `ctx` method cannot act now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unavailable {
    /// No callback of this strategy is running on this thread.
    OutsideCallback,
    /// A `ctx` method is already running further up the stack.
    Reentered,
}

/// Puts the slot back as it was when dropped.
struct Restore(Option<Lent>);

impl Drop for Restore {
    fn drop(&mut self) {
        SLOT.with(|slot| slot.set(self.0));
    }
}

/// Runs `f` with `ctx` lent to the `ctx` methods of strategy `owner` on this
/// thread.
pub(crate) fn lend<R>(owner: u64, ctx: &mut Ctx<'_, '_>, f: impl FnOnce() -> R) -> R {
    // Only the lifetimes are erased; `ctx` stays mutably borrowed by this
    // frame until the slot is restored below, so nothing else can touch it.
    let ctx = NonNull::from(ctx).cast::<Ctx<'static, 'static>>();
    let previous = SLOT.with(|slot| slot.replace(Some(Lent { owner, ctx })));
    let _restore = Restore(previous);
    f()
}

/// Runs `f` on the context lent to strategy `owner`, if any.
///
/// The slot is emptied while `f` runs, so a call that re-enters (Python code
/// run from inside `f`) finds nothing instead of a second `&mut`.
pub(crate) fn with_ctx<R>(
    owner: u64,
    f: impl FnOnce(&mut Ctx<'_, '_>) -> R,
) -> Result<R, Unavailable> {
    let lent = SLOT.with(|slot| {
        let lent = slot.get().filter(|lent| lent.owner == owner);
        if lent.is_some() {
            slot.set(None);
        }
        lent
    });
    let Some(lent) = lent else {
        // The slot is empty while a `ctx` method of this strategy runs.
        return Err(if super::scope::is_active(owner) {
            Unavailable::Reentered
        } else {
            Unavailable::OutsideCallback
        });
    };
    let _restore = Restore(Some(lent));
    // SAFETY: `lent.ctx` was made by `lend` on this thread from a `&mut Ctx`
    // that `lend`'s frame still holds: the slot is only ever set by `lend`,
    // which restores it before returning, so a pointer found here points to
    // a live `Ctx` whose borrow is exclusively ours for the span of `f` (the
    // slot is empty meanwhile, so no second reference can be made). The
    // erased lifetimes cannot escape: `f` is generic over them.
    let ctx = unsafe { &mut *lent.ctx.as_ptr() };
    Ok(f(ctx))
}
