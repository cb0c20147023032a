//! The user's Python environment: the packages of an active virtual
//! environment, and what an import that failed searched.

use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;

/// The environment variable an activated virtual environment sets.
const VIRTUAL_ENV: &str = "VIRTUAL_ENV";

/// The environment variable that names the Python environment strategies
/// import from, before `VIRTUAL_ENV` (`ticklab --python-env DIR` sets it;
/// set it yourself, e.g. in the desktop launcher, to keep the choice).
pub const PYTHON_ENV: &str = "TICKLAB_PYTHON_ENV";

/// The environment strategies import from and what chose it:
/// `TICKLAB_PYTHON_ENV` (`--python-env`), else `VIRTUAL_ENV`.
pub(crate) fn chosen_env() -> Option<(PathBuf, &'static str)> {
    let named = |var: &'static str| {
        std::env::var_os(var)
            .filter(|v| !v.is_empty())
            .map(|v| (PathBuf::from(v), var))
    };
    named(PYTHON_ENV).or_else(|| named(VIRTUAL_ENV))
}

/// The `site-packages` folder of the environment `env` for Python
/// `major.minor`.
fn site_packages(env: &std::path::Path, major: u8, minor: u8) -> PathBuf {
    env.join("lib")
        .join(format!("python{major}.{minor}"))
        .join("site-packages")
}

fn python_version(py: Python<'_>) -> PyResult<(u8, u8)> {
    let version = py.import("sys")?.getattr("version_info")?;
    Ok((
        version.get_item(0)?.extract()?,
        version.get_item(1)?.extract()?,
    ))
}

/// Adds the `site-packages` of the environment `TICKLAB_PYTHON_ENV`
/// (`--python-env`) or else `VIRTUAL_ENV` names to the interpreter, once
/// per process, so that strategies import what that environment has
/// (numpy, pandas, ...).
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
            let Some((venv, _)) = chosen_env() else {
                return Ok(());
            };
            let (major, minor) = python_version(py)?;
            let site = site_packages(&venv, major, minor);
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
    let (major, minor) = python_version(py)?;
    let venv = match chosen_env() {
        Some((env, var)) => {
            let by = if var == PYTHON_ENV {
                format!("--python-env / {PYTHON_ENV}")
            } else {
                VIRTUAL_ENV.to_owned()
            };
            let site = site_packages(&env, major, minor);
            let missing = if site.is_dir() {
                String::new()
            } else {
                format!(", which has no lib/python{major}.{minor}/site-packages for this Python")
            };
            format!("{by} {}{missing}", env.display())
        }
        None => "no VIRTUAL_ENV".to_owned(),
    };
    Ok(format!(
        "Python {version} ({prefix}, {venv}) searched: {}",
        paths.join(", ")
    ))
}
