//! Market data for the engine: the Parquet loader thread, or a day's event
//! cache mapped a window at a time.

use crate::market::cache::EventCache;
use crate::market::parquet::{Loader, ReadSummary};
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
