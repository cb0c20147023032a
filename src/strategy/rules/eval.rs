//! Evaluating condition trees: three-valued truth, comparisons and
//! crossings.
//!
//! A value that is not known (an empty book, no trade yet) makes a
//! comparison *unknown* rather than false, and unknown spreads the way it
//! does in SQL: `not unknown` is unknown, `all` is false as soon as one
//! child is false, `any` true as soon as one is true. A rule fires only on
//! *true*, so `not (mid > sma)` does not fire before the SMA exists.
//!
//! Every node is evaluated on every evaluation (no short-circuit), so each
//! crossing sees the previous evaluation's values and the audit has every
//! node's values. Nodes are packed ([`HotNode`]) and comparisons look their
//! truth up in a small table instead of branching on the operator.

use super::compile::{HotKind, HotNode, Program};

/// The truth of a condition.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub(crate) enum Truth {
    /// A value it needs is not known yet.
    #[default]
    Unknown,
    False,
    True,
}

impl Truth {
    /// `Some(bool)` when known.
    pub(crate) fn known(self) -> Option<bool> {
        match self {
            Truth::Unknown => None,
            Truth::False => Some(false),
            Truth::True => Some(true),
        }
    }
}

/// Outcome of a comparison whose values are not known.
const UNKNOWN_OUTCOME: u8 = 3;

/// What a node was at the last evaluation, and the comparison values before
/// it (for crossings).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct NodeState {
    pub truth: Truth,
    /// 0 below, 1 equal, 2 above, 3 not known (comparisons).
    pub outcome: u8,
    pub lhs: f64,
    pub rhs: f64,
    pub prev_lhs: f64,
    pub prev_rhs: f64,
}

impl Default for NodeState {
    fn default() -> Self {
        NodeState {
            truth: Truth::Unknown,
            outcome: UNKNOWN_OUTCOME,
            lhs: f64::NAN,
            rhs: f64::NAN,
            prev_lhs: f64::NAN,
            prev_rhs: f64::NAN,
        }
    }
}

/// Where `lhs` stands against `rhs`: 0 below, 1 equal, 2 above, 3 when
/// either is not known (NaN).
#[inline]
fn outcome(lhs: f64, rhs: f64) -> u8 {
    if lhs.is_nan() || rhs.is_nan() {
        UNKNOWN_OUTCOME
    } else {
        u8::from(lhs >= rhs) + u8::from(lhs > rhs)
    }
}

#[inline]
fn compare(node: &HotNode, operands: &[f64], state: &mut NodeState) -> Truth {
    let lhs = operands.get(node.lhs as usize).copied().unwrap_or(f64::NAN);
    let rhs = operands.get(node.rhs as usize).copied().unwrap_or(f64::NAN);
    let previous = state.outcome;
    let now = outcome(lhs, rhs);
    state.prev_lhs = state.lhs;
    state.prev_rhs = state.rhs;
    state.lhs = lhs;
    state.rhs = rhs;
    state.outcome = now;
    if now == UNKNOWN_OUTCOME {
        Truth::Unknown
    } else if node.table >> (3 * u32::from(previous) + u32::from(now)) & 1 == 1 {
        Truth::True
    } else {
        Truth::False
    }
}

/// Evaluates every node of `program` over the `operands` (indicator values,
/// then constants), children first, updating `states`.
pub(crate) fn evaluate(program: &Program, operands: &[f64], states: &mut [NodeState]) {
    for (i, node) in program.hot.iter().enumerate() {
        let truth = match node.kind {
            HotKind::Compare => compare(node, operands, &mut states[i]),
            kind => {
                let (mut t, mut u) = (0u32, 0u32);
                let children = &program.hot_child_ids[node.first_child as usize..node.end_child as usize];
                for &c in children {
                    match states[c as usize].truth {
                        Truth::True => t += 1,
                        Truth::Unknown => u += 1,
                        Truth::False => {}
                    }
                }
                if kind == HotKind::Not {
                    match (t, u) {
                        (0, 0) => Truth::True,
                        (0, _) => Truth::Unknown,
                        _ => Truth::False,
                    }
                } else if t >= node.need {
                    Truth::True
                } else if t + u < node.need {
                    Truth::False
                } else {
                    Truth::Unknown
                }
            }
        };
        states[i].truth = truth;
    }
}
