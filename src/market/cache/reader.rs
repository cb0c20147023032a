//! Opening a cache file, checking it against its source and the run, and
//! reading it: windows of events mapped in place, and time lookups through
//! the sparse index.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use super::format::{boot_id, Header, SourceStamp, HEADER_BYTES, INDEX_ENTRY_BYTES, RECORD_BYTES};
use super::map::MappedEvents;
use super::writer::seal_in_background;
use crate::market::parquet::ReadSummary;
use crate::market::Instrument;

/// A cache file checked against its source: its events can be replayed.
#[derive(Debug)]
pub struct EventCache {
    path: PathBuf,
    file: File,
    header: Header,
    index: Vec<i64>,
}

/// What a cache holds, for `ticklab cache info`.
#[derive(Clone, Debug, PartialEq)]
pub struct CacheInfo {
    /// The cache file.
    pub path: PathBuf,
    /// Its size, bytes.
    pub size_bytes: u64,
    /// Events in it.
    pub events: u64,
    /// Exchange time of the first and last event, ns.
    pub exch_ts_span_ns: (i64, i64),
    /// The source file it was built from, as it was then.
    pub source: SourceStamp,
    /// The tick and lot size prices and quantities were converted with.
    pub tick_size: f64,
    /// See `tick_size`.
    pub lot_size: f64,
}

impl EventCache {
    /// Opens the cache at `path` of a file now stamped `source`, for a run
    /// reading it with `instrument`'s grid. Any mismatch or damage is an
    /// error in words, and the cache must not be used.
    pub fn open(
        path: &Path,
        source: &SourceStamp,
        instrument: &Instrument,
    ) -> Result<EventCache, String> {
        let cache = Self::open_unchecked(path)?;
        if let Some(change) = source.change_from(&cache.header.source) {
            return Err(change);
        }
        let header = &cache.header;
        if header.tick_size.to_bits() != instrument.tick_size.to_bits()
            || header.lot_size.to_bits() != instrument.lot_size.to_bits()
        {
            return Err(format!(
                "built for tick size {} and lot size {}, the instrument has {} and {}",
                header.tick_size, header.lot_size, instrument.tick_size, instrument.lot_size
            ));
        }
        Ok(cache)
    }

    /// Opens a cache file and checks it is whole (header, size, index),
    /// without comparing it with its source.
    pub fn open_unchecked(path: &Path) -> Result<EventCache, String> {
        let mut file = File::open(path).map_err(|err| err.to_string())?;
        let size_bytes = file.metadata().map_err(|err| err.to_string())?.len();
        let mut head = Vec::with_capacity(HEADER_BYTES);
        (&mut file)
            .take(HEADER_BYTES as u64)
            .read_to_end(&mut head)
            .map_err(|err| err.to_string())?;
        let header = Header::decode(&head)?;
        if !header.sealed && (header.boot_id == 0 || header.boot_id != boot_id()) {
            return Err(
                "written before the machine last started and never known to be on disk".to_owned(),
            );
        }
        let expected = header
            .file_bytes()
            .ok_or_else(|| "damaged header (event count)".to_owned())?;
        if size_bytes != expected {
            return Err(format!(
                "truncated or damaged: {size_bytes} bytes, the header promises {expected}"
            ));
        }
        let entries = usize::try_from(header.index_entries())
            .map_err(|_| "damaged header (index size)".to_owned())?;
        let mut bytes = vec![0u8; entries * INDEX_ENTRY_BYTES];
        file.seek(SeekFrom::Start(header.index_offset()))
            .and_then(|_| file.read_exact(&mut bytes))
            .map_err(|err| err.to_string())?;
        let index: Vec<i64> = bytes
            .chunks_exact(INDEX_ENTRY_BYTES)
            .map(|chunk| {
                let mut entry = [0u8; INDEX_ENTRY_BYTES];
                entry.copy_from_slice(chunk);
                i64::from_le_bytes(entry)
            })
            .collect();
        if index.windows(2).any(|pair| pair[0] > pair[1]) {
            return Err("damaged index (time goes backwards)".to_owned());
        }
        Ok(EventCache {
            path: path.to_owned(),
            file,
            header,
            index,
        })
    }

    /// True once the cache is known to be on disk (see `format`).
    pub fn is_sealed(&self) -> bool {
        self.header.sealed
    }

    /// Seals the cache on a thread of its own unless it is sealed, when
    /// this process may write it: a cache written by a process that ended
    /// before its data reached the disk.
    pub(crate) fn seal_if_needed(&self) {
        if !self.header.sealed {
            seal_in_background(&self.path);
        }
    }

    /// The cache file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Events in the cache.
    pub fn len(&self) -> u64 {
        self.header.events
    }

    /// True when the cache holds no event.
    pub fn is_empty(&self) -> bool {
        self.header.events == 0
    }

    /// What the read that built the cache found, as the Parquet reader
    /// would report it.
    pub fn read_summary(&self) -> ReadSummary {
        ReadSummary {
            rows: self.header.events,
            row_groups: usize::try_from(self.header.row_groups).unwrap_or(usize::MAX),
            flags_inferred: self.header.flags_inferred,
            local_before_exch: self.header.local_before_exch,
            first_local_before_exch_row: self.header.first_local_before_exch_row,
        }
    }

    /// What the cache holds.
    pub fn info(&self) -> CacheInfo {
        CacheInfo {
            path: self.path.clone(),
            size_bytes: self.header.file_bytes().unwrap_or(0),
            events: self.header.events,
            exch_ts_span_ns: (self.header.first_exch_ts, self.header.last_exch_ts),
            source: self.header.source,
            tick_size: self.header.tick_size,
            lot_size: self.header.lot_size,
        }
    }

    /// Maps events `start..start + count` (clamped to the cache), checking
    /// every record.
    pub fn window(&self, start: u64, count: u64) -> Result<MappedEvents, String> {
        let end = start.saturating_add(count).min(self.header.events);
        if start >= end {
            return Err(format!(
                "events {start}..{end} are outside the cache's {}",
                self.header.events
            ));
        }
        let offset = HEADER_BYTES as u64 + start * RECORD_BYTES as u64;
        let events = usize::try_from(end - start).map_err(|err| err.to_string())?;
        MappedEvents::map(&self.file, offset, events)
            .map_err(|reason| format!("{}: events {start}..{end}: {reason}", self.path.display()))
    }

    /// Index of the first event with `exch_ts >= ts_ns` (the number of
    /// events before that time): a binary search of the sparse index, then
    /// of one block of events.
    pub fn locate(&self, ts_ns: i64) -> Result<u64, String> {
        let entry = self.index.partition_point(|&ts| ts < ts_ns);
        if entry == 0 {
            return Ok(0);
        }
        let every = self.header.index_every;
        let start = (entry as u64 - 1) * every;
        let block = self.window(start, every)?;
        let within = block.events().partition_point(|ev| ev.exch_ts < ts_ns);
        Ok(start + within as u64)
    }
}
