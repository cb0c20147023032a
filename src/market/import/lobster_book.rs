//! LOBSTER rows in the vendor's own units, and the check of a message file
//! against its orderbook file.
//!
//! Prices are dollars × 10 000 and sizes are shares, as in the files. The
//! orderbook file holds the top N levels after each message; an empty level
//! is written as ask 9 999 999 999 / bid −9 999 999 999 with size 0.
//!
//! **What can be checked.** A level-N message file leaves out every event
//! beyond the N best levels. So when an inside level goes away, the level
//! that moves up into view can hold a size no message ever announced, and a
//! book rebuilt from the messages alone drifts away from the file (on the
//! AAPL 2012-06-21 level-10 sample, from row 441 on). The exact check is
//! therefore single-step: take orderbook row k−1 as the book, apply message
//! k, and compare with row k on every level that can be known — all N,
//! except levels that enter from beyond the N-th price of row k−1.

use std::path::Path;

use super::source::{csv_reader, read_record, record_line, Fields};
use super::{ImportError, RowRef};

/// Price of an empty ask level in a LOBSTER orderbook file.
const EMPTY_ASK_PRICE: i64 = 9_999_999_999;
/// Price of an empty bid level in a LOBSTER orderbook file.
const EMPTY_BID_PRICE: i64 = -9_999_999_999;

/// One line of a LOBSTER message file, in the file's units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LobsterMessage {
    /// Time after midnight New York time, in ns.
    pub time_ns: i64,
    /// Message type: 1 submit, 2 partial cancel, 3 delete, 4 visible
    /// execution, 5 hidden execution, 6 cross trade, 7 halt.
    pub kind: u8,
    /// Order id (0 for hidden executions).
    pub order_id: u64,
    /// Shares: submitted, cancelled or executed.
    pub size: i64,
    /// Price in dollars × 10 000.
    pub price: i64,
    /// +1 buy limit order, −1 sell limit order.
    pub direction: i8,
}

impl LobsterMessage {
    /// Reads one message row; errors name the field.
    pub(crate) fn parse(row: &Fields<'_>) -> Result<Self, ImportError> {
        let kind = row.i64(1, "type")?;
        if !(1..=7).contains(&kind) {
            let raw = row.raw(1, "type")?;
            return Err(row.error(
                "type",
                raw,
                "unknown LOBSTER message type (expected 1 to 7)",
            ));
        }
        let direction = row.i64(5, "direction")?;
        if direction != 1 && direction != -1 {
            let raw = row.raw(5, "direction")?;
            return Err(row.error("direction", raw, "expected 1 (buy) or -1 (sell)"));
        }
        let order_id = row.i64(2, "order_id")?;
        let order_id = u64::try_from(order_id).map_err(|_| {
            row.error(
                "order_id",
                row.raw(2, "order_id").unwrap_or_default(),
                "negative",
            )
        })?;
        let size = row.i64(3, "size")?;
        if size < 0 {
            return Err(row.error("size", row.raw(3, "size")?, "negative size"));
        }
        Ok(LobsterMessage {
            time_ns: row.scaled(0, "time", 9)?,
            kind: kind as u8,
            order_id,
            size,
            price: row.i64(4, "price")?,
            direction: direction as i8,
        })
    }

    /// True for a buy (bid) order.
    pub fn is_buy(&self) -> bool {
        self.direction > 0
    }
}

/// One line of a LOBSTER orderbook file: levels best first, empty levels
/// left out, in the file's units (price × 10 000, shares).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LobsterBookRow {
    /// Ask levels (price, size), lowest first.
    pub asks: Vec<(i64, i64)>,
    /// Bid levels (price, size), highest first.
    pub bids: Vec<(i64, i64)>,
}

impl LobsterBookRow {
    /// Reads one orderbook row of `depth` levels into `self`.
    pub(crate) fn parse_into(&mut self, row: &Fields<'_>, depth: usize) -> Result<(), ImportError> {
        self.asks.clear();
        self.bids.clear();
        if row.record.len() != 4 * depth {
            return Err(row.error(
                "orderbook row",
                b"",
                format!(
                    "expected {} fields for {depth} levels, found {}",
                    4 * depth,
                    row.record.len()
                ),
            ));
        }
        const NAMES: [&str; 4] = ["ask_price", "ask_size", "bid_price", "bid_size"];
        let mut values = [0_i64; 4];
        for level in 0..depth {
            for (i, value) in values.iter_mut().enumerate() {
                let index = 4 * level + i;
                let raw = row.record.get(index).unwrap_or_default().trim_ascii();
                *value = super::source::parse_scaled(raw, 0).ok_or_else(|| {
                    row.error(
                        &format!("{}_{}", NAMES[i], level + 1),
                        raw,
                        "not an integer",
                    )
                })?;
            }
            let [ask_price, ask_size, bid_price, bid_size] = values;
            if ask_price != EMPTY_ASK_PRICE && ask_size > 0 {
                self.asks.push((ask_price, ask_size));
            }
            if bid_price != EMPTY_BID_PRICE && bid_size > 0 {
                self.bids.push((bid_price, bid_size));
            }
        }
        Ok(())
    }

    /// The levels of one side: bids when `is_bid`.
    pub fn side(&self, is_bid: bool) -> &[(i64, i64)] {
        if is_bid {
            &self.bids
        } else {
            &self.asks
        }
    }
}

/// The first difference between `next` and the book of `prev` after
/// `message`, on the levels that can be known (see the module docs);
/// `None` when they agree.
pub fn single_step_difference(
    prev: &LobsterBookRow,
    message: &LobsterMessage,
    next: &LobsterBookRow,
    depth: usize,
) -> Option<String> {
    for is_bid in [true, false] {
        let before = prev.side(is_bid);
        let better = |a: i64, b: i64| if is_bid { a > b } else { a < b };
        // Prices at least as good as the N-th level of a full side are known;
        // a side with fewer than N levels is known entirely.
        let boundary = (before.len() >= depth).then(|| before[before.len() - 1].0);
        let is_known = |price: i64| boundary.is_none_or(|b| price == b || better(price, b));
        let mut stepped: Vec<(i64, i64)> = before.to_vec();
        if message.is_buy() == is_bid && is_known(message.price) {
            let delta = match message.kind {
                1 => message.size,
                2..=4 => -message.size,
                _ => 0,
            };
            if delta != 0 {
                match stepped.iter().position(|&(p, _)| p == message.price) {
                    Some(i) => {
                        stepped[i].1 += delta;
                        if stepped[i].1 <= 0 {
                            stepped.remove(i);
                        }
                    }
                    None if delta > 0 => {
                        let at = stepped
                            .iter()
                            .position(|&(p, _)| better(message.price, p))
                            .unwrap_or(stepped.len());
                        stepped.insert(at, (message.price, delta));
                    }
                    None => {}
                }
            }
        }
        let after = next.side(is_bid);
        let known_after: Vec<(i64, i64)> = after
            .iter()
            .copied()
            .filter(|&(p, _)| is_known(p))
            .collect();
        let compared = if after.len() < depth {
            stepped.len().max(known_after.len())
        } else {
            known_after.len()
        };
        for level in 0..compared {
            let expected = stepped.get(level);
            let found = known_after.get(level);
            if expected != found {
                let show = |l: Option<&(i64, i64)>| {
                    l.map_or("no level".to_owned(), |(p, s)| format!("{p} × {s}"))
                };
                return Some(format!(
                    "{} level {}: the previous row and this message give {}, the orderbook file has {}",
                    if is_bid { "bid" } else { "ask" },
                    level + 1,
                    show(expected),
                    show(found)
                ));
            }
        }
    }
    None
}

/// How `--verify` rebuilds the book it compares with the orderbook file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerifyMode {
    /// Row k−1 plus message k against row k, on every knowable level: the
    /// exact check.
    SingleStep,
    /// A book seeded from row 1 and then built from the messages alone,
    /// against each row's best bid and ask. Shows how far a message-only
    /// rebuild drifts; it is not expected to agree on level-N files.
    Continuous,
}

/// What a verification found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VerifyReport {
    /// Message rows checked.
    pub rows: u64,
    /// Lines (message k is on line k) whose book differs.
    pub mismatched_lines: Vec<u64>,
    /// The first difference, described.
    pub first_difference: Option<String>,
}

/// Checks a message file against its orderbook file with `mode`.
pub fn verify_files(
    message_file: &Path,
    orderbook_file: &Path,
    depth: usize,
    mode: VerifyMode,
) -> Result<VerifyReport, ImportError> {
    let mut messages = csv_reader(message_file)?;
    let mut books = csv_reader(orderbook_file)?;
    let (mut message_record, mut book_record) = (csv::ByteRecord::new(), csv::ByteRecord::new());
    let (mut prev, mut next) = (LobsterBookRow::default(), LobsterBookRow::default());
    let mut rebuilt: Option<ContinuousBook> = None;
    let mut report = VerifyReport::default();
    while read_record(&mut messages, &mut message_record, message_file)? {
        if !read_record(&mut books, &mut book_record, orderbook_file)? {
            return Err(ImportError::format(
                orderbook_file,
                format!(
                    "ends before the message file (line {})",
                    record_line(&message_record)
                ),
            ));
        }
        let message = LobsterMessage::parse(&Fields::new(message_file, &message_record))?;
        next.parse_into(&Fields::new(orderbook_file, &book_record), depth)?;
        let line = record_line(&book_record);
        let difference = match mode {
            VerifyMode::SingleStep if report.rows > 0 => {
                single_step_difference(&prev, &message, &next, depth)
            }
            VerifyMode::SingleStep => None,
            VerifyMode::Continuous => match rebuilt.as_mut() {
                None => {
                    rebuilt = Some(ContinuousBook::from_row(&next));
                    None
                }
                Some(book) => {
                    book.apply(&message);
                    book.top_difference(&next)
                }
            },
        };
        if let Some(detail) = difference {
            report.mismatched_lines.push(line);
            report
                .first_difference
                .get_or_insert(format!("line {line}: {detail}"));
        }
        report.rows += 1;
        std::mem::swap(&mut prev, &mut next);
    }
    Ok(report)
}

/// A price-level book built from messages only (for [`VerifyMode::Continuous`]).
struct ContinuousBook {
    bids: std::collections::BTreeMap<i64, i64>,
    asks: std::collections::BTreeMap<i64, i64>,
}

impl ContinuousBook {
    fn from_row(row: &LobsterBookRow) -> Self {
        ContinuousBook {
            bids: row.bids.iter().copied().collect(),
            asks: row.asks.iter().copied().collect(),
        }
    }

    fn apply(&mut self, message: &LobsterMessage) {
        let levels = if message.is_buy() {
            &mut self.bids
        } else {
            &mut self.asks
        };
        let delta = match message.kind {
            1 => message.size,
            2..=4 => -message.size,
            _ => return,
        };
        let qty = levels.entry(message.price).or_insert(0);
        *qty += delta;
        if *qty <= 0 {
            levels.remove(&message.price);
        }
    }

    fn top_difference(&self, row: &LobsterBookRow) -> Option<String> {
        let bid = self.bids.iter().next_back().map(|(&p, &s)| (p, s));
        let ask = self.asks.iter().next().map(|(&p, &s)| (p, s));
        let (file_bid, file_ask) = (row.bids.first().copied(), row.asks.first().copied());
        (bid != file_bid || ask != file_ask).then(|| {
            format!(
                "best bid/ask from the messages {bid:?} / {ask:?}, orderbook file {file_bid:?} / {file_ask:?}"
            )
        })
    }
}

/// The position of a message row, for errors.
pub(crate) fn line_of(record: &csv::ByteRecord) -> RowRef {
    RowRef::Line(record_line(record))
}
