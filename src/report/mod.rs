//! The files a run leaves behind: `summary.json`, and the fills, the equity
//! curve and every order update as Parquet (and CSV on request).
//!
//! Prices and quantities are written both in natural units (`price`, `qty`)
//! and on the grid (`price_ticks`, `qty_lots`), so a reader needs no
//! instrument file to use them and no float to trust them.

mod stream;
mod table;

use std::path::{Path, PathBuf};

use serde::Serialize;

pub use stream::{RecordWriter, ROWS_PER_GROUP};
pub use table::{CsvTableWriter, ParquetTableWriter, ReportError, Table, Values};

use crate::market::Instrument;
use crate::sim::record::{EquitySample, FillRecord, RunRecord};
use crate::sim::stats::Stats;
use crate::sim::update::OrderUpdate;

/// Which table files to write besides `summary.json`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutputFormats {
    /// Write `fills.parquet`, `equity.parquet`, `orders.parquet`.
    pub parquet: bool,
    /// Write `fills.csv`, `equity.csv`, `orders.csv`.
    pub csv: bool,
}

impl Default for OutputFormats {
    fn default() -> Self {
        OutputFormats {
            parquet: true,
            csv: false,
        }
    }
}

/// What `summary.json` holds: what ran, on what, and how it did.
#[derive(Clone, Debug, Serialize)]
pub struct Summary<'a, C: Serialize> {
    /// Instrument symbol.
    pub symbol: &'a str,
    /// Day of data, `YYYY-MM-DD`.
    pub day: &'a str,
    /// Strategy name or file.
    pub strategy: &'a str,
    /// Seed of the random models.
    pub seed: u64,
    /// True when the same inputs and seed give the same fills: false with
    /// a measured compute latency (`latency.compute = "measured"`).
    pub deterministic: bool,
    /// The run configuration in force.
    pub config: &'a C,
    /// The statistics.
    pub stats: &'a Stats,
}

/// Writes `summary.json` and the tables of `record` into `out_dir` (created
/// when missing); returns the paths written, in order.
pub fn write_run<C: Serialize>(
    out_dir: &Path,
    summary: &Summary<'_, C>,
    record: &RunRecord,
    instrument: &Instrument,
    formats: OutputFormats,
) -> Result<Vec<PathBuf>, ReportError> {
    let mut written = vec![write_summary(out_dir, summary)?];
    let tables = [
        ("fills", fills_table(record, instrument)),
        ("equity", equity_table(record, instrument)),
        ("orders", orders_table(record, instrument)),
    ];
    for (name, table) in &tables {
        if formats.parquet {
            let path = out_dir.join(format!("{name}.parquet"));
            table.write_parquet(&path)?;
            written.push(path);
        }
        if formats.csv {
            let path = out_dir.join(format!("{name}.csv"));
            table.write_csv(&path)?;
            written.push(path);
        }
    }
    Ok(written)
}

/// Writes `summary.json` into `out_dir` (created when missing); returns its
/// path.
pub fn write_summary<C: Serialize>(
    out_dir: &Path,
    summary: &Summary<'_, C>,
) -> Result<PathBuf, ReportError> {
    create_out_dir(out_dir)?;
    let summary_path = out_dir.join("summary.json");
    let mut json = serde_json::to_string_pretty(summary).map_err(|source| ReportError::Json {
        path: summary_path.clone(),
        source,
    })?;
    json.push('\n');
    std::fs::write(&summary_path, json).map_err(|source| ReportError::Io {
        path: summary_path.clone(),
        source,
    })?;
    Ok(summary_path)
}

/// Creates `out_dir` when missing.
fn create_out_dir(out_dir: &Path) -> Result<(), ReportError> {
    std::fs::create_dir_all(out_dir).map_err(|source| ReportError::Io {
        path: out_dir.to_owned(),
        source,
    })
}

/// The name serde gives a unit enum variant (`"maker"`), or compact JSON for
/// anything richer.
fn serde_name<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(serde_json::Value::Null) => String::new(),
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

/// One row per fill piece.
pub fn fills_table(record: &RunRecord, inst: &Instrument) -> Table {
    fill_rows_table(&record.fills, inst)
}

/// One row per fill piece of `f`.
pub fn fill_rows_table(f: &[FillRecord], inst: &Instrument) -> Table {
    Table::new()
        .column(
            "exch_ts",
            Values::Int(f.iter().map(|x| x.exch_ts_ns).collect()),
        )
        .column(
            "local_ts",
            Values::Int(f.iter().map(|x| x.local_ts_ns).collect()),
        )
        .column(
            "order_id",
            Values::Int(f.iter().map(|x| x.order_id.0 as i64).collect()),
        )
        .column(
            "side",
            Values::Text(f.iter().map(|x| x.side.to_string()).collect()),
        )
        .column(
            "price",
            Values::Float(
                f.iter()
                    .map(|x| inst.price_from_ticks(x.price_ticks))
                    .collect(),
            ),
        )
        .column(
            "qty",
            Values::Float(f.iter().map(|x| inst.qty_from_lots(x.qty_lots)).collect()),
        )
        .column(
            "price_ticks",
            Values::Int(f.iter().map(|x| x.price_ticks).collect()),
        )
        .column(
            "qty_lots",
            Values::Int(f.iter().map(|x| x.qty_lots).collect()),
        )
        .column(
            "liquidity",
            Values::Text(f.iter().map(|x| serde_name(&x.liquidity)).collect()),
        )
        .column("fee", Values::Float(f.iter().map(|x| x.fee).collect()))
        .column(
            "time_in_queue_ns",
            Values::Int(f.iter().map(|x| x.time_in_queue_ns).collect()),
        )
        .column(
            "slippage_ticks",
            Values::Float(
                f.iter()
                    .map(|x| x.slippage_ticks.unwrap_or(f64::NAN))
                    .collect(),
            ),
        )
        .column(
            "position_lots",
            Values::Int(f.iter().map(|x| x.position_after_lots).collect()),
        )
}

/// One row per equity sample.
pub fn equity_table(record: &RunRecord, inst: &Instrument) -> Table {
    equity_rows_table(&record.equity, inst)
}

/// One row per equity sample of `e`.
pub fn equity_rows_table(e: &[EquitySample], inst: &Instrument) -> Table {
    let tick = inst.tick_size;
    Table::new()
        .column("ts", Values::Int(e.iter().map(|x| x.ts_ns).collect()))
        .column(
            "cause",
            Values::Text(e.iter().map(|x| serde_name(&x.cause)).collect()),
        )
        .column(
            "position_lots",
            Values::Int(e.iter().map(|x| x.account.position_lots).collect()),
        )
        .column(
            "avg_entry_price",
            Values::Float(e.iter().map(|x| x.account.avg_entry_ticks * tick).collect()),
        )
        .column(
            "cash",
            Values::Float(e.iter().map(|x| x.account.cash).collect()),
        )
        .column(
            "realized_pnl",
            Values::Float(e.iter().map(|x| x.account.realized_pnl).collect()),
        )
        .column(
            "unrealized_pnl",
            Values::Float(e.iter().map(|x| x.account.unrealized_pnl).collect()),
        )
        .column(
            "fees",
            Values::Float(e.iter().map(|x| x.account.fees_paid).collect()),
        )
        .column(
            "equity",
            Values::Float(e.iter().map(|x| x.account.equity).collect()),
        )
        .column(
            "mark_price",
            Values::Float(e.iter().map(|x| x.account.mark_ticks * tick).collect()),
        )
}

/// One row per order update (state change).
pub fn orders_table(record: &RunRecord, inst: &Instrument) -> Table {
    order_rows_table(&record.orders, inst)
}

/// One row per order update of `o`.
pub fn order_rows_table(o: &[OrderUpdate], inst: &Instrument) -> Table {
    let fill_price = |u: &OrderUpdate| {
        u.fill
            .map_or(f64::NAN, |f| inst.price_from_ticks(f.price_ticks))
    };
    Table::new()
        .column(
            "exch_ts",
            Values::Int(o.iter().map(|x| x.exch_ts_ns).collect()),
        )
        .column(
            "local_ts",
            Values::Int(o.iter().map(|x| x.local_ts_ns).collect()),
        )
        .column(
            "order_id",
            Values::Int(o.iter().map(|x| x.order_id.0 as i64).collect()),
        )
        .column(
            "update",
            Values::Text(o.iter().map(|x| serde_name(&x.kind)).collect()),
        )
        .column(
            "state",
            Values::Text(o.iter().map(|x| serde_name(&x.state)).collect()),
        )
        .column(
            "side",
            Values::Text(o.iter().map(|x| x.side.to_string()).collect()),
        )
        .column(
            "order_type",
            Values::Text(o.iter().map(|x| serde_name(&x.order_type)).collect()),
        )
        .column(
            "time_in_force",
            Values::Text(o.iter().map(|x| serde_name(&x.time_in_force)).collect()),
        )
        .column(
            "price",
            Values::Float(
                o.iter()
                    .map(|x| inst.price_from_ticks(x.price_ticks))
                    .collect(),
            ),
        )
        .column(
            "stop_price",
            Values::Float(
                o.iter()
                    .map(|x| inst.price_from_ticks(x.stop_price_ticks))
                    .collect(),
            ),
        )
        .column(
            "qty",
            Values::Float(o.iter().map(|x| inst.qty_from_lots(x.qty_lots)).collect()),
        )
        .column(
            "filled",
            Values::Float(
                o.iter()
                    .map(|x| inst.qty_from_lots(x.filled_lots))
                    .collect(),
            ),
        )
        .column(
            "fill_price",
            Values::Float(o.iter().map(fill_price).collect()),
        )
        .column(
            "fill_qty",
            Values::Float(
                o.iter()
                    .map(|x| x.fill.map_or(f64::NAN, |f| inst.qty_from_lots(f.qty_lots)))
                    .collect(),
            ),
        )
        .column(
            "reason",
            Values::Text(
                o.iter()
                    .map(|x| x.reason.as_ref().map(serde_name).unwrap_or_default())
                    .collect(),
            ),
        )
}
