//! [`PythonStrategy`]: a strategy file run through the [`Strategy`] trait.
//!
//! The file is loaded in `on_start`, on the thread that runs the strategy,
//! inside the guard and the console capture. Each callback then costs one
//! call into Python with objects made once per run (`ctx`, the book, the
//! market event, updated in place); market events a strategy has no
//! callback for never reach Python.

mod feed;

use feed::{each_indicator, feed_indicators, slot_of, MarketCalls};

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use pyo3::prelude::*;

use super::book::{touch_of, BookMirror, Touch};
use super::book_follower::BookFollower;
use super::call::Prepared;
use super::ctx::PyCtx;
use super::errors::{strategy_error, Site};
use super::event::{PyMarketEvent, PyOrderUpdate};
use super::guard::{self, Policy};
use super::load::{self, Loaded};
use super::object::PythonObject;
use super::scope;
use super::units::Units;
use super::watchdog::Watchdog;
use super::{console, environment, module};
use crate::market::catalog::Day;
use crate::market::{EventKind, MarketEvent};
use crate::sim::OrderUpdate;
use crate::strategy::{Callback, CallbackSet, Ctx, Strategy, StrategyError};

/// Default wall-clock budget of one callback.
pub const DEFAULT_CALLBACK_BUDGET: Duration = Duration::from_secs(2);

/// A strategy file and how to make its strategy.
#[derive(Clone, Debug, PartialEq)]
pub struct PythonSpec {
    /// The `.py` file.
    pub path: PathBuf,
    /// The class to run; by default the file's one `ticklab.Strategy`
    /// subclass.
    pub class: Option<String>,
    /// Keyword arguments of the class (the run configuration's `[params]`).
    pub params: toml::Table,
}

/// What a Python strategy may do, and how long a callback may run.
#[derive(Clone, Debug, PartialEq)]
pub struct PythonOptions {
    /// Allow network access (sockets, name lookups); refused by default.
    pub allow_network: bool,
    /// Folders the strategy may write files in (usually the run's output
    /// folder); none by default.
    pub write_dirs: Vec<PathBuf>,
    /// Wall-clock budget of one callback (and of loading the file); a
    /// callback running longer is interrupted. `None` for no limit.
    pub callback_budget: Option<Duration>,
    /// Install the audit hook that enforces `allow_network` and
    /// `write_dirs` (and refuses starting processes). A hook stays for the
    /// life of the interpreter, so the Python package, which runs
    /// strategies in the user's own interpreter, leaves it off.
    pub guard_rails: bool,
}

impl Default for PythonOptions {
    fn default() -> Self {
        PythonOptions {
            allow_network: false,
            write_dirs: Vec::new(),
            callback_budget: Some(DEFAULT_CALLBACK_BUDGET),
            guard_rails: true,
        }
    }
}

/// Identity of each Python strategy in the process.
static NEXT_OWNER: AtomicU64 = AtomicU64::new(1);

/// A strategy written in Python, run through the [`Strategy`] trait.
pub struct PythonStrategy {
    spec: PythonSpec,
    /// The class or instance to run instead of a file's class.
    object: Option<PythonObject>,
    options: PythonOptions,
    calls: Calls,
    runtime: Option<Runtime>,
}

/// What making a callback needs besides the Python objects.
struct Calls {
    owner: u64,
    policy: Arc<Policy>,
    watchdog: Option<Watchdog>,
}

/// The loaded strategy and the objects handed to it.
///
/// Each instrument of the run (one, or several in the order named) has its
/// own units, event object and book; `index` picks the one a callback is
/// about.
struct Runtime {
    loaded: Loaded,
    ctx: Py<PyCtx>,
    events: Vec<Py<PyMarketEvent>>,
    /// The market callbacks, ready to call with each instrument's event.
    market: Vec<MarketCalls>,
    books: Vec<BookMirror>,
    units: Vec<Arc<Units>>,
    /// Points `ctx.book` at the book of the callback's instrument.
    ctx_book: BookFollower,
    /// The touch `on_bbo` was last called for, per instrument.
    bbo_touch: Vec<Touch>,
}

impl PythonStrategy {
    /// A strategy that loads `spec` when the run starts.
    pub fn new(spec: PythonSpec, options: PythonOptions) -> Self {
        PythonStrategy {
            spec,
            object: None,
            options,
            calls: Calls {
                owner: NEXT_OWNER.fetch_add(1, Ordering::Relaxed),
                policy: Arc::new(Policy::default()),
                watchdog: None,
            },
            runtime: None,
        }
    }

    /// A strategy that runs `object` (a `ticklab.Strategy` subclass, made
    /// with `params` as keyword arguments, or an instance) when the run
    /// starts.
    pub fn from_object(object: PythonObject, params: toml::Table, options: PythonOptions) -> Self {
        let spec = PythonSpec {
            path: object.source().to_path_buf(),
            class: None,
            params,
        };
        PythonStrategy {
            object: Some(object),
            ..PythonStrategy::new(spec, options)
        }
    }

    /// The strategy file (for an object, the file its class is defined in).
    pub fn path(&self) -> &Path {
        &self.spec.path
    }

    /// The class being run, once loaded.
    pub fn class_name(&self) -> Option<&str> {
        self.runtime.as_ref().map(|r| r.loaded.class_name.as_str())
    }

    /// Reads and compiles `path` without running it: a syntax error comes
    /// back with Python's message, file, line and caret.
    pub fn check(path: &Path) -> Result<(), StrategyError> {
        let source = read(path)?;
        Python::attach(|py| {
            load::compile(py, &source, path).map(|_| ()).map_err(|err| {
                let site = Site {
                    what: "compile",
                    ts_ns: None,
                    path,
                    budget: None,
                };
                strategy_error(py, &err, &site)
            })
        })
    }

    /// Starts Python's side of the run and loads the strategy.
    fn start(&mut self, py: Python<'_>, ctx: &mut Ctx<'_, '_>) -> Result<(), StrategyError> {
        let internal = |err: PyErr| StrategyError::msg(format!("starting Python: {err}"));
        let shared = module::shared(py).map_err(internal)?;
        console::install(py).map_err(internal)?;
        environment::add_virtual_env(py).map_err(internal)?;
        if self.options.guard_rails {
            guard::install(py).map_err(internal)?;
            self.calls.policy = Arc::new(Policy::new(
                self.options.allow_network,
                &self.options.write_dirs,
            ));
            guard::set_fallback(Arc::clone(&self.calls.policy));
        }
        if let Some(budget) = self.options.callback_budget.filter(|b| !b.is_zero()) {
            let exception = shared.callback_timeout.clone_ref(py);
            let watchdog = Watchdog::start(budget, exception).map_err(|err| {
                StrategyError::msg(format!("cannot start the callback watchdog: {err}"))
            })?;
            self.calls.watchdog = Some(watchdog);
        }

        let source = match &self.object {
            Some(_) => String::new(),
            None => read(&self.spec.path)?,
        };
        let owner = self.calls.owner;
        let symbols: Vec<String> = ctx.symbols().into_iter().map(str::to_owned).collect();
        let mut units = Vec::new();
        for symbol in &symbols {
            let instrument = ctx.instrument_of(symbol).unwrap_or(ctx.instrument());
            units.push(Arc::new(Units::new(instrument)));
        }
        let mut books = Vec::new();
        let mut events = Vec::new();
        for (symbol, units) in symbols.iter().zip(&units) {
            let book =
                BookMirror::new(py, owner, Arc::clone(units), symbol.clone()).map_err(internal)?;
            books.push(book);
            let event = Py::new(py, PyMarketEvent::new(Arc::clone(units))).map_err(internal)?;
            events.push(event);
        }
        let initial_cash = ctx.account().initial_cash();
        let Some(first_book) = books.first().map(|b| b.object(py)) else {
            return Err(StrategyError::msg(
                "starting Python: the run has no instrument",
            ));
        };
        let py_ctx = PyCtx::new(owner, units.clone(), first_book, initial_cash);
        let py_ctx = Py::new(py, py_ctx).map_err(internal)?;
        let ctx_book = BookFollower::new(py_ctx.bind(py), books.len()).map_err(internal)?;
        if let (Some(book), Some(first)) = (books.first_mut(), units.first()) {
            book.show(py, touch_of(ctx), first).map_err(internal)?;
        }
        let bbo_touch = vec![[i64::MIN; 4]; units.len()];

        let (spec, object) = (&self.spec, &self.object);
        let mut loaded = None;
        self.calls.invoke(py, ctx, &spec.path, |what| {
            *what = "loading the strategy";
            let strategy = match object {
                Some(object) => load::load_object(py, object.bind(py), &spec.params)?,
                None => load::load(
                    py,
                    &source,
                    &spec.path,
                    spec.class.as_deref(),
                    &spec.params,
                    owner,
                )?,
            };
            loaded = Some(strategy);
            Ok(())
        })?;
        let Some(loaded) = loaded else {
            return Err(StrategyError::msg("the strategy did not load"));
        };
        let market = events
            .iter()
            .map(|event| MarketCalls::new(py, &loaded, &py_ctx, event))
            .collect::<PyResult<Vec<_>>>()
            .map_err(internal)?;
        self.runtime = Some(Runtime {
            loaded,
            ctx: py_ctx,
            events,
            market,
            books,
            units,
            ctx_book,
            bbo_touch,
        });
        Ok(())
    }
}

fn read(path: &Path) -> Result<String, StrategyError> {
    load::read_source(path).map_err(|err| StrategyError::Failed {
        message: format!("cannot read the strategy file: {err}"),
        location: Some(path.display().to_string()),
    })
}

impl Calls {
    /// Runs `f` as a callback: `ctx` lent, rules and console in force, the
    /// watchdog armed; then sends what it printed to the run's log and
    /// turns a Python exception into a [`StrategyError`]. `f` names what it
    /// is doing through its argument, for the error.
    #[inline]
    fn invoke(
        &mut self,
        py: Python<'_>,
        ctx: &mut Ctx<'_, '_>,
        path: &Path,
        f: impl FnOnce(&mut &'static str) -> PyResult<()>,
    ) -> Result<(), StrategyError> {
        let mut what = "callback";
        if let Some(watchdog) = &mut self.watchdog {
            watchdog.enter();
        }
        let (result, lines) = scope::run(self.owner, &self.policy, ctx, || f(&mut what));
        if let Some(watchdog) = &mut self.watchdog {
            watchdog.exit();
        }
        for line in lines {
            ctx.log(line);
        }
        result.map_err(|err| {
            let site = Site {
                what,
                ts_ns: Some(ctx.now_ns()),
                path,
                budget: self.watchdog.as_ref().map(Watchdog::budget),
            };
            strategy_error(py, &err, &site)
        })
    }
}

impl PythonStrategy {
    /// Calls `on_day_start(ctx, day)` (`start`) or `on_day_end(ctx, day)`
    /// with the day as a `datetime.date`, when the class defines it.
    fn call_day(
        &mut self,
        ctx: &mut Ctx<'_, '_>,
        day: Day,
        start: bool,
    ) -> Result<(), StrategyError> {
        let Some(rt) = &mut self.runtime else {
            return Ok(());
        };
        let (callback, name) = if start {
            (&rt.loaded.callbacks.on_day_start, "on_day_start")
        } else {
            (&rt.loaded.callbacks.on_day_end, "on_day_end")
        };
        let Some(f) = callback else {
            return Ok(());
        };
        let touch = touch_of(ctx);
        Python::attach(|py| {
            let i = slot_of(rt.units.len(), ctx);
            let (book, units, follower) = (&mut rt.books[i], &rt.units[i], &mut rt.ctx_book);
            self.calls.invoke(py, ctx, &self.spec.path, |what| {
                *what = name;
                follower.follow(py, i, book.object_ref());
                book.show(py, touch, units)?;
                let date = py.import("datetime")?.getattr("date")?.call1((
                    day.year(),
                    day.month(),
                    day.day(),
                ))?;
                f.bind(py).call1((rt.ctx.bind(py), date))?;
                Ok(())
            })
        })
    }
}

impl Strategy for PythonStrategy {
    fn on_start(&mut self, ctx: &mut Ctx<'_, '_>) -> Result<(), StrategyError> {
        Python::attach(|py| {
            self.start(py, ctx)?;
            let Some(rt) = &self.runtime else {
                return Ok(());
            };
            let Some(on_start) = &rt.loaded.callbacks.on_start else {
                return Ok(());
            };
            self.calls.invoke(py, ctx, &self.spec.path, |what| {
                *what = "on_start";
                on_start.bind(py).call1((rt.ctx.bind(py),))?;
                Ok(())
            })
        })
    }

    #[inline]
    fn on_market(&mut self, ctx: &mut Ctx<'_, '_>, ev: &MarketEvent) -> Result<(), StrategyError> {
        let Some(rt) = &mut self.runtime else {
            return Ok(());
        };
        if rt.ctx.get().has_indicators() {
            feed_indicators(rt, ctx, ev)?;
        }
        let i = slot_of(rt.units.len(), ctx);
        let calls = &rt.market[i];
        let by_kind = match ev.kind {
            EventKind::Trade | EventKind::Fill => calls.on_trade.as_ref().map(|f| ("on_trade", f)),
            EventKind::Funding => None,
            _ => calls.on_depth.as_ref().map(|f| ("on_depth", f)),
        };
        // Only the end of a batch can change the touch `on_bbo` is told of.
        let bbo_due = calls.on_bbo.is_some() && ev.is_last_in_batch();
        if calls.on_market.is_none() && by_kind.is_none() && !bbo_due {
            return Ok(());
        }
        let touch = touch_of(ctx);
        let mut on_bbo = None;
        if let Some(f) = calls.on_bbo.as_ref().filter(|_| bbo_due) {
            if touch != rt.bbo_touch[i] {
                rt.bbo_touch[i] = touch;
                on_bbo = Some(f);
            }
        }
        let on_market = calls.on_market.as_ref();
        if on_market.is_none() && by_kind.is_none() && on_bbo.is_none() {
            return Ok(());
        }
        rt.events[i].get().set(ev);
        let (book, units, follower) = (&mut rt.books[i], &rt.units[i], &mut rt.ctx_book);
        Python::attach(|py| {
            self.calls.invoke(py, ctx, &self.spec.path, |what| {
                follower.follow(py, i, book.object_ref());
                book.show(py, touch, units)?;
                if let Some(f) = on_market {
                    *what = "on_market";
                    f.call(py)?;
                }
                if let Some((name, f)) = by_kind {
                    *what = name;
                    f.call(py)?;
                }
                if let Some(f) = on_bbo {
                    *what = "on_bbo";
                    f.call(py)?;
                }
                Ok(())
            })
        })
    }

    fn on_status(&mut self, ctx: &mut Ctx<'_, '_>, ev: &MarketEvent) -> Result<(), StrategyError> {
        let Some(rt) = &mut self.runtime else {
            return Ok(());
        };
        if rt.ctx.get().has_indicators() {
            // The rules evaluate again when the market state changes.
            let (index, now_ns) = (ctx.instrument_index(), ctx.now_ns());
            let touch = (ctx.best_bid(), ctx.best_ask());
            each_indicator(rt, |of, indicator| {
                if of == index {
                    indicator.on_book(now_ns, ctx.book(), touch, true);
                } else {
                    indicator.tell_time(now_ns);
                }
            })?;
        }
        let i = slot_of(rt.units.len(), ctx);
        let Some(f) = &rt.market[i].on_status else {
            return Ok(());
        };
        let touch = touch_of(ctx);
        rt.events[i].get().set(ev);
        let (book, units, follower) = (&mut rt.books[i], &rt.units[i], &mut rt.ctx_book);
        Python::attach(|py| {
            self.calls.invoke(py, ctx, &self.spec.path, |what| {
                *what = "on_status";
                follower.follow(py, i, book.object_ref());
                book.show(py, touch, units)?;
                f.call(py)
            })
        })
    }

    fn on_order(
        &mut self,
        ctx: &mut Ctx<'_, '_>,
        update: &OrderUpdate,
    ) -> Result<(), StrategyError> {
        let Some(rt) = &mut self.runtime else {
            return Ok(());
        };
        if rt.ctx.get().has_indicators() {
            let index = ctx.instrument_index();
            each_indicator(rt, |of, indicator| {
                if of == index {
                    indicator.on_order();
                }
            })?;
        }
        let Some(f) = &rt.loaded.callbacks.on_order else {
            return Ok(());
        };
        let touch = touch_of(ctx);
        Python::attach(|py| {
            let i = slot_of(rt.units.len(), ctx);
            let (book, units, follower) = (&mut rt.books[i], &rt.units[i], &mut rt.ctx_book);
            self.calls.invoke(py, ctx, &self.spec.path, |what| {
                *what = "on_order";
                follower.follow(py, i, book.object_ref());
                book.show(py, touch, units)?;
                let update = Py::new(py, PyOrderUpdate::new(*update, Arc::clone(units)))?;
                f.bind(py).call1((rt.ctx.bind(py), update))?;
                Ok(())
            })
        })
    }

    fn on_timer(&mut self, ctx: &mut Ctx<'_, '_>, ts_ns: i64) -> Result<(), StrategyError> {
        let Some(rt) = &mut self.runtime else {
            return Ok(());
        };
        let Some(f) = &rt.loaded.callbacks.on_timer else {
            return Ok(());
        };
        let touch = touch_of(ctx);
        Python::attach(|py| {
            let i = slot_of(rt.units.len(), ctx);
            let (book, units, follower) = (&mut rt.books[i], &rt.units[i], &mut rt.ctx_book);
            self.calls.invoke(py, ctx, &self.spec.path, |what| {
                *what = "on_timer";
                follower.follow(py, i, book.object_ref());
                book.show(py, touch, units)?;
                f.bind(py).call1((rt.ctx.bind(py), ts_ns))?;
                Ok(())
            })
        })
    }

    fn on_day_start(&mut self, ctx: &mut Ctx<'_, '_>, day: Day) -> Result<(), StrategyError> {
        self.call_day(ctx, day, true)
    }

    fn on_day_end(&mut self, ctx: &mut Ctx<'_, '_>, day: Day) -> Result<(), StrategyError> {
        self.call_day(ctx, day, false)
    }

    fn on_finish(&mut self, ctx: &mut Ctx<'_, '_>) -> Result<(), StrategyError> {
        let result = match &mut self.runtime {
            Some(rt) => match &rt.loaded.callbacks.on_finish {
                Some(f) => {
                    let touch = touch_of(ctx);
                    Python::attach(|py| {
                        let i = slot_of(rt.units.len(), ctx);
                        let (book, units, follower) =
                            (&mut rt.books[i], &rt.units[i], &mut rt.ctx_book);
                        self.calls.invoke(py, ctx, &self.spec.path, |what| {
                            *what = "on_finish";
                            follower.follow(py, i, book.object_ref());
                            book.show(py, touch, units)?;
                            f.bind(py).call1((rt.ctx.bind(py),))?;
                            Ok(())
                        })
                    })
                }
                None => Ok(()),
            },
            None => Ok(()),
        };
        // The run is over: stop the watchdog thread.
        self.calls.watchdog = None;
        result
    }

    fn callbacks(&self) -> CallbackSet {
        let Some(rt) = &self.runtime else {
            return CallbackSet::NONE;
        };
        let c = &rt.loaded.callbacks;
        // Indicators registered in `on_start` are fed from every event.
        let fed = rt.ctx.get().has_indicators();
        let market = c.on_market.is_some()
            || c.on_depth.is_some()
            || c.on_trade.is_some()
            || c.on_bbo.is_some()
            || fed;
        CallbackSet::NONE
            .with_if(Callback::Start, c.on_start.is_some())
            .with_if(Callback::Market, market)
            .with_if(Callback::Order, c.on_order.is_some() || fed)
            .with_if(Callback::Timer, c.on_timer.is_some())
            .with_if(Callback::Status, c.on_status.is_some() || fed)
            .with_if(Callback::DayStart, c.on_day_start.is_some())
            .with_if(Callback::DayEnd, c.on_day_end.is_some())
            // The host stops its watchdog at the end, defined or not.
            .with(Callback::Finish)
    }
}
