//! A finished run's round trips, read from its equity table: a trip opens
//! when the position leaves zero and closes when it returns to zero or
//! changes sign. Its PnL is the change of realized PnL less fees and
//! funding from just before its opening fill to just after its closing one,
//! so the opening fill's fee counts and the fee of a fill that flips the
//! position goes to the trip it closes. A trip still open at the end is
//! not counted.

use std::fs::File;
use std::path::Path;

use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::Field;

/// One closed round trip.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RoundTrip {
    /// Exchange time of its opening fill, ns.
    pub open_ts_ns: i64,
    /// Exchange time of its closing fill, ns.
    pub close_ts_ns: i64,
    /// Its PnL after fees and funding, currency units.
    pub pnl: f64,
    /// Lots traded in it, entries and exits.
    pub traded_lots: i64,
}

/// The columns of an equity sample a round trip needs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EquityPoint {
    /// Exchange time, ns.
    pub ts_ns: i64,
    /// Signed position after it, lots.
    pub position_lots: i64,
    /// Realized PnL less fees and funding paid, currency units.
    pub net_pnl: f64,
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
    let [ts, position, realized, fees, funding, equity] = [
        "ts",
        "position_lots",
        "realized_pnl",
        "fees",
        "funding_paid",
        "equity",
    ]
    .map(index);
    let (ts, position, realized, fees, funding, equity) =
        (ts?, position?, realized?, fees?, funding?, equity?);
    let rows = reader
        .get_row_iter(None)
        .map_err(|err| fail(err.to_string()))?;
    let mut points = Vec::new();
    for (row_index, row) in rows.enumerate() {
        let row = row.map_err(|err| fail(format!("row {row_index}: {err}")))?;
        let fields: Vec<&Field> = row.get_column_iter().map(|(_, field)| field).collect();
        let int = |i: usize| match fields.get(i) {
            Some(Field::Long(x)) => Ok(*x),
            Some(Field::TimestampMicros(x)) => Ok(x * 1000),
            Some(Field::TimestampMillis(x)) => Ok(x * 1_000_000),
            _ => Err(fail(format!(
                "row {row_index}, column `{}`: not a whole number",
                names[i]
            ))),
        };
        let float = |i: usize| match fields.get(i) {
            Some(Field::Double(x)) => Ok(*x),
            Some(Field::Null) => Ok(0.0),
            _ => Err(fail(format!(
                "row {row_index}, column `{}`: not a number",
                names[i]
            ))),
        };
        points.push(EquityPoint {
            ts_ns: int(ts)?,
            position_lots: int(position)?,
            net_pnl: float(realized)? - float(fees)? - float(funding)?,
            equity: float(equity)?,
        });
    }
    Ok(points)
}

/// The closed round trips of a run's equity samples, in order.
pub fn round_trips(points: &[EquityPoint]) -> Vec<RoundTrip> {
    let mut trips = Vec::new();
    let (mut prev_position, mut prev_net) = (0i64, 0.0f64);
    // Net PnL before the trip, its opening time and the lots traded so far.
    let mut open: Option<(f64, i64, i64)> = None;
    for point in points {
        let position = point.position_lots;
        if position != prev_position {
            let flips =
                prev_position != 0 && position != 0 && (position > 0) != (prev_position > 0);
            if prev_position == 0 {
                open = Some((prev_net, point.ts_ns, position.abs()));
            } else if position == 0 || flips {
                if let Some((start_net, open_ts_ns, lots)) = open.take() {
                    trips.push(RoundTrip {
                        open_ts_ns,
                        close_ts_ns: point.ts_ns,
                        pnl: point.net_pnl - start_net,
                        traded_lots: lots + prev_position.abs(),
                    });
                }
                if flips {
                    open = Some((point.net_pnl, point.ts_ns, position.abs()));
                }
            } else if let Some((_, _, lots)) = open.as_mut() {
                *lots += (position - prev_position).abs();
            }
        }
        prev_position = position;
        prev_net = point.net_pnl;
    }
    trips
}

/// Statistics of the round trips: how many, gross profit over gross loss
/// (`None` without a losing trip), and the share that made money (`None`
/// without trips).
pub fn trip_stats(trips: &[RoundTrip]) -> (f64, Option<f64>, Option<f64>) {
    let profit: f64 = trips.iter().map(|t| t.pnl.max(0.0)).sum();
    let loss: f64 = trips.iter().map(|t| (-t.pnl).max(0.0)).sum();
    let wins = trips.iter().filter(|t| t.pnl > 0.0).count();
    let count = trips.len() as f64;
    let factor = (loss > 0.0).then(|| profit / loss);
    let win_rate = (!trips.is_empty()).then(|| wins as f64 / count);
    (count, factor, win_rate)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(ts_ns: i64, position_lots: i64, net_pnl: f64) -> EquityPoint {
        EquityPoint {
            ts_ns,
            position_lots,
            net_pnl,
            equity: 0.0,
        }
    }

    #[test]
    fn trips_open_at_zero_and_close_at_zero_or_a_flip() {
        let points = [
            point(0, 0, 0.0),
            point(1, 2, -0.1), // open long 2 (fee 0.1)
            point(2, 3, -0.2), // add 1
            point(3, 0, 4.8),  // close: trip pnl 4.8 - 0 = 4.8, 6 lots
            point(4, -1, 4.7), // open short 1
            point(5, 1, 2.7),  // flip: trip pnl 2.7 - 4.8 = -2.1, 2 lots; open long 1 at 2.7
            point(6, 0, 3.2),  // close: 0.5, 2 lots
            point(7, 1, 3.1),  // open, never closed
        ];
        let trips = round_trips(&points);
        let got: Vec<(i64, i64, f64, i64)> = trips
            .iter()
            .map(|t| {
                (
                    t.open_ts_ns,
                    t.close_ts_ns,
                    (t.pnl * 1e9).round() / 1e9,
                    t.traded_lots,
                )
            })
            .collect();
        assert_eq!(got, [(1, 3, 4.8, 6), (4, 5, -2.1, 2), (5, 6, 0.5, 2)]);
        let (count, factor, win_rate) = trip_stats(&trips);
        assert_eq!(count, 3.0);
        assert!((factor.unwrap() - 5.3 / 2.1).abs() < 1e-12);
        assert_eq!(win_rate, Some(2.0 / 3.0));
        assert_eq!(trip_stats(&[]), (0.0, None, None));
    }
}
