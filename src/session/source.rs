//! Market data for the engine: the Parquet loader thread, or a day's event
//! cache mapped a window at a time.

use crate::market::cache::{EventCache, GrowingCache, Growth};
use crate::market::parquet::{DataError, Loader, ReadSummary};
use crate::market::{flags, EventKind, MarketEvent, Side};
use crate::sim::{EventBatch, EventSource, SourceError};

/// Events per window of a cache handed to the engine (3 MiB): only the
/// window being replayed is mapped, so memory stays flat whatever the
/// length of the day.
pub const CACHE_WINDOW_EVENTS: u64 = 1 << 16;

/// Batches decoded by a [`Loader`] on its own thread, handed to the engine
/// as they arrive: memory stays bounded by the loader's queue of batches.
pub struct LoaderSource {
    loader: Option<Loader>,
    summary: Option<ReadSummary>,
}

impl LoaderSource {
    /// Feeds the engine from `loader`.
    pub fn new(loader: Loader) -> Self {
        LoaderSource {
            loader: Some(loader),
            summary: None,
        }
    }

    /// What the loader read, once the data is over.
    pub fn summary(&self) -> Option<&ReadSummary> {
        self.summary.as_ref()
    }
}

impl EventSource<'static> for LoaderSource {
    fn next_batch(&mut self) -> Result<Option<EventBatch<'static>>, SourceError> {
        let Some(loader) = self.loader.as_ref() else {
            return Ok(None);
        };
        match loader.recv() {
            Some(Ok(batch)) => Ok(Some(EventBatch::owned(batch))),
            Some(Err(err)) => {
                self.loader = None;
                Err(Box::new(err))
            }
            None => {
                if let Some(loader) = self.loader.take() {
                    self.summary = Some(loader.finish()?);
                }
                Ok(None)
            }
        }
    }
}

/// The events of a day's cache handed to the engine as mapped windows,
/// read in place: no decoding, no per-event validation, no copy.
#[derive(Debug)]
pub struct CacheSource {
    cache: EventCache,
    next: u64,
    window_events: u64,
}

impl CacheSource {
    /// Replays `cache` from its first event.
    pub fn new(cache: EventCache) -> Self {
        CacheSource {
            cache,
            next: 0,
            window_events: CACHE_WINDOW_EVENTS,
        }
    }

    /// The same source handing over windows of `events` events (at least 1).
    #[must_use]
    pub fn with_window_events(mut self, events: u64) -> Self {
        self.window_events = events.max(1);
        self
    }

    /// The cache being replayed.
    pub fn cache(&self) -> &EventCache {
        &self.cache
    }
}

impl EventSource<'static> for CacheSource {
    fn next_batch(&mut self) -> Result<Option<EventBatch<'static>>, SourceError> {
        if self.next >= self.cache.len() {
            return Ok(None);
        }
        let window = self.cache.window(self.next, self.window_events)?;
        self.next += window.events().len() as u64;
        Ok(Some(EventBatch::mapped(window)))
    }
}

/// Opens one day's source when the run reaches that day.
pub type OpenDay = Box<dyn FnOnce() -> Result<Box<dyn EventSource<'static>>, SourceError>>;

/// The days of a run as one stream, oldest first: each day's source opens
/// when the day before it has run out, so only one day is read at a time.
///
/// A day after the first whose first event is part of a snapshot starts
/// with a clear of the whole book (an event of kind `clear`, side `none`,
/// at the snapshot's times): its snapshot replaces the book. A day that
/// starts otherwise continues the book of the day before.
pub struct DaysSource {
    days: std::collections::VecDeque<OpenDay>,
    current: Option<Box<dyn EventSource<'static>>>,
    /// True until the current day has handed over its first event.
    day_fresh: bool,
    /// True once a day has been read: the next fresh day may need a clear.
    after_first: bool,
    /// A batch held back behind the clear that goes first.
    held: Option<EventBatch<'static>>,
}

impl DaysSource {
    /// The days opened by `days`, in order.
    pub fn new(days: Vec<OpenDay>) -> Self {
        DaysSource {
            days: days.into(),
            current: None,
            day_fresh: true,
            after_first: false,
            held: None,
        }
    }
}

impl EventSource<'static> for DaysSource {
    fn next_batch(&mut self) -> Result<Option<EventBatch<'static>>, SourceError> {
        if let Some(batch) = self.held.take() {
            return Ok(Some(batch));
        }
        loop {
            let source = match &mut self.current {
                Some(source) => source,
                None => {
                    let Some(open) = self.days.pop_front() else {
                        return Ok(None);
                    };
                    self.day_fresh = true;
                    self.current.insert(open()?)
                }
            };
            match source.next_batch()? {
                Some(batch) if batch.is_empty() => {}
                Some(batch) => {
                    if std::mem::take(&mut self.day_fresh) && self.after_first {
                        if let Some(clear) = batch.first().and_then(clear_before) {
                            self.held = Some(batch);
                            return Ok(Some(EventBatch::owned(vec![clear])));
                        }
                    }
                    return Ok(Some(batch));
                }
                None => {
                    self.current = None;
                    self.after_first = true;
                }
            }
        }
    }
}

/// The clear of the whole book that goes before `first`, the first event
/// of a day, when it is part of a snapshot.
fn clear_before(first: &MarketEvent) -> Option<MarketEvent> {
    let snapshot = first.kind == EventKind::Snapshot || first.flags & flags::SNAPSHOT != 0;
    (snapshot && first.kind != EventKind::Clear).then_some(MarketEvent {
        price: 0,
        qty: 0,
        order_id: 0,
        kind: EventKind::Clear,
        side: Side::None,
        flags: 0,
        ..*first
    })
}

/// Opens a day's Parquet file from its start, with the run's checks.
pub type OpenParquet = Box<dyn FnOnce() -> Result<Loader, DataError>>;

/// A day's cache replayed while another process writes it (a sandboxed
/// worker's first run): windows of the records already final, waiting
/// when the replay catches up with the writer. If the writing is
/// abandoned (the read failed, the disk is full), the rest of the day
/// comes from its Parquet file, read again from the start with the run's
/// checks and the events already replayed skipped, so that the run goes
/// on, or fails, exactly as a run reading Parquet would.
pub struct GrowingSource {
    growing: GrowingCache,
    open_parquet: Option<OpenParquet>,
    parquet: Option<LoaderSource>,
    /// Events of the Parquet file still to skip (replayed from the cache).
    skip: u64,
    window_events: u64,
}

impl GrowingSource {
    /// Replays `growing`, falling back to the loader `open_parquet` makes.
    pub fn new(growing: GrowingCache, open_parquet: OpenParquet) -> Self {
        GrowingSource {
            growing,
            open_parquet: Some(open_parquet),
            parquet: None,
            skip: 0,
            window_events: CACHE_WINDOW_EVENTS,
        }
    }

    fn read_parquet(&mut self) -> Result<Option<EventBatch<'static>>, SourceError> {
        let Some(source) = self.parquet.as_mut() else {
            return Ok(None);
        };
        loop {
            let Some(batch) = source.next_batch()? else {
                return Ok(None);
            };
            let len = batch.len() as u64;
            if self.skip == 0 {
                return Ok(Some(batch));
            }
            if len <= self.skip {
                self.skip -= len;
                continue;
            }
            let rest = batch[usize::try_from(self.skip).unwrap_or(0)..].to_vec();
            self.skip = 0;
            return Ok(Some(EventBatch::owned(rest)));
        }
    }
}

impl EventSource<'static> for GrowingSource {
    fn next_batch(&mut self) -> Result<Option<EventBatch<'static>>, SourceError> {
        if self.parquet.is_some() {
            return self.read_parquet();
        }
        match self.growing.next_window(self.window_events)? {
            Growth::Window(window) => Ok(Some(EventBatch::mapped(window))),
            Growth::End => Ok(None),
            Growth::Abandoned { replayed } => {
                let Some(open) = self.open_parquet.take() else {
                    return Ok(None);
                };
                self.skip = replayed;
                self.parquet = Some(LoaderSource::new(open()?));
                self.read_parquet()
            }
        }
    }
}
