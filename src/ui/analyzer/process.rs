//! A `ticklab sweep` started from the window: the same command, in a
//! process group of its own, so that its worker pool runs off the window's
//! threads and a cancel stops the sweep and every worker at once, as
//! Ctrl-C does at a terminal (the rows written so far stay; starting the
//! same sweep again resumes it).

use std::collections::VecDeque;
use std::ffi::OsString;
use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rustix::process::{kill_process_group, Pid, Signal};

/// Console lines kept of a sweep's output.
const KEPT_LINES: usize = 200;

/// How long a cancelled sweep may take to stop before it is killed.
const STOP_WAIT: Duration = Duration::from_secs(3);

/// A running (or finished) `ticklab` command.
pub struct SweepProcess {
    child: Child,
    group: Pid,
    lines: Arc<Mutex<VecDeque<String>>>,
    /// Output streams read to their end.
    streams_done: Arc<AtomicUsize>,
    streams: usize,
    status: Option<ExitStatus>,
    cancelled_at: Option<Instant>,
    /// When it started.
    pub started_at: Instant,
}

impl SweepProcess {
    /// Starts `exe` with `args`; `wake` is called whenever it prints a line
    /// (the window asks for a frame).
    pub fn spawn(
        exe: &Path,
        args: &[OsString],
        wake: Arc<dyn Fn() + Send + Sync>,
    ) -> std::io::Result<SweepProcess> {
        let mut child = Command::new(exe)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .spawn()?;
        let lines = Arc::new(Mutex::new(VecDeque::new()));
        let readers: Vec<Box<dyn std::io::Read + Send>> = [
            child
                .stdout
                .take()
                .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
            child
                .stderr
                .take()
                .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
        ]
        .into_iter()
        .flatten()
        .collect();
        let streams = readers.len();
        let streams_done = Arc::new(AtomicUsize::new(0));
        for (i, stream) in readers.into_iter().enumerate() {
            let kept = Arc::clone(&lines);
            let done = Arc::clone(&streams_done);
            let wake = Arc::clone(&wake);
            // A thread that cannot start loses the output, not the sweep.
            let _ = std::thread::Builder::new()
                .name(format!("ticklab-sweep-output-{i}"))
                .spawn(move || {
                    for line in BufReader::new(stream).lines() {
                        let Ok(line) = line else { break };
                        if let Ok(mut kept) = kept.lock() {
                            if kept.len() == KEPT_LINES {
                                kept.pop_front();
                            }
                            kept.push_back(line);
                        }
                        wake();
                    }
                    done.fetch_add(1, Ordering::SeqCst);
                    wake();
                });
        }
        let group = Pid::from_child(&child);
        Ok(SweepProcess {
            child,
            group,
            lines,
            streams_done,
            streams,
            status: None,
            cancelled_at: None,
            started_at: Instant::now(),
        })
    }

    /// How it ended, once it has; kills it when a cancel was not obeyed
    /// in time.
    pub fn poll(&mut self) -> Option<ExitStatus> {
        if self.status.is_none() {
            self.status = self.child.try_wait().ok().flatten();
            let cancelled = self.cancelled_at;
            let overdue = cancelled.is_some_and(|at| at.elapsed() > STOP_WAIT);
            // Once a cancelled sweep has gone, none of its workers stays.
            if (self.status.is_some() && cancelled.is_some()) || overdue {
                let _ = kill_process_group(self.group, Signal::KILL);
            }
        }
        self.status
    }

    /// True until it has ended.
    pub fn is_running(&mut self) -> bool {
        self.poll().is_none()
    }

    /// True once a cancel was asked.
    pub fn is_cancelled(&self) -> bool {
        self.cancelled_at.is_some()
    }

    /// Interrupts the sweep and its workers, as Ctrl-C would.
    pub fn cancel(&mut self) {
        if self.poll().is_none() && self.cancelled_at.is_none() {
            let _ = kill_process_group(self.group, Signal::INT);
            self.cancelled_at = Some(Instant::now());
        }
    }

    /// The last lines it printed; once it has ended, all of them (its
    /// output read to the end, for a second at most).
    pub fn lines(&self) -> Vec<String> {
        if self.status.is_some() {
            let deadline = Instant::now() + Duration::from_secs(1);
            while self.streams_done.load(Ordering::SeqCst) < self.streams
                && Instant::now() < deadline
            {
                std::thread::sleep(Duration::from_millis(2));
            }
        }
        self.lines
            .lock()
            .map(|lines| lines.iter().cloned().collect())
            .unwrap_or_default()
    }
}

impl Drop for SweepProcess {
    fn drop(&mut self) {
        if self.poll().is_none() {
            let _ = kill_process_group(self.group, Signal::KILL);
            let _ = self.child.wait();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wait(process: &mut SweepProcess) -> ExitStatus {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = process.poll() {
                return status;
            }
            assert!(Instant::now() < deadline, "the process did not end");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    #[test]
    fn its_output_is_kept_and_its_status_read() {
        let args: Vec<OsString> = vec!["-c".into(), "echo one; echo two >&2; exit 3".into()];
        let mut process = SweepProcess::spawn(Path::new("sh"), &args, Arc::new(|| {})).unwrap();
        assert_eq!(wait(&mut process).code(), Some(3));
        // The reading threads may finish just after the exit.
        let deadline = Instant::now() + Duration::from_secs(5);
        while process.lines().len() < 2 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        let mut lines = process.lines();
        lines.sort();
        assert_eq!(lines, ["one", "two"]);
    }

    #[test]
    fn a_cancel_stops_the_process_and_its_children() {
        let dir = tempfile::tempdir().unwrap();
        let marker = dir.path().join("child.pid");
        // The grandchild writes its pid, then becomes `sleep`.
        let script = format!(
            "sh -c 'echo $$ > {}; exec sleep 30'; echo after",
            marker.display()
        );
        let args: Vec<OsString> = vec!["-c".into(), script.into()];
        let mut process = SweepProcess::spawn(Path::new("sh"), &args, Arc::new(|| {})).unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::fs::read_to_string(&marker).map_or(true, |t| !t.ends_with('\n')) {
            assert!(Instant::now() < deadline, "the child did not start");
            std::thread::sleep(Duration::from_millis(10));
        }
        let child: i32 = std::fs::read_to_string(&marker)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        process.cancel();
        assert!(process.is_cancelled());
        let status = wait(&mut process);
        assert!(!status.success());
        // The grandchild got the interrupt too: it is gone (or a zombie
        // waiting for init) within a moment.
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let state = std::fs::read_to_string(format!("/proc/{child}/stat")).unwrap_or_default();
            let gone = state.is_empty() || state.contains(") Z ");
            if gone {
                break;
            }
            assert!(Instant::now() < deadline, "the child survived: {state}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}
