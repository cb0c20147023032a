//! `ticklab sweep --monte-carlo N --run FOLDER`: the finished run's round
//! trips resampled `N` times (see `analyzer::montecarlo`); the bands go to
//! `monte_carlo_equity.csv` (+ `.parquet`) and the drawdown and PnL
//! percentiles to `monte_carlo.csv`, and are summed up on the console.

use anyhow::Context;
use ticklab::analyzer::monte_carlo_of_run;
use ticklab::analyzer::montecarlo::PERCENTILES;

use super::sweep::SweepArgs;

/// Runs the Monte Carlo of `--run`.
pub(crate) fn run(args: &SweepArgs, samples: usize) -> anyhow::Result<()> {
    let run = args.run.as_ref().ok_or_else(|| {
        anyhow::anyhow!("--monte-carlo: give the finished run's folder with --run FOLDER")
    })?;
    let done = monte_carlo_of_run(run, &args.data, samples, args.seed, args.slippage_ticks)
        .map_err(anyhow::Error::msg)?;
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
