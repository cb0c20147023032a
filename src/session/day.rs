//! The days of one instrument a run covers, with a strategy, ready to run.

use std::path::{Path, PathBuf};

use crossbeam_channel::Receiver;

use crate::book::cross::crossed_book_check;
use crate::book::{CrossedBookPolicy, CrossedTally};
use crate::market::cache::{plan_replay, CacheOptions, FollowedCache, GrowingCache, ReplayPlan};
use crate::market::catalog::{CatalogError, Day, DayFile};
use crate::market::day_range::DayGap;
use crate::market::parquet::{BatchCheck, DataError, EventReader, LoadTap, Loader, ReadOptions};
use crate::market::Instrument;
use crate::sim::{Engine, EngineError, RunConfig};
use crate::strategy::native::{MarketMaker, MarketMakerConfig, NoOp};
use crate::strategy::python::{PythonObject, PythonOptions, PythonSpec, PythonStrategy};
use crate::strategy::rules::{self, RuleSet, SignalFeed};
use crate::strategy::{Runner, Strategy};

use super::source::{DaysSource, GrowingSource, OpenDay, OpenParquet};
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

/// The instrument and files of the days a run covers.
#[derive(Debug, Clone)]
pub struct DayRun {
    /// The instrument traded.
    pub instrument: Instrument,
    /// The first day the strategy trades.
    pub day: Day,
    /// That day's Parquet file.
    pub file: PathBuf,
    /// Rows in the files of every day of the run, from their metadata.
    pub rows: u64,
    /// What is odd about the files but does not stop a run (rows outside
    /// their day, a warm-up without data), each naming the file and row.
    pub warnings: Vec<String>,
    /// Every day replayed, oldest first: warm-up days, then `day` and the
    /// days after it.
    pub days: Vec<RunDay>,
    /// Days in the span asked for that have no data: gaps in time.
    pub gaps: Vec<DayGap>,
    /// The warm-up, when the run has one.
    pub warmup: Option<Warmup>,
}

/// One day of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct RunDay {
    /// The day.
    pub day: Day,
    /// Its Parquet file.
    pub file: PathBuf,
    /// Rows in the file.
    pub rows: u64,
    /// True for a day replayed before the run's start, for the warm-up.
    pub warmup: bool,
}

/// Data replayed before the run's start with trading disabled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Warmup {
    /// Where the strategy starts seeing the data, ns since the epoch (the
    /// run's start less the warm-up).
    pub from_ns: i64,
    /// The run's start: midnight UTC of its first day, ns since the epoch.
    /// Orders before it are rejected (reason `warmup`) and the statistics
    /// start there.
    pub trading_from_ns: i64,
}

impl RunDay {
    pub(super) fn of(file: &DayFile, warmup: bool) -> Self {
        RunDay {
            day: file.day,
            file: file.path.clone(),
            rows: file.rows(),
            warmup,
        }
    }
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
            ReplayPlan::Following(followed) => {
                let check = crossed_book_check(&self.instrument, config.crossed_book, crossed);
                let source = growing_source(followed, &self.instrument, read, check);
                Ok((Engine::new(self.instrument.clone(), config, source)?, None))
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

    /// An engine over every day of the run, one after another on one clock
    /// (see [`DaysSource`]), each day read from its event cache when it has
    /// a valid one, else from Parquet (writing the cache as it goes). A
    /// warm-up's trading start is set on the engine. What the user should
    /// hear about the caches now is pushed onto `notes`; the outcomes of
    /// writing them arrive later on the returned receivers.
    pub fn engine_days(
        &self,
        config: &RunConfig,
        read: ReadOptions,
        cache: &CacheOptions,
        crossed: CrossedTally,
        notes: &mut Vec<String>,
    ) -> Result<(Engine<'static>, Vec<Receiver<String>>), SessionError> {
        let own = config.for_instrument(&self.instrument.symbol);
        let config = own.as_ref().unwrap_or(config);
        let (mut engine, later) = if self.days.len() <= 1 {
            let (engine, later) = self.engine_cached_with(config, read, cache, crossed, notes)?;
            (engine, later.into_iter().collect())
        } else {
            let mut later = Vec::new();
            let opens = self
                .days
                .iter()
                .map(|day| {
                    self.open_day_source(day, config, read, cache, &crossed, notes, &mut later)
                })
                .collect();
            let engine = Engine::new(self.instrument.clone(), config, DaysSource::new(opens))?;
            (engine, later)
        };
        if let Some(warmup) = self.warmup {
            engine.set_trading_from_ns(warmup.trading_from_ns);
        }
        Ok((engine, later))
    }

    /// How the source of `day` opens when the run reaches it: its cache,
    /// or its Parquet file through a loader thread started only then.
    #[expect(
        clippy::too_many_arguments,
        reason = "one call site, each argument distinct"
    )]
    fn open_day_source(
        &self,
        day: &RunDay,
        config: &RunConfig,
        read: ReadOptions,
        cache: &CacheOptions,
        crossed: &CrossedTally,
        notes: &mut Vec<String>,
        later: &mut Vec<Receiver<String>>,
    ) -> OpenDay {
        let plan = plan_replay(
            &day.file,
            &self.instrument,
            read.local_ts_policy,
            cache,
            notes,
        );
        match plan {
            ReplayPlan::Cached(cache) => Box::new(move || {
                Ok(Box::new(CacheSource::new(cache)) as Box<dyn crate::sim::EventSource<'static>>)
            }),
            ReplayPlan::Following(followed) => {
                let check =
                    crossed_book_check(&self.instrument, config.crossed_book, crossed.clone());
                let instrument = self.instrument.clone();
                Box::new(move || {
                    Ok(Box::new(growing_source(followed, &instrument, read, check))
                        as Box<dyn crate::sim::EventSource<'static>>)
                })
            }
            ReplayPlan::Parquet { tap } => {
                let tap = tap.filter(|_| config.crossed_book == CrossedBookPolicy::Error);
                later.extend(tap.as_ref().map(|tap| tap.notes()));
                let check =
                    crossed_book_check(&self.instrument, config.crossed_book, crossed.clone());
                let (file, instrument) = (day.file.clone(), self.instrument.clone());
                Box::new(move || {
                    let tap = tap.map(|tap| Box::new(tap) as Box<dyn LoadTap>);
                    let reader = EventReader::open(&file, &instrument, read)?.with_check(check);
                    let loader = Loader::from_reader_tapped(reader, tap)?;
                    Ok(Box::new(LoaderSource::new(loader))
                        as Box<dyn crate::sim::EventSource<'static>>)
                })
            }
        }
    }

    /// The days the strategy sees, oldest first.
    pub fn day_list(&self) -> Vec<Day> {
        self.days.iter().map(|d| d.day).collect()
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

/// The source of a day whose cache another process writes as it is
/// replayed, reading the day's Parquet file with `check` should that
/// writing be abandoned.
fn growing_source(
    followed: FollowedCache,
    instrument: &Instrument,
    read: ReadOptions,
    check: BatchCheck,
) -> GrowingSource {
    let (file, instrument) = (followed.source.clone(), instrument.clone());
    let open: OpenParquet = Box::new(move || {
        let reader = EventReader::open(&file, &instrument, read)?.with_check(check);
        Loader::from_reader(reader)
    });
    GrowingSource::new(GrowingCache::new(followed), open)
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
    /// A strategy class or instance handed over by the Python package.
    PythonObject {
        /// The class (made with `params`) or instance.
        object: PythonObject,
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
            StrategyChoice::Python { .. } | StrategyChoice::PythonObject { .. } => {
                self.build_with(&PythonOptions::default())
            }
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

    /// True for a Python strategy (a file or an object).
    pub fn is_python(&self) -> bool {
        matches!(
            self,
            StrategyChoice::Python { .. } | StrategyChoice::PythonObject { .. }
        )
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
            StrategyChoice::PythonObject { object, params } => Box::new(
                PythonStrategy::from_object(object.clone(), params.clone(), python.clone()),
            ),
            other => other.build(),
        }
    }
}
