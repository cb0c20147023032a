//! A sweep's results in the window: the table of `ticklab sweep` (re-read
//! as it grows, so it fills in while the sweep runs), sortable by any
//! column, and one click on a run's **Open** button (or a double click on
//! its row) to replay that exact run
//! (its data, day, strategy and configuration) in the step-through view.
//!
//! The view reads the sweep's folder only; what opening a run does is the
//! caller's: [`SweepTable::table_ui`] returns the run to open.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use egui::RichText;

use super::theme;
use crate::analyzer::{RunSpec, SweepManifest};

/// Columns shown besides the parameters, when the table has them.
const SHOWN: &[&str] = &[
    "day",
    "status",
    "pnl",
    "sharpe",
    "max_drawdown",
    "fills",
    "error",
];

/// The results of one sweep, as the window shows them.
#[derive(Debug, Clone)]
pub struct SweepTable {
    out: PathBuf,
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    /// Indices of the columns shown, in order.
    shown: Vec<usize>,
    /// The column sorted by and whether descending.
    sort: Option<(usize, bool)>,
    read_at: Option<SystemTime>,
    error: Option<String>,
}

impl SweepTable {
    /// The results of the sweep in folder `out` (read now).
    pub fn open(out: &Path) -> SweepTable {
        let mut table = SweepTable {
            out: out.to_owned(),
            header: Vec::new(),
            rows: Vec::new(),
            shown: Vec::new(),
            sort: None,
            read_at: None,
            error: None,
        };
        table.refresh();
        table
    }

    /// Re-reads `results.csv` when it changed since the last read.
    pub fn refresh(&mut self) {
        let path = self.out.join("results.csv");
        let modified = std::fs::metadata(&path).and_then(|m| m.modified()).ok();
        if modified.is_some() && modified == self.read_at {
            return;
        }
        if modified.is_none() && !path.exists() {
            // No run has finished yet.
            self.error = None;
            return;
        }
        match read_csv(&path) {
            Ok((header, rows)) => {
                self.shown = shown_columns(&header);
                self.header = header;
                self.rows = rows;
                self.read_at = modified;
                self.error = None;
                if let Some((column, descending)) = self.sort {
                    self.sort_by(column, descending);
                }
            }
            Err(err) => self.error = Some(err),
        }
    }

    /// Number of runs in the table.
    pub fn runs(&self) -> usize {
        self.rows.len()
    }

    /// The run ids in the order shown.
    pub fn run_ids(&self) -> Vec<&str> {
        let Some(i) = self.header.iter().position(|h| h == "run_id") else {
            return Vec::new();
        };
        self.rows.iter().map(|row| row[i].as_str()).collect()
    }

    /// The cell of run `run_id` in column `column`, as the table shows it.
    pub fn cell(&self, run_id: &str, column: &str) -> Option<&str> {
        let id = self.header.iter().position(|h| h == "run_id")?;
        let at = self.header.iter().position(|h| h == column)?;
        let row = self.rows.iter().find(|row| row[id] == run_id)?;
        Some(row[at].as_str())
    }

    fn sort_by(&mut self, column: usize, descending: bool) {
        self.sort = Some((column, descending));
        self.rows.sort_by(|a, b| {
            let (x, y) = (&a[column], &b[column]);
            let order = match (x.parse::<f64>(), y.parse::<f64>()) {
                (Ok(x), Ok(y)) => x.total_cmp(&y),
                (Ok(_), Err(_)) => std::cmp::Ordering::Less,
                (Err(_), Ok(_)) => std::cmp::Ordering::Greater,
                _ => x.cmp(y),
            };
            if descending {
                order.reverse()
            } else {
                order
            }
        });
    }

    /// Draws the table; returns the run whose **Open** button was clicked.
    pub fn table_ui(&mut self, ui: &mut egui::Ui) -> Option<RunSpec> {
        self.refresh();
        if let Some(error) = &self.error {
            ui.label(RichText::new(error).color(theme::ERROR));
        }
        let mut opened = None;
        let mut sort = None;
        let run_id = self.header.iter().position(|h| h == "run_id");
        // Filling the space, so that its scroll bars lie below the rows.
        egui::ScrollArea::both()
            .auto_shrink([false, false])
            .show(ui, |ui| {
                egui::Grid::new("sweep_table").striped(true).show(ui, |ui| {
                    ui.label("replay");
                    for &c in &self.shown {
                        let arrow = match self.sort {
                            Some((s, true)) if s == c => " (desc)",
                            Some((s, false)) if s == c => " (asc)",
                            _ => "",
                        };
                        if ui.button(format!("{}{arrow}", self.header[c])).clicked() {
                            let descending = !matches!(self.sort, Some((s, true)) if s == c);
                            sort = Some((c, descending));
                        }
                    }
                    ui.end_row();
                    for row in &self.rows {
                        let id = run_id.map_or("", |i| row[i].as_str());
                        let open = ui
                            .button(format!("Open {id}"))
                            .on_hover_text(format!("Replay run {id} in the step-through view"));
                        if open.clicked() {
                            opened = Some(id.to_owned());
                        }
                        for &c in &self.shown {
                            let text = RichText::new(shown_text(&row[c])).monospace();
                            let text = if row[c] == "failed" {
                                text.color(theme::ERROR)
                            } else {
                                text
                            };
                            let cell = ui.add(egui::Label::new(text).sense(egui::Sense::click()));
                            if cell.double_clicked() {
                                opened = Some(id.to_owned());
                            }
                        }
                        ui.end_row();
                    }
                });
            });
        if let Some((column, descending)) = sort {
            self.sort_by(column, descending);
        }
        let id = opened?;
        match SweepManifest::read(&self.out).and_then(|m| m.run(&self.out, &id)) {
            Ok(spec) => Some(spec),
            Err(err) => {
                self.error = Some(err);
                None
            }
        }
    }
}

/// A cell as shown: a number with a fraction to 4 decimals (the
/// table's file keeps every digit), anything else as it is.
fn shown_text(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.parse::<f64>() {
        Ok(value) if cell.contains(['.', 'e', 'E']) && value.is_finite() => {
            if value.fract() == 0.0 && value.abs() < 1e15 {
                format!("{value:.0}").into()
            } else {
                format!("{value:.4}").into()
            }
        }
        _ => cell.into(),
    }
}

/// `rank`, `run_id`, the parameters (between `run_id` and `day`) and the
/// [`SHOWN`] columns.
fn shown_columns(header: &[String]) -> Vec<usize> {
    let at = |name: &str| header.iter().position(|h| h == name);
    let mut shown: Vec<usize> = at("rank").into_iter().chain(at("run_id")).collect();
    if let (Some(first), Some(day)) = (at("run_id"), at("day")) {
        shown.extend(first + 1..day);
    }
    shown.extend(SHOWN.iter().filter_map(|name| at(name)));
    shown
}

fn read_csv(path: &Path) -> Result<(Vec<String>, Vec<Vec<String>>), String> {
    let fail = |err: csv::Error| format!("{}: {err}", path.display());
    let mut reader = csv::Reader::from_path(path).map_err(fail)?;
    let header: Vec<String> = reader
        .headers()
        .map_err(fail)?
        .iter()
        .map(str::to_owned)
        .collect();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(fail)?;
        let mut row: Vec<String> = record.iter().map(str::to_owned).collect();
        row.resize(header.len(), String::new());
        rows.push(row);
    }
    Ok((header, rows))
}

#[cfg(test)]
mod shown_tests {
    #[test]
    fn fractions_show_to_four_decimals_and_the_rest_as_written() {
        assert_eq!(super::shown_text("49.358813999890"), "49.3588");
        assert_eq!(super::shown_text("1e-7"), "0.0000");
        assert_eq!(super::shown_text("6021.0"), "6021");
        assert_eq!(super::shown_text("0003"), "0003");
        assert_eq!(super::shown_text("prob_log"), "prob_log");
        assert_eq!(super::shown_text("2026-03-02"), "2026-03-02");
    }
}
