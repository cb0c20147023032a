//! `ticklab.data`: what a data folder holds, and a day's events read and
//! checked by the engine's reader.

use std::path::PathBuf;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use ticklab::market::catalog::{Catalog, Day};
use ticklab::market::parquet::{write_events, EventReader, ReadOptions, WriteOptions};
use ticklab::session::open_day;

use crate::run::value_error;

/// The instruments of the data folder `data` (a folder, a symbol folder or
/// a day file): for each, its `instrument.toml` fields and its days
/// (`day`, `path`, `rows`, `first_exch_ts`, `last_exch_ts`); and the
/// files skipped, with why.
#[pyfunction]
pub(crate) fn catalog(py: Python<'_>, data: PathBuf) -> PyResult<Bound<'_, PyDict>> {
    let catalog = Catalog::open(&data).map_err(value_error)?;
    let instruments = PyList::empty(py);
    for found in &catalog.instruments {
        let item = PyDict::new(py);
        let instrument = &found.instrument;
        item.set_item("symbol", &instrument.symbol)?;
        item.set_item("tick_size", instrument.tick_size)?;
        item.set_item("lot_size", instrument.lot_size)?;
        item.set_item("currency", &instrument.currency)?;
        item.set_item("maker_fee_rate", instrument.maker_fee_rate)?;
        item.set_item("taker_fee_rate", instrument.taker_fee_rate)?;
        item.set_item("fee_per_fill", instrument.fee_per_fill)?;
        item.set_item("contract_multiplier", instrument.contract_multiplier)?;
        item.set_item("inverse", instrument.inverse)?;
        item.set_item("description", &instrument.description)?;
        item.set_item("folder", &found.dir)?;
        let days = PyList::empty(py);
        for day in &found.days {
            let entry = PyDict::new(py);
            entry.set_item("day", day.day.to_string())?;
            entry.set_item("path", &day.path)?;
            entry.set_item("rows", day.rows())?;
            let span = day.exch_ts_span_ns();
            entry.set_item("first_exch_ts", span.map(|(first, _)| first))?;
            entry.set_item("last_exch_ts", span.map(|(_, last)| last))?;
            entry.set_item("warning", day.outside_day_warning())?;
            days.append(entry)?;
        }
        item.set_item("days", days)?;
        instruments.append(item)?;
    }
    let skipped = PyList::empty(py);
    for skip in &catalog.skipped {
        skipped.append(format!("{}: {}", skip.path.display(), skip.reason))?;
    }
    let dict = PyDict::new(py);
    dict.set_item("root", &catalog.root)?;
    dict.set_item("instruments", instruments)?;
    dict.set_item("skipped", skipped)?;
    Ok(dict)
}

/// Reads the day `day` of `symbol` in `data` through the engine's reader
/// (every check `ticklab run` makes: the tick and lot grid, times, kinds
/// and sides) and writes its events in the canonical schema to `out`, a
/// Parquet file the package reads back as a table. Returns the rows.
#[pyfunction]
#[pyo3(signature = (data, symbol, day, out))]
pub(crate) fn day_events(
    py: Python<'_>,
    data: PathBuf,
    symbol: Option<String>,
    day: Option<String>,
    out: PathBuf,
) -> PyResult<u64> {
    let day = match day {
        Some(text) => Some(
            text.parse::<Day>()
                .map_err(|err| PyValueError::new_err(format!("day: {err}")))?,
        ),
        None => None,
    };
    let found = open_day(&data, symbol.as_deref(), day).map_err(value_error)?;
    py.detach(|| {
        let reader = EventReader::open(&found.file, &found.instrument, ReadOptions::default())?;
        let events = reader.into_events();
        let mut failure = None;
        let events = events.map_while(|event| match event {
            Ok(event) => Some(event),
            Err(err) => {
                failure = Some(err);
                None
            }
        });
        let written = write_events(&out, &found.instrument, events, &WriteOptions::default());
        match failure {
            Some(err) => Err(err),
            None => written.map(|summary| summary.rows),
        }
    })
    .map_err(value_error)
}
