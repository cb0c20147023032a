//! The run configuration (`run.toml`): which models the simulator uses, with
//! their parameters, the starting cash and the risk limits.
//!
//! Every field has a default, so an empty file is a valid configuration;
//! written out, the defaults are (the README's block, checked by a test):
//!
//! ```toml
//! initial_cash = 100000.0     # currency units
//! seed = 0                    # seeds every random model
//! equity_step_ns = 1_000_000_000
//! # feed_latency_ns = 2_000_000 # by default each event's local_ts
//!
//! [queue]
//! model = "risk_averse"       # "risk_averse" | "prob_power" | "prob_power3" | "prob_log" | "fifo"
//!
//! [latency]
//! model = "constant"          # "constant" | "lognormal" | "recorded"
//! entry_ns = 1_000_000
//! response_ns = 1_000_000
//! compute = "none"            # "none" | "fixed:<ns>" | "measured" (sim::compute)
//!
//! [fees]                      # omitted rates come from instrument.toml
//!
//! [impact]
//! model = "none"              # "none" | "sqrt"
//!
//! [risk]                      # omitted limits are not checked
//! ```

use std::path::{Path, PathBuf};

use serde::{Deserialize, Deserializer, Serialize};

use crate::book::CrossedBookPolicy;
use crate::sim::compute::ComputeLatency;
use crate::sim::latency::{FeedLatency, LatencyFileError, LatencyRow};
use crate::sim::risk::RiskLimits;

mod models;

pub use models::Models;

/// Why a run configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// Not valid TOML, an unknown field, or a value of the wrong type; the
    /// message names the field, line and column.
    #[error("{path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The parser's message.
        message: String,
    },
    /// A value that parses but cannot be used.
    #[error("run config field `{field}`: {reason}")]
    Invalid {
        /// Dotted field name, e.g. `latency.sigma`.
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The recorded latency file could not be used.
    #[error(transparent)]
    LatencyFile(#[from] LatencyFileError),
}

/// Queue-position model choice; see `sim::queue`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(tag = "model", rename_all = "snake_case", deny_unknown_fields)]
pub enum QueueConfig {
    /// Only trades at our price move us forward ([`RiskAverseQueue`]).
    ///
    /// [`RiskAverseQueue`]: crate::sim::queue::RiskAverseQueue
    #[default]
    RiskAverse,
    /// Cancels split by `x^n` ([`ProbQueue::power`]).
    ///
    /// [`ProbQueue::power`]: crate::sim::queue::ProbQueue::power
    ProbPower {
        /// Exponent `n` (2.0 is a common choice).
        n: f64,
    },
    /// Cancels split by `(ahead / level)^n` ([`ProbQueue::power3`]).
    ///
    /// [`ProbQueue::power3`]: crate::sim::queue::ProbQueue::power3
    ProbPower3 {
        /// Exponent `n`.
        n: f64,
    },
    /// Cancels split by `ln(1 + x)` ([`ProbQueue::log`]).
    ///
    /// [`ProbQueue::log`]: crate::sim::queue::ProbQueue::log
    ProbLog,
    /// Exact first-in-first-out position from order-by-order (L3) data
    /// ([`FifoQueue`]); with L2 data alone it moves as `risk_averse`.
    ///
    /// [`FifoQueue`]: crate::sim::queue_fifo::FifoQueue
    Fifo,
}

/// Order-entry and response latency model choice; see `sim::latency`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "model", rename_all = "snake_case", deny_unknown_fields)]
pub enum LatencyConfig {
    /// Fixed latencies ([`ConstantLatency`]).
    ///
    /// [`ConstantLatency`]: crate::sim::latency::ConstantLatency
    Constant {
        /// Order-entry latency, ns.
        entry_ns: i64,
        /// Response latency, ns.
        response_ns: i64,
    },
    /// Lognormal latencies around medians ([`LognormalLatency`]), seeded by
    /// the run's `seed`.
    ///
    /// [`LognormalLatency`]: crate::sim::latency::LognormalLatency
    Lognormal {
        /// Median order-entry latency, ns.
        entry_median_ns: i64,
        /// Median response latency, ns.
        response_median_ns: i64,
        /// Log-standard-deviation (0.3 = moderate jitter).
        sigma: f64,
    },
    /// Interpolated from a CSV recording `ts_ns,entry_ns,response_ns`
    /// ([`InterpolatedLatency`]); a relative path is taken from the
    /// directory of the configuration file.
    ///
    /// [`InterpolatedLatency`]: crate::sim::latency::InterpolatedLatency
    Recorded {
        /// The CSV file.
        path: PathBuf,
        /// Its rows, filled by whoever reads the configuration file
        /// (`session::read_run_config`): the simulator reads no files.
        #[serde(skip)]
        rows: Vec<LatencyRow>,
    },
}

impl Default for LatencyConfig {
    fn default() -> Self {
        LatencyConfig::Constant {
            entry_ns: 1_000_000,
            response_ns: 1_000_000,
        }
    }
}

/// Fee rates; an omitted field takes the instrument's value.
#[derive(Clone, Copy, Debug, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FeeConfig {
    /// Fraction of notional on maker fills (negative = rebate).
    pub maker_rate: Option<f64>,
    /// Fraction of notional on taker fills.
    pub taker_rate: Option<f64>,
    /// Fixed fee per fill, currency units.
    pub per_fill: Option<f64>,
}

/// Impact model for data without depth; see `sim::impact`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(tag = "model", rename_all = "snake_case", deny_unknown_fields)]
pub enum ImpactConfig {
    /// Aggressive orders walk the book (L2 data).
    #[default]
    None,
    /// Square-root impact ([`SqrtImpact`]) for L1 or trades-only data.
    ///
    /// [`SqrtImpact`]: crate::sim::impact::SqrtImpact
    Sqrt {
        /// Impact coefficient `k`.
        k: f64,
        /// Daily volatility, ticks.
        daily_vol_ticks: f64,
        /// Average daily volume, lots.
        adv_lots: f64,
        /// Largest order as a share of the visible volume.
        max_share_of_visible: f64,
    },
}

/// Everything that configures a simulated run, read from `run.toml`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RunConfig {
    /// Cash at the start, currency units. Default 100 000.
    pub initial_cash: f64,
    /// Seed of every random model; the same seed and data give the same run.
    pub seed: u64,
    /// Data-time step between equity samples, ns. Default 1 s.
    pub equity_step_ns: i64,
    /// Constant feed latency, ns; when omitted the strategy sees each event
    /// at its recorded `local_ts`.
    pub feed_latency_ns: Option<i64>,
    /// Queue-position model.
    pub queue: QueueConfig,
    /// Order-entry and response latency.
    #[serde(deserialize_with = "latency_model")]
    pub latency: LatencyConfig,
    /// The strategy's compute time charged to its orders: `latency.compute`
    /// in the file (read by [`RunConfig::from_toml_str`]).
    #[serde(skip_deserializing, rename = "latency.compute")]
    pub compute: ComputeLatency,
    /// Fee rates.
    pub fees: FeeConfig,
    /// Impact model for data without depth.
    pub impact: ImpactConfig,
    /// Pre-trade risk limits.
    pub risk: RiskLimits,
    /// Infer a pre-open auction from a book that stays crossed without a
    /// trade, in data without status events (see `sim::market_state`).
    /// Default true.
    pub infer_market_state: bool,
    /// A batch that ends with the book crossed: `"error"` (default) stops
    /// the run naming the file and row, `"warn"` counts it and goes on.
    pub crossed_book: CrossedBookPolicy,
    /// `[params]`: handed to the strategy (a Python class's `__init__`
    /// keyword arguments, the market maker's settings); the simulator
    /// ignores them.
    #[serde(skip_serializing_if = "toml::Table::is_empty")]
    pub params: toml::Table,
    /// Days in a year for annualising the Sharpe and Sortino ratios of a
    /// run over several days, which use daily returns (365 when omitted;
    /// 252 for trading days).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub days_per_year: Option<u32>,
    /// `[fx]`: fixed rates of other currencies in the account's (the first
    /// instrument's), e.g. `EUR = 1.08`, for a run over instruments in
    /// several currencies. No FX is simulated: a rate holds for the run.
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub fx: std::collections::BTreeMap<String, f64>,
    /// `[instruments.<SYMBOL>]`: models of one instrument of a run over
    /// several (see `sim::overrides`).
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub instruments: std::collections::BTreeMap<String, crate::sim::overrides::InstrumentOverrides>,
    /// `[sweep]`: the space `ticklab sweep` explores (see
    /// `crate::analyzer`); a single run ignores it.
    #[serde(skip_serializing)]
    pub sweep: toml::Table,
}

impl Default for RunConfig {
    fn default() -> Self {
        RunConfig {
            initial_cash: 100_000.0,
            seed: 0,
            equity_step_ns: 1_000_000_000,
            feed_latency_ns: None,
            queue: QueueConfig::default(),
            latency: LatencyConfig::default(),
            compute: ComputeLatency::None,
            fees: FeeConfig::default(),
            impact: ImpactConfig::default(),
            risk: RiskLimits::default(),
            infer_market_state: true,
            crossed_book: CrossedBookPolicy::default(),
            params: toml::Table::new(),
            days_per_year: None,
            fx: std::collections::BTreeMap::new(),
            instruments: std::collections::BTreeMap::new(),
            sweep: toml::Table::new(),
        }
    }
}

/// `[latency]` without its `compute` key, which is not part of the latency
/// model ([`read_compute`] reads it): the default model when the table
/// holds nothing else.
fn latency_model<'de, D: Deserializer<'de>>(deserializer: D) -> Result<LatencyConfig, D::Error> {
    let table = toml::Table::deserialize(deserializer)?;
    crate::sim::model_table::latency_from_table(table).map_err(serde::de::Error::custom)
}

/// `latency.compute` of a `run.toml` text ([`ComputeLatency::None`] when
/// absent); an error names the file, line and column.
fn read_compute(text: &str, path: &Path) -> Result<ComputeLatency, ConfigError> {
    #[derive(Deserialize)]
    struct File {
        latency: Option<Latency>,
    }
    #[derive(Deserialize)]
    struct Latency {
        compute: Option<ComputeLatency>,
    }
    let file: File = toml::from_str(text).map_err(|err| ConfigError::Parse {
        path: path.to_owned(),
        message: err.to_string().trim_end().to_owned(),
    })?;
    Ok(file
        .latency
        .and_then(|latency| latency.compute)
        .unwrap_or_default())
}

impl RunConfig {
    /// Parses and checks `run.toml` text; `path` names the file in errors
    /// and anchors a relative latency recording path.
    pub fn from_toml_str(text: &str, path: &Path) -> Result<Self, ConfigError> {
        let mut config: RunConfig = toml::from_str(text).map_err(|err| ConfigError::Parse {
            path: path.to_owned(),
            message: err.to_string().trim_end().to_owned(),
        })?;
        config.compute = read_compute(text, path)?;
        crate::sim::model_table::check_model_keys(text, &config).map_err(|message| {
            ConfigError::Parse {
                path: path.to_owned(),
                message,
            }
        })?;
        if let LatencyConfig::Recorded { path: csv, .. } = &mut config.latency {
            if csv.is_relative() {
                if let Some(dir) = path.parent() {
                    *csv = dir.join(&*csv);
                }
            }
        }
        config.validate()?;
        Ok(config)
    }

    /// Checks every value.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let invalid =
            |field: &'static str, reason: String| Err(ConfigError::Invalid { field, reason });
        if !self.initial_cash.is_finite() {
            return invalid(
                "initial_cash",
                format!("must be finite, got {}", self.initial_cash),
            );
        }
        if let Some((currency, rate)) = self.fx.iter().find(|(_, r)| !(r.is_finite() && **r > 0.0))
        {
            return Err(ConfigError::Invalid {
                field: "fx",
                reason: format!("the rate of {currency} must be a positive number, got {rate}"),
            });
        }
        if let Some(days) = self.days_per_year.filter(|&d| d == 0 || d > 366) {
            return invalid(
                "days_per_year",
                format!("must be from 1 to 366, got {days}"),
            );
        }
        if self.equity_step_ns <= 0 {
            return invalid(
                "equity_step_ns",
                format!("must be positive, got {}", self.equity_step_ns),
            );
        }
        if let QueueConfig::ProbPower { n } | QueueConfig::ProbPower3 { n } = self.queue {
            if !(n.is_finite() && n > 0.0) {
                return invalid("queue.n", format!("must be a positive number, got {n}"));
            }
        }
        match self.latency {
            LatencyConfig::Constant {
                entry_ns,
                response_ns,
            } if entry_ns < 0 || response_ns < 0 => {
                return invalid("latency", "latencies cannot be negative".to_owned());
            }
            LatencyConfig::Lognormal {
                entry_median_ns,
                response_median_ns,
                sigma,
            } if entry_median_ns < 0
                || response_median_ns < 0
                || !(sigma.is_finite() && sigma >= 0.0) =>
            {
                return invalid(
                    "latency",
                    "medians must be >= 0 and sigma a number >= 0".to_owned(),
                );
            }
            _ => {}
        }
        if let Some(ns) = self.feed_latency_ns {
            if ns < 0 {
                return invalid("feed_latency_ns", format!("cannot be negative, got {ns}"));
            }
        }
        if let ImpactConfig::Sqrt {
            k,
            daily_vol_ticks,
            adv_lots,
            max_share_of_visible,
        } = self.impact
        {
            let ok = [k, daily_vol_ticks, max_share_of_visible]
                .iter()
                .all(|v| v.is_finite() && *v >= 0.0)
                && adv_lots.is_finite()
                && adv_lots > 0.0;
            if !ok {
                return invalid(
                    "impact",
                    "parameters must be >= 0 and adv_lots > 0".to_owned(),
                );
            }
        }
        for (field, value) in [
            ("fees.maker_rate", self.fees.maker_rate),
            ("fees.taker_rate", self.fees.taker_rate),
            ("fees.per_fill", self.fees.per_fill),
        ] {
            if value.is_some_and(|v| !v.is_finite()) {
                return invalid(field, "must be a finite number".to_owned());
            }
        }
        Ok(())
    }

    /// When the strategy sees market data.
    pub fn feed_latency(&self) -> FeedLatency {
        match self.feed_latency_ns {
            Some(ns) => FeedLatency::Constant { ns },
            None => FeedLatency::FromData,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::market::Instrument;

    #[test]
    fn empty_file_is_the_default_and_unknown_fields_are_named() {
        let config = RunConfig::from_toml_str("", Path::new("run.toml")).unwrap();
        assert_eq!(config, RunConfig::default());

        let err = RunConfig::from_toml_str("inital_cash = 5.0\n", Path::new("run.toml"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("run.toml") && err.contains("inital_cash"),
            "{err}"
        );

        let err = RunConfig::from_toml_str(
            "[queue]\nmodel = \"prob_power\"\nm = 2.0\n",
            Path::new("r.toml"),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains('m'), "{err}");
    }

    #[test]
    fn models_and_limits_parse() {
        let text = r#"
            initial_cash = 5000.0
            seed = 7
            feed_latency_ns = 100
            [queue]
            model = "prob_power"
            n = 3.0
            [latency]
            model = "lognormal"
            entry_median_ns = 1000
            response_median_ns = 2000
            sigma = 0.2
            [fees]
            maker_rate = -0.0001
            [impact]
            model = "sqrt"
            k = 1.0
            daily_vol_ticks = 100.0
            adv_lots = 1e6
            max_share_of_visible = 0.5
            [risk]
            max_position_lots = 10
        "#;
        let config = RunConfig::from_toml_str(text, Path::new("run.toml")).unwrap();
        assert_eq!(config.queue, QueueConfig::ProbPower { n: 3.0 });
        assert_eq!(config.risk.max_position_lots, Some(10));
        assert_eq!(config.feed_latency(), FeedLatency::Constant { ns: 100 });
        let models = config
            .build_models(&Instrument::new("X", 0.1, 1.0))
            .unwrap();
        assert_eq!(models.queue.name(), "prob_power");
        assert_eq!(models.latency.name(), "lognormal");
        assert!(models.impact.is_some());
    }

    #[test]
    fn compute_latency_sits_in_the_latency_table() {
        let text = "[latency]\nmodel = \"constant\"\nentry_ns = 10\nresponse_ns = 20\ncompute = \"fixed:1_000_000\"\n";
        let config = RunConfig::from_toml_str(text, Path::new("run.toml")).unwrap();
        assert_eq!(config.compute, ComputeLatency::Fixed { ns: 1_000_000 });
        assert_eq!(
            config.latency,
            LatencyConfig::Constant {
                entry_ns: 10,
                response_ns: 20
            }
        );
        let config =
            RunConfig::from_toml_str("[latency]\ncompute = \"measured\"\n", Path::new("run.toml"))
                .unwrap();
        assert_eq!(config.compute, ComputeLatency::Measured);
        assert_eq!(config.latency, LatencyConfig::default());
        assert_eq!(
            RunConfig::from_toml_str("", Path::new("run.toml"))
                .unwrap()
                .compute,
            ComputeLatency::None
        );
        let json = serde_json::to_value(&config).unwrap();
        assert_eq!(json["latency.compute"], "measured");
    }

    #[test]
    fn a_bad_compute_latency_is_named_with_its_line() {
        let text = "seed = 1\n[latency]\ncompute = \"fast\"\n";
        let err = RunConfig::from_toml_str(text, Path::new("run.toml"))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("run.toml: TOML parse error at line 3, column 11"),
            "{err}"
        );
        assert!(
            err.contains("`fast` is not a compute latency: use \"none\", \"fixed:<ns>\""),
            "{err}"
        );
        // Other fields of the table are still checked.
        let err = RunConfig::from_toml_str(
            "[latency]\nmodel = \"constant\"\nentry = 5\ncompute = \"none\"\n",
            Path::new("run.toml"),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("unknown field `entry`"), "{err}");
    }

    #[test]
    fn fifo_queue_is_chosen_by_name() {
        let config =
            RunConfig::from_toml_str("[queue]\nmodel = \"fifo\"\n", Path::new("run.toml")).unwrap();
        assert_eq!(config.queue, QueueConfig::Fifo);
        let models = config
            .build_models(&Instrument::new("X", 0.1, 1.0))
            .unwrap();
        assert_eq!(models.queue.name(), "fifo");
    }
}
