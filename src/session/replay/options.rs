//! The settings a session is made with.

use crate::market::cache::CacheOptions;
use crate::market::parquet::ReadOptions;
use crate::session::checkpoint::DEFAULT_CHECKPOINT_EVENTS;
use crate::session::command::Speed;
use crate::session::frame::DEFAULT_FRAME_DEPTH;
use crate::session::heat::column_step_ns;
use crate::session::tap::DEFAULT_QUOTE_STEP_NS;

/// Settings of a session.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct SessionOptions {
    /// Levels of each side of both books copied into a frame.
    pub frame_depth: usize,
    /// Data-time step between two samples of the touch, ns.
    pub quote_step_ns: i64,
    /// Market events between two checkpoints.
    pub checkpoint_events: u64,
    /// Data-time step between two columns of the heatmap until playback
    /// sets one from its speed, ns.
    pub column_step_ns: i64,
    /// How the day's file is read.
    pub read: ReadOptions,
    /// Whether replays read the day's event cache, and where it lives.
    pub cache: CacheOptions,
    /// True when a window watches the run: the replay collects trades,
    /// the touch and the heatmap's columns, takes checkpoints, and keeps
    /// the lists it sends bounded. A batch run (`ticklab run`) sets it
    /// false and takes every log line and signal.
    pub for_window: bool,
    /// Time every strategy callback (two monotonic clock reads per call),
    /// for the statistics' `compute_time`. On by default.
    pub timing: bool,
    /// Wall-clock budget of one Python callback of the window's runs,
    /// after which it is interrupted; `None` for no limit. 2 s by default.
    pub callback_budget: Option<std::time::Duration>,
    /// Market events between two rungs of the window's ladder of standby
    /// runs (see `session::standby`); 200 000 by default.
    #[serde(default = "default_ladder_events")]
    pub ladder_events: u64,
    /// The same for a Python strategy, which replays slower; 100 000 by
    /// default.
    #[serde(default = "default_python_ladder_events")]
    pub python_ladder_events: u64,
}

fn default_ladder_events() -> u64 {
    crate::session::standby::LADDER_EVENTS
}

fn default_python_ladder_events() -> u64 {
    crate::session::standby::PYTHON_LADDER_EVENTS
}

impl Default for SessionOptions {
    fn default() -> Self {
        SessionOptions {
            frame_depth: DEFAULT_FRAME_DEPTH,
            quote_step_ns: DEFAULT_QUOTE_STEP_NS,
            checkpoint_events: DEFAULT_CHECKPOINT_EVENTS,
            column_step_ns: column_step_ns(Speed::RealTime(1.0)),
            read: ReadOptions::default(),
            cache: CacheOptions::default(),
            for_window: true,
            timing: true,
            callback_budget: Some(crate::strategy::python::DEFAULT_CALLBACK_BUDGET),
            ladder_events: crate::session::standby::LADDER_EVENTS,
            python_ladder_events: crate::session::standby::PYTHON_LADDER_EVENTS,
        }
    }
}
