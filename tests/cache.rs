//! The event cache: a cached replay gives the same events and the same run
//! as Parquet; a stale, damaged, foreign or mismatched cache is refused,
//! reported and rebuilt; an unwritable folder falls back; the parallel
//! decoder gives the sequential reader's events and errors; a first
//! `ticklab run` writes the cache while its worker replays it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use parquet::data_type::{ByteArray, ByteArrayType, DoubleType, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;
use tempfile::TempDir;
use ticklab::market::cache::{
    boot_id, cache_paths, plan_replay, wait_for_seals, CacheOptions, EventCache, FollowedCache,
    GrowingCache, GrowthState, ProgressPage, ProgressView, ReplayPlan, SourceStamp,
};
use ticklab::market::parquet::{
    read_events, write_events, DataError, LoadTap, Loader, LocalTsPolicy, ReadOptions, WriteOptions,
};
use ticklab::market::{flags, EventKind, Instrument, MarketEvent, Side};
use ticklab::session::prepare::checked_loader;
use ticklab::session::{open_day, CacheSource, GrowingSource};
use ticklab::sim::EventSource;
use ticklab::sim::{Engine, RunConfig};
use ticklab::strategy::native::{MarketMaker, MarketMakerConfig};
use ticklab::strategy::run_to_end;

fn instrument() -> Instrument {
    Instrument::new("TEST", 0.5, 0.01)
}

/// A deterministic L2 day of `n` events: ten levels a side around a
/// drifting mid, trades at the touch, batches of two events sharing a time.
fn day_events(n: usize, shift_ticks: i64) -> Vec<MarketEvent> {
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut next = move |below: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % below) as i64
    };
    let mut events = Vec::with_capacity(n);
    let mut ts = 1_772_409_600_000_000_000i64;
    let mut mid = 2_000 + shift_ticks;
    for level in 1..=10 {
        events.push(MarketEvent::depth(ts, Side::Buy, mid - level, 50).seen_at(ts + 1_000));
        events.push(MarketEvent::depth(ts, Side::Sell, mid + level, 50).seen_at(ts + 1_000));
    }
    while events.len() < n {
        ts += 1 + next(2_000_000);
        let local = ts + 500_000 + next(100_000);
        match next(10) {
            0 => {
                let side = if next(2) == 0 { Side::Buy } else { Side::Sell };
                let price = if side == Side::Buy { mid + 1 } else { mid - 1 };
                events.push(MarketEvent::trade(ts, side, price, 1 + next(20)).seen_at(local));
            }
            1 => {
                // The touch moves a tick; the levels it passes are emptied,
                // so that the book never ends a batch crossed.
                let up = next(2) == 0;
                mid += if up { 1 } else { -1 };
                let (side, passed) = if up {
                    (Side::Sell, mid - 1)
                } else {
                    (Side::Buy, mid + 1)
                };
                for price in [passed, mid] {
                    events.push(
                        MarketEvent::depth(ts, side, price, 0)
                            .seen_at(local)
                            .with_flags(0),
                    );
                }
                events.push(
                    MarketEvent::depth(ts, Side::Buy, mid - 1, 1 + next(80))
                        .seen_at(local)
                        .with_flags(0),
                );
                events
                    .push(MarketEvent::depth(ts, Side::Sell, mid + 1, 1 + next(80)).seen_at(local));
            }
            _ => {
                let side = if next(2) == 0 { Side::Buy } else { Side::Sell };
                let level = 1 + next(10);
                let price = if side == Side::Buy {
                    mid - level
                } else {
                    mid + level
                };
                events.push(MarketEvent::depth(ts, side, price, next(90)).seen_at(local));
            }
        }
    }
    events.truncate(n);
    if let Some(last) = events.last_mut() {
        last.flags = flags::LAST_IN_BATCH;
    }
    events
}

/// A data folder `<tmp>/TEST/2026-03-02.parquet` of `events`, written in
/// row groups of `row_group_rows`.
struct Folder {
    dir: TempDir,
}

impl Folder {
    fn new(events: &[MarketEvent], row_group_rows: usize) -> Self {
        let dir = TempDir::new().expect("temporary directory");
        let symbol_dir = dir.path().join("TEST");
        std::fs::create_dir_all(&symbol_dir).expect("symbol folder");
        std::fs::write(
            symbol_dir.join("instrument.toml"),
            instrument().to_toml_string("test instrument"),
        )
        .expect("instrument file");
        let folder = Folder { dir };
        folder.write(events, row_group_rows);
        folder
    }

    fn file(&self) -> PathBuf {
        self.dir.path().join("TEST").join("2026-03-02.parquet")
    }

    fn write(&self, events: &[MarketEvent], row_group_rows: usize) {
        let options = WriteOptions {
            row_group_rows,
            ..WriteOptions::default()
        };
        write_events(self.file(), &instrument(), events.iter().copied(), &options)
            .expect("the day writes");
    }

    /// Caches beside the data, falling back to `<tmp>/user-cache`.
    fn options(&self) -> CacheOptions {
        CacheOptions {
            enabled: true,
            dir: None,
            fallback_dir: Some(self.dir.path().join("user-cache")),
        }
    }

    fn beside(&self) -> PathBuf {
        cache_paths(&self.file(), &self.options())[0].clone()
    }
}

/// Plans a replay and, when it reads Parquet with a tap, streams the file
/// through the loader so the cache is written; returns the notes.
fn replay_once(file: &Path, instrument: &Instrument, options: &CacheOptions) -> Vec<String> {
    let mut notes = Vec::new();
    let plan = plan_replay(file, instrument, LocalTsPolicy::Error, options, &mut notes);
    if let ReplayPlan::Parquet { tap } = plan {
        let outcome = tap.as_ref().map(|tap| tap.notes());
        let tap = tap.map(|tap| Box::new(tap) as Box<dyn LoadTap>);
        let loader = Loader::spawn_tapped(file, instrument, ReadOptions::default(), tap)
            .expect("the day opens");
        while let Some(batch) = loader.recv() {
            loader.recycle(batch.expect("the day reads"));
        }
        loader.finish().expect("the loader ends");
        notes.extend(
            outcome
                .into_iter()
                .flat_map(|rx| rx.try_iter().collect::<Vec<_>>()),
        );
    }
    notes
}

fn cached(file: &Path, options: &CacheOptions) -> EventCache {
    let mut notes = Vec::new();
    match plan_replay(
        file,
        &instrument(),
        LocalTsPolicy::Error,
        options,
        &mut notes,
    ) {
        ReplayPlan::Cached(cache) => {
            assert!(notes.is_empty(), "a valid cache says nothing: {notes:?}");
            cache
        }
        _ => panic!("expected a valid cache; notes: {notes:?}"),
    }
}

fn all_events(cache: &EventCache) -> Vec<MarketEvent> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < cache.len() {
        let window = cache.window(start, 1000).expect("the cache maps");
        out.extend_from_slice(window.events());
        start += window.events().len() as u64;
    }
    out
}

#[test]
fn the_first_replay_writes_the_cache_and_later_ones_read_the_same_events() {
    let events = day_events(20_000, 0);
    let folder = Folder::new(&events, 6_000);
    let options = folder.options();
    let notes = replay_once(&folder.file(), &instrument(), &options);
    assert_eq!(
        notes,
        vec![format!(
            "event cache: wrote {} (20000 events); later replays read it",
            folder.beside().display()
        )]
    );
    let cache = cached(&folder.file(), &options);
    assert_eq!(cache.path(), folder.beside());
    assert_eq!(cache.len(), 20_000);
    assert_eq!(all_events(&cache), events);
    let summary = cache.read_summary();
    assert_eq!((summary.rows, summary.row_groups), (20_000, 4));
    // Nothing but the cache in the cache folder: no temporary file left.
    let names: Vec<_> = std::fs::read_dir(folder.beside().parent().unwrap())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names, vec!["2026-03-02.parquet.events".to_owned()]);
}

#[test]
fn a_cached_run_equals_the_parquet_run_fill_for_fill() {
    let events = day_events(30_000, 0);
    let folder = Folder::new(&events, 7_000);
    let day = open_day(folder.dir.path(), None, None).expect("the folder opens");
    let config = RunConfig::default();
    let mm = || {
        MarketMaker::new(MarketMakerConfig {
            qty_lots: 2,
            max_position_lots: 20,
        })
    };
    let parquet = run_to_end(day.engine(&config, ReadOptions::default()).unwrap(), mm()).unwrap();
    let mut notes = Vec::new();
    let (writing, later) = day
        .engine_cached(
            &config,
            ReadOptions::default(),
            &folder.options(),
            &mut notes,
        )
        .unwrap();
    assert!(notes.is_empty(), "{notes:?}");
    let first = run_to_end(writing, mm()).unwrap();
    let wrote: Vec<String> = later.expect("the first run writes").try_iter().collect();
    assert_eq!(wrote.len(), 1, "{wrote:?}");
    let (reading, later) = day
        .engine_cached(
            &config,
            ReadOptions::default(),
            &folder.options(),
            &mut notes,
        )
        .unwrap();
    assert!(
        later.is_none() && notes.is_empty(),
        "the cache is read: {notes:?}"
    );
    let second = run_to_end(reading, mm()).unwrap();
    // The run has something to compare: quotes, fills, an equity curve.
    assert!(parquet.fills.len() >= 3, "{} fills", parquet.fills.len());
    assert!(parquet.orders.len() > parquet.fills.len());
    assert!(parquet.equity.len() > 10);
    assert_eq!(first, parquet);
    assert_eq!(second, parquet);
    // Windows of any size give the same run.
    let cache = cached(&folder.file(), &folder.options());
    let small = Engine::new(
        instrument(),
        &config,
        CacheSource::new(cache).with_window_events(333),
    )
    .unwrap();
    assert_eq!(run_to_end(small, mm()).unwrap(), parquet);
}

#[test]
fn locate_finds_the_first_event_at_or_after_a_time() {
    let events = day_events(50_000, 0);
    let folder = Folder::new(&events, 1 << 20);
    replay_once(&folder.file(), &instrument(), &folder.options());
    let cache = cached(&folder.file(), &folder.options());
    let first = events[0].exch_ts;
    let last = events[events.len() - 1].exch_ts;
    let mut targets = vec![
        i64::MIN,
        first - 1,
        first,
        first + 1,
        last,
        last + 1,
        i64::MAX,
    ];
    // Every index-block edge and a spread of times between.
    for index in (0..events.len()).step_by(4096) {
        targets.push(events[index].exch_ts);
        targets.push(events[index].exch_ts + 1);
    }
    for k in 0..97 {
        targets.push(first + (last - first) / 97 * k);
    }
    for ts in targets {
        let expected = events.partition_point(|ev| ev.exch_ts < ts) as u64;
        assert_eq!(cache.locate(ts), Ok(expected), "at {ts}");
    }
}

#[test]
fn an_edited_source_file_rebuilds_the_cache_and_no_old_event_is_read() {
    let folder = Folder::new(&day_events(10_000, 0), 1 << 20);
    let options = folder.options();
    replay_once(&folder.file(), &instrument(), &options);
    // The same number of events, every price moved: same row count, a
    // different file.
    let edited = day_events(10_000, 7);
    folder.write(&edited, 1 << 20);
    let notes = replay_once(&folder.file(), &instrument(), &options);
    assert_eq!(notes.len(), 2, "{notes:?}");
    assert!(
        notes[0].starts_with(&format!(
            "event cache {}: the data file changed (",
            folder.beside().display()
        )) && notes[0].ends_with(&format!(
            "); reading {} and building the cache again",
            folder.file().display()
        )),
        "{}",
        notes[0]
    );
    assert!(notes[1].starts_with("event cache: wrote "), "{}", notes[1]);
    assert_eq!(all_events(&cached(&folder.file(), &options)), edited);
}

/// Damages the cache with `damage`, then checks the next replay reports
/// `reason` once, reads Parquet and writes a good cache again.
fn refused_then_rebuilt(damage: impl FnOnce(&Path), reason: &str) {
    let events = day_events(9_000, 0);
    let folder = Folder::new(&events, 1 << 20);
    let options = folder.options();
    replay_once(&folder.file(), &instrument(), &options);
    damage(&folder.beside());
    let notes = replay_once(&folder.file(), &instrument(), &options);
    assert_eq!(
        notes[0],
        format!(
            "event cache {}: {reason}; reading {} and building the cache again",
            folder.beside().display(),
            folder.file().display()
        )
    );
    assert_eq!(notes.len(), 2, "{notes:?}");
    assert_eq!(all_events(&cached(&folder.file(), &options)), events);
}

#[test]
fn a_truncated_cache_is_refused_and_rebuilt() {
    // 160-byte header, 9000 records of 48 bytes, 3 index entries of 8.
    refused_then_rebuilt(
        |path| {
            let bytes = std::fs::read(path).unwrap();
            std::fs::write(path, &bytes[..bytes.len() - 100]).unwrap();
        },
        "truncated or damaged: 432084 bytes, the header promises 432184",
    );
}

#[test]
fn a_foreign_file_is_refused_and_rebuilt() {
    refused_then_rebuilt(
        |path| std::fs::write(path, vec![b'x'; 4096]).unwrap(),
        "not a ticklab event cache (wrong magic bytes)",
    );
}

#[test]
fn an_older_format_version_is_refused_and_rebuilt() {
    refused_then_rebuilt(
        |path| {
            let mut bytes = std::fs::read(path).unwrap();
            bytes[8..12].copy_from_slice(&0u32.to_le_bytes());
            std::fs::write(path, bytes).unwrap();
        },
        "format version 0, this build reads version 2",
    );
}

#[test]
fn a_damaged_header_is_refused_and_rebuilt() {
    refused_then_rebuilt(
        |path| {
            let mut bytes = std::fs::read(path).unwrap();
            bytes[60] ^= 0x10; // inside the tick size
            std::fs::write(path, bytes).unwrap();
        },
        "damaged header (checksum mismatch)",
    );
}

#[test]
fn a_cache_for_another_tick_or_lot_size_is_refused() {
    let folder = Folder::new(&day_events(5_000, 0), 1 << 20);
    let options = folder.options();
    replay_once(&folder.file(), &instrument(), &options);
    let mut notes = Vec::new();
    let finer = Instrument::new("TEST", 0.25, 0.01);
    let plan = plan_replay(
        &folder.file(),
        &finer,
        LocalTsPolicy::Error,
        &options,
        &mut notes,
    );
    assert!(matches!(plan, ReplayPlan::Parquet { tap: Some(_) }));
    assert_eq!(
        notes,
        vec![format!(
            "event cache {}: built for tick size 0.5 and lot size 0.01, the instrument has \
             0.25 and 0.01; reading {} and building the cache again",
            folder.beside().display(),
            folder.file().display()
        )]
    );
}

#[test]
fn damaged_records_are_refused_never_read() {
    let folder = Folder::new(&day_events(5_000, 0), 1 << 20);
    replay_once(&folder.file(), &instrument(), &folder.options());
    let path = folder.beside();
    let mut bytes = std::fs::read(&path).unwrap();
    // Event 1234's kind byte (offset 40 in its record) becomes 200.
    bytes[160 + 1234 * 48 + 40] = 200;
    std::fs::write(&path, bytes).unwrap();
    // The header and size still match: the records are checked as they are mapped.
    let cache = cached(&folder.file(), &folder.options());
    assert!(cache.window(0, 1000).is_ok());
    let err = cache.window(1000, 1000).unwrap_err();
    assert!(
        err.starts_with(&format!(
            "{}: events 1000..2000: damaged records",
            path.display()
        )),
        "{err}"
    );
}

#[test]
fn an_unwritable_cache_folder_falls_back_to_the_user_cache_folder() {
    let events = day_events(4_000, 0);
    let folder = Folder::new(&events, 1 << 20);
    // A file where the cache folder would be: nothing can be created there.
    std::fs::write(folder.beside().parent().unwrap(), b"in the way").unwrap();
    let options = folder.options();
    let notes = replay_once(&folder.file(), &instrument(), &options);
    let fallback = cache_paths(&folder.file(), &options)[1].clone();
    assert!(fallback.starts_with(folder.dir.path().join("user-cache")));
    assert_eq!(notes.len(), 2, "{notes:?}");
    assert!(
        notes[0].starts_with("event cache: cannot write ")
            && notes[0].ends_with(&format!("; caching in {}", fallback.display())),
        "{}",
        notes[0]
    );
    let cache = cached(&folder.file(), &options);
    assert_eq!(cache.path(), fallback);
    assert_eq!(all_events(&cache), events);

    // With no fallback either, the replay reads Parquet and says so once.
    let nowhere = CacheOptions {
        fallback_dir: None,
        ..options
    };
    let mut notes = Vec::new();
    let plan = plan_replay(
        &folder.file(),
        &instrument(),
        LocalTsPolicy::Error,
        &nowhere,
        &mut notes,
    );
    assert!(matches!(plan, ReplayPlan::Parquet { tap: None }));
    assert_eq!(notes.len(), 1);
    assert!(
        notes[0].ends_with(&format!(
            "; {} is read from Parquet",
            folder.file().display()
        )),
        "{}",
        notes[0]
    );
}

#[test]
fn no_cache_reads_parquet_and_writes_nothing() {
    let folder = Folder::new(&day_events(2_000, 0), 1 << 20);
    let mut notes = Vec::new();
    let plan = plan_replay(
        &folder.file(),
        &instrument(),
        LocalTsPolicy::Error,
        &CacheOptions::disabled(),
        &mut notes,
    );
    assert!(matches!(plan, ReplayPlan::Parquet { tap: None }) && notes.is_empty());
    assert!(!folder.beside().parent().unwrap().exists());
}

#[test]
fn the_source_stamp_sees_size_time_and_footer() {
    let folder = Folder::new(&day_events(2_000, 0), 1 << 20);
    let before = SourceStamp::of(&folder.file()).unwrap();
    assert_eq!(
        before.size_bytes,
        std::fs::metadata(folder.file()).unwrap().len()
    );
    assert_eq!(SourceStamp::of(&folder.file()).unwrap(), before);
    folder.write(&day_events(2_000, 3), 1 << 20);
    let after = SourceStamp::of(&folder.file()).unwrap();
    assert_ne!(after.footer_hash, before.footer_hash);
}

#[test]
fn ticklab_run_is_the_same_cached_and_uncached_and_says_once_it_wrote_the_cache() {
    let folder = Folder::new(&day_events(20_000, 0), 6_000);
    let run = |out: &str, extra: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_ticklab"))
            .args(["run", "--strategy", "mm", "--data"])
            .arg(folder.dir.path())
            .arg("--out")
            .arg(folder.dir.path().join(out))
            .args(extra)
            .env_remove("TICKLAB_CACHE_DIR")
            .env("XDG_CACHE_HOME", folder.dir.path().join("user-cache"))
            .output()
            .expect("ticklab runs");
        assert!(output.status.success(), "{output:?}");
        String::from_utf8(output.stderr).unwrap()
    };
    let plain = run("plain", &["--no-cache"]);
    assert!(!plain.contains("event cache"), "{plain}");
    assert!(!folder.beside().exists());
    let writing = run("writing", &[]);
    assert_eq!(
        writing.matches("event cache: wrote").count(),
        1,
        "{writing}"
    );
    let reading = run("reading", &[]);
    assert!(!reading.contains("event cache"), "{reading}");
    let mut names: Vec<_> = std::fs::read_dir(folder.dir.path().join("plain"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .collect();
    names.sort();
    assert!(names.len() >= 4, "{names:?}");
    // Everything but the measured callback times is the same bytes.
    for name in names.into_iter().filter(|name| name != "timing.json") {
        let bytes = |out: &str| std::fs::read(folder.dir.path().join(out).join(&name)).unwrap();
        assert_eq!(bytes("writing"), bytes("plain"), "{name:?}");
        assert_eq!(bytes("reading"), bytes("plain"), "{name:?}");
    }
}

// ---------------------------------------------------------------------------
// Parallel decode.

#[test]
fn parallel_decode_gives_the_sequential_events_in_order() {
    let events = day_events(25_000, 0);
    let folder = Folder::new(&events, 2_000);
    let options = ReadOptions::default().with_batch_rows(700);
    let (sequential, summary) = read_events(folder.file(), &instrument(), options).unwrap();
    assert_eq!(sequential, events);
    for threads in [2, 3, 8] {
        let loader =
            Loader::spawn_with(folder.file(), &instrument(), options, None, threads).unwrap();
        let mut got = Vec::new();
        while let Some(batch) = loader.recv() {
            got.extend(batch.unwrap());
        }
        assert_eq!(loader.finish().unwrap(), summary, "{threads} threads");
        assert_eq!(got, events, "{threads} threads");
    }
}

/// A file without a `flags` column, in row groups of `rows_per_group`.
fn write_without_flags(
    path: &Path,
    rows: &[(i64, &'static str, &'static str, f64)],
    rows_per_group: usize,
) {
    let schema = Arc::new(
        parse_message_type(
            "message m { REQUIRED INT64 exch_ts; REQUIRED INT64 local_ts; \
             REQUIRED BYTE_ARRAY kind (UTF8); REQUIRED BYTE_ARRAY side (UTF8); \
             REQUIRED DOUBLE price; REQUIRED DOUBLE qty; }",
        )
        .expect("raw Parquet file writes"),
    );
    let file = std::fs::File::create(path).expect("raw Parquet file writes");
    let mut writer =
        SerializedFileWriter::new(file, schema, Arc::new(WriterProperties::builder().build()))
            .expect("raw Parquet file writes");
    for group in rows.chunks(rows_per_group) {
        let mut row_group = writer.next_row_group().expect("raw Parquet file writes");
        let ts: Vec<i64> = group.iter().map(|row| row.0).collect();
        let kind: Vec<ByteArray> = group.iter().map(|row| ByteArray::from(row.1)).collect();
        let side: Vec<ByteArray> = group.iter().map(|row| ByteArray::from(row.2)).collect();
        let price: Vec<f64> = group.iter().map(|row| row.3).collect();
        let qty: Vec<f64> = group.iter().map(|_| 1.0).collect();
        for column in 0..6 {
            let mut w = row_group
                .next_column()
                .expect("raw Parquet file writes")
                .expect("raw Parquet file writes");
            match column {
                0 | 1 => w.typed::<Int64Type>().write_batch(&ts, None, None),
                2 => w.typed::<ByteArrayType>().write_batch(&kind, None, None),
                3 => w.typed::<ByteArrayType>().write_batch(&side, None, None),
                4 => w.typed::<DoubleType>().write_batch(&price, None, None),
                _ => w.typed::<DoubleType>().write_batch(&qty, None, None),
            }
            .expect("raw Parquet file writes");
            w.close().expect("raw Parquet file writes");
        }
        row_group.close().expect("raw Parquet file writes");
    }
    writer.close().expect("raw Parquet file writes");
}

#[test]
fn parallel_decode_infers_flags_across_row_groups_like_the_reader() {
    // Row groups of 3: times shared across the boundaries after rows 3 and
    // 6, a snapshot straddling the one after row 9, a lone event at the end.
    let rows = [
        (10, "depth", "bid", 100.0),
        (10, "depth", "ask", 100.5),
        (20, "trade", "buy", 100.5),
        (20, "depth", "ask", 100.5),
        (30, "depth", "bid", 100.0),
        (40, "depth", "bid", 99.5),
        (40, "depth", "ask", 101.0),
        (50, "trade", "sell", 100.0),
        (60, "snapshot", "bid", 100.0),
        (60, "snapshot", "ask", 100.5),
        (60, "snapshot", "ask", 101.0),
        (70, "depth", "bid", 100.0),
        (80, "trade", "buy", 100.5),
    ];
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("noflags.parquet");
    write_without_flags(&path, &rows, 3);
    for batch_rows in [2, 3, 5] {
        let options = ReadOptions::default().with_batch_rows(batch_rows);
        let (sequential, summary) = read_events(&path, &instrument(), options).unwrap();
        assert!(summary.flags_inferred);
        let expected_flags = [0, 1, 0, 1, 1, 0, 1, 1, 2, 2, 3, 1, 1];
        let got_flags: Vec<u8> = sequential.iter().map(|ev| ev.flags).collect();
        assert_eq!(
            got_flags, expected_flags,
            "the reader, batches of {batch_rows}"
        );
        assert_eq!(sequential[8].kind, EventKind::Snapshot);
        let loader = Loader::spawn_with(&path, &instrument(), options, None, 2).unwrap();
        let mut got = Vec::new();
        while let Some(batch) = loader.recv() {
            got.extend(batch.unwrap());
        }
        assert_eq!(loader.finish().unwrap(), summary);
        assert_eq!(got, sequential, "batches of {batch_rows}");
    }
}

#[test]
fn parallel_decode_reports_time_going_back_at_a_row_group_boundary() {
    let rows = [
        (10, "depth", "bid", 100.0),
        (20, "depth", "ask", 100.5),
        (30, "trade", "buy", 100.5),
        (25, "depth", "ask", 100.5),
        (40, "depth", "bid", 100.0),
    ];
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("backwards.parquet");
    write_without_flags(&path, &rows, 3);
    let sequential = read_events(&path, &instrument(), ReadOptions::default()).unwrap_err();
    let loader = Loader::spawn_with(&path, &instrument(), ReadOptions::default(), None, 2).unwrap();
    let mut last = None;
    while let Some(batch) = loader.recv() {
        last = Some(batch);
    }
    let Some(Err(parallel)) = last else {
        panic!("the loader ends with the error");
    };
    assert!(matches!(
        parallel,
        DataError::TimeBackwards {
            row: 3,
            exch_ts_ns: 25,
            previous_exch_ts_ns: 30,
            ..
        }
    ));
    assert_eq!(parallel.to_string(), sequential.to_string());
}

// ---------------------------------------------------------------------------
// A first run: the cache written by `ticklab run` while its worker replays
// it.

/// `day_events` moved `days` days later.
fn later_day(events: &[MarketEvent], days: i64) -> Vec<MarketEvent> {
    let shift_ns = days * 86_400_000_000_000;
    events
        .iter()
        .map(|ev| MarketEvent {
            exch_ts: ev.exch_ts + shift_ns,
            local_ts: ev.local_ts + shift_ns,
            ..*ev
        })
        .collect()
}

/// `ticklab run` on `data` into `<data>/<out>`, caches beside the data (or
/// in `<data>/user-cache`): whether it succeeded, and its stderr.
fn ticklab_run(data: &Path, out: &str, extra: &[&str]) -> (bool, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_ticklab"))
        .args(["run", "--strategy", "mm", "--data"])
        .arg(data)
        .arg("--out")
        .arg(data.join(out))
        .args(extra)
        .env_remove("TICKLAB_CACHE_DIR")
        .env("XDG_CACHE_HOME", data.join("user-cache"))
        .output()
        .expect("ticklab runs");
    (
        output.status.success(),
        String::from_utf8(output.stderr).expect("UTF-8 stderr"),
    )
}

/// The files of run folder `<data>/<out>` but the measured timings.
fn run_files(data: &Path, out: &str) -> Vec<(std::ffi::OsString, Vec<u8>)> {
    let mut files: Vec<_> = std::fs::read_dir(data.join(out))
        .expect("the run folder")
        .map(|entry| entry.expect("an entry").path())
        .filter(|path| path.file_name().is_some_and(|name| name != "timing.json"))
        .map(|path| {
            let bytes = std::fs::read(&path).expect("a run file");
            (path.file_name().unwrap_or_default().to_owned(), bytes)
        })
        .collect();
    files.sort();
    files
}

/// The names in a folder, sorted; none when it does not exist.
fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|entry| {
                    entry
                        .expect("an entry")
                        .file_name()
                        .to_string_lossy()
                        .into_owned()
                })
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[test]
fn a_first_run_over_two_symbols_and_two_days_writes_the_same_files_as_cached_and_uncached_runs() {
    let folder = Folder::new(&day_events(30_000, 0), 7_000);
    let data = folder.dir.path();
    let second = day_events(25_000, 40);
    write_events(
        data.join("TEST").join("2026-03-03.parquet"),
        &instrument(),
        later_day(&second, 1),
        &WriteOptions {
            row_group_rows: 9_000,
            ..WriteOptions::default()
        },
    )
    .expect("the second day writes");
    let other = Instrument::new("OTHER", 0.5, 0.01);
    let other_dir = data.join("OTHER");
    std::fs::create_dir_all(&other_dir).expect("symbol folder");
    std::fs::write(
        other_dir.join("instrument.toml"),
        other.to_toml_string("other instrument"),
    )
    .expect("instrument file");
    for (day, events) in [
        ("2026-03-02", day_events(20_000, 7)),
        ("2026-03-03", second),
    ] {
        let events = if day == "2026-03-03" {
            later_day(&events, 1)
        } else {
            events
        };
        write_events(
            other_dir.join(format!("{day}.parquet")),
            &other,
            events,
            &WriteOptions {
                row_group_rows: 6_000,
                ..WriteOptions::default()
            },
        )
        .expect("the other symbol's day writes");
    }
    let span = ["--symbol", "TEST,OTHER", "--day", "2026-03-02..2026-03-03"];
    let with = |extra: &[&'static str]| -> Vec<&'static str> {
        span.iter().chain(extra).copied().collect()
    };
    let (ok, plain) = ticklab_run(data, "plain", &with(&["--no-cache"]));
    assert!(ok, "{plain}");
    let (ok, first) = ticklab_run(data, "first", &with(&[]));
    assert!(ok, "{first}");
    assert_eq!(first.matches("event cache: wrote").count(), 4, "{first}");
    let (ok, cached) = ticklab_run(data, "cached", &with(&[]));
    assert!(ok, "{cached}");
    assert!(!cached.contains("event cache"), "{cached}");
    let plain_files = run_files(data, "plain");
    assert!(plain_files.len() >= 5, "{plain_files:?}");
    assert_eq!(run_files(data, "first"), plain_files);
    assert_eq!(run_files(data, "cached"), plain_files);
    // Four caches under their names, no temporary file left.
    for symbol in ["TEST", "OTHER"] {
        assert_eq!(
            names_in(&data.join(symbol).join(".ticklab-cache")),
            vec![
                "2026-03-02.parquet.events".to_owned(),
                "2026-03-03.parquet.events".to_owned()
            ]
        );
    }
}

/// A day whose book ends a batch crossed at row `row`: a bid far above
/// every ask.
fn crossed_day(n: usize, row: usize) -> Vec<MarketEvent> {
    let mut events = day_events(n, 0);
    let at = events[row];
    events[row] = MarketEvent::depth(at.exch_ts, Side::Buy, 100_000, 5)
        .seen_at(at.local_ts)
        .with_flags(flags::LAST_IN_BATCH);
    if let Some(before) = events.get_mut(row - 1) {
        before.flags |= flags::LAST_IN_BATCH;
    }
    events
}

#[test]
fn a_crossed_book_stops_a_first_run_exactly_as_it_stops_a_run_that_reads_parquet() {
    let folder = Folder::new(&crossed_day(20_000, 13_333), 4_000);
    let data = folder.dir.path();
    let (ok, plain) = ticklab_run(data, "plain", &["--no-cache"]);
    assert!(!ok, "the crossed book stops the run: {plain}");
    assert!(plain.contains("2026-03-02.parquet"), "{plain}");
    assert!(plain.contains("13333"), "the error names the row: {plain}");
    let (ok, first) = ticklab_run(data, "first", &[]);
    assert!(!ok, "{first}");
    // The same error, said the same way, with nothing about the cache.
    let error_line = |stderr: &str| {
        stderr
            .lines()
            .find(|line| line.contains("13333"))
            .map(|line| line.replace("/plain", "/<out>").replace("/first", "/<out>"))
    };
    assert_eq!(error_line(&first), error_line(&plain));
    assert!(!first.contains("event cache"), "{first}");
    assert_eq!(run_files(data, "first"), run_files(data, "plain"));
    // No cache and no temporary file: the next run fails the same way.
    assert!(names_in(&data.join("TEST").join(".ticklab-cache")).is_empty());
    let (ok, again) = ticklab_run(data, "again", &[]);
    assert!(!ok);
    assert_eq!(
        error_line(&again).map(|line| line.replace("/again", "/<out>")),
        error_line(&plain)
    );
}

#[test]
fn a_cache_that_cannot_be_written_is_said_once_and_the_first_run_reads_parquet() {
    let folder = Folder::new(&day_events(20_000, 0), 6_000);
    let data = folder.dir.path();
    // Neither beside the data nor in the user's cache folder: both names
    // are files.
    std::fs::write(data.join("TEST").join(".ticklab-cache"), b"not a folder").expect("a file");
    std::fs::write(data.join("user-cache"), b"not a folder").expect("a file");
    let (ok, plain) = ticklab_run(data, "plain", &["--no-cache"]);
    assert!(ok, "{plain}");
    let (ok, first) = ticklab_run(data, "first", &[]);
    assert!(ok, "{first}");
    assert_eq!(first.matches("event cache").count(), 1, "{first}");
    assert!(
        first.contains("event cache: cannot write ") && first.contains("is read from Parquet"),
        "{first}"
    );
    assert_eq!(run_files(data, "first"), run_files(data, "plain"));
}

/// Follows the cache of `folder`'s day while `loader_of` writes it on
/// another thread: the events handed over, and what the page said at the
/// end.
fn follow_while_written(folder: &Folder, check: bool) -> (Vec<MarketEvent>, (GrowthState, u64)) {
    let file = folder.file();
    let mut notes = Vec::new();
    let ReplayPlan::Parquet { tap: Some(mut tap) } = plan_replay(
        &file,
        &instrument(),
        LocalTsPolicy::Error,
        &folder.options(),
        &mut notes,
    ) else {
        panic!("a first replay writes the cache: {notes:?}");
    };
    let page = Arc::new(ProgressPage::create(1).expect("a progress page"));
    let followed = FollowedCache {
        source: file.clone(),
        temp: tap.temp().expect("a temporary file").to_owned(),
        target: tap.target().expect("a target").to_owned(),
        page: page.path().to_owned(),
        slot: 0,
    };
    tap.publish_on(Arc::clone(&page), 0);
    let writing_file = file.clone();
    let writer = std::thread::Builder::new()
        .name("cache-writer".into())
        .spawn(move || {
            let loader = if check {
                checked_loader(&instrument(), &writing_file, ReadOptions::default(), tap)
            } else {
                Loader::spawn_tapped(
                    &writing_file,
                    &instrument(),
                    ReadOptions::default(),
                    Some(Box::new(tap) as Box<dyn LoadTap>),
                )
            }
            .expect("the day opens");
            while let Some(Ok(batch)) = loader.recv() {
                // Slower than the follower: it catches up and waits.
                std::thread::sleep(std::time::Duration::from_millis(2));
                loader.recycle(batch);
            }
            let _ = loader.finish();
        })
        .expect("the writer thread starts");
    let parquet_file = file.clone();
    let mut source = GrowingSource::new(
        GrowingCache::new(followed),
        Box::new(move || Loader::spawn(&parquet_file, &instrument(), ReadOptions::default())),
    );
    let mut events = Vec::new();
    while let Some(batch) = source.next_batch().expect("the source reads") {
        events.extend_from_slice(&batch);
    }
    writer.join().expect("the writer ends");
    let view = ProgressView::open(page.path()).expect("the page");
    (events, view.read(0))
}

#[test]
fn a_growing_cache_is_replayed_as_it_is_written() {
    let events = day_events(70_000, 0);
    let folder = Folder::new(&events, 9_000);
    let (replayed, end) = follow_while_written(&folder, true);
    assert_eq!(end, (GrowthState::Complete, 70_000));
    assert_eq!(
        replayed,
        read_events(folder.file(), &instrument(), ReadOptions::default())
            .expect("the day reads")
            .0
    );
    // Renamed into place once whole.
    assert_eq!(
        all_events(&cached(&folder.file(), &folder.options())),
        replayed
    );
}

#[test]
fn an_abandoned_cache_hands_the_rest_of_the_day_to_parquet_with_no_event_lost_or_repeated() {
    let events = crossed_day(50_000, 31_000);
    let folder = Folder::new(&events, 8_000);
    // The writer's read stops at the crossed book; the follower reads the
    // rest (crossed book and all: its loader has no check) from Parquet.
    let (replayed, (state, written)) = follow_while_written(&folder, true);
    assert_eq!(state, GrowthState::Abandoned);
    assert!(written > 0 && written < 31_000, "{written}");
    assert_eq!(
        replayed,
        read_events(folder.file(), &instrument(), ReadOptions::default())
            .expect("the day reads")
            .0
    );
    assert!(!folder.beside().exists());
    assert!(names_in(folder.beside().parent().expect("a folder")).is_empty());
}

/// FNV-1a, 64 bits, as the cache's header checksum.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Rewrites the boot id (bytes 136..144) and seal word (144..152) of the
/// cache at `path`, its checksum (152..160, over bytes 0..144) to match.
fn set_boot_and_seal(path: &Path, boot_id: u64, seal: Option<u64>) {
    let mut bytes = std::fs::read(path).expect("the cache");
    bytes[136..144].copy_from_slice(&boot_id.to_le_bytes());
    if let Some(seal) = seal {
        bytes[144..152].copy_from_slice(&seal.to_le_bytes());
    }
    let checksum = fnv1a(&bytes[..144]);
    bytes[152..160].copy_from_slice(&checksum.to_le_bytes());
    std::fs::write(path, bytes).expect("the cache rewrites");
}

#[test]
fn an_unsealed_cache_of_an_earlier_boot_is_rebuilt_and_a_sealed_one_is_read() {
    let folder = Folder::new(&day_events(10_000, 0), 4_000);
    let file = folder.file();
    replay_once(&file, &instrument(), &folder.options());
    wait_for_seals();
    let cache = cached(&file, &folder.options());
    assert!(cache.is_sealed(), "the writer seals it once on disk");
    drop(cache);
    // Sealed, written in another boot: read.
    set_boot_and_seal(&folder.beside(), 12_345, None);
    assert_eq!(cached(&file, &folder.options()).len(), 10_000);
    // Unsealed, another boot: it may have lost data in a crash.
    set_boot_and_seal(&folder.beside(), 12_345, Some(0));
    let notes = replay_once(&file, &instrument(), &folder.options());
    assert_eq!(
        notes[0],
        format!(
            "event cache {}: written before the machine last started and never known to be on \
             disk; reading {} and building the cache again",
            folder.beside().display(),
            file.display()
        )
    );
    assert!(notes[1].starts_with("event cache: wrote "), "{notes:?}");
    // The rebuilt cache's seal lands before the header is unsealed again.
    wait_for_seals();
    // Unsealed, this boot: read as written.
    set_boot_and_seal(&folder.beside(), boot_id(), Some(0));
    let cache = cached(&file, &folder.options());
    assert!(!cache.is_sealed());
    assert_eq!(cache.len(), 10_000);
}

#[test]
fn a_strategy_that_fails_early_in_a_first_run_fails_as_uncached_and_the_cache_is_still_written() {
    let folder = Folder::new(&day_events(40_000, 0), 9_000);
    let data = folder.dir.path();
    let strategy = data.join("boom.py");
    std::fs::write(
        &strategy,
        "import ticklab\n\
         \n\
         class Boom(ticklab.Strategy):\n\
         \x20   def __init__(self):\n\
         \x20       self.seen = 0\n\
         \n\
         \x20   def on_market(self, ctx, ev):\n\
         \x20       self.seen += 1\n\
         \x20       if self.seen == 5000:\n\
         \x20           raise RuntimeError('boom at 5000')\n",
    )
    .expect("the strategy writes");
    let run = |out: &str, extra: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_ticklab"))
            .args(["run", "--data"])
            .arg(data)
            .arg("--strategy")
            .arg(&strategy)
            .arg("--out")
            .arg(data.join(out))
            .args(extra)
            .env_remove("TICKLAB_CACHE_DIR")
            .env("XDG_CACHE_HOME", data.join("user-cache"))
            .output()
            .expect("ticklab runs");
        assert!(!output.status.success(), "{output:?}");
        let summary: serde_json::Value = serde_json::from_slice(
            &std::fs::read(data.join(out).join("summary.json")).expect("a summary"),
        )
        .expect("JSON");
        (
            summary["error"]["event_index"].clone(),
            summary["error"]["message"].clone(),
        )
    };
    let plain = run("plain", &["--no-cache"]);
    assert_eq!(plain.0, 5000);
    assert!(
        plain.1.as_str().is_some_and(|m| m.contains("boom at 5000")),
        "{plain:?}"
    );
    assert_eq!(run("first", &[]), plain);
    // The worker stopped early; the day's cache was written all the same.
    assert_eq!(cached(&folder.file(), &folder.options()).len(), 40_000);
    assert_eq!(run("cached", &[]), plain);
}
