//! A run whose rows stream to their files as they come gives the same
//! statistics and the same rows as a run kept in memory and written at the
//! end.

use std::cell::RefCell;
use std::fs::File;
use std::path::Path;
use std::rc::Rc;

use parquet::file::reader::{FileReader, SerializedFileReader};

use ticklab::market::{Instrument, MarketEvent, Side};
use ticklab::report::{self, OutputFormats, RecordWriter, RunStatus, Summary, ROWS_PER_GROUP};
use ticklab::sim::stats::Stats;
use ticklab::sim::{Engine, LatencyConfig, RunConfig};
use ticklab::strategy::native::MarketMaker;
use ticklab::strategy::run_to_end;

/// A market that moves a tick up and down with trades at the touch, so the
/// market maker trades, over `n` steps 1 µs apart.
fn market(n: i64) -> Vec<MarketEvent> {
    let mut events = Vec::new();
    let mut mid = 1_000_i64;
    for i in 0..5 {
        events.push(MarketEvent::depth(0, Side::Buy, mid - 1 - i, 10));
        events.push(MarketEvent::depth(0, Side::Sell, mid + 1 + i, 10));
    }
    for step in 1..=n {
        let ts = step * 1_000;
        let seen = ts + 300 + step % 7 * 50;
        let ev = match step % 5 {
            0 => {
                mid += if step % 10 == 0 { 1 } else { -1 };
                MarketEvent::depth(ts, Side::Buy, mid - 1, 3)
            }
            1 => MarketEvent::depth(ts, Side::Sell, mid + 1, 1 + step % 4),
            2 => MarketEvent::trade(ts, Side::Buy, mid + 1, 2),
            3 => MarketEvent::trade(ts, Side::Sell, mid - 1, 2),
            _ => MarketEvent::depth(ts, Side::Buy, mid - 2, 1 + step % 6),
        };
        events.push(ev.seen_at(seen));
    }
    events
}

fn config() -> RunConfig {
    RunConfig {
        // An equity sample every 500 ns: more rows than one row group.
        equity_step_ns: 500,
        latency: LatencyConfig::Constant {
            entry_ns: 700,
            response_ns: 900,
        },
        ..RunConfig::default()
    }
}

fn parquet_rows(path: &Path) -> (usize, Vec<String>) {
    let file = File::open(path).expect("open");
    let reader = SerializedFileReader::new(file).expect("a Parquet file");
    let groups = reader.metadata().num_row_groups();
    let rows = reader
        .get_row_iter(None)
        .expect("rows")
        .map(|row| row.expect("a row").to_string())
        .collect();
    (groups, rows)
}

#[test]
fn streamed_tables_and_stats_match_the_record() {
    let instrument = Instrument::new("STREAM", 0.5, 0.1);
    let config = config();
    let events = market(40_000);
    let formats = OutputFormats {
        parquet: true,
        csv: true,
    };

    let whole_dir = tempfile::tempdir().unwrap();
    let engine = Engine::from_slice(instrument.clone(), &config, &events).unwrap();
    let record = run_to_end(engine, MarketMaker::default()).unwrap();
    let stats = Stats::from_record(&record, &instrument);
    let summary = Summary {
        status: RunStatus::Ok,
        error: None,
        symbol: "STREAM",
        day: "2026-01-01",
        span: None,
        strategy: "mm",
        seed: config.seed,
        deterministic: true,
        config: &config,
        stats: &stats,
    };
    let written = report::write_run(whole_dir.path(), &summary, &record, &instrument, formats)
        .expect("write");
    assert!(record.fills.len() > 100, "the market maker should trade");
    assert!(record.equity.len() > ROWS_PER_GROUP);

    let stream_dir = tempfile::tempdir().unwrap();
    let writer = Rc::new(RefCell::new(
        RecordWriter::create(stream_dir.path(), &instrument, config.initial_cash, formats).unwrap(),
    ));
    let mut engine = Engine::from_slice(instrument.clone(), &config, &events).unwrap();
    engine.set_record_sink(Box::new(Rc::clone(&writer)));
    let streamed = run_to_end(engine, MarketMaker::default()).unwrap();
    assert!(streamed.fills.is_empty() && streamed.orders.is_empty());
    assert!(streamed.equity.is_empty());
    let writer = Rc::try_unwrap(writer).ok().unwrap().into_inner();
    let streamed_stats = writer.stats(streamed.data_events);
    let paths = writer.finish().unwrap();

    assert_eq!(streamed_stats, stats);
    assert!(stats.trades.round_trips >= 2, "{:?}", stats.trades);
    // Every path but summary.json, in the same order.
    let names = |paths: &[std::path::PathBuf]| {
        paths
            .iter()
            .map(|p| p.file_name().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(names(&paths), names(&written[1..]));
    for name in ["fills", "equity", "orders", "trades"] {
        let csv = format!("{name}.csv");
        assert_eq!(
            std::fs::read(whole_dir.path().join(&csv)).unwrap(),
            std::fs::read(stream_dir.path().join(&csv)).unwrap(),
            "{csv}"
        );
        let pq = format!("{name}.parquet");
        let (_, whole_rows) = parquet_rows(&whole_dir.path().join(&pq));
        let (groups, rows) = parquet_rows(&stream_dir.path().join(&pq));
        assert_eq!(rows, whole_rows, "{pq}");
        assert_eq!(groups, rows.len().div_ceil(ROWS_PER_GROUP).max(1), "{pq}");
    }
}
