//! The window's Analyzer view, beside the replay: the space to sweep
//! (parameters discovered from the loaded strategy and run-configuration
//! fields), the search, objective, constraints and jobs, checked before
//! any run; a sweep started and cancelled from here runs as `ticklab
//! sweep` does, in worker processes off the window's threads; its table
//! fills in live, with the heatmap, the scatter, the walk-forward folds
//! and a run's Monte Carlo fan; **Open** on a run replays that exact run.

pub(crate) mod charts;
pub(crate) mod folder;
pub mod form;
mod form_ui;
pub(crate) mod open;
pub(crate) mod process;
pub(crate) mod progress;
mod tabs;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use egui::RichText;

use super::sweep_table::SweepTable;
use super::theme;
use super::view::View;
use super::Action;
use crate::analyzer::{read_results, Constraint, Objective, ReadResults};
use crate::session::settings::run_toml_text;
use form::{Field, FieldError, SweepContext, SweepForm};
use process::SweepProcess;
use progress::Progress;
pub use tabs::{switch_pressed, tabs_ui, SHORTCUTS};

/// The label of the button that starts a sweep.
pub const START_LABEL: &str = "Start sweep";
/// The label of the button that cancels it.
pub const CANCEL_LABEL: &str = "Cancel sweep";

/// A strategy's parameters and their defaults, when known.
type KnownParams = Vec<(String, Option<toml::Value>)>;

/// A sweep started from the window.
struct Running {
    process: SweepProcess,
    out: PathBuf,
    /// Runs planned; 0 when not known before it runs (a walk-forward's
    /// folds depend on the days found).
    total: usize,
    done_at_start: usize,
    objective: Objective,
    constraints: Vec<Constraint>,
}

/// The Analyzer view's state.
pub struct AnalyzerView {
    exe: Option<PathBuf>,
    form: SweepForm,
    errors: Vec<FieldError>,
    /// Runs the form plans, when it checks out.
    planned: Option<usize>,
    /// The form and context last checked.
    checked: Option<(SweepForm, SweepContext)>,
    running: Option<Running>,
    /// How the last sweep ended, or why it could not start.
    message: Option<(bool, String)>,
    /// The folder whose results show.
    shown_out: Option<PathBuf>,
    table: Option<SweepTable>,
    results: Option<ReadResults>,
    results_read_at: Option<SystemTime>,
    charts: charts::Charts,
    wake: Option<Arc<dyn Fn() + Send + Sync>>,
    /// The folder holding the sweeps of a data folder, found once.
    root: Option<(PathBuf, Option<PathBuf>)>,
    /// The default folder of the form's sweep.
    default_out: Option<PathBuf>,
    /// The strategy's parameters, found once per strategy.
    params: Option<(String, KnownParams)>,
}

impl AnalyzerView {
    /// The view, running sweeps with the `ticklab` executable `exe` (by
    /// default this process's own).
    pub fn new(exe: Option<PathBuf>) -> AnalyzerView {
        AnalyzerView {
            exe,
            form: SweepForm::default(),
            errors: Vec::new(),
            planned: None,
            checked: None,
            running: None,
            message: None,
            shown_out: None,
            table: None,
            results: None,
            results_read_at: None,
            charts: charts::Charts::default(),
            wake: None,
            root: None,
            default_out: None,
            params: None,
        }
    }

    /// The form, to fill in from a test or a script.
    pub fn form_mut(&mut self) -> &mut SweepForm {
        &mut self.form
    }

    /// The errors shown beside the form's fields.
    pub fn errors(&self) -> &[FieldError] {
        &self.errors
    }

    /// True from the start of a sweep until the frame that sees it end.
    pub fn is_sweeping(&self) -> bool {
        self.running.is_some()
    }

    /// True while a sweep runs.
    fn is_running(&mut self) -> bool {
        self.running
            .as_mut()
            .is_some_and(|r| r.process.is_running())
    }

    /// The folder of the sweep shown.
    pub fn sweep_out(&self) -> Option<&Path> {
        self.shown_out.as_deref()
    }

    /// The sweep's table as shown.
    pub fn table(&self) -> Option<&SweepTable> {
        self.table.as_ref()
    }

    /// The message of the last sweep: whether it is an error, and its text.
    pub fn message(&self) -> Option<&(bool, String)> {
        self.message.as_ref()
    }

    /// What the sweep runs besides the form, from the replay.
    fn context(view: &View) -> Result<SweepContext, String> {
        let run = view
            .run
            .as_ref()
            .ok_or("open a data folder in the replay first")?;
        let strategy = run
            .strategy
            .clone()
            .ok_or("choose a strategy in the replay first: the sweep runs it")?;
        let config_toml =
            run_toml_text(&view.settings.config).map_err(|err| format!("the settings: {err}"))?;
        // The replay's run: its symbols and days, as `--symbol` and `--day`.
        let symbols: Vec<&str> = run.instruments.iter().map(|i| i.symbol.as_str()).collect();
        let symbol = match symbols.as_slice() {
            [] => run.instrument.symbol.clone(),
            list => list.join(","),
        };
        let day = match run.days.as_slice() {
            [] => run.day.to_string(),
            days => days
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(","),
        };
        Ok(SweepContext {
            data: std::path::absolute(&run.folder).unwrap_or_else(|_| run.folder.clone()),
            symbol: Some(symbol),
            day: Some(day),
            strategy,
            config_toml,
        })
    }

    /// Re-checks the form when it or the replay changed.
    fn recheck(&mut self, context: &SweepContext) {
        let key = (self.form.clone(), context.clone());
        if self.checked.as_ref() == Some(&key) {
            return;
        }
        match self.form.check(context) {
            Ok(runs) => {
                self.errors.clear();
                self.planned = Some(runs);
            }
            Err(errors) => {
                self.errors = errors;
                self.planned = None;
            }
        }
        if self.root.as_ref().map(|(data, _)| data) != Some(&context.data) {
            let root = folder::sweeps_root(&context.data, folder::user_sweeps_dir());
            self.root = Some((context.data.clone(), root));
        }
        self.default_out = self
            .root
            .as_ref()
            .and_then(|(_, root)| root.as_ref())
            .map(|root| root.join(folder::sweep_name(&self.form, context)));
        if self.params.as_ref().map(|(s, _)| s) != Some(&context.strategy) {
            let base = toml::Table::new();
            let known = crate::analyzer::StrategyParams::discover(&context.strategy, &base)
                .map(|p| p.known)
                .unwrap_or_default();
            self.params = Some((context.strategy.clone(), known));
        }
        self.checked = Some(key);
    }

    /// The sweep's folder: the form's, else the default for it.
    fn out_of(&mut self, context: &SweepContext) -> Result<PathBuf, String> {
        if !self.form.out.trim().is_empty() {
            return Ok(PathBuf::from(self.form.out.trim()));
        }
        self.recheck(context);
        self.default_out
            .clone()
            .ok_or_else(|| "no folder to write the sweep in: type one in Output".to_owned())
    }

    /// Starts the sweep of the form (resuming it when its folder holds
    /// its earlier runs).
    fn start(&mut self, context: &SweepContext) {
        self.message = None;
        let out = match self.out_of(context) {
            Ok(out) => out,
            Err(err) => {
                self.message = Some((true, err));
                return;
            }
        };
        let out = if self.form.out.trim().is_empty() {
            match folder::make_parent(&out, folder::user_sweeps_dir()) {
                Ok(out) => out,
                Err(err) => {
                    self.message = Some((true, format!("{err}: type a folder in Output")));
                    return;
                }
            }
        } else {
            out
        };
        let base = folder::base_config_path(&out);
        let written = base
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(&base, &context.config_toml));
        if let Err(err) = written {
            self.errors = vec![FieldError {
                field: Field::Out,
                message: format!("{}: cannot write: {err}", base.display()),
            }];
            return;
        }
        let total = match self.form.check_with_config(context, &base) {
            Ok(_) if !self.form.walk_forward.trim().is_empty() => 0,
            Ok(total) => total,
            Err(errors) => {
                self.errors = errors;
                return;
            }
        };
        let objective = Objective::parse(&self.form.objective);
        let constraints: Result<Vec<Constraint>, _> = self
            .form
            .constraint_lines()
            .iter()
            .map(|t| Constraint::parse(t))
            .collect();
        let (Ok(objective), Ok(constraints)) = (objective, constraints) else {
            return;
        };
        let exe = match self.exe.clone().map_or_else(std::env::current_exe, Ok) {
            Ok(exe) => exe,
            Err(err) => {
                self.message = Some((true, format!("cannot find the ticklab executable: {err}")));
                return;
            }
        };
        let args = self.form.sweep_args(context, &base, &out);
        let wake = self.wake.clone().unwrap_or_else(|| Arc::new(|| {}));
        match SweepProcess::spawn(&exe, &args, wake) {
            Ok(process) => {
                self.show(&out);
                let done_at_start = self.results.as_ref().map_or(0, |r| r.rows.len());
                self.charts.forget_runs();
                self.running = Some(Running {
                    process,
                    out,
                    total,
                    done_at_start,
                    objective,
                    constraints,
                });
            }
            Err(err) => {
                self.message = Some((true, format!("cannot start {}: {err}", exe.display())));
            }
        }
    }

    /// Shows the results of the sweep in `out`.
    fn show(&mut self, out: &Path) {
        if self.shown_out.as_deref() != Some(out) {
            self.shown_out = Some(out.to_owned());
            self.table = Some(SweepTable::open(out));
            self.results = None;
            self.results_read_at = None;
        }
        self.refresh_results();
    }

    /// Re-reads the results when the table changed.
    fn refresh_results(&mut self) {
        let Some(out) = &self.shown_out else {
            return;
        };
        let modified = std::fs::metadata(out.join("results.csv"))
            .and_then(|m| m.modified())
            .ok();
        if modified.is_none() || modified == self.results_read_at {
            return;
        }
        if let Ok(results) = read_results(out) {
            self.results = Some(results);
            self.results_read_at = modified;
        }
    }

    /// Takes in how the running sweep goes; says how it ended.
    fn poll(&mut self) {
        let Some(running) = &mut self.running else {
            return;
        };
        let Some(status) = running.process.poll() else {
            return;
        };
        let cancelled = running.process.is_cancelled();
        let lines = running.process.lines();
        let out = running.out.clone();
        self.running = None;
        self.refresh_results();
        let done = self.results.as_ref().map_or(0, |r| r.rows.len());
        self.message = Some(if cancelled {
            (
                false,
                format!("cancelled with {done} runs done; start the same sweep again to resume"),
            )
        } else if status.success() {
            let summary: Vec<&str> = lines
                .iter()
                .map(String::as_str)
                .filter(|l| l.contains(" runs (") || l.starts_with("warning:"))
                .collect();
            match summary.as_slice() {
                [] => (false, "done".to_owned()),
                lines => (false, format!("done: {}", lines.join("; "))),
            }
        } else {
            let last = lines
                .iter()
                .rev()
                .find(|l| !l.trim().is_empty())
                .cloned()
                .unwrap_or_else(|| format!("ticklab sweep ended with {status}"));
            (true, last)
        });
        self.show(&out);
    }

    /// Draws the view; what the user asks of the replay goes into
    /// `actions` (and the view then gives the window back to the replay).
    pub fn ui(&mut self, ui: &mut egui::Ui, view: &View, actions: &mut Vec<Action>) -> bool {
        if self.wake.is_none() {
            let ctx = ui.ctx().clone();
            self.wake = Some(Arc::new(move || ctx.request_repaint()));
        }
        self.poll();
        self.charts.poll();
        self.refresh_results();
        if self.running.is_some() || self.charts.is_busy() {
            // The table is re-read as it grows; a frame now and then
            // suffices when no line wakes the window.
            ui.ctx()
                .request_repaint_after(std::time::Duration::from_millis(250));
        }
        let context = Self::context(view);
        if let Ok(context) = &context {
            self.recheck(context);
        }
        let mut replay = false;
        egui::Panel::left("analyzer_form")
            .resizable(true)
            .default_size(360.0)
            .size_range(280.0..=(ui.available_width() * 0.6).max(300.0))
            .show(ui, |ui| {
                egui::ScrollArea::vertical()
                    .auto_shrink([false, false])
                    .show(ui, |ui| {
                        self.form_panel_ui(ui, view, context.as_ref());
                    });
            });
        egui::CentralPanel::default().show(ui, |ui| {
            self.progress_ui(ui, context.as_ref().ok());
            ui.separator();
            let height = ui.available_height();
            egui::Panel::bottom("analyzer_charts")
                .resizable(true)
                .default_size(height * 0.5)
                .size_range((height * 0.35).max(150.0)..=(height - 100.0).max(150.0))
                .show(ui, |ui| {
                    let out = self.shown_out.clone();
                    let exe = self.exe.clone();
                    let wake = self.wake.clone();
                    self.charts.ui(
                        ui,
                        self.results.as_ref(),
                        out.as_deref(),
                        exe.as_deref(),
                        wake,
                        &self.form,
                    );
                });
            match &mut self.table {
                Some(table) => {
                    if let Some(spec) = table.table_ui(ui) {
                        match open::replay_actions(&spec) {
                            Ok(list) => {
                                actions.extend(list);
                                replay = true;
                            }
                            Err(err) => self.message = Some((true, err)),
                        }
                    }
                }
                None => {
                    ui.label(
                        RichText::new("No sweep yet: fill in the space on the left and start it.")
                            .weak(),
                    );
                }
            }
        });
        replay
    }

    fn progress_ui(&mut self, ui: &mut egui::Ui, context: Option<&SweepContext>) {
        ui.horizontal(|ui| {
            let running = self.is_running();
            if running {
                let cancelled = self
                    .running
                    .as_ref()
                    .is_some_and(|r| r.process.is_cancelled());
                let cancel = ui.add_enabled(!cancelled, egui::Button::new(CANCEL_LABEL));
                if cancel
                    .on_hover_text("Stop the sweep; the finished runs stay, and starting it again resumes")
                    .clicked()
                {
                    if let Some(running) = &mut self.running {
                        running.process.cancel();
                    }
                }
            } else {
                let ready = context.is_some() && self.errors.is_empty();
                let start = ui.add_enabled(ready, egui::Button::new(RichText::new(START_LABEL).strong()));
                let start = start.on_hover_text(
                    "Run every point in worker processes; runs already done in the sweep's folder are not run again",
                );
                if start.clicked() {
                    if let Some(context) = context {
                        self.start(context);
                    }
                }
            }
            if let Some(running) = &self.running {
                let rows = self.results.as_ref().map_or(&[][..], |r| &r.rows[..]);
                let progress = Progress::of(
                    rows,
                    running.total,
                    running.done_at_start,
                    running.process.started_at.elapsed().as_secs_f64(),
                    &running.objective,
                    &running.constraints,
                );
                if running.total > 0 {
                    ui.add(
                        egui::ProgressBar::new(progress.fraction())
                            .desired_width(160.0)
                            .show_percentage(),
                    );
                } else {
                    ui.spinner();
                }
                ui.add(egui::Label::new(progress.text(&running.objective.stat)).truncate());
            } else if let Some((is_error, text)) = &self.message {
                let text = RichText::new(text);
                let text = if *is_error {
                    text.color(theme::ERROR)
                } else {
                    text
                };
                ui.add(egui::Label::new(text).truncate());
            }
        });
        if let Some(out) = &self.shown_out {
            ui.label(
                RichText::new(format!("results: {}", out.join("results.csv").display()))
                    .weak()
                    .small(),
            );
        }
    }
}
