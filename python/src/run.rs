//! `ticklab.run`: a strategy over a day of data, in the calling
//! interpreter, written to an output folder exactly as `ticklab run`
//! writes it (the same session, writer and summary), which the package
//! then reads back as tables.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::Duration;

use pyo3::exceptions::{PyOSError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};
use ticklab::market::cache::CacheOptions;
use ticklab::market::catalog::Day;
use ticklab::market::parquet::ReadOptions;
use ticklab::report::{
    self, OutputFormats, RecordWriter, RunFailure, RunFolder, RunStatus, Summary,
};
use ticklab::session::replay::{Goal, Progress};
use ticklab::session::{
    open_day, ErrorKind, ErrorRecord, Replay, SessionOptions, StrategyChoice, Update,
};
use ticklab::sim::RunConfig;
use ticklab::strategy::python::{format_data_time, PythonObject, PythonOptions};
use ticklab::strategy::rules;

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
/// `ticklab run`), and letting other threads have it every [`YIELD`], as
/// Python's own switch interval does between threads running Python.
fn advance_attached(py: Python<'_>, replay: &mut Replay) -> Progress {
    let started = std::time::Instant::now();
    loop {
        let progressed = replay.advance(Goal::End, YIELD);
        py.detach(|| ());
        if !matches!(progressed, Progress::Budget) || started.elapsed() >= SLICE {
            return progressed;
        }
    }
}

/// How long a Python strategy's run keeps the interpreter before other
/// threads get it: Python's default switch interval.
const YIELD: Duration = Duration::from_millis(5);

/// The environment variable that names the run's folder to the strategy.
const OUT_ENV: &str = "TICKLAB_OUT";

/// Real time the run goes between two looks at Ctrl-C, the progress bar
/// and the strategy's log lines.
const SLICE: Duration = Duration::from_millis(50);

/// Runs `strategy` over a day of `data` into the folder `out` (which must
/// not exist or be empty) and returns how it ended: `{"status": "ok"}`, or
/// `{"status": "failed", "error": {...}}` with the same fields as
/// `summary.json`'s error and the kind of failure.
///
/// `strategy` is a built-in name or a strategy file (`str`), or a
/// `ticklab.Strategy` subclass or instance; `config` a TOML file or a dict
/// of the same tables; `params` overrides the configuration's `[params]`.
/// `progress(events_done, events_total)` and `log(line)` are called from
/// this thread between slices of the run. Ctrl-C stops the run within a
/// slice: what was done is written, then `KeyboardInterrupt` is raised.
#[pyfunction]
#[pyo3(signature = (*, data, symbol, day, strategy, strategy_label, class_name, config, params, seed, out, force, csv, callback_budget_ms, progress, log))]
#[expect(
    clippy::too_many_arguments,
    reason = "the keyword arguments of ticklab.run"
)]
pub(crate) fn run<'py>(
    py: Python<'py>,
    data: PathBuf,
    symbol: Option<String>,
    day: Option<String>,
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
            text.parse::<Day>()
                .map_err(|err| PyValueError::new_err(format!("day: {err}")))?,
        ),
        None => None,
    };
    let day = open_day(&data, symbol.as_deref(), day).map_err(value_error)?;
    // Everything goes to a fresh folder beside `out`, renamed to `out` when
    // the run ends, as `ticklab run` does.
    let folder = RunFolder::create(&out, force).map_err(value_error)?;
    let staging = folder.path().to_owned();
    let python = PythonOptions {
        allow_network: true,
        write_dirs: vec![staging.clone()],
        callback_budget: callback_budget_ms
            .filter(|ms| *ms > 0)
            .map(Duration::from_millis),
        guard_rails: false,
    };
    let run = Run {
        out: staging.clone(),
        csv,
        strategy_label,
        config,
        choice,
        python,
    };
    // The one folder a strategy writes its own files to, named for it.
    let environ = py.import("os")?.getattr("environ")?;
    let before = environ.call_method1("get", (OUT_ENV,))?;
    environ.set_item(OUT_ENV, staging.to_string_lossy())?;
    let outcome = run.go(py, day, progress.as_ref(), log.as_ref());
    if before.is_none() {
        environ.call_method1("pop", (OUT_ENV, py.None()))?;
    } else {
        environ.set_item(OUT_ENV, before)?;
    }
    let outcome = outcome?;
    let target = folder.commit().map_err(value_error)?;
    let dict = PyDict::new(py);
    dict.set_item("out", target)?;
    dict.set_item(
        "status",
        if outcome.failure.is_some() {
            "failed"
        } else {
            "ok"
        },
    )?;
    dict.set_item("events", outcome.data_events)?;
    dict.set_item("elapsed_secs", outcome.elapsed_secs)?;
    if let Some(failure) = &outcome.failure {
        let error = PyDict::new(py);
        error.set_item("message", &failure.message)?;
        error.set_item("detail", &failure.detail)?;
        error.set_item("event_index", failure.event_index)?;
        error.set_item("ts_ns", failure.ts_ns)?;
        error.set_item("data_time", &failure.data_time)?;
        error.set_item("kind", outcome.failure_kind)?;
        dict.set_item("error", error)?;
    }
    match outcome.interrupt {
        Some(interrupt) => Err(interrupt),
        None => Ok(dict),
    }
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

/// What a run needs besides the day.
struct Run {
    out: PathBuf,
    csv: bool,
    strategy_label: String,
    config: RunConfig,
    choice: StrategyChoice,
    python: PythonOptions,
}

/// How a run ended.
struct Outcome {
    failure: Option<RunFailure>,
    failure_kind: &'static str,
    data_events: u64,
    elapsed_secs: f64,
    /// A Ctrl-C that stopped it, raised once the files are written.
    interrupt: Option<PyErr>,
}

/// How the drive of a run ended early.
enum Stop {
    Run(ErrorRecord),
    Interrupted(PyErr),
    Other(String),
}

impl Run {
    fn go(
        self,
        py: Python<'_>,
        day: ticklab::session::DayRun,
        progress: Option<&Bound<'_, PyAny>>,
        log: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Outcome> {
        let out = &self.out;
        std::fs::create_dir_all(out).map_err(|err| {
            PyOSError::new_err(format!("{}: cannot create: {err}", out.display()))
        })?;
        let os_error = |what: &Path, err: std::io::Error| {
            PyOSError::new_err(format!("{}: {err}", what.display()))
        };
        if let Some(log) = log {
            for warning in &day.warnings {
                log.call1((warning,))?;
            }
        }
        let formats = OutputFormats {
            parquet: true,
            csv: self.csv,
        };
        let writer = Rc::new(RefCell::new(
            RecordWriter::create(out, &day.instrument, self.config.initial_cash, formats)
                .map_err(value_error)?,
        ));
        let mut replay = Replay::new(SessionOptions {
            read: ReadOptions::default(),
            cache: CacheOptions::from_env(),
            for_window: false,
            timing: true,
            ..SessionOptions::default()
        });
        let day_text = day.day.to_string();
        let is_python = self.choice.is_python();
        let instrument = day.instrument.clone();
        let rows = day.rows;
        replay.start_batch(
            day,
            self.choice.clone(),
            self.config.clone(),
            self.python.clone(),
            Box::new(Rc::clone(&writer)),
        );
        let log_path = out.join("log.txt");
        let mut log_file =
            BufWriter::new(File::create(&log_path).map_err(|e| os_error(&log_path, e))?);
        let started = std::time::Instant::now();

        let mut updates = VecDeque::new();
        let mut drive = || -> Result<(), Stop> {
            loop {
                let progressed = if is_python {
                    advance_attached(py, &mut replay)
                } else {
                    advance_detached(py, &mut replay)
                };
                replay.drain_into(&mut updates);
                let mut failure = None;
                for update in updates.drain(..) {
                    if let Update::Batch(batch) = update {
                        let notes = batch.notes.iter().cloned();
                        let lines = batch.logs.iter().map(|record| {
                            format!(
                                "{} [{}] {}",
                                format_data_time(record.ts_ns),
                                record.event_index,
                                record.text
                            )
                        });
                        for line in lines {
                            writeln!(log_file, "{line}").map_err(|err| {
                                Stop::Other(format!("{}: cannot write: {err}", log_path.display()))
                            })?;
                            if let Some(log) = log {
                                log.call1((line,)).map_err(Stop::Interrupted)?;
                            }
                        }
                        for note in notes {
                            if let Some(log) = log {
                                log.call1((note,)).map_err(Stop::Interrupted)?;
                            }
                        }
                        if failure.is_none() {
                            failure = batch.errors.into_iter().next();
                        }
                    }
                }
                if let Some(error) = failure {
                    return Err(Stop::Run(error));
                }
                py.check_signals().map_err(Stop::Interrupted)?;
                if let Some(progress) = progress {
                    let seen = replay
                        .runner()
                        .map_or(0, |runner| runner.engine().exchange_events());
                    progress.call1((seen, rows)).map_err(Stop::Interrupted)?;
                }
                if writer.borrow().failed() {
                    return Ok(());
                }
                match progressed {
                    Progress::Budget | Progress::Reached => {}
                    Progress::Finished => return Ok(()),
                    Progress::Stopped => return Err(Stop::Other("the run stopped".to_owned())),
                }
            }
        };
        let driven = drive();
        let elapsed_secs = started.elapsed().as_secs_f64();
        let (now_ns, events_seen) = (replay.now_ns(), replay.events_seen());
        let at = |message: String| {
            let ts_ns = (now_ns != i64::MIN).then_some(now_ns);
            RunFailure {
                message,
                detail: String::new(),
                event_index: Some(events_seen),
                ts_ns,
                data_time: ts_ns.map(format_data_time),
            }
        };
        let mut interrupt = None;
        let mut failure_kind = "engine";
        let mut failure = match driven {
            Ok(()) => None,
            Err(Stop::Run(error)) => {
                failure_kind = match error.kind {
                    ErrorKind::Strategy | ErrorKind::StrategyLoad => "strategy",
                    ErrorKind::Data => "data",
                    ErrorKind::Engine | ErrorKind::Command => "engine",
                };
                Some(RunFailure {
                    message: error.message,
                    detail: error.detail,
                    event_index: error.event_index,
                    ts_ns: error.ts_ns,
                    data_time: error.ts_ns.map(format_data_time),
                })
            }
            Err(Stop::Interrupted(err)) => {
                failure_kind = "interrupted";
                let name = err
                    .get_type(py)
                    .name()
                    .map_or_else(|_| "an exception".to_owned(), |n| n.to_string());
                let failure = at(format!("interrupted ({name})"));
                interrupt = Some(err);
                Some(failure)
            }
            Err(Stop::Other(message)) => Some(at(message)),
        };
        if let Err(err) = log_file.flush() {
            failure
                .get_or_insert_with(|| at(format!("{}: cannot write: {err}", log_path.display())));
        }
        drop(log_file);

        let crossed = replay.crossed_book();
        if let (Some(first), Some(log)) = (&crossed.first, log) {
            log.call1((format!(
                "warning: {first}; {} batches ended with the book crossed (crossed_book = \"warn\")",
                crossed.batches
            ),))?;
        }
        let signals = replay.take_signal_feed();
        let data_events = replay.runner().map_or(0, |runner| {
            let engine = runner.engine();
            if failure.is_none() {
                engine.record().data_events
            } else {
                engine.exchange_events()
            }
        });
        let compute_time = replay.runner().and_then(|runner| runner.compute_times());
        // The engine holds the writer as its sink until it is dropped.
        drop(replay);
        let writer = Rc::try_unwrap(writer)
            .map_err(|_| PyOSError::new_err("the run still holds its output writer"))?
            .into_inner();
        let mut stats = writer.stats(data_events);
        stats.crossed_batches = crossed.batches;
        stats.compute_time = compute_time;
        if let Err(err) = writer.finish() {
            failure.get_or_insert_with(|| at(err.to_string()));
        }
        let summary = Summary {
            status: if failure.is_some() {
                RunStatus::Failed
            } else {
                RunStatus::Ok
            },
            error: failure.as_ref(),
            symbol: &instrument.symbol,
            day: &day_text,
            // One day of one instrument: no span, as `ticklab run` writes it.
            span: None,
            strategy: &self.strategy_label,
            seed: self.config.seed,
            deterministic: self.config.compute.is_deterministic(),
            config: &self.config,
            stats: &stats,
        };
        report::write_summary(out, &summary).map_err(value_error)?;
        if let Some(times) = &stats.compute_time {
            let path = out.join("timing.json");
            let json = serde_json::to_string_pretty(times)
                .map_err(|err| PyValueError::new_err(format!("timing.json: {err}")))?
                + "\n";
            std::fs::write(&path, json).map_err(|e| os_error(&path, e))?;
        }
        if let Some(records) = signals.map(|feed| feed.drain()) {
            if !records.is_empty() {
                let path = out.join("signals.jsonl");
                rules::write_jsonl_file(&path, &records).map_err(|e| os_error(&path, e))?;
            }
        }
        Ok(Outcome {
            failure,
            failure_kind,
            data_events,
            elapsed_secs,
            interrupt,
        })
    }
}
