//! DOM ladder: one row per price tick around the touch, bid and ask sizes
//! as bars, our own orders at their price with a queue bar (volume ahead,
//! our order, volume behind), and the volume traded at each price lately.

use std::collections::HashMap;

use egui::{Align2, Color32, FontId, Pos2, Rect, RichText, Sense, Stroke, StrokeKind, Vec2};

use crate::market::{Instrument, Side};
use crate::sim::OpenOrder;

use super::format;
use super::theme;
use super::view::View;
use super::{Action, Panel, Slot};

/// Height of one price row, points.
const ROW_HEIGHT: f32 = 17.0;
/// Data time over which the "traded" column sums trades, ns.
const TRADED_WINDOW_NS: i64 = 30_000_000_000;

/// The DOM ladder.
#[derive(Debug, Default)]
pub struct LadderPanel {
    /// Show the exchange-side book instead of the local one.
    pub show_exchange: bool,
}

/// The accessible name of one of our orders in the ladder: what a screen
/// reader says and what tests look for.
pub fn order_label(instrument: &Instrument, order: &OpenOrder) -> String {
    let side = match order.side {
        Side::Buy => "buy",
        Side::Sell => "sell",
        Side::None => "order",
    };
    let mut label = format!(
        "own {side} order {}: {} @ {}",
        order.id.0,
        format::qty_from_lots(instrument, order.leaves_lots()),
        format::price_from_ticks(instrument, order.price_ticks)
    );
    match order.queue() {
        Some(queue) => label.push_str(&format!(
            ", {} ahead of {} at the level",
            format::qty_from_lots(instrument, queue.ahead_lots),
            format::qty_from_lots(instrument, queue.level_lots)
        )),
        None => label.push_str(&format!(", {:?}", order.state).to_lowercase()),
    }
    label
}

/// Volume traded at each price over the recent window, by aggressor side.
fn traded_by_price(view: &View, now_ns: i64) -> HashMap<i64, (i64, i64)> {
    let mut traded: HashMap<i64, (i64, i64)> = HashMap::new();
    let from = view
        .trades
        .partition_point_by(now_ns - TRADED_WINDOW_NS, |t| t.ts_ns);
    for trade in view.trades.iter().skip(from) {
        let entry = traded.entry(trade.price_ticks).or_default();
        match trade.side {
            Side::Buy => entry.0 += trade.qty_lots,
            _ => entry.1 += trade.qty_lots,
        }
    }
    traded
}

impl LadderPanel {
    #[allow(clippy::too_many_lines)]
    fn ladder_ui(&self, ui: &mut egui::Ui, view: &View) {
        let (Some(frame), Some(run)) = (&view.frame, &view.run) else {
            ui.label(RichText::new("No book yet.").weak());
            return;
        };
        let instrument = &run.instrument;
        let book = if self.show_exchange {
            &frame.exchange_book
        } else {
            &frame.local_book
        };
        let (best_bid, best_ask) = book.touch_ticks();
        let Some(center) = book
            .mid_ticks()
            .map(|m| m.round() as i64)
            .or(best_bid)
            .or(best_ask)
        else {
            ui.label(RichText::new("The book is empty.").weak());
            return;
        };
        let available = ui.available_size();
        let rows = ((available.y / ROW_HEIGHT).floor() as i64 - 1).max(3);
        let top_price = center + rows / 2;
        let (header, _) =
            ui.allocate_exact_size(Vec2::new(available.x, ROW_HEIGHT), Sense::hover());
        let (rect, _) = ui.allocate_exact_size(
            Vec2::new(available.x, rows as f32 * ROW_HEIGHT),
            Sense::hover(),
        );
        let painter = ui.painter_at(rect);
        let width = rect.width();
        let own_w = (width * 0.17).clamp(40.0, 90.0);
        let price_w = (width * 0.2).clamp(56.0, 90.0);
        let traded_w = (width * 0.14).clamp(34.0, 70.0);
        let size_w = ((width - 2.0 * own_w - price_w - traded_w) / 2.0).max(20.0);
        let x_own_buy = rect.left();
        let x_bid = x_own_buy + own_w;
        let x_price = x_bid + size_w;
        let x_ask = x_price + price_w;
        let x_own_sell = x_ask + size_w;
        let x_traded = x_own_sell + own_w;

        let max_qty = book
            .bids
            .iter()
            .chain(&book.asks)
            .map(|l| l.qty)
            .max()
            .unwrap_or(1)
            .max(1) as f32;
        let traded = traded_by_price(view, frame.now_ns);
        let max_traded = traded
            .values()
            .map(|(b, s)| b + s)
            .max()
            .unwrap_or(1)
            .max(1) as f32;
        let font = FontId::monospace(11.5);
        let text_color = ui.visuals().text_color();
        let weak = ui.visuals().weak_text_color();
        let grid = ui.visuals().faint_bg_color;

        for row in 0..rows {
            let price = top_price - row;
            let y = rect.top() + row as f32 * ROW_HEIGHT;
            let row_rect =
                Rect::from_min_size(Pos2::new(rect.left(), y), Vec2::new(width, ROW_HEIGHT));
            if row % 2 == 0 {
                painter.rect_filled(row_rect, 0.0, grid);
            }
            let is_touch = Some(price) == best_bid || Some(price) == best_ask;
            let price_rect =
                Rect::from_min_size(Pos2::new(x_price, y), Vec2::new(price_w, ROW_HEIGHT));
            if is_touch {
                painter.rect_filled(price_rect.shrink(1.0), 2.0, Color32::from_gray(60));
            }
            let price_color = if best_bid.is_some_and(|b| price <= b) {
                theme::BID
            } else if best_ask.is_some_and(|a| price >= a) {
                theme::ASK
            } else {
                weak
            };
            painter.text(
                price_rect.center(),
                Align2::CENTER_CENTER,
                format::price_from_ticks(instrument, price),
                font.clone(),
                price_color,
            );
            let bid_qty = book.qty_at(Side::Buy, price);
            if bid_qty > 0 {
                let bar_w = size_w * (bid_qty as f32 / max_qty).sqrt();
                let bar = Rect::from_min_max(
                    Pos2::new(x_price - bar_w, y + 1.0),
                    Pos2::new(x_price - 1.0, y + ROW_HEIGHT - 1.0),
                );
                painter.rect_filled(bar, 1.0, theme::BID_BAR);
                painter.text(
                    Pos2::new(x_price - 4.0, y + ROW_HEIGHT / 2.0),
                    Align2::RIGHT_CENTER,
                    format::qty_from_lots(instrument, bid_qty),
                    font.clone(),
                    text_color,
                );
            }
            let ask_qty = book.qty_at(Side::Sell, price);
            if ask_qty > 0 {
                let bar_w = size_w * (ask_qty as f32 / max_qty).sqrt();
                let bar = Rect::from_min_max(
                    Pos2::new(x_ask + 1.0, y + 1.0),
                    Pos2::new(x_ask + bar_w, y + ROW_HEIGHT - 1.0),
                );
                painter.rect_filled(bar, 1.0, theme::ASK_BAR);
                painter.text(
                    Pos2::new(x_ask + 4.0, y + ROW_HEIGHT / 2.0),
                    Align2::LEFT_CENTER,
                    format::qty_from_lots(instrument, ask_qty),
                    font.clone(),
                    text_color,
                );
            }
            if let Some(&(bought, sold)) = traded.get(&price) {
                let total = bought + sold;
                let bar_w = traded_w * (total as f32 / max_traded).sqrt();
                let bar = Rect::from_min_max(
                    Pos2::new(x_traded + 2.0, y + 3.0),
                    Pos2::new(x_traded + 2.0 + bar_w, y + ROW_HEIGHT - 3.0),
                );
                let color = if bought >= sold {
                    theme::BID
                } else {
                    theme::ASK
                };
                painter.rect_filled(bar, 1.0, color.gamma_multiply(0.35));
                painter.text(
                    Pos2::new(x_traded + 4.0, y + ROW_HEIGHT / 2.0),
                    Align2::LEFT_CENTER,
                    format::qty_from_lots(instrument, total),
                    FontId::monospace(10.0),
                    color,
                );
            }
        }

        // Our orders, each an accessible widget with its queue position.
        let mut stacked: HashMap<(i64, bool), f32> = HashMap::new();
        for order in &frame.orders {
            let row = top_price - order.price_ticks;
            if !(0..rows).contains(&row) || order.order_type == crate::sim::OrderType::Market {
                continue;
            }
            let is_buy = order.side == Side::Buy;
            let x = if is_buy { x_own_buy } else { x_own_sell };
            let y = rect.top() + row as f32 * ROW_HEIGHT;
            let offset = stacked.entry((order.price_ticks, is_buy)).or_insert(0.0);
            let cell = Rect::from_min_size(
                Pos2::new(x + 1.0, y + 1.0 + *offset),
                Vec2::new(own_w - 2.0, ROW_HEIGHT - 2.0 - *offset),
            );
            *offset = (*offset + 3.0).min(ROW_HEIGHT / 2.0);
            self.order_cell_ui(ui, &painter, cell, instrument, order);
        }

        // Column titles.
        let header_painter = ui.painter_at(header);
        let small = FontId::proportional(10.5);
        let titles = [
            (x_own_buy + own_w / 2.0, "own"),
            (x_bid + size_w / 2.0, "bid"),
            (x_price + price_w / 2.0, "price"),
            (x_ask + size_w / 2.0, "ask"),
            (x_own_sell + own_w / 2.0, "own"),
            (x_traded + traded_w / 2.0, "traded"),
        ];
        for (x, title) in titles {
            header_painter.text(
                Pos2::new(x, header.center().y),
                Align2::CENTER_CENTER,
                title,
                small.clone(),
                weak,
            );
        }
    }

    /// One of our orders: its size, and a bar of the level's queue split
    /// into volume ahead, our order and volume behind.
    fn order_cell_ui(
        &self,
        ui: &mut egui::Ui,
        painter: &egui::Painter,
        cell: Rect,
        instrument: &Instrument,
        order: &OpenOrder,
    ) {
        let label = order_label(instrument, order);
        let id = ui.scope_id().with(("own_order", order.id.0));
        let response = ui.interact(cell, id, Sense::hover());
        let info_label = label.clone();
        response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Label, true, &info_label));
        painter.rect_filled(cell, 2.0, theme::OWN.gamma_multiply(0.25));
        painter.rect_stroke(cell, 2.0, Stroke::new(1.0, theme::OWN), StrokeKind::Inside);
        if let Some(queue) = order.queue() {
            let mine = order.leaves_lots().max(0);
            let total = (queue.level_lots.max(queue.ahead_lots + mine)).max(1) as f32;
            let bar = Rect::from_min_max(
                Pos2::new(cell.left() + 2.0, cell.bottom() - 4.0),
                Pos2::new(cell.right() - 2.0, cell.bottom() - 1.5),
            );
            let ahead_x = bar.left() + bar.width() * queue.ahead_lots as f32 / total;
            let mine_x = ahead_x + bar.width() * mine as f32 / total;
            painter.rect_filled(bar, 0.0, theme::BEHIND);
            painter.rect_filled(
                Rect::from_min_max(bar.min, Pos2::new(ahead_x, bar.bottom())),
                0.0,
                theme::AHEAD,
            );
            painter.rect_filled(
                Rect::from_min_max(
                    Pos2::new(ahead_x, bar.top()),
                    Pos2::new(mine_x.max(ahead_x + 2.0), bar.bottom()),
                ),
                0.0,
                theme::OWN,
            );
        }
        painter.text(
            Pos2::new(cell.center().x, cell.top() + 6.0),
            Align2::CENTER_CENTER,
            format::qty_from_lots(instrument, order.leaves_lots()),
            FontId::monospace(10.5),
            Color32::WHITE,
        );
        response.on_hover_text(label);
    }
}

impl Panel for LadderPanel {
    fn title(&self) -> &'static str {
        "DOM ladder"
    }

    fn slot(&self) -> Slot {
        Slot::Right
    }

    fn ui(&mut self, ui: &mut egui::Ui, view: &View, _actions: &mut Vec<Action>) {
        ui.horizontal(|ui| {
            ui.strong("DOM");
            ui.selectable_value(&mut self.show_exchange, false, "local")
                .on_hover_text("The book as the strategy sees it, after feed latency");
            ui.selectable_value(&mut self.show_exchange, true, "exchange")
                .on_hover_text("The book at the exchange, ahead by the feed latency");
        });
        self.ladder_ui(ui, view);
    }
}
