//! Rule strategies' audit records, turned into what the window shows.

use crate::strategy::rules::{NodeRecord, OperandRecord, Signal};

use super::update::{ConditionValue, SignalRecord};

/// The window's view of one firing: its rule, what it did, and each
/// comparison of its condition tree with the value of its left-hand side.
pub fn signal_record(signal: &Signal) -> SignalRecord {
    let action = signal
        .actions
        .iter()
        .map(|a| match &a.note {
            Some(note) => format!("{} ({note})", a.action),
            None => a.action.clone(),
        })
        .collect::<Vec<_>>()
        .join(", ");
    let mut conditions = Vec::new();
    collect_comparisons(&signal.when, &mut conditions);
    SignalRecord {
        ts_ns: signal.ts_ns,
        event_index: signal.event_index,
        rule: signal.rule.clone(),
        action,
        conditions,
    }
}

fn operand_value(operand: &OperandRecord) -> String {
    operand
        .value
        .map_or_else(|| "unknown".to_owned(), |v| format!("{v}"))
}

fn collect_comparisons(node: &NodeRecord, out: &mut Vec<ConditionValue>) {
    if let (Some(lhs), Some(op), Some(rhs)) = (&node.lhs, &node.op, &node.rhs) {
        out.push(ConditionValue {
            text: format!("{} {op} {}", lhs.source, rhs.source),
            value: format!("{} vs {}", operand_value(lhs), operand_value(rhs)),
            holds: node.truth == Some(true),
        });
    }
    for child in &node.children {
        collect_comparisons(child, out);
    }
}
