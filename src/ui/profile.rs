//! Frame-time figures for the terminal: with `TICKLAB_PROFILE` set, the
//! window writes to stderr, every few seconds and when a run finishes, the
//! percentiles of the time spent building frames, the frame rate, the
//! slowest panels and how fast the session ran, so playback speed can be
//! measured without anyone watching the window.

use std::time::{Duration, Instant};

use egui::epaint::ClippedShape;

use crate::session::RunState;

use super::overlay::PanelTimes;
use super::view::View;

/// Real time between two reports.
pub const REPORT_INTERVAL: Duration = Duration::from_secs(3);

/// Frame build times kept between two reports at most.
const SAMPLES_KEPT: usize = 100_000;

/// Panels named in a report, slowest first.
const PANELS_REPORTED: usize = 4;

/// Frame build times and session progress since the last report.
#[derive(Debug)]
pub struct Profiler {
    since: Instant,
    build_ms: Vec<f32>,
    /// Exchange events of the run at the last report.
    events_mark: u64,
    /// Exchange events and real time when the run started running.
    run_started: Option<(Instant, u64)>,
    /// Frame build times over the whole run, ms.
    run_build_ms: Vec<f32>,
    was_running: bool,
    /// Panel totals at the last report and when the run started, ms.
    panels_mark: Vec<(&'static str, f64)>,
    run_panels_mark: Vec<(&'static str, f64)>,
    /// Whole frames' CPU time (building, tessellating, painting), ms.
    frame_cpu_ms: Vec<f32>,
    /// Frame build plus tessellation of what the panels painted, ms.
    cpu_ms: Vec<f32>,
    /// The same over the whole run, ms.
    run_cpu_ms: Vec<f32>,
}

impl Default for Profiler {
    fn default() -> Self {
        Profiler {
            since: Instant::now(),
            build_ms: Vec::new(),
            events_mark: 0,
            run_started: None,
            run_build_ms: Vec::new(),
            was_running: false,
            panels_mark: Vec::new(),
            run_panels_mark: Vec::new(),
            frame_cpu_ms: Vec::new(),
            cpu_ms: Vec::new(),
            run_cpu_ms: Vec::new(),
        }
    }
}

/// The `p`-th percentile (0–100) of sorted `values`.
pub fn percentile(sorted: &[f32], p: f32) -> f32 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f32).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

/// One line of percentiles of `ms`: `p50 … p90 … p99 … max …`.
pub fn summary(ms: &[f32]) -> String {
    let [p50, p90, p99, max] = percentiles(ms, [50.0, 90.0, 99.0, 100.0]);
    format!(
        "{} frames, build p50 {p50:.1} ms, p90 {p90:.1}, p99 {p99:.1}, max {max:.1}",
        ms.len()
    )
}

impl Profiler {
    /// Records one frame that took `build` to build, after `view` took in
    /// this frame's updates; reports when it is time.
    /// `frame_cpu` is the whole previous frame's CPU time, when known.
    /// `tessellation` is the time to tessellate what the panels painted.
    pub fn record(
        &mut self,
        build: Duration,
        tessellation: Option<Duration>,
        frame_cpu: Option<Duration>,
        view: &View,
        panels: &PanelTimes,
    ) {
        let ms = build.as_secs_f32() * 1e3;
        let cpu_ms = ms + tessellation.map_or(0.0, |t| t.as_secs_f32() * 1e3);
        if self.build_ms.len() < SAMPLES_KEPT {
            self.build_ms.push(ms);
            self.cpu_ms.push(cpu_ms);
            if let Some(cpu) = frame_cpu {
                self.frame_cpu_ms.push(cpu.as_secs_f32() * 1e3);
            }
        }
        let running = view.state().is_running();
        if running && !self.was_running && self.run_started.is_none() {
            self.note_play(view, panels);
        }
        if running && self.run_build_ms.len() < SAMPLES_KEPT {
            self.run_build_ms.push(ms);
            self.run_cpu_ms.push(cpu_ms);
        }
        if self.was_running && !running {
            self.report_run(view, panels);
        }
        self.was_running = running;
        if self.since.elapsed() >= REPORT_INTERVAL {
            self.report(view, panels);
        }
    }

    /// Marks the start of a run: the app is about to ask the session to
    /// play.
    pub fn note_play(&mut self, view: &View, panels: &PanelTimes) {
        let events = view.frame.as_ref().map_or(0, |f| f.exchange_events);
        self.run_started = Some((Instant::now(), events));
        self.run_build_ms.clear();
        self.run_cpu_ms.clear();
        self.run_panels_mark = panels.totals_ms().to_vec();
    }

    /// Writes the figures since the last report and starts over.
    fn report(&mut self, view: &View, panels: &PanelTimes) {
        let secs = self.since.elapsed().as_secs_f64();
        let events = view.frame.as_ref().map_or(0, |f| f.exchange_events);
        let fps = self.build_ms.len() as f64 / secs.max(1e-9);
        let rate = events.saturating_sub(self.events_mark) as f64 / secs.max(1e-9);
        let cpu = if self.frame_cpu_ms.is_empty() {
            String::new()
        } else {
            let [p50] = percentiles(&self.frame_cpu_ms, [50.0]);
            format!(" · whole frame CPU p50 {p50:.1} ms")
        };
        let [cpu_p50, cpu_p90] = percentiles(&self.cpu_ms, [50.0, 90.0]);
        eprintln!(
            "ticklab profile: {} · build + tessellate p50 {cpu_p50:.1} ms, p90 {cpu_p90:.1} · {fps:.0} fps{cpu} · session {:.2} M events/s ({}) · {}",
            summary(&self.build_ms),
            rate / 1e6,
            view.state().label(),
            panels_line(panels, &self.panels_mark, self.build_ms.len())
        );
        self.panels_mark = panels.totals_ms().to_vec();
        self.build_ms.clear();
        self.cpu_ms.clear();
        self.frame_cpu_ms.clear();
        self.events_mark = events;
        self.since = Instant::now();
    }

    /// Writes the figures of the run that just stopped.
    fn report_run(&mut self, view: &View, panels: &PanelTimes) {
        let Some((started, from_events)) = self.run_started.take() else {
            return;
        };

        let secs = started.elapsed().as_secs_f64();
        let events = view
            .frame
            .as_ref()
            .map_or(0, |f| f.exchange_events)
            .saturating_sub(from_events);
        let [cpu_p50, cpu_p90] = percentiles(&self.run_cpu_ms, [50.0, 90.0]);
        eprintln!(
            "ticklab profile: run {}: {events} events in {secs:.2} s ({:.2} M events/s) · {} · build + tessellate p50 {cpu_p50:.1} ms, p90 {cpu_p90:.1} · {}",
            match view.state() {
                RunState::Finished => "finished",
                other => other.label(),
            },
            events as f64 / secs.max(1e-9) / 1e6,
            summary(&self.run_build_ms),
            panels_line(panels, &self.run_panels_mark, self.run_build_ms.len())
        );
    }
}

/// The percentiles `ps` (0–100) of unsorted `values`.
fn percentiles<const N: usize>(values: &[f32], ps: [f32; N]) -> [f32; N] {
    let mut sorted = values.to_vec();
    sorted.sort_by(f32::total_cmp);
    ps.map(|p| percentile(&sorted, p))
}

/// Time to tessellate the shapes painted in `layer` this frame (where the
/// panels paint): CPU work every renderer does after a frame is built,
/// GPU or not. It is measured on a copy, so only when profiling.
pub fn time_tessellation(ctx: &egui::Context, layer: egui::LayerId) -> Duration {
    let shapes: Vec<ClippedShape> = ctx.graphics(|layers| {
        layers
            .get(layer)
            .map(|list| list.all_entries().cloned().collect())
            .unwrap_or_default()
    });
    let started = Instant::now();
    let primitives = ctx.tessellate(shapes, ctx.pixels_per_point());
    std::hint::black_box(primitives);
    started.elapsed()
}

/// The slowest panels and their mean time per frame since `mark` (the
/// totals then) over `frames` frames.
fn panels_line(panels: &PanelTimes, mark: &[(&'static str, f64)], frames: usize) -> String {
    let mut means: Vec<(&str, f64)> = panels
        .totals_ms()
        .iter()
        .map(|&(title, total)| {
            let before = mark.iter().find(|(t, _)| *t == title).map_or(0.0, |m| m.1);
            (title, (total - before) / frames.max(1) as f64)
        })
        .collect();
    means.sort_by(|a, b| b.1.total_cmp(&a.1));
    let slowest: Vec<String> = means
        .iter()
        .take(PANELS_REPORTED)
        .map(|(title, ms)| format!("{title} {ms:.1}"))
        .collect();
    let shapes: Vec<String> = panels
        .peak_shapes()
        .iter()
        .map(|(title, n)| format!("{title} {n}"))
        .collect();
    format!(
        "mean ms/frame: {} · peak shapes: {}",
        slowest.join(", "),
        shapes.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_pick_the_nearest_rank() {
        let sorted: Vec<f32> = (1..=11).map(|i| i as f32).collect();
        assert_eq!(percentile(&sorted, 50.0), 6.0);
        assert_eq!(percentile(&sorted, 90.0), 10.0);
        assert_eq!(percentile(&sorted, 100.0), 11.0);
        assert_eq!(percentile(&[], 50.0), 0.0);
        assert_eq!(
            summary(&[3.0, 1.0, 2.0]),
            "3 frames, build p50 2.0 ms, p90 3.0, p99 3.0, max 3.0"
        );
    }
}
