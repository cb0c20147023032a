//! The run configuration as the window's settings edit it: a form of text
//! fields (latencies in µs, empty = not set) that turns into a checked
//! [`RunConfig`] or says, field by field, what is wrong; and the
//! configuration written back as `run.toml` text.

use std::collections::BTreeMap;

use crate::sim::{ComputeLatency, ConfigError, FeeConfig, LatencyConfig, QueueConfig, RunConfig};

/// Queue models offered, as `run.toml` names them.
pub const QUEUE_MODELS: [&str; 5] = [
    "risk_averse",
    "prob_power",
    "prob_power3",
    "prob_log",
    "fifo",
];

/// Latency models offered, as `run.toml` names them.
pub const LATENCY_MODELS: [&str; 3] = ["constant", "lognormal", "recorded"];

/// The settings form: every value as the user typed it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SettingsForm {
    /// Cash at the start, currency units.
    pub initial_cash: String,
    /// Seed of every random model.
    pub seed: String,
    /// One of [`QUEUE_MODELS`].
    pub queue_model: String,
    /// The exponent of `prob_power` / `prob_power3`.
    pub queue_n: String,
    /// One of [`LATENCY_MODELS`].
    pub latency_model: String,
    /// Order-entry latency (median for lognormal), µs.
    pub entry_us: String,
    /// Response latency (median for lognormal), µs.
    pub response_us: String,
    /// Lognormal sigma.
    pub sigma: String,
    /// Recorded latency CSV.
    pub latency_path: String,
    /// Constant feed latency, µs; empty = each event's own `local_ts`.
    pub feed_us: String,
    /// `none`, `fixed:<ns>` or `measured`.
    pub compute: String,
    /// Maker fee rate; empty = the instrument's.
    pub maker_rate: String,
    /// Taker fee rate; empty = the instrument's.
    pub taker_rate: String,
    /// Fee per fill; empty = the instrument's.
    pub per_fill: String,
    /// Largest order, lots; empty = unchecked.
    pub max_order_lots: String,
    /// Largest position, lots; empty = unchecked.
    pub max_position_lots: String,
    /// Most open orders; empty = unchecked.
    pub max_open_orders: String,
    /// The strategy's `[params]`: name and value as TOML (`0.5`, `3`,
    /// `true`, `"text"`; a bare word is taken as text).
    pub params: Vec<(String, String)>,
}

/// What is wrong with the form: a message per field name (the form's
/// field names, e.g. `entry_us`, `params.qty`).
pub type FieldErrors = BTreeMap<String, String>;

fn us_text(ns: i64) -> String {
    let us = ns as f64 / 1_000.0;
    format!("{us}")
}

fn opt_text<T: ToString>(value: Option<T>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

/// A TOML value as the form shows it.
pub fn value_text(value: &toml::Value) -> String {
    match value {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

impl SettingsForm {
    /// The form showing `config`, with `discovered` parameters (name and
    /// default) listed first, at their configured value when set.
    pub fn from_config(config: &RunConfig, discovered: &[(String, toml::Value)]) -> SettingsForm {
        let (queue_model, queue_n) = match &config.queue {
            QueueConfig::RiskAverse => ("risk_averse", String::new()),
            QueueConfig::ProbPower { n } => ("prob_power", n.to_string()),
            QueueConfig::ProbPower3 { n } => ("prob_power3", n.to_string()),
            QueueConfig::ProbLog => ("prob_log", String::new()),
            QueueConfig::Fifo => ("fifo", String::new()),
        };
        let mut form = SettingsForm {
            initial_cash: config.initial_cash.to_string(),
            seed: config.seed.to_string(),
            queue_model: queue_model.to_owned(),
            queue_n: if queue_n.is_empty() {
                "2".to_owned()
            } else {
                queue_n
            },
            sigma: "0.3".to_owned(),
            feed_us: opt_text(config.feed_latency_ns.map(us_text)),
            compute: config.compute.to_string(),
            maker_rate: opt_text(config.fees.maker_rate),
            taker_rate: opt_text(config.fees.taker_rate),
            per_fill: opt_text(config.fees.per_fill),
            max_order_lots: opt_text(config.risk.max_order_lots),
            max_position_lots: opt_text(config.risk.max_position_lots),
            max_open_orders: opt_text(config.risk.max_open_orders),
            ..SettingsForm::default()
        };
        match &config.latency {
            LatencyConfig::Constant {
                entry_ns,
                response_ns,
            } => {
                form.latency_model = "constant".to_owned();
                form.entry_us = us_text(*entry_ns);
                form.response_us = us_text(*response_ns);
            }
            LatencyConfig::Lognormal {
                entry_median_ns,
                response_median_ns,
                sigma,
            } => {
                form.latency_model = "lognormal".to_owned();
                form.entry_us = us_text(*entry_median_ns);
                form.response_us = us_text(*response_median_ns);
                form.sigma = sigma.to_string();
            }
            LatencyConfig::Recorded { path, .. } => {
                form.latency_model = "recorded".to_owned();
                form.entry_us = "1000".to_owned();
                form.response_us = "1000".to_owned();
                form.latency_path = path.display().to_string();
            }
        }
        for (name, default) in discovered {
            let value = config.params.get(name).unwrap_or(default);
            form.params.push((name.clone(), value_text(value)));
        }
        for (name, value) in &config.params {
            if !form.params.iter().any(|(n, _)| n == name) {
                form.params.push((name.clone(), value_text(value)));
            }
        }
        form
    }

    /// The configuration the form says, on top of `base` (which keeps what
    /// the form does not show: impact, equity step, market state, crossed
    /// books, the recorded latency's rows), or every field that is wrong.
    pub fn to_config(&self, base: &RunConfig) -> Result<RunConfig, FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut config = base.clone();
        let mut field = |name: &str, result: Result<(), String>| {
            if let Err(message) = result {
                errors.insert(name.to_owned(), message);
            }
        };
        field(
            "initial_cash",
            parse_f64(&self.initial_cash).map(|v| config.initial_cash = v),
        );
        field(
            "seed",
            self.seed
                .trim()
                .parse::<u64>()
                .map(|v| config.seed = v)
                .map_err(|_| "a whole number ≥ 0".to_owned()),
        );
        let n = parse_f64(&self.queue_n).and_then(|n| {
            if n > 0.0 {
                Ok(n)
            } else {
                Err("must be > 0".to_owned())
            }
        });
        match self.queue_model.as_str() {
            "risk_averse" => config.queue = QueueConfig::RiskAverse,
            "prob_log" => config.queue = QueueConfig::ProbLog,
            "fifo" => config.queue = QueueConfig::Fifo,
            "prob_power" | "prob_power3" => match n {
                Ok(n) if self.queue_model == "prob_power" => {
                    config.queue = QueueConfig::ProbPower { n };
                }
                Ok(n) => config.queue = QueueConfig::ProbPower3 { n },
                Err(message) => field("queue_n", Err(message)),
            },
            other => field("queue_model", Err(format!("unknown model {other:?}"))),
        }
        let entry = parse_us(&self.entry_us);
        let response = parse_us(&self.response_us);
        match self.latency_model.as_str() {
            "constant" | "lognormal" => {
                if let Err(message) = &entry {
                    field("entry_us", Err(message.clone()));
                }
                if let Err(message) = &response {
                    field("response_us", Err(message.clone()));
                }
                if let (Ok(entry_ns), Ok(response_ns)) = (entry, response) {
                    if self.latency_model == "constant" {
                        config.latency = LatencyConfig::Constant {
                            entry_ns,
                            response_ns,
                        };
                    } else {
                        match parse_f64(&self.sigma) {
                            Ok(sigma) if sigma >= 0.0 => {
                                config.latency = LatencyConfig::Lognormal {
                                    entry_median_ns: entry_ns,
                                    response_median_ns: response_ns,
                                    sigma,
                                };
                            }
                            Ok(_) => field("sigma", Err("must be ≥ 0".to_owned())),
                            Err(message) => field("sigma", Err(message)),
                        }
                    }
                }
            }
            "recorded" => {
                let path = self.latency_path.trim();
                if path.is_empty() {
                    field("latency_path", Err("the CSV recording to read".to_owned()));
                } else if !matches!(&base.latency, LatencyConfig::Recorded { path: p, .. } if p.as_os_str() == path)
                {
                    config.latency = LatencyConfig::Recorded {
                        path: path.into(),
                        rows: Vec::new(),
                    };
                }
            }
            other => field("latency_model", Err(format!("unknown model {other:?}"))),
        }
        config.feed_latency_ns = None;
        if !self.feed_us.trim().is_empty() {
            field(
                "feed_us",
                parse_us(&self.feed_us).map(|ns| config.feed_latency_ns = Some(ns)),
            );
        }
        field(
            "compute",
            self.compute
                .trim()
                .parse::<ComputeLatency>()
                .map(|c| config.compute = c)
                .map_err(|err| err.to_string()),
        );
        let mut fees = FeeConfig::default();
        field(
            "maker_rate",
            parse_opt(&self.maker_rate).map(|v| fees.maker_rate = v),
        );
        field(
            "taker_rate",
            parse_opt(&self.taker_rate).map(|v| fees.taker_rate = v),
        );
        field(
            "per_fill",
            parse_opt(&self.per_fill).map(|v| fees.per_fill = v),
        );
        config.fees = fees;
        field(
            "max_order_lots",
            parse_opt_count(&self.max_order_lots).map(|v| config.risk.max_order_lots = v),
        );
        field(
            "max_position_lots",
            parse_opt_count(&self.max_position_lots).map(|v| config.risk.max_position_lots = v),
        );
        field(
            "max_open_orders",
            parse_opt_count(&self.max_open_orders).map(|v| {
                config.risk.max_open_orders = v.and_then(|v| usize::try_from(v).ok());
            }),
        );
        config.params = toml::Table::new();
        for (name, text) in &self.params {
            config.params.insert(name.clone(), param_value(text));
        }
        if errors.is_empty() {
            if let Err(err) = config.validate() {
                let name = match &err {
                    ConfigError::Invalid { field, .. } => form_field_of(field),
                    _ => "config",
                };
                errors.insert(name.to_owned(), err.to_string());
            }
        }
        if errors.is_empty() {
            Ok(config)
        } else {
            Err(errors)
        }
    }
}

/// The form field that shows `run.toml` field `field`.
fn form_field_of(field: &str) -> &'static str {
    match field {
        "initial_cash" => "initial_cash",
        "queue.n" => "queue_n",
        "latency" => "entry_us",
        "feed_latency_ns" => "feed_us",
        "fees.maker_rate" => "maker_rate",
        "fees.taker_rate" => "taker_rate",
        "fees.per_fill" => "per_fill",
        _ => "config",
    }
}

fn parse_f64(text: &str) -> Result<f64, String> {
    text.trim()
        .replace('_', "")
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| format!("{:?} is not a number", text.trim()))
}

fn parse_opt(text: &str) -> Result<Option<f64>, String> {
    if text.trim().is_empty() {
        Ok(None)
    } else {
        parse_f64(text).map(Some)
    }
}

fn parse_opt_count(text: &str) -> Result<Option<i64>, String> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    match text.trim().replace('_', "").parse::<i64>() {
        Ok(n) if n > 0 => Ok(Some(n)),
        _ => Err("a whole number > 0, or empty for no limit".to_owned()),
    }
}

/// µs text to ns (≥ 0).
fn parse_us(text: &str) -> Result<i64, String> {
    let us = parse_f64(text)?;
    if us < 0.0 {
        return Err("cannot be negative".to_owned());
    }
    Ok((us * 1_000.0).round() as i64)
}

/// A parameter's text as a TOML value; a bare word is text.
pub fn param_value(text: &str) -> toml::Value {
    let text = text.trim();
    toml::from_str::<toml::Table>(&format!("v = {text}"))
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(text.to_owned()))
}

/// `config` as `run.toml` text that reads back to the same configuration.
pub fn run_toml_text(config: &RunConfig) -> Result<String, toml::ser::Error> {
    let mut table = toml::Table::try_from(config)?;
    table.remove("latency.compute");
    if config.compute != ComputeLatency::None {
        if let Some(toml::Value::Table(latency)) = table.get_mut("latency") {
            latency.insert(
                "compute".to_owned(),
                toml::Value::String(config.compute.to_string()),
            );
        }
    }
    toml::to_string(&table)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    #[test]
    fn the_form_of_a_config_gives_the_config_back() {
        let text = "seed = 42\ninitial_cash = 5000.0\nfeed_latency_ns = 2_000_000\n\n[queue]\nmodel = \"prob_power\"\nn = 3.0\n\n[latency]\nmodel = \"lognormal\"\nentry_median_ns = 500_000\nresponse_median_ns = 250_500\nsigma = 0.3\ncompute = \"fixed:1000\"\n\n[fees]\nmaker_rate = -0.0001\n\n[risk]\nmax_position_lots = 5\n\n[params]\nqty = 0.01\nname = \"x\"\n";
        let config = RunConfig::from_toml_str(text, Path::new("run.toml")).unwrap();
        let form = SettingsForm::from_config(
            &config,
            &[("max_ahead".to_owned(), toml::Value::Float(0.5))],
        );
        assert_eq!(form.entry_us, "500");
        assert_eq!(form.response_us, "250.5");
        assert_eq!(form.feed_us, "2000");
        assert_eq!(
            form.params,
            vec![
                ("max_ahead".to_owned(), "0.5".to_owned()),
                ("name".to_owned(), "x".to_owned()),
                ("qty".to_owned(), "0.01".to_owned()),
            ]
        );
        let mut back = form.to_config(&RunConfig::default()).unwrap();
        assert_eq!(
            back.params.remove("max_ahead"),
            Some(toml::Value::Float(0.5))
        );
        assert_eq!(back, config);
        // And through run.toml text.
        let written = run_toml_text(&config).unwrap();
        let read = RunConfig::from_toml_str(&written, Path::new("run.toml")).unwrap();
        assert_eq!(read, config, "{written}");
    }

    #[test]
    fn every_wrong_field_is_named_with_its_reason() {
        let mut form = SettingsForm::from_config(&RunConfig::default(), &[]);
        form.seed = "-1".to_owned();
        form.queue_model = "prob_power".to_owned();
        form.queue_n = "0".to_owned();
        form.entry_us = "fast".to_owned();
        form.max_open_orders = "0".to_owned();
        form.compute = "sometimes".to_owned();
        let errors = form.to_config(&RunConfig::default()).unwrap_err();
        let fields: Vec<&str> = errors.keys().map(String::as_str).collect();
        assert_eq!(
            fields,
            ["compute", "entry_us", "max_open_orders", "queue_n", "seed"]
        );
        assert_eq!(errors["entry_us"], "\"fast\" is not a number");
        assert_eq!(errors["queue_n"], "must be > 0");
        assert_eq!(errors["seed"], "a whole number ≥ 0");
    }

    #[test]
    fn parameter_texts_become_typed_values() {
        assert_eq!(param_value("3"), toml::Value::Integer(3));
        assert_eq!(param_value("0.25"), toml::Value::Float(0.25));
        assert_eq!(param_value("true"), toml::Value::Boolean(true));
        assert_eq!(
            param_value("\"a b\""),
            toml::Value::String("a b".to_owned())
        );
        assert_eq!(param_value("fast"), toml::Value::String("fast".to_owned()));
    }
}
