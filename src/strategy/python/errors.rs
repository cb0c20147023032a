//! Python exceptions as strategy errors: the traceback (file, line, code),
//! where in the strategy file it happened, and the data time.

use std::path::Path;
use std::time::Duration;

use pyo3::exceptions::{PyImportError, PySyntaxError};
use pyo3::prelude::*;
use pyo3::types::PyList;

use super::console::format_data_time;
use super::{environment, module};
use crate::strategy::StrategyError;

/// Where and when a Python error happened.
pub(crate) struct Site<'a> {
    /// What was running: the callback (`on_market`, ...), or loading the
    /// strategy (its module and `__init__`).
    pub what: &'static str,
    /// Data time of what was being handled, ns.
    pub ts_ns: Option<i64>,
    /// The strategy file.
    pub path: &'a Path,
    /// The callback budget, when a watchdog runs.
    pub budget: Option<Duration>,
}

/// `err` as a [`StrategyError::Failed`]: message with the exception, the
/// callback and data time, then the full Python traceback; location
/// `file.py:line` of the deepest frame in the strategy file.
pub(crate) fn strategy_error(py: Python<'_>, err: &PyErr, site: &Site<'_>) -> StrategyError {
    let value = err.value(py);
    let traceback = format_traceback(py, err).unwrap_or_else(|_| err.to_string());
    let mut summary = traceback
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default()
        .to_owned();
    let timed_out = module::shared(py)
        .map(|shared| {
            value
                .is_instance(shared.callback_timeout.bind(py))
                .unwrap_or(false)
        })
        .unwrap_or(false);
    if timed_out {
        summary = match site.budget {
            Some(budget) => format!(
                "{} ran longer than the callback budget of {} ms and was interrupted",
                site.what,
                budget.as_millis()
            ),
            None => format!("{} was interrupted", site.what),
        };
    }
    if value.is_instance_of::<PyImportError>() {
        if let Ok(searched) = environment::searched(py) {
            summary = format!("{summary}; {searched}");
        }
    }
    let when = site
        .ts_ns
        .map(|ts| format!(" at data time {}", format_data_time(ts)))
        .unwrap_or_default();
    let message = format!("{summary} (during {}{when})\n{traceback}", site.what);
    StrategyError::Failed {
        message,
        location: location(py, err, site.path),
    }
}

/// The whole Python traceback, as Python prints it.
fn format_traceback(py: Python<'_>, err: &PyErr) -> PyResult<String> {
    let lines = py.import("traceback")?.call_method1(
        "format_exception",
        (err.get_type(py), err.value(py), err.traceback(py)),
    )?;
    let lines = lines.cast::<PyList>()?;
    let mut text = String::new();
    for line in lines.iter() {
        text.push_str(&line.extract::<String>()?);
    }
    Ok(text.trim_end().to_owned())
}

/// `file.py:line` of the deepest traceback frame in the strategy file (or
/// the deepest frame at all); a syntax error's own file and line.
fn location(py: Python<'_>, err: &PyErr, path: &Path) -> Option<String> {
    let value = err.value(py);
    let name_of = |file: &str| {
        Path::new(file)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| file.to_owned())
    };
    if value.is_instance_of::<PySyntaxError>() {
        let file: Option<String> = value.getattr("filename").ok()?.extract().ok();
        let line: Option<i64> = value.getattr("lineno").ok()?.extract().ok();
        if let (Some(file), Some(line)) = (file, line) {
            return Some(format!("{}:{line}", name_of(&file)));
        }
    }
    let strategy_file = path.to_string_lossy();
    let mut deepest = None;
    let mut deepest_in_file = None;
    let mut tb = err.traceback(py).map(|tb| tb.into_any());
    while let Some(frame) = tb {
        let file: String = frame
            .getattr("tb_frame")
            .and_then(|f| f.getattr("f_code"))
            .and_then(|c| c.getattr("co_filename"))
            .and_then(|f| f.extract())
            .unwrap_or_default();
        let line: i64 = frame
            .getattr("tb_lineno")
            .and_then(|l| l.extract())
            .unwrap_or(0);
        if file == strategy_file {
            deepest_in_file = Some((file.clone(), line));
        }
        deepest = Some((file, line));
        tb = frame.getattr("tb_next").ok().filter(|next| !next.is_none());
    }
    deepest_in_file
        .or(deepest)
        .map(|(file, line)| format!("{}:{line}", name_of(&file)))
}
