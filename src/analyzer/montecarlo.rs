//! Monte Carlo on a finished run: its round trips (the run's
//! `trades.parquet`, see `sim::trades` and `report::trades`; every instrument's, in the
//! account's currency) resampled with replacement (a bootstrap), each
//! resample a new order of as many trips, optionally each trip charged
//! extra slippage; percentile bands of the equity path (by trip number) and
//! of the maximum drawdown and final PnL over the resamples.
//!
//! Percentiles interpolate linearly between the two nearest ranks of the
//! sorted values (position `p / 100 × (n − 1)`, as numpy's default), and
//! the draws come from a ChaCha8 generator seeded by `--seed`.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::report::trades::TripRow;

/// The percentiles reported.
pub const PERCENTILES: [f64; 5] = [5.0, 25.0, 50.0, 75.0, 95.0];

/// What a Monte Carlo of a run gives.
#[derive(Debug, Clone, PartialEq)]
pub struct MonteCarlo {
    /// Round trips of the run, each resample's length.
    pub trips: usize,
    /// Resamples drawn.
    pub samples: usize,
    /// For trip number 0 (the start) to `trips`, the [`PERCENTILES`] of
    /// equity after that many trips, currency units.
    pub equity_bands: Vec<[f64; 5]>,
    /// The [`PERCENTILES`] of the maximum drawdown, currency units.
    pub max_drawdown: [f64; 5],
    /// The [`PERCENTILES`] of the maximum drawdown as a percent of its peak.
    pub max_drawdown_pct: [f64; 5],
    /// The [`PERCENTILES`] of the final PnL, currency units.
    pub final_pnl: [f64; 5],
}

/// The value at percentile `p` (0 to 100) of `sorted` (ascending, not
/// empty), interpolated between the nearest ranks.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    let Some(&last) = sorted.last() else {
        return f64::NAN;
    };
    let position = p / 100.0 * (sorted.len() - 1) as f64;
    let below = position.floor() as usize;
    let above = (below + 1).min(sorted.len() - 1);
    let weight = position - below as f64;
    if below >= sorted.len() {
        return last;
    }
    sorted[below] + (sorted[above] - sorted[below]) * weight
}

/// The final PnL, maximum drawdown and that drawdown as a percent of its
/// peak of an equity path that starts at `initial_cash` and moves by
/// `pnls` in turn.
pub fn path_stats(initial_cash: f64, pnls: &[f64]) -> (f64, f64, f64) {
    let (mut equity, mut peak, mut max_dd, mut max_dd_pct) =
        (initial_cash, initial_cash, 0.0f64, 0.0f64);
    for pnl in pnls {
        equity += pnl;
        peak = peak.max(equity);
        let dd = peak - equity;
        if dd > max_dd {
            max_dd = dd;
            max_dd_pct = if peak > 0.0 {
                dd / peak * 100.0
            } else {
                f64::NAN
            };
        }
    }
    (equity - initial_cash, max_dd, max_dd_pct)
}

/// The PnL of each of `trips` less extra slippage: `slippage_per_lot` of
/// its instrument (by symbol, `None` in a run over one) on every lot it
/// traded, entries and exits.
pub fn net_of_slippage(
    trips: &[TripRow],
    slippage_per_lot: impl Fn(Option<&str>) -> f64,
) -> Vec<f64> {
    trips
        .iter()
        .map(|t| t.pnl - slippage_per_lot(t.symbol.as_deref()) * (2 * t.qty_lots) as f64)
        .collect()
}

/// Resamples the trips whose PnLs are `costs` `samples` times with `seed`.
pub fn simulate(costs: &[f64], initial_cash: f64, samples: usize, seed: u64) -> MonteCarlo {
    let n = costs.len();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    // paths[k]: equity after k trips, one value per resample.
    let mut paths = vec![Vec::with_capacity(samples); n + 1];
    let (mut finals, mut dds, mut dd_pcts) = (
        Vec::with_capacity(samples),
        Vec::with_capacity(samples),
        Vec::with_capacity(samples),
    );
    let mut pnls = vec![0.0; n];
    for _ in 0..samples {
        let mut equity = initial_cash;
        paths[0].push(equity);
        for (pnl, column) in pnls.iter_mut().zip(paths.iter_mut().skip(1)) {
            *pnl = costs[rng.random_range(0..n)];
            equity += *pnl;
            column.push(equity);
        }
        let (final_pnl, dd, dd_pct) = path_stats(initial_cash, &pnls);
        finals.push(final_pnl);
        dds.push(dd);
        dd_pcts.push(dd_pct);
    }
    let bands = |values: &mut Vec<f64>| -> [f64; 5] {
        values.sort_by(f64::total_cmp);
        PERCENTILES.map(|p| percentile(values, p))
    };
    let equity_bands = paths.iter_mut().map(bands).collect();
    MonteCarlo {
        trips: n,
        samples,
        equity_bands,
        max_drawdown: bands(&mut dds),
        max_drawdown_pct: bands(&mut dd_pcts),
        final_pnl: bands(&mut finals),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trip(symbol: Option<&str>, pnl: f64, qty_lots: i64) -> TripRow {
        TripRow {
            symbol: symbol.map(str::to_owned),
            pnl,
            qty_lots,
        }
    }

    #[test]
    fn percentiles_interpolate_between_ranks() {
        let v = [1.0, 2.0, 4.0, 8.0, 16.0];
        assert_eq!(percentile(&v, 0.0), 1.0);
        assert_eq!(percentile(&v, 50.0), 4.0);
        assert_eq!(percentile(&v, 100.0), 16.0);
        // 0.05 * 4 = 0.2: 1 + 0.2 * (2 - 1).
        assert!((percentile(&v, 5.0) - 1.2).abs() < 1e-12);
        // 0.95 * 4 = 3.8: 8 + 0.8 * 8.
        assert!((percentile(&v, 95.0) - 14.4).abs() < 1e-12);
        assert_eq!(percentile(&[3.0], 95.0), 3.0);
    }

    #[test]
    fn a_path_gives_its_drawdown_from_the_running_peak() {
        // 100 → 110 → 104 → 107 → 95 → 120: peak 110, lowest after it 95.
        let (final_pnl, dd, dd_pct) = path_stats(100.0, &[10.0, -6.0, 3.0, -12.0, 25.0]);
        assert_eq!(final_pnl, 20.0);
        assert_eq!(dd, 15.0);
        assert!((dd_pct - 15.0 / 110.0 * 100.0).abs() < 1e-12);
    }

    #[test]
    fn resamples_of_equal_trips_agree_and_slippage_is_charged_per_lot() {
        // Each trip of 1 lot in and out nets 5 - 0.5 * 2 = 4.
        let costs = net_of_slippage(&[trip(None, 5.0, 1), trip(None, 5.0, 1)], |_| 0.5);
        assert_eq!(costs, [4.0, 4.0]);
        let mc = simulate(&costs, 1000.0, 50, 3);
        assert_eq!(mc.final_pnl, [8.0; 5]);
        assert_eq!(mc.equity_bands, vec![[1000.0; 5], [1004.0; 5], [1008.0; 5]]);
        assert_eq!(mc.max_drawdown, [0.0; 5]);
    }

    #[test]
    fn a_win_and_a_loss_resample_to_the_four_orders() {
        // Two trips, +10 and -10: resamples (+,+) (+,-) (-,+) (-,-) give
        // final PnL 20, 0, 0, -20 and drawdowns 0, 10, 10, 20.
        let mc = simulate(&[10.0, -10.0], 100.0, 4000, 11);
        assert_eq!(mc.final_pnl[0], -20.0);
        assert_eq!(mc.final_pnl[2], 0.0);
        assert_eq!(mc.final_pnl[4], 20.0);
        assert_eq!(mc.max_drawdown[0], 0.0);
        assert_eq!(mc.max_drawdown[2], 10.0);
        assert_eq!(mc.max_drawdown[4], 20.0);
        assert_eq!(mc, simulate(&[10.0, -10.0], 100.0, 4000, 11));
    }

    #[test]
    fn slippage_is_charged_at_each_instruments_rate() {
        let trips = [trip(Some("A"), 10.0, 2), trip(Some("B"), 10.0, 1)];
        let costs = net_of_slippage(&trips, |s| if s == Some("A") { 1.0 } else { 3.0 });
        // A: 10 - 1 * 4 lots; B: 10 - 3 * 2 lots.
        assert_eq!(costs, [6.0, 4.0]);
    }
}
