//! Converters from vendor formats into the canonical data folder.
//!
//! [`convert`] reads one or more input files of one format, merges them in
//! exchange-time order, and writes `<out>/<SYMBOL>/instrument.toml` plus one
//! canonical Parquet file per UTC day of `exch_ts`. It streams: each input
//! is read a row at a time and the writer holds one row group, so memory
//! does not grow with the input.
//!
//! **Merging.** Each input is read one row ahead; the earliest `exch_ts`
//! goes next. At equal time, trade-only inputs go first (a trade before the
//! depth update it caused), then inputs in the order given; rows of one
//! input keep their order. An input that steps back in time is an error
//! naming its line, unless `reorder_window_ns` covers the step: rows are
//! then held, at most the window's worth, and released in time order
//! (captures default to a 2 s window: their streams interleave).
//!
//! **Days.** A day file that opens in the middle of the stream, with a
//! first event that is not itself a full clear, starts with the book as it
//! stands: a clear, every level (`snapshot`) and every resting order in
//! queue order (`add`), flagged SNAPSHOT, at the first event's time. So each
//! day file replays on its own.
//!
//! One file per format: [`tardis`] (Tardis.dev CSV), [`lobster`] (LOBSTER
//! message + orderbook pairs, with [`lobster_book`] for `--verify`),
//! [`mod@dbn`] (Databento DBN), [`csv_map`] (plain CSV with a column
//! map), [`npz`] (hftbacktest event files), [`collector`] (hftbacktest
//! collector captures of Binance, Bybit, Hyperliquid) and [`bybit`]
//! (Bybit order-book files). Every one yields [`EventSource`] rows; a malformed row is an
//! [`ImportError`] naming file, line and field, or, with `skip_bad`, is
//! skipped and counted by reason in the [`ConvertSummary`].
//!
//! Feed latency is never assumed positive: a capture clock behind the
//! exchange's gives `local_ts < exch_ts`, which is written as it is and
//! counted (`local_ts_shift_ns` corrects it when the offset is known).

pub mod bybit;
pub mod collector;
pub mod csv_map;
pub mod dbn;
mod error;
mod json_levels;
pub mod lobster;
pub mod lobster_book;
mod merge;
mod npy;
pub mod npz;
pub mod ny_time;
mod sink;
mod sniff;
mod source;
mod summary;
pub mod tardis;
mod zip_input;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Instant;

pub use csv_map::{CsvMap, TsUnit};
pub use error::{ImportError, RowRef};
pub use source::{collect_events, EventSource};
pub use summary::{ConvertSummary, InputSummary, Skipped};

use crate::market::catalog::INSTRUMENT_FILE;
use crate::market::parquet::WriteOptions;
use crate::market::Instrument;

/// The vendor formats `convert` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Tardis.dev CSV (`incremental_book_L2`, `trades`, `quotes`,
    /// `book_ticker`, `book_snapshot_N`), plain or gzipped.
    Tardis,
    /// LOBSTER message and orderbook file pairs.
    Lobster,
    /// Databento DBN (mbo, mbp-1, mbp-10, tbbo, trades; definition files).
    Dbn,
    /// Any CSV with a header, through a column map.
    Csv,
    /// hftbacktest's `.npz` event files (its `event_dtype`).
    Npz,
    /// Captures of hftbacktest's data collector (`<local ns> <json>` lines
    /// of Binance, Bybit or Hyperliquid), plain or gzipped.
    Collector,
    /// Bybit's historical order-book files (`*_ob500.data`, or its `.zip`).
    Bybit,
}

impl Format {
    /// The reorder window used when the options give none, in ns: captures
    /// interleave streams whose exchange times are out of order.
    pub fn default_reorder_window_ns(self) -> i64 {
        match self {
            Format::Collector => collector::DEFAULT_REORDER_WINDOW_NS,
            _ => 0,
        }
    }
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "tardis" => Ok(Format::Tardis),
            "lobster" => Ok(Format::Lobster),
            "dbn" | "databento" => Ok(Format::Dbn),
            "csv" => Ok(Format::Csv),
            "npz" | "hftbacktest" => Ok(Format::Npz),
            "collector" | "capture" => Ok(Format::Collector),
            "bybit" => Ok(Format::Bybit),
            other => Err(format!(
                "unknown format {other:?} (expected tardis, lobster, dbn, csv, npz, collector or bybit)"
            )),
        }
    }
}

/// How to convert.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// Symbol of the instrument: the folder name under the output folder.
    pub symbol: String,
    /// Tick size in currency units. Required for Tardis and CSV; LOBSTER
    /// defaults to 0.01; DBN takes it from a definition file among the
    /// inputs when this is `None`.
    pub tick_size: Option<f64>,
    /// Lot size in base units. Required for Tardis and CSV; LOBSTER and DBN
    /// default to 1 (whole shares or contracts).
    pub lot_size: Option<f64>,
    /// Currency of the instrument (default: from the DBN definition, else USD).
    pub currency: Option<String>,
    /// Skip malformed rows (counted by reason) instead of stopping.
    pub skip_bad: bool,
    /// LOBSTER: check every message against the orderbook file.
    pub verify: bool,
    /// CSV: the column map.
    pub csv_map: Option<CsvMap>,
    /// CSV: the unit of the timestamp columns.
    pub ts_unit: TsUnit,
    /// DBN: keep only this instrument's records.
    pub instrument_id: Option<u32>,
    /// How far back in exchange time a row may arrive and still be put in
    /// order, in ns; 0 makes any step back an error; `None`: the format's
    /// default ([`Format::default_reorder_window_ns`]).
    pub reorder_window_ns: Option<i64>,
    /// Added to every `local_ts`, in ns (to correct a capture clock).
    pub local_ts_shift_ns: i64,
    /// Parquet writer options.
    pub write: WriteOptions,
}

impl ImportOptions {
    /// Options for `symbol` with every default.
    pub fn new(symbol: &str) -> Self {
        ImportOptions {
            symbol: symbol.to_owned(),
            tick_size: None,
            lot_size: None,
            currency: None,
            skip_bad: false,
            verify: false,
            csv_map: None,
            ts_unit: TsUnit::Ns,
            instrument_id: None,
            reorder_window_ns: None,
            local_ts_shift_ns: 0,
            write: WriteOptions::default(),
        }
    }
}

/// Converts `inputs` of `format` into `<out_dir>/<SYMBOL>/`.
pub fn convert(
    format: Format,
    inputs: &[PathBuf],
    out_dir: &Path,
    options: &ImportOptions,
) -> Result<ConvertSummary, ImportError> {
    convert_with_progress(format, inputs, out_dir, options, &mut |_| {})
}

/// [`convert`], telling `on_rows_read` how many input rows (or DBN
/// records) have been read so far, all inputs together: every few thousand
/// rows, and once more with the total at the end.
pub fn convert_with_progress(
    format: Format,
    inputs: &[PathBuf],
    out_dir: &Path,
    options: &ImportOptions,
    on_rows_read: &mut dyn FnMut(u64),
) -> Result<ConvertSummary, ImportError> {
    let started = Instant::now();
    if inputs.is_empty() {
        return Err(ImportError::Options("no input files".into()));
    }
    let instrument = resolve_instrument(format, inputs, options)?;
    let mut sources = open_sources(format, inputs, &instrument, options)?;
    let reorder_window_ns = options
        .reorder_window_ns
        .unwrap_or_else(|| format.default_reorder_window_ns());
    if sources.is_empty() {
        return Err(ImportError::Options(
            "no market data among the inputs".into(),
        ));
    }
    let dir = out_dir.join(&options.symbol);
    std::fs::create_dir_all(&dir).map_err(|err| ImportError::io(&dir, err))?;
    let instrument_file = write_instrument(&dir, &instrument, format, inputs)?;
    let mut sink = sink::DaySink::new(
        dir,
        instrument.clone(),
        options.write,
        options.local_ts_shift_ns,
    );
    let merged = merge::merge_into(&mut sources, &mut sink, reorder_window_ns, on_rows_read);
    let reordered_batches = merged?;
    sink.finish()?;
    Ok(ConvertSummary {
        instrument,
        instrument_file,
        inputs: sources.iter().map(|s| s.summary().clone()).collect(),
        days: std::mem::take(&mut sink.days),
        events_written: sink.events_written,
        carried_events: sink.carried_events,
        reordered_batches,
        crossed_batches: sink.crossed_batches,
        local_before_exch: sink.local_before_exch,
        min_feed_latency_ns: sink.min_feed_latency_ns,
        elapsed_secs: started.elapsed().as_secs_f64(),
    })
}

/// The instrument of a conversion: from the options, the format's defaults
/// (LOBSTER: tick 0.01, lot 1) or a DBN definition among the inputs.
pub fn resolve_instrument(
    format: Format,
    inputs: &[PathBuf],
    options: &ImportOptions,
) -> Result<Instrument, ImportError> {
    let symbol = options.symbol.trim();
    if symbol.is_empty() || symbol.contains(['/', '\\']) || symbol.starts_with('.') {
        return Err(ImportError::Options(format!(
            "symbol {:?} cannot name a folder",
            options.symbol
        )));
    }
    let need = |what: &str| {
        ImportError::Options(format!(
            "--{what} is required for {format:?} files (e.g. Binance BTCUSDT futures: --tick-size 0.1 --lot-size 0.001)"
        ))
    };
    let mut instrument = match format {
        Format::Tardis | Format::Csv | Format::Npz | Format::Collector | Format::Bybit => {
            Instrument::new(
                symbol,
                options.tick_size.ok_or_else(|| need("tick-size"))?,
                options.lot_size.ok_or_else(|| need("lot-size"))?,
            )
        }
        Format::Lobster => {
            let mut inst = Instrument::new(
                symbol,
                options.tick_size.unwrap_or(0.01),
                options.lot_size.unwrap_or(1.0),
            );
            inst.description =
                "converted from LOBSTER (NASDAQ); times are New York converted to UTC".into();
            inst
        }
        Format::Dbn => dbn_instrument(symbol, inputs, options)?,
    };
    if let Some(currency) = &options.currency {
        instrument.currency = currency.clone();
    }
    instrument
        .validate(Path::new("<options>"))
        .map_err(|err| ImportError::Options(err.to_string()))?;
    Ok(instrument)
}

fn dbn_instrument(
    symbol: &str,
    inputs: &[PathBuf],
    options: &ImportOptions,
) -> Result<Instrument, ImportError> {
    let lot_size = options.lot_size.unwrap_or(1.0);
    let mut definitions = Vec::new();
    let mut first_data = None;
    for input in inputs {
        if dbn::file_schema(input)? == Some(::dbn::Schema::Definition) {
            definitions.extend(
                dbn::read_definitions(input)?
                    .into_iter()
                    .map(|def| (input, def)),
            );
        } else if first_data.is_none() {
            first_data = Some(input);
        }
    }
    let wanted = match (options.instrument_id, first_data) {
        (Some(id), _) => Some(id),
        (None, Some(path)) => dbn::first_instrument_id(path)?,
        (None, None) => None,
    };
    let definition = wanted.and_then(|id| {
        definitions
            .iter()
            .rev()
            .find(|(_, def)| def.hd.instrument_id == id)
    });
    let from_definition =
        definition.and_then(|(_, def)| dbn::instrument_from_definition(symbol, def, lot_size));
    match (options.tick_size, from_definition) {
        (Some(tick_size), Some(mut inst)) => {
            inst.tick_size = tick_size;
            Ok(inst)
        }
        (Some(tick_size), None) => Ok(Instrument::new(symbol, tick_size, lot_size)),
        (None, Some(inst)) => Ok(inst),
        (None, None) => match definition {
            Some((file, def)) => Err(ImportError::Options(format!(
                "{}: the definition of instrument_id {} ({}) has no tick size \
                 (min_price_increment is undefined): pass --tick-size",
                file.display(),
                def.hd.instrument_id,
                def.raw_symbol().unwrap_or("?")
            ))),
            None => Err(ImportError::Options(format!(
                "no instrument definition for instrument_id {} among the inputs: pass a Databento \
             definition file with the data, or --tick-size",
                wanted.map_or("?".to_owned(), |id| id.to_string())
            ))),
        },
    }
}

/// Opens one [`EventSource`] per market-data input. LOBSTER pairs count
/// once (either file of a pair may be given, or both); DBN definition files
/// are not sources.
pub fn open_sources(
    format: Format,
    inputs: &[PathBuf],
    instrument: &Instrument,
    options: &ImportOptions,
) -> Result<Vec<Box<dyn EventSource>>, ImportError> {
    let mut sources: Vec<Box<dyn EventSource>> = Vec::new();
    if format == Format::Collector {
        let window_ns = options
            .reorder_window_ns
            .unwrap_or_else(|| format.default_reorder_window_ns());
        sources.push(Box::new(collector::CollectorSource::open(
            inputs,
            instrument,
            options.skip_bad,
            window_ns,
        )?));
        return Ok(sources);
    }
    let mut lobster_messages: Vec<PathBuf> = Vec::new();
    for input in inputs {
        match format {
            Format::Collector => {}
            Format::Npz => sources.push(Box::new(npz::NpzSource::open(
                input,
                instrument,
                options.skip_bad,
            )?)),
            Format::Bybit => sources.push(Box::new(bybit::BybitSource::open(
                input,
                instrument,
                options.skip_bad,
            )?)),
            Format::Tardis => sources.push(Box::new(tardis::TardisSource::open(
                input,
                instrument,
                options.skip_bad,
            )?)),
            Format::Csv => {
                let map = options.csv_map.as_ref().ok_or_else(|| {
                    ImportError::Options("--map is required for csv files (e.g. --map exch_ts=ts,kind=const:trade,side=side,price=px,qty=size)".into())
                })?;
                sources.push(Box::new(csv_map::CsvSource::open(
                    input,
                    map,
                    options.ts_unit,
                    instrument,
                    options.skip_bad,
                )?));
            }
            Format::Lobster => {
                let name = lobster::LobsterName::parse(input)?;
                let message = if name.is_message {
                    input.clone()
                } else {
                    lobster::sibling(input, &name)
                };
                if lobster_messages.contains(&message) {
                    continue;
                }
                sources.push(Box::new(lobster::LobsterSource::open(
                    &message,
                    instrument,
                    options.skip_bad,
                    options.verify,
                )?));
                lobster_messages.push(message);
            }
            Format::Dbn => {
                if dbn::file_schema(input)? == Some(::dbn::Schema::Definition) {
                    continue;
                }
                sources.push(Box::new(dbn::DbnSource::open(
                    input,
                    instrument,
                    options.instrument_id,
                    options.skip_bad,
                )?));
            }
        }
    }
    Ok(sources)
}

/// Writes `instrument.toml`; an existing one with another tick or lot size
/// is an error (its day files are on the old grid).
fn write_instrument(
    dir: &Path,
    instrument: &Instrument,
    format: Format,
    inputs: &[PathBuf],
) -> Result<PathBuf, ImportError> {
    let path = dir.join(INSTRUMENT_FILE);
    if path.is_file() {
        if let Ok(existing) = Instrument::from_file(&path) {
            if existing.tick_size != instrument.tick_size
                || existing.lot_size != instrument.lot_size
            {
                return Err(ImportError::Options(format!(
                    "{} says tick size {} and lot size {}, this conversion uses {} and {}: \
                     convert into another folder or remove the old one",
                    path.display(),
                    existing.tick_size,
                    existing.lot_size,
                    instrument.tick_size,
                    instrument.lot_size
                )));
            }
        }
    }
    let names: Vec<String> = inputs
        .iter()
        .map(|p| {
            p.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        })
        .collect();
    let header = format!(
        "written by `ticklab convert --from {format:?}` from: {}",
        names.join(", ")
    );
    std::fs::write(&path, instrument.to_toml_string(&header))
        .map_err(|err| ImportError::io(&path, err))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_counts_rows_up_to_the_summary_total() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("trades.csv");
        let mut text =
            String::from("exchange,symbol,timestamp,local_timestamp,id,side,price,amount\n");
        for i in 0..10_000 {
            text.push_str(&format!("x,BTC,{},{},t{i},buy,100.5,1\n", 10 + i, 12 + i));
        }
        std::fs::write(&input, text).unwrap();
        let mut options = ImportOptions::new("BTC");
        options.tick_size = Some(0.5);
        options.lot_size = Some(0.5);
        let mut reports = Vec::new();
        let summary = convert_with_progress(
            Format::Tardis,
            &[input],
            &dir.path().join("out"),
            &options,
            &mut |rows| reports.push(rows),
        )
        .unwrap();
        assert_eq!(summary.rows_read(), 10_000);
        assert_eq!(reports.last(), Some(&10_000));
        assert_eq!(reports.len(), 10_000 / 4096 + 1, "{reports:?}");
        assert!(reports.windows(2).all(|w| w[0] <= w[1]), "{reports:?}");
    }
}
