//! Numbers and times as a trader reads them.

use crate::market::catalog::Day;
use crate::market::Instrument;

/// Nanoseconds in a second.
pub const NS_PER_SEC: i64 = 1_000_000_000;

const NS_PER_DAY: i64 = 86_400 * NS_PER_SEC;

/// `HH:MM:SS.mmm` (UTC) of a time in ns since the epoch.
pub fn clock_ms_from_ns(ts_ns: i64) -> String {
    let in_day = ts_ns.rem_euclid(NS_PER_DAY);
    let secs = in_day / NS_PER_SEC;
    let ms = (in_day % NS_PER_SEC) / 1_000_000;
    format!(
        "{:02}:{:02}:{:02}.{ms:03}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// `YYYY-MM-DD HH:MM:SS.mmm µµµ` (UTC): the full data time, to the
/// microsecond.
pub fn datetime_us_from_ns(ts_ns: i64) -> String {
    let us = ts_ns.rem_euclid(1_000_000) / 1_000;
    format!(
        "{} {} {us:03}",
        Day::from_ts_ns(ts_ns),
        clock_ms_from_ns(ts_ns)
    )
}

/// Parses a time of day `HH:MM[:SS[.fff…]]` (UTC) on `day`, or a whole
/// `YYYY-MM-DD HH:MM:SS`; returns ns since the epoch.
pub fn ns_from_clock(text: &str, day: Day) -> Option<i64> {
    let text = text.trim();
    let (day, clock) = match text.split_once(' ') {
        Some((date, clock)) => (date.parse::<Day>().ok()?, clock.trim()),
        None => (day, text),
    };
    let mut parts = clock.split(':');
    let hours: i64 = parts.next()?.trim().parse().ok()?;
    let minutes: i64 = parts.next()?.trim().parse().ok()?;
    let seconds_text = parts.next().unwrap_or("0").trim();
    if parts.next().is_some() || !(0..=24).contains(&hours) || !(0..60).contains(&minutes) {
        return None;
    }
    let (whole, fraction) = seconds_text.split_once('.').unwrap_or((seconds_text, ""));
    let seconds: i64 = whole.parse().ok()?;
    if !(0..60).contains(&seconds)
        || fraction.len() > 9
        || !fraction.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let fraction_ns: i64 = if fraction.is_empty() {
        0
    } else {
        format!("{fraction:0<9}").parse().ok()?
    };
    Some(day.start_ns() + ((hours * 60 + minutes) * 60 + seconds) * NS_PER_SEC + fraction_ns)
}

/// A price in ticks, in the instrument's units with its decimals.
pub fn price_from_ticks(instrument: &Instrument, ticks: i64) -> String {
    format!(
        "{:.*}",
        instrument.price_decimals(),
        instrument.price_from_ticks(ticks)
    )
}

/// A price in fractional ticks (a mid or an average), one decimal more.
pub fn price_from_ticks_f64(instrument: &Instrument, ticks: f64) -> String {
    format!(
        "{:.*}",
        instrument.price_decimals() + 1,
        ticks * instrument.tick_size
    )
}

/// A quantity in lots, in the instrument's units with its decimals.
pub fn qty_from_lots(instrument: &Instrument, lots: i64) -> String {
    format!(
        "{:.*}",
        instrument.qty_decimals(),
        instrument.qty_from_lots(lots)
    )
}

/// Money with two decimals and a sign when negative.
pub fn money(amount: f64) -> String {
    format!("{amount:.2}")
}

/// A count with thin thousands separators: `1 234 567`.
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{2009}');
        }
        out.push(c);
    }
    out
}

/// A duration in ns as `1.2 ms`, `350 µs`, `4.1 s`.
pub fn duration_from_ns(ns: i64) -> String {
    let abs = ns.unsigned_abs();
    if abs >= 60 * NS_PER_SEC as u64 {
        format!("{:.1} min", ns as f64 / 60e9)
    } else if abs >= NS_PER_SEC as u64 {
        format!("{:.2} s", ns as f64 / 1e9)
    } else if abs >= 1_000_000 {
        format!("{:.1} ms", ns as f64 / 1e6)
    } else {
        format!("{:.0} µs", ns as f64 / 1e3)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_round_trips() {
        let day: Day = "2026-03-02".parse().unwrap();
        let ts = ns_from_clock("14:30:05.25", day).unwrap();
        assert_eq!(clock_ms_from_ns(ts), "14:30:05.250");
        assert_eq!(ns_from_clock("2026-03-02 14:30:05.25", day), Some(ts));
        assert_eq!(
            ns_from_clock("14:30", day),
            Some(day.start_ns() + 52_200 * NS_PER_SEC)
        );
        assert_eq!(ns_from_clock("25:00", day), None);
        assert_eq!(ns_from_clock("nonsense", day), None);
        assert!(datetime_us_from_ns(ts).starts_with("2026-03-02 14:30:05.250"));
    }

    #[test]
    fn counts_and_durations_read_well() {
        assert_eq!(count(1_234_567), "1\u{2009}234\u{2009}567");
        assert_eq!(count(12), "12");
        assert_eq!(duration_from_ns(1_500_000), "1.5 ms");
        assert_eq!(duration_from_ns(2_000_000_000), "2.00 s");
    }
}
