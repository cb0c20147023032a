//! The over-fitting warning: a best run whose neighbours in the grid are
//! much worse is an isolated peak, more likely luck than an edge.
//!
//! The neighbours of a point are the points one value away on one axis
//! (same day). The best qualifying run is flagged when at least one
//! neighbour ran and the neighbours' mean objective is nearer the sweep's
//! median than the best: below the midpoint of the best and the median
//! (in the objective's direction). A neighbour that failed or missed a
//! constraint counts at the sweep's worst value.

use super::config::point_text;
use super::objective::{qualifies, Objective};
use super::results::ResultRow;
use super::space::Space;

/// A warning when the best run is an isolated peak (`rows` best first).
pub fn isolated_peak(
    space: &Space,
    rows: &[ResultRow],
    objective: &Objective,
    constraints: &[super::objective::Constraint],
) -> Option<String> {
    let scored: Vec<(&ResultRow, f64)> = rows
        .iter()
        .filter(|r| qualifies(r, constraints))
        .filter_map(|r| objective.score(r).map(|s| (r, s)))
        .collect();
    if scored.len() < 3 {
        return None;
    }
    let (best, best_score) = scored.iter().copied().max_by(|a, b| a.1.total_cmp(&b.1))?;
    let mut scores: Vec<f64> = scored.iter().map(|s| s.1).collect();
    scores.sort_by(f64::total_cmp);
    let median = super::montecarlo::percentile(&scores, 50.0);
    let worst = scores[0];
    let genes = |row: &ResultRow| -> Option<Vec<usize>> {
        space
            .axes
            .iter()
            .zip(&row.point)
            .map(|(axis, (_, value))| axis.values.iter().position(|v| v == value))
            .collect()
    };
    let best_genes = genes(best)?;
    let neighbours: Vec<f64> = rows
        .iter()
        .filter(|r| r.day == best.day)
        .filter(|r| {
            genes(r).is_some_and(|g| {
                let steps: Vec<usize> = g
                    .iter()
                    .zip(&best_genes)
                    .map(|(a, b)| a.abs_diff(*b))
                    .collect();
                steps.iter().sum::<usize>() == 1
            })
        })
        .map(|r| {
            if qualifies(r, constraints) {
                objective.score(r).unwrap_or(worst)
            } else {
                worst
            }
        })
        .collect();
    if neighbours.is_empty() {
        return None;
    }
    let mean = neighbours.iter().sum::<f64>() / neighbours.len() as f64;
    if mean >= (best_score + median) / 2.0 || best_score <= median {
        return None;
    }
    let shown = |score: f64| match objective.direction {
        super::objective::Direction::Max => score,
        super::objective::Direction::Min => -score,
    };
    let point: Vec<toml::Value> = best.point.iter().map(|(_, v)| v.clone()).collect();
    Some(format!(
        "the best run {} ({}) is an isolated peak: its {} neighbours average {} {:.6} against its {:.6} (median of the sweep {:.6}); it may be over-fitted",
        best.run_id,
        point_text(space, &point),
        neighbours.len(),
        objective.stat,
        shown(mean),
        shown(best_score),
        shown(median)
    ))
}
