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
use std::os::fd::OwnedFd;
use std::os::unix::net::UnixStream;
use std::process::{Child, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crossbeam_channel::{bounded, Receiver, Sender, TrySendError};

use super::console::Console;
use super::message::{FromWorker, ToWorker, SESSION_FRAME_BYTES};
use super::plan::{covers, PlanBase, Script};
use super::{SessionLink, WorkerSettings};
use crate::sandbox::{Plan, ProtectionState};
use crate::session::prepare::prepare_cache;
use crate::session::thread::compact_updates;
use crate::session::{
    open_day, Batch, Command, ErrorKind, ErrorRecord, Frame, RunState, SeekTarget, SendError,
    SessionOptions, Update, Waker,
};
use crate::strategy::activity::Activity;
use crate::worker::activity_page::ActivityPage;
use crate::worker::death::{console_block, death_line, reason_of};
use crate::worker::protocol::{FrameReader, FrameWriter, ProtocolError};
use crate::worker::Heartbeat;

/// Updates waiting for the window before older ones merge.
const UPDATE_CAPACITY: usize = 64;

/// Messages waiting for the worker before `send` says the session is busy.
const COMMAND_CAPACITY: usize = 1024;

/// How long a worker that closed its channel has to exit.
const EXIT_WAIT: Duration = Duration::from_secs(2);

/// How often the watchdog looks.
const WATCH_PERIOD: Duration = Duration::from_millis(20);

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
struct Shared {
    /// Commands the window has sent.
    sent: u64,
    /// The last frame the worker sent.
    last_frame: Option<Frame>,
    /// Set when the worker died: where a new one resumes.
    death: Option<Death>,
    /// The sandbox's missing protections were said.
    announced: bool,
}

/// A worker's death, as the window's end keeps it.
#[derive(Clone, Copy, Debug)]
struct Death {
    /// The last market event that went well: a reload re-runs to it.
    resume_at: u64,
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
            Command::ReloadStrategy => {
                commands.push(Command::Seek(SeekTarget::Event(death.resume_at)));
            }
            Command::Seek(target) => commands.push(Command::Seek(target)),
            Command::Load { .. } | Command::SetStrategy(_) | Command::Configure { .. } => {}
            Command::Stop => return,
            Command::Pause | Command::Play(_) | Command::Step(_) => {
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
            Command::Load { .. } | Command::SetStrategy(_) | Command::Configure { .. }
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
struct Outbox {
    tx: Sender<Update>,
    pending: Mutex<VecDeque<Update>>,
    waker: Waker,
}

impl Outbox {
    fn push(&self, update: Update) {
        lock(&self.pending).push_back(update);
        self.flush();
    }

    fn push_all(&self, updates: impl IntoIterator<Item = Update>) {
        lock(&self.pending).extend(updates);
        self.flush();
    }

    /// Moves what waits into the window's channel.
    fn flush(&self) {
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

/// One worker process and the threads that talk to it.
struct Worker {
    child: Arc<Mutex<Child>>,
    outgoing: Sender<ToWorker>,
    retired: Arc<AtomicBool>,
    plan: Plan,
}

impl Drop for Worker {
    fn drop(&mut self) {
        // A worker replaced or left: its end is no death.
        self.retired.store(true, Ordering::SeqCst);
        let _ = lock(&self.child).kill();
    }
}

/// What the watchdog knows of a worker.
struct Watch {
    beat: Heartbeat,
    /// The running callback being timed: serial, name, first seen.
    timed: Option<(u64, String, Instant)>,
    last_heard: Instant,
    /// Why the watchdog killed the worker.
    killed_for: Option<String>,
    /// The worker's end was handled.
    done: bool,
}

impl Worker {
    fn spawn(
        settings: &WorkerSettings,
        plan: Plan,
        options: &SessionOptions,
        base: u64,
        shared: Arc<Mutex<Shared>>,
        outbox: Arc<Outbox>,
    ) -> std::io::Result<Worker> {
        let (ours, theirs) = UnixStream::pair()?;
        let page = ActivityPage::create()?;
        let mut command = std::process::Command::new(&settings.exe);
        crate::worker::env::apply(&mut command);
        let mut child = command
            .arg("worker-session")
            .arg("--activity")
            .arg(page.path())
            .stdin(Stdio::from(OwnedFd::from(theirs)))
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .spawn()?;
        let console = match child.stderr.take() {
            Some(stderr) => Some(Console::follow(stderr)?),
            None => None,
        };
        let child = Arc::new(Mutex::new(child));
        let retired = Arc::new(AtomicBool::new(false));
        let watch = Arc::new(Mutex::new(Watch {
            beat: Heartbeat::default(),
            timed: None,
            last_heard: Instant::now(),
            killed_for: None,
            done: false,
        }));
        let (outgoing, to_send) = bounded::<ToWorker>(COMMAND_CAPACITY);
        outgoing
            .try_send(ToWorker::Start {
                plan: Box::new(plan.clone()),
                options: Box::new(options.clone()),
            })
            .map_err(|_| std::io::Error::other("the worker's queue is closed"))?;
        let writer = ours.try_clone()?;
        let cache_options = options.clone();
        let cache_outbox = Arc::clone(&outbox);
        std::thread::Builder::new()
            .name("ticklab-session-send".into())
            .spawn(move || {
                let mut writer = FrameWriter::with_limit(writer, SESSION_FRAME_BYTES);
                while let Ok(message) = to_send.recv() {
                    if let ToWorker::Command(command) = &message {
                        // The worker can read the day's cache, not write it.
                        let notes = prepare_caches(command, &cache_options);
                        if !notes.is_empty() {
                            let mut batch = Batch::default();
                            batch.notes = notes;
                            cache_outbox.push(Update::Batch(Box::new(batch)));
                        }
                    }
                    if writer.send(&message).is_err() {
                        return;
                    }
                }
            })?;
        let reader = Reader {
            child: Arc::clone(&child),
            retired: Arc::clone(&retired),
            watch: Arc::clone(&watch),
            shared,
            outbox,
            console,
            page,
            base,
        };
        std::thread::Builder::new()
            .name("ticklab-session-receive".into())
            .spawn(move || reader.run(ours))?;
        let limit = options
            .callback_budget
            .map(|budget| budget + settings.callback_grace);
        let stall = settings.stall;
        let watched = Arc::clone(&child);
        std::thread::Builder::new()
            .name("ticklab-session-watchdog".into())
            .spawn(move || watchdog(&watch, &watched, limit, stall))?;
        Ok(Worker {
            child,
            outgoing,
            retired,
            plan,
        })
    }
}

/// Writes the event cache of the day a `Load` opens, unless it has a
/// valid one; what the user should hear about it.
fn prepare_caches(command: &Command, options: &SessionOptions) -> Vec<String> {
    let Command::Load {
        folder,
        symbol,
        day,
    } = command
    else {
        return Vec::new();
    };
    if !options.cache.enabled {
        return Vec::new();
    }
    let Ok(run) = open_day(folder, symbol.as_deref(), *day) else {
        return Vec::new();
    };
    run.days
        .iter()
        .flat_map(|run_day| {
            prepare_cache(&run.instrument, &run_day.file, options.read, &options.cache)
        })
        .collect()
}

/// Kills the worker when a callback overruns its budget and grace, or
/// when it falls silent; ends with the worker.
fn watchdog(watch: &Mutex<Watch>, child: &Mutex<Child>, limit: Option<Duration>, stall: Duration) {
    loop {
        std::thread::sleep(WATCH_PERIOD);
        let mut watch = lock(watch);
        if watch.done || watch.killed_for.is_some() {
            return;
        }
        let now = Instant::now();
        let reason = if let (Some(limit), Some((_, name, since))) = (limit, &watch.timed) {
            (now.duration_since(*since) > limit).then(|| {
                format!(
                    "{name} ran for more than {:.1} s, its budget and grace; killed",
                    limit.as_secs_f64()
                )
            })
        } else {
            None
        };
        let reason = reason.or_else(|| {
            (now.duration_since(watch.last_heard) > stall).then(|| {
                format!(
                    "it stopped answering for {} s; killed",
                    stall.as_secs_f64().round()
                )
            })
        });
        if let Some(reason) = reason {
            watch.killed_for = Some(reason);
            drop(watch);
            let _ = lock(child).kill();
            return;
        }
    }
}

/// The thread that takes a worker's messages, and tells its death.
struct Reader {
    child: Arc<Mutex<Child>>,
    retired: Arc<AtomicBool>,
    watch: Arc<Mutex<Watch>>,
    shared: Arc<Mutex<Shared>>,
    outbox: Arc<Outbox>,
    console: Option<Console>,
    /// Where the worker marks each callback: the exact place of a death.
    page: ActivityPage,
    /// The window's command count before this worker's first command.
    base: u64,
}

impl Reader {
    fn run(mut self, channel: UnixStream) {
        let mut reader = FrameReader::with_limit(channel, SESSION_FRAME_BYTES);
        let broke = loop {
            match reader.read_message::<FromWorker>() {
                Ok(Some(message)) => {
                    lock(&self.watch).last_heard = Instant::now();
                    self.take(message);
                }
                Ok(None) => break None,
                // A worker that dies with our messages unread resets the
                // channel, one that dies mid-frame cuts it: both closed it.
                Err(ProtocolError::Io(_)) => break None,
                Err(err) => break Some(err),
            }
        };
        self.ended(broke);
    }

    fn take(&mut self, message: FromWorker) {
        match message {
            FromWorker::Ready { protections } => {
                let mut shared = lock(&self.shared);
                if !shared.announced {
                    shared.announced = true;
                    let mut batch = Batch::default();
                    batch.notes.push(
                        "strategies run in a sandboxed worker process (no network, read-only data, limits; see `ticklab sandbox-check`)"
                            .to_owned(),
                    );
                    for protection in &protections {
                        if !matches!(protection.state, ProtectionState::On(_)) {
                            batch
                                .notes
                                .push(format!("sandbox: {}", protection.describe()));
                        }
                    }
                    self.outbox.push(Update::Batch(Box::new(batch)));
                }
            }
            FromWorker::Heartbeat(beat) => {
                let now = Instant::now();
                let mut watch = lock(&self.watch);
                watch.timed = match &beat.callback {
                    Some(cb) if watch.timed.as_ref().is_some_and(|t| t.0 == cb.serial) => {
                        watch.timed.take()
                    }
                    Some(cb) => Some((
                        cb.serial,
                        cb.name.clone(),
                        now.checked_sub(Duration::from_millis(cb.running_ms))
                            .unwrap_or(now),
                    )),
                    None => None,
                };
                watch.beat = beat;
            }
            FromWorker::Updates(updates) => {
                let base = self.base;
                let mut last_frame = None;
                let updates: Vec<Update> = updates
                    .into_iter()
                    .map(|update| match update {
                        Update::Idle { commands_done } => Update::Idle {
                            commands_done: base + commands_done,
                        },
                        Update::Frame(frame) => {
                            last_frame = Some(frame.clone());
                            Update::Frame(frame)
                        }
                        other => other,
                    })
                    .collect();
                if let Some(frame) = last_frame {
                    lock(&self.shared).last_frame = Some(*frame);
                }
                self.outbox.push_all(updates);
            }
            FromWorker::Failed { message } => {
                lock(&self.watch).killed_for =
                    Some(format!("its sandbox could not be applied: {message}"));
                let _ = lock(&self.child).kill();
            }
        }
    }

    /// The worker's channel closed: a retired worker is reaped, any other
    /// is dead and the window is told how.
    fn ended(mut self, broke: Option<ProtocolError>) {
        if broke.is_some() {
            let _ = lock(&self.child).kill();
        }
        let status = wait_or_kill(&self.child, EXIT_WAIT);
        let (beat, killed_for) = {
            let mut watch = lock(&self.watch);
            watch.done = true;
            (watch.beat.clone(), watch.killed_for.take())
        };
        if self.retired.load(Ordering::SeqCst) {
            return;
        }
        let reason = match (killed_for, broke, status) {
            (Some(reason), _, _) => reason,
            (None, Some(err), _) => format!("it broke its channel to ticklab ({err}); killed"),
            (None, None, Exit::Killed) => {
                "it closed its channel to ticklab and did not exit; killed".to_owned()
            }
            (None, None, Exit::Status(status)) => reason_of(status),
        };
        let console = self
            .console
            .as_mut()
            .map(|c| c.last_lines(Duration::from_millis(500)))
            .unwrap_or_default();
        let (event_index, data_ts_ns, in_market) = position(&self.page.read(), &beat);
        let mut record = ErrorRecord::msg(
            ErrorKind::Strategy,
            death_line(event_index, data_ts_ns, &reason),
        );
        record.detail = console_block(&console);
        record.event_index = Some(event_index);
        record.ts_ns = (data_ts_ns > 0).then_some(data_ts_ns);
        // The market event whose callback died did not go well; anything
        // else died after its event had.
        let resume_at = if in_market {
            event_index.saturating_sub(1)
        } else {
            event_index
        };
        let mut shared = lock(&self.shared);
        shared.death = Some(Death { resume_at });
        let mut updates = vec![error_batch(record)];
        if let Some(frame) = &shared.last_frame {
            let mut frame = frame.clone();
            frame.state = RunState::Failed;
            frame.events_per_sec = 0.0;
            updates.push(Update::Frame(Box::new(frame)));
        }
        updates.push(Update::Idle {
            commands_done: shared.sent,
        });
        // Pushed under the lock: a command sent from now on sees the death.
        self.outbox.push_all(updates);
    }
}

/// Where the strategy was when it died: market events seen, local data
/// time, and whether the callback running was a market event's. The
/// activity page is exact; the last beat (up to a period old) stands in
/// when the worker marked nothing there.
fn position(activity: &Activity, beat: &Heartbeat) -> (u64, i64, bool) {
    if activity.serial > 0 {
        let in_market = activity.is_running && activity.callback == "on_market";
        return (activity.event_index, activity.data_ts_ns, in_market);
    }
    let in_market = beat
        .callback
        .as_ref()
        .is_some_and(|cb| cb.name == "on_market");
    (beat.event_index, beat.data_ts_ns, in_market)
}

/// How a worker ended.
enum Exit {
    /// It exited (`None`: it could not be waited for).
    Status(Option<ExitStatus>),
    /// It did not exit in time and was killed.
    Killed,
}

/// Waits up to `wait` for the worker to exit, then kills it.
fn wait_or_kill(child: &Mutex<Child>, wait: Duration) -> Exit {
    let until = Instant::now() + wait;
    loop {
        match lock(child).try_wait() {
            Ok(Some(status)) => return Exit::Status(Some(status)),
            Ok(None) => {}
            Err(_) => return Exit::Status(None),
        }
        if Instant::now() >= until {
            let mut child = lock(child);
            let _ = child.kill();
            let _ = child.wait();
            return Exit::Killed;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// A batch holding one error.
fn error_batch(record: ErrorRecord) -> Update {
    let mut batch = Batch::default();
    batch.errors.push(record);
    Update::Batch(Box::new(batch))
}

/// Locks `mutex`, taking its value even if a thread panicked holding it.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
