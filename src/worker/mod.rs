//! The strategy worker: a process of its own that runs the engine and the
//! strategy inside the [`sandbox`](crate::sandbox), watched by the process
//! that started it.
//!
//! The worker talks to its parent over one local socket (its standard
//! input): [`protocol`] frames ([`WorkerMessage`] out for `ticklab run`;
//! for the window, a [`session`] worker takes commands in and sends
//! updates out). A [`heartbeat`] thread reports the strategy's
//! [`activity`](crate::strategy::activity) every
//! [`HEARTBEAT_PERIOD`](heartbeat::HEARTBEAT_PERIOD), so nothing is sent
//! per event, and the parent can tell a callback that overran its budget
//! from a run that is merely long.

pub mod activity_page;
pub mod death;
pub mod env;
pub mod heartbeat;
pub mod printed;
pub mod protocol;
pub mod session;

pub use heartbeat::{Heartbeat, RunningCallback};
pub use protocol::{FrameReader, FrameWriter, ProtocolError, WorkerMessage, PROTOCOL_VERSION};
