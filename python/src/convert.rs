//! `ticklab.convert`: vendor files into a canonical data folder, with the
//! options `ticklab convert` has.

use std::path::PathBuf;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use ticklab::market::import::{self, CsvMap, Format, ImportOptions, TsUnit};

use crate::run::value_error;

/// Converts `inputs` (format `from_format`: tardis, lobster, dbn, csv,
/// npz, collector, bybit) into the data folder `out` under `symbol`;
/// returns the summary `ticklab convert` prints (`text`) with the
/// instrument file and the day files written.
#[pyfunction]
#[pyo3(signature = (from_format, inputs, *, symbol, out, tick_size, lot_size, currency, skip_bad, verify, column_map, ts_unit, instrument_id, reorder_window_ms, local_ts_shift_ns))]
#[expect(clippy::too_many_arguments, reason = "the options of ticklab convert")]
pub(crate) fn convert<'py>(
    py: Python<'py>,
    from_format: &str,
    inputs: Vec<PathBuf>,
    symbol: &str,
    out: PathBuf,
    tick_size: Option<f64>,
    lot_size: Option<f64>,
    currency: Option<String>,
    skip_bad: bool,
    verify: bool,
    column_map: Option<&str>,
    ts_unit: &str,
    instrument_id: Option<u32>,
    reorder_window_ms: Option<f64>,
    local_ts_shift_ns: i64,
) -> PyResult<Bound<'py, PyDict>> {
    let format: Format = from_format
        .parse()
        .map_err(|err: String| PyValueError::new_err(format!("format: {err}")))?;
    if let Some(window_ms) = reorder_window_ms {
        if !(window_ms.is_finite() && window_ms >= 0.0) {
            return Err(PyValueError::new_err(
                "reorder_window_ms must be a non-negative number",
            ));
        }
    }
    if verify && format != Format::Lobster {
        return Err(PyValueError::new_err(
            "verify applies to LOBSTER files only",
        ));
    }
    let mut options = ImportOptions::new(symbol);
    options.tick_size = tick_size;
    options.lot_size = lot_size;
    options.currency = currency;
    options.skip_bad = skip_bad;
    options.verify = verify;
    options.csv_map = match column_map {
        Some(text) => Some(
            text.parse::<CsvMap>()
                .map_err(|err| PyValueError::new_err(format!("column_map: {err}")))?,
        ),
        None => None,
    };
    options.ts_unit = ts_unit
        .parse::<TsUnit>()
        .map_err(|err| PyValueError::new_err(format!("ts_unit: {err}")))?;
    options.instrument_id = instrument_id;
    options.reorder_window_ns = reorder_window_ms.map(|window_ms| (window_ms * 1e6).round() as i64);
    options.local_ts_shift_ns = local_ts_shift_ns;
    let converted = py
        .detach(|| import::convert_with_progress(format, &inputs, &out, &options, &mut |_rows| {}));
    let summary = converted.map_err(|err| {
        let err = value_error(err);
        PyValueError::new_err(format!(
            "converting into {}: {}",
            out.display(),
            err.value(py)
        ))
    })?;
    let dict = PyDict::new(py);
    dict.set_item("text", summary.to_string())?;
    dict.set_item("instrument_file", &summary.instrument_file)?;
    let days: Vec<PathBuf> = summary.days.iter().map(|day| day.file.clone()).collect();
    dict.set_item("days", days)?;
    dict.set_item("events_written", summary.events_written)?;
    Ok(dict)
}
