//! A window session driven by hand in the tests, and what the window would
//! know after applying its updates
//! (`#[path = "common/session_driver.rs"] mod session_driver;`).

#![allow(dead_code)]

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ticklab::session::frame::Frame;
use ticklab::session::heat::{BookColumn, HEAT_COLUMNS};
use ticklab::session::update::{ErrorKind, SignalRecord};
use ticklab::session::{Command, Session, SessionOptions, Update};
use ticklab::sim::{FillRecord, LogRecord};

/// Long enough for a debug build on a busy machine.
pub const WAIT: Duration = Duration::from_secs(300);

/// What the window would know after applying the updates in order.
#[derive(Default)]
pub struct Seen {
    pub frame: Option<Frame>,
    pub fills: Vec<FillRecord>,
    pub logs: Vec<LogRecord>,
    pub errors: Vec<(ErrorKind, String)>,
    pub notes: Vec<String>,
    pub signals: Vec<SignalRecord>,
    pub resets: usize,
    /// Console lines the session dropped (bounded batches).
    pub logs_skipped: u64,
    /// The heatmap's columns, as the window's ring would hold them.
    pub columns: Vec<BookColumn>,
}

impl Seen {
    /// Applies `updates` in order, as the window does.
    pub fn apply(&mut self, updates: Vec<Update>) {
        for update in updates {
            match update {
                Update::Reset => {
                    self.resets += 1;
                    self.fills.clear();
                    self.logs.clear();
                    self.signals.clear();
                }
                Update::Frame(frame) => self.frame = Some(*frame),
                Update::Batch(batch) => {
                    self.logs_skipped += batch.logs_skipped;
                    self.fills.extend(batch.fills);
                    self.logs.extend(batch.logs);
                    self.errors
                        .extend(batch.errors.into_iter().map(|e| (e.kind, e.message)));
                    self.notes.extend(batch.notes);
                    self.signals.extend(batch.signals);
                    if batch.columns_restart {
                        self.columns.clear();
                    }
                    self.columns.extend(batch.columns);
                    let extra = self.columns.len().saturating_sub(HEAT_COLUMNS);
                    self.columns.drain(..extra);
                }
                _ => {}
            }
        }
    }

    /// The last frame.
    pub fn frame(&self) -> &Frame {
        self.frame.as_ref().expect("a frame")
    }

    /// True when a console note contains `text`.
    pub fn said(&self, text: &str) -> bool {
        self.notes.iter().any(|n| n.contains(text))
    }

    /// The errors' messages.
    pub fn error_messages(&self) -> Vec<&str> {
        self.errors.iter().map(|(_, m)| m.as_str()).collect()
    }
}

/// A session thread and what it has told the window so far.
pub struct Driver {
    pub session: Session,
    pub seen: Seen,
}

impl Driver {
    /// A session with the default options on `folder` running `strategy`.
    pub fn new(folder: &Path, strategy: &str) -> Driver {
        Driver::with_options(folder, strategy, SessionOptions::default())
    }

    /// A session with `options` on `folder` running `strategy`.
    pub fn with_options(folder: &Path, strategy: &str, options: SessionOptions) -> Driver {
        let session = Session::spawn(options, Arc::new(|| {})).expect("the session thread starts");
        let mut driver = Driver {
            session,
            seen: Seen::default(),
        };
        driver.run(Command::Load {
            folder: folder.to_owned(),
            symbol: None,
            day: None,
        });
        driver.run(Command::SetStrategy(strategy.to_owned()));
        driver
    }

    /// Sends `command` and applies everything up to the session's idle.
    pub fn run(&mut self, command: Command) -> &Seen {
        self.session
            .send(command)
            .expect("the session takes the command");
        let updates = self.session.wait_idle(WAIT).expect("the session goes idle");
        self.seen.apply(updates);
        &self.seen
    }

    /// Lets the session work while idle until a note says `text`.
    pub fn wait_for_note(&mut self, text: &str) {
        let deadline = Instant::now() + WAIT;
        while !self.seen.said(text) {
            assert!(
                Instant::now() < deadline,
                "no note {text:?}: {:?}",
                self.seen.notes
            );
            if let Some(update) = self.session.recv_timeout(Duration::from_millis(100)) {
                self.seen.apply(vec![update]);
            }
        }
    }
}
