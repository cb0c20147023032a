//! A column-oriented table of run results, written as CSV or Parquet from
//! the same columns so that both files always agree.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use parquet::basic::{Compression, LogicalType, Repetition, Type as PhysicalType, ZstdLevel};
use parquet::data_type::{ByteArray, ByteArrayType, DoubleType, Int64Type};
use parquet::errors::ParquetError;
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::Type;

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
    /// Whole numbers: timestamps in ns, ticks, lots, ids.
    Int(Vec<i64>),
    /// Real numbers: prices, money; NaN is written as an empty CSV cell and a
    /// Parquet null.
    Float(Vec<f64>),
    /// Text: sides, kinds, reasons.
    Text(Vec<String>),
}

impl Values {
    fn len(&self) -> usize {
        match self {
            Values::Int(v) => v.len(),
            Values::Float(v) => v.len(),
            Values::Text(v) => v.len(),
        }
    }
}

/// Named columns of equal length.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    columns: Vec<(&'static str, Values)>,
}

impl Table {
    /// An empty table.
    pub fn new() -> Self {
        Table::default()
    }

    /// Adds a column; every column must have the same length.
    #[must_use]
    pub fn column(mut self, name: &'static str, values: Values) -> Self {
        debug_assert!(self
            .columns
            .first()
            .is_none_or(|(_, c)| c.len() == values.len()));
        self.columns.push((name, values));
        self
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.columns.first().map_or(0, |(_, c)| c.len())
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
                    Values::Float(_) => (PhysicalType::DOUBLE, Repetition::OPTIONAL, None),
                    Values::Text(_) => (
                        PhysicalType::BYTE_ARRAY,
                        Repetition::REQUIRED,
                        Some(LogicalType::String),
                    ),
                };
                Type::primitive_type_builder(name, physical)
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
        let header: Vec<&str> = like.columns.iter().map(|(name, _)| *name).collect();
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
                    Values::Int(v) => line.push_str(&v[row].to_string()),
                    Values::Float(v) if v[row].is_nan() => {}
                    Values::Float(v) => line.push_str(&format_float(v[row])),
                    Values::Text(v) => push_csv_text(line, &v[row]),
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

/// A zstd-compressed Parquet file written a table at a time: each table
/// appended is one row group (tables with the columns it was created with).
pub struct ParquetTableWriter {
    path: PathBuf,
    writer: SerializedFileWriter<BufWriter<File>>,
    row_groups: usize,
    /// An empty table of the file's columns, written when nothing else was.
    empty: Table,
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
        let props = Arc::new(
            WriterProperties::builder()
                .set_compression(Compression::ZSTD(ZstdLevel::default()))
                .set_created_by("ticklab".to_owned())
                .build(),
        );
        let writer =
            SerializedFileWriter::new(BufWriter::new(file), schema, props).map_err(parquet_err)?;
        let empty = Table {
            columns: like
                .columns
                .iter()
                .map(|(name, values)| {
                    let none = match values {
                        Values::Int(_) => Values::Int(Vec::new()),
                        Values::Float(_) => Values::Float(Vec::new()),
                        Values::Text(_) => Values::Text(Vec::new()),
                    };
                    (*name, none)
                })
                .collect(),
        };
        Ok(ParquetTableWriter {
            path: path.to_owned(),
            writer,
            row_groups: 0,
            empty,
        })
    }

    /// Appends `table` as one row group.
    pub fn append(&mut self, table: &Table) -> Result<(), ReportError> {
        let path = &self.path;
        let parquet_err = |source| ReportError::Parquet {
            path: path.clone(),
            source,
        };
        let mut row_group = self.writer.next_row_group().map_err(parquet_err)?;
        for (_, values) in &table.columns {
            let Some(mut column) = row_group.next_column().map_err(parquet_err)? else {
                break;
            };
            match values {
                Values::Int(v) => column.typed::<Int64Type>().write_batch(v, None, None),
                Values::Float(v) => {
                    let present: Vec<f64> = v.iter().copied().filter(|x| !x.is_nan()).collect();
                    let levels: Vec<i16> = v.iter().map(|x| i16::from(!x.is_nan())).collect();
                    column
                        .typed::<DoubleType>()
                        .write_batch(&present, Some(&levels), None)
                }
                Values::Text(v) => {
                    let bytes: Vec<ByteArray> = v
                        .iter()
                        .map(|s| ByteArray::from(s.as_bytes().to_vec()))
                        .collect();
                    column
                        .typed::<ByteArrayType>()
                        .write_batch(&bytes, None, None)
                }
            }
            .map_err(parquet_err)?;
            column.close().map_err(parquet_err)?;
        }
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
            .column("why", Values::Text(vec!["a,b".into(), "ok".into()]))
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
