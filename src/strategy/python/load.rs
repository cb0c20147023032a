//! Loading a strategy file: compile it, run it in a module of its own, find
//! its strategy class, make an instance with the run's parameters, and see
//! which callbacks it defines.

use std::path::Path;

use pyo3::exceptions::{PyLookupError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyType};

use super::{module, params};
use crate::strategy::text::{read_utf8, TextError};

/// The callbacks a strategy may define, in the order of [`Callbacks::all`].
pub(crate) const CALLBACK_NAMES: [&str; 11] = [
    "on_start",
    "on_depth",
    "on_trade",
    "on_bbo",
    "on_market",
    "on_status",
    "on_order",
    "on_timer",
    "on_finish",
    "on_day_start",
    "on_day_end",
];

/// The strategy's own callbacks as bound methods; `None` where the class
/// does not define one (so that event kind costs nothing).
#[derive(Default)]
pub(crate) struct Callbacks {
    pub on_start: Option<Py<PyAny>>,
    pub on_depth: Option<Py<PyAny>>,
    pub on_trade: Option<Py<PyAny>>,
    pub on_bbo: Option<Py<PyAny>>,
    pub on_market: Option<Py<PyAny>>,
    pub on_status: Option<Py<PyAny>>,
    pub on_order: Option<Py<PyAny>>,
    pub on_timer: Option<Py<PyAny>>,
    pub on_finish: Option<Py<PyAny>>,
    pub on_day_start: Option<Py<PyAny>>,
    pub on_day_end: Option<Py<PyAny>>,
}

impl Callbacks {
    fn slot(&mut self, name: &str) -> Option<&mut Option<Py<PyAny>>> {
        Some(match name {
            "on_start" => &mut self.on_start,
            "on_depth" => &mut self.on_depth,
            "on_trade" => &mut self.on_trade,
            "on_bbo" => &mut self.on_bbo,
            "on_market" => &mut self.on_market,
            "on_status" => &mut self.on_status,
            "on_order" => &mut self.on_order,
            "on_timer" => &mut self.on_timer,
            "on_finish" => &mut self.on_finish,
            "on_day_start" => &mut self.on_day_start,
            "on_day_end" => &mut self.on_day_end,
            _ => return None,
        })
    }
}

/// A strategy made from its file.
pub(crate) struct Loaded {
    /// Its class name.
    pub class_name: String,
    /// The callbacks it defines.
    pub callbacks: Callbacks,
}

/// Reads the strategy file, which must be UTF-8.
pub(crate) fn read_source(path: &Path) -> Result<String, TextError> {
    read_utf8(path)
}

/// Compiles `source` as the file `path` (a syntax check, with Python's own
/// message, file and line on failure).
pub(crate) fn compile<'py>(
    py: Python<'py>,
    source: &str,
    path: &Path,
) -> PyResult<Bound<'py, PyAny>> {
    py.import("builtins")?
        .call_method1("compile", (source, path.to_string_lossy(), "exec"))
}

/// Runs the file in a fresh module, picks the class (`class_name`, or the
/// file's one `ticklab.Strategy` subclass) and makes an instance with
/// `params` as keyword arguments.
pub(crate) fn load(
    py: Python<'_>,
    source: &str,
    path: &Path,
    class_name: Option<&str>,
    params: &toml::Table,
    owner: u64,
) -> PyResult<Loaded> {
    let shared = module::shared(py)?;
    let code = compile(py, source, path)?;
    let sys = py.import("sys")?;
    let modules = sys.getattr("modules")?;

    // A module of its own, under a name no other module has.
    let stem = path
        .file_stem()
        .map(|s| {
            s.to_string_lossy()
                .replace(|c: char| !c.is_alphanumeric() && c != '_', "_")
        })
        .unwrap_or_else(|| "strategy".to_owned());
    let mut name = format!("ticklab_strategy.{stem}");
    if modules.contains(&name)? {
        name = format!("ticklab_strategy.{stem}_{owner}");
    }
    let strategy_module = py.import("types")?.getattr("ModuleType")?.call1((&name,))?;
    strategy_module.setattr("__file__", path.to_string_lossy())?;
    modules.set_item(&name, &strategy_module)?;

    // Modules next to the strategy file can be imported.
    if let Some(dir) = path.parent() {
        let dir = dir.to_string_lossy();
        let sys_path = sys.getattr("path")?;
        let sys_path = sys_path.cast::<PyList>()?;
        if !sys_path.contains(&*dir)? {
            sys_path.insert(0, &*dir)?;
        }
    }

    let namespace = strategy_module.getattr("__dict__")?;
    let namespace = namespace.cast::<PyDict>()?;
    py.import("builtins")?
        .call_method1("exec", (code, namespace))?;

    let base = shared.strategy_base.bind(py);
    let class = find_class(py, namespace, base, &name, class_name, path)?;
    let instance = class.call((), Some(&params::kwargs(py, params)?))?;

    let mut callbacks = Callbacks::default();
    for callback in CALLBACK_NAMES {
        let own = class.getattr(callback).ok().filter(|attr| !attr.is_none());
        let inherited = base.getattr(callback).ok();
        let Some(own) = own else { continue };
        if inherited.is_some_and(|base_attr| base_attr.is(&own)) {
            continue;
        }
        let bound = instance.getattr(callback)?;
        if !bound.is_callable() {
            return Err(PyTypeError::new_err(format!(
                "{}.{callback} must be a method",
                class.name()?
            )));
        }
        if let Some(slot) = callbacks.slot(callback) {
            *slot = Some(bound.unbind());
        }
    }
    Ok(Loaded {
        class_name: class.name()?.to_string(),
        callbacks,
    })
}

/// The class named `class_name`, or the one leaf subclass of `base` the
/// module defines.
fn find_class<'py>(
    py: Python<'py>,
    namespace: &Bound<'py, PyDict>,
    base: &Bound<'py, PyType>,
    module_name: &str,
    class_name: Option<&str>,
    path: &Path,
) -> PyResult<Bound<'py, PyType>> {
    let file = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let classes: Vec<Bound<'py, PyType>> = namespace
        .values()
        .iter()
        .filter_map(|v| v.cast_into::<PyType>().ok())
        .collect();
    if let Some(wanted) = class_name {
        return namespace
            .get_item(wanted)?
            .and_then(|v| v.cast_into::<PyType>().ok())
            .ok_or_else(|| {
                let names: Vec<String> = classes
                    .iter()
                    .filter(|c| {
                        c.getattr("__module__")
                            .is_ok_and(|m| m.eq(module_name).unwrap_or(false))
                    })
                    .filter_map(|c| c.name().ok().map(|n| n.to_string()))
                    .collect();
                PyLookupError::new_err(format!(
                    "{file} has no class named {wanted:?}; its classes: {}",
                    if names.is_empty() {
                        "none".to_owned()
                    } else {
                        names.join(", ")
                    }
                ))
            });
    }
    let mut found = Vec::new();
    for class in &classes {
        let own = class
            .getattr("__module__")
            .is_ok_and(|m| m.eq(module_name).unwrap_or(false));
        if own && !class.is(base) && class.is_subclass(base)? {
            found.push(class.clone());
        }
    }
    // A base class the file also subclasses is not the strategy itself.
    let leaves: Vec<_> = found
        .iter()
        .filter(|c| {
            !found
                .iter()
                .any(|other| !other.is(*c) && other.is_subclass(c).unwrap_or(false))
        })
        .cloned()
        .collect();
    match leaves.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(PyLookupError::new_err(format!(
            "{file} defines no subclass of ticklab.Strategy; write \
             `class MyStrategy(ticklab.Strategy):` or name the class with --class"
        ))),
        several => {
            let names: Vec<String> = several
                .iter()
                .filter_map(|c| c.name().ok().map(|n| n.to_string()))
                .collect();
            let _ = py;
            Err(PyLookupError::new_err(format!(
                "{file} defines several strategies ({}); choose one with --class",
                names.join(", ")
            )))
        }
    }
}
