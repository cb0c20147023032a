//! The worker's heartbeat: a thread that samples the strategy's
//! [`activity`] every [`HEARTBEAT_PERIOD`] and
//! sends it to the parent.
//!
//! The heartbeat runs outside Python and the engine, so it keeps beating
//! while a callback hangs; the parent reads a hang from the callback
//! being reported running for too long, and a frozen or dead worker from
//! the beats stopping.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crossbeam_channel::{bounded, RecvTimeoutError, Sender};
use serde::{Deserialize, Serialize};

use super::protocol::{FrameWriter, WorkerMessage};
use crate::strategy::activity::{self, Activity};

/// Time between two beats.
pub const HEARTBEAT_PERIOD: Duration = Duration::from_millis(50);

/// Where a run is, as of one beat.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Heartbeat {
    /// Market events the strategy has seen.
    pub event_index: u64,
    /// Local data time, ns since epoch.
    pub data_ts_ns: i64,
    /// The callback running now, if any.
    pub callback: Option<RunningCallback>,
}

/// A callback seen running.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunningCallback {
    /// Which start of a callback this is (counts up in the worker).
    pub serial: u64,
    /// The callback (`on_market`, ...).
    pub name: String,
    /// How long it has been seen running, ms (0 on the first beat that
    /// sees it; at most a period less than the truth).
    pub running_ms: u64,
}

/// Turns samples of the activity into beats, timing the callbacks.
#[derive(Debug, Default)]
pub struct Sampler {
    /// The running callback seen last and when it was first seen.
    seen: Option<(u64, Instant)>,
}

impl Sampler {
    /// The beat for `activity` sampled at `now`.
    pub fn beat(&mut self, activity: Activity, now: Instant) -> Heartbeat {
        let callback = activity.is_running.then(|| {
            let since = match self.seen {
                Some((serial, since)) if serial == activity.serial => since,
                _ => now,
            };
            self.seen = Some((activity.serial, since));
            RunningCallback {
                serial: activity.serial,
                name: activity.callback.to_owned(),
                running_ms: u64::try_from(now.duration_since(since).as_millis())
                    .unwrap_or(u64::MAX),
            }
        });
        if callback.is_none() {
            self.seen = None;
        }
        Heartbeat {
            event_index: activity.event_index,
            data_ts_ns: activity.data_ts_ns,
            callback,
        }
    }
}

/// The running heartbeat thread; it stops when this is dropped.
pub struct HeartbeatThread {
    _stop: Sender<()>,
}

/// Starts beating into `channel`. The thread ends when the returned handle
/// is dropped or the channel fails (the parent is gone).
pub fn start<W: Write + Send + 'static>(
    channel: Arc<Mutex<FrameWriter<W>>>,
) -> std::io::Result<HeartbeatThread> {
    start_with(move |beat| match channel.lock() {
        Ok(mut writer) => writer.send(&WorkerMessage::Heartbeat(beat)).is_ok(),
        Err(_) => false,
    })
}

/// Starts beating through `send`, which says false once the parent is
/// gone. The thread ends then, or when the returned handle is dropped.
pub fn start_with(
    mut send: impl FnMut(Heartbeat) -> bool + Send + 'static,
) -> std::io::Result<HeartbeatThread> {
    let (stop, stopped) = bounded::<()>(1);
    std::thread::Builder::new()
        .name("ticklab-heartbeat".into())
        .spawn(move || {
            let mut sampler = Sampler::default();
            loop {
                let beat = sampler.beat(activity::snapshot(), Instant::now());
                if !send(beat) {
                    return;
                }
                match stopped.recv_timeout(HEARTBEAT_PERIOD) {
                    Err(RecvTimeoutError::Timeout) => {}
                    _ => return,
                }
            }
        })?;
    Ok(HeartbeatThread { _stop: stop })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn running(serial: u64) -> Activity {
        Activity {
            serial,
            is_running: true,
            callback: "on_trade",
            event_index: 40,
            data_ts_ns: 5,
        }
    }

    #[test]
    fn a_callback_is_timed_from_the_first_beat_that_sees_it() {
        let t0 = Instant::now();
        let mut sampler = Sampler::default();
        let first = sampler.beat(running(3), t0);
        assert_eq!(first.callback.unwrap().running_ms, 0);
        let later = sampler.beat(running(3), t0 + Duration::from_millis(150));
        assert_eq!(
            later.callback,
            Some(RunningCallback {
                serial: 3,
                name: "on_trade".into(),
                running_ms: 150
            })
        );
        assert_eq!((later.event_index, later.data_ts_ns), (40, 5));
        // The next callback starts its own clock.
        let next = sampler.beat(running(4), t0 + Duration::from_millis(200));
        assert_eq!(next.callback.unwrap().running_ms, 0);
        let idle = sampler.beat(
            Activity {
                is_running: false,
                ..running(4)
            },
            t0 + Duration::from_millis(250),
        );
        assert_eq!(idle.callback, None);
        let again = sampler.beat(running(4), t0 + Duration::from_millis(300));
        assert_eq!(again.callback.unwrap().running_ms, 0);
    }
}
