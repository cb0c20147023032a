//! The Monte Carlo of a finished run's folder, whoever asks for it: its
//! summary read, its round trips (its `trades.parquet`, every
//! instrument's) resampled (see
//! [`super::montecarlo`]), the bands and percentiles as tables.
//! `ticklab sweep --monte-carlo N --run FOLDER` writes and prints them;
//! `ticklab.monte_carlo(...)` returns them. What goes wrong is a
//! [`MonteCarloError`], which each of them words with the names of its own
//! arguments.

use std::path::{Path, PathBuf};

use crate::market::catalog::Catalog;
use crate::report::{Table, Values};

use crate::report::trades::{read_trips, TRADES_TABLE};

use super::montecarlo::{net_of_slippage, simulate, MonteCarlo};

/// The percentiles' column names, in the order of
/// [`super::montecarlo::PERCENTILES`].
pub const PERCENTILE_NAMES: [&str; 5] = ["p5", "p25", "p50", "p75", "p95"];

/// Why the Monte Carlo of a run's folder cannot be made. Its message says
/// what is wrong with which input; a front end names the input its own way
/// (`ticklab sweep`'s `--run FOLDER`, `ticklab.monte_carlo`'s `run=`).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MonteCarloError {
    /// No resample was asked for.
    #[error("no resample: give at least one")]
    NoSamples,
    /// The extra slippage is negative or not a number.
    #[error("a slippage of {ticks} ticks: must be 0 or more")]
    BadSlippage {
        /// The slippage given, ticks.
        ticks: f64,
    },
    /// The run's folder has no readable `summary.json`.
    #[error("{}: no summary.json; is it a finished run's folder?: {cause}", run.display())]
    NoSummary {
        /// The run's folder.
        run: PathBuf,
        /// Why it could not be read.
        cause: String,
    },
    /// `summary.json` is not a run's summary.
    #[error("{}: {problem}", path.display())]
    BadSummary {
        /// The summary file.
        path: PathBuf,
        /// What is wrong with it.
        problem: String,
    },
    /// The run's folder has no round-trips table.
    #[error("{}: no {TRADES_TABLE}.parquet (the run's round trips)", run.display())]
    NoTrades {
        /// The run's folder.
        run: PathBuf,
    },
    /// The run had no closed round trip.
    #[error("{}: the run has no closed round trip to resample", run.display())]
    NoRoundTrip {
        /// The run's folder.
        run: PathBuf,
    },
    /// The data folder lacks an instrument of the run, whose tick values
    /// the slippage.
    #[error("{}: no instrument {symbol:?}, needed to value the slippage", data.display())]
    UnknownInstrument {
        /// The data folder.
        data: PathBuf,
        /// The run's instrument.
        symbol: String,
    },
    /// The run's configuration has no rate for an instrument's currency.
    #[error(
        "{}: no [fx] rate of {currency} in {account}, needed to value the slippage on {symbol}",
        summary.display()
    )]
    NoFxRate {
        /// The run's summary (its configuration).
        summary: PathBuf,
        /// The instrument's currency.
        currency: String,
        /// The account's currency.
        account: String,
        /// The instrument.
        symbol: String,
    },
    /// The round-trips table or the data folder cannot be read.
    #[error("{0}")]
    Read(String),
}

/// A finished run's Monte Carlo and its tables.
#[derive(Debug, Clone)]
pub struct RunMonteCarlo {
    /// The resamples' percentiles.
    pub mc: MonteCarlo,
    /// `monte_carlo_equity.csv`: `trip`, then the equity's percentiles
    /// after that many trips.
    pub bands: Table,
    /// `monte_carlo.csv`: `metric` (`final_pnl`, `max_drawdown`,
    /// `max_drawdown_pct`), then its percentiles.
    pub percentiles: Table,
}

impl RunMonteCarlo {
    /// The metrics of [`RunMonteCarlo::percentiles`], by name.
    pub fn metrics(&self) -> [(&'static str, [f64; 5]); 3] {
        metrics_of(&self.mc)
    }
}

/// The metrics of a Monte Carlo, by name, in the table's order.
fn metrics_of(mc: &MonteCarlo) -> [(&'static str, [f64; 5]); 3] {
    [
        ("final_pnl", mc.final_pnl),
        ("max_drawdown", mc.max_drawdown),
        ("max_drawdown_pct", mc.max_drawdown_pct),
    ]
}

/// Resamples the round trips of the finished run in `run` `samples` times
/// with `seed`, charging `slippage_ticks` ticks more on every lot (the
/// instrument's tick read from the data folder `data`).
///
/// # Errors
///
/// No resample asked for, a negative slippage, a folder without a summary
/// or round-trips table, no closed round trip, or (with slippage) an
/// instrument the data folder lacks or a currency without its `[fx]` rate.
pub fn monte_carlo_of_run(
    run: &Path,
    data: &Path,
    samples: usize,
    seed: u64,
    slippage_ticks: f64,
) -> Result<RunMonteCarlo, MonteCarloError> {
    if samples == 0 {
        return Err(MonteCarloError::NoSamples);
    }
    if !(slippage_ticks.is_finite() && slippage_ticks >= 0.0) {
        return Err(MonteCarloError::BadSlippage {
            ticks: slippage_ticks,
        });
    }
    let summary_path = run.join("summary.json");
    let text =
        std::fs::read_to_string(&summary_path).map_err(|err| MonteCarloError::NoSummary {
            run: run.to_owned(),
            cause: err.to_string(),
        })?;
    let bad_summary = |problem: String| MonteCarloError::BadSummary {
        path: summary_path.clone(),
        problem,
    };
    let summary: serde_json::Value =
        serde_json::from_str(&text).map_err(|err| bad_summary(err.to_string()))?;
    let initial_cash = summary
        .pointer("/stats/initial_cash")
        .and_then(serde_json::Value::as_f64)
        .ok_or_else(|| bad_summary("no stats.initial_cash".to_owned()))?;
    let trades_path = run.join(format!("{TRADES_TABLE}.parquet"));
    if !trades_path.exists() {
        return Err(MonteCarloError::NoTrades {
            run: run.to_owned(),
        });
    }
    let trips = read_trips(&trades_path).map_err(|err| MonteCarloError::Read(chain_text(&err)))?;
    if trips.is_empty() {
        return Err(MonteCarloError::NoRoundTrip {
            run: run.to_owned(),
        });
    }
    let per_lot = if slippage_ticks > 0.0 {
        slippage_per_lot(data, slippage_ticks, &summary, &summary_path)?
    } else {
        Vec::new()
    };
    let costs = net_of_slippage(&trips, |symbol| {
        per_lot
            .iter()
            .find(|(s, _)| symbol.is_none_or(|symbol| symbol == s))
            .map_or(0.0, |(_, value)| *value)
    });
    let mc = simulate(&costs, initial_cash, samples, seed);
    let mut bands = Table::new().column("trip", Values::Int((0..=mc.trips as i64).collect()));
    for (i, name) in PERCENTILE_NAMES.iter().enumerate() {
        bands = bands.column(
            *name,
            Values::Float(mc.equity_bands.iter().map(|b| b[i]).collect()),
        );
    }
    let metrics = metrics_of(&mc);
    let mut percentiles = Table::new().column(
        "metric",
        Values::Text(metrics.iter().map(|(m, _)| Some((*m).to_owned())).collect()),
    );
    for (i, name) in PERCENTILE_NAMES.iter().enumerate() {
        percentiles = percentiles.column(
            *name,
            Values::Float(metrics.iter().map(|(_, v)| v[i]).collect()),
        );
    }
    Ok(RunMonteCarlo {
        mc,
        bands,
        percentiles,
    })
}

/// What `slippage_ticks` costs per lot traded of each instrument of the
/// run, in the account's currency: ticks × tick × lot × multiplier, at the
/// run's `[fx]` rate for an instrument in another currency than the
/// first's.
fn slippage_per_lot(
    data: &Path,
    slippage_ticks: f64,
    summary: &serde_json::Value,
    summary_path: &Path,
) -> Result<Vec<(String, f64)>, MonteCarloError> {
    let symbols: Vec<String> = match summary.get("symbols").and_then(serde_json::Value::as_array) {
        Some(symbols) => symbols
            .iter()
            .filter_map(serde_json::Value::as_str)
            .map(str::to_owned)
            .collect(),
        None => summary
            .get("symbol")
            .and_then(serde_json::Value::as_str)
            .map(|s| vec![s.to_owned()])
            .unwrap_or_default(),
    };
    let catalog = Catalog::open(data).map_err(|err| MonteCarloError::Read(chain_text(&err)))?;
    let mut account_currency = None;
    let mut per_lot = Vec::new();
    for symbol in symbols {
        let Some(found) = catalog.instrument(&symbol) else {
            return Err(MonteCarloError::UnknownInstrument {
                data: data.to_owned(),
                symbol,
            });
        };
        let i = &found.instrument;
        let account = account_currency.get_or_insert_with(|| i.currency.clone());
        let rate = if i.currency == *account {
            1.0
        } else {
            summary
                .pointer(&format!("/config/fx/{}", i.currency))
                .and_then(serde_json::Value::as_f64)
                .ok_or_else(|| MonteCarloError::NoFxRate {
                    summary: summary_path.to_owned(),
                    currency: i.currency.clone(),
                    account: account.clone(),
                    symbol: symbol.clone(),
                })?
        };
        let value = slippage_ticks * i.tick_size * i.lot_size * i.contract_multiplier;
        per_lot.push((symbol, value * rate));
    }
    Ok(per_lot)
}

/// The text of an error and its causes, each after a `: `.
fn chain_text(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
