//! `[instruments.<SYMBOL>]` in `run.toml`: the models of one instrument of a
//! run over several, in place of the run's own.
//!
//! ```toml
//! [instruments.ETH-PERP.queue]
//! model = "prob_power"
//! n = 2.0
//!
//! [instruments.ETH-PERP.fees]
//! taker_rate = 0.0005
//! ```

use serde::{Deserialize, Serialize};

use crate::sim::config::{FeeConfig, ImpactConfig, LatencyConfig, QueueConfig, RunConfig};
use crate::sim::risk::RiskLimits;

/// What one instrument sets for itself; what it leaves out is the run's.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct InstrumentOverrides {
    /// Queue-position model of this instrument.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queue: Option<QueueConfig>,
    /// Order-entry and response latency to this instrument's venue.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "latency_option"
    )]
    pub latency: Option<LatencyConfig>,
    /// Fee rates of this instrument.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fees: Option<FeeConfig>,
    /// Impact model of this instrument.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub impact: Option<ImpactConfig>,
    /// Pre-trade risk limits of this instrument.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub risk: Option<RiskLimits>,
}

/// An instrument's `[latency]`, read as the run's is.
fn latency_option<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<LatencyConfig>, D::Error> {
    match Option::<toml::Table>::deserialize(deserializer)? {
        None => Ok(None),
        Some(table) => crate::sim::model_table::latency_from_table(table)
            .map(Some)
            .map_err(serde::de::Error::custom),
    }
}

impl RunConfig {
    /// The configuration the engine of `symbol` runs with: the run's, with
    /// that instrument's `[instruments.<symbol>]` in place of its models.
    /// `None` when the instrument sets nothing of its own.
    pub fn for_instrument(&self, symbol: &str) -> Option<RunConfig> {
        let own = self.instruments.get(symbol)?;
        let mut config = self.clone();
        if let Some(queue) = &own.queue {
            config.queue = queue.clone();
        }
        if let Some(latency) = &own.latency {
            config.latency = latency.clone();
        }
        if let Some(fees) = own.fees {
            config.fees = fees;
        }
        if let Some(impact) = &own.impact {
            config.impact = impact.clone();
        }
        if let Some(risk) = own.risk {
            config.risk = risk;
        }
        Some(config)
    }

    /// How many units of the account's currency `account` one unit of
    /// `currency` is worth: 1 for the account's own, the `[fx]` table's
    /// fixed rate for another, `None` when it gives none.
    pub fn fx_rate(&self, currency: &str, account: &str) -> Option<f64> {
        if currency == account {
            return Some(1.0);
        }
        self.fx.get(currency).copied()
    }

    /// Symbols with an `[instruments.<symbol>]` table that are not in
    /// `symbols`, the run's.
    pub fn unknown_instruments<'a>(&'a self, symbols: &[&str]) -> Vec<&'a str> {
        self.instruments
            .keys()
            .map(String::as_str)
            .filter(|s| !symbols.contains(s))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_instrument_table_replaces_only_what_it_sets() {
        let text = "[queue]\nmodel = \"prob_log\"\n\n[instruments.ETH-PERP.queue]\nmodel = \"prob_power\"\nn = 2.0\n\n[instruments.ETH-PERP.fees]\ntaker_rate = 0.0005\n";
        let config = RunConfig::from_toml_str(text, std::path::Path::new("run.toml"))
            .expect("a valid configuration");
        assert_eq!(config.for_instrument("BTC-PERP"), None);
        let eth = config.for_instrument("ETH-PERP").expect("its own models");
        assert_eq!(eth.queue, QueueConfig::ProbPower { n: 2.0 });
        assert_eq!(eth.fees.taker_rate, Some(0.0005));
        assert_eq!(eth.latency, config.latency);
        assert_eq!(config.unknown_instruments(&["BTC-PERP"]), vec!["ETH-PERP"]);
        assert!(config
            .unknown_instruments(&["BTC-PERP", "ETH-PERP"])
            .is_empty());
    }
}
