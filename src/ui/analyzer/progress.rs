//! A sweep's progress as the window shows it: runs done of the total, the
//! best objective so far and the time left, from the rows of its results
//! table as it grows.

use crate::analyzer::{qualifies, Constraint, Objective, ResultRow};

/// How far a sweep has got.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    /// Runs with a row.
    pub done: usize,
    /// Runs the sweep plans.
    pub total: usize,
    /// The best qualifying run so far: its id and objective.
    pub best: Option<(String, f64)>,
    /// Seconds left at the pace of the runs done since the start, once
    /// any was.
    pub eta_secs: Option<f64>,
}

impl Progress {
    /// The progress of `rows` out of `total`, `elapsed_secs` after the
    /// start, when `done_at_start` rows were already there.
    pub fn of(
        rows: &[ResultRow],
        total: usize,
        done_at_start: usize,
        elapsed_secs: f64,
        objective: &Objective,
        constraints: &[Constraint],
    ) -> Progress {
        let done = rows.len();
        let best = rows
            .iter()
            .filter(|row| qualifies(row, constraints))
            .filter_map(|row| Some((row, objective.score(row)?, objective.value(row)?)))
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(row, _, value)| (row.run_id.clone(), value));
        let ran = done.saturating_sub(done_at_start);
        let eta_secs =
            (ran > 0).then(|| elapsed_secs / ran as f64 * total.saturating_sub(done) as f64);
        Progress {
            done,
            total,
            best,
            eta_secs,
        }
    }

    /// The fraction done, 0 to 1.
    pub fn fraction(&self) -> f32 {
        if self.total == 0 {
            return 0.0;
        }
        (self.done as f32 / self.total as f32).min(1.0)
    }

    /// One line: `3/8 runs · best sharpe 1.2345 (run 0002) · 12 s left`
    /// (`3 runs · ...` when the total is not known, 0).
    pub fn text(&self, stat: &str) -> String {
        let mut text = if self.total == 0 {
            format!("{} runs", self.done)
        } else {
            format!("{}/{} runs", self.done, self.total)
        };
        if let Some((id, value)) = &self.best {
            text.push_str(&format!(" · best {stat} {value:.4} (run {id})"));
        }
        if let Some(eta) = self.eta_secs.filter(|_| self.done < self.total) {
            // Unknown totals (0) never get here.
            text.push_str(&format!(" · {} left", duration_text(eta)));
        }
        text
    }
}

/// `42 s`, `3 min 5 s`, `1 h 2 min`.
pub fn duration_text(secs: f64) -> String {
    let secs = secs.max(0.0).round() as u64;
    match secs {
        0..=59 => format!("{secs} s"),
        60..=3599 => format!("{} min {} s", secs / 60, secs % 60),
        _ => format!("{} h {} min", secs / 3600, secs % 3600 / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyzer::{RowStatus, STATS};

    fn row(id: &str, sharpe: Option<f64>, fills: f64) -> ResultRow {
        let stats = STATS
            .iter()
            .map(|name| match *name {
                "sharpe" => sharpe,
                "fills" => Some(fills),
                _ => None,
            })
            .collect();
        ResultRow {
            run_id: id.to_owned(),
            point: Vec::new(),
            day: "2024-01-02".to_owned(),
            generation: 0,
            status: RowStatus::Ok,
            error: None,
            stats,
            config_hash: String::new(),
        }
    }

    #[test]
    fn the_best_qualifying_run_and_the_time_left_at_this_sweeps_pace() {
        let rows = [
            row("0001", Some(1.5), 3.0),
            row("0002", Some(2.5), 0.0),
            row("0003", Some(0.5), 9.0),
            row("0004", None, 9.0),
        ];
        let objective = Objective::parse("sharpe").unwrap();
        let constraints = [Constraint::parse("fills>1").unwrap()];
        // One row was there before; 3 ran in 6 s: 2 s a run, 6 runs left.
        let progress = Progress::of(&rows, 10, 1, 6.0, &objective, &constraints);
        assert_eq!(progress.done, 4);
        assert_eq!(progress.best, Some(("0001".to_owned(), 1.5)));
        assert_eq!(progress.eta_secs, Some(12.0));
        assert_eq!(
            progress.text("sharpe"),
            "4/10 runs · best sharpe 1.5000 (run 0001) · 12 s left"
        );
        assert!((progress.fraction() - 0.4).abs() < 1e-6);
        let min = Objective::parse("min:sharpe").unwrap();
        let progress = Progress::of(&rows, 4, 4, 6.0, &min, &[]);
        assert_eq!(progress.best, Some(("0003".to_owned(), 0.5)));
        assert_eq!(progress.eta_secs, None);
        assert_eq!(
            progress.text("sharpe"),
            "4/4 runs · best sharpe 0.5000 (run 0003)"
        );
    }

    #[test]
    fn durations_read_in_their_unit() {
        assert_eq!(duration_text(42.4), "42 s");
        assert_eq!(duration_text(185.0), "3 min 5 s");
        assert_eq!(duration_text(3720.0), "1 h 2 min");
    }
}
