//! Rule strategies' audit records, turned into what the window shows.

use crate::strategy::rules::{NodeRecord, OperandRecord, Signal, Unit};

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

/// An operand's value as a person reads it: times of day as `HH:MM:SS.mmm`,
/// durations with `s`, other numbers with at most six significant digits.
fn operand_value(operand: &OperandRecord) -> String {
    let Some(value) = operand.value else {
        return "unknown".to_owned();
    };
    match operand.unit {
        Some(Unit::TimeOfDay) => {
            let ms = (value * 1000.0).round() as i64;
            let (h, m, s, ms) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
            format!("{h:02}:{m:02}:{s:02}.{ms:03}")
        }
        Some(Unit::Seconds) => format!("{}s", significant(value)),
        _ => significant(value),
    }
}

/// `value` with at most six significant digits and no trailing zeros.
fn significant(value: f64) -> String {
    if value == 0.0 || !value.is_finite() {
        return format!("{value}");
    }
    let digits_before_point = value.abs().log10().floor() as i32 + 1;
    let decimals = (6 - digits_before_point).clamp(0, 12) as usize;
    let text = format!("{value:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn operand(value: f64, unit: Option<Unit>) -> OperandRecord {
        OperandRecord {
            source: "x".to_owned(),
            symbol: None,
            value: Some(value),
            previous: None,
            unit,
        }
    }

    #[test]
    fn values_read_as_a_person_writes_them() {
        assert_eq!(
            operand_value(&operand(0.004_850_193_021_936_96, Some(Unit::Ratio))),
            "0.00485019"
        );
        assert_eq!(
            operand_value(&operand(54_004.194_287, Some(Unit::TimeOfDay))),
            "15:00:04.194"
        );
        assert_eq!(
            operand_value(&operand(86_100.0, Some(Unit::TimeOfDay))),
            "23:55:00.000"
        );
        assert_eq!(operand_value(&operand(3.0, None)), "3");
        assert_eq!(operand_value(&operand(47.045, Some(Unit::Price))), "47.045");
        assert_eq!(operand_value(&operand(2.5, Some(Unit::Seconds))), "2.5s");
    }
}
