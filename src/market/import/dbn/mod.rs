//! Databento DBN files (plain or zstd, DBN v1 to v3, upgraded to v3 on
//! reading) through the `dbn` crate: schemas `mbo`, `mbp-1`, `mbp-10`,
//! `tbbo` and `trades`; `definition` files give the tick size.
//!
//! **Time.** `ts_event` (the matching engine's time) becomes `exch_ts` and
//! `ts_recv` (Databento's capture time) becomes `local_ts`. Snapshot records
//! (flag F_SNAPSHOT) are the exception: their `ts_event` is when each order
//! was entered, often days earlier, while the book they describe holds at
//! `ts_recv`; they take `exch_ts = ts_recv`, so a snapshot stays with the
//! day it opens.
//!
//! **Prices** are int64 × 1e-9 and are converted to ticks exactly (integer
//! division by the tick in 1e-9 units; a remainder is an off-grid error).
//! Sizes are whole units (contracts, shares): lots of the lot size, 1 by
//! default.
//!
//! **Batches.** `LAST_IN_BATCH` marks the last event of a record flagged
//! F_LAST, and the end of a snapshot run (some files end their snapshot
//! without F_LAST).
//!
//! **mbo** (Databento's book rules): R → `clear`; A → `add` (an A for an
//! order id the book holds replaces it: `cancel` then `add`); C subtracts
//! its size → `modify` to the rest, or `cancel` at 0 (a C for an order not
//! in the book, e.g. before any snapshot, is written as a `cancel` of its
//! size, which an L3 book ignores); M → `modify` (an `add`
//! when the order is unknown); T → `trade` (side = aggressor). F records are
//! not written: the quantity a fill takes out arrives as a separate C or M,
//! and a canonical `fill` would take it out twice. N records give nothing. A
//! snapshot run that does not start with R is opened with a `clear`. After
//! the order events of each record comes the L2 view of the same change: a
//! `depth` event for each level they touched, with the level's new total
//! from the importer's L3 book (none for a message about an unknown order).
//!
//! **mbp-10** → `trade` for T, then `depth` events that make the top 10
//! levels equal the record's (size 0 for a level that left the top 10).
//! **mbp-1** → `trade` for T, then `bbo` for each side that changed (a
//! `clear` of the side when it is empty). **tbbo** → `bbo` of the book
//! *before* the trade, then the `trade`. **trades** → `trade`. The first
//! record of an mbp file opens with a `clear` and the full visible book.
//! **status** → `status` (see `status` for the states); give the status
//! file beside the market-data file, the two are merged in time.

mod files;
mod mbo;
mod mbp;
mod status;

use std::path::{Path, PathBuf};

use ::dbn::decode::DbnMetadata;
use ::dbn::{Schema, UNDEF_PRICE, UNDEF_TIMESTAMP};

pub(crate) use files::{
    file_schema, first_instrument_id, instrument_from_definition, read_definitions,
};
use files::{open_decoder, read_record, Decoder, Record};

use super::{EventSource, ImportError, InputSummary, RowRef};
use crate::book::L3Book;
use crate::market::{flags, EventKind, Instrument, MarketEvent, Side};

/// Events from one DBN market-data file.
pub struct DbnSource {
    path: PathBuf,
    decoder: Decoder,
    schema: Schema,
    instrument: Instrument,
    /// The tick in 1e-9 price units.
    tick_fixed: i64,
    instrument_id: Option<u32>,
    is_filtering: bool,
    skip_bad: bool,
    summary: InputSummary,
    record_no: u64,
    pending: Vec<MarketEvent>,
    pending_at: RowRef,
    pending_is_snapshot: bool,
    scratch: Vec<MarketEvent>,
    is_done: bool,
    in_snapshot: bool,
    orders: L3Book,
    /// Levels the current mbo record changed, reused between records.
    touched_levels: Vec<(Side, i64)>,
    /// mbp: the visible levels (price, size) of the last record, best first.
    bids: Vec<(i64, u32)>,
    asks: Vec<(i64, u32)>,
    has_levels: bool,
}

impl DbnSource {
    /// Opens a data file. `instrument_id` keeps only that instrument's
    /// records (the others are counted as skipped); without it, the file's
    /// first instrument is used and a second one is an error.
    pub fn open(
        path: &Path,
        instrument: &Instrument,
        instrument_id: Option<u32>,
        skip_bad: bool,
    ) -> Result<Self, ImportError> {
        let decoder = open_decoder(path)?;
        let schema = decoder.metadata().schema.ok_or_else(|| {
            ImportError::format(
                path,
                "the DBN metadata names no schema (a mixed-schema file)",
            )
        })?;
        if !matches!(
            schema,
            Schema::Mbo
                | Schema::Mbp1
                | Schema::Mbp10
                | Schema::Tbbo
                | Schema::Trades
                | Schema::Status
        ) {
            return Err(ImportError::format(
                path,
                format!("DBN schema {schema} is not supported (supported: mbo, mbp-1, mbp-10, tbbo, trades, status; definition files give the tick size)"),
            ));
        }
        let tick_fixed = (instrument.tick_size * 1e9).round() as i64;
        if tick_fixed <= 0 || ((tick_fixed as f64) * 1e-9 - instrument.tick_size).abs() > 1e-15 {
            return Err(ImportError::Options(format!(
                "tick size {} is not a whole number of DBN price units (1e-9)",
                instrument.tick_size
            )));
        }
        Ok(DbnSource {
            summary: InputSummary::new(path.to_owned(), format!("dbn {schema}")),
            path: path.to_owned(),
            decoder,
            schema,
            instrument: instrument.clone(),
            tick_fixed,
            instrument_id,
            is_filtering: instrument_id.is_some(),
            skip_bad,
            record_no: 0,
            pending: Vec::new(),
            pending_at: RowRef::Record(0),
            pending_is_snapshot: false,
            scratch: Vec::new(),
            is_done: false,
            in_snapshot: false,
            orders: L3Book::new(),
            touched_levels: Vec::new(),
            bids: Vec::new(),
            asks: Vec::new(),
            has_levels: false,
        })
    }

    fn error(&self, field: &str, value: impl ToString, problem: impl Into<String>) -> ImportError {
        ImportError::row(
            &self.path,
            RowRef::Record(self.record_no),
            field,
            value.to_string(),
            problem,
        )
    }

    fn ticks(&self, field: &str, price: i64) -> Result<i64, ImportError> {
        if price == UNDEF_PRICE {
            return Err(self.error(field, "UNDEF_PRICE", "no price"));
        }
        if price % self.tick_fixed != 0 {
            return Err(self.error(
                field,
                format!("{}", price as f64 * 1e-9),
                format!(
                    "not a multiple of the tick size {}",
                    self.instrument.tick_size
                ),
            ));
        }
        Ok(price / self.tick_fixed)
    }

    fn lots(&self, field: &str, size: u32) -> Result<i64, ImportError> {
        self.instrument
            .lots_from_qty(f64::from(size))
            .map_err(|err| self.error(field, size, super::source::grid_problem(&err)))
    }

    fn book_side(&self, side: std::ffi::c_char) -> Result<Side, ImportError> {
        match side as u8 {
            b'B' => Ok(Side::Buy),
            b'A' => Ok(Side::Sell),
            other => Err(self.error(
                "side",
                char::from(other),
                "expected B or A for a book event",
            )),
        }
    }

    fn aggressor(side: std::ffi::c_char) -> Side {
        match side as u8 {
            b'B' => Side::Buy,
            b'A' => Side::Sell,
            _ => Side::None,
        }
    }

    /// Checks the instrument id; `Ok(false)` when the record is filtered out.
    fn keep_instrument(&mut self, iid: u32) -> Result<bool, ImportError> {
        match self.instrument_id {
            None => {
                self.instrument_id = Some(iid);
                Ok(true)
            }
            Some(wanted) if wanted == iid => Ok(true),
            Some(_) if self.is_filtering => {
                self.summary.note("record of another instrument_id (filtered out)");
                Ok(false)
            }
            Some(wanted) => Err(self.error(
                "instrument_id",
                iid,
                format!("a second instrument in the file (the first is {wanted}); pass --instrument-id to pick one"),
            )),
        }
    }

    /// Converts one record into `out`; returns (is F_LAST, is snapshot).
    fn convert(
        &mut self,
        record: Record,
        out: &mut Vec<MarketEvent>,
    ) -> Result<(bool, bool), ImportError> {
        out.clear();
        match record {
            Record::Mbo(r) => {
                if !self.keep_instrument(r.hd.instrument_id)? {
                    return Ok((false, self.in_snapshot));
                }
                let is_snapshot = r.flags.is_snapshot();
                let base = self.base(r.hd.ts_event, r.ts_recv, is_snapshot);
                self.mbo(&r, base, out)?;
                Ok((r.flags.is_last(), is_snapshot))
            }
            Record::Mbp1(r) => {
                if !self.keep_instrument(r.hd.instrument_id)? {
                    return Ok((false, false));
                }
                let base = self.base(r.hd.ts_event, r.ts_recv, r.flags.is_snapshot());
                let trade = self.trade_of(r.action, r.side, r.price, r.size, base)?;
                let level = &r.levels[0];
                let is_tbbo = self.schema == Schema::Tbbo;
                if !is_tbbo {
                    out.extend(trade);
                }
                self.bbo(
                    &[(level.bid_px, level.bid_sz)],
                    &[(level.ask_px, level.ask_sz)],
                    base,
                    out,
                )?;
                if is_tbbo {
                    out.extend(trade);
                }
                Ok((r.flags.is_last() || is_tbbo, r.flags.is_snapshot()))
            }
            Record::Mbp10(r) => {
                if !self.keep_instrument(r.hd.instrument_id)? {
                    return Ok((false, false));
                }
                let base = self.base(r.hd.ts_event, r.ts_recv, r.flags.is_snapshot());
                out.extend(self.trade_of(r.action, r.side, r.price, r.size, base)?);
                let bids: Vec<(i64, u32)> = r.levels.iter().map(|l| (l.bid_px, l.bid_sz)).collect();
                let asks: Vec<(i64, u32)> = r.levels.iter().map(|l| (l.ask_px, l.ask_sz)).collect();
                self.depth(&bids, &asks, base, out)?;
                Ok((r.flags.is_last(), r.flags.is_snapshot()))
            }
            Record::Trade(r) => {
                if !self.keep_instrument(r.hd.instrument_id)? {
                    return Ok((false, false));
                }
                let base = self.base(r.hd.ts_event, r.ts_recv, false);
                out.extend(self.trade_of(r.action, r.side, r.price, r.size, base)?);
                Ok((true, false))
            }
            Record::Status(r) => {
                if !self.keep_instrument(r.hd.instrument_id)? {
                    return Ok((false, false));
                }
                let base = self.base(r.hd.ts_event, r.ts_recv, false);
                match status::state_of(r.action, r.is_trading) {
                    Some(state) => out.push(MarketEvent {
                        exch_ts: base.exch_ts,
                        ..MarketEvent::status(base.local_ts, state)
                    }),
                    None => self
                        .summary
                        .note("status record that changes no trading state: no event"),
                }
                Ok((true, false))
            }
            Record::Definition => {
                self.summary.note("instrument definition record: no event");
                Ok((false, self.in_snapshot))
            }
            Record::Other(rtype) => {
                self.summary
                    .note(&format!("record of rtype {rtype:#04x}: no canonical event"));
                Ok((false, self.in_snapshot))
            }
        }
    }

    fn base(&mut self, ts_event: u64, ts_recv: u64, is_snapshot: bool) -> MarketEvent {
        let recv = if ts_recv == UNDEF_TIMESTAMP {
            ts_event
        } else {
            ts_recv
        };
        let exch = if is_snapshot {
            self.summary.note(
                "snapshot record: exch_ts = ts_recv (its ts_event is when the order was entered)",
            );
            recv
        } else {
            ts_event
        };
        MarketEvent {
            exch_ts: i64::try_from(exch).unwrap_or(i64::MAX),
            local_ts: i64::try_from(recv).unwrap_or(i64::MAX),
            flags: if is_snapshot { flags::SNAPSHOT } else { 0 },
            ..MarketEvent::default()
        }
    }

    fn trade_of(
        &mut self,
        action: std::ffi::c_char,
        side: std::ffi::c_char,
        price: i64,
        size: u32,
        base: MarketEvent,
    ) -> Result<Option<MarketEvent>, ImportError> {
        if action as u8 != b'T' {
            return Ok(None);
        }
        Ok(Some(MarketEvent {
            kind: EventKind::Trade,
            side: Self::aggressor(side),
            price: self.ticks("price", price)?,
            qty: self.lots("size", size)?,
            ..base
        }))
    }
}

impl EventSource for DbnSource {
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
            let Some(record) = read_record(&mut self.decoder, &self.path, self.record_no + 1)?
            else {
                self.is_done = true;
                continue;
            };
            self.record_no += 1;
            self.summary.rows_read += 1;
            let mut scratch = std::mem::take(&mut self.scratch);
            let result = self.convert(record, &mut scratch);
            self.scratch = scratch;
            let (is_last, is_snapshot) = match result {
                Ok(flags) => flags,
                Err(err) if self.skip_bad && err.skip_reason().is_some() => {
                    self.summary.skip(&err);
                    continue;
                }
                Err(err) => return Err(err),
            };
            if self.scratch.is_empty() {
                if is_last {
                    if let Some(last) = self.pending.last_mut() {
                        last.flags |= flags::LAST_IN_BATCH;
                    }
                }
                continue;
            }
            self.summary.rows_converted += 1;
            if is_last {
                if let Some(last) = self.scratch.last_mut() {
                    last.flags |= flags::LAST_IN_BATCH;
                }
            }
            if self.pending_is_snapshot && !is_snapshot {
                if let Some(last) = self.pending.last_mut() {
                    last.flags |= flags::LAST_IN_BATCH;
                }
            }
            let at = RowRef::Record(self.record_no);
            let previous_at = std::mem::replace(&mut self.pending_at, at);
            self.pending_is_snapshot = is_snapshot;
            std::mem::swap(&mut self.pending, &mut self.scratch);
            if self.scratch.is_empty() {
                continue; // the first record with events
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
        self.schema == Schema::Trades
    }
}
