//! `ticklab sweep --walk-forward`: every point of the search on every day,
//! then per fold the best point on the train days and its result on the
//! test days (see `analyzer::walkforward`), the walk-forward efficiency
//! and the out-of-sample equity stitched fold after fold.

use std::collections::HashMap;
use std::time::Instant;

use ticklab::analyzer::roundtrips::read_equity;
use ticklab::analyzer::walkforward::{efficiency, evaluate, FoldResult, WalkForward};
use ticklab::analyzer::{point_text, qualifies, ResultRow};
use ticklab::report::{Table, Values};

use super::sweep::{self, BatchStats, Prepared, SweepArgs};

/// Runs the walk-forward analysis.
pub(crate) fn run(
    args: &SweepArgs,
    mut prepared: Prepared,
    walk: WalkForward,
) -> anyhow::Result<()> {
    let days = prepared.days.clone();
    let folds = walk.folds(days.len());
    let Some(last) = folds.last() else {
        anyhow::bail!(
            "--walk-forward: {} day(s) of data, too few for one fold of {} train and {} test days",
            days.len(),
            walk.train_days,
            walk.test_days
        );
    };
    let used = &days[..last.test.end];
    sweep::open_out(args)?;
    sweep::prepare_caches(&prepared, args);
    let points = prepared.planner.search_points();
    let mut plans = Vec::new();
    for point in &points {
        for day in used {
            let mut plan = prepared.planner.plan_on(point, Some(day.to_string()), 0)?;
            prepared.planner.assign_id(&mut plan);
            plans.push(plan);
        }
    }
    let progress = sweep::progress_bar(plans.len() as u64);
    let started = Instant::now();
    let mut rows = Vec::new();
    let mut stats = BatchStats::default();
    sweep::run_batch(&prepared, &plans, &mut rows, &progress, &mut stats);
    progress.finish_and_clear();
    let by_id: HashMap<&str, &ResultRow> = rows.iter().map(|r| (r.run_id.as_str(), r)).collect();
    let row_of = |point: usize, day: usize| -> Option<&ResultRow> {
        plans
            .get(point * used.len() + day)
            .and_then(|plan| by_id.get(plan.run_id.as_str()).copied())
    };
    let value = |point: usize, day: usize| {
        row_of(point, day)
            .filter(|row| qualifies(row, &prepared.constraints))
            .and_then(|row| prepared.objective.value(row))
    };
    let results = evaluate(&folds, points.len(), prepared.objective.direction, value);
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

    // The winners' test days, one after the other, each run's PnL added
    // to the equity where the one before ended.
    let (mut ts, mut fold_col, mut day_col, mut run_col, mut equity_col) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut carry: Option<f64> = None;
    for (k, result) in results.iter().enumerate() {
        let Some(winner) = result.winner else {
            continue;
        };
        for day in result.fold.test.clone() {
            let Some(row) = row_of(winner, day) else {
                continue;
            };
            let (Some(final_equity), Some(pnl)) = (row.stat("final_equity"), row.stat("pnl"))
            else {
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
                day_col.push(Some(day_text(day)));
                run_col.push(Some(row.run_id.clone()));
                equity_col.push(start + point.equity - initial);
            }
            carry = Some(start + pnl);
        }
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
