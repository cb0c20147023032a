//! Tardis.dev downloadable CSV files (plain or `.gz`), detected from the
//! header line:
//!
//! | Tardis file            | header has                         | canonical events |
//! |------------------------|------------------------------------|------------------|
//! | `incremental_book_L2`  | `is_snapshot,side,price,amount`    | `depth`; a run of `is_snapshot=true` rows is a `clear` then `snapshot` levels |
//! | `trades`               | `id,side,price,amount`             | `trade` (side = aggressor; `unknown` → none) |
//! | `quotes`, `book_ticker`| `ask_amount,ask_price,bid_price,bid_amount` | `bbo` bid then ask (an empty side → `clear` of that side) |
//! | `book_snapshot_N`      | `asks[0].price,...,bids[N-1].amount` | `clear` then N `snapshot` levels per side |
//!
//! `timestamp` (µs, exchange time) becomes `exch_ts` and `local_timestamp`
//! (µs, when Tardis's recorder received the message) becomes `local_ts`,
//! both in ns. `local_ts` may be before `exch_ts` (a recorder clock behind
//! the exchange's): it is kept as is and counted in the summary.
//!
//! Batches (`LAST_IN_BATCH` on the last event): in `incremental_book_L2`,
//! consecutive rows sharing `timestamp` and `local_timestamp` are one
//! update, and a whole run of snapshot rows is one batch (the book is not
//! consistent until the snapshot is complete). Every row of the other files
//! is a batch of its own. Amounts of 0 delete a level. Snapshot events (and
//! the clear that opens them) carry the SNAPSHOT flag.

use std::io::Read;
use std::path::{Path, PathBuf};

use csv::ByteRecord;

use super::sniff;
use super::source::{csv_reader, read_record, Fields};
use super::{EventSource, ImportError, InputSummary, RowRef};
use crate::market::{flags, EventKind, Instrument, MarketEvent, Side};

/// The Tardis data type of a file, with the positions of its columns.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Layout {
    IncrementalL2 {
        is_snapshot: usize,
        side: usize,
        price: usize,
        amount: usize,
    },
    Trades {
        side: usize,
        price: usize,
        amount: usize,
    },
    Quotes {
        ask_amount: usize,
        ask_price: usize,
        bid_price: usize,
        bid_amount: usize,
    },
    /// Column of `asks[i].price`, `asks[i].amount`, `bids[i].price`,
    /// `bids[i].amount` for each level i, and those column names.
    Snapshot {
        levels: Vec<[usize; 4]>,
        names: Vec<[String; 4]>,
    },
}

impl Layout {
    fn name(&self) -> String {
        match self {
            Layout::IncrementalL2 { .. } => "tardis incremental_book_L2".to_owned(),
            Layout::Trades { .. } => "tardis trades".to_owned(),
            Layout::Quotes { .. } => "tardis quotes".to_owned(),
            Layout::Snapshot { levels, .. } => format!("tardis book_snapshot_{}", levels.len()),
        }
    }
}

/// Columns every supported file has.
struct Common {
    timestamp: usize,
    local_timestamp: usize,
    symbol: Option<usize>,
}

fn detect(path: &Path, header: &ByteRecord) -> Result<(Common, Layout), ImportError> {
    let names: Vec<String> = header
        .iter()
        .map(|name| String::from_utf8_lossy(name.trim_ascii()).into_owned())
        .collect();
    let col = |name: &str| names.iter().position(|n| n == name);
    let listed = || shortened(&names.join(","));
    let (Some(timestamp), Some(local_timestamp)) = (col("timestamp"), col("local_timestamp"))
    else {
        return Err(ImportError::format(
            path,
            format!(
                "not a Tardis CSV: the header has no `timestamp` and `local_timestamp` columns (header: {})",
                listed()
            ),
        ));
    };
    let common = Common {
        timestamp,
        local_timestamp,
        symbol: col("symbol"),
    };
    let all = |wanted: &[&str]| {
        wanted
            .iter()
            .map(|w| col(w))
            .collect::<Option<Vec<usize>>>()
    };
    let layout = if let Some(c) = all(&["is_snapshot", "side", "price", "amount"]) {
        Layout::IncrementalL2 {
            is_snapshot: c[0],
            side: c[1],
            price: c[2],
            amount: c[3],
        }
    } else if let Some(c) = all(&["id", "side", "price", "amount"]) {
        Layout::Trades {
            side: c[1],
            price: c[2],
            amount: c[3],
        }
    } else if let Some(c) = all(&["ask_amount", "ask_price", "bid_price", "bid_amount"]) {
        Layout::Quotes {
            ask_amount: c[0],
            ask_price: c[1],
            bid_price: c[2],
            bid_amount: c[3],
        }
    } else if col("asks[0].price").is_some() {
        let mut levels = Vec::new();
        let mut names = Vec::new();
        loop {
            let level = levels.len();
            let level_names = [
                format!("asks[{level}].price"),
                format!("asks[{level}].amount"),
                format!("bids[{level}].price"),
                format!("bids[{level}].amount"),
            ];
            let Some(c) = all(&level_names.each_ref().map(String::as_str)) else {
                break;
            };
            levels.push([c[0], c[1], c[2], c[3]]);
            names.push(level_names);
        }
        Layout::Snapshot { levels, names }
    } else {
        return Err(ImportError::format(
            path,
            format!(
                "unsupported Tardis data type (supported: incremental_book_L2, trades, quotes, \
                 book_ticker, book_snapshot_N); header: {}",
                listed()
            ),
        ));
    };
    Ok((common, layout))
}

/// A header for an error message: at most 200 characters.
fn shortened(header: &str) -> String {
    const MAX_CHARS: usize = 200;
    if header.chars().count() <= MAX_CHARS {
        header.to_owned()
    } else {
        header.chars().take(MAX_CHARS).collect::<String>() + "…"
    }
}

/// Batch key of an `incremental_book_L2` row: a snapshot run is one batch,
/// other rows group by (timestamp, local_timestamp).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BatchKey {
    Snapshot,
    Update(i64, i64),
}

/// Events from one Tardis CSV file.
pub struct TardisSource {
    path: PathBuf,
    reader: csv::Reader<Box<dyn Read + Send>>,
    record: ByteRecord,
    common: Common,
    layout: Layout,
    instrument: Instrument,
    skip_bad: bool,
    summary: InputSummary,
    symbol: Option<Vec<u8>>,
    /// `incremental_book_L2`: the row read one ahead, its key and line.
    pending: Vec<MarketEvent>,
    pending_key: Option<BatchKey>,
    pending_at: RowRef,
    scratch: Vec<MarketEvent>,
    in_snapshot: bool,
    is_done: bool,
}

impl TardisSource {
    /// Opens `path` and detects its data type from the header.
    pub fn open(path: &Path, instrument: &Instrument, skip_bad: bool) -> Result<Self, ImportError> {
        if let Some(what) = sniff::binary_format(path) {
            return Err(ImportError::format(
                path,
                format!("not a Tardis CSV: the file looks like {what}"),
            ));
        }
        let mut reader = csv_reader(path)?;
        let mut record = ByteRecord::new();
        if !read_record(&mut reader, &mut record, path)? {
            return Err(ImportError::format(path, "empty file: no header line"));
        }
        let (common, layout) = detect(path, &record)?;
        Ok(TardisSource {
            summary: InputSummary::new(path.to_owned(), layout.name()),
            path: path.to_owned(),
            reader,
            record,
            common,
            layout,
            instrument: instrument.clone(),
            skip_bad,
            symbol: None,
            pending: Vec::new(),
            pending_key: None,
            pending_at: RowRef::Line(0),
            scratch: Vec::new(),
            in_snapshot: false,
            is_done: false,
        })
    }

    /// Converts the current record into `out`; returns its batch key
    /// (`None` for files whose rows are batches of their own).
    fn convert_row(&mut self, out: &mut Vec<MarketEvent>) -> Result<Option<BatchKey>, ImportError> {
        out.clear();
        let row = Fields::new(&self.path, &self.record);
        if let Some(index) = self.common.symbol {
            let symbol = row.raw(index, "symbol")?;
            match &self.symbol {
                None => self.symbol = Some(symbol.to_vec()),
                Some(first) if first.as_slice() != symbol => {
                    return Err(row.error(
                        "symbol",
                        symbol,
                        format!(
                            "the file holds several symbols (the first row's is {:?})",
                            String::from_utf8_lossy(first)
                        ),
                    ));
                }
                Some(_) => {}
            }
        }
        let exch_ts = row.scaled(self.common.timestamp, "timestamp", 3)?;
        let local_ts = row.scaled(self.common.local_timestamp, "local_timestamp", 3)?;
        let base = MarketEvent {
            exch_ts,
            local_ts,
            ..MarketEvent::default()
        };
        let inst = &self.instrument;
        match &self.layout {
            Layout::IncrementalL2 {
                is_snapshot,
                side,
                price,
                amount,
            } => {
                let raw = row.raw(*is_snapshot, "is_snapshot")?;
                let is_snapshot = if raw.eq_ignore_ascii_case(b"true") {
                    true
                } else if raw.eq_ignore_ascii_case(b"false") {
                    false
                } else {
                    return Err(row.error("is_snapshot", raw, "expected true or false"));
                };
                let side = book_side(&row, *side)?;
                let price = row.ticks(*price, "price", inst)?;
                let qty = row.lots(*amount, "amount", inst)?;
                if is_snapshot && !self.in_snapshot {
                    out.push(MarketEvent {
                        kind: EventKind::Clear,
                        side: Side::None,
                        flags: flags::SNAPSHOT,
                        ..base
                    });
                }
                self.in_snapshot = is_snapshot;
                let (kind, flag) = if is_snapshot {
                    (EventKind::Snapshot, flags::SNAPSHOT)
                } else {
                    (EventKind::Depth, 0)
                };
                out.push(MarketEvent {
                    kind,
                    side,
                    price,
                    qty,
                    flags: flag,
                    ..base
                });
                return Ok(Some(if is_snapshot {
                    BatchKey::Snapshot
                } else {
                    BatchKey::Update(exch_ts, local_ts)
                }));
            }
            Layout::Trades {
                side,
                price,
                amount,
            } => {
                let raw = row.raw(*side, "side")?;
                let side = Side::from_bytes(raw)
                    .ok_or_else(|| row.error("side", raw, "expected buy, sell or unknown"))?;
                out.push(MarketEvent {
                    kind: EventKind::Trade,
                    side,
                    price: row.ticks(*price, "price", inst)?,
                    qty: row.lots(*amount, "amount", inst)?,
                    ..base
                });
            }
            Layout::Quotes {
                ask_amount,
                ask_price,
                bid_price,
                bid_amount,
            } => {
                for (side, price, amount, price_name, amount_name) in [
                    (
                        Side::Buy,
                        *bid_price,
                        *bid_amount,
                        "bid_price",
                        "bid_amount",
                    ),
                    (
                        Side::Sell,
                        *ask_price,
                        *ask_amount,
                        "ask_price",
                        "ask_amount",
                    ),
                ] {
                    if row.raw(price, price_name)?.is_empty() {
                        out.push(MarketEvent {
                            kind: EventKind::Clear,
                            side,
                            ..base
                        });
                    } else {
                        out.push(MarketEvent {
                            kind: EventKind::Bbo,
                            side,
                            price: row.ticks(price, price_name, inst)?,
                            qty: row.lots(amount, amount_name, inst)?,
                            ..base
                        });
                    }
                }
            }
            Layout::Snapshot { levels, names } => {
                let snapshot = MarketEvent {
                    flags: flags::SNAPSHOT,
                    ..base
                };
                out.push(MarketEvent {
                    kind: EventKind::Clear,
                    side: Side::None,
                    ..snapshot
                });
                for (side, offset) in [(Side::Buy, 2), (Side::Sell, 0)] {
                    for (columns, level_names) in levels.iter().zip(names) {
                        let (price, amount) = (columns[offset], columns[offset + 1]);
                        let (price_name, amount_name) =
                            (&level_names[offset], &level_names[offset + 1]);
                        if row.raw(price, price_name)?.is_empty() {
                            continue;
                        }
                        out.push(MarketEvent {
                            kind: EventKind::Snapshot,
                            side,
                            price: row.ticks(price, price_name, inst)?,
                            qty: row.lots(amount, amount_name, inst)?,
                            ..snapshot
                        });
                    }
                }
            }
        }
        if let Some(last) = out.last_mut() {
            last.flags |= flags::LAST_IN_BATCH;
        }
        Ok(None)
    }

    /// Reads and converts the next row into `scratch`; `Ok(None)` at the end.
    fn next_row(&mut self) -> Result<Option<(RowRef, Option<BatchKey>)>, ImportError> {
        loop {
            if !read_record(&mut self.reader, &mut self.record, &self.path)? {
                return Ok(None);
            }
            if self.record.len() == 1 && self.record.get(0).is_some_and(<[u8]>::is_empty) {
                continue; // blank line
            }
            self.summary.rows_read += 1;
            let at = RowRef::Line(super::source::record_line(&self.record));
            let mut scratch = std::mem::take(&mut self.scratch);
            let result = self.convert_row(&mut scratch);
            self.scratch = scratch;
            match result {
                Ok(key) => {
                    self.summary.rows_converted += 1;
                    return Ok(Some((at, key)));
                }
                Err(err) if self.skip_bad && err.skip_reason().is_some() => self.summary.skip(&err),
                Err(err) => return Err(err),
            }
        }
    }
}

fn book_side(row: &Fields<'_>, index: usize) -> Result<Side, ImportError> {
    let raw = row.raw(index, "side")?;
    match Side::from_bytes(raw) {
        Some(side @ (Side::Buy | Side::Sell)) => Ok(side),
        _ => Err(row.error("side", raw, "expected bid or ask")),
    }
}

impl EventSource for TardisSource {
    fn next_batch(&mut self, out: &mut Vec<MarketEvent>) -> Result<Option<RowRef>, ImportError> {
        loop {
            if self.is_done {
                if self.pending.is_empty() {
                    return Ok(None);
                }
                if let Some(last) = self.pending.last_mut() {
                    last.flags |= flags::LAST_IN_BATCH;
                }
                out.clear();
                std::mem::swap(out, &mut self.pending);
                return Ok(Some(self.pending_at));
            }
            let Some((at, key)) = self.next_row()? else {
                self.is_done = true;
                continue;
            };
            let Some(key) = key else {
                // A row that is a whole batch: no look-ahead needed.
                out.clear();
                std::mem::swap(out, &mut self.scratch);
                return Ok(Some(at));
            };
            let previous_key = self.pending_key.replace(key);
            let previous_at = std::mem::replace(&mut self.pending_at, at);
            std::mem::swap(&mut self.pending, &mut self.scratch);
            if previous_key.is_none() {
                continue; // the first row: wait for the next to place the batch end
            }
            // `scratch` now holds the previous row; it ends a batch when the
            // new row starts another.
            if previous_key != Some(key) {
                if let Some(last) = self.scratch.last_mut() {
                    last.flags |= flags::LAST_IN_BATCH;
                }
            }
            out.clear();
            std::mem::swap(out, &mut self.scratch);
            return Ok(Some(previous_at));
        }
    }

    fn file(&self) -> &Path {
        &self.path
    }

    fn summary(&self) -> &InputSummary {
        &self.summary
    }

    fn is_trades(&self) -> bool {
        matches!(self.layout, Layout::Trades { .. })
    }
}
