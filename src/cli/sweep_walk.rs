//! `ticklab sweep --walk-forward`: every point of the search over each
//! fold's train days (one run each), the best point of each fold over the
//! test days that follow (see `analyzer::walkforward`), the walk-forward
//! efficiency and the out-of-sample equity stitched fold after fold.

use std::collections::HashMap;
use std::ops::Range;
use std::time::Instant;

use ticklab::analyzer::equity::read_equity;
use ticklab::analyzer::walkforward::{efficiency, winners, FoldResult, WalkForward};
use ticklab::analyzer::{point_text, qualifies, ResultRow, RunPlan};
use ticklab::report::{Table, Values};

use super::sweep::{Prepared, SweepArgs};
use super::sweep_out::{self as sweep, BatchStats};

/// Runs the walk-forward analysis.
pub(crate) fn run(
    args: &SweepArgs,
    mut prepared: Prepared,
    walk: WalkForward,
) -> anyhow::Result<()> {
    let days = prepared.days.clone();
    let folds = walk.folds(days.len());
    if folds.is_empty() {
        anyhow::bail!(
            "--walk-forward: {} day(s) of data, too few for one fold of {} train and {} test days",
            days.len(),
            walk.train_days,
            walk.test_days
        );
    }
    // A window of days as `--day` says it: one date or a range.
    let window = |days_of: &Range<usize>| -> String {
        let (first, last) = (days[days_of.start], days[days_of.end - 1]);
        if first == last {
            first.to_string()
        } else {
            format!("{first}..{last}")
        }
    };
    sweep::open_out(args)?;
    sweep::prepare_caches(&prepared, args);
    let points = prepared.planner.search_points();
    let progress = sweep::progress_bar((folds.len() * (points.len() + 1)) as u64);
    let started = Instant::now();
    let mut rows: Vec<ResultRow> = Vec::new();
    let mut stats = BatchStats::default();

    // Every point over every fold's train days.
    let mut train_plans = Vec::new();
    for fold in &folds {
        for point in &points {
            let mut plan = prepared
                .planner
                .plan_on(point, Some(window(&fold.train)), 0)?;
            prepared.planner.assign_id(&mut plan);
            train_plans.push(plan);
        }
    }
    sweep::run_batch(&prepared, &train_plans, &mut rows, &progress, &mut stats);
    let train_row = |rows: &[ResultRow], point: usize, fold: usize| -> Option<ResultRow> {
        let plan = train_plans.get(fold * points.len() + point)?;
        rows.iter().find(|r| r.run_id == plan.run_id).cloned()
    };
    let won = winners(
        folds.len(),
        points.len(),
        prepared.objective.direction,
        |p, f| {
            train_row(&rows, p, f)
                .filter(|row| qualifies(row, &prepared.constraints))
                .and_then(|row| prepared.objective.value(&row))
        },
    );

    // Each winner over its fold's test days (a run already done, the same
    // point over the same days, is not run again).
    let mut test_ids: Vec<Option<String>> = vec![None; folds.len()];
    let mut test_plans: Vec<RunPlan> = Vec::new();
    for (k, winner) in won.iter().enumerate() {
        let Some((point, _)) = winner else { continue };
        let mut plan =
            prepared
                .planner
                .plan_on(&points[*point], Some(window(&folds[k].test)), 0)?;
        let done = rows
            .iter()
            .find(|r| r.config_hash == plan.config_hash)
            .map(|r| r.run_id.clone())
            .or_else(|| {
                test_plans
                    .iter()
                    .find(|p| p.config_hash == plan.config_hash)
                    .map(|p| p.run_id.clone())
            });
        match done {
            Some(id) => test_ids[k] = Some(id),
            None => {
                prepared.planner.assign_id(&mut plan);
                test_ids[k] = Some(plan.run_id.clone());
                test_plans.push(plan);
            }
        }
    }
    sweep::run_batch(&prepared, &test_plans, &mut rows, &progress, &mut stats);
    progress.finish_and_clear();
    let by_id: HashMap<&str, &ResultRow> = rows.iter().map(|r| (r.run_id.as_str(), r)).collect();
    let test_row = |k: usize| test_ids[k].as_deref().and_then(|id| by_id.get(id).copied());
    let results: Vec<FoldResult> = folds
        .iter()
        .enumerate()
        .map(|(k, fold)| FoldResult {
            fold: fold.clone(),
            winner: won[k].map(|(p, _)| p),
            in_sample: won[k].map(|(_, x)| x),
            out_of_sample: test_row(k).and_then(|row| prepared.objective.value(row)),
        })
        .collect();
    let ranked = sweep::write_table(&prepared, &rows)?;
    sweep::write_wall_times(&args.out, &stats)?;
    sweep::report(&prepared, &ranked, &stats, started.elapsed().as_secs_f64());

    let space = prepared.planner.space();
    let day_text = |i: usize| days[i].to_string();
    let winner_text = |r: &FoldResult| r.winner.map(|w| point_text(space, &points[w]));
    let fold_table = Table::new()
        .column("fold", Values::Int((1..=results.len() as i64).collect()))
        .column(
            "train_from",
            Values::Text(
                results
                    .iter()
                    .map(|r| Some(day_text(r.fold.train.start)))
                    .collect(),
            ),
        )
        .column(
            "train_to",
            Values::Text(
                results
                    .iter()
                    .map(|r| Some(day_text(r.fold.train.end - 1)))
                    .collect(),
            ),
        )
        .column(
            "test_from",
            Values::Text(
                results
                    .iter()
                    .map(|r| Some(day_text(r.fold.test.start)))
                    .collect(),
            ),
        )
        .column(
            "test_to",
            Values::Text(
                results
                    .iter()
                    .map(|r| Some(day_text(r.fold.test.end - 1)))
                    .collect(),
            ),
        )
        .column(
            "winner",
            Values::Text(results.iter().map(winner_text).collect()),
        )
        .column(
            "train_run",
            Values::Text(
                (0..results.len())
                    .map(|k| {
                        let point = won[k]?.0;
                        train_plans
                            .get(k * points.len() + point)
                            .map(|p| p.run_id.clone())
                    })
                    .collect(),
            ),
        )
        .column("test_run", Values::Text(test_ids.clone()))
        .column(
            "in_sample",
            Values::Float(
                results
                    .iter()
                    .map(|r| r.in_sample.unwrap_or(f64::NAN))
                    .collect(),
            ),
        )
        .column(
            "out_of_sample",
            Values::Float(
                results
                    .iter()
                    .map(|r| r.out_of_sample.unwrap_or(f64::NAN))
                    .collect(),
            ),
        );
    fold_table.write_csv(&args.out.join("walk_forward.csv"))?;
    fold_table.write_parquet(&args.out.join("walk_forward.parquet"))?;

    // The winners' test runs, one after the other, each run's PnL added to
    // the equity where the one before ended.
    let (mut ts, mut fold_col, mut day_col, mut run_col, mut equity_col) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut carry: Option<f64> = None;
    for (k, result) in results.iter().enumerate() {
        let Some(row) = test_row(k) else {
            continue;
        };
        let (Some(final_equity), Some(pnl)) = (row.stat("final_equity"), row.stat("pnl")) else {
            continue;
        };
        let initial = final_equity - pnl;
        let start = *carry.get_or_insert(initial);
        let path = args
            .out
            .join("runs")
            .join(&row.run_id)
            .join("equity.parquet");
        for point in read_equity(&path).map_err(anyhow::Error::msg)? {
            ts.push(point.ts_ns);
            fold_col.push(k as i64 + 1);
            day_col.push(Some(window(&result.fold.test)));
            run_col.push(Some(row.run_id.clone()));
            equity_col.push(start + point.equity - initial);
        }
        carry = Some(start + pnl);
    }
    let stitched = Table::new()
        .column("ts", Values::Timestamp(ts))
        .column("fold", Values::Int(fold_col))
        .column("day", Values::Text(day_col))
        .column("run_id", Values::Text(run_col))
        .column("equity", Values::Float(equity_col));
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
            day_text(result.fold.train.start),
            day_text(result.fold.train.end - 1),
            day_text(result.fold.test.start),
            day_text(result.fold.test.end - 1),
            winner_text(result).unwrap_or_else(|| "no qualifying point".to_owned()),
            shown(result.in_sample),
            shown(result.out_of_sample)
        );
    }
    println!(
        "walk-forward efficiency (mean out-of-sample / mean in-sample): {}",
        shown(efficiency(&results))
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
