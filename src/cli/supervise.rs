//! `ticklab run` with a worker: the run goes to a sandboxed worker process
//! (`ticklab worker`) and this process watches it.
//!
//! The parent owns the output folder and holds the hard watchdog: a
//! callback that overruns `--callback-budget-ms` first gets the worker's
//! own interrupt; if it is still running `--callback-grace-ms` later, the
//! parent kills the worker. So it does when the heartbeats stop. Any death
//! (an exit, a signal, the memory or CPU limit, a closed channel) is
//! reported as "the strategy process died at event N (data time T):
//! reason", with the strategy's last console lines, and leaves a
//! `summary.json` with `"status": "failed"` when the worker wrote none.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::io::{BufRead, BufReader, IsTerminal};
use std::os::fd::OwnedFd;
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::process::{Child, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Args;
use crossbeam_channel::{bounded, Receiver, RecvTimeoutError};
use indicatif::{ProgressBar, ProgressStyle};
use ticklab::market::cache::CacheOptions;
use ticklab::market::parquet::ReadOptions;
use ticklab::report::{RunFailure, RunFolder};
use ticklab::sandbox::{parse_bytes, Protection, ProtectionState};
use ticklab::session::open_instruments;
use ticklab::session::prepare::{feed_caches, CacheFeed};
use ticklab::strategy::python::format_data_time;
use ticklab::worker::activity_page::ActivityPage;
use ticklab::worker::printed::ConsoleLine;
use ticklab::worker::{FrameReader, Heartbeat, ProtocolError, WorkerMessage};

use super::run::RunArgs;

/// Console lines of the worker kept for a death report.
const CONSOLE_LINES: usize = 20;
/// Silence after which a worker counts as frozen.
const STALL: Duration = Duration::from_secs(5);
/// How long a worker that closed its channel has to exit.
const EXIT_WAIT: Duration = Duration::from_secs(2);

/// The sandbox options of `ticklab run`.
#[derive(Debug, Args)]
pub struct SandboxArgs {
    /// Run the strategy inside this process, without the sandbox (for
    /// debugging).
    #[arg(long)]
    pub no_sandbox: bool,
    /// The worker's address-space limit (`4G`, `512M`; 0: none); default
    /// 4 GiB or half the machine's memory, whichever is less.
    #[arg(long, value_name = "SIZE", value_parser = parse_bytes)]
    pub memory_limit: Option<u64>,
    /// The worker's CPU time limit, s (0: none).
    #[arg(long, value_name = "SECS", default_value_t = 4 * 3600)]
    pub cpu_limit_secs: u64,
    /// How long past its budget a callback may keep running before the
    /// worker is killed, ms.
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub callback_grace_ms: u64,
}

/// A worker process and what it sends.
pub(crate) struct Worker {
    child: Child,
    messages: Receiver<Result<WorkerMessage, ProtocolError>>,
    /// The last console lines, each marked when it is a copy of printed
    /// text not yet in the run's log.
    console: Arc<Mutex<VecDeque<(bool, String)>>>,
    console_thread: Option<JoinHandle<()>>,
}

impl Worker {
    /// Starts `ticklab worker` writing into `out`, with `worker_args`
    /// before the run's arguments `run_args`. Its console is copied to
    /// stderr (through `progress`) and its last lines kept.
    pub(crate) fn spawn(
        out: &Path,
        worker_args: &[OsString],
        run_args: &[OsString],
        progress: &ProgressBar,
    ) -> anyhow::Result<Worker> {
        Worker::spawn_with(out, worker_args, run_args, progress, true)
    }

    /// [`Worker::spawn`], with its console and standard output shown
    /// (`shown`) or only its last console lines kept (a sweep's runs).
    pub(crate) fn spawn_with(
        out: &Path,
        worker_args: &[OsString],
        run_args: &[OsString],
        progress: &ProgressBar,
        shown: bool,
    ) -> anyhow::Result<Worker> {
        let exe = std::env::current_exe().context("cannot find the ticklab executable")?;
        let (ours, theirs) = UnixStream::pair().context("cannot make the worker's channel")?;
        let stdout = if shown {
            Stdio::inherit()
        } else {
            Stdio::null()
        };
        let mut command = std::process::Command::new(exe);
        // Only what the strategy needs of our environment.
        ticklab::worker::env::apply(&mut command);
        let mut child = command
            .arg("worker")
            .arg("--out")
            .arg(out)
            .args(worker_args)
            .arg("--")
            .args(run_args)
            .stdin(Stdio::from(OwnedFd::from(theirs)))
            .stdout(stdout)
            .stderr(Stdio::piped())
            .env("PYTHONDONTWRITEBYTECODE", "1")
            // The one folder the strategy may write to; the worker's
            // interpreter starts before the run and copies the environment.
            .env(super::run::OUT_ENV, out)
            .spawn()
            .context("cannot start the strategy worker")?;
        let console = Arc::new(Mutex::new(VecDeque::new()));
        let mut console_thread = None;
        if let Some(stderr) = child.stderr.take() {
            let kept = Arc::clone(&console);
            let progress = progress.clone();
            let thread = std::thread::Builder::new()
                .name("ticklab-worker-console".into())
                .spawn(move || {
                    for line in BufReader::new(stderr).lines() {
                        let Ok(line) = line else { break };
                        // A copy of printed text is only kept, for a
                        // report of the worker's death: the run's log
                        // shows the text itself.
                        let (line, copy) = match ConsoleLine::of(&line) {
                            ConsoleLine::Printed(text) => (text.to_owned(), true),
                            ConsoleLine::Returned => {
                                // The copies are in the run's log now,
                                // which the console shows.
                                if let Ok(mut kept) = kept.lock() {
                                    kept.retain(|(copy, _)| !copy);
                                }
                                continue;
                            }
                            ConsoleLine::Other(_) => {
                                if shown {
                                    progress.suspend(|| eprintln!("{line}"));
                                }
                                (line, false)
                            }
                        };
                        if let Ok(mut kept) = kept.lock() {
                            if kept.len() == CONSOLE_LINES {
                                kept.pop_front();
                            }
                            kept.push_back((copy, line));
                        }
                    }
                })
                .context("cannot start the console thread")?;
            console_thread = Some(thread);
        }
        let (tx, messages) = bounded(256);
        std::thread::Builder::new()
            .name("ticklab-worker-channel".into())
            .spawn(move || {
                let mut reader = FrameReader::new(ours);
                loop {
                    let next = reader.read_message::<WorkerMessage>();
                    let stop = !matches!(next, Ok(Some(_)));
                    let sent = match next {
                        Ok(Some(message)) => tx.send(Ok(message)),
                        Ok(None) => break,
                        Err(err) => tx.send(Err(err)),
                    };
                    if stop || sent.is_err() {
                        break;
                    }
                }
            })
            .context("cannot start the channel thread")?;
        Ok(Worker {
            child,
            messages,
            console,
            console_thread,
        })
    }

    /// The next message within `wait`: `Ok(None)` on a timeout, `Err`
    /// once the channel is closed.
    pub(crate) fn next(
        &self,
        wait: Duration,
    ) -> Result<Option<Result<WorkerMessage, ProtocolError>>, ()> {
        match self.messages.recv_timeout(wait) {
            Ok(message) => Ok(Some(message)),
            Err(RecvTimeoutError::Timeout) => Ok(None),
            Err(RecvTimeoutError::Disconnected) => Err(()),
        }
    }

    /// Kills the worker (SIGKILL) and waits for it.
    pub(crate) fn kill(&mut self) -> Option<ExitStatus> {
        let _ = self.child.kill();
        self.child.wait().ok()
    }

    /// Its exit status, if it has exited.
    pub(crate) fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// Waits up to `wait` for it to exit, then kills it.
    pub(crate) fn wait_or_kill(&mut self, wait: Duration) -> (Option<ExitStatus>, bool) {
        let until = Instant::now() + wait;
        while Instant::now() < until {
            if let Some(status) = self.exited() {
                return (Some(status), false);
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        (self.kill(), true)
    }

    /// Its last console lines, once the worker has exited.
    pub(crate) fn console(&mut self) -> Vec<String> {
        // The console ends when the worker's stderr closes, right after
        // its death; wait a little for the last lines to be copied.
        let until = Instant::now() + Duration::from_millis(500);
        while self
            .console_thread
            .as_ref()
            .is_some_and(|thread| !thread.is_finished())
            && Instant::now() < until
        {
            std::thread::sleep(Duration::from_millis(5));
        }
        self.console
            .lock()
            .map(|lines| lines.iter().map(|(_, line)| line.clone()).collect())
            .unwrap_or_default()
    }
}

/// `ticklab run`'s arguments as given on the command line, without the
/// global `--python-env` (the worker inherits `TICKLAB_PYTHON_ENV`).
fn run_argv() -> Vec<OsString> {
    let mut argv = Vec::new();
    let mut args = std::env::args_os()
        .skip(1)
        .skip_while(|arg| arg != "run")
        .skip(1);
    while let Some(arg) = args.next() {
        if arg == "--python-env" {
            args.next();
        } else if !arg.to_string_lossy().starts_with("--python-env=") {
            argv.push(arg);
        }
    }
    argv
}

/// How the watch ended.
enum Ending {
    /// The worker said the run finished.
    Finished,
    /// The worker reported an error of the run.
    Failed(String),
    /// The worker died, or was killed for a reason given here.
    Died(Option<String>),
}

/// Writes the event cache of each of the run's days that has no valid one: the
/// sandboxed worker can read the cache but not write it, so that a strategy
/// cannot change the events of a later run. Anything wrong with the data is
/// left for the worker to report.
pub(crate) fn prepare_cache(args: &RunArgs) {
    let Ok(runs) = open_instruments(
        &args.data,
        args.symbol.as_deref(),
        args.day.as_ref(),
        args.warmup,
    ) else {
        return;
    };
    let read = if args.allow_local_before_exch {
        ReadOptions::default().warn_on_local_ts()
    } else {
        ReadOptions::default()
    };
    let cache = CacheOptions::from_env();
    for run in &runs {
        for run_day in &run.days {
            super::cache::prepare_for_run(&run.instrument, &run_day.file, read, &cache);
        }
    }
}

/// Runs `args` in a sandboxed worker and reports how it went.
pub fn run(args: &RunArgs) -> anyhow::Result<()> {
    // The worker writes into a fresh folder beside `--out`, renamed into
    // place when the run ends, whichever way it ends.
    let folder = RunFolder::create(&args.out, args.force)?;
    let progress = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg} {pos} events ({per_sec})")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.set_message(args.strategy.clone());
        bar
    } else {
        ProgressBar::hidden()
    };
    // A day without a valid cache has it written here while the worker
    // replays the records already written.
    let feed = (!args.no_cache).then(|| feed_cache(args, &progress));
    let mut handover_arg = Vec::new();
    if let Some(feed) = feed.as_ref().filter(|feed| !feed.handover().is_empty()) {
        match serde_json::to_string(feed.handover()) {
            Ok(json) => handover_arg = vec![OsString::from("--cache-handover"), json.into()],
            // A path that is not UTF-8: the worker reads Parquet.
            Err(_) => handover_arg.clear(),
        }
    }
    let outcome = supervise_with(args, &folder, &run_argv(), &progress, true, &handover_arg);
    if let Some(feed) = feed {
        for note in feed.finish() {
            progress.suspend(|| eprintln!("{note}"));
        }
    }
    progress.finish_and_clear();
    folder.commit()?;
    outcome
}

/// Starts writing the event cache of each of the run's days that has no
/// valid one (see [`feed_caches`]); what it says now goes to stderr.
fn feed_cache(args: &RunArgs, progress: &ProgressBar) -> CacheFeed {
    let read = if args.allow_local_before_exch {
        ReadOptions::default().warn_on_local_ts()
    } else {
        ReadOptions::default()
    };
    // In the order the worker needs them: day by day, the instruments of
    // a day in the run's order.
    let mut days: Vec<_> = open_instruments(
        &args.data,
        args.symbol.as_deref(),
        args.day.as_ref(),
        args.warmup,
    )
    .map(|runs| {
        runs.iter()
            .enumerate()
            .flat_map(|(at, run)| {
                run.days
                    .iter()
                    .map(move |day| (day.day, at, run.instrument.clone(), day.file.clone()))
            })
            .collect()
    })
    .unwrap_or_default();
    days.sort_by_key(|(day, at, _, _)| (*day, *at));
    let days: Vec<_> = days
        .into_iter()
        .map(|(_, _, instrument, file)| (instrument, file))
        .collect();
    let mut notes = Vec::new();
    let feed = feed_caches(&days, read, &CacheOptions::from_env(), &mut notes);
    for note in notes {
        progress.suspend(|| eprintln!("{note}"));
    }
    feed
}

/// Runs `args` (spelled `argv` for the worker) in a sandboxed worker
/// writing into `folder` (left for the caller to commit, whichever way the
/// run ends); the error says why it failed. The event cache must be ready.
/// `shown`: the worker's console goes to stderr and its standard output
/// to ours.
pub(crate) fn supervise(
    args: &RunArgs,
    folder: &RunFolder,
    argv: &[OsString],
    progress: &ProgressBar,
    shown: bool,
) -> anyhow::Result<()> {
    supervise_with(args, folder, argv, progress, shown, &[])
}

/// [`supervise`], with `worker_args` for the worker itself (the caches it
/// follows).
fn supervise_with(
    args: &RunArgs,
    folder: &RunFolder,
    argv: &[OsString],
    progress: &ProgressBar,
    shown: bool,
    worker_args: &[OsString],
) -> anyhow::Result<()> {
    let out = folder.path().to_owned();
    // The worker marks each callback in a page we read after its death:
    // the exact event, not the last beat's.
    let page = ActivityPage::create().context("cannot make the worker's activity page")?;
    let mut page_arg = vec![
        OsString::from("--activity"),
        page.path().as_os_str().to_owned(),
    ];
    page_arg.extend_from_slice(worker_args);
    let mut worker = Worker::spawn_with(&out, &page_arg, argv, progress, shown)?;
    let budget = (args.callback_budget_ms > 0)
        .then(|| Duration::from_millis(args.callback_budget_ms + args.sandbox.callback_grace_ms));
    let (ending, beat) = watch(&mut worker, budget, progress, shown);
    let beat = exact(&page, beat);
    let (status, killed) = match ending {
        Ending::Died(Some(_)) => (None, true),
        _ => worker.wait_or_kill(EXIT_WAIT),
    };
    let succeeded = status.is_some_and(|s| s.success());
    let error = match ending {
        Ending::Finished if succeeded => return Ok(()),
        Ending::Failed(message) => hint(message),
        Ending::Finished | Ending::Died(None) if killed => death(
            &beat,
            "it closed its channel to ticklab and did not exit; killed",
            &worker.console(),
        ),
        Ending::Finished | Ending::Died(None) => {
            death(&beat, &reason_of(status), &worker.console())
        }
        Ending::Died(Some(reason)) => death(&beat, &reason, &worker.console()),
    };
    write_failed_summary(&out, &error, &beat);
    Err(anyhow::anyhow!(error))
}

/// `beat` with the event and data time the worker marked last in its
/// activity page (exact; a beat is up to a period old).
fn exact(page: &ActivityPage, beat: Heartbeat) -> Heartbeat {
    let activity = page.read();
    if activity.serial == 0 {
        return beat;
    }
    Heartbeat {
        event_index: activity.event_index,
        data_ts_ns: activity.data_ts_ns,
        ..beat
    }
}

/// Follows the worker until it finishes, fails or must die; the last beat.
fn watch(
    worker: &mut Worker,
    budget: Option<Duration>,
    progress: &ProgressBar,
    shown: bool,
) -> (Ending, Heartbeat) {
    let mut beat = Heartbeat::default();
    let mut last_heard = Instant::now();
    // The running callback being timed: serial, name, start.
    let mut timed: Option<(u64, String, Instant)> = None;
    loop {
        let message = match worker.next(Duration::from_millis(20)) {
            Ok(message) => message,
            Err(()) => return (Ending::Died(None), beat),
        };
        let now = Instant::now();
        match message {
            None => {}
            Some(Ok(message)) => {
                last_heard = now;
                match message {
                    WorkerMessage::Ready { protections } if shown => {
                        announce(&protections, progress);
                    }
                    WorkerMessage::Ready { .. } => {}
                    WorkerMessage::Heartbeat(new) => {
                        timed = match &new.callback {
                            Some(cb) if timed.as_ref().is_some_and(|t| t.0 == cb.serial) => timed,
                            Some(cb) => Some((
                                cb.serial,
                                cb.name.clone(),
                                now - Duration::from_millis(cb.running_ms),
                            )),
                            None => None,
                        };
                        if shown {
                            progress.set_position(new.event_index);
                        }
                        beat = new;
                    }
                    WorkerMessage::Finished => return (Ending::Finished, beat),
                    WorkerMessage::Failed { message } => return (Ending::Failed(message), beat),
                    WorkerMessage::Probe { .. } => {}
                }
            }
            Some(Err(err)) => {
                worker.kill();
                return (
                    Ending::Died(Some(format!(
                        "it broke its channel to ticklab ({err}); killed"
                    ))),
                    beat,
                );
            }
        }
        if let (Some(limit), Some((_, name, since))) = (budget, &timed) {
            if now.duration_since(*since) > limit {
                let reason = format!(
                    "{name} ran for more than {:.1} s, its budget and grace; killed",
                    limit.as_secs_f64()
                );
                worker.kill();
                return (Ending::Died(Some(reason)), beat);
            }
        }
        if now.duration_since(last_heard) > STALL {
            worker.kill();
            let reason = format!("it stopped answering for {} s; killed", STALL.as_secs());
            return (Ending::Died(Some(reason)), beat);
        }
    }
}

/// Says which protections are missing, and that the network is open when
/// it is.
fn announce(protections: &[Protection], progress: &ProgressBar) {
    for protection in protections {
        if !matches!(protection.state, ProtectionState::On(_)) {
            progress.suspend(|| eprintln!("sandbox: {}", protection.describe()));
        }
    }
}

/// What the exit status says.
fn reason_of(status: Option<ExitStatus>) -> String {
    ticklab::worker::death::reason_of(status)
}

/// "the strategy process died at event N (data time T): reason" and the
/// last console lines.
fn death(beat: &Heartbeat, reason: &str, console: &[String]) -> String {
    let mut text = ticklab::worker::death::death_line(beat.event_index, beat.data_ts_ns, reason);
    if !console.is_empty() {
        text.push('\n');
        text.push_str(&ticklab::worker::death::console_block(console));
    }
    text
}

/// A failure message, with a word on the memory limit after a
/// `MemoryError`.
fn hint(message: String) -> String {
    if message.contains("MemoryError") {
        format!("{message}\n(the strategy reached the worker's memory limit; see --memory-limit)")
    } else {
        message
    }
}

/// Writes `summary.json` with `"status": "failed"` unless the run wrote one.
fn write_failed_summary(out: &Path, error: &str, beat: &Heartbeat) {
    let path = out.join("summary.json");
    if path.exists() {
        return;
    }
    // The same shape as the `status` and `error` of a run's own summary.
    let known = beat.data_ts_ns > 0;
    let failure = RunFailure {
        message: error.to_owned(),
        detail: String::new(),
        event_index: known.then_some(beat.event_index),
        ts_ns: known.then_some(beat.data_ts_ns),
        data_time: known.then(|| format_data_time(beat.data_ts_ns)),
    };
    let summary = serde_json::json!({ "status": "failed", "error": failure });
    let written = serde_json::to_string_pretty(&summary)
        .map_err(std::io::Error::other)
        .and_then(|json| std::fs::write(&path, json + "\n"));
    if let Err(err) = written {
        eprintln!("{}: cannot write: {err}", path.display());
    }
}
