//! The runs of a sweep, each in its own sandboxed worker process, `jobs`
//! at a time; each run's row streams back as it finishes. A run already
//! done with the same configuration (same `configs/<id>.toml`, an `ok`
//! summary) is read back instead of run again, so a sweep resumes.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use anyhow::Context;
use crossbeam_channel::bounded;
use indicatif::ProgressBar;
use ticklab::analyzer::{ResultRow, RunPlan};
use ticklab::report::RunFolder;

use super::supervise;
use super::worker::parse_run_args;

/// What every run of a sweep is given besides its day and configuration.
pub(crate) struct RunTemplate {
    /// The sweep's folder: `configs/` and `runs/` go in it.
    pub out: PathBuf,
    /// `ticklab run` arguments common to every run (data, symbol,
    /// strategy, sandbox and cache flags).
    pub common: Vec<OsString>,
    /// The tables each run keeps (`fills`, `equity`, `orders`, `trades`).
    pub keep: Vec<String>,
}

/// The tables a run writes.
pub(crate) const TABLES: [&str; 4] = ["fills", "equity", "orders", "trades"];

/// How one run went.
pub(crate) struct Finished {
    /// The plan's position in the batch.
    pub index: usize,
    /// Its row.
    pub row: ResultRow,
    /// True when it was read back from an earlier sweep.
    pub reused: bool,
    /// Wall time of the run, s (0 when reused).
    pub wall_secs: f64,
}

/// Runs `plans` on `jobs` workers at once; `each` sees every run as it
/// finishes (on this thread). Returns the rows in plan order (`None` only
/// when a sweep thread could not start).
pub(crate) fn run_all(
    template: &RunTemplate,
    plans: &[RunPlan],
    jobs: usize,
    mut each: impl FnMut(&Finished),
) -> Vec<Option<ResultRow>> {
    let next = AtomicUsize::new(0);
    let (tx, rx) = bounded::<Finished>(jobs.max(1) * 2);
    let mut rows: Vec<Option<ResultRow>> = vec![None; plans.len()];
    std::thread::scope(|scope| {
        for worker in 0..jobs.max(1) {
            let (tx, next) = (tx.clone(), &next);
            let spawned = std::thread::Builder::new()
                .name(format!("ticklab-sweep-{worker}"))
                .spawn_scoped(scope, move || loop {
                    let index = next.fetch_add(1, Ordering::SeqCst);
                    let Some(plan) = plans.get(index) else {
                        return;
                    };
                    let finished = run_one(template, plan, index);
                    if tx.send(finished).is_err() {
                        return;
                    }
                });
            if let Err(err) = spawned {
                eprintln!("ticklab sweep: cannot start a sweep thread: {err}");
            }
        }
        drop(tx);
        for finished in rx {
            each(&finished);
            let index = finished.index;
            rows[index] = Some(finished.row);
        }
    });
    rows
}

/// The run's folder and configuration file.
pub(crate) fn run_paths(out: &Path, run_id: &str) -> (PathBuf, PathBuf) {
    (
        out.join("runs").join(run_id),
        out.join("configs").join(format!("{run_id}.toml")),
    )
}

fn run_one(template: &RunTemplate, plan: &RunPlan, index: usize) -> Finished {
    let (folder, config) = run_paths(&template.out, &plan.run_id);
    if let Some(row) = reusable(plan, &folder, &config) {
        return Finished {
            index,
            row,
            reused: true,
            wall_secs: 0.0,
        };
    }
    let started = Instant::now();
    let failure = match run_in_worker(template, plan, &folder, &config) {
        Ok(()) => None,
        Err(err) => Some(format!("{err:#}")),
    };
    let row = ResultRow::collect(plan, &folder, failure);
    drop_tables(template, &folder);
    Finished {
        index,
        row,
        reused: false,
        wall_secs: started.elapsed().as_secs_f64(),
    }
}

/// Deletes the tables of the run that `--keep` does not keep.
fn drop_tables(template: &RunTemplate, folder: &Path) {
    let dropped = TABLES
        .into_iter()
        .filter(|table| !template.keep.iter().any(|k| k == table));
    for table in dropped {
        for ext in ["parquet", "csv"] {
            let _ = std::fs::remove_file(folder.join(format!("{table}.{ext}")));
        }
    }
}

/// The run's configuration file: its `run.toml`, after a comment with its
/// hash, so that a resume reruns it when anything it depends on changed
/// (the strategy file's text, the data) even if the configuration did not.
fn config_text(plan: &RunPlan) -> String {
    format!(
        "# run {} of a ticklab sweep; config_hash {}\n{}",
        plan.run_id, plan.config_hash, plan.config_toml
    )
}

/// The row of an earlier run of the same configuration that went to the end.
fn reusable(plan: &RunPlan, folder: &Path, config: &Path) -> Option<ResultRow> {
    let written = std::fs::read_to_string(config).ok()?;
    if written != config_text(plan) {
        return None;
    }
    let row = ResultRow::collect(plan, folder, None);
    (row.status == ticklab::analyzer::RowStatus::Ok).then_some(row)
}

fn run_in_worker(
    template: &RunTemplate,
    plan: &RunPlan,
    folder: &Path,
    config: &Path,
) -> anyhow::Result<()> {
    if let Some(dir) = config.parent() {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("{}: cannot create", dir.display()))?;
    }
    std::fs::write(config, config_text(plan))
        .with_context(|| format!("{}: cannot write", config.display()))?;
    let mut argv = template.common.clone();
    argv.extend(["--config".into(), config.as_os_str().to_owned()]);
    argv.extend([
        "--out".into(),
        folder.as_os_str().to_owned(),
        "--force".into(),
    ]);
    if let Some(day) = &plan.day {
        argv.extend(["--day".into(), day.into()]);
    }
    let args = parse_run_args(&argv)?;
    if let Some(dir) = folder.parent() {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("{}: cannot create", dir.display()))?;
    }
    let staging = RunFolder::create(folder, true)?;
    let outcome = supervise::supervise(&args, &staging, &argv, &ProgressBar::hidden(), false);
    staging.commit()?;
    outcome
}
