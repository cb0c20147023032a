//! The days of a run, told to the strategy: `on_day_start` before the
//! first thing it sees at or after each day's midnight (UTC), `on_day_end`
//! before the next day starts and before `on_finish`; and the warm-up's
//! start, before which it is told nothing.

use crate::market::catalog::Day;
use crate::strategy::{Callback, Strategy};

use super::{RunError, Runner};

/// The days of a run, for the day callbacks.
#[derive(Debug)]
pub(super) struct DayMarks {
    /// Each day's midnight UTC (ns) and the day, oldest first.
    days: Vec<(i64, Day)>,
    /// The day running now, once one has started.
    current: Option<usize>,
}

impl DayMarks {
    /// Start of the day after the current one, `i64::MAX` after the last.
    fn next_start_ns(&self) -> i64 {
        let next = self.current.map_or(0, |i| i + 1);
        self.days.get(next).map_or(i64::MAX, |&(ts, _)| ts)
    }
}

impl<'a, S: Strategy> Runner<'a, S> {
    /// Tells the runner the run's days (oldest first), so that the strategy
    /// hears of each with `on_day_start` and `on_day_end`, and hands it
    /// nothing seen before local time `watch_from_ns` (the start of a
    /// warm-up; `i64::MIN` for all). Call it before the first step.
    pub fn set_days(&mut self, days: &[Day], watch_from_ns: i64) {
        self.days = (!days.is_empty()).then(|| {
            Box::new(DayMarks {
                days: days.iter().map(|&day| (day.start_ns(), day)).collect(),
                current: None,
            })
        });
        self.watch_from_ns = watch_from_ns;
        // Until the first day starts, the first thing watched starts it.
        self.mark_ns = if self.days.is_some() {
            watch_from_ns
        } else {
            i64::MAX
        };
    }

    /// The day the strategy is in, once it has started.
    pub fn current_day(&self) -> Option<Day> {
        let marks = self.days.as_deref()?;
        marks.current.map(|i| marks.days[i].1)
    }

    /// The strategy moves to the day of local time `now_ns`: the day
    /// before ends and the new one starts (the first day only starts).
    #[cold]
    pub(super) fn cross_days(&mut self, now_ns: i64) -> Result<(), RunError> {
        self.watch_from_ns = i64::MIN;
        let Some(marks) = self.days.as_deref_mut() else {
            self.mark_ns = i64::MAX;
            return Ok(());
        };
        let ended = marks.current.map(|i| marks.days[i].1);
        let index = marks
            .days
            .iter()
            .rposition(|&(start, _)| start <= now_ns)
            .unwrap_or(0)
            .max(marks.current.unwrap_or(0));
        if marks.current == Some(index) {
            self.mark_ns = marks.next_start_ns();
            return Ok(());
        }
        marks.current = Some(index);
        let started = marks.days[index].1;
        self.mark_ns = marks.next_start_ns();
        if let Some(day) = ended {
            if self.callbacks.contains(Callback::DayEnd) {
                self.call(Callback::DayEnd, |s, ctx| s.on_day_end(ctx, day))?;
            }
        }
        if self.callbacks.contains(Callback::DayStart) {
            self.call(Callback::DayStart, |s, ctx| s.on_day_start(ctx, started))?;
        }
        Ok(())
    }
}
