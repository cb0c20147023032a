//! `ticklab run`: a strategy over a day of data, headless.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use ticklab::market::cache::CacheOptions;
use ticklab::market::day_range::{span_ns_from_text, DaySelection};
use ticklab::market::parquet::ReadOptions;
use ticklab::market::Instrument;
use ticklab::report::{
    self, OutputFormats, RecordWriter, RunFailure, RunFolder, RunSpan, RunStatus, SpanGap, Summary,
    SymbolStats, WarmupSpan,
};
use ticklab::session::replay::{Goal, Progress};
use ticklab::session::{
    open_instruments, read_run_config, DayRun, ErrorRecord, Replay, SessionOptions, StrategyChoice,
    Update,
};
use ticklab::sim::{ComputeLatency, LogRecord, RecordSink};
use ticklab::strategy::python::{self, format_data_time, PythonOptions};
use ticklab::strategy::rules;

/// The environment variable that names the run's folder (where its files
/// are written until it ends) to the strategy.
pub(crate) const OUT_ENV: &str = "TICKLAB_OUT";

/// Real time the run goes between two looks at its log lines and errors.
const SLICE: Duration = Duration::from_millis(50);

/// The text of a run's error: its message, where it happened and, on the
/// lines after, the traceback or the chain of causes.
fn error_text(run_name: &str, error: &RunFailure, out: &Path) -> anyhow::Error {
    let at = match (&error.data_time, error.event_index) {
        (Some(time), Some(index)) => format!(" (at {time}, event {index})"),
        (None, Some(index)) => format!(" (at event {index})"),
        _ => String::new(),
    };
    let mut text = format!(
        "{run_name}: {}{at}; the rows up to it are in {}",
        error.message,
        out.display()
    );
    if !error.detail.is_empty() {
        text.push('\n');
        text.push_str(error.detail.trim_end());
    }
    anyhow::anyhow!(text)
}

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

/// The strategy's log lines, written as they appear to stderr and to
/// `log.txt` in the output folder.
struct RunLog {
    file: BufWriter<File>,
    path: PathBuf,
}

impl RunLog {
    fn create(out: &Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(out)
            .with_context(|| format!("{}: cannot create", out.display()))?;
        let path = out.join("log.txt");
        let file =
            File::create(&path).with_context(|| format!("{}: cannot create", path.display()))?;
        Ok(RunLog {
            file: BufWriter::new(file),
            path,
        })
    }

    /// Writes `logs`, the lines the run logged since the last call.
    fn write_new(&mut self, logs: &[LogRecord], progress: &ProgressBar) -> anyhow::Result<()> {
        for record in logs {
            let line = format!(
                "{} [{}] {}",
                format_data_time(record.ts_ns),
                record.event_index,
                record.text
            );
            progress.suspend(|| eprintln!("{line}"));
            writeln!(self.file, "{line}")
                .with_context(|| format!("{}: cannot write", self.path.display()))?;
        }
        Ok(())
    }

    fn finish(mut self) -> anyhow::Result<PathBuf> {
        self.file
            .flush()
            .with_context(|| format!("{}: cannot write", self.path.display()))?;
        Ok(self.path)
    }
}

/// How the drive of a run ended early: the session's error, or one of
/// writing the log.
enum Stop {
    Run(ErrorRecord),
    Other(anyhow::Error),
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
    let runs = open_instruments(
        &args.data,
        args.symbol.as_deref(),
        args.day.as_ref(),
        args.warmup,
    )?;
    let Some(day) = runs.first().cloned() else {
        anyhow::bail!("{}: no instrument to run", args.data.display());
    };
    for warning in runs.iter().flat_map(|run| &run.warnings) {
        eprintln!("{warning}");
    }
    let instruments: Vec<Instrument> = runs.iter().map(|run| run.instrument.clone()).collect();
    let account_currency = instruments[0].currency.clone();
    let mut fx_rates = Vec::new();
    for inst in &instruments {
        let Some(rate) = config.fx_rate(&inst.currency, &account_currency) else {
            anyhow::bail!(
                "{} is in {} and {} in {}: give a fixed rate in the run configuration, e.g. \
                 [fx] {} = 1.0 (units of {} per {}; ticklab simulates no FX)",
                instruments[0].symbol,
                account_currency,
                inst.symbol,
                inst.currency,
                inst.currency,
                account_currency,
                inst.currency
            );
        };
        fx_rates.push(rate);
    }
    let names: Vec<&str> = instruments.iter().map(|i| i.symbol.as_str()).collect();
    if let Some(unknown) = config.unknown_instruments(&names).first() {
        anyhow::bail!(
            "{}: [instruments.{unknown}]: {unknown} is not an instrument of this run; it has: {}",
            args.config
                .as_deref()
                .map_or_else(|| "run.toml".to_owned(), |p| p.display().to_string()),
            names.join(", ")
        );
    }
    let span = run_span(&runs);
    if let Some(span) = &span {
        for gap in &span.gaps {
            eprintln!(
                "{}: no data from {} to {}: a gap in time; position, cash and orders carry over",
                gap.symbol, gap.from, gap.to
            );
        }
    }
    let mut read = ReadOptions::default();
    if args.allow_local_before_exch {
        read = read.warn_on_local_ts();
    }
    let python_options = PythonOptions {
        allow_network: args.allow_network,
        write_dirs: vec![out.clone()],
        callback_budget: (args.callback_budget_ms > 0)
            .then(|| Duration::from_millis(args.callback_budget_ms)),
        guard_rails: true,
    };
    let is_python = choice.is_python();
    let formats = OutputFormats {
        parquet: true,
        csv: args.csv,
    };
    // Fills, order updates and equity samples go to their files as the run
    // produces them, so memory does not grow with the length of the day.
    let mut writer =
        RecordWriter::create_instruments(&out, &instruments, config.initial_cash, formats)?;
    if span.as_ref().is_some_and(|span| span.days.len() > 1) {
        writer.track_days();
    }
    writer.set_fx_rates(&fx_rates);
    let writer = Rc::new(RefCell::new(writer));
    // The same session the window drives, asked to run to the end, with
    // nothing collected for a window.
    let mut replay = Replay::new(SessionOptions {
        read,
        cache: if args.no_cache {
            CacheOptions::disabled()
        } else {
            CacheOptions::from_env()
        },
        for_window: false,
        timing: !args.no_timing,
        ..SessionOptions::default()
    });
    let mut updates = VecDeque::new();
    let day_text = day.day.to_string();
    let days_text = match &span {
        Some(span) if span.days.len() > 1 => {
            format!("{}..{}", span.days[0], span.days[span.days.len() - 1])
        }
        _ => day_text.clone(),
    };
    let symbols_text = instruments
        .iter()
        .map(|i| i.symbol.as_str())
        .collect::<Vec<_>>()
        .join(",");
    let run_name = format!("run of {} on {} {}", args.strategy, symbols_text, days_text);
    let instrument = day.instrument.clone();
    let rows = runs.iter().map(|run| run.rows).sum();
    // A run that cannot start queues why; the first drain below reports it.
    if runs.len() > 1 {
        let sinks = (0..runs.len())
            .map(|i| Box::new(RecordWriter::sink_of(&writer, i)) as Box<dyn RecordSink>)
            .collect();
        replay.start_batch_instruments(runs, choice, config.clone(), python_options, sinks);
    } else {
        replay.start_batch(
            day,
            choice,
            config.clone(),
            python_options,
            Box::new(Rc::clone(&writer)),
        );
    }

    let progress = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new(rows);
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} {msg} [{bar:40}] {pos}/{len} events ({per_sec}, eta {eta})",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar.set_message(format!("{symbols_text} {days_text}"));
        bar
    } else {
        ProgressBar::hidden()
    };

    let mut log = RunLog::create(&out)?;
    let started = Instant::now();
    let mut last_shown = 0u64;
    let mut drive = || -> Result<(), Stop> {
        loop {
            let progressed = replay.advance(Goal::End, SLICE);
            replay.drain_into(&mut updates);
            let mut failure = None;
            for update in updates.drain(..) {
                if let Update::Batch(batch) = update {
                    for note in &batch.notes {
                        progress.suspend(|| eprintln!("{note}"));
                    }
                    log.write_new(&batch.logs, &progress).map_err(Stop::Other)?;
                    if failure.is_none() {
                        failure = batch.errors.into_iter().next();
                    }
                }
            }
            if let Some(error) = failure {
                return Err(Stop::Run(error));
            }
            let seen = replay.runner().map_or(0, |runner| {
                std::iter::once(runner.engine())
                    .chain(runner.other_engines())
                    .map(|engine| engine.exchange_events())
                    .sum()
            });
            if seen - last_shown >= 65_536 {
                progress.set_position(seen);
                last_shown = seen;
            }
            if writer.borrow().failed() {
                // The error is reported when the writer finishes.
                return Ok(());
            }
            match progressed {
                Progress::Budget | Progress::Reached => {}
                Progress::Finished => return Ok(()),
                Progress::Stopped => {
                    return Err(Stop::Other(anyhow::anyhow!("the run stopped")));
                }
            }
        }
    };
    // A Python strategy keeps the interpreter for the whole run instead of
    // attaching for every callback.
    let driven = if is_python {
        python::attached(drive)
    } else {
        drive()
    };
    progress.finish_and_clear();
    let elapsed = started.elapsed();
    let (now_ns, events_seen) = (replay.now_ns(), replay.events_seen());
    let mut failure = match driven {
        Ok(()) => None,
        Err(Stop::Run(error)) => Some(RunFailure {
            message: error.message,
            detail: error.detail,
            event_index: error.event_index,
            ts_ns: error.ts_ns,
            data_time: error.ts_ns.map(format_data_time),
        }),
        Err(Stop::Other(err)) => Some(failure_at(&err, now_ns, events_seen)),
    };
    let log_path = match log.finish() {
        Ok(path) => Some(path),
        Err(err) => {
            failure.get_or_insert_with(|| failure_at(&err, now_ns, events_seen));
            None
        }
    };

    let crossed = replay.crossed_book();
    if let Some(first) = &crossed.first {
        eprintln!(
            "warning: {first}; {} batches ended with the book crossed (crossed_book = \"warn\")",
            crossed.batches
        );
    }
    let signals = replay.take_signal_feed();
    let events_of = |engine: &ticklab::sim::Engine<'_>| {
        if failure.is_none() {
            engine.record().data_events
        } else {
            engine.exchange_events()
        }
    };
    let data_events_by_symbol: Vec<u64> = replay.runner().map_or_else(Vec::new, |runner| {
        std::iter::once(runner.engine())
            .chain(runner.other_engines())
            .map(events_of)
            .collect()
    });
    let data_events = data_events_by_symbol.iter().sum();
    let compute_time = replay.runner().and_then(|runner| runner.compute_times());
    // The engine holds the writer as its sink until it is dropped.
    drop(replay);
    let writer = Rc::try_unwrap(writer)
        .map_err(|_| anyhow::anyhow!("the run still holds its output writer"))?
        .into_inner();
    let mut stats = writer.stats(data_events);
    stats.crossed_batches = crossed.batches;
    stats.compute_time = compute_time;
    let mut span = span;
    if let Some(span) = span.as_mut() {
        span.by_day = writer.stats_by_day();
        if span.by_day.len() >= 2 {
            let days_per_year = config.days_per_year.unwrap_or(365);
            let (sharpe, sortino) =
                report::daily_ratios(&span.by_day, config.initial_cash, f64::from(days_per_year));
            stats.sharpe = sharpe;
            stats.sortino = sortino;
            span.ratios = Some(format!("daily returns, {days_per_year} days a year"));
        }
    }
    if let Some(span) = span.as_mut().filter(|_| instruments.len() > 1) {
        span.by_symbol = instruments
            .iter()
            .zip(writer.stats_by_instrument(&data_events_by_symbol))
            .map(|(instrument, stats)| SymbolStats {
                symbol: instrument.symbol.clone(),
                stats,
            })
            .collect();
    }
    // The rows up to a failure are written too: the files are closed
    // whole either way.
    let tables_written = match writer.finish() {
        Ok(paths) => paths,
        Err(err) => {
            let err = anyhow::Error::new(err);
            failure.get_or_insert_with(|| failure_at(&err, now_ns, events_seen));
            Vec::new()
        }
    };
    let summary = Summary {
        status: if failure.is_some() {
            RunStatus::Failed
        } else {
            RunStatus::Ok
        },
        error: failure.as_ref(),
        symbol: &instrument.symbol,
        day: &day_text,
        span: span.as_ref(),
        strategy: &args.strategy,
        seed: config.seed,
        deterministic: config.compute.is_deterministic(),
        config: &config,
        stats: &stats,
    };
    let mut written = vec![report::write_summary(&out, &summary)?];
    if let Some(times) = &stats.compute_time {
        let path = out.join("timing.json");
        let json = serde_json::to_string_pretty(times).context("timing.json")? + "\n";
        std::fs::write(&path, json).with_context(|| format!("{}: cannot write", path.display()))?;
        written.push(path);
    }
    written.extend(tables_written);
    written.extend(log_path);
    match signals.map(|feed| feed.drain()) {
        Some(records) if !records.is_empty() => {
            let path = out.join("signals.jsonl");
            rules::write_jsonl_file(&path, &records)
                .with_context(|| format!("{}: cannot write", path.display()))?;
            written.push(path);
        }
        _ => {}
    }
    let target = match folder {
        Some(folder) => folder.commit()?,
        None => args.in_place_of.clone().unwrap_or_else(|| out.clone()),
    };

    let secs = elapsed.as_secs_f64().max(1e-9);
    println!(
        "{} {} with {}: {} events in {:.2} s ({:.1} M events/s)",
        symbols_text,
        days_text,
        args.strategy,
        data_events,
        secs,
        data_events as f64 / secs / 1e6
    );
    let return_pct = stats
        .return_pct
        .map_or_else(|| "n/a".to_owned(), |pct| format!("{pct:+.4}%"));
    println!(
        "pnl {:.2} {} ({return_pct}), fees {:.2}, fills {} (maker {}, taker {}), max drawdown {:.2}, final position {} lots",
        stats.pnl,
        instrument.currency,
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
    if !config.compute.is_deterministic() {
        println!(
            "latency.compute = \"{}\": the fills depend on this machine's speed; the run is not deterministic",
            config.compute
        );
    }
    for path in &written {
        if let Some(name) = path.file_name() {
            println!("wrote {}", target.join(name).display());
        }
    }
    match failure {
        None => Ok(()),
        Some(failure) => Err(error_text(&run_name, &failure, &target)),
    }
}

/// What `summary.json` says of the days and instruments of a run over more
/// than one day or instrument, or with a warm-up; `None` for a plain day of
/// one instrument, whose summary stays as it was.
fn run_span(runs: &[DayRun]) -> Option<RunSpan> {
    let first = runs.first()?;
    let mut traded: Vec<_> = runs
        .iter()
        .flat_map(|run| run.days.iter().filter(|d| !d.warmup).map(|d| d.day))
        .collect();
    traded.sort_unstable();
    traded.dedup();
    let gaps: Vec<SpanGap> = runs
        .iter()
        .flat_map(|run| {
            run.gaps.iter().map(|gap| SpanGap {
                symbol: run.instrument.symbol.clone(),
                from: gap.from.to_string(),
                to: gap.to.to_string(),
            })
        })
        .collect();
    if traded.len() <= 1 && first.warmup.is_none() && gaps.is_empty() && runs.len() == 1 {
        return None;
    }
    let mut warmup_days: Vec<_> = runs
        .iter()
        .flat_map(|run| run.days.iter().filter(|d| d.warmup).map(|d| d.day))
        .collect();
    warmup_days.sort_unstable();
    warmup_days.dedup();
    Some(RunSpan {
        symbols: if runs.len() > 1 {
            runs.iter()
                .map(|run| run.instrument.symbol.clone())
                .collect()
        } else {
            Vec::new()
        },
        days: traded.iter().map(ToString::to_string).collect(),
        gaps,
        by_day: Vec::new(),
        ratios: None,
        warmup: first.warmup.map(|warmup| WarmupSpan {
            days: warmup_days.iter().map(ToString::to_string).collect(),
            from_ns: warmup.from_ns,
            trading_from_ns: warmup.trading_from_ns,
        }),
        by_symbol: Vec::new(),
    })
}

/// A failure that is not the session's, at the run's time and event.
fn failure_at(err: &anyhow::Error, now_ns: i64, events_seen: u64) -> RunFailure {
    let ts_ns = (now_ns != i64::MIN).then_some(now_ns);
    RunFailure {
        message: format!("{err:#}"),
        detail: String::new(),
        event_index: Some(events_seen),
        ts_ns,
        data_time: ts_ns.map(format_data_time),
    }
}
