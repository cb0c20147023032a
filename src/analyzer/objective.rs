//! What a sweep optimises (`--objective`) and what a run must satisfy to
//! count (`--require`).

use std::cmp::Ordering;

use super::error::SweepError;
use super::results::{ResultRow, RowStatus, STATS};

/// Whether a larger or a smaller value is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Smaller is better (`min:max_drawdown`).
    Min,
    /// Larger is better (`max:sharpe`).
    Max,
}

/// A summary statistic to optimise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Objective {
    /// The statistic, one of [`STATS`].
    pub stat: String,
    /// Which way is better.
    pub direction: Direction,
}

/// Statistics where smaller is better unless the objective says `max:`.
const SMALLER_IS_BETTER: &[&str] = &[
    "max_drawdown",
    "max_drawdown_pct",
    "fees",
    "orders_rejected",
    "liquidations",
    "funding_paid",
    "mean_time_in_queue_ms",
    "losses",
    "avg_mae",
    "worst_mae",
];

impl Objective {
    /// `[min:|max:]stat`; without a prefix, drawdowns, fees and the like
    /// are minimised and everything else maximised.
    pub fn parse(text: &str) -> Result<Objective, SweepError> {
        let flag = format!("--objective {text}");
        let (direction, stat) = match text.split_once(':') {
            Some(("min", stat)) => (Some(Direction::Min), stat),
            Some(("max", stat)) => (Some(Direction::Max), stat),
            Some((other, _)) => {
                return Err(SweepError::new(
                    flag,
                    format!("`{other}:` is not a direction; write min:STAT or max:STAT"),
                ))
            }
            None => (None, text),
        };
        let stat = stat.trim();
        if !STATS.contains(&stat) {
            return Err(SweepError::new(
                flag,
                format!(
                    "`{stat}` is not a summary statistic; statistics: {}",
                    STATS.join(", ")
                ),
            ));
        }
        let direction = direction.unwrap_or(if SMALLER_IS_BETTER.contains(&stat) {
            Direction::Min
        } else {
            Direction::Max
        });
        Ok(Objective {
            stat: stat.to_owned(),
            direction,
        })
    }

    /// The row's value of the statistic, `None` for a failed run or a
    /// missing value.
    pub fn value(&self, row: &ResultRow) -> Option<f64> {
        if row.status != RowStatus::Ok {
            return None;
        }
        row.stat(&self.stat).filter(|x| x.is_finite())
    }

    /// The value with larger better, for comparisons.
    pub fn score(&self, row: &ResultRow) -> Option<f64> {
        self.value(row).map(|x| match self.direction {
            Direction::Max => x,
            Direction::Min => -x,
        })
    }

    /// `min:stat` or `max:stat`.
    pub fn text(&self) -> String {
        let way = match self.direction {
            Direction::Min => "min",
            Direction::Max => "max",
        };
        format!("{way}:{}", self.stat)
    }
}

/// A condition a run must meet, `stat OP number`, e.g.
/// `max_drawdown_pct<5`.
#[derive(Debug, Clone, PartialEq)]
pub struct Constraint {
    /// The statistic.
    pub stat: String,
    /// The comparison: `<`, `<=`, `>`, `>=`, `==`, `!=`.
    pub op: String,
    /// The bound.
    pub bound: f64,
}

impl Constraint {
    /// Reads `stat OP number`.
    pub fn parse(text: &str) -> Result<Constraint, SweepError> {
        let flag = format!("--require {text}");
        let at = text.find(['<', '>', '=', '!']).ok_or_else(|| {
            SweepError::new(
                &flag,
                "write STAT<NUMBER, e.g. max_drawdown_pct<5 (operators < <= > >= == !=)",
            )
        })?;
        let stat = text[..at].trim();
        let rest = &text[at..];
        let op = ["<=", ">=", "==", "!=", "<", ">"]
            .into_iter()
            .find(|op| rest.starts_with(op))
            .ok_or_else(|| SweepError::new(&flag, "operators are < <= > >= == !="))?;
        let number = rest[op.len()..].trim();
        let bound = number
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
            .ok_or_else(|| SweepError::new(&flag, format!("{number:?} is not a number")))?;
        if !STATS.contains(&stat) {
            return Err(SweepError::new(
                &flag,
                format!(
                    "`{stat}` is not a summary statistic; statistics: {}",
                    STATS.join(", ")
                ),
            ));
        }
        Ok(Constraint {
            stat: stat.to_owned(),
            op: op.to_owned(),
            bound,
        })
    }

    /// True when the row's statistic meets it (never for a missing value).
    pub fn holds(&self, row: &ResultRow) -> bool {
        let Some(x) = row.stat(&self.stat) else {
            return false;
        };
        match self.op.as_str() {
            "<" => x < self.bound,
            "<=" => x <= self.bound,
            ">" => x > self.bound,
            ">=" => x >= self.bound,
            "==" => x == self.bound,
            _ => x != self.bound,
        }
    }

    /// As written: `max_drawdown_pct<5`.
    pub fn text(&self) -> String {
        format!("{}{}{}", self.stat, self.op, self.bound)
    }
}

/// True when the row ran to the end and meets every constraint.
pub fn qualifies(row: &ResultRow, constraints: &[Constraint]) -> bool {
    row.status == RowStatus::Ok && constraints.iter().all(|c| c.holds(row))
}

/// Best first: qualifying runs by objective (a missing value last), then
/// runs that miss a constraint, then failed runs; ties by run id.
pub fn rank_order(
    a: &ResultRow,
    b: &ResultRow,
    objective: &Objective,
    constraints: &[Constraint],
) -> Ordering {
    let class = |row: &ResultRow| match (row.status, qualifies(row, constraints)) {
        (RowStatus::Ok, true) => 0,
        (RowStatus::Ok, false) => 1,
        (RowStatus::Failed, _) => 2,
    };
    class(a)
        .cmp(&class(b))
        .then_with(|| match (objective.score(a), objective.score(b)) {
            (Some(x), Some(y)) => y.total_cmp(&x),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        })
        .then_with(|| a.run_id.cmp(&b.run_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objectives_and_constraints_read_and_refuse() {
        let o = Objective::parse("sharpe").unwrap();
        assert_eq!(o.text(), "max:sharpe");
        assert_eq!(
            Objective::parse("max_drawdown").unwrap().text(),
            "min:max_drawdown"
        );
        assert_eq!(
            Objective::parse("max:max_drawdown").unwrap().text(),
            "max:max_drawdown"
        );
        let err = Objective::parse("sharp").unwrap_err().to_string();
        assert!(
            err.starts_with(
                "--objective sharp: `sharp` is not a summary statistic; statistics: pnl, "
            ),
            "{err}"
        );
        let err = Objective::parse("best:pnl").unwrap_err().to_string();
        assert_eq!(
            err,
            "--objective best:pnl: `best:` is not a direction; write min:STAT or max:STAT"
        );
        // The round trips' statistics, from the summary like the others.
        assert_eq!(
            Objective::parse("profit_factor").unwrap().text(),
            "max:profit_factor"
        );
        assert_eq!(
            Objective::parse("worst_mae").unwrap().text(),
            "min:worst_mae"
        );
        let c = Constraint::parse("win_rate>0.5").unwrap();
        assert_eq!(
            (c.stat.as_str(), c.op.as_str(), c.bound),
            ("win_rate", ">", 0.5)
        );
        let c = Constraint::parse("max_drawdown_pct<5").unwrap();
        assert_eq!(
            (c.stat.as_str(), c.op.as_str(), c.bound),
            ("max_drawdown_pct", "<", 5.0)
        );
        let c = Constraint::parse("fills >= 100").unwrap();
        assert_eq!(
            (c.stat.as_str(), c.op.as_str(), c.bound),
            ("fills", ">=", 100.0)
        );
        assert_eq!(
            Constraint::parse("fills>x").unwrap_err().to_string(),
            "--require fills>x: \"x\" is not a number"
        );
        assert!(Constraint::parse("fills")
            .unwrap_err()
            .to_string()
            .starts_with("--require fills: write STAT<NUMBER"));
    }
}
