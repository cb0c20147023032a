//! New York local time to UTC, without a time-zone database.
//!
//! US Eastern time is UTC−5 (EST) in winter and UTC−4 (EDT) in summer. The
//! rule applied is the US federal one:
//! - from 2007 on: EDT from the second Sunday of March, 02:00 local, to the
//!   first Sunday of November, 02:00 local;
//! - before 2007 (the 1987–2006 rule, also applied to earlier years): EDT
//!   from the first Sunday of April to the last Sunday of October, 02:00.
//!
//! On the autumn change day the repeated hour 01:00–02:00 is read as EDT
//! (its first occurrence). US equity sessions never straddle a change (it
//! happens at 02:00 on a Sunday), so the choice only matters for data
//! stamped in that hour.

use crate::market::catalog::Day;

const NS_PER_SEC: i64 = 1_000_000_000;
const NS_PER_HOUR: i64 = 3_600 * NS_PER_SEC;
const NS_PER_DAY: i64 = 24 * NS_PER_HOUR;

/// UTC time (ns since the epoch) of `local_ns` after midnight of `day` in
/// New York.
pub fn utc_ns_from_new_york(day: Day, local_ns: i64) -> i64 {
    let offset_hours = if is_daylight_saving(day, local_ns) {
        4
    } else {
        5
    };
    day.start_ns() + local_ns + offset_hours * NS_PER_HOUR
}

/// True when New York clocks show EDT at `local_ns` after midnight of `day`.
pub fn is_daylight_saving(day: Day, local_ns: i64) -> bool {
    let year = day.year();
    let (start, end) = if year >= 2007 {
        (nth_sunday(year, 3, 2), nth_sunday(year, 11, 1))
    } else {
        (nth_sunday(year, 4, 1), last_sunday(year, 10))
    };
    let (Some(start), Some(end)) = (start, end) else {
        return false;
    };
    let at_ns = day.start_ns() + local_ns;
    let change_ns = 2 * NS_PER_HOUR;
    at_ns >= start.start_ns() + change_ns && at_ns < end.start_ns() + change_ns
}

/// Day of the week of `day`, 0 = Sunday.
fn weekday(day: Day) -> i64 {
    // 1970-01-01 was a Thursday.
    (day.start_ns().div_euclid(NS_PER_DAY) + 4).rem_euclid(7)
}

/// The `n`-th Sunday (from 1) of `month` in `year`.
fn nth_sunday(year: i32, month: u8, n: u8) -> Option<Day> {
    let first = Day::new(year, month, 1)?;
    let first_sunday = 1 + (7 - weekday(first)) % 7;
    let date = u8::try_from(first_sunday).ok()? + 7 * (n - 1);
    Day::new(year, month, date)
}

/// The last Sunday of `month` in `year`.
fn last_sunday(year: i32, month: u8) -> Option<Day> {
    (1..=5).rev().find_map(|n| nth_sunday(year, month, n))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u8, d: u8) -> Day {
        Day::new(y, m, d).unwrap()
    }

    #[test]
    fn lobster_sample_open_is_13_30_utc() {
        // 2012-06-21 09:30:00 New York (EDT) = 13:30:00 UTC.
        let utc = utc_ns_from_new_york(day(2012, 6, 21), 34_200 * NS_PER_SEC);
        assert_eq!(utc, 1_340_285_400 * NS_PER_SEC);
    }

    #[test]
    fn change_days_follow_the_federal_rule() {
        assert_eq!(nth_sunday(2012, 3, 2), Some(day(2012, 3, 11)));
        assert_eq!(nth_sunday(2012, 11, 1), Some(day(2012, 11, 4)));
        assert_eq!(nth_sunday(2006, 4, 1), Some(day(2006, 4, 2)));
        assert_eq!(last_sunday(2006, 10), Some(day(2006, 10, 29)));
        let hour = NS_PER_HOUR;
        assert!(!is_daylight_saving(day(2012, 3, 11), hour + hour / 2));
        assert!(is_daylight_saving(day(2012, 3, 11), 3 * hour));
        assert!(is_daylight_saving(day(2012, 11, 4), hour + hour / 2));
        assert!(!is_daylight_saving(day(2012, 11, 4), 3 * hour));
        assert!(!is_daylight_saving(day(2012, 1, 3), 12 * hour));
        // Winter: 09:30 EST = 14:30 UTC.
        let utc = utc_ns_from_new_york(day(2012, 1, 3), 34_200 * NS_PER_SEC);
        assert_eq!(
            utc,
            day(2012, 1, 3).start_ns() + (14 * 3_600 + 1_800) * NS_PER_SEC
        );
    }
}
