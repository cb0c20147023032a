//! The window over several days and symbols, without a window: the session
//! the window drives and `ticklab run` give the same summary and the same
//! fills on a two-symbol, two-day folder; following another symbol shows
//! that symbol's book at the same event of the run.

#[path = "common/two_symbols.rs"]
mod two_symbols;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use tempfile::TempDir;
use ticklab::book::CrossedTally;
use ticklab::market::cache::CacheOptions;
use ticklab::market::catalog::Day;
use ticklab::market::day_range::DaySelection;
use ticklab::market::parquet::ReadOptions;
use ticklab::session::frame::DEFAULT_FRAME_DEPTH;
use ticklab::session::replay::{Goal, Progress};
use ticklab::session::{
    open_instruments, BookView, Command, Frame, RunInfo, RunState, Session, SessionOptions,
    StepTarget, StrategyChoice, Update,
};
use ticklab::sim::stats::Stats;
use ticklab::sim::{FillRecord, RunConfig};
use ticklab::strategy::Runner;

/// Long enough for a debug build on a busy machine.
const WAIT: Duration = Duration::from_secs(300);

/// The symbols in the order named: BTC-PERP wins ties.
const SYMBOLS: [&str; 2] = ["BTC-PERP", "ACME"];

fn day(text: &str) -> Day {
    text.parse().expect("a date")
}

fn both_days() -> DaySelection {
    DaySelection::Range(day(two_symbols::DAYS[0]), day(two_symbols::DAYS[1]))
}

fn folder() -> TempDir {
    let root = TempDir::new().expect("test setup");
    two_symbols::write_two_symbols(root.path(), 12_000, 8_000);
    root
}

/// What the window would know after the updates, in order.
#[derive(Default)]
struct Seen {
    run: Option<RunInfo>,
    frame: Option<Frame>,
    stats: Option<Stats>,
    /// Our fills with their symbol.
    fills: Vec<(String, FillRecord)>,
    fills_skipped: u64,
    errors: Vec<String>,
    notes: Vec<String>,
}

impl Seen {
    fn apply(&mut self, updates: Vec<Update>) {
        for update in updates {
            match update {
                Update::Started(run) => self.run = Some(*run),
                Update::Reset => {
                    self.fills.clear();
                    self.fills_skipped = 0;
                }
                Update::Frame(frame) => self.frame = Some(*frame),
                Update::Stats(stats) => self.stats = Some(*stats),
                Update::Batch(batch) => {
                    assert_eq!(batch.fill_instruments.len(), batch.fills.len());
                    for (fill, &index) in batch.fills.iter().zip(&batch.fill_instruments) {
                        let run = self.run.as_ref().expect("a run before its rows");
                        let symbol = run.instruments[usize::from(index)].symbol.clone();
                        self.fills.push((symbol, *fill));
                    }
                    self.fills_skipped += batch.fills_skipped;
                    self.errors
                        .extend(batch.errors.into_iter().map(|e| e.message));
                    self.notes.extend(batch.notes);
                }
                _ => {}
            }
        }
    }

    fn frame(&self) -> &Frame {
        self.frame.as_ref().expect("a frame")
    }
}

struct Window {
    session: Session,
    seen: Seen,
}

impl Window {
    /// The session on `folder`'s two symbols and two days with `mm`.
    fn open(folder: &Path) -> Window {
        let options = SessionOptions {
            cache: CacheOptions::disabled(),
            ..SessionOptions::default()
        };
        let session = Session::spawn(options, Arc::new(|| {})).expect("the session starts");
        let mut window = Window {
            session,
            seen: Seen::default(),
        };
        window.run(Command::Open {
            folder: folder.to_owned(),
            symbols: SYMBOLS.iter().map(|s| (*s).to_owned()).collect(),
            days: both_days(),
        });
        window.run(Command::SetStrategy("mm".to_owned()));
        window
    }

    fn run(&mut self, command: Command) -> &Seen {
        self.session.send(command).expect("the session takes it");
        let updates = self.session.wait_idle(WAIT).expect("the session goes idle");
        self.seen.apply(updates);
        &self.seen
    }
}

/// `ticklab run` of `mm` over the two symbols and days, into `out`.
fn ticklab_run(data: &Path, out: &Path) {
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_ticklab"))
        .arg("run")
        .arg("--data")
        .arg(data)
        .args(["--symbol", &SYMBOLS.join(",")])
        .args(["--day", &both_days().to_string()])
        .args(["--strategy", "mm", "--csv", "--out"])
        .arg(out)
        .env_remove("TICKLAB_CACHE_DIR")
        .env("XDG_CACHE_HOME", data.join("user-cache"))
        .output()
        .expect("ticklab runs");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
}

/// The fills of `fills.csv`: symbol, order id, price and quantity on the
/// grid, position after, sorted.
fn csv_fills(path: &Path) -> Vec<(String, u64, i64, i64, i64)> {
    let text = std::fs::read_to_string(path).expect("fills.csv");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("a header").split(',').collect();
    let column = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .unwrap_or_else(|| panic!("no column {name} in {header:?}"))
    };
    let (symbol, id, price, qty, position) = (
        column("symbol"),
        column("order_id"),
        column("price_ticks"),
        column("qty_lots"),
        column("position_lots"),
    );
    let mut rows: Vec<_> = lines
        .map(|line| {
            let cells: Vec<&str> = line.split(',').collect();
            let int = |i: usize| cells[i].parse::<i64>().expect("an integer");
            (
                cells[symbol].to_owned(),
                cells[id].parse::<u64>().expect("an id"),
                int(price),
                int(qty),
                int(position),
            )
        })
        .collect();
    rows.sort();
    rows
}

#[test]
fn the_window_session_and_ticklab_run_give_the_same_summary_and_fills() {
    let data = folder();
    let mut window = Window::open(data.path());
    let run = window.seen.run.clone().expect("the run started");
    assert_eq!(
        run.instruments
            .iter()
            .map(|i| i.symbol.as_str())
            .collect::<Vec<_>>(),
        SYMBOLS
    );
    assert_eq!(run.days, [day("2026-03-02"), day("2026-03-03")]);
    window.run(Command::Step(StepTarget::End));
    assert_eq!(window.seen.frame().state, RunState::Finished);
    assert!(window.seen.errors.is_empty(), "{:?}", window.seen.errors);
    assert_eq!(window.seen.fills_skipped, 0);

    let out = TempDir::new().expect("test setup");
    ticklab_run(data.path(), out.path());
    let summary: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.path().join("summary.json")).expect("summary.json"),
    )
    .expect("JSON");
    assert_eq!(summary["symbols"], serde_json::json!(SYMBOLS));
    assert_eq!(summary["days"], serde_json::json!(two_symbols::DAYS));

    // Every statistic the summary gives, the window's statistics give
    // the same (the callbacks' timing aside: it is this machine's).
    let stats = reparsed(window.seen.stats.as_ref().expect("statistics"));
    let expected = summary["stats"].as_object().expect("stats");
    let mut compared = 0;
    for (key, value) in expected {
        if key == "compute_time" {
            continue;
        }
        assert_eq!(&stats[key], value, "stats.{key}");
        compared += 1;
    }
    assert!(compared >= 15, "{compared} statistics compared");
    // The run's event index counts both symbols' events, all of them.
    let data_events = summary["stats"]["data_events"].as_u64().expect("a count");
    assert_eq!(window.seen.frame().events_seen, data_events);
    assert_eq!(run.rows, data_events);

    // The same fills, each with its symbol.
    let mut fills: Vec<_> = window
        .seen
        .fills
        .iter()
        .map(|(symbol, f)| {
            (
                symbol.clone(),
                f.order_id.0,
                f.price_ticks,
                f.qty_lots,
                f.position_after_lots,
            )
        })
        .collect();
    fills.sort();
    let headless = csv_fills(&out.path().join("fills.csv"));
    for symbol in SYMBOLS {
        assert!(
            headless.iter().filter(|f| f.0 == symbol).count() >= 2,
            "the test needs fills of {symbol}: {headless:?}"
        );
    }
    assert_eq!(fills, headless);
    assert_eq!(summary["stats"]["fills"].as_u64(), Some(fills.len() as u64));

    // The window's replay (the session's state, driven here directly)
    // gives each symbol's and each day's statistics as the summary does.
    let mut replay = ticklab::session::Replay::new(SessionOptions {
        cache: CacheOptions::disabled(),
        ..SessionOptions::default()
    });
    let symbols: Vec<String> = SYMBOLS.iter().map(|s| (*s).to_owned()).collect();
    assert!(replay.open(data.path().to_owned(), &symbols, &both_days()));
    assert!(replay.set_strategy("mm".to_owned()));
    while replay.advance(Goal::End, Duration::from_millis(50)) == Progress::Budget {}
    assert!(replay.is_finished());
    let by_symbol: Vec<serde_json::Value> = replay
        .stats_by_symbol()
        .iter()
        .map(|(symbol, stats)| {
            let mut stats = reparsed(stats);
            if let Some(stats) = stats.as_object_mut() {
                stats.remove("compute_time");
            }
            serde_json::json!({ "symbol": symbol, "stats": stats })
        })
        .collect();
    let mut expected_by_symbol = summary["by_symbol"].clone();
    for entry in expected_by_symbol.as_array_mut().expect("by_symbol") {
        if let Some(stats) = entry["stats"].as_object_mut() {
            stats.remove("compute_time");
        }
    }
    assert_eq!(serde_json::Value::Array(by_symbol), expected_by_symbol);
    let by_day = reparsed(&replay.stats_by_day());
    assert_eq!(by_day, summary["by_day"]);
    assert_eq!(by_day.as_array().map(Vec::len), Some(2));
}

/// `value` as JSON text read back: both sides of a comparison then read
/// their floats the same way (serde_json reads a float back to within an
/// ulp).
fn reparsed<T: serde::Serialize + ?Sized>(value: &T) -> serde_json::Value {
    serde_json::from_str(&serde_json::to_string(value).expect("JSON")).expect("JSON")
}

/// A headless run of `mm` over the two symbols and days, stopped when the
/// strategy has seen `events` market events of either.
fn headless(data: &Path, events: u64) -> ticklab::session::replay::DynRunner {
    let runs = open_instruments(data, Some(&SYMBOLS.join(",")), Some(&both_days()), None)
        .expect("test setup");
    let config = RunConfig::default();
    let engines = runs
        .iter()
        .map(|run| {
            run.engine_days(
                &config,
                ReadOptions::default(),
                &CacheOptions::disabled(),
                CrossedTally::default(),
                &mut Vec::new(),
            )
            .expect("test setup")
            .0
        })
        .collect();
    let choice = StrategyChoice::parse("mm", &toml::Table::new()).expect("test setup");
    let mut runner = Runner::with_instruments(engines, choice.build()).expect("two engines");
    runner.run_to_event(events).expect("the run goes on");
    runner
}

#[test]
fn following_another_symbol_shows_its_book_at_the_same_event_of_the_run() {
    let data = folder();
    let mut window = Window::open(data.path());
    let events = 9_000;
    window.run(Command::Step(StepTarget::Events(events)));
    let runner = headless(data.path(), events);
    // The run's event index counts both symbols: each engine alone has
    // seen fewer.
    assert_eq!(runner.events_seen(), events);
    let btc_seen = runner.engine().events_seen();
    let acme = runner.engine_of(1).expect("ACME's engine");
    assert!(btc_seen > 0 && acme.events_seen() > 0 && btc_seen < events);
    assert_eq!(btc_seen + acme.events_seen(), events);

    let frame = window.seen.frame().clone();
    assert_eq!(frame.events_seen, events);
    assert_eq!(frame.now_ns, runner.now_ns());
    assert_eq!(
        frame.local_book,
        BookView::of(runner.engine().local_book(), DEFAULT_FRAME_DEPTH)
    );
    assert_eq!(
        window
            .seen
            .run
            .as_ref()
            .map(|r| r.instrument.symbol.as_str()),
        Some("BTC-PERP")
    );

    window.run(Command::Follow("ACME".to_owned()));
    let frame = window.seen.frame().clone();
    assert_eq!(
        window
            .seen
            .run
            .as_ref()
            .map(|r| r.instrument.symbol.as_str()),
        Some("ACME")
    );
    assert_eq!(frame.events_seen, events, "the run stays at its event");
    assert_eq!(frame.now_ns, runner.now_ns());
    assert_eq!(
        frame.local_book,
        BookView::of(acme.local_book(), DEFAULT_FRAME_DEPTH)
    );
    assert_eq!(frame.orders, acme.open_orders());
    assert_eq!(frame.account.position_lots, acme.account().position_lots());

    // A symbol the run does not have is said, and nothing changes.
    window.run(Command::Follow("ZZZ".to_owned()));
    assert!(
        window
            .seen
            .errors
            .iter()
            .any(|e| e == "no symbol \"ZZZ\" in this run; it has: BTC-PERP, ACME"),
        "{:?}",
        window.seen.errors
    );
    assert_eq!(window.seen.frame().events_seen, events);
}

#[test]
fn opening_an_unknown_symbol_or_day_names_what_the_folder_has() {
    let data = folder();
    let options = SessionOptions {
        cache: CacheOptions::disabled(),
        ..SessionOptions::default()
    };
    let session = Session::spawn(options, Arc::new(|| {})).expect("the session starts");
    let mut window = Window {
        session,
        seen: Seen::default(),
    };
    window.run(Command::Open {
        folder: data.path().to_owned(),
        symbols: vec!["ACME".to_owned(), "ZZZ".to_owned()],
        days: both_days(),
    });
    window.run(Command::Open {
        folder: data.path().to_owned(),
        symbols: vec!["ACME".to_owned()],
        days: DaySelection::List(vec![day("2026-03-09")]),
    });
    let errors = &window.seen.errors;
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(
        errors[0].ends_with("no symbol \"ZZZ\"; the folder has: ACME, BTC-PERP"),
        "{errors:?}"
    );
    assert!(errors[1].contains("2026-03-09"), "{errors:?}");
    assert!(errors[1].contains("2026-03-02, 2026-03-03"), "{errors:?}");
    assert!(window.seen.run.is_none());

    // A range past the folder's last day runs the days there are; the
    // missing day is a gap of each symbol, said in the console.
    window.run(Command::Open {
        folder: data.path().to_owned(),
        symbols: vec!["ACME".to_owned(), "BTC-PERP".to_owned()],
        days: DaySelection::Range(day("2026-03-02"), day("2026-03-04")),
    });
    assert_eq!(window.seen.errors.len(), 2, "{:?}", window.seen.errors);
    let run = window.seen.run.as_ref().expect("the run started");
    assert_eq!(run.days, [day("2026-03-02"), day("2026-03-03")]);
    for symbol in ["ACME", "BTC-PERP"] {
        let gap = format!(
            "{symbol}: no data from 2026-03-04 to 2026-03-04: a gap in time; position, cash and orders carry over"
        );
        assert!(window.seen.notes.contains(&gap), "{:?}", window.seen.notes);
    }
}

/// Notes the event index at every market event, and logs it.
#[derive(Default)]
struct Indexes(Vec<(String, u64)>);

impl ticklab::strategy::Strategy for Indexes {
    fn on_market(
        &mut self,
        ctx: &mut ticklab::strategy::Ctx<'_, '_>,
        _ev: &ticklab::market::MarketEvent,
    ) -> Result<(), ticklab::strategy::StrategyError> {
        self.0.push((ctx.symbol().to_owned(), ctx.event_index()));
        ctx.log(format!("{} {}", ctx.symbol(), ctx.event_index()));
        Ok(())
    }
}

#[test]
fn the_event_index_counts_every_instruments_events_and_logs_come_from_both() {
    use ticklab::market::{Instrument, MarketEvent, Side};
    use ticklab::sim::Engine;
    const SEC: i64 = 1_000_000_000;
    // AAA at 1 s (two events) and 3 s, BBB at 1 s (two) and 2 s: in time
    // order, AAA first at equal times.
    let aaa = [
        MarketEvent::depth(SEC, Side::Buy, 100, 5),
        MarketEvent::depth(SEC, Side::Sell, 102, 5),
        MarketEvent::trade(3 * SEC, Side::Sell, 100, 1),
    ];
    let bbb = [
        MarketEvent::depth(SEC, Side::Buy, 50, 1),
        MarketEvent::depth(SEC, Side::Sell, 52, 1),
        MarketEvent::depth(2 * SEC, Side::Buy, 50, 3),
    ];
    let config = RunConfig::default();
    let engines = vec![
        Engine::from_slice(Instrument::new("AAA", 0.01, 1.0), &config, &aaa).expect("AAA"),
        Engine::from_slice(Instrument::new("BBB", 1.0, 1.0), &config, &bbb).expect("BBB"),
    ];
    let mut runner = Runner::with_instruments(engines, Indexes::default()).expect("two engines");
    runner.run_to_event(4).expect("the run goes on");
    assert_eq!(runner.events_seen(), 4);
    assert_eq!(runner.last_instrument(), 1);
    runner.run().expect("the run ends");
    assert_eq!(runner.events_seen(), 6);
    let logs: Vec<String> = runner.take_logs().into_iter().map(|l| l.text).collect();
    assert_eq!(logs, ["AAA 1", "AAA 2", "BBB 3", "BBB 4", "BBB 5", "AAA 6"]);
    let (_, seen) = runner.into_engines();
    let expected: Vec<(String, u64)> = [
        ("AAA", 1),
        ("AAA", 2),
        ("BBB", 3),
        ("BBB", 4),
        ("BBB", 5),
        ("AAA", 6),
    ]
    .iter()
    .map(|&(s, i)| (s.to_owned(), i))
    .collect();
    assert_eq!(seen.0, expected);
}
