//! What the window (or the headless command) asks of a session.
//!
//! Commands are plain data: the session thread applies them in the order
//! they arrive, in one place (`session::replay`).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::market::catalog::Day;
use crate::market::day_range::DaySelection;
use crate::sim::RunConfig;

/// How fast playback goes.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum Speed {
    /// A multiple of real time: `1.0` replays one second of data per second.
    RealTime(f64),
    /// As fast as the engine goes.
    Max,
}

impl Speed {
    /// The speeds offered by the transport, slowest first.
    pub const CHOICES: [Speed; 6] = [
        Speed::RealTime(1.0),
        Speed::RealTime(10.0),
        Speed::RealTime(100.0),
        Speed::RealTime(1000.0),
        Speed::RealTime(10_000.0),
        Speed::Max,
    ];

    /// A short label, e.g. `10×` or `max`.
    pub fn label(self) -> String {
        match self {
            Speed::RealTime(multiple) => format!("{multiple}×"),
            Speed::Max => "max".to_owned(),
        }
    }
}

/// Where a step stops.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum StepTarget {
    /// After this many more market events reach the strategy.
    Events(u64),
    /// After the end of the current exchange message, when the book is
    /// consistent again (the event flagged `LAST_IN_BATCH`).
    BatchEnd,
    /// When the strategy receives its next fill.
    NextFill,
    /// When the strategy records its next signal (rule strategies).
    NextSignal,
    /// When local time reaches this time, ns since the epoch.
    UntilNs(i64),
    /// At the end of the data (`on_finish` has run).
    End,
}

/// A place in the run to go to, forwards or backwards.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SeekTarget {
    /// The first moment local time reaches this time, ns since the epoch.
    TimeNs(i64),
    /// Right after this many market events have reached the strategy.
    Event(u64),
}

/// One request to the session.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Command {
    /// Opens a data folder and loads one day of one symbol: the first symbol
    /// and its first day when not given. The run restarts at the start of
    /// the day, paused.
    Load {
        /// A data folder, symbol folder or day file.
        folder: PathBuf,
        /// The symbol; the folder's first when `None`.
        symbol: Option<String>,
        /// The day; the symbol's first when `None`.
        day: Option<Day>,
    },
    /// Opens a data folder and loads a run over several days and
    /// instruments on one clock and one account, as `ticklab run --symbol
    /// --day` does. The run restarts at its start, paused; the window
    /// follows the first symbol.
    Open {
        /// A data folder.
        folder: PathBuf,
        /// The symbols, in the order that breaks ties at equal times; the
        /// folder's first when empty.
        symbols: Vec<String>,
        /// The days (one, a list, a range or all).
        days: DaySelection,
    },
    /// Follows another instrument of the run: frames, the ladder and the
    /// charts show its book. The run re-runs to the event it had reached,
    /// so the charts show that instrument's history.
    Follow(String),
    /// Sets the run configuration (models, cash, risk, the strategy's
    /// `[params]`); applies from the next fresh run (load, strategy or
    /// reload).
    Configure {
        /// The configuration, e.g. from [`crate::session::read_run_config`].
        #[serde(with = "crate::session::link::codec::run_config")]
        config: Box<RunConfig>,
    },
    /// Chooses the strategy: a built-in name (`noop`, `mm`) or a strategy
    /// file. The run restarts at the start of the day, paused.
    SetStrategy(String),
    /// Re-reads the strategy (its file may have changed) and re-runs to the
    /// market event the run had reached.
    ReloadStrategy,
    /// Plays at `speed` until paused, the data ends or the strategy fails.
    Play(Speed),
    /// Pauses playback or a running step.
    Pause,
    /// Runs to a target, as fast as possible, then pauses. Steps sent
    /// while a step or a seek runs follow it, in order; any other command
    /// cancels them.
    Step(StepTarget),
    /// Goes to a place in the run; backwards re-runs from the start (see
    /// `session::checkpoint`).
    Seek(SeekTarget),
    /// Ends the session thread.
    Stop,
}
