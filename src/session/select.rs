//! Which instruments and days a run covers: `--symbol` and `--day` (one,
//! a list, a range or `all`) resolved against a data folder, with the gaps
//! and the warm-up's days.

use std::path::Path;

use crate::market::catalog::{Catalog, Day, DayFile, InstrumentData};
use crate::market::day_range::{gaps_in, DayGap, DaySelection};

use super::day::{DayRun, RunDay, SessionError, Warmup};

/// Nanoseconds in a day.
const NS_PER_DAY: i64 = 86_400_000_000_000;

/// The instrument `symbol` of `catalog` (or its only one).
fn instrument_of<'c>(
    catalog: &'c Catalog,
    data_dir: &Path,
    symbol: Option<&str>,
) -> Result<&'c InstrumentData, SessionError> {
    let symbols = || {
        catalog
            .instruments
            .iter()
            .map(|i| i.instrument.symbol.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match symbol {
        Some(symbol) => catalog.instrument(symbol).ok_or_else(|| {
            SessionError::NotFound(format!(
                "{}: no symbol {symbol:?}; the folder has: {}",
                data_dir.display(),
                symbols()
            ))
        }),
        None => match catalog.instruments.as_slice() {
            [only] => Ok(only),
            _ => Err(SessionError::NotFound(format!(
                "{}: several symbols, choose one with --symbol: {}",
                data_dir.display(),
                symbols()
            ))),
        },
    }
}

/// Finds the day to run in `data_dir` (a data folder, a symbol folder or a
/// Parquet file). `symbol` and `day` may be omitted when there is only one
/// choice.
pub fn open_day(
    data_dir: &Path,
    symbol: Option<&str>,
    day: Option<Day>,
) -> Result<DayRun, SessionError> {
    let catalog = Catalog::open(data_dir)?;
    let data = instrument_of(&catalog, data_dir, symbol)?;
    let days = || {
        data.days
            .iter()
            .map(|d| d.day.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let file: &DayFile = match day {
        Some(day) => data.day(day).ok_or_else(|| {
            SessionError::NotFound(format!(
                "{}: no day {day}; days: {}",
                data.instrument.symbol,
                days()
            ))
        })?,
        None => match data.days.as_slice() {
            [only] => only,
            _ => {
                return Err(SessionError::NotFound(format!(
                    "{}: several days, choose one with --day: {}",
                    data.instrument.symbol,
                    days()
                )))
            }
        },
    };
    Ok(DayRun {
        instrument: data.instrument.clone(),
        day: file.day,
        file: file.path.clone(),
        rows: file.rows(),
        warnings: file.outside_day_warning().into_iter().collect(),
        days: vec![RunDay::of(file, false)],
        gaps: Vec::new(),
        warmup: None,
    })
}

/// Finds the days to run in `data_dir`: `days` as `--day` gives them (one
/// date, a list, a range or `all`; `None` when the folder has one day),
/// after `warmup_ns` of data replayed with trading disabled.
///
/// A named date without data is an error listing the days there are; days
/// of a range (or `all`) without data are gaps, returned in
/// [`DayRun::gaps`]. Warm-up data is taken from the days before the first
/// (the whole day that holds the warm-up's start, so its book is built);
/// a warm-up with no day before the first is a warning, not an error.
pub fn open_days(
    data_dir: &Path,
    symbol: Option<&str>,
    days: Option<&DaySelection>,
    warmup_ns: Option<i64>,
) -> Result<DayRun, SessionError> {
    let Some(selection) = days else {
        let run = open_day(data_dir, symbol, None)?;
        return with_warmup(data_dir, symbol, run, warmup_ns);
    };
    let catalog = Catalog::open(data_dir)?;
    let data = instrument_of(&catalog, data_dir, symbol)?;
    let available: Vec<Day> = data.days.iter().map(|d| d.day).collect();
    let resolved = selection.resolve(&available).map_err(|reason| {
        SessionError::NotFound(format!("{}: {reason}", data.instrument.symbol))
    })?;
    let files: Vec<&DayFile> = resolved.days.iter().filter_map(|&d| data.day(d)).collect();
    let Some(first) = files.first() else {
        return Err(SessionError::NotFound(format!(
            "{}: no day to run",
            data.instrument.symbol
        )));
    };
    let run = DayRun {
        instrument: data.instrument.clone(),
        day: first.day,
        file: first.path.clone(),
        rows: files.iter().map(|f| f.rows()).sum(),
        warnings: files
            .iter()
            .filter_map(|f| f.outside_day_warning())
            .collect(),
        days: files.iter().map(|f| RunDay::of(f, false)).collect(),
        gaps: resolved.gaps,
        warmup: None,
    };
    with_warmup(data_dir, symbol, run, warmup_ns)
}

/// Finds the instruments and days to run in `data_dir`: `symbols` as
/// `--symbol` gives them (one symbol, a comma list in the order that breaks
/// ties, or `all`; `None` when the folder has one), over `days` (see
/// [`open_days`]) after `warmup_ns` of warm-up. One [`DayRun`] per
/// instrument, in that order.
///
/// With several instruments the days are those any of them has: a day one
/// instrument lacks is a gap of that instrument, a named day none has is an
/// error listing the days there are. Currencies are not checked here (see
/// [`crate::sim::RunConfig::fx_rate`]).
pub fn open_instruments(
    data_dir: &Path,
    symbols: Option<&str>,
    days: Option<&DaySelection>,
    warmup_ns: Option<i64>,
) -> Result<Vec<DayRun>, SessionError> {
    let catalog = Catalog::open(data_dir)?;
    let named: Vec<String> = match symbols.map(str::trim) {
        Some(text) if text.eq_ignore_ascii_case("all") => catalog
            .instruments
            .iter()
            .map(|i| i.instrument.symbol.clone())
            .collect(),
        Some(text) if text.contains(',') => text.split(',').map(|s| s.trim().to_owned()).collect(),
        _ => return Ok(vec![open_days(data_dir, symbols, days, warmup_ns)?]),
    };
    if let [only] = named.as_slice() {
        return Ok(vec![open_days(data_dir, Some(only), days, warmup_ns)?]);
    }
    let mut data = Vec::new();
    for symbol in &named {
        let found = instrument_of(&catalog, data_dir, Some(symbol))?;
        if data
            .iter()
            .any(|d: &&InstrumentData| d.instrument.symbol == *symbol)
        {
            return Err(SessionError::NotFound(format!(
                "{symbol} is named twice in --symbol"
            )));
        }
        data.push(found);
    }
    let mut available: Vec<Day> = data
        .iter()
        .flat_map(|d| d.days.iter().map(|f| f.day))
        .collect();
    available.sort_unstable();
    available.dedup();
    let resolved = match days {
        Some(selection) => selection.resolve(&available).map_err(|reason| {
            SessionError::NotFound(format!("{}: {reason}", data_dir.display()))
        })?,
        None => match available.as_slice() {
            [only] => DaySelection::List(vec![*only])
                .resolve(&available)
                .map_err(SessionError::NotFound)?,
            _ => {
                return Err(SessionError::NotFound(format!(
                    "{}: several days, choose with --day: {}",
                    data_dir.display(),
                    available
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                )))
            }
        },
    };
    let span = match days {
        Some(DaySelection::Range(first, last)) => Some((*first, *last)),
        Some(DaySelection::List(_)) => None,
        _ => resolved
            .days
            .first()
            .copied()
            .zip(resolved.days.last().copied()),
    };
    let Some(&first_day) = resolved.days.first() else {
        return Err(SessionError::NotFound(format!(
            "{}: no day to run",
            data_dir.display()
        )));
    };
    let mut runs = Vec::new();
    for inst in data {
        let files: Vec<&DayFile> = resolved.days.iter().filter_map(|&d| inst.day(d)).collect();
        let Some(first) = files.first() else {
            return Err(SessionError::NotFound(format!(
                "{}: no data on any day of the run ({})",
                inst.instrument.symbol,
                resolved
                    .days
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        };
        let own: Vec<Day> = files.iter().map(|f| f.day).collect();
        let gaps = match span {
            Some((from, to)) => gaps_in(from, to, &own),
            None => resolved
                .days
                .iter()
                .filter(|d| !own.contains(d))
                .map(|&d| DayGap { from: d, to: d })
                .collect(),
        };
        let run = DayRun {
            instrument: inst.instrument.clone(),
            day: first_day,
            file: first.path.clone(),
            rows: files.iter().map(|f| f.rows()).sum(),
            warnings: files
                .iter()
                .filter_map(|f| f.outside_day_warning())
                .collect(),
            days: files.iter().map(|f| RunDay::of(f, false)).collect(),
            gaps,
            warmup: None,
        };
        runs.push(with_warmup(
            data_dir,
            Some(&inst.instrument.symbol),
            run,
            warmup_ns,
        )?);
    }
    Ok(runs)
}

/// `run` with the days before its first that hold `warmup_ns` of data.
fn with_warmup(
    data_dir: &Path,
    symbol: Option<&str>,
    mut run: DayRun,
    warmup_ns: Option<i64>,
) -> Result<DayRun, SessionError> {
    let Some(warmup_ns) = warmup_ns.filter(|&ns| ns > 0) else {
        return Ok(run);
    };
    let trading_from_ns = run.day.start_ns();
    let from_ns = trading_from_ns.saturating_sub(warmup_ns);
    let catalog = Catalog::open(data_dir)?;
    let data = instrument_of(&catalog, data_dir, symbol)?;
    let before: Vec<&DayFile> = data
        .days
        .iter()
        .filter(|f| f.day < run.day && f.day.start_ns().saturating_add(NS_PER_DAY) > from_ns)
        .collect();
    if before.is_empty() {
        run.warnings.push(format!(
            "warning: {}: no data before {} for the warm-up; the run starts without one",
            run.instrument.symbol, run.day
        ));
    }
    let mut days: Vec<RunDay> = before.iter().map(|f| RunDay::of(f, true)).collect();
    run.rows += before.iter().map(|f| f.rows()).sum::<u64>();
    run.warnings
        .extend(before.iter().filter_map(|f| f.outside_day_warning()));
    days.append(&mut run.days);
    run.days = days;
    run.warmup = Some(Warmup {
        from_ns,
        trading_from_ns,
    });
    Ok(run)
}
