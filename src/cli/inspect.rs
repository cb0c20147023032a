//! `ticklab inspect`: what a data folder or file holds, the book at a time,
//! and a full decode pass that counts events.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{bail, Context};
use clap::Args;
use ticklab::book::cross::crossed_book_check;
use ticklab::book::{CrossedBookPolicy, CrossedReport, CrossedTally, L2Book};
use ticklab::market::catalog::{Catalog, Day, DayFile, InstrumentData};
use ticklab::market::parquet::{EventReader, Loader, ReadOptions, ReadSummary};
use ticklab::market::{EventKind, Instrument, Side};

/// Arguments of `ticklab inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// A data folder, a symbol folder, or one `<YYYY-MM-DD>.parquet` file.
    pub path: PathBuf,
    /// Replay the day through the book up to this exchange time and print
    /// the top levels: `HH:MM:SS[.fff]` on the day, `YYYY-MM-DDTHH:MM:SS[.fff]`
    /// (UTC), or ns since the epoch.
    #[arg(long)]
    pub at: Option<String>,
    /// Decode every event through the loader thread; print counts by kind
    /// and the decode rate.
    #[arg(long)]
    pub scan: bool,
    /// Only this instrument.
    #[arg(long)]
    pub symbol: Option<String>,
    /// Only this day (`YYYY-MM-DD`).
    #[arg(long)]
    pub day: Option<Day>,
    /// Price levels per side printed by `--at`.
    #[arg(long, default_value_t = 10)]
    pub levels: usize,
    /// Count events whose local time is before their exchange time instead
    /// of stopping at the first.
    #[arg(long)]
    pub warn_local_ts: bool,
    /// With `--scan`: count the batches that end with the book crossed
    /// instead of stopping at the first (as `crossed_book = "warn"`).
    #[arg(long)]
    pub warn_crossed_book: bool,
}

/// Prints what a data folder or file holds.
pub fn run(args: InspectArgs) -> anyhow::Result<()> {
    let catalog = Catalog::open(&args.path)?;
    print_catalog(&catalog);
    let options = if args.warn_local_ts {
        ReadOptions::default().warn_on_local_ts()
    } else {
        ReadOptions::default()
    };
    if let Some(at) = &args.at {
        let target = parse_time(at)?;
        let day = args.day.or(target.day);
        let (data, file) = one_day(&catalog, args.symbol.as_deref(), day)?;
        let at_ns = target.resolve(file.day);
        replay_to(&data.instrument, file, at_ns, args.levels, options)?;
    }
    if args.scan {
        let selected = select(&catalog, args.symbol.as_deref(), args.day);
        if selected.is_empty() {
            bail!("no day matches --symbol/--day");
        }
        let crossed_book = if args.warn_crossed_book {
            CrossedBookPolicy::Warn
        } else {
            CrossedBookPolicy::Error
        };
        for (data, file) in selected {
            scan(&data.instrument, file, options, crossed_book)?;
        }
    }
    Ok(())
}

fn print_catalog(catalog: &Catalog) {
    println!("{}", catalog.root.display());
    for data in &catalog.instruments {
        let inst = &data.instrument;
        println!(
            "{}  tick {}  lot {}  {}  {} days, {} rows{}",
            inst.symbol,
            inst.tick_size,
            inst.lot_size,
            inst.currency,
            data.days.len(),
            thousands(data.rows()),
            if inst.description.is_empty() {
                String::new()
            } else {
                format!("  ({})", inst.description)
            }
        );
        for file in &data.days {
            let span = file.exch_ts_span_ns().map_or_else(
                || "time span unknown (no statistics)".to_owned(),
                |(first, last)| {
                    format!(
                        "{} to {} UTC",
                        time_of_day(first, file.day),
                        time_of_day(last, file.day)
                    )
                },
            );
            println!(
                "  {}  {:>12} rows  {}  {:.1} MB{}",
                file.day,
                thousands(file.rows()),
                span,
                file.info.bytes as f64 / 1e6,
                if file.info.has_flags {
                    ""
                } else {
                    "  (flags inferred)"
                }
            );
            if let Some(warning) = file.outside_day_warning() {
                println!("    {warning}");
            }
        }
    }
    if !catalog.skipped.is_empty() {
        println!("skipped:");
        for skipped in &catalog.skipped {
            println!("  {}: {}", skipped.path.display(), skipped.reason);
        }
    }
}

fn select<'a>(
    catalog: &'a Catalog,
    symbol: Option<&str>,
    day: Option<Day>,
) -> Vec<(&'a InstrumentData, &'a DayFile)> {
    catalog
        .instruments
        .iter()
        .filter(|data| symbol.is_none_or(|s| data.instrument.symbol == s))
        .flat_map(|data| data.days.iter().map(move |file| (data, file)))
        .filter(|(_, file)| day.is_none_or(|d| file.day == d))
        .collect()
}

fn one_day<'a>(
    catalog: &'a Catalog,
    symbol: Option<&str>,
    day: Option<Day>,
) -> anyhow::Result<(&'a InstrumentData, &'a DayFile)> {
    let selected = select(catalog, symbol, day);
    match selected.as_slice() {
        [one] => Ok(*one),
        [] => bail!("--at: no day matches (use --symbol and --day, or a full date in --at)"),
        many => {
            let names: Vec<String> = many
                .iter()
                .map(|(data, file)| format!("{} {}", data.instrument.symbol, file.day))
                .collect();
            bail!(
                "--at needs one day, {} match ({}); choose with --symbol and --day",
                many.len(),
                names.join(", ")
            )
        }
    }
}

/// A time given on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct TimeArg {
    /// The date, when one was given.
    day: Option<Day>,
    /// ns since midnight (with a day or none) or since the epoch (raw).
    ns: i64,
    is_raw: bool,
}

impl TimeArg {
    fn resolve(self, file_day: Day) -> i64 {
        if self.is_raw {
            self.ns
        } else {
            self.day.unwrap_or(file_day).start_ns() + self.ns
        }
    }
}

fn parse_time(text: &str) -> anyhow::Result<TimeArg> {
    let text = text.trim();
    if let Ok(ns) = text.parse::<i64>() {
        return Ok(TimeArg {
            day: None,
            ns,
            is_raw: true,
        });
    }
    let (day, clock) = match text.split_once(['T', ' ']) {
        Some((date, clock)) => (Some(date.parse::<Day>()?), clock),
        None => (None, text),
    };
    let clock = clock.strip_suffix('Z').unwrap_or(clock);
    let ns = parse_clock(clock).with_context(|| {
        format!(
            "--at {text:?}: expected HH:MM:SS[.fff], YYYY-MM-DDTHH:MM:SS[.fff] or ns since the epoch"
        )
    })?;
    Ok(TimeArg {
        day,
        ns,
        is_raw: false,
    })
}

/// `HH:MM:SS[.fffffffff]` to ns since midnight.
fn parse_clock(clock: &str) -> Option<i64> {
    let (whole, fraction) = clock.split_once('.').unwrap_or((clock, ""));
    let mut parts = whole.split(':');
    let mut field = |max: i64| {
        let part = parts.next()?;
        let value: i64 = (part.len() == 2).then(|| part.parse().ok())??;
        (0..=max).contains(&value).then_some(value)
    };
    let (hours, minutes, seconds) = (field(23)?, field(59)?, field(60)?);
    if parts.next().is_some() || fraction.len() > 9 || !fraction.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let fraction_ns: i64 = if fraction.is_empty() {
        0
    } else {
        format!("{fraction:0<9}").parse().ok()?
    };
    Some(((hours * 60 + minutes) * 60 + seconds) * 1_000_000_000 + fraction_ns)
}

fn replay_to(
    instrument: &Instrument,
    file: &DayFile,
    at_ns: i64,
    levels: usize,
    options: ReadOptions,
) -> anyhow::Result<()> {
    let mut reader = EventReader::open(&file.path, instrument, options)?;
    let mut book = L2Book::new();
    let mut batch = Vec::new();
    let mut applied = 0_u64;
    let mut last_ts_ns = None;
    'read: while reader.read_batch(&mut batch)? > 0 {
        for event in &batch {
            if event.exch_ts > at_ns {
                break 'read;
            }
            book.apply(event);
            applied += 1;
            last_ts_ns = Some(event.exch_ts);
        }
    }
    println!();
    println!(
        "{} {} at {} UTC: {} events applied{}",
        instrument.symbol,
        file.day,
        format_ts_ns(at_ns),
        thousands(applied),
        last_ts_ns.map_or_else(String::new, |ts| format!(", last at {}", format_ts_ns(ts)))
    );
    if book.is_crossed() {
        println!("warning: the book is crossed at this time");
    }
    print_ladder(instrument, &book, levels);
    Ok(())
}

fn print_ladder(instrument: &Instrument, book: &L2Book, levels: usize) {
    let price_decimals = instrument.price_decimals();
    let qty_decimals = instrument.qty_decimals();
    let bids: Vec<_> = book.top(Side::Buy, levels).collect();
    let asks: Vec<_> = book.top(Side::Sell, levels).collect();
    if bids.is_empty() && asks.is_empty() {
        println!("the book is empty");
        return;
    }
    println!("{:>14} {:>14} | {:<14} ask qty", "bid qty", "bid", "ask");
    for row in 0..bids.len().max(asks.len()) {
        let (bid_qty, bid) = bids.get(row).map_or((String::new(), String::new()), |l| {
            (
                format!("{:.*}", qty_decimals, instrument.qty_from_lots(l.qty)),
                format!(
                    "{:.*}",
                    price_decimals,
                    instrument.price_from_ticks(l.price)
                ),
            )
        });
        let (ask, ask_qty) = asks.get(row).map_or((String::new(), String::new()), |l| {
            (
                format!(
                    "{:.*}",
                    price_decimals,
                    instrument.price_from_ticks(l.price)
                ),
                format!("{:.*}", qty_decimals, instrument.qty_from_lots(l.qty)),
            )
        });
        println!("{bid_qty:>14} {bid:>14} | {ask:<14} {ask_qty}");
    }
}

fn scan(
    instrument: &Instrument,
    file: &DayFile,
    options: ReadOptions,
    crossed_book: CrossedBookPolicy,
) -> anyhow::Result<()> {
    let started = Instant::now();
    let crossed = CrossedTally::default();
    let check = crossed_book_check(instrument, crossed_book, crossed.clone());
    let reader = EventReader::open(&file.path, instrument, options)?.with_check(check);
    let loader = Loader::from_reader(reader)?;
    let mut by_kind = [0_u64; EventKind::ALL.len()];
    while let Some(batch) = loader.recv() {
        let batch = batch?;
        for event in &batch {
            by_kind[event.kind as usize] += 1;
        }
        loader.recycle(batch);
    }
    let summary = loader.finish()?;
    let elapsed_secs = started.elapsed().as_secs_f64();
    println!();
    println!(
        "{} {}: {} events in {:.3} s ({:.1} M events/s)",
        instrument.symbol,
        file.day,
        thousands(summary.rows),
        elapsed_secs,
        summary.rows as f64 / elapsed_secs.max(1e-9) / 1e6
    );
    let counts: Vec<String> = EventKind::ALL
        .iter()
        .zip(by_kind)
        .filter(|(_, count)| *count > 0)
        .map(|(kind, count)| format!("{kind} {}", thousands(count)))
        .collect();
    println!("  {}", counts.join("  "));
    print_warnings(&summary, &crossed.report());
    Ok(())
}

fn print_warnings(summary: &ReadSummary, crossed: &CrossedReport) {
    if let Some(first) = &crossed.first {
        println!(
            "  warning: {} batches end with the book crossed; the first: {first}",
            thousands(crossed.batches)
        );
    }
    if summary.flags_inferred {
        println!("  no flags column: batch ends inferred from exch_ts changes");
    }
    if let Some(row) = summary.first_local_before_exch_row {
        println!(
            "  warning: {} events have local_ts before exch_ts (first at row {row}, 0-based)",
            thousands(summary.local_before_exch)
        );
    }
}

/// `1234567` as `1,234,567`.
fn thousands(value: u64) -> String {
    let digits = value.to_string();
    let lead = match digits.len() % 3 {
        0 => 3,
        n => n,
    };
    let (head, rest) = digits.split_at(lead.min(digits.len()));
    let mut out = head.to_owned();
    for group in rest.as_bytes().chunks(3) {
        out.push(',');
        out.push_str(&String::from_utf8_lossy(group));
    }
    out
}

/// `HH:MM:SS.fff` of a time relative to the start of `day` (days after
/// it are shown as `+Nd`).
fn time_of_day(ts_ns: i64, day: Day) -> String {
    let since_ns = ts_ns - day.start_ns();
    let days = since_ns.div_euclid(86_400_000_000_000);
    let ns = since_ns.rem_euclid(86_400_000_000_000);
    let ms = ns / 1_000_000;
    let clock = format!(
        "{:02}:{:02}:{:02}.{:03}",
        ms / 3_600_000,
        ms / 60_000 % 60,
        ms / 1_000 % 60,
        ms % 1_000
    );
    if days == 0 {
        clock
    } else {
        format!("{clock} ({days:+}d)")
    }
}

/// `YYYY-MM-DD HH:MM:SS.fffffffff` of ns since the epoch (UTC).
fn format_ts_ns(ts_ns: i64) -> String {
    let day = Day::from_ts_ns(ts_ns);
    let ns = ts_ns - day.start_ns();
    format!(
        "{day} {:02}:{:02}:{:02}.{:09}",
        ns / 3_600_000_000_000,
        ns / 60_000_000_000 % 60,
        ns / 1_000_000_000 % 60,
        ns % 1_000_000_000
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_parse_in_every_accepted_form() {
        let day: Day = "2024-03-01".parse().unwrap();
        let clock = parse_time("12:30:05.25").unwrap();
        assert_eq!(clock.resolve(day), day.start_ns() + 45_005_250_000_000);
        let full = parse_time("2024-03-01T12:30:05.25Z").unwrap();
        assert_eq!(full.day, Some(day));
        assert_eq!(
            full.resolve("1999-01-01".parse().unwrap()),
            clock.resolve(day)
        );
        let raw = parse_time("1709296205250000000").unwrap();
        assert_eq!(raw.resolve(day), 1_709_296_205_250_000_000);
        for bad in [
            "12:30",
            "25:00:00",
            "12:30:05.1234567890",
            "noon",
            "2024-13-01T00:00:00",
        ] {
            assert!(parse_time(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn numbers_and_times_format_for_people() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(1_234_567), "1,234,567");
        let day: Day = "2024-03-01".parse().unwrap();
        assert_eq!(
            time_of_day(day.start_ns() + 3_723_004_000_000, day),
            "01:02:03.004"
        );
        assert_eq!(
            format_ts_ns(day.start_ns() + 1),
            "2024-03-01 00:00:00.000000001"
        );
    }
}
