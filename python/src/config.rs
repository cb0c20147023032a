//! The run configuration of `ticklab.run`: the defaults, a TOML file, or a
//! dict of the same tables, whose errors name the dict's keys.

use std::path::{Path, PathBuf};

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use ticklab::session::{read_run_config, run_config_from_toml};
use ticklab::sim::{ConfigError, RunConfig};

use crate::run::value_error;
use crate::values::table_of;

/// The run configuration: the defaults (`None`), a dict, or a TOML file.
pub(crate) fn run_config(config: Option<&Bound<'_, PyAny>>) -> PyResult<RunConfig> {
    let Some(config) = config.filter(|c| !c.is_none()) else {
        return Ok(RunConfig::default());
    };
    if let Ok(dict) = config.cast::<PyDict>() {
        let table = table_of(dict, "config")?;
        let text = toml::to_string(&table)
            .map_err(|err| PyValueError::new_err(format!("config: {err}")))?;
        return run_config_from_toml(&text, Path::new("config"))
            .map_err(|err| dict_error(&text, err));
    }
    match config.extract::<PathBuf>() {
        Ok(path) => read_run_config(Some(&path)).map_err(value_error),
        Err(_) => Err(PyTypeError::new_err(format!(
            "config: expected a dict or a TOML file path, got {}",
            config.get_type().name()?
        ))),
    }
}

/// A configuration error of a dict, naming the key (`config["queue"]["n"]`)
/// instead of a line of the TOML made from it.
fn dict_error(text: &str, err: ConfigError) -> PyErr {
    let ConfigError::Parse { message, .. } = &err else {
        return value_error(err);
    };
    let line = message
        .strip_prefix("TOML parse error at line ")
        .and_then(|rest| rest.split(',').next())
        .and_then(|number| number.parse::<usize>().ok());
    let reason = message.lines().rev().find(|l| !l.trim().is_empty());
    match (line, reason) {
        (Some(line), Some(reason)) => {
            PyValueError::new_err(format!("{}: {reason}", key_at(text, line)))
        }
        _ => PyValueError::new_err(format!("config: {message}")),
    }
}

/// The dict path of the key on line `line` (from 1) of `text`, the TOML
/// `toml::to_string` wrote: its table headers and `key = value` lines.
fn key_at(text: &str, line: usize) -> String {
    let mut table: Vec<String> = Vec::new();
    let mut key = None;
    for (i, row) in text.lines().enumerate().take(line) {
        let row = row.trim();
        if let Some(header) = row.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
            table = header
                .split('.')
                .map(|part| part.trim_matches('"').to_owned())
                .collect();
            key = None;
        } else if i + 1 == line {
            key = row
                .split_once(" = ")
                .map(|(k, _)| k.trim_matches('"').to_owned());
        }
    }
    let mut path = String::from("config");
    for part in table.iter().chain(key.iter()) {
        path.push_str(&format!("[{part:?}]"));
    }
    path
}
