//! Captures written by hftbacktest's data collector: one message a line,
//! `<local receive time> <raw JSON>`, usually gzipped, one file per day.
//!
//! The JSON says which exchange wrote it:
//! - Binance (spot, USD-M and COIN-M futures): combined-stream messages
//!   `{"stream":"btcusdt@depth@0ms","data":{..}}`, raw-stream messages
//!   `{"e":"depthUpdate",..}`, and the REST depth snapshots
//!   `{"lastUpdateId":..}` the collector fetches on connecting; see
//!   `binance`.
//! - Bybit: `{"topic":"orderbook.50.BTCUSDT",..}` and `publicTrade.*`; see
//!   [`super::bybit`].
//! - Hyperliquid: `{"channel":"l2Book",..}` and `trades`; see
//!   `hyperliquid`.
//!
//! Other messages (Binance `@bookTicker`, mark price, liquidations; Bybit
//! tickers; subscription answers; exchange error messages) are counted in
//! the summary and give no event. Exchanges the collector also records
//! (OKX, MEXC, Bitget, ...) are not read: a line from them is an error.
//!
//! **Several files** of one capture (consecutive days) are one source, read
//! in the order given: the order book carries on from one file to the next.
//!
//! **Time.** The line's prefix is the receive time: 19 digits are ns, 16
//! µs, 13 ms. The exchange's clock and the capture's differ (on the
//! hftbacktest samples the capture runs 1.2 s behind, so `local_ts` is
//! before `exch_ts`): both are kept as they are. Messages of different
//! streams arrive out of exchange-time order; the conversion puts them in
//! order within a reorder window, 2 s unless `--reorder-window-ms` says
//! otherwise. A trade older than what was already read by more than that
//! window (the recent trades some exchanges replay on subscribing) is left
//! out and counted.

mod binance;
mod hyperliquid;

use std::collections::VecDeque;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::bybit::{BookMessage, BybitBook, TradeMessage};
use super::json_levels::{JsonAt, Lines};
use super::source::open_text;
use super::{EventSource, ImportError, InputSummary, RowRef};
use crate::market::{EventKind, Instrument, MarketEvent};
use binance::BinanceBook;
use hyperliquid::HyperliquidBook;

/// Reorder window of captures when the options give none, in ns.
pub const DEFAULT_REORDER_WINDOW_NS: i64 = 2_000_000_000;

/// A batch of events and the line it comes from.
pub(crate) type Batch = (RowRef, Vec<MarketEvent>);

/// The keys that tell which exchange wrote a message.
#[derive(Deserialize)]
struct Probe<'a> {
    #[serde(borrow)]
    stream: Option<&'a str>,
    #[serde(borrow)]
    e: Option<&'a str>,
    #[serde(rename = "lastUpdateId")]
    last_update_id: Option<u64>,
    code: Option<serde::de::IgnoredAny>,
    #[serde(borrow)]
    topic: Option<&'a str>,
    #[serde(borrow)]
    channel: Option<&'a str>,
    /// A spot bookTicker of a raw (not combined) stream has no `e`: `u`
    /// and `B` tell it.
    u: Option<serde::de::IgnoredAny>,
    #[serde(rename = "B")]
    best_bid_qty: Option<serde::de::IgnoredAny>,
}

/// `{"data": ..}` around a message.
#[derive(Deserialize)]
struct Wrapped<T> {
    data: T,
}

/// The exchange a capture comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Venue {
    Binance,
    Bybit,
    Hyperliquid,
}

/// What one message is.
enum Message {
    BinanceDepth,
    BinanceTrade,
    BinanceSnapshot,
    BybitBook,
    BybitTrades,
    HyperliquidBook,
    HyperliquidTrades,
    /// Left out, counted under this note.
    Skipped(Venue, String),
}

/// Events from one or more capture files of one symbol.
pub struct CollectorSource {
    files: Vec<PathBuf>,
    file_index: usize,
    lines: Option<Lines>,
    venue: Option<Venue>,
    binance: BinanceBook,
    bybit: BybitBook,
    hyperliquid: HyperliquidBook,
    instrument: Instrument,
    skip_bad: bool,
    stale_window_ns: i64,
    summary: InputSummary,
    ready: VecDeque<Batch>,
    /// Latest exchange time handed out.
    latest_exch_ts: i64,
    is_finished: bool,
}

impl CollectorSource {
    /// Opens the capture files `paths` (read in that order as one stream);
    /// `reorder_window_ns` is how far back a late trade may still be put in
    /// order.
    pub fn open(
        paths: &[PathBuf],
        instrument: &Instrument,
        skip_bad: bool,
        reorder_window_ns: i64,
    ) -> Result<Self, ImportError> {
        let first = paths
            .first()
            .ok_or_else(|| ImportError::Options("no capture files".into()))?;
        for path in paths {
            let not_capture = super::sniff::binary_format(path)
                .filter(|what| !what.contains("collector capture"));
            if let Some(what) = not_capture {
                return Err(ImportError::format(
                    path,
                    format!("not a collector capture: the file looks like {what}"),
                ));
            }
        }
        Ok(CollectorSource {
            files: paths.to_vec(),
            file_index: 0,
            lines: Some(Lines::new(open_text(first)?)),
            venue: None,
            binance: BinanceBook::default(),
            bybit: BybitBook::default(),
            hyperliquid: HyperliquidBook::default(),
            instrument: instrument.clone(),
            skip_bad,
            stale_window_ns: reorder_window_ns,
            summary: InputSummary::new(first.clone(), "hftbacktest collector capture"),
            ready: VecDeque::new(),
            latest_exch_ts: i64::MIN,
            is_finished: false,
        })
    }

    fn current_file(&self) -> &Path {
        &self.files[self.file_index.min(self.files.len() - 1)]
    }

    /// Reads lines until at least one batch is ready or the input ends.
    fn fill(&mut self) -> Result<(), ImportError> {
        while self.ready.is_empty() && !self.is_finished {
            let Some(lines) = self.lines.as_mut() else {
                self.is_finished = true;
                break;
            };
            let file = self.files[self.file_index].clone();
            if !lines.next_line(&file)? {
                self.file_index += 1;
                if let Some(next) = self.files.get(self.file_index) {
                    self.lines = Some(Lines::new(open_text(next)?));
                } else {
                    self.lines = None;
                    let mut out = std::mem::take(&mut self.ready);
                    let result =
                        self.binance
                            .finish(&file, self.skip_bad, &mut self.summary, &mut out);
                    self.ready = out;
                    result?;
                    self.is_finished = true;
                }
                continue;
            }
            if lines.text.trim().is_empty() {
                continue;
            }
            self.summary.rows_read += 1;
            let before = self.ready.len();
            match self.convert_line(&file) {
                Ok(()) => {
                    // The rows that gave events now: this one, or diffs that
                    // waited for the snapshot this line brought.
                    let mut rows: Vec<RowRef> =
                        self.ready.iter().skip(before).map(|(at, _)| *at).collect();
                    rows.sort_unstable_by_key(|at| at.number());
                    rows.dedup();
                    self.summary.rows_converted += rows.len() as u64;
                }
                Err(err) if self.skip_bad && err.skip_reason().is_some() => {
                    self.ready.truncate(before);
                    self.summary.skip(&err);
                }
                Err(err) => return Err(err),
            }
        }
        Ok(())
    }

    fn convert_line(&mut self, file: &Path) -> Result<(), ImportError> {
        let Some(lines) = self.lines.as_ref() else {
            return Ok(());
        };
        let at = JsonAt {
            file,
            line: lines.number,
        };
        let text = lines.text.as_str();
        let (prefix, json) = text.split_once(' ').unwrap_or((text, ""));
        let local_ts = local_ns(prefix).ok_or_else(|| {
            at.error(
                "local timestamp",
                prefix,
                "expected `<receive time: 13, 16 or 19 digits> <JSON>`",
            )
        })?;
        let bad_json = |err: serde_json::Error| at.error("json", json, err.to_string());
        let probe: Probe<'_> = serde_json::from_str(json).map_err(bad_json)?;
        let message = classify(&probe).ok_or_else(|| {
            at.error(
                "json",
                json,
                "not a message of Binance, Bybit or Hyperliquid (the exchanges ticklab reads \
                 from hftbacktest captures)",
            )
        })?;
        let venue = match &message {
            Message::BinanceDepth | Message::BinanceTrade | Message::BinanceSnapshot => {
                Venue::Binance
            }
            Message::BybitBook | Message::BybitTrades => Venue::Bybit,
            Message::HyperliquidBook | Message::HyperliquidTrades => Venue::Hyperliquid,
            Message::Skipped(venue, _) => *venue,
        };
        match self.venue {
            None => {
                self.venue = Some(venue);
                self.summary.detected = format!(
                    "hftbacktest collector capture ({venue:?}{})",
                    if self.files.len() > 1 {
                        format!(", {} files", self.files.len())
                    } else {
                        String::new()
                    }
                )
                .to_lowercase();
            }
            Some(first) if first != venue => {
                return Err(at.error(
                    "json",
                    json,
                    format!("a {venue:?} message in a {first:?} capture"),
                ))
            }
            Some(_) => {}
        }
        let inst = &self.instrument;
        let before = self.ready.len();
        let summary = &mut self.summary;
        let out = &mut self.ready;
        let combined = probe.stream.is_some();
        match message {
            Message::BinanceDepth => {
                let update = if combined {
                    serde_json::from_str::<Wrapped<binance::DepthUpdate<'_>>>(json)
                        .map_err(bad_json)?
                        .data
                } else {
                    serde_json::from_str(json).map_err(bad_json)?
                };
                self.binance
                    .diff(at, &update, local_ts, inst, self.skip_bad, summary, out)?;
            }
            Message::BinanceTrade => {
                let trade = if combined {
                    serde_json::from_str::<Wrapped<binance::Trade<'_>>>(json)
                        .map_err(bad_json)?
                        .data
                } else {
                    serde_json::from_str(json).map_err(bad_json)?
                };
                self.binance
                    .trade(at, &trade, local_ts, inst, summary, out)?;
            }
            Message::BinanceSnapshot => {
                let snapshot: binance::Snapshot<'_> =
                    serde_json::from_str(json).map_err(bad_json)?;
                self.binance.snapshot(
                    at,
                    &snapshot,
                    local_ts,
                    inst,
                    self.skip_bad,
                    summary,
                    out,
                )?;
            }
            Message::BybitBook => {
                let book: BookMessage<'_> = serde_json::from_str(json).map_err(bad_json)?;
                let mut events = Vec::new();
                self.bybit
                    .book(at, &book, Some(local_ts), inst, summary, &mut events)?;
                if !events.is_empty() {
                    out.push_back((RowRef::Line(at.line), events));
                }
            }
            Message::BybitTrades => {
                let trades: TradeMessage<'_> = serde_json::from_str(json).map_err(bad_json)?;
                self.bybit.trades(at, &trades, local_ts, inst, out)?;
            }
            Message::HyperliquidBook => {
                let book: Wrapped<hyperliquid::L2Book<'_>> =
                    serde_json::from_str(json).map_err(bad_json)?;
                self.hyperliquid.book(at, &book.data, local_ts, inst, out)?;
            }
            Message::HyperliquidTrades => {
                let trades: Wrapped<Vec<hyperliquid::Trade<'_>>> =
                    serde_json::from_str(json).map_err(bad_json)?;
                self.hyperliquid
                    .trades(at, &trades.data, local_ts, inst, out)?;
            }
            Message::Skipped(_, note) => summary.note(&note),
        }
        self.drop_stale_trades(before);
        Ok(())
    }

    /// Leaves out the trades among the batches from `from` on that are older
    /// than the latest exchange time by more than the reorder window (none
    /// when the window is 0).
    fn drop_stale_trades(&mut self, from: usize) {
        let oldest_kept = self.latest_exch_ts.saturating_sub(self.stale_window_ns);
        let mut index = from;
        while index < self.ready.len() {
            let (_, events) = &self.ready[index];
            let Some(first) = events.first() else {
                self.ready.remove(index);
                continue;
            };
            let is_trade = events.iter().all(|e| e.kind == EventKind::Trade);
            // With no window, any step back is the merge's error to report.
            if is_trade && self.stale_window_ns > 0 && first.exch_ts < oldest_kept {
                self.ready.remove(index);
                self.summary.note(
                    "trade older than the stream already read by more than the reorder window \
                     (a history replayed on subscribing): left out",
                );
                continue;
            }
            self.latest_exch_ts = self.latest_exch_ts.max(first.exch_ts);
            index += 1;
        }
    }
}

/// What a message is, from its probe; `None` for no known exchange.
fn classify(probe: &Probe<'_>) -> Option<Message> {
    if let Some(stream) = probe.stream {
        let name = stream.split_once('@').map_or("", |(_, name)| name);
        return Some(binance_stream(name));
    }
    if let Some(event) = probe.e {
        return Some(match event {
            "depthUpdate" => Message::BinanceDepth,
            "trade" | "aggTrade" => Message::BinanceTrade,
            other => Message::Skipped(
                Venue::Binance,
                format!("Binance `{other}` event: not converted"),
            ),
        });
    }
    if probe.last_update_id.is_some() {
        return Some(Message::BinanceSnapshot);
    }
    if probe.u.is_some() && probe.best_bid_qty.is_some() {
        return Some(binance_stream("bookTicker"));
    }
    if probe.code.is_some() {
        return Some(Message::Skipped(
            Venue::Binance,
            "Binance error answer: no event".to_owned(),
        ));
    }
    if let Some(topic) = probe.topic {
        return Some(if topic.starts_with("orderbook.") {
            Message::BybitBook
        } else if topic.starts_with("publicTrade.") {
            Message::BybitTrades
        } else {
            let name = topic.split('.').next().unwrap_or(topic);
            Message::Skipped(Venue::Bybit, format!("Bybit `{name}` topic: not converted"))
        });
    }
    if let Some(channel) = probe.channel {
        return Some(match channel {
            "l2Book" => Message::HyperliquidBook,
            "trades" => Message::HyperliquidTrades,
            other => Message::Skipped(
                Venue::Hyperliquid,
                format!("Hyperliquid `{other}` channel: not converted"),
            ),
        });
    }
    None
}

/// A Binance combined stream by its name after `symbol@`.
fn binance_stream(name: &str) -> Message {
    let kind = name.split('@').next().unwrap_or(name);
    match kind {
        // `depth` and `depth@100ms` are diffs; `depth5`, `depth20` are
        // partial books of another layout.
        "depth" => Message::BinanceDepth,
        "trade" | "aggTrade" => Message::BinanceTrade,
        "bookTicker" => Message::Skipped(
            Venue::Binance,
            "Binance bookTicker: not converted (the depth stream carries the book)".to_owned(),
        ),
        other => Message::Skipped(
            Venue::Binance,
            format!("Binance `{other}` stream: not converted"),
        ),
    }
}

/// The receive time of a line in ns, by its number of digits.
fn local_ns(prefix: &str) -> Option<i64> {
    if prefix.is_empty() || !prefix.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let value: i64 = prefix.parse().ok()?;
    match prefix.len() {
        18..=19 => Some(value),
        15..=17 => value.checked_mul(1_000),
        12..=14 => value.checked_mul(1_000_000),
        _ => None,
    }
}

impl EventSource for CollectorSource {
    fn next_batch(&mut self, out: &mut Vec<MarketEvent>) -> Result<Option<RowRef>, ImportError> {
        self.fill()?;
        match self.ready.pop_front() {
            Some((at, events)) => {
                out.clear();
                out.extend_from_slice(&events);
                Ok(Some(at))
            }
            None => Ok(None),
        }
    }

    fn file(&self) -> &Path {
        self.current_file()
    }

    fn summary(&self) -> &InputSummary {
        &self.summary
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind_of(json: &str) -> Option<Message> {
        classify(&serde_json::from_str::<Probe<'_>>(json).expect("a JSON object"))
    }

    #[test]
    fn messages_are_told_apart_by_their_keys() {
        assert!(matches!(
            kind_of(r#"{"stream":"btcusdt@depth@100ms","data":{}}"#),
            Some(Message::BinanceDepth)
        ));
        assert!(matches!(
            kind_of(r#"{"e":"aggTrade","T":1,"p":"1","q":"1","m":true}"#),
            Some(Message::BinanceTrade)
        ));
        assert!(matches!(
            kind_of(r#"{"u":400900217,"s":"BNBUSDT","b":"25.35","B":"31.2","a":"25.36","A":"40.6"}"#),
            Some(Message::Skipped(Venue::Binance, note)) if note.contains("bookTicker")
        ));
        assert!(matches!(
            kind_of(r#"{"stream":"btcusdt@depth20@100ms","data":{}}"#),
            Some(Message::Skipped(Venue::Binance, note)) if note.contains("`depth20` stream")
        ));
        assert!(matches!(
            kind_of(r#"{"topic":"orderbook.1.BTCUSDT","type":"delta"}"#),
            Some(Message::BybitBook)
        ));
        assert!(matches!(
            kind_of(r#"{"channel":"l2Book"}"#),
            Some(Message::HyperliquidBook)
        ));
        assert!(kind_of(r#"{"arg":{"channel":"books"},"data":[]}"#).is_none());
    }

    #[test]
    fn receive_times_scale_by_their_digits() {
        assert_eq!(
            local_ns("1723161255030314667"),
            Some(1_723_161_255_030_314_667)
        );
        assert_eq!(
            local_ns("1660228023037049"),
            Some(1_660_228_023_037_049_000)
        );
        assert_eq!(local_ns("1660228023037"), Some(1_660_228_023_037_000_000));
        assert_eq!(local_ns("12x"), None);
        assert_eq!(local_ns("123"), None);
    }
}
