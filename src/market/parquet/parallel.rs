//! Decoding a file's row groups on several threads ahead of the consumer,
//! in file order: thread `w` of `n` decodes row groups `w`, `w + n`, ...,
//! each into its own bounded channel, and the loader thread takes them
//! round-robin, so order is kept and at most a few batches per thread wait.
//!
//! What depends on the row before crosses row groups here: the time check
//! at each row group's first row, and (when the file has no `flags`
//! column) the `LAST_IN_BATCH` bit of each row group's last event, held
//! back until the next row group's first event is known.

use std::path::PathBuf;
use std::thread::JoinHandle;

use crossbeam_channel::{Receiver, Sender};

use super::loader::{LoadTap, LoadedBatch};
use super::{BatchCheck, DataError, EventReader, ReadOptions, ReadSummary};
use crate::market::{flags, EventKind, Instrument, MarketEvent};

/// Most threads a file is decoded on.
pub(crate) const MAX_DECODE_THREADS: usize = 8;

/// Threads to decode on by default: one per core, at most
/// [`MAX_DECODE_THREADS`].
pub(crate) fn default_decode_threads() -> usize {
    std::thread::available_parallelism()
        .map_or(1, std::num::NonZeroUsize::get)
        .clamp(1, MAX_DECODE_THREADS)
}

/// What a decode thread sends for one row group.
enum Piece {
    /// The next events; `true` on the row group's last batch.
    Batch(Vec<MarketEvent>, bool),
    /// The row group is done; what its read found.
    End(ReadSummary),
    /// The row group failed; nothing follows.
    Failed(DataError),
}

/// Everything a decode thread needs to open the file again.
#[derive(Clone)]
struct Job {
    file: PathBuf,
    instrument: Instrument,
    options: ReadOptions,
}

/// Decodes the file of `first` (already opened, its schema checked) on
/// `threads` threads and sends its batches in order; the loop of the
/// loader thread. Returns what the read found.
pub(crate) fn parallel_decode_loop(
    mut first: EventReader,
    threads: usize,
    batches: &Sender<LoadedBatch>,
    recycled: &Receiver<Vec<MarketEvent>>,
    mut tap: Option<Box<dyn LoadTap>>,
) -> ReadSummary {
    let row_groups = first.row_group_count();
    let inferring = first.summary().flags_inferred;
    let queued = first.options().queued_batches.max(1);
    let job = Job {
        file: first.file().to_owned(),
        instrument: first.instrument().clone(),
        options: *first.options(),
    };
    let group_first_rows = first.row_group_first_rows();
    // The check (a crossed book) needs the rows in file order: it runs
    // here, on the stitched batches, not on the decode threads.
    let mut check = Checked {
        check: first.take_check(),
        handed_rows: 0,
    };
    drop(first);
    let threads = threads.clamp(1, row_groups.max(1));
    let mut pieces = Vec::with_capacity(threads);
    let mut handles: Vec<JoinHandle<()>> = Vec::with_capacity(threads);
    for index in 0..threads {
        let (tx, rx) = crossbeam_channel::bounded(queued);
        let thread_job = job.clone();
        let recycled = recycled.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("ticklab-decode-{index}"))
            .spawn(move || {
                decode_row_groups(&thread_job, index, threads, row_groups, &tx, &recycled);
            });
        match spawned {
            Ok(handle) => handles.push(handle),
            Err(err) => {
                let _ = batches.send(Err(DataError::Loader {
                    file: job.file.clone(),
                    reason: format!("cannot start a decode thread: {err}"),
                }));
                return ReadSummary::default();
            }
        }
        pieces.push(rx);
    }
    let mut stitch = Stitch {
        summary: ReadSummary {
            flags_inferred: inferring,
            ..ReadSummary::default()
        },
        held: None,
        last_exch_ts: i64::MIN,
    };
    let completed = 'groups: {
        for group in 0..row_groups {
            let Some(rx) = pieces.get(group % threads) else {
                break 'groups false;
            };
            let mut first_batch = true;
            loop {
                let piece = rx.recv().unwrap_or_else(|_| {
                    Piece::Failed(DataError::Loader {
                        file: job.file.clone(),
                        reason: "a decode thread stopped abnormally".to_owned(),
                    })
                });
                match piece {
                    Piece::Batch(mut batch, last_of_group) => {
                        if first_batch && !batch.is_empty() {
                            first_batch = false;
                            let row = group_first_rows.get(group).copied().unwrap_or(0);
                            if let Err(err) = stitch.join(&mut batch, &job.file, row) {
                                let _ = batches.send(Err(err));
                                break 'groups false;
                            }
                        }
                        if let Some(last) = batch.last() {
                            stitch.last_exch_ts = last.exch_ts;
                        }
                        if inferring && last_of_group && group + 1 < row_groups {
                            stitch.held = batch.pop();
                        }
                        if batch.is_empty() {
                            continue;
                        }
                        if let Err(err) = check.run(&job.file, &batch) {
                            let _ = batches.send(Err(err));
                            break 'groups false;
                        }
                        if let Some(tap) = tap.as_mut() {
                            tap.batch(&batch);
                        }
                        if batches.send(Ok(batch)).is_err() {
                            break 'groups false; // The consumer is gone.
                        }
                    }
                    Piece::End(summary) => {
                        stitch.add(&summary);
                        break;
                    }
                    Piece::Failed(err) => {
                        let _ = batches.send(Err(err));
                        break 'groups false;
                    }
                }
            }
        }
        // Row groups with no rows at the end: the held event ends the file.
        if let Some(mut last) = stitch.held.take() {
            last.flags = inferred_flags(&last, None);
            if let Err(err) = check.run(&job.file, std::slice::from_ref(&last)) {
                let _ = batches.send(Err(err));
                break 'groups false;
            }
            if let Some(tap) = tap.as_mut() {
                tap.batch(std::slice::from_ref(&last));
            }
            if batches.send(Ok(vec![last])).is_err() {
                break 'groups false;
            }
        }
        true
    };
    // Stops the decode threads still sending, then waits for them.
    drop(pieces);
    for handle in handles {
        let _ = handle.join();
    }
    if completed {
        if let Some(tap) = tap.take() {
            tap.finished(&stitch.summary);
        }
    }
    stitch.summary
}

/// The reader's check, run on the batches in file order.
struct Checked {
    check: Option<BatchCheck>,
    /// Rows handed out so far: the file row of the next batch's first event.
    handed_rows: u64,
}

impl Checked {
    fn run(&mut self, file: &std::path::Path, batch: &[MarketEvent]) -> Result<(), DataError> {
        let first_row = self.handed_rows;
        self.handed_rows += batch.len() as u64;
        match &mut self.check {
            Some(check) => check(file, first_row, batch),
            None => Ok(()),
        }
    }
}

/// What crosses row groups while stitching them back in order.
struct Stitch {
    summary: ReadSummary,
    /// The previous row group's last event, while its flags wait for the
    /// next event (inferred flags only).
    held: Option<MarketEvent>,
    last_exch_ts: i64,
}

impl Stitch {
    /// Joins a row group's first batch to what came before: the time check
    /// at its first row (`row` in the file), and the held event in front.
    fn join(
        &mut self,
        batch: &mut Vec<MarketEvent>,
        file: &std::path::Path,
        row: u64,
    ) -> Result<(), DataError> {
        let Some(head) = batch.first().copied() else {
            return Ok(());
        };
        if head.exch_ts < self.last_exch_ts {
            return Err(DataError::TimeBackwards {
                file: file.to_owned(),
                row,
                exch_ts_ns: head.exch_ts,
                previous_exch_ts_ns: self.last_exch_ts,
            });
        }
        if let Some(mut held) = self.held.take() {
            held.flags = inferred_flags(&held, Some(head.exch_ts));
            batch.insert(0, held);
        }
        Ok(())
    }

    fn add(&mut self, group: &ReadSummary) {
        let summary = &mut self.summary;
        summary.rows += group.rows;
        summary.row_groups += group.row_groups;
        summary.local_before_exch += group.local_before_exch;
        summary.first_local_before_exch_row = summary
            .first_local_before_exch_row
            .or(group.first_local_before_exch_row);
    }
}

/// Flags of an event of a file without a `flags` column, given the next
/// event's exchange time (`None` at the end of the file): as the reader
/// infers them.
fn inferred_flags(ev: &MarketEvent, next_exch_ts: Option<i64>) -> u8 {
    let mut bits = 0;
    if next_exch_ts != Some(ev.exch_ts) {
        bits |= flags::LAST_IN_BATCH;
    }
    if ev.kind == EventKind::Snapshot {
        bits |= flags::SNAPSHOT;
    }
    bits
}

/// The loop of decode thread `index` of `threads`: its row groups, each
/// read by its own reader, batches sent one behind so the row group's
/// last is marked.
fn decode_row_groups(
    job: &Job,
    index: usize,
    threads: usize,
    row_groups: usize,
    out: &Sender<Piece>,
    recycled: &Receiver<Vec<MarketEvent>>,
) {
    let batch_rows = job.options.batch_rows;
    for group in (index..row_groups).step_by(threads.max(1)) {
        let mut reader = match EventReader::open(&job.file, &job.instrument, job.options) {
            Ok(reader) => reader,
            Err(err) => {
                let _ = out.send(Piece::Failed(err));
                return;
            }
        };
        reader.limit_to_row_group(group);
        let mut ready: Option<Vec<MarketEvent>> = None;
        loop {
            let mut batch = recycled
                .try_recv()
                .unwrap_or_else(|_| Vec::with_capacity(batch_rows));
            let sent = match reader.read_batch(&mut batch) {
                Ok(0) => {
                    let last = ready.take().map(|ready| Piece::Batch(ready, true));
                    let ok = last.is_none_or(|piece| out.send(piece).is_ok());
                    if !ok || out.send(Piece::End(reader.summary().clone())).is_err() {
                        return;
                    }
                    break;
                }
                Ok(_) => match ready.replace(batch) {
                    Some(previous) => out.send(Piece::Batch(previous, false)).is_ok(),
                    None => true,
                },
                Err(err) => {
                    if let Some(previous) = ready.take() {
                        let _ = out.send(Piece::Batch(previous, false));
                    }
                    let _ = out.send(Piece::Failed(err));
                    return;
                }
            };
            if !sent {
                return; // The loader thread is gone.
            }
        }
    }
}
