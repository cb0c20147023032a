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
}

/// Recent folders remembered.
pub const RECENT_KEPT: usize = 8;

impl Persisted {
    /// Puts `folder` first among the recent folders.
    pub fn remember_folder(&mut self, folder: PathBuf) {
        self.recent_folders.retain(|f| f != &folder);
        self.recent_folders.insert(0, folder);
        self.recent_folders.truncate(RECENT_KEPT);
    }
}
