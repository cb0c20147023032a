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

use std::ops::Range;

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

/// Truth codes: 0 unknown, 1 false, 2 true.
const TRUTHS: [Truth; 3] = [Truth::Unknown, Truth::False, Truth::True];

/// Evaluates a comparison: its truth code (see [`TRUTHS`]).
#[inline]
fn compare(node: &HotNode, operands: &[f64], state: &mut NodeState) -> u8 {
    let lhs = operands.get(node.lhs as usize).copied().unwrap_or(f64::NAN);
    let rhs = operands.get(node.rhs as usize).copied().unwrap_or(f64::NAN);
    let previous = state.outcome;
    let now = outcome(lhs, rhs);
    state.prev_lhs = state.lhs;
    state.prev_rhs = state.rhs;
    state.lhs = lhs;
    state.rhs = rhs;
    state.outcome = now;
    let holds = (node.table >> (3 * u32::from(previous) + u32::from(now)) & 1) as u8;
    // Unknown (0) when the values are not known, else false (1) or true (2).
    u8::from(now != UNKNOWN_OUTCOME) * (1 + holds)
}

/// Evaluates the nodes of `program` in `ranges` (whole rules' nodes) over
/// the `operands` (indicator values, then constants), updating `states`:
/// comparisons first (they depend on nothing else), then the other nodes,
/// children first.
pub(crate) fn evaluate(
    program: &Program,
    operands: &[f64],
    states: &mut [NodeState],
    ranges: &[Range<usize>],
) {
    for range in ranges {
        for (node, state) in program.hot[range.clone()]
            .iter()
            .zip(states[range.clone()].iter_mut())
        {
            if node.kind == HotKind::Compare {
                state.truth = TRUTHS[usize::from(compare(node, operands, state))];
            }
        }
    }
    for range in ranges {
        for i in range.clone() {
            let node = &program.hot[i];
            if node.kind == HotKind::Compare {
                continue;
            }
            let (mut t, mut u) = (0u32, 0u32);
            for &c in &program.hot_child_ids[node.first_child as usize..node.end_child as usize] {
                let truth = states[c as usize].truth;
                t += u32::from(truth == Truth::True);
                u += u32::from(truth == Truth::Unknown);
            }
            let need = if node.kind == HotKind::Not {
                // True when its one child is false: none true, none unknown.
                (t, u) = (u32::from(t + u == 0), u);
                1
            } else {
                node.need
            };
            states[i].truth = if t >= need {
                Truth::True
            } else if t + u < need {
                Truth::False
            } else {
                Truth::Unknown
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::strategy::rules::compile::truth_table;
    use crate::strategy::rules::schema::Op;

    /// Truths of `op` over a series of (lhs, rhs) evaluations.
    fn run(op: Op, series: &[(f64, f64)]) -> Vec<Truth> {
        let node = HotNode {
            kind: HotKind::Compare,
            table: truth_table(op),
            need: 0,
            lhs: 0,
            rhs: 1,
            first_child: 0,
            end_child: 0,
        };
        let mut state = NodeState::default();
        series
            .iter()
            .map(|&(l, r)| TRUTHS[usize::from(compare(&node, &[l, r], &mut state))])
            .collect()
    }

    #[test]
    fn comparisons_and_crossings() {
        use Truth::{False as F, True as T, Unknown as U};
        let nan = f64::NAN;
        let series = [
            (1.0, 2.0),
            (2.0, 2.0),
            (3.0, 2.0),
            (3.0, 2.0),
            (nan, 2.0),
            (3.0, 2.0),
            (1.0, 2.0),
        ];
        assert_eq!(run(Op::Gt, &series), [F, F, T, T, U, T, F]);
        assert_eq!(run(Op::Ge, &series), [F, T, T, T, U, T, F]);
        assert_eq!(run(Op::Lt, &series), [T, F, F, F, U, F, T]);
        assert_eq!(run(Op::Le, &series), [T, T, F, F, U, F, T]);
        assert_eq!(run(Op::Eq, &series), [F, T, F, F, U, F, F]);
        assert_eq!(run(Op::Ne, &series), [T, F, T, T, U, T, T]);
        // Above after equal counts; after an unknown value it does not.
        assert_eq!(run(Op::CrossesAbove, &series), [F, F, T, F, U, F, F]);
        assert_eq!(run(Op::CrossesBelow, &series), [F, F, F, F, U, F, T]);
        assert_eq!(run(Op::Gt, &[(f64::INFINITY, 30.0)]), [T]);
    }
}
