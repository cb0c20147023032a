//! Each run's configuration: the sweep's run configuration with one
//! point of the space written into it, checked as `ticklab run` would.
//!
//! A key names a run-configuration field by its dotted path
//! (`latency.entry_median_ns`, `queue.model`, `fees.maker_rate`, `seed`),
//! or a strategy parameter (`max_ahead`, or `params.max_ahead`), which goes
//! to `[params]`. When a point sets a model (`queue.model`,
//! `latency.model`, `impact.model`), the fields of that table the model
//! does not take are left out of that run, so that `queue.n` can be swept
//! beside `queue.model = risk_averse, prob_power`.

use std::path::{Path, PathBuf};

use super::error::SweepError;
use super::params::StrategyParams;
use super::space::{Point, Space};
use super::value::value_text;
use crate::session::StrategyChoice;
use crate::sim::RunConfig;

/// Top-level fields of the run configuration that take one value.
const CONFIG_FIELDS: &[&str] = &[
    "initial_cash",
    "seed",
    "equity_step_ns",
    "feed_latency_ns",
    "infer_market_state",
    "crossed_book",
];

/// Tables of the run configuration; their fields are swept as `table.field`.
const CONFIG_TABLES: &[&str] = &["queue", "latency", "fees", "impact", "risk"];

/// The fields each model of a tagged table takes (besides `model`).
const MODEL_FIELDS: &[(&str, &str, &[&str])] = &[
    ("queue", "risk_averse", &[]),
    ("queue", "prob_power", &["n"]),
    ("queue", "prob_power3", &["n"]),
    ("queue", "prob_log", &[]),
    ("queue", "fifo", &[]),
    (
        "latency",
        "constant",
        &["entry_ns", "response_ns", "compute"],
    ),
    (
        "latency",
        "lognormal",
        &["entry_median_ns", "response_median_ns", "sigma", "compute"],
    ),
    ("latency", "recorded", &["path", "compute"]),
    ("impact", "none", &[]),
    (
        "impact",
        "sqrt",
        &["k", "daily_vol_ticks", "adv_lots", "max_share_of_visible"],
    ),
];

/// Fields of the tables without models.
const TABLE_FIELDS: &[(&str, &[&str])] = &[
    ("fees", &["maker_rate", "taker_rate", "per_fill"]),
    (
        "risk",
        &["max_order_lots", "max_position_lots", "max_open_orders"],
    ),
];

/// Every run-configuration field a sweep can vary, by its dotted path
/// (`seed`, `queue.model`, `latency.entry_median_ns`, ...), for a user to
/// pick from.
pub fn config_keys() -> Vec<String> {
    let mut keys: Vec<String> = CONFIG_FIELDS.iter().map(|f| (*f).to_owned()).collect();
    for table in CONFIG_TABLES {
        let mut fields: Vec<&str> = Vec::new();
        if MODEL_FIELDS.iter().any(|(t, _, _)| t == table) {
            fields.push("model");
        }
        let model_fields = MODEL_FIELDS
            .iter()
            .filter(|(t, _, _)| t == table)
            .flat_map(|(_, _, f)| f.iter());
        let plain = TABLE_FIELDS
            .iter()
            .filter(|(t, _)| t == table)
            .flat_map(|(_, f)| f.iter());
        for field in model_fields.chain(plain) {
            if !fields.contains(field) {
                fields.push(field);
            }
        }
        keys.extend(fields.iter().map(|f| format!("{table}.{f}")));
    }
    keys
}

/// Where a key of the space goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A run-configuration field, by the keys of its path.
    Config(Vec<String>),
    /// A strategy parameter: a key of `[params]`.
    Param(String),
}

impl Target {
    /// Where `key` goes; `None` for a dotted path that is not a field of
    /// the run configuration.
    pub fn of(key: &str) -> Option<Target> {
        if let Some(name) = key.strip_prefix("params.") {
            return (!name.is_empty() && !name.contains('.'))
                .then(|| Target::Param(name.to_owned()));
        }
        let parts: Vec<&str> = key.split('.').collect();
        match parts.as_slice() {
            [field] if CONFIG_FIELDS.contains(field) => {
                Some(Target::Config(vec![(*field).to_owned()]))
            }
            [table, field] if CONFIG_TABLES.contains(table) && !field.is_empty() => {
                Some(Target::Config(vec![
                    (*table).to_owned(),
                    (*field).to_owned(),
                ]))
            }
            [name] if !name.is_empty() => Some(Target::Param((*name).to_owned())),
            _ => None,
        }
    }
}

/// What every run of a sweep shares: the strategy and the run
/// configuration (the file's table, without its `[sweep]`).
#[derive(Debug, Clone)]
pub struct BaseConfig {
    /// The strategy: a built-in name or a file.
    pub strategy: String,
    table: toml::Table,
    sweep: toml::Table,
    /// The strategy's parameters.
    pub params: StrategyParams,
}

impl BaseConfig {
    /// The configuration file `path` (none: the defaults) for `strategy`.
    pub fn read(path: Option<&Path>, strategy: &str) -> Result<BaseConfig, SweepError> {
        let flag = || match path {
            Some(path) => format!("--config {}", path.display()),
            None => "--config".to_owned(),
        };
        let mut table = match path {
            Some(path) => {
                // Checked the way a run reads it first, for its messages.
                crate::session::read_run_config(Some(path))
                    .map_err(|err| SweepError::new(flag(), err.to_string()))?;
                let text = std::fs::read_to_string(path)
                    .map_err(|err| SweepError::new(flag(), format!("cannot read: {err}")))?;
                text.parse::<toml::Table>()
                    .map_err(|err| SweepError::new(flag(), err.to_string()))?
            }
            None => toml::Table::new(),
        };
        // Each run's file is written elsewhere: a recorded latency file
        // named relative to this one is named from here.
        if let (Some(dir), Some(toml::Value::Table(latency))) =
            (path.and_then(Path::parent), table.get_mut("latency"))
        {
            if let Some(toml::Value::String(file)) = latency.get_mut("path") {
                if Path::new(file.as_str()).is_relative() {
                    let absolute =
                        std::path::absolute(dir.join(&*file)).unwrap_or_else(|_| dir.join(&*file));
                    *file = absolute.display().to_string();
                }
            }
        }
        let sweep = match table.remove("sweep") {
            Some(toml::Value::Table(sweep)) => sweep,
            Some(_) => return Err(SweepError::new(flag(), "`sweep` must be a table")),
            None => toml::Table::new(),
        };
        let base_params = match table.get("params") {
            Some(toml::Value::Table(params)) => params.clone(),
            _ => toml::Table::new(),
        };
        let params = StrategyParams::discover(strategy, &base_params)
            .map_err(|reason| SweepError::new(format!("--strategy {strategy}"), reason))?;
        Ok(BaseConfig {
            strategy: strategy.to_owned(),
            table,
            sweep,
            params,
        })
    }

    /// The `[sweep]` table of the file.
    pub fn sweep_table(&self) -> &toml::Table {
        &self.sweep
    }

    /// Checks every key of `space` and every value on its own, before any
    /// run starts.
    pub fn check_space(&self, space: &Space) -> Result<(), SweepError> {
        for axis in &space.axes {
            match Target::of(&axis.key) {
                None => {
                    return Err(SweepError::new(
                        &axis.origin,
                        format!(
                            "`{}` is not a run-configuration field; fields: {}, and {} with their fields (`queue.model`)",
                            axis.key,
                            CONFIG_FIELDS.join(", "),
                            CONFIG_TABLES.join(", ")
                        ),
                    ))
                }
                Some(Target::Config(_)) if !config_keys().contains(&axis.key) => {
                    let table = axis.key.split('.').next().unwrap_or("");
                    let fields: Vec<String> = config_keys()
                        .into_iter()
                        .filter(|k| k.starts_with(&format!("{table}.")))
                        .collect();
                    return Err(SweepError::new(
                        &axis.origin,
                        format!(
                            "`{}` is not a run-configuration field; the fields of [{table}]: {}",
                            axis.key,
                            fields.join(", ")
                        ),
                    ));
                }
                Some(Target::Param(name)) if !self.params.takes(&name) => {
                    return Err(SweepError::new(
                        &axis.origin,
                        format!(
                            "unknown parameter `{name}` of strategy {}; its parameters: {}",
                            self.strategy,
                            self.params.names()
                        ),
                    ))
                }
                Some(_) => {}
            }
        }
        Ok(())
    }

    /// The run configuration of `point` as the text of a `run.toml`,
    /// checked as a run would check it. An error says why, without the
    /// flag (the caller knows which point it was).
    pub fn run_config(&self, space: &Space, point: &Point) -> Result<(String, RunConfig), String> {
        let mut table = self.table.clone();
        let mut models: Vec<&str> = Vec::new();
        for axis in &space.axes {
            if let Some(Target::Config(path)) = Target::of(&axis.key) {
                if path.len() == 2 {
                    with_model(&mut table, &path[0]);
                }
            }
        }
        for (axis, value) in space.axes.iter().zip(point) {
            let target =
                Target::of(&axis.key).ok_or_else(|| format!("`{}` is not a field", axis.key))?;
            match target {
                Target::Config(path) => {
                    if path.len() == 2 && path[1] == "model" {
                        models.push(
                            CONFIG_TABLES
                                .iter()
                                .find(|t| **t == path[0])
                                .copied()
                                .unwrap_or(""),
                        );
                    }
                    set(&mut table, &path, value.clone());
                }
                Target::Param(name) => {
                    let value = match (self.params.default_of(&name), value) {
                        (Some(toml::Value::Float(_)), toml::Value::Integer(i)) => {
                            toml::Value::Float(*i as f64)
                        }
                        _ => value.clone(),
                    };
                    set(&mut table, &["params".to_owned(), name], value);
                }
            }
        }
        for axis in &space.axes {
            if let Some(Target::Config(path)) = Target::of(&axis.key) {
                if path.len() == 2 && path[1] != "model" && !models.contains(&path[0].as_str()) {
                    model_takes(&table, &path[0], &path[1])?;
                }
            }
        }
        for name in models {
            keep_model_fields(&mut table, name);
        }
        let text = toml::to_string(&table).map_err(|err| err.to_string())?;
        match check(&text, &self.strategy) {
            Ok(config) => Ok((text, config)),
            Err(first) => {
                // `fees.maker_rate=0` is a float field given as an integer.
                let floated = float_ints(&table, space, point);
                match floated.and_then(|t| toml::to_string(&t).ok()) {
                    Some(text) => check(&text, &self.strategy)
                        .map(|config| (text, config))
                        .map_err(|_| first),
                    None => Err(first),
                }
            }
        }
    }
}

/// The configuration `text` as a run reads it, and the strategy with its
/// `[params]`.
fn check(text: &str, strategy: &str) -> Result<RunConfig, String> {
    let config = RunConfig::from_toml_str(text, &PathBuf::from("run.toml")).map_err(|err| {
        // The parser's message is its last line (the lines before quote
        // the generated file, which nobody wrote).
        let text = err.to_string();
        let text = text.strip_prefix("run.toml: ").unwrap_or(&text);
        match text.lines().rev().find(|line| !line.trim().is_empty()) {
            Some(last) if text.contains("TOML parse error") => last.trim().to_owned(),
            _ => text.to_owned(),
        }
    })?;
    StrategyChoice::parse(strategy, &config.params).map_err(|err| err.to_string())?;
    Ok(config)
}

/// The table with the point's integer config values as floats, if any.
fn float_ints(table: &toml::Table, space: &Space, point: &Point) -> Option<toml::Table> {
    let mut table = table.clone();
    let mut changed = false;
    for (axis, value) in space.axes.iter().zip(point) {
        if let (Some(Target::Config(path)), toml::Value::Integer(i)) =
            (Target::of(&axis.key), value)
        {
            set(&mut table, &path, toml::Value::Float(*i as f64));
            changed = true;
        }
    }
    changed.then_some(table)
}

/// Sets the value at `path`, making the tables on the way.
fn set(table: &mut toml::Table, path: &[String], value: toml::Value) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut here = table;
    for key in parents {
        let entry = here
            .entry(key.clone())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        if !entry.is_table() {
            *entry = toml::Value::Table(toml::Table::new());
        }
        let toml::Value::Table(inner) = entry else {
            return;
        };
        here = inner;
    }
    here.insert(last.clone(), value);
}

/// Writes out the default model of table `name` (`latency`: constant, 1 ms
/// each way) when the table names none, so that one of its fields can be
/// set alone.
fn with_model(table: &mut toml::Table, name: &str) {
    if !MODEL_FIELDS.iter().any(|(t, _, _)| *t == name) {
        return;
    }
    let has_model =
        matches!(table.get(name), Some(toml::Value::Table(inner)) if inner.contains_key("model"));
    if has_model {
        return;
    }
    let Ok(defaults) = toml::Table::try_from(RunConfig::default()) else {
        return;
    };
    let Some(toml::Value::Table(default)) = defaults.get(name) else {
        return;
    };
    let entry = table
        .entry(name.to_owned())
        .or_insert_with(|| toml::Value::Table(toml::Table::new()));
    if let toml::Value::Table(inner) = entry {
        for (key, value) in default {
            inner.entry(key.clone()).or_insert_with(|| value.clone());
        }
    }
}

/// Whether the model of table `name` takes `field` (tables without models
/// take all theirs).
fn model_takes(table: &toml::Table, name: &str, field: &str) -> Result<(), String> {
    let Some(model) = table
        .get(name)
        .and_then(|t| t.get("model"))
        .and_then(toml::Value::as_str)
    else {
        return Ok(());
    };
    let Some((_, _, fields)) = MODEL_FIELDS
        .iter()
        .find(|(t, m, _)| *t == name && *m == model)
    else {
        return Ok(());
    };
    if fields.contains(&field) {
        return Ok(());
    }
    let takers: Vec<&str> = MODEL_FIELDS
        .iter()
        .filter(|(t, _, f)| *t == name && f.contains(&field))
        .map(|(_, m, _)| *m)
        .collect();
    Err(format!(
        "{name}.{field} applies to {name}.model {}, and the model here is {model}; sweep {name}.model too or set it in the configuration",
        takers.join(", ")
    ))
}

/// Leaves out the fields of table `name` its model does not take.
fn keep_model_fields(table: &mut toml::Table, name: &str) {
    let Some(toml::Value::Table(inner)) = table.get_mut(name) else {
        return;
    };
    let Some(model) = inner
        .get("model")
        .and_then(toml::Value::as_str)
        .map(str::to_owned)
    else {
        return;
    };
    let Some((_, _, fields)) = MODEL_FIELDS
        .iter()
        .find(|(t, m, _)| *t == name && *m == model)
    else {
        return;
    };
    inner.retain(|key, _| key == "model" || fields.contains(&key));
}

/// `key=value, key=value` of a point, for messages.
pub fn point_text(space: &Space, point: &Point) -> String {
    space
        .axes
        .iter()
        .zip(point)
        .map(|(axis, value)| format!("{}={}", axis.key, value_text(value)))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn space(grids: &[&str]) -> Space {
        let grids: Vec<String> = grids.iter().map(|g| (*g).to_owned()).collect();
        Space::parse(&toml::Table::new(), &grids, &[]).unwrap()
    }

    #[test]
    fn every_listed_config_key_is_a_field_a_point_can_set() {
        let keys = config_keys();
        // 6 top-level fields, queue 2, latency 8, fees 3, impact 5, risk 3.
        assert_eq!(keys.len(), 27);
        assert!(keys.contains(&"latency.entry_median_ns".to_owned()));
        assert!(keys.contains(&"risk.max_open_orders".to_owned()));
        let base = BaseConfig::read(None, "noop").unwrap();
        for key in keys {
            assert!(matches!(Target::of(&key), Some(Target::Config(_))), "{key}");
            let space = Space::parse(&toml::Table::new(), &[format!("{key}=1")], &[]).unwrap();
            base.check_space(&space).unwrap();
        }
    }

    #[test]
    fn keys_go_to_the_config_or_the_params() {
        assert_eq!(
            Target::of("seed"),
            Some(Target::Config(vec!["seed".into()]))
        );
        assert_eq!(
            Target::of("queue.model"),
            Some(Target::Config(vec!["queue".into(), "model".into()]))
        );
        assert_eq!(
            Target::of("qty_lots"),
            Some(Target::Param("qty_lots".into()))
        );
        assert_eq!(
            Target::of("params.qty_lots"),
            Some(Target::Param("qty_lots".into()))
        );
        assert_eq!(Target::of("queue.model.x"), None);
        assert_eq!(Target::of("speed.x"), None);
    }

    #[test]
    fn a_point_is_written_into_the_run_config_and_checked() {
        let base = BaseConfig::read(None, "mm").unwrap();
        let space = space(&[
            "queue.model=risk_averse,prob_power",
            "queue.n=3",
            "qty_lots=2",
            "fees.maker_rate=0",
        ]);
        let (text, config) = base.run_config(&space, &space.point_at(1)).unwrap();
        assert_eq!(config.queue, crate::sim::QueueConfig::ProbPower { n: 3.0 });
        assert_eq!(config.fees.maker_rate, Some(0.0));
        assert_eq!(
            config.params.get("qty_lots"),
            Some(&toml::Value::Integer(2))
        );
        assert!(text.contains("[params]\nqty_lots = 2\n"), "{text}");
        // risk_averse takes no `n`: left out of that run.
        let (_, config) = base.run_config(&space, &space.point_at(0)).unwrap();
        assert_eq!(config.queue, crate::sim::QueueConfig::RiskAverse);

        let latency = self::space(&["latency.entry_ns=3000"]);
        let (_, config) = base.run_config(&latency, &latency.point_at(0)).unwrap();
        assert_eq!(
            config.latency,
            crate::sim::LatencyConfig::Constant {
                entry_ns: 3000,
                response_ns: 1_000_000
            }
        );

        let bad = self::space(&["qty_lots=x"]);
        let err = base.run_config(&bad, &bad.point_at(0)).unwrap_err();
        assert!(err.contains("qty_lots"), "{err}");
        let bad = self::space(&["queue.model=prob_power"]);
        let err = base.run_config(&bad, &bad.point_at(0)).unwrap_err();
        assert_eq!(err, "missing field `n`");
        let bad = self::space(&["queue.n=2"]);
        let err = base.run_config(&bad, &bad.point_at(0)).unwrap_err();
        assert_eq!(
            err,
            "queue.n applies to queue.model prob_power, prob_power3, and the model here is risk_averse; sweep queue.model too or set it in the configuration"
        );
    }

    #[test]
    fn unknown_keys_are_named_with_the_known_ones() {
        let base = BaseConfig::read(None, "mm").unwrap();
        let err = base.check_space(&space(&["spread=1,2"])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "--grid spread=1,2: unknown parameter `spread` of strategy mm; its parameters: max_position_lots, qty_lots"
        );
        let err = base.check_space(&space(&["queue.foo=1"])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "--grid queue.foo=1: `queue.foo` is not a run-configuration field; the fields of [queue]: queue.model, queue.n"
        );
        let err = base.check_space(&space(&["speed.x=1"])).unwrap_err();
        assert!(err.to_string().starts_with("--grid speed.x=1: `speed.x` is not a run-configuration field; fields: initial_cash, seed,"), "{err}");
    }
}
