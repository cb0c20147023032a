//! [`PythonStrategy`]: a strategy file run through the [`Strategy`] trait.
//!
//! The file is loaded in `on_start`, on the thread that runs the strategy,
//! inside the guard and the console capture. Each callback then costs one
//! call into Python with objects made once per run (`ctx`, the book, the
//! market event, updated in place); market events a strategy has no
//! callback for never reach Python.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use pyo3::prelude::*;

use super::ctx::PyCtx;
use super::errors::{strategy_error, Site};
use super::event::{PyMarketEvent, PyOrderUpdate};
use super::guard::{self, Policy};
use super::load::{self, Loaded};
use super::scope::{self, Active};
use super::units::Units;
use super::watchdog::Watchdog;
use super::{console, module};
use crate::market::{EventKind, MarketEvent};
use crate::sim::OrderUpdate;
use crate::strategy::{Ctx, Strategy, StrategyError};

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
}

impl Default for PythonOptions {
    fn default() -> Self {
        PythonOptions {
            allow_network: false,
            write_dirs: Vec::new(),
            callback_budget: Some(DEFAULT_CALLBACK_BUDGET),
        }
    }
}

/// Identity of each Python strategy in the process.
static NEXT_OWNER: AtomicU64 = AtomicU64::new(1);

/// A strategy written in Python, run through the [`Strategy`] trait.
pub struct PythonStrategy {
    spec: PythonSpec,
    options: PythonOptions,
    owner: u64,
    state: CallState,
    runtime: Option<Runtime>,
}

/// What every callback needs mutably besides the Python objects.
struct CallState {
    /// Parked between callbacks (see [`scope`]).
    active: Option<Active>,
    watchdog: Option<Watchdog>,
}

/// The loaded strategy and the objects handed to it.
struct Runtime {
    loaded: Loaded,
    ctx: Py<PyCtx>,
    event: Py<PyMarketEvent>,
    units: Arc<Units>,
    /// Best bid and ask (price, qty; ticks, lots) last shown to `on_bbo`.
    touch: [i64; 4],
}

impl PythonStrategy {
    /// A strategy that loads `spec` when the run starts.
    pub fn new(spec: PythonSpec, options: PythonOptions) -> Self {
        PythonStrategy {
            spec,
            options,
            owner: NEXT_OWNER.fetch_add(1, Ordering::Relaxed),
            state: CallState {
                active: None,
                watchdog: None,
            },
            runtime: None,
        }
    }

    /// The strategy file.
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

    fn start(&mut self, py: Python<'_>, ctx: &mut Ctx<'_, '_>) -> Result<(), StrategyError> {
        let internal = |err: PyErr| StrategyError::msg(format!("starting Python: {err}"));
        let shared = module::shared(py).map_err(internal)?;
        console::install(py).map_err(internal)?;
        guard::install(py).map_err(internal)?;
        let policy = Arc::new(Policy::new(
            self.options.allow_network,
            &self.options.write_dirs,
        ));
        guard::set_fallback(Arc::clone(&policy));
        self.state.active = Some(Active::new(self.owner, policy));
        if let Some(budget) = self.options.callback_budget.filter(|b| !b.is_zero()) {
            let exception = shared.callback_timeout.clone_ref(py);
            let watchdog = Watchdog::start(budget, exception)
                .map_err(|err| StrategyError::msg(format!("cannot start the callback watchdog: {err}")))?;
            self.state.watchdog = Some(watchdog);
        }

        let source = read(&self.spec.path)?;
        let units = Arc::new(Units::new(ctx.instrument()));
        let initial_cash = ctx.account().initial_cash();
        let py_ctx = Py::new(py, PyCtx::new(py, self.owner, Arc::clone(&units), initial_cash).map_err(internal)?)
            .map_err(internal)?;
        let event = Py::new(py, PyMarketEvent::new(Arc::clone(&units))).map_err(internal)?;

        let spec = &self.spec;
        let owner = self.owner;
        let mut loaded = None;
        invoke(&mut self.state, py, ctx, &spec.path, |what| {
            *what = "loading the strategy";
            let strategy = load::load(py, &source, &spec.path, spec.class.as_deref(), &spec.params, owner)?;
            loaded = Some(strategy);
            Ok(())
        })?;
        let Some(loaded) = loaded else {
            return Err(StrategyError::msg("the strategy did not load"));
        };
        self.runtime = Some(Runtime {
            loaded,
            ctx: py_ctx,
            event,
            units,
            touch: [i64::MIN; 4],
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

/// Runs `f` as a callback: `ctx` lent, rules and console in force, the
/// watchdog armed; then sends what it printed to the run's log and turns a
/// Python exception into a [`StrategyError`]. `f` names what it is doing
/// through its argument, for the error.
fn invoke(
    state: &mut CallState,
    py: Python<'_>,
    ctx: &mut Ctx<'_, '_>,
    path: &Path,
    f: impl FnOnce(&mut &'static str) -> PyResult<()>,
) -> Result<(), StrategyError> {
    let Some(active) = state.active.take() else {
        return Err(StrategyError::msg("the Python strategy was not started"));
    };
    let mut what = "callback";
    if let Some(watchdog) = &mut state.watchdog {
        watchdog.enter();
    }
    let (result, mut active) = scope::run(active, ctx, || f(&mut what));
    if let Some(watchdog) = &mut state.watchdog {
        watchdog.exit();
    }
    for line in active.lines.drain(..) {
        ctx.log(line);
    }
    state.active = Some(active);
    result.map_err(|err| {
        let site = Site {
            what,
            ts_ns: Some(ctx.now_ns()),
            path,
            budget: state.watchdog.as_ref().map(Watchdog::budget),
        };
        strategy_error(py, &err, &site)
    })
}

/// Best bid and ask, price and quantity, with `i64::MIN` for an empty side.
#[inline]
fn touch_of(ctx: &Ctx<'_, '_>) -> [i64; 4] {
    let (bid, ask) = (ctx.best_bid(), ctx.best_ask());
    [
        bid.map_or(i64::MIN, |l| l.price),
        bid.map_or(i64::MIN, |l| l.qty),
        ask.map_or(i64::MIN, |l| l.price),
        ask.map_or(i64::MIN, |l| l.qty),
    ]
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
            invoke(&mut self.state, py, ctx, &self.spec.path, |what| {
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
        let callbacks = &rt.loaded.callbacks;
        let by_kind = match ev.kind {
            EventKind::Trade | EventKind::Fill => callbacks.on_trade.as_ref().map(|f| ("on_trade", f)),
            _ => callbacks.on_depth.as_ref().map(|f| ("on_depth", f)),
        };
        let mut on_bbo = None;
        if let Some(f) = &callbacks.on_bbo {
            if ev.is_last_in_batch() {
                let touch = touch_of(ctx);
                if touch != rt.touch {
                    rt.touch = touch;
                    on_bbo = Some(f);
                }
            }
        }
        if callbacks.on_market.is_none() && by_kind.is_none() && on_bbo.is_none() {
            return Ok(());
        }
        let rt = &*rt;
        Python::attach(|py| {
            if let Ok(mut event) = rt.event.try_borrow_mut(py) {
                event.set(ev);
            }
            let (py_ctx, event) = (rt.ctx.bind(py), rt.event.bind(py));
            invoke(&mut self.state, py, ctx, &self.spec.path, |what| {
                if let Some(f) = &rt.loaded.callbacks.on_market {
                    *what = "on_market";
                    f.bind(py).call1((py_ctx, event))?;
                }
                if let Some((name, f)) = by_kind {
                    *what = name;
                    f.bind(py).call1((py_ctx, event))?;
                }
                if let Some(f) = on_bbo {
                    *what = "on_bbo";
                    f.bind(py).call1((py_ctx, event))?;
                }
                Ok(())
            })
        })
    }

    fn on_order(&mut self, ctx: &mut Ctx<'_, '_>, update: &OrderUpdate) -> Result<(), StrategyError> {
        let Some(rt) = &self.runtime else {
            return Ok(());
        };
        let Some(f) = &rt.loaded.callbacks.on_order else {
            return Ok(());
        };
        Python::attach(|py| {
            invoke(&mut self.state, py, ctx, &self.spec.path, |what| {
                *what = "on_order";
                let update = Py::new(py, PyOrderUpdate::new(*update, Arc::clone(&rt.units)))?;
                f.bind(py).call1((rt.ctx.bind(py), update))?;
                Ok(())
            })
        })
    }

    fn on_timer(&mut self, ctx: &mut Ctx<'_, '_>, ts_ns: i64) -> Result<(), StrategyError> {
        let Some(rt) = &self.runtime else {
            return Ok(());
        };
        let Some(f) = &rt.loaded.callbacks.on_timer else {
            return Ok(());
        };
        Python::attach(|py| {
            invoke(&mut self.state, py, ctx, &self.spec.path, |what| {
                *what = "on_timer";
                f.bind(py).call1((rt.ctx.bind(py), ts_ns))?;
                Ok(())
            })
        })
    }

    fn on_finish(&mut self, ctx: &mut Ctx<'_, '_>) -> Result<(), StrategyError> {
        let result = match &self.runtime {
            Some(Runtime {
                loaded,
                ctx: py_ctx,
                ..
            }) => match &loaded.callbacks.on_finish {
                Some(f) => Python::attach(|py| {
                    invoke(&mut self.state, py, ctx, &self.spec.path, |what| {
                        *what = "on_finish";
                        f.bind(py).call1((py_ctx.bind(py),))?;
                        Ok(())
                    })
                }),
                None => Ok(()),
            },
            None => Ok(()),
        };
        // The run is over: stop the watchdog thread.
        self.state.watchdog = None;
        result
    }
}
