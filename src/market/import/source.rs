//! What every importer shares: the [`EventSource`] trait, opening plain or
//! gzipped text, and reading one field of a CSV row with an error that
//! names the file, line and field.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use csv::ByteRecord;
use flate2::read::MultiGzDecoder;

use super::{ImportError, InputSummary, RowRef};
use crate::market::{GridError, Instrument, MarketEvent};

/// A stream of canonical events read from one input file, a row (or DBN
/// record) at a time, so that memory does not grow with the file.
pub trait EventSource {
    /// Clears `out` and fills it with the events of the next input row or
    /// record (all with the same `exch_ts`); returns where they came from,
    /// or `None` at the end of the input. Rows that give no event are
    /// passed over (and counted in [`EventSource::summary`]).
    fn next_batch(&mut self, out: &mut Vec<MarketEvent>) -> Result<Option<RowRef>, ImportError>;

    /// The input file.
    fn file(&self) -> &Path;

    /// What was read, converted, skipped and noted so far.
    fn summary(&self) -> &InputSummary;

    /// True when the input holds only trades: at equal exchange time, its
    /// events are written before the other inputs' (a trade comes before the
    /// depth update it caused, as the queue models expect).
    fn is_trades(&self) -> bool {
        false
    }
}

/// Reads every event of a source into memory, for small files and tests.
pub fn collect_events(source: &mut dyn EventSource) -> Result<Vec<MarketEvent>, ImportError> {
    let mut all = Vec::new();
    let mut batch = Vec::new();
    while source.next_batch(&mut batch)?.is_some() {
        all.append(&mut batch);
    }
    Ok(all)
}

/// Size of the read buffer of text inputs.
const READ_BUFFER_BYTES: usize = 1 << 18;

/// Opens a text file, transparently decompressing gzip (recognised by its
/// magic bytes, whatever the file is called).
pub(crate) fn open_text(path: &Path) -> Result<Box<dyn Read + Send>, ImportError> {
    let file = File::open(path).map_err(|err| ImportError::io(path, err))?;
    let mut reader = BufReader::with_capacity(READ_BUFFER_BYTES, file);
    let head = reader
        .fill_buf()
        .map_err(|err| ImportError::io(path, err))?;
    if head.starts_with(&[0x1f, 0x8b]) {
        let gz = MultiGzDecoder::new(reader);
        Ok(Box::new(BufReader::with_capacity(READ_BUFFER_BYTES, gz)))
    } else {
        Ok(Box::new(reader))
    }
}

/// A CSV reader over a text input that yields every line as a record,
/// header included, with rows of any width (a short row is reported by the
/// field it lacks).
pub(crate) fn csv_reader(path: &Path) -> Result<csv::Reader<Box<dyn Read + Send>>, ImportError> {
    Ok(csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(1 << 16)
        .from_reader(open_text(path)?))
}

/// Reads the next record; `Ok(false)` at the end of the file.
pub(crate) fn read_record(
    reader: &mut csv::Reader<Box<dyn Read + Send>>,
    record: &mut ByteRecord,
    path: &Path,
) -> Result<bool, ImportError> {
    reader.read_byte_record(record).map_err(|err| {
        let line = err.position().map_or(0, csv::Position::line);
        match err.into_kind() {
            csv::ErrorKind::Io(source) => ImportError::io(path, source),
            other => ImportError::format(path, format!("line {line}: malformed CSV: {other:?}")),
        }
    })
}

/// The 1-based line a record starts on.
pub(crate) fn record_line(record: &ByteRecord) -> u64 {
    record.position().map_or(0, csv::Position::line)
}

/// One row of a CSV input, for reading fields with errors that say where.
pub(crate) struct Fields<'a> {
    pub(crate) file: &'a Path,
    pub(crate) at: RowRef,
    pub(crate) record: &'a ByteRecord,
}

impl<'a> Fields<'a> {
    /// A row of `file` at `record`'s own line.
    pub(crate) fn new(file: &'a Path, record: &'a ByteRecord) -> Self {
        Fields {
            file,
            at: RowRef::Line(record_line(record)),
            record,
        }
    }

    /// An error about field `name` holding `value`.
    pub(crate) fn error(
        &self,
        name: &str,
        value: &[u8],
        problem: impl Into<String>,
    ) -> ImportError {
        ImportError::row(self.file, self.at, name, value, problem)
    }

    /// The raw bytes of column `index` (named `name` in errors), trimmed.
    pub(crate) fn raw(&self, index: usize, name: &str) -> Result<&'a [u8], ImportError> {
        self.record
            .get(index)
            .map(<[u8]>::trim_ascii)
            .ok_or_else(|| {
                self.error(
                    name,
                    b"",
                    format!(
                        "missing: the row has {} fields, this is field {}",
                        self.record.len(),
                        index + 1
                    ),
                )
            })
    }

    /// Column `index` as a decimal number.
    pub(crate) fn f64(&self, index: usize, name: &str) -> Result<f64, ImportError> {
        let raw = self.raw(index, name)?;
        parse_f64(raw).ok_or_else(|| self.error(name, raw, "not a number"))
    }

    /// Column `index` as an integer.
    pub(crate) fn i64(&self, index: usize, name: &str) -> Result<i64, ImportError> {
        let raw = self.raw(index, name)?;
        parse_scaled(raw, 0).ok_or_else(|| self.error(name, raw, "not an integer"))
    }

    /// Column `index` as a decimal count of `10^-exp10` units, exactly (a
    /// time in seconds with `exp10 = 9` gives ns).
    pub(crate) fn scaled(&self, index: usize, name: &str, exp10: u32) -> Result<i64, ImportError> {
        let raw = self.raw(index, name)?;
        parse_scaled(raw, exp10).ok_or_else(|| {
            self.error(
                name,
                raw,
                format!("not a number with at most {exp10} decimals (or out of range)"),
            )
        })
    }

    /// Column `index` as a price, in ticks of `instrument`.
    pub(crate) fn ticks(
        &self,
        index: usize,
        name: &str,
        instrument: &Instrument,
    ) -> Result<i64, ImportError> {
        let value = self.f64(index, name)?;
        instrument
            .ticks_from_price(value)
            .map_err(|err| self.grid_error(index, name, &err))
    }

    /// Column `index` as a quantity, in lots of `instrument`.
    pub(crate) fn lots(
        &self,
        index: usize,
        name: &str,
        instrument: &Instrument,
    ) -> Result<i64, ImportError> {
        let value = self.f64(index, name)?;
        let lots = instrument
            .lots_from_qty(value)
            .map_err(|err| self.grid_error(index, name, &err))?;
        if lots < 0 {
            let raw = self.raw(index, name)?;
            return Err(self.error(name, raw, "negative quantity"));
        }
        Ok(lots)
    }

    fn grid_error(&self, index: usize, name: &str, err: &GridError) -> ImportError {
        let raw = self.record.get(index).unwrap_or_default();
        self.error(name, raw, grid_problem(err))
    }
}

/// The problem of a grid error, without its value (which the error
/// carries separately), so that skipped rows group by reason.
pub(crate) fn grid_problem(err: &GridError) -> String {
    match err {
        GridError::NotFinite { .. } => "not a finite number".to_owned(),
        GridError::OffGrid { what, step, .. } => format!("not a multiple of the {what} {step}"),
        GridError::OutOfRange { .. } => "out of range".to_owned(),
    }
}

/// Parses a decimal number (`-12.5`, `1e-3`).
pub(crate) fn parse_f64(raw: &[u8]) -> Option<f64> {
    std::str::from_utf8(raw).ok()?.parse::<f64>().ok()
}

/// Parses `[-]digits[.digits]` into an integer count of `10^-exp10` units,
/// exactly: `parse_scaled(b"34200.004241176", 9) == Some(34_200_004_241_176)`.
/// More decimals than `exp10` are accepted only when they are zeros.
pub(crate) fn parse_scaled(raw: &[u8], exp10: u32) -> Option<i64> {
    let (negative, digits) = match raw.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, raw),
    };
    let (int_part, frac_part) = match digits.iter().position(|&b| b == b'.') {
        Some(dot) => (&digits[..dot], &digits[dot + 1..]),
        None => (digits, &digits[digits.len()..]),
    };
    if int_part.is_empty() && frac_part.is_empty() {
        return None;
    }
    let mut value: i64 = 0;
    for &b in int_part {
        if !b.is_ascii_digit() {
            return None;
        }
        value = value.checked_mul(10)?.checked_add(i64::from(b - b'0'))?;
    }
    let mut frac_digits = 0u32;
    for &b in frac_part {
        if !b.is_ascii_digit() {
            return None;
        }
        if frac_digits < exp10 {
            value = value.checked_mul(10)?.checked_add(i64::from(b - b'0'))?;
            frac_digits += 1;
        } else if b != b'0' {
            return None;
        }
    }
    value = value.checked_mul(10_i64.checked_pow(exp10 - frac_digits)?)?;
    Some(if negative { -value } else { value })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scaled_decimals_are_exact() {
        assert_eq!(
            parse_scaled(b"34200.004241176", 9),
            Some(34_200_004_241_176)
        );
        assert_eq!(
            parse_scaled(b"1723161256501000", 0),
            Some(1_723_161_256_501_000)
        );
        assert_eq!(parse_scaled(b"-1.5", 3), Some(-1500));
        assert_eq!(parse_scaled(b"2.", 1), Some(20));
        assert_eq!(parse_scaled(b".25", 2), Some(25));
        assert_eq!(parse_scaled(b"1.2500", 2), Some(125));
        assert_eq!(parse_scaled(b"1.251", 2), None);
        assert_eq!(parse_scaled(b"", 2), None);
        assert_eq!(parse_scaled(b"1e3", 0), None);
        assert_eq!(parse_scaled(b"99999999999999999999", 0), None);
    }
}
