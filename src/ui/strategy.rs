//! Strategy: the one running, a path field that completes strategy files,
//! the recent files, the built-in ones and the shipped examples one click
//! away, the desktop's file dialog where there is one, and reload. Load
//! errors go to the console.

use std::path::{Path, PathBuf};

use egui::RichText;

use crate::session::{Command, StrategyChoice};

use super::complete::{complete_path, Completion, COMPLETIONS_SHOWN};
use super::data_browser::folder_from_text;
use super::locate::Places;
use super::view::View;
use super::{Action, Panel, Persisted, Slot};

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

/// Accessible name of the strategy path field.
pub const STRATEGY_FIELD_LABEL: &str = "Strategy file path";

/// Why a typed strategy path cannot be loaded, or `None` when it can.
pub fn strategy_path_problem(path: &Path) -> Option<String> {
    if !path.exists() {
        Some(format!("{}: no such file", path.display()))
    } else if path.is_dir() {
        Some(format!(
            "{} is a folder: type or pick a .py, .rules.toml or .rules.json file in it",
            path.display()
        ))
    } else if !is_strategy_file(path) {
        Some(format!(
            "{}: not a strategy (.py, .rules.toml, .rules.json)",
            path.display()
        ))
    } else {
        None
    }
}

/// The strategy panel.
#[derive(Debug, Default)]
pub struct StrategyPanel {
    /// The examples folder found, and its strategy files; looked up again
    /// when the data folder changes.
    examples: Option<(Option<PathBuf>, Vec<PathBuf>)>,
    /// The data folder the examples were looked for with.
    examples_for: Option<PathBuf>,
    /// Strategy files loaded before, newest first (persisted by the app).
    pub recent: Vec<PathBuf>,
    path_text: String,
    /// Why the typed path was not loaded, shown under the field.
    path_problem: Option<String>,
    /// Completions of the typed path, for the text they were made from.
    completion: Option<(String, Completion)>,
}

impl StrategyPanel {
    fn examples(&mut self, view: &View) -> (Option<PathBuf>, Vec<PathBuf>) {
        let folder = view.catalog.as_ref().map(|c| c.root.clone());
        if self.examples.is_none() || self.examples_for != folder {
            let dir = Places::of_process()
                .with_data_folder(folder.as_deref())
                .examples();
            let files = dir.as_deref().map(strategy_files_in).unwrap_or_default();
            self.examples = Some((dir, files));
            self.examples_for = folder;
        }
        self.examples.clone().unwrap_or_default()
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
                    .on_hover_text(
                        "Re-read the strategy and re-run to the current event (Ctrl+R); \
                         saving the file does the same",
                    )
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
                             type its path, or pick one below. Until then the market \
                             replays alone.",
                        );
                    });
            }
        }
    }

    /// The path field, its completions and the Load button.
    fn path_ui(&mut self, ui: &mut egui::Ui, actions: &mut Vec<Action>) {
        let home = std::env::var_os("HOME").map(PathBuf::from);
        let row = egui::vec2(ui.available_width(), ui.spacing().interact_size.y);
        let mut load = false;
        let mut edit_id = None;
        ui.allocate_ui_with_layout(
            row,
            egui::Layout::right_to_left(egui::Align::Center),
            |ui| {
                load = ui
                    .button("Load")
                    .on_hover_text("Load the typed strategy file")
                    .clicked();
                let edit = ui.add(
                    egui::TextEdit::singleline(&mut self.path_text)
                        .hint_text("type a strategy path (Tab completes)")
                        .desired_width(ui.available_width())
                        .lock_focus(true),
                );
                ui.ctx().accesskit_node_builder(edit.id, |node| {
                    node.set_label(STRATEGY_FIELD_LABEL);
                });
                if edit.changed() {
                    self.path_problem = None;
                }
                if edit.has_focus()
                    && ui.input_mut(|i| i.consume_key(egui::Modifiers::NONE, egui::Key::Tab))
                {
                    let completion = self.completion_of(home.as_deref());
                    if !completion.common.is_empty() {
                        self.path_text = completion.common;
                        move_cursor_to_end(ui, edit.id, &self.path_text);
                    }
                }
                load |= edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                edit_id = Some(edit.id);
            },
        );
        if load && !self.path_text.trim().is_empty() {
            let path = folder_from_text(&self.path_text, home.as_deref());
            match strategy_path_problem(&path) {
                None => {
                    self.path_problem = None;
                    actions.push(Action::Session(Command::SetStrategy(
                        path.display().to_string(),
                    )));
                }
                Some(problem) => self.path_problem = Some(problem),
            }
        }
        if let Some(problem) = &self.path_problem {
            ui.label(RichText::new(problem).small().color(super::theme::ERROR));
        }
        let typing = edit_id.is_some_and(|id| ui.memory(|m| m.has_focus(id)));
        if typing && !self.path_text.is_empty() {
            let completion = self.completion_of(home.as_deref());
            for candidate in completion.candidates.iter().take(COMPLETIONS_SHOWN) {
                let name = candidate
                    .trim_end_matches('/')
                    .rsplit('/')
                    .next()
                    .unwrap_or(candidate);
                let shown = if candidate.ends_with('/') {
                    format!("📁 {name}/")
                } else {
                    format!("📄 {name}")
                };
                if ui
                    .selectable_label(false, shown)
                    .on_hover_text(candidate)
                    .clicked()
                {
                    self.path_text.clone_from(candidate);
                    if let Some(id) = edit_id {
                        ui.memory_mut(|m| m.request_focus(id));
                        move_cursor_to_end(ui, id, &self.path_text);
                    }
                }
            }
            if completion.candidates.len() > COMPLETIONS_SHOWN {
                ui.label(
                    RichText::new(format!(
                        "… {} more",
                        completion.candidates.len() - COMPLETIONS_SHOWN
                    ))
                    .small()
                    .weak(),
                );
            }
        }
    }

    /// Completions of the typed text, kept until the text changes.
    fn completion_of(&mut self, home: Option<&Path>) -> Completion {
        match &self.completion {
            Some((text, completion)) if *text == self.path_text => completion.clone(),
            _ => {
                let completion = complete_path(&self.path_text, home, is_strategy_file);
                self.completion = Some((self.path_text.clone(), completion.clone()));
                completion
            }
        }
    }

    fn choices_ui(&mut self, ui: &mut egui::Ui, view: &View, actions: &mut Vec<Action>) {
        let current = view.run.as_ref().and_then(|r| r.strategy.clone());
        if !self.recent.is_empty() {
            ui.label(RichText::new("Recent").weak());
            for path in &self.recent {
                file_link_ui(ui, path, current.as_deref(), actions);
            }
        }
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
        let (dir, examples) = self.examples(view);
        if let Some(dir) = dir.filter(|_| !examples.is_empty()) {
            ui.label(RichText::new("Examples").weak())
                .on_hover_text(dir.display().to_string());
            for path in &examples {
                file_link_ui(ui, path, current.as_deref(), actions);
            }
        }
        ui.horizontal(|ui| {
            if ui
                .button("📄 Choose file…")
                .on_hover_text(
                    "Pick a .py or .rules.* strategy file with the desktop's dialog \
                     (where there is none: type the path above or drop the file)",
                )
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

/// A strategy file one click away; selected when it is `current`.
fn file_link_ui(ui: &mut egui::Ui, path: &Path, current: Option<&str>, actions: &mut Vec<Action>) {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let full = path.display().to_string();
    let selected = current == Some(full.as_str());
    if ui
        .selectable_label(selected, &name)
        .on_hover_text(&full)
        .clicked()
    {
        actions.push(Action::Session(Command::SetStrategy(full)));
    }
}

/// Puts the text cursor of the field `id` after `text`.
fn move_cursor_to_end(ui: &egui::Ui, id: egui::Id, text: &str) {
    if let Some(mut state) = egui::TextEdit::load_state(ui.ctx(), id) {
        let end = egui::text::CCursor::new(text.chars().count());
        state
            .cursor
            .set_char_range(Some(egui::text::CCursorRange::one(end)));
        state.store(ui.ctx(), id);
    }
}

impl Panel for StrategyPanel {
    fn title(&self) -> &'static str {
        "Strategy"
    }

    fn slot(&self) -> Slot {
        Slot::Left
    }

    fn restore(&mut self, saved: &Persisted) {
        self.recent = saved.recent_strategies.clone();
    }

    fn ui(&mut self, ui: &mut egui::Ui, view: &View, actions: &mut Vec<Action>) {
        Self::current_ui(ui, view, actions);
        ui.add_space(4.0);
        self.path_ui(ui, actions);
        self.choices_ui(ui, view, actions);
    }
}
