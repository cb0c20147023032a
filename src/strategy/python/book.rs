//! `ctx.book`: the order book as the strategy sees it, in natural units.

use std::sync::Arc;

use pyo3::prelude::*;

use super::ctx::unavailable;
use super::slot;
use super::units::Units;
use crate::market::Side;
use crate::strategy::Ctx;

/// The local order book; every read goes to the engine's book at once.
#[pyclass(name = "Book", module = "ticklab", frozen)]
pub(crate) struct PyBook {
    owner: u64,
    units: Arc<Units>,
}

impl PyBook {
    /// The book of strategy `owner`.
    pub(crate) fn new(owner: u64, units: Arc<Units>) -> Self {
        PyBook { owner, units }
    }

    #[inline]
    fn with<R>(&self, f: impl FnOnce(&mut Ctx<'_, '_>) -> R) -> PyResult<R> {
        slot::with_ctx(self.owner, f).map_err(unavailable)
    }
}

#[pymethods]
impl PyBook {
    /// Best bid price, or None when the bid side is empty.
    #[getter]
    fn best_bid(&self) -> PyResult<Option<f64>> {
        let bid = self.with(|ctx| ctx.book().best_price(Side::Buy))?;
        Ok(bid.map(|p| self.units.price(p)))
    }

    /// Best ask price, or None when the ask side is empty.
    #[getter]
    fn best_ask(&self) -> PyResult<Option<f64>> {
        let ask = self.with(|ctx| ctx.book().best_price(Side::Sell))?;
        Ok(ask.map(|p| self.units.price(p)))
    }

    /// Quantity at the best bid (0.0 when empty).
    #[getter]
    fn best_bid_qty(&self) -> PyResult<f64> {
        let bid = self.with(|ctx| ctx.best_bid())?;
        Ok(bid.map_or(0.0, |l| self.units.qty(l.qty)))
    }

    /// Quantity at the best ask (0.0 when empty).
    #[getter]
    fn best_ask_qty(&self) -> PyResult<f64> {
        let ask = self.with(|ctx| ctx.best_ask())?;
        Ok(ask.map_or(0.0, |l| self.units.qty(l.qty)))
    }

    /// Mid price, or None unless both sides have a level.
    #[getter]
    fn mid(&self) -> PyResult<Option<f64>> {
        let mid = self.with(|ctx| ctx.mid_ticks())?;
        Ok(mid.map(|m| self.units.price_f(m)))
    }

    /// Best ask minus best bid, or None unless both sides have a level.
    #[getter]
    fn spread(&self) -> PyResult<Option<f64>> {
        let spread = self.with(|ctx| ctx.spread_ticks())?;
        Ok(spread.map(|s| self.units.price(s)))
    }

    /// The `n` best levels of each side, best first: `(bids, asks)`, each a
    /// list of `(price, qty)`.
    #[pyo3(signature = (n = 5))]
    #[allow(clippy::type_complexity)]
    fn levels(&self, n: usize) -> PyResult<(Vec<(f64, f64)>, Vec<(f64, f64)>)> {
        let units = &self.units;
        self.with(|ctx| {
            let side = |side| {
                ctx.book()
                    .top(side, n)
                    .map(|l| (units.price(l.price), units.qty(l.qty)))
                    .collect::<Vec<_>>()
            };
            (side(Side::Buy), side(Side::Sell))
        })
    }

    /// Quantity resting at `price` on either side (0.0 when none).
    fn qty_at(&self, price: f64) -> PyResult<f64> {
        let ticks = self.units.ticks(price)?;
        let lots = self.with(|ctx| {
            ctx.book().qty_at(Side::Buy, ticks) + ctx.book().qty_at(Side::Sell, ticks)
        })?;
        Ok(self.units.qty(lots))
    }

    /// Number of price levels on each side: `(bids, asks)`.
    fn depth(&self) -> PyResult<(usize, usize)> {
        self.with(|ctx| {
            (
                ctx.book().level_count(Side::Buy),
                ctx.book().level_count(Side::Sell),
            )
        })
    }

    fn __repr__(&self) -> PyResult<String> {
        let (bid, ask) = (self.best_bid()?, self.best_ask()?);
        let show = |p: Option<f64>| p.map_or_else(|| "-".to_owned(), |p| p.to_string());
        Ok(format!(
            "<Book {} x {} ({} / {})>",
            show(bid),
            show(ask),
            self.best_bid_qty()?,
            self.best_ask_qty()?
        ))
    }
}
