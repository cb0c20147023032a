//! The intraday activity profile: how busy the market is at each time of
//! the session, relative to its average.

use std::f64::consts::TAU;

use super::spec::Session;

/// Shape of activity through a trading session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActivityProfile {
    /// The same activity all session long.
    Flat,
    /// A stock's U: busiest just after the open, quietest at lunch, busy
    /// again into the close.
    StockU,
    /// A round-the-clock crypto day: a mild rise around midnight UTC
    /// (funding and daily closes), a European morning bump and a larger hump
    /// over US hours with a spike at the US equity open.
    CryptoDay,
}

/// Length of the steps in which the profile is held constant, in seconds.
pub(crate) const PROFILE_STEP_SECS: f64 = 60.0;

impl ActivityProfile {
    /// Relative activity `secs_since_open` seconds into `session`
    /// (arbitrary scale; see [`ActivityProfile::mean_activity`]).
    pub fn activity(&self, session: &Session, secs_since_open: f64) -> f64 {
        match self {
            ActivityProfile::Flat => 1.0,
            ActivityProfile::StockU => {
                let u = (secs_since_open / session.duration_secs()).clamp(0.0, 1.0);
                0.6 + 2.4 * (-u / 0.035).exp()
                    + 1.6 * (-(1.0 - u) / 0.045).exp()
                    + 0.35 * (2.0 * u - 1.0).powi(2)
            }
            ActivityProfile::CryptoDay => {
                let hour = ((f64::from(session.open_utc_secs) + secs_since_open) / 3600.0) % 24.0;
                let bump =
                    |centre: f64, width: f64| (-0.5 * ((hour - centre) / width).powi(2)).exp();
                0.75 + 0.1 * (1.0 + (TAU * hour / 24.0).cos())
                    + 0.25 * bump(8.5, 1.5)
                    + 0.9 * bump(15.5, 2.5)
                    + 0.4 * bump(14.5, 0.15)
            }
        }
    }

    /// Activity held over the profile step that contains `secs_since_open`:
    /// the value at the step's middle.
    pub(crate) fn step_activity(&self, session: &Session, secs_since_open: f64) -> f64 {
        let step = (secs_since_open / PROFILE_STEP_SECS).floor();
        let middle = ((step + 0.5) * PROFILE_STEP_SECS).min(session.duration_secs());
        self.activity(session, middle)
    }

    /// Average of the stepped activity over the whole session.
    pub fn mean_activity(&self, session: &Session) -> f64 {
        let duration_secs = session.duration_secs();
        let mut total = 0.0;
        let mut start_secs = 0.0;
        while start_secs < duration_secs {
            let end_secs = (start_secs + PROFILE_STEP_SECS).min(duration_secs);
            total += self.step_activity(session, start_secs) * (end_secs - start_secs);
            start_secs = end_secs;
        }
        if duration_secs > 0.0 {
            total / duration_secs
        } else {
            1.0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stock_profile_is_u_shaped() {
        let session = Session::NEW_YORK_WINTER;
        let profile = ActivityProfile::StockU;
        let at = |minutes: f64| profile.activity(&session, minutes * 60.0);
        assert!(at(1.0) > 2.5 * at(195.0));
        assert!(at(389.0) > 2.0 * at(195.0));
        assert!(at(1.0) > at(389.0));
    }

    #[test]
    fn crypto_profile_peaks_in_us_hours() {
        let session = Session::ALL_DAY;
        let profile = ActivityProfile::CryptoDay;
        let at = |hour: f64| profile.activity(&session, hour * 3600.0);
        assert!(at(15.5) > 1.5 * at(4.0));
        assert!(at(15.5) < 3.0 * at(4.0), "milder than a stock's U");
    }
}
