//! What a file holds, from its footer alone: rows, row groups, time span
//! (column statistics) and the instrument it says it was written for.

use std::path::{Path, PathBuf};

use parquet::file::reader::FileReader;
use parquet::file::statistics::Statistics;

use super::reader::open_parquet;
use super::schema::{metadata_keys, Layout};
use super::DataError;

/// What a canonical Parquet file holds, read from its footer only.
#[derive(Debug, Clone, PartialEq)]
pub struct FileInfo {
    /// The file.
    pub file: PathBuf,
    /// Size of the file, in bytes.
    pub bytes: u64,
    /// Number of events.
    pub rows: u64,
    /// Number of row groups.
    pub row_groups: usize,
    /// First and last exchange time, ns since the epoch, from the column
    /// statistics; `None` when the writer left them out.
    pub exch_ts_span_ns: Option<(i64, i64)>,
    /// True when the file has a `flags` column (else flags are inferred).
    pub has_flags: bool,
    /// True when the file has an `order_id` column.
    pub has_order_id: bool,
    /// The instrument symbol written in the file's metadata, if any.
    pub symbol: Option<String>,
    /// The tick size written in the file's metadata, if any.
    pub tick_size: Option<f64>,
    /// The lot size written in the file's metadata, if any.
    pub lot_size: Option<f64>,
}

/// Reads a file's footer: checks the schema and sums up the row groups.
/// Empty, truncated and corrupt files and wrong schemas are errors.
pub fn file_info(path: impl AsRef<Path>) -> Result<FileInfo, DataError> {
    let path = path.as_ref();
    let reader = open_parquet(path)?;
    let metadata = reader.metadata();
    let file_metadata = metadata.file_metadata();
    let layout = Layout::from_schema(file_metadata.schema_descr(), path)?;
    let row_groups = metadata.row_groups();
    let rows: u64 = row_groups
        .iter()
        .map(|rg| u64::try_from(rg.num_rows()).unwrap_or(0))
        .sum();
    if rows == 0 {
        return Err(DataError::Empty {
            file: path.to_owned(),
            what: "0 rows",
        });
    }
    let mut span: Option<(i64, i64)> = None;
    let mut complete = true;
    for row_group in row_groups.iter().filter(|rg| rg.num_rows() > 0) {
        let stats = row_group
            .columns()
            .get(layout.exch_ts.leaf.index)
            .and_then(|column| column.statistics());
        match stats {
            Some(Statistics::Int64(stats)) => match (stats.min_opt(), stats.max_opt()) {
                (Some(&min), Some(&max)) => {
                    span = Some(span.map_or((min, max), |(lo, hi)| (lo.min(min), hi.max(max))));
                }
                _ => complete = false,
            },
            _ => complete = false,
        }
    }
    let scale = layout.exch_ts.ns_per_unit;
    let exch_ts_span_ns = span
        .filter(|_| complete)
        .and_then(|(lo, hi)| Some((lo.checked_mul(scale)?, hi.checked_mul(scale)?)));
    let value = |key: &str| {
        file_metadata
            .key_value_metadata()?
            .iter()
            .find(|kv| kv.key == key)
            .and_then(|kv| kv.value.clone())
    };
    let bytes = std::fs::metadata(path)
        .map(|meta| meta.len())
        .map_err(|source| DataError::Io {
            file: path.to_owned(),
            source,
        })?;
    Ok(FileInfo {
        file: path.to_owned(),
        bytes,
        rows,
        row_groups: row_groups.len(),
        exch_ts_span_ns,
        has_flags: layout.flags.is_some(),
        has_order_id: layout.order_id.is_some(),
        symbol: value(metadata_keys::SYMBOL),
        tick_size: value(metadata_keys::TICK_SIZE).and_then(|v| v.parse().ok()),
        lot_size: value(metadata_keys::LOT_SIZE).and_then(|v| v.parse().ok()),
    })
}
