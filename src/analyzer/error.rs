//! Why a sweep cannot start: each error names the flag (or the `[sweep]`
//! table) and the value that is wrong, before any run starts.

/// A mistake in a sweep's space, search, objective or constraints.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{flag}: {reason}")]
pub struct SweepError {
    /// Where the value was given, with it: `--grid qty_lots=1,x`,
    /// `[sweep] seed`, `--objective`.
    pub flag: String,
    /// What is wrong.
    pub reason: String,
}

impl SweepError {
    /// An error about `flag`.
    pub fn new(flag: impl Into<String>, reason: impl Into<String>) -> Self {
        SweepError {
            flag: flag.into(),
            reason: reason.into(),
        }
    }
}
