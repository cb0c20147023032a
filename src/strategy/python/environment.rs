//! The user's Python environment: the packages of an active virtual
//! environment, and what an import that failed searched.

use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;

/// The environment variable an activated virtual environment sets.
const VIRTUAL_ENV: &str = "VIRTUAL_ENV";

/// Adds the `site-packages` of the virtual environment `VIRTUAL_ENV` names
/// to the interpreter, once per process, so that strategies import what
/// that environment has (numpy, pandas, ...).
///
/// The interpreter ticklab starts itself (feature `python-embed`) begins
/// with the installation it was built against, whatever environment is
/// active; inside the Python package the interpreter is the user's own,
/// already in its environment, and nothing is added.
pub(crate) fn add_virtual_env(py: Python<'_>) -> PyResult<()> {
    static ADDED: PyOnceLock<()> = PyOnceLock::new();
    if !cfg!(feature = "python-embed") {
        return Ok(());
    }
    ADDED
        .get_or_try_init(py, || {
            let Some(venv) = std::env::var_os(VIRTUAL_ENV).map(PathBuf::from) else {
                return Ok(());
            };
            let version = py.import("sys")?.getattr("version_info")?;
            let major: u8 = version.get_item(0)?.extract()?;
            let minor: u8 = version.get_item(1)?.extract()?;
            let site = venv
                .join("lib")
                .join(format!("python{major}.{minor}"))
                .join("site-packages");
            if site.is_dir() {
                py.import("site")?.call_method1("addsitedir", (site,))?;
            }
            Ok::<(), PyErr>(())
        })
        .map(|_| ())
}

/// Which Python an import searched, for the message of an import that
/// failed: its version and prefix, the virtual environment, `sys.path`.
pub(crate) fn searched(py: Python<'_>) -> PyResult<String> {
    let sys = py.import("sys")?;
    let version: String = sys.getattr("version")?.extract()?;
    let version = version
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_owned();
    let prefix: String = sys.getattr("prefix")?.extract()?;
    let paths: Vec<String> = sys.getattr("path")?.extract()?;
    // An empty entry is the current folder.
    let paths: Vec<&str> = paths
        .iter()
        .map(|path| if path.is_empty() { "." } else { path.as_str() })
        .collect();
    let venv = match std::env::var_os(VIRTUAL_ENV) {
        Some(venv) => format!("VIRTUAL_ENV {}", PathBuf::from(venv).display()),
        None => "no VIRTUAL_ENV".to_owned(),
    };
    Ok(format!(
        "Python {version} ({prefix}, {venv}) searched: {}",
        paths.join(", ")
    ))
}
