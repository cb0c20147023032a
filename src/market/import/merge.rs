//! Merging the inputs of one conversion into a single stream in exchange
//! time order, row by row, with an optional bounded reorder window.
//!
//! Each input is read one row ahead; the row with the earliest `exch_ts`
//! goes next. At equal time, trade-only inputs go first, then inputs in the
//! order given, and rows of one input keep their order, so a batch of
//! events that share a time is never split. An input that goes back in time
//! is an error naming its line, unless the reorder window covers the step:
//! rows are then held (at most the window's worth) and released in time
//! order.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::sink::DaySink;
use super::{EventSource, ImportError, RowRef};
use crate::market::MarketEvent;

/// A row waiting in the reorder window.
struct Held {
    exch_ts: i64,
    /// Arrival order, to keep rows of equal time in order.
    seq: u64,
    events: Vec<MarketEvent>,
}

impl PartialEq for Held {
    fn eq(&self, other: &Self) -> bool {
        (self.exch_ts, self.seq) == (other.exch_ts, other.seq)
    }
}
impl Eq for Held {}
impl PartialOrd for Held {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Held {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.exch_ts, self.seq).cmp(&(other.exch_ts, other.seq))
    }
}

/// How many merged rows pass between two progress reports.
const PROGRESS_EVERY_ROWS: u64 = 4096;

/// Rows read so far from all `sources` (skipped rows included).
fn rows_read(sources: &[Box<dyn EventSource>]) -> u64 {
    sources.iter().map(|s| s.summary().rows_read).sum()
}

/// Streams every source into `sink`; returns how many rows the reorder
/// window moved. `on_rows_read` hears the rows read so far from all
/// sources every few thousand rows, and once more at the end.
pub(crate) fn merge_into(
    sources: &mut [Box<dyn EventSource>],
    sink: &mut DaySink,
    reorder_window_ns: i64,
    on_rows_read: &mut dyn FnMut(u64),
) -> Result<u64, ImportError> {
    let mut heads: Vec<Option<(RowRef, Vec<MarketEvent>)>> = Vec::with_capacity(sources.len());
    for source in sources.iter_mut() {
        heads.push(read_head(source.as_mut(), Vec::new())?);
    }
    let mut window = ReorderWindow {
        window_ns: reorder_window_ns.max(0),
        held: BinaryHeap::new(),
        pool: Vec::new(),
        seq: 0,
        max_seen_ts: i64::MIN,
        last_written_ts: i64::MIN,
        reordered: 0,
    };
    let mut merged_rows = 0u64;
    loop {
        merged_rows += 1;
        if merged_rows.is_multiple_of(PROGRESS_EVERY_ROWS) {
            on_rows_read(rows_read(sources));
        }
        let next = heads
            .iter()
            .enumerate()
            .filter_map(|(index, head)| {
                let (_, events) = head.as_ref()?;
                let ts = events.first()?.exch_ts;
                Some((ts, !sources[index].is_trades(), index))
            })
            .min();
        let Some((_, _, index)) = next else { break };
        let Some((at, events)) = heads[index].take() else {
            break;
        };
        let spare = window.push(index, at, events, sources, sink)?;
        heads[index] = read_head(sources[index].as_mut(), spare)?;
    }
    window.drain(sink)?;
    on_rows_read(rows_read(sources));
    Ok(window.reordered)
}

fn read_head(
    source: &mut dyn EventSource,
    mut buffer: Vec<MarketEvent>,
) -> Result<Option<(RowRef, Vec<MarketEvent>)>, ImportError> {
    Ok(source.next_batch(&mut buffer)?.map(|at| (at, buffer)))
}

struct ReorderWindow {
    window_ns: i64,
    held: BinaryHeap<Reverse<Held>>,
    pool: Vec<Vec<MarketEvent>>,
    seq: u64,
    max_seen_ts: i64,
    last_written_ts: i64,
    reordered: u64,
}

impl ReorderWindow {
    /// Takes one row; returns an empty buffer for the next read.
    fn push(
        &mut self,
        source: usize,
        at: RowRef,
        mut events: Vec<MarketEvent>,
        sources: &[Box<dyn EventSource>],
        sink: &mut DaySink,
    ) -> Result<Vec<MarketEvent>, ImportError> {
        let exch_ts = events.first().map_or(i64::MIN, |ev| ev.exch_ts);
        if exch_ts < self.last_written_ts {
            return Err(ImportError::TimeBackwards {
                file: sources[source].file().to_owned(),
                at,
                exch_ts_ns: exch_ts,
                previous_exch_ts_ns: self.last_written_ts,
            });
        }
        if self.window_ns == 0 {
            self.last_written_ts = exch_ts;
            sink.write_batch(&mut events)?;
            events.clear();
            return Ok(events);
        }
        if exch_ts < self.max_seen_ts {
            self.reordered += 1;
        }
        self.max_seen_ts = self.max_seen_ts.max(exch_ts);
        self.held.push(Reverse(Held {
            exch_ts,
            seq: self.seq,
            events,
        }));
        self.seq += 1;
        let release_before = self.max_seen_ts.saturating_sub(self.window_ns);
        while self
            .held
            .peek()
            .is_some_and(|Reverse(held)| held.exch_ts <= release_before)
        {
            self.release_one(sink)?;
        }
        Ok(self.pool.pop().unwrap_or_default())
    }

    fn release_one(&mut self, sink: &mut DaySink) -> Result<(), ImportError> {
        if let Some(Reverse(mut held)) = self.held.pop() {
            self.last_written_ts = held.exch_ts;
            sink.write_batch(&mut held.events)?;
            held.events.clear();
            self.pool.push(held.events);
        }
        Ok(())
    }

    fn drain(&mut self, sink: &mut DaySink) -> Result<(), ImportError> {
        while !self.held.is_empty() {
            self.release_one(sink)?;
        }
        Ok(())
    }
}
