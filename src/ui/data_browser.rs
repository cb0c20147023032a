//! Data browser: the symbols and days of the open folder, recent folders,
//! and ways to open another (native dialog, a typed path, or a folder
//! dropped on the window).

use std::path::{Path, PathBuf};

use egui::RichText;

use crate::session::Command;

use super::format;
use super::persist::RECENT_KEPT;
use super::view::View;
use super::{Action, Panel, Persisted, Slot};

/// The data browser.
#[derive(Debug, Default)]
pub struct DataBrowserPanel {
    /// Folders opened before, newest first (persisted by the app).
    pub recent: Vec<PathBuf>,
    path_text: String,
    /// Why the typed path was not opened, shown under the field.
    path_problem: Option<String>,
    /// The symbols and days ticked for a run over several.
    pub selection: super::selection::RunSelection,
}

/// Accessible name of the folder path field.
pub const PATH_FIELD_LABEL: &str = "Folder path";

/// The folder a typed path names: `~` stands for the home folder.
pub fn folder_from_text(text: &str, home: Option<&Path>) -> PathBuf {
    let text = text.trim();
    match (text.strip_prefix('~'), home) {
        (Some(rest), Some(home)) if rest.is_empty() || rest.starts_with('/') => {
            home.join(rest.trim_start_matches('/'))
        }
        _ => PathBuf::from(text),
    }
}

impl DataBrowserPanel {
    fn open_ui(&mut self, ui: &mut egui::Ui, actions: &mut Vec<Action>) {
        ui.horizontal(|ui| {
            if ui
                .button("📂 Open folder…")
                .on_hover_text("Choose a data folder, or drop one on the window")
                .clicked()
            {
                actions.push(Action::ChooseFolder);
            }
        });
        // The button first, from the right, so the field takes what is left
        // and never pushes the button out of a narrow column.
        let row = egui::vec2(ui.available_width(), ui.spacing().interact_size.y);
        ui.allocate_ui_with_layout(
            row,
            egui::Layout::right_to_left(egui::Align::Center),
            |ui| {
                let open = ui.button("Open").on_hover_text("Open the typed path");
                let edit = ui
                    .add(
                        egui::TextEdit::singleline(&mut self.path_text)
                            .hint_text("or type a folder path")
                            .desired_width(ui.available_width()),
                    )
                    .on_hover_text(
                        "A data folder, a symbol folder or a .parquet day; ~ is your home",
                    );
                ui.ctx().accesskit_node_builder(edit.id, |node| {
                    node.set_label(PATH_FIELD_LABEL);
                });
                if edit.changed() {
                    self.path_problem = None;
                }
                let entered = edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                if (open.clicked() || entered) && !self.path_text.trim().is_empty() {
                    let home = std::env::var_os("HOME").map(PathBuf::from);
                    let folder = folder_from_text(&self.path_text, home.as_deref());
                    if super::strategy::is_strategy_file(&folder) && folder.is_file() {
                        // A strategy typed here loads as the strategy.
                        self.path_problem = None;
                        actions.push(super::app::action_for_dropped(&folder));
                    } else if folder.exists() {
                        self.path_problem = None;
                        actions.push(Action::OpenFolder(folder));
                    } else {
                        self.path_problem =
                            Some(format!("{}: no such folder or file", folder.display()));
                    }
                }
            },
        );
        if let Some(problem) = &self.path_problem {
            ui.label(RichText::new(problem).small().color(super::theme::ERROR));
        }
    }

    fn catalog_ui(&mut self, ui: &mut egui::Ui, view: &View, actions: &mut Vec<Action>) {
        let Some(catalog) = &view.catalog else {
            ui.label(RichText::new("No folder open.").weak());
            return;
        };
        ui.label(
            RichText::new(catalog.root.display().to_string())
                .monospace()
                .small(),
        )
        .on_hover_text("The open data folder");
        self.selection.ui(ui, view, actions);
        ui.separator();
        // A run of one day of one symbol is marked in the list below.
        let current = view
            .run
            .as_ref()
            .filter(|run| run.instruments.len() <= 1 && run.days.len() <= 1)
            .map(|run| (run.instrument.symbol.as_str(), run.day));
        let several = catalog.symbols.len() > 1;
        for symbol in &catalog.symbols {
            let is_current_symbol = current.is_some_and(|(s, _)| s == symbol.symbol);
            egui::CollapsingHeader::new(RichText::new(&symbol.symbol).strong())
                .id_salt(("symbol", &symbol.symbol))
                .default_open(!several)
                .show(ui, |ui| {
                    for day in &symbol.days {
                        let selected =
                            is_current_symbol && current.is_some_and(|(_, d)| d == day.day);
                        let text = format!("{}  {} events", day.day, format::count(day.rows));
                        let response = ui.selectable_label(selected, text).on_hover_text(
                            day.span_ns.map_or_else(String::new, |(first, last)| {
                                format!(
                                    "{} – {} UTC",
                                    format::clock_ms_from_ns(first),
                                    format::clock_ms_from_ns(last)
                                )
                            }),
                        );
                        if response.clicked() && !selected {
                            actions.push(Action::Session(Command::Load {
                                folder: catalog.root.clone(),
                                symbol: Some(symbol.symbol.clone()),
                                day: Some(day.day),
                            }));
                        }
                    }
                });
        }
        if !catalog.skipped.is_empty() {
            egui::CollapsingHeader::new(format!("{} skipped", catalog.skipped.len()))
                .id_salt("skipped")
                .show(ui, |ui| {
                    for line in &catalog.skipped {
                        ui.label(RichText::new(line).small().weak());
                    }
                });
        }
    }

    fn recent_ui(&self, ui: &mut egui::Ui, view: &View, actions: &mut Vec<Action>) {
        let open_root = view.catalog.as_ref().map(|c| &c.root);
        let others: Vec<&PathBuf> = self
            .recent
            .iter()
            .filter(|f| Some(*f) != open_root)
            .collect();
        if others.is_empty() {
            return;
        }
        // Open at first: without a desktop portal there is no folder
        // dialog, and the recent folders are the quickest way back.
        egui::CollapsingHeader::new("Recent folders")
            .id_salt("recent")
            .default_open(true)
            .show(ui, |ui| {
                for folder in others {
                    let name = folder.display().to_string();
                    if ui
                        .link(&name)
                        .on_hover_text(format!("Open {name}"))
                        .clicked()
                    {
                        actions.push(Action::OpenFolder(folder.clone()));
                    }
                }
            });
    }
}

impl Panel for DataBrowserPanel {
    fn title(&self) -> &'static str {
        "Data"
    }

    fn slot(&self) -> Slot {
        Slot::Left
    }

    fn restore(&mut self, saved: &Persisted) {
        self.recent = saved.recent_folders.clone();
        self.recent.truncate(RECENT_KEPT);
    }

    fn ui(&mut self, ui: &mut egui::Ui, view: &View, actions: &mut Vec<Action>) {
        self.catalog_ui(ui, view, actions);
        self.recent_ui(ui, view, actions);
        self.open_ui(ui, actions);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tilde_is_the_home_folder() {
        let home = Path::new("/home/ada");
        assert_eq!(
            folder_from_text(" ~/data ", Some(home)),
            PathBuf::from("/home/ada/data")
        );
        assert_eq!(
            folder_from_text("~", Some(home)),
            PathBuf::from("/home/ada")
        );
        assert_eq!(
            folder_from_text("~bob/x", Some(home)),
            PathBuf::from("~bob/x")
        );
        assert_eq!(folder_from_text("~/data", None), PathBuf::from("~/data"));
        assert_eq!(
            folder_from_text("rel/dir", Some(home)),
            PathBuf::from("rel/dir")
        );
    }
}
