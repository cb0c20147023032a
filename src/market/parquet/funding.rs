//! Funding rows: `kind = "funding"` carries the funding rate (a fraction,
//! e.g. 0.0001) in the `price` column, off the tick grid. The rates are
//! taken out of the column before the grid conversion and put into the
//! events, bit for bit, afterwards (see [`MarketEvent::funding`]).

use super::columns::{Col, NumCol};
use super::convert::At;
use super::schema::columns;
use super::DataError;
use crate::market::{EventKind, MarketEvent};

/// Takes the rate of every funding row of the batch (`kinds` holds the
/// rows' kind codes) out of `price`, into `rates` as (row in batch, rate),
/// and leaves 0 in its place. A column with nulls is left to the grid
/// conversion, which reports the first null.
pub(crate) fn take_rates(
    kinds: &[u8],
    price: &mut NumCol,
    rates: &mut Vec<(usize, f64)>,
    at: At,
) -> Result<(), DataError> {
    rates.clear();
    let code = EventKind::Funding as u8;
    if !kinds.contains(&code) {
        return Ok(());
    }
    match price {
        NumCol::F64(col) => take(kinds, col, rates, |v| *v),
        NumCol::F32(col) => take(kinds, col, rates, |v| f64::from(*v)),
        NumCol::I64(col) => take(kinds, col, rates, |v| *v as f64),
        NumCol::I32(col) => take(kinds, col, rates, |v| f64::from(*v)),
    }
    if let Some(&(index, value)) = rates.iter().find(|(_, rate)| !rate.is_finite()) {
        return Err(DataError::NotFinite {
            file: at.file.to_owned(),
            row: at.row(index),
            column: columns::PRICE,
            value,
        });
    }
    Ok(())
}

fn take<T>(
    kinds: &[u8],
    col: &mut Col<T>,
    rates: &mut Vec<(usize, f64)>,
    as_f64: impl Fn(&T::T) -> f64,
) where
    T: parquet::data_type::DataType,
    T::T: Default,
{
    if col.first_null().is_some() {
        return;
    }
    let code = EventKind::Funding as u8;
    for (index, value) in col.values.iter_mut().enumerate() {
        if kinds.get(index) == Some(&code) {
            rates.push((index, as_f64(value)));
            *value = T::T::default();
        }
    }
}

/// Puts the rates taken by [`take_rates`] into the batch's events, `events`
/// starting at the batch's first row.
pub(crate) fn put_rates(rates: &[(usize, f64)], events: &mut [MarketEvent]) {
    for &(index, rate) in rates {
        if let Some(event) = events.get_mut(index) {
            event.price = 0;
            event.order_id = rate.to_bits();
        }
    }
}
