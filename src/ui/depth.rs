//! Depth: a heatmap of the book over time (liquidity as colour, trades as
//! bubbles, our fills marked), and the cumulative depth of both sides now.
//!
//! The heatmap is one texture, rebuilt when the ring of book columns, the
//! live edge or the span shown changes; trades and our fills are summed
//! into bubbles (`ui::bubbles`).

use egui::{
    Align2, Color32, ColorImage, FontId, Pos2, Rect, RichText, Sense, Shape, Stroke, TextureHandle,
    TextureOptions, Vec2,
};

use crate::market::catalog::Day;
use crate::market::Side;
use crate::session::BookColumn;

use super::bubbles::Binner;
use super::format;
use super::price::WINDOWS;
use super::theme;
use super::view::View;
use super::{Action, Panel, Slot};

/// Most trade bubbles drawn: more only overlap, and each costs the
/// tessellator and the rasteriser about a hundred vertices.
const MAX_BUBBLES: usize = 600;
/// Most marks of our fills drawn.
const MAX_FILL_MARKS: usize = 600;
/// Width of the time cells trades are summed over into one bubble, points.
const BUBBLE_CELL_PX: f32 = 4.0;
/// Widest heatmap texture, pixels.
const MAX_TEXTURE_WIDTH: usize = 1_024;

/// What the heatmap texture was last built from: when nothing of it
/// changed, the texture is reused as it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct HeatKey {
    columns_version: (u64, i64),
    t0_ns: i64,
    t1_ns: i64,
    p_min: i64,
    p_max: i64,
    width_px: usize,
    height_px: usize,
    max_qty: i64,
}

/// Colours of the heatmap by quantised intensity: index 0 is an empty
/// cell, 1 to 255 the faintest to the strongest liquidity.
fn heat_palette() -> [Color32; 256] {
    let mut palette = [theme::heat_color(0.0); 256];
    for (i, color) in palette.iter_mut().enumerate().skip(1) {
        *color = theme::heat_color(0.12 + 0.88 * i as f32 / 255.0);
    }
    palette
}

/// The depth panel.
pub struct DepthPanel {
    /// Index into the time windows offered (see `price::WINDOWS`); the
    /// last, "all", shows every column held.
    pub window_index: usize,
    binner: Binner,
    texture: Option<TextureHandle>,
    texture_key: Option<HeatKey>,
    palette: [Color32; 256],
}

impl Default for DepthPanel {
    fn default() -> Self {
        DepthPanel {
            window_index: WINDOWS.len() - 1,
            binner: Binner::default(),
            texture: None,
            texture_key: None,
            palette: heat_palette(),
        }
    }
}

impl std::fmt::Debug for DepthPanel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DepthPanel").finish_non_exhaustive()
    }
}

/// The smallest of 1, 2, 5, 10, 20, 50, … that is at least `n`.
/// Narrowest time span the heatmap shows, ns.
const MIN_HEATMAP_SPAN_NS: i64 = 10_000_000_000;

fn nice_step(n: i64) -> i64 {
    let mut step = 1;
    loop {
        for m in [1, 2, 5] {
            if step * m >= n {
                return step * m;
            }
        }
        step *= 10;
    }
}

impl DepthPanel {
    /// The heatmap's pixels: each pixel column shows the book column in
    /// force at its time, each level's quantity as a colour.
    fn heat_image(&self, view: &View, key: &HeatKey) -> ColorImage {
        let columns = &view.heat;
        let (width_px, height_px) = (key.width_px, key.height_px);
        let ticks = key.p_max - key.p_min + 1;
        // Quantities are scaled by √ so thin levels still show.
        let max_qty = key.max_qty.max(1) as f32;
        let shade_of = |qty: i64| -> u8 {
            let f = (qty.max(0) as f32 / max_qty).sqrt().min(1.0);
            if f > 0.0 {
                (f * 255.0).ceil().max(1.0) as u8
            } else {
                0
            }
        };
        let mut shades = vec![0_u8; width_px * height_px];
        // The rows and shades of the book column under the current pixel
        // column, worked out once per book column.
        let mut cells: Vec<(usize, u8)> = Vec::with_capacity(128);
        let mut cells_of: Option<usize> = None;
        let span = (key.t1_ns - key.t0_ns) as f64;
        let first_ns = columns.get(0).map_or(i64::MAX, |c| c.ts_ns);
        let mut c = 0;
        for i in 0..width_px {
            let t = key.t0_ns + (span * (i as f64 + 0.5) / width_px as f64) as i64;
            if t < first_ns {
                continue;
            }
            while c + 1 < columns.len() && columns.get(c + 1).is_some_and(|col| col.ts_ns <= t) {
                c += 1;
            }
            if columns.is_gap_after(c)
                && t - columns.get(c).map_or(t, |col| col.ts_ns) > columns.step_before(c)
            {
                // Not sampled: a jump went over it.
                continue;
            }
            if cells_of != Some(c) {
                cells_of = Some(c);
                cells.clear();
                if let Some(column) = columns.get(c) {
                    for level in column.book.bids.iter().chain(&column.book.asks) {
                        let offset = level.price - key.p_min;
                        if (0..ticks).contains(&offset) {
                            let from_bottom = (offset * height_px as i64 / ticks) as usize;
                            let row = height_px - 1 - from_bottom.min(height_px - 1);
                            cells.push((row, shade_of(level.qty)));
                        }
                    }
                }
            }
            for &(row, shade) in &cells {
                let cell = &mut shades[row * width_px + i];
                *cell = (*cell).max(shade);
            }
        }
        let pixels = shades
            .iter()
            .map(|&shade| self.palette[usize::from(shade)])
            .collect();
        ColorImage::new([width_px, height_px], pixels)
    }

    /// The colour scale: which level size each colour stands for (√-scaled
    /// up to `max_qty`), in the heatmap's top-right corner.
    fn legend_ui(
        &self,
        painter: &egui::Painter,
        rect: Rect,
        max_qty: i64,
        instrument: &crate::market::Instrument,
    ) {
        let bar_w = (rect.width() * 0.3).clamp(40.0, 120.0);
        let bar = Rect::from_min_size(
            Pos2::new(rect.right() - bar_w - 6.0, rect.top() + 6.0),
            Vec2::new(bar_w, 6.0),
        );
        let font = FontId::monospace(9.5);
        let color = Color32::from_gray(220);
        let max_text = format::qty_from_lots(instrument, max_qty.max(1));
        let max_galley = painter.layout_no_wrap(max_text, font.clone(), color);
        let zero_galley = painter.layout_no_wrap("0".to_owned(), font, color);
        let back = Rect::from_min_max(
            bar.min - Vec2::new(3.0 + zero_galley.size().x + 2.0, 3.0),
            Pos2::new(
                bar.right() + 3.0 + max_galley.size().x + 2.0,
                bar.bottom() + 3.0,
            ),
        );
        let shift = (back.right() - (rect.right() - 2.0)).max(0.0);
        let (bar, back) = (
            bar.translate(Vec2::new(-shift, 0.0)),
            back.translate(Vec2::new(-shift, 0.0)),
        );
        painter.rect_filled(back, 2.0, Color32::from_black_alpha(190));
        let steps = 32;
        for i in 0..steps {
            let x0 = bar.left() + bar.width() * i as f32 / steps as f32;
            let x1 = bar.left() + bar.width() * (i + 1) as f32 / steps as f32;
            let shade = ((i as f32 + 0.5) / steps as f32 * 255.0).round() as usize;
            painter.rect_filled(
                Rect::from_min_max(Pos2::new(x0, bar.top()), Pos2::new(x1, bar.bottom())),
                0.0,
                self.palette[shade.min(255)],
            );
        }
        painter.galley(
            Pos2::new(
                bar.left() - 2.0 - zero_galley.size().x,
                bar.center().y - zero_galley.size().y / 2.0,
            ),
            zero_galley,
            color,
        );
        painter.galley(
            Pos2::new(
                bar.right() + 3.0,
                bar.center().y - max_galley.size().y / 2.0,
            ),
            max_galley,
            color,
        );
    }

    #[allow(clippy::too_many_lines)]
    fn heatmap_ui(&mut self, ui: &mut egui::Ui, view: &View) {
        let size = ui.available_size().max(Vec2::new(50.0, 40.0));
        let (rect, response) = ui.allocate_exact_size(size, Sense::hover());
        let painter = ui.painter_at(rect);
        painter.rect_filled(rect, 0.0, theme::heat_color(0.0));
        let columns = &view.heat;
        let (Some(first), Some(last), Some(run)) = (columns.get(0), columns.last(), &view.run)
        else {
            painter.text(
                rect.center(),
                Align2::CENTER_CENTER,
                "The heatmap fills as the market moves.",
                FontId::proportional(13.0),
                ui.visuals().weak_text_color(),
            );
            return;
        };
        // Newest at the right, over the window chosen (all the columns by
        // default) and at least MIN_HEATMAP_SPAN_NS: a ring of a column or
        // two is a strip at the right edge, not stretched over the width.
        let t1 = last.ts_ns.max(first.ts_ns + 1);
        let t0 = match WINDOWS.get(self.window_index).and_then(|w| w.0) {
            Some(secs) => t1 - (secs * 1e9) as i64,
            None => first.ts_ns,
        }
        .min(t1 - MIN_HEATMAP_SPAN_NS);
        // Price range: every touch in the span, with room around it.
        let shown = |col: &&BookColumn| col.ts_ns >= t0;
        let (lo, hi) = columns
            .iter()
            .filter(shown)
            .filter_map(|col| {
                let (b, a) = col.touch_ticks();
                Some((b.or(a)?, a.or(b)?))
            })
            .fold((i64::MAX, i64::MIN), |(lo, hi), (b, a)| {
                (lo.min(b), hi.max(a))
            });
        if lo > hi {
            return;
        }
        let min_ticks = ((rect.height() / 9.0) as i64).max(8);
        let pad = ((hi - lo) / 10).max(4);
        let (mut p_min, mut p_max) = (lo - pad, hi + pad);
        if p_max - p_min + 1 < min_ticks {
            let grow = min_ticks - (p_max - p_min + 1);
            p_min -= grow / 2;
            p_max += grow - grow / 2;
        }
        let ticks = p_max - p_min + 1;
        let width_px = (rect.width() as usize).clamp(1, MAX_TEXTURE_WIDTH);
        let height_px = usize::try_from(ticks)
            .unwrap_or(1)
            .clamp(1, (rect.height() as usize).max(1));
        let key = HeatKey {
            columns_version: columns.version(),
            t0_ns: t0,
            t1_ns: t1,
            p_min,
            p_max,
            width_px,
            height_px,
            max_qty: view.heat.max_qty(),
        };
        if self.texture.is_none() || self.texture_key != Some(key) {
            let image = self.heat_image(view, &key);
            match &mut self.texture {
                Some(texture) => texture.set(image, TextureOptions::NEAREST),
                None => {
                    self.texture = Some(ui.ctx().load_texture(
                        "depth_heatmap",
                        image,
                        TextureOptions::NEAREST,
                    ));
                }
            }
            self.texture_key = Some(key);
        }
        if let Some(texture) = &self.texture {
            painter.image(
                texture.id(),
                rect,
                Rect::from_min_max(Pos2::ZERO, Pos2::new(1.0, 1.0)),
                Color32::WHITE,
            );
        }
        let span = (t1 - t0) as f64;
        let x_of = |ts: i64| rect.left() + rect.width() * ((ts - t0) as f64 / span) as f32;
        let y_of = |price: i64| {
            rect.bottom() - ((price - p_min) as f32 + 0.5) * rect.height() / ticks as f32
        };

        // After a jump the ring starts at the jump: say so where it is empty
        // rather than leave a blank that reads as an empty book.
        let history_x = x_of(first.ts_ns);
        if history_x - rect.left() > 160.0 {
            let blank = Rect::from_min_max(rect.min, Pos2::new(history_x, rect.max.y));
            painter.text(
                blank.center(),
                Align2::CENTER_CENTER,
                format!(
                    "replayed from {}:\nthe heatmap fills as the replay moves",
                    format::clock_ms_from_ns(first.ts_ns)
                ),
                FontId::proportional(12.0),
                ui.visuals().weak_text_color(),
            );
        }

        // The touch over time, as steps: each column's touch holds until
        // the next column.
        for side in [Side::Buy, Side::Sell] {
            let mut points: Vec<Pos2> = Vec::with_capacity(2 * columns.len());
            for col in columns.iter().filter(shown) {
                let (b, a) = col.touch_ticks();
                let Some(price) = (if side == Side::Buy { b } else { a }) else {
                    continue;
                };
                let at = Pos2::new(x_of(col.ts_ns), y_of(price));
                if let Some(&before) = points.last() {
                    points.push(Pos2::new(at.x, before.y));
                }
                points.push(at);
            }
            if points.len() >= 2 {
                painter.add(Shape::line(
                    points,
                    Stroke::new(1.2, theme::side_color(side)),
                ));
            }
        }

        // Trades as bubbles, one per side, price and few pixels of time,
        // the biggest kept.
        let cell_px = BUBBLE_CELL_PX.max(1.0);
        let cell_of = |ts: i64| ((x_of(ts.min(t1)) - rect.left()) / cell_px) as i64;
        let in_rows = |price: i64| (0..ticks).contains(&(price - p_min));
        let from = view.trades.partition_point_by(t0, |t| t.ts_ns);
        let trades = view
            .trades
            .iter()
            .skip(from)
            .take_while(|t| t.ts_ns <= t1)
            .filter(|t| in_rows(t.price_ticks))
            .map(|t| {
                let cell = cell_of(t.ts_ns);
                (cell, t.price_ticks, t.side == Side::Buy, t.qty_lots)
            });
        let bubbles = self.binner.bin(trades, MAX_BUBBLES);
        let max_trade = bubbles.iter().map(|b| b.qty_lots).max().unwrap_or(1).max(1) as f32;
        let cell_x = |cell: i64| rect.left() + (cell as f32 + 0.5) * cell_px;
        for bubble in bubbles {
            let radius = 1.5 + 7.0 * (bubble.qty_lots as f32 / max_trade).sqrt();
            let center = Pos2::new(cell_x(bubble.cell), y_of(bubble.price_ticks));
            let color = theme::side_color(if bubble.is_buy { Side::Buy } else { Side::Sell });
            painter.circle(
                center,
                radius,
                color.gamma_multiply(0.35),
                Stroke::new(1.0, color),
            );
        }

        // Our fills, marked on top, summed the same way.
        let fills_from = view.fills.partition_point_by(t0, |f| f.exch_ts_ns);
        let fills = view
            .fills
            .iter()
            .skip(fills_from)
            .filter(|f| in_rows(f.price_ticks) && view.is_followed_order(f.order_id))
            .map(|f| {
                let cell = cell_of(f.exch_ts_ns);
                (cell, f.price_ticks, f.side == Side::Buy, f.qty_lots)
            });
        for fill in self.binner.bin(fills, MAX_FILL_MARKS) {
            let center = Pos2::new(cell_x(fill.cell), y_of(fill.price_ticks));
            let r = 3.5;
            let diamond = vec![
                center + Vec2::new(0.0, -r),
                center + Vec2::new(r, 0.0),
                center + Vec2::new(0.0, r),
                center + Vec2::new(-r, 0.0),
            ];
            painter.add(Shape::convex_polygon(
                diamond,
                theme::OWN,
                Stroke::new(1.0, Color32::from_gray(230)),
            ));
        }

        // Price and time labels.
        let label_color = Color32::from_gray(200);
        let font = FontId::monospace(10.0);
        let px_per_tick = rect.height() / ticks as f32;
        let every = nice_step(((24.0 / px_per_tick).ceil() as i64).max(1));
        let mut price = p_min + (every - p_min.rem_euclid(every));
        let label = |pos: Pos2, anchor: Align2, text: String| {
            let galley = painter.layout_no_wrap(text, font.clone(), label_color);
            let at = anchor.anchor_size(pos, galley.size());
            painter.rect_filled(at.expand(1.5), 2.0, Color32::from_black_alpha(170));
            painter.galley(at.min, galley, label_color);
        };
        while price < p_min + ticks {
            // Leave the bottom edge to the time labels.
            if y_of(price) > rect.bottom() - 16.0 {
                price += every;
                continue;
            }
            label(
                Pos2::new(rect.left() + 3.0, y_of(price)),
                Align2::LEFT_CENTER,
                format::price_from_ticks(&run.instrument, price),
            );
            price += every;
        }
        // Times across midnight give their day; a narrow heatmap gives only
        // the newest time, so the two never overlap.
        let across_days = Day::from_ts_ns(t0) != Day::from_ts_ns(t1);
        let time_text = |ts_ns: i64| {
            let clock = format::clock_ms_from_ns(ts_ns);
            if across_days {
                let day = Day::from_ts_ns(ts_ns).to_string();
                format!("{} {clock}", day.get(5..).unwrap_or(&day))
            } else {
                clock
            }
        };
        let both_fit = rect.width() >= if across_days { 260.0 } else { 190.0 };
        if both_fit {
            label(
                rect.left_bottom() + Vec2::new(3.0, -2.0),
                Align2::LEFT_BOTTOM,
                time_text(t0),
            );
        }
        label(
            rect.right_bottom() + Vec2::new(-3.0, -2.0),
            Align2::RIGHT_BOTTOM,
            time_text(t1),
        );
        self.legend_ui(&painter, rect, key.max_qty, &run.instrument);
        if let Some(pointer) = response.hover_pos() {
            let t_ns = t0 + (span * f64::from((pointer.x - rect.left()) / rect.width())) as i64;
            let price =
                p_min + ((rect.bottom() - pointer.y) / rect.height() * ticks as f32).floor() as i64;
            painter.hline(
                rect.x_range(),
                y_of(price),
                Stroke::new(0.5, Color32::from_gray(160)),
            );
            painter.vline(
                pointer.x,
                rect.y_range(),
                Stroke::new(0.5, Color32::from_gray(160)),
            );
            let window_ns = (span / f64::from(rect.width()) * f64::from(BUBBLE_CELL_PX)) as i64;
            let readout =
                super::heat_readout::heat_readout(view, &run.instrument, t_ns, price, window_ns);
            response.on_hover_ui_at_pointer(|ui| {
                ui.label(RichText::new(readout).monospace());
            });
        }
    }
}

impl Panel for DepthPanel {
    fn title(&self) -> &'static str {
        "Depth"
    }

    fn slot(&self) -> Slot {
        Slot::CenterBottom
    }

    fn ui(&mut self, ui: &mut egui::Ui, view: &View, _actions: &mut Vec<Action>) {
        ui.horizontal_wrapped(|ui| {
            ui.strong("Depth");
            // The 10 s window is narrower than the heatmap's narrowest span.
            for (i, (_, label)) in WINDOWS.iter().enumerate().skip(1) {
                if ui
                    .selectable_label(self.window_index == i, *label)
                    .on_hover_text("Data time the heatmap spans, newest at the right")
                    .clicked()
                {
                    self.window_index = i;
                }
            }
            ui.label(
                RichText::new(
                    "heatmap: liquidity over time, trades as bubbles, own fills as blue diamonds",
                )
                .weak()
                .small(),
            );
        });
        let size = ui.available_size();
        let cumulative_w = (size.x * 0.3).clamp(120.0, 320.0);
        ui.horizontal(|ui| {
            let heat_size = egui::vec2(size.x - cumulative_w - ui.spacing().item_spacing.x, size.y);
            ui.allocate_ui(heat_size, |ui| self.heatmap_ui(ui, view));
            ui.allocate_ui(egui::vec2(cumulative_w, size.y), |ui| {
                super::cumulative::cumulative_depth_ui(ui, view)
            });
        });
    }
}
