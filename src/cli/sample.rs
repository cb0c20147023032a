//! `ticklab sample`: generate the synthetic sample data folder.

use clap::Args;

/// Arguments of `ticklab sample`.
#[derive(Debug, Args)]
pub struct SampleArgs {}

/// Generates the sample data folder.
pub fn run(_args: SampleArgs) -> anyhow::Result<()> {
    anyhow::bail!("not yet")
}
