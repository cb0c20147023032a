//! A finished run's equity curve read from its `equity.parquet`, for the
//! stitched out-of-sample equity of a walk-forward.

use std::path::Path;

use parquet::record::Field;

use crate::report::read_back::ReadBack;

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
    read_points(path).map_err(|what| format!("{}: {what}", path.display()))
}

fn read_points(path: &Path) -> Result<Vec<EquityPoint>, String> {
    let table = ReadBack::open(path)?;
    let (ts, equity) = (table.required("ts")?, table.required("equity")?);
    let mut points = Vec::new();
    table.each_row(|fields| {
        let ts_ns = match fields.get(ts) {
            Some(Field::Long(x)) => *x,
            Some(Field::TimestampMicros(x)) => x * 1000,
            Some(Field::TimestampMillis(x)) => x * 1_000_000,
            _ => return Err((ts, "not a whole number")),
        };
        let equity = match fields.get(equity) {
            Some(Field::Double(x)) => *x,
            _ => return Err((equity, "not a number")),
        };
        points.push(EquityPoint { ts_ns, equity });
        Ok(())
    })?;
    Ok(points)
}
