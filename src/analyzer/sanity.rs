//! The over-fitting warning: a best run whose neighbours in the grid are
//! much worse is an isolated peak, more likely luck than an edge.
//!
//! The neighbours of a point are the points one value away on one axis
//! (same day). The best qualifying run is flagged when at least one
//! neighbour ran and the neighbours' mean objective is worse than the
//! sweep's median: the best stands alone among runs worse than usual. A
//! neighbour that failed or missed a constraint counts at the sweep's worst
//! value.

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
    if mean >= median || best_score <= median {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyzer::results::{RowStatus, STATS};

    fn rows(space: &Space, pnls: &[f64]) -> Vec<ResultRow> {
        let pnl = STATS.iter().position(|s| *s == "pnl").unwrap();
        pnls.iter()
            .enumerate()
            .map(|(i, &x)| {
                let mut stats = vec![None; STATS.len()];
                stats[pnl] = Some(x);
                let point = space.point_at(i);
                ResultRow {
                    run_id: format!("{:04}", i + 1),
                    point: space
                        .axes
                        .iter()
                        .map(|a| a.key.clone())
                        .zip(point)
                        .collect(),
                    day: String::new(),
                    generation: 0,
                    status: RowStatus::Ok,
                    error: None,
                    stats,
                    config_hash: String::new(),
                }
            })
            .collect()
    }

    #[test]
    fn a_best_run_far_above_its_neighbours_is_flagged() {
        let space = Space::parse(&toml::Table::new(), &["k=1,2,3,4,5".to_owned()], &[]).unwrap();
        let objective = Objective::parse("pnl").unwrap();
        // k=3 earns 10; its neighbours 1 and 0 average below the median 1.
        let peak = rows(&space, &[1.0, 1.0, 10.0, 0.0, 2.0]);
        let warning = isolated_peak(&space, &peak, &objective, &[]).unwrap();
        assert_eq!(
            warning,
            "the best run 0003 (k=3) is an isolated peak: its 2 neighbours average pnl 0.500000 against its 10.000000 (median of the sweep 1.000000); it may be over-fitted"
        );
        // A plateau: neighbours 9 and 9.5 average 9.25, above the median 9.
        let plateau = rows(&space, &[1.0, 9.0, 10.0, 9.5, 2.0]);
        assert_eq!(isolated_peak(&space, &plateau, &objective, &[]), None);
    }
}
