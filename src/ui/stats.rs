//! Stats: the live summary of the run, as the headless run prints it at
//! the end.

use egui::RichText;

use super::format;
use super::view::View;
use super::{Action, Panel, Slot};
use crate::sim::compute::{format_ns, ComputeTimes};

/// The statistics panel.
#[derive(Debug, Default)]
pub struct StatsPanel;

fn row_ui(ui: &mut egui::Ui, name: &str, value: String) {
    ui.label(name);
    ui.label(RichText::new(value).monospace());
    ui.end_row();
}

/// The strategy's callback wall times: p50 / p99 / max of each kind.
fn compute_time_ui(ui: &mut egui::Ui, times: Option<&ComputeTimes>) {
    let Some(times) = times.filter(|t| !t.callbacks.is_empty()) else {
        return;
    };
    ui.label(RichText::new("Compute time (p50 / p99 / max)").weak());
    ui.end_row();
    for c in &times.callbacks {
        row_ui(
            ui,
            &c.callback,
            format!(
                "{} / {} / {}",
                format_ns(c.p50_ns),
                format_ns(c.p99_ns),
                format_ns(c.max_ns)
            ),
        );
    }
}

fn optional(value: Option<f64>, decimals: usize) -> String {
    value.map_or_else(|| "—".to_owned(), |v| format!("{v:.decimals$}"))
}

impl Panel for StatsPanel {
    fn title(&self) -> &'static str {
        "Stats"
    }

    fn slot(&self) -> Slot {
        Slot::Left
    }

    fn ui(&mut self, ui: &mut egui::Ui, view: &View, _actions: &mut Vec<Action>) {
        let currency = view
            .run
            .as_ref()
            .map_or(String::new(), |r| r.instrument.currency.clone());
        egui::Grid::new("stats_live")
            .num_columns(2)
            .striped(true)
            .show(ui, |ui| {
                if let (Some(frame), Some(run)) = (&view.frame, &view.run) {
                    let account = &frame.account;
                    row_ui(
                        ui,
                        "Position",
                        format!(
                            "{} lots ({})",
                            account.position_lots,
                            format::qty_from_lots(&run.instrument, account.position_lots)
                        ),
                    );
                    row_ui(
                        ui,
                        "PnL",
                        format!(
                            "{} {currency}",
                            format::money(account.equity - run.initial_cash)
                        ),
                    );
                    row_ui(ui, "Open orders", frame.orders.len().to_string());
                    row_ui(ui, "Events seen", format::count(frame.events_seen));
                }
                let Some(stats) = &view.stats else {
                    return;
                };
                ui.label(RichText::new("At the exchange").weak());
                ui.end_row();
                row_ui(
                    ui,
                    "Equity",
                    match stats.return_pct {
                        Some(pct) => format!("{} ({pct:+.4}%)", format::money(stats.final_equity)),
                        None => format::money(stats.final_equity),
                    },
                );
                row_ui(ui, "Realized", format::money(stats.realized_pnl));
                row_ui(ui, "Unrealized", format::money(stats.unrealized_pnl));
                row_ui(ui, "Fees", format::money(stats.fees));
                row_ui(ui, "Sharpe", optional(stats.sharpe, 2));
                row_ui(ui, "Sortino", optional(stats.sortino, 2));
                row_ui(
                    ui,
                    "Max drawdown",
                    match stats.max_drawdown_pct {
                        Some(pct) => format!("{} ({pct:.3}%)", format::money(stats.max_drawdown)),
                        None => format::money(stats.max_drawdown),
                    },
                );
                row_ui(
                    ui,
                    "Fills",
                    format!(
                        "{} (maker {}, taker {})",
                        stats.fills, stats.maker_fills, stats.taker_fills
                    ),
                );
                row_ui(
                    ui,
                    "Orders",
                    format!("{} ({} rejected)", stats.orders, stats.orders_rejected),
                );
                row_ui(ui, "Fill ratio", format!("{:.3}", stats.fill_ratio));
                row_ui(
                    ui,
                    "Time in queue",
                    stats
                        .mean_time_in_queue_ms
                        .map_or_else(|| "—".to_owned(), |ms| format!("{ms:.1} ms")),
                );
                row_ui(ui, "Turnover", format::money(stats.turnover));
                row_ui(
                    ui,
                    "Max inventory",
                    format!("{} lots", stats.max_inventory_lots),
                );
                compute_time_ui(ui, stats.compute_time.as_ref());
            });
    }
}
