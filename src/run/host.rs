//! What a headless run is given ([`RunSpec`]), who drives it
//! ([`RunHost`]) and how it fails to start or finish ([`RunError`]).

use std::path::PathBuf;
use std::time::Duration;

use crate::market::cache::CacheOptions;
use crate::market::day_range::DaySelection;
use crate::market::parquet::ReadOptions;
use crate::report::ReportError;
use crate::session::replay::{Goal, Progress};
use crate::session::{ErrorKind, Replay, SessionError, StrategyChoice};
use crate::sim::RunConfig;
use crate::strategy::python::PythonOptions;

/// Real time a run goes between two looks at its log lines, errors and
/// progress (and, in a host that can, at Ctrl-C).
pub const SLICE: Duration = Duration::from_millis(50);

/// What to run, on what, and where to write it.
#[derive(Debug, Clone)]
pub struct RunSpec {
    /// Data folder (`<folder>/<SYMBOL>/<YYYY-MM-DD>.parquet`), symbol folder
    /// or file.
    pub data: PathBuf,
    /// Instruments as `--symbol` takes them: one, a comma list or `all`;
    /// `None` when the folder has one.
    pub symbol: Option<String>,
    /// Days as `--day` takes them; `None` when there is one.
    pub day: Option<DaySelection>,
    /// Warm-up before the first day, ns.
    pub warmup_ns: Option<i64>,
    /// The strategy.
    pub strategy: StrategyChoice,
    /// The strategy as `summary.json` names it (the name or file given, or a
    /// Python class's name).
    pub strategy_label: String,
    /// The run configuration, seed and `[params]` already applied.
    pub config: RunConfig,
    /// The configuration as messages name it (its file, or `run.toml`).
    pub config_name: String,
    /// The folder the files are written to (created when absent).
    pub out: PathBuf,
    /// Also write the tables as CSV.
    pub csv: bool,
    /// How the days are read.
    pub read: ReadOptions,
    /// The event cache.
    pub cache: CacheOptions,
    /// Time the strategy's callbacks (`compute_time` in the summary).
    pub timing: bool,
    /// What a Python strategy may do.
    pub python: PythonOptions,
}

/// Why a host stopped a run between two slices (Ctrl-C, an exception of
/// its own): the message the summary's error gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostStop(pub String);

/// Where a run's messages go and what happens between two slices of it.
pub trait RunHost {
    /// Runs `replay` for about a [`SLICE`] of real time.
    /// `python_strategy` says the strategy is Python code (the
    /// interpreter's holder may want to share it).
    fn advance(&mut self, replay: &mut Replay, python_strategy: bool) -> Progress {
        let _ = python_strategy;
        replay.advance(Goal::End, SLICE)
    }

    /// A warning or note for the user (a gap in the days, a crossed book).
    fn note(&mut self, text: &str);

    /// A line the strategy logged, as `log.txt` gets it.
    fn log_line(&mut self, line: &str);

    /// Called after each slice with the market events the engines have read
    /// so far and the total of the days; an error stops the run there
    /// (what was done is written).
    ///
    /// # Errors
    ///
    /// The reason to stop.
    fn between_slices(&mut self, seen_events: u64, total_events: u64) -> Result<(), HostStop>;
}

/// A run that cannot start or whose files cannot be written.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The data folder, symbol or day.
    #[error(transparent)]
    Session(#[from] SessionError),
    /// The output tables or summary.
    #[error(transparent)]
    Report(#[from] ReportError),
    /// The folder had nothing to run.
    #[error("{}: no instrument to run", .0.display())]
    NoInstrument(PathBuf),
    /// The instruments' currencies or configuration do not fit together.
    #[error("{0}")]
    Config(String),
    /// A file or folder could not be created.
    #[error("{}: cannot create", path.display())]
    Create {
        /// The file or folder.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// A file could not be written.
    #[error("{}: cannot write", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// `timing.json` could not be encoded.
    #[error("timing.json")]
    Timing(#[source] serde_json::Error),
    /// The engine kept the output writer after the run.
    #[error("the run still holds its output writer")]
    WriterHeld,
}

/// What kind of failure ended a run early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// The strategy raised or could not be loaded.
    Strategy,
    /// Bad data.
    Data,
    /// The engine refused something.
    Engine,
    /// The host stopped it ([`RunHost::between_slices`]).
    Host,
    /// An output file could not be written.
    Output,
}

impl From<ErrorKind> for FailureKind {
    fn from(kind: ErrorKind) -> Self {
        match kind {
            ErrorKind::Strategy | ErrorKind::StrategyLoad => FailureKind::Strategy,
            ErrorKind::Data => FailureKind::Data,
            ErrorKind::Engine | ErrorKind::Command => FailureKind::Engine,
        }
    }
}
