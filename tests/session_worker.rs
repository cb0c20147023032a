//! The window's session in a sandboxed worker process, without a window:
//! its messages cross the channel unchanged, it reaches the state the
//! session in process reaches, and a strategy that misbehaves (exits,
//! crashes, sleeps, swallows the interrupt, eats memory, writes outside)
//! kills only the worker: the session says how it died, at which event,
//! stays on the last frame, and a reload starts a new worker at the last
//! good event.
//!
//! A test that needs a kernel feature this machine lacks says so and stops
//! without asserting.

#![expect(
    clippy::unwrap_used,
    reason = "a helper that cannot set up fails the test"
)]

#[path = "common/acme_day.rs"]
mod acme_day;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use landlock::{Access, AccessFs, CompatLevel, Compatible, Ruleset, RulesetAttr, ABI};
use ticklab::session::link::message::{FromWorker, ToWorker, SESSION_FRAME_BYTES};
use ticklab::session::link::RemoteSession;
use ticklab::session::update::{ErrorKind, ErrorRecord};
use ticklab::session::{
    Command, Frame, RunState, SeekTarget, Session, SessionLink, SessionOptions, StepTarget, Update,
    WorkerSettings,
};
use ticklab::sim::FillRecord;
use ticklab::strategy::python::format_data_time;
use ticklab::worker::protocol::{FrameReader, FrameWriter};

/// Long enough for a debug build on a busy machine.
const WAIT: Duration = Duration::from_secs(120);

/// A folder with `data/` (one ACME day), `strategy/` and
/// `outside/secret.txt`.
struct Lab {
    dir: tempfile::TempDir,
}

impl Lab {
    fn new() -> Lab {
        let dir = tempfile::tempdir().unwrap();
        for folder in ["data", "strategy", "outside"] {
            std::fs::create_dir_all(dir.path().join(folder)).unwrap();
        }
        acme_day::write_acme_day(&dir.path().join("data"), 20_000, 11);
        std::fs::write(dir.path().join("outside/secret.txt"), "secret\n").unwrap();
        Lab { dir }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Writes a strategy whose `on_trade` runs `body` (indented by 12) on
    /// the first trade and marks the event and data time first.
    fn strategy(&self, name: &str, body: &str) -> PathBuf {
        let source = format!(
            r#"
import ctypes, os, time
from ticklab import Strategy

OUTSIDE = {outside:?}

class Misbehaves(Strategy):
    def __init__(self):
        self.done = False

    def on_trade(self, ctx, ev):
        if not self.done:
            self.done = True
            os.write(2, f"MARK {{ctx.event_index}} {{ctx.now}}\n".encode())
{body}
"#,
            outside = self.path("outside").display().to_string(),
        );
        let path = self.path(&format!("strategy/{name}.py"));
        std::fs::write(&path, source).unwrap();
        path
    }

    /// Every file under `outside/`.
    fn files_outside(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.path("outside"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

/// A session in a worker of the `ticklab` built with these tests, with a
/// 300 ms callback budget and 300 ms of grace.
fn worker_session(memory_limit_bytes: Option<u64>, budget: Duration) -> RemoteSession {
    let mut settings = WorkerSettings::new(PathBuf::from(env!("CARGO_BIN_EXE_ticklab")));
    settings.callback_grace = Duration::from_millis(300);
    if memory_limit_bytes.is_some() {
        settings.limits.memory_bytes = memory_limit_bytes;
    }
    let options = SessionOptions {
        callback_budget: Some(budget),
        ..SessionOptions::default()
    };
    RemoteSession::new(options, settings, Arc::new(|| {}))
}

/// Sends `commands` and returns the updates until the session is idle.
fn drive(session: &mut dyn SessionLink, commands: Vec<Command>) -> Vec<Update> {
    for command in commands {
        session.send(command).unwrap();
    }
    session
        .wait_idle(WAIT)
        .expect("the session did not come back idle")
}

fn load(lab: &Lab) -> Command {
    Command::Load {
        folder: lab.path("data"),
        symbol: None,
        day: None,
    }
}

fn last_frame(updates: &[Update]) -> Frame {
    updates
        .iter()
        .rev()
        .find_map(|u| match u {
            Update::Frame(frame) => Some((**frame).clone()),
            _ => None,
        })
        .expect("no frame")
}

fn errors(updates: &[Update]) -> Vec<ErrorRecord> {
    updates
        .iter()
        .filter_map(|u| match u {
            Update::Batch(batch) => Some(batch.errors.clone()),
            _ => None,
        })
        .flatten()
        .collect()
}

fn fills(updates: &[Update]) -> Vec<FillRecord> {
    let mut fills = Vec::new();
    for update in updates {
        match update {
            Update::Reset => fills.clear(),
            Update::Batch(batch) => fills.extend(batch.fills.iter().copied()),
            _ => {}
        }
    }
    fills
}

/// The death reported, and the event and data time the strategy marked
/// before it (from the console lines the report carries).
fn death(updates: &[Update]) -> (ErrorRecord, u64, i64) {
    let errors = errors(updates);
    let death = errors
        .iter()
        .find(|e| e.message.starts_with("the strategy process died at event "))
        .unwrap_or_else(|| panic!("no death in {errors:#?}"))
        .clone();
    assert_eq!(death.kind, ErrorKind::Strategy);
    let mark = death
        .detail
        .lines()
        .find_map(|l| l.trim().strip_prefix("MARK "))
        .unwrap_or_else(|| panic!("no mark in {death:#?}"));
    let mut parts = mark.split_whitespace();
    let event: u64 = parts.next().unwrap().parse().unwrap();
    let ts_ns: i64 = parts.next().unwrap().parse().unwrap();
    (death, event, ts_ns)
}

fn landlock_has(abi: ABI) -> bool {
    Ruleset::default()
        .set_compatibility(CompatLevel::HardRequirement)
        .handle_access(AccessFs::from_all(abi))
        .and_then(|ruleset| ruleset.create())
        .is_ok()
}

/// True when the kernel has landlock; otherwise says so.
fn kernel_has_landlock() -> bool {
    let has = landlock_has(ABI::V3);
    if !has {
        eprintln!("skipped: this kernel lacks landlock (ABI 3)");
    }
    has
}

#[test]
fn every_update_and_command_crosses_the_channel_unchanged() {
    let lab = Lab::new();
    let mut session = Session::spawn(SessionOptions::default(), Arc::new(|| {})).unwrap();
    let config = ticklab::session::run_config_from_toml(
        r#"
initial_cash = 5000.0
seed = 9
[latency]
model = "lognormal"
entry_median_ns = 300_000
response_median_ns = 200_000
sigma = 0.4
[params]
qty_lots = 2
"#,
        Path::new("run.toml"),
    )
    .unwrap();
    let commands = vec![
        Command::Configure {
            config: Box::new(config),
        },
        load(&lab),
        Command::SetStrategy("mm".into()),
        Command::Step(StepTarget::Events(8_000)),
        Command::Seek(SeekTarget::Event(3_000)),
        Command::Step(StepTarget::NextFill),
        Command::Step(StepTarget::End),
    ];
    let mut wire = Vec::new();
    let mut writer = FrameWriter::with_limit(&mut wire, SESSION_FRAME_BYTES);
    for command in &commands {
        writer.send(&ToWorker::Command(command.clone())).unwrap();
    }
    let updates = drive(&mut session, commands.clone());
    assert!(
        !fills(&updates).is_empty(),
        "the run made no fills: {:#?}",
        errors(&updates)
    );
    assert!(updates
        .iter()
        .any(|u| matches!(u, Update::Stats(s) if s.compute_time.is_some())));
    let mut writer = FrameWriter::with_limit(&mut wire, SESSION_FRAME_BYTES);
    for update in &updates {
        writer
            .send(&FromWorker::Updates(vec![update.clone()]))
            .unwrap();
    }
    let mut reader = FrameReader::with_limit(wire.as_slice(), SESSION_FRAME_BYTES);
    for command in &commands {
        match reader.read_message::<ToWorker>().unwrap() {
            Some(ToWorker::Command(read)) => assert_eq!(&read, command),
            other => panic!("{other:?}"),
        }
    }
    for update in &updates {
        match reader.read_message::<FromWorker>().unwrap() {
            Some(FromWorker::Updates(read)) => {
                assert_eq!(format!("{read:?}"), format!("{:?}", [update]));
            }
            other => panic!("{other:?}"),
        }
    }
    assert!(reader.read_message::<FromWorker>().unwrap().is_none());
}

#[test]
fn the_worker_reaches_exactly_the_state_of_the_session_in_process() {
    let lab = Lab::new();
    let commands = vec![
        load(&lab),
        Command::SetStrategy("mm".into()),
        Command::Step(StepTarget::Events(6_000)),
        Command::Seek(SeekTarget::Event(2_500)),
        Command::Step(StepTarget::NextFill),
        Command::Step(StepTarget::Events(1_234)),
    ];
    let mut here = Session::spawn(SessionOptions::default(), Arc::new(|| {})).unwrap();
    let in_process = drive(&mut here, commands.clone());
    let mut remote = worker_session(None, Duration::from_secs(2));
    let started = Instant::now();
    let in_worker = drive(&mut remote, commands);
    eprintln!(
        "worker run: {:.0} ms",
        started.elapsed().as_secs_f64() * 1e3
    );
    let (a, b) = (last_frame(&in_process), last_frame(&in_worker));
    assert_eq!(
        (a.events_seen, a.state),
        (b.events_seen, RunState::Paused),
        "{b:?}"
    );
    let strip = |mut f: Frame| {
        f.events_per_sec = 0.0;
        f
    };
    assert_eq!(strip(a), strip(b));
    assert_eq!(fills(&in_process), fills(&in_worker));
    assert!(errors(&in_worker).is_empty(), "{:#?}", errors(&in_worker));
}

/// Runs `strategy` in a worker to its first trade, where it dies; checks
/// the report ends with `reason`, names the marked event and time, and
/// that a reload stands at the last good event; returns that event.
fn dies_then_reloads(
    lab: &Lab,
    strategy: &Path,
    reason: &str,
    memory_limit_bytes: Option<u64>,
) -> u64 {
    let mut session = worker_session(memory_limit_bytes, Duration::from_millis(300));
    let loaded = drive(
        &mut session,
        vec![
            load(lab),
            Command::SetStrategy(strategy.display().to_string()),
        ],
    );
    assert_eq!(last_frame(&loaded).events_seen, 0);
    let updates = drive(&mut session, vec![Command::Step(StepTarget::End)]);
    let (died, event, ts_ns) = death(&updates);
    assert_eq!(
        died.message,
        format!(
            "the strategy process died at event {event} (data time {}): {reason}",
            format_data_time(ts_ns)
        )
    );
    assert_eq!(died.event_index, Some(event));
    assert_eq!(died.ts_ns, Some(ts_ns));
    // The window stays on the last frame, failed.
    let frame = last_frame(&updates);
    assert_eq!(frame.state, RunState::Failed);
    assert!(frame.events_seen <= event, "{frame:?}");
    // Going on explains; a reload re-runs to the last good event.
    let refused = drive(&mut session, vec![Command::Step(StepTarget::Events(1))]);
    assert_eq!(
        errors(&refused)
            .iter()
            .map(|e| e.message.as_str())
            .collect::<Vec<_>>(),
        ["the strategy process died: reload the strategy, choose another, or seek back"]
    );
    let reloaded = drive(&mut session, vec![Command::ReloadStrategy]);
    assert!(errors(&reloaded).is_empty(), "{:#?}", errors(&reloaded));
    let frame = last_frame(&reloaded);
    assert_eq!(
        (frame.events_seen, frame.state),
        (event - 1, RunState::Paused)
    );
    // Deterministic: one more event dies the same way, at the same place.
    let again = drive(&mut session, vec![Command::Step(StepTarget::Events(1))]);
    let (second, second_event, _) = death(&again);
    assert_eq!(second.message, died.message);
    assert_eq!(second_event, event);
    assert_eq!(lab.files_outside(), ["secret.txt"]);
    event
}

#[test]
fn an_exit_kills_the_worker_only_and_a_reload_stands_at_the_last_good_event() {
    let lab = Lab::new();
    let strategy = lab.strategy("exits", "            os._exit(4)");
    dies_then_reloads(
        &lab,
        &strategy,
        "it exited with code 4 before the run finished",
        None,
    );
}

#[test]
fn a_segfault_kills_the_worker_only() {
    let lab = Lab::new();
    let strategy = lab.strategy("crashes", "            ctypes.string_at(0)");
    dies_then_reloads(
        &lab,
        &strategy,
        "it crashed: segmentation fault (SIGSEGV), a bad memory access in native code",
        None,
    );
}

#[test]
fn a_callback_sleeping_forever_is_killed_after_its_budget_and_grace() {
    let lab = Lab::new();
    let strategy = lab.strategy("sleeps", "            time.sleep(10 ** 6)");
    dies_then_reloads(
        &lab,
        &strategy,
        "on_market ran for more than 0.6 s, its budget and grace; killed",
        None,
    );
}

#[test]
fn a_loop_swallowing_the_interrupt_is_killed() {
    let lab = Lab::new();
    let strategy = lab.strategy(
        "swallows",
        "            while True:\n                try:\n                    sum(range(1000))\n                except BaseException:\n                    pass",
    );
    dies_then_reloads(
        &lab,
        &strategy,
        "on_market ran for more than 0.6 s, its budget and grace; killed",
        None,
    );
}

#[test]
fn a_memory_bomb_stops_at_the_memory_limit_and_the_session_goes_on() {
    let lab = Lab::new();
    let strategy = lab.strategy(
        "bomb",
        "            self.hog = []\n            while True:\n                self.hog.append(bytearray(256 << 20))",
    );
    // Zeroing 256 MiB takes a while on a busy machine.
    let mut session = worker_session(Some(1 << 30), Duration::from_secs(20));
    let updates = drive(
        &mut session,
        vec![
            load(&lab),
            Command::SetStrategy(strategy.display().to_string()),
            Command::Step(StepTarget::End),
        ],
    );
    let errors = errors(&updates);
    let failed = errors
        .iter()
        .find(|e| e.kind == ErrorKind::Strategy)
        .unwrap_or_else(|| panic!("{errors:#?}"));
    assert!(
        failed.message.starts_with("on_trade failed at event "),
        "{failed:#?}"
    );
    assert!(
        failed.message.contains("MemoryError") || failed.detail.contains("MemoryError"),
        "{failed:#?}"
    );
    assert_eq!(last_frame(&updates).state, RunState::Failed);
    // The worker lives on: another strategy runs at once.
    let next = drive(&mut session, vec![Command::SetStrategy("mm".into())]);
    assert!(errors_of_kind(&next, ErrorKind::Strategy).is_empty());
    let next = drive(&mut session, vec![Command::Step(StepTarget::Events(500))]);
    assert_eq!(last_frame(&next).events_seen, 500);
}

fn errors_of_kind(updates: &[Update], kind: ErrorKind) -> Vec<ErrorRecord> {
    errors(updates)
        .into_iter()
        .filter(|e| e.kind == kind)
        .collect()
}

#[test]
fn writes_outside_are_refused_and_nothing_appears_there() {
    if !kernel_has_landlock() {
        return;
    }
    let lab = Lab::new();
    let python = lab.strategy(
        "writes",
        "            open(os.path.join(OUTSIDE, 'python.txt'), 'w').write('x')",
    );
    let native = lab.strategy(
        "writes_native",
        "            libc = ctypes.CDLL(None)\n            fd = libc.open(os.path.join(OUTSIDE, 'native.txt').encode(), os.O_WRONLY | os.O_CREAT, 0o644)\n            raise RuntimeError(f'open gave {fd}')",
    );
    let mut session = worker_session(None, Duration::from_secs(2));
    for (strategy, expected) in [
        (&python, "ticklab guard: writing"),
        (&native, "RuntimeError: open gave -1"),
    ] {
        let updates = drive(
            &mut session,
            vec![
                load(&lab),
                Command::SetStrategy(strategy.display().to_string()),
                Command::Step(StepTarget::End),
            ],
        );
        let failed = errors_of_kind(&updates, ErrorKind::Strategy);
        assert_eq!(failed.len(), 1, "{failed:#?}");
        assert!(
            failed[0].message.starts_with("on_trade failed at event "),
            "{failed:#?}"
        );
        let text = format!("{}\n{}", failed[0].message, failed[0].detail);
        assert!(text.contains(expected), "{text}");
        assert_eq!(last_frame(&updates).state, RunState::Failed);
    }
    assert_eq!(lab.files_outside(), ["secret.txt"]);
}

/// The worker's command thread, blocked reading the channel, keeps it
/// open though the strategy closed every descriptor: the window hears
/// silence, and kills the worker for it.
#[test]
fn a_worker_closing_its_channel_is_killed_and_reported() {
    let lab = Lab::new();
    let strategy = lab.strategy(
        "closes",
        "            os.closerange(3, 1 << 16)\n            time.sleep(60)",
    );
    let mut session = worker_session(None, Duration::from_secs(30));
    drive(
        &mut session,
        vec![
            load(&lab),
            Command::SetStrategy(strategy.display().to_string()),
        ],
    );
    let started = Instant::now();
    let updates = drive(&mut session, vec![Command::Step(StepTarget::End)]);
    assert!(started.elapsed() < Duration::from_secs(20));
    let (died, event, ts_ns) = death(&updates);
    assert_eq!(
        died.message,
        format!(
            "the strategy process died at event {event} (data time {}): it stopped answering for 5 s; killed",
            format_data_time(ts_ns)
        )
    );
}

/// The window's worker, like `ticklab run`'s, reaches no network (Python
/// sockets and `connect` through ctypes: the listener hears nothing), reads
/// nothing outside the allowed folders (`~/.ssh`, a secret beside the data)
/// and starts no process; each is a failed run at its event, explained.
#[test]
fn network_reads_outside_and_new_processes_are_refused() {
    if !kernel_has_landlock() {
        return;
    }
    let lab = Lab::new();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let cases = [
        (
            "socket",
            format!(
                "            import socket\n            socket.create_connection(('127.0.0.1', {port}), timeout=2)"
            ),
            "network",
        ),
        (
            "connect",
            format!(
                "            libc = ctypes.CDLL(None, use_errno=True)\n            fd = libc.socket(2, 1, 0)\n            if fd < 0:\n                raise OSError(ctypes.get_errno(), 'socket: ' + os.strerror(ctypes.get_errno()))\n            addr = (2).to_bytes(2, 'little') + ({port}).to_bytes(2, 'big') + bytes([127, 0, 0, 1]) + bytes(8)\n            if libc.connect(fd, addr, 16) != 0:\n                raise OSError(ctypes.get_errno(), 'connect: ' + os.strerror(ctypes.get_errno()))"
            ),
            "socket: Operation not permitted",
        ),
        (
            "reads",
            "            for path in [os.path.expanduser('~/.ssh'), '/etc']:\n                if os.path.isdir(path):\n                    try:\n                        os.listdir(path)\n                        raise RuntimeError('listed ' + path)\n                    except PermissionError:\n                        pass\n            open(os.path.join(OUTSIDE, 'secret.txt')).read()".to_owned(),
            "PermissionError",
        ),
        (
            "subprocess",
            "            import subprocess\n            subprocess.run(['true'])".to_owned(),
            "may not start processes",
        ),
        (
            "fork",
            "            libc = ctypes.CDLL(None, use_errno=True)\n            if libc.fork() < 0:\n                raise OSError(ctypes.get_errno(), 'fork: ' + os.strerror(ctypes.get_errno()))\n            os._exit(0)".to_owned(),
            "fork: Operation not permitted",
        ),
    ];
    let mut session = worker_session(None, Duration::from_secs(5));
    for (name, body, expected) in cases {
        let strategy = lab.strategy(&format!("refused_{name}"), &body);
        let updates = drive(
            &mut session,
            vec![
                load(&lab),
                Command::SetStrategy(strategy.display().to_string()),
                Command::Step(StepTarget::End),
            ],
        );
        let failed = errors_of_kind(&updates, ErrorKind::Strategy);
        assert_eq!(failed.len(), 1, "{name}: {failed:#?}");
        assert!(
            failed[0].message.starts_with("on_trade failed at event "),
            "{name}: {failed:#?}"
        );
        let text = format!("{}\n{}", failed[0].message, failed[0].detail);
        assert!(text.contains(expected), "{name}: {text}");
        assert!(!text.contains("RuntimeError: listed"), "{name}: {text}");
        assert_eq!(last_frame(&updates).state, RunState::Failed, "{name}");
    }
    match listener.accept() {
        Err(err) => assert_eq!(err.kind(), std::io::ErrorKind::WouldBlock),
        Ok((_, from)) => panic!("the listener was reached from {from}"),
    }
    assert_eq!(lab.files_outside(), ["secret.txt"]);
}
