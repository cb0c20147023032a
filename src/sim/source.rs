//! Where the engine's market data comes from: batches of events in file order.
//!
//! A day streams through in batches (the Parquet reader yields one `Vec` per
//! row group, the event cache one memory-mapped window), so memory stays
//! bounded by the batch size. Tests and benches hand over a slice or a `Vec`
//! whole, which is borrowed or moved, never copied.

use crate::market::MarketEvent;

pub use crate::sim::batch::EventBatch;

/// An error from the data source (I/O, decoding), passed through unchanged.
pub type SourceError = Box<dyn std::error::Error + Send + Sync>;

/// A stream of market events in batches, in file (exchange time) order.
pub trait EventSource<'a> {
    /// The next batch, or `None` at the end of the data. Empty batches are
    /// allowed and skipped.
    fn next_batch(&mut self) -> Result<Option<EventBatch<'a>>, SourceError>;
}

impl<'a, S: EventSource<'a> + ?Sized> EventSource<'a> for Box<S> {
    fn next_batch(&mut self) -> Result<Option<EventBatch<'a>>, SourceError> {
        (**self).next_batch()
    }
}

/// A borrowed slice of events, handed over as one batch.
#[derive(Clone, Copy, Debug)]
pub struct SliceSource<'a> {
    events: Option<&'a [MarketEvent]>,
}

impl<'a> SliceSource<'a> {
    /// A source over `events`.
    pub fn new(events: &'a [MarketEvent]) -> Self {
        SliceSource {
            events: Some(events),
        }
    }
}

impl<'a> EventSource<'a> for SliceSource<'a> {
    fn next_batch(&mut self) -> Result<Option<EventBatch<'a>>, SourceError> {
        Ok(self.events.take().map(EventBatch::borrowed))
    }
}

/// An owned `Vec` of events, handed over as one batch.
#[derive(Clone, Debug)]
pub struct VecSource {
    events: Option<Vec<MarketEvent>>,
}

impl VecSource {
    /// A source that owns `events`.
    pub fn new(events: Vec<MarketEvent>) -> Self {
        VecSource {
            events: Some(events),
        }
    }
}

impl EventSource<'static> for VecSource {
    fn next_batch(&mut self) -> Result<Option<EventBatch<'static>>, SourceError> {
        Ok(self.events.take().map(EventBatch::owned))
    }
}

/// Batches from an iterator of `Vec`s, or of `Result<Vec, E>` for a reader
/// that can fail (use [`BatchIter::fallible`]).
#[derive(Clone, Debug)]
pub struct BatchIter<I>(I);

impl<I> BatchIter<I>
where
    I: Iterator<Item = Vec<MarketEvent>>,
{
    /// A source over an iterator of batches.
    pub fn new(batches: I) -> Self {
        BatchIter(batches)
    }
}

impl<I> EventSource<'static> for BatchIter<I>
where
    I: Iterator<Item = Vec<MarketEvent>>,
{
    fn next_batch(&mut self) -> Result<Option<EventBatch<'static>>, SourceError> {
        Ok(self.0.next().map(EventBatch::owned))
    }
}

/// Batches from an iterator of `Result<Vec<MarketEvent>, E>`; the first
/// error stops the run and is returned by `Engine::advance`.
#[derive(Clone, Debug)]
pub struct FallibleBatchIter<I>(I);

impl<I> BatchIter<I> {
    /// A source over an iterator of fallible batches.
    pub fn fallible<E>(batches: I) -> FallibleBatchIter<I>
    where
        I: Iterator<Item = Result<Vec<MarketEvent>, E>>,
        E: Into<SourceError>,
    {
        FallibleBatchIter(batches)
    }
}

impl<I, E> EventSource<'static> for FallibleBatchIter<I>
where
    I: Iterator<Item = Result<Vec<MarketEvent>, E>>,
    E: Into<SourceError>,
{
    fn next_batch(&mut self) -> Result<Option<EventBatch<'static>>, SourceError> {
        self.0
            .next()
            .transpose()
            .map(|b| b.map(EventBatch::owned))
            .map_err(Into::into)
    }
}
