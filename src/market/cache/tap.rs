//! The cache written from the loader thread as the Parquet file streams:
//! a write failure (a full disk) stops the cache, never the replay.

use std::path::{Path, PathBuf};

use crossbeam_channel::{Receiver, Sender};

use super::writer::CacheWriter;
use crate::market::parquet::{LoadTap, ReadSummary};
use crate::market::MarketEvent;

/// Writes the cache of a file while its loader decodes it, and tells how
/// that went through a channel of notes (read with [`CacheTap::notes`]).
pub struct CacheTap {
    writer: Option<CacheWriter>,
    file: PathBuf,
    notes_tx: Sender<String>,
    notes_rx: Receiver<String>,
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
            writer: Some(writer),
            file: file.to_owned(),
            notes_tx,
            notes_rx,
        }
    }

    /// Where the outcome of the write arrives, once the file is read (or
    /// as soon as writing fails).
    pub fn notes(&self) -> Receiver<String> {
        self.notes_rx.clone()
    }

    /// Where the cache goes.
    pub fn target(&self) -> Option<&Path> {
        self.writer.as_ref().map(CacheWriter::target)
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
        if let Err(err) = writer.push(events) {
            let text = format!(
                "event cache: cannot write {} ({err}); {} is read from Parquet",
                writer.target().display(),
                self.file.display()
            );
            // Dropping the writer removes its temporary file.
            self.writer = None;
            self.note(text);
        }
    }

    fn finished(mut self: Box<Self>, summary: &ReadSummary) {
        let Some(writer) = self.writer.take() else {
            return;
        };
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
