//! Windows of a cache file mapped into memory and read in place as events.
//!
//! The one place in ticklab that needs `unsafe`: mapping a file, and keeping
//! the checked view of the mapped bytes next to the mapping that owns them.
#![allow(unsafe_code)]

use std::fs::File;

use memmap2::{Mmap, MmapOptions};

use super::format::RECORD_BYTES;
use crate::market::MarketEvent;

/// A run of events read in place from a mapped cache file; the mapping is
/// released when this is dropped.
pub struct MappedEvents {
    /// Owns the mapping `ptr` points into; never read through after the
    /// check, only kept alive.
    _map: Mmap,
    ptr: *const MarketEvent,
    len: usize,
}

// SAFETY: the mapping is read-only and never changed through this value;
// the pointer is only read, so it may move to and be shared between
// threads like the `&[MarketEvent]` it stands for.
unsafe impl Send for MappedEvents {}
// SAFETY: as above: shared access is read-only.
unsafe impl Sync for MappedEvents {}

impl std::fmt::Debug for MappedEvents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MappedEvents")
            .field("len", &self.len)
            .finish_non_exhaustive()
    }
}

impl MappedEvents {
    /// Maps `events` records of `file` starting at byte `offset` (a
    /// multiple of the event's alignment) and checks that every record is a
    /// valid event (known kind and side). Refuses 0 events.
    pub(crate) fn map(file: &File, offset: u64, events: usize) -> Result<Self, String> {
        let len_bytes = events
            .checked_mul(RECORD_BYTES)
            .ok_or_else(|| "window too large".to_owned())?;
        if len_bytes == 0 {
            return Err("empty window".to_owned());
        }
        // SAFETY: `Mmap::map` is unsafe because the file could be changed
        // or truncated by someone else while it is mapped. ticklab never
        // writes a record of a cache file in place: a cache is appended to a
        // temporary file and renamed over the old one, and clearing unlinks
        // it, so a mapping keeps seeing the inode it opened. While a cache
        // grows, only records its writer has published as final are mapped
        // (the header and index written at the end lie outside them). The
        // caller checked that the file is as long as the records mapped.
        let map = unsafe {
            MmapOptions::new()
                .offset(offset)
                .len(len_bytes)
                .populate()
                .map(file)
        }
        .map_err(|err| format!("cannot map: {err}"))?;
        let checked: &[MarketEvent] = bytemuck::checked::try_cast_slice(&map[..])
            .map_err(|err| format!("damaged records: {err:?}"))?;
        let ptr = checked.as_ptr();
        let len = checked.len();
        Ok(MappedEvents {
            _map: map,
            ptr,
            len,
        })
    }

    /// The events.
    #[inline]
    pub fn events(&self) -> &[MarketEvent] {
        // SAFETY: `ptr` and `len` come from a checked cast of the whole
        // mapping (aligned, a whole number of records, every kind and side
        // a valid discriminant); the mapping is owned by `self`, never
        // written, and does not move when `self` moves.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }
}
