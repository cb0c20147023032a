//! Reload on save: the strategy file and the `run.toml` in force are
//! watched (through the folders that hold them, since editors save by
//! writing a new file and renaming it over the old one), and a change
//! settles for [`SETTLE`] before the window reloads, so one save that
//! writes several times reloads once.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};
use notify::Watcher;

/// Quiet time after the last change before a reload.
pub const SETTLE: Duration = Duration::from_millis(250);

/// Change events kept waiting at most (the rest are dropped: one is enough
/// to know the file changed).
const EVENTS_CAPACITY: usize = 64;

/// What changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Changed {
    /// The strategy file.
    Strategy,
    /// The `run.toml`.
    Config,
}

/// Changes of the watched files, settled: the pure half of the watcher.
#[derive(Clone, Debug, Default)]
pub struct Settle {
    strategy: Option<Instant>,
    config: Option<Instant>,
}

impl Settle {
    /// Notes a change of `what` at `at`.
    pub fn note(&mut self, what: Changed, at: Instant) {
        match what {
            Changed::Strategy => self.strategy = Some(at),
            Changed::Config => self.config = Some(at),
        }
    }

    /// The changes quiet for [`SETTLE`] at `now`, configuration first;
    /// each is returned once.
    pub fn take_settled(&mut self, now: Instant) -> Vec<Changed> {
        let mut out = Vec::new();
        for (slot, what) in [
            (&mut self.config, Changed::Config),
            (&mut self.strategy, Changed::Strategy),
        ] {
            if slot.is_some_and(|at| now.duration_since(at) >= SETTLE) {
                *slot = None;
                out.push(what);
            }
        }
        out
    }

    /// True while a change waits to settle.
    pub fn is_waiting(&self) -> bool {
        self.strategy.is_some() || self.config.is_some()
    }
}

/// Watches the strategy file and the `run.toml`.
pub struct FileWatcher {
    watcher: Option<notify::RecommendedWatcher>,
    events: Receiver<notify::Result<notify::Event>>,
    sender: Sender<notify::Result<notify::Event>>,
    waker: std::sync::Arc<dyn Fn() + Send + Sync>,
    strategy: Option<PathBuf>,
    config: Option<PathBuf>,
    /// The strategy file's modification time when watching it began, or at
    /// its last reported save: a change event that arrives late for a write
    /// made before the file was loaded (the test suite writes a strategy
    /// and loads it at once) leaves it as it was and is no save.
    strategy_modified: Option<std::time::SystemTime>,
    watched_dirs: Vec<PathBuf>,
    settle: Settle,
}

impl FileWatcher {
    /// A watcher watching nothing yet; `waker` is called on every change.
    pub fn new(waker: std::sync::Arc<dyn Fn() + Send + Sync>) -> FileWatcher {
        let (sender, events) = crossbeam_channel::bounded(EVENTS_CAPACITY);
        FileWatcher {
            watcher: None,
            events,
            sender,
            waker,
            strategy: None,
            config: None,
            strategy_modified: None,
            watched_dirs: Vec::new(),
            settle: Settle::default(),
        }
    }

    /// Watches `strategy` and `config` (either may be `None`); returns a
    /// message when watching cannot start.
    pub fn watch(&mut self, strategy: Option<&Path>, config: Option<&Path>) -> Result<(), String> {
        let strategy = strategy.map(absolute);
        let config = config.map(absolute);
        if strategy == self.strategy && config == self.config {
            return Ok(());
        }
        if strategy != self.strategy {
            self.strategy_modified = strategy.as_deref().and_then(modified);
        }
        self.strategy = strategy;
        self.config = config;
        let mut dirs: Vec<PathBuf> = [&self.strategy, &self.config]
            .into_iter()
            .flatten()
            .filter_map(|p| p.parent().map(Path::to_owned))
            .collect();
        dirs.dedup();
        if dirs == self.watched_dirs {
            return Ok(());
        }
        if self.watcher.is_none() {
            let sender = self.sender.clone();
            let waker = std::sync::Arc::clone(&self.waker);
            let watcher = notify::recommended_watcher(move |event| {
                let _ = sender.try_send(event);
                waker();
            })
            .map_err(|err| format!("cannot watch files for changes: {err}"))?;
            self.watcher = Some(watcher);
        }
        let Some(watcher) = &mut self.watcher else {
            return Ok(());
        };
        for dir in self.watched_dirs.drain(..) {
            let _ = watcher.unwatch(&dir);
        }
        for dir in dirs {
            watcher
                .watch(&dir, notify::RecursiveMode::NonRecursive)
                .map_err(|err| format!("cannot watch {} for changes: {err}", dir.display()))?;
            self.watched_dirs.push(dir);
        }
        Ok(())
    }

    /// The settled changes since the last call; `more` is set when a
    /// change still waits (ask for a frame after [`SETTLE`]).
    pub fn poll(&mut self, more: &mut bool) -> Vec<Changed> {
        let now = Instant::now();
        for event in self.events.try_iter() {
            let Ok(event) = event else { continue };
            if matches!(event.kind, notify::EventKind::Access(_)) {
                continue;
            }
            for path in &event.paths {
                if Some(path) == self.strategy.as_ref() {
                    self.settle.note(Changed::Strategy, now);
                }
                if Some(path) == self.config.as_ref() {
                    self.settle.note(Changed::Config, now);
                }
            }
        }
        let mut settled = self.settle.take_settled(now);
        if settled.contains(&Changed::Strategy) {
            let modified = self.strategy.as_deref().and_then(modified);
            if modified.is_some() && modified == self.strategy_modified {
                settled.retain(|changed| *changed != Changed::Strategy);
            }
            self.strategy_modified = modified;
        }
        *more = self.settle.is_waiting();
        settled
    }
}

/// `path`'s last modification time, if it can be read.
fn modified(path: &Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(path)
        .and_then(|meta| meta.modified())
        .ok()
}

/// `path` made absolute against the working directory.
fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_of_changes_settles_into_one_reload() {
        let start = Instant::now();
        let mut settle = Settle::default();
        settle.note(Changed::Strategy, start);
        settle.note(Changed::Strategy, start + Duration::from_millis(100));
        assert!(settle
            .take_settled(start + Duration::from_millis(300))
            .is_empty());
        assert!(settle.is_waiting());
        assert_eq!(
            settle.take_settled(start + Duration::from_millis(350)),
            vec![Changed::Strategy]
        );
        assert!(settle
            .take_settled(start + Duration::from_secs(5))
            .is_empty());
        settle.note(Changed::Strategy, start);
        settle.note(Changed::Config, start);
        assert_eq!(
            settle.take_settled(start + SETTLE),
            vec![Changed::Config, Changed::Strategy]
        );
    }
}
