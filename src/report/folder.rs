//! A run's output folder that never mixes two runs: the run writes into a
//! fresh folder beside the destination, which is renamed into place when the
//! run ends (well or not), replacing what was there only when asked to.

use std::path::{Path, PathBuf};

/// Why the output folder cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum FolderError {
    /// The destination holds files and replacing it was not asked for.
    #[error("{path}: the output folder is not empty; choose another --out or pass --force to replace it")]
    NotEmpty {
        /// The destination.
        path: PathBuf,
    },
    /// The destination exists and is not a folder.
    #[error("{path}: exists and is not a folder")]
    NotAFolder {
        /// The destination.
        path: PathBuf,
    },
    /// The destination has no name to put a folder beside it (`/`, `..`).
    #[error("{path}: cannot be an output folder (it has no name)")]
    NoName {
        /// The destination.
        path: PathBuf,
    },
    /// The file system refused.
    #[error("{path}: {source}")]
    Io {
        /// The folder.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> FolderError + '_ {
    move |source| FolderError::Io {
        path: path.to_owned(),
        source,
    }
}

/// The output folder of one run: files go to [`RunFolder::path`], a fresh
/// folder beside the destination, and [`RunFolder::commit`] renames it to
/// the destination. Dropped without a commit, the fresh folder is removed.
#[derive(Debug)]
pub struct RunFolder {
    target: PathBuf,
    staging: PathBuf,
    replace: bool,
    committed: bool,
}

impl RunFolder {
    /// Checks that `target` is absent or an empty folder (or, with
    /// `replace`, any folder) and creates the fresh folder beside it.
    pub fn create(target: &Path, replace: bool) -> Result<Self, FolderError> {
        check_target(target, replace)?;
        let name = target
            .file_name()
            .ok_or_else(|| FolderError::NoName {
                path: target.to_owned(),
            })?
            .to_string_lossy()
            .into_owned();
        let parent = match target.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&parent).map_err(io_error(&parent))?;
        let pid = std::process::id();
        let mut attempt = 0u32;
        loop {
            let staging = parent.join(format!(".{name}.partial-{pid}-{attempt}"));
            match std::fs::create_dir(&staging) {
                Ok(()) => {
                    return Ok(RunFolder {
                        target: target.to_owned(),
                        staging,
                        replace,
                        committed: false,
                    })
                }
                Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists && attempt < 1000 => {
                    attempt += 1;
                }
                Err(source) => {
                    return Err(FolderError::Io {
                        path: staging,
                        source,
                    })
                }
            }
        }
    }

    /// Where the run writes its files until the commit.
    pub fn path(&self) -> &Path {
        &self.staging
    }

    /// The destination.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Moves the run's folder into place: the destination, which is
    /// replaced whole when it exists (with `replace`, or when empty).
    /// Returns the destination.
    pub fn commit(mut self) -> Result<PathBuf, FolderError> {
        let target = self.target.clone();
        check_target(&target, self.replace)?;
        let aside = self.staging.with_extension("old");
        let moved_aside = match std::fs::symlink_metadata(&target) {
            Ok(_) => {
                std::fs::rename(&target, &aside).map_err(io_error(&target))?;
                true
            }
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => false,
            Err(source) => {
                return Err(FolderError::Io {
                    path: target,
                    source,
                })
            }
        };
        if let Err(source) = std::fs::rename(&self.staging, &target) {
            if moved_aside {
                // Put the earlier folder back; the run's files stay where
                // they were written.
                let _ = std::fs::rename(&aside, &target);
            }
            self.committed = true;
            return Err(FolderError::Io {
                path: self.staging.clone(),
                source,
            });
        }
        self.committed = true;
        if moved_aside {
            std::fs::remove_dir_all(&aside).map_err(io_error(&aside))?;
        }
        Ok(target)
    }
}

impl Drop for RunFolder {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.staging);
        }
    }
}

/// Absent, an empty folder, or (with `replace`) any folder.
fn check_target(target: &Path, replace: bool) -> Result<(), FolderError> {
    let meta = match std::fs::symlink_metadata(target) {
        Ok(meta) => meta,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(source) => {
            return Err(FolderError::Io {
                path: target.to_owned(),
                source,
            })
        }
    };
    if !meta.is_dir() {
        return Err(FolderError::NotAFolder {
            path: target.to_owned(),
        });
    }
    if replace {
        return Ok(());
    }
    let mut entries = std::fs::read_dir(target).map_err(io_error(target))?;
    if entries.next().is_some() {
        return Err(FolderError::NotEmpty {
            path: target.to_owned(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_committed_run_replaces_only_when_asked() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let run = RunFolder::create(&out, false).unwrap();
        assert!(!out.exists());
        assert!(run.path().starts_with(dir.path()));
        std::fs::write(run.path().join("a.txt"), "first").unwrap();
        assert_eq!(run.commit().unwrap(), out);
        assert_eq!(std::fs::read_to_string(out.join("a.txt")).unwrap(), "first");

        let err = RunFolder::create(&out, false).unwrap_err().to_string();
        assert_eq!(
            err,
            format!(
                "{}: the output folder is not empty; choose another --out or pass --force to replace it",
                out.display()
            )
        );

        let run = RunFolder::create(&out, true).unwrap();
        std::fs::write(run.path().join("b.txt"), "second").unwrap();
        run.commit().unwrap();
        assert!(!out.join("a.txt").exists(), "replaced whole");
        assert_eq!(
            std::fs::read_to_string(out.join("b.txt")).unwrap(),
            "second"
        );
        // Nothing is left beside it.
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("out")]);
    }

    #[test]
    fn an_empty_folder_is_used_and_a_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("empty");
        std::fs::create_dir(&out).unwrap();
        let run = RunFolder::create(&out, false).unwrap();
        std::fs::write(run.path().join("x"), "1").unwrap();
        run.commit().unwrap();
        assert!(out.join("x").exists());

        let file = dir.path().join("file");
        std::fs::write(&file, "").unwrap();
        let err = RunFolder::create(&file, true).unwrap_err().to_string();
        assert_eq!(
            err,
            format!("{}: exists and is not a folder", file.display())
        );
    }

    #[test]
    fn an_abandoned_run_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let run = RunFolder::create(&out, false).unwrap();
        let staging = run.path().to_owned();
        std::fs::write(staging.join("a"), "x").unwrap();
        drop(run);
        assert!(!staging.exists() && !out.exists());
    }
}
