//! A Monte Carlo of a run in the window: the fan of its equity paths, the
//! 5th to the 95th percentile of equity after each resampled round trip
//! (`ticklab sweep --monte-carlo`'s `monte_carlo_equity.csv`).

use std::path::Path;

use egui_plot::{Legend, Line, Plot, PlotPoints};

use super::theme;

/// The percentile lines, as the file names them.
pub const BANDS: [&str; 5] = ["p5", "p25", "p50", "p75", "p95"];

/// The bands of one Monte Carlo.
#[derive(Debug, Clone, PartialEq)]
pub struct Fan {
    /// Each band's equity after trip 0 (the start), 1, 2, ...
    pub bands: [Vec<f64>; 5],
}

impl Fan {
    /// Reads `monte_carlo_equity.csv` from the Monte Carlo's folder `out`.
    pub fn read(out: &Path) -> Result<Fan, String> {
        let path = out.join("monte_carlo_equity.csv");
        let fail = |err: csv::Error| format!("{}: {err}", path.display());
        let mut reader = csv::Reader::from_path(&path).map_err(fail)?;
        let header: Vec<String> = reader
            .headers()
            .map_err(fail)?
            .iter()
            .map(str::to_owned)
            .collect();
        let mut columns = [0usize; 5];
        for (slot, band) in columns.iter_mut().zip(BANDS) {
            *slot = header
                .iter()
                .position(|h| h == band)
                .ok_or_else(|| format!("{}: no column `{band}`", path.display()))?;
        }
        let mut bands: [Vec<f64>; 5] = Default::default();
        for (row, record) in reader.records().enumerate() {
            let record = record.map_err(fail)?;
            for (band, &column) in bands.iter_mut().zip(&columns) {
                let cell = record.get(column).unwrap_or("");
                let value = cell.parse::<f64>().map_err(|_| {
                    format!(
                        "{}: row {}: {cell:?} is not a number",
                        path.display(),
                        row + 1
                    )
                })?;
                band.push(value);
            }
        }
        Ok(Fan { bands })
    }
}

/// Draws the fan: the median bright, the outer bands faint.
pub fn fan_ui(ui: &mut egui::Ui, fan: &Fan) {
    Plot::new("monte_carlo_fan")
        .legend(Legend::default())
        .x_axis_label("round trips")
        .y_axis_label("equity")
        .show(ui, |plot_ui| {
            for (name, band) in BANDS.iter().zip(&fan.bands) {
                let points: Vec<[f64; 2]> = band
                    .iter()
                    .enumerate()
                    .map(|(i, &y)| [i as f64, y])
                    .collect();
                let width = if *name == "p50" { 2.0 } else { 1.0 };
                let color = if *name == "p50" {
                    theme::EQUITY
                } else {
                    theme::NOTE
                };
                plot_ui.line(
                    Line::new(*name, PlotPoints::new(points))
                        .color(color)
                        .width(width),
                );
            }
        });
}
