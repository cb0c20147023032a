//! The runner: drives the engine one [`Wake`] at a time and hands each to
//! the strategy with a [`Ctx`].
//!
//! `step` handles exactly one thing the strategy sees, so a session can stop
//! after any event; `run_to_event` re-runs to a given event index, which is
//! how a seek works on a deterministic engine.
//!
//! The runner calls only the callbacks the strategy defines
//! ([`Strategy::callbacks`]) and, when asked, times each call: one
//! monotonic clock read before and one after, into a fixed-size histogram
//! per callback kind ([`Runner::compute_times`]).

use std::time::Instant;

use crate::market::catalog::Day;
use crate::market::EventKind;
use crate::sim::{
    ComputeLatency, ComputeTimes, DueItem, Engine, EngineError, OrderUpdate, RunRecord, Wake,
};
use crate::strategy::clock;
use crate::strategy::timing::CallbackTimes;
use crate::strategy::{Callback, CallbackSet, Ctx, Strategy, StrategyError};

/// Why a run stopped early.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The engine could not go on (market data failed).
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// A strategy callback returned an error.
    #[error("strategy {callback} failed at event {event_index} (local time {ts_ns} ns): {source}")]
    Strategy {
        /// Which callback: `on_start`, `on_market`, `on_status`, `on_order`,
        /// `on_timer`, `on_finish`.
        callback: &'static str,
        /// Market events the strategy had seen.
        event_index: u64,
        /// Local time, ns.
        ts_ns: i64,
        /// The strategy's error.
        #[source]
        source: StrategyError,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    NotStarted,
    Running,
    Finished,
}

/// A strategy bound to an engine.
pub struct Runner<'a, S> {
    engine: Engine<'a>,
    strategy: S,
    phase: Phase,
    /// The callbacks the strategy defines (all until `on_start` has run).
    callbacks: CallbackSet,
    /// The order update the last [`Wake::Order`] refers to.
    update: OrderUpdate,
    /// Wall time of each callback, when timed.
    timing: Option<Box<CallbackTimes>>,
    /// The engine charges a measured compute latency (timing is on then).
    measured: bool,
    /// The run's days, when the runner was told them: for the day
    /// callbacks.
    days: Option<Box<DayMarks>>,
    /// Local time of the next day's start (or of the warm-up's, before the
    /// strategy sees anything); `i64::MAX` when none is ahead.
    mark_ns: i64,
    /// Things seen before this local time are not handed to the strategy
    /// (a warm-up's day before its start); `i64::MIN` once they are.
    watch_from_ns: i64,
    /// The engines of the run's other instruments, when it has several
    /// (see [`Runner::with_instruments`]). While the strategy handles one
    /// of theirs, that engine is swapped into `engine`.
    others: Vec<Engine<'a>>,
    /// The run's symbols in the order named (empty for one instrument).
    symbols: Vec<String>,
    /// Which instrument `engine` holds now (0 outside a step).
    current: usize,
    /// Each engine's next due item, reused from step to step.
    due: Vec<Option<DueItem>>,
    /// The engine whose due item must be read again (the one that last
    /// processed one), or every engine (`None`) after a strategy callback,
    /// which may have sent an order to any.
    stale: Option<usize>,
}

/// The days of a run, for the day callbacks.
#[derive(Debug)]
struct DayMarks {
    /// Each day's midnight UTC (ns) and the day, oldest first.
    days: Vec<(i64, Day)>,
    /// The day running now, once one has started.
    current: Option<usize>,
}

impl DayMarks {
    /// Start of the day after the current one, `i64::MAX` after the last.
    fn next_start_ns(&self) -> i64 {
        let next = self.current.map_or(0, |i| i + 1);
        self.days.get(next).map_or(i64::MAX, |&(ts, _)| ts)
    }
}

impl<'a, S: Strategy> Runner<'a, S> {
    /// Binds `strategy` to `engine`; nothing runs until the first step.
    /// Callbacks are timed only when the engine charges a measured compute
    /// time (see [`Runner::set_timing`]).
    pub fn new(engine: Engine<'a>, strategy: S) -> Self {
        let measured = engine.compute_latency() == ComputeLatency::Measured;
        let update = *engine.delivered_update();
        let mut runner = Runner {
            engine,
            strategy,
            phase: Phase::NotStarted,
            callbacks: CallbackSet::ALL,
            update,
            timing: None,
            measured,
            days: None,
            mark_ns: i64::MAX,
            watch_from_ns: i64::MIN,
            others: Vec::new(),
            symbols: Vec::new(),
            current: 0,
            due: Vec::new(),
            stale: None,
        };
        runner.set_timing(measured);
        runner
    }

    /// Times every strategy callback (one clock read before and one after),
    /// or stops timing. A measured compute latency needs the timing: it
    /// stays on then.
    pub fn set_timing(&mut self, on: bool) {
        let on = on || self.measured;
        match (on, self.timing.is_some()) {
            (true, false) => self.timing = Some(Box::new(CallbackTimes::new())),
            (false, true) => self.timing = None,
            _ => {}
        }
    }

    /// Binds `strategy` to the engines of a run over several instruments,
    /// one per instrument, in the order the symbols were named (that order
    /// breaks ties between instruments at equal times). The first engine is
    /// [`Runner::engine`]. With one engine this is [`Runner::new`].
    pub fn with_instruments(mut engines: Vec<Engine<'a>>, strategy: S) -> Option<Self> {
        if engines.is_empty() {
            return None;
        }
        let others = engines.split_off(1);
        let first = engines.pop()?;
        let mut runner = Runner::new(first, strategy);
        if !others.is_empty() {
            runner.symbols = std::iter::once(&runner.engine)
                .chain(&others)
                .map(|e| e.instrument().symbol.clone())
                .collect();
            runner.due = vec![None; others.len() + 1];
            runner.others = others;
        }
        Some(runner)
    }

    /// The engines of the run's other instruments (after the first), in
    /// the order named.
    pub fn other_engines(&self) -> &[Engine<'a>] {
        &self.others
    }

    /// Tells the runner the run's days (oldest first), so that the strategy
    /// hears of each with `on_day_start` and `on_day_end`, and hands it
    /// nothing seen before local time `watch_from_ns` (the start of a
    /// warm-up; `i64::MIN` for all). Call it before the first step.
    pub fn set_days(&mut self, days: &[Day], watch_from_ns: i64) {
        self.days = (!days.is_empty()).then(|| {
            Box::new(DayMarks {
                days: days.iter().map(|&day| (day.start_ns(), day)).collect(),
                current: None,
            })
        });
        self.watch_from_ns = watch_from_ns;
        // Until the first day starts, the first thing watched starts it.
        self.mark_ns = if self.days.is_some() {
            watch_from_ns
        } else {
            i64::MAX
        };
    }

    /// The day the strategy is in, once it has started.
    pub fn current_day(&self) -> Option<Day> {
        let marks = self.days.as_deref()?;
        marks.current.map(|i| marks.days[i].1)
    }

    /// p50, p99 and max wall time of each callback kind called so far, when
    /// timed.
    pub fn compute_times(&self) -> Option<ComputeTimes> {
        self.timing.as_ref().map(|timing| timing.summary())
    }

    /// Handles the next thing the strategy sees and returns it. The first
    /// call runs `on_start` first; the call that finds the data over runs
    /// `on_finish` and returns [`Wake::Finished`], as do all later calls.
    #[inline]
    pub fn step(&mut self) -> Result<Wake<&OrderUpdate>, RunError> {
        match self.phase {
            Phase::Finished => return Ok(Wake::Finished),
            Phase::NotStarted => self.begin()?,
            Phase::Running => {}
        }
        if !self.others.is_empty() {
            return self.step_instruments();
        }
        let wake = self.engine.advance_lean()?;
        self.handle(wake)
    }

    /// [`Runner::step`] over several instruments: the earliest due item
    /// of any engine, handed to the strategy with that instrument's engine
    /// in `engine`.
    #[inline(never)]
    fn step_instruments(&mut self) -> Result<Wake<&OrderUpdate>, RunError> {
        let (index, wake) = self.advance_instruments()?;
        self.swap_in(index);
        let handled = self.handle(wake).map(|wake| wake.map_order(|_| ()));
        self.swap_in(index);
        let wake = handled?;
        if wake == Wake::Finished {
            for engine in &mut self.others {
                engine.close_record();
            }
        }
        Ok(wake.map_order(|()| &self.update))
    }

    /// Puts the engine of instrument `index` in `engine` (or back).
    fn swap_in(&mut self, index: usize) {
        if let Some(other) = index.checked_sub(1).and_then(|i| self.others.get_mut(i)) {
            std::mem::swap(&mut self.engine, other);
            self.current = if self.current == index { 0 } else { index };
        }
    }

    /// The engine of instrument `index` (in the order named).
    fn engine_at(&mut self, index: usize) -> Option<&mut Engine<'a>> {
        match index.checked_sub(1) {
            None => Some(&mut self.engine),
            Some(i) => self.others.get_mut(i),
        }
    }

    /// Processes the earliest due item among the engines, at equal times
    /// the first named instrument's, until one gives the strategy
    /// something to see; returns its instrument and the wake
    /// ([`Wake::Finished`] once every engine is over).
    fn advance_instruments(&mut self) -> Result<(usize, Wake<()>), RunError> {
        let count = self.others.len() + 1;
        loop {
            match self.stale {
                Some(index) => {
                    if let Some(engine) = self.engine_at(index) {
                        let due = engine.next_due_item()?;
                        self.due[index] = due;
                    }
                }
                None => {
                    // After a callback: the strategy may have sent orders
                    // through any engine, and order ids are the run's.
                    let next_id = std::iter::once(&self.engine)
                        .chain(&self.others)
                        .map(Engine::next_order_id)
                        .max()
                        .unwrap_or(1);
                    self.engine.set_next_order_id(next_id);
                    for engine in &mut self.others {
                        engine.set_next_order_id(next_id);
                    }
                    for index in 0..count {
                        let due = match self.engine_at(index) {
                            Some(engine) => engine.next_due_item()?,
                            None => None,
                        };
                        self.due[index] = due;
                    }
                }
            }
            let Some((_, index)) = self
                .due
                .iter()
                .enumerate()
                .filter_map(|(i, due)| due.map(|(ts, _)| (ts, i)))
                .min()
            else {
                return Ok((0, Wake::Finished));
            };
            let Some(item) = self.due[index] else {
                return Ok((0, Wake::Finished));
            };
            // The strategy may see this engine's events at once only up to
            // the others' next items (an instrument named earlier wins a
            // tie).
            let until_ns = self
                .due
                .iter()
                .enumerate()
                .filter(|&(i, _)| i != index)
                .filter_map(|(i, due)| {
                    due.map(|(ts, _)| if i < index { ts.saturating_sub(1) } else { ts })
                })
                .min()
                .unwrap_or(i64::MAX);
            let Some(engine) = self.engine_at(index) else {
                return Ok((0, Wake::Finished));
            };
            engine.set_handover_until_ns(until_ns);
            let id_before = engine.next_order_id();
            let woke = engine.process_item(item);
            let id_after = engine.next_order_id();
            self.stale = Some(index);
            if id_after != id_before {
                // The venue gave an id (a liquidation): ids are the run's.
                self.engine.set_next_order_id(id_after);
                for engine in &mut self.others {
                    engine.set_next_order_id(id_after);
                }
            }
            if let Some(wake) = woke {
                // The strategy acts next: it may reach any engine.
                self.stale = None;
                // One clock for the strategy, whichever instrument woke it.
                let now_ns = self.engine_at(index).map_or(i64::MIN, |e| e.now_ns());
                self.engine.catch_up_local_now(now_ns);
                for engine in &mut self.others {
                    engine.catch_up_local_now(now_ns);
                }
                return Ok((index, wake));
            }
        }
    }

    /// Hands `wake`, from the engine in `engine`, to the strategy.
    #[inline(always)]
    fn handle(&mut self, wake: Wake<()>) -> Result<Wake<&OrderUpdate>, RunError> {
        let now_ns = self.engine.now_ns();
        if (now_ns >= self.mark_ns || now_ns < self.watch_from_ns) && wake != Wake::Finished {
            if now_ns < self.watch_from_ns {
                // A warm-up day before the warm-up's start: the books
                // follow it, the strategy does not see it.
                match wake {
                    Wake::Order(()) => self.update = *self.engine.delivered_update(),
                    Wake::Market(_) => {
                        let _ = self.engine.take_status_change();
                    }
                    _ => {}
                }
                return Ok(wake.map_order(|()| &self.update));
            }
            self.cross_days(now_ns)?;
        }
        match wake {
            Wake::Market(ev) => {
                if ev.kind != EventKind::Status && self.callbacks.contains(Callback::Market) {
                    self.call(Callback::Market, |s, ctx| s.on_market(ctx, &ev))?;
                }
                // A change of the venue's state (from a status event, or
                // inferred at this event) goes to on_status once.
                if let Some(status) = self.engine.take_status_change() {
                    if self.callbacks.contains(Callback::Status) {
                        self.call(Callback::Status, |s, ctx| s.on_status(ctx, &status))?;
                    }
                }
                Ok(Wake::Market(ev))
            }
            Wake::Order(()) => {
                self.update = *self.engine.delivered_update();
                if self.callbacks.contains(Callback::Order) {
                    let update = self.update;
                    self.call(Callback::Order, |s, ctx| s.on_order(ctx, &update))?;
                }
                Ok(Wake::Order(&self.update))
            }
            Wake::Timer { ts_ns, id } => {
                if self.callbacks.contains(Callback::Timer) {
                    self.call(Callback::Timer, |s, ctx| s.on_timer(ctx, ts_ns))?;
                }
                Ok(Wake::Timer { ts_ns, id })
            }
            Wake::Finished => {
                self.phase = Phase::Finished;
                if let Some(day) = self.current_day() {
                    if self.callbacks.contains(Callback::DayEnd) {
                        self.call(Callback::DayEnd, |s, ctx| s.on_day_end(ctx, day))?;
                    }
                }
                if self.callbacks.contains(Callback::Finish) {
                    self.call(Callback::Finish, |s, ctx| s.on_finish(ctx))?;
                }
                // The run is over: the record takes its final sample now,
                // so a host that streams it has every row.
                self.engine.close_record();
                Ok(Wake::Finished)
            }
        }
    }

    /// Starts the run: `on_start` (always called: a host may load the
    /// strategy there), then asks which callbacks the strategy defines.
    #[cold]
    fn begin(&mut self) -> Result<(), RunError> {
        self.engine.start()?;
        self.phase = Phase::Running;
        let started = clock::ticks();
        self.call_untimed(Callback::Start, |s, ctx| s.on_start(ctx))?;
        let elapsed = clock::ticks().wrapping_sub(started);
        self.callbacks = self.strategy.callbacks();
        if let Some(timing) = &mut self.timing {
            if self.callbacks.contains(Callback::Start) {
                timing.record(Callback::Start, elapsed);
            }
        }
        if self.days.is_some() && self.watch_from_ns == i64::MIN {
            // No warm-up: the first day starts with the run.
            self.cross_days(self.engine.now_ns())?;
        }
        Ok(())
    }

    /// The strategy moves to the day of local time `now_ns`: the day
    /// before ends and the new one starts (the first day only starts).
    #[cold]
    fn cross_days(&mut self, now_ns: i64) -> Result<(), RunError> {
        self.watch_from_ns = i64::MIN;
        let Some(marks) = self.days.as_deref_mut() else {
            self.mark_ns = i64::MAX;
            return Ok(());
        };
        let ended = marks.current.map(|i| marks.days[i].1);
        let index = marks
            .days
            .iter()
            .rposition(|&(start, _)| start <= now_ns)
            .unwrap_or(0)
            .max(marks.current.unwrap_or(0));
        if marks.current == Some(index) {
            self.mark_ns = marks.next_start_ns();
            return Ok(());
        }
        marks.current = Some(index);
        let started = marks.days[index].1;
        self.mark_ns = marks.next_start_ns();
        if let Some(day) = ended {
            if self.callbacks.contains(Callback::DayEnd) {
                self.call(Callback::DayEnd, |s, ctx| s.on_day_end(ctx, day))?;
            }
        }
        if self.callbacks.contains(Callback::DayStart) {
            self.call(Callback::DayStart, |s, ctx| s.on_day_start(ctx, started))?;
        }
        Ok(())
    }

    /// Calls the strategy with a [`Ctx`], timing the call when timing is on.
    #[inline(always)]
    fn call(
        &mut self,
        callback: Callback,
        f: impl FnOnce(&mut S, &mut Ctx<'_, 'a>) -> Result<(), StrategyError>,
    ) -> Result<(), RunError> {
        let Some(timing) = &mut self.timing else {
            return self.call_untimed(callback, f);
        };
        if self.measured {
            // The engine charges the callback's own wall time to its orders.
            self.engine.set_callback_start(Some(Instant::now()));
        }
        super::activity::enter(
            callback.name(),
            self.engine.events_seen(),
            self.engine.now_ns(),
        );
        let started = clock::ticks();
        let result = f(
            &mut self.strategy,
            &mut Ctx::with_peers(
                &mut self.engine,
                &mut self.others,
                self.current,
                &self.symbols,
            ),
        );
        timing.record(callback, clock::ticks().wrapping_sub(started));
        super::activity::exit();
        if self.measured {
            self.engine.set_callback_start(None);
        }
        result.map_err(|source| self.failed(callback, source))
    }

    #[inline(always)]
    fn call_untimed(
        &mut self,
        callback: Callback,
        f: impl FnOnce(&mut S, &mut Ctx<'_, 'a>) -> Result<(), StrategyError>,
    ) -> Result<(), RunError> {
        super::activity::enter(
            callback.name(),
            self.engine.events_seen(),
            self.engine.now_ns(),
        );
        let mut ctx = Ctx::with_peers(
            &mut self.engine,
            &mut self.others,
            self.current,
            &self.symbols,
        );
        let result = f(&mut self.strategy, &mut ctx);
        super::activity::exit();
        result.map_err(|source| self.failed(callback, source))
    }

    #[cold]
    fn failed(&self, callback: Callback, source: StrategyError) -> RunError {
        RunError::Strategy {
            callback: callback.name(),
            event_index: self.engine.events_seen(),
            ts_ns: self.engine.now_ns(),
            source,
        }
    }

    /// Runs to the end of the data.
    pub fn run(&mut self) -> Result<(), RunError> {
        while !matches!(self.step()?, Wake::Finished) {}
        Ok(())
    }

    /// Runs until the strategy has seen `event_index` market events (or the
    /// data ends).
    pub fn run_to_event(&mut self, event_index: u64) -> Result<(), RunError> {
        while self.engine.events_seen() < event_index {
            if matches!(self.step()?, Wake::Finished) {
                break;
            }
        }
        Ok(())
    }

    /// Runs until local time reaches `ts_ns` (or the data ends).
    pub fn run_until_ns(&mut self, ts_ns: i64) -> Result<(), RunError> {
        while self.phase != Phase::Finished && self.engine.now_ns() < ts_ns {
            self.step()?;
        }
        Ok(())
    }

    /// True once `on_finish` has run.
    pub fn is_finished(&self) -> bool {
        self.phase == Phase::Finished
    }

    /// The engine (books, orders, record so far).
    pub fn engine(&self) -> &Engine<'a> {
        &self.engine
    }

    /// Takes the strategy's log lines recorded since the last call (see
    /// `Engine::take_logs`).
    pub fn take_logs(&mut self) -> Vec<crate::sim::LogRecord> {
        self.engine.take_logs()
    }

    /// The strategy.
    pub fn strategy(&self) -> &S {
        &self.strategy
    }

    /// The strategy, to change its parameters between steps.
    pub fn strategy_mut(&mut self) -> &mut S {
        &mut self.strategy
    }

    /// Ends the run and hands over its record.
    pub fn into_record(self) -> RunRecord {
        self.engine.into_record()
    }

    /// Takes the runner apart.
    pub fn into_parts(self) -> (Engine<'a>, S) {
        (self.engine, self.strategy)
    }

    /// Takes the runner apart: the engine of every instrument, in the order
    /// named, and the strategy.
    pub fn into_engines(self) -> (Vec<Engine<'a>>, S) {
        let mut engines = vec![self.engine];
        engines.extend(self.others);
        (engines, self.strategy)
    }
}

/// Runs `strategy` over all of `engine`'s data and returns the record.
pub fn run_to_end<S: Strategy>(engine: Engine<'_>, strategy: S) -> Result<RunRecord, RunError> {
    let mut runner = Runner::new(engine, strategy);
    runner.run()?;
    Ok(runner.into_record())
}
