//! Conditions and their operands, read with errors that point at the exact
//! field that is wrong.
//!
//! A condition is a table whose keys say what it is, so these types read a
//! table key by key instead of trying each shape in turn: a mistake deep
//! inside (a bad window in an inline indicator) is reported where it is.

use std::fmt;

use schemars::JsonSchema;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};

use super::schema::{IndicatorSpec, Op};

/// A condition: `all`, `any`, `not`, `at_least`, or a comparison
/// `{ lhs, op, rhs }`.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
#[serde(untagged, deny_unknown_fields)]
pub enum Condition {
    /// True when every condition in the list is (at least one).
    All {
        /// The conditions.
        all: Vec<Condition>,
    },
    /// True when any condition in the list is (at least one).
    Any {
        /// The conditions.
        any: Vec<Condition>,
    },
    /// True when the condition is false.
    Not {
        /// The condition.
        not: Box<Condition>,
    },
    /// True when at least `n` of the conditions are.
    AtLeast {
        /// How many, and of which.
        at_least: AtLeast,
    },
    /// A comparison of two values.
    Compare(Comparison),
}

/// At least `n` of the conditions in `of`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AtLeast {
    /// How many must hold (1 to the number of conditions).
    pub n: u32,
    /// The conditions.
    pub of: Vec<Condition>,
}

/// `lhs op rhs`, e.g. `{ lhs = "fast", op = "crosses_above", rhs = "slow" }`.
/// A value that is not known yet (empty book, no trade) makes the
/// comparison unknown, and a rule fires only on a condition that is true.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Comparison {
    /// Left-hand value.
    pub lhs: Operand,
    /// How they are compared.
    pub op: Op,
    /// Right-hand value.
    pub rhs: Operand,
}

/// A value in a comparison: a number, an indicator named in `[indicators]`,
/// a built-in indicator by name (`mid`, `spread`, `position`, ...), an
/// indicator written inline (`{ sma = { of = "mid", window = "30s" } }`), a
/// duration (`"30s"`, in seconds) or a time of day (`"09:30"`).
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum Operand {
    /// A constant.
    Number(f64),
    /// An indicator's name, a duration or a time of day.
    Name(String),
    /// An indicator written inline.
    Indicator(IndicatorSpec),
}

/// Keys a condition table may have.
const CONDITION_KEYS: &[&str] = &["all", "any", "not", "at_least", "lhs", "op", "rhs"];

impl<'de> Deserialize<'de> for Condition {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(ConditionVisitor)
    }
}

struct ConditionVisitor;

/// The keys seen in one condition table.
#[derive(Default)]
struct Parts {
    group: Option<(&'static str, Condition)>,
    lhs: Option<Operand>,
    op: Option<Op>,
    rhs: Option<Operand>,
}

impl Parts {
    fn set_group<E: de::Error>(&mut self, key: &'static str, cond: Condition) -> Result<(), E> {
        if let Some((other, _)) = &self.group {
            return Err(E::custom(format!(
                "a condition has one of `all`, `any`, `not`, `at_least`; this one has both `{other}` and `{key}`"
            )));
        }
        self.group = Some((key, cond));
        Ok(())
    }
}

impl<'de> Visitor<'de> for ConditionVisitor {
    type Value = Condition;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "a condition: a table with `all`, `any`, `not`, `at_least`, or `lhs`, `op` and `rhs`",
        )
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Condition, A::Error> {
        let mut parts = Parts::default();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "all" => {
                    let all = map.next_value()?;
                    parts.set_group("all", Condition::All { all })?;
                }
                "any" => {
                    let any = map.next_value()?;
                    parts.set_group("any", Condition::Any { any })?;
                }
                "not" => {
                    let not = map.next_value()?;
                    parts.set_group("not", Condition::Not { not })?;
                }
                "at_least" => {
                    let at_least = map.next_value()?;
                    parts.set_group("at_least", Condition::AtLeast { at_least })?;
                }
                "lhs" => set_once(&mut parts.lhs, "lhs", map.next_value()?)?,
                "op" => set_once(&mut parts.op, "op", map.next_value()?)?,
                "rhs" => set_once(&mut parts.rhs, "rhs", map.next_value()?)?,
                other => return Err(de::Error::unknown_field(other, CONDITION_KEYS)),
            }
        }
        let has_comparison = parts.lhs.is_some() || parts.op.is_some() || parts.rhs.is_some();
        match (parts.group, has_comparison) {
            (Some((key, _)), true) => Err(de::Error::custom(format!(
                "a condition is either `{key}` or a comparison (`lhs`, `op`, `rhs`), not both"
            ))),
            (Some((_, cond)), false) => Ok(cond),
            (None, false) => Err(de::Error::custom(
                "empty condition: write `all`, `any`, `not`, `at_least`, or `lhs`, `op` and `rhs`",
            )),
            (None, true) => Ok(Condition::Compare(Comparison {
                lhs: parts.lhs.ok_or_else(|| de::Error::missing_field("lhs"))?,
                op: parts.op.ok_or_else(|| de::Error::missing_field("op"))?,
                rhs: parts.rhs.ok_or_else(|| de::Error::missing_field("rhs"))?,
            })),
        }
    }
}

fn set_once<T, E: de::Error>(slot: &mut Option<T>, key: &'static str, value: T) -> Result<(), E> {
    if slot.is_some() {
        return Err(E::duplicate_field(key));
    }
    *slot = Some(value);
    Ok(())
}

impl<'de> Deserialize<'de> for Operand {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(OperandVisitor)
    }
}

struct OperandVisitor;

impl<'de> Visitor<'de> for OperandVisitor {
    type Value = Operand;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number, an indicator name, a duration, a time of day, or an indicator table")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Operand, E> {
        Ok(Operand::Number(v as f64))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Operand, E> {
        Ok(Operand::Number(v as f64))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Operand, E> {
        Ok(Operand::Number(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Operand, E> {
        Ok(Operand::Name(v.to_owned()))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Operand, A::Error> {
        IndicatorSpec::deserialize(de::value::MapAccessDeserializer::new(map))
            .map(Operand::Indicator)
    }
}
