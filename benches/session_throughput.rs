//! The session thread against a headless run, on the shipped BTC-PERP day
//! with the native market maker: how much of the headless throughput the
//! window's replay keeps while a window asks for a frame every 16 ms and
//! drains what the session sends, and what driving the engine through the
//! session's replay in batch mode (as `ticklab run` does) costs.
//!
//! The window's session runs in a sandboxed worker process by default:
//! `session_max_speed_worker` is the same replay there, its frames and
//! rows crossing the worker's socket, beside `session_max_speed` in
//! process; `session_start_*` is the time from nothing to a loaded day
//! waiting at its first event, in process and in a new worker (spawn,
//! sandbox, load; with a Python strategy, the interpreter too).

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};

use ticklab::market::parquet::ReadOptions;
use ticklab::session::replay::{Goal, Progress};
use ticklab::session::{
    open_day, Command, Isolation, Replay, SessionLink, SessionOptions, Speed, StrategyChoice,
    Update, WorkerSettings,
};
use ticklab::sim::{EquitySample, FillRecord, OrderUpdate, RecordSink, RunConfig};
use ticklab::strategy::python::PythonOptions;

/// A repaint interval of a 60 fps window.
const FRAME: Duration = Duration::from_millis(16);

fn folder() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data/BTC-PERP")
}

/// The shipped BTC-PERP day measured (the folder has two).
fn sample_day() -> Option<ticklab::market::catalog::Day> {
    "2026-03-02".parse().ok()
}

/// The whole day headless; returns the market events replayed.
fn headless(folder: &Path) -> u64 {
    let day = open_day(folder, None, sample_day()).expect("the sample data opens");
    let choice = StrategyChoice::parse("mm", &toml::Table::new()).expect("a built-in strategy");
    let mut runner = day
        .runner(
            &RunConfig::default(),
            ReadOptions::default(),
            choice.build(),
        )
        .expect("a valid run");
    runner.run_to_event(u64::MAX).expect("the run goes on");
    runner.engine().exchange_events()
}

/// Drops every row: the batch run's output files are not what is measured.
struct Discard;

impl RecordSink for Discard {
    fn order(&mut self, _update: &OrderUpdate) {}
    fn fill(&mut self, _fill: &FillRecord) {}
    fn equity(&mut self, _sample: &EquitySample) {}
}

/// The whole day the way `ticklab run` drives it: the session's replay in
/// batch mode, run to the end; returns the market events replayed.
fn batch_replay(folder: &Path) -> u64 {
    let day = open_day(folder, None, sample_day()).expect("the sample data opens");
    let choice = StrategyChoice::parse("mm", &toml::Table::new()).expect("a built-in strategy");
    let mut replay = Replay::new(SessionOptions {
        for_window: false,
        ..SessionOptions::default()
    });
    assert!(replay.start_batch(
        day,
        choice,
        RunConfig::default(),
        PythonOptions::default(),
        Box::new(Discard),
    ));
    while replay.advance(Goal::End, Duration::from_millis(50)) == Progress::Budget {}
    replay
        .runner()
        .map_or(0, |runner| runner.engine().exchange_events())
}

/// In process, or in a worker of the `ticklab` built with the benches.
fn isolation(in_worker: bool) -> Isolation {
    if in_worker {
        Isolation::Worker(WorkerSettings::new(PathBuf::from(env!(
            "CARGO_BIN_EXE_ticklab"
        ))))
    } else {
        Isolation::InProcess
    }
}

/// A session loaded with `strategy` and ready at the start of the day.
fn ready_session(folder: &Path, isolation: &Isolation, strategy: &str) -> Box<dyn SessionLink> {
    let mut session =
        ticklab::session::link::start(SessionOptions::default(), isolation, Arc::new(|| {}))
            .expect("a session");
    session
        .send(Command::Load {
            folder: folder.to_owned(),
            symbol: None,
            day: None,
        })
        .expect("the session takes commands");
    session
        .send(Command::SetStrategy(strategy.to_owned()))
        .expect("the session takes commands");
    session
        .wait_idle(Duration::from_secs(600))
        .expect("the day loads");
    session
}

/// Plays the whole day at max speed, draining like a window; returns the
/// updates taken in.
fn play_to_end(session: &mut dyn SessionLink) -> u64 {
    session
        .send(Command::Play(Speed::Max))
        .expect("the session takes commands");
    let mut updates = 0;
    loop {
        std::thread::sleep(FRAME);
        let mut idle = false;
        while let Some(update) = session.try_recv() {
            updates += 1;
            idle |= matches!(update, Update::Idle { .. });
        }
        session.request_frame();
        if idle {
            return updates;
        }
    }
}

fn session_throughput(c: &mut Criterion) {
    let folder = folder();
    let events = headless(&folder);
    let mut group = c.benchmark_group("btc_perp_day_mm");
    group.sample_size(10);
    group.throughput(Throughput::Elements(events));
    group.bench_function("headless", |b| b.iter(|| black_box(headless(&folder))));
    group.bench_function("batch_replay", |b| {
        b.iter(|| black_box(batch_replay(&folder)))
    });
    for (name, in_worker) in [
        ("session_max_speed", false),
        ("session_max_speed_worker", true),
    ] {
        let isolation = isolation(in_worker);
        group.bench_function(name, |b| {
            b.iter_custom(|iterations| {
                let mut total = Duration::ZERO;
                for _ in 0..iterations {
                    let mut session = ready_session(&folder, &isolation, "mm");
                    let started = Instant::now();
                    black_box(play_to_end(session.as_mut()));
                    total += started.elapsed();
                }
                total
            });
        });
    }
    group.finish();
    let python = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("strategies/queue_mm.py")
        .display()
        .to_string();
    let mut group = c.benchmark_group("session_start");
    group.sample_size(10);
    for (name, in_worker, strategy) in [
        ("in_process_mm", false, "mm"),
        ("worker_mm", true, "mm"),
        ("worker_python", true, python.as_str()),
    ] {
        let isolation = isolation(in_worker);
        group.bench_function(name, |b| {
            b.iter_with_large_drop(|| ready_session(&folder, &isolation, strategy));
        });
    }
    group.finish();
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    session_throughput(&mut criterion);
    criterion.final_summary();
}
