//! `ticklab._ticklab`: the ticklab engine as a CPython extension module.
//!
//! The Python package `ticklab` (beside this crate) is the interface users
//! see; this module holds the few entry points it calls into the engine
//! crate with: a run to an output folder, a data folder's contents and a
//! day's events, the converters. All engine logic lives in the `ticklab`
//! crate; this crate only moves arguments and results across.

mod config;
mod convert;
mod data;
mod run;
mod same_thread;
mod sweep;
mod values;

use pyo3::prelude::*;

/// The extension module.
#[pymodule]
fn _ticklab(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(strategy_module, m)?)?;
    m.add_function(wrap_pyfunction!(run::run, m)?)?;
    m.add_function(wrap_pyfunction!(data::catalog, m)?)?;
    m.add_function(wrap_pyfunction!(data::day_events, m)?)?;
    m.add_function(wrap_pyfunction!(convert::convert, m)?)?;
    m.add_function(wrap_pyfunction!(sweep::collect_row, m)?)?;
    m.add_function(wrap_pyfunction!(sweep::monte_carlo, m)?)?;
    m.add_class::<sweep::SweepPlanner>()?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}

/// The module strategies see as `ticklab` (`Strategy`, `Side`, `Tif`, ...),
/// whose names the package re-exports.
#[pyfunction]
fn strategy_module(py: Python<'_>) -> PyResult<Bound<'_, PyModule>> {
    ticklab::strategy::python::strategy_module(py)
}
