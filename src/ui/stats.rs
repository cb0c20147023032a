//! Stats: the live summary of the run, as the headless run prints it at
//! the end.

use egui::RichText;

use super::format;
use super::stats_trades::trade_figures;
use super::theme;
use super::view::View;
use super::{Action, Panel, Slot};
use crate::sim::compute::{format_ns, ComputeTimes};
use crate::sim::stats::Stats;

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
    ui.label(RichText::new("Compute time per callback").weak());
    egui::Grid::new("stats_compute")
        .num_columns(4)
        .striped(true)
        .show(ui, |ui| {
            for title in ["callback", "p50", "p99", "max"] {
                ui.label(RichText::new(title).small().weak());
            }
            ui.end_row();
            for c in &times.callbacks {
                ui.label(RichText::new(&c.callback).small());
                for ns in [c.p50_ns, c.p99_ns, c.max_ns] {
                    ui.label(RichText::new(format_ns(ns)).small().monospace());
                }
                ui.end_row();
            }
        });
}

fn optional(value: Option<f64>, decimals: usize) -> String {
    value.map_or_else(|| "—".to_owned(), |v| format!("{v:.decimals$}"))
}

/// One figure of the statistics: its name, how it reads, its value to
/// compare, and whether more is better.
pub struct Figure {
    /// Name shown.
    pub name: &'static str,
    /// The value as shown.
    pub text: String,
    /// The number compared with the previous run.
    pub value: Option<f64>,
    /// True when a larger value is better (PnL), false when smaller is
    /// (drawdown), `None` when neither (fills, turnover).
    pub higher_is_better: Option<bool>,
}

/// The figures of `stats`, in the order shown: the run's, then its round
/// trips' (see [`trade_figures`]).
pub fn figures(stats: &Stats) -> Vec<Figure> {
    let mut all = run_figures(stats);
    all.extend(trade_figures(&stats.trades));
    all
}

/// The figures of the run as a whole.
fn run_figures(stats: &Stats) -> Vec<Figure> {
    let figure = |name, text, value, higher_is_better| Figure {
        name,
        text,
        value,
        higher_is_better,
    };
    vec![
        figure(
            "PnL",
            match stats.return_pct {
                Some(pct) => format!("{} ({pct:+.4}%)", format::money(stats.pnl)),
                None => format::money(stats.pnl),
            },
            Some(stats.pnl),
            Some(true),
        ),
        figure(
            "Realized",
            format::money(stats.realized_pnl),
            Some(stats.realized_pnl),
            Some(true),
        ),
        figure(
            "Unrealized",
            format::money(stats.unrealized_pnl),
            Some(stats.unrealized_pnl),
            None,
        ),
        figure(
            "Fees",
            format::money(stats.fees),
            Some(stats.fees),
            Some(false),
        ),
        figure(
            "Sharpe*",
            optional(stats.sharpe, 2),
            stats.sharpe,
            Some(true),
        ),
        figure(
            "Sortino*",
            optional(stats.sortino, 2),
            stats.sortino,
            Some(true),
        ),
        figure(
            "Max drawdown",
            match stats.max_drawdown_pct {
                Some(pct) => format!("{} ({pct:.3}%)", format::money(stats.max_drawdown)),
                None => format::money(stats.max_drawdown),
            },
            Some(stats.max_drawdown),
            Some(false),
        ),
        figure(
            "Fills",
            format!(
                "{} ({}m / {}t)",
                stats.fills, stats.maker_fills, stats.taker_fills
            ),
            Some(stats.fills as f64),
            None,
        ),
        figure(
            "Orders",
            format!("{} ({} rej.)", stats.orders, stats.orders_rejected),
            Some(stats.orders as f64),
            None,
        ),
        figure(
            "Fill ratio",
            format!("{:.3}", stats.fill_ratio),
            Some(stats.fill_ratio),
            Some(true),
        ),
        figure(
            "Time in queue",
            stats
                .mean_time_in_queue_ms
                .map_or_else(|| "—".to_owned(), |ms| format!("{ms:.1} ms")),
            stats.mean_time_in_queue_ms,
            None,
        ),
        figure(
            "Turnover",
            format::money(stats.turnover),
            Some(stats.turnover),
            None,
        ),
        figure(
            "Max inventory",
            format!("{} lots", stats.max_inventory_lots),
            Some(stats.max_inventory_lots as f64),
            None,
        ),
    ]
}

/// The change from `before` to `now`, signed, with the colour of better or
/// worse when the figure has a direction.
pub fn delta_text(now: f64, before: f64, higher_is_better: Option<bool>) -> (String, Option<bool>) {
    let change = now - before;
    let text = if change == 0.0 {
        "=".to_owned()
    } else if change.abs() >= 100.0 || change.fract() == 0.0 {
        format!("{change:+.0}")
    } else {
        format!("{change:+.3}")
    };
    let better = (change != 0.0)
        .then_some(higher_is_better)
        .flatten()
        .map(|higher| (change > 0.0) == higher);
    (text, better)
}

/// What the Sharpe and Sortino figures are made of, in words.
pub fn ratio_basis(equity_step_ns: i64, span_ns: (i64, i64)) -> String {
    let step = format_ns(u64::try_from(equity_step_ns).unwrap_or(0));
    let days = (span_ns.1 - span_ns.0) as f64 / 86_400e9;
    if days > 1.0 {
        format!("* from {step} equity steps over {days:.1} days, annualised")
    } else {
        format!(
            "* from {step} equity steps within one day, annualised: a market maker's runs \
             into the thousands; compare runs with each other, not with daily figures"
        )
    }
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
            });
        let Some(stats) = &view.stats else {
            return;
        };
        let previous = view
            .previous
            .as_ref()
            .and_then(|p| Some((p, p.stats.as_ref()?)));
        ui.label(RichText::new("At the exchange").weak());
        if let Some((run, _)) = previous {
            ui.label(
                RichText::new(format!("Δ: against the run {}", run.label))
                    .small()
                    .weak(),
            );
        }
        let before = previous.map(|(_, stats)| figures(stats));
        egui::Grid::new("stats_exchange")
            .num_columns(if before.is_some() { 3 } else { 2 })
            .striped(true)
            .show(ui, |ui| {
                for (i, figure) in figures(stats).into_iter().enumerate() {
                    ui.label(figure.name);
                    ui.label(RichText::new(figure.text).monospace());
                    if let Some(before) = &before {
                        match (figure.value, before.get(i).and_then(|b| b.value)) {
                            (Some(now), Some(then)) => {
                                let (text, better) = delta_text(now, then, figure.higher_is_better);
                                let color = match better {
                                    Some(true) => theme::BETTER,
                                    Some(false) => theme::WORSE,
                                    None => ui.visuals().weak_text_color(),
                                };
                                ui.label(RichText::new(text).monospace().color(color));
                            }
                            _ => {
                                ui.label("");
                            }
                        }
                    }
                    ui.end_row();
                }
            });
        ui.label(
            RichText::new(ratio_basis(
                view.settings.config.equity_step_ns,
                stats.span_ns,
            ))
            .small()
            .weak(),
        );
        compute_time_ui(ui, stats.compute_time.as_ref());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deltas_read_as_better_or_worse_by_the_figure() {
        assert_eq!(
            delta_text(12.5, 10.0, Some(true)),
            ("+2.500".to_owned(), Some(true))
        );
        assert_eq!(
            delta_text(-3.0, 1.0, Some(true)),
            ("-4".to_owned(), Some(false))
        );
        assert_eq!(
            delta_text(40.0, 50.0, Some(false)),
            ("-10".to_owned(), Some(true))
        );
        assert_eq!(delta_text(7.0, 5.0, None), ("+2".to_owned(), None));
        assert_eq!(delta_text(5.0, 5.0, Some(true)), ("=".to_owned(), None));
    }

    #[test]
    fn the_ratio_basis_says_one_day_or_days() {
        let day = 86_400_000_000_000;
        assert!(ratio_basis(1_000_000_000, (0, day / 2))
            .starts_with("* from 1.00 s equity steps within one day"));
        assert!(ratio_basis(1_000_000_000, (0, 3 * day))
            .starts_with("* from 1.00 s equity steps over 3.0 days"));
    }
}
