//! How a worker's death is told: "the strategy process died at event N
//! (data time T): reason", then its last console lines. `ticklab run` and
//! the window word it the same.

use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;

use crate::strategy::python::format_data_time;

/// What an exit status says of a worker that died before its work was
/// done.
pub fn reason_of(status: Option<ExitStatus>) -> String {
    let Some(status) = status else {
        return "it could not be waited for".to_owned();
    };
    if let Some(code) = status.code() {
        return format!("it exited with code {code} before the run finished");
    }
    let signal = status.signal().unwrap_or(0);
    let what = match signal {
        libc::SIGSEGV => {
            "it crashed: segmentation fault (SIGSEGV), a bad memory access in native code"
        }
        libc::SIGBUS => "it crashed: bus error (SIGBUS)",
        libc::SIGILL => "it crashed: illegal instruction (SIGILL)",
        libc::SIGFPE => "it crashed: arithmetic error (SIGFPE)",
        libc::SIGABRT => "it aborted (SIGABRT); an allocation past the memory limit ends so",
        libc::SIGSYS => "the syscall filter stopped it (SIGSYS)",
        libc::SIGXCPU => "it used up its CPU time limit (SIGXCPU; --cpu-limit-secs)",
        libc::SIGKILL => {
            "it was killed (SIGKILL), by the kernel's out-of-memory killer or another process"
        }
        _ => return format!("it was killed by signal {signal}"),
    };
    what.to_owned()
}

/// "the strategy process died at event N (data time T): reason", the
/// strategy having seen `event_index` market events at local time
/// `data_ts_ns` (0: before the first event).
pub fn death_line(event_index: u64, data_ts_ns: i64, reason: &str) -> String {
    let when = if data_ts_ns > 0 {
        format!("data time {}", format_data_time(data_ts_ns))
    } else {
        "before the first event".to_owned()
    };
    format!("the strategy process died at event {event_index} ({when}): {reason}")
}

/// The worker's last console lines, as a report shows them.
pub fn console_block(console: &[String]) -> String {
    let mut text = String::new();
    if !console.is_empty() {
        text.push_str("its last console lines:");
        for line in console {
            text.push_str("\n  ");
            text.push_str(line);
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deaths_are_worded_with_the_event_the_time_and_the_reason() {
        assert_eq!(
            death_line(0, 0, "it exited with code 4 before the run finished"),
            "the strategy process died at event 0 (before the first event): it exited with code 4 before the run finished"
        );
        // 2026-03-02 14:30:48.276441 UTC.
        let ts_ns = 1_772_461_848_276_441_000;
        assert_eq!(
            death_line(4193, ts_ns, "boom"),
            format!(
                "the strategy process died at event 4193 (data time {}): boom",
                format_data_time(ts_ns)
            )
        );
        assert_eq!(
            console_block(&["a".to_owned(), "b".to_owned()]),
            "its last console lines:\n  a\n  b"
        );
        assert_eq!(console_block(&[]), "");
        assert_eq!(
            reason_of(Some(ExitStatus::from_raw(4 << 8))),
            "it exited with code 4 before the run finished"
        );
        assert_eq!(
            reason_of(Some(ExitStatus::from_raw(libc::SIGSEGV))),
            "it crashed: segmentation fault (SIGSEGV), a bad memory access in native code"
        );
    }
}
