//! `ticklab worker` (hidden): the process that runs a strategy, started by
//! `ticklab run` and `ticklab sandbox-check`, never by hand.
//!
//! Its standard input is a local socket to the parent: the worker takes it
//! as its message channel (and reads `/dev/null` as standard input from
//! then on), applies the sandbox while it has one thread, says which
//! protections are on, starts its heartbeat and then does the run exactly
//! as `ticklab run --no-sandbox` does, into the folder it is given.

use std::ffi::OsString;
use std::fs::File;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::Context;
use clap::{Args, Parser};
use ticklab::market::cache::{adopt_handover, cache_paths, CacheHandover, CacheOptions};
use ticklab::sandbox::{self, Limits, Plan};
use ticklab::session::{open_instruments, read_run_config};
use ticklab::sim::{LatencyConfig, RunConfig};
use ticklab::worker::{heartbeat, printed, FrameWriter, WorkerMessage};

use super::run::{self, RunArgs};
use super::sandbox_check;

/// Arguments of `ticklab worker`.
#[derive(Debug, Args)]
pub struct WorkerArgs {
    /// The folder to write the run's files in (made by the parent).
    #[arg(long)]
    pub out: PathBuf,
    /// Probe the sandbox (`ticklab sandbox-check`) instead of running:
    /// a folder the worker must not reach, holding `secret.txt`.
    #[arg(long)]
    pub probe_outside: Option<PathBuf>,
    /// With `--probe-outside`: a port on 127.0.0.1 the parent listens on.
    #[arg(long, default_value_t = 0)]
    pub probe_port: u16,
    /// The page shared with the parent where the strategy's activity is
    /// marked, for the exact event of a death.
    #[arg(long)]
    pub activity: Option<PathBuf>,
    /// The event caches the parent writes while this run replays them,
    /// and the days it reads from Parquet without a cache (JSON).
    #[arg(long, value_name = "JSON")]
    pub cache_handover: Option<String>,
    /// The arguments of `ticklab run`.
    #[arg(last = true)]
    pub run: Vec<OsString>,
}

/// `ticklab run`'s arguments alone, as the worker reads them.
#[derive(Debug, Parser)]
#[command(name = "ticklab run")]
struct RunLine {
    #[command(flatten)]
    args: RunArgs,
}

/// `ticklab run`'s arguments from `argv` (without the program name), as
/// the worker will read them.
pub(crate) fn parse_run_args(argv: &[OsString]) -> anyhow::Result<RunArgs> {
    let line = std::iter::once(OsString::from("ticklab run")).chain(argv.iter().cloned());
    Ok(RunLine::try_parse_from(line)?.args)
}

type Channel = Arc<Mutex<FrameWriter<UnixStream>>>;

/// Runs the worker; its outcome goes to the parent over the channel.
pub fn run(args: WorkerArgs) -> anyhow::Result<()> {
    // The worker ends with its parent, whatever happens to the parent.
    let _ = rustix::process::set_parent_process_death_signal(Some(rustix::process::Signal::KILL));
    let channel: Channel = Arc::new(Mutex::new(FrameWriter::new(take_channel()?)));
    let outcome = work(args, &channel);
    let message = match &outcome {
        Ok(()) => WorkerMessage::Finished,
        Err(err) => WorkerMessage::Failed {
            message: format!("{err:#}"),
        },
    };
    let sent = match channel.lock() {
        Ok(mut writer) => writer.send(&message).map_err(anyhow::Error::from),
        Err(_) => Err(anyhow::anyhow!("the channel to ticklab is unusable")),
    };
    match (outcome, sent) {
        (Ok(()), sent) => sent,
        // The parent has the error and reports it once.
        (Err(_), Ok(())) => std::process::exit(1),
        (Err(err), Err(_)) => Err(err),
    }
}

/// Standard input, a socket to the parent, as the channel; standard input
/// becomes `/dev/null` so that nothing the strategy reads takes its bytes.
pub(crate) fn take_channel() -> anyhow::Result<UnixStream> {
    let fd = rustix::io::dup(std::io::stdin()).context("the worker has no channel to ticklab")?;
    let null = File::open("/dev/null").context("/dev/null: cannot open")?;
    rustix::stdio::dup2_stdin(&null).context("cannot replace standard input")?;
    Ok(UnixStream::from(fd))
}

fn work(args: WorkerArgs, channel: &Channel) -> anyhow::Result<()> {
    if let Some(page) = &args.activity {
        ticklab::worker::activity_page::adopt(page)
            .with_context(|| format!("{}: cannot share the activity", page.display()))?;
    }
    let line = std::iter::once(OsString::from("ticklab run")).chain(args.run);
    let mut run_args = RunLine::try_parse_from(line)?.args;
    run_args.in_place_of = Some(std::mem::replace(&mut run_args.out, args.out));
    let mut plan = plan_for(&run_args)?;
    if let Some(json) = &args.cache_handover {
        let handover: CacheHandover =
            serde_json::from_str(json).context("--cache-handover: not a cache handover")?;
        // The caches being written and the page that says how far they
        // are: read, never written.
        for followed in &handover.following {
            for path in [&followed.page, &followed.temp, &followed.target] {
                let dir = if path == &followed.page {
                    Some(path.clone())
                } else {
                    path.parent().map(Path::to_path_buf)
                };
                if let Some(dir) = dir.filter(|dir| !plan.read_paths.contains(dir)) {
                    plan.read_paths.push(dir);
                }
            }
        }
        adopt_handover(handover);
    }
    // Read before the sandbox closes /proc: caches of this boot need it.
    ticklab::market::cache::boot_id();
    let protections = sandbox::apply(&plan)?;
    send(channel, &WorkerMessage::Ready { protections })?;
    let _heartbeat =
        heartbeat::start(Arc::clone(channel)).context("cannot start the heartbeat thread")?;
    if plan.python {
        enable_crash_tracebacks();
        // A copy of each printed line for the parent, should the worker
        // die before the callback that printed it returns.
        ticklab::strategy::console_tap::set(printed::copy_to_stderr);
    }
    if let Some(outside) = &args.probe_outside {
        for probe in sandbox_check::probe(&run_args.out, outside, args.probe_port, &plan) {
            send(channel, &probe)?;
        }
        return Ok(());
    }
    run::run_here(run_args)
}

/// Has Python print the strategy's traceback to stderr when native code
/// crashes, so that the parent can show where it died.
fn enable_crash_tracebacks() {
    if let Err(err) = ticklab::strategy::python::enable_crash_tracebacks() {
        eprintln!("ticklab worker: no tracebacks on a crash: {err}");
    }
}

fn send(channel: &Channel, message: &WorkerMessage) -> anyhow::Result<()> {
    let mut writer = channel
        .lock()
        .map_err(|_| anyhow::anyhow!("the channel to ticklab is unusable"))?;
    Ok(writer.send(message)?)
}

/// What the run reads and writes, and its limits.
fn plan_for(args: &RunArgs) -> anyhow::Result<Plan> {
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("{}: cannot create", args.out.display()))?;
    let mut read_paths = vec![folder_of(&args.data)];
    // The day's event cache, written by the parent before the worker
    // starts: beside the data (inside the data folder) or in the user's
    // cache folder. The worker reads it and never writes it.
    if !args.no_cache {
        if let Ok(runs) = open_instruments(
            &args.data,
            args.symbol.as_deref(),
            args.day.as_ref(),
            args.warmup,
        ) {
            let cache = CacheOptions::from_env();
            for run_day in runs.iter().flat_map(|run| &run.days) {
                for path in cache_paths(&run_day.file, &cache) {
                    if let Some(dir) = path.parent().filter(|dir| dir.is_dir()) {
                        let dir = dir.to_path_buf();
                        if !read_paths.contains(&dir) {
                            read_paths.push(dir);
                        }
                    }
                }
            }
        }
    }
    let strategy = Path::new(&args.strategy);
    if strategy.is_file() || strategy.extension().is_some() {
        read_paths.push(strategy_folder(strategy));
    }
    if let Some(config) = &args.config {
        read_paths.push(config.clone());
        // A recorded latency file is read with the configuration, later.
        if let Ok(RunConfig {
            latency: LatencyConfig::Recorded { path, .. },
            ..
        }) = read_run_config(Some(config))
        {
            read_paths.push(path);
        }
    }
    let limits = Limits {
        memory_bytes: match args.sandbox.memory_limit {
            Some(0) => None,
            Some(bytes) => Some(bytes),
            None => Some(sandbox::default_memory_limit_bytes()),
        },
        cpu_secs: (args.sandbox.cpu_limit_secs > 0).then_some(args.sandbox.cpu_limit_secs),
        ..Limits::default()
    };
    Ok(Plan {
        allow_network: args.allow_network,
        read_paths,
        write_dirs: write_dirs(args),
        python: strategy.extension().is_some_and(|ext| ext == "py"),
        limits,
    })
}

/// The folders the run writes: its output folder. A part of the run that
/// writes elsewhere (an event cache kept beside the data) adds its folder
/// here.
fn write_dirs(args: &RunArgs) -> Vec<PathBuf> {
    vec![args.out.clone()]
}

/// The data folder, or the folder of a data file (its `instrument.toml`
/// is beside it).
fn folder_of(data: &Path) -> PathBuf {
    if data.is_file() {
        data.parent()
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
    } else {
        data.to_path_buf()
    }
}

/// The strategy file's folder, where it may keep modules and files of its
/// own; only the file itself when that folder holds the home folder or is
/// the root (a strategy saved in `~` does not open `~/.ssh`).
fn strategy_folder(strategy: &Path) -> PathBuf {
    let file = std::path::absolute(strategy).unwrap_or_else(|_| strategy.to_path_buf());
    let Some(folder) = file.parent() else {
        return file;
    };
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let too_wide = folder.parent().is_none() || home.is_some_and(|home| home.starts_with(folder));
    if too_wide {
        file
    } else {
        folder.to_path_buf()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_strategy_in_the_home_folder_opens_only_itself() {
        let Some(home) = std::env::var_os("HOME").map(PathBuf::from) else {
            return;
        };
        let file = home.join("strategy.py");
        assert_eq!(strategy_folder(&file), file);
        assert_eq!(strategy_folder(Path::new("/s.py")), Path::new("/s.py"));
        let nested = home.join("lab").join("s.py");
        assert_eq!(strategy_folder(&nested), home.join("lab"));
    }
}
