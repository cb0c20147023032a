//! The strategy's own thinking time, charged to the orders it sends
//! (`latency.compute` in `run.toml`), and the wall time its callbacks took.
//!
//! Backtesters usually let a strategy think for free: an order sent at
//! local time `T` leaves at `T`. With a compute latency it leaves later:
//!
//! - `"none"` (the default): at `T`.
//! - `"fixed:<ns>"`: at `T + ns`, for every message sent from a callback.
//!   Deterministic.
//! - `"measured"`: at `T +` the wall time from the start of the callback to
//!   the moment the message is sent, read from the monotonic clock. The
//!   fills then depend on the machine and its load: the run is not
//!   deterministic.
//!
//! The message then travels for the entry latency, drawn at the time it
//! leaves. The strategy's clock does not move while it thinks: events that
//! arrive meanwhile are still seen at their own local time. Answers from
//! pre-trade risk come back at once, as before.

use std::fmt;
use std::str::FromStr;
use std::time::Instant;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// How long the strategy takes to decide, charged to each message it sends.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ComputeLatency {
    /// The strategy thinks in no time.
    #[default]
    None,
    /// Every message leaves this many ns after the callback started.
    Fixed {
        /// Compute time, ns.
        ns: i64,
    },
    /// Every message leaves after the wall time its callback had run when
    /// it was sent.
    Measured,
}

impl ComputeLatency {
    /// True when a run with it gives the same fills every time.
    pub fn is_deterministic(self) -> bool {
        !matches!(self, ComputeLatency::Measured)
    }

    /// The delay of a message sent now, ns, in a callback that started at
    /// `callback_start` (`None` outside a timed callback: no measured time).
    #[inline]
    pub(crate) fn delay_ns(self, callback_start: Option<Instant>) -> i64 {
        match self {
            ComputeLatency::None => 0,
            ComputeLatency::Fixed { ns } => ns,
            ComputeLatency::Measured => callback_start.map_or(0, |start| {
                i64::try_from(start.elapsed().as_nanos()).unwrap_or(i64::MAX)
            }),
        }
    }
}

/// Why a `latency.compute` value cannot be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not a compute latency: use \"none\", \"fixed:<ns>\" (e.g. \"fixed:250000\") or \"measured\"")]
pub struct ComputeLatencyError {
    text: String,
}

impl FromStr for ComputeLatency {
    type Err = ComputeLatencyError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let err = || ComputeLatencyError {
            text: text.to_owned(),
        };
        match text.trim() {
            "none" => Ok(ComputeLatency::None),
            "measured" => Ok(ComputeLatency::Measured),
            other => {
                let digits = other.strip_prefix("fixed:").ok_or_else(err)?.trim();
                // Underscores group digits, as in TOML integers.
                let ok = digits.starts_with(|c: char| c.is_ascii_digit())
                    && digits.chars().all(|c| c.is_ascii_digit() || c == '_');
                if !ok {
                    return Err(err());
                }
                let ns = digits.replace('_', "").parse().map_err(|_| err())?;
                Ok(ComputeLatency::Fixed { ns })
            }
        }
    }
}

impl fmt::Display for ComputeLatency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ComputeLatency::None => f.write_str("none"),
            ComputeLatency::Fixed { ns } => write!(f, "fixed:{ns}"),
            ComputeLatency::Measured => f.write_str("measured"),
        }
    }
}

impl Serialize for ComputeLatency {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ComputeLatency {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// Wall time of one kind of strategy callback over a run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallbackTime {
    /// `on_start`, `on_market`, `on_order`, `on_timer` or `on_finish`.
    pub callback: String,
    /// Calls timed.
    pub calls: u64,
    /// Median wall time, ns (within 1/32 above the true value).
    pub p50_ns: u64,
    /// 99th percentile, ns (within 1/32 above the true value).
    pub p99_ns: u64,
    /// Longest call, ns (exact).
    pub max_ns: u64,
    /// All calls together, ns.
    pub total_ns: u64,
}

/// The strategy's compute time over a run: what `timing.json`, the
/// console and the window show.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComputeTimes {
    /// The callbacks the strategy was called for, in the order of
    /// `on_start`, `on_market`, `on_order`, `on_timer`, `on_finish`.
    pub callbacks: Vec<CallbackTime>,
}

impl ComputeTimes {
    /// One line per callback kind, e.g. `on_market: 1000000 calls, p50
    /// 1.2 µs, p99 3.4 µs, max 120.0 µs`.
    pub fn lines(&self) -> Vec<String> {
        self.callbacks
            .iter()
            .map(|c| {
                format!(
                    "{}: {} calls, p50 {}, p99 {}, max {}",
                    c.callback,
                    c.calls,
                    format_ns(c.p50_ns),
                    format_ns(c.p99_ns),
                    format_ns(c.max_ns)
                )
            })
            .collect()
    }
}

/// A duration in the unit that suits it: `850 ns`, `1.2 µs`, `3.4 ms`,
/// `1.50 s`.
pub fn format_ns(ns: u64) -> String {
    let x = ns as f64;
    if ns < 1_000 {
        format!("{ns} ns")
    } else if ns < 1_000_000 {
        format!("{:.1} µs", x / 1e3)
    } else if ns < 1_000_000_000 {
        format!("{:.1} ms", x / 1e6)
    } else {
        format!("{:.2} s", x / 1e9)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_forms_parse_and_print_back() {
        for (text, value) in [
            ("none", ComputeLatency::None),
            ("measured", ComputeLatency::Measured),
            ("fixed:1000000", ComputeLatency::Fixed { ns: 1_000_000 }),
            ("fixed:0", ComputeLatency::Fixed { ns: 0 }),
        ] {
            assert_eq!(text.parse::<ComputeLatency>(), Ok(value));
            assert_eq!(value.to_string(), text);
        }
        assert_eq!(
            "fixed:1_000_000".parse::<ComputeLatency>(),
            Ok(ComputeLatency::Fixed { ns: 1_000_000 })
        );
    }

    #[test]
    fn anything_else_is_refused_with_the_forms_named() {
        for text in [
            "",
            "fixed",
            "fixed:",
            "fixed:-5",
            "fixed:1e6",
            "fixed:_1",
            "Measured",
            "1ms",
        ] {
            let err = text.parse::<ComputeLatency>().unwrap_err().to_string();
            assert_eq!(
                err,
                format!("`{text}` is not a compute latency: use \"none\", \"fixed:<ns>\" (e.g. \"fixed:250000\") or \"measured\"")
            );
        }
    }

    #[test]
    fn only_measured_is_not_deterministic() {
        assert!(ComputeLatency::None.is_deterministic());
        assert!(ComputeLatency::Fixed { ns: 5 }.is_deterministic());
        assert!(!ComputeLatency::Measured.is_deterministic());
    }

    #[test]
    fn fixed_delays_by_its_value_and_none_not_at_all() {
        assert_eq!(ComputeLatency::None.delay_ns(Some(Instant::now())), 0);
        assert_eq!(ComputeLatency::Fixed { ns: 7 }.delay_ns(None), 7);
        assert_eq!(ComputeLatency::Measured.delay_ns(None), 0);
        let start = Instant::now();
        std::thread::sleep(std::time::Duration::from_millis(2));
        assert!(ComputeLatency::Measured.delay_ns(Some(start)) >= 2_000_000);
    }

    #[test]
    fn durations_print_in_their_unit() {
        assert_eq!(format_ns(850), "850 ns");
        assert_eq!(format_ns(1_240), "1.2 µs");
        assert_eq!(format_ns(3_400_000), "3.4 ms");
        assert_eq!(format_ns(1_500_000_000), "1.50 s");
    }
}
