//! Where a day's cache lives, and what a replay of the day reads: a valid
//! cache, or the Parquet file with a cache written as it streams.

use std::path::{Path, PathBuf};

use super::follow::{handover, FollowedCache};
use super::format::{fnv1a, SourceStamp};
use super::reader::EventCache;
use super::tap::CacheTap;
use super::writer::CacheWriter;
use super::{CACHE_DIR_NAME, CACHE_EXTENSION};
use crate::market::parquet::LocalTsPolicy;
use crate::market::Instrument;

/// Environment variable naming one folder for every cache.
pub const CACHE_DIR_ENV: &str = "TICKLAB_CACHE_DIR";

/// Whether replays use the event cache, and where caches go.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CacheOptions {
    /// False: every replay reads Parquet and no cache is written
    /// (`--no-cache`).
    pub enabled: bool,
    /// One folder for every cache instead of `.ticklab-cache/` beside the
    /// data (`TICKLAB_CACHE_DIR`).
    pub dir: Option<PathBuf>,
    /// Where caches go when the data's folder cannot be written: the
    /// user's cache folder, `$XDG_CACHE_HOME/ticklab` or `~/.cache/ticklab`.
    pub fallback_dir: Option<PathBuf>,
}

impl Default for CacheOptions {
    /// Caches beside the data, falling back to the user's cache folder.
    fn default() -> Self {
        CacheOptions {
            enabled: true,
            dir: None,
            fallback_dir: user_cache_dir(),
        }
    }
}

impl CacheOptions {
    /// The default, with `TICKLAB_CACHE_DIR` (when set and not empty) as
    /// the one folder for every cache.
    pub fn from_env() -> Self {
        let dir = std::env::var_os(CACHE_DIR_ENV)
            .filter(|dir| !dir.is_empty())
            .map(PathBuf::from);
        CacheOptions {
            dir,
            ..CacheOptions::default()
        }
    }

    /// No cache: read Parquet every time.
    pub fn disabled() -> Self {
        CacheOptions {
            enabled: false,
            dir: None,
            fallback_dir: None,
        }
    }
}

/// `$XDG_CACHE_HOME/ticklab`, else `~/.cache/ticklab`.
fn user_cache_dir() -> Option<PathBuf> {
    let xdg = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|dir| dir.is_absolute());
    let base = xdg.or_else(|| {
        std::env::var_os("HOME")
            .filter(|home| !home.is_empty())
            .map(|home| PathBuf::from(home).join(".cache"))
    })?;
    Some(base.join("ticklab"))
}

/// The places the cache of `file` may be, in the order they are tried:
/// beside the data then the fallback folder, or the one folder of
/// [`CacheOptions::dir`].
pub fn cache_paths(file: &Path, options: &CacheOptions) -> Vec<PathBuf> {
    // In a shared folder the name carries a hash of the file's full path,
    // so two `2026-03-02.parquet` of different symbols do not collide.
    let shared_name = || {
        let full = std::fs::canonicalize(file).unwrap_or_else(|_| file.to_owned());
        let stem = file
            .file_stem()
            .map(|stem| stem.to_string_lossy().into_owned())
            .unwrap_or_default();
        format!(
            "{stem}-{:016x}.{CACHE_EXTENSION}",
            fnv1a(full.as_os_str().as_encoded_bytes())
        )
    };
    if let Some(dir) = &options.dir {
        return vec![dir.join(shared_name())];
    }
    let mut paths = Vec::with_capacity(2);
    if let (Some(parent), Some(name)) = (file.parent(), file.file_name()) {
        let mut name = name.to_owned();
        name.push(format!(".{CACHE_EXTENSION}"));
        paths.push(parent.join(CACHE_DIR_NAME).join(name));
    }
    if let Some(dir) = &options.fallback_dir {
        paths.push(dir.join(shared_name()));
    }
    paths
}

/// What a replay of a day file reads.
#[derive(Debug)]
pub enum ReplayPlan {
    /// A cache that matches the file and the run: replay it in place.
    Cached(EventCache),
    /// A cache another process is writing this run: replay it as it grows.
    Following(FollowedCache),
    /// The Parquet file; when `tap` is some, it writes the cache while the
    /// file streams.
    Parquet {
        /// Writes the cache from the loader thread.
        tap: Option<CacheTap>,
    },
}

/// Decides what a replay of `file` (read with `instrument`'s grid under
/// `policy`) reads, pushing onto `notes` what the user should hear once: a
/// stale or damaged cache found, a cache folder that cannot be written.
pub fn plan_replay(
    file: &Path,
    instrument: &Instrument,
    policy: LocalTsPolicy,
    options: &CacheOptions,
    notes: &mut Vec<String>,
) -> ReplayPlan {
    if !options.enabled {
        return ReplayPlan::Parquet { tap: None };
    }
    let handover = handover();
    if let Some(followed) = handover.following.iter().find(|f| f.source == file) {
        return ReplayPlan::Following(followed.clone());
    }
    if handover.uncached.iter().any(|uncached| uncached == file) {
        return ReplayPlan::Parquet { tap: None };
    }
    let stamp = match SourceStamp::of(file) {
        Ok(stamp) => stamp,
        Err(err) => {
            notes.push(format!(
                "event cache: cannot read {} ({err}); no cache",
                file.display()
            ));
            return ReplayPlan::Parquet { tap: None };
        }
    };
    let paths = cache_paths(file, options);
    for path in paths.iter().filter(|path| path.exists()) {
        match EventCache::open(path, &stamp, instrument) {
            Ok(cache) => {
                let kept = cache.read_summary().local_before_exch;
                if kept > 0 && policy == LocalTsPolicy::Error {
                    notes.push(format!(
                        "event cache {}: built keeping {kept} events with local_ts before \
                         exch_ts, which this run refuses; reading {}",
                        path.display(),
                        file.display()
                    ));
                    return ReplayPlan::Parquet { tap: None };
                }
                cache.seal_if_needed();
                return ReplayPlan::Cached(cache);
            }
            Err(reason) => {
                notes.push(format!(
                    "event cache {}: {reason}; reading {} and building the cache again",
                    path.display(),
                    file.display()
                ));
                // Never read again; the rebuild takes its place.
                let _ = std::fs::remove_file(path);
            }
        }
    }
    let mut failures = Vec::new();
    for path in &paths {
        match CacheWriter::create(path, stamp, instrument) {
            Ok(writer) => {
                if !failures.is_empty() {
                    notes.push(format!(
                        "event cache: cannot write {}; caching in {}",
                        failures.join("; "),
                        path.display()
                    ));
                }
                return ReplayPlan::Parquet {
                    tap: Some(CacheTap::new(writer, file)),
                };
            }
            Err(err) => failures.push(format!(
                "{} ({err})",
                path.parent().unwrap_or(path).display()
            )),
        }
    }
    notes.push(format!(
        "event cache: cannot write {}; {} is read from Parquet",
        failures.join("; "),
        file.display()
    ));
    ReplayPlan::Parquet { tap: None }
}

/// Removes every cache of `file` (stale or not); returns the files removed.
pub fn clear_cache(file: &Path, options: &CacheOptions) -> std::io::Result<Vec<PathBuf>> {
    let mut removed = Vec::new();
    for path in cache_paths(file, options) {
        match std::fs::remove_file(&path) {
            Ok(()) => removed.push(path),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => return Err(err),
        }
    }
    Ok(removed)
}
