//! One row per run of a sweep: its parameters, every summary statistic,
//! how it ended; read from the run's folder once it is done.

use std::path::Path;

use super::plan::RunPlan;

/// The summary statistics a results row holds, in column order: those of
/// `summary.json`'s `stats` (see `sim::stats`), the round trips' (its
/// `stats.trades`, see `sim::trades`) last.
pub const STATS: &[&str] = &[
    "pnl",
    "return_pct",
    "final_equity",
    "realized_pnl",
    "unrealized_pnl",
    "fees",
    "funding_paid",
    "sharpe",
    "sortino",
    "max_drawdown",
    "max_drawdown_pct",
    "orders",
    "orders_filled",
    "orders_rejected",
    "fills",
    "maker_fills",
    "taker_fills",
    "fill_ratio",
    "mean_time_in_queue_ms",
    "traded_lots",
    "turnover",
    "max_inventory_lots",
    "final_position_lots",
    "liquidations",
    "crossed_batches",
    "data_events",
    "round_trips",
    "wins",
    "losses",
    "win_rate",
    "avg_win",
    "avg_loss",
    "profit_factor",
    "largest_win",
    "largest_loss",
    "avg_holding_ns",
    "avg_mae",
    "worst_mae",
    "avg_mfe",
    "best_mfe",
];

/// The days a run's summary says it ran: `YYYY-MM-DD`, or
/// `first..last` for a run over several.
pub(crate) fn days_of_summary(summary: &serde_json::Value) -> Option<String> {
    let days = summary
        .get("days")
        .and_then(serde_json::Value::as_array)
        .map(|days| {
            days.iter()
                .filter_map(serde_json::Value::as_str)
                .collect::<Vec<_>>()
        });
    match days.as_deref() {
        Some([first, .., last]) => Some(format!("{first}..{last}")),
        _ => summary
            .get("day")
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned),
    }
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowStatus {
    /// It went to the end of its data.
    Ok,
    /// It stopped at an error (the row's `error`), or its worker died.
    Failed,
}

impl RowStatus {
    /// `ok` or `failed`.
    pub fn as_str(self) -> &'static str {
        match self {
            RowStatus::Ok => "ok",
            RowStatus::Failed => "failed",
        }
    }
}

/// The outcome of one run.
#[derive(Debug, Clone, PartialEq)]
pub struct ResultRow {
    /// The run's id, its folder's name under `runs/`.
    pub run_id: String,
    /// The parameters: each key of the space and its value.
    pub point: Vec<(String, toml::Value)>,
    /// The days it ran over: `YYYY-MM-DD`, or the `--day` it was given
    /// (`2026-03-02..2026-03-04`); empty when not known.
    pub day: String,
    /// The genetic search's generation that first ran it (0 otherwise).
    pub generation: u32,
    /// How it ended.
    pub status: RowStatus,
    /// Why it failed.
    pub error: Option<String>,
    /// Each of [`STATS`], `None` when missing (a failed run, a ratio of
    /// nothing).
    pub stats: Vec<Option<f64>>,
    /// Hash of everything the run depends on: strategy, data, day, full
    /// configuration.
    pub config_hash: String,
}

impl ResultRow {
    /// The value of statistic `name`.
    pub fn stat(&self, name: &str) -> Option<f64> {
        let i = STATS.iter().position(|s| *s == name)?;
        self.stats.get(i).copied().flatten()
    }

    /// The row of `plan` run into `folder`, from its `summary.json`.
    /// `failure` is the error of a run that did not finish (its worker's
    /// report); a run whose summary says `failed` is failed too.
    pub fn collect(plan: &RunPlan, folder: &Path, failure: Option<String>) -> ResultRow {
        let mut row = ResultRow {
            run_id: plan.run_id.clone(),
            point: plan.point.clone(),
            day: plan.day.clone().unwrap_or_default(),
            generation: plan.generation,
            status: RowStatus::Failed,
            error: failure.clone(),
            stats: vec![None; STATS.len()],
            config_hash: plan.config_hash.clone(),
        };
        let summary_path = folder.join("summary.json");
        let summary: Result<serde_json::Value, String> = std::fs::read_to_string(&summary_path)
            .map_err(|err| format!("{}: cannot read: {err}", summary_path.display()))
            .and_then(|text| {
                serde_json::from_str(&text)
                    .map_err(|err| format!("{}: {err}", summary_path.display()))
            });
        let summary = match summary {
            Ok(summary) => summary,
            Err(err) => {
                row.error.get_or_insert(err);
                return row;
            }
        };
        if row.day.is_empty() {
            row.day = days_of_summary(&summary).unwrap_or_default();
        }
        let ok = summary.get("status").and_then(serde_json::Value::as_str) == Some("ok");
        if !ok || failure.is_some() {
            if row.error.is_none() {
                let message = summary
                    .pointer("/error/message")
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or("the run failed");
                row.error = Some(message.to_owned());
            }
            return row;
        }
        let stats = summary.get("stats");
        let trades = stats.and_then(|s| s.get("trades"));
        for (slot, name) in row.stats.iter_mut().zip(STATS) {
            *slot = stats
                .and_then(|s| s.get(*name))
                .or_else(|| trades.and_then(|t| t.get(*name)))
                .and_then(serde_json::Value::as_f64);
        }
        row.status = RowStatus::Ok;
        row
    }
}

#[cfg(test)]
mod tests {
    /// A statistic read back from `summary.json` is the one written, to the
    /// last bit (serde_json's `float_roundtrip`): the results table shows
    /// what the run's own summary says.
    #[test]
    fn statistics_read_back_from_json_are_bit_exact() {
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut misses = 0;
        for _ in 0..20_000 {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let value = f64::from_bits(state >> 2) % 1.0e6;
            if !value.is_finite() {
                continue;
            }
            let text = serde_json::to_string(&serde_json::json!({ "pnl": value })).unwrap();
            let back: serde_json::Value = serde_json::from_str(&text).unwrap();
            if back["pnl"].as_f64() != Some(value) {
                misses += 1;
            }
        }
        assert_eq!(misses, 0);
    }
}
