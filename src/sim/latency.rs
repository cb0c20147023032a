//! Latency models: how long an order takes to reach the exchange (entry) and
//! how long the exchange's answer takes to come back (response), and how late
//! the strategy sees market data (feed).

use std::path::{Path, PathBuf};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Order-entry and response latency.
pub trait LatencyModel: Send {
    /// Short name for records and logs, e.g. `"constant"`.
    fn name(&self) -> &'static str;

    /// Time from the strategy sending an order message at local time
    /// `send_local_ts` to the exchange receiving it, in ns (never negative).
    fn entry_latency_ns(&mut self, send_local_ts: i64) -> i64;

    /// Time from the exchange answering at exchange time `exch_ts` to the
    /// strategy receiving the answer, in ns (never negative).
    fn response_latency_ns(&mut self, exch_ts: i64) -> i64;
}

/// The same latency for every message: `entry = entry_ns`,
/// `response = response_ns`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConstantLatency {
    /// Order-entry latency, ns.
    pub entry_ns: i64,
    /// Response latency, ns.
    pub response_ns: i64,
}

impl LatencyModel for ConstantLatency {
    fn name(&self) -> &'static str {
        "constant"
    }

    fn entry_latency_ns(&mut self, _send_local_ts: i64) -> i64 {
        self.entry_ns.max(0)
    }

    fn response_latency_ns(&mut self, _exch_ts: i64) -> i64 {
        self.response_ns.max(0)
    }
}

/// Lognormal latency around a median, reproducible from a seed.
///
/// `latency = median · exp(σ·z)` with `z` standard normal (Box–Muller on a
/// ChaCha8 stream seeded with `seed`): half the messages are faster than the
/// median, and a few are much slower, as on a real network.
#[derive(Clone, Debug)]
pub struct LognormalLatency {
    entry_median_ns: f64,
    response_median_ns: f64,
    sigma: f64,
    rng: ChaCha8Rng,
}

impl LognormalLatency {
    /// Medians in ns, log-standard-deviation `sigma` (0.3 is moderate
    /// jitter), and the random seed.
    pub fn new(entry_median_ns: i64, response_median_ns: i64, sigma: f64, seed: u64) -> Self {
        LognormalLatency {
            entry_median_ns: entry_median_ns.max(0) as f64,
            response_median_ns: response_median_ns.max(0) as f64,
            sigma: sigma.max(0.0),
            rng: ChaCha8Rng::seed_from_u64(seed),
        }
    }

    fn draw(&mut self, median_ns: f64) -> i64 {
        // Box–Muller; 1 − u keeps the logarithm's argument in (0, 1].
        let u1: f64 = 1.0 - self.rng.random::<f64>();
        let u2: f64 = self.rng.random::<f64>();
        let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
        (median_ns * (self.sigma * z).exp())
            .round()
            .clamp(0.0, i64::MAX as f64) as i64
    }
}

impl LatencyModel for LognormalLatency {
    fn name(&self) -> &'static str {
        "lognormal"
    }

    fn entry_latency_ns(&mut self, _send_local_ts: i64) -> i64 {
        self.draw(self.entry_median_ns)
    }

    fn response_latency_ns(&mut self, _exch_ts: i64) -> i64 {
        self.draw(self.response_median_ns)
    }
}

/// One row of a recorded latency file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LatencyRow {
    /// When the latency was measured, ns since the epoch.
    pub ts_ns: i64,
    /// Order-entry latency then, ns.
    pub entry_ns: i64,
    /// Response latency then, ns.
    pub response_ns: i64,
}

/// Why a recorded latency file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum LatencyFileError {
    /// The file could not be read.
    #[error("{path}: cannot read latency file: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// A line is not `ts_ns,entry_ns,response_ns` with integers.
    #[error("{path}:{line}: {reason}")]
    Line {
        /// The file.
        path: PathBuf,
        /// Line number, from 1.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// The file holds no rows.
    #[error("{path}: no latency rows")]
    Empty {
        /// The file.
        path: PathBuf,
    },
}

/// Latency interpolated from a recording: at time `t` between rows `a` and
/// `b`, `latency = a + (b − a)·(t − a.ts)/(b.ts − a.ts)`; before the first
/// row or after the last, that row's value.
#[derive(Clone, Debug)]
pub struct InterpolatedLatency {
    rows: Vec<LatencyRow>,
    /// Index of the row at or before the last time asked (times mostly grow,
    /// so the search starts there).
    cursor: usize,
}

impl InterpolatedLatency {
    /// A model over rows sorted by time (they are sorted if not).
    pub fn from_rows(mut rows: Vec<LatencyRow>) -> Self {
        rows.sort_by_key(|r| r.ts_ns);
        InterpolatedLatency { rows, cursor: 0 }
    }

    /// Parses CSV text of a recording (`ts_ns,entry_ns,response_ns` per
    /// line, an optional header line, `#` comments and blank lines allowed);
    /// `path` is only used in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Self, LatencyFileError> {
        Self::parse_rows(text, path).map(Self::from_rows)
    }

    /// The rows of CSV text of a recording, as [`InterpolatedLatency::parse`]
    /// reads them.
    pub fn parse_rows(text: &str, path: &Path) -> Result<Vec<LatencyRow>, LatencyFileError> {
        let mut rows = Vec::new();
        for (index, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if rows.is_empty() && line.starts_with(|c: char| c.is_ascii_alphabetic()) {
                continue; // header
            }
            let bad = |reason: String| LatencyFileError::Line {
                path: path.to_owned(),
                line: index + 1,
                reason,
            };
            let fields: Vec<&str> = line.split(',').map(str::trim).collect();
            if fields.len() != 3 {
                return Err(bad(format!(
                    "expected 3 fields `ts_ns,entry_ns,response_ns`, found {}",
                    fields.len()
                )));
            }
            let mut values = [0_i64; 3];
            for (value, (field, name)) in
                values
                    .iter_mut()
                    .zip(fields.iter().zip(["ts_ns", "entry_ns", "response_ns"]))
            {
                *value = field
                    .parse()
                    .map_err(|_| bad(format!("`{name}` is not an integer: {field:?}")))?;
            }
            if values[1] < 0 || values[2] < 0 {
                return Err(bad("latencies cannot be negative".to_owned()));
            }
            rows.push(LatencyRow {
                ts_ns: values[0],
                entry_ns: values[1],
                response_ns: values[2],
            });
        }
        if rows.is_empty() {
            return Err(LatencyFileError::Empty {
                path: path.to_owned(),
            });
        }
        Ok(rows)
    }

    fn at(&mut self, ts: i64, pick: fn(&LatencyRow) -> i64) -> i64 {
        let rows = &self.rows;
        let (Some(first), Some(last)) = (rows.first(), rows.last()) else {
            return 0;
        };
        if ts <= first.ts_ns {
            return pick(first);
        }
        if ts >= last.ts_ns {
            return pick(last);
        }
        // rows[cursor].ts <= ts < rows[cursor + 1].ts after these loops;
        // both indices stay in range because first.ts < ts < last.ts.
        if self.cursor >= rows.len() - 1 || rows[self.cursor].ts_ns > ts {
            self.cursor = rows.partition_point(|r| r.ts_ns <= ts) - 1;
        }
        while rows[self.cursor + 1].ts_ns <= ts {
            self.cursor += 1;
        }
        let (a, b) = (&rows[self.cursor], &rows[self.cursor + 1]);
        let frac = (ts - a.ts_ns) as f64 / (b.ts_ns - a.ts_ns) as f64;
        let (va, vb) = (pick(a) as f64, pick(b) as f64);
        (va + (vb - va) * frac).round() as i64
    }
}

impl LatencyModel for InterpolatedLatency {
    fn name(&self) -> &'static str {
        "recorded"
    }

    fn entry_latency_ns(&mut self, send_local_ts: i64) -> i64 {
        self.at(send_local_ts, |r| r.entry_ns)
    }

    fn response_latency_ns(&mut self, exch_ts: i64) -> i64 {
        self.at(exch_ts, |r| r.response_ns)
    }
}

/// When the strategy sees each market event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum FeedLatency {
    /// As recorded: at the event's `local_ts`.
    #[default]
    FromData,
    /// At `exch_ts + ns` for every event.
    Constant {
        /// Feed latency, ns.
        ns: i64,
    },
}

impl FeedLatency {
    /// Local time at which the strategy would see `ev`, before the engine
    /// keeps local time monotone.
    #[inline]
    pub fn local_ts(self, exch_ts: i64, local_ts: i64) -> i64 {
        match self {
            FeedLatency::FromData => local_ts,
            FeedLatency::Constant { ns } => exch_ts.saturating_add(ns),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_latency_interpolates_and_names_bad_lines() {
        let text = "ts_ns,entry_ns,response_ns\n0,100,10\n1000,300,30\n";
        let mut model = InterpolatedLatency::parse(text, Path::new("lat.csv")).unwrap();
        assert_eq!(model.entry_latency_ns(-5), 100);
        assert_eq!(model.entry_latency_ns(500), 200);
        assert_eq!(model.response_latency_ns(250), 15);
        assert_eq!(model.entry_latency_ns(2000), 300);
        assert_eq!(model.entry_latency_ns(100), 120);

        let err = InterpolatedLatency::parse("0,1,2\n5,x,3\n", Path::new("lat.csv"))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("lat.csv:2:") && err.contains("entry_ns"),
            "{err}"
        );
    }

    #[test]
    fn lognormal_is_reproducible_and_centred() {
        let mut a = LognormalLatency::new(1_000, 2_000, 0.3, 7);
        let mut b = LognormalLatency::new(1_000, 2_000, 0.3, 7);
        let draws: Vec<i64> = (0..1001).map(|_| a.entry_latency_ns(0)).collect();
        let again: Vec<i64> = (0..1001).map(|_| b.entry_latency_ns(0)).collect();
        assert_eq!(draws, again);
        let mut sorted = draws.clone();
        sorted.sort_unstable();
        let median = sorted[500];
        assert!((850..1150).contains(&median), "{median}");
    }
}
