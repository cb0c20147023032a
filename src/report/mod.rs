//! The files a run leaves behind: `summary.json`, and the fills, the equity
//! curve, every order update and the round trips as Parquet (and CSV on
//! request).
//!
//! Prices and quantities are written both in natural units (`price`, `qty`)
//! and on the grid (`price_ticks`, `qty_lots`), so a reader needs no
//! instrument file to use them and no float to trust them.

mod account;
mod columns;
mod days;
mod folder;
pub(crate) mod read_back;
mod stream;
mod table;
pub mod trades;

use std::path::{Path, PathBuf};

use serde::Serialize;

pub(crate) use account::AccountStats;
pub(crate) use days::DayTallies;
pub use days::{daily_ratios, DayStats};
pub use folder::{FolderError, RunFolder};
pub use stream::{InstrumentSink, RecordWriter, ROWS_PER_GROUP};
pub use table::{CsvTableWriter, ParquetTableWriter, Refill, ReportError, Table, Values, NO_LABEL};

use crate::market::Instrument;
use crate::sim::record::{EquitySample, FillRecord, RunRecord};
use crate::sim::stats::{Stats, StatsBuilder};
use crate::sim::update::OrderUpdate;

/// Which table files to write besides `summary.json`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutputFormats {
    /// Write `fills.parquet`, `equity.parquet`, `orders.parquet`,
    /// `trades.parquet`.
    pub parquet: bool,
    /// Write `fills.csv`, `equity.csv`, `orders.csv`, `trades.csv`.
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

/// How a run ended, as `summary.json` says it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// The run went to the end of the data.
    Ok,
    /// The run stopped at an error; the tables hold every row up to it.
    Failed,
}

/// Why and where a run stopped.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RunFailure {
    /// One line saying what went wrong.
    pub message: String,
    /// The traceback or chain of causes; empty when the message says it all.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub detail: String,
    /// Market events the strategy had seen when it happened.
    pub event_index: Option<u64>,
    /// Data (local) time when it happened, ns since the Unix epoch.
    pub ts_ns: Option<i64>,
    /// The same time as text, `YYYY-MM-DD HH:MM:SS.nnnnnnnnn UTC`.
    pub data_time: Option<String>,
}

/// What `summary.json` holds: how the run ended, what ran, on what, and how
/// it did.
#[derive(Clone, Debug, Serialize)]
pub struct Summary<'a, C: Serialize> {
    /// `ok`, or `failed` with [`Summary::error`].
    pub status: RunStatus,
    /// Why the run stopped, when it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<&'a RunFailure>,
    /// Instrument symbol.
    pub symbol: &'a str,
    /// Day of data, `YYYY-MM-DD`: the first the strategy trades.
    pub day: &'a str,
    /// The days of a run over more than one day or with a warm-up.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub span: Option<&'a RunSpan>,
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

/// The days a run over more than one day (or with a warm-up) covers, as
/// `summary.json` gives them beside `day`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct RunSpan {
    /// The instruments of a run over several, in the order named (which
    /// breaks ties at equal times); empty, and left out, for one.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub symbols: Vec<String>,
    /// Every day traded, `YYYY-MM-DD`, oldest first.
    pub days: Vec<String>,
    /// Stretches of days in the span asked for without data: gaps in time
    /// (a weekend, a missing file), never errors.
    pub gaps: Vec<SpanGap>,
    /// The warm-up, when the run has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warmup: Option<WarmupSpan>,
    /// Each instrument's statistics alone, in a run over several.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub by_symbol: Vec<SymbolStats>,
    /// How the account did on each day, in a run over several days.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub by_day: Vec<DayStats>,
    /// What `stats.sharpe` and `stats.sortino` are computed from when not
    /// the equity steps: over two days or more, the daily returns, e.g.
    /// `"daily returns, 365 days a year"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ratios: Option<String>,
}

/// One instrument's statistics in a run over several: its fills, orders
/// and part of the account (from the same initial cash).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SymbolStats {
    /// The instrument.
    pub symbol: String,
    /// Its statistics.
    pub stats: Stats,
}

/// Days of one instrument without data, from `from` to `to` (both
/// included, `YYYY-MM-DD`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SpanGap {
    /// The instrument.
    pub symbol: String,
    /// The first day without data.
    pub from: String,
    /// The last day without data.
    pub to: String,
}

/// Data replayed before the run's start with trading disabled.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WarmupSpan {
    /// The days it was read from, `YYYY-MM-DD`.
    pub days: Vec<String>,
    /// When the strategy started seeing data, ns since the Unix epoch.
    pub from_ns: i64,
    /// When trading and the statistics started, ns since the Unix epoch.
    pub trading_from_ns: i64,
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
        (trades::TRADES_TABLE, trades_table(record, instrument)),
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

/// One row per fill piece.
pub fn fills_table(record: &RunRecord, inst: &Instrument) -> Table {
    fill_rows_table(&record.fills, inst)
}

/// One row per fill piece of `f`.
pub fn fill_rows_table(f: &[FillRecord], inst: &Instrument) -> Table {
    let mut table = Table::new();
    columns::fill_rows_into(f, inst, &mut table);
    table
}

/// One row per equity sample.
pub fn equity_table(record: &RunRecord, inst: &Instrument) -> Table {
    equity_rows_table(&record.equity, inst)
}

/// One row per equity sample of `e`.
pub fn equity_rows_table(e: &[EquitySample], inst: &Instrument) -> Table {
    let mut table = Table::new();
    columns::equity_rows_into(e, inst, &mut table);
    table
}

/// One row per closed round trip (see [`trades`]).
pub fn trades_table(record: &RunRecord, inst: &Instrument) -> Table {
    let mut builder = StatsBuilder::new(record.initial_cash, inst);
    builder.keep_trips();
    builder.take_record(record);
    let mut trips = Vec::new();
    builder.take_trips_into(&mut trips);
    let mut table = Table::new();
    trades::trip_rows_into(&trips, inst, &mut table);
    table
}

/// One row per order update (state change).
pub fn orders_table(record: &RunRecord, inst: &Instrument) -> Table {
    order_rows_table(&record.orders, inst)
}

/// One row per order update of `o`.
pub fn order_rows_table(o: &[OrderUpdate], inst: &Instrument) -> Table {
    let mut table = Table::new();
    columns::order_rows_into(o, inst, &mut table);
    table
}
