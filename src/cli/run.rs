//! `ticklab run`: a strategy over a day of data, headless.

use clap::Args;

/// Arguments of `ticklab run`.
#[derive(Debug, Args)]
pub struct RunArgs {}

/// Runs a strategy over a day and writes its results.
pub fn run(_args: RunArgs) -> anyhow::Result<()> {
    anyhow::bail!("`ticklab run` needs the exchange simulator, which is not part of this build yet")
}
