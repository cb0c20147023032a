//! Prices and sizes between the engine's integers (ticks, lots) and the
//! floats in natural units a Python strategy reads and writes.

use pyo3::exceptions::PyValueError;
use pyo3::PyResult;

use crate::market::{GridError, Instrument};

/// The instrument's grid, with the rounding scales worked out once so that
/// converting on every event costs a multiply and a round.
#[derive(Clone, Debug)]
pub(crate) struct Units {
    instrument: Instrument,
    /// 10^decimals of the tick size: prices are rounded to it so that
    /// 30000.1 reads as 30000.1, not 30000.100000000002.
    price_scale: f64,
    /// 10^decimals of the lot size.
    qty_scale: f64,
}

impl Units {
    /// The grid of `instrument`.
    pub(crate) fn new(instrument: &Instrument) -> Self {
        Units {
            instrument: instrument.clone(),
            price_scale: 10f64.powi(instrument.price_decimals() as i32),
            qty_scale: 10f64.powi(instrument.qty_decimals() as i32),
        }
    }

    /// The instrument.
    pub(crate) fn instrument(&self) -> &Instrument {
        &self.instrument
    }

    /// A price in ticks, in currency units (the same value as
    /// [`Instrument::price_from_ticks`]).
    #[inline]
    pub(crate) fn price(&self, ticks: i64) -> f64 {
        (ticks as f64 * self.instrument.tick_size * self.price_scale).round() / self.price_scale
    }

    /// A price that may fall between ticks (a mid), in currency units.
    #[inline]
    pub(crate) fn price_f(&self, ticks: f64) -> f64 {
        // Half ticks need one more decimal.
        let scale = self.price_scale * 10.0;
        (ticks * self.instrument.tick_size * scale).round() / scale
    }

    /// A quantity in lots, in base units.
    #[inline]
    pub(crate) fn qty(&self, lots: i64) -> f64 {
        (lots as f64 * self.instrument.lot_size * self.qty_scale).round() / self.qty_scale
    }

    /// A price in ticks; `ValueError` naming the price and the tick size
    /// when it is off the grid.
    pub(crate) fn ticks(&self, price: f64) -> PyResult<i64> {
        self.instrument
            .ticks_from_price(price)
            .map_err(|err| self.grid_error("price", price, err))
    }

    /// A quantity in lots; `ValueError` naming the quantity and the lot
    /// size when it is off the grid.
    pub(crate) fn lots(&self, qty: f64) -> PyResult<i64> {
        self.instrument
            .lots_from_qty(qty)
            .map_err(|err| self.grid_error("quantity", qty, err))
    }

    /// The tick nearest to `price`.
    pub(crate) fn nearest_ticks(&self, price: f64) -> PyResult<i64> {
        if !price.is_finite() {
            return Err(PyValueError::new_err(format!(
                "price {price} is not a finite number"
            )));
        }
        let ticks = (price / self.instrument.tick_size).round();
        if ticks.abs() > 9.0e15 {
            return Err(PyValueError::new_err(format!(
                "price {price} is out of range"
            )));
        }
        // In range just above, so the cast is exact.
        Ok(ticks as i64)
    }

    fn grid_error(&self, what: &str, value: f64, err: GridError) -> pyo3::PyErr {
        let message = match err {
            GridError::OffGrid { step, what: grid, .. } => {
                let below = (value / step).floor() as i64;
                let (low, high) = if what == "price" {
                    (self.price(below), self.price(below + 1))
                } else {
                    (self.qty(below), self.qty(below + 1))
                };
                format!(
                    "{what} {} is not a multiple of the {grid} {} ({} and {} are)",
                    py_num(value),
                    py_num(step),
                    py_num(low),
                    py_num(high)
                )
            }
            GridError::NotFinite { .. } => format!("{what} {} is not a finite number", py_num(value)),
            GridError::OutOfRange { .. } => format!("{what} {} is out of range", py_num(value)),
        };
        PyValueError::new_err(message)
    }
}

/// A float as Python prints it (`100.0`, not `100`).
fn py_num(value: f64) -> String {
    if value.is_finite() && value.fract() == 0.0 && value.abs() < 1e16 {
        format!("{value:.1}")
    } else {
        value.to_string()
    }
}
