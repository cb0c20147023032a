//! The data browser's run selection: which symbols and which days of the
//! open folder one run covers (on one clock and one account, as
//! `ticklab run --symbol A,B --day D1..D2` runs them).
//!
//! Symbols are ticked in the order that breaks ties at equal times; days
//! are ticked one by one, or all. Ticked days that follow each other among
//! the folder's days open as a range (`D1..D2`: a missing day inside it is
//! a gap of that symbol), others as a list.

use std::path::PathBuf;

use egui::RichText;

use crate::market::catalog::Day;
use crate::market::day_range::DaySelection;
use crate::session::update::CatalogView;
use crate::session::{Command, RunInfo};

use super::format;
use super::view::View;
use super::Action;

/// Label of the button that opens the ticked symbols and days.
pub const RUN_SELECTION_LABEL: &str = "Run selection";

/// Most rows of the days list before it scrolls, points.
const DAYS_MAX_HEIGHT: f32 = 140.0;

/// The symbols and days ticked for the next run.
#[derive(Debug, Default)]
pub struct RunSelection {
    /// Ticked symbols, in the order ticked.
    pub symbols: Vec<String>,
    /// Ticked days, oldest first.
    pub days: Vec<Day>,
    /// The run the ticks were last set from (folder, symbols, days).
    synced: Option<(PathBuf, Vec<String>, Vec<Day>)>,
}

/// Every day any symbol of `catalog` has, oldest first, with its events
/// over all symbols.
pub fn folder_days(catalog: &CatalogView) -> Vec<(Day, u64)> {
    let mut days: Vec<(Day, u64)> = Vec::new();
    for symbol in &catalog.symbols {
        for day in &symbol.days {
            match days.iter_mut().find(|(d, _)| *d == day.day) {
                Some((_, rows)) => *rows += day.rows,
                None => days.push((day.day, day.rows)),
            }
        }
    }
    days.sort_unstable_by_key(|(d, _)| *d);
    days
}

/// The days `ticked` among `available` (both oldest first) as a run asks
/// for them: one day, a range when they follow each other among the
/// folder's days, else the list.
pub fn days_selection(ticked: &[Day], available: &[Day]) -> DaySelection {
    let (Some(&first), Some(&last)) = (ticked.first(), ticked.last()) else {
        return DaySelection::List(Vec::new());
    };
    if first == last {
        return DaySelection::List(vec![first]);
    }
    let between = available
        .iter()
        .filter(|d| (first..=last).contains(d))
        .count();
    if between == ticked.len() {
        DaySelection::Range(first, last)
    } else {
        DaySelection::List(ticked.to_vec())
    }
}

/// The days ticked after ticking `day` with Shift held: every day of
/// `available` between it and the nearest day ticked before (both
/// included), as a range is picked in a list; oldest first.
pub fn ticked_through(ticked: &[Day], available: &[Day], day: Day) -> Vec<Day> {
    let nearest = ticked
        .iter()
        .copied()
        .min_by_key(|d| (d.start_ns() - day.start_ns()).unsigned_abs());
    let (from, to) = match nearest {
        Some(other) if other < day => (other, day),
        Some(other) => (day, other),
        None => (day, day),
    };
    let mut days: Vec<Day> = ticked.to_vec();
    days.extend(
        available
            .iter()
            .copied()
            .filter(|d| (from..=to).contains(d)),
    );
    days.sort_unstable();
    days.dedup();
    days
}

impl RunSelection {
    /// Ticks what `run` covers when it is another run than the ticks were
    /// last set from (a new folder, a run started elsewhere).
    fn sync(&mut self, run: Option<&RunInfo>) {
        let Some(run) = run else {
            return;
        };
        let symbols: Vec<String> = run.instruments.iter().map(|i| i.symbol.clone()).collect();
        let key = (run.folder.clone(), symbols, run.days.clone());
        if self.synced.as_ref() != Some(&key) {
            self.symbols.clone_from(&key.1);
            self.days.clone_from(&key.2);
            self.synced = Some(key);
        }
    }

    /// The symbol and day ticks, and the button that opens them.
    pub fn ui(&mut self, ui: &mut egui::Ui, view: &View, actions: &mut Vec<Action>) {
        let Some(catalog) = &view.catalog else {
            return;
        };
        self.sync(view.run.as_ref());
        let days = folder_days(catalog);
        ui.horizontal_wrapped(|ui| {
            ui.label(RichText::new("Symbols").weak())
                .on_hover_text("Ticked in order: at equal times the first ticked goes first");
            for symbol in &catalog.symbols {
                let mut ticked = self.symbols.contains(&symbol.symbol);
                if ui.checkbox(&mut ticked, &symbol.symbol).changed() {
                    if ticked {
                        self.symbols.push(symbol.symbol.clone());
                    } else {
                        self.symbols.retain(|s| *s != symbol.symbol);
                    }
                }
            }
            if catalog.symbols.len() > 1 && ui.small_button("all symbols").clicked() {
                for symbol in &catalog.symbols {
                    if !self.symbols.contains(&symbol.symbol) {
                        self.symbols.push(symbol.symbol.clone());
                    }
                }
            }
        });
        ui.horizontal(|ui| {
            ui.label(RichText::new("Days").weak());
            if days.len() > 1 && ui.small_button("all days").clicked() {
                self.days = days.iter().map(|(d, _)| *d).collect();
            }
        });
        let available: Vec<Day> = days.iter().map(|(d, _)| *d).collect();
        egui::ScrollArea::vertical()
            .id_salt("selection_days")
            .max_height(DAYS_MAX_HEIGHT)
            .auto_shrink([false, true])
            .show(ui, |ui| {
                for &(day, rows) in &days {
                    let mut ticked = self.days.contains(&day);
                    let changed = ui
                        .checkbox(&mut ticked, day.to_string())
                        .on_hover_text(format!(
                            "{} events over every symbol; Shift+click ticks every day from the nearest ticked one",
                            format::count(rows)
                        ))
                        .changed();
                    if changed {
                        if ticked && ui.input(|i| i.modifiers.shift) {
                            self.days = ticked_through(&self.days, &available, day);
                        } else if ticked {
                            self.days.push(day);
                            self.days.sort_unstable();
                        } else {
                            self.days.retain(|d| *d != day);
                        }
                    }
                }
            });
        let selection = days_selection(&self.days, &available);
        let ready = !self.symbols.is_empty() && !self.days.is_empty();
        let summary = if ready {
            format!("{} · {selection}", self.symbols.join(", "))
        } else {
            "tick a symbol and a day".to_owned()
        };
        ui.horizontal_wrapped(|ui| {
            let button = ui
                .add_enabled(ready, egui::Button::new(RUN_SELECTION_LABEL))
                .on_hover_text(
                    "One run over the ticked symbols and days: one clock, one account; \
                     a missing day of a symbol is a gap",
                );
            if button.clicked() {
                actions.push(Action::Session(Command::Open {
                    folder: catalog.root.clone(),
                    symbols: self.symbols.clone(),
                    days: selection,
                }));
            }
            ui.label(RichText::new(summary).small().monospace());
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> Day {
        text.parse().expect("a date")
    }

    #[test]
    fn days_that_follow_each_other_open_as_a_range_others_as_a_list() {
        let available = [
            day("2026-03-02"),
            day("2026-03-03"),
            day("2026-03-06"),
            day("2026-03-09"),
        ];
        assert_eq!(
            days_selection(&[day("2026-03-03")], &available),
            DaySelection::List(vec![day("2026-03-03")])
        );
        // 03-06 and 03-09 follow each other among the folder's days: the
        // weekend between is a gap, as with --day 2026-03-06..2026-03-09.
        assert_eq!(
            days_selection(
                &[day("2026-03-03"), day("2026-03-06"), day("2026-03-09")],
                &available
            ),
            DaySelection::Range(day("2026-03-03"), day("2026-03-09"))
        );
        assert_eq!(
            days_selection(&[day("2026-03-02"), day("2026-03-06")], &available),
            DaySelection::List(vec![day("2026-03-02"), day("2026-03-06")])
        );
        assert_eq!(days_selection(&[], &available), DaySelection::List(vec![]));
    }

    #[test]
    fn shift_ticking_a_day_ticks_every_day_from_the_nearest_ticked_one() {
        let available = [
            day("2026-03-02"),
            day("2026-03-03"),
            day("2026-03-04"),
            day("2026-03-06"),
            day("2026-03-09"),
        ];
        assert_eq!(
            ticked_through(&[day("2026-03-03")], &available, day("2026-03-09")),
            vec![
                day("2026-03-03"),
                day("2026-03-04"),
                day("2026-03-06"),
                day("2026-03-09")
            ]
        );
        // Back to 03-02 from 03-06, the nearest ticked day.
        assert_eq!(
            ticked_through(
                &[day("2026-03-06"), day("2026-03-09")],
                &available,
                day("2026-03-02")
            ),
            vec![
                day("2026-03-02"),
                day("2026-03-03"),
                day("2026-03-04"),
                day("2026-03-06"),
                day("2026-03-09")
            ]
        );
        assert_eq!(
            ticked_through(&[], &available, day("2026-03-04")),
            vec![day("2026-03-04")]
        );
    }
}
