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
use ticklab::market::catalog::Day;
use ticklab::market::parquet::ReadOptions;
use ticklab::report::{self, OutputFormats, RecordWriter, Summary};
use ticklab::session::replay::{Goal, Progress};
use ticklab::session::{
    open_day, read_run_config, ErrorRecord, Replay, SessionOptions, StrategyChoice, Update,
};
use ticklab::sim::{ComputeLatency, LogRecord};
use ticklab::strategy::python::{self, format_data_time, PythonOptions};
use ticklab::strategy::rules;

/// Real time the run goes between two looks at its log lines and errors.
const SLICE: Duration = Duration::from_millis(50);

/// The text of a run's error: its message and, on the lines after, the
/// traceback or the chain of causes.
fn error_text(run_name: &str, error: &ErrorRecord) -> anyhow::Error {
    if error.detail.is_empty() {
        anyhow::anyhow!("{run_name}: {}", error.message)
    } else {
        anyhow::anyhow!("{run_name}: {}\n{}", error.message, error.detail)
    }
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
    /// Day to run, `YYYY-MM-DD`; may be omitted when there is one.
    #[arg(long)]
    pub day: Option<Day>,
    /// Built-in strategy name (`noop`, `mm`) or strategy file.
    #[arg(long)]
    pub strategy: String,
    /// Run configuration (`run.toml`): models, cash, risk limits, `[params]`.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Seed of the random models; overrides the configuration's.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Folder for summary.json, fills, equity and orders.
    #[arg(long, default_value = "out")]
    pub out: PathBuf,
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

/// Runs a strategy over a day and writes its results.
pub fn run(args: RunArgs) -> anyhow::Result<()> {
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
    let day = open_day(&args.data, args.symbol.as_deref(), args.day)?;
    let mut read = ReadOptions::default();
    if args.allow_local_before_exch {
        read = read.warn_on_local_ts();
    }
    let python_options = PythonOptions {
        allow_network: args.allow_network,
        write_dirs: vec![args.out.clone()],
        callback_budget: (args.callback_budget_ms > 0)
            .then(|| Duration::from_millis(args.callback_budget_ms)),
    };
    let is_python = choice.is_python();
    let formats = OutputFormats {
        parquet: true,
        csv: args.csv,
    };
    // Fills, order updates and equity samples go to their files as the run
    // produces them, so memory does not grow with the length of the day.
    let writer = Rc::new(RefCell::new(RecordWriter::create(
        &args.out,
        &day.instrument,
        config.initial_cash,
        formats,
    )?));
    // The same session the window drives, asked to run to the end, with
    // nothing collected for a window.
    let mut replay = Replay::new(SessionOptions {
        read,
        for_window: false,
        timing: !args.no_timing,
        ..SessionOptions::default()
    });
    let mut updates = VecDeque::new();
    let day_text = day.day.to_string();
    let run_name = format!(
        "run of {} on {} {}",
        args.strategy, day.instrument.symbol, day_text
    );
    let instrument = day.instrument.clone();
    let rows = day.rows;
    // A run that cannot start queues why; the first drain below reports it.
    replay.start_batch(
        day,
        choice,
        config.clone(),
        python_options,
        Box::new(Rc::clone(&writer)),
    );

    let progress = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new(rows);
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} {msg} [{bar:40}] {pos}/{len} events ({per_sec}, eta {eta})",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar.set_message(format!("{} {day_text}", instrument.symbol));
        bar
    } else {
        ProgressBar::hidden()
    };

    let mut log = RunLog::create(&args.out)?;
    let started = Instant::now();
    let mut last_shown = 0u64;
    let mut drive = || -> anyhow::Result<()> {
        loop {
            let progressed = replay.advance(Goal::End, SLICE);
            replay.drain_into(&mut updates);
            let mut failure = None;
            for update in updates.drain(..) {
                if let Update::Batch(batch) = update {
                    log.write_new(&batch.logs, &progress)?;
                    if failure.is_none() {
                        failure = batch.errors.into_iter().next();
                    }
                }
            }
            if let Some(error) = failure {
                return Err(error_text(&run_name, &error));
            }
            let seen = replay
                .runner()
                .map_or(0, |runner| runner.engine().exchange_events());
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
                Progress::Stopped => anyhow::bail!("{run_name}: the run stopped"),
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
    driven?;
    let log_path = log.finish()?;
    let elapsed = started.elapsed();

    let signals = replay.take_signal_feed();
    let data_events = replay
        .runner()
        .map_or(0, |runner| runner.engine().record().data_events);
    let compute_time = replay.runner().and_then(|runner| runner.compute_times());
    // The engine holds the writer as its sink until it is dropped.
    drop(replay);
    let writer = Rc::try_unwrap(writer)
        .map_err(|_| anyhow::anyhow!("the run still holds its output writer"))?
        .into_inner();
    let (mut stats, tables_written) = writer.finish(data_events)?;
    stats.compute_time = compute_time;
    let summary = Summary {
        symbol: &instrument.symbol,
        day: &day_text,
        strategy: &args.strategy,
        seed: config.seed,
        deterministic: config.compute.is_deterministic(),
        config: &config,
        stats: &stats,
    };
    let mut written = vec![report::write_summary(&args.out, &summary)?];
    written.extend(tables_written);
    let signals_written = match signals.map(|feed| feed.drain()) {
        Some(records) if !records.is_empty() => {
            let path = args.out.join("signals.jsonl");
            rules::write_jsonl_file(&path, &records)
                .with_context(|| format!("{}: cannot write", path.display()))?;
            Some(path)
        }
        _ => None,
    };

    let secs = elapsed.as_secs_f64().max(1e-9);
    println!(
        "{} {} with {}: {} events in {:.2} s ({:.1} M events/s)",
        instrument.symbol,
        day_text,
        args.strategy,
        data_events,
        secs,
        data_events as f64 / secs / 1e6
    );
    println!(
        "pnl {:.2} {} ({:+.4}%), fees {:.2}, fills {} (maker {}, taker {}), max drawdown {:.2}, final position {} lots",
        stats.pnl,
        instrument.currency,
        stats.return_pct,
        stats.fees,
        stats.fills,
        stats.maker_fills,
        stats.taker_fills,
        stats.max_drawdown,
        stats.final_position_lots
    );
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
    for path in written {
        println!("wrote {}", path.display());
    }
    println!("wrote {}", log_path.display());
    if let Some(path) = signals_written {
        println!("wrote {}", path.display());
    }
    Ok(())
}
