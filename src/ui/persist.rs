//! What the window remembers between runs (with the layout, which egui
//! keeps itself): recent folders, speed, step size, the overlay.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// Key of the app's state in eframe's storage.
pub const STORAGE_KEY: &str = "ticklab";

/// The remembered state.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Persisted {
    /// Folders opened, newest first.
    pub recent_folders: Vec<PathBuf>,
    /// Index into the transport's speeds.
    pub speed_index: Option<usize>,
    /// Events per "Step N".
    pub step_events: Option<u64>,
    /// Whether the frame-time overlay shows.
    pub show_overlay: Option<bool>,
    /// Salts the ids of the resizable panels: a new number forgets every
    /// size egui kept (reset layout, or a layout saved broken).
    pub layout_generation: u32,
    /// Strategy files loaded, newest first.
    pub recent_strategies: Vec<PathBuf>,
    /// The settings (`run.toml` text) last applied with each strategy.
    pub settings_by_strategy: std::collections::BTreeMap<String, String>,
}

/// Recent folders remembered.
pub const RECENT_KEPT: usize = 8;

impl Persisted {
    /// Puts `file` first among the recent strategy files.
    pub fn remember_strategy(&mut self, file: PathBuf) {
        self.recent_strategies.retain(|f| f != &file);
        self.recent_strategies.insert(0, file);
        self.recent_strategies.truncate(RECENT_KEPT);
    }

    /// Puts `folder` first among the recent folders.
    pub fn remember_folder(&mut self, folder: PathBuf) {
        self.recent_folders.retain(|f| f != &folder);
        self.recent_folders.insert(0, folder);
        self.recent_folders.truncate(RECENT_KEPT);
    }
}
