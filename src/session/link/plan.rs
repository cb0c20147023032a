//! What a window's session worker may read: the folders the commands that
//! define its run name, and nothing else.
//!
//! The sandbox is fixed when the worker starts, so a command naming a path
//! the worker cannot read (another data folder, a strategy elsewhere)
//! starts a new worker whose plan covers it (see `remote`).

use std::path::{Path, PathBuf};

use crate::market::cache::CacheOptions;
use crate::sandbox::{Limits, Plan};
use crate::session::Command;
use crate::sim::{LatencyConfig, RunConfig};

/// The commands that make a run what it is, the last of each kind: what a
/// new worker is sent to stand where the old one stood.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Script {
    /// The last `Configure`.
    pub(crate) configure: Option<Command>,
    /// The last `Load` or `Open`.
    pub(crate) load: Option<Command>,
    /// The last `Follow` since then.
    pub(crate) follow: Option<Command>,
    /// The last `SetStrategy`.
    pub(crate) strategy: Option<Command>,
}

impl Script {
    /// Remembers `command` when it defines the run.
    pub(crate) fn note(&mut self, command: &Command) {
        match command {
            Command::Configure { .. } => self.configure = Some(command.clone()),
            Command::Load { .. } | Command::Open { .. } => {
                self.load = Some(command.clone());
                self.follow = None;
            }
            Command::Follow(_) => self.follow = Some(command.clone()),
            Command::SetStrategy(_) => self.strategy = Some(command.clone()),
            _ => {}
        }
    }

    /// The commands in the order that puts a fresh session where the run
    /// stood: the configuration first, so that the load's fresh run has it.
    pub(crate) fn commands(&self) -> Vec<Command> {
        [&self.configure, &self.load, &self.strategy, &self.follow]
            .into_iter()
            .flatten()
            .cloned()
            .collect()
    }

    /// The sandbox of a worker that runs this script: read-only access to
    /// the data, its event caches, the strategy's folder and the files the
    /// configuration names; no write access anywhere.
    pub(crate) fn plan(&self, cache: &CacheOptions, base: &PlanBase) -> Plan {
        let mut read_paths = Vec::new();
        if let Some(Command::Load { folder, .. } | Command::Open { folder, .. }) = &self.load {
            read_paths.push(absolute(&folder_of(folder)));
        }
        if cache.enabled {
            read_paths.extend(
                cache
                    .dir
                    .iter()
                    .chain(&cache.fallback_dir)
                    .map(|d| absolute(d)),
            );
        }
        let mut python = false;
        if let Some(Command::SetStrategy(name)) = &self.strategy {
            let path = Path::new(name);
            if path.is_file() || path.extension().is_some() {
                read_paths.push(strategy_folder(path));
            }
            python = path.extension().is_some_and(|ext| ext == "py");
        }
        if let Some(Command::Configure { config }) = &self.configure {
            if let RunConfig {
                latency: LatencyConfig::Recorded { path, .. },
                ..
            } = config.as_ref()
            {
                read_paths.push(absolute(path));
            }
        }
        read_paths.sort();
        read_paths.dedup();
        Plan {
            allow_network: base.allow_network,
            read_paths,
            write_dirs: Vec::new(),
            python,
            limits: base.limits,
        }
    }
}

/// What every worker of a window has: its network and its limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PlanBase {
    /// Keep the host's network.
    pub(crate) allow_network: bool,
    /// Memory, CPU and open files.
    pub(crate) limits: Limits,
}

/// True when a worker sandboxed by `current` can do what `needed` asks.
pub(crate) fn covers(current: &Plan, needed: &Plan) -> bool {
    (current.python || !needed.python)
        && current.allow_network == needed.allow_network
        && current.limits == needed.limits
        && needed
            .read_paths
            .iter()
            .all(|path| current.read_paths.iter().any(|held| path.starts_with(held)))
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// The data folder, or the folder of a day file (its `instrument.toml` is
/// beside it, and the data folder above that).
fn folder_of(data: &Path) -> PathBuf {
    if data.is_file() {
        data.parent()
            .and_then(Path::parent)
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
    } else {
        data.to_path_buf()
    }
}

/// The strategy file's folder, where it may keep modules and files of its
/// own; only the file itself when that folder holds the home folder or is
/// the root (a strategy saved in `~` does not open `~/.ssh`).
pub(crate) fn strategy_folder(strategy: &Path) -> PathBuf {
    let file = absolute(strategy);
    let Some(folder) = file.parent() else {
        return file;
    };
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let too_wide = folder.parent().is_none() || home.is_some_and(|home| home.starts_with(folder));
    if too_wide {
        file
    } else {
        folder.to_path_buf()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> PlanBase {
        PlanBase {
            allow_network: false,
            limits: Limits::default(),
        }
    }

    #[test]
    fn the_plan_reads_the_data_the_strategy_folder_and_the_caches_only() {
        let mut script = Script::default();
        script.note(&Command::Load {
            folder: PathBuf::from("/data/lab"),
            symbol: None,
            day: None,
        });
        script.note(&Command::SetStrategy("/work/strats/mm.py".into()));
        script.note(&Command::Step(crate::session::StepTarget::Events(3)));
        let cache = CacheOptions {
            enabled: true,
            dir: None,
            fallback_dir: Some(PathBuf::from("/cache/ticklab")),
        };
        let plan = script.plan(&cache, &base());
        assert_eq!(
            plan.read_paths,
            [
                PathBuf::from("/cache/ticklab"),
                PathBuf::from("/data/lab"),
                PathBuf::from("/work/strats")
            ]
        );
        assert!(plan.python);
        assert!(plan.write_dirs.is_empty());
        assert_eq!(
            script.commands(),
            [
                Command::Load {
                    folder: PathBuf::from("/data/lab"),
                    symbol: None,
                    day: None,
                },
                Command::SetStrategy("/work/strats/mm.py".into())
            ]
        );
        // Another strategy in the same folder is covered; one elsewhere
        // or a Python one after a built-in is not.
        let mut same = script.clone();
        same.note(&Command::SetStrategy("/work/strats/other.py".into()));
        assert!(covers(&plan, &same.plan(&cache, &base())));
        let mut elsewhere = script.clone();
        elsewhere.note(&Command::SetStrategy("/tmp/x/s.py".into()));
        assert!(!covers(&plan, &elsewhere.plan(&cache, &base())));
        let mut builtin = script.clone();
        builtin.note(&Command::SetStrategy("mm".into()));
        let builtin_plan = builtin.plan(&cache, &base());
        assert!(!builtin_plan.python);
        assert!(covers(&plan, &builtin_plan));
        assert!(!covers(&builtin_plan, &plan));
    }

    #[test]
    fn a_run_over_days_and_symbols_is_replayed_with_the_instrument_followed() {
        let mut script = Script::default();
        script.note(&Command::SetStrategy("mm".into()));
        script.note(&Command::Open {
            folder: PathBuf::from("/data/multi"),
            symbols: vec!["BTC-PERP".into(), "ETH-PERP".into()],
            days: crate::market::day_range::DaySelection::All,
        });
        script.note(&Command::Follow("ETH-PERP".into()));
        let commands = script.commands();
        assert_eq!(commands.len(), 3);
        assert!(
            matches!(&commands[0], Command::Open { folder, .. } if folder == Path::new("/data/multi"))
        );
        assert_eq!(commands[1], Command::SetStrategy("mm".into()));
        assert_eq!(commands[2], Command::Follow("ETH-PERP".into()));
        let cache = CacheOptions {
            enabled: false,
            dir: None,
            fallback_dir: None,
        };
        assert_eq!(
            script.plan(&cache, &base()).read_paths,
            [PathBuf::from("/data/multi")]
        );
        // Another folder forgets the instrument followed.
        script.note(&Command::Load {
            folder: PathBuf::from("/data/other"),
            symbol: None,
            day: None,
        });
        assert_eq!(script.commands().len(), 2);
    }
}
