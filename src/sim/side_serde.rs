//! Serde form of [`Side`] in records: `"buy"`, `"sell"` or `"none"`.

use serde::{Deserialize, Deserializer, Serializer};

use crate::market::Side;

pub(crate) fn serialize<S: Serializer>(side: &Side, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(match side {
        Side::Buy => "buy",
        Side::Sell => "sell",
        Side::None => "none",
    })
}

pub(crate) fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Side, D::Error> {
    let name = String::deserialize(deserializer)?;
    name.parse().map_err(serde::de::Error::custom)
}
