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
    /// Rows scrolled up (positive) or down from the touch; 0 follows the
    /// touch.
    pub scroll_rows: i64,
}

/// How much of an order's place its cell says, as room allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OwnDetail {
    /// Size and queue: `0.005 · 0.4/1.2` (size, volume ahead / level).
    Full,
    /// The queue: `0.4/1.2`.
    Queue,
    /// The volume ahead only: `▸0.4`.
    Ahead,
}

/// What one of our orders shows in its cell at `detail`.
pub fn order_cell_text(instrument: &Instrument, order: &OpenOrder, detail: OwnDetail) -> String {
    let qty = format::qty_from_lots(instrument, order.leaves_lots());
    let Some(queue) = order.queue() else {
        return qty;
    };
    let ahead = format::qty_from_lots(instrument, queue.ahead_lots);
    let level = format::qty_from_lots(instrument, queue.level_lots);
    match detail {
        OwnDetail::Full => format!("{qty} · {ahead}/{level}"),
        OwnDetail::Queue => format!("{ahead}/{level}"),
        OwnDetail::Ahead => format!("▸{ahead}"),
    }
}

/// Widths of the ladder's columns, points.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Columns {
    /// Each side's own-order column.
    pub own_w: f32,
    /// Each side's size column.
    pub size_w: f32,
    /// The price column.
    pub price_w: f32,
    /// The traded column (0 when it does not fit).
    pub traded_w: f32,
    /// How much own orders say, to fit.
    pub own_detail: OwnDetail,
}

impl Columns {
    /// Columns for texts of the given widest widths in `width` points
    /// (`own` at each [`OwnDetail`], fullest first): each column as wide
    /// as its widest text; when they do not all fit, the traded column
    /// goes first, then own orders say less; the size columns take what is
    /// left, and at the narrowest every column shares what there is.
    pub fn fit(width: f32, price: f32, size: f32, own: [f32; 3], traded: f32) -> Columns {
        const PAD: f32 = 10.0;
        let price_w = price + PAD;
        let size_min = size + PAD;
        let details = [OwnDetail::Full, OwnDetail::Queue, OwnDetail::Ahead];
        let mut columns = Columns {
            own_w: own[0] + PAD,
            size_w: size_min,
            price_w,
            traded_w: traded + PAD,
            own_detail: OwnDetail::Full,
        };
        let total = |c: &Columns| 2.0 * c.own_w + 2.0 * c.size_w + c.price_w + c.traded_w;
        if total(&columns) > width {
            columns.traded_w = 0.0;
        }
        for (i, detail) in details.iter().enumerate().skip(1) {
            if total(&columns) <= width {
                break;
            }
            columns.own_w = own[i] + PAD;
            columns.own_detail = *detail;
        }
        if total(&columns) > width {
            // Too narrow for every text: each column its share.
            let scale = width / total(&columns);
            columns.own_w *= scale;
            columns.size_w *= scale;
            columns.price_w *= scale;
            return columns;
        }
        columns.size_w = (width - 2.0 * columns.own_w - columns.price_w - columns.traded_w) / 2.0;
        columns
    }
}

/// The accessible name of the ladder: whose book it shows and its touch,
/// e.g. `BTC-PERP book: bid 65000.0, ask 65000.1`.
pub fn ladder_label(
    instrument: &Instrument,
    bid_ticks: Option<i64>,
    ask_ticks: Option<i64>,
) -> String {
    let price = |ticks: Option<i64>| {
        ticks.map_or_else(
            || "none".to_owned(),
            |t| format::price_from_ticks(instrument, t),
        )
    };
    format!(
        "{} book: bid {}, ask {}",
        instrument.symbol,
        price(bid_ticks),
        price(ask_ticks)
    )
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
    fn ladder_ui(&mut self, ui: &mut egui::Ui, view: &View) {
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
        let top_price = center + rows / 2 + self.scroll_rows;
        let (header, _) =
            ui.allocate_exact_size(Vec2::new(available.x, ROW_HEIGHT), Sense::hover());
        let (rect, response) = ui.allocate_exact_size(
            Vec2::new(available.x, rows as f32 * ROW_HEIGHT),
            Sense::hover(),
        );
        ui.ctx().accesskit_node_builder(response.id, |node| {
            node.set_label(ladder_label(instrument, best_bid, best_ask));
        });
        if response.hovered() {
            let scrolled = ui.input(|i| i.smooth_scroll_delta.y);
            self.scroll_rows += (scrolled / ROW_HEIGHT).round() as i64;
        }
        let painter = ui.painter_at(rect);
        let width = rect.width();
        let font = FontId::monospace(11.5);
        let text_w = |text: String| {
            painter
                .layout_no_wrap(text, font.clone(), Color32::WHITE)
                .size()
                .x
        };
        let widest =
            |texts: &mut dyn Iterator<Item = String>| texts.map(&text_w).fold(0.0_f32, f32::max);
        let price_text_w = widest(
            &mut [top_price, top_price - rows]
                .into_iter()
                .map(|p| format::price_from_ticks(instrument, p)),
        );
        let size_text_w = widest(
            &mut book
                .bids
                .iter()
                .chain(&book.asks)
                .map(|l| format::qty_from_lots(instrument, l.qty)),
        );
        let own_text_w = |detail: OwnDetail| {
            widest(
                &mut frame
                    .orders
                    .iter()
                    .map(|o| order_cell_text(instrument, o, detail)),
            )
            .max(text_w("own".to_owned()))
        };
        let traded_text_w = widest(
            &mut traded_by_price(view, frame.now_ns)
                .values()
                .map(|(b, s)| format::qty_from_lots(instrument, b + s)),
        )
        .max(text_w("traded".to_owned()) - 4.0);
        let columns = Columns::fit(
            width,
            price_text_w,
            size_text_w,
            [
                own_text_w(OwnDetail::Full),
                own_text_w(OwnDetail::Queue),
                own_text_w(OwnDetail::Ahead),
            ],
            traded_text_w,
        );
        let Columns {
            own_w,
            size_w,
            price_w,
            traded_w,
            own_detail,
        } = columns;
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
            if let Some(&(bought, sold)) = traded.get(&price).filter(|_| traded_w > 0.0) {
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
            Self::order_cell_ui(ui, &painter, cell, instrument, order, own_detail);
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
            if title == "traded" && traded_w == 0.0 {
                continue;
            }
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
        ui: &mut egui::Ui,
        painter: &egui::Painter,
        cell: Rect,
        instrument: &Instrument,
        order: &OpenOrder,
        detail: OwnDetail,
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
        painter.with_clip_rect(cell).text(
            Pos2::new(cell.center().x, cell.top() + 6.0),
            Align2::CENTER_CENTER,
            order_cell_text(instrument, order, detail),
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
            if self.scroll_rows != 0
                && ui
                    .small_button("⌖ centre")
                    .on_hover_text("Back to the touch (the wheel scrolls the ladder)")
                    .clicked()
            {
                self.scroll_rows = 0;
            }
        });
        self.ladder_ui(ui, view);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_fit_their_widest_text_and_give_way_in_order() {
        let own = [90.0, 50.0, 30.0];
        // Room for everything: own orders say size and queue.
        let wide = Columns::fit(400.0, 50.0, 40.0, own, 30.0);
        assert_eq!(
            (wide.own_w, wide.price_w, wide.traded_w),
            (100.0, 60.0, 40.0)
        );
        assert_eq!(wide.own_detail, OwnDetail::Full);
        assert_eq!(wide.size_w, (400.0 - 200.0 - 60.0 - 40.0) / 2.0);
        // Narrower: the traded column goes first.
        let narrow = Columns::fit(370.0, 50.0, 40.0, own, 30.0);
        assert_eq!(narrow.traded_w, 0.0);
        assert_eq!(narrow.own_detail, OwnDetail::Full);
        // Narrower still: own orders say their queue, then what is ahead.
        let queue = Columns::fit(300.0, 50.0, 40.0, own, 30.0);
        assert_eq!((queue.own_detail, queue.own_w), (OwnDetail::Queue, 60.0));
        assert_eq!(queue.size_w, (300.0 - 120.0 - 60.0) / 2.0);
        let ahead = Columns::fit(240.0, 50.0, 40.0, own, 30.0);
        assert_eq!((ahead.own_detail, ahead.own_w), (OwnDetail::Ahead, 40.0));
        // Too narrow for any text: shares, and nothing past the width.
        let tight = Columns::fit(150.0, 50.0, 40.0, own, 30.0);
        let total = 2.0 * tight.own_w + 2.0 * tight.size_w + tight.price_w + tight.traded_w;
        assert!((total - 150.0).abs() < 1e-3, "{total}");
    }
}
