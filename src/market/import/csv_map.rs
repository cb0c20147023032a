//! Plain CSV files with a header line, read through a column map:
//! `--map exch_ts=ts,price=px,qty=size,side=side,kind=const:trade`.
//!
//! Fields: `exch_ts` (required), `local_ts` (default: `exch_ts`), `kind`
//! (a column of kind names, or `const:NAME`), `side` (bid/ask/buy/sell/b/a/s,
//! or `const:...`; default none), `price`, `qty` (natural units, converted
//! to ticks and lots; required by every kind but `clear`), `order_id`
//! (default 0) and `flags` (an integer bit set; by default a row ends its
//! batch when the next row's `exch_ts` differs, and snapshot rows get the
//! SNAPSHOT bit, as in the canonical Parquet reader). Timestamps are
//! decimal numbers in the chosen unit (`--ts-unit s|ms|us|ns`), read
//! exactly to the ns.

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use csv::ByteRecord;

use super::source::{
    csv_reader, grid_problem, parse_f64, parse_scaled, read_record, record_line, Fields,
};
use super::{EventSource, ImportError, InputSummary, RowRef};
use crate::market::{flags, EventKind, Instrument, MarketEvent, Side};

/// The unit of the timestamp columns of a plain CSV.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TsUnit {
    /// Seconds since the epoch.
    S,
    /// Milliseconds since the epoch.
    Ms,
    /// Microseconds since the epoch.
    Us,
    /// Nanoseconds since the epoch.
    #[default]
    Ns,
}

impl TsUnit {
    /// Decimal digits from this unit down to ns.
    fn exp10(self) -> u32 {
        match self {
            TsUnit::S => 9,
            TsUnit::Ms => 6,
            TsUnit::Us => 3,
            TsUnit::Ns => 0,
        }
    }
}

impl FromStr for TsUnit {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "s" => Ok(TsUnit::S),
            "ms" => Ok(TsUnit::Ms),
            "us" | "µs" => Ok(TsUnit::Us),
            "ns" => Ok(TsUnit::Ns),
            other => Err(format!(
                "unknown timestamp unit {other:?} (expected s, ms, us or ns)"
            )),
        }
    }
}

/// Where a canonical field comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A column, by header name.
    Column(String),
    /// The same value on every row.
    Const(String),
}

/// The canonical fields a CSV column can feed.
const FIELDS: [&str; 8] = [
    "exch_ts", "local_ts", "kind", "side", "price", "qty", "order_id", "flags",
];

/// Which column feeds which canonical field.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CsvMap {
    entries: Vec<(&'static str, Source)>,
}

impl CsvMap {
    fn get(&self, field: &str) -> Option<&Source> {
        self.entries
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, s)| s)
    }
}

impl FromStr for CsvMap {
    type Err = String;

    /// Parses `field=column,field=const:value,...`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let mut map = CsvMap::default();
        for pair in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (field, column) = pair
                .split_once('=')
                .ok_or_else(|| format!("{pair:?} is not FIELD=COLUMN"))?;
            let field = FIELDS.iter().find(|f| **f == field.trim()).ok_or_else(|| {
                format!("unknown field {field:?} (fields: {})", FIELDS.join(", "))
            })?;
            if map.get(field).is_some() {
                return Err(format!("field {field} is mapped twice"));
            }
            let column = column.trim();
            let source = match column.strip_prefix("const:") {
                Some(value) => Source::Const(value.to_owned()),
                None => Source::Column(column.to_owned()),
            };
            map.entries.push((field, source));
        }
        if map.get("exch_ts").is_none() {
            return Err("the map must say where exch_ts comes from (exch_ts=COLUMN)".into());
        }
        if map.get("kind").is_none() {
            return Err(
                "the map must say where kind comes from (kind=COLUMN or kind=const:trade)".into(),
            );
        }
        Ok(map)
    }
}

impl fmt::Display for CsvMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self
            .entries
            .iter()
            .map(|(field, source)| match source {
                Source::Column(c) => format!("{field}={c}"),
                Source::Const(v) => format!("{field}=const:{v}"),
            })
            .collect();
        f.write_str(&parts.join(","))
    }
}

/// A field resolved against the header: a column index or a constant.
#[derive(Debug, Clone)]
enum Resolved {
    Column(usize),
    Const(Vec<u8>),
    Absent,
}

/// Events from one plain CSV file.
pub struct CsvSource {
    path: PathBuf,
    reader: csv::Reader<Box<dyn Read + Send>>,
    record: ByteRecord,
    fields: Vec<(&'static str, Resolved)>,
    ts_exp10: u32,
    instrument: Instrument,
    skip_bad: bool,
    summary: InputSummary,
    pending: Vec<MarketEvent>,
    pending_at: RowRef,
    scratch: Vec<MarketEvent>,
    is_done: bool,
}

impl CsvSource {
    /// Opens `path` and resolves `map` against its header line.
    pub fn open(
        path: &Path,
        map: &CsvMap,
        ts_unit: TsUnit,
        instrument: &Instrument,
        skip_bad: bool,
    ) -> Result<Self, ImportError> {
        let mut reader = csv_reader(path)?;
        let mut record = ByteRecord::new();
        if !read_record(&mut reader, &mut record, path)? {
            return Err(ImportError::format(path, "empty file: no header line"));
        }
        let header: Vec<String> = record
            .iter()
            .map(|name| String::from_utf8_lossy(name.trim_ascii()).into_owned())
            .collect();
        let mut fields = Vec::new();
        for field in FIELDS {
            let resolved = match map.get(field) {
                None => Resolved::Absent,
                Some(Source::Const(value)) => Resolved::Const(value.as_bytes().to_vec()),
                Some(Source::Column(name)) => match header.iter().position(|h| h == name) {
                    Some(index) => Resolved::Column(index),
                    None => {
                        return Err(ImportError::format(
                            path,
                            format!(
                                "no column {name:?} for field {field} (header: {})",
                                header.join(",")
                            ),
                        ))
                    }
                },
            };
            fields.push((field, resolved));
        }
        Ok(CsvSource {
            summary: InputSummary::new(path.to_owned(), format!("csv ({map})")),
            path: path.to_owned(),
            reader,
            record,
            fields,
            ts_exp10: ts_unit.exp10(),
            instrument: instrument.clone(),
            skip_bad,
            pending: Vec::new(),
            pending_at: RowRef::Line(0),
            scratch: Vec::new(),
            is_done: false,
        })
    }
}

impl CsvSource {
    /// The raw value of canonical field `field` on the current row.
    fn value<'a>(&'a self, row: &Fields<'a>, field: &str) -> Result<Option<&'a [u8]>, ImportError> {
        match self
            .fields
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, r)| r)
        {
            Some(Resolved::Column(index)) => row.raw(*index, field).map(Some),
            Some(Resolved::Const(value)) => Ok(Some(value.as_slice())),
            Some(Resolved::Absent) | None => Ok(None),
        }
    }

    fn convert_row(&self, out: &mut Vec<MarketEvent>) -> Result<(), ImportError> {
        out.clear();
        let row = Fields::new(&self.path, &self.record);
        let required = |field: &str| -> Result<&[u8], ImportError> {
            self.value(&row, field)?
                .ok_or_else(|| row.error(field, b"", "required by this kind, but not mapped"))
        };
        let timestamp = |field: &str, raw: &[u8]| {
            parse_scaled(raw, self.ts_exp10).ok_or_else(|| {
                row.error(
                    field,
                    raw,
                    "not a timestamp in the chosen unit (or out of range)",
                )
            })
        };
        let exch_ts = timestamp("exch_ts", required("exch_ts")?)?;
        let local_ts = match self.value(&row, "local_ts")? {
            Some(raw) => timestamp("local_ts", raw)?,
            None => exch_ts,
        };
        let raw_kind = required("kind")?;
        let kind = EventKind::from_bytes(raw_kind).ok_or_else(|| {
            row.error(
                "kind",
                raw_kind,
                "unknown kind (depth, trade, bbo, clear, snapshot, add, modify, cancel, fill)",
            )
        })?;
        let side = match self.value(&row, "side")? {
            Some(raw) => Side::from_bytes(raw).ok_or_else(|| {
                row.error(
                    "side",
                    raw,
                    "unknown side (bid, ask, buy, sell, b, a, s, none)",
                )
            })?,
            None => Side::None,
        };
        let number = |field: &str| -> Result<Option<f64>, ImportError> {
            if kind == EventKind::Clear {
                return Ok(None);
            }
            let raw = required(field)?;
            parse_f64(raw)
                .map(Some)
                .ok_or_else(|| row.error(field, raw, "not a number"))
        };
        let price = match number("price")? {
            Some(value) => self.instrument.ticks_from_price(value).map_err(|err| {
                row.error(
                    "price",
                    required("price").unwrap_or_default(),
                    grid_problem(&err),
                )
            })?,
            None => 0,
        };
        let qty = match number("qty")? {
            Some(value) => self.instrument.lots_from_qty(value).map_err(|err| {
                row.error(
                    "qty",
                    required("qty").unwrap_or_default(),
                    grid_problem(&err),
                )
            })?,
            None => 0,
        };
        if qty < 0 {
            return Err(row.error("qty", required("qty")?, "negative quantity"));
        }
        let order_id = match self.value(&row, "order_id")? {
            Some(raw) if !raw.is_empty() => parse_scaled(raw, 0)
                .and_then(|id| u64::try_from(id).ok())
                .ok_or_else(|| row.error("order_id", raw, "not a non-negative integer"))?,
            _ => 0,
        };
        let event_flags = match self.value(&row, "flags")? {
            Some(raw) => parse_scaled(raw, 0)
                .and_then(|bits| u8::try_from(bits).ok())
                .ok_or_else(|| row.error("flags", raw, "not an integer from 0 to 255"))?,
            None if kind == EventKind::Snapshot => flags::SNAPSHOT,
            None => 0,
        };
        out.push(MarketEvent {
            exch_ts,
            local_ts,
            price,
            qty,
            order_id,
            kind,
            side,
            flags: event_flags,
        });
        Ok(())
    }

    fn has_flags_column(&self) -> bool {
        self.fields
            .iter()
            .any(|(f, r)| *f == "flags" && !matches!(r, Resolved::Absent))
    }

    /// Reads and converts the next row into `scratch`; `None` at the end.
    fn next_row(&mut self) -> Result<Option<RowRef>, ImportError> {
        loop {
            if !read_record(&mut self.reader, &mut self.record, &self.path)? {
                return Ok(None);
            }
            self.summary.rows_read += 1;
            let mut scratch = std::mem::take(&mut self.scratch);
            let result = self.convert_row(&mut scratch);
            self.scratch = scratch;
            match result {
                Ok(()) => {
                    self.summary.rows_converted += 1;
                    return Ok(Some(RowRef::Line(record_line(&self.record))));
                }
                Err(err) if self.skip_bad && err.skip_reason().is_some() => self.summary.skip(&err),
                Err(err) => return Err(err),
            }
        }
    }
}

impl EventSource for CsvSource {
    fn next_batch(&mut self, out: &mut Vec<MarketEvent>) -> Result<Option<RowRef>, ImportError> {
        let infer_batches = !self.has_flags_column();
        loop {
            if self.is_done {
                if self.pending.is_empty() {
                    return Ok(None);
                }
                if infer_batches {
                    if let Some(last) = self.pending.last_mut() {
                        last.flags |= flags::LAST_IN_BATCH;
                    }
                }
                out.clear();
                std::mem::swap(out, &mut self.pending);
                return Ok(Some(self.pending_at));
            }
            let Some(at) = self.next_row()? else {
                self.is_done = true;
                continue;
            };
            let previous_at = std::mem::replace(&mut self.pending_at, at);
            std::mem::swap(&mut self.pending, &mut self.scratch);
            // `scratch` now holds the previous row, if any.
            let Some(previous) = self.scratch.last_mut() else {
                continue;
            };
            let next_ts = self.pending.first().map(|ev| ev.exch_ts);
            if infer_batches && next_ts != Some(previous.exch_ts) {
                previous.flags |= flags::LAST_IN_BATCH;
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
        matches!(
            self.fields.iter().find(|(f, _)| *f == "kind").map(|(_, r)| r),
            Some(Resolved::Const(kind)) if kind.eq_ignore_ascii_case(b"trade")
        )
    }
}
