//! Cost of running a strategy in Python, over a synthetic 1 M-event L2 day
//! held in memory.
//!
//! - `native_noop`: the engine alone (a Rust strategy that does nothing).
//! - `python_on_market`: a Python `on_market` reading the best bid and ask
//!   on every event, the run holding the interpreter throughout (as
//!   `ticklab run` does).
//! - `python_on_market_attach_per_callback`: the same, attaching to the
//!   interpreter for each callback (a session that does not hold it).
//! - `python_on_bbo`: a Python `on_bbo` reading the same, called only when
//!   the touch changes.
//! - `python_on_market_timed`: `python_on_market` with every callback
//!   timed, as `ticklab run` does unless `--no-timing`.
//! - `bare_method_call`: in the same interpreter, a Python loop calling an
//!   empty method `m(a, b)` 1 M times: the yardstick of the per-event cost.
//!
//! With `PY_BENCH_QUICK=N` it runs each N times, prints the best time per
//! event, and compares with a bare Python loop calling an empty method
//! 1 M times in the same interpreter; otherwise it runs the criterion
//! benchmarks (the same comparison, one criterion line each).
//! `PY_BENCH_PROFILE=N` runs only `python_on_market`, N times, for a
//! profiler.

mod common;
use common::{config, synthetic_day};

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Instant;

use criterion::{Criterion, Throughput};

use ticklab::market::{Instrument, MarketEvent};
use ticklab::sim::{Engine, RunConfig, RunRecord};
use ticklab::strategy::native::NoOp;
use ticklab::strategy::python::{attached, PythonOptions, PythonSpec, PythonStrategy};
use ticklab::strategy::{run_to_end, Runner, Strategy};

const DAY_EVENTS: usize = 1_000_000;

const ON_MARKET: &str = r#"
from ticklab import Strategy

class Touch(Strategy):
    def on_market(self, ctx, ev):
        book = ctx.book
        bid = book.best_bid
        ask = book.best_ask
"#;

const ON_BBO: &str = r#"
from ticklab import Strategy

class Touch(Strategy):
    calls = 0

    def on_bbo(self, ctx, ev):
        book = ctx.book
        bid = book.best_bid
        ask = book.best_ask
        self.calls += 1

    def on_finish(self, ctx):
        ctx.log(self.calls)
"#;

/// Times, in the strategy's own interpreter, a loop calling an empty
/// method 1 M times with no arguments and with two (as a callback gets).
const BARE_LOOP: &str = r#"
import time
from ticklab import Strategy

class Empty:
    def m(self):
        pass

    def m2(self, a, b):
        pass

class Bare(Strategy):
    def on_start(self, ctx):
        e, n = Empty(), 1_000_000
        best0 = best2 = float("inf")
        for _ in range(5):
            t = time.perf_counter()
            for _ in range(n):
                e.m()
            best0 = min(best0, time.perf_counter() - t)
            t = time.perf_counter()
            for _ in range(n):
                e.m2(ctx, e)
            best2 = min(best2, time.perf_counter() - t)
        ctx.log(best0 / n * 1e9, best2 / n * 1e9)
"#;

/// A loop calling an empty method 1 M times with two arguments, once.
const BARE_ONCE: &str = r#"
from ticklab import Strategy

class Empty:
    def m2(self, a, b):
        pass

class Bare(Strategy):
    def on_start(self, ctx):
        e = Empty()
        for _ in range(1_000_000):
            e.m2(ctx, e)
"#;

/// The benchmark's data and strategy files.
struct Setup {
    events: Vec<MarketEvent>,
    instrument: Instrument,
    config: RunConfig,
    _dir: tempfile::TempDir,
    on_market: PathBuf,
    on_bbo: PathBuf,
    bare_loop: PathBuf,
    bare_once: PathBuf,
}

impl Setup {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("temporary folder");
        let write = |name: &str, source: &str| {
            let path = dir.path().join(name);
            std::fs::write(&path, source).expect("strategy file");
            path
        };
        Setup {
            events: synthetic_day(DAY_EVENTS),
            instrument: Instrument::new("BENCH", 0.01, 1.0),
            config: config(),
            on_market: write("on_market.py", ON_MARKET),
            on_bbo: write("on_bbo.py", ON_BBO),
            bare_loop: write("bare_loop.py", BARE_LOOP),
            bare_once: write("bare_once.py", BARE_ONCE),
            _dir: dir,
        }
    }

    fn run(&self, strategy: impl Strategy) -> RunRecord {
        let engine = Engine::from_slice(self.instrument.clone(), &self.config, &self.events)
            .expect("valid config");
        run_to_end(engine, strategy).expect("run")
    }

    /// [`Setup::run`] with every callback timed.
    fn run_timed(&self, strategy: impl Strategy) -> RunRecord {
        let engine = Engine::from_slice(self.instrument.clone(), &self.config, &self.events)
            .expect("valid config");
        let mut runner = Runner::new(engine, strategy);
        runner.set_timing(true);
        runner.run().expect("run");
        runner.into_record()
    }

    /// Runs `strategy` over no data: its `on_start` only.
    fn run_start_only(&self, strategy: impl Strategy) {
        let engine =
            Engine::from_slice(self.instrument.clone(), &self.config, &[]).expect("valid config");
        run_to_end(engine, strategy).expect("run");
    }

    fn python(path: &Path) -> PythonStrategy {
        PythonStrategy::new(
            PythonSpec {
                path: path.to_path_buf(),
                class: None,
                params: toml::Table::new(),
            },
            PythonOptions::default(),
        )
    }
}

fn python_overhead(c: &mut Criterion) {
    let setup = Setup::new();
    let mut group = c.benchmark_group("python_day_1m");
    group.sample_size(10);
    group.throughput(Throughput::Elements(setup.events.len() as u64));
    group.bench_function("native_noop", |b| {
        b.iter(|| black_box(setup.run(NoOp).data_events));
    });
    group.bench_function("python_on_market", |b| {
        b.iter(|| attached(|| black_box(setup.run(Setup::python(&setup.on_market)).data_events)));
    });
    group.bench_function("python_on_market_attach_per_callback", |b| {
        b.iter(|| black_box(setup.run(Setup::python(&setup.on_market)).data_events));
    });
    group.bench_function("python_on_bbo", |b| {
        b.iter(|| attached(|| black_box(setup.run(Setup::python(&setup.on_bbo)).data_events)));
    });
    group.bench_function("python_on_market_timed", |b| {
        b.iter(|| {
            attached(|| black_box(setup.run_timed(Setup::python(&setup.on_market)).data_events))
        });
    });
    // 1 M calls: the same element count as the day's events.
    group.bench_function("bare_method_call", |b| {
        b.iter(|| attached(|| setup.run_start_only(Setup::python(&setup.bare_once))));
    });
    group.finish();
}

/// Best wall time of `runs` runs of `f`, seconds.
fn best_secs(runs: usize, mut f: impl FnMut()) -> f64 {
    (0..runs.max(1))
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed().as_secs_f64()
        })
        .fold(f64::MAX, f64::min)
}

fn quick(runs: usize) {
    let setup = Setup::new();
    let n = setup.events.len() as f64;
    let ns_per_event = |secs: f64| secs / n * 1e9;
    let engine = best_secs(runs, || {
        black_box(setup.run(NoOp));
    });
    let on_market = best_secs(runs, || {
        attached(|| black_box(setup.run(Setup::python(&setup.on_market))));
    });
    let on_market_timed = best_secs(runs, || {
        attached(|| black_box(setup.run_timed(Setup::python(&setup.on_market))));
    });
    let per_callback = best_secs(runs, || {
        black_box(setup.run(Setup::python(&setup.on_market)));
    });
    let mut bbo_calls = 0_u64;
    let on_bbo = best_secs(runs, || {
        attached(|| {
            let record = setup.run(Setup::python(&setup.on_bbo));
            bbo_calls = record
                .logs
                .first()
                .and_then(|l| l.text.parse().ok())
                .unwrap_or(0);
        });
    });
    let bare = attached(|| setup.run(Setup::python(&setup.bare_loop)));
    let bare: Vec<f64> = bare
        .logs
        .first()
        .map(|l| l.text.split(' ').filter_map(|x| x.parse().ok()).collect())
        .unwrap_or_default();
    let (bare0, bare2) = (
        bare.first().copied().unwrap_or(f64::NAN),
        bare.get(1).copied().unwrap_or(f64::NAN),
    );

    println!("{} events, best of {runs}:", setup.events.len());
    println!(
        "  native noop (engine alone)          {:7.1} ns/event",
        ns_per_event(engine)
    );
    println!(
        "  python on_market, held interpreter  {:7.1} ns/event ({:.2} M callbacks/s)",
        ns_per_event(on_market),
        n / on_market / 1e6
    );
    println!(
        "  python on_market, timed             {:7.1} ns/event",
        ns_per_event(on_market_timed)
    );
    println!(
        "  python on_market, attach per call   {:7.1} ns/event ({:.2} M callbacks/s)",
        ns_per_event(per_callback),
        n / per_callback / 1e6
    );
    println!(
        "  python on_bbo, held interpreter     {:7.1} ns/event ({bbo_calls} calls)",
        ns_per_event(on_bbo)
    );
    println!("  bare Python loop, empty method m()      {bare0:7.1} ns/call");
    println!("  bare Python loop, empty method m(a, b)  {bare2:7.1} ns/call");
    println!(
        "  on_market per event / bare m() call: {:.2}x; / bare m(a, b) call: {:.2}x; \
         python part alone (minus engine) / bare m(a, b): {:.2}x",
        ns_per_event(on_market) / bare0,
        ns_per_event(on_market) / bare2,
        (ns_per_event(on_market) - ns_per_event(engine)) / bare2
    );
}

/// Runs only the held-interpreter `on_market` strategy, `runs` times: a
/// target for a profiler (`valgrind --tool=callgrind`).
fn profile(runs: usize) {
    let setup = Setup::new();
    for _ in 0..runs.max(1) {
        attached(|| black_box(setup.run(Setup::python(&setup.on_market))));
    }
}

/// The criterion benchmarks.
fn benches() {
    let mut criterion = Criterion::default().configure_from_args();
    python_overhead(&mut criterion);
}

fn main() {
    let runs = |name: &str| std::env::var(name).ok().and_then(|n| n.parse().ok());
    if let Some(n) = runs("PY_BENCH_PROFILE") {
        profile(n);
    } else if let Some(n) = runs("PY_BENCH_QUICK") {
        quick(n);
    } else {
        benches();
        Criterion::default().configure_from_args().final_summary();
    }
}
