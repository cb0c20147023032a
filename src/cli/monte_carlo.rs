//! `ticklab sweep --monte-carlo N --run FOLDER`: the finished run's round
//! trips resampled `N` times (see `analyzer::montecarlo`); the bands go to
//! `monte_carlo_equity.csv` (+ `.parquet`) and the drawdown and PnL
//! percentiles to `monte_carlo.csv`, and are summed up on the console.

use anyhow::Context;
use ticklab::analyzer::montecarlo::PERCENTILES;
use ticklab::analyzer::{monte_carlo_of_run, MonteCarloError};
use ticklab::report::trades::TRADES_TABLE;

use super::sweep::SweepArgs;

/// Runs the Monte Carlo of `--run`.
pub(crate) fn run(args: &SweepArgs, samples: usize) -> anyhow::Result<()> {
    let run = args.run.as_ref().ok_or_else(|| {
        anyhow::anyhow!("--monte-carlo: give the finished run's folder with --run FOLDER")
    })?;
    let done = monte_carlo_of_run(run, &args.data, samples, args.seed, args.slippage_ticks)
        .map_err(|err| anyhow::Error::msg(message(&err)))?;
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("{}: cannot create", args.out.display()))?;
    done.bands
        .write_csv(&args.out.join("monte_carlo_equity.csv"))?;
    done.bands
        .write_parquet(&args.out.join("monte_carlo_equity.parquet"))?;
    done.percentiles
        .write_csv(&args.out.join("monte_carlo.csv"))?;

    println!(
        "Monte Carlo of {}: {} round trips resampled {samples} times (seed {}, slippage {} ticks)",
        run.display(),
        done.mc.trips,
        args.seed,
        args.slippage_ticks
    );
    let header: Vec<String> = PERCENTILES
        .iter()
        .map(|p| format!("{:>12}", format!("p{p}")))
        .collect();
    println!("{:<18}{}", "", header.join(""));
    for (name, values) in done.metrics() {
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

/// `err` in the words of `ticklab sweep`: the flag it is about first.
fn message(err: &MonteCarloError) -> String {
    match err {
        MonteCarloError::NoSamples => "--monte-carlo 0: give at least one resample".to_owned(),
        MonteCarloError::BadSlippage { ticks } => {
            format!("--slippage-ticks {ticks}: must be 0 or more")
        }
        MonteCarloError::NoSummary { run, cause } => format!(
            "--run {}: no summary.json; is it a finished run's folder?: {cause}",
            run.display()
        ),
        MonteCarloError::NoTrades { run } => format!(
            "--run {}: no {TRADES_TABLE}.parquet (the run's round trips); rerun it, or keep the table in a sweep with --keep {TRADES_TABLE}",
            run.display()
        ),
        MonteCarloError::NoRoundTrip { run } => format!(
            "--run {}: the run has no closed round trip to resample",
            run.display()
        ),
        MonteCarloError::UnknownInstrument { data, symbol } => format!(
            "--data {}: no instrument {symbol:?}, needed to value --slippage-ticks",
            data.display()
        ),
        MonteCarloError::NoFxRate {
            summary,
            currency,
            account,
            symbol,
        } => format!(
            "{}: no [fx] rate of {currency} in {account}, needed to value --slippage-ticks on {symbol}",
            summary.display()
        ),
        MonteCarloError::BadSummary { .. } | MonteCarloError::Read(_) => err.to_string(),
    }
}
