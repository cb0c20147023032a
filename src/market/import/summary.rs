//! What a conversion read, wrote and skipped, and why.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use super::ImportError;
use crate::market::parquet::WriteSummary;
use crate::market::Instrument;

/// Rows skipped for one reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// How many rows.
    pub rows: u64,
    /// The full message of the first one (with its line).
    pub first: String,
}

/// What one input file gave.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InputSummary {
    /// The input file.
    pub file: PathBuf,
    /// What the importer took it for (`tardis incremental_book_L2`, `dbn mbo`, ...).
    pub detected: String,
    /// Data rows (or DBN records) read, header lines not counted.
    pub rows_read: u64,
    /// Rows that produced at least one event.
    pub rows_converted: u64,
    /// Rows skipped by `--skip-bad`, by reason.
    pub skipped: BTreeMap<String, Skipped>,
    /// Rows converted with a caveat, or read without producing an event on
    /// purpose (a halt message, a DBN fill), by reason.
    pub notes: BTreeMap<String, u64>,
}

impl InputSummary {
    /// An empty summary for `file`.
    pub fn new(file: PathBuf, detected: impl Into<String>) -> Self {
        InputSummary {
            file,
            detected: detected.into(),
            ..Self::default()
        }
    }

    /// Counts a row skipped because of `err`.
    pub fn skip(&mut self, err: &ImportError) {
        let reason = err.skip_reason().unwrap_or_else(|| err.to_string());
        self.skipped
            .entry(reason)
            .and_modify(|s| s.rows += 1)
            .or_insert_with(|| Skipped {
                rows: 1,
                first: err.to_string(),
            });
    }

    /// Counts one row under `note`.
    pub fn note(&mut self, note: &str) {
        match self.notes.get_mut(note) {
            Some(count) => *count += 1,
            None => {
                self.notes.insert(note.to_owned(), 1);
            }
        }
    }

    /// Rows skipped, all reasons together.
    pub fn rows_skipped(&self) -> u64 {
        self.skipped.values().map(|s| s.rows).sum()
    }
}

/// What a whole conversion did.
#[derive(Debug, Clone, PartialEq)]
pub struct ConvertSummary {
    /// The instrument written to `instrument.toml`.
    pub instrument: Instrument,
    /// The `instrument.toml` written.
    pub instrument_file: PathBuf,
    /// One entry per input file, in the order given.
    pub inputs: Vec<InputSummary>,
    /// One entry per day file written, in day order.
    pub days: Vec<WriteSummary>,
    /// Events written, all days together.
    pub events_written: u64,
    /// Events written to open a day file with the book carried over from
    /// the previous day (so that each day replays on its own).
    pub carried_events: u64,
    /// Batches moved back into exchange-time order by the reorder window.
    pub reordered_batches: u64,
    /// Batches that ended with the rebuilt book crossed or locked (kept as
    /// the feed said: pre-open and auction books cross).
    pub crossed_batches: u64,
    /// Events whose `local_ts` is before their `exch_ts` (negative feed
    /// latency: the capture clock is behind the exchange's).
    pub local_before_exch: u64,
    /// Smallest `local_ts - exch_ts` seen, in ns.
    pub min_feed_latency_ns: Option<i64>,
    /// Wall-clock time of the conversion, in seconds.
    pub elapsed_secs: f64,
}

impl ConvertSummary {
    /// Data rows read, all inputs together.
    pub fn rows_read(&self) -> u64 {
        self.inputs.iter().map(|i| i.rows_read).sum()
    }

    /// Rows skipped, all inputs together.
    pub fn rows_skipped(&self) -> u64 {
        self.inputs.iter().map(InputSummary::rows_skipped).sum()
    }
}

impl fmt::Display for ConvertSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inst = &self.instrument;
        writeln!(
            f,
            "instrument {} (tick size {}, lot size {}) -> {}",
            inst.symbol,
            inst.tick_size,
            inst.lot_size,
            self.instrument_file.display()
        )?;
        for input in &self.inputs {
            writeln!(
                f,
                "{} [{}]: {} rows read, {} converted, {} skipped",
                input.file.display(),
                input.detected,
                input.rows_read,
                input.rows_converted,
                input.rows_skipped()
            )?;
            for (reason, skipped) in &input.skipped {
                writeln!(
                    f,
                    "  skipped {:>9} × {reason} (first: {})",
                    skipped.rows, skipped.first
                )?;
            }
            for (note, rows) in &input.notes {
                writeln!(f, "  note    {rows:>9} × {note}")?;
            }
        }
        for day in &self.days {
            writeln!(
                f,
                "wrote {} ({} events, {} bytes)",
                day.file.display(),
                day.rows,
                day.bytes
            )?;
        }
        let rate = if self.elapsed_secs > 0.0 {
            self.rows_read() as f64 / self.elapsed_secs
        } else {
            0.0
        };
        writeln!(
            f,
            "{} rows read, {} events written, {} rows skipped in {:.2} s ({:.0} rows/s)",
            self.rows_read(),
            self.events_written,
            self.rows_skipped(),
            self.elapsed_secs,
            rate
        )?;
        if self.carried_events > 0 {
            writeln!(
                f,
                "{} events carry the book over into the next day's file",
                self.carried_events
            )?;
        }
        if self.reordered_batches > 0 {
            writeln!(
                f,
                "{} batches reordered into exchange-time order",
                self.reordered_batches
            )?;
        }
        if self.crossed_batches > 0 {
            writeln!(
                f,
                "book crossed or locked at {} batch ends (kept as is: pre-open, auction or feed gap)",
                self.crossed_batches
            )?;
        }
        if self.local_before_exch > 0 {
            writeln!(
                f,
                "{} events have local_ts before exch_ts (min feed latency {} ns): the capture clock \
                 is behind the exchange's; --local-ts-shift-ns can correct it",
                self.local_before_exch,
                self.min_feed_latency_ns.unwrap_or(0)
            )?;
        }
        Ok(())
    }
}
