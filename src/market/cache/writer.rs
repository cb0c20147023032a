//! Writing a cache file while a replay streams the Parquet file: records
//! appended as batches go by, the index and header written at the end, then
//! the file renamed into place. A cache that is not complete is never seen
//! under its final name.

use std::fs::File;
use std::io::{self, BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::format::{encode_event, Header, SourceStamp, INDEX_EVERY, RECORD_BYTES};
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
    record: [u8; RECORD_BYTES],
    flusher: Option<Flusher>,
    /// Bytes written since the flusher was last asked.
    unflushed_bytes: u64,
}

/// Puts the data written so far on disk from a thread of its own, as the
/// file grows, so that the sync before the rename has little left to do
/// and the replay never waits for the disk in the meantime.
struct Flusher {
    wake: Option<crossbeam_channel::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Flusher {
    /// A flusher of `file` (a handle of its own), or `None` when no thread
    /// or handle can be had: then only the final sync writes the data.
    fn start(file: &File) -> Option<Self> {
        let file = file.try_clone().ok()?;
        // One request waiting is enough: a sync writes all there is.
        let (wake, requests) = crossbeam_channel::bounded::<()>(1);
        let thread = std::thread::Builder::new()
            .name("ticklab-cache-flush".to_owned())
            .spawn(move || {
                for () in requests {
                    // A failure here shows again in the final sync.
                    let _ = file.sync_data();
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
            let _ = wake.try_send(());
        }
    }

    /// Waits for the syncs asked for.
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
        };
        let mut writer = CacheWriter {
            target,
            temp,
            out: None,
            header,
            index: Vec::new(),
            record: [0; RECORD_BYTES],
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
        for ev in events {
            if self.header.events.is_multiple_of(INDEX_EVERY) {
                self.index.push(ev.exch_ts);
            }
            if self.header.events == 0 {
                self.header.first_exch_ts = ev.exch_ts;
            }
            encode_event(ev, &mut self.record);
            out.write_all(&self.record)?;
            self.header.events += 1;
        }
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
        if let Some(mut flusher) = self.flusher.take() {
            flusher.stop();
        }
        // On disk before it has its name: a crash never leaves a cache
        // whose header promises records that were not written.
        file.sync_all()?;
        drop(file);
        std::fs::rename(&self.temp, &self.target)?;
        // Renamed: nothing left to remove.
        self.temp = PathBuf::new();
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
