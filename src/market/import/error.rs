//! Why a vendor file could not be converted.
//!
//! An error about a value names the file, the line (text files, counted
//! from 1 including any header line) or the record (DBN, counted from 1
//! after the metadata header) and the field.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::market::parquet::DataError;

/// Where in an input a row error sits: a text line or a DBN record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RowRef {
    /// Line of a text file, counted from 1 (a header line counts).
    Line(u64),
    /// Record of a DBN file, counted from 1 after the metadata header.
    Record(u64),
}

impl RowRef {
    /// The line or record number.
    pub fn number(self) -> u64 {
        match self {
            RowRef::Line(n) | RowRef::Record(n) => n,
        }
    }
}

impl fmt::Display for RowRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RowRef::Line(line) => write!(f, "{line}"),
            RowRef::Record(record) => write!(f, "record {record}"),
        }
    }
}

/// Why a vendor file could not be converted.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file could not be opened or read (including a corrupt gzip or
    /// zstd stream).
    #[error("{}: {source}", file.display())]
    Io {
        /// The file.
        file: PathBuf,
        /// The operating system's or decompressor's reason.
        source: std::io::Error,
    },
    /// A row holds a value that cannot be converted: not a number, off the
    /// tick grid, an unknown message type or action, a missing field.
    #[error("{}:{at}: field `{field}` = {value:?}: {problem}", file.display())]
    Row {
        /// The file.
        file: PathBuf,
        /// The line or record.
        at: RowRef,
        /// The field (column) name.
        field: String,
        /// The value as found (truncated to 64 characters).
        value: String,
        /// What is wrong with it.
        problem: String,
    },
    /// The file is not laid out as the chosen format: unknown header, bad
    /// file name, missing companion file, wrong DBN schema.
    #[error("{}: {reason}", file.display())]
    Format {
        /// The file.
        file: PathBuf,
        /// What does not fit.
        reason: String,
    },
    /// `--verify`: the book rebuilt from the messages differs from the
    /// vendor's own book file.
    #[error("{}:{line}: {detail}", file.display())]
    Mismatch {
        /// The vendor's book file.
        file: PathBuf,
        /// The line of the first row that differs.
        line: u64,
        /// Which level differs, expected and found.
        detail: String,
    },
    /// Exchange time goes back further than the reorder window allows.
    #[error(
        "{}:{at}: exch_ts {exch_ts_ns} ns is {} ns before an event already written ({previous_exch_ts_ns} ns); \
         the input is not sorted by exchange time: pass a reorder window of at least that much \
         (--reorder-window-ms)",
        file.display(),
        previous_exch_ts_ns - exch_ts_ns
    )]
    TimeBackwards {
        /// The file.
        file: PathBuf,
        /// The line or record of the late event.
        at: RowRef,
        /// Its exchange time, ns since the epoch.
        exch_ts_ns: i64,
        /// The exchange time already written, ns since the epoch.
        previous_exch_ts_ns: i64,
    },
    /// The options do not allow a conversion (a missing tick size, a bad
    /// column map, inputs of several instruments).
    #[error("{0}")]
    Options(String),
    /// The canonical Parquet file could not be written.
    #[error(transparent)]
    Write(#[from] DataError),
}

impl ImportError {
    /// An error about one field of one row.
    pub fn row(
        file: &Path,
        at: RowRef,
        field: impl Into<String>,
        value: impl AsRef<[u8]>,
        problem: impl Into<String>,
    ) -> Self {
        let mut value = String::from_utf8_lossy(value.as_ref()).into_owned();
        if value.chars().count() > 64 {
            value = value.chars().take(64).collect::<String>() + "…";
        }
        ImportError::Row {
            file: file.to_owned(),
            at,
            field: field.into(),
            value,
            problem: problem.into(),
        }
    }

    /// An I/O error on `file`.
    pub fn io(file: &Path, source: std::io::Error) -> Self {
        ImportError::Io {
            file: file.to_owned(),
            source,
        }
    }

    /// A layout error on `file`.
    pub fn format(file: &Path, reason: impl Into<String>) -> Self {
        ImportError::Format {
            file: file.to_owned(),
            reason: reason.into(),
        }
    }

    /// For a row error: the reason it is counted under when skipped
    /// (`field \`price\`: off the tick grid`); `None` for other errors,
    /// which `--skip-bad` never skips.
    pub fn skip_reason(&self) -> Option<String> {
        match self {
            ImportError::Row { field, problem, .. } => Some(format!("field `{field}`: {problem}")),
            _ => None,
        }
    }
}
