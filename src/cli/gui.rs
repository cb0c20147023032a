//! The window. Until it lands, say what works instead of failing silently.

use std::path::PathBuf;

/// Opens the strategy lab window on `path` (default `sample-data/`).
pub fn run(path: Option<PathBuf>) -> anyhow::Result<()> {
    let folder = path.unwrap_or_else(|| PathBuf::from("sample-data"));
    eprintln!(
        "ticklab: the window is not part of this build yet.\n\
         Headless commands work today:\n  \
         ticklab inspect {folder}            what the folder holds\n  \
         ticklab inspect {folder} --at TIME  the book at a time\n  \
         ticklab run --data {folder} ...     run a strategy over a day\n  \
         ticklab sample --out DIR            regenerate the sample data\n\
         See `ticklab --help`.",
        folder = folder.display()
    );
    Ok(())
}
