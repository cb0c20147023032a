//! What the Analyzer view asks of a sweep: the space (a grid list or a
//! range per key), the search, the objective, the constraints, the jobs,
//! the days and an optional walk-forward; checked with the analyzer's own
//! parsers (their errors name what is wrong) and turned into the
//! arguments of `ticklab sweep`.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use crate::analyzer::walkforward::WalkForward;
use crate::analyzer::{BaseConfig, Constraint, Objective, Planner, Search, Space, SweepError};

/// How one key's values are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AxisKind {
    /// A list: `0.2,0.5,1.0` or `risk_averse,prob_log`.
    Grid,
    /// Evenly spaced, both ends included: `0.2..1.0:0.2`.
    Range,
}

/// One axis of the space as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AxisField {
    /// A strategy parameter or a run-configuration field's dotted path.
    pub key: String,
    /// A list or a range.
    pub kind: AxisKind,
    /// The values as typed.
    pub values: String,
}

impl AxisField {
    /// The flag's value, `KEY=VALUES`.
    fn flag_value(&self) -> String {
        format!("{}={}", self.key.trim(), self.values.trim())
    }

    /// The flag as the analyzer names it in errors: `--grid KEY=VALUES`.
    fn origin(&self) -> String {
        format!("{} {}", self.flag(), self.flag_value())
    }

    fn flag(&self) -> &'static str {
        match self.kind {
            AxisKind::Grid => "--grid",
            AxisKind::Range => "--range",
        }
    }
}

/// How the space is searched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchKind {
    /// Every point.
    Grid,
    /// `samples` points drawn with `seed`.
    Random,
    /// A genetic search of `population` × `generations`.
    Genetic,
}

/// The sweep as the user fills it in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SweepForm {
    /// The axes, in order.
    pub axes: Vec<AxisField>,
    /// How the space is searched.
    pub search: SearchKind,
    /// Points of a random search.
    pub samples: usize,
    /// Points per generation of a genetic search.
    pub population: usize,
    /// Generations of a genetic search.
    pub generations: u32,
    /// Seed of the random and genetic searches.
    pub seed: u64,
    /// The statistic to optimise, `min:` / `max:` before it to say which way.
    pub objective: String,
    /// Conditions every counted run must meet, one per line.
    pub constraints: String,
    /// Runs at once; 0: one per core.
    pub jobs: usize,
    /// The days each run runs over (`--day`): a date, a list, a range or
    /// `all`; empty: the day loaded in the replay.
    pub day: String,
    /// `train=Nd,test=Md[,anchored]`; empty: no walk-forward.
    pub walk_forward: String,
    /// The sweep's folder; empty: the default beside the data.
    pub out: String,
}

impl Default for SweepForm {
    fn default() -> Self {
        SweepForm {
            axes: vec![AxisField {
                key: String::new(),
                kind: AxisKind::Grid,
                values: String::new(),
            }],
            search: SearchKind::Grid,
            samples: 10,
            population: 8,
            generations: 4,
            seed: 0,
            objective: "sharpe".to_owned(),
            constraints: String::new(),
            jobs: 0,
            day: String::new(),
            walk_forward: String::new(),
            out: String::new(),
        }
    }
}

/// What the sweep runs besides the form: the replay's data, strategy and
/// settings.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepContext {
    /// The data folder.
    pub data: PathBuf,
    /// The replay's instruments, as `--symbol` takes them (`ACME` or
    /// `ACME,BTC-PERP`).
    pub symbol: Option<String>,
    /// The replay's days, as `--day` takes them (`2026-03-02` or a list).
    pub day: Option<String>,
    /// The strategy: a built-in name or a file.
    pub strategy: String,
    /// The run configuration every run starts from, as `run.toml` text.
    pub config_toml: String,
}

/// The field an error belongs beside.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// The space as a whole (nothing to sweep), or the strategy.
    Space,
    /// The axis at this index.
    Axis(usize),
    /// The search and its sizes.
    Search,
    /// The objective.
    Objective,
    /// The constraints.
    Constraints,
    /// The days.
    Day,
    /// The walk-forward.
    WalkForward,
    /// The sweep's folder.
    Out,
}

/// An error and the field it is shown beside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Where it shows.
    pub field: Field,
    /// The analyzer's message, naming the flag and what is wrong.
    pub message: String,
}

impl SweepForm {
    /// The `[KEY=VALUES]` of the grid and range axes, each list in order.
    fn flags(&self) -> (Vec<String>, Vec<String>) {
        let of = |kind: AxisKind| -> Vec<String> {
            self.axes
                .iter()
                .filter(|a| a.kind == kind)
                .map(AxisField::flag_value)
                .collect()
        };
        (of(AxisKind::Grid), of(AxisKind::Range))
    }

    /// The constraints, one per non-empty line.
    pub fn constraint_lines(&self) -> Vec<String> {
        self.constraints
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect()
    }

    /// The search as the planner takes it.
    pub fn search(&self) -> Search {
        match self.search {
            SearchKind::Grid => Search::Grid,
            SearchKind::Random => Search::Random {
                samples: self.samples,
                seed: self.seed,
            },
            SearchKind::Genetic => Search::Genetic {
                population: self.population,
                generations: self.generations,
                seed: self.seed,
            },
        }
    }

    /// The field an analyzer error names by its flag.
    pub fn field_of(&self, error: &SweepError) -> Field {
        let flag = error.flag.as_str();
        if let Some(i) = self.axes.iter().position(|a| a.origin() == flag) {
            return Field::Axis(i);
        }
        let starts = |prefix: &str| flag.starts_with(prefix);
        if starts("--objective") {
            Field::Objective
        } else if starts("--require") {
            Field::Constraints
        } else if starts("--samples")
            || starts("--population")
            || starts("--generations")
            || starts("--search")
        {
            Field::Search
        } else if starts("--walk-forward") {
            Field::WalkForward
        } else if starts("--day") {
            Field::Day
        } else {
            Field::Space
        }
    }

    /// Checks everything that needs no file: each axis on its own and all
    /// together, the objective, the constraints, the search and the
    /// walk-forward, against the strategy's parameters. Every error found,
    /// each beside its field; none: the number of runs the search plans
    /// (a walk-forward runs them on each fold).
    pub fn check(&self, context: &SweepContext) -> Result<usize, Vec<FieldError>> {
        let mut errors = Vec::new();
        let empty = toml::Table::new();
        for (i, axis) in self.axes.iter().enumerate() {
            let reason = if axis.key.trim().is_empty() {
                errors.push(FieldError {
                    field: Field::Axis(i),
                    message:
                        "give a key: a strategy parameter or a run-configuration field (pick one)"
                            .to_owned(),
                });
                continue;
            } else if axis.values.trim().is_empty() {
                Some(match axis.kind {
                    AxisKind::Grid => "give values: v1,v2,...".to_owned(),
                    AxisKind::Range => "give a range: from..to:step".to_owned(),
                })
            } else {
                None
            };
            if let Some(reason) = reason {
                errors.push(FieldError {
                    field: Field::Axis(i),
                    message: format!("{}: {reason}", axis.origin()),
                });
            } else {
                let (grids, ranges) = match axis.kind {
                    AxisKind::Grid => (vec![axis.flag_value()], Vec::new()),
                    AxisKind::Range => (Vec::new(), vec![axis.flag_value()]),
                };
                if let Err(err) = Space::parse(&empty, &grids, &ranges) {
                    self.push(&mut errors, err);
                }
            }
        }
        let objective = Objective::parse(&self.objective).map_err(|e| self.push(&mut errors, e));
        let constraints: Vec<Constraint> = self
            .constraint_lines()
            .iter()
            .filter_map(|text| {
                Constraint::parse(text)
                    .map_err(|e| self.push(&mut errors, e))
                    .ok()
            })
            .collect();
        let walk_forward = match self.walk_forward.trim() {
            "" => None,
            text => WalkForward::parse(text)
                .map_err(|e| self.push(&mut errors, e))
                .ok(),
        };
        if walk_forward.is_some() && self.search == SearchKind::Genetic {
            self.push(
                &mut errors,
                SweepError::new(
                    "--walk-forward",
                    "optimises each fold with --search grid or random",
                ),
            );
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let objective = objective.map_err(|()| Vec::new())?;
        let planned = self.planner(context, None, objective, constraints);
        match planned {
            Ok(planner) => Ok(runs_of(&planner)),
            Err(err) => {
                self.push(&mut errors, err);
                Err(errors)
            }
        }
    }

    fn push(&self, errors: &mut Vec<FieldError>, error: SweepError) {
        errors.push(FieldError {
            field: self.field_of(&error),
            message: error.to_string(),
        });
    }

    /// The planner of the sweep, as `ticklab sweep` builds it, from the
    /// base configuration file `config` (none: the defaults).
    fn planner(
        &self,
        context: &SweepContext,
        config: Option<&Path>,
        objective: Objective,
        constraints: Vec<Constraint>,
    ) -> Result<Planner, SweepError> {
        let base = BaseConfig::read(config, &context.strategy)?;
        let (grids, ranges) = self.flags();
        let space = Space::parse(base.sweep_table(), &grids, &ranges)?;
        Planner::new(
            base,
            space,
            self.search(),
            objective,
            constraints,
            String::new(),
            None,
        )
    }

    /// The full check with the base configuration as written to `config`:
    /// every point's configuration checked as a run reads it.
    pub fn check_with_config(
        &self,
        context: &SweepContext,
        config: &Path,
    ) -> Result<usize, Vec<FieldError>> {
        let runs = self.check(context)?;
        let error = |e: SweepError| {
            vec![FieldError {
                field: self.field_of(&e),
                message: e.to_string(),
            }]
        };
        let objective = Objective::parse(&self.objective).map_err(error)?;
        let constraints = self
            .constraint_lines()
            .iter()
            .map(|t| Constraint::parse(t))
            .collect::<Result<Vec<_>, _>>()
            .map_err(error)?;
        self.planner(context, Some(config), objective, constraints)
            .map_err(error)?;
        Ok(runs)
    }

    /// The days the runs run over: the form's, else the replay's days.
    pub fn day_arg(&self, context: &SweepContext) -> Option<String> {
        match self.day.trim() {
            "" => context.day.clone(),
            day => Some(day.to_owned()),
        }
    }

    /// The arguments of `ticklab sweep` for this form, writing into `out`
    /// from the base configuration file `config`.
    pub fn sweep_args(&self, context: &SweepContext, config: &Path, out: &Path) -> Vec<OsString> {
        let mut args: Vec<OsString> = vec!["sweep".into(), "--data".into()];
        args.push(context.data.as_os_str().to_owned());
        let mut pair = |flag: &str, value: &str| {
            args.push(flag.into());
            args.push(value.into());
        };
        if let Some(symbol) = &context.symbol {
            pair("--symbol", symbol);
        }
        // A walk-forward over no `--day` cuts every day of the data.
        let day = match (self.walk_forward.trim(), self.day.trim()) {
            (walk, "") if !walk.is_empty() => None,
            _ => self.day_arg(context),
        };
        if let Some(day) = &day {
            pair("--day", day);
        }
        pair("--strategy", &context.strategy);
        for axis in &self.axes {
            pair(axis.flag(), &axis.flag_value());
        }
        match self.search {
            SearchKind::Grid => pair("--search", "grid"),
            SearchKind::Random => {
                pair("--search", "random");
                pair("--samples", &self.samples.to_string());
            }
            SearchKind::Genetic => {
                pair("--search", "genetic");
                pair("--population", &self.population.to_string());
                pair("--generations", &self.generations.to_string());
            }
        }
        pair("--seed", &self.seed.to_string());
        pair("--objective", self.objective.trim());
        for line in self.constraint_lines() {
            pair("--require", &line);
        }
        pair("--jobs", &self.jobs.to_string());
        if !self.walk_forward.trim().is_empty() {
            pair("--walk-forward", self.walk_forward.trim());
        }
        args.push("--config".into());
        args.push(config.as_os_str().to_owned());
        args.push("--out".into());
        args.push(out.as_os_str().to_owned());
        args
    }
}

/// Runs a planner's search plans in all: the grid, the sample or every
/// generation.
fn runs_of(planner: &Planner) -> usize {
    match planner.search() {
        Search::Grid => planner.space().size(),
        Search::Random { samples, .. } => samples.min(planner.space().size()),
        Search::Genetic {
            population,
            generations,
            ..
        } => population * generations as usize,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context() -> SweepContext {
        SweepContext {
            data: PathBuf::from("/data"),
            symbol: Some("ACME".to_owned()),
            day: Some("2024-01-02".to_owned()),
            strategy: "mm".to_owned(),
            config_toml: String::new(),
        }
    }

    fn form(axes: &[(&str, AxisKind, &str)]) -> SweepForm {
        SweepForm {
            axes: axes
                .iter()
                .map(|(key, kind, values)| AxisField {
                    key: (*key).to_owned(),
                    kind: *kind,
                    values: (*values).to_owned(),
                })
                .collect(),
            ..SweepForm::default()
        }
    }

    #[test]
    fn a_grid_times_a_range_counts_its_runs() {
        let form = form(&[
            ("qty_lots", AxisKind::Grid, "1,2"),
            ("max_position_lots", AxisKind::Range, "5..15:5"),
        ]);
        assert_eq!(form.check(&context()), Ok(6));
    }

    #[test]
    fn each_mistake_shows_beside_its_field_with_the_analyzers_words() {
        let mut form = form(&[
            ("qty_lots", AxisKind::Grid, "1,2"),
            ("max_position_lots", AxisKind::Range, "5..15:0"),
            ("", AxisKind::Grid, "1"),
        ]);
        form.objective = "max:nothing".to_owned();
        form.constraints = "fills>10\nfills>>3\n".to_owned();
        let errors = form.check(&context()).unwrap_err();
        let fields: Vec<Field> = errors.iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            [
                Field::Axis(1),
                Field::Axis(2),
                Field::Objective,
                Field::Constraints
            ]
        );
        assert!(errors[0]
            .message
            .starts_with("--range max_position_lots=5..15:0: "));
        assert_eq!(
            errors[1].message,
            "give a key: a strategy parameter or a run-configuration field (pick one)"
        );
        assert!(errors[2].message.starts_with("--objective max:nothing: "));
        assert!(errors[3].message.starts_with("--require fills>>3: "));
    }

    #[test]
    fn an_unknown_parameter_lists_the_known_ones_beside_its_axis() {
        let form = form(&[
            ("qty_lots", AxisKind::Grid, "1,2"),
            ("nonsense", AxisKind::Grid, "1,2"),
        ]);
        let errors = form.check(&context()).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, Field::Axis(1));
        assert!(
            errors[0]
                .message
                .starts_with("--grid nonsense=1,2: unknown parameter `nonsense` of strategy mm; its parameters: "),
            "{}",
            errors[0].message
        );
        assert!(errors[0].message.contains("max_position_lots, qty_lots"));
    }

    #[test]
    fn genetic_sizes_and_walk_forward_errors_go_to_their_fields() {
        let mut form = form(&[("qty_lots", AxisKind::Grid, "1,2")]);
        form.search = SearchKind::Genetic;
        form.population = 0;
        let errors = form.check(&context()).unwrap_err();
        assert_eq!(
            errors,
            [FieldError {
                field: Field::Search,
                message: "--population: must be at least 1".to_owned()
            }]
        );
        form.population = 3;
        form.walk_forward = "train=2d,test=1d".to_owned();
        let errors = form.check(&context()).unwrap_err();
        assert_eq!(errors[0].field, Field::WalkForward);
        assert_eq!(
            errors[0].message,
            "--walk-forward: optimises each fold with --search grid or random"
        );
        form.search = SearchKind::Random;
        form.walk_forward = "train=2,test=1d".to_owned();
        let errors = form.check(&context()).unwrap_err();
        assert_eq!(errors[0].field, Field::WalkForward);
    }

    #[test]
    fn the_arguments_are_those_of_ticklab_sweep() {
        let mut form = form(&[
            ("qty_lots", AxisKind::Grid, "1,2"),
            ("queue.model", AxisKind::Grid, " risk_averse,prob_log "),
            ("max_position_lots", AxisKind::Range, "5..15:5"),
        ]);
        form.search = SearchKind::Random;
        form.samples = 4;
        form.seed = 7;
        form.objective = "max:pnl".to_owned();
        form.constraints = "fills>0\n\n max_drawdown_pct<5 ".to_owned();
        form.jobs = 2;
        let args: Vec<String> = form
            .sweep_args(&context(), Path::new("/s/base.toml"), Path::new("/s/out"))
            .into_iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            args.join(" "),
            "sweep --data /data --symbol ACME --day 2024-01-02 --strategy mm \
             --grid qty_lots=1,2 --grid queue.model=risk_averse,prob_log \
             --range max_position_lots=5..15:5 --search random --samples 4 --seed 7 \
             --objective max:pnl --require fills>0 --require max_drawdown_pct<5 \
             --jobs 2 --config /s/base.toml --out /s/out"
        );
    }

    #[test]
    fn a_walk_forward_without_days_cuts_every_day() {
        let mut form = form(&[("qty_lots", AxisKind::Grid, "1,2")]);
        form.walk_forward = "train=2d,test=1d".to_owned();
        let args: Vec<String> = form
            .sweep_args(&context(), Path::new("b.toml"), Path::new("o"))
            .into_iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        assert!(!args.contains(&"--day".to_owned()));
        assert!(args.ends_with(&[
            "--walk-forward".to_owned(),
            "train=2d,test=1d".to_owned(),
            "--config".to_owned(),
            "b.toml".to_owned(),
            "--out".to_owned(),
            "o".to_owned()
        ]));
    }
}
