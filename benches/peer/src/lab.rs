//! ticklab's side: the engine over the day in memory, the library's
//! day-run path over the day's event cache, and the `ticklab run` binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{anyhow, bail, Context};
use ticklab::market::cache::{plan_replay, CacheOptions, ReplayPlan};
use ticklab::market::parquet::{
    write_events, LoadTap, Loader, LocalTsPolicy, ReadOptions, WriteOptions,
};
use ticklab::market::{Instrument, MarketEvent};
use ticklab::session::{open_day, DayRun};
use ticklab::sim::{Engine, RunConfig, RunRecord};
use ticklab::strategy::{run_to_end, Ctx, Runner, Strategy, StrategyError};

use crate::outcome::Outcome;

/// Places one buy three ticks under the touch at the first event it sees
/// with a bid, and leaves it there (as `benches/engine_throughput.rs`).
#[derive(Default)]
struct OneRestingOrder {
    placed: bool,
}

impl Strategy for OneRestingOrder {
    fn on_market(&mut self, ctx: &mut Ctx<'_, '_>, _ev: &MarketEvent) -> Result<(), StrategyError> {
        if !self.placed {
            if let Some(bid) = ctx.best_bid() {
                ctx.buy(bid.price - 3, 1)?;
                self.placed = true;
            }
        }
        Ok(())
    }
}

/// [`OneRestingOrder`] that also keeps the touch of its book after every
/// event: for the checking run only, never timed.
#[derive(Default)]
struct TouchKeeper {
    order: OneRestingOrder,
    touch: Option<(i64, i64)>,
}

impl Strategy for TouchKeeper {
    fn on_market(&mut self, ctx: &mut Ctx<'_, '_>, ev: &MarketEvent) -> Result<(), StrategyError> {
        self.order.on_market(ctx, ev)?;
        self.touch = ctx
            .best_bid()
            .zip(ctx.best_ask())
            .map(|(b, a)| (b.price, a.price));
        Ok(())
    }
}

/// How the resting order ended in `record`.
fn outcome(record: &RunRecord) -> anyhow::Result<Outcome> {
    let order = record
        .orders
        .first()
        .ok_or_else(|| anyhow!("ticklab: the resting order was never sent"))?;
    let fill = record.fills.first();
    Ok(Outcome {
        events: record.data_events,
        price_ticks: order.price_ticks,
        fill_exch_ts: fill.map(|f| f.exch_ts_ns),
        fill_local_ts: fill.map(|f| f.local_ts_ns),
        touch_at_end: None,
    })
}

/// The engine over the day in memory with [`TouchKeeper`]: how the order
/// ended and the touch after the last event.
pub fn check_in_memory(
    instrument: &Instrument,
    config: &RunConfig,
    events: &[MarketEvent],
) -> anyhow::Result<Outcome> {
    let engine = Engine::from_slice(instrument.clone(), config, events)?;
    let mut runner = Runner::new(engine, TouchKeeper::default());
    runner.run()?;
    let touch = runner.strategy().touch;
    Ok(Outcome {
        touch_at_end: touch,
        ..outcome(&runner.into_record())?
    })
}

/// The engine alone over the day in memory (`Engine::from_slice`).
pub fn in_memory(
    instrument: &Instrument,
    config: &RunConfig,
    events: &[MarketEvent],
) -> anyhow::Result<Outcome> {
    let engine = Engine::from_slice(instrument.clone(), config, events)?;
    outcome(&run_to_end(engine, OneRestingOrder::default())?)
}

/// The day written as the one Parquet day file of a data folder.
pub struct DayFolder {
    /// The data folder (`<dir>/<SYMBOL>/<day>.parquet`).
    pub dir: PathBuf,
    /// The day as the library opens it.
    pub day: DayRun,
}

/// Writes `events` as the one day of a data folder in `dir` (as
/// `benches/cache_replay.rs` does).
pub fn write_day(
    dir: &Path,
    instrument: &Instrument,
    events: &[MarketEvent],
) -> anyhow::Result<DayFolder> {
    let symbol_dir = dir.join(&instrument.symbol);
    std::fs::create_dir_all(&symbol_dir)
        .with_context(|| format!("creating {}", symbol_dir.display()))?;
    std::fs::write(
        symbol_dir.join("instrument.toml"),
        instrument.to_toml_string("peer comparison instrument"),
    )
    .context("writing instrument.toml")?;
    write_events(
        symbol_dir.join("2026-03-02.parquet"),
        instrument,
        events.iter().copied(),
        &WriteOptions::default(),
    )?;
    Ok(DayFolder {
        dir: dir.to_path_buf(),
        day: open_day(dir, None, None)?,
    })
}

/// Caches beside the data (`.ticklab-cache/` in the data folder), where
/// `ticklab run` looks when `TICKLAB_CACHE_DIR` is not set.
pub fn cache_options() -> CacheOptions {
    CacheOptions {
        enabled: true,
        dir: None,
        fallback_dir: None,
    }
}

/// Builds the day's event cache as a first replay would (read the Parquet
/// file once with the cache writer tapping the loader), and checks that a
/// replay now finds it.
pub fn build_cache(day: &DayRun) -> anyhow::Result<()> {
    let options = cache_options();
    let mut notes = Vec::new();
    let plan = plan_replay(
        &day.file,
        &day.instrument,
        LocalTsPolicy::Error,
        &options,
        &mut notes,
    );
    if let ReplayPlan::Parquet { tap: Some(tap) } = plan {
        let loader = Loader::spawn_tapped(
            &day.file,
            &day.instrument,
            ReadOptions::default(),
            Some(Box::new(tap) as Box<dyn LoadTap>),
        )?;
        while let Some(batch) = loader.recv() {
            loader.recycle(batch?);
        }
        loader.finish()?;
    }
    match plan_replay(
        &day.file,
        &day.instrument,
        LocalTsPolicy::Error,
        &options,
        &mut notes,
    ) {
        ReplayPlan::Cached(_) => Ok(()),
        _ => bail!("the event cache was not written: {notes:?}"),
    }
}

/// The whole replay from the day's cache through the library's day-run
/// path: plan, map the cache, build the engine, run to the end.
pub fn cached(day: &DayRun, config: &RunConfig) -> anyhow::Result<Outcome> {
    let mut notes = Vec::new();
    let (engine, _) =
        day.engine_cached(config, ReadOptions::default(), &cache_options(), &mut notes)?;
    outcome(&run_to_end(engine, OneRestingOrder::default())?)
}

/// The `ticklab` binary: `TICKLAB_BIN`, else `target/release/ticklab` under
/// `CARGO_TARGET_DIR`, else `../../target/release/ticklab` (the repository's
/// own release build, seen from `benches/peer`).
pub fn find_binary() -> Option<PathBuf> {
    if let Some(bin) = std::env::var_os("TICKLAB_BIN").filter(|b| !b.is_empty()) {
        return Some(PathBuf::from(bin));
    }
    let candidates = [
        std::env::var_os("CARGO_TARGET_DIR").map(|d| PathBuf::from(d).join("release/ticklab")),
        Some(PathBuf::from("../../target/release/ticklab")),
    ];
    candidates.into_iter().flatten().find(|p| p.is_file())
}

/// `ticklab run --strategy noop --no-sandbox` on the data folder, end to
/// end as a subprocess (its summary and tables written to `out`).
pub fn cli_run(bin: &Path, folder: &DayFolder, out: &Path) -> anyhow::Result<()> {
    let output = Command::new(bin)
        .arg("run")
        .arg("--data")
        .arg(&folder.dir)
        .args(["--strategy", "noop", "--no-sandbox", "--force", "--out"])
        .arg(out)
        .env_remove("TICKLAB_CACHE_DIR")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .with_context(|| format!("starting {}", bin.display()))?;
    if !output.status.success() {
        bail!(
            "{} run failed ({}): {}",
            bin.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(())
}
