//! The app: starts the session, drains its updates within a time budget,
//! lays the panels out in resizable panes (egui keeps their sizes between
//! runs), and applies what the panels asked for, in one place.

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

    /// Starts the session thread on the first frame, with a waker that
    /// asks for a repaint, and sends the start-up commands.
    fn ensure_session(&mut self, ctx: &egui::Context) {
        if self.session.is_none() && !self.started {
            self.started = true;
            let repaint = ctx.clone();
            let waker = std::sync::Arc::new(move || repaint.request_repaint());
            let watch_repaint = ctx.clone();
            self.watcher = Some(FileWatcher::new(std::sync::Arc::new(move || {
                watch_repaint.request_repaint();
            })));
            match crate::session::link::start(
                self.options.session.clone(),
                &self.options.isolation,
                waker,
            ) {
                Ok(session) => {
                    if self.options.isolation == Isolation::InProcess {
                        self.view.log(
                            LineKind::Note,
                            format!("strategies run in {}", session.where_it_runs()),
                            "",
                        );
                    }
                    self.session = Some(session);
                }
                Err(err) => self.view.log(
                    LineKind::Error(ErrorKind::Command),
                    format!("cannot start the session thread: {err}"),
                    "",
                ),
            }
            if let Some(config) = self.options.config.clone() {
                self.actions.push(Action::OpenConfig(config));
            }
            match self.options.folder.clone() {
                Some(folder) => self.actions.push(Action::OpenFolder(folder)),
                None => self.view.log(
                    LineKind::Note,
                    "no sample data found beside ticklab: open a data folder (type its path in Data, or drop it on the window)",
                    "",
                ),
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
                if commands_done >= session.commands_sent() {
                    self.view.forget_compare_next();
                }
            }
            if let Update::Started(run) = &update {
                self.saved.remember_folder(run.folder.clone());
                if let Some(file) = run
                    .strategy
                    .as_deref()
                    .map(Path::new)
                    .filter(|p| p.is_file())
                {
                    self.saved.remember_strategy(file.to_owned());
                }
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
                Action::ToggleHelp => self.show_help = !self.show_help,
                Action::DismissBanner => self.view.banner = None,
                Action::OpenInEditor(path) => self.open_in_editor(&path),
                Action::ToggleCompare => self.view.show_previous = !self.view.show_previous,
                Action::ApplySettings(config) => self.apply_settings(*config, None),
                Action::OpenConfig(path) => match read_run_config(Some(&path)) {
                    Ok(config) => self.apply_settings(config, Some(path)),
                    Err(err) => {
                        let text = err.to_string();
                        let prefix = format!("{}: ", path.display());
                        let text = text.strip_prefix(&prefix).unwrap_or(&text);
                        let (first, rest) = text.split_once('\n').unwrap_or((text, ""));
                        self.view.log(
                            LineKind::Error(ErrorKind::Command),
                            format!("loading {}: {first}", path.display()),
                            rest.trim_end(),
                        );
                    }
                },
                Action::SaveConfig(path) => {
                    let written = run_toml_text(&self.view.settings.config)
                        .map_err(|err| err.to_string())
                        .and_then(|text| {
                            std::fs::write(&path, text).map_err(|err| err.to_string())
                        });
                    match written {
                        Ok(()) => {
                            self.view.settings.path = Some(path.clone());
                            self.view.log(
                                LineKind::Note,
                                format!("settings saved to {}", path.display()),
                                "",
                            );
                        }
                        Err(err) => self.view.log(
                            LineKind::Error(ErrorKind::Command),
                            format!("saving {}: {err}", path.display()),
                            "",
                        ),
                    }
                }
                Action::ResetLayout => {
                    self.saved.layout_generation = self.saved.layout_generation.wrapping_add(1);
                    self.view.log(LineKind::Note, "layout reset", "");
                }
            }
        }
    }

    /// Opens `path` with the desktop's program for it (`xdg-open`), or
    /// `$VISUAL` / `$EDITOR` when set; says where the file is when neither
    /// starts.
    fn open_in_editor(&mut self, path: &Path) {
        let editor = std::env::var("VISUAL")
            .or_else(|_| std::env::var("EDITOR"))
            .ok()
            .filter(|e| !e.trim().is_empty());
        let program = editor.unwrap_or_else(|| "xdg-open".to_owned());
        let started = std::process::Command::new(&program)
            .arg(path)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn();
        match started {
            Ok(mut child) => {
                // Reaped on a thread of its own, so it leaves no zombie.
                let _ = std::thread::Builder::new()
                    .name("ticklab-editor".to_owned())
                    .spawn(move || child.wait());
                self.view.log(
                    LineKind::Note,
                    format!(
                        "opened {} with {program}; saving it reloads the strategy",
                        path.display()
                    ),
                    "",
                );
            }
            Err(err) => self.view.log(
                LineKind::Note,
                format!(
                    "cannot start {program} ({err}): the file is {}",
                    path.display()
                ),
                "",
            ),
        }
    }

    /// The strategy's last failure, across the window, with what to do.
    fn banner_ui(&mut self, ui: &mut egui::Ui) {
        let Some(line) = self.view.banner.clone() else {
            return;
        };
        let file = self
            .view
            .run
            .as_ref()
            .and_then(|r| r.strategy.as_deref())
            .map(PathBuf::from)
            .filter(|p| p.is_file());
        egui::Panel::top("error_banner")
            .frame(
                egui::Frame::new()
                    .fill(super::theme::ERROR_BACKGROUND)
                    .inner_margin(6.0),
            )
            .show(ui, |ui| {
                ui.horizontal(|ui| {
                    if ui
                        .button("⟳ Reload")
                        .on_hover_text("Re-read the strategy (Ctrl+R)")
                        .clicked()
                    {
                        self.actions.push(Action::Session(Command::ReloadStrategy));
                    }
                    if let Some(file) = &file {
                        if ui
                            .button("Open file")
                            .on_hover_text(format!("Edit {}", file.display()))
                            .clicked()
                        {
                            self.actions.push(Action::OpenInEditor(file.clone()));
                        }
                    }
                    if ui.button("✖").on_hover_text("Close").clicked() {
                        self.actions.push(Action::DismissBanner);
                    }
                    let time = line
                        .ts_ns
                        .map(|ts| format!("{} · ", super::format::datetime_us_from_ns(ts)))
                        .unwrap_or_default();
                    ui.add(
                        egui::Label::new(
                            RichText::new(format!("{time}{}", line.text))
                                .color(super::theme::ERROR_TEXT)
                                .strong(),
                        )
                        .wrap(),
                    );
                });
            });
    }

    /// Watches the strategy file and the run.toml in force, and reloads
    /// what was saved once the saving settles.
    fn reload_on_save(&mut self, ctx: &egui::Context) {
        let Some(watcher) = &mut self.watcher else {
            return;
        };
        let strategy = self
            .view
            .run
            .as_ref()
            .and_then(|r| r.strategy.as_deref())
            .map(PathBuf::from)
            .filter(|p| p.is_file());
        if let Err(problem) = watcher.watch(strategy.as_deref(), self.view.settings.path.as_deref())
        {
            if self.watch_problem.as_ref() != Some(&problem) {
                self.view.log(LineKind::Note, problem.clone(), "");
                self.watch_problem = Some(problem);
            }
        }
        let mut waiting = false;
        let changed = watcher.poll(&mut waiting);
        if waiting {
            ctx.request_repaint_after(SETTLE);
        }
        let config_changed = changed.contains(&Changed::Config);
        if config_changed {
            if let Some(path) = self.view.settings.path.clone() {
                self.view.log(
                    LineKind::Note,
                    format!(
                        "{} saved: reloading the settings and re-running to the same event",
                        path.display()
                    ),
                    "",
                );
                self.actions.push(Action::OpenConfig(path));
            }
        }
        if changed.contains(&Changed::Strategy) && !config_changed {
            if let Some(path) = strategy {
                self.view.log(
                    LineKind::Note,
                    format!(
                        "{} saved: reloading and re-running to the same event",
                        path.display()
                    ),
                    "",
                );
                self.actions.push(Action::Session(Command::ReloadStrategy));
            }
        }
    }

    /// Sends `config` to the session, re-running to the current event
    /// when a run is loaded, and remembers it for the strategy.
    fn apply_settings(&mut self, config: RunConfig, path: Option<PathBuf>) {
        if path.is_some() {
            self.view.settings.path = path;
        }
        self.view.settings.config = config.clone();
        self.view.settings.revision += 1;
        if let Some(strategy) = self.view.run.as_ref().and_then(|r| r.strategy.clone()) {
            if let Ok(text) = run_toml_text(&config) {
                self.saved.settings_by_strategy.insert(strategy, text);
            }
        }
        self.send(Command::Configure {
            config: Box::new(config),
        });
        if self.view.run.is_some() {
            self.send(Command::ReloadStrategy);
        }
    }

    /// Before a strategy is chosen: its remembered settings, or the
    /// settings in force without the previous strategy's parameters.
    fn settings_for_strategy(&mut self, name: &str) {
        let previous = self.view.run.as_ref().and_then(|r| r.strategy.clone());
        if previous.as_deref() == Some(name) {
            return;
        }
        // A run.toml given at the start holds for the first strategy.
        let from_file = previous.is_none() && self.view.settings.path.is_some();
        let remembered = self
            .saved
            .settings_by_strategy
            .get(name)
            .filter(|_| !from_file)
            .and_then(|text| RunConfig::from_toml_str(text, Path::new("settings")).ok());
        let config = match remembered {
            Some(config) => config,
            None if previous.is_some() => RunConfig {
                params: toml::Table::new(),
                ..self.view.settings.config.clone()
            },
            None => self.view.settings.config.clone(),
        };
        self.view.settings.params = discover_params(name);
        self.view.settings.revision += 1;
        if config != self.view.settings.config {
            self.view.settings.config = config.clone();
            self.send(Command::Configure {
                config: Box::new(config),
            });
        }
    }

    fn send(&mut self, command: Command) {
        if let Command::SetStrategy(name) = &command {
            let name = name.clone();
            let previous = self.view.run.as_ref().and_then(|r| r.strategy.clone());
            self.view.compare_next_run(format!(
                "previous strategy ({})",
                previous.as_deref().map_or("none".to_owned(), short_name)
            ));
            self.settings_for_strategy(&name);
        }
        match &command {
            Command::ReloadStrategy => self.view.compare_next_run("before the reload"),
            Command::Configure { .. } => self.view.compare_next_run("before the settings change"),
            _ => {}
        }
        let Some(session) = &mut self.session else {
            return;
        };
        // A fresh run starts at the first consistent book, not an empty one.
        let then_book = matches!(
            command,
            Command::Load { .. } | Command::Open { .. } | Command::SetStrategy(_)
        );
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
            ui.menu_button("View", |ui| {
                if ui
                    .button("Reset layout")
                    .on_hover_text("Every panel back to its default size")
                    .clicked()
                {
                    self.actions.push(Action::ResetLayout);
                    ui.close();
                }
                if ui.button("Keyboard shortcuts  (?)").clicked() {
                    self.actions.push(Action::ToggleHelp);
                    ui.close();
                }
                if ui.button("Frame times").clicked() {
                    self.actions.push(Action::ToggleOverlay);
                    ui.close();
                }
            });
            self.show_analyzer = super::analyzer::tabs_ui(ui, self.show_analyzer);
            let title = match &self.view.run {
                Some(run) => RichText::new(format!(
                    "{}  ·  {} {}  ·  {}",
                    run.folder.display(),
                    super::run_span::symbols_text(run),
                    super::run_span::days_text(run),
                    run.strategy
                        .as_deref()
                        .map_or("no strategy".to_owned(), short_name)
                ))
                .monospace(),
                None => RichText::new("open a data folder to begin").weak(),
            };
            let hover = self.view.run.as_ref().map(|run| {
                format!(
                    "{}\n{} {}\n{}",
                    run.folder.display(),
                    super::run_span::symbols_text(run),
                    super::run_span::days_text(run),
                    run.strategy.as_deref().unwrap_or("no strategy")
                )
            });
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
                // The title takes what is left, cut short rather than
                // running under the frame times.
                let size = egui::vec2(ui.available_width(), ui.spacing().interact_size.y);
                ui.allocate_ui_with_layout(
                    size,
                    egui::Layout::left_to_right(egui::Align::Center),
                    |ui| {
                        let label = ui.add(egui::Label::new(title).truncate());
                        if let Some(hover) = hover {
                            label.on_hover_text(hover);
                        }
                    },
                );
            });
        });
    }

    /// Panels side by side in `rect`: the first fills what the others
    /// leave. Each draws inside its own clipped box, so nothing a panel
    /// holds (a long console line) can push a neighbour.
    #[expect(
        clippy::too_many_arguments,
        reason = "the app's fields, split for the borrow checker"
    )]
    fn row_ui(
        ui: &mut egui::Ui,
        id: &str,
        generation: u32,
        panels: &mut [&mut Box<dyn Panel>],
        view: &View,
        actions: &mut Vec<Action>,
        times: &mut PanelTimes,
        placed: &mut Vec<PlacedPanel>,
    ) {
        let count = panels.len();
        if count == 0 {
            return;
        }
        let width = ui.available_width();
        let share = width / count as f32;
        for i in (1..count).rev() {
            let panel = &mut panels[i];
            let title = panel.title();
            // Leave the filling panel and the ones still to come their minimum.
            let max = (ui.available_width() - ROW_PANEL_MIN * i as f32).max(ROW_PANEL_MIN);
            let shown = egui::Panel::right((id, title, generation))
                .resizable(true)
                .default_size(share)
                .size_range(ROW_PANEL_MIN..=max)
                .show(ui, |ui| {
                    boxed_ui(ui, |ui| timed_ui(panel, ui, view, actions, times))
                });
            placed.push(PlacedPanel {
                title,
                rect: shown.response.rect,
            });
        }
        let rest = ui.available_rect_before_wrap();
        boxed_ui(ui, |ui| timed_ui(panels[0], ui, view, actions, times));
        placed.push(PlacedPanel {
            title: panels[0].title(),
            rect: rest,
        });
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

    /// The replay's panels, below the top bar.
    fn replay_ui(
        &mut self,
        ui: &mut egui::Ui,
        left: Vec<usize>,
        right: Vec<usize>,
        center: Vec<usize>,
    ) {
        let generation = self.saved.layout_generation;
        let mut placed: Vec<PlacedPanel> = Vec::new();
        let body = ui.available_rect_before_wrap();
        let limits = Limits::for_body(body.width(), body.height());
        let shown = egui::Panel::left(("left_column", generation))
            .resizable(true)
            .default_size(limits.left_default)
            .size_range(limits.left)
            .show(ui, |ui| {
                boxed_ui(ui, |ui| {
                    egui::ScrollArea::vertical()
                        .auto_shrink([false, false])
                        .show(ui, |ui| {
                            for &i in &left {
                                let title = self.panels[i].title();
                                egui::CollapsingHeader::new(RichText::new(title).strong())
                                    .id_salt(("left", title))
                                    .default_open(title != "Settings")
                                    .show(ui, |ui| self.panel_ui(i, ui));
                            }
                        });
                });
            });
        let left_width = shown.response.rect.width();
        placed.push(PlacedPanel {
            title: "left column",
            rect: shown.response.rect,
        });
        let shown = egui::Panel::right(("right_column", generation))
            .resizable(true)
            .default_size(limits.right_default)
            .size_range(limits.right_after(body.width(), left_width))
            .show(ui, |ui| {
                boxed_ui(ui, |ui| {
                    for &i in &right {
                        self.panel_ui(i, ui);
                    }
                });
            });
        placed.push(PlacedPanel {
            title: "right column",
            rect: shown.response.rect,
        });
        let shown = egui::Panel::bottom(("bottom_row", generation))
            .resizable(true)
            .default_size(limits.bottom_default)
            .size_range(limits.bottom)
            .show(ui, |ui| {
                let mut row = panels_in(&mut self.panels, Slot::Bottom);
                Self::row_ui(
                    ui,
                    "bottom",
                    generation,
                    &mut row,
                    &self.view,
                    &mut self.actions,
                    &mut self.panel_times,
                    &mut placed,
                );
            });
        let bottom_height = shown.response.rect.height();
        egui::CentralPanel::default().show(ui, |ui| {
            egui::Panel::bottom(("center_bottom_row", generation))
                .resizable(true)
                .default_size(limits.center_bottom_default)
                .size_range(limits.center_bottom_after(body.height(), bottom_height))
                .show(ui, |ui| {
                    let mut row = panels_in(&mut self.panels, Slot::CenterBottom);
                    Self::row_ui(
                        ui,
                        "center_bottom",
                        generation,
                        &mut row,
                        &self.view,
                        &mut self.actions,
                        &mut self.panel_times,
                        &mut placed,
                    );
                });
            let rest = ui.available_rect_before_wrap();
            boxed_ui(ui, |ui| {
                for &i in &center {
                    self.panel_ui(i, ui);
                }
            });
            placed.push(PlacedPanel {
                title: "Price",
                rect: rest,
            });
        });
        self.placed = placed;
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

    /// Space, arrows and the other transport keys are the transport's;
    /// `?` shows the keyboard help and Escape hides it.
    fn keyboard_ui(&mut self, ctx: &egui::Context) {
        if ctx.egui_wants_keyboard_input() {
            return;
        }
        let (question, escape) = ctx.input_mut(|i| {
            // `?` arrives as a key or as text, as the keyboard layout has it.
            let question = i.key_pressed(egui::Key::Questionmark)
                || (i.modifiers.shift && i.key_pressed(egui::Key::Slash))
                || i.events
                    .iter()
                    .any(|e| matches!(e, egui::Event::Text(t) if t == "?"));
            (
                question,
                i.consume_key(egui::Modifiers::NONE, egui::Key::Escape),
            )
        });
        if question {
            self.show_help = !self.show_help;
        }
        if escape {
            self.show_help = false;
        }
    }

    /// The keyboard help, over the window.
    fn help_ui(&mut self, ctx: &egui::Context) {
        if !self.show_help {
            return;
        }
        let mut open = true;
        egui::Window::new("Keyboard shortcuts")
            .open(&mut open)
            .collapsible(false)
            .resizable(false)
            .anchor(Align2::CENTER_CENTER, egui::Vec2::ZERO)
            .show(ctx, |ui| {
                egui::Grid::new("shortcuts").striped(true).show(ui, |ui| {
                    let analyzer = super::analyzer::SHORTCUTS;
                    for (keys, what) in super::transport::SHORTCUTS.iter().chain(analyzer) {
                        ui.label(RichText::new(*keys).monospace().strong());
                        ui.label(*what);
                        ui.end_row();
                    }
                    ui.label(RichText::new("?").monospace().strong());
                    ui.label("Show or hide this help (Esc hides it)");
                    ui.end_row();
                });
            });
        if !open {
            self.show_help = false;
        }
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

/// The file name of a strategy path, or the built-in name.
fn short_name(name: &str) -> String {
    Path::new(name)
        .file_name()
        .map_or_else(|| name.to_owned(), |n| n.to_string_lossy().into_owned())
}

/// The panels of `slot`, in layout order.
fn panels_in(panels: &mut [Box<dyn Panel>], slot: Slot) -> Vec<&mut Box<dyn Panel>> {
    panels.iter_mut().filter(|p| p.slot() == slot).collect()
}

/// Draws `add` in a child of exactly the space `ui` has left, clipped to
/// it, and takes that space whole: whatever the content wants, the parent
/// (a panel, a row) keeps its size.
fn boxed_ui(ui: &mut egui::Ui, add: impl FnOnce(&mut egui::Ui)) {
    let rect = ui.available_rect_before_wrap();
    let mut child = ui.new_child(egui::UiBuilder::new().max_rect(rect));
    child.shrink_clip_rect(rect);
    add(&mut child);
    ui.advance_cursor_after_rect(rect);
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
