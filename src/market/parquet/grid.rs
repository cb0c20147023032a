//! The instrument's tick and lot grids: prices and quantities in natural
//! units to ticks and lots, quickly for the values clearly on the grid and
//! through [`Instrument::ticks_from_price`] / [`Instrument::lots_from_qty`]
//! for the rest, so that both agree and every error names its row.

use super::columns::NumCol;
use super::convert::{check_required, At};
use super::schema::columns;
use super::DataError;
use crate::market::{GridError, Instrument};

/// Largest magnitude, in steps, that converts exactly (2^53).
const MAX_STEPS: f64 = 9_007_199_254_740_992.0;
/// Largest magnitude the fast rounding handles (2^51).
const FAST_MAX_STEPS: f64 = 2_251_799_813_685_248.0;
/// Adding and subtracting 1.5 × 2^52 rounds to the nearest integer.
const ROUND_MAGIC: f64 = 6_755_399_441_055_744.0;
/// Distance from a whole step accepted without asking the instrument: a
/// quarter of [`Instrument::ticks_from_price`]'s tolerance, so that anything
/// accepted here is accepted there, with the same result.
const FAST_ABS_TOL: f64 = 2.5e-7;
const FAST_REL_TOL: f64 = 2.5e-13;

/// The tick or lot grid of the instrument, with its reciprocal hoisted.
pub(crate) struct Grid<'a> {
    instrument: &'a Instrument,
    column: &'static str,
    step: f64,
    inv_step: f64,
}

impl<'a> Grid<'a> {
    /// The price grid (ticks) of an instrument.
    pub fn price(instrument: &'a Instrument) -> Self {
        Grid {
            instrument,
            column: columns::PRICE,
            step: instrument.tick_size,
            inv_step: 1.0 / instrument.tick_size,
        }
    }

    /// The quantity grid (lots) of an instrument.
    pub fn qty(instrument: &'a Instrument) -> Self {
        Grid {
            instrument,
            column: columns::QTY,
            step: instrument.lot_size,
            inv_step: 1.0 / instrument.lot_size,
        }
    }

    fn is_qty(&self) -> bool {
        self.column == columns::QTY
    }

    /// Steps of `value` when it is clearly on the grid: no division and no
    /// call to `round`. `None` for anything doubtful, NaN included.
    #[inline]
    fn fast(&self, value: f64) -> Option<i64> {
        let steps = value * self.inv_step;
        // NaN fails this comparison too.
        let in_range = steps.abs() < FAST_MAX_STEPS;
        if !in_range {
            return None;
        }
        let rounded = (steps + ROUND_MAGIC) - ROUND_MAGIC;
        let tolerance = FAST_ABS_TOL.max(rounded.abs() * FAST_REL_TOL);
        // |rounded| < 2^51: the cast is exact.
        ((steps - rounded).abs() <= tolerance).then_some(rounded as i64)
    }

    /// The instrument's own conversion, for values the fast path declined.
    #[cold]
    fn slow(&self, value: f64, at: At, index: usize) -> Result<i64, DataError> {
        let file = at.file.to_owned();
        let row = at.row(index);
        let column = self.column;
        if !value.is_finite() {
            return Err(DataError::NotFinite {
                file,
                row,
                column,
                value,
            });
        }
        if self.is_qty() && value < 0.0 {
            return Err(DataError::NegativeQuantity {
                file,
                row,
                column,
                value,
            });
        }
        let converted = if self.is_qty() {
            self.instrument.lots_from_qty(value)
        } else {
            self.instrument.ticks_from_price(value)
        };
        converted.map_err(|err| match err {
            GridError::NotFinite { value } => DataError::NotFinite {
                file,
                row,
                column,
                value,
            },
            GridError::OffGrid { value, step, .. } => DataError::OffGrid {
                file,
                row,
                column,
                value,
                step,
            },
            GridError::OutOfRange { value } => DataError::OutOfRange {
                file,
                row,
                column,
                value: value.to_string(),
            },
        })
    }

    /// Steps of a float64 value (negative quantities never take the fast path).
    #[inline]
    fn steps<const QTY: bool>(&self, value: f64, at: At, index: usize) -> Result<i64, DataError> {
        if !QTY || value >= 0.0 {
            if let Some(steps) = self.fast(value) {
                return Ok(steps);
            }
        }
        self.slow(value, at, index)
    }

    /// Steps of a float32 value: on the grid when exactly one grid point lies
    /// within the value's float32 rounding interval.
    fn steps_f32(&self, value: f32, at: At, index: usize) -> Result<i64, DataError> {
        let wide = f64::from(value);
        if !value.is_finite() || (self.is_qty() && wide < 0.0) {
            return self.slow(wide, at, index);
        }
        let magnitude = value.abs();
        let ulp = f64::from(f32::from_bits(magnitude.to_bits() + 1) - magnitude);
        let half_ulp_steps = 0.5 * ulp / self.step;
        if half_ulp_steps >= 0.5 {
            return Err(DataError::Ambiguous {
                file: at.file.to_owned(),
                row: at.row(index),
                column: self.column,
                value: wide,
                step: self.step,
            });
        }
        let steps = wide / self.step;
        let rounded = steps.round();
        if (steps - rounded).abs() <= half_ulp_steps + 1e-6 && rounded.abs() <= MAX_STEPS {
            Ok(rounded as i64)
        } else {
            self.slow(wide, at, index)
        }
    }

    fn convert_f64<const QTY: bool>(
        &self,
        values: &[f64],
        out: &mut Vec<i64>,
        at: At,
    ) -> Result<(), DataError> {
        for (index, &value) in values.iter().enumerate() {
            out.push(self.steps::<QTY>(value, at, index)?);
        }
        Ok(())
    }

    /// Converts a column to ticks or lots into `out`.
    pub fn convert(&self, col: &NumCol, out: &mut Vec<i64>, at: At) -> Result<(), DataError> {
        out.clear();
        match col {
            NumCol::F64(col) => {
                check_required(col, at, self.column)?;
                if self.is_qty() {
                    self.convert_f64::<true>(&col.values, out, at)?;
                } else {
                    self.convert_f64::<false>(&col.values, out, at)?;
                }
            }
            NumCol::F32(col) => {
                check_required(col, at, self.column)?;
                for (index, &value) in col.values.iter().enumerate() {
                    out.push(self.steps_f32(value, at, index)?);
                }
            }
            NumCol::I64(col) => {
                check_required(col, at, self.column)?;
                for (index, &value) in col.values.iter().enumerate() {
                    // Beyond 2^53 the float is inexact, and so out of range.
                    if value.unsigned_abs() > 1 << 53 {
                        return Err(at.out_of_range(index, self.column, value.to_string()));
                    }
                    out.push(self.steps::<false>(value as f64, at, index)?);
                }
            }
            NumCol::I32(col) => {
                check_required(col, at, self.column)?;
                for (index, &value) in col.values.iter().enumerate() {
                    out.push(self.steps::<false>(f64::from(value), at, index)?);
                }
            }
        }
        // Integer columns skip the float-only negative check.
        if self.is_qty() {
            if let Some(index) = out.iter().position(|&lots| lots < 0) {
                return Err(DataError::NegativeQuantity {
                    file: at.file.to_owned(),
                    row: at.row(index),
                    column: self.column,
                    value: self.instrument.qty_from_lots(out[index]),
                });
            }
        }
        Ok(())
    }
}
