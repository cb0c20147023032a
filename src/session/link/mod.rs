//! How the window reaches its session: in this process
//! ([`Session`], on a thread) or in a sandboxed worker
//! process ([`RemoteSession`]), behind one [`SessionLink`].
//!
//! The session's state machine is the same in both: the worker runs a
//! [`Session`] of its own and forwards its updates, so the
//! session's tests need no process, and the window cannot tell the two
//! apart but by what a strategy can do to it.

pub(crate) mod codec;
mod console;
pub mod message;
mod packed;
mod plan;
pub(crate) mod records;
pub mod remote;
mod worker_process;

use std::path::PathBuf;
use std::time::{Duration, Instant};

pub use remote::RemoteSession;

use super::{Command, SendError, Session, SessionOptions, Update, Waker};
use crate::sandbox::Limits;

/// The window's end of a session, wherever the session runs.
pub trait SessionLink: Send {
    /// Sends a command without waiting.
    fn send(&mut self, command: Command) -> Result<(), SendError>;

    /// Commands sent so far.
    fn commands_sent(&self) -> u64;

    /// The next update, if one is waiting.
    fn try_recv(&self) -> Option<Update>;

    /// The next update, waiting at most `timeout`.
    fn recv_timeout(&self, timeout: Duration) -> Option<Update>;

    /// Tells the session the window is ready for the next frame; call once
    /// per repaint, after draining.
    fn request_frame(&self);

    /// Where strategies run, for the console ("a sandboxed worker
    /// process").
    fn where_it_runs(&self) -> &'static str;

    /// Updates until the session is idle after every command sent so far,
    /// or `timeout` passes (then `None`). For tests and headless drivers.
    fn wait_idle(&self, timeout: Duration) -> Option<Vec<Update>> {
        let deadline = Instant::now() + timeout;
        let mut updates = Vec::new();
        loop {
            self.request_frame();
            let left = deadline.checked_duration_since(Instant::now())?;
            let update = self.recv_timeout(left)?;
            let done = matches!(update, Update::Idle { commands_done } if commands_done >= self.commands_sent());
            updates.push(update);
            if done {
                return Some(updates);
            }
        }
    }
}

impl SessionLink for Session {
    fn send(&mut self, command: Command) -> Result<(), SendError> {
        Session::send(self, command)
    }

    fn commands_sent(&self) -> u64 {
        Session::commands_sent(self)
    }

    fn try_recv(&self) -> Option<Update> {
        Session::try_recv(self)
    }

    fn recv_timeout(&self, timeout: Duration) -> Option<Update> {
        Session::recv_timeout(self, timeout)
    }

    fn request_frame(&self) {
        Session::request_frame(self);
    }

    fn where_it_runs(&self) -> &'static str {
        "this process, without the sandbox"
    }

    fn wait_idle(&self, timeout: Duration) -> Option<Vec<Update>> {
        Session::wait_idle(self, timeout)
    }
}

/// Where the window's session, and so its strategies, run.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Isolation {
    /// On a thread of this process (`ticklab --no-sandbox`, and tests of
    /// the window's drawing): a strategy can crash, freeze or read
    /// anything the window can.
    #[default]
    InProcess,
    /// In a sandboxed worker process (the window's default).
    Worker(WorkerSettings),
}

/// How a window's worker is started, sandboxed and watched.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkerSettings {
    /// The `ticklab` executable (the worker is `ticklab worker-session`).
    pub exe: PathBuf,
    /// Keep the host's network (`--allow-network`).
    pub allow_network: bool,
    /// Memory, CPU time and open files of the worker.
    pub limits: Limits,
    /// How long after its budget ([`SessionOptions::callback_budget`],
    /// which the worker interrupts itself) a callback may still run before
    /// the window kills the worker.
    pub callback_grace: Duration,
    /// Silence after which a worker counts as frozen and is killed.
    pub stall: Duration,
}

impl WorkerSettings {
    /// Workers of the executable `exe` with the default sandbox: no
    /// network, 4 GiB or half the memory, a callback killed 1 s after its
    /// 2 s budget, a worker silent for 5 s killed.
    pub fn new(exe: PathBuf) -> Self {
        WorkerSettings {
            exe,
            allow_network: false,
            limits: Limits::default(),
            callback_grace: Duration::from_secs(1),
            stall: Duration::from_secs(5),
        }
    }

    /// Workers of this very executable.
    pub fn of_this_executable() -> std::io::Result<Self> {
        Ok(WorkerSettings::new(std::env::current_exe()?))
    }
}

/// Starts a session where `isolation` says; `waker` is called whenever
/// updates are waiting.
pub fn start(
    options: SessionOptions,
    isolation: &Isolation,
    waker: Waker,
) -> std::io::Result<Box<dyn SessionLink>> {
    Ok(match isolation {
        Isolation::InProcess => Box::new(Session::spawn(options, waker)?),
        Isolation::Worker(settings) => {
            Box::new(RemoteSession::new(options, settings.clone(), waker))
        }
    })
}
