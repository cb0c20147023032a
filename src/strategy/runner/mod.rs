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

mod days;
mod instruments;

use days::DayMarks;

use crate::market::{EventKind, MarketEvent};
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
    /// Boxed, so that a run over several instruments swaps the engine
    /// being handled in and out by pointer (an engine is about 2 KB).
    engine: Box<Engine<'a>>,
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
    #[allow(clippy::vec_box)] // swapped with `engine` by pointer
    others: Vec<Box<Engine<'a>>>,
    /// The run's symbols in the order named (empty for one instrument).
    symbols: Vec<String>,
    /// Which instrument `engine` holds now (0 outside a step).
    current: usize,
    /// Which instrument the last step's wake came from (0 for one).
    last: usize,
    /// The run's clock over several instruments: the latest local time of
    /// anything handed to the strategy (`i64::MIN` before that).
    run_now_ns: i64,
    /// Each engine's next due item, reused from step to step.
    due: Vec<Option<DueItem>>,
    /// Each engine's message count when its due item was read (`None`:
    /// read it again): an engine whose count moved since, or that
    /// processed an item, has a new next item.
    due_seq: Vec<Option<u64>>,
    /// What the last step over several instruments handed the strategy
    /// (its market event is `seen`).
    last_wake: Wake<(), ()>,
    /// The market event of the last step over several instruments that
    /// handed one over, as the strategy saw it.
    seen: MarketEvent,
    /// The next order id every engine of a run over several instruments
    /// gives (0 before they were first made to agree).
    shared_order_id: u64,
}

impl<'a, S: Strategy> Runner<'a, S> {
    /// Binds `strategy` to `engine`; nothing runs until the first step.
    /// Callbacks are timed only when the engine charges a measured compute
    /// time (see [`Runner::set_timing`]).
    pub fn new(engine: Engine<'a>, strategy: S) -> Self {
        let measured = engine.compute_latency() == ComputeLatency::Measured;
        let update = *engine.delivered_update();
        let mut runner = Runner {
            engine: Box::new(engine),
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
            last: 0,
            run_now_ns: i64::MIN,
            due: Vec::new(),
            due_seq: Vec::new(),
            last_wake: Wake::Finished,
            seen: MarketEvent::default(),
            shared_order_id: 0,
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
        let wake = self.step_lean()?;
        Ok(wake.map_order(|()| &self.update))
    }

    /// [`Runner::step`], telling only whether the data is over: what the
    /// loops of the runner use, so the event need not be handed back.
    #[inline]
    fn step_is_finished(&mut self) -> Result<bool, RunError> {
        if self.phase == Phase::Running && !self.others.is_empty() {
            return self.step_instruments();
        }
        match self.step_market()? {
            Some(_) => Ok(false),
            None => Ok(matches!(self.step_other()?, Wake::Finished)),
        }
    }

    /// [`Runner::step`] with the order update left in `update`.
    #[inline(always)]
    fn step_lean(&mut self) -> Result<Wake<()>, RunError> {
        match self.step_market()? {
            Some(ev) => Ok(Wake::Market(ev)),
            None => self.step_other(),
        }
    }

    /// The first half of a step: when the next thing the strategy sees
    /// is a market event, hands it over and returns it; `None` otherwise
    /// (then [`Runner::step_other`] takes the step), so that the common
    /// case builds no [`Wake`] and the strategy's `on_market` has one call
    /// site (small enough to inline).
    #[inline(always)]
    fn step_market(&mut self) -> Result<Option<MarketEvent>, RunError> {
        if self.phase != Phase::Running || !self.others.is_empty() {
            return Ok(None);
        }
        let Some(ev) = self.engine.advance_market_only() else {
            return Ok(None);
        };
        self.handle_market(ev)?;
        Ok(Some(ev))
    }

    /// The rest of a step (see [`Runner::step_market`]): the start, a run
    /// over several instruments, and wakes other than a market event
    /// ready at once.
    #[inline(never)]
    fn step_other(&mut self) -> Result<Wake<()>, RunError> {
        match self.phase {
            Phase::Finished => return Ok(Wake::Finished),
            Phase::NotStarted => self.begin()?,
            Phase::Running => {}
        }
        if !self.others.is_empty() {
            return self.step_instruments_seen();
        }
        let wake = self.engine.advance_any()?;
        self.handle(wake)
    }

    /// Hands `wake`, from the engine in `engine`, to the strategy; an
    /// order update is in `update` afterwards.
    #[inline(always)]
    fn handle(&mut self, wake: Wake<()>) -> Result<Wake<()>, RunError> {
        match wake {
            Wake::Market(ev) => {
                self.handle_market(ev)?;
                Ok(Wake::Market(ev))
            }
            wake => self.handle_other(wake),
        }
    }

    /// [`Runner::handle`] for a market event.
    #[inline(always)]
    fn handle_market(&mut self, ev: MarketEvent) -> Result<(), RunError> {
        let now_ns = self.engine.now_ns();
        if (now_ns >= self.mark_ns || now_ns < self.watch_from_ns)
            && self.at_day_mark(&Wake::Market(ev), now_ns)?
        {
            return Ok(());
        }
        if ev.kind != EventKind::Status && self.callbacks.contains(Callback::Market) {
            self.call(Callback::Market, |s, ctx| s.on_market(ctx, &ev))?;
        }
        // A change of the venue's state (from a status event, or inferred
        // at this event) goes to on_status once.
        if let Some(status) = self.engine.take_status_change() {
            if self.callbacks.contains(Callback::Status) {
                self.call(Callback::Status, |s, ctx| s.on_status(ctx, &status))?;
            }
        }
        Ok(())
    }

    /// [`Runner::handle`] for anything but a market event: order updates,
    /// timers and the end of the run.
    #[inline]
    fn handle_other(&mut self, wake: Wake<()>) -> Result<Wake<()>, RunError> {
        let now_ns = self.engine.now_ns();
        if (now_ns >= self.mark_ns || now_ns < self.watch_from_ns)
            && self.at_day_mark(&wake, now_ns)?
        {
            return Ok(wake);
        }
        match wake {
            Wake::Market(ev) => {
                self.handle_market(ev)?;
                Ok(Wake::Market(ev))
            }
            Wake::Order(()) => {
                self.update = *self.engine.delivered_update();
                if self.callbacks.contains(Callback::Order) {
                    let update = self.update;
                    self.call(Callback::Order, |s, ctx| s.on_order(ctx, &update))?;
                }
                Ok(Wake::Order(()))
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

    /// [`Runner::handle`] at a day's start or before the warm-up's start
    /// (rare, kept out of the per-event path): true when the strategy does
    /// not see `wake` (data before the warm-up: the books follow it, the
    /// strategy does not), after crossing into the day of `now_ns`
    /// otherwise.
    #[cold]
    #[inline(never)]
    fn at_day_mark(&mut self, wake: &Wake<()>, now_ns: i64) -> Result<bool, RunError> {
        if *wake == Wake::Finished {
            return Ok(false);
        }
        if now_ns < self.watch_from_ns {
            match wake {
                Wake::Order(()) => self.update = *self.engine.delivered_update(),
                Wake::Market(_) => {
                    let _ = self.engine.take_status_change();
                }
                _ => {}
            }
            return Ok(true);
        }
        self.cross_days(now_ns)?;
        Ok(false)
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

    /// Calls the strategy with a [`Ctx`], timing the call when timing is on.
    /// The callback is called from one place, timed or not, so that a small
    /// one can be inlined.
    #[inline(always)]
    fn call(
        &mut self,
        callback: Callback,
        f: impl FnOnce(&mut S, &mut Ctx<'_, 'a>) -> Result<(), StrategyError>,
    ) -> Result<(), RunError> {
        let timed = self.timing.is_some();
        if timed && self.measured {
            // The engine charges the callback's own wall time to its orders.
            self.engine.set_callback_start(Some(Instant::now()));
        }
        super::activity::enter(callback.name(), self.events_seen(), self.engine.now_ns());
        let started = if timed { clock::ticks() } else { 0 };
        let result = f(
            &mut self.strategy,
            &mut Ctx::with_peers(
                &mut self.engine,
                &mut self.others,
                self.current,
                &self.symbols,
            ),
        );
        if let Some(timing) = &mut self.timing {
            timing.record(callback, clock::ticks().wrapping_sub(started));
        }
        super::activity::exit();
        if timed && self.measured {
            self.engine.set_callback_start(None);
        }
        result.map_err(|source| self.failed(callback, source))
    }

    /// [`Runner::call`] never timed (`on_start`, timed apart).
    #[inline(always)]
    fn call_untimed(
        &mut self,
        callback: Callback,
        f: impl FnOnce(&mut S, &mut Ctx<'_, 'a>) -> Result<(), StrategyError>,
    ) -> Result<(), RunError> {
        super::activity::enter(callback.name(), self.events_seen(), self.engine.now_ns());
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
            event_index: self.events_seen(),
            ts_ns: self.engine.now_ns(),
            source,
        }
    }

    /// Runs to the end of the data.
    pub fn run(&mut self) -> Result<(), RunError> {
        while !self.step_is_finished()? {}
        Ok(())
    }

    /// Takes up to `steps` steps of [`Runner::step`], counting each one
    /// taken in `taken` (a failing one too), and hands nothing of them
    /// back: true when the data is over. What a batch run's slices use.
    pub fn run_steps(&mut self, steps: u32, taken: &mut u64) -> Result<bool, RunError> {
        for _ in 0..steps {
            *taken += 1;
            if self.step_is_finished()? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Runs until the strategy has seen `event_index` market events (or the
    /// data ends).
    pub fn run_to_event(&mut self, event_index: u64) -> Result<(), RunError> {
        while self.events_seen() < event_index {
            if self.step_is_finished()? {
                break;
            }
        }
        Ok(())
    }

    /// Runs until local time reaches `ts_ns` (or the data ends).
    pub fn run_until_ns(&mut self, ts_ns: i64) -> Result<(), RunError> {
        while self.phase != Phase::Finished && self.now_ns() < ts_ns {
            self.step_is_finished()?;
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
    /// `Engine::take_logs`), of every instrument's engine in a run over
    /// several, in local time order (at equal times, in the order the
    /// symbols were named).
    pub fn take_logs(&mut self) -> Vec<crate::sim::LogRecord> {
        let mut logs = self.engine.take_logs();
        if !self.others.is_empty() {
            for engine in &mut self.others {
                logs.append(&mut engine.take_logs());
            }
            logs.sort_by_key(|line| line.ts_ns);
        }
        logs
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
        (*self.engine, self.strategy)
    }
}

/// Runs `strategy` over all of `engine`'s data and returns the record.
pub fn run_to_end<S: Strategy>(engine: Engine<'_>, strategy: S) -> Result<RunRecord, RunError> {
    let mut runner = Runner::new(engine, strategy);
    runner.run()?;
    Ok(runner.into_record())
}
