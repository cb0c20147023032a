//! The cache written from the loader thread as the Parquet file streams:
//! a write failure (a full disk) stops the cache, never the replay. A
//! cache that another process follows as it grows has every batch written
//! through to the file and published on the progress page.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crossbeam_channel::{Receiver, Sender};

use super::progress::{GrowthState, ProgressPage};
use super::writer::CacheWriter;
use crate::market::parquet::{LoadTap, ReadSummary};
use crate::market::MarketEvent;

/// Writes the cache of a file while its loader decodes it, and tells how
/// that went through a channel of notes (read with [`CacheTap::notes`]).
pub struct CacheTap {
    writer: Option<Box<CacheWriter>>,
    file: PathBuf,
    notes_tx: Sender<String>,
    notes_rx: Receiver<String>,
    /// The page and slot where another process follows the file, until
    /// the outcome is published there.
    progress: Option<(Arc<ProgressPage>, usize)>,
}

impl std::fmt::Debug for CacheTap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CacheTap")
            .field("file", &self.file)
            .finish_non_exhaustive()
    }
}

impl CacheTap {
    pub(crate) fn new(writer: CacheWriter, file: &Path) -> Self {
        // One note at most: the outcome (written, or why not).
        let (notes_tx, notes_rx) = crossbeam_channel::bounded(2);
        CacheTap {
            writer: Some(Box::new(writer)),
            file: file.to_owned(),
            notes_tx,
            notes_rx,
            progress: None,
        }
    }

    /// Publishes every batch on `page` in slot `slot` once it is in the
    /// file, for a process that replays the cache as it grows; the end
    /// (complete, or abandoned) is published there too.
    pub fn publish_on(&mut self, page: Arc<ProgressPage>, slot: usize) {
        self.progress = Some((page, slot));
    }

    /// The temporary file being written.
    pub fn temp(&self) -> Option<&Path> {
        self.writer.as_deref().map(CacheWriter::temp)
    }

    /// Says the writing stopped; the records published stay good.
    fn abandon(&mut self) {
        if let Some((page, slot)) = self.progress.take() {
            page.set_state(slot, GrowthState::Abandoned);
        }
    }

    /// Where the outcome of the write arrives, once the file is read (or
    /// as soon as writing fails).
    pub fn notes(&self) -> Receiver<String> {
        self.notes_rx.clone()
    }

    /// Where the cache goes.
    pub fn target(&self) -> Option<&Path> {
        self.writer.as_deref().map(CacheWriter::target)
    }

    fn note(&self, text: String) {
        // Bounded and never waited on: a note nobody reads is dropped.
        let _ = self.notes_tx.try_send(text);
    }
}

impl LoadTap for CacheTap {
    fn batch(&mut self, events: &[MarketEvent]) {
        let Some(writer) = self.writer.as_mut() else {
            return;
        };
        let mut written = writer.push(events);
        if let (Ok(()), Some((page, slot))) = (&written, &self.progress) {
            written = writer.flush().map(|records| page.publish(*slot, records));
        }
        if let Err(err) = written {
            let text = format!(
                "event cache: cannot write {} ({err}); {} is read from Parquet",
                writer.target().display(),
                self.file.display()
            );
            // Dropping the writer removes its temporary file.
            self.writer = None;
            self.abandon();
            self.note(text);
        }
    }

    fn finished(mut self: Box<Self>, summary: &ReadSummary) {
        let Some(mut writer) = self.writer.take() else {
            return;
        };
        if let Some((page, slot)) = self.progress.take() {
            // Every record is in the file: the follower may finish while
            // the index and header are written.
            match writer.flush() {
                Ok(records) => {
                    page.publish(slot, records);
                    page.set_state(slot, GrowthState::Complete);
                }
                Err(_) => page.set_state(slot, GrowthState::Abandoned),
            }
        }
        let target = writer.target().to_owned();
        let text = match writer.finish(summary) {
            Ok(events) => format!(
                "event cache: wrote {} ({events} events); later replays read it",
                target.display()
            ),
            Err(err) => format!(
                "event cache: cannot write {} ({err}); {} is read from Parquet",
                target.display(),
                self.file.display()
            ),
        };
        self.note(text);
    }
}

impl Drop for CacheTap {
    fn drop(&mut self) {
        // Dropped before the end: the read failed or was stopped.
        self.abandon();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::market::cache::format::SourceStamp;
    use crate::market::{Instrument, Side};

    #[test]
    fn a_full_disk_stops_the_cache_once_and_lets_the_replay_go_on() {
        let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
            eprintln!("/dev/full is missing: this machine cannot simulate a full disk");
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let temp = dir.path().join("stand-in.tmp");
        std::fs::write(&temp, b"").unwrap();
        let target = dir.path().join("day.events");
        let stamp = SourceStamp {
            size_bytes: 1,
            mtime_ns: 2,
            footer_hash: 3,
        };
        let writer = CacheWriter::with_file(
            full,
            temp.clone(),
            target.clone(),
            stamp,
            &Instrument::new("X", 1.0, 1.0),
        )
        .unwrap();
        let file = dir.path().join("day.parquet");
        let mut tap = Box::new(CacheTap::new(writer, &file));
        let notes = tap.notes();
        let events = vec![MarketEvent::depth(1, Side::Buy, 10, 1); 40_000];
        tap.batch(&events);
        tap.batch(&events);
        tap.finished(&ReadSummary::default());
        let said: Vec<String> = notes.try_iter().collect();
        assert_eq!(
            said,
            vec![format!(
                "event cache: cannot write {} (No space left on device (os error 28)); {} is read \
                 from Parquet",
                target.display(),
                file.display()
            )]
        );
        assert!(!temp.exists() && !target.exists());
    }
}
