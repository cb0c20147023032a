//! `ticklab.sweep`: the analyzer's planner (the space, the search, the
//! objective and constraints of `ticklab sweep`) behind a Python object;
//! the package runs its plans on processes, Ray or Dask and hands back each
//! run's results row.

use std::path::{Path, PathBuf};

use pyo3::exceptions::{PyOSError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use ticklab::analyzer::equity::read_equity;
use ticklab::analyzer::walkforward::WalkForward;
use ticklab::analyzer::{
    monte_carlo_of_run, ranked, results_table, BaseConfig, Constraint, MonteCarloError, Objective,
    Planner, ResultRow, RowStatus, RunPlan, Search, Space, WalkForwardSweep,
};
use ticklab::market::catalog::Day;
use ticklab::market::day_range::DaySelection;
use ticklab::session::{open_day, open_days};

use crate::run::value_error;
use crate::values::{py_of, table_of, value_of};

/// The plans of one sweep, handed out batch by batch as their results come
/// back (a genetic search plans each generation from the last).
#[pyclass(module = "ticklab._ticklab", unsendable)]
pub(crate) struct SweepPlanner {
    planner: Planner,
    space: Space,
    objective: Objective,
    constraints: Vec<Constraint>,
    /// A dict `config=` written out as the file the base configuration is
    /// read from; kept until the sweep is dropped.
    _config_file: Option<tempfile::NamedTempFile>,
    /// A walk-forward analysis's folds and plans.
    walk: Option<WalkForwardSweep>,
}

#[pymethods]
impl SweepPlanner {
    /// Plans a sweep of `strategy` (a built-in name or a file; a label for
    /// a strategy object, whose parameters are then not checked) from
    /// `config` (a dict or a TOML file, whose `[sweep]` table adds axes)
    /// over `space` (each key a strategy parameter or a dotted
    /// run-configuration field, each value a list of values or a
    /// `"from..to:step"` range).
    #[new]
    #[pyo3(signature = (*, data, symbol, day, strategy, config, space, search, samples, population, generations, seed, objective, require, identity, walk_forward=None))]
    #[expect(
        clippy::too_many_arguments,
        reason = "the keyword arguments of ticklab.sweep"
    )]
    fn new(
        data: PathBuf,
        symbol: Option<String>,
        day: Option<String>,
        strategy: String,
        config: Option<&Bound<'_, PyAny>>,
        space: &Bound<'_, PyDict>,
        search: &str,
        samples: Option<usize>,
        population: Option<usize>,
        generations: Option<u32>,
        seed: u64,
        objective: &str,
        require: Vec<String>,
        identity: String,
        walk_forward: Option<String>,
    ) -> PyResult<Self> {
        let walk = walk_forward
            .map(|text| WalkForward::parse(&text))
            .transpose()
            .map_err(value_error)?;
        let days = days_of(&data, symbol.as_deref(), day.as_deref(), walk.is_some())?;
        // The days each run replays, as `ticklab sweep --day` gives them
        // (the data's only day when none is given), which their hash
        // includes; a walk-forward's runs each name their fold's days.
        let day = match (&walk, day) {
            (Some(_), _) => None,
            (None, Some(text)) => Some(text),
            (None, _) => days.first().map(ToString::to_string),
        };
        let (config_path, config_file) = config_file(config)?;
        let base = BaseConfig::read(config_path.as_deref(), &strategy).map_err(value_error)?;
        let space = space_of(&base, space)?;
        let search = search_of(search, samples, population, generations, seed)?;
        if walk.is_some() && matches!(search, Search::Genetic { .. }) {
            return Err(PyValueError::new_err(
                "walk_forward: optimises each fold with search=\"grid\" or \"random\"",
            ));
        }
        let objective = Objective::parse(objective).map_err(value_error)?;
        let constraints = require
            .iter()
            .map(|text| Constraint::parse(text))
            .collect::<Result<Vec<_>, _>>()
            .map_err(value_error)?;
        let planner = Planner::new(
            base,
            space.clone(),
            search,
            objective.clone(),
            constraints.clone(),
            identity,
            day,
        )
        .map_err(value_error)?;
        let mut planner = planner;
        let walk = match walk {
            Some(walk) => {
                Some(WalkForwardSweep::plan(&mut planner, days, &walk).map_err(value_error)?)
            }
            None => None,
        };
        Ok(SweepPlanner {
            planner,
            space,
            objective,
            constraints,
            _config_file: config_file,
            walk,
        })
    }

    /// A walk-forward's first runs: every point over every fold's train
    /// days.
    fn walk_train_runs<'py>(&self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyDict>>> {
        let walk = self.walk_sweep()?;
        walk.train_plans()
            .iter()
            .map(|plan| plan_dict(py, plan))
            .collect()
    }

    /// A walk-forward's last runs, given the rows of its train runs: each
    /// fold's winner over its test days.
    fn walk_test_runs<'py>(
        &mut self,
        py: Python<'py>,
        finished: &Bound<'py, PyList>,
    ) -> PyResult<Vec<Bound<'py, PyDict>>> {
        let rows = rows_of(finished)?;
        let walk = self
            .walk
            .as_mut()
            .ok_or_else(|| PyValueError::new_err("not a walk-forward sweep"))?;
        let plans = walk
            .plan_tests(&mut self.planner, &rows, &self.objective, &self.constraints)
            .map_err(value_error)?;
        plans.iter().map(|plan| plan_dict(py, plan)).collect()
    }

    /// Writes a walk-forward's tables into `out` (`walk_forward.parquet`,
    /// `oos_equity.parquet`), the test runs' equity read from
    /// `<equity>/<run_id>.parquet`, and returns the walk-forward
    /// efficiency.
    fn write_walk_forward(
        &self,
        finished: &Bound<'_, PyList>,
        equity: PathBuf,
        out: PathBuf,
    ) -> PyResult<Option<f64>> {
        let rows = rows_of(finished)?;
        let walk = self.walk_sweep()?;
        let results = walk.results(&rows, &self.objective);
        let os_error = |err: ticklab::report::ReportError| PyOSError::new_err(err.to_string());
        walk.fold_table(&self.planner, &results)
            .write_parquet(&out.join("walk_forward.parquet"))
            .map_err(os_error)?;
        walk.oos_equity(&rows, &results, |row| {
            read_equity(&equity.join(format!("{}.parquet", row.run_id)))
        })
        .map_err(PyOSError::new_err)?
        .write_parquet(&out.join("oos_equity.parquet"))
        .map_err(os_error)?;
        Ok(WalkForwardSweep::efficiency(&results))
    }

    /// The next runs to do, given the rows of every run finished so far
    /// (empty when the sweep is done): dicts with `run_id`, `point`,
    /// `day`, `generation`, `config_toml` and `config_hash`.
    fn next_runs<'py>(
        &mut self,
        py: Python<'py>,
        finished: &Bound<'py, PyList>,
    ) -> PyResult<Vec<Bound<'py, PyDict>>> {
        let rows = rows_of(finished)?;
        let plans = self.planner.next_runs(&rows).map_err(value_error)?;
        plans.iter().map(|plan| plan_dict(py, plan)).collect()
    }

    /// Writes the results table of `rows` (ranked by the objective, as
    /// `ticklab sweep` writes `results.parquet`) to `path`.
    fn write_results(&self, rows: &Bound<'_, PyList>, path: PathBuf) -> PyResult<()> {
        let rows = rows_of(rows)?;
        let rows = ranked(rows, &self.objective, &self.constraints);
        results_table(&self.space, &rows, &self.constraints)
            .write_parquet(&path)
            .map_err(|err| PyOSError::new_err(err.to_string()))
    }

    /// Runs the sweep plans at most (the grid's size, or the search's).
    fn size(&self) -> usize {
        match self.planner.search() {
            Search::Grid => self.space.size(),
            Search::Random { samples, .. } => samples.min(self.space.size()),
            Search::Genetic {
                population,
                generations,
                ..
            } => population * generations as usize,
        }
    }
}

impl SweepPlanner {
    fn walk_sweep(&self) -> PyResult<&WalkForwardSweep> {
        self.walk
            .as_ref()
            .ok_or_else(|| PyValueError::new_err("not a walk-forward sweep"))
    }
}

/// The days a sweep runs on, oldest first: those of `day` (a date, a list,
/// a range or `all`; every day for a walk-forward, the only one otherwise
/// when not given) that the first of `symbol` has.
fn days_of(
    data: &std::path::Path,
    symbol: Option<&str>,
    day: Option<&str>,
    walk_forward: bool,
) -> PyResult<Vec<Day>> {
    let first = symbol.map(|list| list.split(',').next().unwrap_or(list).trim());
    let selection = match day {
        Some(text) => Some(
            text.parse::<DaySelection>()
                .map_err(|err| PyValueError::new_err(format!("day: {err}")))?,
        ),
        None if walk_forward => Some(DaySelection::All),
        None => None,
    };
    let Some(selection) = selection else {
        return Ok(vec![open_day(data, first, None).map_err(value_error)?.day]);
    };
    let run = open_days(data, first, Some(&selection), None).map_err(value_error)?;
    Ok(run
        .days
        .iter()
        .filter(|d| !d.warmup)
        .map(|d| d.day)
        .collect())
}

/// The Monte Carlo of the finished run in `run` (`samples` resamples of its
/// round trips with `seed`, `slippage_ticks` more per lot valued with the
/// instrument of `data`): writes `monte_carlo_equity.parquet` and
/// `monte_carlo.parquet` into `out` and returns the number of round trips.
/// Messages name the arguments as `ticklab.monte_carlo` takes them: `run`
/// as `run_label` shows it, the resamples as `samples_name`.
#[pyfunction]
#[pyo3(signature = (*, run, run_label, data, samples, samples_name, seed, slippage_ticks, out))]
#[expect(
    clippy::too_many_arguments,
    reason = "the keyword arguments of ticklab.monte_carlo, and how to name two of them"
)]
pub(crate) fn monte_carlo(
    run: PathBuf,
    run_label: &str,
    data: PathBuf,
    samples: i64,
    samples_name: &str,
    seed: u64,
    slippage_ticks: f64,
    out: PathBuf,
) -> PyResult<usize> {
    let call = McCall {
        run: run_label,
        samples_name,
        data: &data,
        slippage_ticks,
    };
    let Some(samples) = usize::try_from(samples).ok().filter(|&n| n > 0) else {
        return Err(PyValueError::new_err(format!(
            "{samples_name}={samples}: give at least one resample (an int, 1 or more)"
        )));
    };
    let done = monte_carlo_of_run(&run, &data, samples, seed, slippage_ticks)
        .map_err(|err| PyValueError::new_err(call.message(&err)))?;
    let os_error = |err: ticklab::report::ReportError| PyOSError::new_err(err.to_string());
    done.bands
        .write_parquet(&out.join("monte_carlo_equity.parquet"))
        .map_err(os_error)?;
    done.percentiles
        .write_parquet(&out.join("monte_carlo.parquet"))
        .map_err(os_error)?;
    Ok(done.mc.trips)
}

/// How `ticklab.monte_carlo` was called, for its messages.
struct McCall<'a> {
    /// `run` as the caller passed it (`repr`).
    run: &'a str,
    /// The name of the number of resamples.
    samples_name: &'a str,
    data: &'a Path,
    slippage_ticks: f64,
}

impl McCall<'_> {
    /// `err` in the words of `ticklab.monte_carlo`: the argument it is
    /// about first, as `name=value`, and what it takes.
    fn message(&self, err: &MonteCarloError) -> String {
        let (run, slippage) = (self.run, self.slippage_ticks);
        match err {
            MonteCarloError::NoSamples => format!(
                "{}=0: give at least one resample (an int, 1 or more)",
                self.samples_name
            ),
            MonteCarloError::BadSlippage { ticks } => {
                format!("slippage_ticks={ticks:?}: must be a number of ticks, 0 or more")
            }
            MonteCarloError::NoSummary { cause, .. } => format!(
                "run={run}: no summary.json; run= takes a ticklab.RunResult or the out folder of a finished run ({cause})"
            ),
            MonteCarloError::NoTrades { .. } => format!(
                "run={run}: no trades.parquet (the run's round trips); rerun it with ticklab.run, which writes it"
            ),
            MonteCarloError::NoRoundTrip { .. } => {
                format!("run={run}: the run has no closed round trip to resample")
            }
            MonteCarloError::UnknownInstrument { symbol, .. } => format!(
                "data='{}': no instrument {symbol:?}, needed to value slippage_ticks={slippage:?}",
                self.data.display()
            ),
            MonteCarloError::NoFxRate {
                summary,
                currency,
                account,
                symbol,
            } => format!(
                "{}: no [fx] rate of {currency} in {account}, needed to value slippage_ticks={slippage:?} on {symbol}",
                summary.display()
            ),
            MonteCarloError::BadSummary { .. } | MonteCarloError::Read(_) => err.to_string(),
        }
    }
}

fn rows_of(rows: &Bound<'_, PyList>) -> PyResult<Vec<ResultRow>> {
    rows.iter().map(|row| row_from(&row)).collect()
}

/// The results row of the run of `plan` in `folder` (`failure`: why it
/// did not finish), as `ticklab sweep` reads it: its summary's statistics
/// and its round trips.
#[pyfunction]
#[pyo3(signature = (plan, folder, failure))]
pub(crate) fn collect_row<'py>(
    py: Python<'py>,
    plan: &Bound<'py, PyDict>,
    folder: PathBuf,
    failure: Option<String>,
) -> PyResult<Bound<'py, PyDict>> {
    let plan = RunPlan {
        run_id: item(plan, "run_id")?.extract()?,
        point: point_from(&item(plan, "point")?)?,
        day: item(plan, "day")?.extract()?,
        generation: item(plan, "generation")?.extract()?,
        config_toml: item(plan, "config_toml")?.extract()?,
        config_hash: item(plan, "config_hash")?.extract()?,
    };
    row_dict(py, &ResultRow::collect(&plan, &folder, failure))
}

/// The axes of the configuration's `[sweep]` table, then those of `space`
/// in its order (a key of both replaces the table's axis), each parsed as
/// `[sweep]` parses it.
fn space_of(base: &BaseConfig, space: &Bound<'_, PyDict>) -> PyResult<Space> {
    let mut axes = Space::parse(base.sweep_table(), &[], &[]).map_err(value_error)?;
    for (key, value) in space.iter() {
        let one = PyDict::new(space.py());
        one.set_item(&key, value)?;
        let key: String = key.extract()?;
        let parsed = Space::parse(&table_of(&one, "space")?, &[], &[])
            .map_err(|err| PyValueError::new_err(format!("space[{key:?}]: {}", err.reason)))?;
        for mut axis in parsed.axes {
            axis.origin = format!("space[{:?}]", axis.key);
            axes.axes.retain(|other| other.key != axis.key);
            axes.axes.push(axis);
        }
    }
    Ok(axes)
}

/// The base configuration's file: a TOML file as it is, a dict written out.
fn config_file(
    config: Option<&Bound<'_, PyAny>>,
) -> PyResult<(Option<PathBuf>, Option<tempfile::NamedTempFile>)> {
    let Some(config) = config.filter(|c| !c.is_none()) else {
        return Ok((None, None));
    };
    if let Ok(dict) = config.cast::<PyDict>() {
        let text = toml::to_string(&table_of(dict, "config")?)
            .map_err(|err| PyValueError::new_err(format!("config: {err}")))?;
        let mut file = tempfile::Builder::new()
            .prefix("ticklab-sweep-")
            .suffix(".toml")
            .tempfile()
            .map_err(|err| PyOSError::new_err(format!("config: {err}")))?;
        std::io::Write::write_all(&mut file, text.as_bytes())
            .map_err(|err| PyOSError::new_err(format!("config: {err}")))?;
        return Ok((Some(file.path().to_path_buf()), Some(file)));
    }
    match config.extract::<PathBuf>() {
        Ok(path) => Ok((Some(path), None)),
        Err(_) => Err(PyTypeError::new_err(format!(
            "config: expected a dict or a TOML file path, got {}",
            config.get_type().name()?
        ))),
    }
}

fn search_of(
    search: &str,
    samples: Option<usize>,
    population: Option<usize>,
    generations: Option<u32>,
    seed: u64,
) -> PyResult<Search> {
    let missing = |what: &str| PyValueError::new_err(format!("search={search:?} needs {what}"));
    match search {
        "grid" => Ok(Search::Grid),
        "random" => Ok(Search::Random {
            samples: samples.ok_or_else(|| missing("samples="))?,
            seed,
        }),
        "genetic" => Ok(Search::Genetic {
            population: population.ok_or_else(|| missing("population="))?,
            generations: generations.ok_or_else(|| missing("generations="))?,
            seed,
        }),
        other => Err(PyValueError::new_err(format!(
            "search: {other:?} is not one of grid, random, genetic"
        ))),
    }
}

fn item<'py>(dict: &Bound<'py, PyDict>, key: &str) -> PyResult<Bound<'py, PyAny>> {
    dict.get_item(key)?
        .ok_or_else(|| PyValueError::new_err(format!("a sweep row without {key:?}")))
}

/// A point's keys and values, in the dict's order (the axes').
fn point_from(point: &Bound<'_, PyAny>) -> PyResult<Vec<(String, toml::Value)>> {
    let dict = point.cast::<PyDict>()?;
    dict.iter()
        .map(|(key, value)| {
            let key: String = key.extract()?;
            let value = value_of(&value, &format!("point[{key:?}]"))?;
            Ok((key, value))
        })
        .collect()
}

fn plan_dict<'py>(py: Python<'py>, plan: &RunPlan) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    dict.set_item("run_id", &plan.run_id)?;
    dict.set_item("point", point_dict(py, &plan.point)?)?;
    dict.set_item("day", &plan.day)?;
    dict.set_item("generation", plan.generation)?;
    dict.set_item("config_toml", &plan.config_toml)?;
    dict.set_item("config_hash", &plan.config_hash)?;
    Ok(dict)
}

fn point_dict<'py>(
    py: Python<'py>,
    point: &[(String, toml::Value)],
) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    for (key, value) in point {
        dict.set_item(key, py_of(py, value)?)?;
    }
    Ok(dict)
}

fn row_dict<'py>(py: Python<'py>, row: &ResultRow) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    dict.set_item("run_id", &row.run_id)?;
    dict.set_item("point", point_dict(py, &row.point)?)?;
    dict.set_item("day", &row.day)?;
    dict.set_item("generation", row.generation)?;
    dict.set_item("status", row.status.as_str())?;
    dict.set_item("error", &row.error)?;
    dict.set_item("stats", &row.stats)?;
    dict.set_item("config_hash", &row.config_hash)?;
    Ok(dict)
}

fn row_from(row: &Bound<'_, PyAny>) -> PyResult<ResultRow> {
    let dict = row.cast::<PyDict>()?;
    let status: String = item(dict, "status")?.extract()?;
    Ok(ResultRow {
        run_id: item(dict, "run_id")?.extract()?,
        point: point_from(&item(dict, "point")?)?,
        day: item(dict, "day")?.extract()?,
        generation: item(dict, "generation")?.extract()?,
        status: if status == RowStatus::Ok.as_str() {
            RowStatus::Ok
        } else {
            RowStatus::Failed
        },
        error: item(dict, "error")?.extract()?,
        stats: item(dict, "stats")?.extract()?,
        config_hash: item(dict, "config_hash")?.extract()?,
    })
}
