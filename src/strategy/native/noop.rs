//! A strategy that never trades: the baseline for engine overhead and a
//! quick way to replay data through the simulator.

use crate::strategy::{CallbackSet, Strategy};

/// Does nothing on every callback.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoOp;

impl Strategy for NoOp {
    fn callbacks(&self) -> CallbackSet {
        CallbackSet::NONE
    }
}
