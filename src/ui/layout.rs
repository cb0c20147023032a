//! The window's layout: how big each region may be at a given window size,
//! so that no region can squeeze another out of sight, and a check that a
//! layout holds (no two panels overlap, each keeps its minimum size).
//!
//! ```text
//!  ┌──────────────── top bar (title, transport) ────────────────┐
//!  │ left   │ center (price chart)                    │ right    │
//!  │ column ├─────────────────────────────────────────┤ (ladder) │
//!  │        │ center bottom (depth, equity)           │          │
//!  ├────────┴─────────────────────────────────────────┴──────────┤
//!  │ bottom row (blotter, console)                               │
//!  └─────────────────────────────────────────────────────────────┘
//! ```

use egui::{Rangef, Rect};

/// Narrowest left column (data, strategy, settings, stats), points.
pub const LEFT_MIN: f32 = 190.0;
/// Narrowest right column (the ladder), points.
pub const RIGHT_MIN: f32 = 230.0;
/// Narrowest middle (price chart), points.
pub const CENTER_MIN_WIDTH: f32 = 300.0;
/// Lowest bottom row (blotter, console), points.
pub const BOTTOM_MIN: f32 = 110.0;
/// Lowest center-bottom row (depth, equity), points.
pub const CENTER_BOTTOM_MIN: f32 = 110.0;
/// Lowest price chart, points.
pub const CENTER_MIN_HEIGHT: f32 = 140.0;
/// Narrowest panel of a row (blotter, console, depth, equity), points.
pub const ROW_PANEL_MIN: f32 = 140.0;

/// Size ranges and defaults of the resizable regions for one window size.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Limits {
    /// Left column width.
    pub left: Rangef,
    /// Its default.
    pub left_default: f32,
    /// Right column width.
    pub right: Rangef,
    /// Its default.
    pub right_default: f32,
    /// Bottom row height.
    pub bottom: Rangef,
    /// Its default.
    pub bottom_default: f32,
    /// Center-bottom row height.
    pub center_bottom: Rangef,
    /// Its default.
    pub center_bottom_default: f32,
}

/// A range from `min` to `max`, with `max` never below `min`.
fn range(min: f32, max: f32) -> Rangef {
    Rangef::new(min, max.max(min))
}

impl Limits {
    /// The limits for a body (the window below the top bar) of
    /// `width` × `height` points: each region may grow only as far as
    /// leaves the others their minimum.
    pub fn for_body(width: f32, height: f32) -> Limits {
        let left_default = (width * 0.21).clamp(LEFT_MIN, 320.0);
        let right_default = (width * 0.27).clamp(RIGHT_MIN, 380.0);
        let bottom_default = (height * 0.27).clamp(BOTTOM_MIN, 260.0);
        let middle_height = height - bottom_default;
        let center_bottom_default = (middle_height * 0.36).clamp(CENTER_BOTTOM_MIN, 300.0);
        Limits {
            left: range(LEFT_MIN, (width - RIGHT_MIN - CENTER_MIN_WIDTH).min(520.0)),
            left_default,
            right: range(RIGHT_MIN, (width - LEFT_MIN - CENTER_MIN_WIDTH).min(640.0)),
            right_default,
            bottom: range(BOTTOM_MIN, height - CENTER_BOTTOM_MIN - CENTER_MIN_HEIGHT),
            bottom_default,
            center_bottom: range(CENTER_BOTTOM_MIN, height - BOTTOM_MIN - CENTER_MIN_HEIGHT),
            center_bottom_default,
        }
    }

    /// The right column's range once the left column took `left_width`.
    pub fn right_after(&self, body_width: f32, left_width: f32) -> Rangef {
        range(
            self.right.min,
            self.right
                .max
                .min(body_width - left_width - CENTER_MIN_WIDTH),
        )
    }

    /// The center-bottom row's range once the bottom row took
    /// `bottom_height`.
    pub fn center_bottom_after(&self, body_height: f32, bottom_height: f32) -> Rangef {
        range(
            self.center_bottom.min,
            self.center_bottom
                .max
                .min(body_height - bottom_height - CENTER_MIN_HEIGHT),
        )
    }
}

/// Where one panel was drawn.
#[derive(Clone, Debug, PartialEq)]
pub struct PlacedPanel {
    /// The panel's title.
    pub title: &'static str,
    /// Its rectangle in the window, points.
    pub rect: Rect,
}

/// What is wrong with a layout.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum LayoutProblem {
    /// Two panels share space.
    #[error("panels {0} and {1} overlap")]
    Overlap(&'static str, &'static str),
    /// A panel is too small to use, or outside the window.
    #[error("panel {0} is not visible ({1:.0} × {2:.0} points)")]
    Hidden(&'static str, f32, f32),
}

/// Smallest width and height of a panel that counts as visible, points.
pub const VISIBLE_MIN: f32 = 60.0;

/// Checks that no two panels overlap (more than a point, for their shared
/// borders) and each is visible inside `window`.
pub fn check_layout(panels: &[PlacedPanel], window: Rect) -> Result<(), LayoutProblem> {
    for panel in panels {
        let inside = panel.rect.intersect(window);
        if inside.width() < VISIBLE_MIN || inside.height() < VISIBLE_MIN {
            return Err(LayoutProblem::Hidden(
                panel.title,
                inside.width().max(0.0),
                inside.height().max(0.0),
            ));
        }
    }
    for (i, a) in panels.iter().enumerate() {
        for b in &panels[i + 1..] {
            let shared = a.rect.shrink(1.0).intersect(b.rect.shrink(1.0));
            if shared.is_positive() {
                return Err(LayoutProblem::Overlap(a.title, b.title));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_leave_every_region_its_minimum_at_the_smallest_window() {
        for (width, height) in [(1024.0, 640.0), (1920.0, 1020.0), (900.0, 540.0)] {
            let limits = Limits::for_body(width, height);
            let center_width = width - limits.left_default - limits.right_default;
            assert!(center_width >= CENTER_MIN_WIDTH, "{width}: {center_width}");
            let price_height = height - limits.bottom_default - limits.center_bottom_default;
            assert!(
                price_height >= CENTER_MIN_HEIGHT,
                "{height}: {price_height}"
            );
            assert!(limits.left.contains(limits.left_default));
            assert!(limits.right.contains(limits.right_default));
            assert!(limits.bottom.contains(limits.bottom_default));
            assert!(limits.center_bottom.contains(limits.center_bottom_default));
        }
    }

    #[test]
    fn a_region_at_its_largest_leaves_the_others_their_minimum() {
        let limits = Limits::for_body(1024.0, 640.0);
        assert_eq!(limits.left.max, 1024.0 - RIGHT_MIN - CENTER_MIN_WIDTH);
        let right = limits.right_after(1024.0, limits.left.max);
        assert_eq!(right.max, RIGHT_MIN);
        let center_bottom = limits.center_bottom_after(640.0, limits.bottom.max);
        assert_eq!(center_bottom.max, CENTER_BOTTOM_MIN);
        assert_eq!(
            640.0 - limits.bottom.max - center_bottom.max,
            CENTER_MIN_HEIGHT
        );
    }

    #[test]
    fn overlapping_and_hidden_panels_are_named() {
        let window = Rect::from_min_max(egui::pos2(0.0, 0.0), egui::pos2(1024.0, 700.0));
        let at = |title, x0: f32, y0: f32, x1: f32, y1: f32| PlacedPanel {
            title,
            rect: Rect::from_min_max(egui::pos2(x0, y0), egui::pos2(x1, y1)),
        };
        let side_by_side = [
            at("Blotter", 0.0, 500.0, 600.0, 700.0),
            at("Console", 600.0, 500.0, 1024.0, 700.0),
        ];
        assert_eq!(check_layout(&side_by_side, window), Ok(()));
        let pushed = [
            at("Blotter", 0.0, 500.0, 600.0, 700.0),
            at("Console", 300.0, 500.0, 1024.0, 700.0),
        ];
        assert_eq!(
            check_layout(&pushed, window),
            Err(LayoutProblem::Overlap("Blotter", "Console"))
        );
        let squeezed = [at("Blotter", 0.0, 690.0, 600.0, 700.0)];
        assert_eq!(
            check_layout(&squeezed, window),
            Err(LayoutProblem::Hidden("Blotter", 600.0, 10.0))
        );
    }
}
