//! Running the replay towards a goal: the step loop, what it collects for
//! the window on the way, and how a failure is recorded.

use std::time::{Duration, Instant};

use crate::market::flags;
use crate::sim::Wake;
use crate::strategy::{python, RunError};

use super::{DynRunner, Replay};
use crate::session::checkpoint::Tally;
use crate::session::signals::signal_record;
use crate::session::update::{ErrorKind, ErrorRecord};

/// Steps between two looks at the clock while running.
const STEPS_PER_CLOCK_CHECK: u32 = 256;

/// Where running should stop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Goal {
    /// When the strategy has seen this many market events.
    EventsSeen(u64),
    /// After a market event flagged `LAST_IN_BATCH`.
    BatchEnd,
    /// After an order update carrying a fill reaches the strategy.
    NextFill,
    /// When the strategy has recorded this many signals.
    SignalsSeen(u64),
    /// When local time reaches this time, ns.
    UntilNs(i64),
    /// At the end of the data.
    End,
}

/// How a call to [`Replay::advance`] ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Progress {
    /// The goal is reached.
    Reached,
    /// The time budget ran out first; call again.
    Budget,
    /// The data is over.
    Finished,
    /// The strategy or the data failed (the error is queued), or there is
    /// nothing to run.
    Stopped,
}

impl Replay {
    /// Sets the heatmap's grid of data time: one column per `step_ns`.
    pub fn set_column_step(&mut self, step_ns: i64) {
        self.tap.columns.set_step(step_ns);
    }

    /// Runs towards `goal` for at most `budget` of real time.
    pub fn advance(&mut self, goal: Goal, budget: Duration) -> Progress {
        // Where the run lands, when known: the heatmap samples only the
        // stretch before it, not every grid cell of a long run.
        let landing_ns = match goal {
            Goal::UntilNs(ts_ns) => Some(ts_ns),
            Goal::End => self.span_ns.map(|(_, end_ns)| end_ns).or(self.landing_ns),
            _ => self.landing_ns,
        };
        self.tap.columns.land_at(landing_ns);
        // A Python strategy's callbacks run with the thread attached to the
        // interpreter for the whole slice, not attaching for each one. The
        // window's runs (the one shown, its standbys, other sessions') take
        // turns, each with its own global random generators.
        let progress = if self.choice.is_python() && self.options.for_window {
            python::taking_turns(|| self.advance_alone(goal, budget))
        } else if self.choice.is_python() {
            python::attached(|| self.advance_inner(goal, budget))
        } else {
            self.advance_inner(goal, budget)
        };
        if progress != Progress::Budget {
            self.landing_ns = None;
        }
        progress
    }

    /// [`Replay::advance_inner`] of a Python strategy in its turn: with
    /// the global random generators as this run left them, saved after.
    fn advance_alone(&mut self, goal: Goal, budget: Duration) -> Progress {
        if let Some(random) = &self.random {
            if let Err(err) = random.restore() {
                self.random_failed(&err);
            }
        }
        let progress = python::attached(|| self.advance_inner(goal, budget));
        match python::GlobalRandom::capture() {
            Ok(random) => self.random = Some(random),
            Err(err) => self.random_failed(&err),
        }
        progress
    }

    /// Says once that the random generators cannot be kept apart.
    fn random_failed(&mut self, err: &crate::strategy::StrategyError) {
        self.random = None;
        if !self.random_said {
            self.random_said = true;
            self.note(format!(
                "{err}: runs of this strategy in one process may draw each other's random numbers"
            ));
        }
    }

    fn advance_inner(&mut self, goal: Goal, budget: Duration) -> Progress {
        if self.failed {
            return Progress::Stopped;
        }
        let Some(runner) = self.runner.as_mut() else {
            return Progress::Stopped;
        };
        if runner.is_finished() {
            return Progress::Finished;
        }
        if Self::is_reached(goal, runner, None, self.signals) {
            return Progress::Reached;
        }
        let started = Instant::now();
        if goal == Goal::End && !self.options.for_window {
            // A batch run to the end: nothing to collect on the way, so
            // the runner takes its steps without handing each one back.
            loop {
                match runner.run_steps(STEPS_PER_CLOCK_CHECK, &mut self.wakes) {
                    Ok(true) => return Progress::Finished,
                    Ok(false) if started.elapsed() >= budget => return Progress::Budget,
                    Ok(false) => {}
                    Err(err) => {
                        self.fail(err);
                        return Progress::Stopped;
                    }
                }
            }
        }
        let mut steps_left = STEPS_PER_CLOCK_CHECK;
        loop {
            // Whether an order update carried a fill is all a goal asks of it.
            let wake = match runner.step() {
                Ok(wake) => wake.map_order(|update| update.fill.is_some()),
                Err(err) => {
                    self.wakes += 1;
                    self.fail(err);
                    return Progress::Stopped;
                }
            };
            self.wakes += 1;
            // A batch run has nothing to collect and no seek to prepare.
            if self.options.for_window {
                if let Some(feed) = &self.signal_feed {
                    if !feed.is_empty() {
                        for signal in feed.drain() {
                            self.signals += 1;
                            self.pending_signals.push(signal_record(&signal));
                        }
                    }
                }
                if let Wake::Market(ev) = &wake {
                    // The window follows one instrument: its trades, touch
                    // and book.
                    if runner.last_instrument() == self.focus {
                        if let Some(followed) = runner.engine_of(self.focus) {
                            self.tap.on_market(followed, ev);
                        }
                    }
                }
                let rows = &self.rows;
                let seen = runner.events_seen();
                let now_ns = runner.now_ns();
                let logs = &mut self.logs;
                // The console lines so far go into the digest as the rows
                // do: a checkpoint tells apart runs that said other things.
                let counts = || {
                    logs.take_from(runner);
                    rows.as_ref().map_or(Tally::default(), |rows| {
                        let rows = rows.borrow();
                        Tally {
                            fills: rows.fills_total,
                            order_updates: rows.orders_total,
                            digest: rows.digest.with(logs.digest).value(),
                        }
                    })
                };
                if let Some((before, now)) =
                    self.checkpoints.observe(seen, now_ns, self.wakes, counts)
                {
                    if !self.diverged_reported {
                        self.diverged_reported = true;
                        let same_counts = (before.fills, before.order_updates, before.now_ns)
                            == (now.fills, now.order_updates, now.now_ns);
                        let message = format!(
                            "the strategy is not deterministic: after {} events this run has {} fills and {} order updates at local time {} ns, the previous run had {} fills and {} order updates at {} ns{}; seeks and reloads cannot reproduce what was shown",
                            now.events_seen, now.fills, now.order_updates, now.now_ns,
                            before.fills, before.order_updates, before.now_ns,
                            if same_counts { " (other orders, fills or console lines)" } else { "" }
                        );
                        self.errors
                            .push(ErrorRecord::msg(ErrorKind::Strategy, message));
                    }
                }
            }
            if wake == Wake::Finished {
                return Progress::Finished;
            }
            if Self::is_reached(goal, runner, Some(&wake), self.signals) {
                return Progress::Reached;
            }
            steps_left -= 1;
            if steps_left == 0 {
                steps_left = STEPS_PER_CLOCK_CHECK;
                if started.elapsed() >= budget {
                    return Progress::Budget;
                }
            }
        }
    }

    /// True when `goal` holds after `wake` (or, with no wake, before any
    /// step).
    #[inline]
    fn is_reached(goal: Goal, runner: &DynRunner, wake: Option<&Wake<bool>>, signals: u64) -> bool {
        match goal {
            Goal::EventsSeen(n) => runner.events_seen() >= n,
            Goal::UntilNs(ts_ns) => runner.now_ns() >= ts_ns && runner.now_ns() != i64::MIN,
            Goal::BatchEnd => {
                matches!(wake, Some(Wake::Market(ev)) if ev.flags & flags::LAST_IN_BATCH != 0)
            }
            Goal::NextFill => {
                matches!(wake, Some(Wake::Order(true)))
            }
            Goal::SignalsSeen(n) => signals >= n,
            Goal::End => false,
        }
    }

    fn fail(&mut self, err: RunError) {
        self.failed = true;
        let kind = match err {
            RunError::Engine(_) => ErrorKind::Engine,
            RunError::Strategy { .. } => ErrorKind::Strategy,
        };
        let mut record = ErrorRecord::of(kind, &err);
        if let RunError::Strategy {
            callback,
            event_index,
            ts_ns,
            source,
        } = &err
        {
            record.event_index = Some(*event_index);
            record.ts_ns = Some(*ts_ns);
            record.message =
                strategy_failure_text(callback, *event_index, *ts_ns, &source.to_string());
            // The strategy's own words are in the message: no cause chain.
            record.detail.clear();
        }
        // A traceback is many lines: the first says what, the rest where.
        if let Some((first, rest)) = record.message.split_once('\n') {
            let rest = rest.to_owned();
            record.message = first.to_owned();
            record.detail = if record.detail.is_empty() {
                rest
            } else {
                format!("{rest}\n{}", record.detail)
            };
        }
        self.report(record);
    }
}

/// What a Python host says it was doing while it ran the strategy's file
/// and made its instance.
const LOADING: &str = "loading the strategy";

/// How a failed callback reads: the callback that ran (a Python host
/// names the one it called, e.g. `on_trade` for a market event), the
/// event and the data time, then what the strategy said; the traceback
/// stays on the lines after.
pub(crate) fn strategy_failure_text(
    callback: &str,
    event_index: u64,
    ts_ns: i64,
    said: &str,
) -> String {
    let (first, rest) = said.split_once('\n').unwrap_or((said, ""));
    let (summary, called) = match first.rfind(" (during ") {
        Some(at) => {
            let inside = &first[at + " (during ".len()..];
            let name = if inside.starts_with(LOADING) {
                // The file ran, or its class was made, before any callback.
                Some(LOADING)
            } else {
                inside
                    .split([' ', ')'])
                    .next()
                    .filter(|n| n.starts_with("on_") || *n == "__init__")
            };
            (&first[..at], name)
        }
        None => (first, None),
    };
    let callback = called.unwrap_or(callback);
    let mut text = format!(
        "{callback} failed at event {event_index} ({}): {summary}",
        data_time_text(ts_ns)
    );
    if !rest.is_empty() {
        text.push('\n');
        text.push_str(rest);
    }
    text
}

/// `HH:MM:SS.mmm µµµ UTC, YYYY-MM-DD` of a time in ns since the epoch.
pub(crate) fn data_time_text(ts_ns: i64) -> String {
    let day = crate::market::catalog::Day::from_ts_ns(ts_ns);
    let ns = ts_ns - day.start_ns();
    format!(
        "{:02}:{:02}:{:02}.{:03} {:03} UTC, {day}",
        ns / 3_600_000_000_000,
        ns / 60_000_000_000 % 60,
        ns / 1_000_000_000 % 60,
        ns / 1_000_000 % 1_000,
        ns / 1_000 % 1_000
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_failure_names_the_callback_python_called_and_a_readable_time() {
        // 2026-03-02 14:35:00.474686123 UTC.
        let ts_ns = 1_772_462_100_474_686_123;
        let said = "queue_mm.py:42: ZeroDivisionError: division by zero (during on_trade at data time 2026-03-02 14:35:00.474686123 UTC)\nTraceback (most recent call last):\n  File \"queue_mm.py\", line 42";
        assert_eq!(
            strategy_failure_text("on_market", 21_922, ts_ns, said),
            "on_trade failed at event 21922 (14:35:00.474 686 UTC, 2026-03-02): queue_mm.py:42: ZeroDivisionError: division by zero\nTraceback (most recent call last):\n  File \"queue_mm.py\", line 42"
        );
        assert_eq!(
            strategy_failure_text("on_order", 7, ts_ns, "boom"),
            "on_order failed at event 7 (14:35:00.474 686 UTC, 2026-03-02): boom"
        );
    }

    #[test]
    fn a_failure_while_loading_says_so_rather_than_naming_on_start() {
        // 2026-03-02 14:30:00 UTC.
        let ts_ns = 1_772_461_800_000_000_000;
        let said = "badload.py:4: ValueError: nope (during loading the strategy at data time 2026-03-02 14:30:00.000000000 UTC)\nTraceback (most recent call last):";
        assert_eq!(
            strategy_failure_text("on_start", 0, ts_ns, said),
            "loading the strategy failed at event 0 (14:30:00.000 000 UTC, 2026-03-02): badload.py:4: ValueError: nope\nTraceback (most recent call last):"
        );
    }
}
