//! A strategy handed to ticklab as a Python object rather than a file: a
//! `ticklab.Strategy` subclass or an instance of one, defined in the
//! interpreter that runs ticklab (a notebook cell, a script).

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::PyType;

use super::module;

/// A `ticklab.Strategy` subclass (made with the run's `[params]` as
/// keyword arguments when the run starts) or an instance of one (run as it
/// is), shared by every copy of the choice that names it.
#[derive(Clone)]
pub struct PythonObject {
    object: Arc<Py<PyAny>>,
    class_name: String,
    source: PathBuf,
}

impl PythonObject {
    /// `object` as a strategy; a `TypeError` naming what it is when it is
    /// neither a subclass of `ticklab.Strategy` nor an instance of one.
    pub fn new(object: &Bound<'_, PyAny>) -> PyResult<Self> {
        let py = object.py();
        let base = module::shared(py)?.strategy_base.bind(py);
        let class = match object.cast::<PyType>() {
            Ok(class) if class.is_subclass(base)? && !class.is(base) => class.clone(),
            Ok(class) => {
                return Err(PyTypeError::new_err(format!(
                    "strategy: the class {} is not a subclass of ticklab.Strategy",
                    class.name()?
                )))
            }
            Err(_) if object.is_instance(base)? => object.get_type(),
            Err(_) => {
                return Err(PyTypeError::new_err(format!(
                    "strategy: expected a ticklab.Strategy subclass or instance, a .py \
                     or rule file, or a built-in name; got {}",
                    object.get_type().name()?
                )))
            }
        };
        let class_name = class.name()?.to_string();
        let source =
            source_file(&class).unwrap_or_else(|| PathBuf::from(format!("<{class_name}>")));
        Ok(PythonObject {
            object: Arc::new(object.clone().unbind()),
            class_name,
            source,
        })
    }

    /// The class or instance.
    pub(crate) fn bind<'py>(&self, py: Python<'py>) -> &Bound<'py, PyAny> {
        self.object.bind(py)
    }

    /// The name of its class.
    pub fn class_name(&self) -> &str {
        &self.class_name
    }

    /// The file its class was defined in (a notebook cell's file, a
    /// script), which errors point into; `<ClassName>` when Python does
    /// not know it.
    pub fn source(&self) -> &std::path::Path {
        &self.source
    }
}

/// The file that defines `class`, or that defines one of its functions.
fn source_file(class: &Bound<'_, PyType>) -> Option<PathBuf> {
    let inspect = class.py().import("inspect").ok()?;
    if let Ok(file) = inspect
        .call_method1("getsourcefile", (class,))
        .and_then(|f| f.extract::<PathBuf>())
    {
        return Some(file);
    }
    let namespace = class.getattr("__dict__").ok()?;
    for value in namespace.call_method0("values").ok()?.try_iter().ok()? {
        let file = value
            .ok()
            .and_then(|f| f.getattr("__code__").ok())
            .and_then(|code| code.getattr("co_filename").ok())
            .and_then(|name| name.extract::<PathBuf>().ok());
        if file.is_some() {
            return file;
        }
    }
    None
}

impl fmt::Debug for PythonObject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PythonObject({})", self.class_name)
    }
}

impl PartialEq for PythonObject {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.object, &other.object)
    }
}
