//! The session thread: owns the [`Replay`] (engine and strategy), applies
//! commands, paces playback and sends updates.
//!
//! ```text
//!  window ── Command (bounded) ──▶ session thread ── Update (bounded) ──▶ window
//! ```
//!
//! The engine never waits on the window: updates go out with `try_send`,
//! and while the window is behind, batches merge and frames are skipped. A
//! frame is built only when the window has asked for one since the last
//! (at most once per repaint), or when the engine stops and waits (step
//! mode), which is the one time it waits for the window.

mod run_loop;

use run_loop::SessionLoop;

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, TryRecvError, TrySendError};

use super::command::{Command, Speed};
use super::frame::RunState;
use super::heat::column_step_ns;
use super::replay::{Goal, Progress, Replay, SessionOptions};
use super::standby::Standbys;
use super::update::{ErrorKind, ErrorRecord, Update};

/// Name of the session thread.
pub const SESSION_THREAD_NAME: &str = "ticklab-session";

/// Commands queued at most; the window's `send` fails beyond that.
const COMMAND_CAPACITY: usize = 256;

/// Updates queued at most before the session holds them back.
const UPDATE_CAPACITY: usize = 64;

/// Real time the engine runs before it looks at commands again.
const RUN_SLICE: Duration = Duration::from_millis(4);

/// Shortest real time between two frames while running.
const MIN_FRAME_INTERVAL: Duration = Duration::from_millis(8);

/// Real time between two statistics updates while running.
const STATS_INTERVAL: Duration = Duration::from_secs(1);

pub use super::standby::{
    LADDER_EVENTS, LADDER_RUNGS, MAX_STANDBYS, PYTHON_LADDER_EVENTS, PYTHON_LADDER_RUNGS,
    STANDBY_GRID_EVENTS,
};

/// Real time a standby replay runs per turn while the session waits.
const STANDBY_SLICE: Duration = Duration::from_millis(4);

/// Real time a standby replay runs per turn during play: while playback
/// is ahead of the clock (it would wait that long anyway), and during
/// play as fast as possible (see [`PLAY_STANDBY_SHARE`]).
const PLAY_STANDBY_SLICE: Duration = Duration::from_millis(1);

/// Of the real time the run takes during play as fast as possible (or
/// behind the clock), the share standby replays get: they cost the play
/// this much of its speed at most.
const PLAY_STANDBY_SHARE: f64 = 0.02;

/// How the window is told that updates are waiting (e.g. a repaint
/// request); called from the session thread.
pub type Waker = Arc<dyn Fn() + Send + Sync>;

/// Why a command could not be sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// The session has too many commands waiting; try again next frame.
    #[error("the session is busy; try again")]
    Busy,
    /// The session thread has ended.
    #[error("the session has ended")]
    Ended,
}

/// The window's end of a session running on its own thread. Dropping it
/// stops the thread.
pub struct Session {
    commands: Sender<Command>,
    updates: Receiver<Update>,
    frame_wanted: Arc<AtomicBool>,
    sent: u64,
    thread: Option<JoinHandle<()>>,
}

impl Session {
    /// Starts a session thread; `waker` is called whenever updates are
    /// waiting.
    pub fn spawn(options: SessionOptions, waker: Waker) -> std::io::Result<Session> {
        let (command_tx, command_rx) = crossbeam_channel::bounded(COMMAND_CAPACITY);
        let (update_tx, update_rx) = crossbeam_channel::bounded(UPDATE_CAPACITY);
        let frame_wanted = Arc::new(AtomicBool::new(true));
        let link = Link {
            updates: update_tx,
            frame_wanted: Arc::clone(&frame_wanted),
            waker,
            queue: VecDeque::new(),
        };
        let thread = std::thread::Builder::new()
            .name(SESSION_THREAD_NAME.to_owned())
            .spawn(move || SessionLoop::new(Replay::new(options), command_rx, link).run())?;
        Ok(Session {
            commands: command_tx,
            updates: update_rx,
            frame_wanted,
            sent: 0,
            thread: Some(thread),
        })
    }

    /// Sends a command without waiting.
    pub fn send(&mut self, command: Command) -> Result<(), SendError> {
        match self.commands.try_send(command) {
            Ok(()) => {
                self.sent += 1;
                Ok(())
            }
            Err(TrySendError::Full(_)) => Err(SendError::Busy),
            Err(TrySendError::Disconnected(_)) => Err(SendError::Ended),
        }
    }

    /// Commands sent so far.
    pub fn commands_sent(&self) -> u64 {
        self.sent
    }

    /// The next update, if one is waiting.
    pub fn try_recv(&self) -> Option<Update> {
        self.updates.try_recv().ok()
    }

    /// The next update, waiting at most `timeout`.
    pub fn recv_timeout(&self, timeout: Duration) -> Option<Update> {
        self.updates.recv_timeout(timeout).ok()
    }

    /// Tells the session the window is ready for the next frame; call once
    /// per repaint, after draining.
    pub fn request_frame(&self) {
        self.frame_wanted.store(true, Ordering::Release);
    }

    /// Updates until the session is idle after every command sent so far,
    /// or `timeout` passes (then `None`). For tests and headless drivers.
    pub fn wait_idle(&self, timeout: Duration) -> Option<Vec<Update>> {
        let deadline = Instant::now() + timeout;
        let mut updates = Vec::new();
        loop {
            self.request_frame();
            let left = deadline.checked_duration_since(Instant::now())?;
            let update = self.updates.recv_timeout(left).ok()?;
            let done =
                matches!(update, Update::Idle { commands_done } if commands_done >= self.sent);
            updates.push(update);
            if done {
                return Some(updates);
            }
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        // Stop, or disconnect when the queue is full: either ends the loop.
        let _ = self.commands.try_send(Command::Stop);
        let (closed, _) = crossbeam_channel::bounded(0);
        drop(std::mem::replace(&mut self.commands, closed));
        if let Some(thread) = self.thread.take() {
            // A panic on the session thread has already been printed.
            let _ = thread.join();
        }
    }
}

/// The session's end of the update channel.
struct Link {
    updates: Sender<Update>,
    frame_wanted: Arc<AtomicBool>,
    waker: Waker,
    /// Updates not sent yet because the channel was full.
    queue: VecDeque<Update>,
}

impl Link {
    /// Sends what is queued, merging batches the window has not taken yet.
    /// Returns false when the window is gone.
    fn flush(&mut self) -> bool {
        let mut sent_any = false;
        while let Some(update) = self.queue.pop_front() {
            match self.updates.try_send(update) {
                Ok(()) => sent_any = true,
                Err(TrySendError::Full(update)) => {
                    self.queue.push_front(update);
                    self.compact();
                    break;
                }
                Err(TrySendError::Disconnected(_)) => return false,
            }
        }
        if sent_any {
            (self.waker)();
        }
        true
    }

    /// Keeps the waiting queue small: frames but the last go, consecutive
    /// batches merge.
    fn compact(&mut self) {
        compact_updates(&mut self.queue);
    }

    /// True when the window asked for a frame; clears the request.
    fn take_frame_request(&self) -> bool {
        self.frame_wanted.swap(false, Ordering::AcqRel)
    }
}

/// Keeps a queue of updates small: frames but the last go, consecutive
/// batches merge (bounded as [`super::update::Batch::append`] bounds them).
pub(crate) fn compact_updates(queue: &mut VecDeque<Update>) {
    let last_frame = queue.iter().rposition(|u| matches!(u, Update::Frame(_)));
    let mut kept: VecDeque<Update> = VecDeque::with_capacity(queue.len());
    for (i, update) in queue.drain(..).enumerate() {
        match update {
            Update::Frame(_) if Some(i) != last_frame => {}
            Update::Batch(batch) => match kept.back_mut() {
                Some(Update::Batch(previous)) => previous.append(*batch),
                _ => kept.push_back(Update::Batch(batch)),
            },
            other => kept.push_back(other),
        }
    }
    *queue = kept;
}
