//! Canonical Parquet I/O: round trips through the writer and both readers,
//! files from other tools (pandas-style types, no flags column), and one
//! test per kind of bad input, each checking the error's file, row and
//! column.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use parquet::basic::Encoding;
use parquet::data_type::{
    ByteArray, ByteArrayType, DataType, DoubleType, FloatType, Int32Type, Int64Type,
};
use parquet::file::properties::{WriterProperties, WriterVersion};
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::file::writer::{SerializedColumnWriter, SerializedFileWriter};
use parquet::schema::parser::parse_message_type;
use parquet::schema::types::ColumnPath;
use tempfile::TempDir;
use ticklab::market::parquet::{
    file_info, read_events, write_events, DataError, EventReader, Loader, ReadOptions, WriteOptions,
};
use ticklab::market::{flags, EventKind, Instrument, MarketEvent, MarketState, Side};

fn instrument() -> Instrument {
    Instrument::new("TEST", 0.1, 0.001)
}

// ---------------------------------------------------------------------------
// A raw writer for files of any schema, including wrong ones.

enum Values {
    I64(Vec<Option<i64>>),
    I32(Vec<Option<i32>>),
    F64(Vec<Option<f64>>),
    F32(Vec<Option<f32>>),
    Str(Vec<Option<&'static str>>),
}

impl Values {
    fn len(&self) -> usize {
        match self {
            Values::I64(v) => v.len(),
            Values::I32(v) => v.len(),
            Values::F64(v) => v.len(),
            Values::F32(v) => v.len(),
            Values::Str(v) => v.len(),
        }
    }
}

struct Column {
    decl: String,
    values: Values,
}

impl Column {
    fn name(&self) -> &str {
        self.decl
            .split_whitespace()
            .nth(2)
            .expect("a column declaration names its column")
    }
}

fn col(decl: &str, values: Values) -> Column {
    Column {
        decl: decl.to_owned(),
        values,
    }
}

fn some<T: Copy>(values: &[T]) -> Vec<Option<T>> {
    values.iter().copied().map(Some).collect()
}

fn put<T: DataType>(
    writer: &mut SerializedColumnWriter<'_>,
    values: &[Option<T::T>],
    optional: bool,
) where
    T::T: Clone,
{
    let present: Vec<T::T> = values.iter().flatten().cloned().collect();
    let levels: Vec<i16> = values.iter().map(|v| i16::from(v.is_some())).collect();
    let levels = optional.then_some(&levels[..]);
    writer
        .typed::<T>()
        .write_batch(&present, levels, None)
        .expect("raw column writes");
}

fn write_raw(path: &Path, columns: &[Column], rows_per_group: usize) {
    write_raw_with(
        path,
        columns,
        rows_per_group,
        WriterProperties::builder().build(),
    );
}

fn write_raw_with(path: &Path, columns: &[Column], rows_per_group: usize, props: WriterProperties) {
    let decls: String = columns.iter().map(|c| format!("{}; ", c.decl)).collect();
    let schema = Arc::new(
        parse_message_type(&format!("message m {{ {decls} }}")).expect("raw Parquet file writes"),
    );
    let props = Arc::new(props);
    let mut writer = SerializedFileWriter::new(
        File::create(path).expect("raw Parquet file writes"),
        schema,
        props,
    )
    .expect("raw Parquet file writes");
    let rows = columns[0].values.len();
    let mut start = 0;
    while start < rows {
        let end = (start + rows_per_group).min(rows);
        let mut row_group = writer.next_row_group().expect("raw Parquet file writes");
        for column in columns {
            let optional = column.decl.starts_with("OPTIONAL");
            let mut w = row_group
                .next_column()
                .expect("raw Parquet file writes")
                .expect("raw Parquet file writes");
            match &column.values {
                Values::I64(v) => put::<Int64Type>(&mut w, &v[start..end], optional),
                Values::I32(v) => put::<Int32Type>(&mut w, &v[start..end], optional),
                Values::F64(v) => put::<DoubleType>(&mut w, &v[start..end], optional),
                Values::F32(v) => put::<FloatType>(&mut w, &v[start..end], optional),
                Values::Str(v) => {
                    let v: Vec<Option<ByteArray>> = v[start..end]
                        .iter()
                        .map(|s| s.map(ByteArray::from))
                        .collect();
                    put::<ByteArrayType>(&mut w, &v, optional);
                }
            }
            w.close().expect("raw Parquet file writes");
        }
        row_group.close().expect("raw Parquet file writes");
        start = end;
    }
    writer.close().expect("raw Parquet file writes");
}

/// Six valid rows in natural units: two batches of two, a lone trade, a
/// lone depth update.
fn good_columns() -> Vec<Column> {
    vec![
        col(
            "REQUIRED INT64 exch_ts",
            Values::I64(some(&[1000, 1000, 2000, 3000, 3000, 4000])),
        ),
        col(
            "REQUIRED INT64 local_ts",
            Values::I64(some(&[1500, 1500, 2500, 3500, 3500, 4500])),
        ),
        col(
            "REQUIRED BYTE_ARRAY kind (UTF8)",
            Values::Str(some(&[
                "depth", "depth", "trade", "snapshot", "snapshot", "depth",
            ])),
        ),
        col(
            "REQUIRED BYTE_ARRAY side (UTF8)",
            Values::Str(some(&["bid", "ask", "buy", "bid", "ask", "bid"])),
        ),
        col(
            "REQUIRED DOUBLE price",
            Values::F64(some(&[100.0, 100.1, 100.1, 99.9, 100.2, 100.0])),
        ),
        col(
            "REQUIRED DOUBLE qty",
            Values::F64(some(&[1.0, 2.0, 0.5, 3.0, 4.0, 0.0])),
        ),
    ]
}

fn replaced(mut columns: Vec<Column>, column: Column) -> Vec<Column> {
    let index = columns
        .iter()
        .position(|c| c.name() == column.name())
        .expect("the replaced column exists");
    columns[index] = column;
    columns
}

fn without(mut columns: Vec<Column>, name: &str) -> Vec<Column> {
    columns.retain(|c| c.name() != name);
    columns
}

struct Dir {
    dir: TempDir,
}

impl Dir {
    fn new() -> Self {
        Dir {
            dir: TempDir::new().expect("temporary directory"),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn raw(&self, name: &str, columns: &[Column]) -> PathBuf {
        let path = self.path(name);
        write_raw(&path, columns, 1 << 20);
        path
    }
}

fn read_err(path: &Path, options: ReadOptions) -> DataError {
    match read_events(path, &instrument(), options) {
        Err(err) => err,
        Ok((events, _)) => panic!("expected an error, read {} events", events.len()),
    }
}

/// The error names the file, the 0-based row and the column, in its data
/// and in its message.
fn assert_names(err: &DataError, path: &Path, row: Option<u64>, column: Option<&str>) {
    assert_eq!(err.file(), path, "{err}");
    assert_eq!(err.row(), row, "{err}");
    assert_eq!(err.column(), column, "{err}");
    let message = err.to_string();
    assert!(message.contains(&path.display().to_string()), "{message}");
    if let Some(row) = row {
        assert!(
            message.contains(&format!("row {row} (0-based)")),
            "{message}"
        );
    }
    if let Some(column) = column {
        assert!(message.contains(column), "{message}");
    }
}

// ---------------------------------------------------------------------------
// Round trips

/// Deterministic events covering every kind, side, flag bit and order ids
/// up to u64::MAX, with negative prices, zero quantities and feed latency.
fn varied_events(count: usize) -> Vec<MarketEvent> {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        state >> 33
    };
    let mut exch_ts = 1_709_251_200_000_000_000_i64;
    (0..count)
        .map(|i| {
            if next() % 3 != 0 {
                exch_ts += (next() % 5_000) as i64;
            }
            let kind = EventKind::ALL[i % EventKind::ALL.len()];
            // Each kind with the sides it takes (book events: no `none`).
            let sides: &[Side] = match kind {
                EventKind::Trade | EventKind::Clear => &[Side::Buy, Side::Sell, Side::None],
                _ => &[Side::Buy, Side::Sell],
            };
            let side = sides[(next() % sides.len() as u64) as usize];
            if kind == EventKind::Funding {
                // A funding row holds its rate in the price column.
                let rate = (next() % 2_001) as f64 * 1e-6 - 0.001;
                return MarketEvent {
                    exch_ts,
                    local_ts: exch_ts + (next() % 2_000_000) as i64,
                    flags: (next() % 4) as u8,
                    ..MarketEvent::funding(exch_ts, rate)
                };
            }
            if kind == EventKind::Status {
                // A status row's state is in `side`; every state in turn.
                let state = MarketState::ALL[i / EventKind::ALL.len() % MarketState::ALL.len()];
                let status = MarketEvent::status(exch_ts, state).seen_at(exch_ts + 1);
                return status.with_flags((next() % 4) as u8);
            }
            MarketEvent {
                exch_ts,
                local_ts: exch_ts + (next() % 2_000_000) as i64,
                price: next() as i64 % 2_000_000 - 500_000,
                qty: (next() % 100_000) as i64,
                order_id: match i % 4 {
                    0 => 0,
                    1 => u64::MAX - i as u64,
                    _ => next() << 20,
                },
                kind,
                side,
                flags: (next() % 4) as u8,
            }
        })
        .collect()
}

#[test]
fn round_trip_preserves_every_field_across_row_groups_and_batches() {
    let dir = Dir::new();
    let path = dir.path("2024-03-01.parquet");
    let events = varied_events(10_000);
    let options = WriteOptions {
        row_group_rows: 3_000,
        ..WriteOptions::default()
    };
    let summary = write_events(&path, &instrument(), events.iter().copied(), &options).unwrap();
    assert_eq!(summary.rows, 10_000);
    assert_eq!(summary.row_groups, 4);
    assert_eq!(
        summary.exch_ts_span_ns,
        Some((events[0].exch_ts, events[9_999].exch_ts))
    );

    let (back, read) = read_events(
        &path,
        &instrument(),
        ReadOptions::default().with_batch_rows(777),
    )
    .unwrap();
    assert_eq!(back.len(), events.len());
    for (row, (a, b)) in events.iter().zip(&back).enumerate() {
        assert_eq!(a, b, "row {row}");
    }
    assert_eq!(read.rows, 10_000);
    assert_eq!(read.row_groups, 4);
    assert!(!read.flags_inferred);
    assert_eq!(read.local_before_exch, 0);
}

#[test]
fn round_trip_through_the_loader_thread_in_small_batches() {
    let dir = Dir::new();
    let path = dir.path("day.parquet");
    let events = varied_events(5_000);
    let options = WriteOptions {
        row_group_rows: 1_200,
        ..WriteOptions::default()
    };
    write_events(&path, &instrument(), events.iter().copied(), &options).unwrap();

    let read_options = ReadOptions {
        batch_rows: 64,
        queued_batches: 2,
        ..ReadOptions::default()
    };
    let loader = Loader::spawn(&path, &instrument(), read_options).unwrap();
    let mut back = Vec::new();
    let mut batches = 0;
    while let Some(batch) = loader.recv() {
        let batch = batch.unwrap();
        assert!(!batch.is_empty() && batch.len() <= 64, "{}", batch.len());
        back.extend_from_slice(&batch);
        batches += 1;
        loader.recycle(batch);
    }
    let summary = loader.finish().unwrap();
    assert_eq!(back, events);
    // Row groups are decoded in parallel, so a batch ends at each row
    // group's end: 4 row groups of 1200 rows in 19 batches, 200 rows in 4.
    assert_eq!(
        batches,
        4 * 1_200_usize.div_ceil(64) + 200_usize.div_ceil(64)
    );
    assert_eq!(summary.rows, 5_000);
}

#[test]
fn loader_reports_a_bad_value_as_its_last_message() {
    let dir = Dir::new();
    let path = dir.raw(
        "bad.parquet",
        &replaced(
            good_columns(),
            col(
                "REQUIRED DOUBLE price",
                Values::F64(some(&[100.0, 100.1, 100.1, 99.9, 100.25, 100.0])),
            ),
        ),
    );
    let mut loader = Loader::spawn(&path, &instrument(), ReadOptions::default()).unwrap();
    let messages: Vec<_> = loader.by_ref().collect();
    assert_eq!(messages.len(), 1);
    let err = messages.into_iter().next().unwrap().unwrap_err();
    assert!(matches!(err, DataError::OffGrid { .. }), "{err}");
    assert_names(&err, &path, Some(4), Some("price"));
    assert_eq!(loader.finish().unwrap().rows, 0);
}

#[test]
fn loader_stops_when_dropped_early() {
    let dir = Dir::new();
    let path = dir.path("day.parquet");
    write_events(
        &path,
        &instrument(),
        varied_events(20_000),
        &WriteOptions::default(),
    )
    .unwrap();
    let loader = Loader::spawn(
        &path,
        &instrument(),
        ReadOptions::default().with_batch_rows(100),
    )
    .unwrap();
    let first = loader.recv().unwrap().unwrap();
    assert_eq!(first.len(), 100);
    let summary = loader.finish().unwrap();
    assert!(summary.rows < 20_000, "{summary:?}");
}

#[test]
fn single_event_iterator_matches_batches() {
    let dir = Dir::new();
    let path = dir.path("day.parquet");
    let events = varied_events(1_000);
    write_events(
        &path,
        &instrument(),
        events.clone(),
        &WriteOptions::default(),
    )
    .unwrap();
    let reader = EventReader::open(
        &path,
        &instrument(),
        ReadOptions::default().with_batch_rows(10),
    )
    .unwrap();
    assert_eq!(reader.total_rows(), 1_000);
    let back: Vec<MarketEvent> = reader.into_events().map(Result::unwrap).collect();
    assert_eq!(back, events);
}

#[test]
fn writer_is_byte_deterministic_and_records_the_instrument() {
    let dir = Dir::new();
    let events = varied_events(3_000);
    let options = WriteOptions {
        row_group_rows: 1_000,
        ..WriteOptions::default()
    };
    let a = dir.path("a.parquet");
    let b = dir.path("b.parquet");
    write_events(&a, &instrument(), events.clone(), &options).unwrap();
    write_events(&b, &instrument(), events.clone(), &options).unwrap();
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());

    let info = file_info(&a).unwrap();
    assert_eq!(info.rows, 3_000);
    assert_eq!(info.row_groups, 3);
    assert_eq!(info.symbol.as_deref(), Some("TEST"));
    assert_eq!(info.tick_size, Some(0.1));
    assert_eq!(info.lot_size, Some(0.001));
    assert_eq!(
        info.exch_ts_span_ns,
        Some((events[0].exch_ts, events[2_999].exch_ts))
    );
    assert!(info.has_flags && info.has_order_id);
    // No temporary file is left next to the output.
    let names: Vec<_> = std::fs::read_dir(dir.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[test]
fn writer_refuses_unsorted_events_and_leaves_nothing_behind() {
    let dir = Dir::new();
    let path = dir.path("day.parquet");
    let events = [
        MarketEvent::depth(2_000, Side::Buy, 1_000, 1),
        MarketEvent::depth(1_000, Side::Buy, 1_000, 2),
    ];
    let err = write_events(&path, &instrument(), events, &WriteOptions::default()).unwrap_err();
    assert!(matches!(err, DataError::TimeBackwards { .. }), "{err}");
    assert_names(&err, &path, Some(1), Some("exch_ts"));
    assert_eq!(std::fs::read_dir(dir.dir.path()).unwrap().count(), 0);
}

// ---------------------------------------------------------------------------
// Files written by other tools

#[test]
fn pandas_style_timestamps_and_optional_columns_are_accepted() {
    let dir = Dir::new();
    let columns = vec![
        // pandas writes datetime64 as TIMESTAMP, every column nullable, and
        // its index as an extra column.
        col(
            "OPTIONAL INT64 exch_ts (TIMESTAMP(MICROS,true))",
            Values::I64(some(&[1_000, 1_000, 2_000])),
        ),
        col(
            "OPTIONAL INT64 local_ts (TIMESTAMP(NANOS,true))",
            Values::I64(some(&[1_500_000, 1_500_000, 2_500_000])),
        ),
        col(
            "OPTIONAL BYTE_ARRAY kind (STRING)",
            Values::Str(some(&["add", "modify", "fill"])),
        ),
        col(
            "OPTIONAL BYTE_ARRAY side (STRING)",
            Values::Str(some(&["bid", "ask", "sell"])),
        ),
        col(
            "OPTIONAL DOUBLE price",
            Values::F64(some(&[10.0, 10.1, 10.2])),
        ),
        col("OPTIONAL DOUBLE qty", Values::F64(some(&[1.0, 2.0, 3.0]))),
        col(
            "OPTIONAL INT64 order_id (INTEGER(64,false))",
            Values::I64(vec![Some(7), None, Some(9)]),
        ),
        col(
            "OPTIONAL INT64 __index_level_0__",
            Values::I64(some(&[0, 1, 2])),
        ),
    ];
    let path = dir.raw("pandas.parquet", &columns);
    let (events, summary) = read_events(&path, &instrument(), ReadOptions::default()).unwrap();
    assert_eq!(
        events,
        vec![
            MarketEvent {
                exch_ts: 1_000_000,
                local_ts: 1_500_000,
                price: 100,
                qty: 1_000,
                order_id: 7,
                kind: EventKind::Add,
                side: Side::Buy,
                flags: 0,
            },
            MarketEvent {
                exch_ts: 1_000_000,
                local_ts: 1_500_000,
                price: 101,
                qty: 2_000,
                order_id: 0,
                kind: EventKind::Modify,
                side: Side::Sell,
                flags: flags::LAST_IN_BATCH,
            },
            MarketEvent {
                exch_ts: 2_000_000,
                local_ts: 2_500_000,
                price: 102,
                qty: 3_000,
                order_id: 9,
                kind: EventKind::Fill,
                side: Side::Sell,
                flags: flags::LAST_IN_BATCH,
            },
        ]
    );
    assert!(summary.flags_inferred);
    let info = file_info(&path).unwrap();
    assert_eq!(info.exch_ts_span_ns, Some((1_000_000, 2_000_000)));
    assert!(!info.has_flags && info.has_order_id);
}

#[test]
fn millisecond_timestamps_convert_to_ns() {
    let dir = Dir::new();
    let columns = replaced(
        replaced(
            good_columns(),
            col(
                "REQUIRED INT64 exch_ts (TIMESTAMP(MILLIS,false))",
                Values::I64(some(&[1, 1, 2, 3, 3, 4])),
            ),
        ),
        col(
            "REQUIRED INT64 local_ts (TIMESTAMP(MILLIS,false))",
            Values::I64(some(&[1, 1, 2, 3, 3, 4])),
        ),
    );
    let path = dir.raw("ms.parquet", &columns);
    let (events, _) = read_events(&path, &instrument(), ReadOptions::default()).unwrap();
    let exch: Vec<i64> = events.iter().map(|e| e.exch_ts).collect();
    assert_eq!(
        exch,
        [1_000_000, 1_000_000, 2_000_000, 3_000_000, 3_000_000, 4_000_000]
    );
}

#[test]
fn flags_are_inferred_from_exch_ts_changes_across_batches() {
    let dir = Dir::new();
    let path = dir.raw("noflags.parquet", &good_columns());
    let expected = [
        0,
        flags::LAST_IN_BATCH,
        flags::LAST_IN_BATCH,
        flags::SNAPSHOT,
        flags::SNAPSHOT | flags::LAST_IN_BATCH,
        flags::LAST_IN_BATCH,
    ];
    // Batches of 2 and 3 put batch boundaries inside and between groups.
    for batch_rows in [1, 2, 3, 4, 100] {
        let (events, summary) = read_events(
            &path,
            &instrument(),
            ReadOptions::default().with_batch_rows(batch_rows),
        )
        .unwrap();
        let got: Vec<u8> = events.iter().map(|e| e.flags).collect();
        assert_eq!(got, expected, "batch_rows {batch_rows}");
        assert!(summary.flags_inferred);
    }
    // Across row groups too.
    let split = dir.path("split.parquet");
    write_raw(&split, &good_columns(), 2);
    let (events, summary) = read_events(&split, &instrument(), ReadOptions::default()).unwrap();
    let got: Vec<u8> = events.iter().map(|e| e.flags).collect();
    assert_eq!(got, expected);
    assert_eq!(summary.row_groups, 3);
}

#[test]
fn a_flags_column_is_taken_as_written() {
    let dir = Dir::new();
    let mut columns = good_columns();
    columns.push(col(
        "OPTIONAL INT32 flags",
        Values::I32(vec![Some(0), Some(3), None, Some(2), Some(1), Some(0)]),
    ));
    let path = dir.raw("flags.parquet", &columns);
    let (events, summary) = read_events(&path, &instrument(), ReadOptions::default()).unwrap();
    let got: Vec<u8> = events.iter().map(|e| e.flags).collect();
    assert_eq!(got, [0, 3, 0, 2, 1, 0]);
    assert!(!summary.flags_inferred);
}

#[test]
fn float32_and_integer_prices_are_read_when_unambiguous() {
    let dir = Dir::new();
    let columns = replaced(
        replaced(
            good_columns(),
            col(
                "REQUIRED FLOAT price",
                Values::F32(some(&[100.0, 100.1, 100.1, 99.9, 100.2, 100.0])),
            ),
        ),
        col("REQUIRED INT64 qty", Values::I64(some(&[1, 2, 5, 3, 4, 0]))),
    );
    let path = dir.raw("f32.parquet", &columns);
    let (events, _) = read_events(&path, &instrument(), ReadOptions::default()).unwrap();
    let prices: Vec<i64> = events.iter().map(|e| e.price).collect();
    let qtys: Vec<i64> = events.iter().map(|e| e.qty).collect();
    assert_eq!(prices, [1000, 1001, 1001, 999, 1002, 1000]);
    assert_eq!(qtys, [1000, 2000, 5000, 3000, 4000, 0]);

    // A float32 near 100 000 cannot tell 0.001 steps apart.
    let fine = Instrument::new("FINE", 0.001, 0.001);
    let coarse = replaced(
        good_columns(),
        col(
            "REQUIRED FLOAT price",
            Values::F32(some(&[100.0, 100.1, 100.1, 99_999.9, 100.2, 100.0])),
        ),
    );
    let path = dir.raw("f32-coarse.parquet", &coarse);
    let err = read_events(&path, &fine, ReadOptions::default()).unwrap_err();
    assert!(matches!(err, DataError::Ambiguous { .. }), "{err}");
    assert_names(&err, &path, Some(3), Some("price"));
}

/// Writer settings that store strings every way other tools do: with a
/// dictionary or plain, data pages v1 or v2, delta-encoded, tiny pages.
fn string_encodings() -> Vec<(&'static str, WriterProperties)> {
    let builder = WriterProperties::builder;
    let delta = [ColumnPath::from("kind"), ColumnPath::from("side")]
        .into_iter()
        .fold(builder(), |b, col| {
            b.set_column_dictionary_enabled(col.clone(), false)
                .set_column_encoding(col, Encoding::DELTA_BYTE_ARRAY)
        });
    vec![
        ("dictionary", builder().build()),
        ("plain", builder().set_dictionary_enabled(false).build()),
        (
            "dictionary v2",
            builder()
                .set_writer_version(WriterVersion::PARQUET_2_0)
                .build(),
        ),
        (
            "plain v2",
            builder()
                .set_writer_version(WriterVersion::PARQUET_2_0)
                .set_dictionary_enabled(false)
                .build(),
        ),
        ("delta", delta.build()),
        (
            "tiny pages",
            builder()
                .set_data_page_row_count_limit(2)
                .set_write_batch_size(2)
                .build(),
        ),
    ]
}

#[test]
fn string_columns_read_the_same_in_every_encoding() {
    let dir = Dir::new();
    let reference = dir.raw("reference.parquet", &good_columns());
    let (expected, _) = read_events(&reference, &instrument(), ReadOptions::default()).unwrap();
    let kinds: Vec<EventKind> = expected.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [
            EventKind::Depth,
            EventKind::Depth,
            EventKind::Trade,
            EventKind::Snapshot,
            EventKind::Snapshot,
            EventKind::Depth
        ]
    );
    for (name, props) in string_encodings() {
        let path = dir.path(&format!("{name}.parquet"));
        write_raw_with(&path, &good_columns(), 4, props);
        for batch_rows in [2, 3, 100] {
            let (events, _) = read_events(
                &path,
                &instrument(),
                ReadOptions::default().with_batch_rows(batch_rows),
            )
            .unwrap();
            assert_eq!(events, expected, "{name}, batch_rows {batch_rows}");
        }
    }
}

#[test]
fn null_and_unknown_strings_are_found_in_every_encoding() {
    let dir = Dir::new();
    let with_null = replaced(
        good_columns(),
        col(
            "OPTIONAL BYTE_ARRAY kind (UTF8)",
            Values::Str(vec![
                Some("depth"),
                Some("depth"),
                Some("trade"),
                None,
                Some("snapshot"),
                Some("depth"),
            ]),
        ),
    );
    let with_unknown = replaced(
        good_columns(),
        col(
            "OPTIONAL BYTE_ARRAY side (UTF8)",
            Values::Str(vec![
                Some("bid"),
                None,
                Some("buy"),
                Some("bid"),
                Some("long"),
                Some("short"),
            ]),
        ),
    );
    for (name, props) in string_encodings() {
        let path = dir.path(&format!("null-{name}.parquet"));
        write_raw_with(&path, &with_null, 4, props.clone());
        let err = read_err(&path, ReadOptions::default().with_batch_rows(2));
        assert!(matches!(err, DataError::Null { .. }), "{name}: {err}");
        assert_names(&err, &path, Some(3), Some("kind"));

        let path = dir.path(&format!("unknown-{name}.parquet"));
        write_raw_with(&path, &with_unknown, 4, props);
        let err = read_err(&path, ReadOptions::default());
        assert!(matches!(err, DataError::Null { .. }), "{name}: {err}");
        assert_names(&err, &path, Some(1), Some("side"));
    }
    // Without the null, the first unknown name is reported.
    let with_unknown = replaced(
        good_columns(),
        col(
            "OPTIONAL BYTE_ARRAY side (UTF8)",
            Values::Str(vec![
                Some("bid"),
                Some("ask"),
                Some("buy"),
                Some("bid"),
                Some("long"),
                Some("short"),
            ]),
        ),
    );
    for (name, props) in string_encodings() {
        let path = dir.path(&format!("unknown2-{name}.parquet"));
        write_raw_with(&path, &with_unknown, 5, props);
        let err = read_err(&path, ReadOptions::default().with_batch_rows(3));
        assert!(
            matches!(&err, DataError::UnknownName { value, .. } if value == "long"),
            "{name}: {err}"
        );
        assert_names(&err, &path, Some(4), Some("side"));
    }
}

// ---------------------------------------------------------------------------
// Bad values

#[test]
fn price_off_the_tick_grid() {
    let dir = Dir::new();
    let path = dir.raw(
        "offgrid.parquet",
        &replaced(
            good_columns(),
            col(
                "REQUIRED DOUBLE price",
                Values::F64(some(&[100.0, 100.1, 100.15, 99.9, 100.2, 100.0])),
            ),
        ),
    );
    let err = read_err(&path, ReadOptions::default());
    assert!(
        matches!(err, DataError::OffGrid { value, step, .. } if value == 100.15 && step == 0.1),
        "{err}"
    );
    assert_names(&err, &path, Some(2), Some("price"));
    assert!(err.to_string().contains("tick size"), "{err}");
}

#[test]
fn quantity_off_the_lot_grid() {
    let dir = Dir::new();
    let path = dir.raw(
        "offlot.parquet",
        &replaced(
            good_columns(),
            col(
                "REQUIRED DOUBLE qty",
                Values::F64(some(&[1.0, 2.0, 0.5, 3.0, 4.0005, 0.0])),
            ),
        ),
    );
    let err = read_err(&path, ReadOptions::default());
    assert!(matches!(err, DataError::OffGrid { .. }), "{err}");
    assert_names(&err, &path, Some(4), Some("qty"));
    assert!(err.to_string().contains("lot size"), "{err}");
}

#[test]
fn nan_price_and_infinite_quantity() {
    let dir = Dir::new();
    let path = dir.raw(
        "nan.parquet",
        &replaced(
            good_columns(),
            col(
                "REQUIRED DOUBLE price",
                Values::F64(some(&[100.0, f64::NAN, 100.1, 99.9, 100.2, 100.0])),
            ),
        ),
    );
    let err = read_err(&path, ReadOptions::default());
    assert!(matches!(err, DataError::NotFinite { .. }), "{err}");
    assert_names(&err, &path, Some(1), Some("price"));

    let path = dir.raw(
        "inf.parquet",
        &replaced(
            good_columns(),
            col(
                "REQUIRED DOUBLE qty",
                Values::F64(some(&[1.0, 2.0, 0.5, 3.0, 4.0, f64::INFINITY])),
            ),
        ),
    );
    let err = read_err(&path, ReadOptions::default());
    assert!(matches!(err, DataError::NotFinite { .. }), "{err}");
    assert_names(&err, &path, Some(5), Some("qty"));
}

#[test]
fn negative_quantity() {
    let dir = Dir::new();
    let path = dir.raw(
        "negative.parquet",
        &replaced(
            good_columns(),
            col(
                "REQUIRED DOUBLE qty",
                Values::F64(some(&[1.0, 2.0, -0.5, 3.0, 4.0, 0.0])),
            ),
        ),
    );
    let err = read_err(&path, ReadOptions::default());
    assert!(
        matches!(err, DataError::NegativeQuantity { value, .. } if value == -0.5),
        "{err}"
    );
    assert_names(&err, &path, Some(2), Some("qty"));
}

#[test]
fn exchange_time_going_backwards_names_the_row_across_row_groups() {
    let dir = Dir::new();
    let path = dir.path("backwards.parquet");
    write_raw(
        &path,
        &replaced(
            good_columns(),
            col(
                "REQUIRED INT64 exch_ts",
                Values::I64(some(&[1000, 1000, 2000, 3000, 1000, 4000])),
            ),
        ),
        3,
    );
    let err = read_err(&path, ReadOptions::default().with_batch_rows(2));
    assert!(
        matches!(
            err,
            DataError::TimeBackwards {
                exch_ts_ns: 1000,
                previous_exch_ts_ns: 3000,
                ..
            }
        ),
        "{err}"
    );
    assert_names(&err, &path, Some(4), Some("exch_ts"));
}

#[test]
fn local_time_before_exchange_time_errors_or_warns() {
    let dir = Dir::new();
    let path = dir.raw(
        "early.parquet",
        &replaced(
            good_columns(),
            col(
                "REQUIRED INT64 local_ts",
                Values::I64(some(&[1500, 1500, 1999, 3500, 2999, 4500])),
            ),
        ),
    );
    let err = read_err(&path, ReadOptions::default());
    assert!(
        matches!(
            err,
            DataError::LocalBeforeExchange {
                local_ts_ns: 1999,
                exch_ts_ns: 2000,
                ..
            }
        ),
        "{err}"
    );
    assert_names(&err, &path, Some(2), Some("local_ts"));

    let (events, summary) = read_events(
        &path,
        &instrument(),
        ReadOptions::default().warn_on_local_ts(),
    )
    .unwrap();
    assert_eq!(events.len(), 6);
    assert_eq!(summary.local_before_exch, 2);
    assert_eq!(summary.first_local_before_exch_row, Some(2));
}

#[test]
fn unknown_kind_and_side_strings() {
    let dir = Dir::new();
    let path = dir.raw(
        "kind.parquet",
        &replaced(
            good_columns(),
            col(
                "REQUIRED BYTE_ARRAY kind (UTF8)",
                Values::Str(some(&[
                    "depth", "depth", "quote", "snapshot", "snapshot", "depth",
                ])),
            ),
        ),
    );
    let err = read_err(&path, ReadOptions::default());
    assert!(
        matches!(&err, DataError::UnknownName { value, .. } if value == "quote"),
        "{err}"
    );
    assert_names(&err, &path, Some(2), Some("kind"));

    let path = dir.raw(
        "side.parquet",
        &replaced(
            good_columns(),
            col(
                "REQUIRED BYTE_ARRAY side (UTF8)",
                Values::Str(some(&["bid", "ask", "buy", "bid", "long", "bid"])),
            ),
        ),
    );
    let err = read_err(&path, ReadOptions::default());
    assert!(
        matches!(&err, DataError::UnknownName { value, .. } if value == "long"),
        "{err}"
    );
    assert_names(&err, &path, Some(4), Some("side"));
}

#[test]
fn null_in_a_required_column() {
    let dir = Dir::new();
    let path = dir.raw(
        "null.parquet",
        &replaced(
            good_columns(),
            col(
                "OPTIONAL DOUBLE price",
                Values::F64(vec![
                    Some(100.0),
                    Some(100.1),
                    Some(100.1),
                    None,
                    None,
                    Some(1.0),
                ]),
            ),
        ),
    );
    let err = read_err(&path, ReadOptions::default());
    assert!(matches!(err, DataError::Null { .. }), "{err}");
    assert_names(&err, &path, Some(3), Some("price"));
}

// ---------------------------------------------------------------------------
// Bad files

#[test]
fn missing_column() {
    let dir = Dir::new();
    let path = dir.raw("noqty.parquet", &without(good_columns(), "qty"));
    let err = read_err(&path, ReadOptions::default());
    assert!(
        matches!(&err, DataError::MissingColumn { found, .. } if found.contains("price")),
        "{err}"
    );
    assert_names(&err, &path, None, Some("qty"));
    // The footer check finds it too, without reading data.
    assert!(matches!(
        file_info(&path),
        Err(DataError::MissingColumn { column: "qty", .. })
    ));
}

#[test]
fn wrong_column_types() {
    let dir = Dir::new();
    let path = dir.raw(
        "strprice.parquet",
        &replaced(
            good_columns(),
            col(
                "REQUIRED BYTE_ARRAY price (UTF8)",
                Values::Str(some(&["1", "1", "1", "1", "1", "1"])),
            ),
        ),
    );
    let err = read_err(&path, ReadOptions::default());
    assert!(
        matches!(&err, DataError::WrongColumnType { found, .. } if found.contains("BYTE_ARRAY")),
        "{err}"
    );
    assert_names(&err, &path, None, Some("price"));

    let path = dir.raw(
        "floatts.parquet",
        &replaced(
            good_columns(),
            col(
                "REQUIRED DOUBLE exch_ts",
                Values::F64(some(&[1.0, 1.0, 2.0, 3.0, 3.0, 4.0])),
            ),
        ),
    );
    let err = read_err(&path, ReadOptions::default());
    assert!(matches!(err, DataError::WrongColumnType { .. }), "{err}");
    assert_names(&err, &path, None, Some("exch_ts"));

    let path = dir.raw(
        "intkind.parquet",
        &replaced(
            good_columns(),
            col(
                "REQUIRED INT32 kind",
                Values::I32(some(&[0, 0, 1, 4, 4, 0])),
            ),
        ),
    );
    let err = read_err(&path, ReadOptions::default());
    assert!(matches!(err, DataError::WrongColumnType { .. }), "{err}");
    assert_names(&err, &path, None, Some("kind"));
}

fn good_file(dir: &Dir) -> PathBuf {
    let path = dir.path("good.parquet");
    write_events(
        &path,
        &instrument(),
        varied_events(5_000),
        &WriteOptions::default(),
    )
    .expect("good file writes");
    path
}

#[test]
fn truncated_file() {
    let dir = Dir::new();
    let good = good_file(&dir);
    let bytes = std::fs::read(&good).unwrap();
    let path = dir.path("truncated.parquet");
    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    let err = read_err(&path, ReadOptions::default());
    assert!(matches!(err, DataError::Corrupt { .. }), "{err}");
    assert_names(&err, &path, None, None);
    assert!(err.to_string().contains("truncated or corrupt"), "{err}");
}

#[test]
fn corrupt_footer() {
    let dir = Dir::new();
    let good = good_file(&dir);
    let mut bytes = std::fs::read(&good).unwrap();
    let len = bytes.len();
    let footer_len = u32::from_le_bytes(bytes[len - 8..len - 4].try_into().unwrap()) as usize;
    // Flip every byte of the first half of the footer's metadata.
    for byte in &mut bytes[len - 8 - footer_len..len - 8 - footer_len / 2] {
        *byte = !*byte;
    }
    let path = dir.path("corrupt.parquet");
    std::fs::write(&path, &bytes).unwrap();
    let err = read_err(&path, ReadOptions::default());
    assert!(matches!(err, DataError::Corrupt { .. }), "{err}");
    assert_names(&err, &path, None, None);

    // A file that is not Parquet at all.
    let path = dir.path("text.parquet");
    std::fs::write(&path, "exch_ts,local_ts\n1,2\n").unwrap();
    let err = read_err(&path, ReadOptions::default());
    assert!(matches!(err, DataError::Corrupt { .. }), "{err}");
}

#[test]
fn corrupt_column_data_names_the_column() {
    let dir = Dir::new();
    let good = good_file(&dir);
    let mut bytes = std::fs::read(&good).unwrap();
    // The `qty` column chunk of the first row group.
    let reader = SerializedFileReader::new(File::open(&good).unwrap()).unwrap();
    let chunk = reader.metadata().row_group(0).column(5);
    let (start, length) = chunk.byte_range();
    for byte in &mut bytes[start as usize + 24..(start + length) as usize] {
        *byte = !*byte;
    }
    let path = dir.path("badpage.parquet");
    std::fs::write(&path, &bytes).unwrap();
    let err = read_err(&path, ReadOptions::default());
    assert!(matches!(err, DataError::Decode { .. }), "{err}");
    assert_names(&err, &path, Some(0), Some("qty"));
}

#[test]
fn empty_files() {
    let dir = Dir::new();
    let path = dir.path("zero-bytes.parquet");
    std::fs::write(&path, b"").unwrap();
    let err = read_err(&path, ReadOptions::default());
    assert!(
        matches!(
            err,
            DataError::Empty {
                what: "0 bytes",
                ..
            }
        ),
        "{err}"
    );
    assert_names(&err, &path, None, None);

    let path = dir.path("zero-rows.parquet");
    let summary = write_events(&path, &instrument(), [], &WriteOptions::default()).unwrap();
    assert_eq!(summary.rows, 0);
    let err = read_err(&path, ReadOptions::default());
    assert!(
        matches!(err, DataError::Empty { what: "0 rows", .. }),
        "{err}"
    );
    assert!(matches!(
        file_info(&path),
        Err(DataError::Empty { what: "0 rows", .. })
    ));
    assert!(Loader::spawn(&path, &instrument(), ReadOptions::default()).is_err());
}

#[test]
fn missing_file_is_an_io_error() {
    let dir = Dir::new();
    let path = dir.path("absent.parquet");
    let err = read_err(&path, ReadOptions::default());
    assert!(matches!(err, DataError::Io { .. }), "{err}");
    assert_names(&err, &path, None, None);
}

// ---------------------------------------------------------------------------
// Side names by kind

fn with_kinds_and_sides(kinds: &[&'static str], sides: &[&'static str]) -> Vec<Column> {
    let columns = replaced(
        good_columns(),
        col("REQUIRED BYTE_ARRAY kind (UTF8)", Values::Str(some(kinds))),
    );
    replaced(
        columns,
        col("REQUIRED BYTE_ARRAY side (UTF8)", Values::Str(some(sides))),
    )
}

#[test]
fn each_kind_takes_only_its_own_side_names() {
    let dir = Dir::new();
    let kinds = ["depth", "depth", "trade", "snapshot", "snapshot", "depth"];
    let cases: [(&str, [&str; 6], u64, &str); 5] = [
        (
            "buy on a depth row",
            ["buy", "ask", "buy", "bid", "ask", "bid"],
            0,
            "row 0 (0-based), column `side`: \"buy\" is not a side of a depth event (a depth takes `bid` or `ask`)",
        ),
        (
            "none on a depth row",
            ["bid", "none", "buy", "bid", "ask", "bid"],
            1,
            "row 1 (0-based), column `side`: \"none\" is not a side of a depth event (a depth takes `bid` or `ask`)",
        ),
        (
            "bid on a trade row",
            ["bid", "ask", "bid", "bid", "ask", "bid"],
            2,
            "row 2 (0-based), column `side`: \"bid\" is not a side of a trade event (a trade takes `buy`, `sell` or `none` (the aggressor))",
        ),
        (
            "sell on a snapshot row",
            ["bid", "ask", "buy", "bid", "sell", "bid"],
            4,
            "row 4 (0-based), column `side`: \"sell\" is not a side of a snapshot event (a snapshot takes `bid` or `ask`)",
        ),
        (
            "upper case",
            ["bid", "ask", "buy", "BID", "ask", "bid"],
            3,
            "row 3 (0-based), column `side`: unknown side \"BID\"",
        ),
    ];
    for (name, sides, row, message) in cases {
        let path = dir.raw(
            &format!("{}.parquet", name.replace(' ', "_")),
            &with_kinds_and_sides(&kinds, &sides),
        );
        let err = read_err(&path, ReadOptions::default());
        assert_names(&err, &path, Some(row), Some("side"));
        assert_eq!(
            err.to_string(),
            format!("{}: {message}", path.display()),
            "{name}"
        );
    }
}

#[test]
fn clear_takes_none_or_a_book_side_and_fill_the_order_side() {
    let dir = Dir::new();
    let path = dir.raw(
        "clear_fill.parquet",
        &with_kinds_and_sides(
            &["clear", "clear", "trade", "snapshot", "fill", "fill"],
            &["none", "ask", "none", "bid", "sell", "buy"],
        ),
    );
    let (events, _) = read_events(&path, &instrument(), ReadOptions::default()).unwrap();
    let seen: Vec<_> = events.iter().map(|e| (e.kind, e.side)).collect();
    assert_eq!(
        seen,
        vec![
            (EventKind::Clear, Side::None),
            (EventKind::Clear, Side::Sell),
            (EventKind::Trade, Side::None),
            (EventKind::Snapshot, Side::Buy),
            (EventKind::Fill, Side::Sell),
            (EventKind::Fill, Side::Buy),
        ]
    );
    for (kinds, sides, row, message) in [
        (
            ["clear", "depth", "trade", "snapshot", "snapshot", "depth"],
            ["sell", "ask", "buy", "bid", "ask", "bid"],
            0,
            "\"sell\" is not a side of a clear event (a clear takes `bid`, `ask` or `none` (both sides))",
        ),
        (
            ["depth", "depth", "trade", "snapshot", "snapshot", "fill"],
            ["bid", "ask", "buy", "bid", "ask", "bid"],
            5,
            "\"bid\" is not a side of a fill event (a fill takes `buy` or `sell` (the side of the order filled))",
        ),
    ] {
        let path = dir.raw(
            &format!("bad_{row}.parquet"),
            &with_kinds_and_sides(&kinds, &sides),
        );
        let err = read_err(&path, ReadOptions::default());
        assert_names(&err, &path, Some(row), Some("side"));
        assert!(err.to_string().ends_with(message), "{err}");
    }
}

#[test]
fn the_writer_refuses_a_side_the_kind_does_not_take() {
    let dir = Dir::new();
    let path = dir.path("2024-03-01.parquet");
    let events = [
        MarketEvent::depth(1, Side::Buy, 1_000, 5),
        MarketEvent::depth(2, Side::None, 1_000, 5),
    ];
    let err = write_events(&path, &instrument(), events, &WriteOptions::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{}: row 1 (0-based), column `side`: \"none\" is not a side of a depth event (a depth takes `bid` or `ask`)",
            path.display()
        )
    );
}
