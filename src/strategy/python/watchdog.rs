//! Interrupts a callback that runs longer than its wall-clock budget.
//!
//! Signals reach only the main thread, and strategies run on whatever
//! thread drives the session, so a watchdog thread asks the interpreter to
//! raise `ticklab.CallbackTimeout` in the strategy's thread
//! (`PyThreadState_SetAsyncExc`). Python raises it at the next bytecode
//! boundary; code blocked inside a C function is interrupted when it
//! returns.
//!
//! Marking a callback costs two relaxed stores: the state word holds a
//! callback counter and a running bit. The watchdog samples it every
//! budget/8 and fires once it has seen the same callback running for the
//! whole budget (so after between one budget and one budget plus a tick); it checks again holding the GIL, so a callback that ended
//! meanwhile is never hit.

// FFI: `PyThreadState_SetAsyncExc` and `PyThread_get_thread_ident` have no
// safe wrapper in pyo3.
#![allow(unsafe_code)]

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{bounded, RecvTimeoutError, Sender};
use pyo3::prelude::*;
use pyo3::types::PyType;

/// State shared with the watchdog thread.
struct Shared {
    /// `callbacks << 1 | running`.
    state: AtomicU64,
    /// Python thread ident of the thread running the callback.
    thread_ident: AtomicU64,
    /// Set once the watchdog has raised in a callback.
    fired: AtomicBool,
}

/// A running watchdog; it stops when this is dropped.
pub(crate) struct Watchdog {
    shared: Arc<Shared>,
    callbacks: u64,
    /// The thread ident last told to the watchdog thread.
    ident: u64,
    budget: Duration,
    /// Dropping it disconnects the channel the thread waits on.
    _stop: Sender<()>,
}

thread_local! {
    /// This thread's Python thread ident, once asked (0 before).
    static IDENT: Cell<u64> = const { Cell::new(0) };
}

/// This thread's Python thread ident.
#[inline]
fn thread_ident() -> u64 {
    IDENT.with(|cell| {
        let known = cell.get();
        if known != 0 {
            return known;
        }
        // SAFETY: takes no arguments, only reads the OS thread id; callable
        // without the GIL and before the interpreter starts.
        let ident: std::os::raw::c_ulong = unsafe { pyo3::ffi::PyThread_get_thread_ident() };
        // `unsigned long`: as wide as u64 or narrower.
        let ident = ident as u64;
        cell.set(ident);
        ident
    })
}

impl Watchdog {
    /// Starts a watchdog raising `exception` in callbacks that run longer
    /// than `budget`.
    pub(crate) fn start(budget: Duration, exception: Py<PyType>) -> std::io::Result<Self> {
        let shared = Arc::new(Shared {
            state: AtomicU64::new(0),
            thread_ident: AtomicU64::new(0),
            fired: AtomicBool::new(false),
        });
        let (stop, stopped) = bounded::<()>(1);
        let tick = (budget / 8).clamp(Duration::from_millis(1), Duration::from_millis(100));
        let watched = Arc::clone(&shared);
        std::thread::Builder::new()
            .name("ticklab-py-watchdog".into())
            .spawn(move || {
                let mut seen = (0_u64, Instant::now());
                loop {
                    match stopped.recv_timeout(tick) {
                        Err(RecvTimeoutError::Timeout) => {}
                        _ => return,
                    }
                    let state = watched.state.load(Ordering::Acquire);
                    if state & 1 == 0 || state != seen.0 {
                        seen = (state, Instant::now());
                        continue;
                    }
                    if seen.1.elapsed() < budget {
                        continue;
                    }
                    Python::attach(|py| interrupt(py, &watched, state, &exception));
                    // Give the callback another budget before raising again.
                    seen.1 = Instant::now();
                }
            })?;
        Ok(Watchdog {
            shared,
            callbacks: 0,
            ident: 0,
            budget,
            _stop: stop,
        })
    }

    /// The budget.
    pub(crate) fn budget(&self) -> Duration {
        self.budget
    }

    /// A callback starts on this thread.
    #[inline]
    pub(crate) fn enter(&mut self) {
        self.callbacks += 1;
        let ident = thread_ident();
        if ident != self.ident {
            self.ident = ident;
            self.shared.thread_ident.store(ident, Ordering::Relaxed);
        }
        self.shared
            .state
            .store(self.callbacks << 1 | 1, Ordering::Release);
    }

    /// The callback returned; true when the watchdog raised in it.
    #[inline]
    pub(crate) fn exit(&mut self) -> bool {
        self.shared
            .state
            .store(self.callbacks << 1, Ordering::Release);
        self.shared.fired.load(Ordering::Acquire) && self.shared.fired.swap(false, Ordering::AcqRel)
    }
}

/// Raises `exception` in the callback with `state`, if it still runs.
fn interrupt(py: Python<'_>, shared: &Shared, state: u64, exception: &Py<PyType>) {
    // Holding the GIL: the strategy thread is inside Python (the callback
    // marks its end before giving the GIL back), so the state is stable.
    if shared.state.load(Ordering::Acquire) != state {
        return;
    }
    let ident = shared.thread_ident.load(Ordering::Relaxed);
    shared.fired.store(true, Ordering::Release);
    // SAFETY: called with the GIL held (inside `Python::attach`), as the
    // C API requires; `exception` is a live exception class kept alive by
    // the `Py` we hold; the thread ident is a plain number, and an ident
    // with no thread state makes the call a no-op returning 0. The ident
    // is C `unsigned long` in CPython; the cast keeps its bits.
    let _ = unsafe {
        pyo3::ffi::PyThreadState_SetAsyncExc(
            ident as std::os::raw::c_long,
            exception.bind(py).as_ptr(),
        )
    };
}
