//! `ticklab inspect`: what a data folder or file holds.

use clap::Args;

/// Arguments of `ticklab inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {}

/// Prints what a data folder or file holds.
pub fn run(_args: InspectArgs) -> anyhow::Result<()> {
    anyhow::bail!("not yet")
}
