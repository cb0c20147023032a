//! A run in progress: market data, engine and strategy wired together.
//!
//! The headless command and the window drive runs through this module, so
//! both see the same results for the same inputs.
//!
//! [`Session`] runs a [`Replay`] (engine and strategy) on its own named
//! thread: [`Command`]s go in, [`Update`]s come out, both over bounded
//! channels. The window sends commands and draws what the updates say; it
//! never touches the engine.

pub mod checkpoint;
pub mod command;
pub mod config;
pub mod day;
pub mod digest;
pub mod frame;
pub mod heat;
pub mod link;
pub mod params;
pub mod prepare;
pub mod replay;
pub mod rows;
pub mod select;
pub mod settings;
pub mod signals;
pub mod source;
mod standby;
pub mod tap;
pub mod thread;
pub mod update;

pub use command::{Command, SeekTarget, Speed, StepTarget};
pub use config::{read_run_config, run_config_from_toml};
pub use day::{DayRun, RunDay, SessionError, StrategyChoice, Warmup};
pub use frame::{BookView, Frame, RunState};
pub use heat::BookColumn;
pub use link::{Isolation, SessionLink, WorkerSettings};
pub use replay::{Replay, SessionOptions};
pub use select::{open_day, open_days, open_instruments};
pub use source::{CacheSource, GrowingSource, LoaderSource, OpenParquet, CACHE_WINDOW_EVENTS};
pub use thread::{SendError, Session, Waker};
pub use update::{Batch, ErrorKind, ErrorRecord, RunInfo, Update};
