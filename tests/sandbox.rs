//! The strategy worker and its sandbox, driven through `ticklab run` on the
//! sample day with small Python strategies that misbehave.
//!
//! Each misbehaviour must end the run with a clear error naming the event
//! and the reason and a non-zero exit, leave a `summary.json` saying the
//! run failed, reach no listener and write nothing outside the output
//! folder. A test that needs a kernel feature this machine lacks says so
//! and stops without asserting.

#![expect(
    clippy::unwrap_used,
    reason = "a helper that cannot set up fails the test"
)]

use std::io::ErrorKind;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use landlock::{Access, AccessFs, AccessNet, CompatLevel, Compatible, Ruleset, RulesetAttr, ABI};
use ticklab::strategy::python::format_data_time;

/// A folder with `strategy/`, `out/` and `outside/secret.txt`.
struct Lab {
    dir: tempfile::TempDir,
}

impl Lab {
    fn new() -> Lab {
        let dir = tempfile::tempdir().unwrap();
        for folder in ["strategy", "out", "outside"] {
            std::fs::create_dir_all(dir.path().join(folder)).unwrap();
        }
        std::fs::write(dir.path().join("outside/secret.txt"), "secret\n").unwrap();
        Lab { dir }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Writes a strategy whose `on_trade` runs `body` (indented by 8) on the
    /// first trade, and runs it.
    fn run_on_first_trade(&self, body: &str, extra: &[&str]) -> Output {
        let source = format!(
            r#"
import ctypes, os, socket, subprocess, sys, time
from ticklab import Strategy

OUTSIDE = {outside:?}

def mark(ctx, what):
    os.write(2, f"MARK {{ctx.now}} {{what}}\n".encode())
    # Long enough for a heartbeat to see the callback running.
    time.sleep(0.15)

class Misbehaves(Strategy):
    def on_trade(self, ctx, ev):
{body}
"#,
            outside = self.path("outside").display().to_string(),
        );
        let path = self.path("strategy/misbehaves.py");
        std::fs::write(&path, source).unwrap();
        self.run(&path, extra)
    }

    /// Runs `strategy` with a short callback budget unless `extra` sets one.
    fn run(&self, strategy: &Path, extra: &[&str]) -> Output {
        let budget: &[&str] = if extra.contains(&"--callback-budget-ms") {
            &[]
        } else {
            &["--callback-budget-ms", "200"]
        };
        Command::new(env!("CARGO_BIN_EXE_ticklab"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(["run", "--data", "sample-data", "--symbol", "BTC-PERP"])
            .args(["--day", "2026-03-02"])
            .arg("--strategy")
            .arg(strategy)
            .arg("--out")
            .arg(self.path("out"))
            .args(budget)
            .args(["--callback-grace-ms", "300"])
            .args(extra)
            .output()
            .unwrap()
    }

    /// Everything under the folder but the output folder.
    fn files_outside_out(&self) -> Vec<PathBuf> {
        let mut found = Vec::new();
        let mut stack = vec![self.dir.path().to_path_buf()];
        while let Some(folder) = stack.pop() {
            for entry in std::fs::read_dir(&folder).unwrap() {
                let path = entry.unwrap().path();
                if path == self.path("out") {
                    continue;
                }
                if path.is_dir() {
                    stack.push(path);
                } else {
                    found.push(path.strip_prefix(self.dir.path()).unwrap().to_path_buf());
                }
            }
        }
        found.sort();
        found
    }

    /// Asserts a failed run: non-zero exit, a failed summary, nothing
    /// written outside the output folder. Returns stderr.
    fn assert_failed(&self, output: &Output) -> String {
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert!(!output.status.success(), "{stderr}");
        assert_eq!(output.status.code(), Some(1), "{stderr}");
        let summary = std::fs::read_to_string(self.path("out/summary.json")).unwrap();
        let summary: serde_json::Value = serde_json::from_str(&summary).unwrap();
        assert_eq!(summary["status"], "failed", "{summary}");
        assert!(summary["error"]["message"].as_str().is_some(), "{summary}");
        assert_eq!(
            self.files_outside_out(),
            [
                PathBuf::from("outside/secret.txt"),
                PathBuf::from("strategy/misbehaves.py")
            ],
            "{stderr}"
        );
        stderr
    }
}

/// The data time the strategy marked before dying, as ticklab prints it.
fn marked_time(stderr: &str) -> String {
    let line = stderr
        .lines()
        .find(|l| l.starts_with("MARK "))
        .unwrap_or_else(|| panic!("no mark in {stderr}"));
    let ns: i64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    format_data_time(ns)
}

/// The death line: "the strategy process died at event N (data time T): ...".
fn death_line(stderr: &str) -> &str {
    stderr
        .lines()
        .find(|l| l.contains("the strategy process died at event "))
        .unwrap_or_else(|| panic!("no death reported in {stderr}"))
}

fn landlock_has(abi: ABI) -> bool {
    let mut ruleset = Ruleset::default().set_compatibility(CompatLevel::HardRequirement);
    ruleset = match ruleset.handle_access(AccessFs::from_all(abi)) {
        Ok(ruleset) => ruleset,
        Err(_) => return false,
    };
    if abi >= ABI::V4 {
        ruleset = match ruleset.handle_access(AccessNet::from_all(abi)) {
            Ok(ruleset) => ruleset,
            Err(_) => return false,
        };
    }
    ruleset.create().is_ok()
}

/// True when the kernel has what `needs` names; otherwise says so.
fn kernel_has(needs: &str) -> bool {
    let has = match needs {
        "landlock" => landlock_has(ABI::V3),
        "network namespaces" => ["-n", "-rn"].iter().any(|flag| {
            Command::new("unshare")
                .args([flag, "true"])
                .status()
                .is_ok_and(|s| s.success())
        }),
        "seccomp" => std::fs::read_to_string("/proc/self/status")
            .is_ok_and(|status| status.contains("Seccomp:")),
        _ => false,
    };
    if !has {
        eprintln!("skipped: this kernel lacks {needs}");
    }
    has
}

#[test]
fn an_exit_is_reported_with_its_code_event_and_time() {
    let lab = Lab::new();
    let output = lab.run_on_first_trade(
        "        print('about to exit')\n        mark(ctx, 'exit')\n        os._exit(4)",
        &[],
    );
    let stderr = lab.assert_failed(&output);
    let death = death_line(&stderr);
    assert!(
        death.contains(&format!("(data time {})", marked_time(&stderr))),
        "{stderr}"
    );
    assert!(
        death.ends_with(": it exited with code 4 before the run finished"),
        "{stderr}"
    );
    // Printed in the callback that never returned: a copy reached the
    // report, once.
    let after = stderr.split("its last console lines:").nth(1).unwrap_or("");
    assert_eq!(after.matches("about to exit").count(), 1, "{stderr}");
}

#[test]
fn a_death_is_reported_at_its_exact_event_even_between_two_heartbeats() {
    let lab = Lab::new();
    // No pause for a heartbeat to see the callback: the event comes from
    // the page where the worker marks each callback.
    let output = lab.run_on_first_trade(
        "        os.write(2, f\"MARK {ctx.now} {ctx.event_index}\\n\".encode())\n        os._exit(4)",
        &[],
    );
    let stderr = lab.assert_failed(&output);
    let mark = stderr.lines().find(|l| l.starts_with("MARK ")).unwrap();
    let event = mark.split_whitespace().nth(2).unwrap();
    assert!(
        death_line(&stderr).contains(&format!(
            "died at event {event} (data time {}): it exited with code 4",
            marked_time(&stderr)
        )),
        "{stderr}"
    );
}

#[test]
fn a_segfault_is_reported_with_the_last_console_lines() {
    let lab = Lab::new();
    let output = lab.run_on_first_trade(
        "        mark(ctx, 'crash')\n        ctypes.string_at(0)",
        &[],
    );
    let stderr = lab.assert_failed(&output);
    let death = death_line(&stderr);
    assert!(
        death.contains(&format!("(data time {})", marked_time(&stderr))),
        "{stderr}"
    );
    assert!(death.contains("segmentation fault (SIGSEGV)"), "{stderr}");
    let after = stderr.split("its last console lines:").nth(1).unwrap_or("");
    assert!(after.contains("MARK "), "{stderr}");
    // Python's own report of the crash, with the strategy's line.
    assert!(
        after.contains("Fatal Python error: Segmentation fault"),
        "{stderr}"
    );
    assert!(after.contains("misbehaves.py\", line "), "{stderr}");
}

#[test]
fn a_memory_bomb_stops_at_the_memory_limit() {
    let lab = Lab::new();
    let output = lab.run_on_first_trade(
        "        self.hog = []\n        while True:\n            self.hog.append(bytearray(256 << 20))",
        // Zeroing 256 MiB takes a while on a busy machine.
        &["--memory-limit", "1G", "--callback-budget-ms", "20000"],
    );
    let stderr = lab.assert_failed(&output);
    assert!(stderr.contains("MemoryError"), "{stderr}");
    assert!(stderr.contains("failed at event "), "{stderr}");
    assert!(stderr.contains("memory limit"), "{stderr}");
}

#[test]
fn a_callback_sleeping_forever_is_killed_after_its_budget_and_grace() {
    let lab = Lab::new();
    let started = Instant::now();
    let output = lab.run_on_first_trade(
        "        mark(ctx, 'sleep')\n        time.sleep(10 ** 6)",
        &[],
    );
    let stderr = lab.assert_failed(&output);
    assert!(started.elapsed() < Duration::from_secs(20), "{stderr}");
    let death = death_line(&stderr);
    assert!(
        death.contains(&format!("(data time {})", marked_time(&stderr))),
        "{stderr}"
    );
    assert!(
        death.ends_with(": on_market ran for more than 0.5 s, its budget and grace; killed"),
        "{stderr}"
    );
}

#[test]
fn a_loop_swallowing_the_interrupt_is_killed() {
    let lab = Lab::new();
    let output = lab.run_on_first_trade(
        "        mark(ctx, 'loop')\n        while True:\n            try:\n                sum(range(1000))\n            except BaseException:\n                pass",
        &[],
    );
    let stderr = lab.assert_failed(&output);
    assert!(
        death_line(&stderr)
            .ends_with(": on_market ran for more than 0.5 s, its budget and grace; killed"),
        "{stderr}"
    );
}

#[test]
fn a_worker_closing_its_channel_is_killed() {
    let lab = Lab::new();
    let output = lab.run_on_first_trade(
        "        mark(ctx, 'close')\n        os.closerange(3, 1 << 16)\n        time.sleep(60)",
        &["--callback-budget-ms", "30000"],
    );
    let stderr = lab.assert_failed(&output);
    let death = death_line(&stderr);
    assert!(
        death.contains(&format!("(data time {})", marked_time(&stderr))),
        "{stderr}"
    );
    assert!(
        death.ends_with(": it closed its channel to ticklab and did not exit; killed"),
        "{stderr}"
    );
}

#[test]
fn a_frozen_worker_is_killed_when_its_heartbeats_stop() {
    let lab = Lab::new();
    let started = Instant::now();
    let output = lab.run_on_first_trade(
        "        import signal\n        mark(ctx, 'freeze')\n        ctypes.CDLL(None).kill(os.getpid(), int(signal.SIGSTOP))",
        &["--callback-budget-ms", "30000"],
    );
    let stderr = lab.assert_failed(&output);
    assert!(started.elapsed() < Duration::from_secs(25), "{stderr}");
    assert!(
        death_line(&stderr).ends_with(": it stopped answering for 5 s; killed"),
        "{stderr}"
    );
}

/// A listener on 127.0.0.1 that must receive nothing.
fn listener() -> (TcpListener, u16) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    (listener, port)
}

fn assert_untouched(listener: &TcpListener) {
    match listener.accept() {
        Err(err) => assert_eq!(err.kind(), ErrorKind::WouldBlock),
        Ok((_, from)) => panic!("the listener was reached from {from}"),
    }
}

#[test]
fn python_sockets_reach_no_listener() {
    if !kernel_has("network namespaces") {
        return;
    }
    let lab = Lab::new();
    let (listener, port) = listener();
    let output = lab.run_on_first_trade(
        &format!("        socket.create_connection(('127.0.0.1', {port}), timeout=2)"),
        &[],
    );
    let stderr = lab.assert_failed(&output);
    assert!(stderr.contains("failed at event "), "{stderr}");
    assert!(stderr.contains("network"), "{stderr}");
    assert_untouched(&listener);
}

/// `connect` to 127.0.0.1:`port` through libc, raising on failure.
fn ctypes_connect(port: u16) -> String {
    format!(
        r#"        libc = ctypes.CDLL(None, use_errno=True)
        fd = libc.socket(2, 1, 0)
        if fd < 0:
            raise OSError(ctypes.get_errno(), 'socket: ' + os.strerror(ctypes.get_errno()))
        addr = (2).to_bytes(2, 'little') + ({port}).to_bytes(2, 'big') + bytes([127, 0, 0, 1]) + bytes(8)
        if libc.connect(fd, addr, 16) != 0:
            raise OSError(ctypes.get_errno(), 'connect: ' + os.strerror(ctypes.get_errno()))"#
    )
}

#[test]
fn ctypes_sockets_reach_no_listener() {
    if !kernel_has("network namespaces") || !kernel_has("seccomp") {
        return;
    }
    let lab = Lab::new();
    let (listener, port) = listener();
    let output = lab.run_on_first_trade(&ctypes_connect(port), &[]);
    let stderr = lab.assert_failed(&output);
    assert!(stderr.contains("failed at event "), "{stderr}");
    assert!(
        stderr.contains("socket: Operation not permitted"),
        "{stderr}"
    );
    assert_untouched(&listener);
}

#[test]
fn allow_network_says_so_and_connects() {
    let lab = Lab::new();
    let (listener, port) = listener();
    let output = lab.run_on_first_trade(
        &format!(
            "{}\n        raise RuntimeError('connected')",
            ctypes_connect(port)
        ),
        &["--allow-network"],
    );
    let stderr = lab.assert_failed(&output);
    assert!(
        stderr.contains("sandbox: network namespace: off on request (--allow-network: the strategy can reach the host's network)"),
        "{stderr}"
    );
    assert!(stderr.contains("RuntimeError: connected"), "{stderr}");
    assert!(listener.accept().is_ok());
}

#[test]
fn writes_outside_the_output_folder_are_refused() {
    if !kernel_has("landlock") {
        return;
    }
    let lab = Lab::new();
    for (how, code) in [
        ("open", "        open(OUTSIDE + '/new.txt', 'w').write('x')"),
        (
            "os.open",
            "        os.open(OUTSIDE + '/new.txt', os.O_WRONLY | os.O_CREAT, 0o644)",
        ),
        (
            "ctypes",
            r#"        libc = ctypes.CDLL(None, use_errno=True)
        if libc.open((OUTSIDE + '/new.txt').encode(), os.O_WRONLY | os.O_CREAT, 0o644) < 0:
            raise OSError(ctypes.get_errno(), 'libc open: ' + os.strerror(ctypes.get_errno()))"#,
        ),
    ] {
        let _ = std::fs::remove_dir_all(lab.path("out"));
        let output = lab.run_on_first_trade(code, &[]);
        let stderr = lab.assert_failed(&output);
        assert!(stderr.contains("failed at event "), "{how}: {stderr}");
        if how == "ctypes" {
            assert!(stderr.contains("libc open: Permission denied"), "{stderr}");
        }
    }
}

#[test]
fn reads_outside_the_allowed_folders_are_refused() {
    if !kernel_has("landlock") {
        return;
    }
    let lab = Lab::new();
    let output = lab.run_on_first_trade(
        r#"        for path in [os.path.expanduser('~/.ssh'), '/etc']:
            if os.path.isdir(path):
                try:
                    os.listdir(path)
                    raise RuntimeError('listed ' + path)
                except PermissionError:
                    pass
        open(OUTSIDE + '/secret.txt').read()"#,
        &[],
    );
    let stderr = lab.assert_failed(&output);
    assert!(stderr.contains("failed at event "), "{stderr}");
    assert!(stderr.contains("PermissionError"), "{stderr}");
    assert!(stderr.contains("secret.txt"), "{stderr}");
    assert!(!stderr.contains("RuntimeError: listed"), "{stderr}");
}

#[test]
fn new_processes_are_refused() {
    if !kernel_has("seccomp") {
        return;
    }
    let lab = Lab::new();
    for (how, code) in [
        ("subprocess", "        subprocess.run(['true'])"),
        (
            "ctypes fork",
            r#"        libc = ctypes.CDLL(None, use_errno=True)
        if libc.fork() < 0:
            raise OSError(ctypes.get_errno(), 'fork: ' + os.strerror(ctypes.get_errno()))
        os._exit(0)"#,
        ),
        (
            "os.execv",
            r#"        libc = ctypes.CDLL(None, use_errno=True)
        argv = (ctypes.c_char_p * 2)(b'/bin/true', None)
        libc.execv(b'/bin/true', argv)
        raise OSError(ctypes.get_errno(), 'execv: ' + os.strerror(ctypes.get_errno()))"#,
        ),
    ] {
        let _ = std::fs::remove_dir_all(lab.path("out"));
        let output = lab.run_on_first_trade(code, &[]);
        let stderr = lab.assert_failed(&output);
        assert!(stderr.contains("failed at event "), "{how}: {stderr}");
        if how != "subprocess" {
            assert!(
                stderr.contains(": Operation not permitted"),
                "{how}: {stderr}"
            );
        }
    }
}

#[test]
fn a_sandboxed_run_writes_the_same_bytes_as_an_unsandboxed_one() {
    let lab = Lab::new();
    let strategy = Path::new(env!("CARGO_MANIFEST_DIR")).join("strategies/queue_mm.py");
    let sandboxed = lab.run(&strategy, &["--callback-budget-ms", "5000"]);
    assert!(
        sandboxed.status.success(),
        "{}",
        String::from_utf8_lossy(&sandboxed.stderr)
    );
    let first: Vec<(String, Vec<u8>)> = [
        "summary.json",
        "fills.parquet",
        "orders.parquet",
        "equity.parquet",
        "log.txt",
    ]
    .iter()
    .map(|name| {
        (
            name.to_string(),
            std::fs::read(lab.path("out").join(name)).unwrap(),
        )
    })
    .collect();
    let here = lab.run(
        &strategy,
        &["--callback-budget-ms", "5000", "--no-sandbox", "--force"],
    );
    let stderr = String::from_utf8_lossy(&here.stderr);
    assert!(here.status.success(), "{stderr}");
    assert!(
        stderr.contains("--no-sandbox: the strategy runs inside this process"),
        "{stderr}"
    );
    for (name, bytes) in first {
        assert!(
            std::fs::read(lab.path("out").join(&name)).unwrap() == bytes,
            "{name} differs"
        );
    }
    // The worker's report lines reach stdout as before.
    let stdout = String::from_utf8_lossy(&sandboxed.stdout);
    assert!(stdout.contains("wrote "), "{stdout}");
}

#[test]
fn sandbox_check_reports_every_protection_on() {
    if !kernel_has("landlock") || !kernel_has("network namespaces") || !kernel_has("seccomp") {
        return;
    }
    let output = Command::new(env!("CARGO_BIN_EXE_ticklab"))
        .arg("sandbox-check")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for expected in [
        "network namespace: on",
        "file access: on",
        "syscall filter: on",
        "memory limit: on",
        ": refused (",
        "received nothing",
        "the sandbox is in force",
    ] {
        assert!(stdout.contains(expected), "{expected}: {stdout}");
    }
    for attempt in ["connect to 127.0.0.1", "read ", "write ", "run /bin/true"] {
        let line = stdout
            .lines()
            .find(|l| l.trim_start().starts_with(attempt))
            .unwrap_or_else(|| panic!("{attempt}: {stdout}"));
        assert!(line.contains(": refused ("), "{line}");
    }
    assert!(!stdout.contains("OFF"), "{stdout}");
}
