//! hftbacktest's `.npz` event files: a zip holding `data.npy`, a
//! one-dimensional array of hftbacktest's `event_dtype` records (`ev` u64,
//! `exch_ts` i64, `local_ts` i64, `px` f64, `qty` f64, `order_id` u64,
//! `ival` i64, `fval` f64; 64 bytes), read record by record.
//!
//! **`ev`** holds the event kind in its low byte and flag bits above:
//!
//! | `ev & 0xff` | hftbacktest            | canonical |
//! |-------------|------------------------|-----------|
//! | 1           | `DEPTH_EVENT`          | `depth` (qty 0 deletes) |
//! | 2           | `TRADE_EVENT`          | `trade` (side = the initiator's) |
//! | 3           | `DEPTH_CLEAR_EVENT`    | `clear` of the side, or `depth` 0 for each level up to `px` (see below) |
//! | 4           | `DEPTH_SNAPSHOT_EVENT` | `snapshot` (SNAPSHOT flag) |
//! | 5           | `DEPTH_BBO_EVENT`      | `bbo` |
//! | 10–13       | add, cancel, modify, fill order | `add`, `cancel`, `modify`, `fill` (with `order_id`) |
//!
//! Bit 29 (`BUY_EVENT`) is the bid side or a buyer-initiated trade, bit 28
//! (`SELL_EVENT`) the ask side or a seller; neither is `none`. Bit 31
//! (`EXCH_EVENT`) and bit 30 (`LOCAL_EVENT`) say which of hftbacktest's
//! processors sees the row: `correct_event_order` writes a row once with
//! both bits when exchange and local order agree, and twice (one row each)
//! when they do not. A row with only `LOCAL_EVENT` repeats one that the
//! exchange side has and is left out (counted); rows with neither bit
//! (a converter's raw output) are kept. Other kinds (custom events such as
//! mark price, 100 and above) are left out and counted.
//!
//! **Clears.** hftbacktest's `DEPTH_CLEAR_EVENT` with a price clears one side
//! from the best level to `px` (bids at or above it, asks at or below it),
//! keeping deeper levels; the converters write one before every snapshot.
//! The importer keeps its own book and writes that as a `depth` 0 for each
//! level it removes; a clear without a finite price, or of both sides, is a
//! canonical `clear`.
//!
//! **Time.** `exch_ts` and `local_ts` are ns in today's hftbacktest and µs
//! in older files: the unit is read from the size of the first `exch_ts`
//! (≥ 10^17: ns; ≥ 10^14: µs; ≥ 10^11: ms) and said in the summary.
//! Consecutive rows with the same `exch_ts` are one batch.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::npy::{read_header, NpyHeader};
use super::source::grid_problem;
use super::{EventSource, ImportError, InputSummary, RowRef};
use crate::market::{flags, EventKind, Instrument, MarketEvent, Side};

const BUY_EVENT: u64 = 1 << 29;
const SELL_EVENT: u64 = 1 << 28;
const EXCH_EVENT: u64 = 1 << 31;
const LOCAL_EVENT: u64 = 1 << 30;

/// Byte offsets of the fields read from each record.
struct Offsets {
    ev: usize,
    exch_ts: usize,
    local_ts: usize,
    px: usize,
    qty: usize,
    order_id: Option<usize>,
}

impl Offsets {
    fn from_header(path: &Path, header: &NpyHeader) -> Result<Self, ImportError> {
        let field = |name: &str, codes: &[&str]| -> Result<usize, ImportError> {
            let field = header.fields.get(name).ok_or_else(|| {
                ImportError::format(
                    path,
                    format!(
                        "the array has no `{name}` field (fields: {}): not hftbacktest's event_dtype",
                        header.fields.keys().cloned().collect::<Vec<_>>().join(", ")
                    ),
                )
            })?;
            if !codes.contains(&field.code.as_str()) || field.offset + 8 > header.itemsize {
                return Err(ImportError::format(
                    path,
                    format!(
                        "field `{name}` has type {}, expected {}",
                        field.code,
                        codes.join(" or ")
                    ),
                ));
            }
            Ok(field.offset)
        };
        Ok(Offsets {
            ev: field("ev", &["u8", "i8"])?,
            exch_ts: field("exch_ts", &["i8", "u8"])?,
            local_ts: field("local_ts", &["i8", "u8"])?,
            px: field("px", &["f8"])?,
            qty: field("qty", &["f8"])?,
            order_id: if header.fields.contains_key("order_id") {
                Some(field("order_id", &["u8", "i8"])?)
            } else {
                None
            },
        })
    }
}

/// One record, as read.
#[derive(Clone, Copy)]
struct Row {
    ev: u64,
    exch_ts: i64,
    local_ts: i64,
    px: f64,
    qty: f64,
    order_id: u64,
}

/// Events from one hftbacktest `.npz` (or `.npy`) file.
pub struct NpzSource {
    file: PathBuf,
    reader: Box<dyn Read + Send>,
    header: NpyHeader,
    offsets: Offsets,
    record: Vec<u8>,
    next_record: u64,
    ns_per_unit: Option<i64>,
    instrument: Instrument,
    skip_bad: bool,
    summary: InputSummary,
    /// The importer's L2 book, for clears up to a price.
    bids: BTreeMap<i64, i64>,
    asks: BTreeMap<i64, i64>,
    /// The batch being gathered and the record it starts at.
    pending: Vec<MarketEvent>,
    pending_at: RowRef,
}

impl NpzSource {
    /// Opens an `.npz` (its first `.npy` entry) or a bare `.npy` file.
    pub fn open(path: &Path, instrument: &Instrument, skip_bad: bool) -> Result<Self, ImportError> {
        let (mut reader, entry): (Box<dyn Read + Send>, String) = if super::zip_input::is_zip(path)?
        {
            super::zip_input::open_entry(path, ".npy")?
        } else {
            let file = std::fs::File::open(path).map_err(|err| ImportError::io(path, err))?;
            (Box::new(std::io::BufReader::new(file)), String::new())
        };
        let header = read_header(&mut reader).map_err(|reason| {
            if let Some(what) = super::sniff::binary_format(path).filter(|_| entry.is_empty()) {
                ImportError::format(
                    path,
                    format!("not an .npz or .npy file: it looks like {what}"),
                )
            } else {
                ImportError::format(path, reason)
            }
        })?;
        let offsets = Offsets::from_header(path, &header)?;
        let detected = format!(
            "hftbacktest npz{} ({} events)",
            if entry.is_empty() {
                String::new()
            } else {
                format!(" {entry}")
            },
            header.len
        );
        Ok(NpzSource {
            file: path.to_owned(),
            reader,
            record: vec![0; header.itemsize],
            header,
            offsets,
            next_record: 0,
            ns_per_unit: None,
            instrument: instrument.clone(),
            skip_bad,
            summary: InputSummary::new(path.to_owned(), detected),
            bids: BTreeMap::new(),
            asks: BTreeMap::new(),
            pending: Vec::new(),
            pending_at: RowRef::Record(0),
        })
    }

    /// Reads the next record; `None` after the last.
    fn read_row(&mut self) -> Result<Option<Row>, ImportError> {
        if self.next_record >= self.header.len {
            return Ok(None);
        }
        self.reader.read_exact(&mut self.record).map_err(|err| {
            ImportError::format(
                &self.file,
                format!(
                    "record {}: the array ends early ({} of {} records): {err}",
                    self.next_record + 1,
                    self.next_record,
                    self.header.len
                ),
            )
        })?;
        self.next_record += 1;
        let word = |offset: usize| {
            let mut bytes = [0u8; 8];
            bytes.copy_from_slice(&self.record[offset..offset + 8]);
            bytes
        };
        let o = &self.offsets;
        Ok(Some(Row {
            ev: u64::from_le_bytes(word(o.ev)),
            exch_ts: i64::from_le_bytes(word(o.exch_ts)),
            local_ts: i64::from_le_bytes(word(o.local_ts)),
            px: f64::from_le_bytes(word(o.px)),
            qty: f64::from_le_bytes(word(o.qty)),
            order_id: o.order_id.map_or(0, |at| u64::from_le_bytes(word(at))),
        }))
    }

    fn error(&self, field: &str, value: String, problem: impl Into<String>) -> ImportError {
        ImportError::row(
            &self.file,
            RowRef::Record(self.next_record),
            field,
            value,
            problem,
        )
    }

    fn scale_ts(&mut self, field: &str, value: i64) -> Result<i64, ImportError> {
        let ns_per_unit = match self.ns_per_unit {
            Some(unit) => unit,
            None => {
                let unit = match value.unsigned_abs() {
                    v if v >= 100_000_000_000_000_000 => 1,
                    v if v >= 100_000_000_000_000 => 1_000,
                    v if v >= 100_000_000_000 => 1_000_000,
                    _ => {
                        return Err(self.error(
                            field,
                            value.to_string(),
                            "not a time since the epoch in ns, µs or ms",
                        ))
                    }
                };
                self.summary.detected.push_str(match unit {
                    1 => ", timestamps in ns",
                    1_000 => ", timestamps in µs",
                    _ => ", timestamps in ms",
                });
                self.ns_per_unit = Some(unit);
                unit
            }
        };
        value
            .checked_mul(ns_per_unit)
            .ok_or_else(|| self.error(field, value.to_string(), "out of range"))
    }

    /// Converts one record into `out` (nothing for rows left out).
    fn convert(&mut self, row: Row, out: &mut Vec<MarketEvent>) -> Result<(), ImportError> {
        if row.ev & LOCAL_EVENT != 0 && row.ev & EXCH_EVENT == 0 {
            self.summary
                .note("local-only row (LOCAL_EVENT without EXCH_EVENT): repeats an exchange row, left out");
            return Ok(());
        }
        let kind = match row.ev & 0xff {
            1 => EventKind::Depth,
            2 => EventKind::Trade,
            3 => EventKind::Clear,
            4 => EventKind::Snapshot,
            5 => EventKind::Bbo,
            10 => EventKind::Add,
            11 => EventKind::Cancel,
            12 => EventKind::Modify,
            13 => EventKind::Fill,
            other => {
                self.summary.note(&format!(
                    "event kind {other} (custom or not a market event): left out"
                ));
                return Ok(());
            }
        };
        let side = match (row.ev & BUY_EVENT != 0, row.ev & SELL_EVENT != 0) {
            (true, false) => Side::Buy,
            (false, true) => Side::Sell,
            (false, false) => Side::None,
            (true, true) => {
                return Err(self.error(
                    "ev",
                    format!("{:#x}", row.ev),
                    "both BUY_EVENT and SELL_EVENT",
                ))
            }
        };
        let exch_ts = self.scale_ts("exch_ts", row.exch_ts)?;
        let local_ts = self.scale_ts("local_ts", row.local_ts)?;
        let base = MarketEvent {
            exch_ts,
            local_ts,
            kind,
            side,
            ..MarketEvent::default()
        };
        if kind == EventKind::Clear {
            return self.clear(row, base, out);
        }
        let price = self
            .instrument
            .ticks_from_price(row.px)
            .map_err(|err| self.error("px", row.px.to_string(), grid_problem(&err)))?;
        let qty = self
            .instrument
            .lots_from_qty(row.qty)
            .map_err(|err| self.error("qty", row.qty.to_string(), grid_problem(&err)))?;
        if qty < 0 {
            return Err(self.error("qty", row.qty.to_string(), "negative quantity"));
        }
        if kind.is_level_update() && side == Side::None {
            return Err(self.error("ev", format!("{:#x}", row.ev), "a book event with no side"));
        }
        let event = MarketEvent {
            price,
            qty,
            order_id: if kind.is_l3() { row.order_id } else { 0 },
            flags: if kind == EventKind::Snapshot {
                flags::SNAPSHOT
            } else {
                0
            },
            ..base
        };
        self.track(&event);
        out.push(event);
        Ok(())
    }

    /// Keeps the importer's book in step with a level event.
    fn track(&mut self, event: &MarketEvent) {
        let book = match event.side {
            Side::Buy => &mut self.bids,
            Side::Sell => &mut self.asks,
            Side::None => return,
        };
        match event.kind {
            EventKind::Depth | EventKind::Snapshot => {
                if event.qty == 0 {
                    book.remove(&event.price);
                } else {
                    book.insert(event.price, event.qty);
                }
            }
            EventKind::Bbo => {
                if event.side == Side::Buy {
                    book.retain(|&price, _| price < event.price);
                } else {
                    book.retain(|&price, _| price > event.price);
                }
                if event.qty > 0 {
                    book.insert(event.price, event.qty);
                }
            }
            _ => {}
        }
    }

    /// A clear: of both sides, of a whole side, or of one side up to `px`.
    fn clear(
        &mut self,
        row: Row,
        base: MarketEvent,
        out: &mut Vec<MarketEvent>,
    ) -> Result<(), ImportError> {
        let upto = if row.px.is_finite() && row.px != 0.0 && base.side != Side::None {
            Some(
                self.instrument
                    .ticks_from_price(row.px)
                    .map_err(|err| self.error("px", row.px.to_string(), grid_problem(&err)))?,
            )
        } else {
            None
        };
        let Some(upto) = upto else {
            match base.side {
                Side::Buy => self.bids.clear(),
                Side::Sell => self.asks.clear(),
                Side::None => {
                    self.bids.clear();
                    self.asks.clear();
                }
            }
            out.push(MarketEvent {
                kind: EventKind::Clear,
                ..base
            });
            return Ok(());
        };
        let removed: Vec<i64> = match base.side {
            Side::Buy => self.bids.range(upto..).map(|(&p, _)| p).collect(),
            _ => self.asks.range(..=upto).map(|(&p, _)| p).collect(),
        };
        let book = if base.side == Side::Buy {
            &mut self.bids
        } else {
            &mut self.asks
        };
        for price in removed {
            book.remove(&price);
            out.push(MarketEvent {
                kind: EventKind::Depth,
                price,
                qty: 0,
                ..base
            });
        }
        Ok(())
    }
}

impl EventSource for NpzSource {
    fn next_batch(&mut self, out: &mut Vec<MarketEvent>) -> Result<Option<RowRef>, ImportError> {
        let mut scratch = Vec::new();
        loop {
            let Some(row) = self.read_row()? else {
                if self.pending.is_empty() {
                    return Ok(None);
                }
                out.clear();
                out.append(&mut self.pending);
                if let Some(last) = out.last_mut() {
                    last.flags |= flags::LAST_IN_BATCH;
                }
                return Ok(Some(self.pending_at));
            };
            self.summary.rows_read += 1;
            let at = RowRef::Record(self.next_record);
            scratch.clear();
            match self.convert(row, &mut scratch) {
                Ok(()) => {}
                Err(err) if self.skip_bad && err.skip_reason().is_some() => {
                    self.summary.skip(&err);
                    continue;
                }
                Err(err) => return Err(err),
            }
            let Some(first) = scratch.first() else {
                continue;
            };
            self.summary.rows_converted += 1;
            let same_batch = self
                .pending
                .first()
                .is_some_and(|p| p.exch_ts == first.exch_ts);
            if same_batch || self.pending.is_empty() {
                if self.pending.is_empty() {
                    self.pending_at = at;
                }
                self.pending.append(&mut scratch);
                continue;
            }
            out.clear();
            out.append(&mut self.pending);
            if let Some(last) = out.last_mut() {
                last.flags |= flags::LAST_IN_BATCH;
            }
            let done_at = self.pending_at;
            self.pending_at = at;
            self.pending.append(&mut scratch);
            return Ok(Some(done_at));
        }
    }

    fn file(&self) -> &Path {
        &self.file
    }

    fn summary(&self) -> &InputSummary {
        &self.summary
    }
}
