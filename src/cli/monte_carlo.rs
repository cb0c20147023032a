//! `ticklab sweep --monte-carlo N --run FOLDER`: the finished run's round
//! trips (its `trades.parquet`, every instrument's) resampled `N` times
//! (see `analyzer::montecarlo`); the bands go to
//! `monte_carlo_equity.csv` (+ `.parquet`) and the drawdown and PnL
//! percentiles to `monte_carlo.csv`, and are summed up on the console.

use anyhow::Context;
use ticklab::analyzer::montecarlo::{net_of_slippage, simulate, PERCENTILES};
use ticklab::market::catalog::Catalog;
use ticklab::report::trades::{read_trips, TRADES_TABLE};
use ticklab::report::{Table, Values};

use super::sweep::SweepArgs;

/// Runs the Monte Carlo of `--run`.
pub(crate) fn run(args: &SweepArgs, samples: usize) -> anyhow::Result<()> {
    let run = args.run.as_ref().ok_or_else(|| {
        anyhow::anyhow!("--monte-carlo: give the finished run's folder with --run FOLDER")
    })?;
    if samples == 0 {
        anyhow::bail!("--monte-carlo 0: give at least one resample");
    }
    if !(args.slippage_ticks.is_finite() && args.slippage_ticks >= 0.0) {
        anyhow::bail!(
            "--slippage-ticks {}: must be 0 or more",
            args.slippage_ticks
        );
    }
    let summary_path = run.join("summary.json");
    let text = std::fs::read_to_string(&summary_path).with_context(|| {
        format!(
            "--run {}: no summary.json; is it a finished run's folder?",
            run.display()
        )
    })?;
    let summary: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{}", summary_path.display()))?;
    let initial_cash = summary
        .pointer("/stats/initial_cash")
        .and_then(serde_json::Value::as_f64)
        .ok_or_else(|| anyhow::anyhow!("{}: no stats.initial_cash", summary_path.display()))?;
    let trades_path = run.join(format!("{TRADES_TABLE}.parquet"));
    if !trades_path.exists() {
        anyhow::bail!(
            "--run {}: no {TRADES_TABLE}.parquet (the run's round trips); rerun it, or keep the table in a sweep with --keep {TRADES_TABLE}",
            run.display()
        );
    }
    let trips = read_trips(&trades_path)?;
    if trips.is_empty() {
        anyhow::bail!(
            "--run {}: the run has no closed round trip to resample",
            run.display()
        );
    }
    let per_lot = if args.slippage_ticks > 0.0 {
        slippage_per_lot(args, &summary, &summary_path)?
    } else {
        Vec::new()
    };
    let costs = net_of_slippage(&trips, |symbol| {
        per_lot
            .iter()
            .find(|(s, _)| symbol.is_none_or(|symbol| symbol == s))
            .map_or(0.0, |(_, value)| *value)
    });
    let mc = simulate(&costs, initial_cash, samples, args.seed);
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("{}: cannot create", args.out.display()))?;
    let names = ["p5", "p25", "p50", "p75", "p95"];
    let mut bands = Table::new().column("trip", Values::Int((0..=mc.trips as i64).collect()));
    for (i, name) in names.iter().enumerate() {
        bands = bands.column(
            *name,
            Values::Float(mc.equity_bands.iter().map(|b| b[i]).collect()),
        );
    }
    bands.write_csv(&args.out.join("monte_carlo_equity.csv"))?;
    bands.write_parquet(&args.out.join("monte_carlo_equity.parquet"))?;
    let metrics = [
        ("final_pnl", mc.final_pnl),
        ("max_drawdown", mc.max_drawdown),
        ("max_drawdown_pct", mc.max_drawdown_pct),
    ];
    let mut table = Table::new().column(
        "metric",
        Values::Text(metrics.iter().map(|(m, _)| Some((*m).to_owned())).collect()),
    );
    for (i, name) in names.iter().enumerate() {
        table = table.column(
            *name,
            Values::Float(metrics.iter().map(|(_, v)| v[i]).collect()),
        );
    }
    table.write_csv(&args.out.join("monte_carlo.csv"))?;

    println!(
        "Monte Carlo of {}: {} round trips resampled {samples} times (seed {}, slippage {} ticks)",
        run.display(),
        mc.trips,
        args.seed,
        args.slippage_ticks
    );
    let header: Vec<String> = PERCENTILES
        .iter()
        .map(|p| format!("{:>12}", format!("p{p}")))
        .collect();
    println!("{:<18}{}", "", header.join(""));
    for (name, values) in metrics {
        let cells: Vec<String> = values.iter().map(|v| format!("{v:>12.2}")).collect();
        println!("{name:<18}{}", cells.join(""));
    }
    for name in [
        "monte_carlo.csv",
        "monte_carlo_equity.csv",
        "monte_carlo_equity.parquet",
    ] {
        println!("wrote {}", args.out.join(name).display());
    }
    Ok(())
}

/// What `--slippage-ticks` costs per lot traded of each instrument of the
/// run, in the account's currency: ticks × tick × lot × multiplier, at the
/// run's `[fx]` rate for an instrument in another currency than the
/// first's.
fn slippage_per_lot(
    args: &SweepArgs,
    summary: &serde_json::Value,
    summary_path: &std::path::Path,
) -> anyhow::Result<Vec<(String, f64)>> {
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
    let catalog = Catalog::open(&args.data)?;
    let mut account_currency = None;
    let mut per_lot = Vec::new();
    for symbol in symbols {
        let data = catalog.instrument(&symbol).ok_or_else(|| {
            anyhow::anyhow!(
                "--data {}: no instrument {symbol:?}, needed to value --slippage-ticks",
                args.data.display()
            )
        })?;
        let i = &data.instrument;
        let account = account_currency.get_or_insert_with(|| i.currency.clone());
        let rate = if i.currency == *account {
            1.0
        } else {
            summary
                .pointer(&format!("/config/fx/{}", i.currency))
                .and_then(serde_json::Value::as_f64)
                .ok_or_else(|| {
                    anyhow::anyhow!(
                        "{}: no [fx] rate of {} in {account}, needed to value --slippage-ticks on {symbol}",
                        summary_path.display(),
                        i.currency
                    )
                })?
        };
        let value = args.slippage_ticks * i.tick_size * i.lot_size * i.contract_multiplier;
        per_lot.push((symbol, value * rate));
    }
    Ok(per_lot)
}
