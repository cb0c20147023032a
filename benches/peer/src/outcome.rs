//! How the resting order ended in one run, to check that both simulators
//! did the same work.

use std::fmt;

/// The resting order's end in one run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// Market events replayed.
    pub events: u64,
    /// The order's price, ticks.
    pub price_ticks: i64,
    /// Exchange time of its fill, ns; `None` when it never filled.
    pub fill_exch_ts: Option<i64>,
    /// Local time the strategy learned of the fill, ns.
    pub fill_local_ts: Option<i64>,
    /// Best bid and ask of the strategy's book after the last event, ticks
    /// (filled in by the checking runs only).
    pub touch_at_end: Option<(i64, i64)>,
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "buy 1 @ {} ticks: ", self.price_ticks)?;
        match (self.fill_exch_ts, self.fill_local_ts) {
            (Some(exch), Some(local)) => {
                write!(f, "filled at exch_ts {exch} (seen locally at {local})")
            }
            (Some(exch), None) => write!(f, "filled at exch_ts {exch}"),
            _ => write!(f, "never filled"),
        }?;
        if let Some((bid, ask)) = self.touch_at_end {
            write!(f, "; touch at the end {bid} / {ask}")?;
        }
        Ok(())
    }
}
