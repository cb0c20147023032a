//! A finished run's equity curve read from its `equity.parquet`, for the
//! stitched out-of-sample equity of a walk-forward.

use std::fs::File;
use std::path::Path;

use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::Field;

/// The columns of an equity sample a stitched curve needs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EquityPoint {
    /// Exchange time, ns.
    pub ts_ns: i64,
    /// Equity, currency units.
    pub equity: f64,
}

/// The samples of a run's `equity.parquet`.
pub fn read_equity(path: &Path) -> Result<Vec<EquityPoint>, String> {
    let fail = |what: String| format!("{}: {what}", path.display());
    let file = File::open(path).map_err(|err| fail(format!("cannot open: {err}")))?;
    let reader = SerializedFileReader::new(file).map_err(|err| fail(err.to_string()))?;
    let names: Vec<String> = reader
        .metadata()
        .file_metadata()
        .schema_descr()
        .columns()
        .iter()
        .map(|c| c.name().to_owned())
        .collect();
    let index = |name: &str| {
        names
            .iter()
            .position(|n| n == name)
            .ok_or_else(|| fail(format!("no column `{name}`")))
    };
    let (ts, equity) = (index("ts")?, index("equity")?);
    let rows = reader
        .get_row_iter(None)
        .map_err(|err| fail(err.to_string()))?;
    let mut points = Vec::new();
    for (row_index, row) in rows.enumerate() {
        let row = row.map_err(|err| fail(format!("row {row_index}: {err}")))?;
        let fields: Vec<&Field> = row.get_column_iter().map(|(_, field)| field).collect();
        let ts_ns = match fields.get(ts) {
            Some(Field::Long(x)) => *x,
            Some(Field::TimestampMicros(x)) => x * 1000,
            Some(Field::TimestampMillis(x)) => x * 1_000_000,
            _ => {
                return Err(fail(format!(
                    "row {row_index}, column `ts`: not a whole number"
                )))
            }
        };
        let equity = match fields.get(equity) {
            Some(Field::Double(x)) => *x,
            _ => {
                return Err(fail(format!(
                    "row {row_index}, column `equity`: not a number"
                )))
            }
        };
        points.push(EquityPoint { ts_ns, equity });
    }
    Ok(points)
}
