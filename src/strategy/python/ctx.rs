//! `ctx`: what a Python callback acts through — the clock, the book, the
//! account, open orders, order entry, timers and the log — in natural
//! units. Every call goes straight to the engine's [`Ctx`] lent for the
//! callback (see [`super::slot`]); nothing is copied per event.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use pyo3::exceptions::{PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDateTime, PyDelta, PyDeltaAccess, PyFloat, PyInt, PyList, PyString, PyTuple};

use super::book::BookMirror;
use super::indicators::PyIndicator;
use super::orders::{batch_entry, OrderArgs, PyOrder};
use super::slot::{self, Unavailable};
use super::units::Units;
use super::{module, scope};
use crate::market::Side;
use crate::sim::{OrderError, OrderId, TimerId, MAX_BATCH_ORDERS};
use crate::strategy::Ctx;

/// The error raised when `ctx` is used where it cannot act.
pub(crate) fn unavailable(why: Unavailable) -> PyErr {
    match why {
        Unavailable::OutsideCallback => PyRuntimeError::new_err(
            "ctx can act only inside a callback of its strategy, on the thread running it",
        ),
        Unavailable::Reentered => PyRuntimeError::new_err(
            "ctx is busy: it was called again from code running inside a ctx call",
        ),
    }
}

fn order_error(py: Python<'_>, err: OrderError) -> PyErr {
    module::order_error(py, err.to_string())
}

/// The strategy's whole world during a callback.
#[pyclass(name = "Ctx", module = "ticklab", frozen)]
pub(crate) struct PyCtx {
    owner: u64,
    /// Each instrument's units, in the order the run names them (one for
    /// a run of one instrument).
    units: Vec<Arc<Units>>,
    /// The order book of the instrument the callback is about, as the
    /// strategy sees it (a `ticklab.Book`).
    //
    // A member Python reads directly; in a run over several instruments
    // the host points it at the callback's instrument's book before the
    // callback (`book_follower`), so Rust never reads it.
    #[pyo3(get)]
    pub(super) book: Py<PyAny>,
    initial_cash: f64,
    /// Indicators registered with `ctx.register`, each with the index of
    /// the instrument it is fed from.
    indicators: Mutex<Vec<(usize, Py<PyIndicator>)>>,
    /// Whether any is registered (read on every event).
    has_indicators: AtomicBool,
}

impl PyCtx {
    /// The `ctx` of strategy `owner` over the instruments of `units` (in
    /// the order the run names them; at least one), showing `book`, the
    /// first one's.
    pub(crate) fn new(
        owner: u64,
        units: Vec<Arc<Units>>,
        book: Py<PyAny>,
        initial_cash: f64,
    ) -> Self {
        PyCtx {
            owner,
            units,
            book,
            initial_cash,
            indicators: Mutex::new(Vec::new()),
            has_indicators: AtomicBool::new(false),
        }
    }

    /// Whether an indicator is registered.
    #[inline]
    pub(crate) fn has_indicators(&self) -> bool {
        self.has_indicators.load(Ordering::Relaxed)
    }

    /// Calls `f` with each registered indicator and the index of the
    /// instrument it is fed from.
    pub(crate) fn each_indicator(
        &self,
        py: Python<'_>,
        mut f: impl FnMut(usize, &mut PyIndicator),
    ) -> PyResult<()> {
        let registered = self
            .indicators
            .lock()
            .map_err(|_| PyRuntimeError::new_err("ctx's indicators are unusable"))?;
        for (index, indicator) in registered.iter() {
            let mut indicator = indicator.bind(py).try_borrow_mut()?;
            f(*index, &mut indicator);
        }
        Ok(())
    }

    #[inline]
    fn with<R>(&self, f: impl FnOnce(&mut Ctx<'_, '_>) -> R) -> PyResult<R> {
        slot::with_ctx(self.owner, f).map_err(unavailable)
    }

    /// Which instrument the callback is about (0 for a run of one).
    #[inline]
    fn index(&self) -> PyResult<usize> {
        if self.units.len() <= 1 {
            return Ok(0);
        }
        let index = self.with(|ctx| ctx.instrument_index())?;
        Ok(index.min(self.units.len() - 1))
    }

    /// The units of the instrument the callback is about.
    #[inline]
    fn units(&self) -> PyResult<&Arc<Units>> {
        let index = self.index()?;
        self.units
            .get(index)
            .ok_or_else(|| PyRuntimeError::new_err("ctx has no instrument"))
    }

    /// The index and units of instrument `symbol`, or the error naming the
    /// run's symbols.
    fn units_of(&self, py: Python<'_>, symbol: &str) -> PyResult<(usize, &Arc<Units>)> {
        self.units
            .iter()
            .enumerate()
            .find(|(_, u)| u.instrument().symbol == symbol)
            .ok_or_else(|| {
                order_error(
                    py,
                    OrderError::UnknownSymbol {
                        symbol: symbol.to_owned(),
                        symbols: self.symbol_list().join(", "),
                    },
                )
            })
    }

    fn symbol_list(&self) -> Vec<String> {
        self.units
            .iter()
            .map(|u| u.instrument().symbol.clone())
            .collect()
    }

    fn send(&self, py: Python<'_>, args: &OrderArgs<'_>, symbol: Option<&str>) -> PyResult<u64> {
        let sent = match symbol {
            None => {
                let request = args.request(self.units()?)?;
                self.with(|ctx| ctx.submit(request))?
            }
            Some(symbol) => {
                let request = args.request(self.units_of(py, symbol)?.1)?;
                self.with(|ctx| ctx.submit_to(symbol, request))?
            }
        };
        sent.map(|id| id.0).map_err(|err| order_error(py, err))
    }
}

#[pymethods]
impl PyCtx {
    /// Local time, ns since the epoch: the data time of what is being
    /// handled.
    #[getter]
    fn now(&self) -> PyResult<i64> {
        self.with(|ctx| ctx.now_ns())
    }

    /// Local time as a UTC `datetime` (to the microsecond).
    #[getter]
    fn now_dt(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let now = self.now()?;
        module::shared(py)?.datetime(py, now)
    }

    /// The venue's trading state as the strategy sees it (`MarketState`):
    /// orders match only in TRADING.
    #[getter]
    fn market_state(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let state = self.with(|ctx| ctx.market_state())?;
        Ok(module::shared(py)?.market_state(py, state))
    }

    /// Market events seen so far.
    #[getter]
    fn event_index(&self) -> PyResult<u64> {
        self.with(|ctx| ctx.event_index())
    }

    /// The symbol of the instrument the callback is about.
    #[getter]
    fn symbol(&self) -> PyResult<String> {
        Ok(self.units()?.instrument().symbol.clone())
    }

    /// The run's symbols, in the order named.
    #[getter]
    fn symbols(&self) -> Vec<String> {
        self.symbol_list()
    }

    /// Price grid step of the instrument the callback is about.
    #[getter]
    fn tick_size(&self) -> PyResult<f64> {
        Ok(self.units()?.instrument().tick_size)
    }

    /// Quantity grid step of the instrument the callback is about.
    #[getter]
    fn lot_size(&self) -> PyResult<f64> {
        Ok(self.units()?.instrument().lot_size)
    }

    /// The order book of `symbol` as the strategy sees it, now.
    fn book_of(&self, py: Python<'_>, symbol: &str) -> PyResult<Py<PyAny>> {
        let (_, units) = self.units_of(py, symbol)?;
        let touch = self.with(|ctx| {
            ctx.book_of(symbol).map(|book| {
                let (bid, ask) = (book.best_bid(), book.best_ask());
                [
                    bid.map_or(i64::MIN, |l| l.price),
                    bid.map_or(i64::MIN, |l| l.qty),
                    ask.map_or(i64::MIN, |l| l.price),
                    ask.map_or(i64::MIN, |l| l.qty),
                ]
            })
        })?;
        let mut mirror = BookMirror::new(py, self.owner, Arc::clone(units), symbol.to_owned())?;
        mirror.show(py, touch.unwrap_or([i64::MIN; 4]), units)?;
        Ok(mirror.object(py))
    }

    /// Signed position in `symbol` (positive = long).
    fn position_of(&self, py: Python<'_>, symbol: &str) -> PyResult<f64> {
        let (_, units) = self.units_of(py, symbol)?;
        let lots = self.with(|ctx| ctx.position_of(symbol))?.unwrap_or(0);
        Ok(units.qty(lots))
    }

    /// Equity of the run's one account: cash plus every instrument's
    /// position marked to its mid, currency units.
    #[getter]
    fn account_equity(&self) -> PyResult<f64> {
        self.with(|ctx| ctx.account_equity())
    }

    /// Signed position (positive = long).
    #[getter]
    fn position(&self) -> PyResult<f64> {
        let lots = self.with(|ctx| ctx.position_lots())?;
        Ok(self.units()?.qty(lots))
    }

    /// Average entry price of the position (0.0 when flat).
    #[getter]
    fn avg_price(&self) -> PyResult<f64> {
        let ticks = self.with(|ctx| ctx.avg_entry_ticks())?;
        Ok(self.units()?.avg_price(ticks))
    }

    /// Cash, currency units.
    #[getter]
    fn cash(&self) -> PyResult<f64> {
        self.with(|ctx| ctx.cash())
    }

    /// Cash plus the position marked to the mid, currency units.
    #[getter]
    fn equity(&self) -> PyResult<f64> {
        self.with(|ctx| ctx.equity())
    }

    /// Profit and loss so far (equity minus starting cash, after fees).
    #[getter]
    fn pnl(&self) -> PyResult<f64> {
        Ok(self.equity()? - self.initial_cash)
    }

    /// Realized PnL before fees, currency units.
    #[getter]
    fn realized_pnl(&self) -> PyResult<f64> {
        self.with(|ctx| ctx.realized_pnl())
    }

    /// PnL of the open position marked to the mid, currency units.
    #[getter]
    fn unrealized_pnl(&self) -> PyResult<f64> {
        self.with(|ctx| ctx.unrealized_pnl())
    }

    /// Fees paid, currency units (negative when rebates dominate).
    #[getter]
    fn fees(&self) -> PyResult<f64> {
        self.with(|ctx| ctx.fees_paid())
    }

    /// Open orders, in the order sent, with their queue positions.
    #[getter]
    fn open_orders<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let orders = self.with(|ctx| ctx.open_orders().to_vec())?;
        let list = PyList::empty(py);
        for order in orders {
            list.append(PyOrder::new(order, Arc::clone(self.units()?)))?;
        }
        Ok(list)
    }

    /// The open order `id`, or None once it is final (or never existed).
    fn order(&self, id: u64) -> PyResult<Option<PyOrder>> {
        let order = self.with(|ctx| ctx.order(OrderId(id)).copied())?;
        let units = self.units()?;
        Ok(order.map(|o| PyOrder::new(o, Arc::clone(units))))
    }

    /// Sends a buy: limit at `price` when given, market otherwise; `stop`
    /// makes it a stop order. Returns the order id.
    #[pyo3(signature = (qty, price = None, *, tif = None, post_only = false, stop = None, symbol = None))]
    #[expect(clippy::too_many_arguments, reason = "Python's keyword arguments")]
    fn buy(
        &self,
        py: Python<'_>,
        qty: f64,
        price: Option<f64>,
        tif: Option<Bound<'_, PyAny>>,
        post_only: bool,
        stop: Option<f64>,
        symbol: Option<&str>,
    ) -> PyResult<u64> {
        let args = OrderArgs {
            side: Side::Buy,
            qty,
            price,
            tif,
            post_only,
            stop,
        };
        self.send(py, &args, symbol)
    }

    /// Sends a sell: limit at `price` when given, market otherwise; `stop`
    /// makes it a stop order. Returns the order id.
    #[pyo3(signature = (qty, price = None, *, tif = None, post_only = false, stop = None, symbol = None))]
    #[expect(clippy::too_many_arguments, reason = "Python's keyword arguments")]
    fn sell(
        &self,
        py: Python<'_>,
        qty: f64,
        price: Option<f64>,
        tif: Option<Bound<'_, PyAny>>,
        post_only: bool,
        stop: Option<f64>,
        symbol: Option<&str>,
    ) -> PyResult<u64> {
        let args = OrderArgs {
            side: Side::Sell,
            qty,
            price,
            tif,
            post_only,
            stop,
        };
        self.send(py, &args, symbol)
    }

    /// Sends up to 100 orders at once (dicts with side, qty, price, tif,
    /// post_only, stop; or (side, qty, price) tuples); nothing is sent if
    /// any is invalid. Returns their ids.
    fn submit_batch(&self, py: Python<'_>, orders: &Bound<'_, PyAny>) -> PyResult<Vec<u64>> {
        let len = orders.len()?;
        if len > MAX_BATCH_ORDERS {
            return Err(order_error(
                py,
                OrderError::BatchTooLarge {
                    len,
                    max: MAX_BATCH_ORDERS,
                },
            ));
        }
        let mut requests = Vec::with_capacity(len);
        for (i, entry) in orders.try_iter()?.enumerate() {
            requests.push(batch_entry(self.units()?, &entry?, i)?);
        }
        let ids = self
            .with(|ctx| ctx.submit_batch(&requests))?
            .map_err(|err| order_error(py, err))?;
        Ok(ids.into_iter().map(|id| id.0).collect())
    }

    /// Asks to cancel order `id`.
    fn cancel(&self, py: Python<'_>, id: u64) -> PyResult<()> {
        self.with(|ctx| ctx.cancel(OrderId(id)))?
            .map_err(|err| order_error(py, err))
    }

    /// Asks to cancel every open order; returns how many cancels were sent.
    fn cancel_all(&self) -> PyResult<usize> {
        self.with(|ctx| ctx.cancel_all())
    }

    /// Asks to change a limit order's price and/or total quantity
    /// (including what has filled); what is not given stays.
    #[pyo3(signature = (id, price = None, qty = None))]
    fn modify(
        &self,
        py: Python<'_>,
        id: u64,
        price: Option<f64>,
        qty: Option<f64>,
    ) -> PyResult<()> {
        let units = self.units()?;
        let price_ticks = price.map(|p| units.ticks(p)).transpose()?;
        let qty_lots = qty.map(|q| units.lots(q)).transpose()?;
        self.with(|ctx| {
            let Some(order) = ctx.order(OrderId(id)).copied() else {
                return Err(OrderError::UnknownOrder(OrderId(id)));
            };
            ctx.modify(
                order.id,
                price_ticks.unwrap_or(order.price_ticks),
                qty_lots.unwrap_or(order.qty_lots),
            )
        })?
        .map_err(|err| order_error(py, err))
    }

    /// Sets a timer `at` a time (ns since the epoch, or a datetime) or
    /// `after` a delay (seconds, or a timedelta); `on_timer` gets it.
    /// Returns the timer id.
    #[pyo3(signature = (at = None, after = None))]
    fn set_timer(
        &self,
        py: Python<'_>,
        at: Option<Bound<'_, PyAny>>,
        after: Option<Bound<'_, PyAny>>,
    ) -> PyResult<u64> {
        match (at, after) {
            (Some(at), None) => {
                let at_ns = if at.is_instance_of::<PyDateTime>() {
                    module::shared(py)?.ns_from_datetime(&at)?
                } else if at.is_instance_of::<PyInt>() {
                    at.extract()?
                } else {
                    return Err(PyTypeError::new_err(
                        "at= is a time in ns since the epoch (int) or a datetime",
                    ));
                };
                self.with(|ctx| ctx.set_timer_at(at_ns).0)
            }
            (None, Some(after)) => {
                let delay_ns = delay_ns(&after)?;
                self.with(|ctx| ctx.set_timer_in(delay_ns))?
                    .map(|id| id.0)
                    .map_err(|err| order_error(py, err))
            }
            _ => Err(PyTypeError::new_err(
                "set_timer takes exactly one of at= (time) or after= (delay)",
            )),
        }
    }

    /// Cancels a timer that has not fired.
    fn cancel_timer(&self, id: u64) -> PyResult<()> {
        self.with(|ctx| ctx.cancel_timer(TimerId(id)))
    }

    /// Writes a line to the run's log, stamped with the data time: the
    /// arguments as `print` would show them.
    #[pyo3(signature = (*args, sep = " "))]
    fn log(&self, args: &Bound<'_, PyTuple>, sep: &str) -> PyResult<()> {
        let mut line = String::new();
        for (i, arg) in args.iter().enumerate() {
            if i > 0 {
                line.push_str(sep);
            }
            line.push_str(&arg.str()?.to_cow()?);
        }
        if scope::write_line(self.owner, line) {
            Ok(())
        } else {
            Err(unavailable(Unavailable::OutsideCallback))
        }
    }

    /// The price on the tick grid nearest to `price`.
    fn round_price(&self, price: f64) -> PyResult<f64> {
        let units = self.units()?;
        Ok(units.price(units.nearest_ticks(price)?))
    }

    /// Registers a `ticklab.indicators` indicator, fed from now on by the
    /// run as the rule engine's indicators are fed (trades as they come,
    /// book series when the book is consistent and its touch moved), from
    /// the instrument it names (default: the run's first); returns it.
    /// Register in `on_start`, so that it sees the whole run.
    fn register<'py>(
        &self,
        indicator: Bound<'py, PyIndicator>,
    ) -> PyResult<Bound<'py, PyIndicator>> {
        let symbols = self.symbol_list();
        let ticks: Vec<f64> = self
            .units
            .iter()
            .map(|u| u.instrument().tick_size)
            .collect();
        let index = indicator.borrow_mut().attach(&symbols, &ticks)?;
        self.indicators
            .lock()
            .map_err(|_| PyRuntimeError::new_err("ctx's indicators are unusable"))?
            .push((index, indicator.clone().unbind()));
        self.has_indicators.store(true, Ordering::Relaxed);
        Ok(indicator)
    }

    fn __repr__(&self) -> PyResult<String> {
        let (now, position) = (self.now()?, self.position()?);
        Ok(format!(
            "<Ctx {} at {} position {}>",
            self.symbol()?,
            super::console::format_data_time(now),
            position
        ))
    }
}

/// A delay in ns from seconds (int or float) or a timedelta.
fn delay_ns(after: &Bound<'_, PyAny>) -> PyResult<i64> {
    if let Ok(delta) = after.cast::<PyDelta>() {
        let ns = (i128::from(delta.get_days()) * 86_400 + i128::from(delta.get_seconds()))
            * 1_000_000_000
            + i128::from(delta.get_microseconds()) * 1_000;
        return i64::try_from(ns).map_err(|_| PyValueError::new_err("delay out of range"));
    }
    if after.is_instance_of::<PyFloat>() || after.is_instance_of::<PyInt>() {
        let secs: f64 = after.extract()?;
        let ns = (secs * 1e9).round();
        if !ns.is_finite() || ns.abs() > 9.0e18 {
            return Err(PyValueError::new_err(format!(
                "delay {secs} s is out of range"
            )));
        }
        // In range just above, so the cast is exact enough (to the ns).
        return Ok(ns as i64);
    }
    if after.is_instance_of::<PyString>() {
        return Err(PyTypeError::new_err(
            "after= is a delay in seconds or a timedelta, not a string",
        ));
    }
    Err(PyTypeError::new_err(
        "after= is a delay in seconds or a timedelta",
    ))
}
