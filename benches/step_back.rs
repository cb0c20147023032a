//! One step back on the shipped BTC-PERP day with the native market maker,
//! at 10 %, 50 % and 90 % of the day's market events, as the window's ←
//! does, with everything the window would be sent drained:
//!
//! - `step_back/rerun`: the replay re-runs from the start of the day to
//!   the event before (what a seek back does without a standby);
//! - `step_back/standby`: the session thread, after waiting a moment at the
//!   event (its standby run then waits at most `STANDBY_GRID_EVENTS`
//!   before it), is asked to seek one event back and answers idle there;
//! - `seek_time/rerun`: the replay re-runs from the start to the local
//!   time of the event at 10 %, 50 % and 90 % of the day (what a seek by
//!   time did before standby runs took seeks by time);
//!
//! - `seek_time/ladder`: the session waits at 95 % of the day until its
//!   ladder of standby runs is built, then is asked to seek by time to
//!   those times, and to the time of event 1 799 990 (`worst`: just
//!   before a rung, so it runs a whole rung spacing), and answers idle.
//!
//! - `step_back/standby_py`, `seek_time/ladder_py`: the same with the
//!   Python strategy `strategies/queue_mm.py` (its standby runs are second
//!   instances in the same interpreter, checked against the run; rungs
//!   every 100 000 events); before
//!   them, one re-run from the start to each percent is timed and printed
//!   (`python re-run from the start to ...`).
//!
//! Run it with short warm-up and measurement times (each sample of the
//! standby cases waits for the standbys to be rebuilt):
//! `cargo bench --bench step_back -- --warm-up-time 0.001 --measurement-time 0.001`.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode};

use ticklab::session::replay::{Goal, Progress};
use ticklab::session::thread::{LADDER_EVENTS, PYTHON_LADDER_EVENTS, STANDBY_GRID_EVENTS};
use ticklab::session::{Command, Replay, SeekTarget, Session, SessionOptions, StepTarget, Update};

/// Market events of the shipped BTC-PERP day.
const DAY_EVENTS: u64 = 2_001_841;

fn folder() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data/BTC-PERP")
}

/// Runs `replay` to `goal`, draining what it would send the window.
fn run_to(replay: &mut Replay, goal: Goal, out: &mut VecDeque<Update>) {
    loop {
        let progress = replay.advance(goal, Duration::from_millis(50));
        replay.drain_into(out);
        out.clear();
        if progress != Progress::Budget {
            return;
        }
    }
}

/// Sends `command` and waits until the session is idle; returns the
/// notes it sent.
fn run_command(session: &mut Session, command: Command) -> Vec<String> {
    session.send(command).expect("the session takes commands");
    let updates = session
        .wait_idle(Duration::from_secs(600))
        .expect("the session goes idle");
    updates
        .into_iter()
        .filter_map(|u| match u {
            Update::Batch(batch) => Some(batch.notes),
            _ => None,
        })
        .flatten()
        .collect()
}

/// The Python market maker that ships with ticklab.
fn python_strategy() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("strategies/queue_mm.py")
        .display()
        .to_string()
}

/// A session at event `at` of the day with `mm`.
fn session_at(at: u64) -> Session {
    session_with(at, "mm")
}

/// A session at event `at` of the day with `strategy`.
fn session_with(at: u64, strategy: &str) -> Session {
    let mut session =
        Session::spawn(SessionOptions::default(), Arc::new(|| {})).expect("a session thread");
    run_command(
        &mut session,
        Command::Load {
            folder: folder(),
            symbol: None,
            day: None,
        },
    );
    run_command(&mut session, Command::SetStrategy(strategy.to_owned()));
    run_command(&mut session, Command::Step(StepTarget::Events(at)));
    session
}

/// One step back from `at` that the standby answers: waits at `at` until
/// the standby is ready (a step back before that re-runs from the start
/// and is not counted), then times the seek to the idle after it.
fn standby_step_back(session: &mut Session, at: u64) -> Duration {
    let mut wait = Duration::from_millis(100);
    loop {
        std::thread::sleep(wait);
        wait = (wait * 2).min(Duration::from_secs(3));
        let started = Instant::now();
        let notes = run_command(session, Command::Seek(SeekTarget::Event(at - 1)));
        let took = started.elapsed();
        // Back to where it was, for the next try or the next sample.
        run_command(session, Command::Step(StepTarget::Events(1)));
        // Counted only when the standby was ready where it waits.
        let waiting = (at - 1) - (at - 1) % STANDBY_GRID_EVENTS;
        let ready = format!("from a standby run waiting at event {waiting}");
        if notes.iter().any(|n| n.contains(&ready)) {
            return took;
        }
    }
}

/// Local time after event `events` of the day with `mm`, ns.
fn time_of(events: u64) -> i64 {
    time_with(events, "mm").0
}

/// Local time after event `events` of the day with `strategy`, ns, and
/// the real time a run from the start took to get there.
fn time_with(events: u64, strategy: &str) -> (i64, Duration) {
    let mut replay = Replay::new(SessionOptions::default());
    assert!(replay.load(folder(), None, None), "the sample data opens");
    assert!(
        replay.set_strategy(strategy.to_owned()),
        "the strategy loads"
    );
    let started = Instant::now();
    run_to(&mut replay, Goal::EventsSeen(events), &mut VecDeque::new());
    let took = started.elapsed();
    assert!(!replay.is_failed(), "the strategy runs");
    (replay.now_ns(), took)
}

/// One seek by time to `ts_ns` (the time of event `events`) from `at`
/// that a rung of the ladder answers: waits at `at` until the rung below
/// `events` is ready, then times the seek to the idle after it.
fn ladder_seek(
    session: &mut Session,
    at: u64,
    (events, spacing): (u64, u64),
    ts_ns: i64,
) -> Duration {
    let mut wait = Duration::from_millis(100);
    let rung = events / spacing * spacing;
    let ready = format!("from a standby run waiting at event {rung}");
    loop {
        std::thread::sleep(wait);
        wait = (wait * 2).min(Duration::from_secs(3));
        let started = Instant::now();
        let notes = run_command(session, Command::Seek(SeekTarget::TimeNs(ts_ns)));
        let took = started.elapsed();
        run_command(session, Command::Seek(SeekTarget::Event(at)));
        if notes.iter().any(|n| n.contains(&ready)) {
            return took;
        }
    }
}

/// Resident memory of this process, KiB (0 where /proc is absent).
fn resident_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("VmRSS:"))
                .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

fn seek_time(c: &mut Criterion) {
    let mut group = c.benchmark_group("seek_time");
    group.sample_size(10);
    // Each sample waits for the ladder to be rebuilt: as few iterations
    // as criterion allows.
    group.sampling_mode(SamplingMode::Flat);
    let targets: Vec<(String, u64)> = [10_u64, 50, 90]
        .iter()
        .map(|p| (format!("{p}%"), DAY_EVENTS * p / 100))
        .chain([("worst".to_owned(), 1_799_990)])
        .collect();
    let times: Vec<i64> = targets.iter().map(|(_, events)| time_of(*events)).collect();
    for ((name, _), &ts_ns) in targets.iter().zip(&times).take(3) {
        let mut replay = Replay::new(SessionOptions::default());
        assert!(replay.load(folder(), None, None), "the sample data opens");
        assert!(replay.set_strategy("mm".to_owned()), "a built-in strategy");
        let mut out = VecDeque::new();
        run_to(
            &mut replay,
            Goal::EventsSeen(DAY_EVENTS * 95 / 100),
            &mut out,
        );
        group.bench_function(format!("rerun/{name}"), |b| {
            b.iter_custom(|iterations| {
                let mut total = Duration::ZERO;
                for _ in 0..iterations {
                    let started = Instant::now();
                    let (goal, _) = replay
                        .seek(SeekTarget::TimeNs(ts_ns))
                        .expect("a loaded run seeks");
                    run_to(&mut replay, goal, &mut out);
                    total += started.elapsed();
                    assert!(replay.now_ns() >= ts_ns);
                    run_to(
                        &mut replay,
                        Goal::EventsSeen(DAY_EVENTS * 95 / 100),
                        &mut out,
                    );
                }
                total
            });
        });
    }
    let at = DAY_EVENTS * 95 / 100;
    let mut session = session_at(at);
    let rss_before = resident_kib();
    for ((name, events), &ts_ns) in targets.iter().zip(&times) {
        group.bench_function(format!("ladder/{name}"), |b| {
            b.iter_custom(|iterations| {
                (0..iterations)
                    .map(|_| ladder_seek(&mut session, at, (*events, LADDER_EVENTS), ts_ns))
                    .sum()
            });
        });
    }
    // The ladder at 95 % of the day: the nearest standby and 9 rungs.
    std::thread::sleep(Duration::from_secs(20));
    println!(
        "resident memory: {} MiB with one run at 95 % of the day, {} MiB with its standby runs",
        rss_before / 1024,
        resident_kib() / 1024
    );
    group.finish();
}

fn step_back(c: &mut Criterion) {
    let mut group = c.benchmark_group("step_back");
    group.sample_size(10);
    for percent in [10_u64, 50, 90] {
        let at = DAY_EVENTS * percent / 100;
        let mut replay = Replay::new(SessionOptions::default());
        assert!(replay.load(folder(), None, None), "the sample data opens");
        assert!(replay.set_strategy("mm".to_owned()), "a built-in strategy");
        let mut out = VecDeque::new();
        group.bench_function(format!("rerun/{percent}%"), |b| {
            b.iter_custom(|iterations| {
                let mut total = Duration::ZERO;
                for _ in 0..iterations {
                    run_to(&mut replay, Goal::EventsSeen(at), &mut out);
                    let started = Instant::now();
                    let (goal, _) = replay
                        .seek(SeekTarget::Event(at - 1))
                        .expect("a loaded run seeks");
                    run_to(&mut replay, goal, &mut out);
                    total += started.elapsed();
                    assert_eq!(replay.events_seen(), at - 1);
                }
                total
            });
        });
    }
    for percent in [10_u64, 50, 90] {
        let at = DAY_EVENTS * percent / 100;
        let mut session = session_at(at);
        group.bench_function(format!("standby/{percent}%"), |b| {
            b.iter_custom(|iterations| {
                (0..iterations)
                    .map(|_| standby_step_back(&mut session, at))
                    .sum()
            });
        });
    }
    group.finish();
}

/// The Python cases: one step back from 10 %, 50 % and 90 % of the day,
/// and seeks by time from 95 % to the times of those events and of event
/// 1 799 990 (a whole rung spacing of a Python ladder, 100 000 events, to
/// run), each answered by a standby.
fn python(c: &mut Criterion) {
    let strategy = python_strategy();
    let targets: Vec<(String, u64)> = [10_u64, 50, 90]
        .iter()
        .map(|p| (format!("{p}%"), DAY_EVENTS * p / 100))
        .chain([("worst".to_owned(), 1_799_990)])
        .collect();
    let times: Vec<i64> = targets
        .iter()
        .map(|(name, events)| {
            let (ts_ns, took) = time_with(*events, &strategy);
            println!(
                "python re-run from the start to {name} (event {events}): {:.0} ms",
                took.as_secs_f64() * 1e3
            );
            ts_ns
        })
        .collect();
    let mut group = c.benchmark_group("step_back");
    group.sample_size(10);
    group.sampling_mode(SamplingMode::Flat);
    for percent in [10_u64, 50, 90] {
        let at = DAY_EVENTS * percent / 100;
        let mut session = session_with(at, &strategy);
        group.bench_function(format!("standby_py/{percent}%"), |b| {
            b.iter_custom(|iterations| {
                (0..iterations)
                    .map(|_| standby_step_back(&mut session, at))
                    .sum()
            });
        });
    }
    group.finish();
    // A used rung of a Python ladder takes seconds to rebuild, and the
    // return to 95 % uses the nearest standby: rather than one seek per
    // rebuild, each round seeks to the four times in turn (10 %, 50 %,
    // 90 % forward, each from its own rung; the worst case back), then
    // returns and waits for the ladder to be rebuilt.
    let at = DAY_EVENTS * 95 / 100;
    let mut session = session_with(at, &strategy);
    let rss_before = resident_kib();
    std::thread::sleep(Duration::from_secs(120));
    let rss_built = resident_kib();
    let mut taken: Vec<Vec<f64>> = vec![Vec::new(); targets.len()];
    for _round in 0..5 {
        for (((name, events), &ts_ns), taken) in targets.iter().zip(&times).zip(&mut taken) {
            let rung = events / PYTHON_LADDER_EVENTS * PYTHON_LADDER_EVENTS;
            let started = Instant::now();
            let notes = run_command(&mut session, Command::Seek(SeekTarget::TimeNs(ts_ns)));
            let took = started.elapsed();
            let ready = format!("from a standby run waiting at event {rung}");
            if notes.iter().any(|n| n.contains(&ready)) {
                taken.push(took.as_secs_f64() * 1e3);
            } else {
                println!("seek_time/ladder_py/{name}: rung {rung} not ready: {notes:?}");
            }
        }
        run_command(&mut session, Command::Seek(SeekTarget::Event(at)));
        std::thread::sleep(Duration::from_secs(45));
    }
    for ((name, _), taken) in targets.iter().zip(&mut taken) {
        taken.sort_by(f64::total_cmp);
        let median = taken.get(taken.len() / 2).copied().unwrap_or(f64::NAN);
        println!(
            "seek_time/ladder_py/{name}: median {median:.1} ms of {} seeks from a rung ({taken:.1?})",
            taken.len()
        );
    }
    println!(
        "resident memory (python): {} MiB with one run at 95 % of the day, {} MiB with its standby runs",
        rss_before / 1024,
        rss_built / 1024
    );
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    let filter = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    // The Python cases take minutes: only when asked for by name.
    let python_asked = filter.as_deref().is_some_and(|f| f.contains("py"));
    if !python_asked {
        step_back(&mut criterion);
        seek_time(&mut criterion);
    } else {
        python(&mut criterion);
    }
    criterion.final_summary();
}
