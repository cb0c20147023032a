//! Reading a `[queue]`, `[latency]` or `[impact]` table of `run.toml`
//! strictly.
//!
//! These tables are internally tagged by `model`, and serde ignores unknown
//! keys of a model without fields (`[queue] model = "risk_averse"` with a
//! stray `n = 2` would run as if it were not there). After the file is
//! read (serde's own errors keep their line and column), every key of a
//! `[queue]` or `[impact]` table (the run's and each instrument's) that
//! its model does not write back is refused, naming the table, the model
//! and the keys it takes; `[latency]`, read through a table of its own,
//! is checked as it is read.
//!
//! A `[latency]` table without `model` takes the model its keys belong to
//! (`entry_ns`/`response_ns`: constant, `entry_median_ns`/
//! `response_median_ns`/`sigma`: lognormal, `path`: recorded); the
//! constant model's defaults fill a constant table's missing key.

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::sim::config::{LatencyConfig, RunConfig};

/// Refuses a key of a `[queue]` or `[impact]` table of `text` that the
/// model `config` read from it does not take.
pub(crate) fn check_model_keys(text: &str, config: &RunConfig) -> Result<(), String> {
    let Ok(raw) = text.parse::<toml::Table>() else {
        return Ok(());
    };
    check_table(&raw, "queue", &config.queue)?;
    check_table(&raw, "impact", &config.impact)?;
    let Some(instruments) = raw.get("instruments").and_then(toml::Value::as_table) else {
        return Ok(());
    };
    for (symbol, own) in &config.instruments {
        let Some(table) = instruments.get(symbol).and_then(toml::Value::as_table) else {
            continue;
        };
        let named = |err: String| format!("[instruments.{symbol}.{}", &err[1..]);
        if let Some(queue) = &own.queue {
            check_table(table, "queue", queue).map_err(named)?;
        }
        if let Some(impact) = &own.impact {
            check_table(table, "impact", impact).map_err(named)?;
        }
    }
    Ok(())
}

/// [`check_model_keys`] for the table `key` of `parent`, read as `model`.
fn check_table<T: Serialize>(parent: &toml::Table, key: &str, model: &T) -> Result<(), String> {
    let Some(table) = parent.get(key).and_then(toml::Value::as_table) else {
        return Ok(());
    };
    unknown_key(table, model).map_or(Ok(()), |reason| Err(format!("[{key}]: {reason}")))
}

/// `[latency]` (its `compute` key taken out, which is not part of the
/// model) as a latency model: the default model when nothing else is set,
/// the model its keys name when `model` is missing.
pub(crate) fn latency_from_table(mut table: toml::Table) -> Result<LatencyConfig, String> {
    table.remove("compute");
    if table.is_empty() {
        return Ok(LatencyConfig::default());
    }
    if !table.contains_key("model") {
        let model = latency_model_of(&table)?;
        if model == "constant" {
            if let LatencyConfig::Constant {
                entry_ns,
                response_ns,
            } = LatencyConfig::default()
            {
                table.entry("entry_ns").or_insert(entry_ns.into());
                table.entry("response_ns").or_insert(response_ns.into());
            }
        }
        table.insert("model".to_owned(), model.into());
    }
    from_table(table)
}

/// The latency model whose fields `table` (without `model`) holds.
fn latency_model_of(table: &toml::Table) -> Result<&'static str, String> {
    const MODELS: [(&str, &[&str]); 3] = [
        ("constant", &["entry_ns", "response_ns"]),
        (
            "lognormal",
            &["entry_median_ns", "response_median_ns", "sigma"],
        ),
        ("recorded", &["path"]),
    ];
    MODELS
        .iter()
        .find(|(_, fields)| table.keys().all(|key| fields.contains(&key.as_str())))
        .map(|(model, _)| *model)
        .ok_or_else(|| {
            let keys: Vec<&str> = table.keys().map(String::as_str).collect();
            format!(
                "`model` is missing and the keys `{}` are not those of one model: \
                 constant (entry_ns, response_ns), lognormal (entry_median_ns, \
                 response_median_ns, sigma) or recorded (path)",
                keys.join("`, `")
            )
        })
}

/// `table` as `T`, with every key `T`'s model does not write back refused.
fn from_table<T: DeserializeOwned + Serialize>(table: toml::Table) -> Result<T, String> {
    let value: T = toml::Value::Table(table.clone())
        .try_into()
        .map_err(|err: toml::de::Error| err.message().to_owned())?;
    match unknown_key(&table, &value) {
        Some(reason) => Err(reason),
        None => Ok(value),
    }
}

/// The first key of `table` that `model` (read from it) does not write
/// back, said with the model and the keys it takes.
fn unknown_key<T: Serialize>(table: &toml::Table, model: &T) -> Option<String> {
    let known = match toml::Value::try_from(model) {
        Ok(toml::Value::Table(known)) => known,
        _ => return None,
    };
    if let Some(extra) = table.keys().find(|key| !known.contains_key(*key)) {
        let model = table
            .get("model")
            .and_then(toml::Value::as_str)
            .unwrap_or("?");
        let fields: Vec<&str> = known
            .keys()
            .map(String::as_str)
            .filter(|key| *key != "model")
            .collect();
        let takes = if fields.is_empty() {
            "takes no other key".to_owned()
        } else {
            format!("takes `{}`", fields.join("`, `"))
        };
        return Some(format!("unknown field `{extra}`: model `{model}` {takes}"));
    }
    None
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::sim::config::{ImpactConfig, LatencyConfig, QueueConfig, RunConfig};

    fn read(text: &str) -> Result<RunConfig, String> {
        RunConfig::from_toml_str(text, Path::new("run.toml")).map_err(|err| err.to_string())
    }

    #[test]
    fn a_key_a_model_without_fields_does_not_take_is_refused() {
        let err = read("[queue]\nmodel = \"risk_averse\"\nn = 2.0\n").unwrap_err();
        assert!(
            err.contains("unknown field `n`: model `risk_averse` takes no other key"),
            "{err}"
        );
        let err = read("[impact]\nmodel = \"none\"\nk = 1.0\n").unwrap_err();
        assert!(
            err.contains("unknown field `k`: model `none` takes no other key"),
            "{err}"
        );
        let err = read("[instruments.ETH.queue]\nmodel = \"fifo\"\nfoo = 1\n").unwrap_err();
        assert!(err.contains("unknown field `foo`: model `fifo`"), "{err}");
    }

    #[test]
    fn an_unknown_model_is_still_named_at_its_line_and_column() {
        let err = read("seed = 1\n[queue]\nmodel = \"fast\"\n").unwrap_err();
        assert!(err.contains("line 3, column 9"), "{err}");
        assert!(err.contains("unknown variant `fast`"), "{err}");
        let err = read("[instruments.ETH.impact]\nmodel = \"none\"\nk = 1\n").unwrap_err();
        assert!(
            err.contains("[instruments.ETH.impact]: unknown field `k`: model `none`"),
            "{err}"
        );
    }

    #[test]
    fn models_with_fields_still_read_and_refuse_strays() {
        let config = read("[queue]\nmodel = \"prob_power\"\nn = 3.0\n").unwrap();
        assert_eq!(config.queue, QueueConfig::ProbPower { n: 3.0 });
        let err = read("[queue]\nmodel = \"prob_power\"\nn = 3.0\nm = 1\n").unwrap_err();
        assert!(err.contains("unknown field `m`"), "{err}");
        let config = read("[impact]\nmodel = \"none\"\n").unwrap();
        assert_eq!(config.impact, ImpactConfig::None);
    }

    #[test]
    fn latency_without_model_takes_the_model_of_its_keys() {
        let config = read("[latency]\nentry_ns = 5000\n").unwrap();
        assert_eq!(
            config.latency,
            LatencyConfig::Constant {
                entry_ns: 5000,
                response_ns: 1_000_000
            }
        );
        let config =
            read("[latency]\nentry_median_ns = 10\nresponse_median_ns = 20\nsigma = 0.5\n")
                .unwrap();
        assert_eq!(
            config.latency,
            LatencyConfig::Lognormal {
                entry_median_ns: 10,
                response_median_ns: 20,
                sigma: 0.5
            }
        );
        let config = read("[latency]\ncompute = \"measured\"\n").unwrap();
        assert_eq!(config.latency, LatencyConfig::default());
        let err = read("[latency]\nentry_ns = 1\nsigma = 0.5\n").unwrap_err();
        assert!(err.contains("`model` is missing"), "{err}");
        assert!(err.contains("lognormal (entry_median_ns"), "{err}");
    }
}
