//! Writing events to a canonical Parquet file: natural units, zstd,
//! delta-encoded timestamps, dictionary-encoded strings, byte-deterministic.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use parquet::basic::{Compression, Encoding, ZstdLevel};
use parquet::data_type::{ByteArray, ByteArrayType, DataType, DoubleType, Int32Type, Int64Type};
use parquet::errors::ParquetError;
use parquet::file::metadata::{KeyValue, SortingColumn};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::{SerializedFileWriter, SerializedRowGroupWriter};
use parquet::schema::types::ColumnPath;

use super::convert::{kind_takes_side, sides_taken};
use super::schema::{canonical_schema, columns, metadata_keys, SCHEMA_VERSION};
use super::DataError;
use crate::market::{EventKind, Instrument, MarketEvent};

/// How to write a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteOptions {
    /// Rows per row group (the unit a reader decodes and the loader streams
    /// through); the writer buffers one row group. Default 1 048 576.
    pub row_group_rows: usize,
    /// zstd compression level, 1 (fast) to 22 (small). Default 3.
    pub zstd_level: i32,
}

impl Default for WriteOptions {
    fn default() -> Self {
        WriteOptions {
            row_group_rows: 1 << 20,
            zstd_level: 3,
        }
    }
}

/// What was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteSummary {
    /// The file written.
    pub file: PathBuf,
    /// Events written.
    pub rows: u64,
    /// Row groups written.
    pub row_groups: usize,
    /// Size of the file, in bytes.
    pub bytes: u64,
    /// Exchange time of the first and last event, ns since the epoch.
    pub exch_ts_span_ns: Option<(i64, i64)>,
}

/// Writes events to a canonical Parquet file (see [`EventWriter`]).
pub fn write_events(
    path: impl AsRef<Path>,
    instrument: &Instrument,
    events: impl IntoIterator<Item = MarketEvent>,
    options: &WriteOptions,
) -> Result<WriteSummary, DataError> {
    let mut writer = EventWriter::create(path, instrument, options)?;
    for event in events {
        writer.write(&event)?;
    }
    writer.finish()
}

/// The names written in the `side` column: the sides (`bid` vs `buy`
/// depends on the kind) and, on status rows, the market states.
const SIDE_NAMES: [&str; 9] = [
    "bid", "ask", "buy", "sell", "none", "trading", "pre_open", "halted", "closed",
];

fn side_code(event: &MarketEvent) -> u8 {
    let name = event.side_file_name();
    SIDE_NAMES
        .iter()
        .position(|&known| known == name)
        .map_or(4, |code| code as u8)
}

/// One row group's columns, buffered until it is full.
#[derive(Default)]
struct RowGroupBuffer {
    exch_ts: Vec<i64>,
    local_ts: Vec<i64>,
    kind: Vec<u8>,
    side: Vec<u8>,
    price: Vec<f64>,
    qty: Vec<f64>,
    order_id: Vec<i64>,
    flags: Vec<i32>,
}

impl RowGroupBuffer {
    fn len(&self) -> usize {
        self.exch_ts.len()
    }

    fn clear(&mut self) {
        self.exch_ts.clear();
        self.local_ts.clear();
        self.kind.clear();
        self.side.clear();
        self.price.clear();
        self.qty.clear();
        self.order_id.clear();
        self.flags.clear();
    }
}

/// Writes events to a canonical Parquet file, a row group at a time.
///
/// Events must come sorted by `exch_ts`, with non-negative quantities.
/// The file is written under a temporary name next to `path` and renamed
/// into place by [`EventWriter::finish`], so a data folder never holds a
/// half-written day; dropping an unfinished writer removes the temporary.
/// The same events and options always give the same bytes.
pub struct EventWriter {
    file: PathBuf,
    partial: PathBuf,
    instrument: Instrument,
    row_group_rows: usize,
    writer: Option<SerializedFileWriter<BufWriter<File>>>,
    buffer: RowGroupBuffer,
    kind_names: Vec<ByteArray>,
    side_names: Vec<ByteArray>,
    strings: Vec<ByteArray>,
    rows: u64,
    row_groups: usize,
    exch_ts_span_ns: Option<(i64, i64)>,
    /// True once the file is in place under its final name.
    is_done: bool,
}

impl EventWriter {
    /// Creates (or replaces, on finish) the file at `path` for events of
    /// `instrument`.
    pub fn create(
        path: impl AsRef<Path>,
        instrument: &Instrument,
        options: &WriteOptions,
    ) -> Result<Self, DataError> {
        let file = path.as_ref().to_owned();
        let partial = partial_path(&file);
        let properties = properties(instrument, options).map_err(|err| write_err(&file, err))?;
        let schema = canonical_schema().map_err(|err| write_err(&file, err))?;
        let sink = File::create(&partial).map_err(|source| DataError::Io {
            file: partial.clone(),
            source,
        })?;
        let writer = SerializedFileWriter::new(BufWriter::new(sink), schema, Arc::new(properties))
            .map_err(|err| write_err(&file, err))?;
        let row_group_rows = options.row_group_rows.max(1);
        Ok(EventWriter {
            partial,
            instrument: instrument.clone(),
            row_group_rows,
            writer: Some(writer),
            buffer: RowGroupBuffer::default(),
            kind_names: EventKind::ALL
                .iter()
                .map(|kind| ByteArray::from(kind.as_str().as_bytes()))
                .collect(),
            side_names: SIDE_NAMES
                .iter()
                .map(|name| ByteArray::from(name.as_bytes()))
                .collect(),
            strings: Vec::new(),
            rows: 0,
            row_groups: 0,
            exch_ts_span_ns: None,
            is_done: false,
            file,
        })
    }

    /// Appends one event.
    pub fn write(&mut self, event: &MarketEvent) -> Result<(), DataError> {
        let row = self.rows;
        if let Some((_, last)) = self.exch_ts_span_ns {
            if event.exch_ts < last {
                return Err(DataError::TimeBackwards {
                    file: self.file.clone(),
                    row,
                    exch_ts_ns: event.exch_ts,
                    previous_exch_ts_ns: last,
                });
            }
        }
        if event.is_half_tick() && event.kind != EventKind::Trade {
            return Err(DataError::OutOfRange {
                file: self.file.clone(),
                row,
                column: columns::FLAGS,
                value: format!(
                    "{} (bit 4, a half-tick price, on a {} row: trades only)",
                    event.flags, event.kind
                ),
            });
        }
        if event.kind != EventKind::Status && !kind_takes_side(event.kind, event.side) {
            return Err(DataError::WrongSide {
                file: self.file.clone(),
                row,
                value: event.side.file_name(event.kind),
                kind: event.kind.as_str(),
                expected: sides_taken(event.kind),
            });
        }
        let qty = self.instrument.qty_from_lots(event.qty);
        if event.qty < 0 {
            return Err(DataError::NegativeQuantity {
                file: self.file.clone(),
                row,
                column: columns::QTY,
                value: qty,
            });
        }
        let buffer = &mut self.buffer;
        buffer.exch_ts.push(event.exch_ts);
        buffer.local_ts.push(event.local_ts);
        buffer.kind.push(event.kind as u8);
        buffer.side.push(side_code(event));
        // A funding event carries its rate in the price column, bit for bit;
        // a half-tick trade is written at its exact price (the reader takes
        // the half tick off again); a status row says its state in `side`.
        let (price, order_id) = match event.funding_rate() {
            Some(rate) => (rate, 0),
            None if event.kind == EventKind::Status => (0.0, 0),
            None => (
                self.instrument
                    .trade_price(event.price, event.is_half_tick()),
                event.order_id,
            ),
        };
        buffer.price.push(price);
        buffer.qty.push(qty);
        // The column is annotated unsigned: the bit pattern is the u64.
        buffer.order_id.push(order_id as i64);
        buffer.flags.push(i32::from(event.flags));
        let first = self
            .exch_ts_span_ns
            .map_or(event.exch_ts, |(first, _)| first);
        self.exch_ts_span_ns = Some((first, event.exch_ts));
        self.rows += 1;
        if buffer.len() >= self.row_group_rows {
            self.flush_row_group()?;
        }
        Ok(())
    }

    /// Appends a slice of events.
    pub fn write_all(&mut self, events: &[MarketEvent]) -> Result<(), DataError> {
        events.iter().try_for_each(|event| self.write(event))
    }

    /// Events written so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Writes the last row group and the footer, and moves the file into place.
    pub fn finish(mut self) -> Result<WriteSummary, DataError> {
        self.flush_row_group()?;
        if let Some(writer) = self.writer.take() {
            writer.close().map_err(|err| write_err(&self.file, err))?;
        }
        std::fs::rename(&self.partial, &self.file).map_err(|source| DataError::Io {
            file: self.file.clone(),
            source,
        })?;
        self.is_done = true;
        let bytes = std::fs::metadata(&self.file)
            .map(|meta| meta.len())
            .map_err(|source| DataError::Io {
                file: self.file.clone(),
                source,
            })?;
        Ok(WriteSummary {
            file: self.file.clone(),
            rows: self.rows,
            row_groups: self.row_groups,
            bytes,
            exch_ts_span_ns: self.exch_ts_span_ns,
        })
    }

    fn flush_row_group(&mut self) -> Result<(), DataError> {
        if self.buffer.len() == 0 {
            return Ok(());
        }
        let Some(writer) = self.writer.as_mut() else {
            return Ok(());
        };
        let buffer = &self.buffer;
        let strings = &mut self.strings;
        let result = (|| -> Result<(), ParquetError> {
            let mut row_group = writer.next_row_group()?;
            write_column::<Int64Type, _>(&mut row_group, &buffer.exch_ts)?;
            write_column::<Int64Type, _>(&mut row_group, &buffer.local_ts)?;
            write_strings(&mut row_group, &buffer.kind, &self.kind_names, strings)?;
            write_strings(&mut row_group, &buffer.side, &self.side_names, strings)?;
            write_column::<DoubleType, _>(&mut row_group, &buffer.price)?;
            write_column::<DoubleType, _>(&mut row_group, &buffer.qty)?;
            write_column::<Int64Type, _>(&mut row_group, &buffer.order_id)?;
            write_column::<Int32Type, _>(&mut row_group, &buffer.flags)?;
            row_group.close()?;
            Ok(())
        })();
        result.map_err(|err| write_err(&self.file, err))?;
        self.buffer.clear();
        self.row_groups += 1;
        Ok(())
    }
}

impl Drop for EventWriter {
    fn drop(&mut self) {
        if !self.is_done {
            // Unfinished or failed: nothing half-written stays behind.
            self.writer = None;
            let _ = std::fs::remove_file(&self.partial);
        }
    }
}

fn partial_path(file: &Path) -> PathBuf {
    let name = file
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    file.with_file_name(format!(".{name}.partial"))
}

fn write_err(file: &Path, err: ParquetError) -> DataError {
    DataError::Write {
        file: file.to_owned(),
        reason: err.to_string(),
    }
}

fn next_column<'a, W: std::io::Write + Send>(
    row_group: &'a mut SerializedRowGroupWriter<'_, W>,
) -> Result<parquet::file::writer::SerializedColumnWriter<'a>, ParquetError> {
    row_group
        .next_column()?
        .ok_or_else(|| ParquetError::General("schema has fewer columns than written".into()))
}

fn write_column<T: DataType, W: std::io::Write + Send>(
    row_group: &mut SerializedRowGroupWriter<'_, W>,
    values: &[T::T],
) -> Result<(), ParquetError> {
    let mut column = next_column(row_group)?;
    column.typed::<T>().write_batch(values, None, None)?;
    column.close()
}

/// Strings are buffered as codes into `names` and expanded a chunk at a time.
fn write_strings<W: std::io::Write + Send>(
    row_group: &mut SerializedRowGroupWriter<'_, W>,
    codes: &[u8],
    names: &[ByteArray],
    chunk: &mut Vec<ByteArray>,
) -> Result<(), ParquetError> {
    const CHUNK_ROWS: usize = 16_384;
    let mut column = next_column(row_group)?;
    for codes in codes.chunks(CHUNK_ROWS) {
        chunk.clear();
        chunk.extend(
            codes
                .iter()
                .map(|&code| names.get(usize::from(code)).cloned().unwrap_or_default()),
        );
        column
            .typed::<ByteArrayType>()
            .write_batch(chunk, None, None)?;
    }
    chunk.clear();
    column.close()
}

fn properties(
    instrument: &Instrument,
    options: &WriteOptions,
) -> Result<WriterProperties, ParquetError> {
    let level = ZstdLevel::try_new(options.zstd_level)?;
    let metadata = vec![
        KeyValue::new(metadata_keys::SYMBOL.to_owned(), instrument.symbol.clone()),
        KeyValue::new(
            metadata_keys::TICK_SIZE.to_owned(),
            instrument.tick_size.to_string(),
        ),
        KeyValue::new(
            metadata_keys::LOT_SIZE.to_owned(),
            instrument.lot_size.to_string(),
        ),
        KeyValue::new(
            metadata_keys::SCHEMA_VERSION.to_owned(),
            SCHEMA_VERSION.to_owned(),
        ),
    ];
    let mut builder = WriterProperties::builder()
        .set_compression(Compression::ZSTD(level))
        .set_key_value_metadata(Some(metadata))
        .set_sorting_columns(Some(vec![SortingColumn {
            column_idx: 0,
            descending: false,
            nulls_first: false,
        }]));
    for ts in [columns::EXCH_TS, columns::LOCAL_TS] {
        builder = builder
            .set_column_dictionary_enabled(ColumnPath::from(ts), false)
            .set_column_encoding(ColumnPath::from(ts), Encoding::DELTA_BINARY_PACKED);
    }
    for name in [columns::KIND, columns::SIDE] {
        builder = builder.set_column_dictionary_enabled(ColumnPath::from(name), true);
    }
    Ok(builder.build())
}
