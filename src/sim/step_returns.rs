//! Annualised Sharpe and Sortino of the returns between a run's equity
//! samples, kept as running moments so a run's memory does not grow with
//! its length.

/// Seconds in a year, to annualise the step returns.
pub(crate) const SECONDS_PER_YEAR: f64 = 365.25 * 24.0 * 3600.0;

/// The returns between consecutive equity samples, as running moments:
/// their count, mean and sum of squared deviations (Welford's update) and
/// sum of squared losses, with the first and last sample times.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct StepReturns {
    first_ts_ns: i64,
    last_ts_ns: i64,
    last_equity: Option<f64>,
    count: u64,
    mean: f64,
    squared_deviations: f64,
    squared_losses: f64,
}

impl StepReturns {
    /// Takes in the sample of equity `equity` at `ts_ns`; the return since
    /// the one before is a fraction of `initial_cash`.
    pub(crate) fn add(&mut self, ts_ns: i64, equity: f64, initial_cash: f64) {
        let Some(previous) = self.last_equity.replace(equity) else {
            self.first_ts_ns = ts_ns;
            self.last_ts_ns = ts_ns;
            return;
        };
        self.last_ts_ns = ts_ns;
        if initial_cash <= 0.0 {
            return;
        }
        let r = (equity - previous) / initial_cash;
        self.count += 1;
        let delta = r - self.mean;
        self.mean += delta / self.count as f64;
        self.squared_deviations += delta * (r - self.mean);
        self.squared_losses += r.min(0.0).powi(2);
    }

    /// Annualised Sharpe and Sortino of the returns taken in (at least two
    /// returns over a positive span).
    pub(crate) fn ratios(&self, initial_cash: f64) -> (Option<f64>, Option<f64>) {
        if self.count < 2 || initial_cash <= 0.0 {
            return (None, None);
        }
        let span_ns = (self.last_ts_ns - self.first_ts_ns) as f64;
        if span_ns <= 0.0 {
            return (None, None);
        }
        let n = self.count as f64;
        let step_secs = span_ns / 1e9 / n;
        let annualise = (SECONDS_PER_YEAR / step_secs).sqrt();
        let variance = self.squared_deviations / (n - 1.0);
        let downside = (self.squared_losses / n).sqrt();
        let sharpe = (variance > 0.0).then(|| self.mean / variance.sqrt() * annualise);
        let sortino = (downside > 0.0).then(|| self.mean / downside * annualise);
        (sharpe, sortino)
    }
}
