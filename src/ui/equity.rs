//! Equity, drawdown and position over time, on one shared time axis.

use egui::RichText;
use egui_plot::{Line, Plot, PlotPoints};

use super::price::{clock_from_x, clock_grid};
use super::series::Series;
use super::theme;
use super::view::View;
use super::{Action, Panel, Slot};

/// Most points drawn per line.
const MAX_POINTS: usize = 3_000;

/// The equity panel.
#[derive(Debug, Default)]
pub struct EquityPanel;

/// Label of the toggle of the previous run's overlay.
pub const COMPARE_LABEL: &str = "compare";

#[expect(clippy::too_many_arguments, reason = "one plot's look, spelled out")]
fn series_ui(
    ui: &mut egui::Ui,
    id: &str,
    name: &str,
    series: &Series,
    previous: Option<(&str, &Series)>,
    color: egui::Color32,
    fill: bool,
    height: f32,
) {
    let points = series.window(f64::NEG_INFINITY, f64::INFINITY, MAX_POINTS);
    let previous = previous.map(|(label, s)| {
        (
            label.to_owned(),
            s.window(f64::NEG_INFINITY, f64::INFINITY, MAX_POINTS),
        )
    });
    let link = egui::Id::unique("equity_x_axis");
    Plot::new(id)
        .height(height)
        .link_axis(link, [true, false])
        .link_cursor(link, [true, false])
        .x_axis_formatter(|mark, _| clock_from_x(mark.value))
        .x_grid_spacer(clock_grid)
        .y_axis_min_width(64.0)
        .show_x(false)
        .show(ui, |plot_ui| {
            if let Some((label, points)) = previous {
                plot_ui.line(
                    Line::new(label, PlotPoints::new(points))
                        .color(theme::PREVIOUS_RUN)
                        .width(1.5),
                );
            }
            let mut line = Line::new(name.to_owned(), PlotPoints::new(points))
                .color(color)
                .width(1.5);
            if fill {
                line = line.fill(0.0);
            }
            plot_ui.line(line);
        });
}

impl Panel for EquityPanel {
    fn title(&self) -> &'static str {
        "Equity"
    }

    fn slot(&self) -> Slot {
        Slot::CenterBottom
    }

    fn ui(&mut self, ui: &mut egui::Ui, view: &View, actions: &mut Vec<Action>) {
        ui.horizontal_wrapped(|ui| {
            ui.strong("Equity · drawdown · position");
            if let Some(last) = view.equity.last() {
                ui.label(
                    RichText::new(format!("{:.2}", last[1]))
                        .monospace()
                        .color(theme::EQUITY),
                );
            }
            if let Some(previous) = &view.previous {
                if ui
                    .selectable_label(view.show_previous, COMPARE_LABEL)
                    .on_hover_text(format!(
                        "Show the run {} as a faded line (its figures are in Stats)",
                        previous.label
                    ))
                    .clicked()
                {
                    actions.push(Action::ToggleCompare);
                }
            }
        });
        let previous = view
            .previous
            .as_ref()
            .filter(|_| view.show_previous)
            .map(|p| (p.label.as_str(), &p.equity));
        if view.equity.is_empty() {
            ui.label(
                RichText::new("Equity is sampled every second of data and at every fill.").weak(),
            );
            return;
        }
        let spacing = ui.spacing().item_spacing.y;
        let height = ((ui.available_height() - 2.0 * spacing) / 3.0).max(30.0);
        series_ui(
            ui,
            "equity_plot",
            "equity",
            &view.equity,
            previous,
            theme::EQUITY,
            false,
            height * 1.2,
        );
        series_ui(
            ui,
            "drawdown_plot",
            "drawdown",
            &view.drawdown,
            None,
            theme::ASK,
            true,
            height * 0.9,
        );
        series_ui(
            ui,
            "position_plot",
            "position (lots)",
            &view.position,
            None,
            theme::OWN,
            true,
            height * 0.9,
        );
    }
}
