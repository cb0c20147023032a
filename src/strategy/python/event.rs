//! What a callback receives: the market event (one object per strategy,
//! updated in place for every event) and order updates.

use std::sync::atomic::Ordering::Relaxed;
use std::sync::atomic::{AtomicI64, AtomicU32, AtomicU64};
use std::sync::Arc;

use pyo3::prelude::*;

use super::module;
use super::units::Units;
use crate::market::{flags, EventKind, MarketEvent, Side};
use crate::sim::{OrderType, OrderUpdate};

/// A market event in natural units. The same object is handed to every
/// market callback with new contents: keep `ev.copy()`, not `ev`.
///
/// Frozen, with the event in atomics written with plain stores, so that
/// neither the host's update before each callback nor a read of a field
/// goes through a borrow flag.
#[pyclass(name = "MarketEvent", module = "ticklab", frozen)]
pub(crate) struct PyMarketEvent {
    ev: SharedEvent,
    units: Arc<Units>,
}

/// A [`MarketEvent`] that the thread running the strategy rewrites in
/// place. Only that thread touches it (the object is handed to its
/// callbacks alone), so relaxed order suffices.
struct SharedEvent {
    exch_ts: AtomicI64,
    local_ts: AtomicI64,
    price: AtomicI64,
    qty: AtomicI64,
    order_id: AtomicU64,
    /// `kind`, `side` and `flags`, one byte each.
    codes: AtomicU32,
}

impl SharedEvent {
    fn new(ev: &MarketEvent) -> Self {
        let shared = SharedEvent {
            exch_ts: AtomicI64::new(0),
            local_ts: AtomicI64::new(0),
            price: AtomicI64::new(0),
            qty: AtomicI64::new(0),
            order_id: AtomicU64::new(0),
            codes: AtomicU32::new(0),
        };
        shared.set(ev);
        shared
    }

    #[inline]
    fn set(&self, ev: &MarketEvent) {
        self.exch_ts.store(ev.exch_ts, Relaxed);
        self.local_ts.store(ev.local_ts, Relaxed);
        self.price.store(ev.price, Relaxed);
        self.qty.store(ev.qty, Relaxed);
        self.order_id.store(ev.order_id, Relaxed);
        let codes =
            u32::from(ev.kind as u8) | u32::from(ev.side as u8) << 8 | u32::from(ev.flags) << 16;
        self.codes.store(codes, Relaxed);
    }

    #[inline]
    fn kind(&self) -> EventKind {
        let code = (self.codes.load(Relaxed) & 0xff) as usize;
        EventKind::ALL.get(code).copied().unwrap_or_default()
    }

    #[inline]
    fn side(&self) -> Side {
        match (self.codes.load(Relaxed) >> 8) & 0xff {
            0 => Side::Buy,
            1 => Side::Sell,
            _ => Side::None,
        }
    }

    #[inline]
    fn flags(&self) -> u8 {
        ((self.codes.load(Relaxed) >> 16) & 0xff) as u8
    }

    fn get(&self) -> MarketEvent {
        MarketEvent {
            exch_ts: self.exch_ts.load(Relaxed),
            local_ts: self.local_ts.load(Relaxed),
            price: self.price.load(Relaxed),
            qty: self.qty.load(Relaxed),
            order_id: self.order_id.load(Relaxed),
            kind: self.kind(),
            side: self.side(),
            flags: self.flags(),
        }
    }
}

impl PyMarketEvent {
    /// An event object for the instrument of `units`.
    pub(crate) fn new(units: Arc<Units>) -> Self {
        PyMarketEvent {
            ev: SharedEvent::new(&MarketEvent::default()),
            units,
        }
    }

    /// Makes the object show `ev`.
    #[inline]
    pub(crate) fn set(&self, ev: &MarketEvent) {
        self.ev.set(ev);
    }
}

#[pymethods]
impl PyMarketEvent {
    /// The symbol of the event's instrument.
    #[getter]
    fn symbol(&self) -> String {
        self.units.instrument().symbol.clone()
    }

    /// What happened (`EventKind`).
    #[getter]
    fn kind(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        Ok(module::shared(py)?.event_kind(py, self.ev.kind()))
    }

    /// Book side (BUY = bid) or aggressor side of a trade (`Side`).
    #[getter]
    fn side(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        Ok(module::shared(py)?.side(py, self.ev.side()))
    }

    /// Price; for a funding event, the funding rate (a fraction); a trade
    /// between two ticks (a hidden execution at half a cent) reads its exact
    /// price.
    #[getter]
    fn price(&self) -> f64 {
        let raw = self.ev.price.load(Relaxed);
        match self.ev.kind() {
            EventKind::Funding => self.ev.get().funding_rate().unwrap_or(0.0),
            _ if self.ev.flags() & flags::HALF_TICK != 0 => {
                self.units.instrument().trade_price(raw, true)
            }
            _ => self.units.price(raw),
        }
    }

    /// Quantity: the level's new size (book events) or the traded size.
    #[getter]
    fn qty(&self) -> f64 {
        self.units.qty(self.ev.qty.load(Relaxed))
    }

    /// Exchange time, ns since the epoch.
    #[getter]
    fn exch_ts(&self) -> i64 {
        self.ev.exch_ts.load(Relaxed)
    }

    /// Time the strategy sees the event, ns since the epoch.
    #[getter]
    fn local_ts(&self) -> i64 {
        self.ev.local_ts.load(Relaxed)
    }

    /// Exchange order id of L3 events, else 0.
    #[getter]
    fn order_id(&self) -> u64 {
        self.ev.order_id.load(Relaxed)
    }

    /// Flag bits (1 = last in batch, 2 = snapshot).
    #[getter]
    fn flags(&self) -> u8 {
        self.ev.flags()
    }

    /// True when the book is consistent after this event.
    #[getter]
    fn is_last_in_batch(&self) -> bool {
        self.ev.flags() & flags::LAST_IN_BATCH != 0
    }

    /// The venue's new trading state (`MarketState`) on a status event,
    /// None on other events.
    #[getter]
    fn state(&self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        let Some(state) = self.ev.get().market_state() else {
            return Ok(None);
        };
        Ok(Some(module::shared(py)?.market_state(py, state)))
    }

    /// True for trade prints.
    #[getter]
    fn is_trade(&self) -> bool {
        matches!(self.ev.kind(), EventKind::Trade | EventKind::Fill)
    }

    /// A copy that keeps its contents.
    fn copy(&self) -> Self {
        PyMarketEvent {
            ev: SharedEvent::new(&self.ev.get()),
            units: Arc::clone(&self.units),
        }
    }

    fn __repr__(&self) -> String {
        let ev = self.ev.get();
        format!(
            "<MarketEvent {} {} {} x {} at {}>",
            ev.kind,
            ev.side_file_name(),
            self.price(),
            self.qty(),
            ev.local_ts
        )
    }
}

/// An answer from the exchange about one of our orders.
#[pyclass(name = "OrderUpdate", module = "ticklab", frozen)]
pub(crate) struct PyOrderUpdate {
    update: OrderUpdate,
    units: Arc<Units>,
}

impl PyOrderUpdate {
    /// `update` in natural units.
    pub(crate) fn new(update: OrderUpdate, units: Arc<Units>) -> Self {
        PyOrderUpdate { update, units }
    }
}

#[pymethods]
impl PyOrderUpdate {
    /// The symbol of the order's instrument.
    #[getter]
    fn symbol(&self) -> String {
        self.units.instrument().symbol.clone()
    }

    /// The order's id.
    #[getter]
    fn order_id(&self) -> u64 {
        self.update.order_id.0
    }

    /// What happened (`UpdateKind`).
    #[getter]
    fn kind(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        Ok(module::shared(py)?.update_kind(py, self.update.kind))
    }

    /// The order's status after it (`OrderStatus`).
    #[getter]
    fn status(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        Ok(module::shared(py)?.order_status(py, self.update.state))
    }

    /// Buy or sell (`Side`).
    #[getter]
    fn side(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        Ok(module::shared(py)?.side(py, self.update.side))
    }

    /// Order type (`OrderType`).
    #[getter]
    fn order_type(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        Ok(module::shared(py)?.order_type(py, self.update.order_type))
    }

    /// Time in force (`Tif`).
    #[getter]
    fn tif(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        Ok(module::shared(py)?.tif(py, self.update.time_in_force))
    }

    /// Limit price, None for market and stop-market orders.
    #[getter]
    fn price(&self) -> Option<f64> {
        self.update
            .order_type
            .has_limit()
            .then(|| self.units.price(self.update.price_ticks))
    }

    /// Stop price, None unless a stop order.
    #[getter]
    fn stop_price(&self) -> Option<f64> {
        self.update
            .order_type
            .is_stop()
            .then(|| self.units.price(self.update.stop_price_ticks))
    }

    /// Total quantity.
    #[getter]
    fn qty(&self) -> f64 {
        self.units.qty(self.update.qty_lots)
    }

    /// Quantity filled so far.
    #[getter]
    fn filled(&self) -> f64 {
        self.units.qty(self.update.filled_lots)
    }

    /// Quantity still working (0.0 once final).
    #[getter]
    fn leaves(&self) -> f64 {
        self.units.qty(self.update.leaves_lots())
    }

    /// Average price of everything filled so far, None when nothing.
    #[getter]
    fn avg_fill_price(&self) -> Option<f64> {
        (self.update.filled_lots > 0)
            .then(|| self.units.avg_price(self.update.avg_fill_price_ticks))
    }

    /// True for a fill.
    #[getter]
    fn is_fill(&self) -> bool {
        self.update.fill.is_some()
    }

    /// True when nothing more can happen to the order.
    #[getter]
    fn is_final(&self) -> bool {
        self.update.state.is_final()
    }

    /// Price of this fill, None unless a fill.
    #[getter]
    fn fill_price(&self) -> Option<f64> {
        self.update.fill.map(|f| self.units.price(f.price_ticks))
    }

    /// Quantity of this fill, None unless a fill.
    #[getter]
    fn fill_qty(&self) -> Option<f64> {
        self.update.fill.map(|f| self.units.qty(f.qty_lots))
    }

    /// Maker or taker (`Liquidity`), None unless a fill.
    #[getter]
    fn liquidity(&self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        let Some(fill) = self.update.fill else {
            return Ok(None);
        };
        Ok(Some(module::shared(py)?.liquidity(py, fill.liquidity)))
    }

    /// Fee of this fill in currency units (negative = rebate), None unless
    /// a fill.
    #[getter]
    fn fee(&self) -> Option<f64> {
        self.update.fill.map(|f| f.fee)
    }

    /// Why, for rejections, cancels, expiries and refused requests.
    #[getter]
    fn reason(&self) -> Option<String> {
        self.update.reason.map(|r| r.to_string())
    }

    /// Exchange time it happened, ns since the epoch.
    #[getter]
    fn exch_ts(&self) -> i64 {
        self.update.exch_ts_ns
    }

    /// Time the strategy learns of it, ns since the epoch.
    #[getter]
    fn local_ts(&self) -> i64 {
        self.update.local_ts_ns
    }

    fn __repr__(&self) -> String {
        let u = &self.update;
        let price = match u.order_type {
            OrderType::Market | OrderType::StopMarket => "market".to_owned(),
            _ => self.units.price(u.price_ticks).to_string(),
        };
        let fill = u.fill.map_or_else(String::new, |f| {
            format!(
                " fill {} @ {}",
                self.units.qty(f.qty_lots),
                self.units.price(f.price_ticks)
            )
        });
        format!(
            "<OrderUpdate #{} {:?} {} {} {} @ {}{} -> {:?}>",
            u.order_id.0,
            u.kind,
            u.side,
            self.units.qty(u.qty_lots),
            format!("{:?}", u.order_type).to_lowercase(),
            price,
            fill,
            u.state
        )
    }
}
