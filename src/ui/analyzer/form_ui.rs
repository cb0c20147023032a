//! The Analyzer view's form: the space, one row per key (picked from the
//! strategy's parameters and the run-configuration fields, or typed), the
//! search, objective, constraints, jobs, days, walk-forward and folder,
//! each with its error beside it.

use egui::RichText;

use super::form::{AxisField, AxisKind, Field, SearchKind, SweepContext};
use super::{folder, AnalyzerView};
use crate::analyzer::{config_keys, STATS};
use crate::ui::theme;
use crate::ui::view::View;

/// Width of the key column.
const KEY_WIDTH: f32 = 130.0;

/// Width of the labels before the days, walk-forward and output fields.
const LABEL_WIDTH: f32 = 90.0;

impl AnalyzerView {
    /// The errors of `field`, each on its own line.
    fn errors_ui(&self, ui: &mut egui::Ui, field: Field) {
        for error in self.errors.iter().filter(|e| e.field == field) {
            ui.add(egui::Label::new(RichText::new(&error.message).color(theme::ERROR)).wrap());
        }
    }

    /// Draws the form.
    pub(super) fn form_panel_ui(
        &mut self,
        ui: &mut egui::Ui,
        view: &View,
        context: Result<&SweepContext, &String>,
    ) {
        ui.heading("Sweep");
        match context {
            Ok(context) => {
                let strategy = std::path::Path::new(&context.strategy)
                    .file_name()
                    .map_or_else(
                        || context.strategy.clone(),
                        |n| n.to_string_lossy().into_owned(),
                    );
                ui.add(
                    egui::Label::new(format!(
                        "{strategy} on {} {}, from the replay's settings",
                        context.symbol.as_deref().unwrap_or(""),
                        context.day.as_deref().unwrap_or("")
                    ))
                    .wrap(),
                );
            }
            Err(reason) => {
                ui.add(egui::Label::new(RichText::new(reason.as_str()).color(theme::ERROR)).wrap());
            }
        }
        let _ = view;
        ui.separator();
        self.space_ui(ui);
        ui.separator();
        self.search_ui(ui);
        ui.separator();
        self.objective_ui(ui);
        ui.separator();
        self.days_ui(ui);
        ui.separator();
        match self.planned {
            Some(runs) if self.form.walk_forward.trim().is_empty() => {
                ui.label(RichText::new(format!("{runs} runs")).strong());
            }
            Some(runs) => {
                ui.label(RichText::new(format!("{runs} runs on each fold's train days")).strong());
            }
            None => {}
        }
        if let Ok(context) = context {
            let out = if self.form.out.trim().is_empty() {
                self.default_out.clone()
            } else {
                Some(std::path::PathBuf::from(self.form.out.trim()))
            };
            if let Some(out) = out {
                let base = folder::base_config_path(&out);
                let args = self.form.sweep_args(context, &base, &out);
                egui::CollapsingHeader::new("The same from a terminal")
                    .id_salt("analyzer_command")
                    .show(ui, |ui| {
                        ui.add(
                            egui::Label::new(
                                RichText::new(format!("ticklab {}", args_text(&args)))
                                    .monospace()
                                    .small(),
                            )
                            .wrap(),
                        );
                    });
            }
        }
    }

    fn space_ui(&mut self, ui: &mut egui::Ui) {
        ui.label(RichText::new("Space").strong())
            .on_hover_text("Each key takes a list (v1,v2,...) or a range (from..to:step); the runs are every combination");
        self.errors_ui(ui, Field::Space);
        let params: Vec<(String, Option<toml::Value>)> = self
            .params
            .as_ref()
            .map(|(_, p)| p.clone())
            .unwrap_or_default();
        let mut remove = None;
        for i in 0..self.form.axes.len() {
            let axis = &mut self.form.axes[i];
            ui.horizontal(|ui| {
                ui.add(
                    egui::TextEdit::singleline(&mut axis.key)
                        .hint_text("key")
                        .desired_width(KEY_WIDTH),
                )
                .on_hover_text("A strategy parameter, or a run-configuration field by its dotted path (queue.model)");
                key_menu_ui(ui, i, axis, &params);
                egui::ComboBox::from_id_salt(("axis_kind", i))
                    .width(60.0)
                    .selected_text(match axis.kind {
                        AxisKind::Grid => "list",
                        AxisKind::Range => "range",
                    })
                    .show_ui(ui, |ui| {
                        ui.selectable_value(&mut axis.kind, AxisKind::Grid, "list");
                        ui.selectable_value(&mut axis.kind, AxisKind::Range, "range");
                    });
                if ui.small_button("✖").on_hover_text("Remove this key").clicked() {
                    remove = Some(i);
                }
            });
            let hint = match axis.kind {
                AxisKind::Grid => "values: v1,v2,...",
                AxisKind::Range => "range: from..to:step",
            };
            ui.add(
                egui::TextEdit::singleline(&mut axis.values)
                    .hint_text(hint)
                    .desired_width(ui.available_width()),
            );
            self.errors_ui(ui, Field::Axis(i));
        }
        if let Some(i) = remove {
            self.form.axes.remove(i);
        }
        if ui.button("+ Add a key").clicked() {
            self.form.axes.push(AxisField {
                key: String::new(),
                kind: AxisKind::Grid,
                values: String::new(),
            });
        }
    }

    fn search_ui(&mut self, ui: &mut egui::Ui) {
        let form = &mut self.form;
        ui.horizontal(|ui| {
            ui.label(RichText::new("Search").strong());
            ui.selectable_value(&mut form.search, SearchKind::Grid, "grid")
                .on_hover_text("Every point");
            ui.selectable_value(&mut form.search, SearchKind::Random, "random")
                .on_hover_text("A sample of the points, drawn with the seed");
            ui.selectable_value(&mut form.search, SearchKind::Genetic, "genetic")
                .on_hover_text("Generations bred from the best of the one before");
        });
        ui.horizontal(|ui| match form.search {
            SearchKind::Grid => {}
            SearchKind::Random => {
                ui.label("samples");
                ui.add(egui::DragValue::new(&mut form.samples).range(0..=100_000));
                ui.label("seed");
                ui.add(egui::DragValue::new(&mut form.seed));
            }
            SearchKind::Genetic => {
                ui.label("population");
                ui.add(egui::DragValue::new(&mut form.population).range(0..=10_000));
                ui.label("generations");
                ui.add(egui::DragValue::new(&mut form.generations).range(0..=1000));
                ui.label("seed");
                ui.add(egui::DragValue::new(&mut form.seed));
            }
        });
        self.errors_ui(ui, Field::Search);
    }

    fn objective_ui(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            ui.label(RichText::new("Objective").strong());
            ui.add(
                egui::TextEdit::singleline(&mut self.form.objective)
                    .hint_text("sharpe, max:pnl, min:max_drawdown")
                    .desired_width(160.0),
            )
            .on_hover_text("A summary statistic; min: or max: before it says which way is best");
            ui.menu_button("pick", |ui| {
                egui::ScrollArea::vertical()
                    .max_height(240.0)
                    .show(ui, |ui| {
                        for stat in STATS {
                            if ui.button(*stat).clicked() {
                                let direction = self
                                    .form
                                    .objective
                                    .split_once(':')
                                    .map(|(d, _)| format!("{d}:"))
                                    .unwrap_or_default();
                                self.form.objective = format!("{direction}{stat}");
                                ui.close();
                            }
                        }
                    });
            });
        });
        self.errors_ui(ui, Field::Objective);
        ui.label("Constraints, one a line")
            .on_hover_text("e.g. max_drawdown_pct<5 or fills>100: runs that miss one rank last");
        ui.add(
            egui::TextEdit::multiline(&mut self.form.constraints)
                .hint_text("fills>0")
                .desired_rows(2)
                .desired_width(ui.available_width()),
        );
        self.errors_ui(ui, Field::Constraints);
        ui.horizontal(|ui| {
            ui.label(RichText::new("Jobs").strong());
            ui.add(egui::DragValue::new(&mut self.form.jobs).range(0..=256));
            ui.label(RichText::new("0: one per core").weak());
        });
    }

    fn days_ui(&mut self, ui: &mut egui::Ui) {
        let hint = self
            .default_out
            .as_ref()
            .map_or_else(String::new, |p| p.display().to_string());
        let rows: [(&str, &mut String, String, &str); 3] = [
            (
                "Days",
                &mut self.form.day,
                "the replay's days".to_owned(),
                "A date, a list, a range 2026-03-02..2026-03-06, or all",
            ),
            (
                "Walk-forward",
                &mut self.form.walk_forward,
                "none, or train=2d,test=1d".to_owned(),
                "Optimise on each train window, run the winner on the test days after it; add ,anchored to keep the first day",
            ),
            (
                "Output",
                &mut self.form.out,
                hint,
                "The sweep's folder; empty: under the data folder's .ticklab-sweeps/ (or the cache folder). Starting the same sweep into it again resumes it",
            ),
        ];
        for (label, text, hint, help) in rows {
            ui.horizontal(|ui| {
                ui.add_sized(
                    [LABEL_WIDTH, ui.spacing().interact_size.y],
                    egui::Label::new(label),
                );
                ui.add(
                    egui::TextEdit::singleline(text)
                        .hint_text(hint)
                        .desired_width(ui.available_width()),
                )
                .on_hover_text(help);
            });
        }
        self.errors_ui(ui, Field::Day);
        self.errors_ui(ui, Field::WalkForward);
        self.errors_ui(ui, Field::Out);
    }
}

/// The menu of keys: the strategy's parameters (with their defaults),
/// then the run-configuration fields.
fn key_menu_ui(
    ui: &mut egui::Ui,
    i: usize,
    axis: &mut AxisField,
    params: &[(String, Option<toml::Value>)],
) {
    ui.push_id(("key_menu", i), |ui| {
        ui.menu_button("pick", |ui| {
            egui::ScrollArea::vertical()
                .max_height(320.0)
                .show(ui, |ui| {
                    ui.label(RichText::new("strategy parameters").weak());
                    if params.is_empty() {
                        ui.label(RichText::new("none found").weak().italics());
                    }
                    for (name, default) in params {
                        let text = match default {
                            Some(value) => format!("{name} = {value}"),
                            None => name.clone(),
                        };
                        if ui.button(text).clicked() {
                            axis.key = name.clone();
                            if axis.values.trim().is_empty() {
                                if let Some(value) = default {
                                    axis.values = value.to_string().trim_matches('"').to_owned();
                                }
                            }
                            ui.close();
                        }
                    }
                    ui.separator();
                    ui.label(RichText::new("run configuration").weak());
                    for key in config_keys() {
                        if ui.button(&key).clicked() {
                            axis.key = key;
                            ui.close();
                        }
                    }
                });
        })
        .response
        .on_hover_text("Pick a key");
    });
}

/// `ticklab` arguments as one line, for the command shown under the form.
fn args_text(args: &[std::ffi::OsString]) -> String {
    args.iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}
