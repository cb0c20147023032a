//! Data folders: instruments and days found from the layout and Parquet
//! footers, junk skipped and reported, and clear errors when nothing fits.

use std::path::Path;

use tempfile::TempDir;
use ticklab::market::catalog::{Catalog, CatalogError, Day};
use ticklab::market::parquet::{write_events, WriteOptions};
use ticklab::market::{Instrument, MarketEvent, Side};

/// A day file as the catalog lists it: day, rows, exch_ts span.
type DaySummary = (Day, u64, Option<(i64, i64)>);

fn day(text: &str) -> Day {
    text.parse().expect("a valid date")
}

/// Writes `count` depth events of `instrument` on `date`, from 01:00 UTC
/// one second apart; returns the first and last exch_ts.
fn write_day(dir: &Path, instrument: &Instrument, date: &str, count: i64) -> (i64, i64) {
    let first_ns = day(date).start_ns() + 3_600_000_000_000;
    let events = (0..count).map(|i| {
        MarketEvent::depth(first_ns + i * 1_000_000_000, Side::Buy, 1_000 + i, 5)
            .seen_at(first_ns + i * 1_000_000_000 + 250_000)
    });
    let options = WriteOptions {
        row_group_rows: 40,
        ..WriteOptions::default()
    };
    write_events(
        dir.join(format!("{date}.parquet")),
        instrument,
        events,
        &options,
    )
    .expect("day file writes");
    (first_ns, first_ns + (count - 1) * 1_000_000_000)
}

fn symbol_dir(root: &Path, instrument: &Instrument) -> std::path::PathBuf {
    let dir = root.join(&instrument.symbol);
    std::fs::create_dir(&dir).expect("symbol folder writes");
    std::fs::write(
        dir.join("instrument.toml"),
        instrument.to_toml_string("test"),
    )
    .expect("symbol folder writes");
    dir
}

#[test]
fn lists_two_symbols_with_rows_and_spans_and_reports_junk() {
    let root = TempDir::new().unwrap();
    let btc = Instrument::new("BTC-PERP", 0.1, 0.001);
    let eth = Instrument::new("ETH-PERP", 0.01, 0.01);
    let btc_dir = symbol_dir(root.path(), &btc);
    let eth_dir = symbol_dir(root.path(), &eth);
    let btc_day1 = write_day(&btc_dir, &btc, "2024-03-01", 100);
    let btc_day2 = write_day(&btc_dir, &btc, "2024-03-02", 7);
    let eth_day = write_day(&eth_dir, &eth, "2024-03-01", 55);
    // Junk: a stray file at the top, a folder without instrument.toml, a
    // badly named file, a non-Parquet day file and an empty day file.
    std::fs::write(root.path().join("notes.txt"), "notes").unwrap();
    // A README is documentation, not junk.
    std::fs::write(root.path().join("README.md"), "# data").unwrap();
    std::fs::create_dir(root.path().join("scratch")).unwrap();
    std::fs::write(btc_dir.join("notes.csv"), "a,b").unwrap();
    std::fs::write(eth_dir.join("2024-03-02.parquet"), "not parquet").unwrap();
    std::fs::write(eth_dir.join("2024-03-03.parquet"), "").unwrap();

    let catalog = Catalog::open(root.path()).unwrap();
    let symbols: Vec<&str> = catalog
        .instruments
        .iter()
        .map(|data| data.instrument.symbol.as_str())
        .collect();
    assert_eq!(symbols, ["BTC-PERP", "ETH-PERP"]);

    let btc_data = catalog.instrument("BTC-PERP").unwrap();
    assert_eq!(btc_data.instrument, btc);
    let days: Vec<DaySummary> = btc_data
        .days
        .iter()
        .map(|file| (file.day, file.rows(), file.exch_ts_span_ns()))
        .collect();
    assert_eq!(
        days,
        [
            (day("2024-03-01"), 100, Some(btc_day1)),
            (day("2024-03-02"), 7, Some(btc_day2)),
        ]
    );
    assert_eq!(btc_data.days[0].info.row_groups, 3);
    assert_eq!(btc_data.rows(), 107);

    let eth_data = catalog.instrument("ETH-PERP").unwrap();
    assert_eq!(eth_data.days.len(), 1);
    assert_eq!(eth_data.days[0].rows(), 55);
    assert_eq!(eth_data.days[0].exch_ts_span_ns(), Some(eth_day));
    assert_eq!(
        eth_data.day(day("2024-03-01")).map(|f| f.path.clone()),
        Some(eth_dir.join("2024-03-01.parquet"))
    );

    let skipped: Vec<(String, &str)> = catalog
        .skipped
        .iter()
        .map(|s| {
            let name = s.path.strip_prefix(root.path()).unwrap();
            (name.display().to_string(), s.reason.as_str())
        })
        .collect();
    assert_eq!(skipped.len(), 5, "{skipped:?}");
    let reason_of = |name: &str| {
        skipped
            .iter()
            .find(|(n, _)| n.ends_with(name))
            .map(|(_, reason)| *reason)
            .unwrap_or_else(|| panic!("{name} not reported in {skipped:?}"))
    };
    assert!(reason_of("notes.txt").contains("outside"));
    assert!(reason_of("scratch").contains("instrument.toml"));
    assert!(reason_of("notes.csv").contains("YYYY-MM-DD"));
    assert!(reason_of("2024-03-02.parquet").contains("not a readable Parquet file"));
    assert!(reason_of("2024-03-03.parquet").contains("empty"));
}

#[test]
fn a_symbol_folder_or_a_single_file_opens_too() {
    let root = TempDir::new().unwrap();
    let btc = Instrument::new("BTC-PERP", 0.1, 0.001);
    let dir = symbol_dir(root.path(), &btc);
    let span = write_day(&dir, &btc, "2024-03-01", 10);
    write_day(&dir, &btc, "2024-03-02", 10);

    let from_dir = Catalog::open(&dir).unwrap();
    assert_eq!(from_dir.instruments.len(), 1);
    assert_eq!(from_dir.instruments[0].days.len(), 2);

    let file = dir.join("2024-03-01.parquet");
    let single = Catalog::open(&file).unwrap();
    assert_eq!(single.instruments.len(), 1);
    let data = &single.instruments[0];
    assert_eq!(data.instrument, btc);
    assert_eq!(data.days.len(), 1);
    assert_eq!(data.days[0].day, day("2024-03-01"));
    assert_eq!(data.days[0].rows(), 10);
    assert_eq!(data.days[0].exch_ts_span_ns(), Some(span));

    // A single file without an instrument.toml beside it.
    let lone = root.path().join("2024-03-01.parquet");
    std::fs::copy(&file, &lone).unwrap();
    let err = Catalog::open(&lone).unwrap_err();
    assert!(matches!(err, CatalogError::Instrument(_)), "{err}");
    assert!(err.to_string().contains("instrument.toml"), "{err}");
}

#[test]
fn an_empty_folder_says_what_layout_was_expected() {
    let root = TempDir::new().unwrap();
    let err = Catalog::open(root.path()).unwrap_err();
    let message = err.to_string();
    assert!(
        matches!(err, CatalogError::NothingUsable { .. }),
        "{message}"
    );
    assert!(message.contains("<SYMBOL>/instrument.toml"), "{message}");
    assert!(message.contains("<YYYY-MM-DD>.parquet"), "{message}");
    assert!(message.contains("an empty folder"), "{message}");
}

#[test]
fn a_folder_of_junk_says_what_was_found() {
    let root = TempDir::new().unwrap();
    std::fs::write(root.path().join("data.csv"), "a,b").unwrap();
    let dir = root.path().join("BTC");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("instrument.toml"), "symbol = 'BTC'\n").unwrap();
    let err = Catalog::open(root.path()).unwrap_err();
    let message = err.to_string();
    assert!(
        matches!(err, CatalogError::NothingUsable { .. }),
        "{message}"
    );
    assert!(message.contains("data.csv"), "{message}");
    assert!(message.contains("BTC"), "{message}");
    assert!(message.contains("tick_size"), "{message}");
}

#[test]
fn a_missing_path_is_an_io_error() {
    let root = TempDir::new().unwrap();
    let err = Catalog::open(root.path().join("nope")).unwrap_err();
    assert!(matches!(err, CatalogError::Io { .. }), "{err}");
}

#[test]
fn a_day_file_running_past_midnight_is_named_with_its_first_row_outside() {
    let root = TempDir::new().unwrap();
    let inst = Instrument::new("ACME", 0.01, 1.0);
    let dir = symbol_dir(root.path(), &inst);
    // 23:59:57, :58, :59 on the day, then 00:00:00 and :01 of the next.
    let first_ns = day("2024-03-02").start_ns() - 3_000_000_000;
    let events =
        (0..5).map(|i| MarketEvent::depth(first_ns + i * 1_000_000_000, Side::Buy, 100, 5));
    let path = dir.join("2024-03-01.parquet");
    write_events(&path, &inst, events, &WriteOptions::default()).unwrap();
    write_day(&dir, &inst, "2024-03-02", 3);

    let catalog = Catalog::open(root.path()).unwrap();
    let days = &catalog.instruments[0].days;
    assert_eq!(
        days[0].outside_day_warning(),
        Some(format!(
            "warning: {}: row 3 (0-based), exch_ts {} ns is past the end of 2024-03-01 (UTC), the day the file is named for; such rows are replayed as they are",
            path.display(),
            day("2024-03-02").start_ns()
        ))
    );
    assert_eq!(days[1].outside_day_warning(), None);
}
