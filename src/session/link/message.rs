//! What the window and its session worker say to each other, framed as
//! [`crate::worker::protocol`] frames (version byte, length, postcard).

use serde::{Deserialize, Serialize};

use crate::sandbox::{Plan, Protection};
use crate::session::{Command, SessionOptions, Update};
use crate::worker::Heartbeat;

/// Largest frame on a session channel: a batch of a busy frame with the
/// heatmap's columns and the kept rows fits many times over.
pub const SESSION_FRAME_BYTES: u32 = 64 << 20;

/// What the window sends its session worker.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum ToWorker {
    /// The first message: the sandbox to apply before anything else, and
    /// the session's settings.
    Start {
        /// What the worker may read and write, and its limits.
        plan: Box<Plan>,
        /// The session's settings.
        options: Box<SessionOptions>,
    },
    /// A command for the session, in the order sent.
    Command(Command),
    /// The window is ready for the next frame (once per repaint).
    FrameWanted,
}

/// What a session worker sends the window.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum FromWorker {
    /// The sandbox is in place: each protection and whether it is on.
    Ready {
        /// The worker's protections.
        protections: Vec<Protection>,
    },
    /// The worker is alive; where its strategy is.
    Heartbeat(Heartbeat),
    /// The session's updates since the last message, in order: at most a
    /// frame's worth.
    Updates(Vec<Update>),
    /// The worker could not start its session (the sandbox failed).
    Failed {
        /// Why.
        message: String,
    },
}
