//! The window's end of a session that runs in a sandboxed worker process
//! (`ticklab worker-session`, see [`crate::worker::session`]).
//!
//! ```text
//!  window ── Command ──▶ writer thread ══ socket ══▶ worker: Session thread
//!  window ◀── Update ─── reader thread ◀═ socket ══ worker (one message per frame)
//!                        watchdog thread: heartbeats, callback overrun, silence
//! ```
//!
//! The window never waits on the worker: commands are queued, updates are
//! taken as they come, and a window that falls behind gets batches merged
//! and old frames dropped, as the in-process session does.
//!
//! The hard watchdog lives here: a callback still running the grace period
//! after its budget (the worker's own interrupt having failed), or a worker
//! silent for [`WorkerSettings::stall`], is killed (SIGKILL). Any death (an
//! exit, a signal, the memory or CPU limit, a closed channel) becomes an
//! error in the console, "the strategy process died at event N (data time
//! T): reason" with the worker's last console lines, and the window stays
//! on the last frame, failed. `ReloadStrategy` then starts a new worker
//! and re-runs to the last event that went well; a seek, another strategy
//! or another folder start one too.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crossbeam_channel::{bounded, Receiver, Sender, TrySendError};

use super::message::ToWorker;
use super::plan::{covers, PlanBase, Script};
use super::worker_process::Worker;
use super::{SessionLink, WorkerSettings};
use crate::sandbox::Plan;
use crate::session::thread::compact_updates;
use crate::session::{
    Batch, Command, ErrorKind, ErrorRecord, Frame, SeekTarget, SendError, SessionOptions, Update,
    Waker,
};

/// Updates waiting for the window before older ones merge.
const UPDATE_CAPACITY: usize = 64;

/// The window's end of a session in a worker process. Dropping it ends the
/// worker.
pub struct RemoteSession {
    settings: WorkerSettings,
    options: SessionOptions,
    outbox: Arc<Outbox>,
    updates: Receiver<Update>,
    shared: Arc<Mutex<Shared>>,
    script: Script,
    worker: Option<Worker>,
}

/// What the window's end and the worker's threads share.
#[derive(Default)]
pub(super) struct Shared {
    /// Commands the window has sent.
    pub(super) sent: u64,
    /// The last frame the worker sent.
    pub(super) last_frame: Option<Frame>,
    /// Set when the worker died: where a new one resumes.
    pub(super) death: Option<Death>,
    /// The sandbox's missing protections were said.
    pub(super) announced: bool,
}

/// A worker's death, as the window's end keeps it.
#[derive(Clone, Copy, Debug)]
pub(super) struct Death {
    /// The last market event that went well: a reload re-runs to it.
    pub(super) resume_at: u64,
}

impl RemoteSession {
    /// A session whose worker starts with the first command that needs
    /// one; `waker` is called whenever updates are waiting.
    pub fn new(options: SessionOptions, settings: WorkerSettings, waker: Waker) -> Self {
        let (tx, updates) = bounded(UPDATE_CAPACITY);
        RemoteSession {
            settings,
            options,
            outbox: Arc::new(Outbox {
                tx,
                pending: Mutex::new(VecDeque::new()),
                waker,
            }),
            updates,
            shared: Arc::new(Mutex::new(Shared::default())),
            script: Script::default(),
            worker: None,
        }
    }

    fn shared(&self) -> MutexGuard<'_, Shared> {
        lock(&self.shared)
    }

    fn base(&self) -> PlanBase {
        PlanBase {
            allow_network: self.settings.allow_network,
            limits: self.settings.limits,
        }
    }

    /// Starts a worker for `plan` that is sent `commands` first, counted as
    /// the window's command number `sent_after` (the one that asked).
    fn start_worker(&mut self, plan: Plan, commands: Vec<Command>, sent_after: u64) {
        self.worker = None;
        let first = u64::try_from(commands.len()).unwrap_or(u64::MAX);
        let base = sent_after.saturating_sub(first);
        match Worker::spawn(
            &self.settings,
            plan,
            &self.options,
            base,
            Arc::clone(&self.shared),
            Arc::clone(&self.outbox),
        ) {
            Ok(worker) => {
                for command in commands {
                    let _ = worker.outgoing.try_send(ToWorker::Command(command));
                }
                self.worker = Some(worker);
            }
            Err(err) => {
                let mut shared = self.shared();
                shared.death = Some(Death {
                    resume_at: shared.last_frame.as_ref().map_or(0, |f| f.events_seen),
                });
                let message = format!("cannot start the strategy worker: {err}");
                self.outbox
                    .push(error_batch(ErrorRecord::msg(ErrorKind::Command, message)));
                self.outbox.push(Update::Idle {
                    commands_done: shared.sent,
                });
            }
        }
    }

    /// A command while the worker is dead: a new worker where it makes
    /// sense, else an explanation.
    fn after_death(&mut self, command: Command, death: Death, sent: u64) {
        let plan = self.script.plan(&self.options.cache, &self.base());
        let mut commands = self.script.commands();
        match command {
            // A reload, or settings a reload follows: back to the last
            // event that went well.
            Command::ReloadStrategy | Command::Configure { .. } => {
                commands.push(Command::Seek(SeekTarget::Event(death.resume_at)));
            }
            // Following another instrument re-runs to where the run was.
            Command::Follow(_) => {
                commands.push(Command::Seek(SeekTarget::Event(death.resume_at)));
            }
            Command::Seek(target) => commands.push(Command::Seek(target)),
            Command::Load { .. } | Command::Open { .. } | Command::SetStrategy(_) => {}
            Command::Stop => return,
            Command::Pause => {
                // Nothing runs: paused already.
                self.outbox.push(Update::Idle {
                    commands_done: sent,
                });
                return;
            }
            Command::Play(_) | Command::Step(_) => {
                let why =
                    "the strategy process died: reload the strategy, choose another, or seek back";
                self.outbox
                    .push(error_batch(ErrorRecord::msg(ErrorKind::Command, why)));
                self.outbox.push(Update::Idle {
                    commands_done: sent,
                });
                return;
            }
        }
        self.shared().death = None;
        self.start_worker(plan, commands, sent);
    }
}

impl SessionLink for RemoteSession {
    fn send(&mut self, command: Command) -> Result<(), SendError> {
        self.script.note(&command);
        let (death, sent) = {
            let mut shared = self.shared();
            shared.sent += 1;
            (shared.death, shared.sent)
        };
        if let Some(death) = death {
            self.after_death(command, death, sent);
            return Ok(());
        }
        let defines_run = matches!(
            command,
            Command::Load { .. }
                | Command::Open { .. }
                | Command::SetStrategy(_)
                | Command::Configure { .. }
        );
        if defines_run && self.worker.is_none() && self.script.load.is_none() {
            // Nothing to run yet: the script keeps it for the first load.
            self.outbox.push(Update::Idle {
                commands_done: sent,
            });
            return Ok(());
        }
        if defines_run {
            let needed = self.script.plan(&self.options.cache, &self.base());
            let covered = self
                .worker
                .as_ref()
                .is_some_and(|worker| covers(&worker.plan, &needed));
            if !covered {
                // A worker that can read what the run needs, stood where
                // this command leaves the run.
                let mut commands = self.script.commands();
                if matches!(command, Command::Configure { .. }) {
                    // A configuration waits for the next fresh run; the
                    // new worker stands where the old one was.
                    let at = self
                        .shared()
                        .last_frame
                        .as_ref()
                        .map_or(0, |f| f.events_seen);
                    commands.push(Command::Seek(SeekTarget::Event(at)));
                }
                self.start_worker(needed, commands, sent);
                return Ok(());
            }
        }
        let Some(worker) = &self.worker else {
            // Nothing loaded yet: the command has nothing to act on, as
            // in process.
            self.outbox.push(Update::Idle {
                commands_done: sent,
            });
            return Ok(());
        };
        match worker.outgoing.try_send(ToWorker::Command(command)) {
            Ok(()) => Ok(()),
            Err(TrySendError::Full(_)) => {
                self.shared().sent -= 1;
                Err(SendError::Busy)
            }
            // The worker is gone; its death is on its way to the window.
            Err(TrySendError::Disconnected(_)) => Ok(()),
        }
    }

    fn commands_sent(&self) -> u64 {
        self.shared().sent
    }

    fn try_recv(&self) -> Option<Update> {
        self.outbox.flush();
        self.updates.try_recv().ok()
    }

    fn recv_timeout(&self, timeout: Duration) -> Option<Update> {
        self.outbox.flush();
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.checked_duration_since(Instant::now())?;
            if let Ok(update) = self
                .updates
                .recv_timeout(left.min(Duration::from_millis(20)))
            {
                return Some(update);
            }
            self.outbox.flush();
        }
    }

    fn request_frame(&self) {
        if let Some(worker) = &self.worker {
            let _ = worker.outgoing.try_send(ToWorker::FrameWanted);
        }
    }

    fn where_it_runs(&self) -> &'static str {
        "a sandboxed worker process"
    }
}

/// Where updates for the window wait: the window's channel, and a queue
/// in front of it while the window is behind (frames but the last dropped,
/// batches merged), so no thread ever waits on the window.
pub(super) struct Outbox {
    tx: Sender<Update>,
    pending: Mutex<VecDeque<Update>>,
    waker: Waker,
}

impl Outbox {
    pub(super) fn push(&self, update: Update) {
        lock(&self.pending).push_back(update);
        self.flush();
    }

    pub(super) fn push_all(&self, updates: impl IntoIterator<Item = Update>) {
        lock(&self.pending).extend(updates);
        self.flush();
    }

    /// Moves what waits into the window's channel.
    pub(super) fn flush(&self) {
        let mut pending = lock(&self.pending);
        let mut sent_any = false;
        while let Some(update) = pending.pop_front() {
            match self.tx.try_send(update) {
                Ok(()) => sent_any = true,
                Err(TrySendError::Full(update)) => {
                    pending.push_front(update);
                    compact_updates(&mut pending);
                    break;
                }
                Err(TrySendError::Disconnected(_)) => {
                    pending.clear();
                    return;
                }
            }
        }
        drop(pending);
        if sent_any {
            (self.waker)();
        }
    }
}

/// A batch holding one error.
pub(super) fn error_batch(record: ErrorRecord) -> Update {
    let mut batch = Batch::default();
    batch.errors.push(record);
    Update::Batch(Box::new(batch))
}

/// Locks `mutex`, taking its value even if a thread panicked holding it.
pub(super) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
