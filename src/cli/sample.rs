//! `ticklab sample`: generate the synthetic sample data folder.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context as _;
use clap::Args;
use ticklab::market::catalog::{Day, NotADay};
use ticklab::market::sample::{write_sample_folder, CivilDate, SampleFolderOptions, DEFAULT_SEED};

/// Arguments of `ticklab sample`.
#[derive(Debug, Args)]
pub struct SampleArgs {
    /// Folder to write into (created if missing): one sub-folder per
    /// instrument, plus a README.md when every instrument is written.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Random seed; the same seed always writes the same bytes.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_SEED)]
    pub seed: u64,
    /// About how many events the crypto perpetual's day holds (default about
    /// 2 million); e.g. 20000000 for a large file.
    #[arg(long, value_name = "N")]
    pub events: Option<u64>,
    /// Write only this instrument (BTC-PERP, ETH-PERP or ACME).
    #[arg(long, value_name = "SYMBOL")]
    pub symbol: Option<String>,
    /// Write only this day (2026-03-02 or 2026-03-03).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_day)]
    pub day: Option<CivilDate>,
}

/// A day as `YYYY-MM-DD`.
fn parse_day(text: &str) -> Result<CivilDate, String> {
    let day: Day = text.parse().map_err(|err: NotADay| err.to_string())?;
    Ok(CivilDate::new(
        day.year(),
        u32::from(day.month()),
        u32::from(day.day()),
    ))
}

/// Generates the sample data folder and prints what was written.
pub fn run(args: SampleArgs) -> anyhow::Result<()> {
    let options = SampleFolderOptions {
        seed: args.seed,
        crypto_events: args.events,
        symbol: args.symbol,
        day: args.day,
    };
    let started = Instant::now();
    let written = write_sample_folder(&args.out, &options)
        .with_context(|| format!("cannot write sample data to {}", args.out.display()))?;
    let mut total_bytes = 0;
    for sample in &written {
        println!(
            "{:<10} {:>10} rows {:>12} bytes  {}",
            sample.symbol,
            sample.data.rows,
            sample.data.bytes,
            sample.data.file.display()
        );
        println!(
            "{:<10} {:>34}  {}",
            "",
            "",
            sample.instrument_file.display()
        );
        total_bytes += sample.data.bytes;
    }
    if options.symbol.is_none() && options.day.is_none() {
        println!(
            "{:<10} {:>34}  {}",
            "",
            "",
            args.out.join("README.md").display()
        );
    }
    println!(
        "wrote {} instrument(s), {} bytes of events, in {:.1} s (seed {})",
        written.len(),
        total_bytes,
        started.elapsed().as_secs_f64(),
        options.seed
    );
    Ok(())
}
