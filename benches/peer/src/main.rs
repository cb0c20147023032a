//! ticklab against hftbacktest 0.9.4 on the synthetic L2 day of ticklab's
//! benches: one resting buy order three ticks under the touch, placed at
//! the first event and left there, replayed to the end of the day.
//!
//! Cases, each timed best of `PEER_RUNS` (default 5) in this one process:
//!
//! 1. hftbacktest in memory (`HashMapMarketDepth` and `ROIVectorMarketDepth`);
//! 2. ticklab's engine in memory (`Engine::from_slice`);
//! 3. ticklab end to end from the day's event cache (the library's
//!    day-run path: plan, map, engine, run);
//! 4. `ticklab run --strategy noop --no-sandbox` on the same data folder,
//!    as a subprocess, when the binary is found (see `lab::find_binary`).
//!
//! `PEER_EVENTS` sets the day's length (default 5 000 000).
//! See README.md beside this file.

#[path = "../../common/mod.rs"]
mod common;
mod hbt;
mod lab;
mod measure;
mod outcome;

use anyhow::{bail, Context};
use ticklab::market::Instrument;

use measure::{best_of, CpuClock, Timing};
use outcome::Outcome;

/// Events in the day unless `PEER_EVENTS` says otherwise.
const DEFAULT_EVENTS: usize = 5_000_000;
/// Timed runs per case unless `PEER_RUNS` says otherwise.
const DEFAULT_RUNS: usize = 5;

/// A positive integer from the environment variable `name`, else `default`.
fn env_count(name: &str, default: usize) -> anyhow::Result<usize> {
    match std::env::var(name) {
        Ok(text) => match text.trim().replace('_', "").parse::<usize>() {
            Ok(n) if n > 0 => Ok(n),
            _ => bail!("{name}={text:?}: expected a positive integer"),
        },
        Err(_) => Ok(default),
    }
}

/// One line of the results table.
struct Row {
    name: String,
    timing: Timing,
}

const TABLE_HEADER: [&str; 5] = ["case", "M ev/s cpu", "M ev/s wall", "cpu s", "wall s"];

fn print_row(row: &Row) {
    let t = row.timing;
    println!(
        "{:<48} {:>11.1} {:>11.1} {:>8.3} {:>8.3}",
        row.name,
        t.cpu_rate(),
        t.wall_rate(),
        t.cpu.as_secs_f64(),
        t.wall.as_secs_f64(),
    );
}

/// Checks that two runs left the order (and the book) in the same state,
/// and says so.
fn agree(what: &str, a: &Outcome, b: &Outcome) -> bool {
    let same = a.price_ticks == b.price_ticks
        && a.fill_exch_ts == b.fill_exch_ts
        && a.fill_local_ts == b.fill_local_ts
        && (a.touch_at_end.is_none()
            || b.touch_at_end.is_none()
            || a.touch_at_end == b.touch_at_end);
    println!("  {what}: {}", if same { "same" } else { "DIFFERENT" });
    same
}

/// The ratios of the cases' rates, by `rate` (CPU or wall time).
fn print_ratios(rows: &[Row], clock: &str, rate: fn(&Timing) -> f64) {
    let of = |prefix: &str| {
        rows.iter()
            .find(|r| r.name.starts_with(prefix))
            .map(|r| rate(&r.timing))
    };
    let hbt_best = rows
        .iter()
        .filter(|r| r.name.starts_with("(1)"))
        .map(|r| rate(&r.timing))
        .fold(0.0_f64, f64::max);
    println!("Ratios by {clock} time (over hftbacktest's faster book, {hbt_best:.1} M ev/s):");
    for (label, prefix) in [
        ("ticklab in memory / hftbacktest in memory", "(2)"),
        ("ticklab cached    / hftbacktest in memory", "(3)"),
        ("ticklab run (CLI) / hftbacktest in memory", "(4)"),
    ] {
        if let Some(r) = of(prefix) {
            println!("  {label}: {:.2}x", r / hbt_best);
        }
    }
    if let (Some(cached), Some(mem)) = (of("(3)"), of("(2)")) {
        println!(
            "  ticklab cached    / ticklab in memory:     {:.2}x",
            cached / mem
        );
    }
}

fn main() -> anyhow::Result<()> {
    let n_events = env_count("PEER_EVENTS", DEFAULT_EVENTS)?;
    let runs = env_count("PEER_RUNS", DEFAULT_RUNS)?;
    let instrument = Instrument::new("BENCH", 0.01, 1.0);
    let config = common::config();

    println!(
        "ticklab vs hftbacktest 0.9.4: synthetic L2 day of {n_events} events, best of {runs} runs"
    );
    println!(
        "one resting buy 3 ticks under the touch; constant 0.5 ms entry and response latency;"
    );
    println!("risk-averse queue (ticklab RiskAverseQueue, hftbacktest RiskAdverseQueueModel)");
    println!();

    let events = common::synthetic_day(n_events);
    let hbt_events = hbt::convert(&events, &instrument)?;
    let hbt_day = hbt::Day::new(&hbt_events, &instrument);
    drop(hbt_events);

    let dir = tempfile::Builder::new()
        .prefix("ticklab-peer-")
        .tempdir()
        .context("a temporary data folder")?;
    eprintln!("writing the day as Parquet in {} ...", dir.path().display());
    let folder = lab::write_day(dir.path(), &instrument, &events)?;
    eprintln!("building its event cache ...");
    lab::build_cache(&folder.day)?;

    // What each simulator did with the order, checked before any timing.
    let hbt_hash = hbt_day.run(hbt::Depth::HashMap)?;
    let hbt_roi = hbt_day.run(hbt::Depth::RoiVector)?;
    let lab_mem = lab::check_in_memory(&instrument, &config, &events)?;
    let lab_cached = lab::cached(&folder.day, &config)?;
    println!("The resting order:");
    println!("  hftbacktest (HashMap): {hbt_hash}");
    println!("  hftbacktest (ROI):     {hbt_roi}");
    println!("  ticklab in memory:     {lab_mem}");
    println!("  ticklab cached:        {lab_cached}");
    let mut all_agree = agree("hftbacktest HashMap vs ROI", &hbt_hash, &hbt_roi);
    all_agree &= agree("ticklab in memory vs hftbacktest", &lab_mem, &hbt_hash);
    all_agree &= agree("ticklab cached vs in memory", &lab_cached, &lab_mem);
    if lab_mem.events != n_events as u64 || lab_cached.events != n_events as u64 {
        bail!(
            "ticklab replayed {} (memory) and {} (cache) events, not {n_events}",
            lab_mem.events,
            lab_cached.events
        );
    }
    println!();

    let bin = lab::find_binary();
    let out_dir = dir.path().join("out");
    if let Some(bin) = &bin {
        // An untimed first run: a binary with another cache version
        // rebuilds the cache here, not in a timed run.
        lab::cli_run(bin, &folder, &out_dir)?;
    }

    let mut rows = Vec::new();
    for depth in [hbt::Depth::HashMap, hbt::Depth::RoiVector] {
        let timing = best_of(runs, CpuClock::Process, || Ok(hbt_day.run(depth)?.events))?;
        rows.push(Row {
            name: format!("(1) hftbacktest in memory, {}", depth.name()),
            timing,
        });
    }
    let timing = best_of(runs, CpuClock::Process, || {
        Ok(lab::in_memory(&instrument, &config, &events)?.events)
    })?;
    rows.push(Row {
        name: "(2) ticklab engine in memory".to_owned(),
        timing,
    });
    let timing = best_of(runs, CpuClock::Process, || {
        Ok(lab::cached(&folder.day, &config)?.events)
    })?;
    rows.push(Row {
        name: "(3) ticklab end to end, cached day".to_owned(),
        timing,
    });
    match &bin {
        Some(bin) => {
            let timing = best_of(runs, CpuClock::Children, || {
                lab::cli_run(bin, &folder, &out_dir)?;
                Ok(n_events as u64)
            })?;
            rows.push(Row {
                name: "(4) `ticklab run --strategy noop`, cached".to_owned(),
                timing,
            });
        }
        None => println!(
            "(4) skipped: no ticklab binary (set TICKLAB_BIN, or build ../../target/release/ticklab)"
        ),
    }

    let [h0, h1, h2, h3, h4] = TABLE_HEADER;
    println!("{h0:<48} {h1:>11} {h2:>11} {h3:>8} {h4:>8}");
    for row in &rows {
        print_row(row);
    }
    println!();
    print_ratios(&rows, "cpu", Timing::cpu_rate);
    print_ratios(&rows, "wall", Timing::wall_rate);
    if !all_agree {
        bail!("the simulators disagree on the resting order (see above)");
    }
    Ok(())
}
