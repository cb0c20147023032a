//! The sandbox of the process that runs strategy code.
//!
//! [`apply`] locks the calling process in, one protection per file, before
//! any strategy code is loaded:
//!
//! - `netns`: a new network namespace with no interface up (inside a new
//!   user namespace where the process may not make one otherwise);
//! - `limits`: address space, CPU time, open files; no core dumps;
//! - `files` (landlock): read-only access to the folders the run reads
//!   (data, strategy, configuration, the Python installation, what any
//!   process needs), read-write to the output folder only; no TCP; no
//!   signals or abstract Unix sockets to processes outside;
//! - `caps`: every capability dropped (the worker of a root user is no
//!   more than a plain user's);
//! - `seccomp`: no new processes, no `ptrace`, no sockets (pairs of local
//!   sockets still work), no module loading or mounts.
//!
//! Each protection is best effort: a kernel that lacks a feature leaves
//! that protection off, and the [`Protection`] list says which and why.
//! Landlock and the namespaces act on the calling thread (and the threads
//! it starts later), so [`apply`] refuses to run once the process has more
//! than one thread.

mod caps;
mod files;
mod limits;
mod netns;
mod seccomp;

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub use limits::{default_memory_limit_bytes, parse_bytes, Limits};

/// What the sandboxed process may read and write, and its limits.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// Keep the host's network (no network namespace, no socket filter).
    pub allow_network: bool,
    /// Files and folders the run reads: the data folder, the strategy
    /// file's folder, the configuration file.
    pub read_paths: Vec<PathBuf>,
    /// Folders the run writes: the output folder, and any other folder a
    /// part of the run must write to (an event cache beside the data).
    pub write_dirs: Vec<PathBuf>,
    /// Start the Python interpreter first and let the process read its
    /// installation (prefixes, `sys.path`, `VIRTUAL_ENV`, `PYTHONPATH`).
    pub python: bool,
    /// Resource limits.
    pub limits: Limits,
}

/// Whether one protection is in force.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProtectionState {
    /// In force; what it does.
    On(String),
    /// Wanted but not in force; why (a kernel without the feature, ...).
    Off(String),
    /// Left off on request (`--allow-network`, a limit of 0); what that means.
    Waived(String),
}

/// One protection of the sandbox and its state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Protection {
    /// Its name, in the user's words ("network namespace").
    pub name: String,
    /// Whether it is in force.
    pub state: ProtectionState,
}

impl Protection {
    fn on(name: &str, what: impl Into<String>) -> Self {
        Protection {
            name: name.to_owned(),
            state: ProtectionState::On(what.into()),
        }
    }

    fn off(name: &str, why: impl Into<String>) -> Self {
        Protection {
            name: name.to_owned(),
            state: ProtectionState::Off(why.into()),
        }
    }

    fn waived(name: &str, what: impl Into<String>) -> Self {
        Protection {
            name: name.to_owned(),
            state: ProtectionState::Waived(what.into()),
        }
    }

    /// True when the protection is in force.
    pub fn is_on(&self) -> bool {
        matches!(self.state, ProtectionState::On(_))
    }

    /// One line for a person: `name: on (what)`, `name: OFF (why)`.
    pub fn describe(&self) -> String {
        match &self.state {
            ProtectionState::On(what) => format!("{}: on ({what})", self.name),
            ProtectionState::Off(why) => format!("{}: OFF ({why})", self.name),
            ProtectionState::Waived(what) => format!("{}: off on request ({what})", self.name),
        }
    }
}

/// Why the sandbox could not be applied at all.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// The process already runs other threads, which would stay outside.
    #[error("the sandbox must be applied before any thread starts; this process has {0} threads")]
    Threaded(usize),
}

/// Applies `plan` to this process and says what is in force.
///
/// Call it first thing, while the process has one thread: every thread
/// started afterwards inherits the sandbox.
pub fn apply(plan: &Plan) -> Result<Vec<Protection>, SandboxError> {
    let threads = thread_count();
    if threads > 1 {
        return Err(SandboxError::Threaded(threads));
    }
    let mut protections = Vec::new();
    protections.push(if plan.allow_network {
        Protection::waived(
            netns::NAME,
            "--allow-network: the strategy can reach the host's network",
        )
    } else {
        netns::enter_empty_network()
    });
    protections.extend(limits::apply(&plan.limits));
    let mut read_paths = plan.read_paths.clone();
    if plan.python {
        match crate::strategy::python::installation_paths() {
            Ok(paths) => read_paths.extend(paths),
            Err(err) => protections.push(Protection::off(
                "python",
                format!("cannot ask the interpreter for its folders: {err}"),
            )),
        }
    }
    read_paths.sort();
    read_paths.dedup();
    protections.extend(files::restrict(
        &read_paths,
        &plan.write_dirs,
        plan.allow_network,
    ));
    protections.push(caps::drop_all());
    protections.push(seccomp::install(plan.allow_network));
    Ok(protections)
}

/// Threads of this process (1 when it cannot tell).
fn thread_count() -> usize {
    std::fs::read_dir("/proc/self/task").map_or(1, |dir| dir.count())
}
