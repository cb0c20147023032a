//! The run's writer against the engine alone, on the synthetic 5 M-event L2
//! day of `engine_throughput` with the native market maker: the run with
//! its rows kept in memory, the same run writing its tables as it goes (what
//! `ticklab run` does after reading the data), and the writer alone given
//! the rows of that run.

mod common;
use common::{config, synthetic_day};

use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

use criterion::{Criterion, Throughput};

use ticklab::market::{Instrument, MarketEvent};
use ticklab::report::{OutputFormats, RecordWriter};
use ticklab::sim::{Engine, RecordSink, RunConfig, RunRecord};
use ticklab::strategy::native::MarketMaker;
use ticklab::strategy::run_to_end;

const DAY_EVENTS: usize = 5_000_000;

/// The market maker over `events`, rows kept in memory.
fn in_memory(instrument: &Instrument, config: &RunConfig, events: &[MarketEvent]) -> RunRecord {
    let engine = Engine::from_slice(instrument.clone(), config, events).expect("valid config");
    run_to_end(engine, MarketMaker::default()).expect("run")
}

/// The market maker over `events`, its rows written to `out` as they come;
/// returns the fills written.
fn written(instrument: &Instrument, config: &RunConfig, events: &[MarketEvent], out: &Path) -> u64 {
    let writer = std::rc::Rc::new(std::cell::RefCell::new(
        RecordWriter::create(
            out,
            instrument,
            config.initial_cash,
            OutputFormats::default(),
        )
        .expect("the writer starts"),
    ));
    let mut engine = Engine::from_slice(instrument.clone(), config, events).expect("valid config");
    engine.set_record_sink(Box::new(std::rc::Rc::clone(&writer)));
    let record = run_to_end(engine, MarketMaker::default()).expect("run");
    let writer = std::rc::Rc::try_unwrap(writer)
        .ok()
        .expect("the run is over")
        .into_inner();
    let fills = writer.stats(record.data_events).fills;
    writer.finish().expect("the tables are written");
    fills
}

/// The rows of `record` through the writer alone; returns the rows.
fn writer_only(record: &RunRecord, instrument: &Instrument, out: &Path) -> usize {
    let mut writer = RecordWriter::create(
        out,
        instrument,
        record.initial_cash,
        OutputFormats::default(),
    )
    .expect("the writer starts");
    for update in &record.orders {
        writer.order(update);
    }
    for fill in &record.fills {
        writer.fill(fill);
    }
    for sample in &record.equity {
        writer.equity(sample);
    }
    writer.finish().expect("the tables are written");
    record.orders.len() + record.fills.len() + record.equity.len()
}

/// CPU time of the whole process (every thread), s.
fn process_cpu_secs() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // Fields after the command name: state is field 3; utime and stime are
    // fields 14 and 15, in clock ticks (100 per second on Linux).
    let after = stat.rsplit_once(") ").map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

/// Runs `f` `runs` times; the best wall time and the process CPU time of
/// that run, s.
fn best_of(runs: usize, mut f: impl FnMut() -> usize) -> (f64, f64, usize) {
    let mut best = (f64::MAX, 0.0, 0);
    for _ in 0..runs.max(1) {
        let cpu = process_cpu_secs();
        let wall = Instant::now();
        let out = f();
        let secs = wall.elapsed().as_secs_f64();
        if secs < best.0 {
            best = (secs, process_cpu_secs() - cpu, out);
        }
    }
    best
}

/// With `WRITER_BENCH_QUICK=N`, runs each case N times and prints the best
/// wall-clock rate and the CPU time the process used in that run (all
/// threads: on a busy machine the CPU rate is the one to compare);
/// otherwise runs the criterion benchmarks.
fn quick(runs: usize) {
    let events = synthetic_day(DAY_EVENTS);
    let n = events.len() as f64;
    let instrument = Instrument::new("BENCH", 0.01, 1.0);
    let config = config();
    let dir = tempfile::tempdir().expect("a temporary folder");
    let record = in_memory(&instrument, &config, &events);
    println!(
        "rows of the market maker's day: {} orders, {} fills, {} equity",
        record.orders.len(),
        record.fills.len(),
        record.equity.len()
    );
    let (secs, cpu, _) = best_of(runs, || {
        in_memory(&instrument, &config, &events).fills.len()
    });
    println!(
        "market_maker in memory: {:.1} M events/s ({secs:.2} s; cpu {cpu:.2} s, {:.1} M events/cpu-s)",
        n / secs / 1e6,
        n / cpu / 1e6
    );
    let in_memory_rate = n / secs;
    let (secs, cpu, _) = best_of(runs, || {
        written(&instrument, &config, &events, dir.path()) as usize
    });
    println!(
        "market_maker written: {:.1} M events/s ({secs:.2} s; cpu {cpu:.2} s, {:.1} M events/cpu-s), {:.0} % of in memory",
        n / secs / 1e6,
        n / cpu / 1e6,
        n / secs / in_memory_rate * 100.0
    );
    let (secs, cpu, rows) = best_of(runs, || writer_only(&record, &instrument, dir.path()));
    println!(
        "writer alone: {:.1} M rows/s ({rows} rows in {secs:.2} s, cpu {cpu:.2} s)",
        rows as f64 / secs / 1e6
    );
}

fn writer_throughput(c: &mut Criterion) {
    let events = synthetic_day(DAY_EVENTS);
    let instrument = Instrument::new("BENCH", 0.01, 1.0);
    let config = config();
    let dir = tempfile::tempdir().expect("a temporary folder");
    let record = in_memory(&instrument, &config, &events);
    let mut group = c.benchmark_group("writer_day_5m");
    group.sample_size(10);
    group.throughput(Throughput::Elements(events.len() as u64));
    group.bench_function("market_maker_in_memory", |b| {
        b.iter(|| black_box(in_memory(&instrument, &config, &events).fills.len()));
    });
    group.bench_function("market_maker_written", |b| {
        b.iter(|| black_box(written(&instrument, &config, &events, dir.path())));
    });
    group.bench_function("writer_alone", |b| {
        b.iter(|| black_box(writer_only(&record, &instrument, dir.path())));
    });
    group.finish();
}

fn main() {
    match std::env::var("WRITER_BENCH_QUICK")
        .ok()
        .and_then(|n| n.parse().ok())
    {
        Some(runs) => quick(runs),
        None => {
            let mut criterion = Criterion::default().configure_from_args();
            writer_throughput(&mut criterion);
            criterion.final_summary();
        }
    }
}
