//! What `summary.json` says of the days and instruments of a run.

use crate::report::{RunSpan, SpanGap, WarmupSpan};
use crate::session::DayRun;

/// What `summary.json` says of the days and instruments of a run over more
/// than one day or instrument, or with a warm-up; `None` for a plain day of
/// one instrument, whose summary stays as it was.
pub(crate) fn run_span(runs: &[DayRun]) -> Option<RunSpan> {
    let first = runs.first()?;
    let mut traded: Vec<_> = runs
        .iter()
        .flat_map(|run| run.days.iter().filter(|d| !d.warmup).map(|d| d.day))
        .collect();
    traded.sort_unstable();
    traded.dedup();
    let gaps: Vec<SpanGap> = runs
        .iter()
        .flat_map(|run| {
            run.gaps.iter().map(|gap| SpanGap {
                symbol: run.instrument.symbol.clone(),
                from: gap.from.to_string(),
                to: gap.to.to_string(),
            })
        })
        .collect();
    if traded.len() <= 1 && first.warmup.is_none() && gaps.is_empty() && runs.len() == 1 {
        return None;
    }
    let mut warmup_days: Vec<_> = runs
        .iter()
        .flat_map(|run| run.days.iter().filter(|d| d.warmup).map(|d| d.day))
        .collect();
    warmup_days.sort_unstable();
    warmup_days.dedup();
    Some(RunSpan {
        symbols: if runs.len() > 1 {
            runs.iter()
                .map(|run| run.instrument.symbol.clone())
                .collect()
        } else {
            Vec::new()
        },
        days: traded.iter().map(ToString::to_string).collect(),
        gaps,
        by_day: Vec::new(),
        ratios: None,
        warmup: first.warmup.map(|warmup| WarmupSpan {
            days: warmup_days.iter().map(ToString::to_string).collect(),
            from_ns: warmup.from_ns,
            trading_from_ns: warmup.trading_from_ns,
        }),
        by_symbol: Vec::new(),
    })
}
