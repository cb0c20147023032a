//! Guard rails for strategy code: an audit hook (`sys.addaudithook`) that
//! refuses network access, file writes outside the run's output folder and
//! starting processes while a strategy runs.
//!
//! This is in-process protection against mistakes, not a sandbox: the hook
//! sees what CPython audits, and native code (ctypes, extension modules)
//! can go around it. The rules in force are those of the strategy whose
//! callback runs on the current thread; on threads a strategy started
//! itself, those of the most recently started strategy.

use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, OnceLock, RwLock};

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyInt, PyString, PyTuple};

use super::{module, scope};

/// What a strategy may do beyond computing and trading.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Policy {
    /// Network access (sockets, name lookups) is allowed.
    pub allow_network: bool,
    /// Folders, resolved, under which the strategy may create, change and
    /// remove files.
    pub write_dirs: Vec<PathBuf>,
}

impl Policy {
    /// Rules allowing the network when `allow_network` and writes under
    /// `write_dirs` (which need not exist yet).
    pub(crate) fn new(allow_network: bool, write_dirs: &[PathBuf]) -> Self {
        Policy {
            allow_network,
            write_dirs: write_dirs.iter().map(|dir| resolve(dir)).collect(),
        }
    }

    fn may_write(&self, path: &Path) -> bool {
        let path = resolve(path);
        self.write_dirs.iter().any(|dir| path.starts_with(dir))
    }
}

/// Rules for threads with no strategy callback on them.
static FALLBACK: RwLock<Option<Arc<Policy>>> = RwLock::new(None);

/// Open flags that make an `open` a write, read from Python's `os` module.
static WRITE_FLAGS: OnceLock<i64> = OnceLock::new();

/// Makes `policy` the rules for threads that strategies start.
pub(crate) fn set_fallback(policy: Arc<Policy>) {
    let mut fallback = FALLBACK
        .write()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    *fallback = Some(policy);
}

/// Installs the audit hook (once per process; a hook cannot be removed).
pub(crate) fn install(py: Python<'_>) -> PyResult<()> {
    static INSTALLED: pyo3::sync::PyOnceLock<()> = pyo3::sync::PyOnceLock::new();
    INSTALLED
        .get_or_try_init(py, || {
            let os = py.import("os")?;
            let mut flags = 0_i64;
            for name in ["O_WRONLY", "O_RDWR", "O_APPEND", "O_CREAT", "O_TRUNC"] {
                flags |= os.getattr(name)?.extract::<i64>()?;
            }
            let _ = WRITE_FLAGS.set(flags);
            let hook = wrap_pyfunction!(audit_hook, py)?;
            py.import("sys")?.call_method1("addaudithook", (hook,))?;
            Ok::<(), PyErr>(())
        })
        .map(|_| ())
}

/// Called by CPython for every audited action, on the thread doing it.
#[pyfunction]
fn audit_hook(event: &Bound<'_, PyString>, args: &Bound<'_, PyTuple>) -> PyResult<()> {
    let refusal = scope::with_policy(|policy| match policy {
        Some(policy) => check(policy, event, args),
        None => {
            let fallback = FALLBACK
                .read()
                .map(|f| f.clone())
                .unwrap_or_else(|poisoned| poisoned.into_inner().clone());
            match fallback {
                Some(policy) => check(&policy, event, args),
                None => Ok(None),
            }
        }
    })?;
    match refusal {
        None => Ok(()),
        Some(message) => Err(module::guard_error(event.py(), message)),
    }
}

const NETWORK_EVENTS: &[&str] = &[
    "socket.connect",
    "socket.bind",
    "socket.sendto",
    "socket.sendmsg",
    "socket.getaddrinfo",
    "socket.gethostbyname",
    "socket.gethostbyaddr",
    "socket.getnameinfo",
];

const PROCESS_EVENTS: &[&str] = &[
    "subprocess.Popen",
    "os.system",
    "os.exec",
    "os.posix_spawn",
    "os.spawn",
    "os.fork",
    "os.forkpty",
    "os.startfile",
    "os.kill",
    "os.killpg",
    "os.chdir",
];

/// Audited file changes and the positions of the paths they change.
const FILE_EVENTS: &[(&str, &[usize])] = &[
    ("os.remove", &[0]),
    ("os.rmdir", &[0]),
    ("os.mkdir", &[0]),
    ("os.rename", &[0, 1]),
    ("os.link", &[1]),
    ("os.symlink", &[1]),
    ("os.truncate", &[0]),
    ("os.chmod", &[0]),
    ("os.chown", &[0]),
    ("os.utime", &[0]),
    ("os.setxattr", &[0]),
    ("os.removexattr", &[0]),
    ("shutil.rmtree", &[0]),
];

/// The refusal message for `event`, or `None` when it is allowed.
fn check(
    policy: &Policy,
    event: &Bound<'_, PyString>,
    args: &Bound<'_, PyTuple>,
) -> PyResult<Option<String>> {
    // `to_cow`: `to_str` is not in the stable ABI before Python 3.10.
    let name = event.to_cow()?;
    let name = name.as_ref();
    if name == "open" {
        return check_open(policy, args);
    }
    if NETWORK_EVENTS.contains(&name) {
        if policy.allow_network {
            return Ok(None);
        }
        let target = args
            .get_item(args.len().saturating_sub(1).min(1))
            .and_then(|a| a.repr().map(|r| r.to_string()))
            .unwrap_or_default();
        return Ok(Some(format!(
            "network access is refused to strategies ({name} {target}); \
             run with --allow-network to allow it"
        )));
    }
    if PROCESS_EVENTS.contains(&name) {
        return Ok(Some(format!(
            "strategies may not start processes, send signals or change the \
             working folder ({name})"
        )));
    }
    if let Some((_, positions)) = FILE_EVENTS.iter().find(|(n, _)| *n == name) {
        let dir_fd = dir_fd_arg(name, args);
        for &i in *positions {
            let Ok(arg) = args.get_item(i) else { continue };
            if let Some(refusal) = check_path(policy, &arg, dir_fd, name)? {
                return Ok(Some(refusal));
            }
        }
    }
    Ok(None)
}

/// `open(path, mode, flags)`: only opening for writing is checked.
fn check_open(policy: &Policy, args: &Bound<'_, PyTuple>) -> PyResult<Option<String>> {
    let write_flags = WRITE_FLAGS.get().copied().unwrap_or(0);
    let flags = args
        .get_item(2)
        .ok()
        .and_then(|f| f.extract::<i64>().ok())
        .unwrap_or(0);
    let mode_writes = args
        .get_item(1)
        .ok()
        .and_then(|m| m.extract::<String>().ok())
        .is_some_and(|mode| mode.contains(['w', 'a', 'x', '+']));
    if flags & write_flags == 0 && !mode_writes {
        return Ok(None);
    }
    let path = args.get_item(0)?;
    check_path(policy, &path, None, "open")
}

/// The folder a `dir_fd` argument of `event` names, if one was given.
fn dir_fd_arg(event: &str, args: &Bound<'_, PyTuple>) -> Option<i64> {
    let position = match event {
        "os.remove" | "os.rmdir" | "shutil.rmtree" => 1,
        "os.mkdir" | "os.symlink" | "os.chmod" => 2,
        "os.rename" => 3,
        _ => return None,
    };
    args.get_item(position)
        .ok()
        .and_then(|fd| fd.extract::<i64>().ok())
        .filter(|&fd| fd >= 0)
}

fn check_path(
    policy: &Policy,
    arg: &Bound<'_, PyAny>,
    dir_fd: Option<i64>,
    event: &str,
) -> PyResult<Option<String>> {
    if arg.is_instance_of::<PyInt>() {
        // An open file descriptor: opening it was checked already.
        return Ok(None);
    }
    let Some(mut path) = path_of(arg) else {
        return Ok(Some(format!(
            "strategies may not write files here ({event} {})",
            arg.repr()?
        )));
    };
    if let (Some(fd), true) = (dir_fd, path.is_relative()) {
        match std::fs::read_link(format!("/proc/self/fd/{fd}")) {
            Ok(dir) => path = dir.join(path),
            Err(_) => {
                return Ok(Some(format!(
                    "strategies may not write files here ({event})"
                )))
            }
        }
    }
    if policy.may_write(&path) {
        return Ok(None);
    }
    let allowed = match policy.write_dirs.as_slice() {
        [] => "strategies may not write files in this run".to_owned(),
        dirs => format!(
            "a strategy may write only inside {}",
            dirs.iter()
                .map(|d| d.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    Ok(Some(format!(
        "writing {} is refused ({event}): {allowed}",
        path.display()
    )))
}

/// A path argument (str, bytes or path-like) as a path.
fn path_of(arg: &Bound<'_, PyAny>) -> Option<PathBuf> {
    if let Ok(bytes) = arg.cast::<PyBytes>() {
        return path_from_bytes(bytes.as_bytes());
    }
    arg.extract::<PathBuf>().ok()
}

#[cfg(unix)]
fn path_from_bytes(bytes: &[u8]) -> Option<PathBuf> {
    use std::os::unix::ffi::OsStrExt;
    Some(PathBuf::from(std::ffi::OsStr::from_bytes(bytes)))
}

#[cfg(not(unix))]
fn path_from_bytes(bytes: &[u8]) -> Option<PathBuf> {
    std::str::from_utf8(bytes).ok().map(PathBuf::from)
}

/// `path` made absolute, with symbolic links of its existing part resolved
/// and `.` and `..` of the rest applied.
pub(crate) fn resolve(path: &Path) -> PathBuf {
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(path)
    };
    // The longest part that exists, resolved by the file system.
    let mut existing = absolute.as_path();
    let mut rest = Vec::new();
    let base = loop {
        if let Ok(real) = existing.canonicalize() {
            break real;
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(Component::Normal(name));
                existing = parent;
            }
            (Some(parent), None) => {
                // Ends in `..` (or `.`): keep it for the lexical pass.
                rest.push(Component::ParentDir);
                existing = parent;
            }
            (None, _) => break existing.to_path_buf(),
        }
    };
    let mut resolved = base;
    for component in rest.into_iter().rev() {
        match component {
            Component::ParentDir => {
                resolved.pop();
            }
            Component::CurDir => {}
            other => resolved.push(other.as_os_str()),
        }
    }
    resolved
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolve_applies_dot_dot_after_missing_folders() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().canonicalize().unwrap();
        let out = base.join("out");
        assert_eq!(resolve(&out.join("a.csv")), out.join("a.csv"));
        let escape = out.join("missing").join("..").join("..").join("x.txt");
        assert_eq!(resolve(&escape), base.join("x.txt"));
        let policy = Policy::new(false, std::slice::from_ref(&out));
        assert!(policy.may_write(&out.join("sub").join("f.txt")));
        assert!(!policy.may_write(&escape));
        assert!(!policy.may_write(&base.join("outside.txt")));
    }
}
