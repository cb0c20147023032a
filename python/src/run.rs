//! `ticklab.run`: a strategy over days of one or more instruments, in the
//! calling interpreter, driven by the engine crate's headless run (the one
//! `ticklab run` drives, so the files are the same) and written to an
//! output folder the package then reads back as tables.

use std::path::PathBuf;
use std::time::Duration;

use pyo3::exceptions::{PyOSError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};
use ticklab::market::cache::CacheOptions;
use ticklab::market::day_range::{span_ns_from_text, DaySelection};
use ticklab::market::parquet::ReadOptions;
use ticklab::report::RunFolder;
use ticklab::run::{FailureKind, HeadlessRun, HostStop, RunError, RunHost, RunSpec, SLICE};
use ticklab::session::replay::{Goal, Progress};
use ticklab::session::{Replay, StrategyChoice};
use ticklab::strategy::python::{PythonObject, PythonOptions};

use crate::config::run_config;
use crate::same_thread::SameThread;
use crate::values::table_of;

/// Runs `replay` for a slice of real time with the interpreter released:
/// the engine and the loader work without it (a built-in or rule
/// strategy never needs it).
fn advance_detached(py: Python<'_>, replay: &mut Replay) -> Progress {
    let mut slice = SameThread(replay);
    let SameThread(progressed) = py.detach(move || {
        let SameThread(replay) = &mut slice;
        SameThread(replay.advance(Goal::End, SLICE))
    });
    progressed
}

/// Runs `replay` with a Python strategy for a slice of real time, keeping
/// the interpreter so that its callbacks cost no attach each (as in
/// `ticklab run`), and releasing it every `hand_over_every` so that a
/// thread waiting for it gets it.
fn advance_attached(py: Python<'_>, replay: &mut Replay, hand_over_every: Duration) -> Progress {
    let started = std::time::Instant::now();
    loop {
        let progressed = replay.advance(Goal::End, hand_over_every);
        py.detach(|| ());
        if !matches!(progressed, Progress::Budget) || started.elapsed() >= SLICE {
            return progressed;
        }
    }
}

/// How long a Python strategy's run keeps the interpreter between two
/// releases: twice Python's switch interval (`sys.getswitchinterval()`,
/// 5 ms by default), within 2 ms to 100 ms.
///
/// A release that is immediately taken back hands the interpreter over
/// only when a waiting thread has asked for it, and a waiting thread asks
/// only after a whole switch interval in which the interpreter did not
/// change hands. Releasing every switch interval, the run would change
/// hands (with itself) in nearly every interval of the waiter's and starve
/// it; releasing every two, the waiter's request is in before the next
/// release, which then waits until the waiter has the interpreter.
fn hand_over_every(py: Python<'_>) -> Duration {
    let interval_secs = py
        .import("sys")
        .and_then(|sys| sys.getattr("getswitchinterval")?.call0()?.extract::<f64>())
        .unwrap_or(0.005);
    Duration::from_secs_f64((2.0 * interval_secs).clamp(0.002, 0.1))
}

/// The environment variable that names the run's folder to the strategy.
const OUT_ENV: &str = "TICKLAB_OUT";

/// Runs `strategy` over the days `day` of the instruments `symbol` of
/// `data` into the folder `out` (which must not exist or be empty) and
/// returns how it ended: `{"status": "ok"}`, or `{"status": "failed",
/// "error": {...}}` with the same fields as `summary.json`'s error and the
/// kind of failure.
///
/// `symbol` and `day` are as `ticklab run --symbol/--day` take them (one,
/// a comma list, a range of days, `all`), `warmup` as `--warmup` (`2h`).
/// `strategy` is a built-in name or a strategy file (`str`), or a
/// `ticklab.Strategy` subclass or instance; `config` a TOML file or a dict
/// of the same tables; `params` overrides the configuration's `[params]`.
/// `progress(events_done, events_total)` and `log(line)` are called from
/// this thread between slices of the run. Ctrl-C stops the run within a
/// slice: what was done is written, then `KeyboardInterrupt` is raised.
#[pyfunction]
#[pyo3(signature = (*, data, symbol, day, warmup, strategy, strategy_label, class_name, config, params, seed, out, force, csv, callback_budget_ms, progress, log))]
#[expect(
    clippy::too_many_arguments,
    reason = "the keyword arguments of ticklab.run"
)]
pub(crate) fn run<'py>(
    py: Python<'py>,
    data: PathBuf,
    symbol: Option<String>,
    day: Option<String>,
    warmup: Option<String>,
    strategy: &Bound<'py, PyAny>,
    strategy_label: String,
    class_name: Option<String>,
    config: Option<&Bound<'py, PyAny>>,
    params: Option<&Bound<'py, PyDict>>,
    seed: Option<u64>,
    out: PathBuf,
    force: bool,
    csv: bool,
    callback_budget_ms: Option<u64>,
    progress: Option<Bound<'py, PyAny>>,
    log: Option<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    // The configuration as messages name it, as `ticklab run` does.
    let config_name = match config.filter(|c| !c.is_none()) {
        None => "run.toml".to_owned(),
        Some(c) if c.is_instance_of::<PyDict>() => "config".to_owned(),
        Some(c) => c
            .extract::<PathBuf>()
            .map_or_else(|_| "config".to_owned(), |p| p.display().to_string()),
    };
    let mut config = run_config(config)?;
    if let Some(params) = params {
        for (key, value) in table_of(params, "params")? {
            config.params.insert(key, value);
        }
    }
    if let Some(seed) = seed {
        config.seed = seed;
    }
    let choice = strategy_choice(strategy, &config.params, class_name)?;
    let day = match day {
        Some(text) => Some(
            text.parse::<DaySelection>()
                .map_err(|err| PyValueError::new_err(format!("day: {err}")))?,
        ),
        None => None,
    };
    let warmup_ns = match warmup {
        Some(text) => Some(
            span_ns_from_text(&text)
                .map_err(|err| PyValueError::new_err(format!("warmup: {err}")))?,
        ),
        None => None,
    };
    // Everything goes to a fresh folder beside `out`, renamed to `out` when
    // the run ends, as `ticklab run` does.
    let folder = RunFolder::create(&out, force).map_err(value_error)?;
    let staging = folder.path().to_owned();
    let spec = RunSpec {
        data,
        symbol,
        day,
        warmup_ns,
        strategy: choice,
        strategy_label,
        config,
        config_name,
        out: staging.clone(),
        csv,
        read: ReadOptions::default(),
        cache: CacheOptions::from_env(),
        timing: true,
        python: PythonOptions {
            allow_network: true,
            write_dirs: vec![staging.clone()],
            callback_budget: callback_budget_ms
                .filter(|ms| *ms > 0)
                .map(Duration::from_millis),
            guard_rails: false,
        },
    };
    // The one folder a strategy writes its own files to, named for it.
    let environ = py.import("os")?.getattr("environ")?;
    let before = environ.call_method1("get", (OUT_ENV,))?;
    environ.set_item(OUT_ENV, staging.to_string_lossy())?;
    let mut host = PyHost {
        py,
        progress: progress.as_ref(),
        log: log.as_ref(),
        interrupt: None,
        hand_over_every: hand_over_every(py),
    };
    let outcome = HeadlessRun::start(spec, &mut host).and_then(|mut run| {
        run.drive(&mut host);
        run.finish(&mut host)
    });
    if before.is_none() {
        environ.call_method1("pop", (OUT_ENV, py.None()))?;
    } else {
        environ.set_item(OUT_ENV, before)?;
    }
    let finished = outcome.map_err(run_error)?;
    let target = folder.commit().map_err(value_error)?;
    let dict = PyDict::new(py);
    dict.set_item("out", target)?;
    dict.set_item(
        "status",
        if finished.failure.is_some() {
            "failed"
        } else {
            "ok"
        },
    )?;
    dict.set_item("events", finished.data_events)?;
    dict.set_item("elapsed_secs", finished.elapsed.as_secs_f64())?;
    if let Some(failure) = &finished.failure {
        let kind = match finished.failure_kind {
            Some(FailureKind::Strategy) => "strategy",
            Some(FailureKind::Data) => "data",
            Some(FailureKind::Host) => "interrupted",
            Some(FailureKind::Engine | FailureKind::Output) | None => "engine",
        };
        let error = PyDict::new(py);
        error.set_item("message", &failure.message)?;
        error.set_item("detail", &failure.detail)?;
        error.set_item("event_index", failure.event_index)?;
        error.set_item("ts_ns", failure.ts_ns)?;
        error.set_item("data_time", &failure.data_time)?;
        error.set_item("kind", kind)?;
        dict.set_item("error", error)?;
    }
    match host.interrupt {
        Some(interrupt) => Err(interrupt),
        None => Ok(dict),
    }
}

/// `ticklab.run`'s side of a headless run: warnings and log lines to the
/// `log` callback, the progress bar and Ctrl-C between slices, and the
/// interpreter released while the engine works (or, for a Python strategy,
/// handed to a waiting thread every two switch intervals, see
/// [`hand_over_every`]).
struct PyHost<'a, 'py> {
    py: Python<'py>,
    progress: Option<&'a Bound<'py, PyAny>>,
    log: Option<&'a Bound<'py, PyAny>>,
    /// The first exception of a callback or Ctrl-C, raised once the files
    /// are written.
    interrupt: Option<PyErr>,
    /// See [`hand_over_every`].
    hand_over_every: Duration,
}

impl PyHost<'_, '_> {
    fn keep(&mut self, result: PyResult<()>) {
        if let Err(err) = result {
            self.interrupt.get_or_insert(err);
        }
    }

    fn tell(&mut self, line: &str) {
        if let Some(log) = self.log {
            let called = log.call1((line,)).map(drop);
            self.keep(called);
        }
    }
}

impl RunHost for PyHost<'_, '_> {
    fn advance(&mut self, replay: &mut Replay, python_strategy: bool) -> Progress {
        if python_strategy {
            advance_attached(self.py, replay, self.hand_over_every)
        } else {
            advance_detached(self.py, replay)
        }
    }

    fn note(&mut self, text: &str) {
        self.tell(text);
    }

    fn log_line(&mut self, line: &str) {
        self.tell(line);
    }

    fn between_slices(&mut self, seen_events: u64, total_events: u64) -> Result<(), HostStop> {
        if self.interrupt.is_none() {
            let checked = self.py.check_signals();
            self.keep(checked);
        }
        if let (None, Some(progress)) = (&self.interrupt, self.progress) {
            let called = progress.call1((seen_events, total_events)).map(drop);
            self.keep(called);
        }
        match &self.interrupt {
            None => Ok(()),
            Some(err) => {
                let name = err
                    .get_type(self.py)
                    .name()
                    .map_or_else(|_| "an exception".to_owned(), |n| n.to_string());
                Err(HostStop(format!("interrupted ({name})")))
            }
        }
    }
}

/// A Python exception for a run that could not start or be written:
/// `ValueError` for bad input, `OSError` for files.
fn run_error(err: RunError) -> PyErr {
    match err {
        RunError::Create { .. } | RunError::Write { .. } | RunError::WriterHeld => {
            PyOSError::new_err(err.to_string() + &source_text(&err))
        }
        other => value_error(other),
    }
}

/// `: <cause>` for each cause of `err`.
fn source_text(err: &dyn std::error::Error) -> String {
    let mut text = String::new();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// The strategy: a name or file, or a Python class or instance.
fn strategy_choice(
    strategy: &Bound<'_, PyAny>,
    params: &toml::Table,
    class_name: Option<String>,
) -> PyResult<StrategyChoice> {
    if let Ok(text) = strategy.cast::<PyString>() {
        return StrategyChoice::parse(&text.to_cow()?, params)
            .and_then(|choice| choice.with_class(class_name))
            .map_err(value_error);
    }
    if let Ok(path) = strategy.extract::<PathBuf>() {
        let text = path.to_string_lossy();
        return StrategyChoice::parse(&text, params)
            .and_then(|choice| choice.with_class(class_name))
            .map_err(value_error);
    }
    let object = PythonObject::new(strategy)?;
    Ok(StrategyChoice::PythonObject {
        object,
        params: params.clone(),
    })
}

/// A `ValueError` with ticklab's message (file, row, column) and its causes.
pub(crate) fn value_error(err: impl std::error::Error) -> PyErr {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    PyValueError::new_err(text)
}
