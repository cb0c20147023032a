//! Column values in natural units to events in ticks and lots, with every
//! check a value needs: column-wise conversions into scratch buffers, then
//! one pass that assembles the events.

use std::path::Path;

use super::codes::NULL_CODE;
use super::columns::{Col, IntCol, NumCol, RowGroupColumns};
use super::funding;
use super::grid::Grid;
use super::schema::{columns, Layout};
use super::{DataError, LocalTsPolicy};
use crate::market::{flags, EventKind, Instrument, MarketEvent, MarketState, Side};

/// Where a batch sits: the file and the 0-based file row of its first event.
#[derive(Clone, Copy)]
pub(crate) struct At<'a> {
    pub file: &'a Path,
    pub first_row: u64,
}

impl At<'_> {
    pub fn row(&self, index: usize) -> u64 {
        self.first_row + index as u64
    }

    pub fn null(&self, index: usize, column: &'static str) -> DataError {
        DataError::Null {
            file: self.file.to_owned(),
            row: self.row(index),
            column,
        }
    }

    pub fn out_of_range(&self, index: usize, column: &'static str, value: String) -> DataError {
        DataError::OutOfRange {
            file: self.file.to_owned(),
            row: self.row(index),
            column,
            value,
        }
    }
}

pub(crate) fn check_required<T: parquet::data_type::DataType>(
    col: &Col<T>,
    at: At,
    column: &'static str,
) -> Result<(), DataError> {
    match col.first_null() {
        Some(index) => Err(at.null(index, column)),
        None => Ok(()),
    }
}

/// Code of a kind name: its [`EventKind`] discriminant.
pub(crate) fn kind_code(bytes: &[u8]) -> Option<u8> {
    let kind = match bytes {
        b"depth" => EventKind::Depth,
        b"trade" => EventKind::Trade,
        b"bbo" => EventKind::Bbo,
        b"snapshot" => EventKind::Snapshot,
        b"clear" => EventKind::Clear,
        _ => EventKind::from_bytes(bytes)?,
    };
    Some(kind as u8)
}

/// Code of a side name as written in files: exactly `bid`, `ask`, `buy`,
/// `sell` or `none` (lower case), an index of [`SIDE_NAMES`]; or, for the
/// market state of a status row, [`STATE_CODES`] plus the state's code.
pub(crate) fn side_code(bytes: &[u8]) -> Option<u8> {
    let code = match SIDE_NAMES.iter().position(|name| name.as_bytes() == bytes) {
        Some(index) => index,
        None => {
            let state = MarketState::ALL
                .into_iter()
                .find(|state| state.as_str().as_bytes() == bytes)?;
            usize::from(STATE_CODES) + state as usize
        }
    };
    u8::try_from(code).ok()
}

/// The side names of the canonical schema, by code.
const SIDE_NAMES: [&str; 5] = ["bid", "ask", "buy", "sell", "none"];

/// Marks a side name that an event kind does not take.
const WRONG: u8 = u8::MAX;
/// Book events take a book side.
const BOOK: [u8; 5] = [Side::Buy as u8, Side::Sell as u8, WRONG, WRONG, WRONG];
/// Trades take the aggressor's side, or `none` when it is unknown.
const TRADE: [u8; 5] = [
    WRONG,
    WRONG,
    Side::Buy as u8,
    Side::Sell as u8,
    Side::None as u8,
];
/// A clear empties one book side, or both with `none`.
const CLEAR: [u8; 5] = [
    Side::Buy as u8,
    Side::Sell as u8,
    WRONG,
    WRONG,
    Side::None as u8,
];
/// A fill names the side of the resting order it fills, as an order's side
/// (`buy` for a bid), the way ticklab writes it.
const FILL: [u8; 5] = [WRONG, WRONG, Side::Buy as u8, Side::Sell as u8, WRONG];

/// A funding row has no side.
const FUNDING: [u8; 5] = [WRONG, WRONG, WRONG, WRONG, Side::None as u8];
/// A status row holds a market state instead of a side.
const STATUS: [u8; 5] = [WRONG; 5];

/// The [`Side`] of each side code, by kind (in [`EventKind::ALL`] order).
const SIDE_OF_KIND: [[u8; 5]; 11] = [
    BOOK, TRADE, BOOK, CLEAR, BOOK, BOOK, BOOK, BOOK, FILL, FUNDING, STATUS,
];

/// True when an event of `kind` may have `side` (see [`SIDE_OF_KIND`]).
pub(crate) fn kind_takes_side(kind: EventKind, side: Side) -> bool {
    let name = side.file_name(kind);
    side_code(name.as_bytes())
        .is_some_and(|code| SIDE_OF_KIND[kind as usize][usize::from(code)] != WRONG)
}

/// The side names an event kind takes, for error messages.
pub(crate) fn sides_taken(kind: EventKind) -> &'static str {
    match kind {
        EventKind::Trade => "`buy`, `sell` or `none` (the aggressor)",
        EventKind::Clear => "`bid`, `ask` or `none` (both sides)",
        EventKind::Fill => "`buy` or `sell` (the side of the order filled)",
        EventKind::Funding => "`none`",
        EventKind::Status => "a market state: `trading`, `pre_open`, `halted` or `closed`",
        _ => "`bid` or `ask`",
    }
}

/// The [`Side`] of each value of [`SIDE_OF_KIND`].
const SIDES: [Side; 3] = [Side::Buy, Side::Sell, Side::None];

/// Side codes from here on are market states (on status rows).
const STATE_CODES: u8 = SIDE_NAMES.len() as u8;

/// The name of a side code, for errors.
fn side_code_name(code: u8) -> &'static str {
    match code.checked_sub(STATE_CODES) {
        Some(state) => MarketState::from_code(u64::from(state)).map_or("?", MarketState::as_str),
        None => SIDE_NAMES.get(usize::from(code)).copied().unwrap_or("?"),
    }
}

/// A batch's columns in event units, reused from batch to batch.
#[derive(Default)]
pub(crate) struct Scratch {
    price_ticks: Vec<i64>,
    qty_lots: Vec<i64>,
    order_id: Vec<u64>,
    flags: Vec<u8>,
    funding_rates: Vec<(usize, f64)>,
}

/// Time checks carried from batch to batch.
pub(crate) struct TimeCheck {
    pub prev_exch_ts_ns: i64,
    pub policy: LocalTsPolicy,
    pub local_before_exch: u64,
    pub first_local_before_exch_row: Option<u64>,
}

/// Converts the batch just read from `cols` and appends its events to `out`.
pub(crate) fn convert_batch(
    cols: &mut RowGroupColumns,
    layout: &Layout,
    instrument: &Instrument,
    scratch: &mut Scratch,
    times: &mut TimeCheck,
    out: &mut Vec<MarketEvent>,
    at: At,
) -> Result<(), DataError> {
    let rows = cols.kind.codes.len();
    scale_ts(
        &mut cols.exch_ts,
        layout.exch_ts.ns_per_unit,
        columns::EXCH_TS,
        at,
    )?;
    scale_ts(
        &mut cols.local_ts,
        layout.local_ts.ns_per_unit,
        columns::LOCAL_TS,
        at,
    )?;
    funding::take_rates(
        &cols.kind.codes[..rows],
        &mut cols.price,
        &mut scratch.funding_rates,
        at,
    )?;
    flag_bits(cols.flags.as_mut(), rows, &mut scratch.flags, at)?;
    if scratch
        .flags
        .iter()
        .any(|&bits| bits & flags::HALF_TICK != 0)
    {
        half_tick_down(cols, &scratch.flags, instrument, at)?;
    }
    Grid::price(instrument).convert(&cols.price, &mut scratch.price_ticks, at)?;
    Grid::qty(instrument).convert(&cols.qty, &mut scratch.qty_lots, at)?;
    order_ids(cols.order_id.as_mut(), rows, &mut scratch.order_id, at)?;

    let exch_ts = &cols.exch_ts.values[..rows];
    let local_ts = &cols.local_ts.values[..rows];
    let kinds = &cols.kind.codes[..rows];
    let sides = &cols.side.codes[..rows];
    let price_ticks = &scratch.price_ticks[..rows];
    let qty_lots = &scratch.qty_lots[..rows];
    let order_ids = &scratch.order_id[..rows];
    let flags = &scratch.flags[..rows];
    let mut previous = times.prev_exch_ts_ns;
    let first_event = out.len();
    out.reserve(rows);
    for index in 0..rows {
        let (kind, side) = (kinds[index], sides[index]);
        if usize::from(kind) >= EventKind::ALL.len()
            || usize::from(side) >= usize::from(STATE_CODES) + MarketState::ALL.len()
        {
            return Err(name_error(cols, index, at));
        }
        let kind = EventKind::ALL[usize::from(kind)];
        let (side, order_id) = match side.checked_sub(STATE_CODES) {
            Some(state) if kind == EventKind::Status => (Side::None, u64::from(state)),
            Some(_) => {
                return Err(DataError::MisplacedState {
                    file: at.file.to_owned(),
                    row: at.row(index),
                    kind: kind.as_str(),
                    value: side_code_name(side),
                })
            }
            None => match SIDE_OF_KIND[kind as usize][usize::from(side)] {
                WRONG if kind == EventKind::Status => {
                    return Err(DataError::MisplacedState {
                        file: at.file.to_owned(),
                        row: at.row(index),
                        kind: kind.as_str(),
                        value: side_code_name(side),
                    })
                }
                WRONG => return Err(side_error(cols, index, at)),
                side => (SIDES[usize::from(side)], order_ids[index]),
            },
        };
        let (exch, local) = (exch_ts[index], local_ts[index]);
        if exch < previous {
            return Err(DataError::TimeBackwards {
                file: at.file.to_owned(),
                row: at.row(index),
                exch_ts_ns: exch,
                previous_exch_ts_ns: previous,
            });
        }
        previous = exch;
        if local < exch {
            match times.policy {
                LocalTsPolicy::Error => {
                    return Err(DataError::LocalBeforeExchange {
                        file: at.file.to_owned(),
                        row: at.row(index),
                        local_ts_ns: local,
                        exch_ts_ns: exch,
                    })
                }
                LocalTsPolicy::Warn => {
                    times.local_before_exch += 1;
                    times
                        .first_local_before_exch_row
                        .get_or_insert(at.row(index));
                }
            }
        }
        out.push(MarketEvent {
            exch_ts: exch,
            local_ts: local,
            price: price_ticks[index],
            qty: qty_lots[index],
            order_id,
            kind,
            side,
            flags: flags[index],
        });
    }
    times.prev_exch_ts_ns = previous;
    funding::put_rates(&scratch.funding_rates, &mut out[first_event..]);
    Ok(())
}

#[cold]
fn side_error(cols: &RowGroupColumns, index: usize, at: At) -> DataError {
    let kind = EventKind::ALL[usize::from(cols.kind.codes[index])];
    DataError::WrongSide {
        file: at.file.to_owned(),
        row: at.row(index),
        value: side_code_name(cols.side.codes[index]),
        kind: kind.as_str(),
        expected: sides_taken(kind),
    }
}

#[cold]
fn name_error(cols: &RowGroupColumns, index: usize, at: At) -> DataError {
    let kind = cols.kind.codes[index];
    let (column, code, col) = if usize::from(kind) >= EventKind::ALL.len() {
        (columns::KIND, kind, &cols.kind)
    } else {
        (columns::SIDE, cols.side.codes[index], &cols.side)
    };
    if code == NULL_CODE {
        at.null(index, column)
    } else {
        DataError::UnknownName {
            file: at.file.to_owned(),
            row: at.row(index),
            column,
            value: col.first_unknown(),
        }
    }
}

/// Takes half a tick off the price of every trade flagged HALF_TICK (its
/// exact price lies between two ticks), so that the tick grid holds for it
/// as for every other row. The flag on any other kind is an error.
#[cold]
fn half_tick_down(
    cols: &mut RowGroupColumns,
    row_flags: &[u8],
    instrument: &Instrument,
    at: At,
) -> Result<(), DataError> {
    let half_tick = instrument.tick_size / 2.0;
    let trade = EventKind::Trade as u8;
    for (index, &bits) in row_flags.iter().enumerate() {
        if bits & flags::HALF_TICK == 0 {
            continue;
        }
        let kind = cols.kind.codes[index];
        if kind != trade {
            let name = EventKind::ALL
                .get(usize::from(kind))
                .map_or("unknown", |k| k.as_str());
            return Err(at.out_of_range(
                index,
                columns::FLAGS,
                format!("{bits} (bit 4, a half-tick price, on a {name} row: trades only)"),
            ));
        }
        match &mut cols.price {
            NumCol::F64(col) => {
                check_required(col, at, columns::PRICE)?;
                col.values[index] -= half_tick;
            }
            _ => {
                return Err(at.out_of_range(
                    index,
                    columns::FLAGS,
                    format!("{bits} (bit 4, a half-tick price, needs a float64 `price` column)"),
                ))
            }
        }
    }
    Ok(())
}

/// Converts a timestamp column to ns in place.
fn scale_ts(
    col: &mut Col<parquet::data_type::Int64Type>,
    ns_per_unit: i64,
    column: &'static str,
    at: At,
) -> Result<(), DataError> {
    check_required(col, at, column)?;
    if ns_per_unit == 1 {
        return Ok(());
    }
    for (index, value) in col.values.iter_mut().enumerate() {
        *value = value
            .checked_mul(ns_per_unit)
            .ok_or_else(|| at.out_of_range(index, column, value.to_string()))?;
    }
    Ok(())
}

/// Order ids into `out`: 0 when the column is absent or the value null.
fn order_ids(
    col: Option<&mut IntCol>,
    rows: usize,
    out: &mut Vec<u64>,
    at: At,
) -> Result<(), DataError> {
    out.clear();
    let Some(col) = col else {
        out.resize(rows, 0);
        return Ok(());
    };
    col.fill_nulls();
    let column = columns::ORDER_ID;
    match col {
        // An unsigned annotation stores the u64 bit pattern.
        IntCol::I64(col, true) => out.extend(col.values.iter().map(|&v| v as u64)),
        IntCol::I32(col, true) => out.extend(col.values.iter().map(|&v| u64::from(v as u32))),
        IntCol::I64(col, false) => {
            for (index, &value) in col.values.iter().enumerate() {
                out.push(
                    u64::try_from(value)
                        .map_err(|_| at.out_of_range(index, column, value.to_string()))?,
                );
            }
        }
        IntCol::I32(col, false) => {
            for (index, &value) in col.values.iter().enumerate() {
                out.push(
                    u64::try_from(value)
                        .map_err(|_| at.out_of_range(index, column, value.to_string()))?,
                );
            }
        }
    }
    Ok(())
}

/// Flag bits into `out`: 0 when the value is null, and when the column is
/// absent (the reader then infers them).
fn flag_bits(
    col: Option<&mut IntCol>,
    rows: usize,
    out: &mut Vec<u8>,
    at: At,
) -> Result<(), DataError> {
    out.clear();
    let Some(col) = col else {
        out.resize(rows, 0);
        return Ok(());
    };
    col.fill_nulls();
    let column = columns::FLAGS;
    match col {
        IntCol::I64(col, unsigned) => {
            for (index, &value) in col.values.iter().enumerate() {
                // Negative signed values wrap to large unsigned ones: out of range.
                let bits = value as u64;
                out.push(u8::try_from(bits).map_err(|_| {
                    let shown = if *unsigned {
                        bits.to_string()
                    } else {
                        value.to_string()
                    };
                    at.out_of_range(index, column, shown)
                })?);
            }
        }
        IntCol::I32(col, unsigned) => {
            for (index, &value) in col.values.iter().enumerate() {
                let bits = if *unsigned {
                    i64::from(value as u32)
                } else {
                    i64::from(value)
                };
                out.push(
                    u8::try_from(bits)
                        .map_err(|_| at.out_of_range(index, column, bits.to_string()))?,
                );
            }
        }
    }
    Ok(())
}
