//! Strategy: the one running, the built-in ones and the examples one click
//! away, a file picker, and hot reload. Load errors go to the console.

use std::path::{Path, PathBuf};

use egui::RichText;

use crate::session::{Command, StrategyChoice};

use super::view::View;
use super::{Action, Panel, Slot};

/// Folder of example strategies, relative to the working directory.
pub const EXAMPLES_DIR: &str = "strategies";

/// True for a file name the strategy hosts read: `.py` or `.rules.*`.
pub fn is_strategy_file(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    name.ends_with(".py") || name.contains(".rules.")
}

/// The strategy files in `dir`, sorted by name.
pub fn strategy_files_in(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && is_strategy_file(p))
        .collect();
    files.sort();
    files
}

/// The strategy panel.
#[derive(Debug, Default)]
pub struct StrategyPanel {
    examples: Option<Vec<PathBuf>>,
}

impl StrategyPanel {
    fn examples(&mut self) -> &[PathBuf] {
        self.examples
            .get_or_insert_with(|| strategy_files_in(Path::new(EXAMPLES_DIR)))
    }

    fn current_ui(ui: &mut egui::Ui, view: &View, actions: &mut Vec<Action>) {
        let strategy = view.run.as_ref().and_then(|r| r.strategy.as_deref());
        match strategy {
            Some(name) => {
                ui.horizontal(|ui| {
                    ui.label("Running:");
                    let short = Path::new(name)
                        .file_name()
                        .map_or_else(|| name.to_owned(), |n| n.to_string_lossy().into_owned());
                    ui.label(RichText::new(short).strong().monospace())
                        .on_hover_text(name);
                });
                if ui
                    .button("⟳ Reload")
                    .on_hover_text("Re-read the strategy and re-run to the current event")
                    .clicked()
                {
                    actions.push(Action::Session(Command::ReloadStrategy));
                }
            }
            None => {
                egui::Frame::group(ui.style())
                    .fill(ui.visuals().faint_bg_color)
                    .show(ui, |ui| {
                        ui.label(RichText::new("No strategy yet").strong().size(15.0));
                        ui.label(
                            "Drop a strategy file (.py or .rules.toml) on the window, \
                             or pick one below. Until then the market replays alone.",
                        );
                    });
            }
        }
    }

    fn choices_ui(&mut self, ui: &mut egui::Ui, view: &View, actions: &mut Vec<Action>) {
        let current = view.run.as_ref().and_then(|r| r.strategy.clone());
        ui.label(RichText::new("Built-in").weak());
        ui.horizontal_wrapped(|ui| {
            for &name in StrategyChoice::BUILT_IN {
                let hint = match name {
                    "noop" => "Never trades: replay the market alone",
                    "mm" => "Market maker: one post-only quote a side at the touch",
                    _ => "Built-in strategy",
                };
                let selected = current.as_deref() == Some(name);
                if ui
                    .selectable_label(selected, name)
                    .on_hover_text(hint)
                    .clicked()
                {
                    actions.push(Action::Session(Command::SetStrategy(name.to_owned())));
                }
            }
        });
        let examples = self.examples().to_vec();
        if !examples.is_empty() {
            ui.label(RichText::new(format!("Examples in {EXAMPLES_DIR}/")).weak());
            for path in examples {
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let full = path.display().to_string();
                let selected = current.as_deref() == Some(full.as_str());
                if ui
                    .selectable_label(selected, &name)
                    .on_hover_text(&full)
                    .clicked()
                {
                    actions.push(Action::Session(Command::SetStrategy(full)));
                }
            }
        }
        ui.horizontal(|ui| {
            if ui
                .button("📄 Choose file…")
                .on_hover_text("Pick a .py or .rules.* strategy file")
                .clicked()
            {
                actions.push(Action::ChooseStrategyFile);
            }
            if ui
                .small_button("↻")
                .on_hover_text("Look for example strategies again")
                .clicked()
            {
                self.examples = None;
            }
        });
    }
}

impl Panel for StrategyPanel {
    fn title(&self) -> &'static str {
        "Strategy"
    }

    fn slot(&self) -> Slot {
        Slot::Left
    }

    fn ui(&mut self, ui: &mut egui::Ui, view: &View, actions: &mut Vec<Action>) {
        Self::current_ui(ui, view, actions);
        ui.add_space(4.0);
        self.choices_ui(ui, view, actions);
    }
}
