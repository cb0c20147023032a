//! `ticklab convert`: vendor data into the canonical data folder, with a
//! count of the rows read on a terminal and a summary at the end.

use std::fmt;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::Args;
use indicatif::{ProgressBar, ProgressState, ProgressStyle};

use ticklab::market::import::{self, CsvMap, Format, ImportOptions, TsUnit};

/// Arguments of `ticklab convert`.
#[derive(Debug, Args)]
pub struct ConvertArgs {
    /// Input format: tardis, lobster, dbn, csv, npz (hftbacktest event
    /// files), collector (hftbacktest collector captures: Binance, Bybit,
    /// Hyperliquid) or bybit (Bybit historical order-book files).
    #[arg(long = "from", value_parser = parse_format)]
    pub format: Format,
    /// Input files. Tardis: CSV or .csv.gz of one symbol (trades, quotes,
    /// incremental_book_L2, book_snapshot_N); LOBSTER: message or orderbook
    /// files (the sibling is found by name); DBN: data files plus optional
    /// definition files; collector: the capture's files, read in the order
    /// given as one stream.
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// Symbol: the folder created under --out.
    #[arg(long)]
    pub symbol: String,
    /// Output data folder.
    #[arg(long)]
    pub out: PathBuf,
    /// Tick size in currency units (required for tardis, csv, npz,
    /// collector and bybit).
    #[arg(long)]
    pub tick_size: Option<f64>,
    /// Lot size in base units (required for tardis, csv, npz, collector and
    /// bybit).
    #[arg(long)]
    pub lot_size: Option<f64>,
    /// Currency written to instrument.toml.
    #[arg(long)]
    pub currency: Option<String>,
    /// Skip malformed rows and unknown message types, counted by reason in
    /// the summary, instead of stopping at the first.
    #[arg(long)]
    pub skip_bad: bool,
    /// LOBSTER: check every message against the orderbook file and stop at
    /// the first row that differs.
    #[arg(long)]
    pub verify: bool,
    /// CSV column map: FIELD=COLUMN or FIELD=const:VALUE, comma-separated
    /// (fields: exch_ts, local_ts, kind, side, price, qty, order_id, flags).
    #[arg(long, value_parser = parse_map)]
    pub map: Option<CsvMap>,
    /// CSV timestamp unit: s, ms, us or ns.
    #[arg(long, default_value = "ns", value_parser = parse_ts_unit)]
    pub ts_unit: TsUnit,
    /// DBN: keep only this instrument_id.
    #[arg(long)]
    pub instrument_id: Option<u32>,
    /// Put rows up to this far back in exchange time in order (milliseconds);
    /// 0: a step back in time is an error. Default: 2000 for collector
    /// captures, 0 otherwise.
    #[arg(long)]
    pub reorder_window_ms: Option<f64>,
    /// Add this to every local_ts (ns), e.g. to correct a capture clock
    /// that runs behind the exchange's.
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    pub local_ts_shift_ns: i64,
}

fn parse_format(text: &str) -> Result<Format, String> {
    text.parse()
}

fn parse_map(text: &str) -> Result<CsvMap, String> {
    text.parse()
}

fn parse_ts_unit(text: &str) -> Result<TsUnit, String> {
    text.parse()
}

/// Converts vendor files into a data folder and prints what was done.
pub fn run(args: ConvertArgs) -> anyhow::Result<()> {
    if let Some(window_ms) = args.reorder_window_ms {
        if !(window_ms.is_finite() && window_ms >= 0.0) {
            anyhow::bail!("--reorder-window-ms must be a non-negative number");
        }
    }
    let mut options = ImportOptions::new(&args.symbol);
    options.tick_size = args.tick_size;
    options.lot_size = args.lot_size;
    options.currency = args.currency;
    options.skip_bad = args.skip_bad;
    options.verify = args.verify;
    options.csv_map = args.map;
    options.ts_unit = args.ts_unit;
    options.instrument_id = args.instrument_id;
    options.reorder_window_ns = args
        .reorder_window_ms
        .map(|window_ms| (window_ms * 1e6).round() as i64);
    options.local_ts_shift_ns = args.local_ts_shift_ns;
    if args.verify && args.format != Format::Lobster {
        anyhow::bail!("--verify applies to LOBSTER files only");
    }
    let progress = rows_progress(&args.symbol);
    let converted = import::convert_with_progress(
        args.format,
        &args.inputs,
        &args.out,
        &options,
        &mut |rows| progress.set_position(rows),
    );
    progress.finish_and_clear();
    let summary = converted.with_context(|| format!("converting into {}", args.out.display()))?;
    print!("{summary}");
    Ok(())
}

/// A spinner counting the input rows read, on stderr when it is a terminal
/// (hidden otherwise, so that logs and pipes get only the summary).
fn rows_progress(symbol: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let spinner = ProgressBar::new_spinner();
    spinner.set_style(
        ProgressStyle::with_template(
            "{spinner} converting {msg}: {human_pos} rows read ({rows_per_sec} rows/s, {elapsed})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_spinner())
        .with_key(
            "rows_per_sec",
            |state: &ProgressState, out: &mut dyn fmt::Write| {
                // A failed write only leaves the rate blank.
                let _ = write!(out, "{:.0}", state.per_sec());
            },
        ),
    );
    spinner.set_message(symbol.to_owned());
    spinner.enable_steady_tick(Duration::from_millis(120));
    spinner
}
