//! `ticklab run`: a strategy over a day of data, headless.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use ticklab::market::cache::CacheOptions;
use ticklab::market::day_range::{span_ns_from_text, DaySelection};
use ticklab::market::parquet::ReadOptions;
use ticklab::report::RunFolder;
use ticklab::run::{Finished, HeadlessRun, HostStop, RunHost, RunSpec};
use ticklab::session::{read_run_config, StrategyChoice};
use ticklab::sim::ComputeLatency;
use ticklab::strategy::python::{self, PythonOptions};

/// The environment variable that names the run's folder (where its files
/// are written until it ends) to the strategy.
pub(crate) const OUT_ENV: &str = "TICKLAB_OUT";

/// Arguments of `ticklab run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Data folder (`<folder>/<SYMBOL>/<YYYY-MM-DD>.parquet`), symbol folder or file.
    #[arg(long, default_value = "sample-data")]
    pub data: PathBuf,
    /// Instrument symbol; may be omitted when the folder has one.
    #[arg(long)]
    pub symbol: Option<String>,
    /// Days to run: a date `YYYY-MM-DD`, a comma list, a range
    /// `2026-03-02..2026-03-06` or `all`; may be omitted when there is one.
    /// One clock runs through them: position, cash, orders and timers carry
    /// over midnight.
    #[arg(long, value_name = "DAYS")]
    pub day: Option<DaySelection>,
    /// Data before the first day replayed to the strategy with trading
    /// disabled (orders rejected, reason `warmup`), e.g. `2h`, `30m`, `1d`;
    /// the statistics start after it.
    #[arg(long, value_name = "LENGTH", value_parser = span_ns_from_text)]
    pub warmup: Option<i64>,
    /// Built-in strategy name (`noop`, `mm`) or strategy file.
    #[arg(long)]
    pub strategy: String,
    /// Run configuration (`run.toml`): models, cash, risk limits, `[params]`.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Seed of the random models; overrides the configuration's.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Folder for summary.json, fills, equity and orders; it must be absent
    /// or empty unless `--force`.
    #[arg(long, default_value = "out")]
    pub out: PathBuf,
    /// Replace a non-empty `--out` folder whole.
    #[arg(long)]
    pub force: bool,
    /// Set in a sandboxed worker: `out` is the fresh folder the parent made
    /// for the run, which the parent renames to this `--out` when it ends.
    #[arg(skip)]
    pub in_place_of: Option<PathBuf>,
    /// Also write the tables as CSV.
    #[arg(long)]
    pub csv: bool,
    /// Keep events whose local_ts is before exch_ts (counted) instead of failing.
    #[arg(long)]
    pub allow_local_before_exch: bool,
    /// Class to run from a Python strategy file (default: its one
    /// `ticklab.Strategy` subclass).
    #[arg(long = "class", value_name = "NAME")]
    pub class: Option<String>,
    /// Let a Python strategy use the network (refused by default).
    #[arg(long)]
    pub allow_network: bool,
    /// Wall-clock budget of one Python callback, ms; a callback running
    /// longer is interrupted and the run stops (0: no limit).
    #[arg(long, value_name = "N", default_value_t = 2000)]
    pub callback_budget_ms: u64,
    /// Read the day from Parquet, without the event cache.
    #[arg(long)]
    pub no_cache: bool,
    /// The strategy worker's sandbox.
    #[command(flatten)]
    pub sandbox: super::supervise::SandboxArgs,
    /// Do not time the strategy's callbacks (no compute_time in the
    /// summary; not allowed with `latency.compute = "measured"`).
    #[arg(long)]
    pub no_timing: bool,
}

/// Runs a strategy over a day and writes its results: in a sandboxed
/// worker process, or here with `--no-sandbox`.
pub fn run(args: RunArgs) -> anyhow::Result<()> {
    if args.sandbox.no_sandbox {
        eprintln!("ticklab run: --no-sandbox: the strategy runs inside this process, unsandboxed");
        run_here(args)
    } else {
        super::supervise::run(&args)
    }
}

/// `ticklab run`'s side of a headless run: warnings and log lines to
/// stderr (above the progress bar), the bar on a terminal, a Python
/// strategy's run holding the interpreter throughout.
struct CliHost {
    progress: ProgressBar,
    last_shown: u64,
}

impl RunHost for CliHost {
    fn note(&mut self, text: &str) {
        self.progress.suspend(|| eprintln!("{text}"));
    }

    fn log_line(&mut self, line: &str) {
        self.progress.suspend(|| eprintln!("{line}"));
    }

    fn between_slices(&mut self, seen_events: u64, _total_events: u64) -> Result<(), HostStop> {
        if seen_events - self.last_shown >= 65_536 {
            self.progress.set_position(seen_events);
            self.last_shown = seen_events;
        }
        Ok(())
    }
}

/// Runs a strategy over a day in this process and writes its results.
///
/// Everything goes to a fresh folder beside `--out`, renamed to `--out`
/// when the run ends, so that `--out` never mixes two runs. A run that
/// fails still writes every row up to the failure and a `summary.json`
/// saying where and why, then returns the error.
pub(crate) fn run_here(args: RunArgs) -> anyhow::Result<()> {
    // A sandboxed worker writes into the fresh folder its parent made.
    let folder = match &args.in_place_of {
        Some(_) => None,
        None => Some(RunFolder::create(&args.out, args.force)?),
    };
    let out = folder
        .as_ref()
        .map_or_else(|| args.out.clone(), |folder| folder.path().to_owned());
    // The one folder a Python strategy may write to, named for it before
    // anything starts a thread or the interpreter (which copies the
    // environment when it starts).
    std::env::set_var(OUT_ENV, &out);
    let mut config = read_run_config(args.config.as_deref())?;
    let params = config.params.clone();
    if let Some(seed) = args.seed {
        config.seed = seed;
    }
    if args.no_timing && config.compute == ComputeLatency::Measured {
        anyhow::bail!(
            "--no-timing cannot be used with latency.compute = \"measured\": the compute time is the callbacks' measured time"
        );
    }
    let choice = StrategyChoice::parse(&args.strategy, &params)?.with_class(args.class.clone())?;
    let mut read = ReadOptions::default();
    if args.allow_local_before_exch {
        read = read.warn_on_local_ts();
    }
    let spec = RunSpec {
        data: args.data.clone(),
        symbol: args.symbol.clone(),
        day: args.day.clone(),
        warmup_ns: args.warmup,
        strategy: choice,
        strategy_label: args.strategy.clone(),
        config,
        config_name: args
            .config
            .as_deref()
            .map_or_else(|| "run.toml".to_owned(), |p| p.display().to_string()),
        out: out.clone(),
        csv: args.csv,
        read,
        cache: if args.no_cache {
            CacheOptions::disabled()
        } else {
            CacheOptions::from_env()
        },
        timing: !args.no_timing,
        python: PythonOptions {
            allow_network: args.allow_network,
            write_dirs: vec![out.clone()],
            callback_budget: (args.callback_budget_ms > 0)
                .then(|| Duration::from_millis(args.callback_budget_ms)),
            guard_rails: true,
        },
    };
    let mut host = CliHost {
        progress: ProgressBar::hidden(),
        last_shown: 0,
    };
    let mut run = HeadlessRun::start(spec, &mut host)?;
    if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new(run.total_events());
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} {msg} [{bar:40}] {pos}/{len} events ({per_sec}, eta {eta})",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar.set_message(format!("{} {}", run.symbols_text(), run.days_text()));
        host.progress = bar;
    }
    // A Python strategy keeps the interpreter for the whole run instead of
    // attaching for every callback.
    if run.python_strategy() {
        python::attached(|| run.drive(&mut host));
    } else {
        run.drive(&mut host);
    }
    host.progress.finish_and_clear();
    let finished = run.finish(&mut host)?;
    let target = match folder {
        Some(folder) => folder.commit()?,
        None => args.in_place_of.clone().unwrap_or_else(|| out.clone()),
    };
    print_finished(&finished, &target);
    match finished.failure_text(&target) {
        None => Ok(()),
        Some(text) => Err(anyhow::anyhow!(text)),
    }
}

/// The lines `ticklab run` prints when a run ends: speed, result, compute
/// time, the files written.
fn print_finished(finished: &Finished, target: &Path) {
    let stats = &finished.stats;
    let secs = finished.elapsed.as_secs_f64().max(1e-9);
    println!(
        "{} {} with {}: {} events in {:.2} s ({:.1} M events/s)",
        finished.symbols_text,
        finished.days_text,
        finished.strategy_label,
        finished.data_events,
        secs,
        finished.data_events as f64 / secs / 1e6
    );
    let return_pct = stats
        .return_pct
        .map_or_else(|| "n/a".to_owned(), |pct| format!("{pct:+.4}%"));
    println!(
        "pnl {:.2} {} ({return_pct}), fees {:.2}, fills {} (maker {}, taker {}), max drawdown {:.2}, final position {} lots",
        stats.pnl,
        finished.instruments[0].currency,
        stats.fees,
        stats.fills,
        stats.maker_fills,
        stats.taker_fills,
        stats.max_drawdown,
        stats.final_position_lots
    );
    println!("{}", stats.trades.line());
    if let Some(times) = &stats.compute_time {
        for line in times.lines() {
            println!("compute time {line}");
        }
    }
    if !finished.config.compute.is_deterministic() {
        println!(
            "latency.compute = \"{}\": the fills depend on this machine's speed; the run is not deterministic",
            finished.config.compute
        );
    }
    for path in &finished.written {
        if let Some(name) = path.file_name() {
            println!("wrote {}", target.join(name).display());
        }
    }
}
