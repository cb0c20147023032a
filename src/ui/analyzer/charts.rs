//! The Analyzer view's charts of a sweep: the objective as a heatmap over
//! two chosen keys and as a scatter over one, the walk-forward folds when
//! the sweep had them, and the Monte Carlo fan of a chosen run (run as
//! `ticklab sweep --monte-carlo` does, in its own process).

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use egui::RichText;
use egui_plot::{Plot, Points};

use super::folder::monte_carlo_dir;
use super::form::SweepForm;
use super::process::SweepProcess;
use crate::analyzer::{profile, surface, Constraint, Objective, ReadResults, RowStatus};
use crate::ui::sweep_fan::{fan_ui, Fan};
use crate::ui::sweep_heatmap::heatmap_ui;
use crate::ui::theme;

/// Which chart shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ChartTab {
    /// The objective over two keys.
    #[default]
    Heatmap,
    /// The objective along one key.
    Scatter,
    /// The walk-forward folds.
    Folds,
    /// A run's Monte Carlo fan.
    MonteCarlo,
}

/// A Monte Carlo of one run.
struct MonteCarloRun {
    run_id: String,
    dir: PathBuf,
    process: Option<SweepProcess>,
    fan: Result<Fan, String>,
}

/// The charts' state.
pub struct Charts {
    tab: ChartTab,
    heat_x: usize,
    heat_y: usize,
    scatter_x: usize,
    mc_run: Option<String>,
    mc_samples: usize,
    mc: Option<MonteCarloRun>,
}

impl Default for Charts {
    fn default() -> Self {
        Charts {
            tab: ChartTab::default(),
            heat_x: 0,
            heat_y: 1,
            scatter_x: 0,
            mc_run: None,
            mc_samples: 1000,
            mc: None,
        }
    }
}

impl Charts {
    /// Forgets what belonged to the runs of another sweep.
    pub fn forget_runs(&mut self) {
        self.mc_run = None;
        self.mc = None;
    }

    /// True while a Monte Carlo runs.
    pub fn is_busy(&self) -> bool {
        self.mc.as_ref().is_some_and(|mc| mc.process.is_some())
    }

    /// Takes in a Monte Carlo that ended.
    pub fn poll(&mut self) {
        let Some(mc) = &mut self.mc else {
            return;
        };
        let Some(process) = &mut mc.process else {
            return;
        };
        let Some(status) = process.poll() else {
            return;
        };
        if status.success() {
            mc.fan = Fan::read(&mc.dir);
        } else {
            let last = process
                .lines()
                .into_iter()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or_else(|| format!("the Monte Carlo ended with {status}"));
            mc.fan = Err(last);
        }
        mc.process = None;
    }

    /// Draws the chart tabs and the chart chosen.
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        results: Option<&ReadResults>,
        out: Option<&Path>,
        exe: Option<&Path>,
        wake: Option<Arc<dyn Fn() + Send + Sync>>,
        form: &SweepForm,
    ) {
        ui.horizontal(|ui| {
            ui.selectable_value(&mut self.tab, ChartTab::Heatmap, "Heatmap");
            ui.selectable_value(&mut self.tab, ChartTab::Scatter, "Scatter");
            ui.selectable_value(&mut self.tab, ChartTab::Folds, "Walk-forward folds");
            ui.selectable_value(&mut self.tab, ChartTab::MonteCarlo, "Monte Carlo");
        });
        let (Some(results), Some(out)) = (results, out) else {
            ui.label(RichText::new("The charts show once the sweep has results.").weak());
            return;
        };
        let objective = Objective::parse(&form.objective)
            .or_else(|_| Objective::parse("sharpe"))
            .ok();
        let constraints: Vec<Constraint> = form
            .constraint_lines()
            .iter()
            .filter_map(|t| Constraint::parse(t).ok())
            .collect();
        let Some(objective) = objective else {
            return;
        };
        match self.tab {
            ChartTab::Heatmap => self.heatmap_ui(ui, results, &objective, &constraints),
            ChartTab::Scatter => self.scatter_ui(ui, results, &objective, &constraints),
            ChartTab::Folds => folds_ui(ui, out),
            ChartTab::MonteCarlo => self.monte_carlo_ui(ui, results, out, exe, wake, form.seed),
        }
    }

    fn heatmap_ui(
        &mut self,
        ui: &mut egui::Ui,
        results: &ReadResults,
        objective: &Objective,
        constraints: &[Constraint],
    ) {
        if results.keys.len() < 2 {
            ui.label(
                RichText::new("A heatmap needs two keys in the space; see the scatter.").weak(),
            );
            return;
        }
        ui.horizontal(|ui| {
            key_choice_ui(ui, "heat_x", "x", &results.keys, &mut self.heat_x);
            key_choice_ui(ui, "heat_y", "y", &results.keys, &mut self.heat_y);
            ui.label(
                RichText::new(format!("{} (mean over the other keys)", objective.text())).weak(),
            );
        });
        let (x, y) = (self.heat_x, self.heat_y);
        if x == y {
            ui.label(RichText::new("Choose two different keys.").weak());
            return;
        }
        let surface = surface(results, objective, constraints, x, y);
        egui::ScrollArea::both()
            .id_salt("analyzer_heatmap")
            .auto_shrink([false, false])
            .show(ui, |ui| heatmap_ui(ui, &surface, objective.direction));
    }

    fn scatter_ui(
        &mut self,
        ui: &mut egui::Ui,
        results: &ReadResults,
        objective: &Objective,
        constraints: &[Constraint],
    ) {
        if results.keys.is_empty() {
            return;
        }
        ui.horizontal(|ui| {
            key_choice_ui(ui, "scatter_x", "x", &results.keys, &mut self.scatter_x);
            ui.label(RichText::new(objective.text()).weak());
        });
        let x = self.scatter_x.min(results.keys.len() - 1);
        let points = profile(results, objective, constraints, x);
        // Numbers along x as they are; words at their order of appearance.
        let mut words: Vec<String> = Vec::new();
        let xy: Vec<[f64; 2]> = points
            .iter()
            .map(|(text, value)| {
                let at = text.parse::<f64>().unwrap_or_else(|_| {
                    let i = words.iter().position(|w| w == text).unwrap_or_else(|| {
                        words.push(text.clone());
                        words.len() - 1
                    });
                    i as f64
                });
                [at, *value]
            })
            .collect();
        let key = results.keys[x].clone();
        Plot::new("analyzer_scatter")
            .x_axis_label(key)
            .y_axis_label(objective.stat.clone())
            .x_axis_formatter(move |mark, _| {
                if words.is_empty() {
                    format!("{}", mark.value)
                } else {
                    let i = mark.value.round();
                    if (mark.value - i).abs() < 1e-9 && i >= 0.0 {
                        words.get(i as usize).cloned().unwrap_or_default()
                    } else {
                        String::new()
                    }
                }
            })
            .show(ui, |plot_ui| {
                plot_ui.points(
                    Points::new(objective.stat.clone(), xy)
                        .radius(4.0)
                        .color(theme::EQUITY),
                );
            });
    }

    fn monte_carlo_ui(
        &mut self,
        ui: &mut egui::Ui,
        results: &ReadResults,
        out: &Path,
        exe: Option<&Path>,
        wake: Option<Arc<dyn Fn() + Send + Sync>>,
        seed: u64,
    ) {
        let finished: Vec<&str> = results
            .rows
            .iter()
            .filter(|r| r.status == RowStatus::Ok)
            .map(|r| r.run_id.as_str())
            .collect();
        if self.mc_run.is_none() {
            // The best run first: the table is ranked.
            self.mc_run = finished.first().map(|id| (*id).to_owned());
        }
        let mut start = false;
        ui.horizontal(|ui| {
            ui.label("run");
            egui::ComboBox::from_id_salt("mc_run")
                .selected_text(self.mc_run.clone().unwrap_or_default())
                .show_ui(ui, |ui| {
                    for id in &finished {
                        ui.selectable_value(&mut self.mc_run, Some((*id).to_owned()), *id);
                    }
                });
            ui.label("resamples");
            ui.add(egui::DragValue::new(&mut self.mc_samples).range(1..=1_000_000));
            let busy = self.is_busy();
            start = ui
                .add_enabled(
                    !busy && self.mc_run.is_some(),
                    egui::Button::new("Run Monte Carlo"),
                )
                .on_hover_text("Resample the run's round trips (bootstrap with the form's seed)")
                .clicked();
            if busy {
                ui.spinner();
            }
        });
        if start {
            if let Some(id) = self.mc_run.clone() {
                self.start_monte_carlo(out, &id, exe, wake, seed);
            }
        }
        match &self.mc {
            Some(mc) if mc.process.is_none() => match &mc.fan {
                Ok(fan) => {
                    ui.label(RichText::new(format!("run {}: equity after each resampled round trip, 5th to 95th percentile", mc.run_id)).weak());
                    fan_ui(ui, fan);
                }
                Err(err) => {
                    ui.add(egui::Label::new(RichText::new(err).color(theme::ERROR)).wrap());
                }
            },
            _ => {}
        }
    }

    fn start_monte_carlo(
        &mut self,
        out: &Path,
        run_id: &str,
        exe: Option<&Path>,
        wake: Option<Arc<dyn Fn() + Send + Sync>>,
        seed: u64,
    ) {
        let dir = monte_carlo_dir(out, run_id);
        let args: Vec<OsString> = vec![
            "sweep".into(),
            "--monte-carlo".into(),
            self.mc_samples.to_string().into(),
            "--run".into(),
            out.join("runs").join(run_id).into_os_string(),
            "--seed".into(),
            seed.to_string().into(),
            "--out".into(),
            dir.clone().into_os_string(),
        ];
        let exe: Result<PathBuf, String> = exe
            .map(Path::to_owned)
            .map_or_else(|| std::env::current_exe().map_err(|e| e.to_string()), Ok);
        let wake = wake.unwrap_or_else(|| Arc::new(|| {}));
        let started = exe.and_then(|exe| {
            SweepProcess::spawn(&exe, &args, wake).map_err(|e| format!("{}: {e}", exe.display()))
        });
        // The fan is read once the process ends.
        self.mc = Some(match started {
            Ok(process) => MonteCarloRun {
                run_id: run_id.to_owned(),
                dir,
                process: Some(process),
                fan: Err(String::new()),
            },
            Err(err) => MonteCarloRun {
                run_id: run_id.to_owned(),
                dir,
                process: None,
                fan: Err(format!("cannot start the Monte Carlo: {err}")),
            },
        });
    }
}

/// A choice of one key of the space.
fn key_choice_ui(ui: &mut egui::Ui, id: &str, label: &str, keys: &[String], chosen: &mut usize) {
    if *chosen >= keys.len() {
        *chosen = 0;
    }
    ui.label(label);
    egui::ComboBox::from_id_salt(id)
        .selected_text(keys[*chosen].clone())
        .show_ui(ui, |ui| {
            for (i, key) in keys.iter().enumerate() {
                ui.selectable_value(chosen, i, key);
            }
        });
}

/// The walk-forward's folds (`walk_forward.csv`), as a table.
fn folds_ui(ui: &mut egui::Ui, out: &Path) {
    let path = out.join("walk_forward.csv");
    if !path.exists() {
        ui.label(
            RichText::new(
                "No walk-forward in this sweep: give one (train=2d,test=1d) and start it.",
            )
            .weak(),
        );
        return;
    }
    let table = csv::Reader::from_path(&path).and_then(|mut reader| {
        let header: Vec<String> = reader.headers()?.iter().map(str::to_owned).collect();
        let rows = reader
            .records()
            .map(|r| r.map(|r| r.iter().map(str::to_owned).collect::<Vec<_>>()))
            .collect::<Result<Vec<_>, _>>()?;
        Ok((header, rows))
    });
    match table {
        Ok((header, rows)) => {
            egui::ScrollArea::both()
                .id_salt("analyzer_folds")
                .auto_shrink([false, false])
                .show(ui, |ui| {
                    egui::Grid::new("analyzer_folds_grid")
                        .striped(true)
                        .show(ui, |ui| {
                            for name in &header {
                                ui.label(RichText::new(name).strong());
                            }
                            ui.end_row();
                            for row in &rows {
                                for cell in row {
                                    ui.label(RichText::new(cell).monospace());
                                }
                                ui.end_row();
                            }
                        });
                });
        }
        Err(err) => {
            ui.label(RichText::new(format!("{}: {err}", path.display())).color(theme::ERROR));
        }
    }
}
