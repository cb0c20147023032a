//! `ticklab cache build|clear|info`: the event caches of a data folder.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};
use ticklab::market::cache::{
    cache_paths, clear_cache, plan_replay, wait_for_seals, CacheOptions, EventCache, ReplayPlan,
    SourceStamp,
};
use ticklab::market::catalog::{Catalog, Day, DayFile};
use ticklab::market::parquet::ReadOptions;
use ticklab::market::Instrument;
use ticklab::session::prepare::{checked_loader, prepare_cache};
use ticklab::strategy::python::format_data_time;

/// Arguments of `ticklab cache`.
#[derive(Debug, Args)]
pub struct CacheArgs {
    /// What to do.
    #[command(subcommand)]
    pub action: CacheAction,
}

/// What `ticklab cache` does.
#[derive(Debug, Subcommand)]
pub enum CacheAction {
    /// Write the cache of every day that has no valid one.
    Build(Selection),
    /// Remove the caches (stale or not).
    Clear(Selection),
    /// Where each day's cache is and whether it is valid.
    Info(Selection),
}

/// The days a cache command works on.
#[derive(Debug, Args)]
pub struct Selection {
    /// A data folder, a symbol folder, or one `<YYYY-MM-DD>.parquet` file.
    pub path: PathBuf,
    /// Only this instrument.
    #[arg(long)]
    pub symbol: Option<String>,
    /// Only this day (`YYYY-MM-DD`).
    #[arg(long)]
    pub day: Option<Day>,
    /// Keep events whose local_ts is before exch_ts (counted) instead of
    /// refusing the day.
    #[arg(long)]
    pub allow_local_before_exch: bool,
}

/// Runs `ticklab cache`.
pub fn run(args: CacheArgs) -> anyhow::Result<()> {
    let options = CacheOptions::from_env();
    match args.action {
        CacheAction::Build(selection) => {
            let read = if selection.allow_local_before_exch {
                ReadOptions::default().warn_on_local_ts()
            } else {
                ReadOptions::default()
            };
            for (instrument, file) in days(&selection)? {
                build(&instrument, &file, read, &options)?;
            }
            // A cache built ahead of time is on disk before this ends.
            wait_for_seals();
        }
        CacheAction::Clear(selection) => {
            let mut removed = 0;
            for (_, file) in days(&selection)? {
                for path in clear_cache(&file.path, &options)
                    .with_context(|| format!("{}: cannot clear its cache", file.path.display()))?
                {
                    println!("removed {}", path.display());
                    removed += 1;
                }
            }
            println!("{removed} cache files removed");
        }
        CacheAction::Info(selection) => {
            for (instrument, file) in days(&selection)? {
                info(&instrument, &file, &options);
            }
        }
    }
    Ok(())
}

/// The selected days of the folder, with their instruments.
fn days(selection: &Selection) -> anyhow::Result<Vec<(Instrument, DayFile)>> {
    let catalog = Catalog::open(&selection.path)?;
    let mut days = Vec::new();
    for data in &catalog.instruments {
        if selection
            .symbol
            .as_deref()
            .is_some_and(|symbol| symbol != data.instrument.symbol)
        {
            continue;
        }
        for file in &data.days {
            if selection.day.is_none_or(|day| day == file.day) {
                days.push((data.instrument.clone(), file.clone()));
            }
        }
    }
    if days.is_empty() {
        anyhow::bail!(
            "{}: no day matches the symbol and day given",
            selection.path.display()
        );
    }
    Ok(days)
}

/// Writes the cache of the day file at `path` unless a valid one exists,
/// before a sandboxed run: the worker may read the cache but not write it.
/// Its notes go to stderr; a failure is left for the run to report, since
/// the run reads the same file.
pub(crate) fn prepare_for_run(
    instrument: &Instrument,
    path: &std::path::Path,
    read: ReadOptions,
    options: &CacheOptions,
) {
    for note in prepare_cache(instrument, path, read, options) {
        eprintln!("{note}");
    }
}

/// Writes the cache of one day unless a valid one exists.
fn build(
    instrument: &Instrument,
    file: &DayFile,
    read: ReadOptions,
    options: &CacheOptions,
) -> anyhow::Result<()> {
    let mut notes = Vec::new();
    let plan = plan_replay(
        &file.path,
        instrument,
        read.local_ts_policy,
        options,
        &mut notes,
    );
    for note in &notes {
        eprintln!("{note}");
    }
    match plan {
        ReplayPlan::Cached(cache) => {
            println!(
                "{}: up to date ({}, {} events)",
                file.path.display(),
                cache.path().display(),
                cache.len()
            );
        }
        ReplayPlan::Parquet { tap: None } | ReplayPlan::Following(_) => {
            anyhow::bail!("{}: no cache could be written", file.path.display());
        }
        ReplayPlan::Parquet { tap: Some(tap) } => {
            let outcome = tap.notes();
            let loader = checked_loader(instrument, &file.path, read, tap)?;
            while let Some(batch) = loader.recv() {
                loader.recycle(batch?);
            }
            loader.finish()?;
            for note in outcome.try_iter() {
                println!("{note}");
            }
        }
    }
    Ok(())
}

/// Prints where the caches of one day are and whether they can be used.
fn info(instrument: &Instrument, file: &DayFile, options: &CacheOptions) {
    println!("{}", file.path.display());
    let stamp = match SourceStamp::of(&file.path) {
        Ok(stamp) => stamp,
        Err(err) => {
            println!("  cannot read the data file: {err}");
            return;
        }
    };
    let mut found = false;
    for path in cache_paths(&file.path, options) {
        if !path.exists() {
            continue;
        }
        found = true;
        match EventCache::open(&path, &stamp, instrument) {
            Ok(cache) => {
                let info = cache.info();
                println!(
                    "  {}: valid, {} events, {:.1} MiB, {} .. {}",
                    path.display(),
                    info.events,
                    info.size_bytes as f64 / (1024.0 * 1024.0),
                    format_data_time(info.exch_ts_span_ns.0),
                    format_data_time(info.exch_ts_span_ns.1)
                );
            }
            Err(reason) => println!("  {}: not used: {reason}", path.display()),
        }
    }
    if !found {
        println!("  no cache (the next replay writes one)");
    }
}
