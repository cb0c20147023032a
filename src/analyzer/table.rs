//! The results table of a sweep, `results.parquet` and `results.csv`: one
//! row per run, best first.
//!
//! Columns: `rank` (1 = best), `run_id`, one column per key of the space
//! (whole numbers, numbers or text as its values are), `day`,
//! `generation`, `status` (`ok` | `failed`), `error`, every statistic of
//! [`STATS`], `meets_constraints` (`yes` | `no`), `config_hash` and
//! `folder` (the run's folder, relative to the sweep's). Nothing in it
//! depends on the machine or on how many runs went at once, so the same
//! sweep gives the same bytes.

use std::path::Path;

use super::objective::{qualifies, rank_order, Constraint, Objective};
use super::results::{ResultRow, STATS};
use super::space::Space;
use super::value::value_text;
use crate::report::{ReportError, Table, Values};

/// The rows sorted best first (see [`rank_order`]).
pub fn ranked(
    mut rows: Vec<ResultRow>,
    objective: &Objective,
    constraints: &[Constraint],
) -> Vec<ResultRow> {
    rows.sort_by(|a, b| rank_order(a, b, objective, constraints));
    rows
}

/// The results table of `rows`, in their order.
pub fn results_table(space: &Space, rows: &[ResultRow], constraints: &[Constraint]) -> Table {
    let mut table = Table::new()
        .column("rank", Values::Int((1..=rows.len() as i64).collect()))
        .column(
            "run_id",
            Values::Text(rows.iter().map(|r| Some(r.run_id.clone())).collect()),
        );
    for (i, axis) in space.axes.iter().enumerate() {
        let cells: Vec<Option<&toml::Value>> = rows
            .iter()
            .map(|r| r.point.get(i).map(|(_, v)| v))
            .collect();
        let all_ints = axis.values.iter().all(toml::Value::is_integer);
        let all_numbers = axis.values.iter().all(|v| v.is_integer() || v.is_float());
        let values = if all_ints {
            Values::Int(
                cells
                    .iter()
                    .map(|v| v.and_then(toml::Value::as_integer).unwrap_or(0))
                    .collect(),
            )
        } else if all_numbers {
            Values::Float(
                cells
                    .iter()
                    .map(|v| v.and_then(super::value::value_number).unwrap_or(f64::NAN))
                    .collect(),
            )
        } else {
            Values::Text(cells.iter().map(|v| v.map(value_text)).collect())
        };
        table = table.column(axis.key.clone(), values);
    }
    table = table
        .column(
            "day",
            Values::Text(rows.iter().map(|r| Some(r.day.clone())).collect()),
        )
        .column(
            "generation",
            Values::Int(rows.iter().map(|r| i64::from(r.generation)).collect()),
        )
        .column(
            "status",
            Values::Text(
                rows.iter()
                    .map(|r| Some(r.status.as_str().to_owned()))
                    .collect(),
            ),
        )
        .column(
            "error",
            Values::Text(rows.iter().map(|r| r.error.clone()).collect()),
        );
    for (i, name) in STATS.iter().enumerate() {
        let values = rows
            .iter()
            .map(|r| r.stats[i].unwrap_or(f64::NAN))
            .collect();
        table = table.column(*name, Values::Float(values));
    }
    table
        .column(
            "meets_constraints",
            Values::Text(
                rows.iter()
                    .map(|r| {
                        Some(
                            if qualifies(r, constraints) {
                                "yes"
                            } else {
                                "no"
                            }
                            .to_owned(),
                        )
                    })
                    .collect(),
            ),
        )
        .column(
            "config_hash",
            Values::Text(rows.iter().map(|r| Some(r.config_hash.clone())).collect()),
        )
        .column(
            "folder",
            Values::Text(
                rows.iter()
                    .map(|r| Some(format!("runs/{}", r.run_id)))
                    .collect(),
            ),
        )
}

/// Writes `results.parquet` and `results.csv` of `rows` into `dir`.
pub fn write_results(
    dir: &Path,
    space: &Space,
    rows: &[ResultRow],
    constraints: &[Constraint],
) -> Result<(), ReportError> {
    let table = results_table(space, rows, constraints);
    table.write_parquet(&dir.join("results.parquet"))?;
    table.write_csv(&dir.join("results.csv"))
}
