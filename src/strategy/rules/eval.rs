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
//! node's values.

use super::compile::{Arg, NodeKind, Program};
use super::schema::Op;

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
    fn from_bool(b: bool) -> Truth {
        if b {
            Truth::True
        } else {
            Truth::False
        }
    }

    /// `Some(bool)` when known.
    pub(crate) fn known(self) -> Option<bool> {
        match self {
            Truth::Unknown => None,
            Truth::False => Some(false),
            Truth::True => Some(true),
        }
    }
}

/// What a node was at the last evaluation, and the comparison values before
/// it (for crossings).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct NodeState {
    pub truth: Truth,
    pub lhs: f64,
    pub rhs: f64,
    pub prev_lhs: f64,
    pub prev_rhs: f64,
}

impl Default for NodeState {
    fn default() -> Self {
        NodeState {
            truth: Truth::Unknown,
            lhs: f64::NAN,
            rhs: f64::NAN,
            prev_lhs: f64::NAN,
            prev_rhs: f64::NAN,
        }
    }
}

#[inline]
fn read(arg: Arg, values: &[f64]) -> f64 {
    match arg {
        Arg::Const(x) => x,
        Arg::Slot(i) => values.get(i).copied().unwrap_or(f64::NAN),
    }
}

/// `lhs op rhs` now, with the values of the previous evaluation for
/// crossings. NaN is "not known".
#[inline]
pub(crate) fn compare(op: Op, lhs: f64, rhs: f64, prev_lhs: f64, prev_rhs: f64) -> Truth {
    if lhs.is_nan() || rhs.is_nan() {
        return Truth::Unknown;
    }
    let previous_known = !(prev_lhs.is_nan() || prev_rhs.is_nan());
    Truth::from_bool(match op {
        Op::Gt => lhs > rhs,
        Op::Ge => lhs >= rhs,
        Op::Lt => lhs < rhs,
        Op::Le => lhs <= rhs,
        Op::Eq => lhs == rhs,
        Op::Ne => lhs != rhs,
        Op::CrossesAbove => previous_known && prev_lhs <= prev_rhs && lhs > rhs,
        Op::CrossesBelow => previous_known && prev_lhs >= prev_rhs && lhs < rhs,
    })
}

/// Evaluates every node of `program` over the indicator `values`, children
/// first, updating `states`.
pub(crate) fn evaluate(program: &Program, values: &[f64], states: &mut [NodeState]) {
    for (i, node) in program.nodes.iter().enumerate() {
        let children = &program.child_ids[node.children.clone()];
        let truth = match &node.kind {
            NodeKind::Compare { lhs, op, rhs } => {
                let state = &mut states[i];
                state.prev_lhs = state.lhs;
                state.prev_rhs = state.rhs;
                state.lhs = read(lhs.arg, values);
                state.rhs = read(rhs.arg, values);
                compare(*op, state.lhs, state.rhs, state.prev_lhs, state.prev_rhs)
            }
            kind => {
                let (mut t, mut u) = (0usize, 0usize);
                for &c in children {
                    match states[c].truth {
                        Truth::True => t += 1,
                        Truth::Unknown => u += 1,
                        Truth::False => {}
                    }
                }
                let n = children.len();
                let at_least = |need: usize| {
                    if t >= need {
                        Truth::True
                    } else if t + u < need {
                        Truth::False
                    } else {
                        Truth::Unknown
                    }
                };
                match kind {
                    NodeKind::All => at_least(n),
                    NodeKind::Any => at_least(1),
                    NodeKind::AtLeast(need) => at_least(*need as usize),
                    // True when its one child is false.
                    NodeKind::Not => match (t, u) {
                        (0, 0) => Truth::True,
                        (0, _) => Truth::Unknown,
                        _ => Truth::False,
                    },
                    // Handled above; a comparison has no children.
                    NodeKind::Compare { .. } => Truth::Unknown,
                }
            }
        };
        states[i].truth = truth;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crossings_need_a_known_previous_value() {
        let nan = f64::NAN;
        assert_eq!(compare(Op::CrossesAbove, 2.0, 1.0, nan, 1.0), Truth::False);
        assert_eq!(compare(Op::CrossesAbove, 2.0, 1.0, 1.0, 1.0), Truth::True);
        assert_eq!(compare(Op::CrossesAbove, 2.0, 1.0, 1.5, 1.0), Truth::False);
        assert_eq!(compare(Op::CrossesBelow, 0.0, 1.0, 1.0, 1.0), Truth::True);
        assert_eq!(compare(Op::Gt, nan, 1.0, 0.0, 0.0), Truth::Unknown);
        assert_eq!(compare(Op::Gt, f64::INFINITY, 30.0, nan, nan), Truth::True);
    }
}
