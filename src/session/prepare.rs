//! Writing a day's event cache for a sandboxed worker: the worker may read
//! a cache but never write one, so that a strategy cannot change the events
//! a later run sees. The window writes it in its own process before the
//! worker is sent the day; `ticklab run` writes it on a thread of its own
//! while the worker replays the records already written ([`feed_caches`]).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::thread::JoinHandle;

use crate::book::cross::crossed_book_check;
use crate::book::{CrossedBookPolicy, CrossedTally};
use crate::market::cache::{
    plan_replay, CacheHandover, CacheOptions, CacheTap, FollowedCache, ProgressPage, ReplayPlan,
};
use crate::market::parquet::{DataError, EventReader, LoadTap, Loader, ReadOptions};
use crate::market::Instrument;

/// Writes the cache of the day file at `path` unless a valid one exists;
/// returns what the user should hear about it. A failure to read the day is
/// left for the run to report, since it reads the same file.
pub fn prepare_cache(
    instrument: &Instrument,
    path: &Path,
    read: ReadOptions,
    options: &CacheOptions,
) -> Vec<String> {
    let mut notes = Vec::new();
    let plan = plan_replay(path, instrument, read.local_ts_policy, options, &mut notes);
    if let ReplayPlan::Parquet { tap: Some(tap) } = plan {
        let outcome = tap.notes();
        if write_through(instrument, path, read, tap) {
            notes.extend(outcome.try_iter());
        }
    }
    notes
}

/// Reads the day file at `path` to its end through `tap`; false when the
/// read failed (left for the run to report).
fn write_through(instrument: &Instrument, path: &Path, read: ReadOptions, tap: CacheTap) -> bool {
    let Ok(loader) = checked_loader(instrument, path, read, tap) else {
        return false;
    };
    while let Some(batch) = loader.recv() {
        match batch {
            Ok(batch) => loader.recycle(batch),
            Err(_) => return false,
        }
    }
    loader.finish().is_ok()
}

/// The caches of a run's days being written on a thread of their own while
/// a sandboxed worker replays them (see [`feed_caches`]).
pub struct CacheFeed {
    handover: CacheHandover,
    thread: Option<JoinHandle<Vec<String>>>,
    /// Kept until the writing ends: the worker may open it late.
    _page: Option<Arc<ProgressPage>>,
}

impl CacheFeed {
    /// What the worker follows: the caches being written, and the days
    /// that get no cache this run.
    pub fn handover(&self) -> &CacheHandover {
        &self.handover
    }

    /// Waits until every cache is written (or abandoned); what the user
    /// should hear about them.
    pub fn finish(mut self) -> Vec<String> {
        self.thread
            .take()
            .map(|thread| thread.join().unwrap_or_default())
            .unwrap_or_default()
    }
}

/// Starts writing the caches of `days` (each an instrument and its day
/// file) that have no valid one, in order, on a thread of their own, each
/// record published as soon as it is in the file so that a worker can
/// replay the day as its cache grows. What the user should hear now (a
/// stale cache, a folder that cannot be written) is pushed onto `notes`.
pub fn feed_caches(
    days: &[(Instrument, PathBuf)],
    read: ReadOptions,
    options: &CacheOptions,
    notes: &mut Vec<String>,
) -> CacheFeed {
    let mut handover = CacheHandover::default();
    let mut jobs = Vec::new();
    for (instrument, file) in days {
        match plan_replay(file, instrument, read.local_ts_policy, options, notes) {
            ReplayPlan::Cached(_) | ReplayPlan::Following(_) => {}
            ReplayPlan::Parquet { tap: None } => handover.uncached.push(file.clone()),
            ReplayPlan::Parquet { tap: Some(tap) } => jobs.push((instrument.clone(), file, tap)),
        }
    }
    let mut feed = CacheFeed {
        handover,
        thread: None,
        _page: None,
    };
    if jobs.is_empty() {
        return feed;
    }
    let Ok(page) = ProgressPage::create(jobs.len()).map(Arc::new) else {
        // No page to share: write the caches now, before the worker.
        for (instrument, file, tap) in jobs {
            let outcome = tap.notes();
            if write_through(&instrument, file, read, tap) {
                notes.extend(outcome.try_iter());
            }
        }
        return feed;
    };
    let mut work = Vec::with_capacity(jobs.len());
    for (slot, (instrument, file, mut tap)) in jobs.into_iter().enumerate() {
        if let (Some(temp), Some(target)) = (tap.temp(), tap.target()) {
            feed.handover.following.push(FollowedCache {
                source: file.clone(),
                temp: temp.to_owned(),
                target: target.to_owned(),
                page: page.path().to_owned(),
                slot,
            });
        }
        tap.publish_on(Arc::clone(&page), slot);
        work.push((instrument, file.clone(), tap));
    }
    let spawned = std::thread::Builder::new()
        .name("ticklab-cache-feed".to_owned())
        .spawn(move || {
            let mut said = Vec::new();
            for (instrument, file, tap) in work {
                let outcome = tap.notes();
                if write_through(&instrument, &file, read, tap) {
                    said.extend(outcome.try_iter());
                }
            }
            said
        });
    match spawned {
        Ok(thread) => {
            feed.thread = Some(thread);
            feed._page = Some(page);
        }
        // The taps went with the closure and were dropped, abandoning
        // their caches: the worker reads Parquet.
        Err(err) => notes.push(format!("event cache: cannot start writing: {err}")),
    }
    feed
}

/// A loader of the day file at `path` that writes its cache through `tap`
/// and stops at a crossed book, so that no cache holds a crossed batch (a
/// cached replay runs no check).
pub fn checked_loader(
    instrument: &Instrument,
    path: &Path,
    read: ReadOptions,
    tap: CacheTap,
) -> Result<Loader, DataError> {
    let check = crossed_book_check(
        instrument,
        CrossedBookPolicy::Error,
        CrossedTally::default(),
    );
    let reader = EventReader::open(path, instrument, read)?.with_check(check);
    Loader::from_reader_tapped(reader, Some(Box::new(tap) as Box<dyn LoadTap>))
}
