//! `ticklab schema`: prints the JSON Schema of a file format, for editors.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, ValueEnum};
use ticklab::strategy::rules;

/// Which file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SchemaFormat {
    /// Rule files (`.rules.toml`, `.rules.json`).
    Rules,
}

/// Arguments of `ticklab schema`.
#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// The format whose schema to print.
    #[arg(value_enum)]
    pub format: SchemaFormat,
    /// Write the schema to this file instead of printing it.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Prints (or writes) the schema.
pub fn run(args: SchemaArgs) -> anyhow::Result<()> {
    let text = match args.format {
        SchemaFormat::Rules => rules::json_schema(),
    };
    match args.out {
        Some(path) => {
            std::fs::write(&path, text).with_context(|| format!("{}: cannot write", path.display()))
        }
        None => {
            print!("{text}");
            Ok(())
        }
    }
}
