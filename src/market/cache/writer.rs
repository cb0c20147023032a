//! Writing a cache file while a replay streams the Parquet file: records
//! appended as batches go by, the index and header written at the end, then
//! the file renamed into place. A cache that is not complete is never seen
//! under its final name.
//!
//! The rename does not wait for the disk: the data goes to disk from a
//! thread of its own as the file grows, and once all of it is there the
//! same thread seals the file (see `format`). A process that ends first
//! leaves the cache unsealed: good for this boot of the machine, and
//! sealed by the next process that reads it.

use std::fs::File;
use std::io::{self, BufWriter, Seek, SeekFrom, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::thread::JoinHandle;

use super::format::{
    boot_id, encode_event, Header, SourceStamp, INDEX_EVERY, RECORD_BYTES, SEALED, SEAL_AT,
};
use crate::market::parquet::ReadSummary;
use crate::market::{Instrument, MarketEvent};

/// Bytes buffered before a write to the file.
const BUFFER_BYTES: usize = 1 << 20;

/// Bytes written between two requests to start the data on its way to
/// disk (see [`Flusher`]).
const FLUSH_EVERY_BYTES: u64 = 32 << 20;

/// Distinguishes temporary files of one process.
static TEMP_SERIAL: AtomicU64 = AtomicU64::new(0);

/// A cache file being written; removed unless [`CacheWriter::finish`]
/// completes.
pub(crate) struct CacheWriter {
    target: PathBuf,
    temp: PathBuf,
    out: Option<BufWriter<File>>,
    header: Header,
    index: Vec<i64>,
    /// The records of the batch being pushed, reused from batch to batch.
    records: Vec<u8>,
    flusher: Option<Flusher>,
    /// Bytes written since the flusher was last asked.
    unflushed_bytes: u64,
}

/// Threads sealing caches this process wrote or found unsealed.
static SEALING: Mutex<Vec<JoinHandle<()>>> = Mutex::new(Vec::new());

/// Waits until every cache this process is sealing is on disk and sealed
/// (`ticklab cache build`); a run does not wait.
pub fn wait_for_seals() {
    let pending = SEALING
        .lock()
        .map(|mut pending| std::mem::take(&mut *pending))
        .unwrap_or_default();
    for thread in pending {
        let _ = thread.join();
    }
}

/// Puts `file` (a whole cache, renamed into place) on disk, then writes its
/// seal word and puts that on disk too. A failure leaves it unsealed.
fn seal(file: &File) {
    let sealed = file
        .sync_all()
        .and_then(|()| file.write_all_at(&SEALED.to_le_bytes(), SEAL_AT as u64))
        .and_then(|()| file.sync_data());
    // Unsealed, the cache is still read in this boot; a later reader
    // tries again.
    drop(sealed);
}

/// Seals the cache file at `path` on a thread of its own, when this
/// process may write it (not in a sandbox).
pub(crate) fn seal_in_background(path: &Path) {
    // Once per file and process: a window re-runs a day many times.
    static ASKED: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
    match ASKED.lock() {
        Ok(mut asked) if !asked.iter().any(|asked| asked == path) => asked.push(path.to_owned()),
        _ => return,
    }
    let Ok(file) = std::fs::OpenOptions::new().write(true).open(path) else {
        return;
    };
    let thread = std::thread::Builder::new()
        .name("ticklab-cache-seal".to_owned())
        .spawn(move || seal(&file));
    if let (Ok(thread), Ok(mut pending)) = (thread, SEALING.lock()) {
        pending.push(thread);
    }
}

/// What the flusher is asked.
enum Request {
    /// Start putting what was written so far on disk.
    Sync,
    /// The file is whole: put it on disk and seal it, then stop.
    Seal,
}

/// Puts the data written so far on disk from a thread of its own, as the
/// file grows, and seals the file once it is whole, so that neither the
/// replay nor the rename ever waits for the disk.
struct Flusher {
    wake: Option<crossbeam_channel::Sender<Request>>,
    thread: Option<JoinHandle<()>>,
}

impl Flusher {
    /// A flusher of `file` (a handle of its own), or `None` when no thread
    /// or handle can be had: then the file stays unsealed.
    fn start(file: &File) -> Option<Self> {
        let file = file.try_clone().ok()?;
        // One request waiting is enough: a sync writes all there is.
        let (wake, requests) = crossbeam_channel::bounded::<Request>(1);
        let thread = std::thread::Builder::new()
            .name("ticklab-cache-flush".to_owned())
            .spawn(move || {
                for request in requests {
                    match request {
                        // A failure here leaves the file unsealed.
                        Request::Sync => drop(file.sync_data()),
                        Request::Seal => {
                            seal(&file);
                            break;
                        }
                    }
                }
            })
            .ok()?;
        Some(Flusher {
            wake: Some(wake),
            thread: Some(thread),
        })
    }

    /// Asks for a sync of what was written so far, unless one is pending.
    fn request(&self) {
        if let Some(wake) = &self.wake {
            let _ = wake.try_send(Request::Sync);
        }
    }

    /// Asks for the seal of the whole file and leaves the thread to it
    /// (see [`wait_for_seals`]).
    fn seal_later(mut self) {
        if let Some(wake) = self.wake.take() {
            if wake.send(Request::Seal).is_err() {
                return;
            }
        }
        if let (Some(thread), Ok(mut pending)) = (self.thread.take(), SEALING.lock()) {
            pending.push(thread);
        }
    }

    /// Stops the thread (the file is abandoned).
    fn stop(&mut self) {
        drop(self.wake.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Flusher {
    fn drop(&mut self) {
        self.stop();
    }
}

impl CacheWriter {
    /// Starts writing the cache of a file stamped `source`, read with
    /// `instrument`'s grid, to a temporary file beside `target` (its folder
    /// is created).
    pub fn create(target: &Path, source: SourceStamp, instrument: &Instrument) -> io::Result<Self> {
        let dir = target.parent().unwrap_or_else(|| Path::new("."));
        std::fs::create_dir_all(dir)?;
        let name = target
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        let temp = dir.join(format!(
            ".{name}.{}-{}.tmp",
            std::process::id(),
            TEMP_SERIAL.fetch_add(1, Ordering::Relaxed)
        ));
        let file = File::create_new(&temp)?;
        Self::with_file(file, temp, target.to_owned(), source, instrument)
    }

    /// Starts writing to `file`, already created at `temp`.
    pub fn with_file(
        file: File,
        temp: PathBuf,
        target: PathBuf,
        source: SourceStamp,
        instrument: &Instrument,
    ) -> io::Result<Self> {
        let header = Header {
            source,
            tick_size: instrument.tick_size,
            lot_size: instrument.lot_size,
            events: 0,
            index_every: INDEX_EVERY,
            flags_inferred: false,
            local_before_exch: 0,
            first_local_before_exch_row: None,
            row_groups: 0,
            first_exch_ts: 0,
            last_exch_ts: 0,
            boot_id: boot_id(),
            sealed: false,
        };
        let mut writer = CacheWriter {
            target,
            temp,
            out: None,
            header,
            index: Vec::new(),
            records: Vec::new(),
            flusher: Flusher::start(&file),
            unflushed_bytes: 0,
        };
        let mut out = BufWriter::with_capacity(BUFFER_BYTES, file);
        // Room for the header, written last.
        out.write_all(&writer.header.encode())?;
        writer.out = Some(out);
        Ok(writer)
    }

    /// Where the cache goes once complete.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Appends the next events of the file.
    pub fn push(&mut self, events: &[MarketEvent]) -> io::Result<()> {
        let Some(out) = self.out.as_mut() else {
            return Err(io::Error::other("the cache writer already failed"));
        };
        let first = self.header.events;
        if first == 0 {
            if let Some(ev) = events.first() {
                self.header.first_exch_ts = ev.exch_ts;
            }
        }
        // Index entries: the events whose position in the file is a
        // multiple of INDEX_EVERY.
        let count = events.len() as u64;
        let mut indexed = first.next_multiple_of(INDEX_EVERY);
        while indexed < first + count {
            if let Some(ev) = events.get((indexed - first) as usize) {
                self.index.push(ev.exch_ts);
            }
            indexed += INDEX_EVERY;
        }
        // The batch encoded into one buffer and written at once.
        self.records.clear();
        self.records.resize(events.len() * RECORD_BYTES, 0);
        let (records, _) = self.records.as_chunks_mut::<RECORD_BYTES>();
        for (ev, record) in events.iter().zip(records) {
            encode_event(ev, record);
        }
        out.write_all(&self.records)?;
        self.header.events += count;
        if let Some(last) = events.last() {
            self.header.last_exch_ts = last.exch_ts;
        }
        self.unflushed_bytes += (events.len() * RECORD_BYTES) as u64;
        if self.unflushed_bytes >= FLUSH_EVERY_BYTES {
            if let Some(flusher) = &self.flusher {
                out.flush()?;
                flusher.request();
                self.unflushed_bytes = 0;
            }
        }
        Ok(())
    }

    /// Writes what is buffered to the file, so that a process following
    /// it sees every record pushed so far; returns how many that is.
    pub fn flush(&mut self) -> io::Result<u64> {
        let Some(out) = self.out.as_mut() else {
            return Err(io::Error::other("the cache writer already failed"));
        };
        out.flush()?;
        Ok(self.header.events)
    }

    /// The temporary file being written.
    pub fn temp(&self) -> &Path {
        &self.temp
    }

    /// Completes the file: the index, the header with what the read found,
    /// the data on disk, then the rename into place. Returns the events
    /// written.
    pub fn finish(mut self, summary: &ReadSummary) -> io::Result<u64> {
        let Some(mut out) = self.out.take() else {
            return Err(io::Error::other("the cache writer already failed"));
        };
        self.header.flags_inferred = summary.flags_inferred;
        self.header.local_before_exch = summary.local_before_exch;
        self.header.first_local_before_exch_row = summary.first_local_before_exch_row;
        self.header.row_groups = summary.row_groups as u64;
        for ts in &self.index {
            out.write_all(&ts.to_le_bytes())?;
        }
        out.seek(SeekFrom::Start(0))?;
        out.write_all(&self.header.encode())?;
        let file = out.into_inner().map_err(io::IntoInnerError::into_error)?;
        drop(file);
        // Renamed unsealed: read in this boot only, until the flusher has
        // put it on disk and sealed it (a crash before that is a restart,
        // after which an unsealed cache is rebuilt).
        std::fs::rename(&self.temp, &self.target)?;
        // Renamed: nothing left to remove.
        self.temp = PathBuf::new();
        if let Some(flusher) = self.flusher.take() {
            flusher.seal_later();
        }
        Ok(self.header.events)
    }
}

impl Drop for CacheWriter {
    fn drop(&mut self) {
        drop(self.out.take());
        if !self.temp.as_os_str().is_empty() {
            // Best effort: a leftover temporary file is never read.
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::market::cache::format::HEADER_BYTES;
    use crate::market::Side;

    fn stamp() -> SourceStamp {
        SourceStamp {
            size_bytes: 10,
            mtime_ns: 20,
            footer_hash: 30,
        }
    }

    #[test]
    fn a_finished_cache_has_its_header_records_and_index_and_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("sub").join("day.events");
        let instrument = Instrument::new("X", 0.5, 1.0);
        let mut writer = CacheWriter::create(&target, stamp(), &instrument).unwrap();
        let events: Vec<MarketEvent> = (0..5000)
            .map(|i| MarketEvent::depth(1000 + i, Side::Buy, 10, 1))
            .collect();
        writer.push(&events[..3000]).unwrap();
        assert!(
            !target.exists(),
            "nothing under the final name before the end"
        );
        writer.push(&events[3000..]).unwrap();
        let summary = ReadSummary {
            rows: 5000,
            row_groups: 2,
            ..ReadSummary::default()
        };
        assert_eq!(writer.finish(&summary).unwrap(), 5000);
        let bytes = std::fs::read(&target).unwrap();
        // Header, 5000 records, 2 index entries (events 0 and 4096).
        assert_eq!(bytes.len(), HEADER_BYTES + 5000 * 48 + 16);
        let header = Header::decode(&bytes).unwrap();
        assert_eq!(header.events, 5000);
        assert_eq!(header.row_groups, 2);
        assert_eq!((header.first_exch_ts, header.last_exch_ts), (1000, 5999));
        assert_eq!(header.tick_size, 0.5);
        let index_at = HEADER_BYTES + 5000 * 48;
        assert_eq!(&bytes[index_at..index_at + 8], &1000i64.to_le_bytes());
        assert_eq!(&bytes[index_at + 8..], &(1000i64 + 4096).to_le_bytes());
        let names: Vec<_> = std::fs::read_dir(target.parent().unwrap())
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("day.events")]);
    }

    #[test]
    fn an_unfinished_cache_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("day.events");
        let instrument = Instrument::new("X", 0.5, 1.0);
        let mut writer = CacheWriter::create(&target, stamp(), &instrument).unwrap();
        writer
            .push(&[MarketEvent::depth(1, Side::Buy, 10, 1)])
            .unwrap();
        drop(writer);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn a_full_disk_fails_the_write_and_removes_the_temp_file() {
        let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
            eprintln!("/dev/full is missing: this machine cannot simulate a full disk");
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let temp = dir.path().join("stand-in.tmp");
        std::fs::write(&temp, b"").unwrap();
        let target = dir.path().join("day.events");
        let instrument = Instrument::new("X", 0.5, 1.0);
        // The header goes into the buffer; the disk fills when it is written.
        let mut writer =
            CacheWriter::with_file(full, temp.clone(), target.clone(), stamp(), &instrument)
                .unwrap();
        let events = vec![MarketEvent::depth(1, Side::Buy, 10, 1); 50_000];
        let err = writer.push(&events).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::StorageFull);
        drop(writer);
        assert!(!temp.exists() && !target.exists());
    }
}
