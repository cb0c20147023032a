//! A column-oriented table of run results, written as CSV or Parquet from
//! the same columns so that both files always agree.

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use parquet::basic::{
    Compression, LogicalType, Repetition, TimeUnit, Type as PhysicalType, ZstdLevel,
};
use parquet::data_type::{ByteArray, ByteArrayType, DoubleType, Int64Type};
use parquet::errors::ParquetError;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::{ColumnPath, Type};

/// Why a result file could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The file system refused.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// The Parquet encoder failed.
    #[error("{path}: writing Parquet: {source}")]
    Parquet {
        /// The file.
        path: PathBuf,
        /// The encoder's reason.
        source: ParquetError,
    },
    /// The summary could not be encoded as JSON.
    #[error("{path}: writing JSON: {source}")]
    Json {
        /// The file.
        path: PathBuf,
        /// The encoder's reason.
        source: serde_json::Error,
    },
}

/// The values of one column.
#[derive(Debug, Clone, PartialEq)]
pub enum Values {
    /// Whole numbers: ticks, lots, ids, durations in ns.
    Int(Vec<i64>),
    /// Points in time, ns since the Unix epoch: a Parquet
    /// `TIMESTAMP(NANOS, UTC)` column, integer ns in CSV.
    Timestamp(Vec<i64>),
    /// Real numbers: prices, money; NaN stands for a missing value, written
    /// as a Parquet null and an empty CSV cell.
    Float(Vec<f64>),
    /// One name out of a fixed list per row: `codes` index `names`, and
    /// [`NO_LABEL`] is a missing value. A dictionary-encoded Parquet string
    /// column (null when missing), the name (or an empty cell) in CSV.
    Label {
        /// Index into `names` of each row's name.
        codes: Vec<u8>,
        /// The names, in code order.
        names: &'static [&'static str],
    },
    /// Free text, `None` when missing.
    Text(Vec<Option<String>>),
}

/// The code of a missing [`Values::Label`].
pub const NO_LABEL: u8 = u8::MAX;

impl Values {
    fn len(&self) -> usize {
        match self {
            Values::Int(v) | Values::Timestamp(v) => v.len(),
            Values::Float(v) => v.len(),
            Values::Label { codes, .. } => codes.len(),
            Values::Text(v) => v.len(),
        }
    }

    /// The same kind of column with no rows.
    fn emptied(&self) -> Values {
        match self {
            Values::Int(_) => Values::Int(Vec::new()),
            Values::Timestamp(_) => Values::Timestamp(Vec::new()),
            Values::Float(_) => Values::Float(Vec::new()),
            Values::Label { names, .. } => Values::Label {
                codes: Vec::new(),
                names,
            },
            Values::Text(_) => Values::Text(Vec::new()),
        }
    }
}

/// Named columns of equal length.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    columns: Vec<(Cow<'static, str>, Values)>,
}

impl Table {
    /// An empty table.
    pub fn new() -> Self {
        Table::default()
    }

    /// Adds a column; every column must have the same length.
    #[must_use]
    pub fn column(mut self, name: impl Into<Cow<'static, str>>, values: Values) -> Self {
        debug_assert!(self
            .columns
            .first()
            .is_none_or(|(_, c)| c.len() == values.len()));
        self.columns.push((name.into(), values));
        self
    }

    /// Refills the table column by column, keeping the buffers of the
    /// columns it already has (a table of the same columns each time).
    pub fn refill(&mut self) -> Refill<'_> {
        Refill {
            table: self,
            next: 0,
        }
    }

    /// Sets the column `name` to `text` on every row, adding it last the
    /// first time (the `symbol` column of a run over several instruments).
    pub fn fill_text(&mut self, name: &'static str, text: &str) {
        let rows = self.rows();
        let values = std::iter::repeat_with(|| Some(text.to_owned())).take(rows);
        match self.columns.iter_mut().find(|(n, _)| *n == name) {
            Some((_, Values::Text(v))) => {
                v.clear();
                v.extend(values);
            }
            _ => self.columns.push((
                std::borrow::Cow::Borrowed(name),
                Values::Text(values.collect()),
            )),
        }
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.columns.first().map_or(0, |(_, c)| c.len())
    }

    /// The column names, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> + '_ {
        self.columns.iter().map(|(name, _)| name.as_ref())
    }

    /// Writes the table as CSV with a header row.
    pub fn write_csv(&self, path: &Path) -> Result<(), ReportError> {
        let mut writer = CsvTableWriter::create(path, self)?;
        writer.append(self)?;
        writer.close()
    }

    /// Writes the table as a zstd-compressed Parquet file.
    pub fn write_parquet(&self, path: &Path) -> Result<(), ReportError> {
        let mut writer = ParquetTableWriter::create(path, self)?;
        writer.append(self)?;
        writer.close()
    }

    fn schema(&self) -> Result<Type, ParquetError> {
        let fields = self
            .columns
            .iter()
            .map(|(name, values)| {
                let (physical, repetition, logical) = match values {
                    Values::Int(_) => (PhysicalType::INT64, Repetition::REQUIRED, None),
                    Values::Timestamp(_) => (
                        PhysicalType::INT64,
                        Repetition::REQUIRED,
                        Some(LogicalType::timestamp(true, TimeUnit::NANOS)),
                    ),
                    Values::Float(_) => (PhysicalType::DOUBLE, Repetition::OPTIONAL, None),
                    Values::Label { .. } | Values::Text(_) => (
                        PhysicalType::BYTE_ARRAY,
                        Repetition::OPTIONAL,
                        Some(LogicalType::String),
                    ),
                };
                Type::primitive_type_builder(name.as_ref(), physical)
                    .with_repetition(repetition)
                    .with_logical_type(logical)
                    .build()
                    .map(Arc::new)
            })
            .collect::<Result<Vec<_>, _>>()?;
        Type::group_type_builder("ticklab_result")
            .with_fields(fields)
            .build()
    }

    /// How each column is encoded: statistics only on the timestamps (a
    /// reader skips row groups by time), dictionaries only on names and
    /// text (numbers compress as well without, and cost less to write).
    fn writer_properties(&self) -> WriterProperties {
        let mut props = WriterProperties::builder()
            .set_compression(Compression::ZSTD(ZstdLevel::default()))
            .set_created_by("ticklab".to_owned())
            .set_statistics_enabled(EnabledStatistics::None)
            .set_dictionary_enabled(false);
        for (name, values) in &self.columns {
            let path = ColumnPath::from(name.as_ref());
            props = match values {
                Values::Timestamp(_) => {
                    props.set_column_statistics_enabled(path, EnabledStatistics::Chunk)
                }
                Values::Label { .. } | Values::Text(_) => {
                    props.set_column_dictionary_enabled(path, true)
                }
                Values::Int(_) | Values::Float(_) => props,
            };
        }
        props.build()
    }
}

/// A table being refilled, one column after the other in the table's
/// order; see [`Table::refill`].
pub struct Refill<'a> {
    table: &'a mut Table,
    next: usize,
}

impl Refill<'_> {
    /// The buffer of the next column, emptied (added on the first fill).
    fn slot(&mut self, name: &'static str, empty: impl FnOnce() -> Values) -> &mut Values {
        let index = self.next;
        self.next += 1;
        let columns = &mut self.table.columns;
        if index == columns.len() {
            columns.push((Cow::Borrowed(name), empty()));
        }
        debug_assert_eq!(columns[index].0, name);
        &mut columns[index].1
    }

    /// The next column: whole numbers.
    pub fn int(&mut self, name: &'static str, rows: impl Iterator<Item = i64>) -> &mut Self {
        if let Values::Int(v) = self.slot(name, || Values::Int(Vec::new())) {
            v.clear();
            v.extend(rows);
        }
        self
    }

    /// The next column: ns since the Unix epoch.
    pub fn timestamp(&mut self, name: &'static str, rows: impl Iterator<Item = i64>) -> &mut Self {
        if let Values::Timestamp(v) = self.slot(name, || Values::Timestamp(Vec::new())) {
            v.clear();
            v.extend(rows);
        }
        self
    }

    /// The next column: real numbers, `None` when missing.
    pub fn float(
        &mut self,
        name: &'static str,
        rows: impl Iterator<Item = Option<f64>>,
    ) -> &mut Self {
        if let Values::Float(v) = self.slot(name, || Values::Float(Vec::new())) {
            v.clear();
            v.extend(rows.map(|x| x.unwrap_or(f64::NAN)));
        }
        self
    }

    /// The next column: codes of `names` ([`NO_LABEL`] when missing).
    pub fn label(
        &mut self,
        name: &'static str,
        names: &'static [&'static str],
        rows: impl Iterator<Item = u8>,
    ) -> &mut Self {
        let empty = || Values::Label {
            codes: Vec::new(),
            names,
        };
        if let Values::Label { codes, .. } = self.slot(name, empty) {
            codes.clear();
            codes.extend(rows);
        }
        self
    }

    /// The next column: free text, `None` when missing.
    pub fn text(
        &mut self,
        name: &'static str,
        rows: impl Iterator<Item = Option<String>>,
    ) -> &mut Self {
        if let Values::Text(v) = self.slot(name, || Values::Text(Vec::new())) {
            v.clear();
            v.extend(rows);
        }
        self
    }
}

/// A CSV file written a table at a time: the header when created, then the
/// rows of each table appended (tables with the columns it was created
/// with).
pub struct CsvTableWriter {
    path: PathBuf,
    out: BufWriter<File>,
    line: String,
}

impl CsvTableWriter {
    /// Creates `path` and writes the header of `like`'s columns.
    pub fn create(path: &Path, like: &Table) -> Result<Self, ReportError> {
        let io = |source| ReportError::Io {
            path: path.to_owned(),
            source,
        };
        let mut out = BufWriter::new(File::create(path).map_err(io)?);
        let header: Vec<&str> = like.names().collect();
        writeln!(out, "{}", header.join(",")).map_err(io)?;
        Ok(CsvTableWriter {
            path: path.to_owned(),
            out,
            line: String::new(),
        })
    }

    /// Appends the rows of `table`.
    pub fn append(&mut self, table: &Table) -> Result<(), ReportError> {
        let io = |source| ReportError::Io {
            path: self.path.clone(),
            source,
        };
        let line = &mut self.line;
        for row in 0..table.rows() {
            line.clear();
            for (i, (_, values)) in table.columns.iter().enumerate() {
                if i > 0 {
                    line.push(',');
                }
                match values {
                    Values::Int(v) | Values::Timestamp(v) => line.push_str(&v[row].to_string()),
                    Values::Float(v) if v[row].is_nan() => {}
                    Values::Float(v) => line.push_str(&format_float(v[row])),
                    Values::Label { codes, names } => {
                        if let Some(name) = names.get(usize::from(codes[row])) {
                            line.push_str(name);
                        }
                    }
                    Values::Text(v) => {
                        if let Some(text) = &v[row] {
                            push_csv_text(line, text);
                        }
                    }
                }
            }
            writeln!(self.out, "{line}").map_err(io)?;
        }
        Ok(())
    }

    /// Flushes and closes the file.
    pub fn close(mut self) -> Result<(), ReportError> {
        self.out.flush().map_err(|source| ReportError::Io {
            path: self.path.clone(),
            source,
        })
    }
}

/// Buffers of one Parquet column kept between row groups.
#[derive(Default)]
struct Scratch {
    doubles: Vec<f64>,
    levels: Vec<i16>,
    bytes: Vec<ByteArray>,
}

/// A zstd-compressed Parquet file written a table at a time: each table
/// appended is one row group (tables with the columns it was created with).
pub struct ParquetTableWriter {
    path: PathBuf,
    writer: SerializedFileWriter<BufWriter<File>>,
    row_groups: usize,
    /// An empty table of the file's columns, written when nothing else was.
    empty: Table,
    /// Each column's names as Parquet values, built once (empty for
    /// columns that are not [`Values::Label`]).
    dictionaries: Vec<Vec<ByteArray>>,
    scratch: Scratch,
}

impl ParquetTableWriter {
    /// Creates `path` with the schema of `like`'s columns.
    pub fn create(path: &Path, like: &Table) -> Result<Self, ReportError> {
        let parquet_err = |source| ReportError::Parquet {
            path: path.to_owned(),
            source,
        };
        let file = File::create(path).map_err(|source| ReportError::Io {
            path: path.to_owned(),
            source,
        })?;
        let schema = Arc::new(like.schema().map_err(parquet_err)?);
        let props = Arc::new(like.writer_properties());
        let writer =
            SerializedFileWriter::new(BufWriter::new(file), schema, props).map_err(parquet_err)?;
        let empty = Table {
            columns: like
                .columns
                .iter()
                .map(|(name, values)| (name.clone(), values.emptied()))
                .collect(),
        };
        let dictionaries = like
            .columns
            .iter()
            .map(|(_, values)| match values {
                Values::Label { names, .. } => names
                    .iter()
                    .map(|name| ByteArray::from(name.as_bytes().to_vec()))
                    .collect(),
                _ => Vec::new(),
            })
            .collect();
        Ok(ParquetTableWriter {
            path: path.to_owned(),
            writer,
            row_groups: 0,
            empty,
            dictionaries,
            scratch: Scratch::default(),
        })
    }

    /// Appends `table` as one row group.
    pub fn append(&mut self, table: &Table) -> Result<(), ReportError> {
        let path = &self.path;
        let parquet_err = |source| ReportError::Parquet {
            path: path.clone(),
            source,
        };
        let scratch = &mut self.scratch;
        let mut row_group = self.writer.next_row_group().map_err(parquet_err)?;
        for ((_, values), dictionary) in table.columns.iter().zip(&self.dictionaries) {
            let Some(mut column) = row_group.next_column().map_err(parquet_err)? else {
                break;
            };
            match values {
                Values::Int(v) | Values::Timestamp(v) => {
                    column.typed::<Int64Type>().write_batch(v, None, None)
                }
                Values::Float(v) => {
                    scratch.doubles.clear();
                    scratch
                        .doubles
                        .extend(v.iter().copied().filter(|x| !x.is_nan()));
                    scratch.levels.clear();
                    scratch
                        .levels
                        .extend(v.iter().map(|x| i16::from(!x.is_nan())));
                    column.typed::<DoubleType>().write_batch(
                        &scratch.doubles,
                        Some(&scratch.levels),
                        None,
                    )
                }
                Values::Label { codes, .. } => {
                    scratch.bytes.clear();
                    scratch.levels.clear();
                    for &code in codes {
                        let name = dictionary.get(usize::from(code));
                        scratch.levels.push(i16::from(name.is_some()));
                        scratch.bytes.extend(name.cloned());
                    }
                    column.typed::<ByteArrayType>().write_batch(
                        &scratch.bytes,
                        Some(&scratch.levels),
                        None,
                    )
                }
                Values::Text(v) => {
                    scratch.bytes.clear();
                    scratch
                        .bytes
                        .extend(v.iter().flatten().map(|s| ByteArray::from(s.as_str())));
                    scratch.levels.clear();
                    scratch
                        .levels
                        .extend(v.iter().map(|s| i16::from(s.is_some())));
                    column.typed::<ByteArrayType>().write_batch(
                        &scratch.bytes,
                        Some(&scratch.levels),
                        None,
                    )
                }
            }
            .map_err(parquet_err)?;
            column.close().map_err(parquet_err)?;
        }
        // Let go of the shared name buffers before the next row group.
        scratch.bytes.clear();
        row_group.close().map_err(parquet_err)?;
        self.row_groups += 1;
        Ok(())
    }

    /// Finishes the file (a file with no rows still has one empty row
    /// group).
    pub fn close(mut self) -> Result<(), ReportError> {
        if self.row_groups == 0 {
            let empty = std::mem::take(&mut self.empty);
            self.append(&empty)?;
        }
        let path = self.path;
        self.writer
            .close()
            .map_err(|source| ReportError::Parquet { path, source })?;
        Ok(())
    }
}

/// Shortest text that reads back as the same float.
fn format_float(value: f64) -> String {
    let text = format!("{value}");
    if text.contains('e') || text.contains('.') || text.contains("inf") || text.contains("NaN") {
        text
    } else {
        format!("{text}.0")
    }
}

fn push_csv_text(line: &mut String, text: &str) {
    if text.contains([',', '"', '\n']) {
        line.push('"');
        line.push_str(&text.replace('"', "\"\""));
        line.push('"');
    } else {
        line.push_str(text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_text_and_leaves_nan_empty() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        Table::new()
            .column("ts", Values::Int(vec![1, 2]))
            .column("px", Values::Float(vec![100.5, f64::NAN]))
            .column(
                "why",
                Values::Text(vec![Some("a,b".into()), Some("ok".into())]),
            )
            .write_csv(&path)
            .unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text, "ts,px,why\n1,100.5,\"a,b\"\n2,,ok\n");
    }

    #[test]
    fn parquet_file_has_the_rows() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.parquet");
        Table::new()
            .column("ts", Values::Int(vec![1, 2, 3]))
            .column("px", Values::Float(vec![1.0, f64::NAN, 3.0]))
            .write_parquet(&path)
            .unwrap();
        use parquet::file::reader::{FileReader, SerializedFileReader};
        let reader = SerializedFileReader::new(File::open(&path).unwrap()).unwrap();
        assert_eq!(reader.metadata().file_metadata().num_rows(), 3);
        assert_eq!(
            reader
                .metadata()
                .file_metadata()
                .schema_descr()
                .num_columns(),
            2
        );
    }
}
