//! The app: starts the session, drains its updates within a time budget,
//! lays the panels out in resizable panes (egui keeps their sizes between
//! runs), and applies what the panels asked for, in one place.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use egui::{Align2, Color32, FontId, RichText};

use crate::session::update::ErrorKind;
use crate::session::{Command, RunState, Session, SessionOptions, Speed, StepTarget, Update};

use super::dialog::{Dialog, DialogKind};
use super::overlay::{timed_ui, FrameTimes, PanelTimes};
use super::persist::{Persisted, STORAGE_KEY};
use super::profile::Profiler;
use super::strategy::is_strategy_file;
use super::view::{LineKind, View};
use super::{all_panels, Action, Panel, Slot};

/// Real time spent taking in updates per frame at most.
const DRAIN_BUDGET: Duration = Duration::from_millis(4);

/// How the window starts.
#[derive(Clone, Debug, Default)]
pub struct AppOptions {
    /// The data folder to open first.
    pub folder: Option<PathBuf>,
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
}

/// Frames drawn once the session waits before the window closes, when
/// asked to close then: they measure drawing everything kept.
const FRAMES_AFTER_DONE: u32 = 30;

/// The strategy lab window.
pub struct TicklabApp {
    options: AppOptions,
    session: Option<Session>,
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

    /// Queues an action as if a panel had pushed it.
    pub fn push_action(&mut self, action: Action) {
        self.actions.push(action);
    }

    /// Starts the session thread on the first frame, with a waker that
    /// asks for a repaint, and sends the start-up commands.
    fn ensure_session(&mut self, ctx: &egui::Context) {
        if self.session.is_none() && !self.started {
            self.started = true;
            let repaint = ctx.clone();
            let waker = std::sync::Arc::new(move || repaint.request_repaint());
            match Session::spawn(self.options.session.clone(), waker) {
                Ok(session) => self.session = Some(session),
                Err(err) => self.view.log(
                    LineKind::Error(ErrorKind::Command),
                    format!("cannot start the session thread: {err}"),
                    "",
                ),
            }
            if let Some(folder) = self.options.folder.clone() {
                self.actions.push(Action::OpenFolder(folder));
            }
            if let Some(strategy) = self.options.strategy.clone() {
                self.actions.push(set_strategy(strategy));
            }
            for &step in &self.options.steps {
                self.actions.push(Action::Session(Command::Step(step)));
            }
        }
    }

    /// Takes in updates for at most [`DRAIN_BUDGET`]; asks for another frame
    /// when more wait or the engine runs.
    fn drain_updates(&mut self, ctx: &egui::Context) {
        let Some(session) = &self.session else {
            return;
        };
        let started = Instant::now();
        let mut applied = 0;
        let mut more = false;
        while let Some(update) = session.try_recv() {
            if let Update::Idle { commands_done } = update {
                self.idle_after = commands_done;
            }
            if let Update::Started(run) = &update {
                self.saved.remember_folder(run.folder.clone());
                for panel in &mut self.panels {
                    panel.restore(&self.saved);
                }
            }
            self.view.apply(update);
            applied += 1;
            if started.elapsed() >= DRAIN_BUDGET {
                more = true;
                break;
            }
        }
        session.request_frame();
        self.view.updates_last_frame = applied;
        self.panel_times
            .record("(taking in updates)", started.elapsed(), 0);
        if more || self.view.state().is_running() {
            ctx.request_repaint();
        }
    }

    /// Folders, day files and strategy files dropped on the window.
    fn dropped_files_ui(&mut self, ctx: &egui::Context) {
        let (dropped, hovering) = ctx.input(|i| {
            (
                i.raw
                    .dropped_files
                    .iter()
                    .map(|f| f.path().to_owned())
                    .collect::<Vec<PathBuf>>(),
                !i.raw.hovered_files.is_empty(),
            )
        });
        for path in dropped {
            self.actions.push(action_for_dropped(&path));
        }
        if hovering {
            let painter = ctx.layer_painter(egui::LayerId::new(
                egui::Order::Foreground,
                egui::Id::unique("drop_hint"),
            ));
            let screen = ctx.content_rect();
            painter.rect_filled(screen, 0.0, Color32::from_black_alpha(170));
            painter.text(
                screen.center(),
                Align2::CENTER_CENTER,
                "Drop a data folder, a .parquet day, or a strategy (.py, .rules.*)",
                FontId::proportional(22.0),
                Color32::WHITE,
            );
        }
    }

    fn poll_dialog(&mut self) {
        let Some(dialog) = &mut self.dialog else {
            return;
        };
        let Some(choice) = dialog.poll() else {
            return;
        };
        let kind = dialog.kind();
        self.dialog = None;
        match (kind, choice) {
            (DialogKind::Folder, Some(folder)) => self.actions.push(Action::OpenFolder(folder)),
            (DialogKind::StrategyFile, Some(file)) => {
                self.actions.push(set_strategy(file.display().to_string()));
            }
            (_, None) => self.view.log(
                LineKind::Note,
                "nothing chosen (without a desktop portal there is no dialog: type a path or drop the folder or file on the window)",
                "",
            ),
        }
    }

    fn open_dialog(&mut self, kind: DialogKind, ctx: &egui::Context) {
        if self.dialog.is_some() {
            return;
        }
        let repaint = ctx.clone();
        match Dialog::open(kind, move || repaint.request_repaint()) {
            Ok(dialog) => self.dialog = Some(dialog),
            Err(err) => self.view.log(
                LineKind::Error(ErrorKind::Command),
                format!("cannot open the file dialog: {err}"),
                "",
            ),
        }
    }

    /// Applies what the panels asked for this frame.
    fn apply_actions(&mut self, ctx: &egui::Context) {
        let actions = std::mem::take(&mut self.actions);
        for action in actions {
            match action {
                Action::Session(command) => self.send(command),
                Action::OpenFolder(folder) => {
                    self.send(Command::Load {
                        folder,
                        symbol: None,
                        day: None,
                    });
                }
                Action::ChooseFolder => self.open_dialog(DialogKind::Folder, ctx),
                Action::ChooseStrategyFile => self.open_dialog(DialogKind::StrategyFile, ctx),
                Action::Report(message) => {
                    self.view
                        .log(LineKind::Error(ErrorKind::Command), message, "");
                }
                Action::ClearConsole => {
                    self.view.console.clear();
                    self.view.errors_total = 0;
                }
                Action::ToggleOverlay => self.show_overlay = !self.show_overlay,
            }
        }
    }

    fn send(&mut self, command: Command) {
        let Some(session) = &mut self.session else {
            return;
        };
        // A fresh run starts at the first consistent book, not an empty one.
        let then_book = matches!(command, Command::Load { .. } | Command::SetStrategy(_));
        let first = session.send(command);
        let second = if then_book && first.is_ok() {
            session.send(Command::Step(StepTarget::BatchEnd))
        } else {
            Ok(())
        };
        if let Err(err) = first.and(second) {
            self.view
                .log(LineKind::Error(ErrorKind::Command), err.to_string(), "");
        }
        self.view.is_idle = false;
    }

    fn title_bar_ui(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            ui.label(RichText::new("ticklab").strong().size(16.0));
            match &self.view.run {
                Some(run) => {
                    ui.label(
                        RichText::new(format!(
                            "{}  ·  {} {}",
                            run.folder.display(),
                            run.instrument.symbol,
                            run.day
                        ))
                        .monospace(),
                    );
                    let strategy = run.strategy.as_deref().unwrap_or("no strategy");
                    ui.label(RichText::new(format!("· {strategy}")).monospace().weak());
                }
                None => {
                    ui.label(RichText::new("open a data folder to begin").weak());
                }
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if ui
                    .selectable_label(self.show_overlay, "Frame times")
                    .on_hover_text("Show how long each frame takes to build")
                    .clicked()
                {
                    self.actions.push(Action::ToggleOverlay);
                }
                if self.show_overlay {
                    self.frame_times
                        .overlay_ui(ui, &self.view, &self.panel_times);
                }
            });
        });
    }

    /// Panels side by side: the first fills what the others leave.
    fn row_ui(
        ui: &mut egui::Ui,
        id: &str,
        panels: &mut [&mut Box<dyn Panel>],
        view: &View,
        actions: &mut Vec<Action>,
        times: &mut PanelTimes,
    ) {
        let count = panels.len();
        if count == 0 {
            return;
        }
        let share = ui.available_width() / count as f32;
        for i in (1..count).rev() {
            let panel = &mut panels[i];
            egui::Panel::right((id, panel.title()))
                .resizable(true)
                .default_size(share)
                .size_range(120.0..=ui.available_width().max(121.0))
                .show(ui, |ui| timed_ui(panel, ui, view, actions, times));
        }
        // The filling panel gets exactly what is left, clipped to it.
        let rest = ui.available_rect_before_wrap();
        let mut child = ui.new_child(egui::UiBuilder::new().max_rect(rest));
        child.shrink_clip_rect(rest);
        timed_ui(panels[0], &mut child, view, actions, times);
    }

    /// The whole window, given the root `Ui`.
    pub fn show_ui(&mut self, ui: &mut egui::Ui) {
        let build_started = Instant::now();
        let ctx = ui.ctx().clone();
        self.ensure_session(&ctx);
        self.drain_updates(&ctx);
        self.poll_dialog();
        self.dropped_files_ui(&ctx);

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
        let center_bottom = slot_of(Slot::CenterBottom);
        let bottom = slot_of(Slot::Bottom);

        egui::Panel::top("top_bar").show(ui, |ui| {
            self.title_bar_ui(ui);
            for &i in &top {
                self.panel_ui(i, ui);
            }
        });
        egui::Panel::left("left_column")
            .resizable(true)
            .default_size(270.0)
            .size_range(180.0..=500.0)
            .show(ui, |ui| {
                egui::ScrollArea::vertical()
                    .auto_shrink([false, false])
                    .show(ui, |ui| {
                        for &i in &left {
                            let title = self.panels[i].title();
                            egui::CollapsingHeader::new(RichText::new(title).strong())
                                .id_salt(("left", title))
                                .default_open(true)
                                .show(ui, |ui| self.panel_ui(i, ui));
                        }
                    });
            });
        egui::Panel::right("right_column")
            .resizable(true)
            .default_size(340.0)
            .size_range(220.0..=600.0)
            .show(ui, |ui| {
                for &i in &right {
                    self.panel_ui(i, ui);
                }
            });
        egui::Panel::bottom("bottom_row")
            .resizable(true)
            .default_size(230.0)
            .size_range(80.0..=700.0)
            .show(ui, |ui| {
                let mut row: Vec<&mut Box<dyn Panel>> = self
                    .panels
                    .iter_mut()
                    .enumerate()
                    .filter(|(i, _)| bottom.contains(i))
                    .map(|(_, p)| p)
                    .collect();
                Self::row_ui(
                    ui,
                    "bottom",
                    &mut row,
                    &self.view,
                    &mut self.actions,
                    &mut self.panel_times,
                );
            });
        egui::CentralPanel::default().show(ui, |ui| {
            egui::Panel::bottom("center_bottom_row")
                .resizable(true)
                .default_size(270.0)
                .size_range(80.0..=800.0)
                .show(ui, |ui| {
                    let mut row: Vec<&mut Box<dyn Panel>> = self
                        .panels
                        .iter_mut()
                        .enumerate()
                        .filter(|(i, _)| center_bottom.contains(i))
                        .map(|(_, p)| p)
                        .collect();
                    Self::row_ui(
                        ui,
                        "center_bottom",
                        &mut row,
                        &self.view,
                        &mut self.actions,
                        &mut self.panel_times,
                    );
                });
            for &i in &center {
                self.panel_ui(i, ui);
            }
        });

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
        eframe::set_value(storage, STORAGE_KEY, &self.saved_state());
    }
}

impl TicklabApp {
    /// Draws panel `i`, timing it for the frame-time readout.
    fn panel_ui(&mut self, i: usize, ui: &mut egui::Ui) {
        timed_ui(
            &mut self.panels[i],
            ui,
            &self.view,
            &mut self.actions,
            &mut self.panel_times,
        );
    }
}

fn set_strategy(name: String) -> Action {
    Action::Session(Command::SetStrategy(name))
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
