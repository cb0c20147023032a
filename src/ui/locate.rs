//! Where the window finds what ships with ticklab — the sample data and the
//! example strategies — wherever it was started from: the working
//! directory, beside the executable (and up from `target/<profile>/` in a
//! source tree), the data folder's parent, the installed share folders,
//! and the source tree the binary was built from.

use std::path::{Path, PathBuf};

/// Name of the shipped sample data folder.
pub const SAMPLE_DATA_DIR: &str = "sample-data";

/// Name of the shipped example strategies folder.
pub const EXAMPLES_DIR: &str = "strategies";

/// The places to look in, gathered once from the process (or given by a
/// test).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Places {
    /// The working directory.
    pub cwd: Option<PathBuf>,
    /// The running executable.
    pub exe: Option<PathBuf>,
    /// The open data folder, whose parent may hold the examples.
    pub data_folder: Option<PathBuf>,
    /// `$XDG_DATA_HOME` (or `~/.local/share`).
    pub data_home: Option<PathBuf>,
    /// The source tree the binary was built from.
    pub source_tree: Option<PathBuf>,
}

impl Places {
    /// The places of this process.
    pub fn of_process() -> Places {
        let data_home = std::env::var_os("XDG_DATA_HOME")
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")));
        Places {
            cwd: std::env::current_dir().ok(),
            exe: std::env::current_exe()
                .ok()
                .map(|exe| exe.canonicalize().unwrap_or(exe)),
            data_folder: None,
            data_home,
            source_tree: Some(PathBuf::from(env!("CARGO_MANIFEST_DIR"))),
        }
    }

    /// The same places, with `folder` as the open data folder.
    pub fn with_data_folder(mut self, folder: Option<&Path>) -> Places {
        self.data_folder = folder.map(Path::to_owned);
        self
    }

    /// Every path `name` may be at, most likely first, without repeats.
    pub fn candidates(&self, name: &str) -> Vec<PathBuf> {
        let mut out: Vec<PathBuf> = Vec::new();
        if let Some(cwd) = &self.cwd {
            out.push(cwd.join(name));
        }
        if let Some(exe_dir) = self.exe.as_deref().and_then(Path::parent) {
            // Beside the binary, then up from target/<profile>/ (and
            // target/<triple>/<profile>/) to the source tree.
            for dir in exe_dir.ancestors().take(4) {
                out.push(dir.join(name));
            }
            if let Some(prefix) = exe_dir.parent() {
                out.push(prefix.join("share/ticklab").join(name));
            }
        }
        if let Some(folder) = &self.data_folder {
            // A data folder, a symbol folder or a day file: look beside each.
            for dir in folder.ancestors().skip(1).take(3) {
                if !dir.as_os_str().is_empty() {
                    out.push(dir.join(name));
                }
            }
        }
        if let Some(home) = &self.data_home {
            out.push(home.join("ticklab").join(name));
        }
        out.push(Path::new("/usr/local/share/ticklab").join(name));
        out.push(Path::new("/usr/share/ticklab").join(name));
        if let Some(tree) = &self.source_tree {
            out.push(tree.join(name));
        }
        let mut unique: Vec<PathBuf> = Vec::with_capacity(out.len());
        for path in out {
            if !unique.contains(&path) {
                unique.push(path);
            }
        }
        unique
    }

    /// The first candidate for `name` that is a folder and passes `keep`.
    pub fn find_dir(&self, name: &str, keep: impl Fn(&Path) -> bool) -> Option<PathBuf> {
        self.candidates(name)
            .into_iter()
            .find(|path| path.is_dir() && keep(path))
    }

    /// The shipped sample data folder.
    pub fn sample_data(&self) -> Option<PathBuf> {
        self.find_dir(SAMPLE_DATA_DIR, |dir| {
            std::fs::read_dir(dir).is_ok_and(|mut entries| {
                entries.any(|e| e.is_ok_and(|e| e.path().join("instrument.toml").is_file()))
            })
        })
    }

    /// The shipped example strategies folder.
    pub fn examples(&self) -> Option<PathBuf> {
        self.find_dir(EXAMPLES_DIR, |dir| {
            !super::strategy::strategy_files_in(dir).is_empty()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(path: &Path) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, "x").unwrap();
    }

    #[test]
    fn sample_data_is_found_up_from_the_executable_not_the_working_directory() {
        let tree = tempfile::tempdir().unwrap();
        let root = tree.path();
        touch(&root.join("sample-data/ACME/instrument.toml"));
        touch(&root.join("strategies/queue_mm.py"));
        let elsewhere = tempfile::tempdir().unwrap();
        let places = Places {
            cwd: Some(elsewhere.path().to_owned()),
            exe: Some(root.join("target/debug/ticklab")),
            ..Places::default()
        };
        assert_eq!(places.sample_data(), Some(root.join("sample-data")));
        assert_eq!(places.examples(), Some(root.join("strategies")));
    }

    #[test]
    fn installed_share_folder_and_data_folder_parent_are_looked_in() {
        let prefix = tempfile::tempdir().unwrap();
        let root = prefix.path();
        touch(&root.join("share/ticklab/sample-data/BTC/instrument.toml"));
        let places = Places {
            exe: Some(root.join("bin/ticklab")),
            ..Places::default()
        };
        assert_eq!(
            places.sample_data(),
            Some(root.join("share/ticklab/sample-data"))
        );
        // No examples installed: the data folder's parent has them.
        assert_eq!(places.examples(), None);
        let lab = tempfile::tempdir().unwrap();
        touch(&lab.path().join("strategies/a.rules.toml"));
        let places = places.with_data_folder(Some(&lab.path().join("mydata/BTC")));
        assert_eq!(places.examples(), Some(lab.path().join("strategies")));
    }

    #[test]
    fn a_folder_without_what_makes_it_is_passed_over() {
        let cwd = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(cwd.path().join("sample-data/empty")).unwrap();
        std::fs::create_dir_all(cwd.path().join("strategies")).unwrap();
        let places = Places {
            cwd: Some(cwd.path().to_owned()),
            ..Places::default()
        };
        assert_eq!(places.sample_data(), None);
        assert_eq!(places.examples(), None);
    }
}
