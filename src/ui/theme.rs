//! The window's colours, in one place so every panel speaks the same
//! language: green buys and bids, red sells and asks, blue for our own.

use egui::Color32;

use crate::market::Side;

/// Bid side and buy trades.
pub const BID: Color32 = Color32::from_rgb(38, 166, 91);
/// Ask side and sell trades.
pub const ASK: Color32 = Color32::from_rgb(214, 69, 65);
/// Bid bars in the ladder, dimmer than the text.
pub const BID_BAR: Color32 = Color32::from_rgba_premultiplied(20, 90, 50, 200);
/// Ask bars in the ladder.
pub const ASK_BAR: Color32 = Color32::from_rgba_premultiplied(115, 38, 36, 200);
/// Our own orders and fills.
pub const OWN: Color32 = Color32::from_rgb(66, 165, 245);
/// Volume ahead of our order in its queue.
pub const AHEAD: Color32 = Color32::from_rgb(120, 120, 120);
/// Volume behind our order in its queue.
pub const BEHIND: Color32 = Color32::from_rgb(70, 70, 70);
/// The mid price.
pub const MID: Color32 = Color32::from_rgb(170, 170, 170);
/// Errors in the console.
pub const ERROR: Color32 = Color32::from_rgb(239, 83, 80);
/// Notes in the console.
pub const NOTE: Color32 = Color32::from_rgb(144, 164, 174);
/// Equity line.
pub const EQUITY: Color32 = Color32::from_rgb(255, 202, 40);

/// The previous run, drawn faded under the current one.
pub const PREVIOUS_RUN: Color32 = Color32::from_rgba_premultiplied(110, 110, 130, 140);

/// A change for the better (compare with the previous run).
pub const BETTER: Color32 = BID;

/// A change for the worse.
pub const WORSE: Color32 = ASK;

/// Text of the failing line of a traceback.
pub const ERROR_TEXT: Color32 = Color32::from_rgb(255, 235, 235);

/// Background of the failing line of a traceback, and of the error banner.
pub const ERROR_BACKGROUND: Color32 = Color32::from_rgb(110, 28, 28);

/// Text on a heat colour of `fraction` (0..=1): dark on the bright end of
/// the scale, light on the dark end.
pub fn heat_ink(fraction: f32) -> Color32 {
    if fraction > 0.45 {
        Color32::BLACK
    } else {
        Color32::WHITE
    }
}

/// The colour of a side: bid/buy green, ask/sell red.
pub fn side_color(side: Side) -> Color32 {
    match side {
        Side::Buy => BID,
        Side::Sell => ASK,
        Side::None => MID,
    }
}

/// Heat colour of a level holding `fraction` (0..=1) of the large levels:
/// dark blue through cyan and yellow to white, as order-flow heatmaps do.
pub fn heat_color(fraction: f32) -> Color32 {
    const STOPS: [(f32, [u8; 3]); 5] = [
        (0.0, [8, 12, 30]),
        (0.25, [20, 60, 140]),
        (0.5, [0, 170, 200]),
        (0.75, [250, 210, 40]),
        (1.0, [255, 255, 255]),
    ];
    let f = fraction.clamp(0.0, 1.0);
    for pair in STOPS.windows(2) {
        let (f0, c0) = pair[0];
        let (f1, c1) = pair[1];
        if f <= f1 {
            let t = (f - f0) / (f1 - f0);
            let mix =
                |a: u8, b: u8| (f32::from(a) + (f32::from(b) - f32::from(a)) * t).round() as u8;
            return Color32::from_rgb(mix(c0[0], c1[0]), mix(c0[1], c1[1]), mix(c0[2], c1[2]));
        }
    }
    Color32::WHITE
}
