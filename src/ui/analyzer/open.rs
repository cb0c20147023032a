//! Opening one run of a sweep in the replay: the same data, symbols, days,
//! strategy and run configuration (its parameters, models and seed, from
//! the sweep's `configs/<id>.toml`), so that the fills stepped to are the
//! run's own.

use crate::analyzer::RunSpec;
use crate::market::day_range::DaySelection;
use crate::session::{Command, StepTarget};
use crate::ui::Action;

/// What the app does to replay `spec`, in order: the data, symbols and
/// days (as `ticklab run --symbol --day` takes them), then
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
    let days: DaySelection = spec
        .day
        .parse()
        .map_err(|err| format!("the run's days {}: {err}", spec.day))?;
    let symbols: Vec<String> = spec
        .symbol
        .as_deref()
        .map(|list| list.split(',').map(|s| s.trim().to_owned()).collect())
        .unwrap_or_default();
    Ok(vec![
        Action::Session(Command::Open {
            folder: spec.data.clone(),
            symbols,
            days,
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
                Action::Session(Command::Open {
                    folder: PathBuf::from("/data"),
                    symbols: vec!["ACME".to_owned()],
                    days: "2024-01-02".parse().unwrap(),
                }),
                Action::Session(Command::SetStrategy("mm".to_owned())),
                Action::OpenConfig(PathBuf::from("/s/configs/0002.toml")),
                Action::Session(Command::Step(StepTarget::BatchEnd)),
            ]
        );
    }

    #[test]
    fn a_run_over_several_days_and_symbols_opens_them_all() {
        let mut spec = spec("2024-01-02..2024-01-03");
        spec.symbol = Some("ACME, BTC-PERP".to_owned());
        let actions = replay_actions(&spec).unwrap();
        assert_eq!(
            actions[0],
            Action::Session(Command::Open {
                folder: PathBuf::from("/data"),
                symbols: vec!["ACME".to_owned(), "BTC-PERP".to_owned()],
                days: "2024-01-02..2024-01-03".parse().unwrap(),
            })
        );
    }

    #[test]
    fn a_run_of_a_chosen_class_says_why_it_cannot_be_replayed() {
        let mut spec = spec("2024-01-02");
        spec.class = Some("Other".to_owned());
        spec.strategy = "/s/two.py".to_owned();
        assert_eq!(
            replay_actions(&spec).unwrap_err(),
            "the run chose class Other of /s/two.py; the replay runs a file's one strategy class"
        );
    }
}
