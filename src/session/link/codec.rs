//! Serde adapters for the session's messages on the worker channel.
//!
//! The channel's frames are postcard: compact, but not self-describing, so
//! a type whose serde form was shaped for JSON (an internally tagged enum,
//! a flattened struct, fields skipped when empty) cannot cross it as is.
//! [`self_described`] carries such a value as a CBOR byte string inside the
//! postcard frame; a human-readable format (JSON) gets the value's own form.

use serde::de::{DeserializeOwned, Error as _, Visitor};
use serde::ser::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::market::Side;
use crate::sim::stats::Stats;
use crate::sim::{ComputeTimes, LatencyConfig, LatencyRow, RunConfig};

/// A value as CBOR bytes in a binary format, as itself in a readable one.
pub(crate) mod self_described {
    use super::*;

    /// Writes `value`.
    pub(crate) fn serialize<T: Serialize, S: Serializer>(
        value: &T,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        if serializer.is_human_readable() {
            return value.serialize(serializer);
        }
        let mut bytes = Vec::new();
        ciborium::into_writer(value, &mut bytes).map_err(S::Error::custom)?;
        serializer.serialize_bytes(&bytes)
    }

    /// Reads a value written by [`serialize`].
    pub(crate) fn deserialize<'de, T: DeserializeOwned, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<T, D::Error> {
        if deserializer.is_human_readable() {
            return T::deserialize(deserializer);
        }
        let bytes = deserializer.deserialize_byte_buf(BytesVisitor)?;
        ciborium::from_reader(bytes.as_slice()).map_err(D::Error::custom)
    }
}

/// Reads a byte string.
struct BytesVisitor;

impl<'de> Visitor<'de> for BytesVisitor {
    type Value = Vec<u8>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a byte string")
    }

    fn visit_bytes<E: serde::de::Error>(self, bytes: &[u8]) -> Result<Vec<u8>, E> {
        Ok(bytes.to_vec())
    }

    fn visit_byte_buf<E: serde::de::Error>(self, bytes: Vec<u8>) -> Result<Vec<u8>, E> {
        Ok(bytes)
    }
}

/// A [`Side`] as one byte: 0 none, 1 buy, 2 sell.
pub(crate) mod side {
    use super::*;

    /// Writes `side`.
    pub(crate) fn serialize<S: Serializer>(side: &Side, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u8(match side {
            Side::None => 0,
            Side::Buy => 1,
            Side::Sell => 2,
        })
    }

    /// Reads a side written by [`serialize`].
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Side, D::Error> {
        match u8::deserialize(deserializer)? {
            0 => Ok(Side::None),
            1 => Ok(Side::Buy),
            2 => Ok(Side::Sell),
            other => Err(D::Error::custom(format!("side {other}"))),
        }
    }
}

/// [`Stats`] with the compute time its own serde form leaves out (the
/// summary writes it in a file of its own).
pub(crate) mod stats {
    use super::*;

    /// Writes `stats` and its compute time.
    pub(crate) fn serialize<S: Serializer>(
        stats: &Stats,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        (stats, &stats.compute_time).serialize(serializer)
    }

    /// Reads what [`serialize`] wrote.
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Box<Stats>, D::Error> {
        let (mut stats, compute_time): (Stats, Option<ComputeTimes>) =
            Deserialize::deserialize(deserializer)?;
        stats.compute_time = compute_time;
        Ok(Box::new(stats))
    }
}

/// A [`RunConfig`] as the `run.toml` text it reads back from (its serde
/// form is shaped for that file), with the rows of a recorded latency
/// file, which the text only names.
pub(crate) mod run_config {
    use super::*;

    /// Writes `config` and its latency rows as `(ts_ns, entry_ns,
    /// response_ns)`.
    pub(crate) fn serialize<S: Serializer>(
        config: &RunConfig,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        let rows: Vec<(i64, i64, i64)> = match &config.latency {
            LatencyConfig::Recorded { rows, .. } => rows
                .iter()
                .map(|r| (r.ts_ns, r.entry_ns, r.response_ns))
                .collect(),
            _ => Vec::new(),
        };
        let text = crate::session::settings::run_toml_text(config).map_err(S::Error::custom)?;
        (text, rows).serialize(serializer)
    }

    /// Reads what [`serialize`] wrote.
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Box<RunConfig>, D::Error> {
        let (text, rows): (String, Vec<(i64, i64, i64)>) = Deserialize::deserialize(deserializer)?;
        let mut config = RunConfig::from_toml_str(&text, std::path::Path::new("run.toml"))
            .map_err(D::Error::custom)?;
        if let LatencyConfig::Recorded { rows: kept, .. } = &mut config.latency {
            *kept = rows
                .into_iter()
                .map(|(ts_ns, entry_ns, response_ns)| LatencyRow {
                    ts_ns,
                    entry_ns,
                    response_ns,
                })
                .collect();
        }
        Ok(Box::new(config))
    }
}

#[cfg(test)]
mod tests {
    use crate::session::Command;
    use crate::sim::{LatencyConfig, LatencyRow, RunConfig};

    #[test]
    fn a_recorded_latency_keeps_its_rows_across_the_channel() {
        let config = RunConfig {
            latency: LatencyConfig::Recorded {
                path: "/data/lat.csv".into(),
                rows: vec![
                    LatencyRow {
                        ts_ns: 1,
                        entry_ns: 200,
                        response_ns: 300,
                    },
                    LatencyRow {
                        ts_ns: 5,
                        entry_ns: 250,
                        response_ns: 310,
                    },
                ],
            },
            compute: crate::sim::ComputeLatency::Fixed { ns: 1000 },
            ..RunConfig::default()
        };
        let command = Command::Configure {
            config: Box::new(config),
        };
        let bytes = postcard::to_allocvec(&command).unwrap();
        let read: Command = postcard::from_bytes(&bytes).unwrap();
        assert_eq!(read, command);
    }
}
