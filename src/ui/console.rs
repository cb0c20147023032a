//! Console: the strategy's prints, the session's notes, and every error
//! once, with its traceback or rule path one click away.

use egui::RichText;

use super::format;
use super::theme;
use super::view::{LineKind, View};
use super::{Action, Panel, Slot};

/// Most lines drawn (the newest).
const LINES_SHOWN: usize = 500;

/// The console.
#[derive(Debug, Default)]
pub struct ConsolePanel {
    /// Show errors only.
    pub errors_only: bool,
}

impl Panel for ConsolePanel {
    fn title(&self) -> &'static str {
        "Console"
    }

    fn slot(&self) -> Slot {
        Slot::Bottom
    }

    fn ui(&mut self, ui: &mut egui::Ui, view: &View, actions: &mut Vec<Action>) {
        ui.horizontal(|ui| {
            ui.strong("Console");
            if view.errors_total > 0 {
                ui.label(
                    RichText::new(format!("{} errors", view.errors_total)).color(theme::ERROR),
                );
            }
            ui.checkbox(&mut self.errors_only, "errors only");
            if ui.small_button("Clear").clicked() {
                actions.push(Action::ClearConsole);
            }
        });
        egui::ScrollArea::vertical()
            .auto_shrink([false, false])
            .stick_to_bottom(true)
            .show(ui, |ui| {
                let skip = view.console.len().saturating_sub(LINES_SHOWN);
                for (i, line) in view.console.iter().enumerate().skip(skip) {
                    let (prefix, color) = match line.kind {
                        LineKind::Error(kind) => (format!("error ({kind:?})"), theme::ERROR),
                        LineKind::Note => ("note".to_owned(), theme::NOTE),
                        LineKind::Log => ("log".to_owned(), ui.visuals().text_color()),
                    };
                    if self.errors_only && !matches!(line.kind, LineKind::Error(_)) {
                        continue;
                    }
                    let time = line
                        .ts_ns
                        .map(|ts| format!("{} ", format::clock_ms_from_ns(ts)))
                        .unwrap_or_default();
                    let text = RichText::new(format!("{time}{prefix}: {}", line.text))
                        .monospace()
                        .color(color);
                    if line.detail.is_empty() {
                        ui.label(text);
                    } else {
                        egui::CollapsingHeader::new(text)
                            .id_salt((
                                "console_line",
                                view.console.pushed() as usize - view.console.len() + i,
                            ))
                            .default_open(matches!(line.kind, LineKind::Error(_)))
                            .show(ui, |ui| {
                                ui.label(RichText::new(&line.detail).monospace().small());
                            });
                    }
                }
            });
    }
}
