//! `ticklab worker-session` (hidden): the window's session in a sandboxed
//! process, started by the window, never by hand (see
//! [`ticklab::worker::session`]).

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

/// Arguments of `ticklab worker-session`.
#[derive(Debug, Args)]
pub struct WorkerSessionArgs {
    /// The page shared with the window where the strategy's activity is
    /// marked (see `ticklab::worker::activity_page`).
    #[arg(long)]
    pub activity: Option<PathBuf>,
}

/// Serves the window on the socket that is this process's standard input,
/// then exits at once, whatever the strategy is doing.
pub fn run(args: WorkerSessionArgs) -> anyhow::Result<()> {
    // The worker ends with the window, whatever happens to the window.
    let _ = rustix::process::set_parent_process_death_signal(Some(rustix::process::Signal::KILL));
    let channel = super::worker::take_channel()?;
    if let Some(page) = &args.activity {
        ticklab::worker::activity_page::adopt(page)
            .with_context(|| format!("{}: cannot share the activity", page.display()))?;
    }
    // Read before the sandbox closes /proc: caches of this boot need it.
    ticklab::market::cache::boot_id();
    let outcome = ticklab::worker::session::serve(channel);
    if let Err(err) = &outcome {
        eprintln!("ticklab worker-session: {err}");
        std::process::exit(1);
    }
    // The session thread may be inside a callback: no joining it.
    std::process::exit(0)
}
