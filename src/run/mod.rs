//! A headless run: a strategy over days of one or more instruments, driven
//! to the end and written to an output folder (`summary.json`, the fills,
//! orders and equity tables, `log.txt`, `timing.json`, `signals.jsonl`).
//!
//! `ticklab run` and the Python package's `ticklab.run` both drive a run
//! through [`HeadlessRun`], so the same inputs give the same files. What
//! differs between them — where warnings and log lines are shown, the
//! progress bar, Ctrl-C, whether the interpreter is held — is the
//! [`RunHost`] each passes in.
//!
//! ```text
//! let mut run = HeadlessRun::start(spec, &mut host)?;   // opens the days
//! run.drive(&mut host);                                  // to the end
//! let finished = run.finish(&mut host)?;                 // writes the files
//! ```

mod host;
mod log;
mod span;

use std::cell::RefCell;
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::{Duration, Instant};

use crate::market::Instrument;
use crate::report::{
    self, OutputFormats, RecordWriter, RunFailure, RunSpan, RunStatus, Summary, SymbolStats,
};
use crate::session::replay::Progress;
use crate::session::{open_instruments, ErrorRecord, Replay, SessionOptions, Update};
use crate::sim::stats::Stats;
use crate::sim::{RecordSink, RunConfig};
use crate::strategy::python::format_data_time;
use crate::strategy::rules;

pub use host::{FailureKind, HostStop, RunError, RunHost, RunSpec, SLICE};
use log::RunLog;
use span::run_span;

/// How the drive of a run ended early.
enum Stop {
    Run(ErrorRecord),
    Host(String),
    Output(String),
}

/// The text of an error and its causes, each after a `: `.
fn chain_text(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// A run under way: its session, writer and log.
pub struct HeadlessRun {
    replay: Replay,
    writer: Rc<RefCell<RecordWriter>>,
    log: RunLog,
    out: PathBuf,
    instruments: Vec<Instrument>,
    span: Option<RunSpan>,
    config: RunConfig,
    strategy_label: String,
    python_strategy: bool,
    day_text: String,
    days_text: String,
    symbols_text: String,
    rows: u64,
    started: Instant,
    driven: Result<(), Stop>,
}

/// A run that ended, its files written.
pub struct Finished {
    /// The folder written.
    pub out: PathBuf,
    /// The files written, in the order `ticklab run` lists them.
    pub written: Vec<PathBuf>,
    /// Why the run ended early (the summary's error), if it did.
    pub failure: Option<RunFailure>,
    /// The kind of that failure.
    pub failure_kind: Option<FailureKind>,
    /// The summary's statistics.
    pub stats: Stats,
    /// Market events replayed, over every instrument.
    pub data_events: u64,
    /// Real time the drive took.
    pub elapsed: Duration,
    /// The instruments, in the order named.
    pub instruments: Vec<Instrument>,
    /// The configuration in force.
    pub config: RunConfig,
    /// The strategy as `summary.json` names it.
    pub strategy_label: String,
    /// `run of <strategy> on <symbols> <days>`, for messages.
    pub run_name: String,
    /// The instruments as a comma list.
    pub symbols_text: String,
    /// The first day, or `first..last`.
    pub days_text: String,
}

impl HeadlessRun {
    /// Opens the days of `spec` and starts the run; warnings (days with
    /// data outside them, gaps) go to `host`.
    ///
    /// # Errors
    ///
    /// The data folder, symbol or day cannot be used, the instruments'
    /// currencies need a rate the configuration lacks, the configuration
    /// names an instrument the run lacks, or the output cannot be created.
    pub fn start(spec: RunSpec, host: &mut dyn RunHost) -> Result<Self, RunError> {
        let RunSpec {
            data,
            symbol,
            day,
            warmup_ns,
            strategy,
            strategy_label,
            config,
            config_name,
            out,
            csv,
            read,
            cache,
            timing,
            python,
        } = spec;
        let runs = open_instruments(&data, symbol.as_deref(), day.as_ref(), warmup_ns)?;
        let Some(first) = runs.first().cloned() else {
            return Err(RunError::NoInstrument(data));
        };
        for warning in runs.iter().flat_map(|run| &run.warnings) {
            host.note(warning);
        }
        let instruments: Vec<Instrument> = runs.iter().map(|run| run.instrument.clone()).collect();
        let fx_rates = fx_rates(&config, &instruments)?;
        let names: Vec<&str> = instruments.iter().map(|i| i.symbol.as_str()).collect();
        if let Some(unknown) = config.unknown_instruments(&names).first() {
            return Err(RunError::Config(format!(
                "{config_name}: [instruments.{unknown}]: {unknown} is not an instrument of this run; it has: {}",
                names.join(", ")
            )));
        }
        let span = run_span(&runs);
        if let Some(span) = &span {
            for gap in &span.gaps {
                host.note(&format!(
                    "{}: no data from {} to {}: a gap in time; position, cash and orders carry over",
                    gap.symbol, gap.from, gap.to
                ));
            }
        }
        let python_strategy = strategy.is_python();
        let formats = OutputFormats { parquet: true, csv };
        // Fills, order updates and equity samples go to their files as the
        // run produces them, so memory does not grow with the length of
        // the run.
        let mut writer =
            RecordWriter::create_instruments(&out, &instruments, config.initial_cash, formats)?;
        if span.as_ref().is_some_and(|span| span.days.len() > 1) {
            writer.track_days();
        }
        writer.set_fx_rates(&fx_rates);
        let writer = Rc::new(RefCell::new(writer));
        // The same session the window drives, asked to run to the end, with
        // nothing collected for a window.
        let mut replay = Replay::new(SessionOptions {
            read,
            cache,
            for_window: false,
            timing,
            ..SessionOptions::default()
        });
        let day_text = first.day.to_string();
        let days_text = match &span {
            Some(span) if span.days.len() > 1 => {
                format!("{}..{}", span.days[0], span.days[span.days.len() - 1])
            }
            _ => day_text.clone(),
        };
        let symbols_text = names.join(",");
        let rows = runs.iter().map(|run| run.rows).sum();
        // A run that cannot start queues why; the first drain reports it.
        if runs.len() > 1 {
            let sinks = (0..runs.len())
                .map(|i| Box::new(RecordWriter::sink_of(&writer, i)) as Box<dyn RecordSink>)
                .collect();
            replay.start_batch_instruments(runs, strategy, config.clone(), python, sinks);
        } else {
            replay.start_batch(
                first,
                strategy,
                config.clone(),
                python,
                Box::new(Rc::clone(&writer)),
            );
        }
        let log = RunLog::create(&out)?;
        Ok(HeadlessRun {
            replay,
            writer,
            log,
            out,
            instruments,
            span,
            config,
            strategy_label,
            python_strategy,
            day_text,
            days_text,
            symbols_text,
            rows,
            started: Instant::now(),
            driven: Ok(()),
        })
    }

    /// The strategy is Python code.
    pub fn python_strategy(&self) -> bool {
        self.python_strategy
    }

    /// Market events in the run's days, over every instrument.
    pub fn total_events(&self) -> u64 {
        self.rows
    }

    /// The instruments as a comma list.
    pub fn symbols_text(&self) -> &str {
        &self.symbols_text
    }

    /// The first day, or `first..last` for several.
    pub fn days_text(&self) -> &str {
        &self.days_text
    }

    /// Runs to the end of the days, or until the strategy fails, an output
    /// file cannot be written or `host` stops it; how it ended is written
    /// by [`HeadlessRun::finish`].
    pub fn drive(&mut self, host: &mut dyn RunHost) {
        self.started = Instant::now();
        self.driven = self.drive_slices(host);
    }

    fn drive_slices(&mut self, host: &mut dyn RunHost) -> Result<(), Stop> {
        let mut updates = VecDeque::new();
        loop {
            let progressed = host.advance(&mut self.replay, self.python_strategy);
            self.replay.drain_into(&mut updates);
            let mut failure = None;
            for update in updates.drain(..) {
                if let Update::Batch(batch) = update {
                    for note in &batch.notes {
                        host.note(note);
                    }
                    for record in &batch.logs {
                        let line = RunLog::line_of(record);
                        host.log_line(&line);
                        self.log
                            .write_line(&line)
                            .map_err(|err| Stop::Output(chain_text(&err)))?;
                    }
                    if failure.is_none() {
                        failure = batch.errors.into_iter().next();
                    }
                }
            }
            if let Some(error) = failure {
                return Err(Stop::Run(error));
            }
            let seen = self.replay.runner().map_or(0, |runner| {
                std::iter::once(runner.engine())
                    .chain(runner.other_engines())
                    .map(|engine| engine.exchange_events())
                    .sum()
            });
            host.between_slices(seen, self.rows)
                .map_err(|HostStop(message)| Stop::Host(message))?;
            if self.writer.borrow().failed() {
                // The error is reported when the writer finishes.
                return Ok(());
            }
            match progressed {
                Progress::Budget | Progress::Reached => {}
                Progress::Finished => return Ok(()),
                Progress::Stopped => return Err(Stop::Output("the run stopped".to_owned())),
            }
        }
    }

    /// Writes the run's files: every row up to a failure, the summary
    /// saying how it ended, `timing.json` and `signals.jsonl` when there
    /// are any, `log.txt`.
    ///
    /// # Errors
    ///
    /// The summary or another file cannot be written (a failure of the run
    /// itself is [`Finished::failure`]).
    pub fn finish(self, host: &mut dyn RunHost) -> Result<Finished, RunError> {
        let HeadlessRun {
            mut replay,
            writer,
            log,
            out,
            instruments,
            mut span,
            config,
            strategy_label,
            day_text,
            days_text,
            symbols_text,
            started,
            driven,
            ..
        } = self;
        let elapsed = started.elapsed();
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
        let (mut failure, mut failure_kind) = match driven {
            Ok(()) => (None, None),
            Err(Stop::Run(error)) => (
                Some(RunFailure {
                    message: error.message,
                    detail: error.detail,
                    event_index: error.event_index,
                    ts_ns: error.ts_ns,
                    data_time: error.ts_ns.map(format_data_time),
                }),
                Some(FailureKind::from(error.kind)),
            ),
            Err(Stop::Host(message)) => (Some(at(message)), Some(FailureKind::Host)),
            Err(Stop::Output(message)) => (Some(at(message)), Some(FailureKind::Output)),
        };
        let log_path = match log.finish() {
            Ok(path) => Some(path),
            Err(err) => {
                if failure.is_none() {
                    failure = Some(at(chain_text(&err)));
                    failure_kind = Some(FailureKind::Output);
                }
                None
            }
        };
        let crossed = replay.crossed_book();
        if let Some(first) = &crossed.first {
            host.note(&format!(
                "warning: {first}; {} batches ended with the book crossed (crossed_book = \"warn\")",
                crossed.batches
            ));
        }
        let signals = replay.take_signal_feed();
        let events_of = |engine: &crate::sim::Engine<'_>| {
            if failure.is_none() {
                engine.record().data_events
            } else {
                engine.exchange_events()
            }
        };
        let data_events_by_symbol: Vec<u64> = replay.runner().map_or_else(Vec::new, |runner| {
            std::iter::once(runner.engine())
                .chain(runner.other_engines())
                .map(events_of)
                .collect()
        });
        let data_events = data_events_by_symbol.iter().sum();
        let compute_time = replay.runner().and_then(|runner| runner.compute_times());
        // The engine holds the writer as its sink until it is dropped.
        drop(replay);
        let writer = Rc::try_unwrap(writer)
            .map_err(|_| RunError::WriterHeld)?
            .into_inner();
        let mut stats = writer.stats(data_events);
        stats.crossed_batches = crossed.batches;
        stats.compute_time = compute_time;
        if let Some(span) = span.as_mut() {
            span.by_day = writer.stats_by_day();
            if span.by_day.len() >= 2 {
                let days_per_year = config.days_per_year.unwrap_or(365);
                let (sharpe, sortino) = report::daily_ratios(
                    &span.by_day,
                    config.initial_cash,
                    f64::from(days_per_year),
                );
                stats.sharpe = sharpe;
                stats.sortino = sortino;
                span.ratios = Some(format!("daily returns, {days_per_year} days a year"));
            }
        }
        if let Some(span) = span.as_mut().filter(|_| instruments.len() > 1) {
            span.by_symbol = instruments
                .iter()
                .zip(writer.stats_by_instrument(&data_events_by_symbol))
                .map(|(instrument, stats)| SymbolStats {
                    symbol: instrument.symbol.clone(),
                    stats,
                })
                .collect();
        }
        // The rows up to a failure are written too: the files are closed
        // whole either way.
        let tables_written = match writer.finish() {
            Ok(paths) => paths,
            Err(err) => {
                if failure.is_none() {
                    failure = Some(at(chain_text(&err)));
                    failure_kind = Some(FailureKind::Output);
                }
                Vec::new()
            }
        };
        let summary = Summary {
            status: if failure.is_some() {
                RunStatus::Failed
            } else {
                RunStatus::Ok
            },
            error: failure.as_ref(),
            symbol: &instruments[0].symbol,
            day: &day_text,
            span: span.as_ref(),
            strategy: &strategy_label,
            seed: config.seed,
            deterministic: config.compute.is_deterministic(),
            config: &config,
            stats: &stats,
        };
        let mut written = vec![report::write_summary(&out, &summary)?];
        if let Some(times) = &stats.compute_time {
            let path = out.join("timing.json");
            let json = serde_json::to_string_pretty(times).map_err(RunError::Timing)? + "\n";
            std::fs::write(&path, json).map_err(|source| RunError::Write {
                path: path.clone(),
                source,
            })?;
            written.push(path);
        }
        written.extend(tables_written);
        written.extend(log_path);
        match signals.map(|feed| feed.drain()) {
            Some(records) if !records.is_empty() => {
                let path = out.join("signals.jsonl");
                rules::write_jsonl_file(&path, &records).map_err(|source| RunError::Write {
                    path: path.clone(),
                    source,
                })?;
                written.push(path);
            }
            _ => {}
        }
        let run_name = format!("run of {strategy_label} on {symbols_text} {days_text}");
        Ok(Finished {
            out,
            written,
            failure,
            failure_kind,
            stats,
            data_events,
            elapsed,
            instruments,
            config,
            strategy_label,
            run_name,
            symbols_text,
            days_text,
        })
    }
}

/// The rate of each instrument's currency in the first's, or why one is
/// missing.
fn fx_rates(config: &RunConfig, instruments: &[Instrument]) -> Result<Vec<f64>, RunError> {
    let Some(first) = instruments.first() else {
        return Ok(Vec::new());
    };
    let account_currency = &first.currency;
    instruments
        .iter()
        .map(|inst| {
            config
                .fx_rate(&inst.currency, account_currency)
                .ok_or_else(|| {
                    RunError::Config(format!(
                        "{} is in {} and {} in {}: give a fixed rate in the run configuration, e.g. \
                         [fx] {} = 1.0 (units of {} per {}; ticklab simulates no FX)",
                        first.symbol,
                        account_currency,
                        inst.symbol,
                        inst.currency,
                        inst.currency,
                        account_currency,
                        inst.currency
                    ))
                })
        })
        .collect()
}

impl Finished {
    /// `<run name>: <message> (at <time>, event <n>); the rows up to it are
    /// in <folder>` and, on the lines after, the traceback or causes: the
    /// text of a failed run's error.
    pub fn failure_text(&self, folder: &Path) -> Option<String> {
        let error = self.failure.as_ref()?;
        let at = match (&error.data_time, error.event_index) {
            (Some(time), Some(index)) => format!(" (at {time}, event {index})"),
            (None, Some(index)) => format!(" (at event {index})"),
            _ => String::new(),
        };
        let mut text = format!(
            "{}: {}{at}; the rows up to it are in {}",
            self.run_name,
            error.message,
            folder.display()
        );
        if !error.detail.is_empty() {
            text.push('\n');
            text.push_str(error.detail.trim_end());
        }
        Some(text)
    }
}
