//! The runner: drives the engine one [`Wake`] at a time and hands each to
//! the strategy with a [`Ctx`].
//!
//! `step` handles exactly one thing the strategy sees, so a session can stop
//! after any event; `run_to_event` re-runs to a given event index, which is
//! how a seek works on a deterministic engine.

use crate::market::EventKind;
use crate::sim::{Engine, EngineError, RunRecord, Wake};
use crate::strategy::{Ctx, Strategy, StrategyError};

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
}

impl<'a, S: Strategy> Runner<'a, S> {
    /// Binds `strategy` to `engine`; nothing runs until the first step.
    pub fn new(engine: Engine<'a>, strategy: S) -> Self {
        Runner {
            engine,
            strategy,
            phase: Phase::NotStarted,
        }
    }

    /// Handles the next thing the strategy sees and returns it. The first
    /// call runs `on_start` first; the call that finds the data over runs
    /// `on_finish` and returns [`Wake::Finished`], as do all later calls.
    pub fn step(&mut self) -> Result<Wake, RunError> {
        match self.phase {
            Phase::Finished => return Ok(Wake::Finished),
            Phase::NotStarted => {
                self.engine.start()?;
                self.phase = Phase::Running;
                self.call("on_start", |s, ctx| s.on_start(ctx))?;
            }
            Phase::Running => {}
        }
        let wake = self.engine.advance()?;
        match &wake {
            Wake::Market(ev) => {
                if ev.kind != EventKind::Status {
                    self.call("on_market", |s, ctx| s.on_market(ctx, ev))?;
                }
                if let Some(status) = self.engine.take_status_change() {
                    self.call("on_status", |s, ctx| s.on_status(ctx, &status))?;
                }
            }
            Wake::Order(update) => self.call("on_order", |s, ctx| s.on_order(ctx, update))?,
            Wake::Timer { ts_ns, .. } => {
                let ts_ns = *ts_ns;
                self.call("on_timer", |s, ctx| s.on_timer(ctx, ts_ns))?;
            }
            Wake::Finished => {
                self.phase = Phase::Finished;
                self.call("on_finish", |s, ctx| s.on_finish(ctx))?;
                // The run is over: the record takes its final sample now,
                // so a host that streams it has every row.
                self.engine.close_record();
            }
        }
        Ok(wake)
    }

    #[inline]
    fn call(
        &mut self,
        callback: &'static str,
        f: impl FnOnce(&mut S, &mut Ctx<'_, 'a>) -> Result<(), StrategyError>,
    ) -> Result<(), RunError> {
        super::activity::enter(callback, self.engine.events_seen(), self.engine.now_ns());
        let mut ctx = Ctx::new(&mut self.engine);
        let result = f(&mut self.strategy, &mut ctx);
        super::activity::exit();
        result.map_err(|source| RunError::Strategy {
            callback,
            event_index: self.engine.events_seen(),
            ts_ns: self.engine.now_ns(),
            source,
        })
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
            if self.step()? == Wake::Finished {
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
}

/// Runs `strategy` over all of `engine`'s data and returns the record.
pub fn run_to_end<S: Strategy>(engine: Engine<'_>, strategy: S) -> Result<RunRecord, RunError> {
    let mut runner = Runner::new(engine, strategy);
    runner.run()?;
    Ok(runner.into_record())
}
