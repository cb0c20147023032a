//! Checkpoints: how a seek backwards finds its way.
//!
//! The engine and the strategy cannot be cloned: the engine owns a loader
//! thread and boxed models, and a Python or rule strategy holds state the
//! session cannot copy. Since the engine is deterministic, the checkpoint
//! that always works is "re-run from the start to event N", and that is
//! what a seek backwards does. Re-running goes at the headless throughput
//! (a 2-million-event day takes about a second), and the session measures
//! each re-run and says in the console how long it took.
//!
//! The session thread makes seeks cheap another way: it keeps more replays of the same run behind the current position (the
//! standby runs of `session::standby`: one just behind, a ladder of rungs
//! below), and a seek that a re-run from the start would pass one on the
//! way to takes the furthest such over.
//!
//! What is kept every [`Checkpoints::every_events`] market events is the
//! *position* reached (time, wakes, fills, order updates, and a digest of
//! every order update, fill and console line). A re-run passing
//! the same event index must reach the same position; when it does not, the
//! strategy is not deterministic (an unseeded random generator, the wall
//! clock) and the session says so once, since seeks and reloads can then
//! not reproduce what was shown.

use crate::sim::Engine;

/// Market events between two checkpoints by default.
pub const DEFAULT_CHECKPOINT_EVENTS: u64 = 10_000;

/// Where a run stood after a given number of market events.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    /// Market events the strategy had seen.
    pub events_seen: u64,
    /// Local time, ns.
    pub now_ns: i64,
    /// Things the strategy had been woken for.
    pub wakes: u64,
    /// Fills booked.
    pub fills: usize,
    /// Order updates produced.
    pub order_updates: usize,
    /// The digest of every order update, fill and console line so far
    /// (see [`super::digest`]).
    pub digest: u64,
}

/// What a run booked so far, counted by the caller.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Fills booked.
    pub fills: usize,
    /// Order updates produced.
    pub order_updates: usize,
    /// The digest of every order update, fill and console line.
    pub digest: u64,
}

impl Checkpoint {
    /// The position of `engine` after `wakes` wakes with what it booked
    /// (the engine may hand its rows to a sink, so the caller counts
    /// them).
    pub fn of(engine: &Engine<'_>, wakes: u64, tally: Tally) -> Self {
        Checkpoint {
            events_seen: engine.events_seen(),
            now_ns: engine.now_ns(),
            wakes,
            fills: tally.fills,
            order_updates: tally.order_updates,
            digest: tally.digest,
        }
    }
}

/// The positions a run passed, every `every_events` market events.
#[derive(Clone, Debug)]
pub struct Checkpoints {
    every_events: u64,
    marks: Vec<Checkpoint>,
    next_events: u64,
}

impl Checkpoints {
    /// Positions every `every_events` market events (at least 1).
    pub fn new(every_events: u64) -> Self {
        let every_events = every_events.max(1);
        Checkpoints {
            every_events,
            marks: Vec::new(),
            next_events: every_events,
        }
    }

    /// Market events between two checkpoints.
    pub fn every_events(&self) -> u64 {
        self.every_events
    }

    /// Forgets every position: the strategy changed, so a re-run may go
    /// elsewhere.
    pub fn clear(&mut self) {
        self.marks.clear();
        self.next_events = self.every_events;
    }

    /// Starts over from the beginning of the run, keeping the positions
    /// seen, to check the re-run against them.
    pub fn rewind(&mut self) {
        self.next_events = self.every_events;
    }

    /// Notes the position after a step: `events_seen` market events (over
    /// every instrument of the run) at local time `now_ns`; `counts` gives
    /// what the run booked so far. Returns the checkpoint the run passed
    /// before and now misses, when it does.
    #[inline]
    pub fn observe(
        &mut self,
        events_seen: u64,
        now_ns: i64,
        wakes: u64,
        counts: impl FnOnce() -> Tally,
    ) -> Option<(Checkpoint, Checkpoint)> {
        if events_seen < self.next_events {
            return None;
        }
        self.next_events = events_seen + self.every_events - events_seen % self.every_events;
        let tally = counts();
        let now = Checkpoint {
            events_seen,
            now_ns,
            wakes,
            fills: tally.fills,
            order_updates: tally.order_updates,
            digest: tally.digest,
        };
        let index = usize::try_from(now.events_seen / self.every_events)
            .unwrap_or(usize::MAX)
            .saturating_sub(1);
        match self.marks.get(index) {
            Some(before) if *before != now => Some((*before, now)),
            Some(_) => None,
            None => {
                if index == self.marks.len() {
                    self.marks.push(now);
                }
                None
            }
        }
    }

    /// The last position at or before `events_seen`.
    pub fn nearest_before(&self, events_seen: u64) -> Option<&Checkpoint> {
        self.marks
            .iter()
            .take_while(|mark| mark.events_seen <= events_seen)
            .last()
    }

    /// Every position noted, in order.
    pub fn marks(&self) -> &[Checkpoint] {
        &self.marks
    }

    /// Takes on the positions `record` noted past the ones noted here,
    /// when both are of the same run (a standby run taking over from the
    /// run it stood in for keeps checking against what that run passed).
    pub(crate) fn extend_from(&mut self, record: &Checkpoints) {
        if record.every_events != self.every_events {
            return;
        }
        if let Some(later) = record.marks.get(self.marks.len()..) {
            self.marks.extend_from_slice(later);
        }
    }
}

impl Default for Checkpoints {
    fn default() -> Self {
        Checkpoints::new(DEFAULT_CHECKPOINT_EVENTS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tally(fills: usize) -> Tally {
        Tally {
            fills,
            order_updates: fills + 1,
            digest: fills as u64 * 31,
        }
    }

    #[test]
    fn a_run_taking_over_keeps_the_positions_the_run_before_it_passed() {
        let mut before = Checkpoints::new(10);
        for (events, fills) in [(10, 1), (20, 2), (30, 4)] {
            assert_eq!(
                before.observe(events, events as i64, events, || tally(fills)),
                None
            );
        }
        let mut standby = Checkpoints::new(10);
        assert_eq!(standby.observe(10, 10, 10, || tally(1)), None);
        standby.extend_from(&before);
        assert_eq!(standby.marks(), before.marks());
        // It goes on checking: at 20 it had 2 fills, not 3.
        let missed = standby.observe(20, 20, 20, || tally(3));
        assert_eq!(
            missed.map(|(was, now)| (was.fills, now.fills, was.digest, now.digest)),
            Some((2, 3, 62, 93))
        );
        // Positions every other number of events are another grid.
        let mut other = Checkpoints::new(5);
        other.extend_from(&before);
        assert!(other.marks().is_empty());
    }
}
