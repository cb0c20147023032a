//! Settings: everything `run.toml` holds — queue model, latencies, fees,
//! risk limits, seed, cash and the strategy's parameters — edited in
//! place, checked field by field, applied with a re-run to the current
//! event, and opened from or saved to a `run.toml`.

use std::path::PathBuf;

use egui::RichText;

use crate::session::settings::{FieldErrors, SettingsForm, LATENCY_MODELS, QUEUE_MODELS};
use crate::sim::RunConfig;

use super::data_browser::folder_from_text;
use super::theme;
use super::view::View;
use super::{Action, Panel, Slot};

/// Label of the button that applies the settings.
pub const APPLY_LABEL: &str = "Apply and re-run";

/// The settings panel.
#[derive(Debug, Default)]
pub struct SettingsPanel {
    form: SettingsForm,
    /// The applied settings and strategy the form was made from.
    form_of: Option<(RunConfig, Option<String>, usize)>,
    errors: FieldErrors,
    file_text: String,
}

/// The form's field ids with their labels and hints, by section.
const CASH_FIELDS: [(&str, &str, &str); 2] = [
    (
        "initial_cash",
        "Initial cash",
        "Cash at the start, currency units",
    ),
    (
        "seed",
        "Seed",
        "Seeds every random model: same seed, same run",
    ),
];

impl SettingsPanel {
    /// Rebuilds the form when the applied settings or the strategy changed.
    fn sync(&mut self, view: &View) {
        let strategy = view.run.as_ref().and_then(|r| r.strategy.clone());
        let key = (
            view.settings.config.clone(),
            strategy,
            view.settings.revision,
        );
        if self.form_of.as_ref() != Some(&key) {
            self.form = SettingsForm::from_config(&view.settings.config, &view.settings.params);
            self.errors.clear();
            self.form_of = Some(key);
        }
    }

    fn text_row(
        ui: &mut egui::Ui,
        errors: &FieldErrors,
        id: &str,
        label: &str,
        hint: &str,
        value: &mut String,
    ) {
        let label = ui.label(label).on_hover_text(hint);
        // As wide as the column leaves, so the form fits a narrow column.
        let width = (ui.available_width() - 4.0).clamp(44.0, 110.0);
        // What an empty optional field means.
        let placeholder = match id {
            "maker_rate" | "taker_rate" | "per_fill" => "instrument's",
            "max_order_lots" | "max_position_lots" | "max_open_orders" => "no limit",
            "feed_us" => "recorded",
            _ => "",
        };
        let edit = ui
            .add(
                egui::TextEdit::singleline(value)
                    .desired_width(width)
                    .hint_text(placeholder),
            )
            .labelled_by(label.id)
            .on_hover_text(hint);
        let _ = edit;
        ui.end_row();
        if let Some(message) = errors.get(id) {
            ui.label("");
            ui.label(RichText::new(message).small().color(theme::ERROR));
            ui.end_row();
        }
    }

    fn choice_row(ui: &mut egui::Ui, id: &str, label: &str, choices: &[&str], value: &mut String) {
        let label = ui.label(label);
        egui::ComboBox::from_id_salt(("settings", id))
            .selected_text(value.as_str())
            .width((ui.available_width() - 4.0).clamp(60.0, 110.0))
            .truncate()
            .show_ui(ui, |ui| {
                for choice in choices {
                    ui.selectable_value(value, (*choice).to_owned(), *choice);
                }
            })
            .response
            .labelled_by(label.id);
        ui.end_row();
    }

    fn form_ui(&mut self, ui: &mut egui::Ui) {
        let errors = &self.errors;
        let form = &mut self.form;
        egui::Grid::new("settings_grid")
            .num_columns(2)
            .spacing([8.0, 3.0])
            .show(ui, |ui| {
                for (id, label, hint) in CASH_FIELDS {
                    let value = match id {
                        "initial_cash" => &mut form.initial_cash,
                        _ => &mut form.seed,
                    };
                    Self::text_row(ui, errors, id, label, hint, value);
                }
                Self::choice_row(
                    ui,
                    "queue_model",
                    "Queue model",
                    &QUEUE_MODELS,
                    &mut form.queue_model,
                );
                if form.queue_model.starts_with("prob_power") {
                    Self::text_row(
                        ui,
                        errors,
                        "queue_n",
                        "Queue n",
                        "Exponent of the power function",
                        &mut form.queue_n,
                    );
                }
                Self::choice_row(
                    ui,
                    "latency_model",
                    "Latency model",
                    &LATENCY_MODELS,
                    &mut form.latency_model,
                );
                match form.latency_model.as_str() {
                    "recorded" => Self::text_row(
                        ui,
                        errors,
                        "latency_path",
                        "Latency CSV",
                        "ts_ns,entry_ns,response_ns",
                        &mut form.latency_path,
                    ),
                    model => {
                        let median = if model == "lognormal" { " median" } else { "" };
                        Self::text_row(
                            ui,
                            errors,
                            "entry_us",
                            &format!("Entry{median} µs"),
                            "Order-entry latency, microseconds",
                            &mut form.entry_us,
                        );
                        Self::text_row(
                            ui,
                            errors,
                            "response_us",
                            &format!("Response{median} µs"),
                            "Response latency, microseconds",
                            &mut form.response_us,
                        );
                        if model == "lognormal" {
                            Self::text_row(
                                ui,
                                errors,
                                "sigma",
                                "Sigma",
                                "Log-standard-deviation (0.3 = moderate jitter)",
                                &mut form.sigma,
                            );
                        }
                    }
                }
                Self::text_row(
                    ui,
                    errors,
                    "feed_us",
                    "Feed µs",
                    "Constant feed latency; empty: each event's own local time",
                    &mut form.feed_us,
                );
                Self::text_row(
                    ui,
                    errors,
                    "compute",
                    "Compute",
                    "none, fixed:<ns> or measured: the strategy's thinking time",
                    &mut form.compute,
                );
                Self::text_row(
                    ui,
                    errors,
                    "maker_rate",
                    "Maker fee",
                    "Fraction of notional (negative = rebate); empty: the instrument's",
                    &mut form.maker_rate,
                );
                Self::text_row(
                    ui,
                    errors,
                    "taker_rate",
                    "Taker fee",
                    "Fraction of notional; empty: the instrument's",
                    &mut form.taker_rate,
                );
                Self::text_row(
                    ui,
                    errors,
                    "per_fill",
                    "Fee per fill",
                    "Currency units; empty: the instrument's",
                    &mut form.per_fill,
                );
                Self::text_row(
                    ui,
                    errors,
                    "max_order_lots",
                    "Max order",
                    "Largest order, lots; empty: unchecked",
                    &mut form.max_order_lots,
                );
                Self::text_row(
                    ui,
                    errors,
                    "max_position_lots",
                    "Max position",
                    "Largest position, lots, counting open orders as filled; empty: unchecked",
                    &mut form.max_position_lots,
                );
                Self::text_row(
                    ui,
                    errors,
                    "max_open_orders",
                    "Max orders",
                    "Most orders open at once; empty: unchecked",
                    &mut form.max_open_orders,
                );
            });
        if !form.params.is_empty() {
            ui.label(RichText::new("Strategy parameters").weak());
            egui::Grid::new("settings_params")
                .num_columns(2)
                .spacing([8.0, 3.0])
                .show(ui, |ui| {
                    for (name, value) in &mut form.params {
                        let id = format!("params.{name}");
                        Self::text_row(
                            ui,
                            errors,
                            &id,
                            name,
                            "Handed to the strategy ([params])",
                            value,
                        );
                    }
                });
        }
        if let Some(message) = errors.get("config") {
            ui.label(RichText::new(message).small().color(theme::ERROR));
        }
    }

    fn buttons_ui(&mut self, ui: &mut egui::Ui, view: &View, actions: &mut Vec<Action>) {
        ui.horizontal_wrapped(|ui| {
            if ui
                .button(APPLY_LABEL)
                .on_hover_text("Use these settings and re-run to the current event")
                .clicked()
            {
                match self.form.to_config(&view.settings.config) {
                    Ok(config) => {
                        self.errors.clear();
                        actions.push(Action::ApplySettings(Box::new(config)));
                    }
                    Err(errors) => self.errors = errors,
                }
            }
            if ui
                .button("Revert")
                .on_hover_text("Back to the applied settings")
                .clicked()
            {
                self.form_of = None;
            }
        });
        ui.horizontal_wrapped(|ui| {
            let label = ui.label("run.toml");
            ui.add(
                egui::TextEdit::singleline(&mut self.file_text)
                    .hint_text("path of a run.toml")
                    .desired_width(ui.available_width()),
            )
            .labelled_by(label.id);
        });
        ui.horizontal_wrapped(|ui| {
            let home = std::env::var_os("HOME").map(PathBuf::from);
            let path = (!self.file_text.trim().is_empty())
                .then(|| folder_from_text(&self.file_text, home.as_deref()));
            if ui
                .add_enabled(path.is_some(), egui::Button::new("Open run.toml"))
                .on_hover_text("Read the settings from the file and re-run")
                .clicked()
            {
                if let Some(path) = path.clone() {
                    actions.push(Action::OpenConfig(path));
                }
            }
            if ui
                .add_enabled(path.is_some(), egui::Button::new("Save as run.toml"))
                .on_hover_text("Write the applied settings to the file")
                .clicked()
            {
                if let Some(path) = path {
                    actions.push(Action::SaveConfig(path));
                }
            }
        });
        if let Some(path) = &view.settings.path {
            ui.label(
                RichText::new(format!("from {}", path.display()))
                    .small()
                    .weak(),
            );
        }
    }
}

impl Panel for SettingsPanel {
    fn title(&self) -> &'static str {
        "Settings"
    }

    fn slot(&self) -> Slot {
        Slot::Left
    }

    fn ui(&mut self, ui: &mut egui::Ui, view: &View, actions: &mut Vec<Action>) {
        self.sync(view);
        if self.file_text.is_empty() {
            if let Some(path) = &view.settings.path {
                self.file_text = path.display().to_string();
            }
        }
        self.form_ui(ui);
        ui.add_space(4.0);
        self.buttons_ui(ui, view, actions);
    }
}
