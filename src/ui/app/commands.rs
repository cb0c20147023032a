//! The app's side of the session: starting it, draining its updates,
//! turning panels' actions into commands, dialogs, dropped files, reloads
//! on save and the run settings.

use super::*;

impl TicklabApp {
    /// Starts the session thread on the first frame, with a waker that
    /// asks for a repaint, and sends the start-up commands.
    pub(super) fn ensure_session(&mut self, ctx: &egui::Context) {
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
    pub(super) fn drain_updates(&mut self, ctx: &egui::Context) {
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
    pub(super) fn dropped_files_ui(&mut self, ctx: &egui::Context) {
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

    pub(super) fn poll_dialog(&mut self) {
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

    pub(super) fn open_dialog(&mut self, kind: DialogKind, ctx: &egui::Context) {
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
    pub(super) fn apply_actions(&mut self, ctx: &egui::Context) {
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
    pub(super) fn open_in_editor(&mut self, path: &Path) {
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

    /// Watches the strategy file and the run.toml in force, and reloads
    /// what was saved once the saving settles.
    pub(super) fn reload_on_save(&mut self, ctx: &egui::Context) {
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
    pub(super) fn apply_settings(&mut self, config: RunConfig, path: Option<PathBuf>) {
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
    pub(super) fn settings_for_strategy(&mut self, name: &str) {
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

    pub(super) fn send(&mut self, command: Command) {
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
}
