//! A data folder: instruments and days on disk.
//!
//! The layout is `<folder>/<SYMBOL>/instrument.toml` plus one
//! `<folder>/<SYMBOL>/<YYYY-MM-DD>.parquet` per day. Opening a folder reads
//! every instrument file and every day file's Parquet footer (rows, time
//! span from the column statistics) without decoding any data. Anything
//! that does not fit the layout is skipped and reported, not fatal; only
//! `README` files are expected alongside the data and pass silently.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use super::parquet::{file_info, DataError, EventReader, FileInfo, ReadOptions};
use super::{Instrument, InstrumentError};

/// The layout a data folder must have, for error messages.
pub const EXPECTED_LAYOUT: &str =
    "<folder>/<SYMBOL>/instrument.toml and <folder>/<SYMBOL>/<YYYY-MM-DD>.parquet";

/// Name of the instrument file in a symbol folder.
pub const INSTRUMENT_FILE: &str = "instrument.toml";

const NS_PER_DAY: i64 = 86_400_000_000_000;

/// A calendar day (UTC), as in the name of a day file.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct Day {
    year: i32,
    month: u8,
    day: u8,
}

impl Day {
    /// The day, when `year-month-day` exists in the Gregorian calendar.
    pub fn new(year: i32, month: u8, day: u8) -> Option<Day> {
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let days_in_month = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        (1..=days_in_month)
            .contains(&day)
            .then_some(Day { year, month, day })
    }

    /// The day containing `ts_ns` (ns since the epoch, UTC).
    pub fn from_ts_ns(ts_ns: i64) -> Day {
        civil_from_days(ts_ns.div_euclid(NS_PER_DAY))
    }

    /// Midnight UTC at the start of the day, ns since the epoch.
    pub fn start_ns(self) -> i64 {
        days_from_civil(self) * NS_PER_DAY
    }

    /// The day after this one.
    #[must_use]
    pub fn next(self) -> Day {
        civil_from_days(days_from_civil(self) + 1)
    }

    /// The year.
    pub fn year(self) -> i32 {
        self.year
    }

    /// The month, 1 to 12.
    pub fn month(self) -> u8 {
        self.month
    }

    /// The day of the month, 1 to 31.
    pub fn day(self) -> u8 {
        self.day
    }
}

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
fn days_from_civil(day: Day) -> i64 {
    let month = i64::from(day.month);
    let year = i64::from(day.year) - i64::from(month <= 2);
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_from_march = (month + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + i64::from(day.day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The civil date of a count of days since 1970-01-01.
fn civil_from_days(days: i64) -> Day {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    Day {
        year: i32::try_from(year).unwrap_or(i32::MAX),
        month: u8::try_from(month).unwrap_or(1),
        day: u8::try_from(day).unwrap_or(1),
    }
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// A string that is not a `YYYY-MM-DD` date.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a date (expected YYYY-MM-DD)")]
pub struct NotADay(pub String);

impl FromStr for Day {
    type Err = NotADay;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bytes = text.as_bytes();
        let digits = |range: std::ops::Range<usize>| {
            bytes
                .get(range.clone())
                .filter(|part| part.iter().all(u8::is_ascii_digit))
                .and_then(|_| text.get(range))
        };
        let day = (bytes.len() == 10 && bytes[4] == b'-' && bytes[7] == b'-')
            .then(|| {
                let year = digits(0..4)?.parse().ok()?;
                let month = digits(5..7)?.parse().ok()?;
                let day = digits(8..10)?.parse().ok()?;
                Day::new(year, month, day)
            })
            .flatten();
        day.ok_or_else(|| NotADay(text.to_owned()))
    }
}

/// One day of one instrument: a Parquet file and what its footer says.
#[derive(Debug, Clone, PartialEq)]
pub struct DayFile {
    /// The day, from the file name.
    pub day: Day,
    /// The file.
    pub path: PathBuf,
    /// Rows, row groups and time span, from the footer.
    pub info: FileInfo,
    /// The first row whose exchange time is not on the day (before its
    /// midnight UTC or from the next one on), when the footer's time span
    /// says there is one. Such rows are replayed as they are.
    pub outside_day: Option<OutsideDay>,
}

/// A row of a day file whose exchange time falls outside the file's day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutsideDay {
    /// 0-based row in the file; `None` when the file could not be read far
    /// enough to find it.
    pub row: Option<u64>,
    /// Its exchange time (without the row: the footer's first or last
    /// time), ns since the epoch.
    pub exch_ts_ns: i64,
}

impl DayFile {
    /// Reads what the footer says of the day file `path` of `instrument`,
    /// and finds its first row outside `day` if the time span has one.
    fn open(path: PathBuf, day: Day, instrument: &Instrument) -> Result<DayFile, DataError> {
        let info = file_info(&path)?;
        let outside_day = info
            .exch_ts_span_ns
            .and_then(|span| first_outside_day(&path, instrument, day, span));
        Ok(DayFile {
            day,
            path,
            info,
            outside_day,
        })
    }

    /// The warning a day file with rows outside its day deserves, naming
    /// the file and its first such row.
    pub fn outside_day_warning(&self) -> Option<String> {
        let outside = self.outside_day?;
        let at = match outside.row {
            Some(row) => format!("row {row} (0-based), exch_ts {} ns", outside.exch_ts_ns),
            None => format!("exch_ts up to {} ns", outside.exch_ts_ns),
        };
        let side = if outside.exch_ts_ns < self.day.start_ns() {
            "before the start of"
        } else {
            "past the end of"
        };
        Some(format!(
            "warning: {}: {at} is {side} {} (UTC), the day the file is named for; such rows are replayed as they are",
            self.path.display(),
            self.day
        ))
    }

    /// Number of events.
    pub fn rows(&self) -> u64 {
        self.info.rows
    }

    /// First and last exchange time, ns since the epoch (from statistics).
    pub fn exch_ts_span_ns(&self) -> Option<(i64, i64)> {
        self.info.exch_ts_span_ns
    }
}

/// An instrument of a data folder and its days, oldest first.
#[derive(Debug, Clone, PartialEq)]
pub struct InstrumentData {
    /// The instrument, from its `instrument.toml`.
    pub instrument: Instrument,
    /// The symbol folder.
    pub dir: PathBuf,
    /// Its day files, sorted by day.
    pub days: Vec<DayFile>,
}

impl InstrumentData {
    /// The file of one day, if there is one.
    pub fn day(&self, day: Day) -> Option<&DayFile> {
        self.days.iter().find(|file| file.day == day)
    }

    /// Events over all days.
    pub fn rows(&self) -> u64 {
        self.days.iter().map(DayFile::rows).sum()
    }
}

/// Something in the folder that does not fit the layout, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The file or folder.
    pub path: PathBuf,
    /// Why it was skipped.
    pub reason: String,
}

/// What a data folder (or a single day file) holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Catalog {
    /// The path that was opened.
    pub root: PathBuf,
    /// Instruments with at least one readable day, sorted by symbol.
    pub instruments: Vec<InstrumentData>,
    /// Files and folders that were skipped, with the reason.
    pub skipped: Vec<Skipped>,
}

/// Why a data folder or file could not be opened at all.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// The path could not be listed or read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// Nothing in the folder fits the layout.
    #[error("{}: no usable market data; expected {EXPECTED_LAYOUT}; found {found}", path.display())]
    NothingUsable {
        /// The folder.
        path: PathBuf,
        /// What was found instead.
        found: String,
    },
    /// The instrument file next to a single day file is missing or invalid.
    #[error(transparent)]
    Instrument(#[from] InstrumentError),
    /// A single day file cannot be read.
    #[error(transparent)]
    Data(#[from] DataError),
}

impl Catalog {
    /// Opens a data folder, a symbol folder (with an `instrument.toml`), or a
    /// single `.parquet` day file (its instrument taken from the
    /// `instrument.toml` in the same folder).
    pub fn open(path: impl AsRef<Path>) -> Result<Catalog, CatalogError> {
        let path = path.as_ref();
        let meta = std::fs::metadata(path).map_err(|source| CatalogError::Io {
            path: path.to_owned(),
            source,
        })?;
        if meta.is_file() {
            return Self::open_file(path);
        }
        let mut catalog = Catalog {
            root: path.to_owned(),
            instruments: Vec::new(),
            skipped: Vec::new(),
        };
        if path.join(INSTRUMENT_FILE).is_file() {
            catalog.scan_symbol_dir(path)?;
        } else {
            for entry in sorted_entries(path)? {
                if is_readme(&entry) {
                    continue;
                }
                if entry.is_dir() {
                    if entry.join(INSTRUMENT_FILE).is_file() {
                        catalog.scan_symbol_dir(&entry)?;
                    } else {
                        catalog.skip(&entry, format!("folder without {INSTRUMENT_FILE}"));
                    }
                } else {
                    catalog.skip(&entry, "file outside a <SYMBOL> folder".to_owned());
                }
            }
        }
        if catalog.instruments.is_empty() {
            return Err(CatalogError::NothingUsable {
                path: path.to_owned(),
                found: catalog.describe_skipped(),
            });
        }
        catalog
            .instruments
            .sort_by(|a, b| a.instrument.symbol.cmp(&b.instrument.symbol));
        Ok(catalog)
    }

    fn open_file(path: &Path) -> Result<Catalog, CatalogError> {
        let dir = path.parent().unwrap_or_else(|| Path::new("."));
        let instrument = Instrument::from_file(&dir.join(INSTRUMENT_FILE))?;
        let day = match day_of_file(path) {
            Some(day) => day,
            None => file_info(path)?
                .exch_ts_span_ns
                .map_or_else(|| Day::from_ts_ns(0), |(first, _)| Day::from_ts_ns(first)),
        };
        let day_file = DayFile::open(path.to_owned(), day, &instrument)?;
        Ok(Catalog {
            root: path.to_owned(),
            instruments: vec![InstrumentData {
                instrument,
                dir: dir.to_owned(),
                days: vec![day_file],
            }],
            skipped: Vec::new(),
        })
    }

    /// The instrument with this symbol.
    pub fn instrument(&self, symbol: &str) -> Option<&InstrumentData> {
        self.instruments
            .iter()
            .find(|data| data.instrument.symbol == symbol)
    }

    fn skip(&mut self, path: &Path, reason: String) {
        self.skipped.push(Skipped {
            path: path.to_owned(),
            reason,
        });
    }

    fn scan_symbol_dir(&mut self, dir: &Path) -> Result<(), CatalogError> {
        let instrument = match Instrument::from_file(&dir.join(INSTRUMENT_FILE)) {
            Ok(instrument) => instrument,
            Err(err) => {
                self.skip(dir, err.to_string());
                return Ok(());
            }
        };
        let mut days = Vec::new();
        for entry in sorted_entries(dir)? {
            if entry.file_name().is_some_and(|name| {
                name == INSTRUMENT_FILE || name == crate::market::cache::CACHE_DIR_NAME
            }) {
                continue;
            }
            if entry.is_dir() {
                self.skip(&entry, "folder inside a symbol folder".to_owned());
                continue;
            }
            let Some(day) = day_of_file(&entry) else {
                self.skip(&entry, "not named <YYYY-MM-DD>.parquet".to_owned());
                continue;
            };
            match DayFile::open(entry.clone(), day, &instrument) {
                Ok(file) => days.push(file),
                Err(err) => self.skip(&entry, err.to_string()),
            }
        }
        if days.is_empty() {
            self.skip(dir, "no readable <YYYY-MM-DD>.parquet day file".to_owned());
            return Ok(());
        }
        days.sort_by_key(|file| file.day);
        self.instruments.push(InstrumentData {
            instrument,
            dir: dir.to_owned(),
            days,
        });
        Ok(())
    }

    fn describe_skipped(&self) -> String {
        const SHOWN: usize = 8;
        if self.skipped.is_empty() {
            return "an empty folder".to_owned();
        }
        let mut text: Vec<String> = self
            .skipped
            .iter()
            .take(SHOWN)
            .map(|skipped| {
                let name = skipped
                    .path
                    .strip_prefix(&self.root)
                    .unwrap_or(&skipped.path);
                format!("{} ({})", name.display(), skipped.reason)
            })
            .collect();
        if self.skipped.len() > SHOWN {
            text.push(format!("and {} more", self.skipped.len() - SHOWN));
        }
        text.join("; ")
    }
}

/// The first row of `path` whose exchange time is outside `day`, when the
/// footer's `span` (first, last exchange time) reaches outside it.
fn first_outside_day(
    path: &Path,
    instrument: &Instrument,
    day: Day,
    (first_ns, last_ns): (i64, i64),
) -> Option<OutsideDay> {
    let (start_ns, end_ns) = (day.start_ns(), day.start_ns() + NS_PER_DAY);
    if first_ns >= start_ns && last_ns < end_ns {
        return None;
    }
    let outside = |ts_ns: i64| ts_ns < start_ns || ts_ns >= end_ns;
    let fallback = OutsideDay {
        row: None,
        exch_ts_ns: if first_ns < start_ns {
            first_ns
        } else {
            last_ns
        },
    };
    let options = ReadOptions::default().warn_on_local_ts();
    let Ok(mut reader) = EventReader::open(path, instrument, options) else {
        return Some(fallback);
    };
    let mut batch = Vec::new();
    let mut row = 0_u64;
    while let Ok(count) = reader.read_batch(&mut batch) {
        if count == 0 {
            break;
        }
        if let Some(index) = batch.iter().position(|ev| outside(ev.exch_ts)) {
            return Some(OutsideDay {
                row: Some(row + index as u64),
                exch_ts_ns: batch[index].exch_ts,
            });
        }
        row += count as u64;
    }
    Some(fallback)
}

/// True for a `README` or `README.*` file (any case): documentation.
fn is_readme(path: &Path) -> bool {
    path.is_file()
        && path
            .file_stem()
            .and_then(|stem| stem.to_str())
            .is_some_and(|stem| stem.eq_ignore_ascii_case("readme"))
}

/// The day in a `<YYYY-MM-DD>.parquet` file name.
fn day_of_file(path: &Path) -> Option<Day> {
    let is_parquet = path
        .extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("parquet"));
    if !is_parquet {
        return None;
    }
    path.file_stem()?.to_str()?.parse().ok()
}

fn sorted_entries(dir: &Path) -> Result<Vec<PathBuf>, CatalogError> {
    let io = |source| CatalogError::Io {
        path: dir.to_owned(),
        source,
    };
    let mut entries = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        entries.push(entry.map_err(io)?.path());
    }
    entries.sort();
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_parse_print_and_convert() {
        let day: Day = "2024-02-29".parse().unwrap();
        assert_eq!(day.to_string(), "2024-02-29");
        assert_eq!(day.start_ns(), 1_709_164_800 * 1_000_000_000);
        assert_eq!(Day::from_ts_ns(day.start_ns() + NS_PER_DAY - 1), day);
        assert_eq!(Day::from_ts_ns(0).to_string(), "1970-01-01");
        assert_eq!(Day::from_ts_ns(-1).to_string(), "1969-12-31");
        for bad in [
            "2023-02-29",
            "2024-13-01",
            "2024-1-01",
            "20240101",
            "2024-01-0x",
        ] {
            assert!(bad.parse::<Day>().is_err(), "{bad}");
        }
    }

    #[test]
    fn day_round_trips_over_centuries() {
        for days in (-800_000..800_000).step_by(997) {
            let day = civil_from_days(days);
            assert_eq!(days_from_civil(day), days, "{day}");
        }
    }
}
