//! The strategy's log lines of a headless run, as they are written to
//! `log.txt` in the output folder.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::sim::LogRecord;
use crate::strategy::python::format_data_time;

use super::RunError;

/// `log.txt` of a run, written as the lines appear.
pub(crate) struct RunLog {
    file: BufWriter<File>,
    path: PathBuf,
}

impl RunLog {
    /// Creates `log.txt` in `out` (and `out` itself).
    pub(crate) fn create(out: &Path) -> Result<Self, RunError> {
        std::fs::create_dir_all(out).map_err(|source| RunError::Create {
            path: out.to_owned(),
            source,
        })?;
        let path = out.join("log.txt");
        let file = File::create(&path).map_err(|source| RunError::Create {
            path: path.clone(),
            source,
        })?;
        Ok(RunLog {
            file: BufWriter::new(file),
            path,
        })
    }

    /// The line a log record reads as: data time, event index, text.
    pub(crate) fn line_of(record: &LogRecord) -> String {
        format!(
            "{} [{}] {}",
            format_data_time(record.ts_ns),
            record.event_index,
            record.text
        )
    }

    /// Appends `line`.
    pub(crate) fn write_line(&mut self, line: &str) -> Result<(), RunError> {
        writeln!(self.file, "{line}").map_err(|source| RunError::Write {
            path: self.path.clone(),
            source,
        })
    }

    /// Flushes the file and returns its path.
    pub(crate) fn finish(mut self) -> Result<PathBuf, RunError> {
        self.file.flush().map_err(|source| RunError::Write {
            path: self.path.clone(),
            source,
        })?;
        Ok(self.path)
    }
}
