//! The strategy analyzer: sweeps of a strategy over a space of parameters
//! and run-configuration fields (grid, random or genetic search), ranked
//! by an objective under constraints; walk-forward folds; Monte Carlo
//! resampling of a finished run's round trips.
//!
//! The library plans runs and reads their results; it starts no process.
//! `ticklab sweep` runs the plans in sandboxed worker processes, one per
//! core; another executor (a cluster's tasks) can run the same plans:
//!
//! ```no_run
//! use std::path::{Path, PathBuf};
//! use std::process::Command;
//!
//! use ticklab::analyzer::{BaseConfig, Objective, Planner, ResultRow, RunPlan, Search, Space};
//!
//! /// Runs one plan with the `ticklab` command: its configuration in a file
//! /// of the run's own folder, its outputs beside it.
//! fn run_with_cli(plan: &RunPlan, sweep: &Path) -> std::io::Result<PathBuf> {
//!     let folder = sweep.join("runs").join(&plan.run_id);
//!     std::fs::create_dir_all(&folder)?;
//!     let config = folder.join("run.toml");
//!     std::fs::write(&config, &plan.config_toml)?;
//!     let out = folder.join("out");
//!     let mut command = Command::new("ticklab");
//!     command.args(["run", "--data", "sample-data", "--strategy", "mm", "--force"]);
//!     command.arg("--config").arg(&config).arg("--out").arg(&out);
//!     if let Some(day) = &plan.day {
//!         command.args(["--day", day]);
//!     }
//!     command.status()?;
//!     Ok(out)
//! }
//!
//! fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let base = BaseConfig::read(None, "mm")?;
//!     let space = Space::parse(base.sweep_table(), &["qty_lots=1,2".into()], &[])?;
//!     let objective = Objective::parse("sharpe")?;
//!     let mut planner =
//!         Planner::new(base, space, Search::Grid, objective, Vec::new(), String::new(), None)?;
//!     let mut rows = Vec::new();
//!     loop {
//!         let plans = planner.next_runs(&rows)?;
//!         if plans.is_empty() {
//!             break;
//!         }
//!         for plan in &plans {
//!             let folder = run_with_cli(plan, Path::new("out/sweep"))?;
//!             rows.push(ResultRow::collect(plan, &folder, None));
//!         }
//!     }
//!     Ok(())
//! }
//! ```

mod config;
pub mod equity;
mod error;
mod genetic;
mod manifest;
mod mc_run;
pub mod montecarlo;
mod objective;
mod params;
mod plan;
mod results;
mod sanity;
mod space;
mod surface;
mod table;
mod value;
mod walk_sweep;
pub mod walkforward;

pub use config::{config_keys, point_text, BaseConfig, Target};
pub use error::SweepError;
pub use manifest::{RunSpec, SweepManifest, MANIFEST_FILE};
pub use mc_run::{monte_carlo_of_run, MonteCarloError, RunMonteCarlo, PERCENTILE_NAMES};
pub use objective::{qualifies, rank_order, Constraint, Direction, Objective};
pub use params::StrategyParams;
pub use plan::{Planner, RunPlan, Search};
pub use results::{ResultRow, RowStatus, STATS};
pub use sanity::isolated_peak;
pub use space::{Axis, Point, Space};
pub use surface::{profile, read_results, surface, ReadResults, Surface};
pub use table::{ranked, results_table, write_results};
pub use walk_sweep::WalkForwardSweep;
