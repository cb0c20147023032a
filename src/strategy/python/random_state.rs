//! The interpreter's global random generators, saved and put back: the
//! `random` module's and numpy's legacy one (`numpy.random.seed`,
//! `numpy.random.random`, ...), when numpy is imported.
//!
//! Several runs of Python strategies in one interpreter (the session's
//! standby runs beside the run the window shows, or the sessions of
//! several windows in one process) would otherwise draw from the same
//! generators, and each would change what the others draw. Each of the
//! session's runs puts back the state it left when it takes its turn
//! ([`taking_turns`]) and saves it when it ends the turn, so each draws
//! as if it were alone. Other state shared between instances (a module
//! the strategy imports, `logging` handlers) is not covered.

use std::cell::Cell;
use std::sync::{Mutex, PoisonError};

use pyo3::prelude::*;

use crate::strategy::StrategyError;

/// The state of the global random generators at one moment.
pub struct GlobalRandom {
    random: Py<PyAny>,
    /// numpy's legacy generator, when numpy was imported.
    numpy: Option<Py<PyAny>>,
}

impl std::fmt::Debug for GlobalRandom {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GlobalRandom")
            .field("numpy", &self.numpy.is_some())
            .finish_non_exhaustive()
    }
}

/// Held by the run whose turn it is.
static TURN: Mutex<()> = Mutex::new(());

thread_local! {
    /// True while this thread holds [`TURN`].
    static IN_TURN: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f` as the only one of the runs that take turns in this process
/// (the sessions' runs of Python strategies): one run's slice of work,
/// between putting back its random generators and saving them. Call it
/// with the thread detached from the interpreter (a thread waiting for its
/// turn must not hold the interpreter); calls inside `f` run at once.
pub fn taking_turns<R>(f: impl FnOnce() -> R) -> R {
    if IN_TURN.with(Cell::get) {
        return f();
    }
    let _turn = TURN.lock().unwrap_or_else(PoisonError::into_inner);
    IN_TURN.with(|held| held.set(true));
    struct Release;
    impl Drop for Release {
        fn drop(&mut self) {
            IN_TURN.with(|held| held.set(false));
        }
    }
    let _release = Release;
    f()
}

fn failed(err: &PyErr) -> StrategyError {
    StrategyError::msg(format!("saving the random generators' state: {err}"))
}

/// numpy's random module, when a strategy imported numpy (never imports it).
fn numpy_random<'py>(py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
    let modules = py.import("sys")?.getattr("modules")?;
    match modules.get_item("numpy.random") {
        Ok(module) if !module.is_none() => Ok(Some(module)),
        _ => Ok(None),
    }
}

impl GlobalRandom {
    /// The generators' state now.
    pub fn capture() -> Result<Self, StrategyError> {
        Python::attach(|py| {
            let random = py.import("random")?.call_method0("getstate")?.unbind();
            let numpy = match numpy_random(py)? {
                Some(module) => Some(module.call_method0("get_state")?.unbind()),
                None => None,
            };
            Ok::<_, PyErr>(GlobalRandom { random, numpy })
        })
        .map_err(|err| failed(&err))
    }

    /// Puts the generators back in this state (numpy's when it was
    /// imported then).
    pub fn restore(&self) -> Result<(), StrategyError> {
        Python::attach(|py| {
            py.import("random")?
                .call_method1("setstate", (self.random.bind(py),))?;
            if let (Some(state), Some(module)) = (&self.numpy, numpy_random(py)?) {
                module.call_method1("set_state", (state.bind(py),))?;
            }
            Ok::<_, PyErr>(())
        })
        .map_err(|err| failed(&err))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draw() -> f64 {
        Python::attach(|py| {
            py.import("random")
                .and_then(|m| m.call_method0("random"))
                .and_then(|x| x.extract::<f64>())
        })
        .expect("random draws")
    }

    #[test]
    fn a_restored_state_draws_the_same_numbers_again() {
        taking_turns(restored_state_draws_the_same);
    }

    fn restored_state_draws_the_same() {
        Python::attach(|py| {
            py.import("random")
                .and_then(|m| m.call_method1("seed", (7,)))
                .map(|_| ())
        })
        .expect("random seeds");
        let saved = GlobalRandom::capture().expect("the state is saved");
        let first = [draw(), draw()];
        // Another run draws meanwhile.
        let _ = draw();
        saved.restore().expect("the state is put back");
        assert_eq!([draw(), draw()], first);
    }
}
