//! `ticklab sweep` on every core: a 16-run sweep of the market maker on a
//! generated day with `--jobs 1` and `--jobs 2` (the ratio is the scaling
//! on two cores), and 32 runs of a 3-event day, whose time per run is what
//! a sweep costs beyond the runs themselves (starting a sandboxed worker,
//! its configuration, reading its summary).

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use criterion::Criterion;
use tempfile::TempDir;
use ticklab::market::parquet::{write_events, WriteOptions};
use ticklab::market::sample::{generate, SampleSpec};
use ticklab::market::{Instrument, MarketEvent, Side};

/// A data folder with one generated ACME day of about `events` events.
fn generated(events: u64) -> TempDir {
    let root = TempDir::new().expect("a temporary folder");
    let spec = SampleSpec::stock().with_target_events(events);
    let dir = root.path().join(spec.symbol());
    std::fs::create_dir(&dir).expect("a folder");
    std::fs::write(
        dir.join("instrument.toml"),
        spec.instrument.to_toml_string("bench"),
    )
    .expect("instrument.toml");
    write_events(
        dir.join(format!("{}.parquet", spec.day)),
        &spec.instrument,
        generate(&spec, 7),
        &WriteOptions::default(),
    )
    .expect("the day");
    root
}

/// A data folder with one day of three book events.
fn tiny() -> TempDir {
    let root = TempDir::new().expect("a temporary folder");
    let dir = root.path().join("TINY");
    std::fs::create_dir(&dir).expect("a folder");
    let instrument = Instrument::new("TINY", 1.0, 1.0);
    std::fs::write(
        dir.join("instrument.toml"),
        instrument.to_toml_string("bench"),
    )
    .expect("instrument.toml");
    let t0 = 1_772_445_600_000_000_000;
    let events = [
        MarketEvent::depth(t0, Side::Buy, 100, 10),
        MarketEvent::depth(t0, Side::Sell, 102, 10),
        MarketEvent::depth(t0 + 1_000_000_000, Side::Sell, 101, 10),
    ];
    write_events(
        dir.join("2026-03-02.parquet"),
        &instrument,
        events,
        &WriteOptions::default(),
    )
    .expect("the day");
    root
}

/// Wall time of one sweep into a fresh folder.
fn sweep(data: &Path, extra: &[&str], jobs: usize) -> Duration {
    let out = TempDir::new().expect("a temporary folder");
    let started = Instant::now();
    let status = Command::new(env!("CARGO_BIN_EXE_ticklab"))
        .arg("sweep")
        .arg("--data")
        .arg(data)
        .args(extra)
        .args(["--jobs", &jobs.to_string(), "--out"])
        .arg(out.path().join("s"))
        .stdout(std::process::Stdio::null())
        .status()
        .expect("ticklab runs");
    let elapsed = started.elapsed();
    assert!(status.success(), "the sweep failed");
    elapsed
}

fn sweep_scaling(c: &mut Criterion) {
    let day = generated(200_000);
    let mm = [
        "--strategy",
        "mm",
        "--grid",
        "qty_lots=1,2,3,4",
        "--grid",
        "max_position_lots=5,10,20,40",
        "--objective",
        "pnl",
    ];
    let mut group = c.benchmark_group("sweep_mm_16_runs");
    group.sample_size(10);
    for jobs in [1, 2] {
        group.bench_function(format!("jobs_{jobs}"), |b| {
            b.iter_custom(|iterations| (0..iterations).map(|_| sweep(day.path(), &mm, jobs)).sum());
        });
    }
    group.finish();

    let tiny = tiny();
    let runs = ["--strategy", "mm", "--range", "seed=1..32:1"];
    let mut group = c.benchmark_group("sweep_overhead_32_runs");
    group.sample_size(10);
    group.bench_function("jobs_1", |b| {
        b.iter_custom(|iterations| (0..iterations).map(|_| sweep(tiny.path(), &runs, 1)).sum());
    });
    group.finish();
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    sweep_scaling(&mut criterion);
    criterion.final_summary();
}
