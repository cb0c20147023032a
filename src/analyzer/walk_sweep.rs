//! A walk-forward sweep's runs and tables, whoever runs them: every point
//! of the search over each fold's train days, then each fold's winner over
//! its test days; the folds' table (`walk_forward.csv`) and the
//! out-of-sample equity stitched fold after fold (`oos_equity.csv`).
//! `ticklab sweep --walk-forward` runs the plans in worker processes,
//! `ticklab.sweep(walk_forward=...)` on processes, Ray or Dask.

use std::collections::HashMap;
use std::ops::Range;

use crate::market::catalog::Day;
use crate::report::{Table, Values};

use super::equity::EquityPoint;
use super::walkforward::{efficiency, winners, Fold, FoldResult, WalkForward};
use super::{
    point_text, qualifies, Constraint, Objective, Planner, Point, ResultRow, RunPlan, SweepError,
};

/// The plans of a walk-forward analysis and, once their rows are back, its
/// folds' results.
#[derive(Debug, Clone)]
pub struct WalkForwardSweep {
    days: Vec<Day>,
    folds: Vec<Fold>,
    points: Vec<Point>,
    train_plans: Vec<RunPlan>,
    won: Vec<Option<(usize, f64)>>,
    test_ids: Vec<Option<String>>,
}

impl WalkForwardSweep {
    /// Plans every point of `planner`'s search over each fold of `days`
    /// (oldest first) cut by `walk`.
    ///
    /// # Errors
    ///
    /// Too few days for one fold, or a point the base configuration
    /// refuses.
    pub fn plan(
        planner: &mut Planner,
        days: Vec<Day>,
        walk: &WalkForward,
    ) -> Result<Self, SweepError> {
        let folds = walk.folds(days.len());
        if folds.is_empty() {
            return Err(SweepError::new(
                "--walk-forward",
                format!(
                    "{} day(s) of data, too few for one fold of {} train and {} test days",
                    days.len(),
                    walk.train_days,
                    walk.test_days
                ),
            ));
        }
        let points = planner.search_points();
        let mut sweep = WalkForwardSweep {
            days,
            folds,
            points,
            train_plans: Vec::new(),
            won: Vec::new(),
            test_ids: Vec::new(),
        };
        for k in 0..sweep.folds.len() {
            for point in &sweep.points {
                let mut plan =
                    planner.plan_on(point, Some(sweep.window(&sweep.folds[k].train)), 0)?;
                planner.assign_id(&mut plan);
                sweep.train_plans.push(plan);
            }
        }
        Ok(sweep)
    }

    /// The folds.
    pub fn folds(&self) -> &[Fold] {
        &self.folds
    }

    /// The points of the search, in order.
    pub fn points(&self) -> &[Point] {
        &self.points
    }

    /// Every point over every fold's train days, fold after fold.
    pub fn train_plans(&self) -> &[RunPlan] {
        &self.train_plans
    }

    /// A window of days as `--day` says it: one date or a range.
    pub fn window(&self, days_of: &Range<usize>) -> String {
        let (first, last) = (self.days[days_of.start], self.days[days_of.end - 1]);
        if first == last {
            first.to_string()
        } else {
            format!("{first}..{last}")
        }
    }

    /// The `i`th day.
    pub fn day_text(&self, i: usize) -> String {
        self.days[i].to_string()
    }

    /// Picks each fold's winner from the train runs' `rows` and plans each
    /// winner over its fold's test days (a run already done or planned —
    /// the same point over the same days — is not planned again).
    ///
    /// # Errors
    ///
    /// A point the base configuration refuses.
    pub fn plan_tests(
        &mut self,
        planner: &mut Planner,
        rows: &[ResultRow],
        objective: &Objective,
        constraints: &[Constraint],
    ) -> Result<Vec<RunPlan>, SweepError> {
        let npoints = self.points.len();
        let train_plans = &self.train_plans;
        self.won = winners(self.folds.len(), npoints, objective.direction, |p, f| {
            let plan = train_plans.get(f * npoints + p)?;
            rows.iter()
                .find(|r| r.run_id == plan.run_id)
                .filter(|row| qualifies(row, constraints))
                .and_then(|row| objective.value(row))
        });
        self.test_ids = vec![None; self.folds.len()];
        let mut test_plans: Vec<RunPlan> = Vec::new();
        for k in 0..self.folds.len() {
            let Some((point, _)) = self.won[k] else {
                continue;
            };
            let mut plan = planner.plan_on(
                &self.points[point],
                Some(self.window(&self.folds[k].test)),
                0,
            )?;
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
                Some(id) => self.test_ids[k] = Some(id),
                None => {
                    planner.assign_id(&mut plan);
                    self.test_ids[k] = Some(plan.run_id.clone());
                    test_plans.push(plan);
                }
            }
        }
        Ok(test_plans)
    }

    /// The rows of the test runs, fold by fold (`None` where a fold had no
    /// winner).
    pub fn test_rows<'r>(&self, rows: &'r [ResultRow]) -> Vec<Option<&'r ResultRow>> {
        let by_id: HashMap<&str, &ResultRow> =
            rows.iter().map(|r| (r.run_id.as_str(), r)).collect();
        self.test_ids
            .iter()
            .map(|id| id.as_deref().and_then(|id| by_id.get(id).copied()))
            .collect()
    }

    /// Each fold's winner and its in-sample and out-of-sample objective.
    pub fn results(&self, rows: &[ResultRow], objective: &Objective) -> Vec<FoldResult> {
        let tests = self.test_rows(rows);
        self.folds
            .iter()
            .enumerate()
            .map(|(k, fold)| FoldResult {
                fold: fold.clone(),
                winner: self.won.get(k).copied().flatten().map(|(p, _)| p),
                in_sample: self.won.get(k).copied().flatten().map(|(_, x)| x),
                out_of_sample: tests[k].and_then(|row| objective.value(row)),
            })
            .collect()
    }

    /// The walk-forward efficiency of `results`: the mean out-of-sample
    /// objective over the mean in-sample one.
    pub fn efficiency(results: &[FoldResult]) -> Option<f64> {
        efficiency(results)
    }

    /// A fold's winner as `key=value, ...`.
    pub fn winner_text(&self, planner: &Planner, result: &FoldResult) -> Option<String> {
        result
            .winner
            .map(|w| point_text(planner.space(), &self.points[w]))
    }

    /// The folds' table (`walk_forward.csv`): fold, train and test days,
    /// winner, its train and test runs, in-sample and out-of-sample
    /// objective.
    pub fn fold_table(&self, planner: &Planner, results: &[FoldResult]) -> Table {
        let days = |f: &dyn Fn(&Fold) -> usize| -> Values {
            Values::Text(
                results
                    .iter()
                    .map(|r| Some(self.day_text(f(&r.fold))))
                    .collect(),
            )
        };
        let npoints = self.points.len();
        Table::new()
            .column("fold", Values::Int((1..=results.len() as i64).collect()))
            .column("train_from", days(&|f| f.train.start))
            .column("train_to", days(&|f| f.train.end - 1))
            .column("test_from", days(&|f| f.test.start))
            .column("test_to", days(&|f| f.test.end - 1))
            .column(
                "winner",
                Values::Text(
                    results
                        .iter()
                        .map(|r| self.winner_text(planner, r))
                        .collect(),
                ),
            )
            .column(
                "train_run",
                Values::Text(
                    (0..results.len())
                        .map(|k| {
                            let point = self.won.get(k).copied().flatten()?.0;
                            self.train_plans
                                .get(k * npoints + point)
                                .map(|p| p.run_id.clone())
                        })
                        .collect(),
                ),
            )
            .column("test_run", Values::Text(self.test_ids.clone()))
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
            )
    }

    /// The winners' test runs one after the other (`oos_equity.csv`), each
    /// run's PnL added to the equity where the one before ended;
    /// `equity_of` reads a test run's equity curve.
    ///
    /// # Errors
    ///
    /// What `equity_of` says.
    pub fn oos_equity(
        &self,
        rows: &[ResultRow],
        results: &[FoldResult],
        mut equity_of: impl FnMut(&ResultRow) -> Result<Vec<EquityPoint>, String>,
    ) -> Result<Table, String> {
        let tests = self.test_rows(rows);
        let (mut ts, mut fold_col, mut day_col, mut run_col, mut equity_col) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let mut carry: Option<f64> = None;
        for (k, result) in results.iter().enumerate() {
            let Some(row) = tests[k] else {
                continue;
            };
            let (Some(final_equity), Some(pnl)) = (row.stat("final_equity"), row.stat("pnl"))
            else {
                continue;
            };
            let initial = final_equity - pnl;
            let start = *carry.get_or_insert(initial);
            for point in equity_of(row)? {
                ts.push(point.ts_ns);
                fold_col.push(k as i64 + 1);
                day_col.push(Some(self.window(&result.fold.test)));
                run_col.push(Some(row.run_id.clone()));
                equity_col.push(start + point.equity - initial);
            }
            carry = Some(start + pnl);
        }
        Ok(Table::new()
            .column("ts", Values::Timestamp(ts))
            .column("fold", Values::Int(fold_col))
            .column("day", Values::Text(day_col))
            .column("run_id", Values::Text(run_col))
            .column("equity", Values::Float(equity_col)))
    }
}
