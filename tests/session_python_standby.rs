//! Standby runs of Python strategies: a second instance of the strategy in
//! the same interpreter, checked against the run it stands in for. A seek
//! that takes one over lands where a headless run does (book, orders,
//! fills, account, console); one that does other things than the run (its
//! instances share a module) or fails turns standbys off, said as a note.

#[path = "common/session_driver.rs"]
mod session_driver;
use session_driver::{Driver, Seen, WAIT};

#[path = "common/acme_day.rs"]
mod acme_day;
use acme_day::small_folder;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use tempfile::TempDir;
use ticklab::market::parquet::ReadOptions;
use ticklab::session::frame::DEFAULT_FRAME_DEPTH;
use ticklab::session::replay::DynRunner;
use ticklab::session::{
    open_day, Command, Frame, RunState, SeekTarget, SessionOptions, Speed, StepTarget,
    StrategyChoice,
};
use ticklab::sim::{LogRecord, RunConfig};
use ticklab::strategy::python::taking_turns;

/// Writes `files` (name, text) into a new folder; the path of the first.
fn strategy_files(files: &[(&str, &str)]) -> (TempDir, PathBuf) {
    let dir = TempDir::new().expect("test setup");
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).expect("test setup");
    }
    let first = dir.path().join(files[0].0);
    (dir, first)
}

/// Quotes one share now and then on a coin toss of `random`'s global
/// generator, seeded when the instance is made, and says so: what it does
/// depends on every number drawn before, so a standby drawing from the
/// run's generator would go elsewhere.
const COIN: &str = r#"
import random
from ticklab import Strategy

class Coin(Strategy):
    def __init__(self):
        random.seed(11)
        self.quotes = 0

    def on_bbo(self, ctx, ev):
        if ctx.open_orders or random.random() < 0.97:
            return
        self.quotes += 1
        if random.random() < 0.5:
            ctx.buy(1, ctx.book.best_bid)
        else:
            ctx.sell(1, ctx.book.best_ask)
        print("quote", self.quotes, ctx.position)

    def on_order(self, ctx, update):
        if update.is_fill:
            print("filled", update.order_id, update.fill_price, ctx.position)
"#;

/// A session on `folder` running `strategy`, with rungs every 5 000
/// events: at event 25 000 standbys wait at 20 000, 15 000, 10 000 and
/// 5 000 (checkpoints every 10 000).
fn driver(folder: &Path, strategy: &Path) -> Driver {
    let options = SessionOptions {
        python_ladder_events: 5_000,
        ..SessionOptions::default()
    };
    Driver::with_options(folder, &strategy.display().to_string(), options)
}

/// A headless run of the strategy file, stopped by `stop`, and its
/// console lines.
fn headless(
    folder: &Path,
    strategy: &Path,
    stop: impl FnOnce(&mut DynRunner),
) -> (DynRunner, Vec<LogRecord>) {
    let day = open_day(folder, None, None).expect("test setup");
    let name = strategy.display().to_string();
    let choice = StrategyChoice::parse(&name, &toml::Table::new()).expect("test setup");
    let mut runner = day
        .runner(
            &RunConfig::default(),
            ReadOptions::default(),
            choice.build(),
        )
        .expect("test setup");
    // In turn with the sessions of the other tests, which put back their
    // own random generators when they take theirs.
    taking_turns(|| stop(&mut runner));
    let logs = runner.take_logs();
    (runner, logs)
}

/// The window's view matches the headless run, field by field.
fn assert_same_state(seen: &Seen, (runner, logs): &(DynRunner, Vec<LogRecord>)) {
    assert_eq!(seen.logs_skipped, 0, "console lines were dropped");
    let frame = seen.frame();
    let engine = runner.engine();
    assert_eq!(frame.events_seen, engine.events_seen());
    assert_eq!(frame.now_ns, engine.now_ns());
    assert_eq!(frame.orders, engine.open_orders());
    let expected = Frame::of(engine, frame.state, frame.wakes, DEFAULT_FRAME_DEPTH);
    assert_eq!(frame.local_book, expected.local_book);
    assert_eq!(frame.account, expected.account);
    assert_eq!(seen.fills, engine.record().fills.as_slice());
    assert_eq!(&seen.logs, logs);
}

#[test]
fn python_seeks_take_over_checked_standbys_and_land_where_a_headless_run_does() {
    let folder = small_folder();
    let (_dir, coin) = strategy_files(&[("coin.py", COIN)]);
    let events = |n: u64| move |r: &mut DynRunner| r.run_to_event(n).expect("it runs");
    let at_25000 = headless(folder.path(), &coin, events(25_000));
    let at_20500 = headless(folder.path(), &coin, events(20_500));
    let back_ns = headless(folder.path(), &coin, events(12_500))
        .0
        .engine()
        .now_ns()
        + 1;
    let back = headless(folder.path(), &coin, |r| {
        r.run_until_ns(back_ns).expect("it runs")
    });
    assert!(
        at_20500.0.engine().record().fills.len() >= 3 && back.1.len() >= 3,
        "the test needs fills and lines: {} fills, {} lines",
        at_20500.0.engine().record().fills.len(),
        back.1.len()
    );

    let mut driver = driver(folder.path(), &coin);
    driver.run(Command::Step(StepTarget::Events(25_000)));
    assert_same_state(&driver.seen, &at_25000);
    // Until the standbys are checked and waiting, a seek re-runs from the
    // start and lands the same; then a seek by event takes over the one
    // at 20 000 and a seek by time right after, the one at 10 000.
    let deadline = Instant::now() + WAIT;
    let mut wait = Duration::from_millis(200);
    loop {
        std::thread::sleep(wait);
        wait *= 2;
        driver.seen.notes.clear();
        driver.run(Command::Seek(SeekTarget::Event(20_500)));
        assert_same_state(&driver.seen, &at_20500);
        driver.run(Command::Seek(SeekTarget::TimeNs(back_ns)));
        assert_same_state(&driver.seen, &back);
        if driver
            .seen
            .said("from a standby run waiting at event 20000")
            && driver
                .seen
                .said("from a standby run waiting at event 10000")
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no standby: {:?}",
            driver.seen.notes
        );
        driver.run(Command::Seek(SeekTarget::Event(25_000)));
    }
    // Forward again: a standby left between here and there takes over,
    // its random generator as it left it.
    driver.seen.notes.clear();
    driver.run(Command::Seek(SeekTarget::Event(25_000)));
    assert!(
        driver.seen.said("from a standby run waiting at event"),
        "{:?}",
        driver.seen.notes
    );
    assert_same_state(&driver.seen, &at_25000);
    assert!(driver.seen.errors.is_empty(), "{:?}", driver.seen.errors);
    assert!(
        !driver.seen.said("not deterministic"),
        "{:?}",
        driver.seen.notes
    );
    assert!(
        !driver.seen.said("standby runs are off"),
        "{:?}",
        driver.seen.notes
    );
}

#[test]
fn a_python_standby_that_differs_from_the_run_turns_standbys_off() {
    let folder = small_folder();
    // Every instance counts on one module-level counter and prints it now
    // and then: a second instance prints other numbers.
    let (_dir, counter) = strategy_files(&[
        (
            "counter.py",
            r#"
import standby_test_counter as shared
from ticklab import Strategy

class Counter(Strategy):
    def on_bbo(self, ctx, ev):
        shared.count += 1
        if shared.count % 100 == 0:
            print("touch changes", shared.count)
"#,
        ),
        ("standby_test_counter.py", "count = 0\n"),
    ]);
    let mut driver = driver(folder.path(), &counter);
    driver.run(Command::Step(StepTarget::Events(25_000)));
    // The first standby checkpoint (event 10 000) differs in its lines
    // only: no orders.
    driver.wait_for_note(
        "standby runs are off for this run: a standby run of the strategy differed from this run \
         by event 10000 (other orders, fills or console lines): its instances share state (a \
         module they import, logging handlers, the wall clock); seeks and steps back re-run from \
         the start",
    );
    driver.seen.notes.clear();
    driver.run(Command::Seek(SeekTarget::Event(24_999)));
    assert_eq!(driver.seen.frame().events_seen, 24_999);
    assert!(
        driver
            .seen
            .said("re-ran 24999 market events from the start"),
        "{:?}",
        driver.seen.notes
    );
    assert!(
        !driver.seen.said("from a standby run"),
        "{:?}",
        driver.seen.notes
    );
    // The fresh instance counts on from where the others left: the re-run
    // is not the first run either, and the checkpoints say so.
    let [error] = driver.seen.error_messages()[..] else {
        panic!("one error: {:?}", driver.seen.errors);
    };
    assert!(
        error.starts_with(
            "the strategy is not deterministic: after 10000 events this run has 0 fills and 0 \
             order updates at local time "
        ) && error.ends_with(
            " ns (other orders, fills or console lines); seeks and reloads cannot reproduce what \
             was shown"
        ),
        "{error}"
    );
}

#[test]
fn a_python_standby_that_fails_is_a_note_not_the_run_s_failure() {
    let folder = small_folder();
    // The second instance made raises on its first touch change.
    let (_dir, second) = strategy_files(&[
        (
            "second.py",
            r#"
import standby_test_made as made
from ticklab import Strategy

class Second(Strategy):
    def __init__(self):
        made.count += 1
        self.me = made.count

    def on_bbo(self, ctx, ev):
        if self.me == 2:
            raise RuntimeError("instance 2 fails")
"#,
        ),
        ("standby_test_made.py", "count = 0\n"),
    ]);
    let mut driver = driver(folder.path(), &second);
    driver.run(Command::Step(StepTarget::Events(25_000)));
    driver.wait_for_note(
        "standby runs are off for this run: a standby run of the strategy failed at event ",
    );
    let note = driver
        .seen
        .notes
        .iter()
        .find(|n| n.contains("failed at event"))
        .cloned()
        .unwrap_or_default();
    assert!(
        note.contains("where this run went on: on_bbo failed at event ")
            && note.contains("RuntimeError: instance 2 fails"),
        "{note}"
    );
    // The run itself goes on, unharmed.
    driver.run(Command::Step(StepTarget::Events(1)));
    assert_eq!(driver.seen.frame().events_seen, 25_001);
    assert_eq!(driver.seen.frame().state, RunState::Paused);
    assert!(driver.seen.errors.is_empty(), "{:?}", driver.seen.errors);
}

#[test]
fn standbys_are_built_during_play() {
    let folder = small_folder();
    let (_dir, coin) = strategy_files(&[("coin.py", COIN)]);
    let at_5000 = headless(folder.path(), &coin, |r| {
        r.run_to_event(5_000).expect("it runs")
    });
    let mut driver = driver(folder.path(), &coin);
    // Play's clock starts at the time of the first event.
    driver.run(Command::Step(StepTarget::Events(1)));
    // Nothing is wanted at the start: the standbys are built only while
    // it plays (3 000 × real time: about 3 900 events a second).
    driver
        .session
        .send(Command::Play(Speed::RealTime(3_000.0)))
        .expect("the session takes the command");
    std::thread::sleep(Duration::from_secs(4));
    // Paused and sent back at once: the session has no idle time between.
    for command in [Command::Pause, Command::Seek(SeekTarget::Event(5_000))] {
        driver
            .session
            .send(command)
            .expect("the session takes the command");
    }
    let updates = driver
        .session
        .wait_idle(WAIT)
        .expect("the session goes idle");
    driver.seen.apply(updates);
    assert!(
        driver.seen.said("re-ran to event 5000 in")
            && driver.seen.said("from a standby run waiting at event 5000"),
        "{:?}",
        driver.seen.notes
    );
    assert_same_state(&driver.seen, &at_5000);
    assert!(driver.seen.errors.is_empty(), "{:?}", driver.seen.errors);
}
