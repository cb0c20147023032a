//! The window: one file per panel behind one [`Panel`] trait, laid out by
//! [`app::TicklabApp`].
//!
//! Panels read a [`View`] of the session (built from its updates) and push
//! [`Action`]s; the app applies the actions in one place, after drawing.
//! Nothing here touches the engine.

pub mod action;
pub mod analyzer;
pub mod app;
pub mod blotter;
pub mod bubbles;
pub mod complete;
pub mod console;
mod cumulative;
pub mod data_browser;
pub mod depth;
pub mod dialog;
pub mod equity;
pub mod format;
pub mod heat;
pub mod heat_readout;
pub mod ladder;
pub mod layout;
pub mod locate;
pub mod overlay;
pub mod persist;
pub mod price;
pub mod profile;
pub mod run_span;
pub mod selection;
pub mod series;
pub mod settings;
pub mod stats;
pub mod stats_trades;
pub mod strategy;
pub mod sweep_fan;
pub mod sweep_heatmap;
pub mod sweep_table;
pub mod theme;
pub mod transport;
pub mod view;
pub mod watch;

pub use action::Action;
pub use app::{AppOptions, TicklabApp};
pub use persist::Persisted;
pub use view::View;

/// Where a panel sits in the window.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Slot {
    /// The bar along the top (transport).
    Top,
    /// The left column, stacked (data, strategy, stats).
    Left,
    /// The right column (DOM ladder).
    Right,
    /// The middle, largest area (price chart).
    Center,
    /// Below the middle area (depth, equity).
    CenterBottom,
    /// The bottom row, side by side (blotter, console).
    Bottom,
}

/// One panel of the window.
pub trait Panel {
    /// The panel's title, also its stable name in the layout.
    fn title(&self) -> &'static str;

    /// Where the panel sits.
    fn slot(&self) -> Slot;

    /// Draws the panel from `view`; what the user asks for goes into
    /// `actions`.
    fn ui(&mut self, ui: &mut egui::Ui, view: &View, actions: &mut Vec<Action>);

    /// Takes what it remembers from the saved state.
    fn restore(&mut self, saved: &Persisted) {
        let _ = saved;
    }

    /// Writes what it remembers into the state to save.
    fn remember(&self, saved: &mut Persisted) {
        let _ = saved;
    }
}

/// Every panel of the window, in layout order.
pub fn all_panels() -> Vec<Box<dyn Panel>> {
    vec![
        Box::new(transport::TransportPanel::default()),
        Box::new(data_browser::DataBrowserPanel::default()),
        Box::new(strategy::StrategyPanel::default()),
        Box::new(settings::SettingsPanel::default()),
        Box::new(stats::StatsPanel),
        Box::new(ladder::LadderPanel::default()),
        Box::new(price::PricePanel::default()),
        Box::new(depth::DepthPanel::default()),
        Box::new(equity::EquityPanel),
        Box::new(blotter::BlotterPanel::default()),
        Box::new(console::ConsolePanel::default()),
    ]
}
