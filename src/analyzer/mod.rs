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
//! use ticklab::analyzer::{BaseConfig, Objective, Planner, ResultRow, Search, Space};
//! # fn run_somewhere(plan: &ticklab::analyzer::RunPlan) -> std::path::PathBuf { unimplemented!() }
//! # fn main() -> Result<(), ticklab::analyzer::SweepError> {
//! let base = BaseConfig::read(None, "mm")?;
//! let space = Space::parse(base.sweep_table(), &["qty_lots=1,2".into()], &[])?;
//! let objective = Objective::parse("sharpe")?;
//! let mut planner = Planner::new(base, space, Search::Grid, objective, Vec::new(), String::new(), None)?;
//! let mut rows = Vec::new();
//! loop {
//!     let plans = planner.next_runs(&rows)?;
//!     if plans.is_empty() {
//!         break;
//!     }
//!     for plan in &plans {
//!         // Run `plan.config_toml` as a run's configuration, then read its folder.
//!         let folder = run_somewhere(plan);
//!         rows.push(ResultRow::collect(plan, &folder, None));
//!     }
//! }
//! # Ok(()) }
//! ```

mod config;
mod error;
mod genetic;
mod manifest;
pub mod montecarlo;
mod objective;
mod params;
mod plan;
mod results;
pub mod roundtrips;
mod sanity;
mod space;
mod surface;
mod table;
mod value;
pub mod walkforward;

pub use config::{config_keys, point_text, BaseConfig, Target};
pub use error::SweepError;
pub use manifest::{RunSpec, SweepManifest, MANIFEST_FILE};
pub use objective::{qualifies, rank_order, Constraint, Direction, Objective};
pub use params::StrategyParams;
pub use plan::{Planner, RunPlan, Search};
pub use results::{ResultRow, RowStatus, STATS};
pub use sanity::isolated_peak;
pub use space::{Axis, Point, Space};
pub use surface::{profile, read_results, surface, ReadResults, Surface};
pub use table::{ranked, results_table, write_results};
