//! Durations (`"500ms"`, `"30s"`, `"5m"`) and times of day (`"09:30"`) as
//! written in rule files.

use std::borrow::Cow;
use std::fmt;

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Units a duration may be written in, largest first, with their length in ns.
const UNITS: [(&str, i64); 6] = [
    ("h", 3_600_000_000_000),
    ("m", 60_000_000_000),
    ("s", 1_000_000_000),
    ("ms", 1_000_000),
    ("us", 1_000),
    ("ns", 1),
];

/// Nanoseconds in a day.
pub const DAY_NS: i64 = 86_400_000_000_000;

/// A positive length of time, written as a number and a unit: `"250us"`,
/// `"500ms"`, `"30s"`, `"1.5m"`, `"1h"` (units `ns`, `us`, `ms`, `s`, `m`,
/// `h`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Duration {
    ns: i64,
}

impl Duration {
    /// A duration of `ns` nanoseconds; `None` unless positive.
    pub fn from_ns(ns: i64) -> Option<Self> {
        (ns > 0).then_some(Duration { ns })
    }

    /// Length in nanoseconds (always positive).
    pub fn as_ns(self) -> i64 {
        self.ns
    }

    /// Length in seconds.
    pub fn as_secs_f64(self) -> f64 {
        self.ns as f64 / 1e9
    }

    /// Parses `"500ms"`-style text; the error says what is wrong.
    pub fn parse(text: &str) -> Result<Self, String> {
        let bad = || {
            format!("bad duration {text:?}: write a number and a unit (ns, us, ms, s, m, h), e.g. \"500ms\", \"30s\", \"5m\"")
        };
        let trimmed = text.trim();
        let split = trimmed
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(bad)?;
        let (number, unit) = trimmed.split_at(split);
        let unit_ns = UNITS
            .iter()
            .find(|(name, _)| *name == unit.trim())
            .map(|&(_, ns)| ns)
            .ok_or_else(bad)?;
        if number.is_empty() || number.starts_with('.') || number.ends_with('.') {
            return Err(bad());
        }
        let ns = match number.split_once('.') {
            None => number
                .parse::<i64>()
                .ok()
                .and_then(|n| n.checked_mul(unit_ns)),
            Some(_) => {
                let value: f64 = number.parse().map_err(|_| bad())?;
                let ns = (value * unit_ns as f64).round();
                (ns < i64::MAX as f64).then_some(ns as i64)
            }
        };
        let ns = ns.ok_or_else(|| format!("duration {text:?} is too long"))?;
        Duration::from_ns(ns).ok_or_else(|| format!("duration {text:?} must be longer than zero"))
    }
}

impl fmt::Display for Duration {
    /// The largest unit that writes the duration exactly: `30s`, `1500ms`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (unit, unit_ns) = UNITS
            .iter()
            .copied()
            .find(|&(_, ns)| self.ns % ns == 0)
            .unwrap_or(("ns", 1));
        write!(f, "{}{unit}", self.ns / unit_ns)
    }
}

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DurationVisitor;
        impl Visitor<'_> for DurationVisitor {
            type Value = Duration;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a duration such as \"500ms\", \"30s\" or \"5m\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Duration, E> {
                Duration::parse(v).map_err(E::custom)
            }
        }
        deserializer.deserialize_str(DurationVisitor)
    }
}

impl JsonSchema for Duration {
    fn schema_name() -> Cow<'static, str> {
        "Duration".into()
    }

    fn json_schema(_generator: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A positive length of time: a number and a unit (ns, us, ms, s, m, h).",
            "type": "string",
            "pattern": "^[0-9]+(\\.[0-9]+)?(ns|us|ms|s|m|h)$",
            "examples": ["500ms", "30s", "5m"]
        })
    }
}

/// Parses a time of day, `"HH:MM"` or `"HH:MM:SS"`, into seconds since
/// midnight; the error says what is wrong.
pub fn parse_time_of_day_secs(text: &str) -> Result<f64, String> {
    let bad =
        || format!("bad time of day {text:?}: write \"HH:MM\" or \"HH:MM:SS\", e.g. \"09:30\"");
    let mut parts = text.trim().split(':');
    let mut field = |max: u32| -> Result<Option<u32>, String> {
        match parts.next() {
            None => Ok(None),
            Some(p) if p.len() == 2 && p.bytes().all(|b| b.is_ascii_digit()) => {
                let v: u32 = p.parse().map_err(|_| bad())?;
                if v < max {
                    Ok(Some(v))
                } else {
                    Err(bad())
                }
            }
            Some(_) => Err(bad()),
        }
    };
    let hours = field(24)?.ok_or_else(bad)?;
    let minutes = field(60)?.ok_or_else(bad)?;
    let seconds = field(60)?.unwrap_or(0);
    if parts.next().is_some() {
        return Err(bad());
    }
    Ok(f64::from(hours * 3600 + minutes * 60 + seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints() {
        for (text, ns) in [
            ("500ms", 500_000_000),
            ("30s", 30_000_000_000),
            ("5m", 300_000_000_000),
            ("1.5s", 1_500_000_000),
            ("2h", 7_200_000_000_000),
            ("250us", 250_000),
            ("7ns", 7),
        ] {
            assert_eq!(Duration::parse(text).map(Duration::as_ns), Ok(ns), "{text}");
        }
        assert_eq!(
            Duration::parse("1.5s").map(|d| d.to_string()),
            Ok("1500ms".into())
        );
        for bad in [
            "", "5", "s", "5x", "-5s", "0s", ".5s", "5.s", "5 sec", "1e3s",
        ] {
            assert!(Duration::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn times_of_day() {
        assert_eq!(parse_time_of_day_secs("09:30"), Ok(34_200.0));
        assert_eq!(parse_time_of_day_secs("23:59:59"), Ok(86_399.0));
        for bad in ["24:00", "9:30", "09:60", "09:30:00:00", "ab:cd"] {
            assert!(parse_time_of_day_secs(bad).is_err(), "{bad}");
        }
    }
}
