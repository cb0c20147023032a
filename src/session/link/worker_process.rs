//! One worker process of a [`RemoteSession`](super::remote::RemoteSession)
//! and the threads that talk to it and watch it: a writer (commands out,
//! after writing the day's event cache the worker may not write), a reader
//! (updates in, and the report of the worker's death), a console reader
//! and the watchdog.

use std::os::fd::OwnedFd;
use std::os::unix::net::UnixStream;
use std::process::{Child, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crossbeam_channel::{bounded, Sender};

use super::console::Console;
use super::message::{FromWorker, ToWorker, SESSION_FRAME_BYTES};
use super::remote::{error_batch, lock, Death, Outbox, Shared};
use super::WorkerSettings;
use crate::sandbox::{Plan, ProtectionState};
use crate::session::prepare::prepare_cache;
use crate::session::{
    open_day, open_instruments, Batch, Command, ErrorKind, ErrorRecord, RunState, SessionOptions,
    Update,
};
use crate::strategy::activity::Activity;
use crate::worker::activity_page::ActivityPage;
use crate::worker::death::{console_block, death_line, reason_of};
use crate::worker::protocol::{FrameReader, FrameWriter, ProtocolError};
use crate::worker::Heartbeat;

/// How often the watchdog looks.
const WATCH_PERIOD: Duration = Duration::from_millis(20);

/// How long a worker that closed its channel has to exit.
const EXIT_WAIT: Duration = Duration::from_secs(2);

/// Messages waiting for the worker before `send` says the session is busy.
const COMMAND_CAPACITY: usize = 1024;

/// One worker process and the threads that talk to it.
pub(super) struct Worker {
    child: Arc<Mutex<Child>>,
    /// Messages for the worker, in order.
    pub(super) outgoing: Sender<ToWorker>,
    retired: Arc<AtomicBool>,
    /// The worker's sandbox.
    pub(super) plan: Plan,
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
    /// Starts a worker sandboxed by `plan`; its updates go to `outbox`,
    /// its `Idle` counts shifted by `base`.
    pub(super) fn spawn(
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
                            let batch = Batch {
                                notes,
                                ..Batch::default()
                            };
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

/// Writes the event cache of each day a `Load` or an `Open` opens, unless
/// it has a valid one; what the user should hear about it.
fn prepare_caches(command: &Command, options: &SessionOptions) -> Vec<String> {
    if !options.cache.enabled {
        return Vec::new();
    }
    let runs = match command {
        Command::Load {
            folder,
            symbol,
            day,
        } => open_day(folder, symbol.as_deref(), *day).map(|run| vec![run]),
        Command::Open {
            folder,
            symbols,
            days,
        } => {
            let symbols = (!symbols.is_empty()).then(|| symbols.join(","));
            open_instruments(folder, symbols.as_deref(), Some(days), None)
        }
        _ => return Vec::new(),
    };
    let Ok(runs) = runs else {
        return Vec::new();
    };
    runs.iter()
        .flat_map(|run| {
            run.days.iter().flat_map(move |run_day| {
                prepare_cache(&run.instrument, &run_day.file, options.read, &options.cache)
            })
        })
        .collect()
}

/// Kills the worker when a callback overruns its budget and grace, or
/// when it falls silent; ends with the worker.
fn watchdog(watch: &Mutex<Watch>, child: &Mutex<Child>, limit: Option<Duration>, stall: Duration) {
    let mut woke = Instant::now();
    loop {
        std::thread::sleep(WATCH_PERIOD);
        let mut watch = lock(watch);
        if watch.done || watch.killed_for.is_some() {
            return;
        }
        let now = Instant::now();
        if now.duration_since(woke) > stall / 2 {
            // This process was stopped (a suspended machine): the worker's
            // beats wait unread, its silence is ours.
            watch.last_heard = now;
            watch.timed = None;
        }
        woke = now;
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
        if self.retired.load(Ordering::SeqCst) {
            // Replaced: what it still says is of a run the window left.
            return;
        }
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
