//! Why a Parquet file of market events could not be read or written.
//!
//! Every error names the file; errors about a value also name the row
//! (0-based index of the row in the file, counting across row groups) and
//! the column.

use std::path::{Path, PathBuf};

/// Why a file of market events could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// The file could not be opened, read, written or renamed.
    #[error("{}: {source}", file.display())]
    Io {
        /// The file.
        file: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// The file holds no events: it is 0 bytes long or has 0 rows.
    #[error("{}: empty file ({what})", file.display())]
    Empty {
        /// The file.
        file: PathBuf,
        /// `"0 bytes"` or `"0 rows"`.
        what: &'static str,
    },
    /// The file is not readable Parquet: truncated, corrupt footer or
    /// metadata, or not Parquet at all.
    #[error("{}: not a readable Parquet file (truncated or corrupt?): {reason}", file.display())]
    Corrupt {
        /// The file.
        file: PathBuf,
        /// The decoder's message.
        reason: String,
    },
    /// A data page could not be decoded (corrupt or truncated column data).
    #[error("{}: batch from row {row} (0-based), column `{column}`: cannot decode: {reason}", file.display())]
    Decode {
        /// The file.
        file: PathBuf,
        /// First row (0-based, in the file) of the batch being decoded.
        row: u64,
        /// The column.
        column: &'static str,
        /// The decoder's message.
        reason: String,
    },
    /// A required column of the canonical schema is not in the file.
    #[error("{}: missing column `{column}` (the file has: {found})", file.display())]
    MissingColumn {
        /// The file.
        file: PathBuf,
        /// The missing column.
        column: &'static str,
        /// The file's top-level columns, comma-separated.
        found: String,
    },
    /// A column exists but its type cannot be read as the canonical one.
    #[error("{}: column `{column}` has type {found}, expected {expected}", file.display())]
    WrongColumnType {
        /// The file.
        file: PathBuf,
        /// The column.
        column: &'static str,
        /// The type found in the file.
        found: String,
        /// The accepted types.
        expected: &'static str,
    },
    /// A null where the canonical schema needs a value.
    #[error("{}: row {row} (0-based), column `{column}`: null value", file.display())]
    Null {
        /// The file.
        file: PathBuf,
        /// 0-based row index in the file.
        row: u64,
        /// The column.
        column: &'static str,
    },
    /// A price or quantity that is NaN or infinite.
    #[error("{}: row {row} (0-based), column `{column}`: {value} is not a finite number", file.display())]
    NotFinite {
        /// The file.
        file: PathBuf,
        /// 0-based row index in the file.
        row: u64,
        /// The column.
        column: &'static str,
        /// The value.
        value: f64,
    },
    /// A price off the tick grid or a quantity off the lot grid.
    #[error(
        "{}: row {row} (0-based), column `{column}`: {value} is not a multiple of the {} {step}",
        file.display(),
        grid_name(column)
    )]
    OffGrid {
        /// The file.
        file: PathBuf,
        /// 0-based row index in the file.
        row: u64,
        /// The column.
        column: &'static str,
        /// The value in natural units.
        value: f64,
        /// The tick size (price) or lot size (qty).
        step: f64,
    },
    /// A float32 value too coarse to tell neighbouring grid steps apart.
    #[error(
        "{}: row {row} (0-based), column `{column}`: float32 value {value} cannot tell steps of the {} {step} apart; write the column as float64",
        file.display(),
        grid_name(column)
    )]
    Ambiguous {
        /// The file.
        file: PathBuf,
        /// 0-based row index in the file.
        row: u64,
        /// The column.
        column: &'static str,
        /// The value in natural units.
        value: f64,
        /// The tick size (price) or lot size (qty).
        step: f64,
    },
    /// A value too large (or a negative id) to represent.
    #[error("{}: row {row} (0-based), column `{column}`: {value} is out of range", file.display())]
    OutOfRange {
        /// The file.
        file: PathBuf,
        /// 0-based row index in the file.
        row: u64,
        /// The column.
        column: &'static str,
        /// The value as written in the file.
        value: String,
    },
    /// A quantity below zero.
    #[error("{}: row {row} (0-based), column `{column}`: negative quantity {value}", file.display())]
    NegativeQuantity {
        /// The file.
        file: PathBuf,
        /// 0-based row index in the file.
        row: u64,
        /// The column.
        column: &'static str,
        /// The value in natural units.
        value: f64,
    },
    /// Exchange time goes backwards: events must be sorted by `exch_ts`.
    #[error(
        "{}: row {row} (0-based), column `exch_ts`: {exch_ts_ns} ns is before the previous row's {previous_exch_ts_ns} ns (events must be sorted by exch_ts)",
        file.display()
    )]
    TimeBackwards {
        /// The file.
        file: PathBuf,
        /// 0-based row index in the file.
        row: u64,
        /// This row's exchange time, ns since the epoch.
        exch_ts_ns: i64,
        /// The previous row's exchange time, ns since the epoch.
        previous_exch_ts_ns: i64,
    },
    /// The feed saw an event before the exchange sent it.
    #[error(
        "{}: row {row} (0-based), column `local_ts`: {local_ts_ns} ns is before exch_ts {exch_ts_ns} ns",
        file.display()
    )]
    LocalBeforeExchange {
        /// The file.
        file: PathBuf,
        /// 0-based row index in the file.
        row: u64,
        /// Local receive time, ns since the epoch.
        local_ts_ns: i64,
        /// Exchange time, ns since the epoch.
        exch_ts_ns: i64,
    },
    /// A `kind` or `side` string that is not a known name.
    #[error("{}: row {row} (0-based), column `{column}`: unknown {column} {value:?}", file.display())]
    UnknownName {
        /// The file.
        file: PathBuf,
        /// 0-based row index in the file.
        row: u64,
        /// `kind` or `side`.
        column: &'static str,
        /// The string found (lossy UTF-8).
        value: String,
    },
    /// A market state in `side` on a row that is not `status`, or a
    /// `status` row without one.
    #[error(
        "{}: row {row} (0-based), column `side`: {value:?} on a `{kind}` row ({})",
        file.display(),
        if *kind == "status" { "a status row takes trading, pre_open, halted or closed" } else { "market states go on status rows" }
    )]
    MisplacedState {
        /// The file.
        file: PathBuf,
        /// 0-based row index in the file.
        row: u64,
        /// The row's kind.
        kind: &'static str,
        /// The `side` value.
        value: &'static str,
    },
    /// A known side name on an event kind that does not take it: book
    /// events take `bid`/`ask`, trades `buy`/`sell`/`none`.
    #[error(
        "{}: row {row} (0-based), column `side`: {value:?} is not a side of a {kind} event (a {kind} takes {expected})",
        file.display()
    )]
    WrongSide {
        /// The file.
        file: PathBuf,
        /// 0-based row index in the file.
        row: u64,
        /// The side name found.
        value: &'static str,
        /// The row's kind.
        kind: &'static str,
        /// The side names that kind takes.
        expected: &'static str,
    },
    /// A batch ended with the best bid above the best ask while the venue
    /// trades continuously (a locked book, bid equal to ask, is accepted).
    #[error(
        "{}: row {row} (0-based), the last of its batch: the book is crossed, best bid {bid} > best ask {ask} (crossed_book = \"warn\" in the run configuration counts it and goes on)",
        file.display()
    )]
    CrossedBook {
        /// The file.
        file: PathBuf,
        /// 0-based row index in the file of the batch's last event.
        row: u64,
        /// Best bid, currency units.
        bid: f64,
        /// Best ask, currency units.
        ask: f64,
    },
    /// The Parquet encoder failed while writing.
    #[error("{}: cannot write Parquet: {reason}", file.display())]
    Write {
        /// The file.
        file: PathBuf,
        /// The encoder's message.
        reason: String,
    },
    /// The loader thread could not start or stopped abnormally.
    #[error("{}: loader thread: {reason}", file.display())]
    Loader {
        /// The file.
        file: PathBuf,
        /// What went wrong.
        reason: String,
    },
}

fn grid_name(column: &str) -> &'static str {
    if column == super::schema::columns::QTY {
        "lot size"
    } else {
        "tick size"
    }
}

impl DataError {
    /// The file the error is about.
    pub fn file(&self) -> &Path {
        match self {
            DataError::Io { file, .. }
            | DataError::Empty { file, .. }
            | DataError::Corrupt { file, .. }
            | DataError::Decode { file, .. }
            | DataError::MissingColumn { file, .. }
            | DataError::WrongColumnType { file, .. }
            | DataError::Null { file, .. }
            | DataError::NotFinite { file, .. }
            | DataError::OffGrid { file, .. }
            | DataError::Ambiguous { file, .. }
            | DataError::OutOfRange { file, .. }
            | DataError::NegativeQuantity { file, .. }
            | DataError::TimeBackwards { file, .. }
            | DataError::LocalBeforeExchange { file, .. }
            | DataError::UnknownName { file, .. }
            | DataError::MisplacedState { file, .. }
            | DataError::WrongSide { file, .. }
            | DataError::CrossedBook { file, .. }
            | DataError::Write { file, .. }
            | DataError::Loader { file, .. } => file,
        }
    }

    /// The 0-based row index in the file, when the error is about a row.
    pub fn row(&self) -> Option<u64> {
        match self {
            DataError::Decode { row, .. }
            | DataError::Null { row, .. }
            | DataError::NotFinite { row, .. }
            | DataError::OffGrid { row, .. }
            | DataError::Ambiguous { row, .. }
            | DataError::OutOfRange { row, .. }
            | DataError::NegativeQuantity { row, .. }
            | DataError::TimeBackwards { row, .. }
            | DataError::LocalBeforeExchange { row, .. }
            | DataError::UnknownName { row, .. }
            | DataError::WrongSide { row, .. }
            | DataError::MisplacedState { row, .. }
            | DataError::CrossedBook { row, .. } => Some(*row),
            _ => None,
        }
    }

    /// The column the error is about, when there is one.
    pub fn column(&self) -> Option<&'static str> {
        use super::schema::columns;
        match self {
            DataError::Decode { column, .. }
            | DataError::MissingColumn { column, .. }
            | DataError::WrongColumnType { column, .. }
            | DataError::Null { column, .. }
            | DataError::NotFinite { column, .. }
            | DataError::OffGrid { column, .. }
            | DataError::Ambiguous { column, .. }
            | DataError::OutOfRange { column, .. }
            | DataError::NegativeQuantity { column, .. }
            | DataError::UnknownName { column, .. } => Some(column),
            DataError::TimeBackwards { .. } => Some(columns::EXCH_TS),
            DataError::LocalBeforeExchange { .. } => Some(columns::LOCAL_TS),
            DataError::WrongSide { .. } | DataError::MisplacedState { .. } => Some(columns::SIDE),
            _ => None,
        }
    }
}
