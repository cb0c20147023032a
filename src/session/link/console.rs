//! A worker's last console lines (its standard error), kept for the
//! report of its death.
//!
//! Copies of text the strategy printed ([`ConsoleLine::Printed`]) are kept
//! until the callback that printed them returns (then the run's log has
//! them); anything else the worker writes (a Python crash report) is
//! kept as it comes.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::worker::printed::ConsoleLine;

/// Console lines kept for a death report.
pub(crate) const CONSOLE_LINES: usize = 20;

/// The kept lines of a worker's console, filled by a thread of its own.
pub(crate) struct Console {
    /// Each line and whether it is a copy of printed text.
    lines: Arc<Mutex<VecDeque<(bool, String)>>>,
    thread: Option<JoinHandle<()>>,
}

impl Console {
    /// Starts keeping the lines of `stderr`.
    pub(crate) fn follow(stderr: impl Read + Send + 'static) -> std::io::Result<Console> {
        let lines = Arc::new(Mutex::new(VecDeque::new()));
        let kept = Arc::clone(&lines);
        let thread = std::thread::Builder::new()
            .name("ticklab-session-console".into())
            .spawn(move || {
                for line in BufReader::new(stderr).lines() {
                    let Ok(line) = line else { break };
                    let Ok(mut kept) = kept.lock() else { break };
                    keep(&mut kept, &line);
                }
            })?;
        Ok(Console {
            lines,
            thread: Some(thread),
        })
    }

    /// The kept lines, waiting up to `wait` for the console to close (it
    /// does right after the worker dies).
    pub(crate) fn last_lines(&mut self, wait: Duration) -> Vec<String> {
        let until = Instant::now() + wait;
        while self
            .thread
            .as_ref()
            .is_some_and(|thread| !thread.is_finished())
            && Instant::now() < until
        {
            std::thread::sleep(Duration::from_millis(5));
        }
        self.lines
            .lock()
            .map(|lines| lines.iter().map(|(_, line)| line.clone()).collect())
            .unwrap_or_default()
    }
}

/// Takes one console line into `kept`.
fn keep(kept: &mut VecDeque<(bool, String)>, line: &str) {
    let (line, copy) = match ConsoleLine::of(line) {
        ConsoleLine::Printed(text) => (text, true),
        ConsoleLine::Returned => {
            kept.retain(|(copy, _)| !copy);
            return;
        }
        ConsoleLine::Other(line) => (line, false),
    };
    if kept.len() == CONSOLE_LINES {
        kept.pop_front();
    }
    kept.push_back((copy, line.to_owned()));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::worker::printed::{PRINTED_PREFIX, RETURNED_LINE};

    #[test]
    fn printed_copies_go_when_their_callback_returns_and_the_rest_stays() {
        let text = format!(
            "{PRINTED_PREFIX}first\n{RETURNED_LINE}\n{PRINTED_PREFIX}about to exit\nFatal Python error: Segmentation fault\n"
        );
        let mut console = Console::follow(std::io::Cursor::new(text.into_bytes())).unwrap();
        assert_eq!(
            console.last_lines(Duration::from_secs(5)),
            ["about to exit", "Fatal Python error: Segmentation fault"]
        );
    }
}
