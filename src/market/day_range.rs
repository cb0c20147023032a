//! Which days a run covers: `--day` as one date, a comma list, a range
//! `A..B` or `all`, resolved against the days a folder has.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use super::catalog::{Day, NotADay};

/// The days a run asks for, as `--day` spells them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum DaySelection {
    /// Named dates, in any order (`2026-03-02` or `2026-03-02,2026-03-04`).
    List(Vec<Day>),
    /// Every day from the first to the last, both included
    /// (`2026-03-02..2026-03-06`).
    Range(Day, Day),
    /// Every day the folder has (`all`).
    All,
}

/// A `--day` value that is not a date, a list, a range or `all`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DaySelectionError {
    /// A part is not a `YYYY-MM-DD` date.
    #[error(transparent)]
    NotADay(#[from] NotADay),
    /// The range ends before it starts.
    #[error("the range {first}..{last} ends before it starts")]
    Backwards {
        /// Its first day.
        first: Day,
        /// Its last day.
        last: Day,
    },
}

impl FromStr for DaySelection {
    type Err = DaySelectionError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("all") {
            return Ok(DaySelection::All);
        }
        if let Some((first, last)) = text.split_once("..") {
            let first: Day = first.trim().parse()?;
            let last: Day = last.trim().parse()?;
            if last < first {
                return Err(DaySelectionError::Backwards { first, last });
            }
            return Ok(DaySelection::Range(first, last));
        }
        let days = text
            .split(',')
            .map(|part| part.trim().parse())
            .collect::<Result<Vec<Day>, NotADay>>()?;
        Ok(DaySelection::List(days))
    }
}

impl fmt::Display for DaySelection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DaySelection::List(days) => {
                for (i, day) in days.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "{day}")?;
                }
                Ok(())
            }
            DaySelection::Range(first, last) => write!(f, "{first}..{last}"),
            DaySelection::All => f.write_str("all"),
        }
    }
}

impl From<Day> for DaySelection {
    fn from(day: Day) -> Self {
        DaySelection::List(vec![day])
    }
}

/// Days in a run's span that have no data for an instrument, one stretch of
/// consecutive days: a gap in time, not an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DayGap {
    /// The first day without data.
    #[serde(serialize_with = "day_text")]
    pub from: Day,
    /// The last day without data (the same as `from` for one day).
    #[serde(serialize_with = "day_text")]
    pub to: Day,
}

fn day_text<S: serde::Serializer>(day: &Day, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(day)
}

impl fmt::Display for DayGap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.from == self.to {
            write!(f, "{}", self.from)
        } else {
            write!(f, "{}..{}", self.from, self.to)
        }
    }
}

/// The days to run and the gaps between them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedDays {
    /// Days with data, oldest first.
    pub days: Vec<Day>,
    /// Days of the selection's span without data, as stretches.
    pub gaps: Vec<DayGap>,
}

impl DaySelection {
    /// The days of this selection that `available` (the days with data,
    /// any order) has, and the days of its span it lacks.
    ///
    /// A date named on its own or in a list must have data: one without is
    /// an error listing the days there are. A range or `all` runs the days
    /// it finds; a day inside it without data is a gap (a weekend, a missing
    /// file), and a range without any day is an error.
    pub fn resolve(&self, available: &[Day]) -> Result<ResolvedDays, String> {
        let mut have = available.to_vec();
        have.sort_unstable();
        have.dedup();
        let listing = || {
            if have.is_empty() {
                "none".to_owned()
            } else {
                have.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        };
        let (days, span) = match self {
            DaySelection::List(named) => {
                let mut days = named.clone();
                days.sort_unstable();
                days.dedup();
                if let Some(missing) = days.iter().find(|day| !have.contains(day)) {
                    return Err(format!("no day {missing}; days: {}", listing()));
                }
                // Named days were asked for one by one: the days between
                // them were not asked for, so they are no gap.
                (days, (None, None))
            }
            DaySelection::Range(first, last) => {
                let days: Vec<Day> = have
                    .iter()
                    .copied()
                    .filter(|day| day >= first && day <= last)
                    .collect();
                if days.is_empty() {
                    return Err(format!(
                        "no day from {first} to {last}; days: {}",
                        listing()
                    ));
                }
                (days, (Some(*first), Some(*last)))
            }
            DaySelection::All => {
                if have.is_empty() {
                    return Err("no day at all".to_owned());
                }
                let span = (have.first().copied(), have.last().copied());
                (have.clone(), span)
            }
        };
        let gaps = match span {
            (Some(first), Some(last)) => gaps_in(first, last, &days),
            _ => Vec::new(),
        };
        Ok(ResolvedDays { days, gaps })
    }
}

/// The stretches of days from `first` to `last` (both included) that are
/// not in `days` (sorted).
pub fn gaps_in(first: Day, last: Day, days: &[Day]) -> Vec<DayGap> {
    let mut gaps: Vec<DayGap> = Vec::new();
    let mut day = first;
    while day <= last {
        if days.binary_search(&day).is_err() {
            match gaps.last_mut() {
                Some(gap) if gap.to.next() == day => gap.to = day,
                _ => gaps.push(DayGap { from: day, to: day }),
            }
        }
        day = day.next();
    }
    gaps
}

/// A length of data time written as whole numbers with units, e.g. `2h`,
/// `30m`, `1d`, `1h30m`, `90s`, `500ms`; in ns.
pub fn span_ns_from_text(text: &str) -> Result<i64, String> {
    let bad = || format!("{text:?} is not a length of time (e.g. 2h, 30m, 1d, 1h30m, 90s)");
    let mut rest = text.trim();
    if rest.is_empty() {
        return Err(bad());
    }
    let mut total_ns: i64 = 0;
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
        let count: i64 = rest[..digits].parse().map_err(|_| bad())?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit_ns: i64 = match &rest[..unit_len] {
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" | "min" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            "d" => 86_400_000_000_000,
            _ => return Err(bad()),
        };
        rest = &rest[unit_len..];
        total_ns = count
            .checked_mul(unit_ns)
            .and_then(|ns| total_ns.checked_add(ns))
            .ok_or_else(bad)?;
    }
    Ok(total_ns)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> Day {
        text.parse().expect("a date")
    }

    #[test]
    fn parses_a_date_a_list_a_range_and_all() {
        assert_eq!(
            "2026-03-02".parse::<DaySelection>(),
            Ok(DaySelection::List(vec![day("2026-03-02")]))
        );
        assert_eq!(
            "2026-03-02, 2026-03-04".parse::<DaySelection>(),
            Ok(DaySelection::List(vec![
                day("2026-03-02"),
                day("2026-03-04")
            ]))
        );
        assert_eq!(
            "2026-03-02..2026-03-06".parse::<DaySelection>(),
            Ok(DaySelection::Range(day("2026-03-02"), day("2026-03-06")))
        );
        assert_eq!("all".parse::<DaySelection>(), Ok(DaySelection::All));
        assert_eq!(
            "2026-03-06..2026-03-02".parse::<DaySelection>(),
            Err(DaySelectionError::Backwards {
                first: day("2026-03-06"),
                last: day("2026-03-02")
            })
        );
        let err = "2026-03-02,tuesday".parse::<DaySelection>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "\"tuesday\" is not a date (expected YYYY-MM-DD)"
        );
        assert_eq!(
            "2026-03-02..2026-03-06"
                .parse::<DaySelection>()
                .map(|s| s.to_string()),
            Ok("2026-03-02..2026-03-06".to_owned())
        );
    }

    #[test]
    fn a_range_runs_the_days_it_finds_and_names_the_gaps() {
        let have = [
            day("2026-03-06"),
            day("2026-03-09"),
            day("2026-03-10"),
            day("2026-03-12"),
        ];
        let resolved = DaySelection::Range(day("2026-03-06"), day("2026-03-12"))
            .resolve(&have)
            .expect("days in the range");
        assert_eq!(resolved.days, have.to_vec());
        assert_eq!(
            resolved.gaps,
            vec![
                DayGap {
                    from: day("2026-03-07"),
                    to: day("2026-03-08")
                },
                DayGap {
                    from: day("2026-03-11"),
                    to: day("2026-03-11")
                },
            ]
        );
        let all = DaySelection::All.resolve(&have).expect("days");
        assert_eq!(all, resolved);
        let err = DaySelection::Range(day("2026-04-01"), day("2026-04-03"))
            .resolve(&have)
            .unwrap_err();
        assert_eq!(
            err,
            "no day from 2026-04-01 to 2026-04-03; days: 2026-03-06, 2026-03-09, 2026-03-10, 2026-03-12"
        );
    }

    #[test]
    fn spans_of_time_read_with_their_units() {
        assert_eq!(span_ns_from_text("2h"), Ok(7_200_000_000_000));
        assert_eq!(span_ns_from_text("1d"), Ok(86_400_000_000_000));
        assert_eq!(span_ns_from_text("1h30m"), Ok(5_400_000_000_000));
        assert_eq!(span_ns_from_text("500ms"), Ok(500_000_000));
        assert_eq!(
            span_ns_from_text("2 hours"),
            Err("\"2 hours\" is not a length of time (e.g. 2h, 30m, 1d, 1h30m, 90s)".to_owned())
        );
        assert!(span_ns_from_text("h").is_err());
        assert!(span_ns_from_text("").is_err());
    }

    #[test]
    fn a_named_day_without_data_is_an_error_listing_the_days() {
        let have = [day("2026-03-02"), day("2026-03-03")];
        let err = DaySelection::List(vec![day("2026-03-03"), day("2026-03-04")])
            .resolve(&have)
            .unwrap_err();
        assert_eq!(err, "no day 2026-03-04; days: 2026-03-02, 2026-03-03");
        let ok = DaySelection::List(vec![day("2026-03-03"), day("2026-03-02")])
            .resolve(&have)
            .expect("both days");
        assert_eq!(ok.days, have.to_vec());
        assert!(ok.gaps.is_empty());
    }
}
