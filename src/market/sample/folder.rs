//! Writing the sample data folder: `<out>/<SYMBOL>/instrument.toml`,
//! `<out>/<SYMBOL>/<day>.parquet` and a `README.md` that says what it is.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::market::parquet::{write_events, DataError, WriteOptions, WriteSummary};

use super::generator::{LeaderPath, SampleEvents};
use super::profile::ActivityProfile;
use super::spec::{CivilDate, SampleSpec};
use super::{generate, DEFAULT_SEED};

/// What [`write_sample_folder`] writes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SampleFolderOptions {
    /// Seed of every day written (the shipped folder uses [`DEFAULT_SEED`]).
    pub seed: u64,
    /// About how many events the crypto perpetual's day holds, instead of
    /// its usual size (e.g. 20 million for a memory test).
    pub crypto_events: Option<u64>,
    /// Only this symbol (e.g. `ACME`); `None` writes every shipped sample.
    pub symbol: Option<String>,
    /// Only this day (e.g. 2026-03-02); `None` writes every shipped day.
    pub day: Option<CivilDate>,
}

impl Default for SampleFolderOptions {
    fn default() -> Self {
        SampleFolderOptions {
            seed: DEFAULT_SEED,
            crypto_events: None,
            symbol: None,
            day: None,
        }
    }
}

impl SampleFolderOptions {
    /// The specs of the days to write, in the order they are written.
    pub fn specs(&self) -> Result<Vec<SampleSpec>, SampleError> {
        // `crypto_events` sizes BTC-PERP's days, and so the days ETH-PERP
        // follows.
        let resize = |spec: SampleSpec| match self.crypto_events {
            Some(events) if spec.profile == ActivityProfile::CryptoDay && spec.leader.is_none() => {
                spec.with_target_events(events)
            }
            _ => spec,
        };
        let all: Vec<SampleSpec> = SampleSpec::shipped()
            .into_iter()
            .map(|mut spec| match spec.leader.take() {
                Some(mut leader) => {
                    leader.spec = Box::new(resize(*leader.spec));
                    spec.leader = Some(leader);
                    spec
                }
                None => resize(spec),
            })
            .collect();
        let all: Vec<SampleSpec> = match self.day {
            None => all,
            Some(day) => {
                let days: Vec<String> = all.iter().map(|s| s.day.to_string()).collect();
                let chosen: Vec<SampleSpec> = all.into_iter().filter(|s| s.day == day).collect();
                if chosen.is_empty() {
                    let mut days = days;
                    days.sort();
                    days.dedup();
                    return Err(SampleError::UnknownDay {
                        day: day.to_string(),
                        known: days.join(", "),
                    });
                }
                chosen
            }
        };
        match &self.symbol {
            None => Ok(all),
            Some(symbol) => {
                let known = all
                    .iter()
                    .map(|spec| spec.symbol().to_owned())
                    .collect::<Vec<_>>()
                    .join(", ");
                let mut known: Vec<&str> = known.split(", ").collect();
                known.dedup();
                let known = known.join(", ");
                let chosen: Vec<SampleSpec> = all
                    .into_iter()
                    .filter(|spec| spec.symbol().eq_ignore_ascii_case(symbol))
                    .collect();
                if chosen.is_empty() {
                    Err(SampleError::UnknownSymbol {
                        symbol: symbol.clone(),
                        known,
                    })
                } else {
                    Ok(chosen)
                }
            }
        }
    }

    /// The `ticklab sample` command line that writes the folder `out_dir`
    /// again, run from the folder that contains it.
    pub fn command_line(&self, out_dir: &Path) -> String {
        let folder_name = out_dir.file_name().map_or_else(
            || out_dir.display().to_string(),
            |name| name.to_string_lossy().into_owned(),
        );
        let mut command = format!("ticklab sample --out {folder_name}");
        if self.seed != DEFAULT_SEED {
            let _ = write!(command, " --seed {}", self.seed);
        }
        if let Some(events) = self.crypto_events {
            let _ = write!(command, " --events {events}");
        }
        if let Some(symbol) = &self.symbol {
            let _ = write!(command, " --symbol {symbol}");
        }
        if let Some(day) = &self.day {
            let _ = write!(command, " --day {day}");
        }
        command
    }
}

/// One instrument's day, as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WrittenSample {
    /// The instrument's symbol.
    pub symbol: String,
    /// Its `instrument.toml`.
    pub instrument_file: PathBuf,
    /// Its day of events: file, rows and bytes.
    pub data: WriteSummary,
}

/// Why the sample folder could not be written.
#[derive(Debug, thiserror::Error)]
pub enum SampleError {
    /// A folder or small file could not be written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The folder or file.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// The day's Parquet file could not be written.
    #[error(transparent)]
    Data(#[from] DataError),
    /// `day` is not one of the samples' days.
    #[error("no sample day {day} (known: {known})")]
    UnknownDay {
        /// The day asked for.
        day: String,
        /// The days there are, comma-separated.
        known: String,
    },
    /// `symbol` is not one of the samples.
    #[error("no sample instrument {symbol:?} (known: {known})")]
    UnknownSymbol {
        /// The symbol asked for.
        symbol: String,
        /// The symbols there are, comma-separated.
        known: String,
    },
}

/// Writes the sample data folder into `out_dir` (created if missing): for
/// each instrument its `instrument.toml` and its day of events, then (when
/// every instrument is written) a `README.md` saying the data is synthetic
/// and how to regenerate it.
///
/// The same options always give the same files, byte for byte. Events
/// stream from the generator to the file, so memory stays bounded whatever
/// the size of the day.
pub fn write_sample_folder(
    out_dir: &Path,
    options: &SampleFolderOptions,
) -> Result<Vec<WrittenSample>, SampleError> {
    let specs = options.specs()?;
    let mut written = Vec::with_capacity(specs.len());
    // The fair-price path of each day written that a later day follows.
    let mut paths: Vec<(SampleSpec, LeaderPath)> = Vec::new();
    for spec in &specs {
        let dir = out_dir.join(spec.symbol());
        create_dir(&dir)?;
        let instrument_file = dir.join("instrument.toml");
        let header = instrument_header(spec, &specs, options, out_dir);
        write_text(&instrument_file, &spec.instrument.to_toml_string(&header))?;
        let data_file = dir.join(format!("{}.parquet", spec.day));
        let recorded = spec.leader.as_ref().and_then(|leader| {
            let at = paths.iter().position(|(s, _)| *s == *leader.spec)?;
            Some(paths.swap_remove(at).1)
        });
        let mut events = match recorded {
            Some(path) => SampleEvents::following(spec, options.seed, Some(path)),
            None => generate(spec, options.seed),
        };
        let is_followed = specs
            .iter()
            .any(|s| s.leader.as_ref().is_some_and(|l| *l.spec == *spec));
        if is_followed {
            events.record_path();
        }
        let data = write_events(
            &data_file,
            &spec.instrument,
            &mut events,
            &WriteOptions::default(),
        )?;
        if is_followed {
            paths.push((spec.clone(), events.take_path()));
        }
        written.push(WrittenSample {
            symbol: spec.symbol().to_owned(),
            instrument_file,
            data,
        });
    }
    if options.symbol.is_none() && options.day.is_none() {
        write_text(
            &out_dir.join("README.md"),
            &readme(&specs, &written, options, out_dir),
        )?;
    }
    Ok(written)
}

/// The comment block at the top of each `instrument.toml`; `specs` are
/// every day written.
fn instrument_header(
    spec: &SampleSpec,
    specs: &[SampleSpec],
    options: &SampleFolderOptions,
    out_dir: &Path,
) -> String {
    let days: Vec<String> = specs
        .iter()
        .filter(|s| s.symbol() == spec.symbol())
        .map(|s| s.day.to_string())
        .collect();
    let days = match days.as_slice() {
        [one] => format!("Its day {one} was"),
        many => format!("Its days {} were", many.join(", ")),
    };
    let follows = match &spec.leader {
        Some(leader) => format!(
            "Its fair price follows {}'s, {} ms later, with moves of its own.\n",
            leader.spec.symbol(),
            leader.lag_ns / 1_000_000
        ),
        None => String::new(),
    };
    format!(
        "{symbol}: a synthetic sample instrument, not real market data.\n\
         {days} generated by ticklab (seed {seed}): self-exciting\n\
         (Hawkes) order flow around a diffusing, jumping fair price, with an\n\
         intraday activity profile and lognormal feed latency.\n\
         {follows}\
         Regenerate, from the folder that holds the data folder, with:\n\
         {command}\n",
        symbol = spec.symbol(),
        seed = options.seed,
        command = options.command_line(out_dir),
    )
}

/// The folder's `README.md`.
fn readme(
    specs: &[SampleSpec],
    written: &[WrittenSample],
    options: &SampleFolderOptions,
    out_dir: &Path,
) -> String {
    let mut text = String::from(README_HEAD);
    for (spec, sample) in specs.iter().zip(written) {
        let _ = writeln!(
            text,
            "| `{}` | {} | {} | {} | {} | {} |",
            spec.symbol(),
            spec.day,
            session_text(spec),
            spec.instrument.tick_size,
            spec.instrument.lot_size,
            sample.data.rows,
        );
    }
    text.push_str(README_BODY);
    let command = options.command_line(out_dir);
    let _ = writeln!(
        text,
        "cargo run --release -- {}",
        command.trim_start_matches("ticklab ")
    );
    let _ = writeln!(text, "```\n\nSeed: {}.", options.seed);
    text
}

/// `README.md` up to the table of instruments.
const README_HEAD: &str = r"# Sample data (synthetic)

Everything in this folder is **synthetic**: generated by ticklab, not
recorded from any market. It is here so that ticklab has realistic days to
replay on a fresh machine.

| symbol | day | session (UTC) | tick | lot | events |
|---|---|---|---|---|---|
";

/// `README.md` after the table of instruments, up to the command.
const README_BODY: &str = r"
The stock's session, 14:30–21:00 UTC, is 09:30–16:00 in New York. Each
instrument folder holds `instrument.toml` (tick and lot size, fees) and one
Parquet file of events per day, in the canonical schema.

`ETH-PERP` moves with `BTC-PERP`: its fair price is its own times
`BTC-PERP`'s relative move since the open, 400 ms later, so their mid
returns are correlated and `BTC-PERP` leads. Run both on both days with
`--symbol BTC-PERP,ETH-PERP --day all` (the lead-lag examples in
`strategies/` do).

## How it is made

- Messages arrive as a self-exciting (Hawkes) process with an exponential
  kernel (branching ratio about 0.7) on top of an intraday activity profile:
  a U for the stock (busy open and close, quiet lunch), a milder day for the
  perpetual with a hump over US hours.
- An unobserved fair price diffuses (volatility rising with activity) and
  now and then jumps. Liquidity providers quote around it, mostly at or near
  the touch, and pull the quotes it moves through; market orders lean
  towards it, take the touch and sometimes sweep several levels. Spreads
  widen in bursts and refill.
- Cancels are proportional to resting size and concentrated near the touch;
  order sizes are lognormal, often rounded to round numbers.
- Feed latency `local_ts - exch_ts` is lognormal jitter (about 1 ms) with
  rare stalls; `local_ts` is never before `exch_ts`.
- The day opens with a clear and a snapshot of the book, then depth updates
  (the new quantity of a level; 0 deletes it) and trades (side = aggressor),
  each trade followed in its message by the levels it consumed. Only the last
  event of a message is flagged `LAST_IN_BATCH`; the book is never crossed
  after one.

## Regenerate

Generation is deterministic: the same command and seed write the same bytes.
From the folder that holds this one:

```
";

/// `hh:mm–hh:mm` of the spec's session, in UTC.
fn session_text(spec: &SampleSpec) -> String {
    let hhmm = |secs: u32| format!("{:02}:{:02}", secs / 3600, secs % 3600 / 60);
    format!(
        "{}–{}",
        hhmm(spec.session.open_utc_secs),
        hhmm(spec.session.close_utc_secs)
    )
}

fn create_dir(dir: &Path) -> Result<(), SampleError> {
    std::fs::create_dir_all(dir).map_err(|source| SampleError::Io {
        path: dir.to_owned(),
        source,
    })
}

fn write_text(path: &Path, text: &str) -> Result<(), SampleError> {
    std::fs::write(path, text).map_err(|source| SampleError::Io {
        path: path.to_owned(),
        source,
    })
}
