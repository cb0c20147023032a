//! One day of one instrument, with a strategy, ready to run.

use std::path::{Path, PathBuf};

use crossbeam_channel::Receiver;

use crate::book::cross::crossed_book_check;
use crate::book::{CrossedBookPolicy, CrossedTally};
use crate::market::cache::{plan_replay, CacheOptions, ReplayPlan};
use crate::market::catalog::{Catalog, CatalogError, Day, DayFile};
use crate::market::parquet::{DataError, EventReader, LoadTap, Loader, ReadOptions};
use crate::market::Instrument;
use crate::sim::{Engine, EngineError, RunConfig};
use crate::strategy::native::{MarketMaker, MarketMakerConfig, NoOp};
use crate::strategy::python::{PythonOptions, PythonSpec, PythonStrategy};
use crate::strategy::rules::{self, RuleSet, SignalFeed};
use crate::strategy::{Runner, Strategy};

use super::{CacheSource, LoaderSource};

/// Why a run could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// The data folder could not be used.
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    /// The day's file could not be opened.
    #[error(transparent)]
    Data(#[from] DataError),
    /// The engine refused the configuration.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// The folder has no such symbol or day, or the choice is ambiguous.
    #[error("{0}")]
    NotFound(String),
    /// The strategy cannot be loaded.
    #[error("strategy {name}: {reason}")]
    Strategy {
        /// The name or file given.
        name: String,
        /// What is wrong.
        reason: String,
    },
}

/// The instrument and file of one day of data.
#[derive(Debug, Clone)]
pub struct DayRun {
    /// The instrument traded.
    pub instrument: Instrument,
    /// The day.
    pub day: Day,
    /// The day's Parquet file.
    pub file: PathBuf,
    /// Rows in the file, from its metadata.
    pub rows: u64,
    /// What is odd about the file but does not stop a run (rows outside
    /// its day), each naming the file and row.
    pub warnings: Vec<String>,
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
    let symbols = || {
        catalog
            .instruments
            .iter()
            .map(|i| i.instrument.symbol.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let data = match symbol {
        Some(symbol) => catalog.instrument(symbol).ok_or_else(|| {
            SessionError::NotFound(format!(
                "{}: no symbol {symbol:?}; the folder has: {}",
                data_dir.display(),
                symbols()
            ))
        })?,
        None => match catalog.instruments.as_slice() {
            [only] => only,
            _ => {
                return Err(SessionError::NotFound(format!(
                    "{}: several symbols, choose one with --symbol: {}",
                    data_dir.display(),
                    symbols()
                )))
            }
        },
    };
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
    })
}

impl DayRun {
    /// An engine over this day, its data streamed by a loader thread.
    pub fn engine(
        &self,
        config: &RunConfig,
        read: ReadOptions,
    ) -> Result<Engine<'static>, SessionError> {
        self.engine_with(config, read, CrossedTally::default())
    }

    /// [`DayRun::engine`], the batches that end with the book crossed
    /// counted in `crossed` when the configuration lets the run go on
    /// (`crossed_book = "warn"`).
    pub fn engine_with(
        &self,
        config: &RunConfig,
        read: ReadOptions,
        crossed: CrossedTally,
    ) -> Result<Engine<'static>, SessionError> {
        let check = crossed_book_check(&self.instrument, config.crossed_book, crossed);
        let reader = EventReader::open(&self.file, &self.instrument, read)?.with_check(check);
        let loader = Loader::from_reader(reader)?;
        Ok(Engine::new(
            self.instrument.clone(),
            config,
            LoaderSource::new(loader),
        )?)
    }

    /// An engine over this day that reads its event cache when a valid one
    /// exists, else streams the Parquet file and writes the cache as it
    /// goes (see [`crate::market::cache`]). What the user should hear about
    /// the cache now is pushed onto `notes`; the outcome of writing it
    /// arrives later on the returned receiver.
    pub fn engine_cached(
        &self,
        config: &RunConfig,
        read: ReadOptions,
        cache: &CacheOptions,
        notes: &mut Vec<String>,
    ) -> Result<(Engine<'static>, Option<Receiver<String>>), SessionError> {
        self.engine_cached_with(config, read, cache, CrossedTally::default(), notes)
    }

    /// Like [`DayRun::engine_cached`], counting the batches that end with
    /// the book crossed in `crossed` under `crossed_book = "warn"`.
    ///
    /// A cache is only ever written from a read that found no crossed
    /// batch (the check stops it, or, under `"warn"`, no cache is written),
    /// so a cached replay needs no check.
    pub fn engine_cached_with(
        &self,
        config: &RunConfig,
        read: ReadOptions,
        cache: &CacheOptions,
        crossed: CrossedTally,
        notes: &mut Vec<String>,
    ) -> Result<(Engine<'static>, Option<Receiver<String>>), SessionError> {
        let plan = plan_replay(
            &self.file,
            &self.instrument,
            read.local_ts_policy,
            cache,
            notes,
        );
        match plan {
            ReplayPlan::Cached(cache) => {
                let engine = Engine::new(self.instrument.clone(), config, CacheSource::new(cache))?;
                Ok((engine, None))
            }
            ReplayPlan::Parquet { tap } => {
                let tap = tap.filter(|_| config.crossed_book == CrossedBookPolicy::Error);
                let later = tap.as_ref().map(|tap| tap.notes());
                let tap = tap.map(|tap| Box::new(tap) as Box<dyn LoadTap>);
                let check = crossed_book_check(&self.instrument, config.crossed_book, crossed);
                let reader =
                    EventReader::open(&self.file, &self.instrument, read)?.with_check(check);
                let loader = Loader::from_reader_tapped(reader, tap)?;
                let engine =
                    Engine::new(self.instrument.clone(), config, LoaderSource::new(loader))?;
                Ok((engine, later))
            }
        }
    }

    /// A runner of `strategy` over this day.
    pub fn runner<S: Strategy>(
        &self,
        config: &RunConfig,
        read: ReadOptions,
        strategy: S,
    ) -> Result<Runner<'static, S>, SessionError> {
        Ok(Runner::new(self.engine(config, read)?, strategy))
    }
}

/// A strategy named on the command line or dropped on the window.
#[derive(Debug, Clone, PartialEq)]
pub enum StrategyChoice {
    /// The built-in strategy that never trades.
    NoOp,
    /// The built-in market maker quoting both sides at the touch.
    MarketMaker(MarketMakerConfig),
    /// A rule file (`.rules.toml`, `.rules.json`), read and checked.
    Rules {
        /// The file.
        path: PathBuf,
        /// Its rules.
        rules: RuleSet,
    },
    /// A strategy written in Python (a `.py` file), compiled and checked.
    Python {
        /// The strategy file.
        path: PathBuf,
        /// The class to run; by default the file's one `ticklab.Strategy`
        /// subclass.
        class: Option<String>,
        /// Keyword arguments of the class: the `[params]` table.
        params: toml::Table,
    },
}

impl StrategyChoice {
    /// Names of the built-in strategies, for help texts.
    pub const BUILT_IN: &'static [&'static str] = &["noop", "mm"];

    /// Parses a strategy name (`noop`, `mm`) or file; `params` is the
    /// `[params]` table of the run configuration.
    pub fn parse(name: &str, params: &toml::Table) -> Result<Self, SessionError> {
        let fail = |reason: String| SessionError::Strategy {
            name: name.to_owned(),
            reason,
        };
        match name {
            "noop" => Ok(StrategyChoice::NoOp),
            "mm" | "market_maker" => {
                let config: MarketMakerConfig = params
                    .clone()
                    .try_into()
                    .map_err(|err| fail(format!("[params]: {err}")))?;
                Ok(StrategyChoice::MarketMaker(config))
            }
            other if rules::is_rule_file(Path::new(other)) => {
                let rules = RuleSet::from_path(Path::new(other))
                    .and_then(|rules| rules.with_params(params))
                    .map_err(|err| fail(err.to_string()))?;
                Ok(StrategyChoice::Rules {
                    path: PathBuf::from(other),
                    rules,
                })
            }
            other if Path::new(other).extension().is_some_and(|e| e == "py") => {
                let path = PathBuf::from(other);
                PythonStrategy::check(&path).map_err(|err| fail(err.to_string()))?;
                Ok(StrategyChoice::Python {
                    path,
                    class: None,
                    params: params.clone(),
                })
            }
            other if Path::new(other).extension().is_some() => Err(fail(format!(
                "strategy files are not supported by this build; built-in strategies: {}",
                Self::BUILT_IN.join(", ")
            ))),
            _ => Err(fail(format!(
                "unknown strategy; built-in strategies: {}",
                Self::BUILT_IN.join(", ")
            ))),
        }
    }

    /// A fresh instance of the strategy.
    pub fn build(&self) -> Box<dyn Strategy + Send> {
        match self {
            StrategyChoice::NoOp => Box::new(NoOp),
            StrategyChoice::MarketMaker(config) => Box::new(MarketMaker::new(*config)),
            StrategyChoice::Rules { rules, .. } => Box::new(rules.strategy()),
            StrategyChoice::Python { .. } => self.build_with(&PythonOptions::default()),
        }
    }

    /// A fresh instance of the strategy and, for a rule file, the feed of
    /// its signals (why each rule fired) to drain while it runs; `python`
    /// says what a Python strategy may do (see [`StrategyChoice::build_with`]).
    pub fn build_with_signals(
        &self,
        python: &PythonOptions,
    ) -> (Box<dyn Strategy + Send>, Option<SignalFeed>) {
        match self {
            StrategyChoice::Rules { rules, .. } => {
                let strategy = rules.strategy();
                let feed = strategy.signal_feed();
                (Box::new(strategy), Some(feed))
            }
            _ => (self.build_with(python), None),
        }
    }
}

impl StrategyChoice {
    /// The same choice running class `class` of a Python file (`None`
    /// keeps the default); an error for other strategies.
    pub fn with_class(self, class: Option<String>) -> Result<Self, SessionError> {
        match (self, class) {
            (choice, None) => Ok(choice),
            (StrategyChoice::Python { path, params, .. }, Some(class)) => {
                Ok(StrategyChoice::Python {
                    path,
                    class: Some(class),
                    params,
                })
            }
            (_, Some(class)) => Err(SessionError::Strategy {
                name: class,
                reason: "a class can be chosen only for a Python strategy file".to_owned(),
            }),
        }
    }

    /// True for a Python strategy file.
    pub fn is_python(&self) -> bool {
        matches!(self, StrategyChoice::Python { .. })
    }

    /// A fresh instance of the strategy; `python` says what a Python
    /// strategy may do (network, file writes, callback budget) and is
    /// ignored by the others. [`StrategyChoice::build`] uses the default
    /// [`PythonOptions`]: no network, no file writes, 2 s per callback.
    pub fn build_with(&self, python: &PythonOptions) -> Box<dyn Strategy + Send> {
        match self {
            StrategyChoice::Python {
                path,
                class,
                params,
            } => Box::new(PythonStrategy::new(
                PythonSpec {
                    path: path.clone(),
                    class: class.clone(),
                    params: params.clone(),
                },
                python.clone(),
            )),
            other => other.build(),
        }
    }
}
