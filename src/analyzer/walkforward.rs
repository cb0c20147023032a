//! Walk-forward analysis: optimise on a window of days, run the winner on
//! the days that follow, move on; report each fold's in-sample and
//! out-of-sample results and the walk-forward efficiency.
//!
//! `rolling` folds slide a train window of `train` days by `test` days;
//! `anchored` folds keep the first day and grow. Each point of the search
//! runs once over each fold's train days (one run, one clock: positions
//! carry over midnight); the winner is the point whose run has the best
//! objective (a failed run or a missed constraint cannot win; a tie goes
//! to the earlier point of the search), and it then runs once over the
//! test days. Walk-forward efficiency is the mean out-of-sample objective
//! over the mean in-sample objective of the folds.

use std::ops::Range;

use super::error::SweepError;
use super::objective::Direction;

/// How the days are cut into folds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WalkForward {
    /// Days to optimise on.
    pub train_days: usize,
    /// Days to test on, right after.
    pub test_days: usize,
    /// Keep the first train day (the window grows) instead of sliding.
    pub anchored: bool,
}

/// One fold: the days (indices into the sorted days) it trains and tests on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fold {
    /// Train days.
    pub train: Range<usize>,
    /// Test days.
    pub test: Range<usize>,
}

/// A fold's outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct FoldResult {
    /// The fold.
    pub fold: Fold,
    /// The winning point's index, `None` when no point qualified.
    pub winner: Option<usize>,
    /// The winner's mean objective over the train days.
    pub in_sample: Option<f64>,
    /// The winner's mean objective over the test days (`None` when a test
    /// run failed).
    pub out_of_sample: Option<f64>,
}

impl WalkForward {
    /// `train=5d,test=1d` with `,anchored` or `,rolling` (the default).
    pub fn parse(text: &str) -> Result<WalkForward, SweepError> {
        let flag = format!("--walk-forward {text}");
        let (mut train, mut test, mut anchored) = (None, None, false);
        for part in text.split(',').map(str::trim) {
            match part.split_once('=') {
                Some((key @ ("train" | "test"), days)) => {
                    let count = days
                        .strip_suffix('d')
                        .and_then(|n| n.parse::<usize>().ok())
                        .filter(|n| *n > 0)
                        .ok_or_else(|| {
                            SweepError::new(
                                &flag,
                                format!("{key}={days}: write a number of days, e.g. {key}=3d"),
                            )
                        })?;
                    if key == "train" {
                        train = Some(count);
                    } else {
                        test = Some(count);
                    }
                }
                None if part == "anchored" => anchored = true,
                None if part == "rolling" => anchored = false,
                _ => {
                    return Err(SweepError::new(
                        &flag,
                        format!(
                            "{part:?}: write train=Nd,test=Md and optionally anchored or rolling"
                        ),
                    ))
                }
            }
        }
        match (train, test) {
            (Some(train_days), Some(test_days)) => Ok(WalkForward {
                train_days,
                test_days,
                anchored,
            }),
            _ => Err(SweepError::new(&flag, "give both train=Nd and test=Md")),
        }
    }

    /// The folds over `days` days, in order.
    pub fn folds(&self, days: usize) -> Vec<Fold> {
        let mut folds = Vec::new();
        let mut k = 0;
        loop {
            let test_start = self.train_days + k * self.test_days;
            let test_end = test_start + self.test_days;
            if test_end > days {
                return folds;
            }
            let train_start = if self.anchored { 0 } else { k * self.test_days };
            folds.push(Fold {
                train: train_start..test_start,
                test: test_start..test_end,
            });
            k += 1;
        }
    }
}

/// Each fold's winning point and its in-sample value. `value(point,
/// fold)` is the objective of that point's run over the fold's train days,
/// `None` when it failed or missed a constraint; `direction` says which
/// way is better.
pub fn winners(
    folds: usize,
    points: usize,
    direction: Direction,
    value: impl Fn(usize, usize) -> Option<f64>,
) -> Vec<Option<(usize, f64)>> {
    (0..folds)
        .map(|fold| {
            let mut best: Option<(usize, f64)> = None;
            for point in 0..points {
                let Some(x) = value(point, fold).filter(|x| x.is_finite()) else {
                    continue;
                };
                let better = match (best, direction) {
                    (None, _) => true,
                    (Some((_, b)), Direction::Max) => x > b,
                    (Some((_, b)), Direction::Min) => x < b,
                };
                if better {
                    best = Some((point, x));
                }
            }
            best
        })
        .collect()
}

/// Mean out-of-sample over mean in-sample value of the folds that have
/// both; `None` without any or with a mean in-sample value of 0.
pub fn efficiency(results: &[FoldResult]) -> Option<f64> {
    let pairs: Vec<(f64, f64)> = results
        .iter()
        .filter_map(|r| Some((r.in_sample?, r.out_of_sample?)))
        .collect();
    if pairs.is_empty() {
        return None;
    }
    let n = pairs.len() as f64;
    let is = pairs.iter().map(|p| p.0).sum::<f64>() / n;
    let oos = pairs.iter().map(|p| p.1).sum::<f64>() / n;
    (is != 0.0).then(|| oos / is)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_roll_or_grow() {
        let wf = WalkForward::parse("train=2d,test=1d").unwrap();
        assert_eq!(
            wf.folds(5),
            [
                Fold {
                    train: 0..2,
                    test: 2..3
                },
                Fold {
                    train: 1..3,
                    test: 3..4
                },
                Fold {
                    train: 2..4,
                    test: 4..5
                },
            ]
        );
        let wf = WalkForward::parse("train=2d,test=2d,anchored").unwrap();
        assert_eq!(
            wf.folds(7),
            [
                Fold {
                    train: 0..2,
                    test: 2..4
                },
                Fold {
                    train: 0..4,
                    test: 4..6
                }
            ]
        );
        assert!(WalkForward::parse("train=2d,test=0d").is_err());
        assert_eq!(
            WalkForward::parse("train=2").unwrap_err().to_string(),
            "--walk-forward train=2: train=2: write a number of days, e.g. train=3d"
        );
    }

    #[test]
    fn the_best_train_run_wins_and_a_failed_one_cannot() {
        // values[point][fold]
        let values = [[3.0, 3.5], [3.5, 2.0], [3.5, 1.0]];
        let got = winners(2, 3, Direction::Max, |p, f| Some(values[p][f]));
        // Fold 1: a tie of points 1 and 2 goes to 1; fold 2: point 0.
        assert_eq!(got, [Some((1, 3.5)), Some((0, 3.5))]);
        let got = winners(2, 3, Direction::Min, |p, f| Some(values[p][f]));
        assert_eq!(got, [Some((0, 3.0)), Some((2, 1.0))]);
        let got = winners(2, 3, Direction::Max, |p, f| (p != 1).then(|| values[p][f]));
        assert_eq!(got, [Some((2, 3.5)), Some((0, 3.5))]);
        assert_eq!(winners(1, 2, Direction::Max, |_, _| None), [None]);
        let results: Vec<FoldResult> = [(3.5, 1.0), (3.5, 0.0)]
            .iter()
            .map(|&(is, oos)| FoldResult {
                fold: Fold {
                    train: 0..1,
                    test: 1..2,
                },
                winner: Some(0),
                in_sample: Some(is),
                out_of_sample: Some(oos),
            })
            .collect();
        assert_eq!(efficiency(&results), Some(0.5 / 3.5));
    }
}
