//! Reading a canonical Parquet file into events on the current thread, a
//! batch at a time: decode, convert to ticks and lots, validate.

use std::fs::File;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use parquet::file::reader::FileReader;
use parquet::file::serialized_reader::SerializedFileReader;

use super::columns::RowGroupColumns;
use super::convert::{convert_batch, At, Scratch, TimeCheck};
use super::schema::Layout;
use super::DataError;
use crate::market::{flags, EventKind, Instrument, MarketEvent};

/// What to do with an event whose `local_ts` is before its `exch_ts` (the
/// feed saw it before the exchange sent it: a clock problem in the data).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum LocalTsPolicy {
    /// Stop with [`DataError::LocalBeforeExchange`].
    #[default]
    Error,
    /// Keep the event, count it in [`ReadSummary`] and go on.
    Warn,
}

/// How to read a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ReadOptions {
    /// Events per batch (at least 2); memory use is bounded by this, not by
    /// the file size. Default 32768.
    pub batch_rows: usize,
    /// What to do with `local_ts < exch_ts`. Default: error.
    pub local_ts_policy: LocalTsPolicy,
    /// Batches the loader thread may decode ahead of the consumer
    /// ([`super::Loader`] only). Default 4.
    pub queued_batches: usize,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            batch_rows: 32_768,
            local_ts_policy: LocalTsPolicy::Error,
            queued_batches: 4,
        }
    }
}

impl ReadOptions {
    /// The same options with `local_ts_policy` set to warn.
    #[must_use]
    pub fn warn_on_local_ts(mut self) -> Self {
        self.local_ts_policy = LocalTsPolicy::Warn;
        self
    }

    /// The same options with another batch size.
    #[must_use]
    pub fn with_batch_rows(mut self, batch_rows: usize) -> Self {
        self.batch_rows = batch_rows;
        self
    }
}

/// A check of the decoded events that needs more than one row at a time
/// (such as the book they build), run in file order on the thread that
/// decodes them: it is handed the file, the 0-based file row of
/// `events[0]` and the events. An error ends the read as a bad value does.
pub type BatchCheck = Box<dyn FnMut(&Path, u64, &[MarketEvent]) -> Result<(), DataError> + Send>;

/// What a read found, besides the events.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadSummary {
    /// Rows decoded so far (all of them once the reader is done).
    pub rows: u64,
    /// Row groups opened so far.
    pub row_groups: usize,
    /// True when the file has no `flags` column and `LAST_IN_BATCH` was
    /// inferred from changes of `exch_ts` (and `SNAPSHOT` from the kind).
    pub flags_inferred: bool,
    /// Events kept with `local_ts < exch_ts` under [`LocalTsPolicy::Warn`].
    pub local_before_exch: u64,
    /// 0-based file row of the first such event.
    pub first_local_before_exch_row: Option<u64>,
}

/// Opens a Parquet file's footer; 0-byte, truncated and corrupt files are errors.
pub(crate) fn open_parquet(path: &Path) -> Result<SerializedFileReader<File>, DataError> {
    let io = |source| DataError::Io {
        file: path.to_owned(),
        source,
    };
    let file = File::open(path).map_err(io)?;
    if file.metadata().map_err(io)?.len() == 0 {
        return Err(DataError::Empty {
            file: path.to_owned(),
            what: "0 bytes",
        });
    }
    // The footer decoder is not trusted not to panic on hostile bytes.
    match panic::catch_unwind(AssertUnwindSafe(|| SerializedFileReader::new(file))) {
        Ok(Ok(reader)) => Ok(reader),
        Ok(Err(err)) => Err(DataError::Corrupt {
            file: path.to_owned(),
            reason: err.to_string(),
        }),
        Err(payload) => Err(DataError::Corrupt {
            file: path.to_owned(),
            reason: panic_message(payload.as_ref()),
        }),
    }
}

pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "the decoder failed".to_owned()
    }
}

/// Reads the events of one canonical Parquet file in batches, on the
/// current thread.
///
/// Row groups are decoded a batch at a time, so memory is bounded by
/// [`ReadOptions::batch_rows`]. After an error, or once the file is
/// exhausted, [`EventReader::read_batch`] returns 0.
pub struct EventReader {
    file: PathBuf,
    instrument: Instrument,
    options: ReadOptions,
    reader: SerializedFileReader<File>,
    layout: Layout,
    total_rows: u64,
    next_row_group: usize,
    /// One past the last row group read (all of them unless limited).
    end_row_group: usize,
    columns: Option<RowGroupColumns>,
    next_row: u64,
    times: TimeCheck,
    scratch: Scratch,
    /// With inferred flags: the last event decoded, whose flag depends on
    /// the next row.
    pending: Option<MarketEvent>,
    /// Rows handed out so far: the file row of the next batch's first event.
    handed_rows: u64,
    check: Option<BatchCheck>,
    finished: bool,
    summary: ReadSummary,
}

impl EventReader {
    /// Opens a file and checks its schema; converts with `instrument`'s grid.
    pub fn open(
        path: impl AsRef<Path>,
        instrument: &Instrument,
        options: ReadOptions,
    ) -> Result<Self, DataError> {
        let path = path.as_ref();
        let reader = open_parquet(path)?;
        let metadata = reader.metadata();
        let layout = Layout::from_schema(metadata.file_metadata().schema_descr(), path)?;
        let row_groups = metadata.num_row_groups();
        let total_rows: u64 = metadata
            .row_groups()
            .iter()
            .map(|rg| u64::try_from(rg.num_rows()).unwrap_or(0))
            .sum();
        if total_rows == 0 {
            return Err(DataError::Empty {
                file: path.to_owned(),
                what: "0 rows",
            });
        }
        let policy = options.local_ts_policy;
        Ok(EventReader {
            file: path.to_owned(),
            instrument: instrument.clone(),
            summary: ReadSummary {
                flags_inferred: layout.flags.is_none(),
                ..ReadSummary::default()
            },
            options,
            reader,
            layout,
            total_rows,
            next_row_group: 0,
            end_row_group: row_groups,
            columns: None,
            next_row: 0,
            times: TimeCheck {
                prev_exch_ts_ns: i64::MIN,
                policy,
                local_before_exch: 0,
                first_local_before_exch_row: None,
            },
            scratch: Scratch::default(),
            pending: None,
            handed_rows: 0,
            check: None,
            finished: false,
        })
    }

    /// True when a check runs on every batch (see [`EventReader::with_check`]).
    pub fn has_check(&self) -> bool {
        self.check.is_some()
    }

    /// Takes the check out, for a caller that runs it on the batches
    /// itself (in file order).
    pub(crate) fn take_check(&mut self) -> Option<BatchCheck> {
        self.check.take()
    }

    /// Runs `check` on every batch before it is handed out.
    #[must_use]
    pub fn with_check(mut self, check: BatchCheck) -> Self {
        self.check = Some(check);
        self
    }

    /// The file being read.
    pub fn file(&self) -> &Path {
        &self.file
    }

    /// The instrument whose grid converts prices and quantities.
    pub fn instrument(&self) -> &Instrument {
        &self.instrument
    }

    /// Rows in the file, from its metadata.
    pub fn total_rows(&self) -> u64 {
        self.total_rows
    }

    /// Row groups in the file.
    pub(crate) fn row_group_count(&self) -> usize {
        self.reader.num_row_groups()
    }

    /// The file row of the first row of each row group.
    pub(crate) fn row_group_first_rows(&self) -> Vec<u64> {
        let mut first = 0u64;
        self.reader
            .metadata()
            .row_groups()
            .iter()
            .map(|rg| {
                let at = first;
                first += u64::try_from(rg.num_rows()).unwrap_or(0);
                at
            })
            .collect()
    }

    /// Reads only row group `index` (0-based): its rows keep their row
    /// numbers in the file, and its last event ends the data (the loader
    /// stitches row groups decoded on several threads).
    pub(crate) fn limit_to_row_group(&mut self, index: usize) {
        let metadata = self.reader.metadata();
        self.next_row = (0..index.min(metadata.num_row_groups()))
            .map(|rg| u64::try_from(metadata.row_group(rg).num_rows()).unwrap_or(0))
            .sum();
        self.next_row_group = index;
        self.end_row_group = (index + 1).min(metadata.num_row_groups());
    }

    /// The options the reader was opened with.
    pub fn options(&self) -> &ReadOptions {
        &self.options
    }

    /// What has been read so far.
    pub fn summary(&self) -> &ReadSummary {
        &self.summary
    }

    /// Replaces the contents of `out` with the next events; returns how many
    /// (0 at the end of the file, and after an error).
    pub fn read_batch(&mut self, out: &mut Vec<MarketEvent>) -> Result<usize, DataError> {
        out.clear();
        if self.finished {
            return Ok(0);
        }
        // A page decoder that panics on corrupt bytes is turned into an error.
        let filled = panic::catch_unwind(AssertUnwindSafe(|| self.fill(out)));
        let failure = match filled.map(|filled| filled.and_then(|()| self.run_check(out))) {
            Ok(Ok(())) => return Ok(out.len()),
            Ok(Err(err)) => err,
            Err(payload) => DataError::Decode {
                file: self.file.clone(),
                row: self.next_row,
                column: "?",
                reason: panic_message(payload.as_ref()),
            },
        };
        self.finished = true;
        self.columns = None;
        out.clear();
        Err(failure)
    }

    /// Iterates over single events, decoding a batch at a time.
    pub fn into_events(self) -> Events {
        Events {
            reader: self,
            batch: Vec::new(),
            next: 0,
        }
    }

    /// Runs the check, if any, on the batch about to be handed out.
    fn run_check(&mut self, out: &[MarketEvent]) -> Result<(), DataError> {
        let first_row = self.handed_rows;
        self.handed_rows += out.len() as u64;
        match &mut self.check {
            Some(check) if !out.is_empty() => check(&self.file, first_row, out),
            _ => Ok(()),
        }
    }

    fn fill(&mut self, out: &mut Vec<MarketEvent>) -> Result<(), DataError> {
        let inferring = self.layout.flags.is_none();
        // Inferring needs one event held back, so a batch holds at least 2.
        let target = self.options.batch_rows.max(2);
        if let Some(pending) = self.pending.take() {
            out.push(pending);
        }
        while out.len() < target {
            let rows_left = self.columns.as_ref().map_or(0, |c| c.rows_left);
            if rows_left == 0 {
                if self.next_row_group >= self.end_row_group {
                    if let (true, Some(last)) = (inferring, out.last_mut()) {
                        last.flags |= flags::LAST_IN_BATCH;
                    }
                    self.finished = true;
                    self.columns = None;
                    return Ok(());
                }
                self.open_row_group()?;
                continue;
            }
            let rows = (target - out.len()).min(usize::try_from(rows_left).unwrap_or(usize::MAX));
            let start = out.len();
            self.decode(rows, out)?;
            if inferring {
                infer_flags(&mut out[start.saturating_sub(1)..]);
            }
            self.next_row += rows as u64;
            self.summary.rows += rows as u64;
        }
        if inferring {
            self.pending = out.pop();
        }
        Ok(())
    }

    fn open_row_group(&mut self) -> Result<(), DataError> {
        let index = self.next_row_group;
        let row_group = self
            .reader
            .get_row_group(index)
            .map_err(|err| DataError::Decode {
                file: self.file.clone(),
                row: self.next_row,
                column: "?",
                reason: format!("row group {index}: {err}"),
            })?;
        let columns = RowGroupColumns::open(row_group.as_ref(), &self.layout).map_err(
            |(column, reason)| DataError::Decode {
                file: self.file.clone(),
                row: self.next_row,
                column,
                reason,
            },
        )?;
        self.columns = Some(columns);
        self.next_row_group += 1;
        self.summary.row_groups += 1;
        Ok(())
    }

    /// Decodes the next `rows` rows of the current row group onto `out`.
    fn decode(&mut self, rows: usize, out: &mut Vec<MarketEvent>) -> Result<(), DataError> {
        let at = At {
            file: &self.file,
            first_row: self.next_row,
        };
        let Some(columns) = self.columns.as_mut() else {
            return Ok(());
        };
        columns
            .read(rows)
            .map_err(|(column, reason)| DataError::Decode {
                file: self.file.clone(),
                row: self.next_row,
                column,
                reason,
            })?;
        convert_batch(
            columns,
            &self.layout,
            &self.instrument,
            &mut self.scratch,
            &mut self.times,
            out,
            at,
        )?;
        self.summary.local_before_exch = self.times.local_before_exch;
        self.summary.first_local_before_exch_row = self.times.first_local_before_exch_row;
        Ok(())
    }
}

/// Sets the flags of `events[..len - 1]` from the next event's `exch_ts`;
/// the last one is decided when its successor is known.
fn infer_flags(events: &mut [MarketEvent]) {
    for index in 1..events.len() {
        let next_exch_ts = events[index].exch_ts;
        let event = &mut events[index - 1];
        let mut bits = 0;
        if event.exch_ts != next_exch_ts {
            bits |= flags::LAST_IN_BATCH;
        }
        if event.kind == EventKind::Snapshot {
            bits |= flags::SNAPSHOT;
        }
        event.flags = bits;
    }
    if let Some(last) = events.last_mut() {
        last.flags = if last.kind == EventKind::Snapshot {
            flags::SNAPSHOT
        } else {
            0
        };
    }
}

/// Single events of a file, decoded a batch at a time
/// (see [`EventReader::into_events`]). Ends after the first error.
pub struct Events {
    reader: EventReader,
    batch: Vec<MarketEvent>,
    next: usize,
}

impl Events {
    /// What has been read so far.
    pub fn summary(&self) -> &ReadSummary {
        self.reader.summary()
    }
}

impl Iterator for Events {
    type Item = Result<MarketEvent, DataError>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(event) = self.batch.get(self.next) {
            self.next += 1;
            return Some(Ok(*event));
        }
        match self.reader.read_batch(&mut self.batch) {
            Ok(0) => None,
            Ok(_) => {
                self.next = 1;
                self.batch.first().copied().map(Ok)
            }
            Err(err) => Some(Err(err)),
        }
    }
}

/// Reads a whole file into memory (for tests, tools and small files).
pub fn read_events(
    path: impl AsRef<Path>,
    instrument: &Instrument,
    options: ReadOptions,
) -> Result<(Vec<MarketEvent>, ReadSummary), DataError> {
    let mut reader = EventReader::open(path, instrument, options)?;
    let mut events = Vec::with_capacity(usize::try_from(reader.total_rows()).unwrap_or(0));
    let mut batch = Vec::new();
    while reader.read_batch(&mut batch)? > 0 {
        events.extend_from_slice(&batch);
    }
    Ok((events, reader.summary().clone()))
}
