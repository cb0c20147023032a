//! How a sweep runs and reports: its folder, the event caches, the
//! progress bar, the batches of runs and the tables and console summary
//! they end in.

use std::io::IsTerminal;
use std::path::Path;
use std::time::Instant;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use ticklab::analyzer::{
    self, isolated_peak, point_text, qualifies, ranked, Constraint, ResultRow, RowStatus,
    SweepManifest, MANIFEST_FILE,
};

use super::sweep::{Prepared, SweepArgs};
use super::sweep_pool;
use super::worker::parse_run_args;

/// Makes the sweep's folder (new, empty, or one an earlier sweep made)
/// and writes its manifest.
pub(crate) fn open_out(args: &SweepArgs) -> anyhow::Result<()> {
    let out = &args.out;
    let marker = out.join(MANIFEST_FILE);
    if out.exists()
        && !marker.exists()
        && std::fs::read_dir(out).is_ok_and(|mut d| d.next().is_some())
    {
        anyhow::bail!(
            "--out {}: the folder is not empty and holds no sweep; choose another --out",
            out.display()
        );
    }
    std::fs::create_dir_all(out).with_context(|| format!("{}: cannot create", out.display()))?;
    remove_partial_runs(&out.join("runs"));
    let strategy = args.strategy.clone().unwrap_or_default();
    let strategy = if Path::new(&strategy).is_file() {
        std::path::absolute(&strategy).map_or(strategy, |path| path.display().to_string())
    } else {
        strategy
    };
    let manifest = SweepManifest {
        data: std::path::absolute(&args.data).unwrap_or_else(|_| args.data.clone()),
        symbol: args.symbol.clone(),
        strategy,
        class: args.class.clone(),
    };
    manifest
        .write(out)
        .with_context(|| format!("{}: cannot write", marker.display()))
}

/// Removes the half-written folders of runs an interrupted sweep left
/// (`.<id>.partial-<pid>-<n>`); those runs are run again.
fn remove_partial_runs(runs: &Path) {
    let Ok(entries) = std::fs::read_dir(runs) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') && name.contains(".partial-") {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Builds the event cache of each day once, before the workers (which may
/// read it but not write it) start.
pub(crate) fn prepare_caches(prepared: &Prepared, args: &SweepArgs) {
    if args.no_cache {
        return;
    }
    for day in &prepared.days {
        let mut argv = prepared.template.common.clone();
        argv.extend(["--day".into(), day.to_string().into()]);
        if let Ok(run_args) = parse_run_args(&argv) {
            super::supervise::prepare_cache(&run_args);
        }
    }
}

/// A progress bar of `total` runs on a terminal, hidden otherwise.
pub(crate) fn progress_bar(total: u64) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template("{spinner} runs [{bar:30}] {pos}/{len} {msg} (eta {eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

/// Rows up to which the results table is rewritten after every run.
const SMALL_TABLE_ROWS: usize = 2000;

/// Runs `plans` and streams progress, writing the results table as rows
/// come in so that an interrupted sweep keeps them.
pub(crate) fn run_batch(
    prepared: &Prepared,
    plans: &[analyzer::RunPlan],
    done: &mut Vec<ResultRow>,
    progress: &ProgressBar,
    stats: &mut BatchStats,
) {
    let mut partial = done.clone();
    let mut last_write = Instant::now();
    let rows = sweep_pool::run_all(&prepared.template, plans, prepared.jobs, |finished| {
        progress.inc(1);
        if finished.reused {
            stats.reused += 1;
        } else {
            stats.run += 1;
            stats.run_secs += finished.wall_secs;
            stats
                .wall_secs
                .push((finished.row.run_id.clone(), finished.wall_secs));
        }
        partial.push(finished.row.clone());
        let best = partial
            .iter()
            .filter(|row| qualifies(row, &prepared.constraints))
            .filter_map(|row| {
                prepared
                    .objective
                    .value(row)
                    .map(|v| (prepared.objective.score(row), v))
            })
            .max_by(|a, b| {
                a.0.unwrap_or(f64::NEG_INFINITY)
                    .total_cmp(&b.0.unwrap_or(f64::NEG_INFINITY))
            });
        if let Some((_, value)) = best {
            progress.set_message(format!("best {} {value:.4}", prepared.objective.stat));
        }
        // After every run while the table is small (an interrupted sweep
        // keeps every finished row), at most once a second once it is not.
        if partial.len() <= SMALL_TABLE_ROWS || last_write.elapsed().as_secs_f64() > 1.0 {
            if let Err(err) = write_table(prepared, &partial) {
                progress.suspend(|| eprintln!("ticklab sweep: {err:#}"));
            }
            last_write = Instant::now();
        }
    });
    done.extend(rows.into_iter().flatten());
}

/// Counts of a sweep's runs.
#[derive(Default)]
pub(crate) struct BatchStats {
    pub run: usize,
    pub reused: usize,
    pub run_secs: f64,
    /// Each run's wall time, s, in the order they finished.
    pub wall_secs: Vec<(String, f64)>,
}

/// Writes `wall_times.csv`: the wall time of each run this invocation ran,
/// by run id. Kept apart from the results table, which must not depend on
/// the machine.
pub(crate) fn write_wall_times(out: &Path, stats: &BatchStats) -> anyhow::Result<()> {
    let mut times = stats.wall_secs.clone();
    times.sort_by(|a, b| a.0.cmp(&b.0));
    let table = ticklab::report::Table::new()
        .column(
            "run_id",
            ticklab::report::Values::Text(times.iter().map(|t| Some(t.0.clone())).collect()),
        )
        .column(
            "wall_secs",
            ticklab::report::Values::Float(times.iter().map(|t| t.1).collect()),
        );
    table.write_csv(&out.join("wall_times.csv"))?;
    Ok(())
}

/// Writes the results table of `rows`, best first, each file written
/// beside and renamed into place.
pub(crate) fn write_table(
    prepared: &Prepared,
    rows: &[ResultRow],
) -> anyhow::Result<Vec<ResultRow>> {
    let rows = ranked(rows.to_vec(), &prepared.objective, &prepared.constraints);
    let out = &prepared.template.out;
    let staging = out.join(".results");
    std::fs::create_dir_all(&staging)
        .with_context(|| format!("{}: cannot create", staging.display()))?;
    analyzer::write_results(
        &staging,
        prepared.planner.space(),
        &rows,
        &prepared.constraints,
    )?;
    for name in ["results.parquet", "results.csv"] {
        std::fs::rename(staging.join(name), out.join(name))
            .with_context(|| format!("{}: cannot write", out.join(name).display()))?;
    }
    let _ = std::fs::remove_dir(&staging);
    Ok(rows)
}

/// The sweep's summary on the console.
pub(crate) fn report(prepared: &Prepared, ranked: &[ResultRow], stats: &BatchStats, secs: f64) {
    let failed: Vec<&ResultRow> = ranked
        .iter()
        .filter(|r| r.status == RowStatus::Failed)
        .collect();
    println!(
        "{} runs ({} run, {} already done, {} failed) in {secs:.1} s on {} workers",
        ranked.len(),
        stats.run,
        stats.reused,
        failed.len(),
        prepared.jobs
    );
    for row in &failed {
        let first = row
            .error
            .as_deref()
            .and_then(|e| e.lines().next())
            .unwrap_or("");
        println!("  run {} failed: {first}", row.run_id);
    }
    let space = prepared.planner.space();
    let objective = &prepared.objective;
    let qualifying: Vec<&ResultRow> = ranked
        .iter()
        .filter(|r| qualifies(r, &prepared.constraints))
        .collect();
    if !prepared.constraints.is_empty() && qualifying.is_empty() {
        let texts: Vec<String> = prepared.constraints.iter().map(Constraint::text).collect();
        println!("no run meets the constraints {}", texts.join(", "));
    }
    println!("best by {}:", objective.text());
    for row in qualifying.iter().take(5) {
        let point: Vec<toml::Value> = row.point.iter().map(|(_, v)| v.clone()).collect();
        let value = objective
            .value(row)
            .map_or_else(|| "n/a".to_owned(), |v| format!("{v:.6}"));
        println!(
            "  run {}  {} = {value}  ({})",
            row.run_id,
            objective.stat,
            point_text(space, &point)
        );
    }
    if let Some(warning) = isolated_peak(space, ranked, objective, &prepared.constraints) {
        println!("warning: {warning}");
    }
}
