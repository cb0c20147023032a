//! What a run covers, as the window says it: its symbols and days in a
//! few words, the symbol switcher, and where each day starts on the time
//! slider.

use egui::RichText;

use crate::market::catalog::Day;
use crate::session::{Command, RunInfo};

use super::view::View;
use super::Action;

/// The run's symbols, e.g. `BTC-PERP` or `BTC-PERP, ETH-PERP`.
pub fn symbols_text(run: &RunInfo) -> String {
    if run.instruments.len() <= 1 {
        return run.instrument.symbol.clone();
    }
    run.instruments
        .iter()
        .map(|i| i.symbol.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The run's days, e.g. `2026-03-02` or `2026-03-02..2026-03-03 (2 days)`.
pub fn days_text(run: &RunInfo) -> String {
    match run.days.as_slice() {
        [first, .., last] => format!("{first}..{last} ({} days)", run.days.len()),
        _ => run.day.to_string(),
    }
}

/// Where each day after the first starts within the run's span: the day
/// and its midnight (UTC), ns. Empty for a run of one day.
pub fn day_starts(run: &RunInfo) -> Vec<(Day, i64)> {
    let Some((first_ns, last_ns)) = run.span_ns else {
        return Vec::new();
    };
    run.days
        .iter()
        .map(|&day| (day, day.start_ns()))
        .filter(|&(_, start_ns)| start_ns > first_ns && start_ns <= last_ns)
        .collect()
}

/// The symbol switcher of a run over several instruments: one button per
/// symbol, the followed one selected; the ladder, the heatmap, the price
/// chart and the depth show the followed symbol's book.
pub fn switcher_ui(ui: &mut egui::Ui, view: &View, actions: &mut Vec<Action>) {
    let Some(run) = view.run.as_ref().filter(|run| run.instruments.len() > 1) else {
        return;
    };
    ui.label(RichText::new("Follow").weak()).on_hover_text(
        "The instrument the ladder, heatmap, price chart and depth show; the blotter \
         and the equity are the whole account's",
    );
    for instrument in &run.instruments {
        let followed = instrument.symbol == run.instrument.symbol;
        let response = ui
            .selectable_label(followed, &instrument.symbol)
            .on_hover_text(format!("Show {}'s book", instrument.symbol));
        if response.clicked() && !followed {
            actions.push(Action::Session(Command::Follow(instrument.symbol.clone())));
        }
    }
}
