//! A value that stays on the thread that made it while the thread lets go
//! of the Python interpreter.
//!
//! `Python::detach` takes only `Send` closures, to keep Python objects out
//! of code that runs without the interpreter. The run's state (the replay
//! with its `Rc` writer) is not `Send`, yet `detach` calls the closure on
//! the calling thread and returns before the thread takes the interpreter
//! back, so the state never leaves its thread.
#![allow(unsafe_code)]

/// `T`, marked sendable for [`pyo3::Python::detach`] alone.
pub(crate) struct SameThread<T>(pub T);

// SAFETY: a `SameThread` is made, used and dropped on one thread: it is
// only handed to `Python::detach`, which runs its closure on the calling
// thread and waits for it.
unsafe impl<T> Send for SameThread<T> {}
