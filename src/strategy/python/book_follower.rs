//! `ctx.book` kept on the book of the instrument each callback is about,
//! in a run over several instruments: one store into the `book` member of
//! `ctx` when the instrument changes (see `members`).

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;

use super::ctx::PyCtx;
use super::members::{Fields, Layout};

/// Keeps `ctx.book` on the book of the instrument each callback is about,
/// in a run over several instruments.
pub(crate) struct BookFollower {
    /// The `book` member of `ctx`, in a run over several instruments.
    member: Option<Fields<1>>,
    /// The instrument whose book `ctx.book` is.
    at: usize,
}

impl BookFollower {
    /// The follower of `ctx`, over `count` instruments.
    pub(crate) fn new(ctx: &Bound<'_, PyCtx>, count: usize) -> PyResult<Self> {
        let member = if count > 1 {
            let book = ctx.get().book.bind(ctx.py());
            let layout = Layout::of_values(ctx.as_any(), [book])?;
            let member = layout.and_then(|layout| layout.fields(ctx.as_any()));
            if member.is_none() {
                return Err(PyRuntimeError::new_err(
                    "ctx.book cannot follow the instrument of each callback",
                ));
            }
            member
        } else {
            None
        };
        Ok(BookFollower { member, at: 0 })
    }

    /// Makes `ctx.book` `book`, the book of instrument `index`.
    #[inline]
    pub(crate) fn follow(&mut self, py: Python<'_>, index: usize, book: &Py<PyAny>) {
        if index == self.at {
            return;
        }
        if let Some(member) = &self.member {
            member.set(0, book.clone_ref(py).into_bound(py));
            self.at = index;
        }
    }
}
