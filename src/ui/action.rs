//! What the user asked for, pushed by panels and applied by the app in one
//! place after drawing.

use std::path::PathBuf;

use crate::session::Command;
use crate::sim::RunConfig;

/// One request from a panel.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// A command for the session.
    Session(Command),
    /// Opens a data folder (or day file): its first symbol and day.
    OpenFolder(PathBuf),
    /// Asks for a data folder with the native dialog.
    ChooseFolder,
    /// Asks for a strategy file with the native dialog.
    ChooseStrategyFile,
    /// Tells the user something they typed cannot be used (shown in the
    /// console).
    Report(String),
    /// Forgets the console's lines.
    ClearConsole,
    /// Shows or hides the frame-time overlay.
    ToggleOverlay,
    /// Opens a file with the desktop's editor for it.
    OpenInEditor(PathBuf),
    /// Closes the error banner.
    DismissBanner,
    /// Shows or hides the previous run's overlay.
    ToggleCompare,
    /// Shows or hides the keyboard help.
    ToggleHelp,
    /// Puts every panel back to its default size.
    ResetLayout,
    /// Sends these settings to the session and re-runs to the current
    /// event.
    ApplySettings(Box<RunConfig>),
    /// Reads a `run.toml` and applies it.
    OpenConfig(PathBuf),
    /// Writes the applied settings to a `run.toml`.
    SaveConfig(PathBuf),
}
