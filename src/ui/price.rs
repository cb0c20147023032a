//! Price chart: best bid, ask and mid over time, market trades sized by
//! volume, our fills as buy and sell markers, and our resting orders as
//! horizontal segments at their price.

use egui::{Color32, RichText};
use egui_plot::{
    GridInput, GridMark, Legend, Line, LineStyle, MarkerShape, Plot, PlotBounds, PlotPoints, Points,
};

use crate::market::Side;

use super::format;
use super::theme;
use super::view::View;
use super::{Action, Panel, Slot};

/// Time windows offered, seconds of data time (`None`: the whole run).
pub const WINDOWS: [(Option<f64>, &str); 6] = [
    (Some(10.0), "10 s"),
    (Some(60.0), "1 min"),
    (Some(600.0), "10 min"),
    (Some(3_600.0), "1 h"),
    (Some(6.0 * 3_600.0), "6 h"),
    (None, "all"),
];
/// Most points drawn per line.
const MAX_LINE_POINTS: usize = 4_000;
/// Most trades drawn.
const MAX_TRADES: usize = 4_000;
/// Most order segments drawn.
const MAX_SEGMENTS: usize = 400;
/// Most points of the mid line drawn dashed; longer, it is drawn solid.
const MAX_DASHED_POINTS: usize = 300;

/// The price chart.
#[derive(Debug)]
pub struct PricePanel {
    /// Keep the newest data in view.
    pub follow: bool,
    /// Index into the offered windows.
    pub window_index: usize,
}

impl Default for PricePanel {
    fn default() -> Self {
        PricePanel {
            follow: true,
            window_index: 0,
        }
    }
}

/// `HH:MM:SS` of an axis value in seconds since the run's first midnight.
pub fn clock_from_x(x_secs: f64) -> String {
    let secs = x_secs.rem_euclid(86_400.0);
    format!(
        "{:02}:{:02}:{:02}",
        (secs / 3_600.0) as u32,
        (secs / 60.0) as u32 % 60,
        secs as u32 % 60
    )
}

/// [`clock_from_x`] after `+Nd ` on the days after the run's first (a run
/// over several days), for readouts where there is room.
pub fn day_clock_from_x(x_secs: f64) -> String {
    let day = x_secs.div_euclid(86_400.0);
    if day >= 1.0 {
        format!("+{day}d {}", clock_from_x(x_secs))
    } else {
        clock_from_x(x_secs)
    }
}

/// Steps a clock axis may use, seconds. Whole seconds only: the labels
/// read `HH:MM:SS`.
const CLOCK_STEPS_SECS: [f64; 13] = [
    1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 300.0, 900.0, 1_800.0, 3_600.0, 10_800.0, 21_600.0,
];

/// Grid marks of a clock axis at steps a person reads (a minute, 15
/// minutes, an hour, 3 hours) rather than powers of ten of seconds, which
/// over a whole day land on times like 02:46:40.
pub fn clock_grid(input: GridInput) -> Vec<GridMark> {
    let (lo, hi) = input.bounds;
    let start = CLOCK_STEPS_SECS
        .iter()
        .position(|&s| s >= input.base_step_size)
        .unwrap_or(CLOCK_STEPS_SECS.len() - 1);
    // Each level a multiple of the one below, so the labels of a coarser
    // level never fall between two shown labels of a finer one (1, 2, 5
    // would put 14:29:55 right after 14:29:54).
    let mut levels = vec![CLOCK_STEPS_SECS[start]];
    for &step in &CLOCK_STEPS_SECS[start + 1..] {
        if levels.len() == 3 {
            break;
        }
        let last = levels[levels.len() - 1];
        if (step / last).fract() == 0.0 {
            levels.push(step);
        }
    }
    let fine = levels[0];
    let (first, last) = ((lo / fine).ceil(), (hi / fine).floor());
    // A bound of the marks a frame draws, whatever the zoom.
    if !(last - first).is_finite() || last - first > 10_000.0 {
        return Vec::new();
    }
    let mut marks = Vec::new();
    let mut k = first;
    while k <= last {
        let value = k * fine;
        let step_size = levels
            .iter()
            .rev()
            .copied()
            .find(|&step| {
                let ratio = value / step;
                (ratio - ratio.round()).abs() < 1e-6
            })
            .unwrap_or(fine);
        marks.push(GridMark { value, step_size });
        k += 1.0;
    }
    marks
}

impl PricePanel {
    fn controls_ui(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            ui.strong("Price");
            for (i, (_, label)) in WINDOWS.iter().enumerate() {
                if ui
                    .selectable_label(self.window_index == i, *label)
                    .clicked()
                {
                    self.window_index = i;
                    self.follow = true;
                }
            }
            ui.checkbox(&mut self.follow, "follow")
                .on_hover_text("Keep the newest data in view; drag or zoom to look back");
        });
    }

    #[allow(clippy::too_many_lines)]
    fn chart_ui(&mut self, ui: &mut egui::Ui, view: &View) {
        let (Some(run), Some(now_ns)) = (&view.run, view.now_ns()) else {
            ui.centered_and_justified(|ui| {
                ui.label(RichText::new("The chart starts with the first step.").weak());
            });
            return;
        };
        let instrument = run.instrument.clone();
        let now_x = view.x_from_ns(now_ns);
        let first_x = view.bid.iter().next().map_or(now_x, |p| p[0]).min(now_x);
        let window = WINDOWS.get(self.window_index).and_then(|w| w.0);
        let follow_x = match window {
            Some(secs) => (now_x - secs * 0.97, now_x + secs * 0.03),
            None => (first_x, now_x + (now_x - first_x).max(1.0) * 0.02),
        };
        let instrument_for_y = instrument.clone();
        let plot = Plot::new("price_chart")
            .legend(
                Legend::default()
                    .position(egui_plot::Corner::LeftTop)
                    .text_style(egui::TextStyle::Small)
                    .background_alpha(0.6),
            )
            .x_axis_formatter(|mark, _| clock_from_x(mark.value))
            .x_grid_spacer(clock_grid)
            .y_axis_formatter(move |mark, _| {
                format!(
                    "{:.*}",
                    instrument_for_y.price_decimals(),
                    mark.value * instrument_for_y.tick_size
                )
            })
            .label_formatter({
                let instrument = instrument.clone();
                move |hover| {
                    let position = match hover {
                        egui_plot::HoverPosition::NearDataPoint { position, .. }
                        | egui_plot::HoverPosition::Elsewhere { position } => position,
                    };
                    Some(format!(
                        "{}\n{}",
                        day_clock_from_x(position.x),
                        format::price_from_ticks_f64(&instrument, position.y)
                    ))
                }
            })
            .y_axis_min_width(56.0);
        let frame = view.frame.as_ref();
        let mut follow = self.follow;
        let response = plot.show(ui, |plot_ui| {
            let (x_min, x_max) = if follow {
                follow_x
            } else {
                let bounds = plot_ui.plot_bounds();
                (bounds.min()[0], bounds.max()[0])
            };
            let mut bid = view.bid.window(x_min, x_max, MAX_LINE_POINTS);
            let mut ask = view.ask.window(x_min, x_max, MAX_LINE_POINTS);
            if let Some(frame) = frame {
                let (b, a) = frame.local_book.touch_ticks();
                if let Some(b) = b {
                    bid.push([now_x, b as f64]);
                }
                if let Some(a) = a {
                    ask.push([now_x, a as f64]);
                }
            }
            if follow {
                let (lo, hi) = bid
                    .iter()
                    .chain(&ask)
                    .filter(|p| p[0] >= x_min)
                    .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
                        (lo.min(p[1]), hi.max(p[1]))
                    });
                if lo.is_finite() {
                    let pad = ((hi - lo) * 0.08).max(2.0);
                    plot_ui.set_plot_bounds(PlotBounds::from_min_max(
                        [x_min, lo - pad],
                        [x_max, hi + pad],
                    ));
                }
            }
            // Market trades: three sizes a side, by volume.
            let from = view
                .trades
                .partition_point_by(view.ns_from_x(x_min), |t| t.ts_ns);
            let visible = view.trades.len().saturating_sub(from);
            let step = visible.div_ceil(MAX_TRADES).max(1);
            let max_qty = view
                .trades
                .iter()
                .skip(from)
                .step_by(step)
                .map(|t| t.qty_lots)
                .max()
                .unwrap_or(1)
                .max(1) as f64;
            let mut buckets: [[Vec<[f64; 2]>; 3]; 2] = Default::default();
            for trade in view.trades.iter().skip(from).step_by(step) {
                let share = trade.qty_lots as f64 / max_qty;
                let size = if share > 0.5 {
                    2
                } else if share > 0.1 {
                    1
                } else {
                    0
                };
                let side = usize::from(trade.side != Side::Buy);
                buckets[side][size].push([view.x_from_ns(trade.ts_ns), trade.price_ticks as f64]);
            }
            for (side, sizes) in buckets.into_iter().enumerate() {
                let (name, color) = if side == 0 {
                    ("buy trades", theme::BID)
                } else {
                    ("sell trades", theme::ASK)
                };
                for (size, points) in sizes.into_iter().enumerate() {
                    if points.is_empty() {
                        continue;
                    }
                    plot_ui.points(
                        Points::new(name, PlotPoints::new(points))
                            .color(color.gamma_multiply(0.6))
                            .radius(1.5 + 2.5 * size as f32)
                            .filled(true),
                    );
                }
            }

            // Our resting orders, from the newest back.
            let x_of = |ts: i64| view.x_from_ns(ts);
            let segments = view
                .open_segments()
                .chain(view.segments.iter().rev())
                .filter(|s| {
                    s.end_ns.is_none_or(|end| x_of(end) >= x_min) && x_of(s.start_ns) <= x_max
                });
            for segment in segments.take(MAX_SEGMENTS) {
                let end_x = segment.end_ns.map_or(now_x, x_of);
                let y = segment.price_ticks as f64;
                let color = match segment.side {
                    Side::Buy => Color32::from_rgb(100, 200, 255),
                    _ => Color32::from_rgb(255, 150, 220),
                };
                plot_ui.line(
                    Line::new(
                        "own orders",
                        PlotPoints::new(vec![[x_of(segment.start_ns), y], [end_x, y]]),
                    )
                    .color(color.gamma_multiply(0.55))
                    .width(5.0),
                );
            }

            let mid: Vec<[f64; 2]> = bid
                .iter()
                .zip(&ask)
                .filter(|(b, a)| (b[0] - a[0]).abs() < 1e-9)
                .map(|(b, a)| [b[0], (b[1] + a[1]) / 2.0])
                .collect();
            // A dashed line is one shape per dash: over a day of jagged
            // mid prices that is hundreds of thousands of shapes a frame.
            // Dashes only when the line is short enough to stay cheap.
            let style = if mid.len() <= MAX_DASHED_POINTS {
                LineStyle::dashed_loose()
            } else {
                LineStyle::Solid
            };
            plot_ui.line(
                Line::new("mid", PlotPoints::new(mid))
                    .color(theme::MID)
                    .style(style)
                    .width(1.0),
            );
            plot_ui.line(
                Line::new("bid", PlotPoints::new(bid))
                    .color(theme::BID)
                    .width(1.5),
            );
            plot_ui.line(
                Line::new("ask", PlotPoints::new(ask))
                    .color(theme::ASK)
                    .width(1.5),
            );

            // The previous run's fills, faded, under ours (compare).
            if let Some(previous) = view.previous.as_ref().filter(|_| view.show_previous) {
                let x_max_ns = view.ns_from_x(x_max);
                let x_min_ns = view.ns_from_x(x_min);
                let points: Vec<[f64; 2]> = previous
                    .fills
                    .iter()
                    .filter(|f| (x_min_ns..=x_max_ns).contains(&f.exch_ts_ns))
                    .take(MAX_TRADES)
                    .map(|f| [x_of(f.exch_ts_ns), f.price_ticks as f64])
                    .collect();
                plot_ui.points(
                    Points::new(format!("fills {}", previous.label), PlotPoints::new(points))
                        .shape(MarkerShape::Diamond)
                        .color(theme::PREVIOUS_RUN)
                        .radius(5.0)
                        .filled(true),
                );
            }

            // Our fills.
            let fills_from = view
                .fills
                .partition_point_by(view.ns_from_x(x_min), |f| f.exch_ts_ns);
            let mut buys = Vec::new();
            let mut sells = Vec::new();
            let followed = view
                .fills
                .iter()
                .skip(fills_from)
                .filter(|f| view.is_followed_order(f.order_id));
            for fill in followed.take(MAX_TRADES) {
                let point = [x_of(fill.exch_ts_ns), fill.price_ticks as f64];
                match fill.side {
                    Side::Buy => buys.push(point),
                    _ => sells.push(point),
                }
            }
            plot_ui.points(
                Points::new("own buys", PlotPoints::new(buys))
                    .shape(MarkerShape::Up)
                    .color(theme::OWN)
                    .radius(6.0)
                    .filled(true),
            );
            plot_ui.points(
                Points::new("own sells", PlotPoints::new(sells))
                    .shape(MarkerShape::Down)
                    .color(Color32::from_rgb(255, 112, 67))
                    .radius(6.0)
                    .filled(true),
            );
        });
        let r = &response.response;
        let scrolled = r.hovered() && ui.input(|i| i.smooth_scroll_delta != egui::Vec2::ZERO);
        if r.dragged() || scrolled {
            follow = false;
        }
        if r.double_clicked() {
            follow = true;
        }
        self.follow = follow;
    }
}

impl Panel for PricePanel {
    fn title(&self) -> &'static str {
        "Price"
    }

    fn slot(&self) -> Slot {
        Slot::Center
    }

    fn ui(&mut self, ui: &mut egui::Ui, view: &View, _actions: &mut Vec<Action>) {
        self.controls_ui(ui);
        self.chart_ui(ui, view);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_whole_day_gets_hour_marks_labelled_every_three_hours() {
        // 14.5 hours over a narrow plot: at least 1800 s per mark.
        let marks = clock_grid(GridInput {
            bounds: (0.0, 52_200.0),
            base_step_size: 1_000.0,
        });
        let values: Vec<f64> = marks.iter().map(|m| m.value).collect();
        assert_eq!(values.first(), Some(&0.0));
        assert_eq!(values.get(1), Some(&1_800.0));
        assert_eq!(values.last(), Some(&52_200.0));
        let three_hourly: Vec<String> = marks
            .iter()
            .filter(|m| m.step_size == 10_800.0)
            .map(|m| clock_from_x(m.value))
            .collect();
        assert_eq!(
            three_hourly,
            ["00:00:00", "03:00:00", "06:00:00", "09:00:00", "12:00:00"]
        );
    }

    #[test]
    fn a_ten_second_window_gets_second_marks() {
        let marks = clock_grid(GridInput {
            bounds: (52_490.5, 52_500.5),
            base_step_size: 0.2,
        });
        assert_eq!(marks.len(), 10);
        assert_eq!(clock_from_x(marks[0].value), "14:34:51");
        assert_eq!(clock_from_x(86_400.0 + 3_661.0), "01:01:01");
        assert_eq!(day_clock_from_x(86_400.0 + 3_661.0), "+1d 01:01:01");
        assert_eq!(day_clock_from_x(3_661.0), "01:01:01");
        // 1 s, 2 s and 10 s levels: each a multiple of the one below.
        let steps: Vec<f64> = marks.iter().map(|m| m.step_size).collect();
        assert_eq!(steps, [1.0, 2.0, 1.0, 2.0, 1.0, 2.0, 1.0, 2.0, 1.0, 10.0]);
    }

    #[test]
    fn the_marks_of_every_level_are_evenly_spaced_so_labels_never_crowd() {
        for base_step_size in [0.2, 0.7, 1.5, 4.0, 8.0, 12.0, 20.0, 45.0, 200.0, 700.0] {
            let marks = clock_grid(GridInput {
                bounds: (50_000.0, 50_000.0 + base_step_size * 200.0),
                base_step_size,
            });
            let mut levels: Vec<f64> = marks.iter().map(|m| m.step_size).collect();
            levels.sort_by(f64::total_cmp);
            levels.dedup();
            for level in levels {
                // The marks a label of at least this level is drawn on.
                let shown: Vec<f64> = marks
                    .iter()
                    .filter(|m| m.step_size >= level)
                    .map(|m| m.value)
                    .collect();
                for pair in shown.windows(2) {
                    assert_eq!(
                        pair[1] - pair[0],
                        level,
                        "base {base_step_size}, level {level}"
                    );
                }
            }
        }
    }
}
