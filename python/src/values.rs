//! Python values (a `config=` or `params=` dict) as TOML, the form the
//! engine reads its run configuration in.

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};

/// `dict` as a TOML table; `what` names it in errors (`config`, `params`).
pub(crate) fn table_of(dict: &Bound<'_, PyDict>, what: &str) -> PyResult<toml::Table> {
    let mut table = toml::Table::new();
    for (key, value) in dict.iter() {
        let Ok(key) = key.cast::<PyString>() else {
            return Err(PyTypeError::new_err(format!(
                "{what}: keys must be strings, got {}",
                key.repr()?
            )));
        };
        let key = key.to_cow()?.into_owned();
        let value = value_of(&value, &format!("{what}[{key:?}]"))?;
        table.insert(key, value);
    }
    Ok(table)
}

/// `value` as TOML; `what` names it in errors.
pub(crate) fn value_of(value: &Bound<'_, PyAny>, what: &str) -> PyResult<toml::Value> {
    if let Ok(b) = value.cast::<PyBool>() {
        return Ok(toml::Value::Boolean(b.is_true()));
    }
    if value.is_instance_of::<PyInt>() {
        let i: i64 = value.extract().map_err(|_| {
            PyValueError::new_err(format!("{what}: {} does not fit in 64 bits", value))
        })?;
        return Ok(toml::Value::Integer(i));
    }
    if let Ok(f) = value.cast::<PyFloat>() {
        return Ok(toml::Value::Float(f.value()));
    }
    if let Ok(s) = value.cast::<PyString>() {
        return Ok(toml::Value::String(s.to_cow()?.into_owned()));
    }
    if let Ok(dict) = value.cast::<PyDict>() {
        return Ok(toml::Value::Table(table_of(dict, what)?));
    }
    if value.is_instance_of::<PyList>() || value.is_instance_of::<PyTuple>() {
        let mut items = Vec::new();
        for (i, item) in value.try_iter()?.enumerate() {
            items.push(value_of(&item?, &format!("{what}[{i}]"))?);
        }
        return Ok(toml::Value::Array(items));
    }
    // Other integers and reals (numpy's `int64`, `float32`) by their value.
    let operator = value.py().import("operator")?;
    if let Ok(index) = operator.call_method1("index", (value,)) {
        return value_of(&index, what);
    }
    if value.hasattr("__float__")? && !value.is_instance_of::<PyString>() {
        if let Ok(f) = value.extract::<f64>() {
            return Ok(toml::Value::Float(f));
        }
    }
    // A path-like value (pathlib.Path) is its text.
    if let Ok(path) = value.extract::<std::path::PathBuf>() {
        return Ok(toml::Value::String(path.to_string_lossy().into_owned()));
    }
    Err(PyTypeError::new_err(format!(
        "{what}: a {} cannot be given (use bool, int, float, str, list or dict)",
        value.get_type().name()?
    )))
}

/// A TOML value as Python: strings, ints, floats, bools, lists and dicts;
/// dates and times as their ISO text.
pub(crate) fn py_of<'py>(py: Python<'py>, value: &toml::Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        toml::Value::String(s) => s.into_pyobject(py)?.into_any(),
        toml::Value::Integer(i) => i.into_pyobject(py)?.into_any(),
        toml::Value::Float(f) => f.into_pyobject(py)?.into_any(),
        toml::Value::Boolean(b) => b.into_pyobject(py)?.to_owned().into_any(),
        toml::Value::Datetime(d) => d.to_string().into_pyobject(py)?.into_any(),
        toml::Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(py_of(py, item)?)?;
            }
            list.into_any()
        }
        toml::Value::Table(table) => {
            let dict = PyDict::new(py);
            for (key, item) in table {
                dict.set_item(key, py_of(py, item)?)?;
            }
            dict.into_any()
        }
    })
}
