//! The Monte Carlo of a finished run's folder, whoever asks for it: its
//! summary read, its round trips (its `trades.parquet`, every
//! instrument's) resampled (see
//! [`super::montecarlo`]), the bands and percentiles as tables.
//! `ticklab sweep --monte-carlo N --run FOLDER` writes and prints them;
//! `ticklab.monte_carlo(...)` returns them.

use std::path::Path;

use crate::market::catalog::Catalog;
use crate::report::{Table, Values};

use crate::report::trades::{read_trips, TRADES_TABLE};

use super::montecarlo::{net_of_slippage, simulate, MonteCarlo};

/// The percentiles' column names, in the order of
/// [`super::montecarlo::PERCENTILES`].
pub const PERCENTILE_NAMES: [&str; 5] = ["p5", "p25", "p50", "p75", "p95"];

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
/// instrument the data folder lacks or a currency without its `[fx]` rate;
/// each message names the `ticklab sweep` flag it is about.
pub fn monte_carlo_of_run(
    run: &Path,
    data: &Path,
    samples: usize,
    seed: u64,
    slippage_ticks: f64,
) -> Result<RunMonteCarlo, String> {
    if samples == 0 {
        return Err("--monte-carlo 0: give at least one resample".to_owned());
    }
    if !(slippage_ticks.is_finite() && slippage_ticks >= 0.0) {
        return Err(format!(
            "--slippage-ticks {slippage_ticks}: must be 0 or more"
        ));
    }
    let summary_path = run.join("summary.json");
    let text = std::fs::read_to_string(&summary_path).map_err(|err| {
        format!(
            "--run {}: no summary.json; is it a finished run's folder?: {err}",
            run.display()
        )
    })?;
    let summary: serde_json::Value =
        serde_json::from_str(&text).map_err(|err| format!("{}: {err}", summary_path.display()))?;
    let initial_cash = summary
        .pointer("/stats/initial_cash")
        .and_then(serde_json::Value::as_f64)
        .ok_or_else(|| format!("{}: no stats.initial_cash", summary_path.display()))?;
    let trades_path = run.join(format!("{TRADES_TABLE}.parquet"));
    if !trades_path.exists() {
        return Err(format!(
            "--run {}: no {TRADES_TABLE}.parquet (the run's round trips); rerun it, or keep the table in a sweep with --keep {TRADES_TABLE}",
            run.display()
        ));
    }
    let trips = read_trips(&trades_path).map_err(|err| chain_text(&err))?;
    if trips.is_empty() {
        return Err(format!(
            "--run {}: the run has no closed round trip to resample",
            run.display()
        ));
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
) -> Result<Vec<(String, f64)>, String> {
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
    let catalog = Catalog::open(data).map_err(|err| chain_text(&err))?;
    let mut account_currency = None;
    let mut per_lot = Vec::new();
    for symbol in symbols {
        let found = catalog.instrument(&symbol).ok_or_else(|| {
            format!(
                "--data {}: no instrument {symbol:?}, needed to value --slippage-ticks",
                data.display()
            )
        })?;
        let i = &found.instrument;
        let account = account_currency.get_or_insert_with(|| i.currency.clone());
        let rate = if i.currency == *account {
            1.0
        } else {
            summary
                .pointer(&format!("/config/fx/{}", i.currency))
                .and_then(serde_json::Value::as_f64)
                .ok_or_else(|| {
                    format!(
                        "{}: no [fx] rate of {} in {account}, needed to value --slippage-ticks on {symbol}",
                        summary_path.display(),
                        i.currency
                    )
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
