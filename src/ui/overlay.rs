//! The debug overlay: how long the last frames took to build, the frame
//! rate, and how much the session sent.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use egui::RichText;

use super::view::View;
use super::{Action, Panel};

/// Frame times kept for the averages.
const FRAMES_KEPT: usize = 120;

/// Frame timing, measured by the app around each frame it builds.
#[derive(Debug, Default)]
pub struct FrameTimes {
    build_secs: VecDeque<f32>,
    interval_secs: VecDeque<f32>,
}

impl FrameTimes {
    /// Records one frame: `build` is the time spent building it, `dt_secs`
    /// the time since the previous frame.
    pub fn record(&mut self, build: Duration, dt_secs: f32) {
        if self.build_secs.len() == FRAMES_KEPT {
            self.build_secs.pop_front();
            self.interval_secs.pop_front();
        }
        self.build_secs.push_back(build.as_secs_f32());
        self.interval_secs.push_back(dt_secs);
    }

    /// Mean and worst build time over the kept frames, ms.
    pub fn build_ms(&self) -> (f32, f32) {
        let n = self.build_secs.len().max(1) as f32;
        let mean = self.build_secs.iter().sum::<f32>() / n;
        let worst = self.build_secs.iter().copied().fold(0.0, f32::max);
        (mean * 1e3, worst * 1e3)
    }

    /// Frames per second over the kept frames.
    pub fn fps(&self) -> f32 {
        let total: f32 = self.interval_secs.iter().sum();
        if total > 0.0 {
            self.interval_secs.len() as f32 / total
        } else {
            0.0
        }
    }

    /// The overlay: one line of timings, drawn where the app puts it (the
    /// right end of the title bar).
    pub fn overlay_ui(&self, ui: &mut egui::Ui, view: &View, panels: &PanelTimes) {
        let (mean_ms, worst_ms) = self.build_ms();
        let rate = view
            .frame
            .as_ref()
            .filter(|f| f.state.is_running())
            .map(|f| format!(" · session {:.2} M ev/s", f.events_per_sec / 1e6))
            .unwrap_or_default();
        let slowest = panels
            .slowest()
            .map(|(title, ms)| format!(" · slowest {title} {ms:.1} ms"))
            .unwrap_or_default();
        let text = format!(
            "frame {mean_ms:.1} ms (worst {worst_ms:.1}) · {:.0} fps · {} updates{slowest}{rate}",
            self.fps(),
            view.updates_last_frame
        );
        let color = if mean_ms > 16.0 {
            super::theme::ERROR.gamma_multiply(0.9)
        } else {
            ui.visuals().weak_text_color()
        };
        ui.label(RichText::new(text).monospace().small().color(color))
            .on_hover_text("Time to build a frame (mean and worst of the last 120), frames per second, updates taken in");
    }
}

/// How long each panel takes to draw, smoothed over recent frames.
#[derive(Debug, Default)]
pub struct PanelTimes {
    ms: Vec<(&'static str, f32)>,
    /// Each panel's total time drawing, ms, since the start.
    total_ms: Vec<(&'static str, f64)>,
    /// Each panel's most shapes painted in one frame.
    peak_shapes: Vec<(&'static str, usize)>,
    /// The layer the panels paint in.
    pub layer: Option<egui::LayerId>,
}

impl PanelTimes {
    /// Notes that `title` took `took` this frame and painted `shapes`
    /// shapes.
    pub fn record(&mut self, title: &'static str, took: Duration, shapes: usize) {
        match self.peak_shapes.iter_mut().find(|(t, _)| *t == title) {
            Some((_, peak)) => *peak = (*peak).max(shapes),
            None => self.peak_shapes.push((title, shapes)),
        }
        let ms = took.as_secs_f32() * 1e3;
        match self.ms.iter_mut().find(|(t, _)| *t == title) {
            Some((_, smoothed)) => *smoothed = 0.9 * *smoothed + 0.1 * ms,
            None => self.ms.push((title, ms)),
        }
        match self.total_ms.iter_mut().find(|(t, _)| *t == title) {
            Some((_, total)) => *total += f64::from(ms),
            None => self.total_ms.push((title, f64::from(ms))),
        }
    }

    /// Each panel's total time drawing since the start, ms, in the order
    /// first drawn.
    pub fn totals_ms(&self) -> &[(&'static str, f64)] {
        &self.total_ms
    }

    /// Each panel's most shapes painted in one frame, in the order first
    /// drawn.
    pub fn peak_shapes(&self) -> &[(&'static str, usize)] {
        &self.peak_shapes
    }

    /// The slowest panel and its smoothed time, ms.
    pub fn slowest(&self) -> Option<(&'static str, f32)> {
        self.ms.iter().copied().max_by(|a, b| a.1.total_cmp(&b.1))
    }
}

/// Draws `panel` and notes in `times` how long it took and how many
/// shapes it painted.
pub fn timed_ui(
    panel: &mut Box<dyn Panel>,
    ui: &mut egui::Ui,
    view: &View,
    actions: &mut Vec<Action>,
    times: &mut PanelTimes,
) {
    let layer = ui.layer_id();
    times.layer = Some(layer);
    let shapes_in = |ui: &egui::Ui| {
        ui.ctx()
            .graphics(|g| g.get(layer).map_or(0, |list| list.all_entries().len()))
    };
    let shapes_before = shapes_in(ui);
    let started = Instant::now();
    panel.ui(ui, view, actions);
    let took = started.elapsed();
    let shapes = shapes_in(ui).saturating_sub(shapes_before);
    times.record(panel.title(), took, shapes);
}
