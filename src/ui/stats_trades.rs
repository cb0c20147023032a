//! The round-trip rows of the Stats panel: win rate, average and largest
//! win and loss, profit factor, holding time, excursions (see
//! `sim::trades`), each compared with the previous run like the
//! others.

use super::format;
use super::stats::Figure;
use crate::sim::compute::format_ns;
use crate::sim::trades::TradeStats;

fn money(value: Option<f64>) -> String {
    value.map_or_else(|| "—".to_owned(), format::money)
}

/// A holding time: ns to seconds as `format_ns` reads them, then minutes
/// and hours.
pub fn holding_text(ns: f64) -> String {
    let secs = ns / 1e9;
    if secs >= 3_600.0 {
        format!("{:.2} h", secs / 3_600.0)
    } else if secs >= 60.0 {
        format!("{:.1} min", secs / 60.0)
    } else {
        format_ns(ns.max(0.0).round() as u64)
    }
}

/// The figures of the round trips, in the order shown.
pub fn trade_figures(t: &TradeStats) -> Vec<Figure> {
    let figure = |name, text, value, higher_is_better| Figure {
        name,
        text,
        value,
        higher_is_better,
    };
    vec![
        figure(
            "Round trips",
            format!("{} ({}W / {}L)", t.round_trips, t.wins, t.losses),
            Some(t.round_trips as f64),
            None,
        ),
        figure(
            "Win rate",
            t.win_rate
                .map_or_else(|| "—".to_owned(), |r| format!("{:.1}%", r * 100.0)),
            t.win_rate,
            Some(true),
        ),
        figure(
            "Profit factor",
            t.profit_factor.map_or_else(
                // No losing trip: infinite when there are wins.
                || {
                    if t.wins > 0 {
                        "∞".to_owned()
                    } else {
                        "—".to_owned()
                    }
                },
                |f| format!("{f:.2}"),
            ),
            t.profit_factor,
            Some(true),
        ),
        figure("Avg win", money(t.avg_win), t.avg_win, Some(true)),
        figure("Avg loss", money(t.avg_loss), t.avg_loss, Some(true)),
        figure(
            "Largest win",
            money(t.largest_win),
            t.largest_win,
            Some(true),
        ),
        figure(
            "Largest loss",
            money(t.largest_loss),
            t.largest_loss,
            Some(true),
        ),
        figure(
            "Avg holding",
            t.avg_holding_ns
                .map_or_else(|| "—".to_owned(), holding_text),
            t.avg_holding_ns,
            None,
        ),
        figure(
            "MAE avg / worst",
            format!("{} / {}", money(t.avg_mae), money(t.worst_mae)),
            t.avg_mae,
            Some(false),
        ),
        figure(
            "MFE avg / best",
            format!("{} / {}", money(t.avg_mfe), money(t.best_mfe)),
            t.avg_mfe,
            Some(true),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trade_rows_read_as_a_trader_reads_them() {
        let t = TradeStats {
            round_trips: 3,
            wins: 2,
            losses: 1,
            win_rate: Some(2.0 / 3.0),
            avg_win: Some(7.25),
            avg_loss: Some(-1.2),
            profit_factor: Some(14.5 / 1.2),
            largest_win: Some(8.0),
            largest_loss: Some(-1.2),
            avg_holding_ns: Some(90e9),
            avg_mae: Some(8.0),
            worst_mae: Some(16.0),
            avg_mfe: Some(17.0 / 3.0),
            best_mfe: Some(15.0),
        };
        let rows: Vec<(&str, String)> = trade_figures(&t)
            .into_iter()
            .map(|f| (f.name, f.text))
            .collect();
        let text = |s: &str| s.to_owned();
        assert_eq!(
            rows,
            [
                ("Round trips", text("3 (2W / 1L)")),
                ("Win rate", text("66.7%")),
                ("Profit factor", text("12.08")),
                ("Avg win", text("7.25")),
                ("Avg loss", text("-1.20")),
                ("Largest win", text("8.00")),
                ("Largest loss", text("-1.20")),
                ("Avg holding", text("1.5 min")),
                ("MAE avg / worst", text("8.00 / 16.00")),
                ("MFE avg / best", text("5.67 / 15.00")),
            ]
        );
        let winners_only = TradeStats {
            round_trips: 1,
            wins: 1,
            ..TradeStats::default()
        };
        assert_eq!(trade_figures(&winners_only)[2].text, "∞");
        assert_eq!(trade_figures(&TradeStats::default())[2].text, "—");
        assert_eq!(holding_text(2.5e9), "2.50 s");
        assert_eq!(holding_text(7_200e9), "2.00 h");
    }
}
