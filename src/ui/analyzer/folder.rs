//! Where a sweep started from the window writes: by default a folder under
//! the data folder's `.ticklab-sweeps/` (or the user's cache folder when
//! the data folder cannot be written), named after the strategy and a hash
//! of what decides the runs, so that starting the same sweep again resumes
//! it and another sweep gets a folder of its own.

use std::path::{Path, PathBuf};

use super::form::{SweepContext, SweepForm};

/// The folder under a data folder that holds its sweeps.
pub const SWEEPS_DIR: &str = ".ticklab-sweeps";

/// FNV-1a, 64 bits: stable across builds, unlike the standard hasher.
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &byte in bytes {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// The name of the sweep's folder: the strategy's file stem and a hash of
/// the data, symbol, days, strategy, base configuration, space, search and
/// walk-forward (not the objective, the constraints or the jobs, which
/// change no run: changing them re-ranks the runs already done).
pub fn sweep_name(form: &SweepForm, context: &SweepContext) -> String {
    let mut text = format!(
        "{}\n{}\n{}\n{}\n{}\n",
        context.data.display(),
        context.symbol.as_deref().unwrap_or(""),
        form.day_arg(context).unwrap_or_default(),
        context.strategy,
        context.config_toml
    );
    for axis in &form.axes {
        text.push_str(&format!("{:?} {} {}\n", axis.kind, axis.key, axis.values));
    }
    text.push_str(&format!(
        "{:?} {:?}\n{}\n",
        form.search(),
        form.search,
        form.walk_forward.trim()
    ));
    let stem = Path::new(&context.strategy).file_stem().map_or_else(
        || context.strategy.clone(),
        |s| s.to_string_lossy().into_owned(),
    );
    let stem: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!("{stem}-{:08x}", fnv1a(text.as_bytes()) >> 32)
}

/// `$XDG_CACHE_HOME/ticklab/sweeps`, else `~/.cache/ticklab/sweeps`.
pub fn user_sweeps_dir() -> Option<PathBuf> {
    let xdg = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|dir| dir.is_absolute());
    let base = xdg.or_else(|| {
        std::env::var_os("HOME")
            .filter(|home| !home.is_empty())
            .map(|home| PathBuf::from(home).join(".cache"))
    })?;
    Some(base.join("ticklab").join("sweeps"))
}

/// The folder that holds the sweeps of `data`: its `.ticklab-sweeps/`
/// when it is there or can be made there (the data folder is writable),
/// else the user's cache folder (`fallback`). Nothing is made on disk.
pub fn sweeps_root(data: &Path, fallback: Option<PathBuf>) -> Option<PathBuf> {
    let beside = data.join(SWEEPS_DIR);
    let writable = |dir: &Path| {
        std::fs::metadata(dir).is_ok_and(|m| m.is_dir() && !m.permissions().readonly())
    };
    if writable(&beside) || (!beside.exists() && writable(data)) {
        return Some(beside);
    }
    fallback
}

/// Makes the sweep's folder `out`'s parent, falling back to `fallback`
/// (the same sweep's folder under the user's cache) when it cannot be
/// made or written; returns the folder the sweep goes in.
pub fn make_parent(out: &Path, fallback: Option<PathBuf>) -> std::io::Result<PathBuf> {
    let parent = out.parent().unwrap_or(Path::new("."));
    let made = std::fs::create_dir_all(parent).is_ok() && is_writable(parent);
    match (made, fallback) {
        (true, _) => Ok(out.to_owned()),
        (false, Some(root)) => {
            std::fs::create_dir_all(&root)?;
            Ok(root.join(out.file_name().unwrap_or_default()))
        }
        (false, None) => Err(std::io::Error::other(format!(
            "{}: cannot write there",
            parent.display()
        ))),
    }
}

/// True when a file can be made in `dir`.
fn is_writable(dir: &Path) -> bool {
    let probe = dir.join(format!(".probe-{}", std::process::id()));
    let made = std::fs::write(&probe, b"").is_ok();
    let _ = std::fs::remove_file(&probe);
    made
}

/// The base configuration file of the sweep in `out`, beside it (the
/// sweep's own folder takes only what `ticklab sweep` writes).
pub fn base_config_path(out: &Path) -> PathBuf {
    let mut name = out.file_name().unwrap_or_default().to_os_string();
    name.push(".run.toml");
    out.with_file_name(name)
}

/// Where the Monte Carlo of run `run_id` of the sweep in `out` writes.
pub fn monte_carlo_dir(out: &Path, run_id: &str) -> PathBuf {
    out.join("monte-carlo").join(run_id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::analyzer::form::{AxisField, AxisKind};

    fn context() -> SweepContext {
        SweepContext {
            data: PathBuf::from("/data"),
            symbol: None,
            day: Some("2024-01-02".to_owned()),
            strategy: "/s/queue mm.py".to_owned(),
            config_toml: "seed = 1\n".to_owned(),
        }
    }

    #[test]
    fn the_name_changes_with_the_runs_and_not_with_their_ranking() {
        let form = SweepForm {
            axes: vec![AxisField {
                key: "qty".to_owned(),
                kind: AxisKind::Grid,
                values: "1,2".to_owned(),
            }],
            ..SweepForm::default()
        };
        let name = sweep_name(&form, &context());
        assert!(name.starts_with("queue-mm-"), "{name}");
        assert_eq!(name.len(), "queue-mm-".len() + 8);
        let mut ranked = form.clone();
        ranked.objective = "max:pnl".to_owned();
        ranked.constraints = "fills>1".to_owned();
        ranked.jobs = 3;
        assert_eq!(sweep_name(&ranked, &context()), name);
        let mut other = form.clone();
        other.axes[0].values = "1,3".to_owned();
        assert_ne!(sweep_name(&other, &context()), name);
        let mut config = context();
        config.config_toml = "seed = 2\n".to_owned();
        assert_ne!(sweep_name(&form, &config), name);
    }

    #[test]
    fn sweeps_go_beside_the_data_else_to_the_fallback() {
        let dir = tempfile::tempdir().unwrap();
        let beside = dir.path().join(SWEEPS_DIR);
        assert_eq!(sweeps_root(dir.path(), None), Some(beside.clone()));
        assert!(!beside.exists(), "nothing is made until a sweep starts");
        // A file where the data folder would be: the fallback.
        let data = dir.path().join("file");
        std::fs::write(&data, "").unwrap();
        let fallback = dir.path().join("cache");
        assert_eq!(
            sweeps_root(&data, Some(fallback.clone())),
            Some(fallback.clone())
        );
        // Made when the sweep starts; beside a file it cannot be.
        let out = beside.join("mm-00000001");
        assert_eq!(make_parent(&out, None).unwrap(), out);
        assert!(beside.is_dir());
        let blocked = data.join(SWEEPS_DIR).join("mm-00000001");
        assert_eq!(
            make_parent(&blocked, Some(fallback.clone())).unwrap(),
            fallback.join("mm-00000001")
        );
        assert!(make_parent(&blocked, None).is_err());
    }

    #[test]
    fn the_base_configuration_sits_beside_the_sweep() {
        assert_eq!(
            base_config_path(Path::new("/d/.ticklab-sweeps/mm-0a")),
            PathBuf::from("/d/.ticklab-sweeps/mm-0a.run.toml")
        );
    }
}
