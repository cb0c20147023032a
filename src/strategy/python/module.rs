//! The embedded `ticklab` module a strategy imports: the `Strategy` base
//! class, the enums (`Side`, `Tif`, `OrderStatus`, ...), the exceptions and
//! the types of `ctx`, the book, events and orders.
//!
//! The enums and the base class are Python (`ticklab.py`, compiled into the
//! binary); the objects a strategy receives are Rust classes. The module is
//! made once per process and put in `sys.modules` (unless the `ticklab`
//! Python package is there already and re-exports it), so it exists
//! whichever code started the interpreter. Its enum members are kept here so that
//! handing one to Python allocates nothing.

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyModule, PyType};

use super::book::BookDepth;
use super::console::Console;
use super::ctx::PyCtx;
use super::event::{PyMarketEvent, PyOrderUpdate};
use super::orders::PyOrder;
use crate::market::{EventKind, MarketState, Side};
use crate::sim::{Liquidity, OrderState, OrderType, TimeInForce, UpdateKind};

/// Source of the Python half of the module.
const SOURCE: &str = include_str!("ticklab.py");

/// The module and what Rust hands out from it.
pub(crate) struct Shared {
    /// `ticklab` itself.
    pub module: Py<PyModule>,
    /// `ticklab.Strategy`.
    pub strategy_base: Py<PyType>,
    /// `ticklab.Book`.
    pub book_class: Py<PyType>,
    side: [Py<PyAny>; 3],
    event_kind: [Py<PyAny>; 11],
    market_state: [Py<PyAny>; 4],
    order_status: [Py<PyAny>; 7],
    order_type: [Py<PyAny>; 4],
    tif: [Py<PyAny>; 4],
    update_kind: [Py<PyAny>; 9],
    liquidity: [Py<PyAny>; 2],
    order_error: Py<PyType>,
    guard_error: Py<PyType>,
    /// `ticklab.CallbackTimeout`, raised by the watchdog.
    pub callback_timeout: Py<PyType>,
    dt_from_ns: Py<PyAny>,
    ns_from_dt: Py<PyAny>,
}

static SHARED: PyOnceLock<Shared> = PyOnceLock::new();

/// The module and its cached members, made on first use.
pub(crate) fn shared(py: Python<'_>) -> PyResult<&'static Shared> {
    SHARED.get_or_try_init(py, || build(py))
}

/// The module strategies import as `ticklab` (`Strategy`, the enums, the
/// exceptions), made on first use; the `ticklab` Python package
/// re-exports its names.
pub fn strategy_module(py: Python<'_>) -> PyResult<Bound<'_, PyModule>> {
    Ok(shared(py)?.module.bind(py).clone())
}

/// The members as a fixed-size array (the sizes are those of the enums).
fn array<const N: usize>(members: Vec<Py<PyAny>>) -> PyResult<[Py<PyAny>; N]> {
    members
        .try_into()
        .map_err(|_| PyRuntimeError::new_err("a ticklab enum has the wrong number of members"))
}

fn build(py: Python<'_>) -> PyResult<Shared> {
    let module = PyModule::new(py, "ticklab")?;
    module.add_class::<PyCtx>()?;
    module.add_class::<BookDepth>()?;
    module.add_class::<PyMarketEvent>()?;
    module.add_class::<PyOrderUpdate>()?;
    module.add_class::<PyOrder>()?;
    module.add_class::<Console>()?;
    let indicators = super::indicators::module(py)?;
    module.add_submodule(&indicators)?;
    let dict = module.dict();
    let builtins = py.import("builtins")?;
    let code = builtins.call_method1("compile", (SOURCE, "<ticklab>", "exec"))?;
    builtins.call_method1("exec", (code, &dict))?;
    // Inside the `ticklab` Python package, the package is `ticklab` and
    // re-exports this module's names; elsewhere this module is.
    let modules = py.import("sys")?.getattr("modules")?;
    if !modules.contains("ticklab")? {
        modules.set_item("ticklab", &module)?;
        modules.set_item("ticklab.indicators", &indicators)?;
    }

    let item = |name: &str| -> PyResult<Bound<'_, PyAny>> {
        dict.get_item(name)?
            .ok_or_else(|| PyRuntimeError::new_err(format!("ticklab.{name} is missing")))
    };
    let members = |class: &str, names: &[&str]| -> PyResult<Vec<Py<PyAny>>> {
        let class = item(class)?;
        names
            .iter()
            .map(|name| Ok(class.getattr(*name)?.unbind()))
            .collect()
    };
    let class =
        |name: &str| -> PyResult<Py<PyType>> { Ok(item(name)?.cast_into::<PyType>()?.unbind()) };
    let function = |name: &str| -> PyResult<Py<PyAny>> { Ok(item(name)?.unbind()) };
    Ok(Shared {
        strategy_base: class("Strategy")?,
        book_class: class("Book")?,
        side: array(members("Side", &["BUY", "SELL", "NONE"])?)?,
        event_kind: array(members(
            "EventKind",
            &[
                "DEPTH", "TRADE", "BBO", "CLEAR", "SNAPSHOT", "ADD", "MODIFY", "CANCEL", "FILL",
                "FUNDING", "STATUS",
            ],
        )?)?,
        market_state: array(members(
            "MarketState",
            &["TRADING", "PRE_OPEN", "HALTED", "CLOSED"],
        )?)?,
        order_status: array(members(
            "OrderStatus",
            &[
                "NEW",
                "ACCEPTED",
                "PARTIALLY_FILLED",
                "FILLED",
                "CANCELED",
                "REJECTED",
                "EXPIRED",
            ],
        )?)?,
        order_type: array(members(
            "OrderType",
            &["LIMIT", "MARKET", "STOP_MARKET", "STOP_LIMIT"],
        )?)?,
        tif: array(members("Tif", &["GTC", "IOC", "FOK", "POST_ONLY"])?)?,
        update_kind: array(members(
            "UpdateKind",
            &[
                "ACCEPTED",
                "FILL",
                "MODIFIED",
                "TRIGGERED",
                "CANCELED",
                "REJECTED",
                "EXPIRED",
                "CANCEL_REJECTED",
                "MODIFY_REJECTED",
            ],
        )?)?,
        liquidity: array(members("Liquidity", &["MAKER", "TAKER"])?)?,
        order_error: class("OrderError")?,
        guard_error: class("GuardError")?,
        callback_timeout: class("CallbackTimeout")?,
        dt_from_ns: function("_dt_from_ns")?,
        ns_from_dt: function("_ns_from_dt")?,
        module: module.unbind(),
    })
}

impl Shared {
    /// `ticklab.Side` member of `side`.
    pub(crate) fn side(&self, py: Python<'_>, side: Side) -> Py<PyAny> {
        self.side[side as usize].clone_ref(py)
    }

    /// `ticklab.EventKind` member of `kind`.
    pub(crate) fn event_kind(&self, py: Python<'_>, kind: EventKind) -> Py<PyAny> {
        self.event_kind[kind as usize].clone_ref(py)
    }

    /// `ticklab.MarketState` member of `state`.
    pub(crate) fn market_state(&self, py: Python<'_>, state: MarketState) -> Py<PyAny> {
        self.market_state[state as usize].clone_ref(py)
    }

    /// `ticklab.OrderStatus` member of `state`.
    pub(crate) fn order_status(&self, py: Python<'_>, state: OrderState) -> Py<PyAny> {
        let i = match state {
            OrderState::New => 0,
            OrderState::Accepted => 1,
            OrderState::PartiallyFilled => 2,
            OrderState::Filled => 3,
            OrderState::Canceled => 4,
            OrderState::Rejected => 5,
            OrderState::Expired => 6,
        };
        self.order_status[i].clone_ref(py)
    }

    /// `ticklab.OrderType` member of `order_type`.
    pub(crate) fn order_type(&self, py: Python<'_>, order_type: OrderType) -> Py<PyAny> {
        let i = match order_type {
            OrderType::Limit => 0,
            OrderType::Market => 1,
            OrderType::StopMarket => 2,
            OrderType::StopLimit => 3,
        };
        self.order_type[i].clone_ref(py)
    }

    /// `ticklab.Tif` member of `tif`.
    pub(crate) fn tif(&self, py: Python<'_>, tif: TimeInForce) -> Py<PyAny> {
        let i = match tif {
            TimeInForce::Gtc => 0,
            TimeInForce::Ioc => 1,
            TimeInForce::Fok => 2,
            TimeInForce::PostOnly => 3,
        };
        self.tif[i].clone_ref(py)
    }

    /// `ticklab.UpdateKind` member of `kind`.
    pub(crate) fn update_kind(&self, py: Python<'_>, kind: UpdateKind) -> Py<PyAny> {
        let i = match kind {
            UpdateKind::Accepted => 0,
            UpdateKind::Fill => 1,
            UpdateKind::Modified => 2,
            UpdateKind::Triggered => 3,
            UpdateKind::Canceled => 4,
            UpdateKind::Rejected => 5,
            UpdateKind::Expired => 6,
            UpdateKind::CancelRejected => 7,
            UpdateKind::ModifyRejected => 8,
        };
        self.update_kind[i].clone_ref(py)
    }

    /// `ticklab.Liquidity` member of `liquidity`.
    pub(crate) fn liquidity(&self, py: Python<'_>, liquidity: Liquidity) -> Py<PyAny> {
        let i = match liquidity {
            Liquidity::Maker => 0,
            Liquidity::Taker => 1,
        };
        self.liquidity[i].clone_ref(py)
    }

    /// A UTC `datetime` of ns since the epoch (to the microsecond).
    pub(crate) fn datetime(&self, py: Python<'_>, ts_ns: i64) -> PyResult<Py<PyAny>> {
        Ok(self.dt_from_ns.bind(py).call1((ts_ns,))?.unbind())
    }

    /// Ns since the epoch of a `datetime` (naive ones are taken as UTC).
    pub(crate) fn ns_from_datetime(&self, dt: &Bound<'_, PyAny>) -> PyResult<i64> {
        self.ns_from_dt.bind(dt.py()).call1((dt,))?.extract()
    }

    /// The module's namespace.
    pub(crate) fn dict<'py>(&self, py: Python<'py>) -> Bound<'py, PyDict> {
        self.module.bind(py).dict()
    }
}

/// A `ticklab.OrderError` with `message`.
pub(crate) fn order_error(py: Python<'_>, message: String) -> PyErr {
    match shared(py) {
        Ok(shared) => PyErr::from_type(shared.order_error.bind(py).clone(), message),
        Err(err) => err,
    }
}

/// A `ticklab.GuardError` (a `PermissionError`) with `message`.
pub(crate) fn guard_error(py: Python<'_>, message: String) -> PyErr {
    let message = format!("ticklab guard: {message}");
    match shared(py) {
        Ok(shared) => PyErr::from_type(shared.guard_error.bind(py).clone(), message),
        Err(_) => pyo3::exceptions::PyPermissionError::new_err(message),
    }
}
