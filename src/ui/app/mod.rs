//! The app: starts the session, drains its updates within a time budget,
//! lays the panels out in resizable panes (egui keeps their sizes between
//! runs), and applies what the panels asked for, in one place.

mod commands;
mod frame;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use egui::{Align2, Color32, FontId, RichText};

use crate::session::params::discover_params;
use crate::session::read_run_config;
use crate::session::settings::run_toml_text;
use crate::session::update::ErrorKind;
use crate::session::{Command, RunState, SessionOptions, Speed, StepTarget, Update};
use crate::session::{Isolation, SessionLink};
use crate::sim::RunConfig;

use super::dialog::{Dialog, DialogKind};
use super::layout::{check_layout, Limits, PlacedPanel, ROW_PANEL_MIN};
use super::overlay::{timed_ui, FrameTimes, PanelTimes};
use super::persist::{Persisted, STORAGE_KEY};
use super::profile::Profiler;
use super::strategy::is_strategy_file;
use super::view::{LineKind, View};
use super::watch::{Changed, FileWatcher, SETTLE};
use super::{all_panels, Action, Panel, Slot};

/// Real time spent taking in updates per frame at most.
const DRAIN_BUDGET: Duration = Duration::from_millis(4);

/// How the window starts.
#[derive(Clone, Debug, Default)]
pub struct AppOptions {
    /// The data folder to open first.
    pub folder: Option<PathBuf>,
    /// A `run.toml` to apply first.
    pub config: Option<PathBuf>,
    /// A strategy to load at once (a built-in name or a file).
    pub strategy: Option<String>,
    /// Steps to take once loaded, in order.
    pub steps: Vec<StepTarget>,
    /// Plays at this speed once the start-up steps are done.
    pub play: Option<Speed>,
    /// Writes frame-time figures to stderr (see [`super::profile`]).
    pub profile: bool,
    /// Closes the window a moment after the start-up steps and playing
    /// are done and the session waits.
    pub quit_when_idle: bool,
    /// The session's settings.
    pub session: SessionOptions,
    /// Where the session and its strategies run: in this process by
    /// default (tests that draw the window); the `ticklab` window runs
    /// them in a sandboxed worker process.
    pub isolation: Isolation,
    /// The `ticklab` executable the Analyzer runs sweeps with (default:
    /// this process's own).
    pub sweep_exe: Option<PathBuf>,
}

/// Frames drawn once the session waits before the window closes, when
/// asked to close then: they measure drawing everything kept.
const FRAMES_AFTER_DONE: u32 = 30;

/// The strategy lab window.
pub struct TicklabApp {
    options: AppOptions,
    session: Option<Box<dyn SessionLink>>,
    started: bool,
    view: View,
    panels: Vec<Box<dyn Panel>>,
    saved: Persisted,
    show_overlay: bool,
    frame_times: FrameTimes,
    last_frame_at: Option<Instant>,
    dialog: Option<Dialog>,
    actions: Vec<Action>,
    /// Commands the session had finished at its last `Idle`.
    idle_after: u64,
    panel_times: PanelTimes,
    profiler: Option<Profiler>,
    /// Frames drawn since the start-up script was done, when closing
    /// after it.
    frames_since_done: u32,
    /// The previous frame's whole CPU time, as eframe measured it.
    last_frame_cpu: Option<Duration>,
    /// Where each panel was drawn in the last frame.
    placed: Vec<PlacedPanel>,
    /// Whether the keyboard help shows.
    show_help: bool,
    /// Watches the strategy file and the run.toml for saves.
    watcher: Option<FileWatcher>,
    /// The watcher's last complaint, said once.
    watch_problem: Option<String>,
    /// The Analyzer view, and whether it shows instead of the replay.
    analyzer: super::analyzer::AnalyzerView,
    show_analyzer: bool,
}

impl TicklabApp {
    /// The app, with what the previous run saved (when there is storage).
    pub fn new(options: AppOptions, saved: Option<Persisted>) -> Self {
        let saved = saved.unwrap_or_default();
        let mut panels = all_panels();
        for panel in &mut panels {
            panel.restore(&saved);
        }
        TicklabApp {
            session: None,
            started: false,
            view: View::default(),
            panels,
            show_overlay: saved.show_overlay.unwrap_or(true),
            saved,
            frame_times: FrameTimes::default(),
            last_frame_at: None,
            dialog: None,
            actions: Vec::new(),
            idle_after: 0,
            panel_times: PanelTimes::default(),
            profiler: options.profile.then(Profiler::default),
            frames_since_done: 0,
            last_frame_cpu: None,
            placed: Vec::new(),
            show_help: false,
            watcher: None,
            watch_problem: None,
            analyzer: super::analyzer::AnalyzerView::new(options.sweep_exe.clone()),
            show_analyzer: false,
            options,
        }
    }

    /// The app showing `view`, with no session behind it: for measuring and
    /// testing how the panels draw a given state.
    pub fn showing(view: View) -> Self {
        let mut app = TicklabApp::new(AppOptions::default(), None);
        app.started = true;
        app.view = view;
        app
    }

    /// What the panels draw, to change between frames when the app has no
    /// session (see [`TicklabApp::showing`]).
    pub fn view_mut(&mut self) -> &mut View {
        &mut self.view
    }

    /// The app as eframe creates it, with its saved state.
    pub fn from_creation_context(options: AppOptions, cc: &eframe::CreationContext<'_>) -> Self {
        let saved = cc
            .storage
            .and_then(|storage| eframe::get_value::<Persisted>(storage, STORAGE_KEY));
        TicklabApp::new(options, saved)
    }

    /// What the panels draw.
    pub fn view(&self) -> &View {
        &self.view
    }

    /// True when the session has done everything asked and waits.
    pub fn is_idle(&self) -> bool {
        self.actions.is_empty()
            && self
                .session
                .as_ref()
                .is_some_and(|s| self.idle_after >= s.commands_sent())
    }

    /// Where each panel was drawn in the last frame (the columns and rows
    /// as a whole where they stack several panels).
    pub fn placed_panels(&self) -> &[PlacedPanel] {
        &self.placed
    }

    /// Whether the keyboard help shows.
    pub fn is_help_shown(&self) -> bool {
        self.show_help
    }

    /// The Analyzer view.
    pub fn analyzer(&self) -> &super::analyzer::AnalyzerView {
        &self.analyzer
    }

    /// The Analyzer view, to change.
    pub fn analyzer_mut(&mut self) -> &mut super::analyzer::AnalyzerView {
        &mut self.analyzer
    }

    /// Whether the Analyzer shows instead of the replay.
    pub fn is_analyzer_shown(&self) -> bool {
        self.show_analyzer
    }

    /// Queues an action as if a panel had pushed it.
    pub fn push_action(&mut self, action: Action) {
        self.actions.push(action);
    }

    /// The whole window, given the root `Ui`.
    pub fn show_ui(&mut self, ui: &mut egui::Ui) {
        let build_started = Instant::now();
        let ctx = ui.ctx().clone();
        self.ensure_session(&ctx);
        self.drain_updates(&ctx);
        self.poll_dialog();
        self.dropped_files_ui(&ctx);
        self.keyboard_ui(&ctx);
        if super::analyzer::switch_pressed(&ctx) {
            self.show_analyzer = !self.show_analyzer;
        }
        self.reload_on_save(&ctx);

        let slot_of = |slot: Slot| -> Vec<usize> {
            self.panels
                .iter()
                .enumerate()
                .filter(|(_, p)| p.slot() == slot)
                .map(|(i, _)| i)
                .collect()
        };
        let top = slot_of(Slot::Top);
        let left = slot_of(Slot::Left);
        let right = slot_of(Slot::Right);
        let center = slot_of(Slot::Center);
        let generation = self.saved.layout_generation;

        egui::Panel::top(("top_bar", generation)).show(ui, |ui| {
            self.title_bar_ui(ui);
            for &i in &top {
                self.panel_ui(i, ui);
            }
        });
        self.banner_ui(ui);
        if self.show_analyzer {
            let rest = ui.available_rect_before_wrap();
            egui::CentralPanel::default().show(ui, |ui| {
                if self.analyzer.ui(ui, &self.view, &mut self.actions) {
                    self.show_analyzer = false;
                }
            });
            self.placed = vec![PlacedPanel {
                title: "Analyzer",
                rect: rest,
            }];
        } else {
            self.replay_ui(ui, left, right, center);
        }
        self.finish_frame(&ctx, build_started);
    }

    /// What follows the drawing of a frame: the help, the actions, the
    /// frame times and the scripted start.
    fn finish_frame(&mut self, ctx: &egui::Context, build_started: Instant) {
        let ctx = ctx.clone();
        self.help_ui(&ctx);

        self.apply_actions(&ctx);
        let now = Instant::now();
        let dt_secs = self
            .last_frame_at
            .map_or(0.0, |at| now.duration_since(at).as_secs_f32());
        self.last_frame_at = Some(now);
        let build = build_started.elapsed();
        self.frame_times.record(build, dt_secs);
        if let Some(profiler) = &mut self.profiler {
            let tessellation = self
                .panel_times
                .layer
                .map(|layer| super::profile::time_tessellation(&ctx, layer));
            profiler.record(
                build,
                tessellation,
                self.last_frame_cpu,
                &self.view,
                &self.panel_times,
            );
        }
        self.scripted_play_and_quit(&ctx);
        if self.dialog.is_some() {
            ctx.request_repaint_after(Duration::from_millis(200));
        }
    }

    /// Starts playing once the start-up steps are done, and closes the
    /// window once all that is done, when the options ask for either.
    fn scripted_play_and_quit(&mut self, ctx: &egui::Context) {
        if self.options.play.is_some() && self.is_idle() && self.view.state() == RunState::Paused {
            if let Some(speed) = self.options.play.take() {
                if let Some(profiler) = &mut self.profiler {
                    profiler.note_play(&self.view, &self.panel_times);
                }
                self.send(Command::Play(speed));
                ctx.request_repaint();
            }
        }
        if self.options.quit_when_idle
            && self.options.play.is_none()
            && self.is_idle()
            && !self.view.state().is_running()
        {
            self.frames_since_done += 1;
            if self.frames_since_done > FRAMES_AFTER_DONE {
                ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            }
            ctx.request_repaint();
        }
    }

    /// The state to save between runs.
    pub fn saved_state(&self) -> Persisted {
        let mut saved = self.saved.clone();
        for panel in &self.panels {
            panel.remember(&mut saved);
        }
        saved.show_overlay = Some(self.show_overlay);
        saved
    }

    /// True when the last frame's panels neither overlap nor hide.
    pub fn is_layout_valid(&self) -> bool {
        let Some(window) = self.placed.iter().map(|p| p.rect).reduce(|a, b| a.union(b)) else {
            return true;
        };
        check_layout(&self.placed, window).is_ok()
    }
}

impl eframe::App for TicklabApp {
    fn ui(&mut self, ui: &mut egui::Ui, frame: &mut eframe::Frame) {
        self.last_frame_cpu = frame
            .info()
            .cpu_usage
            .map(|secs| Duration::from_secs_f32(secs.max(0.0)));
        self.show_ui(ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        let mut saved = self.saved_state();
        if !self.is_layout_valid() {
            // Never bring a broken layout back: the next start takes the
            // default sizes.
            saved.layout_generation = saved.layout_generation.wrapping_add(1);
        }
        eframe::set_value(storage, STORAGE_KEY, &saved);
    }
}

/// What dropping `path` on the window does.
pub fn action_for_dropped(path: &Path) -> Action {
    if path.is_dir()
        || path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("parquet"))
    {
        Action::OpenFolder(path.to_owned())
    } else if is_strategy_file(path) {
        set_strategy(path.display().to_string())
    } else {
        Action::Report(format!(
            "{}: not something ticklab opens; drop a data folder, a .parquet day file, or a strategy (.py, .rules.*)",
            path.display()
        ))
    }
}

/// The file name of a strategy path, or the built-in name.
fn short_name(name: &str) -> String {
    Path::new(name)
        .file_name()
        .map_or_else(|| name.to_owned(), |n| n.to_string_lossy().into_owned())
}

fn set_strategy(name: String) -> Action {
    Action::Session(Command::SetStrategy(name))
}
