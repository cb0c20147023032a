//! The session thread, without a window: stepping, seeking and reloading
//! reach exactly the state a headless run reaches at the same point.

#[path = "common/session_driver.rs"]
mod session_driver;
use session_driver::{Driver, WAIT};

#[path = "common/acme_day.rs"]
mod acme_day;
use acme_day::small_folder;

use std::path::Path;
use std::time::Duration;

use tempfile::TempDir;
use ticklab::market::parquet::{write_events, ReadOptions, WriteOptions};
use ticklab::session::frame::DEFAULT_FRAME_DEPTH;
use ticklab::session::heat::{column_step_ns, HEAT_COLUMNS};
use ticklab::session::update::ErrorKind;
use ticklab::session::{
    open_day, BookView, Command, Frame, RunState, SeekTarget, SessionOptions, Speed, StepTarget,
    StrategyChoice, Update,
};
use ticklab::sim::{FillRecord, RunConfig, Wake};

/// A headless run of `strategy` stopped after `events` market events.
fn headless(folder: &Path, strategy: &str, events: u64) -> ticklab::session::replay::DynRunner {
    let day = open_day(folder, None, None).expect("test setup");
    let choice = StrategyChoice::parse(strategy, &toml::Table::new()).expect("test setup");
    let mut runner = day
        .runner(
            &RunConfig::default(),
            ReadOptions::default(),
            choice.build(),
        )
        .expect("test setup");
    runner
        .run_to_event(events)
        .expect("the headless run goes on");
    runner
}

/// The frame matches the headless runner's engine, field by field.
fn assert_same_state(
    frame: &Frame,
    fills: &[FillRecord],
    runner: &ticklab::session::replay::DynRunner,
) {
    let engine = runner.engine();
    assert_eq!(frame.events_seen, engine.events_seen());
    assert_eq!(frame.now_ns, engine.now_ns());
    assert_eq!(frame.exchange_events, engine.exchange_events());
    assert_eq!(frame.orders, engine.open_orders());
    let expected = Frame::of(engine, frame.state, frame.wakes, DEFAULT_FRAME_DEPTH);
    assert_eq!(frame.local_book, expected.local_book);
    assert_eq!(frame.account, expected.account);
    assert_eq!(fills, engine.record().fills.as_slice());
}

#[test]
fn stepping_reaches_the_state_of_a_headless_run() {
    let folder = small_folder();
    let mut driver = Driver::new(folder.path(), "mm");
    for n in [1, 1, 998, 4_000, 7_000] {
        driver.run(Command::Step(StepTarget::Events(n)));
    }
    let seen = &driver.seen;
    assert_eq!(seen.frame().events_seen, 12_000);
    assert_eq!(seen.frame().state, RunState::Paused);
    let runner = headless(folder.path(), "mm", 12_000);
    assert!(
        !runner.engine().record().fills.is_empty(),
        "the test needs fills"
    );
    assert_same_state(seen.frame(), &seen.fills, &runner);
}

#[test]
fn seeking_back_then_forward_reproduces_the_same_fills() {
    let folder = small_folder();
    let mut driver = Driver::new(folder.path(), "mm");
    driver.run(Command::Step(StepTarget::Events(15_000)));
    let fills_at_end = driver.seen.fills.clone();
    let frame_at_end = driver.seen.frame().clone();
    assert!(fills_at_end.len() >= 2, "the test needs fills");

    driver.run(Command::Seek(SeekTarget::Event(4_000)));
    assert_eq!(driver.seen.frame().events_seen, 4_000);
    let early = headless(folder.path(), "mm", 4_000);
    assert_same_state(driver.seen.frame(), &driver.seen.fills, &early);
    assert!(driver.seen.fills.len() < fills_at_end.len());
    assert!(driver.seen.notes.iter().any(|n| n.contains("re-ran")));

    driver.run(Command::Seek(SeekTarget::Event(15_000)));
    assert_eq!(driver.seen.fills, fills_at_end);
    assert_eq!(driver.seen.frame().now_ns, frame_at_end.now_ns);
    assert_eq!(driver.seen.frame().orders, frame_at_end.orders);

    // Backwards by time lands where a headless run to that time does.
    let ts_ns = frame_at_end.now_ns - 60_000_000_000;
    driver.run(Command::Seek(SeekTarget::TimeNs(ts_ns)));
    let mut by_time = headless(folder.path(), "mm", 0);
    by_time.run_until_ns(ts_ns).unwrap();
    assert_same_state(driver.seen.frame(), &driver.seen.fills, &by_time);
    assert!(driver.seen.errors.is_empty(), "{:?}", driver.seen.errors);
}

#[test]
fn reload_reruns_to_the_same_place() {
    let folder = small_folder();
    let mut driver = Driver::new(folder.path(), "mm");
    driver.run(Command::Step(StepTarget::Events(9_000)));
    let before = driver.seen.frame().clone();
    let fills_before = driver.seen.fills.clone();
    let resets_before = driver.seen.resets;
    driver.run(Command::ReloadStrategy);
    let after = driver.seen.frame();
    assert_eq!(driver.seen.resets, resets_before + 1);
    assert_eq!(after.events_seen, before.events_seen);
    assert_eq!(after.now_ns, before.now_ns);
    assert_eq!(after.orders, before.orders);
    assert_eq!(after.account, before.account);
    assert_eq!(driver.seen.fills, fills_before);
}

#[test]
fn step_to_next_fill_stops_at_the_fill() {
    let folder = small_folder();
    let mut driver = Driver::new(folder.path(), "mm");
    driver.run(Command::Step(StepTarget::NextFill));
    let frame = driver.seen.frame().clone();
    assert_eq!(driver.seen.fills.len(), 1);
    // A headless run stopped at the same wake saw its first fill last.
    let day = open_day(folder.path(), None, None).unwrap();
    let choice = StrategyChoice::parse("mm", &toml::Table::new()).unwrap();
    let mut runner = day
        .runner(
            &RunConfig::default(),
            ReadOptions::default(),
            choice.build(),
        )
        .unwrap();
    for _ in 0..frame.wakes - 1 {
        runner.step().unwrap();
    }
    match runner.step().unwrap() {
        Wake::Order(update) => assert!(update.fill.is_some()),
        other => panic!("stopped at {other:?}"),
    }
    assert_same_state(&frame, &driver.seen.fills, &runner);
}

#[test]
fn errors_are_reported_and_commands_refused_politely() {
    let folder = small_folder();
    let mut driver = Driver::new(folder.path(), "noop");
    driver.run(Command::SetStrategy("no_such_strategy".to_owned()));
    driver.run(Command::SetStrategy("missing.py".to_owned()));
    let strategy_errors = driver
        .seen
        .errors
        .iter()
        .filter(|(kind, _)| *kind == ErrorKind::StrategyLoad)
        .count();
    assert_eq!(strategy_errors, 2, "{:?}", driver.seen.errors);
    driver.run(Command::Load {
        folder: folder.path().join("nowhere"),
        symbol: None,
        day: None,
    });
    assert!(driver
        .seen
        .errors
        .iter()
        .any(|(kind, _)| *kind == ErrorKind::Data));
    // The day loaded before stays loaded and runs to its end.
    driver.run(Command::Step(StepTarget::End));
    assert_eq!(driver.seen.frame().state, RunState::Finished);
    driver.run(Command::Step(StepTarget::Events(1)));
    assert!(driver
        .seen
        .errors
        .iter()
        .any(|(kind, message)| *kind == ErrorKind::Command && message.contains("over")));
}

#[test]
fn play_and_pause_never_block_and_reach_the_end() {
    let folder = small_folder();
    let mut driver = Driver::new(folder.path(), "mm");
    driver
        .session
        .send(Command::Play(ticklab::session::Speed::Max))
        .unwrap();
    let updates = driver.session.wait_idle(WAIT).expect("plays to the end");
    driver.seen.apply(updates);
    assert_eq!(driver.seen.frame().state, RunState::Finished);
    let runner = headless(folder.path(), "mm", u64::MAX);
    assert_eq!(driver.seen.fills, runner.engine().record().fills);

    // Real-time play is paused at once.
    driver.run(Command::Seek(SeekTarget::Event(100)));
    driver
        .session
        .send(Command::Play(ticklab::session::Speed::RealTime(1.0)))
        .unwrap();
    driver.run(Command::Pause);
    assert_eq!(driver.seen.frame().state, RunState::Paused);
}

#[test]
fn step_to_next_signal_stops_at_a_rule_firing_with_its_conditions() {
    let folder = small_folder();
    let rules = Path::new(env!("CARGO_MANIFEST_DIR")).join("strategies/spread_mm.rules.toml");
    let rules = rules.to_str().expect("utf-8 path").to_owned();
    let mut driver = Driver::new(folder.path(), &rules);
    driver.run(Command::Step(StepTarget::NextSignal));
    assert_eq!(
        driver.seen.signals.len(),
        1,
        "errors: {:?}",
        driver.seen.errors
    );
    let first = driver.seen.signals[0].clone();
    assert!(!first.conditions.is_empty());
    let wakes = driver.seen.frame().wakes;

    // A headless run to the same wake records the same firing.
    let day = open_day(folder.path(), None, None).unwrap();
    let choice = StrategyChoice::parse(&rules, &toml::Table::new()).unwrap();
    let (strategy, feed) = choice.build_with_signals(&Default::default());
    let feed = feed.expect("a rule strategy records signals");
    let mut runner = day
        .runner(&RunConfig::default(), ReadOptions::default(), strategy)
        .unwrap();
    for _ in 0..wakes {
        runner.step().unwrap();
    }
    let headless = feed.drain();
    assert_eq!(headless.len(), 1);
    assert_eq!(headless[0].rule, first.rule);
    assert_eq!(headless[0].ts_ns, first.ts_ns);
    assert_eq!(headless[0].event_index, first.event_index);

    driver.run(Command::Step(StepTarget::NextSignal));
    assert_eq!(driver.seen.signals.len(), 2);
    assert!(driver.seen.signals[1].ts_ns >= first.ts_ns);
}

#[test]
fn the_heatmap_arrives_with_the_book_before_a_jump() {
    let folder = small_folder();
    // The grid of 100× playback: a column per 1.7 s of data, so the ring
    // spans more than half an hour of this sparse day.
    let step_ns = column_step_ns(Speed::RealTime(100.0));
    let options = SessionOptions {
        column_step_ns: step_ns,
        ..SessionOptions::default()
    };
    let mut driver = Driver::with_options(folder.path(), "noop", options);
    let span_ns = step_ns * HEAT_COLUMNS as i64;
    driver.run(Command::Step(StepTarget::Events(2_000)));
    let start_ns = driver.seen.frame().now_ns;
    let target_ns = start_ns + 3_600_000_000_000;

    // A step of an hour lands with the last ring's width of columns, one
    // per grid cell, and none from before the gap.
    driver.run(Command::Step(StepTarget::UntilNs(target_ns)));
    let landed_ns = driver.seen.frame().now_ns;
    let first = driver.seen.columns.clone();
    assert!(first.len() > 100, "{} columns", first.len());
    for pair in first.windows(2) {
        assert!(pair[0].ts_ns.div_euclid(step_ns) < pair[1].ts_ns.div_euclid(step_ns));
    }
    assert!(
        first[0].ts_ns >= target_ns - span_ns,
        "no column from before the gap"
    );
    assert!(first.last().is_some_and(|c| c.ts_ns <= landed_ns));

    // Each column is the book a headless run shows at its time.
    let mut headless_run = headless(folder.path(), "noop", 0);
    for column in [&first[0], &first[first.len() / 2], &first[first.len() - 1]] {
        headless_run.run_until_ns(column.ts_ns).unwrap();
        let book = BookView::of(headless_run.engine().local_book(), DEFAULT_FRAME_DEPTH);
        assert_eq!(column.book, book, "column at {} ns", column.ts_ns);
    }

    // Seeking back (re-running from the start or taking over a standby
    // run) brings the stretch before the new place; seeking forward again
    // keeps it and brings the same columns as the first time.
    let back_ns = start_ns + 1_800_000_000_000;
    driver.run(Command::Seek(SeekTarget::TimeNs(back_ns)));
    let back = driver.seen.columns.clone();
    assert!(back.len() > 50, "{} columns", back.len());
    assert!(back[0].ts_ns >= back_ns - span_ns);
    assert!(back.iter().all(|c| c.ts_ns <= driver.seen.frame().now_ns));
    driver.run(Command::Seek(SeekTarget::TimeNs(target_ns)));
    let back_end_ns = back.last().map_or(i64::MIN, |c| c.ts_ns);
    let mut expected = back.clone();
    expected.extend(first.iter().filter(|c| c.ts_ns > back_end_ns).cloned());
    expected.drain(..expected.len().saturating_sub(HEAT_COLUMNS));
    assert_eq!(driver.seen.columns, expected);
}

/// Collects the rows of a batch run.
#[derive(Default)]
struct Collected {
    fills: Vec<FillRecord>,
    orders: usize,
    equity: Vec<ticklab::sim::EquitySample>,
}

impl ticklab::sim::RecordSink for Collected {
    fn order(&mut self, _update: &ticklab::sim::OrderUpdate) {
        self.orders += 1;
    }

    fn fill(&mut self, fill: &FillRecord) {
        self.fills.push(*fill);
    }

    fn equity(&mut self, sample: &ticklab::sim::EquitySample) {
        self.equity.push(*sample);
    }
}

#[test]
fn a_batch_run_of_the_session_matches_the_window_session() {
    use std::cell::RefCell;
    use std::rc::Rc;
    use ticklab::session::replay::{Goal, Progress};
    use ticklab::session::Replay;

    let folder = small_folder();
    let mut driver = Driver::new(folder.path(), "mm");
    driver.run(Command::Step(StepTarget::End));
    assert_eq!(driver.seen.frame().state, RunState::Finished);

    let collected = Rc::new(RefCell::new(Collected::default()));
    let mut replay = Replay::new(SessionOptions {
        for_window: false,
        ..SessionOptions::default()
    });
    let day = open_day(folder.path(), None, None).expect("test setup");
    let choice = StrategyChoice::parse("mm", &toml::Table::new()).expect("test setup");
    assert!(replay.start_batch(
        day,
        choice,
        RunConfig::default(),
        Default::default(),
        Box::new(Rc::clone(&collected)),
    ));
    while replay.advance(Goal::End, Duration::from_millis(20)) == Progress::Budget {}
    assert_eq!(
        replay.advance(Goal::End, Duration::from_millis(20)),
        Progress::Finished
    );
    let engine = replay.runner().expect("a run").engine();
    assert_eq!(engine.events_seen(), driver.seen.frame().events_seen);
    assert_eq!(engine.record().data_events, engine.exchange_events());
    let collected = collected.borrow();
    assert!(collected.fills.len() >= 2, "the test needs fills");
    assert_eq!(collected.fills, driver.seen.fills);
    assert_eq!(
        collected.equity.last().map(|s| s.cause),
        Some(ticklab::sim::SampleCause::Final),
        "the record is closed when the data ends"
    );
}

/// A folder with one day of TEST (tick 1, lot 1) whose book ends two
/// batches crossed (rows 2 and 5) and one locked (row 4).
fn crossed_folder() -> TempDir {
    crossed_folder_in_row_groups(WriteOptions::default().row_group_rows)
}

/// [`crossed_folder`] written in row groups of `row_group_rows` rows, so
/// that a read decodes them on several threads.
fn crossed_folder_in_row_groups(row_group_rows: usize) -> TempDir {
    use ticklab::market::{Instrument, MarketEvent, Side};
    let root = TempDir::new().expect("test setup");
    let instrument = Instrument::new("TEST", 1.0, 1.0);
    let dir = root.path().join("TEST");
    std::fs::create_dir(&dir).expect("test setup");
    std::fs::write(
        dir.join("instrument.toml"),
        instrument.to_toml_string("test"),
    )
    .expect("test setup");
    let start_ns = "2024-03-01"
        .parse::<ticklab::market::catalog::Day>()
        .expect("a date")
        .start_ns();
    let depth = |s: i64, side: Side, price: i64, qty: i64| {
        MarketEvent::depth(start_ns + s * 1_000_000_000, side, price, qty)
    };
    let events = [
        depth(1, Side::Buy, 100, 1),
        depth(1, Side::Sell, 101, 1),
        depth(2, Side::Sell, 99, 1), // crossed: 100 > 99
        depth(3, Side::Sell, 99, 0),
        depth(4, Side::Sell, 100, 1), // locked: 100 = 100
        depth(5, Side::Buy, 102, 1),  // crossed: 102 > 100
        depth(6, Side::Buy, 102, 0),
        depth(7, Side::Buy, 99, 1),
    ];
    write_events(
        dir.join("2024-03-01.parquet"),
        &instrument,
        events,
        &WriteOptions {
            row_group_rows,
            ..WriteOptions::default()
        },
    )
    .expect("test setup");
    root
}

/// Runs noop over the crossed folder as `ticklab run` does; returns the
/// errors and console notes reported, what was counted and the events run.
fn batch_run_crossed(
    folder: &Path,
    config: RunConfig,
) -> (Vec<String>, ticklab::book::CrossedReport, u64) {
    use std::collections::VecDeque;
    use ticklab::session::replay::{Goal, Progress};
    use ticklab::session::Replay;

    let mut replay = Replay::new(SessionOptions {
        for_window: false,
        ..SessionOptions::default()
    });
    let day = open_day(folder, None, None).expect("test setup");
    let choice = StrategyChoice::parse("noop", &toml::Table::new()).expect("test setup");
    assert!(replay.start_batch(
        day,
        choice,
        config,
        Default::default(),
        Box::new(Collected::default()),
    ));
    while replay.advance(Goal::End, Duration::from_millis(20)) == Progress::Budget {}
    let mut updates = VecDeque::new();
    replay.drain_into(&mut updates);
    // Errors, then the console's notes.
    let errors = updates
        .into_iter()
        .filter_map(|update| match update {
            Update::Batch(batch) => Some(batch),
            _ => None,
        })
        .flat_map(|batch| {
            let notes = batch.notes.into_iter().map(|note| format!("note: {note}"));
            batch
                .errors
                .into_iter()
                .map(|error| error.message)
                .chain(notes)
                .collect::<Vec<_>>()
        })
        .collect();
    let seen = replay
        .runner()
        .map_or(0, |runner| runner.engine().exchange_events());
    (errors, replay.crossed_book(), seen)
}

#[test]
fn a_crossed_book_at_a_batch_end_stops_the_run_unless_the_config_warns() {
    // One row group (read on one thread), then row groups of 2 and 3 rows
    // (decoded on several threads, the check run on the stitched batches):
    // the same rows are named and counted.
    for row_group_rows in [WriteOptions::default().row_group_rows, 2, 3] {
        crossed_book_stops_the_run_unless_the_config_warns(row_group_rows);
    }
}

fn crossed_book_stops_the_run_unless_the_config_warns(row_group_rows: usize) {
    let folder = crossed_folder_in_row_groups(row_group_rows);
    let file = folder.path().join("TEST").join("2024-03-01.parquet");

    let (errors, crossed, _) = batch_run_crossed(folder.path(), RunConfig::default());
    assert_eq!(
        errors,
        vec![format!(
            "market data: {}: row 2 (0-based), the last of its batch: the book is crossed, best bid 100 > best ask 99 (crossed_book = \"warn\" in the run configuration counts it and goes on)",
            file.display()
        )]
    );
    assert_eq!(crossed.batches, 0);

    let warn = RunConfig::from_toml_str("crossed_book = \"warn\"\n", Path::new("run.toml"))
        .expect("a valid configuration");
    let (errors, crossed, seen) = batch_run_crossed(folder.path(), warn);
    assert_eq!(
        errors,
        vec![format!(
            "note: warning: {}: row 2 (0-based), the last of its batch: the book is crossed, best bid 100 > best ask 99; crossed_book = \"warn\": the run goes on and counts them",
            file.display()
        )]
    );
    assert_eq!(seen, 8, "the run goes to the end");
    assert_eq!(
        crossed,
        ticklab::book::CrossedReport {
            batches: 2,
            first: Some(format!(
                "{}: row 2 (0-based), the last of its batch: the book is crossed, best bid 100 > best ask 99",
                file.display()
            )),
        }
    );
}

#[test]
fn inspect_scan_and_run_stop_at_a_crossed_book_and_count_it_when_told() {
    let folder = crossed_folder();
    let file = folder.path().join("TEST").join("2024-03-01.parquet");
    let crossed = format!(
        "{}: row 2 (0-based), the last of its batch: the book is crossed, best bid 100 > best ask 99",
        file.display()
    );
    let ticklab = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_ticklab"))
            .args(args)
            .output()
            .expect("ticklab runs")
    };
    let data = folder.path().to_str().expect("a UTF-8 path");

    let scan = ticklab(&["inspect", data, "--scan"]);
    let stderr = String::from_utf8_lossy(&scan.stderr);
    assert!(!scan.status.success());
    assert!(stderr.contains(&crossed), "{stderr}");
    let scan = ticklab(&["inspect", data, "--scan", "--warn-crossed-book"]);
    let stdout = String::from_utf8_lossy(&scan.stdout);
    assert!(
        scan.status.success(),
        "{}",
        String::from_utf8_lossy(&scan.stderr)
    );
    assert!(
        stdout.contains(&format!(
            "warning: 2 batches end with the book crossed; the first: {crossed}"
        )),
        "{stdout}"
    );

    let out = folder.path().join("out");
    let out = out.to_str().expect("a UTF-8 path");
    let run = ticklab(&["run", "--data", data, "--strategy", "noop", "--out", out]);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(!run.status.success());
    assert!(stderr.contains(&crossed), "{stderr}");

    let config = folder.path().join("warn.toml");
    std::fs::write(&config, "crossed_book = \"warn\"\n").expect("test setup");
    let config = config.to_str().expect("a UTF-8 path");
    let run = ticklab(&[
        "run",
        "--data",
        data,
        "--strategy",
        "noop",
        "--config",
        config,
        "--out",
        out,
        "--force",
    ]);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "warning: {crossed}; 2 batches ended with the book crossed (crossed_book = \"warn\")"
        )),
        "{stderr}"
    );
    let summary: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(folder.path().join("out").join("summary.json"))
            .expect("summary.json"),
    )
    .expect("JSON");
    assert_eq!(summary["stats"]["crossed_batches"], 2, "{summary}");
}

#[test]
fn a_step_back_takes_over_the_standby_and_lands_where_a_headless_run_does() {
    let folder = small_folder();
    let mut driver = Driver::new(folder.path(), "mm");
    driver.run(Command::Step(StepTarget::Events(15_000)));
    // While the session waits, a standby run goes to event 10 000; until
    // it is there a step back re-runs from the start, and lands the same.
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        std::thread::sleep(Duration::from_millis(200));
        driver.run(Command::Seek(SeekTarget::Event(14_999)));
        assert_eq!(driver.seen.frame().events_seen, 14_999);
        if driver
            .seen
            .notes
            .iter()
            .any(|n| n.contains("from a standby run waiting at event 10000"))
        {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no standby: {:?}",
            driver.seen.notes
        );
        driver.run(Command::Step(StepTarget::Events(1)));
    }
    let runner = headless(folder.path(), "mm", 14_999);
    assert!(
        runner.engine().record().fills.len() >= 2,
        "the test needs fills"
    );
    assert_same_state(driver.seen.frame(), &driver.seen.fills, &runner);
    assert!(driver.seen.errors.is_empty(), "{:?}", driver.seen.errors);
    // A second step back right away: the standby is gone, a re-run from
    // the start lands the same.
    driver.run(Command::Seek(SeekTarget::Event(14_998)));
    let runner = headless(folder.path(), "mm", 14_998);
    assert_same_state(driver.seen.frame(), &driver.seen.fills, &runner);
}

#[test]
fn seeks_by_time_take_over_standby_rungs_and_land_where_a_headless_run_does() {
    let folder = small_folder();
    // Rungs every 5 000 events: at event 25 000 standbys wait at 20 000,
    // 15 000, 10 000 and 5 000.
    let options = SessionOptions {
        ladder_events: 5_000,
        ..SessionOptions::default()
    };
    let mut driver = Driver::with_options(folder.path(), "mm", options);
    driver.run(Command::Step(StepTarget::Events(25_000)));
    let late_ns = headless(folder.path(), "mm", 20_500).engine().now_ns() + 1;
    let back_ns = headless(folder.path(), "mm", 12_500).engine().now_ns() + 1;
    let mut late = headless(folder.path(), "mm", 0);
    late.run_until_ns(late_ns).unwrap();
    assert!(
        late.engine().record().fills.len() >= 2,
        "the test needs fills"
    );
    let mut back = headless(folder.path(), "mm", 0);
    back.run_until_ns(back_ns).unwrap();
    // Until the rungs are built a seek re-runs from the start (or from a
    // rung still on its way) and lands the same; then the seek late in the
    // day takes over the rung at 20 000, and a second seek back right
    // away, before that rung is rebuilt, the rung at 10 000.
    let deadline = std::time::Instant::now() + WAIT;
    let mut wait = Duration::from_millis(200);
    loop {
        std::thread::sleep(wait);
        wait *= 2;
        driver.seen.notes.clear();
        driver.run(Command::Seek(SeekTarget::TimeNs(late_ns)));
        assert_same_state(driver.seen.frame(), &driver.seen.fills, &late);
        assert!(driver.seen.frame().events_seen > 20_000);
        driver.run(Command::Seek(SeekTarget::TimeNs(back_ns)));
        assert_same_state(driver.seen.frame(), &driver.seen.fills, &back);
        let from = |event: &str| {
            let text = format!("from a standby run waiting at event {event}");
            driver.seen.notes.iter().any(|n| n.contains(&text))
        };
        if from("20000") && from("10000") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no standby: {:?}",
            driver.seen.notes
        );
        driver.run(Command::Seek(SeekTarget::Event(25_000)));
    }
    assert!(driver.seen.errors.is_empty(), "{:?}", driver.seen.errors);

    // Forward again by time: takes over a standby left between here and
    // there (the rung at 15 000, or the one moved up from it), lands the
    // same.
    driver.seen.notes.clear();
    driver.run(Command::Seek(SeekTarget::TimeNs(late_ns)));
    assert!(
        driver
            .seen
            .notes
            .iter()
            .any(|n| n.contains("from a standby run waiting at event")),
        "{:?}",
        driver.seen.notes
    );
    assert_same_state(driver.seen.frame(), &driver.seen.fills, &late);
}
