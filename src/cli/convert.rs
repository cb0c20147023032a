//! `ticklab convert`: vendor data into the canonical data folder.

use clap::Args;

/// Arguments of `ticklab convert`.
#[derive(Debug, Args)]
pub struct ConvertArgs {}

/// Converts vendor files into a data folder.
pub fn run(_args: ConvertArgs) -> anyhow::Result<()> {
    anyhow::bail!("`ticklab convert` is not part of this build yet")
}
