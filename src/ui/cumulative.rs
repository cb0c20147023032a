//! The cumulative depth chart beside the heatmap: quantity summed from the
//! touch outwards, our book solid and the exchange's dashed.

use egui_plot::{Legend, Line, LineStyle, Plot, PlotPoints};

use crate::market::Side;
use crate::session::BookView;

use super::format;
use super::theme;
use super::view::View;

/// The cumulative depth chart shows its legend only from this width, in
/// points (below it the legend would cover the curves).
const LEGEND_MIN_WIDTH: f32 = 280.0;

/// ... and from this height, in points.
const LEGEND_MIN_HEIGHT: f32 = 170.0;

/// Cumulative quantity by price of one side, as a stepped line from the
/// touch outwards.
fn cumulative(levels: &[crate::book::Level]) -> Vec<[f64; 2]> {
    let mut points = Vec::with_capacity(levels.len() * 2);
    let mut total = 0.0;
    for level in levels {
        points.push([level.price as f64, total]);
        total += level.qty as f64;
        points.push([level.price as f64, total]);
    }
    points
}

/// The cumulative depth of both sides of the local book and, dashed, of
/// the exchange's, on the price axis.
pub(crate) fn cumulative_depth_ui(ui: &mut egui::Ui, view: &View) {
    let (Some(frame), Some(run)) = (&view.frame, &view.run) else {
        return;
    };
    let instrument = run.instrument.clone();
    let side_line = |book: &BookView, side: Side, name: &str, dashed: bool| {
        let levels = match side {
            Side::Buy => &book.bids,
            _ => &book.asks,
        };
        let color = theme::side_color(side);
        let line = Line::new(name.to_owned(), PlotPoints::new(cumulative(levels)));
        if dashed {
            line.color(color.gamma_multiply(0.6))
                .style(LineStyle::dashed_dense())
                .width(1.0)
        } else {
            line.color(color).fill(0.0).width(1.5)
        }
    };
    // On a small chart the legend would cover the curves; their
    // colours are the ladder's (and said on hover).
    let roomy =
        ui.available_width() >= LEGEND_MIN_WIDTH && ui.available_height() >= LEGEND_MIN_HEIGHT;
    let mut plot = Plot::new("cumulative_depth");
    if roomy {
        plot = plot.legend(
            Legend::default()
                .text_style(egui::TextStyle::Small)
                .background_alpha(0.6),
        );
    }
    let shown = plot
        .x_axis_formatter(move |mark, _| {
            format::price_from_ticks(&instrument, mark.value.round() as i64)
        })
        .y_axis_min_width(36.0)
        .allow_scroll(false)
        .show(ui, |plot_ui| {
            plot_ui.line(side_line(&frame.local_book, Side::Buy, "bids", false));
            plot_ui.line(side_line(&frame.local_book, Side::Sell, "asks", false));
            plot_ui.line(side_line(&frame.exchange_book, Side::Buy, "exchange", true));
            plot_ui.line(side_line(
                &frame.exchange_book,
                Side::Sell,
                "exchange",
                true,
            ));
        });
    if !roomy {
        shown
            .response
            .on_hover_text("Cumulative depth: bids green, asks red; dashed, the exchange's book");
    }
}
