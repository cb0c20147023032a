//! One batch of market events handed to the engine: borrowed, owned, or a
//! window of a memory-mapped event cache (read in place, never decoded).
//!
//! The engine reads the batch several times per event, so the batch keeps
//! its events' address and length beside whatever owns them: reading it is
//! one slice, with no branch on where the events live.

#![allow(unsafe_code)]

use std::marker::PhantomData;
use std::ops::Deref;

use crate::market::cache::MappedEvents;
use crate::market::MarketEvent;

/// What keeps a batch's events alive.
#[derive(Debug)]
enum Owner<'a> {
    /// The caller keeps them for `'a`.
    Borrowed(PhantomData<&'a [MarketEvent]>),
    /// The batch owns them (never changed while it does).
    Owned(#[allow(dead_code)] Vec<MarketEvent>),
    /// A mapped cache window.
    Mapped(#[allow(dead_code)] MappedEvents),
}

/// One batch of events handed to the engine (see the module docs).
#[derive(Debug)]
pub struct EventBatch<'a> {
    ptr: *const MarketEvent,
    len: usize,
    _owner: Owner<'a>,
}

// SAFETY: the batch only reads its events, which are immutable while it
// lives (a borrowed slice, a `Vec` it owns and never changes, or a
// read-only mapping); it is as shareable and movable as the
// `&[MarketEvent]` it stands for.
unsafe impl Send for EventBatch<'_> {}
// SAFETY: as above: shared access is read-only.
unsafe impl Sync for EventBatch<'_> {}

impl<'a> EventBatch<'a> {
    /// An empty batch.
    pub fn empty() -> Self {
        Self::borrowed(&[])
    }

    /// Events the caller keeps.
    pub fn borrowed(events: &'a [MarketEvent]) -> Self {
        EventBatch {
            ptr: events.as_ptr(),
            len: events.len(),
            _owner: Owner::Borrowed(PhantomData),
        }
    }

    /// Events the batch owns until it is dropped.
    pub fn owned(events: Vec<MarketEvent>) -> Self {
        EventBatch {
            ptr: events.as_ptr(),
            len: events.len(),
            _owner: Owner::Owned(events),
        }
    }

    /// Events read in place from a mapped cache window.
    pub fn mapped(events: MappedEvents) -> Self {
        let slice = events.events();
        EventBatch {
            ptr: slice.as_ptr(),
            len: slice.len(),
            _owner: Owner::Mapped(events),
        }
    }
}

impl Deref for EventBatch<'_> {
    type Target = [MarketEvent];

    #[inline(always)]
    fn deref(&self) -> &[MarketEvent] {
        // SAFETY: `ptr` and `len` were taken from a slice whose storage the
        // owner keeps alive and unchanged for the batch's life: a borrow for
        // `'a`, a `Vec` whose heap buffer does not move when the batch
        // moves, or a mapping that stays mapped while `MappedEvents` lives.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::market::Side;

    #[test]
    fn every_kind_of_batch_reads_its_events() {
        let events = vec![
            MarketEvent::depth(1, Side::Buy, 100, 5),
            MarketEvent::depth(2, Side::Sell, 101, 7),
        ];
        assert_eq!(&*EventBatch::borrowed(&events), &events[..]);
        let owned = EventBatch::owned(events.clone());
        // Moving the batch does not move its events.
        let moved = Box::new(owned);
        assert_eq!(&**moved, &events[..]);
        assert!(EventBatch::empty().is_empty());
    }
}
