//! Bybit order-book JSON: the historical `ob500` files Bybit publishes
//! (`YYYY-MM-DD_SYMBOL_ob500.data`, usually inside a `.zip`, one message a
//! line), and the same messages in a capture of its websocket (see
//! [`super::collector`]).
//!
//! A line is `{"topic":"orderbook.500.XRPUSDT","type":"snapshot"|"delta",
//! "ts":ms,"cts":ms,"data":{"s","b":[[price,size]..],"a":[..],"u","seq"}}`.
//! Sizes are absolute; 0 deletes the level.
//!
//! - `snapshot` → a `clear` and every level as `snapshot` events (SNAPSHOT
//!   flag), one batch; `delta` → `depth` events, bids then asks, one batch.
//! - **Time.** `cts` (the matching engine's time, the clock of trades' `T`)
//!   becomes `exch_ts`, or `ts` (when Bybit's system produced the message)
//!   when `cts` is absent. The historical files record no receive time:
//!   `local_ts = exch_ts`; a capture's own receive time is its `local_ts`.
//! - **Sequence.** `u` counts messages; a delta whose `u` is not the
//!   previous `u` + 1 is counted in the summary (Bybit's rule for a gap is
//!   to wait for the next snapshot; the delta is applied as it is). A
//!   snapshot with `u` = 1 (a restart of Bybit's service) resets the book
//!   like any snapshot. A delta before the first snapshot is an error: the
//!   book it changes is unknown.
//! - Trades (`publicTrade.*`, captures only) → `trade` events (side `S`:
//!   the taker's), `T` as `exch_ts`.

use std::collections::VecDeque;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::collector::Batch;
use super::json_levels::{end_batch, snapshot_clear, JsonAt, JsonLevel, Lines, OneSymbol};
use super::source::open_text;
use super::{EventSource, ImportError, InputSummary, RowRef};
use crate::market::{EventKind, Instrument, MarketEvent, Side};

/// One order-book message.
#[derive(Deserialize)]
pub(crate) struct BookMessage<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    ts: i64,
    cts: Option<i64>,
    #[serde(borrow)]
    data: BookData<'a>,
}

#[derive(Deserialize)]
struct BookData<'a> {
    s: &'a str,
    #[serde(borrow, default)]
    b: Vec<JsonLevel<'a>>,
    #[serde(borrow, default)]
    a: Vec<JsonLevel<'a>>,
    u: u64,
}

/// One `publicTrade` message.
#[derive(Deserialize)]
pub(crate) struct TradeMessage<'a> {
    #[serde(borrow)]
    data: Vec<TradeData<'a>>,
}

#[derive(Deserialize)]
struct TradeData<'a> {
    #[serde(rename = "T")]
    time_ms: i64,
    s: &'a str,
    #[serde(rename = "S")]
    side: &'a str,
    v: &'a str,
    p: &'a str,
}

/// The book state of one Bybit stream: which symbol, the last `u`.
#[derive(Default)]
pub(crate) struct BybitBook {
    symbol: OneSymbol,
    last_u: Option<u64>,
}

impl BybitBook {
    fn check_symbol(&mut self, at: JsonAt<'_>, symbol: &str) -> Result<(), ImportError> {
        self.symbol
            .check(at, "s", symbol, "the file holds several symbols")
    }

    /// Converts one order-book message into one batch in `out`;
    /// `local_ts` is the capture's receive time (`None`: the exchange time).
    pub(crate) fn book(
        &mut self,
        at: JsonAt<'_>,
        message: &BookMessage<'_>,
        local_ts: Option<i64>,
        inst: &Instrument,
        summary: &mut InputSummary,
        out: &mut Vec<MarketEvent>,
    ) -> Result<(), ImportError> {
        self.check_symbol(at, message.data.s)?;
        let exch_ts = match message.cts {
            Some(cts) => at.ms_to_ns("cts", cts)?,
            None => at.ms_to_ns("ts", message.ts)?,
        };
        let base = MarketEvent {
            exch_ts,
            local_ts: local_ts.unwrap_or(exch_ts),
            ..MarketEvent::default()
        };
        let data = &message.data;
        let kind = match message.kind {
            "snapshot" => {
                out.push(snapshot_clear(base));
                EventKind::Snapshot
            }
            "delta" => {
                match self.last_u {
                    None => {
                        return Err(at.error(
                            "type",
                            "delta",
                            "a delta before any snapshot: the book it changes is unknown",
                        ))
                    }
                    Some(last) if data.u != last + 1 => {
                        summary.note("delta whose u is not the previous u + 1: applied as it is");
                    }
                    Some(_) => {}
                }
                EventKind::Depth
            }
            other => {
                return Err(at.error("type", other, "expected snapshot or delta"));
            }
        };
        at.levels("b", &data.b, Side::Buy, kind, base, inst, out)?;
        at.levels("a", &data.a, Side::Sell, kind, base, inst, out)?;
        self.last_u = Some(data.u);
        end_batch(out);
        Ok(())
    }

    /// Converts one `publicTrade` message: one batch per trade.
    pub(crate) fn trades(
        &mut self,
        at: JsonAt<'_>,
        message: &TradeMessage<'_>,
        local_ts: i64,
        inst: &Instrument,
        out: &mut VecDeque<Batch>,
    ) -> Result<(), ImportError> {
        for trade in &message.data {
            self.check_symbol(at, trade.s)?;
            let side = match trade.side {
                "Buy" => Side::Buy,
                "Sell" => Side::Sell,
                other => return Err(at.error("S", other, "expected Buy or Sell")),
            };
            let event = at.trade(
                ("T", trade.time_ms),
                ("p", trade.p),
                ("v", trade.v),
                side,
                local_ts,
                inst,
            )?;
            out.push_back((RowRef::Line(at.line), vec![event]));
        }
        Ok(())
    }
}

/// Events from one Bybit historical order-book file (`.data`, `.zip`
/// holding one, or gzip).
pub struct BybitSource {
    file: PathBuf,
    lines: Lines,
    book: BybitBook,
    instrument: Instrument,
    skip_bad: bool,
    summary: InputSummary,
}

impl BybitSource {
    /// Opens `path`: a zip is read through its `.data` entry.
    pub fn open(path: &Path, instrument: &Instrument, skip_bad: bool) -> Result<Self, ImportError> {
        let (reader, detected): (Box<dyn Read + Send>, String) = if super::zip_input::is_zip(path)?
        {
            let (entry, name) = super::zip_input::open_entry(path, ".data")?;
            (entry, format!("bybit order book ({name} in the zip)"))
        } else {
            (open_text(path)?, "bybit order book".to_owned())
        };
        Ok(BybitSource {
            file: path.to_owned(),
            lines: Lines::new(reader),
            book: BybitBook::default(),
            instrument: instrument.clone(),
            skip_bad,
            summary: InputSummary::new(path.to_owned(), detected),
        })
    }

    fn convert_line(&mut self, out: &mut Vec<MarketEvent>) -> Result<(), ImportError> {
        let at = JsonAt {
            file: &self.file,
            line: self.lines.number,
        };
        let message: BookMessage<'_> = serde_json::from_str(&self.lines.text).map_err(|err| {
            at.error(
                "json",
                &self.lines.text,
                format!("not a Bybit order-book message: {err}"),
            )
        })?;
        self.book
            .book(at, &message, None, &self.instrument, &mut self.summary, out)
    }
}

impl EventSource for BybitSource {
    fn next_batch(&mut self, out: &mut Vec<MarketEvent>) -> Result<Option<RowRef>, ImportError> {
        loop {
            out.clear();
            if !self.lines.next_line(&self.file)? {
                return Ok(None);
            }
            if self.lines.text.trim().is_empty() {
                continue;
            }
            self.summary.rows_read += 1;
            match self.convert_line(out) {
                Ok(()) if out.is_empty() => self.summary.note("message with no level: no event"),
                Ok(()) => {
                    self.summary.rows_converted += 1;
                    return Ok(Some(RowRef::Line(self.lines.number)));
                }
                Err(err) if self.skip_bad && err.skip_reason().is_some() => {
                    self.summary.skip(&err);
                }
                Err(err) => return Err(err),
            }
        }
    }

    fn file(&self) -> &Path {
        &self.file
    }

    fn summary(&self) -> &InputSummary {
        &self.summary
    }
}
