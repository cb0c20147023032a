//! A sweep's objective over two of its parameters as a heatmap: one cell
//! per pair of values, coloured from the worst (dark) to the best
//! (bright), its value written in it.

use egui::RichText;

use super::theme;
use crate::analyzer::{Direction, Surface};

/// Draws `surface`; `direction` says which end is best.
pub fn heatmap_ui(ui: &mut egui::Ui, surface: &Surface, direction: Direction) {
    let values = surface.cells.iter().flatten().flatten().copied();
    let (low, high) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    let span = high - low;
    egui::Grid::new("sweep_heatmap")
        .spacing([2.0, 2.0])
        .show(ui, |ui| {
            ui.label(format!("{} \\ {}", surface.y_key, surface.x_key));
            for x in &surface.x_values {
                ui.label(RichText::new(x).strong());
            }
            ui.end_row();
            for (y, row) in surface.y_values.iter().zip(&surface.cells) {
                ui.label(RichText::new(y).strong());
                for cell in row {
                    let Some(value) = cell else {
                        ui.label(RichText::new("n/a").weak());
                        continue;
                    };
                    let mut fraction = if span > 0.0 {
                        (value - low) / span
                    } else {
                        1.0
                    };
                    if direction == Direction::Min {
                        fraction = 1.0 - fraction;
                    }
                    let text = RichText::new(format!("{value:.4}"))
                        .monospace()
                        .color(theme::heat_ink(fraction as f32))
                        .background_color(theme::heat_color(fraction as f32));
                    ui.label(text);
                }
                ui.end_row();
            }
        });
}
