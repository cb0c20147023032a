//! Reading `run.toml` from disk, with the latency recording it names.
//!
//! The simulator reads no files: this is where a configuration file and a
//! recorded latency file become a [`RunConfig`].

use std::path::Path;

use crate::sim::{ConfigError, InterpolatedLatency, LatencyConfig, LatencyFileError, RunConfig};

/// Reads and checks `run.toml` (the default configuration when `path` is
/// `None`), and loads the latency recording it names, if any.
pub fn read_run_config(path: Option<&Path>) -> Result<RunConfig, ConfigError> {
    let Some(path) = path else {
        return Ok(RunConfig::default());
    };
    let text = std::fs::read_to_string(path).map_err(|err| ConfigError::Parse {
        path: path.to_owned(),
        message: format!("cannot read: {err}"),
    })?;
    run_config_from_toml(&text, path)
}

/// Parses run configuration `text` as the file `path` (which names it in
/// errors and anchors relative paths) and reads a recorded latency file
/// it names.
pub fn run_config_from_toml(text: &str, path: &Path) -> Result<RunConfig, ConfigError> {
    let mut config = RunConfig::from_toml_str(text, path)?;
    if let LatencyConfig::Recorded { path: csv, rows } = &mut config.latency {
        let text = std::fs::read_to_string(&*csv).map_err(|source| LatencyFileError::Io {
            path: csv.clone(),
            source,
        })?;
        *rows = InterpolatedLatency::parse_rows(&text, csv)?;
    }
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::market::Instrument;

    #[test]
    fn a_recorded_latency_file_is_read_beside_the_config() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("lat.csv"),
            "ts_ns,entry_ns,response_ns\n0,100,200\n10,300,400\n",
        )
        .unwrap();
        let config_path = dir.path().join("run.toml");
        std::fs::write(
            &config_path,
            "[latency]\nmodel = \"recorded\"\npath = \"lat.csv\"\n\n[params]\nqty_lots = 3\n",
        )
        .unwrap();
        let config = read_run_config(Some(&config_path)).unwrap();
        let LatencyConfig::Recorded { rows, .. } = &config.latency else {
            panic!("recorded latency expected");
        };
        assert_eq!(rows.len(), 2);
        assert_eq!(
            config
                .params
                .get("qty_lots")
                .and_then(toml::Value::as_integer),
            Some(3)
        );
        let mut models = config
            .build_models(&Instrument::new("X", 0.1, 1.0))
            .unwrap();
        assert_eq!(models.latency.entry_latency_ns(5), 200);
    }

    #[test]
    fn a_missing_recording_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let config_path = dir.path().join("run.toml");
        std::fs::write(
            &config_path,
            "[latency]\nmodel = \"recorded\"\npath = \"nope.csv\"\n",
        )
        .unwrap();
        let err = read_run_config(Some(&config_path)).unwrap_err().to_string();
        assert!(err.contains("nope.csv"), "{err}");
    }
}
