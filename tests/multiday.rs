//! Runs over several days: one clock through midnight, worked by hand.
//!
//! The data is a TEST instrument (tick 0.01, lot 1) on Friday 2026-03-06
//! and Monday 2026-03-09, with the weekend between them missing. The
//! defaults apply: 1 ms entry and 1 ms response latency, the feed latency
//! from the data (`local_ts` = `exch_ts` here), the risk-averse queue.

use std::path::Path;

use tempfile::TempDir;
use ticklab::market::cache::CacheOptions;
use ticklab::market::catalog::Day;
use ticklab::market::day_range::{DayGap, DaySelection};
use ticklab::market::parquet::{write_events, ReadOptions, WriteOptions};
use ticklab::market::{flags, EventKind, Instrument, MarketEvent, Side};
use ticklab::session::{open_days, DayRun};
use ticklab::sim::{OrderUpdate, Reason, RunConfig, UpdateKind};
use ticklab::strategy::{Ctx, Runner, Strategy, StrategyError};

const SEC: i64 = 1_000_000_000;
const MS: i64 = 1_000_000;

fn day(text: &str) -> Day {
    text.parse().expect("a date")
}

fn friday() -> i64 {
    day("2026-03-06").start_ns()
}

fn monday() -> i64 {
    day("2026-03-09").start_ns()
}

fn instrument() -> Instrument {
    Instrument::new("TEST", 0.01, 1.0)
}

fn snapshot(ts: i64, side: Side, price: i64, qty: i64, last: bool) -> MarketEvent {
    let flags = flags::SNAPSHOT | if last { flags::LAST_IN_BATCH } else { 0 };
    MarketEvent {
        kind: EventKind::Snapshot,
        flags,
        ..MarketEvent::depth(ts, side, price, qty)
    }
}

/// Friday: a snapshot (bid 100 ×5, ask 102 ×5) at 00:00:01, then size
/// changes at 23:59:59.8 and 23:59:59.9.
fn friday_events() -> Vec<MarketEvent> {
    let f = friday();
    vec![
        snapshot(f + SEC, Side::Buy, 100, 5, false),
        snapshot(f + SEC, Side::Sell, 102, 5, true),
        MarketEvent::depth(f + 86_399 * SEC + 800 * MS, Side::Buy, 100, 6),
        MarketEvent::depth(f + 86_399 * SEC + 900 * MS, Side::Sell, 102, 6),
    ]
}

/// Monday without a snapshot: a sell trade of 3 at 101 at 00:00:00.1, a
/// size change at 00:00:01.
fn monday_continuing() -> Vec<MarketEvent> {
    let m = monday();
    vec![
        MarketEvent::trade(m + 100 * MS, Side::Sell, 101, 3),
        MarketEvent::depth(m + SEC, Side::Buy, 100, 7),
    ]
}

/// Monday starting with a snapshot: bid 99 ×4, ask 103 ×4 at 00:00:01.
fn monday_snapshot() -> Vec<MarketEvent> {
    let m = monday();
    vec![
        snapshot(m + SEC, Side::Buy, 99, 4, false),
        snapshot(m + SEC, Side::Sell, 103, 4, true),
        MarketEvent::depth(m + 2 * SEC, Side::Buy, 99, 5),
    ]
}

/// A data folder holding TEST on the days given.
fn folder(days: &[(&str, Vec<MarketEvent>)]) -> TempDir {
    let root = TempDir::new().expect("test setup");
    let dir = root.path().join("TEST");
    std::fs::create_dir(&dir).expect("test setup");
    std::fs::write(
        dir.join("instrument.toml"),
        instrument().to_toml_string("test"),
    )
    .expect("test setup");
    for (name, events) in days {
        write_events(
            dir.join(format!("{name}.parquet")),
            &instrument(),
            events.iter().copied(),
            &WriteOptions::default(),
        )
        .expect("test setup");
    }
    root
}

/// What the strategy saw, in order.
#[derive(Debug, Clone, PartialEq)]
enum Seen {
    DayStart {
        day: Day,
        now_ns: i64,
        position_lots: i64,
    },
    DayEnd {
        day: Day,
        position_lots: i64,
    },
    Timer {
        ts_ns: i64,
        position_lots: i64,
        open_orders: usize,
    },
    Fill {
        local_ts_ns: i64,
        price_ticks: i64,
        qty_lots: i64,
    },
    Rejected {
        local_ts_ns: i64,
        reason: Option<Reason>,
    },
    Book {
        now_ns: i64,
        bid: Option<(i64, i64)>,
        ask: Option<(i64, i64)>,
        bid_levels: usize,
    },
    Clear {
        now_ns: i64,
    },
}

/// Buys 2 at market on the first whole book; at 23:59:59.8 rests a buy of
/// 3 at 101 and sets a timer for Monday 00:00:00.05 (when `rest_overnight`).
#[derive(Default)]
struct Script {
    rest_overnight: bool,
    bought: bool,
    seen: Vec<Seen>,
}

impl Strategy for Script {
    fn on_market(&mut self, ctx: &mut Ctx<'_, '_>, ev: &MarketEvent) -> Result<(), StrategyError> {
        if ev.kind == EventKind::Clear {
            self.seen.push(Seen::Clear {
                now_ns: ctx.now_ns(),
            });
        }
        if ev.is_last_in_batch() {
            let book = ctx.book();
            self.seen.push(Seen::Book {
                now_ns: ctx.now_ns(),
                bid: book.best_bid().map(|l| (l.price, l.qty)),
                ask: book.best_ask().map(|l| (l.price, l.qty)),
                bid_levels: book.levels(Side::Buy).count(),
            });
        }
        if !self.bought && ev.is_last_in_batch() {
            self.bought = true;
            ctx.buy_market(2)?;
        }
        if self.rest_overnight && ev.exch_ts == friday() + 86_399 * SEC + 800 * MS {
            ctx.buy(101, 3)?;
            ctx.set_timer_at(monday() + 50 * MS);
        }
        Ok(())
    }

    fn on_order(
        &mut self,
        _ctx: &mut Ctx<'_, '_>,
        update: &OrderUpdate,
    ) -> Result<(), StrategyError> {
        if let Some(fill) = update.fill {
            self.seen.push(Seen::Fill {
                local_ts_ns: update.local_ts_ns,
                price_ticks: fill.price_ticks,
                qty_lots: fill.qty_lots,
            });
        }
        if update.kind == UpdateKind::Rejected {
            // Try again at the next whole book.
            self.bought = false;
            self.seen.push(Seen::Rejected {
                local_ts_ns: update.local_ts_ns,
                reason: update.reason,
            });
        }
        Ok(())
    }

    fn on_timer(&mut self, ctx: &mut Ctx<'_, '_>, ts_ns: i64) -> Result<(), StrategyError> {
        self.seen.push(Seen::Timer {
            ts_ns,
            position_lots: ctx.position_lots(),
            open_orders: ctx.open_orders().len(),
        });
        Ok(())
    }

    fn on_day_start(&mut self, ctx: &mut Ctx<'_, '_>, day: Day) -> Result<(), StrategyError> {
        self.seen.push(Seen::DayStart {
            day,
            now_ns: ctx.now_ns(),
            position_lots: ctx.position_lots(),
        });
        Ok(())
    }

    fn on_day_end(&mut self, ctx: &mut Ctx<'_, '_>, day: Day) -> Result<(), StrategyError> {
        self.seen.push(Seen::DayEnd {
            day,
            position_lots: ctx.position_lots(),
        });
        Ok(())
    }
}

/// Runs `strategy` over `run` as the session does, returning it and the
/// run's record.
fn run(run: &DayRun, strategy: Script) -> (Script, ticklab::sim::RunRecord) {
    let mut notes = Vec::new();
    let (engine, _) = run
        .engine_days(
            &RunConfig::default(),
            ReadOptions::default(),
            &CacheOptions::disabled(),
            ticklab::book::CrossedTally::default(),
            &mut notes,
        )
        .expect("the engine starts");
    let mut runner = Runner::new(engine, strategy);
    runner.set_days(&run.day_list(), run.warmup.map_or(i64::MIN, |w| w.from_ns));
    runner.run().expect("the run goes to the end");
    let (engine, strategy) = runner.into_parts();
    (strategy, engine.into_record())
}

fn open(root: &Path, days: &str, warmup_ns: Option<i64>) -> DayRun {
    let selection: DaySelection = days.parse().expect("a selection");
    open_days(root, None, Some(&selection), warmup_ns).expect("the days open")
}

#[test]
fn a_position_and_an_order_resting_over_midnight_carry_into_the_next_day() {
    let root = folder(&[
        ("2026-03-06", friday_events()),
        ("2026-03-09", monday_continuing()),
    ]);
    let days = open(root.path(), "2026-03-06..2026-03-09", None);
    assert_eq!(days.day_list(), vec![day("2026-03-06"), day("2026-03-09")]);
    assert_eq!(
        days.gaps,
        vec![DayGap {
            from: day("2026-03-07"),
            to: day("2026-03-08")
        }]
    );
    let (script, record) = run(
        &days,
        Script {
            rest_overnight: true,
            ..Script::default()
        },
    );
    let (f, m) = (friday(), monday());
    let late = f + 86_399 * SEC;
    assert_eq!(
        script.seen,
        vec![
            // on_start's clock is the first event's time.
            Seen::DayStart {
                day: day("2026-03-06"),
                now_ns: f + SEC,
                position_lots: 0
            },
            Seen::Book {
                now_ns: f + SEC,
                bid: Some((100, 5)),
                ask: Some((102, 5)),
                bid_levels: 1
            },
            // Sent at 00:00:01, at the exchange 1 ms later, back 1 ms after.
            Seen::Fill {
                local_ts_ns: f + SEC + 2 * MS,
                price_ticks: 102,
                qty_lots: 2
            },
            Seen::Book {
                now_ns: late + 800 * MS,
                bid: Some((100, 6)),
                ask: Some((102, 5)),
                bid_levels: 1
            },
            Seen::Book {
                now_ns: late + 900 * MS,
                bid: Some((100, 6)),
                ask: Some((102, 6)),
                bid_levels: 1
            },
            // The first thing seen on Monday is the timer set on Friday:
            // the day changes before it.
            Seen::DayEnd {
                day: day("2026-03-06"),
                position_lots: 2
            },
            Seen::DayStart {
                day: day("2026-03-09"),
                now_ns: m + 50 * MS,
                position_lots: 2
            },
            Seen::Timer {
                ts_ns: m + 50 * MS,
                position_lots: 2,
                open_orders: 1
            },
            // The buy at 101 rested over midnight; Monday's sell trade at
            // 101 fills it whole (nothing ahead of it at a new level).
            Seen::Book {
                now_ns: m + 100 * MS,
                bid: Some((100, 6)),
                ask: Some((102, 6)),
                bid_levels: 1
            },
            Seen::Fill {
                local_ts_ns: m + 101 * MS,
                price_ticks: 101,
                qty_lots: 3
            },
            // Monday continues Friday's book.
            Seen::Book {
                now_ns: m + SEC,
                bid: Some((100, 7)),
                ask: Some((102, 6)),
                bid_levels: 1
            },
            Seen::DayEnd {
                day: day("2026-03-09"),
                position_lots: 5
            },
        ]
    );
    let fills: Vec<(i64, i64, i64)> = record
        .fills
        .iter()
        .map(|f| (f.exch_ts_ns, f.price_ticks, f.position_after_lots))
        .collect();
    assert_eq!(fills, vec![(f + SEC + MS, 102, 2), (m + 100 * MS, 101, 5)]);
    assert_eq!(record.data_events, 6);
}

#[test]
fn a_day_that_starts_with_a_snapshot_replaces_the_book() {
    let root = folder(&[
        ("2026-03-06", friday_events()),
        ("2026-03-09", monday_snapshot()),
    ]);
    let days = open(root.path(), "all", None);
    let (script, record) = run(&days, Script::default());
    let m = monday();
    let monday_seen: Vec<&Seen> = script
        .seen
        .iter()
        .skip_while(|s| !matches!(s, Seen::DayStart { day: d, .. } if *d == day("2026-03-09")))
        .collect();
    assert_eq!(
        monday_seen,
        vec![
            &Seen::DayStart {
                day: day("2026-03-09"),
                now_ns: m + SEC,
                position_lots: 2
            },
            // The clear before the snapshot: the strategy sees it too.
            &Seen::Clear { now_ns: m + SEC },
            &Seen::Book {
                now_ns: m + SEC,
                bid: Some((99, 4)),
                ask: Some((103, 4)),
                bid_levels: 1
            },
            &Seen::Book {
                now_ns: m + 2 * SEC,
                bid: Some((99, 5)),
                ask: Some((103, 4)),
                bid_levels: 1
            },
            &Seen::DayEnd {
                day: day("2026-03-09"),
                position_lots: 2
            },
        ]
    );
    // Four Friday events, the clear and three Monday events.
    assert_eq!(record.data_events, 8);
    // The last equity sample is marked at Monday's mid, 101.
    let last = record.equity.last().expect("a final sample");
    assert_eq!(last.account.position_lots, 2);
    assert_eq!(last.account.mark_ticks, 101.0);
}

#[test]
fn a_warm_up_is_seen_without_trading_and_the_record_starts_after_it() {
    let root = folder(&[
        ("2026-03-06", friday_events()),
        ("2026-03-09", monday_continuing()),
    ]);
    let (f, m) = (friday(), monday());
    let late = f + 86_399 * SEC;
    // Two days and two hours before Monday: Friday 22:00. Friday's file
    // holds that time and is read whole (for its book); the strategy sees
    // it from 22:00 on, its orders rejected until Monday's midnight.
    let warmup_ns = 50 * 3_600 * SEC;
    let days = open(root.path(), "2026-03-09", Some(warmup_ns));
    assert_eq!(days.day, day("2026-03-09"));
    assert_eq!(days.day_list(), vec![day("2026-03-06"), day("2026-03-09")]);
    let warmup = days.warmup.expect("a warm-up");
    assert_eq!(warmup.trading_from_ns, m);
    assert_eq!(warmup.from_ns, f + 22 * 3_600 * SEC);
    let (script, record) = run(&days, Script::default());
    assert_eq!(
        script.seen,
        vec![
            // Friday 00:00:01 is before the warm-up's start: not seen.
            Seen::DayStart {
                day: day("2026-03-06"),
                now_ns: late + 800 * MS,
                position_lots: 0
            },
            Seen::Book {
                now_ns: late + 800 * MS,
                bid: Some((100, 6)),
                ask: Some((102, 5)),
                bid_levels: 1
            },
            // Pre-trade refuses at once during the warm-up.
            Seen::Rejected {
                local_ts_ns: late + 800 * MS,
                reason: Some(Reason::Warmup)
            },
            Seen::Book {
                now_ns: late + 900 * MS,
                bid: Some((100, 6)),
                ask: Some((102, 6)),
                bid_levels: 1
            },
            Seen::Rejected {
                local_ts_ns: late + 900 * MS,
                reason: Some(Reason::Warmup)
            },
            Seen::DayEnd {
                day: day("2026-03-06"),
                position_lots: 0
            },
            Seen::DayStart {
                day: day("2026-03-09"),
                now_ns: m + 100 * MS,
                position_lots: 0
            },
            Seen::Book {
                now_ns: m + 100 * MS,
                bid: Some((100, 6)),
                ask: Some((102, 6)),
                bid_levels: 1
            },
            // Trading is on: at the exchange 1 ms later, back 1 ms after.
            Seen::Fill {
                local_ts_ns: m + 102 * MS,
                price_ticks: 102,
                qty_lots: 2
            },
            Seen::Book {
                now_ns: m + SEC,
                bid: Some((100, 7)),
                ask: Some((102, 6)),
                bid_levels: 1
            },
            Seen::DayEnd {
                day: day("2026-03-09"),
                position_lots: 2
            },
        ]
    );
    // The record starts at Monday's midnight: the first sample there, at
    // the book's mid 101, before the fill.
    let samples: Vec<(i64, i64)> = record
        .equity
        .iter()
        .map(|s| (s.ts_ns, s.account.position_lots))
        .collect();
    assert_eq!(samples[0], (m, 0));
    assert!(samples.iter().all(|&(ts, _)| ts >= m));
    assert_eq!(record.fills.len(), 1);
}

/// Buys 2 at market on the first whole book and rests a buy of 3 at 1.01
/// at Friday 23:59:59.8; logs each day's start and end with the position.
const OVERNIGHT_PY: &str = r#"
import ticklab

class Overnight(ticklab.Strategy):
    bought = False
    rested = False

    def on_day_start(self, ctx, day):
        ctx.log("start", day.isoformat(), ctx.position)

    def on_day_end(self, ctx, day):
        ctx.log("end", day.isoformat(), ctx.position)

    def on_market(self, ctx, ev):
        if ev.is_last_in_batch and not self.bought:
            self.bought = True
            ctx.buy(2)
        if ev.exch_ts == LATE and not self.rested:
            self.rested = True
            ctx.buy(3, 1.01)
"#;

fn ticklab_run(data: &Path, strategy: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_ticklab"))
        .arg("run")
        .arg("--data")
        .arg(data)
        .arg("--strategy")
        .arg(strategy)
        .arg("--out")
        .arg(out)
        .args(extra)
        .env_remove("TICKLAB_CACHE_DIR")
        .env("XDG_CACHE_HOME", data.join("user-cache"))
        .output()
        .expect("ticklab runs")
}

#[test]
fn ticklab_run_spans_the_days_reports_the_gap_and_gives_the_same_bytes_twice() {
    let root = folder(&[
        ("2026-03-06", friday_events()),
        ("2026-03-09", monday_continuing()),
    ]);
    let late = friday() + 86_399 * SEC + 800 * MS;
    let strategy = root.path().join("overnight.py");
    std::fs::write(&strategy, OVERNIGHT_PY.replace("LATE", &late.to_string())).expect("test setup");
    let out = TempDir::new().expect("test setup");
    let first = out.path().join("first");
    let run = ticklab_run(
        root.path(),
        &strategy,
        &first,
        &["--day", "2026-03-06..2026-03-09"],
    );
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stderr}");
    assert!(
        stderr.contains(
            "TEST: no data from 2026-03-07 to 2026-03-08: a gap in time; position, cash and orders carry over"
        ),
        "{stderr}"
    );
    let summary: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(first.join("summary.json")).expect("summary.json"),
    )
    .expect("JSON");
    assert_eq!(summary["day"], "2026-03-06");
    assert_eq!(
        summary["days"],
        serde_json::json!(["2026-03-06", "2026-03-09"])
    );
    assert_eq!(
        summary["gaps"],
        serde_json::json!([{"symbol": "TEST", "from": "2026-03-07", "to": "2026-03-08"}])
    );
    // Both days' fills: 2 at 1.02 on Friday, 3 at 1.01 on Monday.
    assert_eq!(summary["stats"]["fills"], 2);
    assert_eq!(summary["stats"]["final_position_lots"], 5);
    // Friday: 2 bought at 1.02, marked at the mid 1.01: −0.02. Monday: 3
    // bought at the mid, which does not move: 0.
    let by_day = &summary["by_day"];
    let figure = |day: usize, key: &str| by_day[day][key].as_f64().unwrap_or(f64::NAN);
    assert_eq!(by_day[0]["day"], "2026-03-06");
    assert_eq!(by_day[1]["day"], "2026-03-09");
    assert!((figure(0, "start_equity") - 100_000.0).abs() < 1e-6);
    assert!((figure(0, "pnl") + 0.02).abs() < 1e-6);
    assert!((figure(0, "max_drawdown") - 0.02).abs() < 1e-6);
    assert!((figure(1, "start_equity") - figure(0, "final_equity")).abs() < 1e-9);
    assert!(figure(1, "pnl").abs() < 1e-6);
    assert_eq!(
        (
            by_day[0]["taker_fills"].clone(),
            by_day[1]["maker_fills"].clone()
        ),
        (serde_json::json!(1), serde_json::json!(1))
    );
    let log = std::fs::read_to_string(first.join("log.txt")).expect("log.txt");
    let said: Vec<&str> = log
        .lines()
        .map(|line| line.split("] ").nth(1).unwrap_or(line))
        .collect();
    assert_eq!(
        said,
        [
            "start 2026-03-06 0.0",
            "end 2026-03-06 2.0",
            "start 2026-03-09 2.0",
            "end 2026-03-09 5.0"
        ]
    );

    // Again, now from the event caches the first run wrote: the same bytes.
    let second = out.path().join("second");
    let rerun = ticklab_run(
        root.path(),
        &strategy,
        &second,
        &["--day", "2026-03-06..2026-03-09"],
    );
    assert!(
        rerun.status.success(),
        "{}",
        String::from_utf8_lossy(&rerun.stderr)
    );
    for name in [
        "summary.json",
        "fills.parquet",
        "equity.parquet",
        "orders.parquet",
        "log.txt",
    ] {
        let a = std::fs::read(first.join(name)).expect("written");
        let b = std::fs::read(second.join(name)).expect("written");
        assert!(a == b, "{name} differs between two runs");
    }
}

#[test]
fn a_day_without_data_or_a_backwards_range_is_an_error_naming_the_days() {
    let root = folder(&[
        ("2026-03-06", friday_events()),
        ("2026-03-09", monday_continuing()),
    ]);
    let out = TempDir::new().expect("test setup");
    let named = ticklab_run(
        root.path(),
        Path::new("noop"),
        &out.path().join("a"),
        &["--day", "2026-03-06,2026-03-07", "--no-sandbox"],
    );
    assert!(!named.status.success());
    let stderr = String::from_utf8_lossy(&named.stderr);
    assert!(
        stderr.contains("TEST: no day 2026-03-07; days: 2026-03-06, 2026-03-09"),
        "{stderr}"
    );
    let backwards = ticklab_run(
        root.path(),
        Path::new("noop"),
        &out.path().join("b"),
        &["--day", "2026-03-09..2026-03-06", "--no-sandbox"],
    );
    assert!(!backwards.status.success());
    let stderr = String::from_utf8_lossy(&backwards.stderr);
    assert!(
        stderr.contains("the range 2026-03-09..2026-03-06 ends before it starts"),
        "{stderr}"
    );
}
