//! `ticklab sweep`: a strategy over a space of parameters and
//! run-configuration fields, each run in its own sandboxed worker process,
//! `--jobs` at a time; one results table, best first. Also walk-forward
//! folds (`--walk-forward`) and Monte Carlo of a finished run
//! (`--monte-carlo`).

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Instant;

use clap::{Args, ValueEnum};
use ticklab::analyzer::{
    self, BaseConfig, Constraint, Objective, Planner, ResultRow, RowStatus, Search, Space,
    SweepError,
};
use ticklab::market::catalog::{Catalog, Day};
use ticklab::market::day_range::{span_ns_from_text, DaySelection};

use super::supervise::SandboxArgs;
use super::sweep_out::{
    open_out, prepare_caches, progress_bar, report, run_batch, write_table, write_wall_times,
    BatchStats,
};
use super::sweep_pool::{RunTemplate, TABLES};

/// How the space is searched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SearchKind {
    /// Every point of the grid.
    Grid,
    /// `--samples` points drawn with `--seed`.
    Random,
    /// A genetic search: `--population`, `--generations`, `--seed`.
    Genetic,
}

/// Arguments of `ticklab sweep`.
#[derive(Debug, Args)]
pub struct SweepArgs {
    /// Data folder (`<folder>/<SYMBOL>/<YYYY-MM-DD>.parquet`).
    #[arg(long, default_value = "sample-data")]
    pub data: PathBuf,
    /// Instrument symbol; may be omitted when the folder has one.
    #[arg(long)]
    pub symbol: Option<String>,
    /// Days each run runs over, on one clock: a date `YYYY-MM-DD`, a comma
    /// list, a range `2026-03-02..2026-03-06` or `all`; with
    /// `--walk-forward`, the days cut into folds (default: all). May be
    /// omitted when there is one.
    #[arg(long)]
    pub day: Option<String>,
    /// Data before each run's first day replayed with trading disabled,
    /// as `ticklab run --warmup` (`2h`, `1d`).
    #[arg(long, value_name = "LENGTH", value_parser = span_ns_from_text)]
    pub warmup: Option<i64>,
    /// Built-in strategy name (`noop`, `mm`) or strategy file.
    #[arg(long)]
    pub strategy: Option<String>,
    /// Run configuration (`run.toml`) every run starts from; its `[sweep]`
    /// table adds axes to the space.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Class to run from a Python strategy file.
    #[arg(long = "class", value_name = "NAME")]
    pub class: Option<String>,
    /// An axis of values: a strategy parameter or a run-configuration
    /// field by its dotted path (`--grid queue.model=risk_averse,prob_log`).
    #[arg(long, value_name = "KEY=V1,V2,...")]
    pub grid: Vec<String>,
    /// An axis of evenly spaced values, both ends included
    /// (`--range max_ahead=0.2..1.0:0.2`).
    #[arg(long, value_name = "KEY=FROM..TO:STEP")]
    pub range: Vec<String>,
    /// How the space is searched.
    #[arg(long, value_enum, default_value_t = SearchKind::Grid)]
    pub search: SearchKind,
    /// Points of a random search.
    #[arg(long, value_name = "N")]
    pub samples: Option<usize>,
    /// Points per generation of a genetic search.
    #[arg(long, value_name = "P")]
    pub population: Option<usize>,
    /// Generations of a genetic search.
    #[arg(long, value_name = "G")]
    pub generations: Option<u32>,
    /// Seed of the random and genetic searches and of the Monte Carlo.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// The summary statistic to optimise, `max:` or `min:` before it to
    /// say which way (drawdowns and fees are minimised by default).
    #[arg(long, default_value = "sharpe")]
    pub objective: String,
    /// A condition every counted run must meet, e.g. `max_drawdown_pct<5`.
    #[arg(long, value_name = "CONDITION")]
    pub require: Vec<String>,
    /// Runs at once, each its own worker process; 0: one per core.
    #[arg(long, default_value_t = 0)]
    pub jobs: usize,
    /// Walk-forward folds over the days: `train=5d,test=1d`, with
    /// `,anchored` to keep the first day.
    #[arg(long, value_name = "train=Nd,test=Md")]
    pub walk_forward: Option<String>,
    /// Monte Carlo of the finished run `--run`: this many resamples of its
    /// round trips.
    #[arg(long, value_name = "N")]
    pub monte_carlo: Option<usize>,
    /// With `--monte-carlo`: the finished run's folder.
    #[arg(long, value_name = "FOLDER")]
    pub run: Option<PathBuf>,
    /// With `--monte-carlo`: extra slippage charged on every lot of every
    /// round trip, ticks.
    #[arg(long, default_value_t = 0.0)]
    pub slippage_ticks: f64,
    /// The sweep's folder: results, `runs/<id>/`, `configs/<id>.toml`.
    /// Rerunning into it skips the runs already done.
    #[arg(long, default_value = "out/sweep")]
    pub out: PathBuf,
    /// Also write each run's tables as CSV.
    #[arg(long)]
    pub csv: bool,
    /// The tables each run keeps in its folder: `all`, `none`, or some of
    /// `fills,equity,orders,trades` (a walk-forward keeps `equity`).
    #[arg(long, value_name = "TABLES", default_value = "all")]
    pub keep: String,
    /// Read the data from Parquet, without the event cache.
    #[arg(long)]
    pub no_cache: bool,
    /// Let Python strategies use the network.
    #[arg(long)]
    pub allow_network: bool,
    /// Wall-clock budget of one Python callback, ms (0: no limit).
    #[arg(long, value_name = "N", default_value_t = 2000)]
    pub callback_budget_ms: u64,
    /// Keep events whose local_ts is before exch_ts (counted).
    #[arg(long)]
    pub allow_local_before_exch: bool,
    /// The workers' sandbox.
    #[command(flatten)]
    pub sandbox: SandboxArgs,
}

/// What the sweep's runs share, ready to run.
pub(crate) struct Prepared {
    pub planner: Planner,
    pub objective: Objective,
    pub constraints: Vec<Constraint>,
    pub days: Vec<Day>,
    pub template: RunTemplate,
    pub jobs: usize,
}

/// Runs `ticklab sweep`.
pub fn run(args: SweepArgs) -> anyhow::Result<()> {
    if let Some(samples) = args.monte_carlo {
        return super::monte_carlo::run(&args, samples);
    }
    let prepared = prepare(&args)?;
    if let Some(walk) = &args.walk_forward {
        let walk = analyzer::walkforward::WalkForward::parse(walk)?;
        return super::sweep_walk::run(&args, prepared, walk);
    }
    sweep(&args, prepared)
}

/// Checks everything and builds the planner, before any run.
pub(crate) fn prepare(args: &SweepArgs) -> anyhow::Result<Prepared> {
    if args.sandbox.no_sandbox {
        anyhow::bail!("--no-sandbox: a sweep runs each run in a sandboxed worker process");
    }
    let strategy = args.strategy.as_deref().ok_or_else(|| {
        anyhow::anyhow!("--strategy: give the strategy to sweep (a built-in name or a file)")
    })?;
    let objective = Objective::parse(&args.objective)?;
    let constraints = args
        .require
        .iter()
        .map(|text| Constraint::parse(text))
        .collect::<Result<Vec<_>, _>>()?;
    let search = search_of(args)?;
    if args.walk_forward.is_some() && matches!(search, Search::Genetic { .. }) {
        return Err(SweepError::new(
            "--walk-forward",
            "optimises each fold with --search grid or random",
        )
        .into());
    }
    let base = BaseConfig::read(args.config.as_deref(), strategy)?;
    let space = Space::parse(base.sweep_table(), &args.grid, &args.range)?;
    let days = days_of(args)?;
    // Each run of a plain sweep runs over the days asked for, on one clock.
    let day = match (&args.walk_forward, &args.day, days.as_slice()) {
        (Some(_), _, _) => None,
        (None, Some(text), _) => Some(text.clone()),
        (None, None, [only]) => Some(only.to_string()),
        (None, None, _) => None,
    };
    let identity = identity(args, strategy);
    let planner = Planner::new(
        base,
        space,
        search,
        objective.clone(),
        constraints.clone(),
        identity,
        day,
    )?;
    let jobs = match args.jobs {
        0 => std::thread::available_parallelism().map_or(1, std::num::NonZero::get),
        n => n,
    };
    let template = RunTemplate {
        out: args.out.clone(),
        common: common_argv(args, strategy),
        keep: keep_of(args)?,
    };
    Ok(Prepared {
        planner,
        objective,
        constraints,
        days,
        template,
        jobs,
    })
}

fn search_of(args: &SweepArgs) -> Result<Search, SweepError> {
    let unused =
        |flag: &str, search: &str| SweepError::new(flag, format!("applies to --search {search}"));
    match args.search {
        SearchKind::Grid => {
            if args.samples.is_some() {
                return Err(unused("--samples", "random"));
            }
            if args.population.is_some() || args.generations.is_some() {
                return Err(unused("--population and --generations", "genetic"));
            }
            Ok(Search::Grid)
        }
        SearchKind::Random => Ok(Search::Random {
            samples: args.samples.ok_or_else(|| {
                SweepError::new(
                    "--search random",
                    "give the number of points with --samples N",
                )
            })?,
            seed: args.seed,
        }),
        SearchKind::Genetic => Ok(Search::Genetic {
            population: args
                .population
                .ok_or_else(|| SweepError::new("--search genetic", "give --population P"))?,
            generations: args
                .generations
                .ok_or_else(|| SweepError::new("--search genetic", "give --generations G"))?,
            seed: args.seed,
        }),
    }
}

/// The tables `--keep` keeps.
fn keep_of(args: &SweepArgs) -> Result<Vec<String>, SweepError> {
    let mut keep: Vec<String> = match args.keep.as_str() {
        "all" => TABLES.iter().map(|t| (*t).to_owned()).collect(),
        "none" => Vec::new(),
        list => list
            .split(',')
            .map(str::trim)
            .map(|table| {
                if TABLES.contains(&table) {
                    Ok(table.to_owned())
                } else {
                    Err(SweepError::new(
                        format!("--keep {list}"),
                        format!(
                            "{table:?} is not a table; write all, none, or some of {}",
                            TABLES.join(",")
                        ),
                    ))
                }
            })
            .collect::<Result<_, _>>()?,
    };
    if args.walk_forward.is_some() && !keep.iter().any(|t| t == "equity") {
        keep.push("equity".to_owned());
    }
    Ok(keep)
}

/// The days the sweep runs on, oldest first: those of `--day` (a date, a
/// list, a range or `all`) that the (first) symbol has.
fn days_of(args: &SweepArgs) -> anyhow::Result<Vec<Day>> {
    let catalog = Catalog::open(&args.data)?;
    let symbols = || {
        let names: Vec<&str> = catalog
            .instruments
            .iter()
            .map(|i| i.instrument.symbol.as_str())
            .collect();
        names.join(", ")
    };
    let first_symbol = args
        .symbol
        .as_deref()
        .map(|list| list.split(',').next().unwrap_or(list).trim());
    let data = match first_symbol {
        Some(symbol) => catalog.instrument(symbol).ok_or_else(|| {
            anyhow::anyhow!(
                "--symbol {symbol}: {} has no such symbol; it has: {}",
                args.data.display(),
                symbols()
            )
        })?,
        None => match catalog.instruments.as_slice() {
            [only] => only,
            _ => anyhow::bail!(
                "--symbol: {} has several symbols, choose one: {}",
                args.data.display(),
                symbols()
            ),
        },
    };
    let all: Vec<Day> = data.days.iter().map(|d| d.day).collect();
    match args.day.as_deref() {
        Some(text) => {
            let selection: DaySelection = text
                .parse()
                .map_err(|err| anyhow::anyhow!("--day {text}: {err}"))?;
            let resolved = selection.resolve(&all).map_err(|err| {
                anyhow::anyhow!("--day {text}: {}: {err}", data.instrument.symbol)
            })?;
            Ok(resolved.days)
        }
        None if args.walk_forward.is_some() || all.len() == 1 => Ok(all),
        None => anyhow::bail!(
            "--day: {} has several days, choose a date, a list, a range or all: {}",
            data.instrument.symbol,
            all.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// What the runs share besides their configuration, for their hash: the
/// strategy (and its file's text), class and data.
fn identity(args: &SweepArgs, strategy: &str) -> String {
    let text = std::fs::read_to_string(strategy).unwrap_or_default();
    let data = std::path::absolute(&args.data).unwrap_or_else(|_| args.data.clone());
    format!(
        "{strategy}\n{}\n{}\n{}\n{text}",
        args.class.as_deref().unwrap_or(""),
        data.display(),
        args.symbol.as_deref().unwrap_or("")
    )
}

/// The `ticklab run` arguments every run shares.
fn common_argv(args: &SweepArgs, strategy: &str) -> Vec<OsString> {
    let mut argv: Vec<OsString> = vec![
        "--data".into(),
        args.data.as_os_str().to_owned(),
        "--strategy".into(),
        strategy.into(),
    ];
    let mut pair = |flag: &str, value: String| {
        argv.push(flag.into());
        argv.push(value.into());
    };
    if let Some(symbol) = &args.symbol {
        pair("--symbol", symbol.clone());
    }
    if let Some(class) = &args.class {
        pair("--class", class.clone());
    }
    if let Some(warmup_ns) = args.warmup {
        // Lengths are whole milliseconds at the finest.
        pair("--warmup", format!("{}ms", warmup_ns / 1_000_000));
    }
    pair("--callback-budget-ms", args.callback_budget_ms.to_string());
    pair("--cpu-limit-secs", args.sandbox.cpu_limit_secs.to_string());
    pair(
        "--callback-grace-ms",
        args.sandbox.callback_grace_ms.to_string(),
    );
    if let Some(bytes) = args.sandbox.memory_limit {
        pair("--memory-limit", bytes.to_string());
    }
    for (on, flag) in [
        (args.csv, "--csv"),
        (args.no_cache, "--no-cache"),
        (args.allow_network, "--allow-network"),
        (args.allow_local_before_exch, "--allow-local-before-exch"),
    ] {
        if on {
            argv.push(flag.into());
        }
    }
    argv
}

fn sweep(args: &SweepArgs, mut prepared: Prepared) -> anyhow::Result<()> {
    open_out(args)?;
    prepare_caches(&prepared, args);
    let total = match prepared.planner_search() {
        Search::Grid => prepared.planner.space().size(),
        Search::Random { samples, .. } => samples.min(prepared.planner.space().size()),
        Search::Genetic {
            population,
            generations,
            ..
        } => population * generations as usize,
    };
    let progress = progress_bar(total as u64);
    let started = Instant::now();
    let mut rows: Vec<ResultRow> = Vec::new();
    let mut stats = BatchStats::default();
    loop {
        let plans = prepared.planner.next_runs(&rows)?;
        if plans.is_empty() {
            break;
        }
        run_batch(&prepared, &plans, &mut rows, &progress, &mut stats);
    }
    progress.finish_and_clear();
    let ranked = write_table(&prepared, &rows)?;
    write_wall_times(&args.out, &stats)?;
    report(&prepared, &ranked, &stats, started.elapsed().as_secs_f64());
    println!("wrote {}", args.out.join("results.parquet").display());
    println!("wrote {}", args.out.join("results.csv").display());
    if !ranked.is_empty() && ranked.iter().all(|row| row.status == RowStatus::Failed) {
        anyhow::bail!(
            "every run of the sweep failed; see the `error` column of {}",
            args.out.join("results.csv").display()
        );
    }
    Ok(())
}

impl Prepared {
    fn planner_search(&self) -> Search {
        self.planner.search()
    }
}
