//! The run configuration's `[params]` table as Python keyword arguments.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

/// `params` as a dict of Python values: strings, ints, floats, bools,
/// lists and dicts as in TOML; dates and times as their ISO text.
pub(crate) fn kwargs<'py>(py: Python<'py>, params: &toml::Table) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    for (key, value) in params {
        dict.set_item(key, value_of(py, value)?)?;
    }
    Ok(dict)
}

fn value_of<'py>(py: Python<'py>, value: &toml::Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        toml::Value::String(s) => s.into_pyobject(py)?.into_any(),
        toml::Value::Integer(i) => i.into_pyobject(py)?.into_any(),
        toml::Value::Float(f) => f.into_pyobject(py)?.into_any(),
        toml::Value::Boolean(b) => b.into_pyobject(py)?.to_owned().into_any(),
        toml::Value::Datetime(d) => d.to_string().into_pyobject(py)?.into_any(),
        toml::Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(value_of(py, item)?)?;
            }
            list.into_any()
        }
        toml::Value::Table(table) => kwargs(py, table)?.into_any(),
    })
}
