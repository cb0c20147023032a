//! Prices and sizes between the engine's integers (ticks, lots) and the
//! floats in natural units a Python strategy reads and writes.

use pyo3::exceptions::PyValueError;
use pyo3::PyResult;

use crate::market::{GridError, Instrument};

/// The instrument's grid, with the conversions worked out once so that
/// converting on every event costs one multiply or divide.
#[derive(Clone, Debug)]
pub(crate) struct Units {
    instrument: Instrument,
    price: Scale,
    qty: Scale,
}

/// How a count of grid steps becomes the float
/// [`Instrument::price_from_ticks`] gives (the double nearest the decimal
/// value, 30000.1 and not 30000.100000000002).
#[derive(Clone, Copy, Debug)]
enum Scale {
    /// Whole steps (1, 5, ...): the product is exact.
    Times(f64),
    /// Steps of 1/n for a whole n (0.1, 0.25, 0.01, ...): one correctly
    /// rounded division gives the nearest double.
    Over(f64),
    /// Other steps: multiply, then round to the step's decimals.
    Rounded { step: f64, decimals_scale: f64 },
}

impl Scale {
    fn new(step: f64, decimals: usize) -> Self {
        let per_unit = 1.0 / step;
        let whole = per_unit.round();
        if step.fract() == 0.0 {
            Scale::Times(step)
        } else if (whole - per_unit).abs() < 1e-9 * per_unit && whole < 9.0e15 {
            Scale::Over(whole)
        } else {
            Scale::Rounded {
                step,
                decimals_scale: 10f64.powi(decimals as i32),
            }
        }
    }

    #[inline]
    fn apply(self, steps: f64) -> f64 {
        match self {
            Scale::Times(step) => steps * step,
            Scale::Over(per_unit) => steps / per_unit,
            Scale::Rounded {
                step,
                decimals_scale,
            } => (steps * step * decimals_scale).round() / decimals_scale,
        }
    }
}

impl Units {
    /// The grid of `instrument`.
    pub(crate) fn new(instrument: &Instrument) -> Self {
        Units {
            instrument: instrument.clone(),
            price: Scale::new(instrument.tick_size, instrument.price_decimals()),
            qty: Scale::new(instrument.lot_size, instrument.qty_decimals()),
        }
    }

    /// The instrument.
    pub(crate) fn instrument(&self) -> &Instrument {
        &self.instrument
    }

    /// A price in ticks, in currency units.
    #[inline]
    pub(crate) fn price(&self, ticks: i64) -> f64 {
        self.price.apply(ticks as f64)
    }

    /// A price that may fall between ticks (a mid, an average), in
    /// currency units.
    #[inline]
    pub(crate) fn price_f(&self, ticks: f64) -> f64 {
        match self.price {
            Scale::Rounded {
                step,
                decimals_scale,
            } => {
                // Half ticks need one more decimal.
                let scale = decimals_scale * 10.0;
                (ticks * step * scale).round() / scale
            }
            exact => exact.apply(ticks),
        }
    }

    /// An average price (of fills, of a position), in currency units,
    /// rounded to six decimals more than the tick so that float noise of
    /// the averaging does not show.
    #[inline]
    pub(crate) fn avg_price(&self, ticks: f64) -> f64 {
        let exact = self.price_f(ticks);
        let scale = match self.price {
            Scale::Rounded { decimals_scale, .. } => decimals_scale * 1e6,
            _ => 10f64.powi(self.instrument.price_decimals() as i32 + 6),
        };
        let scaled = exact * scale;
        if scaled.abs() < 9.0e15 {
            scaled.round() / scale
        } else {
            exact
        }
    }

    /// A quantity in lots, in base units.
    #[inline]
    pub(crate) fn qty(&self, lots: i64) -> f64 {
        self.qty.apply(lots as f64)
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
                "price {} is not a finite number",
                py_num(price)
            )));
        }
        let ticks = (price / self.instrument.tick_size).round();
        if ticks.abs() > 9.0e15 {
            return Err(PyValueError::new_err(format!(
                "price {} is out of range",
                py_num(price)
            )));
        }
        // In range just above, so the cast is exact.
        Ok(ticks as i64)
    }

    fn grid_error(&self, what: &str, value: f64, err: GridError) -> pyo3::PyErr {
        let message = match err {
            GridError::OffGrid {
                step, what: grid, ..
            } => {
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
            GridError::NotFinite { .. } => {
                format!("{what} {} is not a finite number", py_num(value))
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions_match_the_instrument_for_every_kind_of_step() {
        let grids = [
            (0.1, 0.001),
            (0.5, 1.0),
            (0.01, 0.01),
            (5.0, 100.0),
            (0.3, 0.07),
            (0.25, 0.125),
        ];
        for (tick, lot) in grids {
            let inst = Instrument::new("T", tick, lot);
            let units = Units::new(&inst);
            for n in [-7_i64, 0, 1, 3, 17, 650_003, 123_456_789] {
                assert_eq!(
                    units.price(n),
                    inst.price_from_ticks(n),
                    "tick {tick} x {n}"
                );
                assert_eq!(units.qty(n), inst.qty_from_lots(n), "lot {lot} x {n}");
            }
        }
        let units = Units::new(&Instrument::new("T", 0.1, 1.0));
        assert_eq!(units.price_f(650_003.5), 65000.35);
        assert_eq!(units.avg_price(649_893.8), 64989.38);
    }
}
