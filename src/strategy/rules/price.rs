//! Order prices as written in rule files: `"market"`, `"bid+1"`, `"mid"`.

use std::borrow::Cow;
use std::fmt;

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The book price a limit order is placed against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Anchor {
    /// Best bid.
    Bid,
    /// Best ask.
    Ask,
    /// Mid price.
    Mid,
}

impl Anchor {
    fn as_str(self) -> &'static str {
        match self {
            Anchor::Bid => "bid",
            Anchor::Ask => "ask",
            Anchor::Mid => "mid",
        }
    }
}

/// How an order is priced: at market, or a limit a number of ticks from
/// the best bid, best ask or mid.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum PriceSpec {
    /// A market order.
    #[default]
    Market,
    /// A limit order at `anchor + offset_ticks`.
    Limit {
        /// The book price it is relative to.
        anchor: Anchor,
        /// Ticks above (positive) or below (negative) the anchor.
        offset_ticks: i64,
    },
}

impl PriceSpec {
    /// Parses `"market"`, `"bid"`, `"ask+2"`, `"mid-1"`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let bad = || {
            format!("bad price {text:?}: write \"market\", or \"bid\", \"ask\" or \"mid\" with an optional tick offset such as \"bid+1\" or \"ask-2\"")
        };
        let t = text.trim();
        if t == "market" {
            return Ok(PriceSpec::Market);
        }
        let (anchor, rest) = [Anchor::Bid, Anchor::Ask, Anchor::Mid]
            .into_iter()
            .find_map(|a| t.strip_prefix(a.as_str()).map(|rest| (a, rest.trim())))
            .ok_or_else(bad)?;
        let offset_ticks = if rest.is_empty() {
            0
        } else {
            let (sign, digits) = if let Some(d) = rest.strip_prefix('+') {
                (1, d.trim())
            } else if let Some(d) = rest.strip_prefix('-') {
                (-1, d.trim())
            } else {
                return Err(bad());
            };
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            sign * digits.parse::<i64>().map_err(|_| bad())?
        };
        Ok(PriceSpec::Limit {
            anchor,
            offset_ticks,
        })
    }
}

impl fmt::Display for PriceSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            PriceSpec::Market => f.write_str("market"),
            PriceSpec::Limit {
                anchor,
                offset_ticks: 0,
            } => f.write_str(anchor.as_str()),
            PriceSpec::Limit {
                anchor,
                offset_ticks,
            } => write!(f, "{}{offset_ticks:+}", anchor.as_str()),
        }
    }
}

impl Serialize for PriceSpec {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PriceSpec {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct PriceVisitor;
        impl Visitor<'_> for PriceVisitor {
            type Value = PriceSpec;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a price such as \"market\", \"bid+1\" or \"ask-2\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<PriceSpec, E> {
                PriceSpec::parse(v).map_err(E::custom)
            }
        }
        deserializer.deserialize_str(PriceVisitor)
    }
}

impl JsonSchema for PriceSpec {
    fn schema_name() -> Cow<'static, str> {
        "PriceSpec".into()
    }

    fn json_schema(_generator: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "\"market\", or a limit price relative to the book: \"bid\", \"ask\" or \"mid\", optionally plus or minus a number of ticks.",
            "type": "string",
            "pattern": "^(market|(bid|ask|mid)([+-][0-9]+)?)$",
            "default": "market",
            "examples": ["market", "bid", "bid+1", "ask-2", "mid"]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints() {
        for text in ["market", "bid", "ask+2", "mid-1", "bid+10"] {
            let spec = PriceSpec::parse(text);
            assert_eq!(spec.map(|s| s.to_string()), Ok(text.to_owned()));
        }
        assert_eq!(
            PriceSpec::parse("ask+0").map(|s| s.to_string()),
            Ok("ask".into())
        );
        for bad in ["", "bids", "ask+", "mid*2", "best", "bid+1.5", "bid€"] {
            assert!(PriceSpec::parse(bad).is_err(), "{bad}");
        }
    }
}
