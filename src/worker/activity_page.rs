//! The strategy's [`activity`] in a page of
//! memory shared by a worker and its parent: the worker marks each
//! callback there, and after the worker's death the parent reads the exact
//! event, data time and callback it died in (the heartbeat is up to a
//! period old).
//!
//! The page is a small file in the temporary folder, made by the parent,
//! opened and mapped by the worker before its sandbox closes, and removed
//! when the parent's end is dropped.

// Mapping a file is unsafe: the other process writes the page while this
// one reads it, which the atomics of `Slots` are made for.
#![allow(unsafe_code)]

use std::fs::OpenOptions;
use std::path::Path;

use memmap2::MmapMut;

use crate::strategy::activity::{self, Activity, Slots};

/// Bytes of the page.
const PAGE_BYTES: u64 = 4096;

/// The parent's end of an activity page.
pub struct ActivityPage {
    file: tempfile::NamedTempFile,
    map: MmapMut,
}

impl ActivityPage {
    /// A fresh page, nothing marked.
    pub fn create() -> std::io::Result<ActivityPage> {
        let file = tempfile::Builder::new()
            .prefix("ticklab-activity-")
            .tempfile()?;
        file.as_file().set_len(PAGE_BYTES)?;
        // SAFETY: the file is ours and only the worker writes it, through
        // the atomics of `Slots`.
        let map = unsafe { MmapMut::map_mut(file.as_file())? };
        Ok(ActivityPage { file, map })
    }

    /// The file the worker maps (`--activity`).
    pub fn path(&self) -> &Path {
        self.file.path()
    }

    /// What the worker marked last.
    pub fn read(&self) -> Activity {
        slots_in(&self.map).snapshot()
    }
}

/// The words at the start of `map`.
fn slots_in(map: &MmapMut) -> &Slots {
    // SAFETY: the mapping is page-aligned, at least `PAGE_BYTES` long and
    // zero-filled at first (all zeros is a valid `Slots`); `Slots` is
    // `repr(C)` atomics, so a write by the other process is an atomic store.
    unsafe { &*map.as_ptr().cast::<Slots>() }
}

/// Maps the page at `path` and keeps this process's activity there for the
/// rest of its life (the worker, before its sandbox closes).
pub fn adopt(path: &Path) -> std::io::Result<()> {
    let file = OpenOptions::new().read(true).write(true).open(path)?;
    if file.metadata()?.len() < PAGE_BYTES {
        return Err(std::io::Error::other(format!(
            "{}: not an activity page",
            path.display()
        )));
    }
    // SAFETY: as in `ActivityPage::create`; the parent only reads.
    let map = unsafe { MmapMut::map_mut(&file)? };
    let map: &'static MmapMut = Box::leak(Box::new(map));
    if !activity::share(slots_in(map)) {
        return Err(std::io::Error::other("the activity is shared already"));
    }
    Ok(())
}
