//! What the sandbox asks of the interpreter before it closes: the folders
//! the interpreter reads, and crash tracebacks. Starting the interpreter
//! imports only the standard library and the installed packages' path
//! hooks, no strategy code.

use std::path::PathBuf;

use pyo3::prelude::*;

/// The prefixes and `sys.path` entries of the interpreter, and the user's
/// `VIRTUAL_ENV`, `TICKLAB_PYTHON_ENV` and `PYTHONPATH`.
pub fn installation_paths() -> PyResult<Vec<PathBuf>> {
    let mut paths: Vec<PathBuf> = Python::attach(|py| {
        let sys = py.import("sys")?;
        let mut paths = Vec::new();
        for name in ["prefix", "base_prefix", "exec_prefix", "base_exec_prefix"] {
            paths.push(sys.getattr(name)?.extract::<PathBuf>()?);
        }
        paths.extend(sys.getattr("path")?.extract::<Vec<PathBuf>>()?);
        Ok::<_, PyErr>(paths)
    })?;
    if let Some(venv) = std::env::var_os("VIRTUAL_ENV") {
        paths.push(PathBuf::from(venv));
    }
    if let Some(env) = std::env::var_os(super::environment::PYTHON_ENV) {
        paths.push(PathBuf::from(env));
    }
    if let Some(python_path) = std::env::var_os("PYTHONPATH") {
        paths.extend(std::env::split_paths(&python_path));
    }
    // A relative entry means the current folder, which is not given.
    paths.retain(|p| p.is_absolute());
    paths.sort();
    paths.dedup();
    Ok(paths)
}

/// Has Python print the strategy's traceback to stderr when native code
/// crashes (`faulthandler`), so that a watching parent can show where a
/// strategy process died.
pub fn enable_crash_tracebacks() -> PyResult<()> {
    Python::attach(|py| {
        py.import("faulthandler")?.call_method0("enable")?;
        Ok(())
    })
}
