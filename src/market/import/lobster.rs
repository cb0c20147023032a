//! LOBSTER message + orderbook file pairs
//! (`TICKER_YYYY-MM-DD_START_END_message_N.csv` and its
//! `..._orderbook_N.csv` sibling; no header lines).
//!
//! **Time.** The date comes from the file name; `time` is seconds after
//! midnight New York time, read exactly to the ns and converted to UTC with
//! the US daylight-saving rule of [`super::ny_time`] (2012-06-21 is EDT, so
//! 09:30 New York is 13:30 UTC). LOBSTER records a single (exchange) clock:
//! `local_ts` = `exch_ts`.
//!
//! **Events of message k** (one batch, `LAST_IN_BATCH` on its last event):
//! - the order-by-order event: type 1 → `add`; type 2 (partial cancel) →
//!   `modify` to the order's remaining size; type 3 → `cancel`; type 4
//!   (visible execution) → `trade` (aggressor = the opposite of
//!   `direction`, since an execution of a sell order is a buy) then `fill`
//!   of the resting order; type 5 (hidden execution) → `trade` only, the
//!   visible book is unchanged (a hidden execution at half a tick, a
//!   midpoint execution at half a cent, is a trade flagged `HALF_TICK` at
//!   the tick below: its exact price, while the instrument keeps its tick;
//!   the summary counts them); type 6 (cross) → `trade` with no aggressor;
//!   type 7 (trading halt) → `status`, by its price: −1 `halted`, 0
//!   `pre_open` (quotes resume, nothing matches yet), 1 `trading`;
//! - then the L2 view, from the orderbook file: a `depth` event for every
//!   level of the top N that differs from row k−1 (size 0 for a level that
//!   left the top N). The first row instead opens the stream with a
//!   `clear` and the N levels per side as `snapshot` events. So the L2 book
//!   rebuilt from the output equals the orderbook file after every message,
//!   levels that enter from beyond depth N included: those come from the
//!   orderbook file, never inferred from messages (which leave them out).
//!
//! **Orders not seen before.** Orders placed before the file starts, or
//! while beyond the top N, have no `add`. Their cancels and fills are
//! written as they are (an L3 book ignores them); a partial cancel of such
//! an order cannot say the remaining size, so it gives no L3 event (its
//! depth change is still written) and is counted in the summary.
//!
//! Prices are dollars × 10 000 in the files and are converted to ticks of
//! the instrument (default tick 0.01, lot 1 share).

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use csv::ByteRecord;

use super::lobster_book::{line_of, single_step_difference, LobsterBookRow, LobsterMessage};
use super::ny_time::utc_ns_from_new_york;
use super::source::{csv_reader, grid_problem, read_record, Fields};
use super::{EventSource, ImportError, InputSummary, RowRef};
use crate::market::catalog::Day;
use crate::market::{flags, EventKind, Instrument, MarketEvent, MarketState, Side};

/// What a LOBSTER file name says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LobsterName {
    /// Ticker, e.g. `AAPL`.
    pub ticker: String,
    /// Trading day (New York).
    pub day: Day,
    /// Number of levels in the orderbook file.
    pub depth: usize,
    /// True for a message file, false for an orderbook file.
    pub is_message: bool,
}

impl LobsterName {
    /// Parses `TICKER_YYYY-MM-DD_START_END_(message|orderbook)_N.csv`.
    pub fn parse(path: &Path) -> Result<Self, ImportError> {
        let bad = |why: &str| {
            ImportError::format(
                path,
                format!(
                    "{why}: LOBSTER files are named TICKER_YYYY-MM-DD_START_END_message_N.csv \
                     and TICKER_YYYY-MM-DD_START_END_orderbook_N.csv"
                ),
            )
        };
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| bad("not a file name"))?;
        let stem = name.strip_suffix(".csv").unwrap_or(name);
        let parts: Vec<&str> = stem.rsplitn(6, '_').collect();
        let [depth, what, _end, _start, day, ticker] = parts.as_slice() else {
            return Err(bad("unexpected file name"));
        };
        let depth: usize = depth
            .parse()
            .map_err(|_| bad("no level count at the end"))?;
        if depth == 0 {
            return Err(bad("level count 0"));
        }
        let is_message = match *what {
            "message" => true,
            "orderbook" => false,
            _ => return Err(bad("neither `message` nor `orderbook` in the name")),
        };
        let day: Day = day
            .parse()
            .map_err(|_| bad("no YYYY-MM-DD date in the name"))?;
        Ok(LobsterName {
            ticker: (*ticker).to_owned(),
            day,
            depth,
            is_message,
        })
    }
}

/// The orderbook file that goes with a message file, and the other way round.
pub fn sibling(path: &Path, name: &LobsterName) -> PathBuf {
    let file = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (from, to) = if name.is_message {
        ("_message_", "_orderbook_")
    } else {
        ("_orderbook_", "_message_")
    };
    match file.rfind(from) {
        Some(at) => path.with_file_name(format!("{}{to}{}", &file[..at], &file[at + from.len()..])),
        None => path.to_owned(),
    }
}

/// Events from one LOBSTER message file and its orderbook file.
pub struct LobsterSource {
    message_file: PathBuf,
    orderbook_file: PathBuf,
    messages: csv::Reader<Box<dyn Read + Send>>,
    books: csv::Reader<Box<dyn Read + Send>>,
    message_record: ByteRecord,
    book_record: ByteRecord,
    day: Day,
    depth: usize,
    instrument: Instrument,
    skip_bad: bool,
    verify: bool,
    summary: InputSummary,
    prev: LobsterBookRow,
    next: LobsterBookRow,
    /// False before the first row and after a skipped row.
    has_prev: bool,
    has_written: bool,
    /// Remaining shares of the orders seen added.
    orders: HashMap<u64, i64>,
}

impl LobsterSource {
    /// Opens a message file (or an orderbook file) and its sibling.
    /// With `verify`, every message is checked against the orderbook file
    /// (see [`super::lobster_book`]) and the first difference is an error.
    pub fn open(
        path: &Path,
        instrument: &Instrument,
        skip_bad: bool,
        verify: bool,
    ) -> Result<Self, ImportError> {
        let name = LobsterName::parse(path)?;
        let other = sibling(path, &name);
        let (message_file, orderbook_file) = if name.is_message {
            (path.to_owned(), other)
        } else {
            (other, path.to_owned())
        };
        for file in [&message_file, &orderbook_file] {
            if !file.is_file() {
                return Err(ImportError::format(
                    file,
                    "missing: a LOBSTER message file needs its orderbook file (and the other way round) in the same folder",
                ));
            }
        }
        Ok(LobsterSource {
            summary: InputSummary::new(
                message_file.clone(),
                format!("lobster {} {} level {}", name.ticker, name.day, name.depth),
            ),
            messages: csv_reader(&message_file)?,
            books: csv_reader(&orderbook_file)?,
            message_file,
            orderbook_file,
            message_record: ByteRecord::new(),
            book_record: ByteRecord::new(),
            day: name.day,
            depth: name.depth,
            instrument: instrument.clone(),
            skip_bad,
            verify,
            prev: LobsterBookRow::default(),
            next: LobsterBookRow::default(),
            has_prev: false,
            has_written: false,
            orders: HashMap::new(),
        })
    }

    /// Converts message row k and orderbook row k into `out`.
    fn convert_row(&mut self, out: &mut Vec<MarketEvent>) -> Result<(), ImportError> {
        out.clear();
        let message_row = Fields::new(&self.message_file, &self.message_record);
        let message = LobsterMessage::parse(&message_row)?;
        let book_row = Fields::new(&self.orderbook_file, &self.book_record);
        let mut next = std::mem::take(&mut self.next);
        let parsed = next.parse_into(&book_row, self.depth);
        self.next = next;
        parsed?;
        if self.verify && self.has_prev {
            if let Some(detail) =
                single_step_difference(&self.prev, &message, &self.next, self.depth)
            {
                return Err(ImportError::Mismatch {
                    file: self.orderbook_file.clone(),
                    line: line_of(&self.book_record).number(),
                    detail: format!(
                        "after message line {}: {detail}",
                        line_of(&self.message_record)
                    ),
                });
            }
        }
        let ts = utc_ns_from_new_york(self.day, message.time_ns);
        let base = MarketEvent {
            exch_ts: ts,
            local_ts: ts,
            ..MarketEvent::default()
        };
        if !self.has_written {
            out.push(MarketEvent {
                kind: EventKind::Clear,
                side: Side::None,
                flags: flags::SNAPSHOT,
                ..base
            });
            for (side, levels) in [(Side::Buy, &self.next.bids), (Side::Sell, &self.next.asks)] {
                for &(price, size) in levels {
                    out.push(MarketEvent {
                        kind: EventKind::Snapshot,
                        side,
                        price: ticks(&self.instrument, &book_row, "orderbook price", price)?,
                        qty: lots(&self.instrument, &book_row, "orderbook size", size)?,
                        flags: flags::SNAPSHOT,
                        ..base
                    });
                }
            }
        }
        order_events(
            &mut self.orders,
            &mut self.summary,
            &self.instrument,
            &message,
            &message_row,
            base,
            out,
        )?;
        if self.has_written {
            for (side, before, after) in [
                (Side::Buy, &self.prev.bids, &self.next.bids),
                (Side::Sell, &self.prev.asks, &self.next.asks),
            ] {
                for &(price, _) in before {
                    if !after.iter().any(|&(p, _)| p == price) {
                        out.push(MarketEvent {
                            kind: EventKind::Depth,
                            side,
                            price: ticks(&self.instrument, &book_row, "orderbook price", price)?,
                            qty: 0,
                            ..base
                        });
                    }
                }
                for &(price, size) in after {
                    if !before.contains(&(price, size)) {
                        out.push(MarketEvent {
                            kind: EventKind::Depth,
                            side,
                            price: ticks(&self.instrument, &book_row, "orderbook price", price)?,
                            qty: lots(&self.instrument, &book_row, "orderbook size", size)?,
                            ..base
                        });
                    }
                }
            }
        }
        if let Some(last) = out.last_mut() {
            last.flags |= flags::LAST_IN_BATCH;
        }
        Ok(())
    }
}

/// The order-by-order events of one message (see the module docs).
#[allow(clippy::too_many_arguments)]
fn order_events(
    orders: &mut HashMap<u64, i64>,
    summary: &mut InputSummary,
    instrument: &Instrument,
    message: &LobsterMessage,
    row: &Fields<'_>,
    base: MarketEvent,
    out: &mut Vec<MarketEvent>,
) -> Result<(), ImportError> {
    if message.kind == 7 {
        out.push(MarketEvent::status(base.exch_ts, halt_state(message, row)?).with_flags(0));
        return Ok(());
    }
    let book_side = if message.is_buy() {
        Side::Buy
    } else {
        Side::Sell
    };
    let (price, trade_flags) = match ticks(instrument, row, "price", message.price) {
        Ok(price) => (price, 0),
        Err(_) if message.kind == 5 => {
            let below = half_tick_below(instrument, message.price).ok_or_else(|| {
                row.error(
                    "price",
                    message.price.to_string().as_bytes(),
                    format!(
                        "a hidden execution neither on the tick grid {} nor halfway between two \
                         ticks: pass a finer --tick-size",
                        instrument.tick_size
                    ),
                )
            })?;
            (below, flags::HALF_TICK)
        }
        Err(err) => return Err(err),
    };
    let qty = lots(instrument, row, "size", message.size)?;
    let order = MarketEvent {
        order_id: message.order_id,
        side: book_side,
        price,
        qty,
        ..base
    };
    let trade = MarketEvent {
        kind: EventKind::Trade,
        side: book_side.opposite(),
        price,
        qty,
        flags: trade_flags,
        ..base
    };
    match message.kind {
        1 => {
            orders.insert(message.order_id, message.size);
            out.push(MarketEvent {
                kind: EventKind::Add,
                ..order
            });
        }
        2 => match orders.get_mut(&message.order_id) {
            Some(left) => {
                *left = (*left - message.size).max(0);
                let left_lots = lots(instrument, row, "size", *left)?;
                out.push(MarketEvent {
                    kind: EventKind::Modify,
                    qty: left_lots,
                    ..order
                });
            }
            None => summary.note(
                "partial cancel of an order never seen added: no L3 event (depth still written)",
            ),
        },
        3 => {
            if orders.remove(&message.order_id).is_none() {
                summary.note("delete of an order never seen added (written as cancel)");
            }
            out.push(MarketEvent {
                kind: EventKind::Cancel,
                ..order
            });
        }
        4 => {
            match orders.get_mut(&message.order_id) {
                Some(left) => {
                    *left -= message.size;
                    if *left <= 0 {
                        orders.remove(&message.order_id);
                    }
                }
                None => {
                    summary.note("execution of an order never seen added (written as trade + fill)")
                }
            }
            out.push(trade);
            out.push(MarketEvent {
                kind: EventKind::Fill,
                ..order
            });
        }
        5 => {
            summary.note("hidden execution: trade only, the visible book is unchanged");
            if trade_flags & flags::HALF_TICK != 0 {
                summary.note(
                    "hidden execution half a tick off the grid: trade flagged HALF_TICK at its exact price",
                );
            }
            out.push(trade);
        }
        6 => {
            summary.note("cross trade: trade with no aggressor side");
            out.push(MarketEvent {
                side: Side::None,
                ..trade
            });
        }
        _ => {}
    }
    Ok(())
}

/// The state a type-7 (trading halt) message announces, by its price:
/// −1 halt, 0 quoting resumes (a pre-open, nothing matches yet), 1 trading
/// resumes.
fn halt_state(message: &LobsterMessage, row: &Fields<'_>) -> Result<MarketState, ImportError> {
    match message.price {
        -1 => Ok(MarketState::Halted),
        0 => Ok(MarketState::PreOpen),
        1 => Ok(MarketState::Trading),
        other => Err(row.error(
            "price",
            other.to_string().as_bytes(),
            "a trading halt message (type 7) has price -1 (halt), 0 (quotes resume) or 1 (trading resumes)",
        )),
    }
}

fn ticks(
    instrument: &Instrument,
    row: &Fields<'_>,
    field: &str,
    price: i64,
) -> Result<i64, ImportError> {
    instrument
        .ticks_from_price(price as f64 / 10_000.0)
        .map_err(|err| row.error(field, price.to_string().as_bytes(), grid_problem(&err)))
}

/// The tick just below a hidden execution that printed exactly halfway
/// between two ticks (a midpoint execution at half a cent); `None` for a
/// price elsewhere off the grid.
fn half_tick_below(instrument: &Instrument, price: i64) -> Option<i64> {
    let below = price as f64 / 10_000.0 - instrument.tick_size / 2.0;
    let ticks = instrument.ticks_from_price(below).ok()?;
    // The float check above has a tolerance; the file's integers are exact.
    let tick_units = (instrument.tick_size * 10_000.0).round() as i64;
    let halfway = tick_units % 2 == 0 && ticks.checked_mul(tick_units)? + tick_units / 2 == price;
    halfway.then_some(ticks)
}

fn lots(
    instrument: &Instrument,
    row: &Fields<'_>,
    field: &str,
    size: i64,
) -> Result<i64, ImportError> {
    instrument
        .lots_from_qty(size as f64)
        .map_err(|err| row.error(field, size.to_string().as_bytes(), grid_problem(&err)))
}

impl EventSource for LobsterSource {
    fn next_batch(&mut self, out: &mut Vec<MarketEvent>) -> Result<Option<RowRef>, ImportError> {
        loop {
            if !read_record(
                &mut self.messages,
                &mut self.message_record,
                &self.message_file,
            )? {
                if read_record(&mut self.books, &mut self.book_record, &self.orderbook_file)? {
                    return Err(ImportError::format(
                        &self.orderbook_file,
                        format!(
                            "has more rows than its message file (line {} has no message)",
                            line_of(&self.book_record)
                        ),
                    ));
                }
                return Ok(None);
            }
            if !read_record(&mut self.books, &mut self.book_record, &self.orderbook_file)? {
                return Err(ImportError::format(
                    &self.orderbook_file,
                    format!(
                        "ends before its message file (message line {} has no book row)",
                        line_of(&self.message_record)
                    ),
                ));
            }
            self.summary.rows_read += 1;
            let at = line_of(&self.message_record);
            match self.convert_row(out) {
                Ok(()) => {
                    self.summary.rows_converted += 1;
                    std::mem::swap(&mut self.prev, &mut self.next);
                    self.has_prev = true;
                    self.has_written = true;
                    return Ok(Some(at));
                }
                Err(err) if self.skip_bad && err.skip_reason().is_some() => {
                    self.summary.skip(&err);
                    self.has_prev = false;
                }
                Err(err) => return Err(err),
            }
        }
    }

    fn file(&self) -> &Path {
        &self.message_file
    }

    fn summary(&self) -> &InputSummary {
        &self.summary
    }
}
