//! Binance messages in a capture: depth diffs put on the REST snapshot by
//! Binance's own rules, trades, and the streams left out.
//!
//! **Order book** (Binance's "how to manage a local order book
//! correctly"): diffs that arrive before the snapshot wait for it; then
//! diffs with `u` < `lastUpdateId` (spot: `u` ≤ `lastUpdateId`) are
//! dropped, the first one kept must straddle it (`U` ≤ `lastUpdateId` ≤ `u`;
//! spot: `lastUpdateId` + 1), and each next one must continue the chain:
//! `pu` = the previous `u` (futures), `U` = the previous `u` + 1 (spot). A
//! break is an error naming the line; with `--skip-bad` it is counted and
//! the diff applied as it is (the book may differ until the next
//! snapshot). A later snapshot (the collector fetches one on every
//! reconnect) resets the book the same way; one older than the diffs
//! already applied is ignored.
//!
//! The snapshot is written as a `clear` and its levels (`snapshot`, one
//! batch) just before the first diff kept, at that diff's exchange time
//! when it is earlier than the snapshot's own `T` (a spot snapshot has no
//! time at all), so that it never lands after a diff that builds on it.
//!
//! **Time.** A diff's `T` (futures: the matching engine's time) or `E`
//! (spot) becomes `exch_ts`; a trade's `T`. `local_ts` is the capture's
//! receive time.
//!
//! **Trades** `@trade` and `@aggTrade`: side = seller when `m` (the buyer
//! was the maker). Futures trades with `X` other than `MARKET` (insurance
//! fund, ADL) are left out and counted, as hftbacktest does.
//!
//! **Left out** (counted): `@bookTicker` (the depth stream carries the
//! book), and every other stream (mark price, liquidations, ...).

use std::collections::VecDeque;

use serde::Deserialize;

use super::Batch;
use crate::market::import::json_levels::{end_batch, snapshot_clear, JsonAt, JsonLevel, OneSymbol};
use crate::market::import::{ImportError, InputSummary, RowRef};
use crate::market::{EventKind, Instrument, MarketEvent, Side};

/// Most diffs held while waiting for the first snapshot.
const MAX_WAITING_DIFFS: usize = 20_000;

/// A depth diff (`depthUpdate`).
#[derive(Deserialize)]
pub(super) struct DepthUpdate<'a> {
    #[serde(rename = "E")]
    event_ms: i64,
    #[serde(rename = "T")]
    transaction_ms: Option<i64>,
    #[serde(rename = "s")]
    symbol: Option<&'a str>,
    #[serde(rename = "U")]
    first_id: u64,
    #[serde(rename = "u")]
    last_id: u64,
    pu: Option<u64>,
    #[serde(borrow, default)]
    b: Vec<JsonLevel<'a>>,
    #[serde(borrow, default)]
    a: Vec<JsonLevel<'a>>,
}

/// A trade (`trade` or `aggTrade`).
#[derive(Deserialize)]
pub(super) struct Trade<'a> {
    #[serde(rename = "T")]
    trade_ms: i64,
    #[serde(rename = "s")]
    symbol: Option<&'a str>,
    p: &'a str,
    q: &'a str,
    m: bool,
    #[serde(rename = "X")]
    execution_type: Option<&'a str>,
}

/// The REST depth snapshot the collector writes into the capture.
#[derive(Deserialize)]
pub(super) struct Snapshot<'a> {
    #[serde(rename = "lastUpdateId")]
    last_update_id: u64,
    #[serde(rename = "T")]
    transaction_ms: Option<i64>,
    #[serde(rename = "E")]
    event_ms: Option<i64>,
    #[serde(borrow, default)]
    bids: Vec<JsonLevel<'a>>,
    #[serde(borrow, default)]
    asks: Vec<JsonLevel<'a>>,
}

/// A diff converted to events, with its ids.
struct Diff {
    at: RowRef,
    line: u64,
    first_id: u64,
    last_id: u64,
    prev_id: Option<u64>,
    events: Vec<MarketEvent>,
}

/// A snapshot read but not yet written.
struct PendingSnapshot {
    last_update_id: u64,
    at: RowRef,
    exch_ts: Option<i64>,
    events: Vec<MarketEvent>,
}

/// The state of one Binance symbol's book in a capture.
#[derive(Default)]
pub(super) struct BinanceBook {
    symbol: OneSymbol,
    /// `u` of the last diff written; `None` before the book is known.
    last_id: Option<u64>,
    /// Futures (diffs carry `pu`) or spot.
    is_futures: Option<bool>,
    pending: Option<PendingSnapshot>,
    waiting: VecDeque<Diff>,
    /// Exchange time of the latest event, for snapshots without one.
    latest_exch_ts: Option<i64>,
    /// Depth diffs written.
    pub diffs_written: u64,
}

impl BinanceBook {
    fn check_symbol(&mut self, at: JsonAt<'_>, symbol: Option<&str>) -> Result<(), ImportError> {
        match symbol {
            Some(symbol) => self
                .symbol
                .check(at, "s", symbol, "the capture holds several symbols"),
            None => Ok(()),
        }
    }

    /// A trade message: one batch.
    pub(super) fn trade(
        &mut self,
        at: JsonAt<'_>,
        trade: &Trade<'_>,
        local_ts: i64,
        inst: &Instrument,
        summary: &mut InputSummary,
        out: &mut VecDeque<Batch>,
    ) -> Result<(), ImportError> {
        self.check_symbol(at, trade.symbol)?;
        if let Some(kind) = trade.execution_type {
            if kind != "MARKET" {
                summary.note("futures trade that is not a MARKET execution (X): left out");
                return Ok(());
            }
        }
        let exch_ts = at.ms_to_ns("T", trade.trade_ms)?;
        self.latest_exch_ts = Some(exch_ts);
        let side = if trade.m { Side::Sell } else { Side::Buy };
        let event = at.trade(
            ("T", trade.trade_ms),
            ("p", trade.p),
            ("q", trade.q),
            side,
            local_ts,
            inst,
        )?;
        out.push_back((RowRef::Line(at.line), vec![event]));
        Ok(())
    }

    /// A depth diff: written, held for the snapshot, or dropped.
    #[expect(
        clippy::too_many_arguments,
        reason = "the pieces of one message and where its events go"
    )]
    pub(super) fn diff(
        &mut self,
        at: JsonAt<'_>,
        update: &DepthUpdate<'_>,
        local_ts: i64,
        inst: &Instrument,
        skip_bad: bool,
        summary: &mut InputSummary,
        out: &mut VecDeque<Batch>,
    ) -> Result<(), ImportError> {
        self.check_symbol(at, update.symbol)?;
        let is_futures = update.pu.is_some();
        if *self.is_futures.get_or_insert(is_futures) != is_futures {
            return Err(at.error(
                "pu",
                "",
                "diffs with and without `pu` (futures and spot) in one capture",
            ));
        }
        let exch_ts = match update.transaction_ms {
            Some(ms) => at.ms_to_ns("T", ms)?,
            None => at.ms_to_ns("E", update.event_ms)?,
        };
        self.latest_exch_ts = Some(exch_ts);
        let base = MarketEvent {
            exch_ts,
            local_ts,
            ..MarketEvent::default()
        };
        let mut events = Vec::with_capacity(update.b.len() + update.a.len());
        at.levels(
            "b",
            &update.b,
            Side::Buy,
            EventKind::Depth,
            base,
            inst,
            &mut events,
        )?;
        at.levels(
            "a",
            &update.a,
            Side::Sell,
            EventKind::Depth,
            base,
            inst,
            &mut events,
        )?;
        end_batch(&mut events);
        let diff = Diff {
            at: RowRef::Line(at.line),
            line: at.line,
            first_id: update.first_id,
            last_id: update.last_id,
            prev_id: update.pu,
            events,
        };
        if self.last_id.is_none() && self.pending.is_none() {
            if self.waiting.len() >= MAX_WAITING_DIFFS {
                return Err(at.error(
                    "U",
                    &update.first_id.to_string(),
                    format!(
                        "no depth snapshot among the first {MAX_WAITING_DIFFS} depth diffs: Binance's \
                         diffs need the REST snapshot the collector writes on connecting"
                    ),
                ));
            }
            self.waiting.push_back(diff);
            return Ok(());
        }
        self.place(at.file, diff, skip_bad, summary, out)
    }

    /// Puts one diff on the book: after the pending snapshot, or after the
    /// previous diff.
    fn place(
        &mut self,
        file: &std::path::Path,
        diff: Diff,
        skip_bad: bool,
        summary: &mut InputSummary,
        out: &mut VecDeque<Batch>,
    ) -> Result<(), ImportError> {
        let at = JsonAt {
            file,
            line: diff.line,
        };
        let is_futures = diff.prev_id.is_some();
        if let Some(snapshot) = &self.pending {
            let id = snapshot.last_update_id;
            let (old, straddles) = if is_futures {
                (diff.last_id < id, diff.first_id <= id && diff.last_id >= id)
            } else {
                (
                    diff.last_id <= id,
                    diff.first_id <= id + 1 && diff.last_id > id,
                )
            };
            if old {
                summary.note("depth diff older than the snapshot's lastUpdateId: dropped");
                return Ok(());
            }
            if !straddles {
                let problem = format!(
                    "the first diff after the snapshot (lastUpdateId {id}) does not reach back to \
                     it: updates are missing between them"
                );
                if !skip_bad {
                    return Err(at.error("U", &diff.first_id.to_string(), problem));
                }
                summary.note("depth diff after a sequence gap: applied as it is");
            }
            if let Some(mut snapshot) = self.pending.take() {
                let first_ts = diff.events.first().map(|e| e.exch_ts);
                let ts = match (snapshot.exch_ts, first_ts) {
                    (Some(own), Some(first)) => own.min(first),
                    (own, first) => own.or(first).unwrap_or(0),
                };
                for event in &mut snapshot.events {
                    event.exch_ts = ts;
                }
                out.push_back((snapshot.at, snapshot.events));
            }
        } else if let Some(last) = self.last_id {
            let continues = match diff.prev_id {
                Some(prev) => prev == last,
                None => diff.first_id == last + 1,
            };
            if !continues {
                let (field, value) = match diff.prev_id {
                    Some(prev) => ("pu", prev),
                    None => ("U", diff.first_id),
                };
                let problem = format!(
                    "the depth stream breaks: the previous diff ended at u = {last} (the book is \
                     unknown until the next snapshot)"
                );
                if !skip_bad {
                    return Err(at.error(field, &value.to_string(), problem));
                }
                summary.note("depth diff after a sequence gap: applied as it is");
            }
        }
        self.last_id = Some(diff.last_id);
        if diff.events.is_empty() {
            summary.note("depth diff with no level: no event");
        } else {
            self.diffs_written += 1;
            out.push_back((diff.at, diff.events));
        }
        Ok(())
    }

    /// The REST snapshot: held until the first diff that follows it.
    #[expect(
        clippy::too_many_arguments,
        reason = "the pieces of one message and where its events go"
    )]
    pub(super) fn snapshot(
        &mut self,
        at: JsonAt<'_>,
        snapshot: &Snapshot<'_>,
        local_ts: i64,
        inst: &Instrument,
        skip_bad: bool,
        summary: &mut InputSummary,
        out: &mut VecDeque<Batch>,
    ) -> Result<(), ImportError> {
        if self
            .last_id
            .is_some_and(|last| snapshot.last_update_id <= last)
        {
            summary.note("depth snapshot older than the diffs already applied: ignored");
            return Ok(());
        }
        let exch_ts = match (snapshot.transaction_ms, snapshot.event_ms) {
            (Some(ms), _) => Some(at.ms_to_ns("T", ms)?),
            (None, Some(ms)) => Some(at.ms_to_ns("E", ms)?),
            (None, None) => None,
        };
        let base = MarketEvent {
            exch_ts: exch_ts.unwrap_or(0),
            local_ts,
            ..MarketEvent::default()
        };
        let mut events = Vec::with_capacity(snapshot.bids.len() + snapshot.asks.len() + 1);
        events.push(snapshot_clear(base));
        at.levels(
            "bids",
            &snapshot.bids,
            Side::Buy,
            EventKind::Snapshot,
            base,
            inst,
            &mut events,
        )?;
        at.levels(
            "asks",
            &snapshot.asks,
            Side::Sell,
            EventKind::Snapshot,
            base,
            inst,
            &mut events,
        )?;
        end_batch(&mut events);
        self.pending = Some(PendingSnapshot {
            last_update_id: snapshot.last_update_id,
            at: RowRef::Line(at.line),
            exch_ts,
            events,
        });
        self.last_id = None;
        while let Some(diff) = self.waiting.pop_front() {
            self.place(at.file, diff, skip_bad, summary, out)?;
        }
        Ok(())
    }

    /// At the end of the input: a snapshot no diff followed is written at
    /// its own time (or the latest seen); diffs still waiting for a
    /// snapshot are an error.
    pub(super) fn finish(
        &mut self,
        file: &std::path::Path,
        skip_bad: bool,
        summary: &mut InputSummary,
        out: &mut VecDeque<Batch>,
    ) -> Result<(), ImportError> {
        if let Some(mut snapshot) = self.pending.take() {
            let ts = snapshot
                .exch_ts
                .or(self.latest_exch_ts)
                .unwrap_or_else(|| snapshot.events.first().map_or(0, |e| e.local_ts));
            for event in &mut snapshot.events {
                event.exch_ts = ts;
            }
            out.push_back((snapshot.at, snapshot.events));
        }
        if let Some(first) = self.waiting.front() {
            if !skip_bad {
                return Err(ImportError::format(
                    file,
                    format!(
                        "{} depth diffs from line {} on and no depth snapshot to put them on: \
                         Binance's diffs need the REST snapshot the collector writes on connecting",
                        self.waiting.len(),
                        first.line
                    ),
                ));
            }
            for _ in self.waiting.drain(..) {
                summary.note("depth diff with no snapshot in the capture: dropped");
            }
        }
        Ok(())
    }
}
