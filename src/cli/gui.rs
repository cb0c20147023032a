//! The window: `ticklab [PATH] [--config run.toml] [--strategy S]` opens
//! the strategy lab on a data folder (default: the shipped `sample-data/`,
//! found wherever ticklab was started from) with its first symbol and day
//! loaded.
//!
//! Two environment variables script the start, for demos and screenshots:
//! `TICKLAB_STRATEGY` loads a strategy (a built-in name or a file) and
//! `TICKLAB_STEP` steps once loaded, through a comma-separated list of
//! `fill`, `signal`, `end`, a number of market events, or a time of day
//! `HH:MM:SS` (e.g. `TICKLAB_STEP=14:35:00,fill`).
//!
//! Three more measure playback without anyone at the window:
//! `TICKLAB_PLAY` plays once the steps are done (`max` or a multiple of
//! real time such as `100`), `TICKLAB_PROFILE=1` writes frame-build
//! percentiles, the slowest panels and the session's events/s to stderr
//! every few seconds and when a run stops, and `TICKLAB_QUIT=idle` closes
//! the window once the steps and the playing are done and the session
//! waits (after a couple of seconds more frames, which measure drawing
//! everything kept).

use std::path::PathBuf;

use anyhow::Context;
use ticklab::market::cache::CacheOptions;
use ticklab::market::catalog::Day;
use ticklab::session::{Isolation, SessionOptions, Speed, StepTarget, WorkerSettings};
use ticklab::ui::format::ns_from_clock;
use ticklab::ui::locate::Places;
use ticklab::ui::{AppOptions, TicklabApp};

/// Reads a step target: `fill`, `signal`, `end`, a count of events, or a
/// time of day on `day`.
fn parse_step(text: &str, day: Option<Day>) -> anyhow::Result<StepTarget> {
    let text = text.trim();
    Ok(match text {
        "fill" => StepTarget::NextFill,
        "signal" => StepTarget::NextSignal,
        "end" => StepTarget::End,
        _ => match text.parse::<u64>() {
            Ok(events) => StepTarget::Events(events),
            Err(_) => {
                let day = day.context("TICKLAB_STEP as a time needs a day in the folder")?;
                StepTarget::UntilNs(ns_from_clock(text, day).with_context(|| {
                    format!("TICKLAB_STEP={text:?}: expected fill, signal, end, a number of events or HH:MM:SS")
                })?)
            }
        },
    })
}

/// Reads a playback speed: `max` or a multiple of real time.
fn parse_speed(text: &str) -> anyhow::Result<Speed> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("max") {
        return Ok(Speed::Max);
    }
    let multiple: f64 = text.trim_end_matches(['x', '×']).parse().with_context(|| {
        format!("TICKLAB_PLAY={text:?}: expected max or a multiple such as 100")
    })?;
    Ok(Speed::RealTime(multiple))
}

/// True when the environment variable `name` is set to something other
/// than empty or `0`.
fn env_flag(name: &str) -> bool {
    std::env::var(name).is_ok_and(|v| !v.is_empty() && v != "0")
}

/// The first day of the first symbol of `folder`, when it has one.
fn first_day(folder: &std::path::Path) -> Option<Day> {
    let catalog = ticklab::market::catalog::Catalog::open(folder).ok()?;
    catalog.instruments.first()?.days.first().map(|d| d.day)
}

/// What the command line asks of the window.
#[derive(Debug, Default)]
pub struct GuiArgs {
    /// The data folder (default: the shipped sample data).
    pub path: Option<PathBuf>,
    /// Read every day from Parquet, without the event cache.
    pub no_cache: bool,
    /// A `run.toml` to start with.
    pub config: Option<PathBuf>,
    /// A strategy to load at once (before `TICKLAB_STRATEGY`).
    pub strategy: Option<String>,
    /// Run strategies in this process, without the sandbox.
    pub no_sandbox: bool,
    /// The sandbox keeps the host's network.
    pub allow_network: bool,
    /// The worker's address-space limit, bytes (0: none).
    pub memory_limit: Option<u64>,
}

/// Opens the strategy lab window.
pub fn run(args: GuiArgs) -> anyhow::Result<()> {
    let GuiArgs {
        path,
        no_cache,
        config,
        strategy,
        no_sandbox,
        allow_network,
        memory_limit,
    } = args;
    let isolation = if no_sandbox {
        eprintln!("--no-sandbox: strategies run inside the window's process, unprotected");
        Isolation::InProcess
    } else {
        let mut settings = WorkerSettings::of_this_executable()
            .context("cannot find the ticklab executable to start its worker")?;
        settings.allow_network = allow_network;
        settings.limits.memory_bytes = match memory_limit {
            Some(0) => None,
            Some(bytes) => Some(bytes),
            None => settings.limits.memory_bytes,
        };
        Isolation::Worker(settings)
    };
    if let Some(config) = &config {
        anyhow::ensure!(
            config.is_file(),
            "--config {}: no such file",
            config.display()
        );
    }
    let folder = path.or_else(|| Places::of_process().sample_data());
    let strategy = strategy.or_else(|| {
        std::env::var("TICKLAB_STRATEGY")
            .ok()
            .filter(|s| !s.is_empty())
    });
    let steps = match std::env::var("TICKLAB_STEP") {
        Ok(text) => {
            let day = folder.as_deref().and_then(first_day);
            text.split(',')
                .filter(|part| !part.trim().is_empty())
                .map(|part| parse_step(part, day))
                .collect::<anyhow::Result<Vec<_>>>()?
        }
        Err(_) => Vec::new(),
    };
    let play = match std::env::var("TICKLAB_PLAY") {
        Ok(text) if !text.trim().is_empty() => Some(parse_speed(&text)?),
        _ => None,
    };
    let quit_when_idle = match std::env::var("TICKLAB_QUIT") {
        Ok(text) if text == "idle" => true,
        Ok(text) if !text.is_empty() => {
            anyhow::bail!("TICKLAB_QUIT={text:?}: the one moment known is `idle`")
        }
        _ => false,
    };
    let options = AppOptions {
        folder,
        config,
        strategy,
        steps,
        play,
        profile: env_flag("TICKLAB_PROFILE"),
        quit_when_idle,
        session: SessionOptions {
            cache: if no_cache {
                CacheOptions::disabled()
            } else {
                CacheOptions::from_env()
            },
            ..SessionOptions::default()
        },
        isolation,
        sweep_exe: None,
    };
    let native = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("ticklab")
            .with_inner_size([1600.0, 1000.0])
            .with_min_inner_size([900.0, 600.0])
            .with_drag_and_drop(true),
        ..eframe::NativeOptions::default()
    };
    eframe::run_native(
        "ticklab",
        native,
        Box::new(move |cc| Ok(Box::new(TicklabApp::from_creation_context(options, cc)))),
    )
    .map_err(|err| anyhow::anyhow!("cannot open the window: {err}"))
}
