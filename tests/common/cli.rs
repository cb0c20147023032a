//! The `ticklab` command as the integration tests run it: a run with
//! arguments, and its stdout once it is known to have succeeded.

use std::process::{Command, Output};

/// Runs the `ticklab` binary this test build built with `args`.
pub fn ticklab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ticklab"))
        .args(args)
        .output()
        .expect("ticklab runs")
}

/// The stdout of a run that succeeded; panics with both streams otherwise.
pub fn ok(output: &Output) -> String {
    assert!(
        output.status.success(),
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}
