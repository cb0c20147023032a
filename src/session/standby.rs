//! Standby runs: more replays of the same run, parked behind the current
//! position, so that a seek back (by event or by time) runs only from the
//! nearest one instead of from the start.
//!
//! The engine and the strategy cannot be cloned, so a standby is a second
//! run from the start ([`Replay::twin`]) that the session advances while
//! it waits, while playback waits for the clock, and in a small share of
//! the time of play as fast as possible (`session::thread`). Since the engine is deterministic, a standby that waits at event
//! `e` (local time `t`) is exactly where a re-run from the start would be
//! when it passes event `e`: a seek to an event at or after `e`, or to a
//! time after `t`, may take it over and run only the rest.
//!
//! Where standbys wait ([`ladder_positions`]):
//!
//! - one at the last multiple of [`STANDBY_GRID_EVENTS`] before the
//!   current position, so one step back runs at most that far;
//! - a ladder of at most [`LADDER_RUNGS`] rungs every [`LADDER_EVENTS`]
//!   events below it (the spacing doubles when the run is longer than the
//!   ladder covers), so a seek anywhere, or a second step back before the
//!   first standby is rebuilt, runs at most one spacing.
//!
//! A seek forward takes over the furthest standby past the current
//! position on its way (one left there by a seek back), or runs on.
//!
//! Memory: at most [`MAX_STANDBYS`] runs besides the current one (for a
//! Python strategy, whose ladder has [`PYTHON_LADDER_RUNGS`] rungs every
//! [`PYTHON_LADDER_EVENTS`], 26), each with its engine, its strategy, its
//! loader and what it would send the window (bounded as
//! [`super::update::Batch::append`] bounds it).
//!
//! Python strategies: a standby is a second instance of the strategy in a
//! module of its own, in the same interpreter. What instances could share
//! is handled two ways:
//!
//! - the global random generators (`random`'s, numpy's legacy one) are
//!   put back as each run left them when it takes its turn and saved
//!   after, so each run draws from its own
//!   ([`crate::strategy::python::GlobalRandom`]);
//! - anything else (a module the strategy imports, `logging` handlers) is
//!   caught by checking: every standby's checkpoints (time, wakes, fills,
//!   order updates and the digest of every order update, fill and console
//!   line, every `checkpoint_events`) must equal those the run passed at
//!   the same events, or no standby is used for this run and the console
//!   says why. A standby is taken over only once every checkpoint it
//!   passed was checked; after it takes over, the run goes on checking
//!   against the checkpoints the run before it passed.
//!
//! A standby that fails where the run did not (a Python exception in its
//! instance) is dropped and said as a note, never as the run's failure.

use std::collections::VecDeque;
use std::time::Duration;

use super::checkpoint::Checkpoint;
use super::command::SeekTarget;
use super::replay::{Goal, Progress, Replay};
use super::thread::compact_updates;
use super::update::Update;

/// The nearest standby waits at a multiple of this many market events
/// before the current position, so a step back runs at most this far.
pub const STANDBY_GRID_EVENTS: u64 = 10_000;

/// Market events between two rungs of the standby ladder (when the run
/// is short enough for [`LADDER_RUNGS`] rungs to cover it).
pub const LADDER_EVENTS: u64 = 200_000;

/// Rungs of the standby ladder at most.
pub const LADDER_RUNGS: u64 = 12;

/// Standby runs kept at most: the ladder, the nearest one, and one more
/// (runs left past the current position by a seek back, which a seek
/// forward may take over, go first when room is needed).
pub const MAX_STANDBYS: usize = LADDER_RUNGS as usize + 2;

/// Market events between two rungs for a Python strategy by default: it
/// replays several times slower than a native one (`queue_mm.py` about
/// 0.6 M events/s against 5 M for `mm`), so its rungs stand closer.
pub const PYTHON_LADDER_EVENTS: u64 = 100_000;

/// Rungs of a Python strategy's ladder at most (so at most 26 standby
/// runs besides the current one).
pub const PYTHON_LADDER_RUNGS: u64 = 24;

/// The spacing and the most rungs of `main`'s ladder.
fn ladder_of(main: &Replay) -> (u64, u64) {
    if main.is_python() {
        (main.options().python_ladder_events, PYTHON_LADDER_RUNGS)
    } else {
        (main.options().ladder_events, LADDER_RUNGS)
    }
}

/// Where `main`'s standbys should wait, the most wanted first.
fn wanted_of(main: &Replay) -> Vec<u64> {
    let (spacing, rungs) = ladder_of(main);
    ladder_positions(main.events_seen(), spacing, rungs)
}

/// [`ladder_positions`] with at most [`LADDER_RUNGS`] rungs.
#[cfg(test)]
pub(crate) fn wanted_positions(events_seen: u64, ladder_events: u64) -> Vec<u64> {
    ladder_positions(events_seen, ladder_events, LADDER_RUNGS)
}

/// Where standbys should wait when the run has seen `events_seen` market
/// events, the most wanted first: the last multiple of
/// [`STANDBY_GRID_EVENTS`] before it, then the rungs below that, highest
/// first, every `ladder_events` (at least 1) while `rungs` (at least 1) cover
/// the run. Rungs are multiples of a spacing that only doubles as the run
/// goes on, so rungs already built stay wanted.
pub(crate) fn ladder_positions(events_seen: u64, ladder_events: u64, rungs: u64) -> Vec<u64> {
    let Some(before) = events_seen.checked_sub(1) else {
        return Vec::new();
    };
    let nearest = before - before % STANDBY_GRID_EVENTS;
    let mut wanted = vec![nearest];
    let mut spacing = ladder_events.max(1);
    while nearest / spacing > rungs.max(1) {
        spacing = spacing.saturating_mul(2);
    }
    let mut rung = nearest / spacing * spacing;
    if rung == nearest {
        rung = rung.saturating_sub(spacing);
    }
    while rung > 0 {
        wanted.push(rung);
        rung -= spacing;
    }
    wanted
}

/// True when a run waiting after `events_seen` market events at local
/// time `now_ns` is on the way of a re-run from the start to `target`:
/// the re-run would pass it before reaching the target.
pub(crate) fn on_the_way(events_seen: u64, now_ns: i64, target: SeekTarget) -> bool {
    match target {
        SeekTarget::Event(events) => events_seen <= events,
        SeekTarget::TimeNs(ts_ns) => events_seen == 0 || now_ns < ts_ns,
    }
}

/// Of runs waiting at `(events_seen, now_ns)`, the index of the one a
/// seek to `target` should take over: the furthest on the way, and past
/// `past_events` when the seek goes forward from there.
pub(crate) fn choose(
    positions: &[(u64, i64)],
    target: SeekTarget,
    past_events: Option<u64>,
) -> Option<usize> {
    positions
        .iter()
        .enumerate()
        .filter(|(_, &(events, ns))| on_the_way(events, ns, target))
        .filter(|(_, &(events, _))| past_events.is_none_or(|past| events > past))
        .max_by_key(|(_, &(events, _))| events)
        .map(|(index, _)| index)
}

/// Of a standby's checkpoints `theirs`, the first the run's `ours` do not
/// match from `from` on, or how many match: a checkpoint the run has not
/// passed is left unchecked.
pub(crate) fn check(
    theirs: &[Checkpoint],
    ours: &[Checkpoint],
    from: usize,
) -> Result<usize, (Checkpoint, Checkpoint)> {
    let mut checked = from;
    for (theirs, ours) in theirs.iter().zip(ours).skip(from) {
        if theirs != ours {
            return Err((*theirs, *ours));
        }
        checked += 1;
    }
    Ok(checked)
}

/// How a standby that differed from the run is said in the console.
fn differed_text(theirs: &Checkpoint, ours: &Checkpoint) -> String {
    let what = if (theirs.fills, theirs.order_updates, theirs.now_ns)
        == (ours.fills, ours.order_updates, ours.now_ns)
    {
        "other orders, fills or console lines".to_owned()
    } else {
        format!(
            "{} fills and {} order updates at local time {} ns against {} and {} at {} ns",
            theirs.fills,
            theirs.order_updates,
            theirs.now_ns,
            ours.fills,
            ours.order_updates,
            ours.now_ns
        )
    };
    format!(
        "a standby run of the strategy differed from this run by event {} ({what}): its \
         instances share state (a module they import, logging handlers, the wall clock)",
        theirs.events_seen
    )
}

/// One standby run.
struct Standby {
    replay: Replay,
    /// What it would have sent the window since its start, merged.
    updates: VecDeque<Update>,
    /// The event it is going to, or waits at.
    goal: u64,
    /// Its checkpoints found equal to the run's, from the first.
    checked: usize,
}

impl Standby {
    fn ready(&self) -> bool {
        self.replay.events_seen() >= self.goal
    }

    /// True when every checkpoint it passed was found equal to the run's.
    fn is_checked(&self) -> bool {
        self.checked == self.replay.checkpoints().marks().len()
    }

    /// Its first error, as the console would say it.
    fn error_text(&self) -> Option<String> {
        self.updates.iter().find_map(|update| match update {
            Update::Batch(batch) => batch.errors.first().map(|e| e.message.clone()),
            _ => None,
        })
    }
}

/// The standby runs of the session's current run.
#[derive(Default)]
pub(crate) struct Standbys {
    runs: Vec<Standby>,
    /// True when no standby can be made for this run (a failed or ended
    /// standby, one that differed from the run); cleared when the run
    /// changes.
    unavailable: bool,
}

impl Standbys {
    /// Forgets every standby: the run changed.
    pub(crate) fn clear(&mut self) {
        self.runs.clear();
        self.unavailable = false;
    }

    /// Drops every standby for the rest of this run and says why in the
    /// run's console.
    fn turn_off(&mut self, main: &mut Replay, why: &str) {
        self.runs.clear();
        self.unavailable = true;
        main.note(format!(
            "standby runs are off for this run: {why}; seeks and steps back re-run from the start"
        ));
    }

    /// The position the next slice of work goes to, if any.
    fn next_goal(&self, main: &Replay) -> Option<u64> {
        if self.unavailable || main.is_failed() || main.runner().is_none() {
            return None;
        }
        wanted_of(main)
            .into_iter()
            .find(|&p| !self.runs.iter().any(|s| s.goal == p && s.ready()))
    }

    /// True when a standby has somewhere to go.
    pub(crate) fn has_work(&self, main: &Replay) -> bool {
        self.next_goal(main).is_some()
    }

    /// Moves one standby towards where it should wait, for `budget` of
    /// real time. Returns true when it left a note in `main`'s console.
    pub(crate) fn slice(&mut self, main: &mut Replay, budget: Duration) -> bool {
        let Some(goal) = self.next_goal(main) else {
            return false;
        };
        let wanted = wanted_of(main);
        let most = usize::try_from(ladder_of(main).1).unwrap_or(usize::MAX) + 2;
        let nearest = wanted.first().copied() == Some(goal);
        let is_free = |s: &Standby| !wanted.contains(&s.goal);
        let index = match self.runs.iter().position(|s| s.goal == goal) {
            Some(index) => Some(index),
            None => self
                .runs
                .iter()
                .enumerate()
                // The nearest standby may take a rung below it: the rung
                // is rebuilt later, a step back is ready sooner.
                .filter(|(_, s)| (nearest || is_free(s)) && s.replay.events_seen() <= goal)
                .max_by_key(|(_, s)| s.replay.events_seen())
                .map(|(index, _)| index),
        };
        let index = match index {
            Some(index) => Some(index),
            None => {
                // Room for one more: the free run furthest on goes.
                while self.runs.len() >= most {
                    let furthest = self
                        .runs
                        .iter()
                        .enumerate()
                        .filter(|(_, s)| is_free(s))
                        .max_by_key(|(_, s)| s.replay.events_seen())
                        .map(|(index, _)| index);
                    match furthest {
                        Some(index) => drop(self.runs.swap_remove(index)),
                        None => break,
                    }
                }
                self.twin_of(main, goal)
            }
        };
        let Some(index) = index else {
            self.unavailable = true;
            return false;
        };
        let Some(standby) = self.runs.get_mut(index) else {
            return false;
        };
        standby.goal = goal;
        let progress = standby.replay.advance(Goal::EventsSeen(goal), budget);
        standby.replay.drain_into(&mut standby.updates);
        compact_updates(&mut standby.updates);
        if standby.replay.is_failed() {
            let at = standby.replay.events_seen();
            let said = standby.error_text().unwrap_or_default();
            let said = said.lines().next().unwrap_or_default();
            self.turn_off(
                main,
                &format!("a standby run of the strategy failed at event {at}, where this run went on: {said}"),
            );
            return true;
        }
        if matches!(progress, Progress::Stopped | Progress::Finished) {
            self.runs.swap_remove(index);
            self.unavailable = true;
            return false;
        }
        let theirs = standby.replay.checkpoints().marks();
        match check(theirs, main.checkpoints().marks(), standby.checked) {
            Ok(checked) => {
                standby.checked = checked;
                false
            }
            Err((theirs, ours)) => {
                self.turn_off(main, &differed_text(&theirs, &ours));
                true
            }
        }
    }

    /// Starts a standby run of `main` going to `goal`; its index.
    fn twin_of(&mut self, main: &Replay, goal: u64) -> Option<usize> {
        let replay = main.twin()?;
        self.runs.push(Standby {
            replay,
            updates: VecDeque::new(),
            goal,
            checked: 0,
        });
        Some(self.runs.len() - 1)
    }

    /// For a seek from `main`, the standby furthest on the way to
    /// `target` with what it would have sent the window since its start:
    /// for a seek forward, only one past `main`; `None` when no checked
    /// standby is on the way (past `main`). A Python standby's random
    /// generators become the interpreter's.
    pub(crate) fn take_for(
        &mut self,
        main: &Replay,
        target: SeekTarget,
    ) -> Option<(Replay, VecDeque<Update>)> {
        let behind = main.is_failed()
            || match target {
                SeekTarget::Event(events) => events < main.events_seen(),
                SeekTarget::TimeNs(ts_ns) => ts_ns < main.now_ns(),
            };
        let past_events = (!behind).then(|| main.events_seen());
        let positions: Vec<(u64, i64)> = self
            .runs
            .iter()
            .map(|s| {
                if s.is_checked() {
                    (s.replay.events_seen(), s.replay.now_ns())
                } else {
                    // Never on the way.
                    (u64::MAX, i64::MAX)
                }
            })
            .collect();
        let index = choose(&positions, target, past_events)?;
        let standby = self.runs.swap_remove(index);
        Some((standby.replay, standby.updates))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mark(events_seen: u64, fills: usize, digest: u64) -> Checkpoint {
        Checkpoint {
            events_seen,
            now_ns: events_seen as i64 * 10,
            wakes: events_seen + 3,
            fills,
            order_updates: fills * 2,
            digest,
        }
    }

    #[test]
    fn a_standby_is_checked_as_far_as_the_run_has_passed() {
        let ours = [mark(10, 1, 7), mark(20, 2, 9)];
        assert_eq!(check(&[], &ours, 0), Ok(0));
        assert_eq!(check(&[mark(10, 1, 7)], &ours, 0), Ok(1));
        // From where it was checked before, and no further than the run.
        let theirs = [mark(10, 1, 7), mark(20, 2, 9), mark(30, 2, 11)];
        assert_eq!(check(&theirs, &ours, 1), Ok(2));
        assert_eq!(check(&theirs, &[], 0), Ok(0));
    }

    #[test]
    fn a_standby_that_passed_a_checkpoint_otherwise_differs() {
        let ours = [mark(10, 1, 7), mark(20, 2, 9)];
        let theirs = [mark(10, 1, 7), mark(20, 2, 8)];
        assert_eq!(
            check(&theirs, &ours, 0),
            Err((mark(20, 2, 8), mark(20, 2, 9)))
        );
        assert_eq!(
            differed_text(&mark(20, 2, 8), &mark(20, 2, 9)),
            "a standby run of the strategy differed from this run by event 20 (other orders, \
             fills or console lines): its instances share state (a module they import, logging \
             handlers, the wall clock)"
        );
        assert_eq!(
            differed_text(&mark(20, 3, 8), &mark(20, 2, 9)),
            "a standby run of the strategy differed from this run by event 20 (3 fills and 6 \
             order updates at local time 200 ns against 2 and 4 at 200 ns): its instances share \
             state (a module they import, logging handlers, the wall clock)"
        );
        // A checkpoint checked before is not checked again.
        assert_eq!(check(&theirs, &ours, 2), Ok(2));
    }

    #[test]
    fn nothing_is_wanted_at_the_start() {
        assert_eq!(wanted_positions(0, LADDER_EVENTS), Vec::<u64>::new());
        assert_eq!(wanted_positions(1, LADDER_EVENTS), vec![0]);
        assert_eq!(wanted_positions(10_000, LADDER_EVENTS), vec![0]);
        assert_eq!(wanted_positions(10_001, LADDER_EVENTS), vec![10_000]);
    }

    #[test]
    fn the_ladder_has_rungs_every_200_000_events_below_the_nearest() {
        assert_eq!(wanted_positions(199_999, LADDER_EVENTS), vec![190_000]);
        assert_eq!(wanted_positions(200_000, LADDER_EVENTS), vec![190_000]);
        assert_eq!(wanted_positions(200_001, LADDER_EVENTS), vec![200_000]);
        assert_eq!(
            wanted_positions(215_000, LADDER_EVENTS),
            vec![210_000, 200_000]
        );
        assert_eq!(
            wanted_positions(650_123, LADDER_EVENTS),
            vec![650_000, 600_000, 400_000, 200_000]
        );
    }

    #[test]
    fn the_ladder_spacing_doubles_past_its_rungs() {
        // 12 rungs of 200 000 reach 2 400 000; past that, 400 000.
        let wanted = wanted_positions(2_400_001, LADDER_EVENTS);
        assert_eq!(wanted.len(), 12);
        assert_eq!(wanted[0], 2_400_000);
        assert_eq!(wanted[1], 2_200_000);
        assert_eq!(wanted[11], 200_000);
        assert_eq!(
            wanted_positions(2_600_001, LADDER_EVENTS),
            vec![2_600_000, 2_400_000, 2_000_000, 1_600_000, 1_200_000, 800_000, 400_000]
        );
        // Far on, still at most 12 rungs and the nearest.
        let wanted = wanted_positions(50_000_000_123, LADDER_EVENTS);
        assert_eq!(wanted[0], 50_000_000_000);
        assert!(wanted.len() <= 13, "{wanted:?}");
        assert!(wanted.windows(2).all(|w| w[0] > w[1]), "{wanted:?}");
    }

    #[test]
    fn a_python_ladder_has_24_rungs_every_100_000_events() {
        // At 95 % of the BTC-PERP day: the nearest and 18 rungs.
        let wanted = ladder_positions(1_901_749, PYTHON_LADDER_EVENTS, PYTHON_LADDER_RUNGS);
        assert_eq!(wanted.len(), 19);
        assert_eq!(wanted[..3], [1_900_000, 1_800_000, 1_700_000]);
        assert_eq!(wanted[18], 100_000);
        // Past 2.4 million events, every 200 000.
        let wanted = ladder_positions(2_500_001, PYTHON_LADDER_EVENTS, PYTHON_LADDER_RUNGS);
        assert_eq!(wanted[..3], [2_500_000, 2_400_000, 2_200_000]);
        assert_eq!(wanted.len(), 13);
    }

    #[test]
    fn the_ladder_spacing_is_a_setting() {
        assert_eq!(
            wanted_positions(25_000, 5_000),
            vec![20_000, 15_000, 10_000, 5_000]
        );
        // A spacing of 0 is taken as 1, doubled to 2 048 for 12 rungs to
        // cover 20 000 events: 9 rungs.
        let wanted = wanted_positions(25_000, 0);
        assert_eq!(wanted.len(), 10);
        assert_eq!(wanted[1..3], [18_432, 16_384]);
        assert_eq!(wanted[9], 2_048);
    }

    #[test]
    fn a_seek_by_event_takes_the_furthest_standby_at_or_before_it() {
        let positions = [(200_000, 50), (400_000, 90), (410_000, 95)];
        assert_eq!(
            choose(&positions, SeekTarget::Event(409_999), None),
            Some(1)
        );
        assert_eq!(
            choose(&positions, SeekTarget::Event(410_000), None),
            Some(2)
        );
        assert_eq!(
            choose(&positions, SeekTarget::Event(400_000), None),
            Some(1)
        );
        assert_eq!(
            choose(&positions, SeekTarget::Event(399_999), None),
            Some(0)
        );
        assert_eq!(choose(&positions, SeekTarget::Event(199_999), None), None);
    }

    #[test]
    fn a_seek_forward_takes_only_a_standby_past_the_current_position() {
        let positions = [(200_000, 50), (400_000, 90), (410_000, 95)];
        assert_eq!(
            choose(&positions, SeekTarget::Event(405_000), Some(300_000)),
            Some(1)
        );
        assert_eq!(
            choose(&positions, SeekTarget::Event(405_000), Some(400_000)),
            None
        );
        assert_eq!(
            choose(&positions, SeekTarget::TimeNs(100), Some(405_000)),
            Some(2)
        );
        assert_eq!(
            choose(&positions, SeekTarget::TimeNs(100), Some(410_000)),
            None
        );
    }

    #[test]
    fn a_seek_by_time_takes_the_furthest_standby_strictly_before_it() {
        let positions = [(200_000, 50), (400_000, 90), (410_000, 95)];
        assert_eq!(choose(&positions, SeekTarget::TimeNs(96), None), Some(2));
        // A re-run stops at the first moment local time reaches 95: that
        // may be before the standby waiting at 95.
        assert_eq!(choose(&positions, SeekTarget::TimeNs(95), None), Some(1));
        assert_eq!(choose(&positions, SeekTarget::TimeNs(51), None), Some(0));
        assert_eq!(choose(&positions, SeekTarget::TimeNs(50), None), None);
        // A standby at the start is a fresh run: on the way of anything.
        assert_eq!(choose(&[(0, 70)], SeekTarget::TimeNs(10), None), Some(0));
    }
}
