//! What a sweep's folder says about itself (`sweep.json`), so that any of
//! its runs can be replayed exactly, by `ticklab run` or by the window's
//! step-through view: the data, symbol, strategy and class the runs share;
//! each run's day is in its summary and its configuration in
//! `configs/<id>.toml`.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The manifest's file name in a sweep's folder.
pub const MANIFEST_FILE: &str = "sweep.json";

/// What every run of a sweep shares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SweepManifest {
    /// The data folder, absolute.
    pub data: PathBuf,
    /// The instrument, when one was named.
    pub symbol: Option<String>,
    /// The strategy: a built-in name, or a file (absolute).
    pub strategy: String,
    /// The class of a Python strategy file, when one was named.
    pub class: Option<String>,
}

/// One run of a sweep, ready to replay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunSpec {
    /// The data folder.
    pub data: PathBuf,
    /// The instrument, when one was named.
    pub symbol: Option<String>,
    /// The days it ran over: `YYYY-MM-DD`, or `first..last` for a run over
    /// several (a `--day` range).
    pub day: String,
    /// The strategy.
    pub strategy: String,
    /// The Python class, when one was named.
    pub class: Option<String>,
    /// Its run configuration, `configs/<id>.toml`.
    pub config: PathBuf,
}

impl SweepManifest {
    /// Writes `sweep.json` into the sweep's folder `out`.
    pub fn write(&self, out: &Path) -> std::io::Result<()> {
        let text = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        std::fs::write(out.join(MANIFEST_FILE), text + "\n")
    }

    /// Reads the `sweep.json` of the sweep's folder `out`.
    pub fn read(out: &Path) -> Result<SweepManifest, String> {
        let path = out.join(MANIFEST_FILE);
        let text = std::fs::read_to_string(&path).map_err(|err| {
            format!(
                "{}: cannot read: {err}; is it a sweep's folder?",
                path.display()
            )
        })?;
        serde_json::from_str(&text).map_err(|err| format!("{}: {err}", path.display()))
    }

    /// Run `run_id` of the sweep in `out`, with the day its summary names.
    pub fn run(&self, out: &Path, run_id: &str) -> Result<RunSpec, String> {
        let summary_path = out.join("runs").join(run_id).join("summary.json");
        let text = std::fs::read_to_string(&summary_path)
            .map_err(|err| format!("{}: cannot read: {err}", summary_path.display()))?;
        let summary: serde_json::Value = serde_json::from_str(&text)
            .map_err(|err| format!("{}: {err}", summary_path.display()))?;
        let day = super::results::days_of_summary(&summary)
            .ok_or_else(|| format!("{}: no day", summary_path.display()))?;
        Ok(RunSpec {
            data: self.data.clone(),
            symbol: self.symbol.clone(),
            day,
            strategy: self.strategy.clone(),
            class: self.class.clone(),
            config: out.join("configs").join(format!("{run_id}.toml")),
        })
    }
}

impl RunSpec {
    /// The `ticklab run` arguments that replay it (without `--out`).
    pub fn run_args(&self) -> Vec<String> {
        let mut args = vec![
            "--data".to_owned(),
            self.data.display().to_string(),
            "--day".to_owned(),
            self.day.clone(),
            "--strategy".to_owned(),
            self.strategy.clone(),
            "--config".to_owned(),
            self.config.display().to_string(),
        ];
        if let Some(symbol) = &self.symbol {
            args.extend(["--symbol".to_owned(), symbol.clone()]);
        }
        if let Some(class) = &self.class {
            args.extend(["--class".to_owned(), class.clone()]);
        }
        args
    }
}
