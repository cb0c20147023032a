//! The strategy's console lines on their way to the window, taken from
//! the runner with their running digest (see [`crate::session::digest`]).

use crate::session::digest::RunDigest;
use crate::sim::LogRecord;

use super::DynRunner;

/// Console lines taken from the runner and not yet sent, and the digest
/// of every line of the run so far.
#[derive(Debug, Default)]
pub(crate) struct HeldLogs {
    /// The digest of every line taken since the start of the run.
    pub(crate) digest: RunDigest,
    lines: Vec<LogRecord>,
}

impl HeldLogs {
    /// Takes the lines the runner has recorded since the last call.
    pub(crate) fn take_from(&mut self, runner: &mut DynRunner) {
        for line in runner.take_logs() {
            self.digest.line(&line);
            self.lines.push(line);
        }
    }

    /// The lines held, oldest first, leaving none.
    pub(crate) fn take(&mut self) -> Vec<LogRecord> {
        std::mem::take(&mut self.lines)
    }
}
