//! How far the caches being written by one process are, in a page of
//! memory shared with the process that replays them as they grow.
//!
//! Each day being cached has a slot of two words: how many of its records
//! are final (written to the file, never written again) and its state:
//! still being written, complete, or abandoned (the read failed, or the
//! cache could not be written). The writer stores the count before the
//! state; the reader loads the state before the count, so a complete state
//! comes with the final count.
//!
//! The page is a small file in the temporary folder made by the writer,
//! mapped read-only by the reader, and removed when the writer's end is
//! dropped.

// Mapping a file is unsafe: the other process writes the page while this
// one reads it, which the atomics of a slot are made for.
#![allow(unsafe_code)]

use std::fs::File;
use std::path::Path;
use std::sync::atomic::{fence, AtomicU64, Ordering};

use memmap2::{Mmap, MmapMut};

/// Bytes of one slot: the state, then the count of final records.
const SLOT_BYTES: usize = 16;
/// The page holds at least this many bytes.
const MIN_PAGE_BYTES: usize = 4096;

/// Where the writing of one day's cache stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GrowthState {
    /// Records are still being appended.
    Writing,
    /// Every record is written; the count is final.
    Complete,
    /// Writing stopped before the end (the read failed, or the file could
    /// not be written): the records counted are good, the rest must be
    /// read from the day's Parquet file.
    Abandoned,
}

impl GrowthState {
    fn word(self) -> u64 {
        match self {
            GrowthState::Writing => 0,
            GrowthState::Complete => 1,
            GrowthState::Abandoned => 2,
        }
    }

    fn of_word(word: u64) -> Self {
        match word {
            0 => GrowthState::Writing,
            1 => GrowthState::Complete,
            // Anything else is not to be trusted.
            _ => GrowthState::Abandoned,
        }
    }
}

/// The writer's end of a progress page.
pub struct ProgressPage {
    file: tempfile::NamedTempFile,
    map: MmapMut,
    slots: usize,
}

impl std::fmt::Debug for ProgressPage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProgressPage")
            .field("path", &self.file.path())
            .field("slots", &self.slots)
            .finish_non_exhaustive()
    }
}

impl ProgressPage {
    /// A fresh page of `slots` slots, each writing with no record final.
    pub fn create(slots: usize) -> std::io::Result<ProgressPage> {
        let file = tempfile::Builder::new()
            .prefix("ticklab-cache-progress-")
            .tempfile()?;
        let bytes = (slots * SLOT_BYTES).max(MIN_PAGE_BYTES);
        file.as_file().set_len(bytes as u64)?;
        // SAFETY: the file is ours, fresh and zero-filled (every slot
        // writing, nothing final); the reader only loads its words.
        let map = unsafe { MmapMut::map_mut(file.as_file())? };
        Ok(ProgressPage { file, map, slots })
    }

    /// The file the reader maps.
    pub fn path(&self) -> &Path {
        self.file.path()
    }

    /// Says that the first `records` records of slot `slot` are final.
    pub fn publish(&self, slot: usize, records: u64) {
        if let Some([_, count]) = words(&self.map, slot, self.slots) {
            count.store(records, Ordering::Release);
        }
    }

    /// Sets the state of slot `slot`, after its last count.
    pub fn set_state(&self, slot: usize, state: GrowthState) {
        if let Some([word, _]) = words(&self.map, slot, self.slots) {
            word.store(state.word(), Ordering::Release);
        }
    }
}

/// The reader's end of a progress page: read-only.
#[derive(Debug)]
pub struct ProgressView {
    map: Mmap,
    slots: usize,
}

impl ProgressView {
    /// Maps the page at `path`.
    pub fn open(path: &Path) -> std::io::Result<ProgressView> {
        let file = File::open(path)?;
        let bytes = usize::try_from(file.metadata()?.len()).unwrap_or(0);
        if bytes < MIN_PAGE_BYTES {
            return Err(std::io::Error::other(format!(
                "{}: not a cache progress page",
                path.display()
            )));
        }
        // SAFETY: the page is only ever written by the writer, through the
        // atomics of its slots; this side only loads them.
        let map = unsafe { Mmap::map(&file)? };
        Ok(ProgressView {
            map,
            slots: bytes / SLOT_BYTES,
        })
    }

    /// The state of slot `slot` and how many of its records are final; a
    /// slot outside the page reads as abandoned with nothing final.
    pub fn read(&self, slot: usize) -> (GrowthState, u64) {
        match words(&self.map, slot, self.slots) {
            Some([word, count]) => {
                // Relaxed loads, each followed by an acquire fence: on
                // read-only memory only relaxed atomic loads are allowed.
                // The state first: a complete state comes with its count.
                let state = GrowthState::of_word(word.load(Ordering::Relaxed));
                fence(Ordering::Acquire);
                let records = count.load(Ordering::Relaxed);
                fence(Ordering::Acquire);
                (state, records)
            }
            None => (GrowthState::Abandoned, 0),
        }
    }
}

/// The two words of slot `slot` in `bytes`, the start of a mapping.
fn words(bytes: &[u8], slot: usize, slots: usize) -> Option<[&AtomicU64; 2]> {
    if slot >= slots || (slot + 1) * SLOT_BYTES > bytes.len() {
        return None;
    }
    let base = bytes.as_ptr().wrapping_add(slot * SLOT_BYTES);
    // SAFETY: the mapping is page-aligned, so `base` is 8-byte aligned and
    // the 16 bytes after it lie inside the mapping (checked above), which
    // lives as long as `bytes`. Both processes touch these words only as
    // `AtomicU64`; the read-only side only loads them, relaxed (an aligned
    // relaxed 64-bit atomic load on read-only memory is allowed on 64-bit
    // targets).
    unsafe {
        let first = &*base.cast::<AtomicU64>();
        let second = &*base.wrapping_add(8).cast::<AtomicU64>();
        Some([first, second])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reader_sees_counts_and_states_the_writer_publishes() {
        let page = ProgressPage::create(3).unwrap();
        let view = ProgressView::open(page.path()).unwrap();
        assert_eq!(view.read(0), (GrowthState::Writing, 0));
        page.publish(1, 32_768);
        assert_eq!(view.read(1), (GrowthState::Writing, 32_768));
        page.publish(1, 50_000);
        page.set_state(1, GrowthState::Complete);
        assert_eq!(view.read(1), (GrowthState::Complete, 50_000));
        page.set_state(2, GrowthState::Abandoned);
        assert_eq!(view.read(2), (GrowthState::Abandoned, 0));
        assert_eq!(view.read(0), (GrowthState::Writing, 0));
        // Past the page: nothing to follow.
        assert_eq!(view.read(10_000), (GrowthState::Abandoned, 0));
    }
}
