//! The figures of a run's round trips, summed as the trips close so that
//! the tallies of several instruments add up to the account's.

use serde::{Deserialize, Serialize};

use crate::sim::trades::RoundTrip;

/// Trade-level statistics of closed round trips, money in currency units
/// (see `sim::trades` for the definitions and which currency). Each figure of
/// nothing (an average without trips, a largest loss without a losing
/// trip, a profit factor without losses) is `None`, `null` in JSON.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TradeStats {
    /// Closed round trips.
    pub round_trips: u64,
    /// Trips with PnL above zero.
    pub wins: u64,
    /// Trips with PnL below zero.
    pub losses: u64,
    /// Wins over round trips, 0 to 1.
    pub win_rate: Option<f64>,
    /// Mean PnL of the winning trips, currency units.
    pub avg_win: Option<f64>,
    /// Mean PnL of the losing trips, currency units (below zero).
    pub avg_loss: Option<f64>,
    /// Gross profit of the winning trips over the gross loss of the losing
    /// ones; `None` without a losing trip (infinite) or without trips.
    pub profit_factor: Option<f64>,
    /// PnL of the best winning trip, currency units.
    pub largest_win: Option<f64>,
    /// PnL of the worst losing trip, currency units (below zero).
    pub largest_loss: Option<f64>,
    /// Mean time from a trip's first fill to its closing fill, ns.
    pub avg_holding_ns: Option<f64>,
    /// Mean maximum adverse excursion, currency units.
    pub avg_mae: Option<f64>,
    /// Largest maximum adverse excursion of any trip, currency units.
    pub worst_mae: Option<f64>,
    /// Mean maximum favourable excursion, currency units.
    pub avg_mfe: Option<f64>,
    /// Largest maximum favourable excursion of any trip, currency units.
    pub best_mfe: Option<f64>,
}

impl TradeStats {
    /// One line for the console: `round trips 220 (171 won, 49 lost): win
    /// rate 77.7%, profit factor 3.98, avg win 0.12, avg loss -0.11`.
    pub fn line(&self) -> String {
        let figure = |x: Option<f64>, f: fn(f64) -> String| x.map_or_else(|| "n/a".to_owned(), f);
        format!(
            "round trips {} ({} won, {} lost): win rate {}, profit factor {}, avg win {}, avg loss {}",
            self.round_trips,
            self.wins,
            self.losses,
            figure(self.win_rate, |r| format!("{:.1}%", r * 100.0)),
            match self.profit_factor {
                Some(f) => format!("{f:.2}"),
                // No losing trip: infinite when some won.
                None if self.wins > 0 => "inf".to_owned(),
                None => "n/a".to_owned(),
            },
            figure(self.avg_win, |x| format!("{x:.2}")),
            figure(self.avg_loss, |x| format!("{x:.2}")),
        )
    }
}

/// Running sums of closed round trips, from which [`TradeStats`] follow;
/// tallies of several instruments add up with [`TradeTally::merge`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TradeTally {
    trips: u64,
    wins: u64,
    losses: u64,
    gross_profit: f64,
    /// Sum of the losing trips' PnL (below zero).
    gross_loss: f64,
    largest_win: Option<f64>,
    largest_loss: Option<f64>,
    holding_ns: i128,
    mae: f64,
    worst_mae: f64,
    mfe: f64,
    best_mfe: f64,
}

impl TradeTally {
    /// Adds a closed trip.
    pub fn add(&mut self, trip: &RoundTrip) {
        self.trips += 1;
        if trip.pnl > 0.0 {
            self.wins += 1;
            self.gross_profit += trip.pnl;
            self.largest_win = Some(self.largest_win.map_or(trip.pnl, |x| x.max(trip.pnl)));
        } else if trip.pnl < 0.0 {
            self.losses += 1;
            self.gross_loss += trip.pnl;
            self.largest_loss = Some(self.largest_loss.map_or(trip.pnl, |x| x.min(trip.pnl)));
        }
        self.holding_ns += i128::from(trip.holding_ns());
        self.mae += trip.mae;
        self.worst_mae = self.worst_mae.max(trip.mae);
        self.mfe += trip.mfe;
        self.best_mfe = self.best_mfe.max(trip.mfe);
    }

    /// Adds the trips of `other`, their money converted at `rate` (account
    /// currency per unit of `other`'s, above zero).
    pub fn merge(&mut self, other: &TradeTally, rate: f64) {
        let larger = |a: Option<f64>, b: Option<f64>, pick: fn(f64, f64) -> f64| match (a, b) {
            (Some(a), Some(b)) => Some(pick(a, b)),
            (a, b) => a.or(b),
        };
        self.trips += other.trips;
        self.wins += other.wins;
        self.losses += other.losses;
        self.gross_profit += other.gross_profit * rate;
        self.gross_loss += other.gross_loss * rate;
        self.largest_win = larger(
            self.largest_win,
            other.largest_win.map(|x| x * rate),
            f64::max,
        );
        self.largest_loss = larger(
            self.largest_loss,
            other.largest_loss.map(|x| x * rate),
            f64::min,
        );
        self.holding_ns += other.holding_ns;
        self.mae += other.mae * rate;
        self.worst_mae = self.worst_mae.max(other.worst_mae * rate);
        self.mfe += other.mfe * rate;
        self.best_mfe = self.best_mfe.max(other.best_mfe * rate);
    }

    /// The tally with its money converted at `rate`.
    pub fn converted(&self, rate: f64) -> TradeTally {
        let mut tally = TradeTally::default();
        tally.merge(self, rate);
        tally
    }

    /// The statistics of the trips added.
    pub fn stats(&self) -> TradeStats {
        let count = self.trips;
        let per = |sum: f64, n: u64| (n > 0).then(|| sum / n as f64);
        let any = count > 0;
        TradeStats {
            round_trips: count,
            wins: self.wins,
            losses: self.losses,
            win_rate: per(self.wins as f64, count),
            avg_win: per(self.gross_profit, self.wins),
            avg_loss: per(self.gross_loss, self.losses),
            profit_factor: (self.losses > 0 && self.gross_loss < 0.0)
                .then(|| self.gross_profit / -self.gross_loss),
            largest_win: self.largest_win,
            largest_loss: self.largest_loss,
            avg_holding_ns: per(self.holding_ns as f64, count),
            avg_mae: per(self.mae, count),
            worst_mae: any.then_some(self.worst_mae),
            avg_mfe: per(self.mfe, count),
            best_mfe: any.then_some(self.best_mfe),
        }
    }
}
