//! Command-line interface: argument parsing and one file per subcommand.

mod cache;
mod convert;
mod gui;
mod inspect;
mod monte_carlo;
mod run;
mod sample;
mod sandbox_check;
mod schema;
mod supervise;
mod sweep;
mod sweep_out;
mod sweep_pool;
mod sweep_walk;
mod worker;
mod worker_session;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// ticklab: step through the market tick by tick with a realistic exchange
/// simulator filling your strategy's orders.
#[derive(Debug, Parser)]
#[command(name = "ticklab", version, about, long_about = None)]
pub struct Cli {
    /// What to do; with none, ticklab opens the window.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Data folder to open in the window (default: `sample-data/`).
    pub path: Option<PathBuf>,
    /// The window reads every day from Parquet, without the event cache.
    #[arg(long)]
    pub no_cache: bool,
    /// The window's run configuration (`run.toml`), shown in its settings.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The strategy the window loads at once: a built-in name or a file.
    #[arg(long, value_name = "NAME_OR_FILE")]
    pub strategy: Option<String>,
    /// The Python environment (a virtual environment's folder) Python
    /// strategies import packages from, before `VIRTUAL_ENV`; the same as
    /// setting `TICKLAB_PYTHON_ENV`.
    #[arg(long, global = true, value_name = "DIR")]
    pub python_env: Option<PathBuf>,
    /// The window runs strategies inside its own process, without the
    /// sandbox (for debugging): a strategy can then crash or freeze it.
    #[arg(long)]
    pub no_sandbox: bool,
    /// The window's strategies keep the host's network.
    #[arg(long)]
    pub allow_network: bool,
    /// The window's worker's address-space limit (`4G`, `512M`; 0: none);
    /// default 4 GiB or half the machine's memory, whichever is less.
    #[arg(long, value_name = "SIZE", value_parser = ticklab::sandbox::parse_bytes)]
    pub memory_limit: Option<u64>,
}

/// The headless subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Generate the synthetic sample data folder.
    Sample(sample::SampleArgs),
    /// Show what a data folder or Parquet file holds, and the book at a time.
    Inspect(inspect::InspectArgs),
    /// Run a strategy over a day of data and write its results.
    Run(run::RunArgs),
    /// Run a strategy over a space of parameters: grid, random or genetic
    /// search, walk-forward, Monte Carlo of a finished run.
    Sweep(Box<sweep::SweepArgs>),
    /// Convert vendor data (Tardis, LOBSTER, Databento, CSV) into a data folder.
    Convert(convert::ConvertArgs),
    /// Print the JSON Schema of a file format (`rules`), for editors.
    Schema(schema::SchemaArgs),
    /// Build, clear or describe the event caches of a data folder.
    Cache(cache::CacheArgs),
    /// Show the strategy sandbox's protections and try to get past them.
    SandboxCheck(sandbox_check::SandboxCheckArgs),
    /// The strategy worker process (started by `run`, not by hand).
    #[command(hide = true)]
    Worker(worker::WorkerArgs),
    /// The window's session worker process (started by the window).
    #[command(hide = true)]
    WorkerSession(worker_session::WorkerSessionArgs),
}

/// Runs the chosen subcommand, or the window when there is none.
pub fn dispatch(cli: Cli) -> anyhow::Result<()> {
    if let Some(env) = &cli.python_env {
        // Named before any thread or the interpreter starts; worker
        // processes inherit it.
        let env = std::path::absolute(env).unwrap_or_else(|_| env.clone());
        std::env::set_var(ticklab::strategy::python::PYTHON_ENV, env);
    }
    match cli.command {
        Some(Command::Sample(args)) => sample::run(args),
        Some(Command::Inspect(args)) => inspect::run(args),
        Some(Command::Run(args)) => run::run(args),
        Some(Command::Sweep(args)) => sweep::run(*args),
        Some(Command::Convert(args)) => convert::run(args),
        Some(Command::Schema(args)) => schema::run(args),
        Some(Command::Cache(args)) => cache::run(args),
        Some(Command::SandboxCheck(args)) => sandbox_check::run(args),
        Some(Command::Worker(args)) => worker::run(args),
        Some(Command::WorkerSession(args)) => worker_session::run(args),
        None => gui::run(gui::GuiArgs {
            path: cli.path,
            no_cache: cli.no_cache,
            config: cli.config,
            strategy: cli.strategy,
            no_sandbox: cli.no_sandbox,
            allow_network: cli.allow_network,
            memory_limit: cli.memory_limit,
        }),
    }
}
