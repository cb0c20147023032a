//! A market callback made ready once per run: the strategy's function and
//! the tuple of its arguments (`self`, `ctx`, the event object), so that a
//! call builds nothing, touches no reference count but its result's and
//! goes through one C-API call (`PyObject_Call`, in the stable ABI too).
//!
//! The objects handed to a market callback never change during a run (the
//! event object is rewritten in place), and a tuple cannot be changed, so
//! one tuple serves every call.

use pyo3::prelude::*;
use pyo3::types::PyTuple;

/// A callback and its arguments, ready to call.
pub(crate) struct Prepared {
    /// The function (a bound method's `__func__`) or the callable itself.
    function: Py<PyAny>,
    /// The arguments: the bound method's `self` first, then the callback's.
    args: Py<PyTuple>,
}

impl Prepared {
    /// `callback` called with `args`: a bound method becomes its function
    /// called with its `self` first (the same call, one step less).
    pub(crate) fn new(
        py: Python<'_>,
        callback: &Bound<'_, PyAny>,
        args: &[&Bound<'_, PyAny>],
    ) -> PyResult<Self> {
        let method_type = py.import("types")?.getattr("MethodType")?;
        let (function, bound_self) = if callback.is_instance(&method_type)? {
            (
                callback.getattr("__func__")?,
                Some(callback.getattr("__self__")?),
            )
        } else {
            (callback.clone(), None)
        };
        let items: Vec<&Bound<'_, PyAny>> = bound_self.iter().chain(args.iter().copied()).collect();
        Ok(Prepared {
            function: function.unbind(),
            args: PyTuple::new(py, items)?.unbind(),
        })
    }

    /// Calls the callback; its result is dropped.
    #[inline]
    pub(crate) fn call(&self, py: Python<'_>) -> PyResult<()> {
        self.function.bind(py).call1(self.args.bind(py))?;
        Ok(())
    }
}
