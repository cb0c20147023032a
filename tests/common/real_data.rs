//! Where the real public market data samples are: the folder named by
//! `TICKLAB_REAL_DATA`, by default `../shared/data/real` next to the
//! repository. They are never copied into it; CI (`.ci/run`) sets the
//! variable and fails when the folder is missing, so there every test runs.

use std::io::Write;
use std::path::{Path, PathBuf};

/// The environment variable naming the folder of real samples.
pub const VAR: &str = "TICKLAB_REAL_DATA";

/// The folder of real samples, or `None` when it is missing: then a line on
/// the test's stderr (not captured) says the test is skipped and names
/// [`VAR`], and the test returns.
pub fn real_data_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os(VAR) {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/real"),
    };
    if dir.is_dir() {
        return Some(dir);
    }
    let _ = writeln!(
        std::io::stderr(),
        "skipped: no real data samples at {}; set {VAR} to their folder to run this test",
        dir.display()
    );
    None
}
