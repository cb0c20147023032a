//! `ticklab sandbox-check`: starts a worker in its sandbox, has it try what
//! the sandbox must stop, and prints each protection and each attempt.
//!
//! The attempts are real: a TCP connection to a listener this process
//! opens on 127.0.0.1, reading and writing in a folder outside the ones
//! the worker may use, running a program, signalling this process and
//! allocating past the memory limit; and, to show the rules are not just
//! refusing everything, a write in the output folder.

use std::ffi::OsString;
use std::io::Read;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Args;
use indicatif::ProgressBar;
use ticklab::sandbox::Plan;
use ticklab::worker::WorkerMessage;

use super::supervise::Worker;

/// Arguments of `ticklab sandbox-check`.
#[derive(Debug, Args)]
pub struct SandboxCheckArgs {
    /// Check the sandbox as `ticklab run --allow-network` would have it.
    #[arg(long)]
    pub allow_network: bool,
    /// The worker's memory limit (`4G`, `512M`), as for `ticklab run`.
    #[arg(long, value_name = "SIZE")]
    pub memory_limit: Option<String>,
}

/// Runs the check; fails when a protection is off or an attempt got
/// through.
pub fn run(args: SandboxCheckArgs) -> anyhow::Result<()> {
    let dir = tempfile::Builder::new()
        .prefix("ticklab-sandbox-check")
        .tempdir()
        .context("cannot make a folder for the check")?;
    let out = dir.path().join("out");
    let outside = dir.path().join("outside");
    let strategy_dir = dir.path().join("strategy");
    for folder in [&out, &outside, &strategy_dir] {
        std::fs::create_dir_all(folder)
            .with_context(|| format!("{}: cannot create", folder.display()))?;
    }
    std::fs::write(outside.join("secret.txt"), "secret\n").context("cannot write secret.txt")?;
    let strategy = strategy_dir.join("probe.py");
    std::fs::write(&strategy, "").context("cannot write probe.py")?;
    let listener = TcpListener::bind("127.0.0.1:0").context("cannot listen on 127.0.0.1")?;
    listener.set_nonblocking(true)?;
    let port = listener.local_addr()?.port();

    let worker_args: Vec<OsString> = vec![
        "--probe-outside".into(),
        outside.clone().into(),
        "--probe-port".into(),
        port.to_string().into(),
    ];
    let mut run_args: Vec<OsString> = vec![
        "--strategy".into(),
        strategy.into(),
        "--data".into(),
        strategy_dir.clone().into(),
    ];
    if args.allow_network {
        run_args.push("--allow-network".into());
    }
    if let Some(limit) = &args.memory_limit {
        run_args.push("--memory-limit".into());
        run_args.push(limit.into());
    }
    let mut worker = Worker::spawn(&out, &worker_args, &run_args, &ProgressBar::hidden())?;
    let mut all_on = true;
    let mut finished = false;
    let until = Instant::now() + Duration::from_secs(30);
    while Instant::now() < until {
        let message = match worker.next(Duration::from_millis(50)) {
            Ok(Some(message)) => message?,
            Ok(None) => continue,
            Err(()) => break,
        };
        match message {
            WorkerMessage::Ready { protections } => {
                println!("protections of the strategy worker:");
                for protection in &protections {
                    all_on &= protection.is_on() || args.allow_network;
                    println!("  {}", protection.describe());
                }
                println!("attempts from inside the sandbox:");
            }
            WorkerMessage::Probe {
                attempt,
                refused,
                detail,
            } => {
                let expected = refused != attempt.starts_with("write inside");
                let network = attempt.contains("127.0.0.1");
                all_on &= expected || (network && args.allow_network);
                let verdict = match (refused, expected) {
                    (true, _) => "refused",
                    (false, true) => "allowed, as it should be",
                    (false, false) => "ALLOWED",
                };
                println!("  {attempt}: {verdict} ({detail})");
            }
            WorkerMessage::Finished => {
                finished = true;
                break;
            }
            WorkerMessage::Failed { message } => anyhow::bail!("the check failed: {message}"),
            WorkerMessage::Heartbeat(_) => {}
        }
    }
    worker.wait_or_kill(Duration::from_secs(2));
    let reached = listener.accept().is_ok();
    println!(
        "the listener on 127.0.0.1:{port} {}",
        if reached {
            "was reached"
        } else {
            "received nothing"
        }
    );
    if !finished {
        anyhow::bail!("the worker did not finish the check");
    }
    if reached && !args.allow_network {
        anyhow::bail!("the sandbox let a connection through");
    }
    if !all_on {
        anyhow::bail!("some protections are off or some attempts got through (see above)");
    }
    println!("the sandbox is in force");
    Ok(())
}

/// The attempts, made inside the sandbox (in the worker).
pub(crate) fn probe(out: &Path, outside: &Path, port: u16, plan: &Plan) -> Vec<WorkerMessage> {
    let mut probes = Vec::new();
    let mut record = |attempt: &str, result: Result<String, String>| {
        let (refused, detail) = match result {
            Ok(what) => (false, what),
            Err(why) => (true, why),
        };
        probes.push(WorkerMessage::Probe {
            attempt: attempt.to_owned(),
            refused,
            detail,
        });
    };
    let address = SocketAddr::from(([127, 0, 0, 1], port));
    record(
        &format!("connect to {address}"),
        TcpStream::connect_timeout(&address, Duration::from_secs(1))
            .map(|_| "connected".to_owned())
            .map_err(|err| err.to_string()),
    );
    record(
        &format!("read {}", outside.join("secret.txt").display()),
        std::fs::File::open(outside.join("secret.txt"))
            .and_then(|mut file| {
                let mut text = String::new();
                file.read_to_string(&mut text).map(|_| text)
            })
            .map(|text| format!("read {} bytes", text.len()))
            .map_err(|err| err.to_string()),
    );
    // Only where there is one: a missing folder proves nothing.
    let home_ssh = std::env::var_os("HOME").map(|home| Path::new(&home).join(".ssh"));
    if let Some(home_ssh) = home_ssh.filter(|path| path.exists()) {
        record(
            &format!("list {}", home_ssh.display()),
            std::fs::read_dir(&home_ssh)
                .map(|entries| format!("{} entries", entries.count()))
                .map_err(|err| err.to_string()),
        );
    }
    record(
        &format!("write {}", outside.join("written.txt").display()),
        std::fs::write(outside.join("written.txt"), "x")
            .map(|()| "written".to_owned())
            .map_err(|err| err.to_string()),
    );
    record(
        &format!("write inside {}", out.join("probe.txt").display()),
        std::fs::write(out.join("probe.txt"), "x")
            .map(|()| "written".to_owned())
            .map_err(|err| err.to_string()),
    );
    record(
        "run /bin/true",
        std::process::Command::new("/bin/true")
            .status()
            .map(|status| format!("ran: {status}"))
            .map_err(|err| err.to_string()),
    );
    let parent = rustix::process::getppid();
    record(
        "signal the parent process",
        match parent {
            Some(pid) => rustix::process::test_kill_process(pid)
                .map(|()| "allowed".to_owned())
                .map_err(|err| err.to_string()),
            None => Err("no parent".to_owned()),
        },
    );
    if let Some(limit) = plan.limits.memory_bytes {
        let mut hog: Vec<u8> = Vec::new();
        record(
            &format!("allocate more than the memory limit ({limit} bytes)"),
            hog.try_reserve_exact(usize::try_from(limit).unwrap_or(usize::MAX))
                .map(|()| "allocated".to_owned())
                .map_err(|err| err.to_string()),
        );
    }
    probes
}
