//! `print` and `logging` from strategy code go to the run's log.
//!
//! `sys.stdout` and `sys.stderr` are replaced, when a run starts, by a
//! [`Console`] that checks whether a strategy callback runs on the calling
//! thread: if so the text joins that callback's output (split into lines,
//! stamped later with the data time of the event being processed), if not
//! it goes to the original stream. The root logger gets a handler writing
//! to that `sys.stderr` at level INFO, unless something configured logging
//! before.

use pyo3::exceptions::PyAttributeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;

use super::{module, scope};
use crate::market::catalog::Day;

/// A `sys.stdout` / `sys.stderr` that sends a running strategy's output to
/// its log and everything else to the stream it replaced.
#[pyclass(name = "_Console", module = "ticklab", frozen)]
pub(crate) struct Console {
    /// The stream replaced.
    fallback: Py<PyAny>,
}

#[pymethods]
impl Console {
    /// Writes `text`; returns the number of characters written. Text that
    /// is not valid Unicode (a lone surrogate) is written with Python's
    /// `backslashreplace` (`\\udc80`), never refused.
    fn write(&self, py: Python<'_>, text: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let s = text.str()?;
        let written = s.len()?.into_pyobject(py)?.into_any().unbind();
        let (s, escaped) = match s.to_cow() {
            Ok(s) => (s, false),
            Err(_) => {
                let bytes: Vec<u8> = s
                    .call_method1("encode", ("utf-8", "backslashreplace"))?
                    .extract()?;
                (String::from_utf8_lossy(&bytes).into_owned().into(), true)
            }
        };
        if scope::write_text(&s) {
            return Ok(written);
        }
        let fallback = self.fallback.bind(py);
        if escaped {
            fallback.call_method1("write", (s.as_ref(),))?;
            return Ok(written);
        }
        Ok(fallback.call_method1("write", (text,))?.unbind())
    }

    /// Flushes the stream replaced (a strategy's output needs no flush).
    fn flush(&self, py: Python<'_>) -> PyResult<()> {
        self.fallback.bind(py).call_method0("flush")?;
        Ok(())
    }

    /// Not a terminal while a strategy writes to it.
    fn isatty(&self, py: Python<'_>) -> PyResult<bool> {
        if scope::with_policy(|p| p.is_some()) {
            return Ok(false);
        }
        self.fallback.bind(py).call_method0("isatty")?.extract()
    }

    /// The stream can be written.
    fn writable(&self) -> bool {
        true
    }

    /// Anything else is the replaced stream's.
    fn __getattr__(&self, py: Python<'_>, name: &str) -> PyResult<Py<PyAny>> {
        if name.starts_with("__") {
            return Err(PyAttributeError::new_err(name.to_owned()));
        }
        Ok(self.fallback.bind(py).getattr(name)?.unbind())
    }
}

/// Routes `sys.stdout` and `sys.stderr` (at the start of every run: code
/// around ticklab, such as a test runner's capture, may have replaced them
/// since) and the root logger (once per process).
pub(crate) fn install(py: Python<'_>) -> PyResult<()> {
    static INSTALLED: PyOnceLock<()> = PyOnceLock::new();
    let sys = py.import("sys")?;
    for name in ["stdout", "stderr"] {
        let fallback = sys.getattr(name)?;
        if fallback.is_instance_of::<Console>() {
            continue;
        }
        let console = Bound::new(
            py,
            Console {
                fallback: fallback.unbind(),
            },
        )?;
        sys.setattr(name, console)?;
    }
    INSTALLED
        .get_or_try_init(py, || {
            let shared = module::shared(py)?;
            let stderr = py.import("sys")?.getattr("stderr")?;
            if let Some(install_logging) = shared.dict(py).get_item("_install_logging")? {
                install_logging.call1((stderr,))?;
            }
            Ok::<(), PyErr>(())
        })
        .map(|_| ())
}

/// `YYYY-MM-DD HH:MM:SS.fffffffff UTC` of a data time in ns since the epoch.
pub fn format_data_time(ts_ns: i64) -> String {
    let day = Day::from_ts_ns(ts_ns);
    let ns = ts_ns - day.start_ns();
    format!(
        "{day} {:02}:{:02}:{:02}.{:09} UTC",
        ns / 3_600_000_000_000,
        ns / 60_000_000_000 % 60,
        ns / 1_000_000_000 % 60,
        ns % 1_000_000_000
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_times_print_to_the_nanosecond() {
        assert_eq!(format_data_time(0), "1970-01-01 00:00:00.000000000 UTC");
        assert_eq!(
            format_data_time(1_709_285_400_123_456_789),
            "2024-03-01 09:30:00.123456789 UTC"
        );
    }
}
