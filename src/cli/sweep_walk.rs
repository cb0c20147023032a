//! `ticklab sweep --walk-forward`: every point of the search over each
//! fold's train days (one run each), the best point of each fold over the
//! test days that follow (see `analyzer::walkforward`), the walk-forward
//! efficiency and the out-of-sample equity stitched fold after fold.

use std::time::Instant;

use ticklab::analyzer::equity::read_equity;
use ticklab::analyzer::walkforward::{FoldResult, WalkForward};
use ticklab::analyzer::{ResultRow, WalkForwardSweep};

use super::sweep::{Prepared, SweepArgs};
use super::sweep_out::{self as sweep, BatchStats};

/// Runs the walk-forward analysis.
pub(crate) fn run(
    args: &SweepArgs,
    mut prepared: Prepared,
    walk: WalkForward,
) -> anyhow::Result<()> {
    let days = prepared.days.clone();
    let mut walked = WalkForwardSweep::plan(&mut prepared.planner, days, &walk)?;
    sweep::open_out(args)?;
    sweep::prepare_caches(&prepared, args);
    let progress = sweep::progress_bar((walked.folds().len() * (walked.points().len() + 1)) as u64);
    let started = Instant::now();
    let mut rows: Vec<ResultRow> = Vec::new();
    let mut stats = BatchStats::default();

    // Every point over every fold's train days.
    let train_plans = walked.train_plans().to_vec();
    sweep::run_batch(&prepared, &train_plans, &mut rows, &progress, &mut stats);
    // Each winner over its fold's test days.
    let test_plans = walked.plan_tests(
        &mut prepared.planner,
        &rows,
        &prepared.objective,
        &prepared.constraints,
    )?;
    sweep::run_batch(&prepared, &test_plans, &mut rows, &progress, &mut stats);
    progress.finish_and_clear();
    let results: Vec<FoldResult> = walked.results(&rows, &prepared.objective);
    let ranked = sweep::write_table(&prepared, &rows)?;
    sweep::write_wall_times(&args.out, &stats)?;
    sweep::report(&prepared, &ranked, &stats, started.elapsed().as_secs_f64());

    let fold_table = walked.fold_table(&prepared.planner, &results);
    fold_table.write_csv(&args.out.join("walk_forward.csv"))?;
    fold_table.write_parquet(&args.out.join("walk_forward.parquet"))?;
    let stitched = walked
        .oos_equity(&rows, &results, |row| {
            read_equity(
                &args
                    .out
                    .join("runs")
                    .join(&row.run_id)
                    .join("equity.parquet"),
            )
        })
        .map_err(anyhow::Error::msg)?;
    stitched.write_csv(&args.out.join("oos_equity.csv"))?;
    stitched.write_parquet(&args.out.join("oos_equity.parquet"))?;

    println!(
        "walk-forward by {} ({} folds):",
        prepared.objective.text(),
        results.len()
    );
    let shown = |x: Option<f64>| x.map_or_else(|| "n/a".to_owned(), |x| format!("{x:.6}"));
    for (k, result) in results.iter().enumerate() {
        println!(
            "  fold {}: train {}..{}, test {}..{}: {} in-sample {}, out-of-sample {}",
            k + 1,
            walked.day_text(result.fold.train.start),
            walked.day_text(result.fold.train.end - 1),
            walked.day_text(result.fold.test.start),
            walked.day_text(result.fold.test.end - 1),
            walked
                .winner_text(&prepared.planner, result)
                .unwrap_or_else(|| "no qualifying point".to_owned()),
            shown(result.in_sample),
            shown(result.out_of_sample)
        );
    }
    println!(
        "walk-forward efficiency (mean out-of-sample / mean in-sample): {}",
        shown(WalkForwardSweep::efficiency(&results))
    );
    for name in [
        "results.parquet",
        "results.csv",
        "walk_forward.csv",
        "oos_equity.csv",
    ] {
        println!("wrote {}", args.out.join(name).display());
    }
    Ok(())
}
