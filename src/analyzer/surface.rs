//! The objective over the parameters of a finished sweep, for plots: a
//! surface over two axes (a heatmap) and the values along one (a
//! scatter), from the results table as written.

use std::path::Path;

use super::objective::{qualifies, Constraint, Objective};
use super::results::{ResultRow, RowStatus, STATS};
use super::value::{parse_value, value_text};

/// A sweep's results read back from its `results.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadResults {
    /// The keys of the space, in column order.
    pub keys: Vec<String>,
    /// The rows, in the table's order (best first).
    pub rows: Vec<ResultRow>,
}

/// Reads the `results.csv` of the sweep in `out`.
pub fn read_results(out: &Path) -> Result<ReadResults, String> {
    let path = out.join("results.csv");
    let fail = |err: csv::Error| format!("{}: {err}", path.display());
    let mut reader = csv::Reader::from_path(&path).map_err(fail)?;
    let header: Vec<String> = reader
        .headers()
        .map_err(fail)?
        .iter()
        .map(str::to_owned)
        .collect();
    let at = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| format!("{}: no column `{name}`", path.display()))
    };
    let (run_id, day) = (at("run_id")?, at("day")?);
    let (generation, status, error, hash) = (
        at("generation")?,
        at("status")?,
        at("error")?,
        at("config_hash")?,
    );
    let stat_columns: Vec<Option<usize>> = STATS
        .iter()
        .map(|name| header.iter().position(|h| h == name))
        .collect();
    let keys: Vec<String> = header[run_id + 1..day].to_vec();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(fail)?;
        let cell = |i: usize| record.get(i).unwrap_or("");
        rows.push(ResultRow {
            run_id: cell(run_id).to_owned(),
            point: keys
                .iter()
                .enumerate()
                .map(|(k, key)| (key.clone(), parse_value(cell(run_id + 1 + k))))
                .collect(),
            day: cell(day).to_owned(),
            generation: cell(generation).parse().unwrap_or(0),
            status: if cell(status) == "ok" {
                RowStatus::Ok
            } else {
                RowStatus::Failed
            },
            error: Some(cell(error).to_owned()).filter(|e| !e.is_empty()),
            stats: stat_columns
                .iter()
                .map(|c| c.and_then(|i| cell(i).parse::<f64>().ok()))
                .collect(),
            config_hash: cell(hash).to_owned(),
        });
    }
    Ok(ReadResults { keys, rows })
}

/// The objective over two keys of the space.
#[derive(Debug, Clone, PartialEq)]
pub struct Surface {
    /// The key along x, and its values in order of first appearance.
    pub x_key: String,
    /// The values along x, as text.
    pub x_values: Vec<String>,
    /// The key along y.
    pub y_key: String,
    /// The values along y, as text.
    pub y_values: Vec<String>,
    /// `cells[y][x]`: the mean objective of the qualifying runs with those
    /// two values (over the other keys and days), `None` without any.
    pub cells: Vec<Vec<Option<f64>>>,
}

/// The values of key `key` in the rows, as text, sorted as numbers when
/// they all are, else in order of first appearance.
fn values_of(rows: &[ResultRow], key: usize) -> Vec<String> {
    let mut values: Vec<String> = Vec::new();
    for row in rows {
        if let Some((_, value)) = row.point.get(key) {
            let text = value_text(value);
            if !values.contains(&text) {
                values.push(text);
            }
        }
    }
    let numbers: Option<Vec<f64>> = values.iter().map(|v| v.parse::<f64>().ok()).collect();
    if let Some(numbers) = numbers {
        let mut pairs: Vec<(f64, String)> = numbers.into_iter().zip(values).collect();
        pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
        return pairs.into_iter().map(|p| p.1).collect();
    }
    values
}

/// The objective over keys `x` and `y` (indices into the point).
pub fn surface(
    results: &ReadResults,
    objective: &Objective,
    constraints: &[Constraint],
    x: usize,
    y: usize,
) -> Surface {
    let x_values = values_of(&results.rows, x);
    let y_values = values_of(&results.rows, y);
    let mut sums = vec![vec![(0.0, 0usize); x_values.len()]; y_values.len()];
    for row in results.rows.iter().filter(|r| qualifies(r, constraints)) {
        let Some(value) = objective.value(row) else {
            continue;
        };
        let text = |k: usize| row.point.get(k).map(|(_, v)| value_text(v));
        let xi = text(x).and_then(|t| x_values.iter().position(|v| *v == t));
        let yi = text(y).and_then(|t| y_values.iter().position(|v| *v == t));
        if let (Some(xi), Some(yi)) = (xi, yi) {
            sums[yi][xi].0 += value;
            sums[yi][xi].1 += 1;
        }
    }
    Surface {
        x_key: results.keys.get(x).cloned().unwrap_or_default(),
        x_values,
        y_key: results.keys.get(y).cloned().unwrap_or_default(),
        y_values,
        cells: sums
            .into_iter()
            .map(|row| {
                row.into_iter()
                    .map(|(sum, n)| (n > 0).then(|| sum / n as f64))
                    .collect()
            })
            .collect(),
    }
}

/// The objective of each qualifying run along key `x`: its value there and
/// the objective, for a scatter.
pub fn profile(
    results: &ReadResults,
    objective: &Objective,
    constraints: &[Constraint],
    x: usize,
) -> Vec<(String, f64)> {
    results
        .rows
        .iter()
        .filter(|r| qualifies(r, constraints))
        .filter_map(|row| Some((value_text(&row.point.get(x)?.1), objective.value(row)?)))
        .collect()
}
