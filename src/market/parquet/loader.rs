//! Reading a file on a named loader thread that sends batches over a
//! bounded channel, so a slow consumer holds the decoder back and memory
//! stays bounded by a few batches. A file of several row groups is decoded
//! on one thread per core, in order (see `parallel`).

use std::path::{Path, PathBuf};
use std::thread::JoinHandle;

use crossbeam_channel::{Receiver, Sender};

use super::parallel::{default_decode_threads, parallel_decode_loop};
use super::reader::panic_message;
use super::{DataError, EventReader, ReadOptions, ReadSummary};
use crate::market::{Instrument, MarketEvent};

/// Name of the thread that decodes files.
pub const LOADER_THREAD_NAME: &str = "ticklab-loader";

/// One message from the loader thread: a batch of events, or the error
/// that ended the read.
pub type LoadedBatch = Result<Vec<MarketEvent>, DataError>;

/// Something that sees every batch the loader decodes, in file order, on
/// the loader thread (the event cache is written this way while a replay
/// streams the file).
pub trait LoadTap: Send {
    /// The next events of the file, before the consumer receives them.
    fn batch(&mut self, events: &[MarketEvent]);
    /// The whole file was read without an error. A tap dropped without
    /// this call saw an incomplete or failed read.
    fn finished(self: Box<Self>, summary: &ReadSummary);
}

/// A file being decoded on its own thread, received a batch at a time.
///
/// The file is opened and its schema checked before the thread starts, so
/// those errors come from [`Loader::spawn`]. Value errors arrive as the last
/// message. Dropping the loader stops the thread at its next batch.
///
/// ```no_run
/// # use ticklab::market::{Instrument, parquet::{Loader, ReadOptions}};
/// # fn main() -> Result<(), ticklab::market::parquet::DataError> {
/// let instrument = Instrument::new("BTC-PERP", 0.1, 0.001);
/// let loader = Loader::spawn("BTC-PERP/2024-03-01.parquet", &instrument, ReadOptions::default())?;
/// while let Some(batch) = loader.recv() {
///     let batch = batch?;
///     // ... use the events ...
///     loader.recycle(batch);
/// }
/// let summary = loader.finish()?;
/// # Ok(()) }
/// ```
pub struct Loader {
    file: PathBuf,
    batches: Receiver<LoadedBatch>,
    recycled: Sender<Vec<MarketEvent>>,
    thread: Option<JoinHandle<ReadSummary>>,
}

impl Loader {
    /// Opens `path` and starts decoding it on a thread named
    /// [`LOADER_THREAD_NAME`], at most [`ReadOptions::queued_batches`]
    /// batches ahead of the consumer.
    pub fn spawn(
        path: impl AsRef<Path>,
        instrument: &Instrument,
        options: ReadOptions,
    ) -> Result<Self, DataError> {
        Self::spawn_tapped(path, instrument, options, None)
    }

    /// Like [`Loader::spawn`], with `tap` seeing every batch on the loader
    /// thread before it is sent.
    pub fn spawn_tapped(
        path: impl AsRef<Path>,
        instrument: &Instrument,
        options: ReadOptions,
        tap: Option<Box<dyn LoadTap>>,
    ) -> Result<Self, DataError> {
        Self::spawn_with(path, instrument, options, tap, default_decode_threads())
    }

    /// Like [`Loader::spawn_tapped`], decoding a file of several row groups
    /// on `decode_threads` threads (1: on the loader thread alone). The
    /// default is one per core, at most 8.
    pub fn spawn_with(
        path: impl AsRef<Path>,
        instrument: &Instrument,
        options: ReadOptions,
        tap: Option<Box<dyn LoadTap>>,
        decode_threads: usize,
    ) -> Result<Self, DataError> {
        let reader = EventReader::open(path, instrument, options)?;
        Self::start(reader, tap, decode_threads)
    }

    /// Starts decoding an opened reader (with its check, if it has one) on a
    /// thread named [`LOADER_THREAD_NAME`].
    pub fn from_reader(reader: EventReader) -> Result<Self, DataError> {
        Self::from_reader_tapped(reader, None)
    }

    /// Like [`Loader::from_reader`], with `tap` seeing every batch.
    pub fn from_reader_tapped(
        reader: EventReader,
        tap: Option<Box<dyn LoadTap>>,
    ) -> Result<Self, DataError> {
        Self::start(reader, tap, default_decode_threads())
    }

    /// Starts the loader thread. With more than one decode thread, a
    /// reader's check runs on the loader thread over the stitched batches,
    /// so that it sees the rows in file order.
    fn start(
        reader: EventReader,
        tap: Option<Box<dyn LoadTap>>,
        decode_threads: usize,
    ) -> Result<Self, DataError> {
        let queued = reader.options().queued_batches.max(1);
        let parallel = decode_threads > 1 && reader.row_group_count() > 1;
        let file = reader.file().to_owned();
        let (batch_tx, batch_rx) = crossbeam_channel::bounded(queued);
        // Room for every batch in flight, so recycling never blocks.
        let (recycle_tx, recycle_rx) = crossbeam_channel::bounded(queued + 2);
        let thread = std::thread::Builder::new()
            .name(LOADER_THREAD_NAME.to_owned())
            .spawn(move || {
                if parallel {
                    parallel_decode_loop(reader, decode_threads, &batch_tx, &recycle_rx, tap)
                } else {
                    decode_loop(reader, &batch_tx, &recycle_rx, tap)
                }
            })
            .map_err(|err| DataError::Loader {
                file: file.clone(),
                reason: format!("cannot start: {err}"),
            })?;
        Ok(Loader {
            file,
            batches: batch_rx,
            recycled: recycle_tx,
            thread: Some(thread),
        })
    }

    /// The file being read.
    pub fn file(&self) -> &Path {
        &self.file
    }

    /// Waits for the next batch; `None` once the file is done (or the
    /// error that ended it has been received).
    pub fn recv(&self) -> Option<LoadedBatch> {
        self.batches.recv().ok()
    }

    /// The channel of batches, for `select!` alongside other channels. It
    /// disconnects when the file is done.
    pub fn receiver(&self) -> &Receiver<LoadedBatch> {
        &self.batches
    }

    /// Hands a consumed batch back so the loader refills it instead of
    /// allocating; dropped when the loader already has enough spares.
    pub fn recycle(&self, mut batch: Vec<MarketEvent>) {
        batch.clear();
        // A full queue only means there are spares enough.
        let _ = self.recycled.try_send(batch);
    }

    /// Stops the loader (if it is still running) and returns what it read.
    pub fn finish(mut self) -> Result<ReadSummary, DataError> {
        let thread = self.thread.take();
        // Disconnect first so a loader blocked on a full channel stops.
        let (_, closed) = crossbeam_channel::bounded(0);
        drop(std::mem::replace(&mut self.batches, closed));
        match thread.map(JoinHandle::join) {
            Some(Ok(summary)) => Ok(summary),
            Some(Err(payload)) => Err(DataError::Loader {
                file: self.file.clone(),
                reason: format!("stopped abnormally: {}", panic_message(payload.as_ref())),
            }),
            None => Ok(ReadSummary::default()),
        }
    }
}

impl Iterator for Loader {
    type Item = LoadedBatch;

    fn next(&mut self) -> Option<Self::Item> {
        self.recv()
    }
}

fn decode_loop(
    mut reader: EventReader,
    batches: &Sender<LoadedBatch>,
    recycled: &Receiver<Vec<MarketEvent>>,
    mut tap: Option<Box<dyn LoadTap>>,
) -> ReadSummary {
    let batch_rows = reader.options().batch_rows;
    loop {
        let mut batch = recycled
            .try_recv()
            .unwrap_or_else(|_| Vec::with_capacity(batch_rows));
        match reader.read_batch(&mut batch) {
            Ok(0) => {
                if let Some(tap) = tap.take() {
                    tap.finished(reader.summary());
                }
                break;
            }
            Ok(_) => {
                if let Some(tap) = tap.as_mut() {
                    tap.batch(&batch);
                }
                if batches.send(Ok(batch)).is_err() {
                    break; // The consumer is gone.
                }
            }
            Err(err) => {
                let _ = batches.send(Err(err));
                break;
            }
        }
    }
    reader.summary().clone()
}
