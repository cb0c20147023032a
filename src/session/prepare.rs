//! Writing a day's event cache before a sandboxed worker replays it: the
//! worker may read a cache but never write one, so that a strategy cannot
//! change the events a later run sees. `ticklab run` and the window do it
//! in their own process, before the worker is sent the day.

use std::path::Path;

use crate::book::cross::crossed_book_check;
use crate::book::{CrossedBookPolicy, CrossedTally};
use crate::market::cache::{plan_replay, CacheOptions, CacheTap, ReplayPlan};
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
        let Ok(loader) = checked_loader(instrument, path, read, tap) else {
            return notes;
        };
        while let Some(batch) = loader.recv() {
            match batch {
                Ok(batch) => loader.recycle(batch),
                Err(_) => return notes,
            }
        }
        if loader.finish().is_ok() {
            notes.extend(outcome.try_iter());
        }
    }
    notes
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
