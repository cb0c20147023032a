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

/// The lines of a Python traceback to highlight: the deepest frame's
/// `File "…", line N` line and the code line under it.
pub fn failing_lines(detail: &str) -> Option<(usize, usize)> {
    let lines: Vec<&str> = detail.lines().collect();
    let at = lines
        .iter()
        .rposition(|l| l.trim_start().starts_with("File \"") && l.contains(", line "))?;
    let code = lines
        .get(at + 1)
        .filter(|l| !l.trim_start().starts_with("File \""))
        .map_or(at, |_| at + 1);
    Some((at, code))
}

/// A traceback or rule path as a monospace block, the failing lines
/// highlighted.
pub fn detail_block_ui(ui: &mut egui::Ui, detail: &str) {
    let highlight = failing_lines(detail);
    egui::Frame::new()
        .fill(ui.visuals().extreme_bg_color)
        .inner_margin(6.0)
        .corner_radius(3.0)
        .show(ui, |ui| {
            for (i, line) in detail.lines().enumerate() {
                let text = RichText::new(line).monospace().size(13.0);
                let text = match highlight {
                    Some((a, b)) if i == a || i == b => text
                        .color(theme::ERROR_TEXT)
                        .background_color(theme::ERROR_BACKGROUND)
                        .strong(),
                    _ => text.color(ui.visuals().text_color()),
                };
                ui.add(egui::Label::new(text).wrap());
            }
        });
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
                    // Long lines wrap inside the console, never widen it.
                    let text = RichText::new(format!("{time}{prefix}: {}", line.text))
                        .monospace()
                        .color(color);
                    ui.add(egui::Label::new(text).wrap());
                    if !line.detail.is_empty() {
                        let what = if line.detail.contains("Traceback") {
                            "traceback"
                        } else {
                            "details"
                        };
                        egui::CollapsingHeader::new(what)
                            .id_salt((
                                "console_line",
                                view.console.pushed() as usize - view.console.len() + i,
                            ))
                            .default_open(matches!(line.kind, LineKind::Error(_)))
                            .show(ui, |ui| detail_block_ui(ui, &line.detail));
                    }
                }
            });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_deepest_frame_and_its_code_are_highlighted() {
        let traceback = "Traceback (most recent call last):\n  File \"ticklab/host.py\", line 10, in call\n    f(ctx)\n  File \"strategies/q.py\", line 42, in on_trade\n    x = 1 / 0\nZeroDivisionError: division by zero";
        assert_eq!(failing_lines(traceback), Some((3, 4)));
        assert_eq!(failing_lines("no frames here"), None);
        assert_eq!(failing_lines("  File \"a.py\", line 1, in f"), Some((0, 0)));
    }
}
