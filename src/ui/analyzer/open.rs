//! Opening one run of a sweep in the replay: the same data, symbol, day,
//! strategy and run configuration (its parameters, models and seed, from
//! the sweep's `configs/<id>.toml`), so that the fills stepped to are the
//! run's own.

use crate::analyzer::RunSpec;
use crate::market::catalog::Day;
use crate::session::{Command, StepTarget};
use crate::ui::Action;

/// What the app does to replay `spec`, in order: the data and day, then
/// the strategy, then the run's configuration (which re-runs the fresh
/// run with it), then a step to the first consistent book, where a fresh
/// run starts. An error says why the replay cannot show the run.
pub fn replay_actions(spec: &RunSpec) -> Result<Vec<Action>, String> {
    if let Some(class) = &spec.class {
        return Err(format!(
            "the run chose class {class} of {}; the replay runs a file's one strategy class",
            spec.strategy
        ));
    }
    let day: Day = spec.day.parse().map_err(|_| {
        format!(
            "the run went over {}; the replay loads one day at a time",
            spec.day
        )
    })?;
    Ok(vec![
        Action::Session(Command::Load {
            folder: spec.data.clone(),
            symbol: spec.symbol.clone(),
            day: Some(day),
        }),
        Action::Session(Command::SetStrategy(spec.strategy.clone())),
        Action::OpenConfig(spec.config.clone()),
        Action::Session(Command::Step(StepTarget::BatchEnd)),
    ])
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn spec(day: &str) -> RunSpec {
        RunSpec {
            data: PathBuf::from("/data"),
            symbol: Some("ACME".to_owned()),
            day: day.to_owned(),
            strategy: "mm".to_owned(),
            class: None,
            config: PathBuf::from("/s/configs/0002.toml"),
        }
    }

    #[test]
    fn a_run_loads_its_day_then_its_strategy_then_its_configuration() {
        let actions = replay_actions(&spec("2024-01-02")).unwrap();
        assert_eq!(
            actions,
            [
                Action::Session(Command::Load {
                    folder: PathBuf::from("/data"),
                    symbol: Some("ACME".to_owned()),
                    day: Some("2024-01-02".parse().unwrap()),
                }),
                Action::Session(Command::SetStrategy("mm".to_owned())),
                Action::OpenConfig(PathBuf::from("/s/configs/0002.toml")),
                Action::Session(Command::Step(StepTarget::BatchEnd)),
            ]
        );
    }

    #[test]
    fn a_run_over_several_days_says_why_it_cannot_be_replayed() {
        assert_eq!(
            replay_actions(&spec("2024-01-02..2024-01-03")).unwrap_err(),
            "the run went over 2024-01-02..2024-01-03; the replay loads one day at a time"
        );
    }
}
