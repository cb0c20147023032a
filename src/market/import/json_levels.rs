//! Pieces shared by the JSON-line converters (exchange captures, Bybit
//! order-book files): decimal strings to ticks and lots, level lists to
//! events, millisecond times to ns, and a line reader that names its lines.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use super::source::grid_problem;
use super::{ImportError, RowRef};
use crate::market::{flags, EventKind, Instrument, MarketEvent, Side};

/// A `[price, qty]` pair as the exchanges write it: two decimal strings.
pub(crate) type JsonLevel<'a> = [&'a str; 2];

/// Where a JSON value sits, for errors: the file and its line.
#[derive(Clone, Copy)]
pub(crate) struct JsonAt<'a> {
    pub file: &'a Path,
    pub line: u64,
}

/// The one symbol a file or capture may hold: the first one seen; any
/// other is an error naming the field.
#[derive(Clone, Debug, Default)]
pub(crate) struct OneSymbol(Option<String>);

impl OneSymbol {
    /// Checks `value` of `field` against the first symbol; `holder` says
    /// what holds them in the error ("the file holds several symbols").
    pub fn check(
        &mut self,
        at: JsonAt<'_>,
        field: &str,
        value: &str,
        holder: &str,
    ) -> Result<(), ImportError> {
        match &self.0 {
            None => self.0 = Some(value.to_owned()),
            Some(first) if first != value => {
                return Err(at.error(field, value, format!("{holder} (the first is {first:?})")))
            }
            Some(_) => {}
        }
        Ok(())
    }
}

impl JsonAt<'_> {
    /// An error about `field` holding `value`.
    pub fn error(&self, field: &str, value: &str, problem: impl Into<String>) -> ImportError {
        ImportError::row(self.file, RowRef::Line(self.line), field, value, problem)
    }

    /// A decimal string as a price in ticks.
    pub fn ticks(&self, field: &str, raw: &str, inst: &Instrument) -> Result<i64, ImportError> {
        let value: f64 = raw
            .trim()
            .parse()
            .map_err(|_| self.error(field, raw, "not a number"))?;
        inst.ticks_from_price(value)
            .map_err(|err| self.error(field, raw, grid_problem(&err)))
    }

    /// A decimal string as a quantity in lots (never negative).
    pub fn lots(&self, field: &str, raw: &str, inst: &Instrument) -> Result<i64, ImportError> {
        let value: f64 = raw
            .trim()
            .parse()
            .map_err(|_| self.error(field, raw, "not a number"))?;
        let lots = inst
            .lots_from_qty(value)
            .map_err(|err| self.error(field, raw, grid_problem(&err)))?;
        if lots < 0 {
            return Err(self.error(field, raw, "negative quantity"));
        }
        Ok(lots)
    }

    /// A time in ms since the epoch, in ns.
    pub fn ms_to_ns(&self, field: &str, ms: i64) -> Result<i64, ImportError> {
        ms.checked_mul(1_000_000)
            .ok_or_else(|| self.error(field, &ms.to_string(), "out of range"))
    }

    /// A trade at `time` (its field and ms since the epoch) of `price` and
    /// `qty` (each its field and decimal text), aggressor `side`, seen at
    /// `local_ts`: one event, last of its batch. Errors name the field.
    pub fn trade(
        &self,
        time: (&str, i64),
        price: (&str, &str),
        qty: (&str, &str),
        side: Side,
        local_ts: i64,
        inst: &Instrument,
    ) -> Result<MarketEvent, ImportError> {
        Ok(MarketEvent {
            exch_ts: self.ms_to_ns(time.0, time.1)?,
            local_ts,
            price: self.ticks(price.0, price.1, inst)?,
            qty: self.lots(qty.0, qty.1, inst)?,
            kind: EventKind::Trade,
            side,
            flags: flags::LAST_IN_BATCH,
            ..MarketEvent::default()
        })
    }

    /// Appends one event per level of `side` (`kind` depth or snapshot).
    #[expect(
        clippy::too_many_arguments,
        reason = "the pieces of one message and where its events go"
    )]
    pub fn levels(
        &self,
        field: &str,
        levels: &[JsonLevel<'_>],
        side: Side,
        kind: EventKind,
        base: MarketEvent,
        inst: &Instrument,
        out: &mut Vec<MarketEvent>,
    ) -> Result<(), ImportError> {
        let flag = if kind == EventKind::Snapshot {
            flags::SNAPSHOT
        } else {
            0
        };
        for [price, qty] in levels {
            out.push(MarketEvent {
                kind,
                side,
                price: self.ticks(field, price, inst)?,
                qty: self.lots(field, qty, inst)?,
                flags: flag,
                ..base
            });
        }
        Ok(())
    }
}

/// Marks the last event of `events` as the end of its batch.
pub(crate) fn end_batch(events: &mut [MarketEvent]) {
    if let Some(last) = events.last_mut() {
        last.flags |= flags::LAST_IN_BATCH;
    }
}

/// Opens a full-book snapshot: a clear of both sides, flagged SNAPSHOT.
pub(crate) fn snapshot_clear(base: MarketEvent) -> MarketEvent {
    MarketEvent {
        kind: EventKind::Clear,
        side: Side::None,
        flags: flags::SNAPSHOT,
        ..base
    }
}

/// Lines of a text input, counted from 1, with their line ending removed.
pub(crate) struct Lines {
    reader: BufReader<Box<dyn Read + Send>>,
    /// The current line (without its ending).
    pub text: String,
    /// Its number, from 1.
    pub number: u64,
}

impl Lines {
    /// Reads lines from `reader`.
    pub fn new(reader: Box<dyn Read + Send>) -> Self {
        Lines {
            reader: BufReader::with_capacity(1 << 16, reader),
            text: String::new(),
            number: 0,
        }
    }

    /// Reads the next line; `Ok(false)` at the end.
    pub fn next_line(&mut self, file: &Path) -> Result<bool, ImportError> {
        self.text.clear();
        let read = self.reader.read_line(&mut self.text).map_err(|err| {
            if err.kind() == std::io::ErrorKind::InvalidData {
                ImportError::format(file, format!("line {}: not UTF-8 text", self.number + 1))
            } else {
                ImportError::io(file, err)
            }
        })?;
        if read == 0 {
            return Ok(false);
        }
        self.number += 1;
        while self.text.ends_with(['\n', '\r']) {
            self.text.pop();
        }
        Ok(true)
    }
}
