//! The replay: one run of a strategy over a day, driven a step at a time,
//! with everything it tells the window queued in an outbox.
//!
//! This is the session's state and the one place its commands are applied;
//! the thread around it (`session::thread`) only paces it and moves
//! messages. It knows nothing of threads or windows, so it is tested
//! directly.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::path::PathBuf;
use std::rc::Rc;

use crossbeam_channel::Receiver;

use crate::book::{CrossedReport, CrossedTally};
use crate::market::catalog::{Catalog, Day};
use crate::sim::stats::Stats;
use crate::sim::{RecordSink, RunConfig};
use crate::strategy::python::PythonOptions;
use crate::strategy::rules::SignalFeed;
use crate::strategy::{Runner, Strategy};

use super::checkpoint::Checkpoints;
use super::command::{SeekTarget, StepTarget};
use super::frame::{Frame, RunState};
use super::rows::{InstrumentRows, PendingRows, SharedRows};
use super::tap::Tap;
use super::update::{Batch, CatalogView, ErrorKind, ErrorRecord, RunInfo, SignalRecord, Update};
use super::{open_day, DayRun, StrategyChoice};

mod advance;
mod fresh;
mod instruments;
mod logs;
mod options;

pub use advance::{Goal, Progress};
pub use options::SessionOptions;

/// A runner over a day with a strategy chosen at run time.
pub type DynRunner = Runner<'static, Box<dyn Strategy + Send>>;

/// The day, the strategy and the run in progress.
pub struct Replay {
    options: SessionOptions,
    config: RunConfig,
    folder: Option<PathBuf>,
    day: Option<DayRun>,
    span_ns: Option<(i64, i64)>,
    strategy: Option<String>,
    choice: StrategyChoice,
    runner: Option<DynRunner>,
    wakes: u64,
    /// Signals recorded in this run. Rule strategies record them; until
    /// one does, a step to the next signal runs to the end of the data.
    signals: u64,
    /// Where a rule strategy records its firings, drained after each step.
    signal_feed: Option<SignalFeed>,
    /// Firings drained but not yet sent to the window.
    pending_signals: Vec<SignalRecord>,
    failed: bool,
    checkpoints: Checkpoints,
    diverged_reported: bool,
    tap: Tap,
    /// Where the run under way lands, when known (a seek's target, the
    /// place a reload re-runs to): the heatmap samples only before it.
    landing_ns: Option<i64>,
    /// Where the run's fills, order updates and equity samples go instead
    /// of the engine's record, until the window takes them.
    rows: Option<SharedRows>,
    /// Where a batch run's rows go instead, taken by its run.
    batch_sink: Option<Box<dyn RecordSink>>,
    /// A run over several instruments: the days of those after the first
    /// (`day`), in the order named.
    others: Vec<DayRun>,
    /// Where their rows go in a batch run, in the same order.
    other_sinks: Vec<Box<dyn RecordSink>>,
    /// The instrument the window follows (its frames, ladder and charts),
    /// in the order named: 0 is `day`'s.
    focus: usize,
    /// What a Python strategy may do.
    python: PythonOptions,
    outbox: VecDeque<Update>,
    errors: Vec<ErrorRecord>,
    notes: Vec<String>,
    /// The outcome of writing each day's event cache, for the days a run
    /// writes it.
    cache_notes: Vec<Receiver<String>>,
    /// What was said about the event cache: each is said once.
    cache_said: Vec<String>,
    /// Batches of the run's data that ended with the book crossed, under
    /// `crossed_book = "warn"`.
    crossed: CrossedTally,
    /// True once the first crossed batch of the day is in the console.
    crossed_noted: bool,
    /// The strategy's console lines taken from the runner, with their
    /// digest for the checkpoints.
    logs: logs::HeldLogs,
    /// A Python strategy's global random generators as this run left them
    /// at the end of its last turn (see `python::taking_turns`).
    random: Option<crate::strategy::python::GlobalRandom>,
    /// True once the console heard they cannot be kept.
    random_said: bool,
}

impl Replay {
    /// An empty replay: nothing loaded, no strategy.
    pub fn new(options: SessionOptions) -> Self {
        let callback_budget = options.callback_budget;
        Replay {
            checkpoints: Checkpoints::new(options.checkpoint_events),
            tap: Tap::new(
                options.quote_step_ns,
                options.column_step_ns,
                options.frame_depth,
            ),
            landing_ns: None,
            options,
            config: RunConfig::default(),
            folder: None,
            day: None,
            span_ns: None,
            strategy: None,
            choice: StrategyChoice::NoOp,
            runner: None,
            wakes: 0,
            signals: 0,
            signal_feed: None,
            pending_signals: Vec::new(),
            failed: false,
            diverged_reported: false,
            rows: None,
            batch_sink: None,
            others: Vec::new(),
            other_sinks: Vec::new(),
            focus: 0,
            python: PythonOptions {
                callback_budget,
                ..PythonOptions::default()
            },
            outbox: VecDeque::new(),
            errors: Vec::new(),
            notes: Vec::new(),
            cache_notes: Vec::new(),
            cache_said: Vec::new(),
            crossed: CrossedTally::default(),
            crossed_noted: false,
            logs: logs::HeldLogs::default(),
            random: None,
            random_said: false,
        }
    }

    /// The run in progress, if a day is loaded.
    pub fn runner(&self) -> Option<&DynRunner> {
        self.runner.as_ref()
    }

    /// Things the strategy has been woken for since the start of the run.
    pub fn wakes(&self) -> u64 {
        self.wakes
    }

    /// True when a strategy error or a data error stopped the run.
    pub fn is_failed(&self) -> bool {
        self.failed
    }

    /// True once the data is over.
    pub fn is_finished(&self) -> bool {
        self.runner.as_ref().is_some_and(Runner::is_finished)
    }

    /// The state a frame shows when the engine is not running.
    pub fn resting_state(&self) -> RunState {
        if self.runner.is_none() {
            RunState::Empty
        } else if self.failed {
            RunState::Failed
        } else if self.is_finished() {
            RunState::Finished
        } else {
            RunState::Paused
        }
    }

    /// Local time of the run, ns (`i64::MIN` before the first step).
    pub fn now_ns(&self) -> i64 {
        self.runner.as_ref().map_or(i64::MIN, Runner::now_ns)
    }

    /// Market events the strategy has seen, over every instrument of the
    /// run (the run's event index).
    pub fn events_seen(&self) -> u64 {
        self.runner.as_ref().map_or(0, Runner::events_seen)
    }

    /// Queues an error for the console.
    pub fn report(&mut self, mut error: ErrorRecord) {
        if let Some(runner) = &self.runner {
            if error.ts_ns.is_none() && runner.now_ns() != i64::MIN {
                error.ts_ns = Some(runner.now_ns());
            }
            if error.event_index.is_none() {
                error.event_index = Some(runner.events_seen());
            }
        }
        self.errors.push(error);
    }

    /// Queues a note for the console.
    pub fn note(&mut self, text: impl Into<String>) {
        self.notes.push(text.into());
    }

    /// Queues a note about the event cache unless it was said already (a
    /// seek re-runs the day and finds the same cache again).
    fn note_cache(&mut self, text: String) {
        if !self.cache_said.contains(&text) {
            self.cache_said.push(text.clone());
            self.notes.push(text);
        }
    }

    /// Sets the run configuration, with the strategy's `[params]`, for the
    /// next fresh run.
    pub fn configure(&mut self, config: RunConfig) {
        if let Err(err) = config.validate() {
            self.report(ErrorRecord::of(ErrorKind::Command, &err));
            return;
        }
        self.config = config;
    }

    /// A second replay of the same day, strategy and settings, started
    /// afresh and paused at the start: a standby the session runs ahead
    /// (see `session::standby`), so that a step back only runs from where
    /// it waits. `None` without a loaded day, after a failure, and for a
    /// Python object handed over as an instance (a twin would share it).
    ///
    /// A Python strategy file gets a second instance in a module of its
    /// own, in the same interpreter: modules it imports are shared, so the
    /// session checks the twin against this run (see
    /// `session::standby`).
    pub fn twin(&self) -> Option<Replay> {
        let day = self.day.clone()?;
        if matches!(self.choice, StrategyChoice::PythonObject { .. }) || self.failed {
            return None;
        }
        let mut twin = Replay::new(self.options.clone());
        twin.config = self.config.clone();
        twin.python = self.python.clone();
        twin.folder = self.folder.clone();
        twin.span_ns = self.span_ns;
        twin.strategy = self.strategy.clone();
        twin.choice = self.choice.clone();
        twin.day = Some(day);
        twin.others = self.others.clone();
        twin.focus = self.focus;
        twin.cache_said = self.cache_said.clone();
        twin.tap.columns.set_step(self.tap.columns.step_ns());
        twin.fresh_run().then_some(twin)
    }

    /// The settings of this session.
    pub(crate) fn options(&self) -> &SessionOptions {
        &self.options
    }

    /// True when the strategy is written in Python.
    pub(crate) fn is_python(&self) -> bool {
        self.choice.is_python()
    }

    /// The positions this run passed (and, after a seek back, the ones
    /// the run before it passed), every `checkpoint_events`.
    pub(crate) fn checkpoints(&self) -> &Checkpoints {
        &self.checkpoints
    }

    /// Takes over from `before`, the run this one stood in for: the
    /// positions it passed beyond this one's, to keep checking against,
    /// and whether the console heard it is not deterministic.
    pub(crate) fn succeed(&mut self, before: &Replay) {
        self.checkpoints.extend_from(&before.checkpoints);
        self.diverged_reported |= before.diverged_reported;
    }

    /// The time of the earliest heatmap column a run landing at
    /// `landing_ns` samples (the last ring's width before it).
    pub(crate) fn heat_from_ns(&self, landing_ns: i64) -> i64 {
        self.tap.columns.from_ns_for(landing_ns)
    }

    /// Opens `folder` and starts a fresh run over one of its days.
    pub fn load(&mut self, folder: PathBuf, symbol: Option<String>, day: Option<Day>) -> bool {
        let catalog = match Catalog::open(&folder) {
            Ok(catalog) => catalog,
            Err(err) => {
                self.report(ErrorRecord::of(ErrorKind::Data, &err));
                return false;
            }
        };
        self.outbox
            .push_back(Update::Catalog(CatalogView::of(&catalog)));
        let Some(data) = (match symbol.as_deref() {
            Some(symbol) => catalog.instrument(symbol),
            None => catalog.instruments.first(),
        }) else {
            let message = format!(
                "{}: no symbol {}",
                folder.display(),
                symbol.as_deref().unwrap_or("at all")
            );
            self.report(ErrorRecord::msg(ErrorKind::Data, message));
            return false;
        };
        let Some(file) = (match day {
            Some(day) => data.day(day),
            None => data.days.first(),
        }) else {
            let message = format!(
                "{}: no day {}",
                data.instrument.symbol,
                day.map(|d| d.to_string()).unwrap_or_default()
            );
            self.report(ErrorRecord::msg(ErrorKind::Data, message));
            return false;
        };
        let span_ns = file.exch_ts_span_ns();
        match open_day(&folder, Some(&data.instrument.symbol), Some(file.day)) {
            Ok(day_run) => {
                self.notes.extend(day_run.warnings.iter().cloned());
                self.folder = Some(folder);
                self.day = Some(day_run);
                self.others.clear();
                self.focus = 0;
                self.crossed_noted = false;
                self.span_ns = span_ns;
                self.checkpoints.clear();
                self.fresh_run()
            }
            Err(err) => {
                self.report(ErrorRecord::of(ErrorKind::Data, &err));
                false
            }
        }
    }

    /// Starts a batch run of `choice` over `day`, as `ticklab run` does: the
    /// run's rows go to `sink` as they come, and `python` says what a
    /// Python strategy may do. Drive it with [`Replay::advance`] to
    /// [`Goal::End`] and take its log lines and errors with
    /// [`Replay::drain_into`]; a rule strategy's firings stay in the feed
    /// [`Replay::take_signal_feed`] hands over.
    pub fn start_batch(
        &mut self,
        day: DayRun,
        choice: StrategyChoice,
        config: RunConfig,
        python: PythonOptions,
        sink: Box<dyn RecordSink>,
    ) -> bool {
        self.span_ns = None;
        self.day = Some(day);
        self.crossed_noted = false;
        self.choice = choice;
        self.config = config;
        self.python = python;
        self.batch_sink = Some(sink);
        self.checkpoints.clear();
        self.fresh_run()
    }

    /// [`Replay::start_batch`] over several instruments: `days` holds one
    /// [`DayRun`] per instrument and `sinks` where its rows go, both in the
    /// order the symbols were named (which breaks ties at equal times).
    pub fn start_batch_instruments(
        &mut self,
        days: Vec<DayRun>,
        choice: StrategyChoice,
        config: RunConfig,
        python: PythonOptions,
        sinks: Vec<Box<dyn RecordSink>>,
    ) -> bool {
        let mut days = days.into_iter();
        let mut sinks = sinks.into_iter();
        let (Some(day), Some(sink)) = (days.next(), sinks.next()) else {
            self.report(ErrorRecord::msg(
                ErrorKind::Data,
                "a run needs an instrument",
            ));
            return false;
        };
        self.others = days.collect();
        self.other_sinks = sinks.collect();
        self.start_batch(day, choice, config, python, sink)
    }

    /// The feed of a rule strategy's firings, for a batch run to write out.
    pub fn take_signal_feed(&mut self) -> Option<SignalFeed> {
        self.signal_feed.take()
    }

    /// Chooses the strategy and starts a fresh run with it.
    pub fn set_strategy(&mut self, name: String) -> bool {
        match StrategyChoice::parse(&name, &self.config.params) {
            Ok(choice) => {
                self.choice = choice;
                self.strategy = Some(name);
                self.checkpoints.clear();
                self.fresh_run()
            }
            Err(err) => {
                self.report(load_failure(&err));
                false
            }
        }
    }

    /// Re-reads the strategy and starts a fresh run; returns the number of
    /// market events to re-run to, or `None` when the strategy cannot be
    /// read (the error is queued and the run goes on unchanged).
    pub fn reload_strategy(&mut self) -> Option<u64> {
        let target = self.events_seen();
        self.landing_ns = Some(self.now_ns()).filter(|&ts| ts != i64::MIN);
        if let Some(name) = self.strategy.clone() {
            match StrategyChoice::parse(&name, &self.config.params) {
                Ok(choice) => self.choice = choice,
                Err(err) => {
                    self.report(load_failure(&err));
                    return None;
                }
            }
        }
        self.checkpoints.clear();
        self.fresh_run().then_some(target)
    }

    /// Turns a seek into a goal, starting a fresh run first when the target
    /// is behind the current position. Returns the goal and whether it
    /// re-runs from the start.
    pub fn seek(&mut self, target: SeekTarget) -> Option<(Goal, bool)> {
        self.runner.as_ref()?;
        let (goal, behind) = match target {
            SeekTarget::TimeNs(ts_ns) => (Goal::UntilNs(ts_ns), ts_ns < self.now_ns()),
            SeekTarget::Event(events) => (Goal::EventsSeen(events), events < self.events_seen()),
        };
        self.landing_ns = match target {
            SeekTarget::TimeNs(ts_ns) => Some(ts_ns),
            SeekTarget::Event(_) => None,
        };
        if behind || self.failed {
            // The fresh run samples the heatmap from the stretch before
            // where it lands (everything, landing at an event), as a
            // standby run taken over for the same seek does.
            self.tap.columns.land_at(self.landing_ns);
            self.checkpoints.rewind();
            if !self.fresh_run() {
                return None;
            }
        }
        Some((goal, behind))
    }

    /// The goal of a step command from the current position.
    pub fn goal_of(&self, target: StepTarget) -> Goal {
        match target {
            StepTarget::Events(n) => Goal::EventsSeen(self.events_seen().saturating_add(n)),
            StepTarget::BatchEnd => Goal::BatchEnd,
            StepTarget::NextFill => Goal::NextFill,
            StepTarget::NextSignal => Goal::SignalsSeen(self.signals.saturating_add(1)),
            StepTarget::UntilNs(ts_ns) => Goal::UntilNs(ts_ns),
            StepTarget::End => Goal::End,
        }
    }

    /// A frame of the run as it stands: the book and orders of the
    /// instrument the window follows, the run's event counts and clock, the
    /// account over every instrument.
    pub fn frame(&self, state: RunState) -> Option<Frame> {
        let runner = self.runner.as_ref()?;
        Some(instruments::frame_of(
            runner,
            self.focus,
            state,
            self.wakes,
            self.options.frame_depth,
        ))
    }

    /// The statistics of the run so far.
    pub fn stats(&self) -> Option<Stats> {
        let runner = self.runner.as_ref()?;
        let engine = runner.engine();
        let mut stats = match &self.rows {
            Some(rows) => rows.borrow().stats(runner.exchange_events()),
            None => Stats::from_record(engine.record(), engine.instrument()),
        };
        stats.compute_time = runner.compute_times();
        // Over two days or more, Sharpe and Sortino are those of the daily
        // returns, as `ticklab run` gives them.
        if let Some(rows) = &self.rows {
            let by_day = rows.borrow().stats_by_day();
            if by_day.len() >= 2 {
                let days_per_year = f64::from(self.config.days_per_year.unwrap_or(365));
                let (sharpe, sortino) =
                    crate::report::daily_ratios(&by_day, self.config.initial_cash, days_per_year);
                stats.sharpe = sharpe;
                stats.sortino = sortino;
            }
        }
        Some(stats)
    }

    /// The batches of the run's data read so far that ended with the book
    /// crossed, counted under `crossed_book = "warn"`.
    pub fn crossed_book(&self) -> CrossedReport {
        self.crossed.report()
    }

    /// Moves what is waiting into `out`: the queued updates, then a batch
    /// of everything new, when there is any.
    pub fn drain_into(&mut self, out: &mut VecDeque<Update>) {
        if !self.crossed_noted {
            if let Some(first) = self.crossed.report().first {
                self.crossed_noted = true;
                self.note(format!(
                    "warning: {first}; crossed_book = \"warn\": the run goes on and counts them"
                ));
            }
        }
        out.append(&mut self.outbox);
        let mut batch = match (&mut self.runner, &self.rows) {
            (Some(runner), Some(rows)) => {
                self.logs.take_from(runner);
                self.tap
                    .take_batch(self.logs.take(), &mut rows.borrow_mut())
            }
            // A batch run writes every line: none is left out.
            (Some(runner), None) => Batch {
                logs: runner.take_logs(),
                ..Batch::default()
            },
            _ => Batch::default(),
        };
        batch.signals.append(&mut self.pending_signals);
        batch.errors.append(&mut self.errors);
        let written: Vec<String> = self
            .cache_notes
            .iter()
            .flat_map(Receiver::try_iter)
            .collect();
        for text in written {
            self.note_cache(text);
        }
        batch.notes.append(&mut self.notes);
        if !batch.is_empty() {
            out.push_back(Update::Batch(Box::new(batch)));
        }
    }
}

/// A strategy that cannot be loaded, said as `loading <file>: <why>`,
/// with the rest of a many-line reason (a traceback) as the detail.
fn load_failure(err: &super::SessionError) -> ErrorRecord {
    let mut record = ErrorRecord::of(ErrorKind::StrategyLoad, err);
    if let super::SessionError::Strategy { name, reason } = err {
        let (first, rest) = reason.split_once('\n').unwrap_or((reason, ""));
        // The reason may name the file already.
        let first = first.strip_prefix(&format!("{name}: ")).unwrap_or(first);
        record.message = format!("loading {name}: {first}");
        record.detail = rest.trim_end().to_owned();
    }
    record
}
