//! The round-trips table a run writes (`trades.parquet`, `trades.csv`):
//! one row per closed round trip, and the few columns of it read back
//! (by Monte Carlo).

use std::path::Path;

use parquet::record::Field;

use crate::market::{Instrument, Side};
use crate::report::read_back::ReadBack;
use crate::report::table::{ReportError, Table};
use crate::sim::trades::RoundTrip;

/// The table's name: `trades.parquet`, `trades.csv`.
pub const TRADES_TABLE: &str = "trades";

/// Names of a trip's direction, in the order of [`Side`]'s codes.
const DIRECTIONS: &[&str] = &["long", "short"];

/// Fills `table` with one row per round trip of `t` (money already in the
/// account's currency).
pub fn trip_rows_into(t: &[RoundTrip], inst: &Instrument, table: &mut Table) {
    let tick = inst.tick_size;
    table
        .refill()
        .timestamp("open_ts", t.iter().map(|x| x.open_ts_ns))
        .timestamp("close_ts", t.iter().map(|x| x.close_ts_ns))
        .label(
            "direction",
            DIRECTIONS,
            t.iter().map(|x| u8::from(x.side != Side::Buy)),
        )
        .int("qty_lots", t.iter().map(|x| x.qty_lots))
        .float(
            "qty",
            t.iter().map(|x| Some(inst.qty_from_lots(x.qty_lots))),
        )
        .float("entry_price", t.iter().map(|x| Some(x.entry_ticks * tick)))
        .float("exit_price", t.iter().map(|x| Some(x.exit_ticks * tick)))
        .int("holding_ns", t.iter().map(RoundTrip::holding_ns))
        .float("gross_pnl", t.iter().map(|x| Some(x.gross_pnl)))
        .float("fees", t.iter().map(|x| Some(x.fees)))
        .float("funding", t.iter().map(|x| Some(x.funding)))
        .float("pnl", t.iter().map(|x| Some(x.pnl)))
        .float("mae", t.iter().map(|x| Some(x.mae)))
        .float("mfe", t.iter().map(|x| Some(x.mfe)))
        .int("fills", t.iter().map(|x| i64::from(x.fills)));
}

/// What Monte Carlo needs of a round trip read back from the table.
#[derive(Clone, Debug, PartialEq)]
pub struct TripRow {
    /// The instrument, `None` in a run over one (no `symbol` column).
    pub symbol: Option<String>,
    /// PnL after fees and funding, account currency.
    pub pnl: f64,
    /// Lots entered (and exited).
    pub qty_lots: i64,
}

/// The round trips of a run's `trades.parquet`, in order.
pub fn read_trips(path: &Path) -> Result<Vec<TripRow>, ReportError> {
    let fail = |what: String| ReportError::Io {
        path: path.to_owned(),
        source: std::io::Error::other(what),
    };
    let table = ReadBack::open(path).map_err(fail)?;
    let (Some(pnl), Some(qty)) = (table.column("pnl"), table.column("qty_lots")) else {
        return Err(fail("no column `pnl` or `qty_lots`".to_owned()));
    };
    let symbol = table.column("symbol");
    let mut trips = Vec::new();
    table
        .each_row(|fields| {
            let pnl = match fields.get(pnl) {
                Some(Field::Double(x)) => *x,
                _ => return Err((pnl, "not a number")),
            };
            let qty_lots = match fields.get(qty) {
                Some(Field::Long(x)) => *x,
                _ => return Err((qty, "not a whole number")),
            };
            let symbol = match symbol.map(|i| (i, fields.get(i))) {
                None => None,
                Some((_, Some(Field::Str(s)))) => Some(s.clone()),
                Some((i, _)) => return Err((i, "not text")),
            };
            trips.push(TripRow {
                symbol,
                pnl,
                qty_lots,
            });
            Ok(())
        })
        .map_err(fail)?;
    Ok(trips)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::trades::tests::{close, instrument, run, scaled_and_reversed};

    #[test]
    fn the_trades_table_gives_prices_and_money_per_trip() {
        let (trips, _) = run(&scaled_and_reversed());
        let mut table = Table::new();
        trip_rows_into(&trips, &instrument(), &mut table);
        assert_eq!(table.rows(), 3);
        let names: Vec<&str> = table.names().collect();
        assert_eq!(
            names,
            [
                "open_ts",
                "close_ts",
                "direction",
                "qty_lots",
                "qty",
                "entry_price",
                "exit_price",
                "holding_ns",
                "gross_pnl",
                "fees",
                "funding",
                "pnl",
                "mae",
                "mfe",
                "fills"
            ]
        );
        let dir = tempfile::tempdir().expect("a temporary folder");
        let path = dir.path().join("trades.parquet");
        table.write_parquet(&path).expect("the table written");
        let back = read_trips(&path).expect("the table read");
        let pnls: Vec<(Option<String>, i64)> = back
            .iter()
            .map(|t| (t.symbol.clone(), t.qty_lots))
            .collect();
        assert_eq!(pnls, [(None, 5), (None, 4), (None, 1)]);
        assert!(
            close(back[0].pnl, 6.5) && close(back[2].pnl, -1.2),
            "{back:?}"
        );
        let csv_path = dir.path().join("trades.csv");
        table.write_csv(&csv_path).expect("the CSV written");
        let csv = std::fs::read_to_string(&csv_path).expect("the CSV read");
        let second = csv.lines().nth(2).expect("a second trip");
        // Short 4 lots (8 units) at 50.5, out at 49.5, held 100 ns: gross 8,
        // fees 0.4 − 0.4, no funding, MAE 8, MFE 2, two fills.
        assert_eq!(
            second,
            "400,500,short,4,8.0,50.5,49.5,100,8.0,0.0,0.0,8.0,8.0,2.0,2"
        );
    }
}
