//! Blotter: our order updates and fills, newest first, and the signals of
//! rule strategies with the value of each condition when they fired.

use egui::RichText;

use crate::market::{Instrument, Side};
use crate::sim::{FillRecord, OrderUpdate};

use super::format;
use super::theme;
use super::view::View;
use super::{Action, Panel, Slot};

/// Which list the blotter shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BlotterTab {
    /// Order updates.
    #[default]
    Orders,
    /// Fills.
    Fills,
    /// Signals.
    Signals,
}

/// The blotter.
#[derive(Debug, Default)]
pub struct BlotterPanel {
    /// The list shown.
    pub tab: BlotterTab,
}

fn side_text(side: Side) -> &'static str {
    match side {
        Side::Buy => "BUY ",
        Side::Sell => "SELL",
        Side::None => "    ",
    }
}

/// Header of the symbol column of a run over several instruments.
pub const SYMBOL_HEADER: &str = "symbol";

/// Width of the symbol column: 0 for a run of one instrument (no column),
/// else the longest symbol's (at least the header's).
fn symbol_column_width(run: &crate::session::RunInfo) -> usize {
    if run.instruments.len() <= 1 {
        return 0;
    }
    run.instruments
        .iter()
        .map(|i| i.symbol.chars().count())
        .chain(std::iter::once(SYMBOL_HEADER.len()))
        .max()
        .unwrap_or(0)
}

/// The time cell of a row: `HH:MM:SS.mmm`, after `MM-DD ` in a run over
/// several days.
fn time_cell(ts_ns: i64, with_day: bool) -> String {
    let clock = format::clock_ms_from_ns(ts_ns);
    if !with_day {
        return clock;
    }
    let day = crate::market::catalog::Day::from_ts_ns(ts_ns).to_string();
    format!("{} {clock}", day.get(5..).unwrap_or(&day))
}

/// One order update as a blotter row; `symbol` is the symbol cell (empty
/// without the column).
fn order_line(
    instrument: &Instrument,
    symbol: &str,
    with_day: bool,
    update: &OrderUpdate,
) -> String {
    let kind = format!("{:?}", update.kind);
    let state = format!("{:?}", update.state);
    let reason = update.reason.map(|r| r.to_string()).unwrap_or_default();
    format!(
        "{}  #{:<6} {symbol}{} {:<15} {:>12} {:>10} {:>10}  {:<15} {}",
        time_cell(update.exch_ts_ns, with_day),
        update.order_id.0,
        side_text(update.side),
        kind,
        format::price_from_ticks(instrument, update.price_ticks),
        format::qty_from_lots(instrument, update.qty_lots),
        format::qty_from_lots(instrument, update.filled_lots),
        state,
        reason
    )
}

/// One fill as a blotter row; `symbol` is the symbol cell (empty without
/// the column).
fn fill_line(instrument: &Instrument, symbol: &str, with_day: bool, fill: &FillRecord) -> String {
    format!(
        "{}  #{:<6} {symbol}{} {:>12} {:>10}  {:<6} {:>9} {:>10} {:>8}",
        time_cell(fill.exch_ts_ns, with_day),
        fill.order_id.0,
        side_text(fill.side),
        format::price_from_ticks(instrument, fill.price_ticks),
        format::qty_from_lots(instrument, fill.qty_lots),
        format!("{:?}", fill.liquidity).to_lowercase(),
        format!("{:.4}", fill.fee),
        format::duration_from_ns(fill.time_in_queue_ns),
        fill.position_after_lots
    )
}

impl BlotterPanel {
    fn rows_ui(
        ui: &mut egui::Ui,
        header: &str,
        rows: usize,
        line: impl Fn(usize) -> (String, egui::Color32),
    ) {
        ui.add(egui::Label::new(RichText::new(header).monospace().weak()).extend());
        let row_height = ui.text_style_height(&egui::TextStyle::Monospace);
        egui::ScrollArea::both()
            .auto_shrink([false, false])
            .show_rows(ui, row_height, rows, |ui, range| {
                for i in range {
                    let (text, color) = line(i);
                    ui.add(egui::Label::new(RichText::new(text).monospace().color(color)).extend());
                }
            });
    }

    fn signals_ui(ui: &mut egui::Ui, view: &View) {
        if view.signals.is_empty() {
            ui.label(
                RichText::new(
                    "No signals. Rule strategies record each firing here with the value of \
                     every condition, so you can see why it traded.",
                )
                .weak(),
            );
            return;
        }
        egui::ScrollArea::vertical()
            .auto_shrink([false, false])
            .show(ui, |ui| {
                for (i, signal) in view.signals.iter().rev().enumerate().take(500) {
                    let title = format!(
                        "{}  {}  →  {}",
                        format::clock_ms_from_ns(signal.ts_ns),
                        signal.rule,
                        signal.action
                    );
                    egui::CollapsingHeader::new(RichText::new(title).monospace())
                        .id_salt(("signal", view.signals.pushed() as usize - i))
                        .show(ui, |ui| {
                            for condition in &signal.conditions {
                                let mark = if condition.holds { "✔" } else { "✘" };
                                let color = if condition.holds {
                                    theme::BID
                                } else {
                                    theme::ASK
                                };
                                ui.label(
                                    RichText::new(format!(
                                        "{mark} {}   = {}",
                                        condition.text, condition.value
                                    ))
                                    .monospace()
                                    .color(color),
                                );
                            }
                        });
                }
            });
    }
}

impl Panel for BlotterPanel {
    fn title(&self) -> &'static str {
        "Blotter"
    }

    fn slot(&self) -> Slot {
        Slot::Bottom
    }

    fn ui(&mut self, ui: &mut egui::Ui, view: &View, _actions: &mut Vec<Action>) {
        ui.horizontal(|ui| {
            ui.strong("Blotter");
            ui.selectable_value(
                &mut self.tab,
                BlotterTab::Orders,
                format!("Orders ({})", view.orders.pushed() + view.orders_skipped),
            );
            ui.selectable_value(
                &mut self.tab,
                BlotterTab::Fills,
                format!("Fills ({})", view.fills.pushed() + view.fills_skipped),
            );
            ui.selectable_value(
                &mut self.tab,
                BlotterTab::Signals,
                format!("Signals ({})", view.signals.pushed()),
            );
            let skipped = match self.tab {
                BlotterTab::Orders => Some((view.orders_skipped, "updates")),
                BlotterTab::Fills => Some((view.fills_skipped, "fills")),
                BlotterTab::Signals => None,
            };
            if let Some((skipped, what)) = skipped.filter(|(n, _)| *n > 0) {
                ui.label(
                    RichText::new(format!(
                        "{} {what} not shown (too fast)",
                        format::count(skipped)
                    ))
                    .weak()
                    .small(),
                )
                .on_hover_text(
                    "At high speed the window keeps the newest rows only; the \
                     statistics count every row, and `ticklab run` writes every \
                     row to its output files.",
                );
            }
        });
        let Some(run) = &view.run else {
            return;
        };
        let text_color = ui.visuals().text_color();
        // A run over several instruments has a symbol column; each row's
        // prices and sizes are in its own instrument's units.
        let symbol_width = symbol_column_width(run);
        let symbol_cell = |id: crate::sim::OrderId| -> (&Instrument, String) {
            let instrument = view.instrument_of_order(id).unwrap_or(&run.instrument);
            let cell = if symbol_width > 0 {
                format!("{:<symbol_width$} ", instrument.symbol)
            } else {
                String::new()
            };
            (instrument, cell)
        };
        let with_day = run.days.len() > 1;
        let time_width = if with_day { 18 } else { 12 };
        let symbol_header = if symbol_width > 0 {
            format!("{:<symbol_width$} ", SYMBOL_HEADER)
        } else {
            String::new()
        };
        match self.tab {
            BlotterTab::Orders => {
                let header = format!(
                    "{:<time_width$}  {:<7} {symbol_header}{} {:<15} {:>12} {:>10} {:>10}  {:<15} {}",
                    "time", "order", "side", "update", "price", "qty", "filled", "state", "reason"
                );
                let n = view.orders.len();
                Self::rows_ui(ui, &header, n, |i| {
                    let Some(update) = view.orders.get(n - 1 - i) else {
                        return (String::new(), text_color);
                    };
                    let color = if update.fill.is_some() {
                        theme::side_color(update.side)
                    } else if update.reason.is_some()
                        && update.state != crate::sim::OrderState::Canceled
                    {
                        theme::ERROR
                    } else {
                        text_color
                    };
                    let (instrument, symbol) = symbol_cell(update.order_id);
                    (order_line(instrument, &symbol, with_day, update), color)
                });
            }
            BlotterTab::Fills => {
                let header = format!(
                    "{:<time_width$}  {:<7} {symbol_header}{} {:>12} {:>10}  {:<6} {:>9} {:>10} {:>8}",
                    "time", "order", "side", "price", "qty", "liq", "fee", "in queue", "position"
                );
                let n = view.fills.len();
                Self::rows_ui(ui, &header, n, |i| match view.fills.get(n - 1 - i) {
                    Some(fill) => {
                        let (instrument, symbol) = symbol_cell(fill.order_id);
                        (
                            fill_line(instrument, &symbol, with_day, fill),
                            theme::side_color(fill.side),
                        )
                    }
                    None => (String::new(), text_color),
                });
            }
            BlotterTab::Signals => Self::signals_ui(ui, view),
        }
    }
}
