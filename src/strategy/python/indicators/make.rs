//! The `ticklab.indicators` module: the functions that make each kind of
//! indicator (`SMA`, `EMA`, `RSI`, ...) from Python's arguments, checked
//! and named in their errors.

use super::*;

/// A window given as text (`"5s"`, `"500ms"`, `"1m"`) or ns.
fn window_ns(arg: &str, window: &Bound<'_, PyAny>) -> PyResult<i64> {
    let ns = if let Ok(text) = window.cast::<PyString>() {
        let text = text.to_cow()?;
        span_ns_from_text(&text).map_err(|err| PyValueError::new_err(format!("{arg}: {err}")))?
    } else if let Ok(ns) = window.extract::<i64>() {
        ns
    } else {
        return Err(PyTypeError::new_err(format!(
            "{arg}: expected a length of time (\"5s\", \"500ms\", \"1m\") or ns (int)"
        )));
    };
    if ns <= 0 {
        return Err(PyValueError::new_err(format!("{arg}: must be more than 0")));
    }
    Ok(ns)
}

/// The aggressor side a trade window counts: `"buy"` or `"sell"` (or `Side.BUY`).
pub(super) fn side_of(side: Option<&Bound<'_, PyAny>>) -> PyResult<Side> {
    let Some(side) = side else {
        return Err(PyValueError::new_err(
            "side: a trade window needs the trade's side (\"buy\" or \"sell\", the aggressor)",
        ));
    };
    let text = match side.cast::<PyString>() {
        Ok(text) => text.to_cow()?.into_owned(),
        Err(_) => side.str()?.to_cow()?.into_owned(),
    };
    match text.to_ascii_lowercase().trim_start_matches("side.") {
        "buy" => Ok(Side::Buy),
        "sell" => Ok(Side::Sell),
        other => Err(PyValueError::new_err(format!(
            "side: {other:?} is not \"buy\" or \"sell\""
        ))),
    }
}

fn with_symbol(mut ind: PyIndicator, symbol: Option<String>) -> PyIndicator {
    ind.symbol = symbol;
    ind
}

/// Time-weighted mean of `of` over the last `window` (`"5s"`).
#[pyfunction(name = "SMA")]
#[pyo3(signature = (of="mid", window=None, symbol=None))]
fn sma(
    of: &str,
    window: Option<&Bound<'_, PyAny>>,
    symbol: Option<String>,
) -> PyResult<PyIndicator> {
    let window = window.ok_or_else(|| PyTypeError::new_err("SMA: give window=, e.g. \"5s\""))?;
    let ns = window_ns("window", window)?;
    Ok(with_symbol(
        PyIndicator::new(
            "sma",
            format!("SMA(of={of:?}, window={ns} ns)"),
            Some(Of::parse(of)?),
            State::Sma(TimeWeightedWindow::new(ns)),
        ),
        symbol,
    ))
}

/// Time-weighted population standard deviation of `of` over `window`.
#[pyfunction(name = "Stddev")]
#[pyo3(signature = (of="mid", window=None, symbol=None))]
fn stddev(
    of: &str,
    window: Option<&Bound<'_, PyAny>>,
    symbol: Option<String>,
) -> PyResult<PyIndicator> {
    let window = window.ok_or_else(|| PyTypeError::new_err("Stddev: give window=, e.g. \"1m\""))?;
    let ns = window_ns("window", window)?;
    Ok(with_symbol(
        PyIndicator::new(
            "stddev",
            format!("Stddev(of={of:?}, window={ns} ns)"),
            Some(Of::parse(of)?),
            State::Stddev(TimeWeightedWindow::new(ns)),
        ),
        symbol,
    ))
}

/// Exponential moving average of `of` in time, halving a value's weight
/// every `half_life`.
#[pyfunction(name = "EMA")]
#[pyo3(signature = (of="mid", half_life=None, symbol=None))]
fn ema(
    of: &str,
    half_life: Option<&Bound<'_, PyAny>>,
    symbol: Option<String>,
) -> PyResult<PyIndicator> {
    let half_life =
        half_life.ok_or_else(|| PyTypeError::new_err("EMA: give half_life=, e.g. \"10s\""))?;
    let ns = window_ns("half_life", half_life)?;
    Ok(with_symbol(
        PyIndicator::new(
            "ema",
            format!("EMA(of={of:?}, half_life={ns} ns)"),
            Some(Of::parse(of)?),
            State::Ema(TimeEma::new(ns)),
        ),
        symbol,
    ))
}

/// Relative strength index (0 to 100) of `of`'s moves over `window`.
#[pyfunction(name = "RSI")]
#[pyo3(signature = (of="mid", window=None, symbol=None))]
fn rsi(
    of: &str,
    window: Option<&Bound<'_, PyAny>>,
    symbol: Option<String>,
) -> PyResult<PyIndicator> {
    let window = window.ok_or_else(|| PyTypeError::new_err("RSI: give window=, e.g. \"1m\""))?;
    let ns = window_ns("window", window)?;
    Ok(with_symbol(
        PyIndicator::new(
            "rsi",
            format!("RSI(of={of:?}, window={ns} ns)"),
            Some(Of::parse(of)?),
            State::Rsi(WindowedRsi::new(ns)),
        ),
        symbol,
    ))
}

fn trades(
    name: &'static str,
    title: &str,
    window: Option<&Bound<'_, PyAny>>,
    out: TradeOut,
    symbol: Option<String>,
    required: bool,
) -> PyResult<PyIndicator> {
    let ns = match window {
        Some(w) => Some(window_ns("window", w)?),
        None if required => {
            return Err(PyTypeError::new_err(format!(
                "{title}: give window=, e.g. \"10s\""
            )))
        }
        None => None,
    };
    let text = match ns {
        Some(ns) => format!("{title}(window={ns} ns)"),
        None => format!("{title}()"),
    };
    Ok(with_symbol(
        PyIndicator::new(name, text, None, State::Trades(TradeWindow::new(ns), out)),
        symbol,
    ))
}

/// Trades printed over the last `window`.
#[pyfunction(name = "TradeCount")]
#[pyo3(signature = (window=None, symbol=None))]
fn trade_count(window: Option<&Bound<'_, PyAny>>, symbol: Option<String>) -> PyResult<PyIndicator> {
    trades(
        "trade_count",
        "TradeCount",
        window,
        TradeOut::Count,
        symbol,
        true,
    )
}

/// Lots bought by aggressors minus lots sold over the last `window`.
#[pyfunction(name = "SignedVolume")]
#[pyo3(signature = (window=None, symbol=None))]
fn signed_volume(
    window: Option<&Bound<'_, PyAny>>,
    symbol: Option<String>,
) -> PyResult<PyIndicator> {
    trades(
        "signed_volume",
        "SignedVolume",
        window,
        TradeOut::Signed,
        symbol,
        true,
    )
}

/// Lots traded over the last `window`.
#[pyfunction(name = "Volume")]
#[pyo3(signature = (window=None, symbol=None))]
fn volume(window: Option<&Bound<'_, PyAny>>, symbol: Option<String>) -> PyResult<PyIndicator> {
    trades("volume", "Volume", window, TradeOut::Volume, symbol, true)
}

/// Volume-weighted average trade price over the last `window` (the whole
/// run without one).
#[pyfunction(name = "VWAP")]
#[pyo3(signature = (window=None, symbol=None))]
fn vwap(window: Option<&Bound<'_, PyAny>>, symbol: Option<String>) -> PyResult<PyIndicator> {
    trades("vwap", "VWAP", window, TradeOut::Vwap, symbol, false)
}

/// Book imbalance over the best `levels` levels, from -1 (all asks) to 1
/// (all bids).
#[pyfunction(name = "Imbalance")]
#[pyo3(signature = (levels=1, symbol=None))]
fn book_imbalance(levels: usize, symbol: Option<String>) -> PyResult<PyIndicator> {
    if levels == 0 {
        return Err(PyValueError::new_err("levels: at least 1"));
    }
    Ok(with_symbol(
        PyIndicator::new(
            "imbalance",
            format!("Imbalance(levels={levels})"),
            None,
            State::Imbalance {
                levels,
                value: f64::NAN,
            },
        ),
        symbol,
    ))
}

/// The `ticklab.indicators` module.
pub(crate) fn module(py: Python<'_>) -> PyResult<Bound<'_, PyModule>> {
    let m = PyModule::new(py, "ticklab.indicators")?;
    m.add_class::<PyIndicator>()?;
    m.add_function(wrap_pyfunction!(sma, &m)?)?;
    m.add_function(wrap_pyfunction!(stddev, &m)?)?;
    m.add_function(wrap_pyfunction!(ema, &m)?)?;
    m.add_function(wrap_pyfunction!(rsi, &m)?)?;
    m.add_function(wrap_pyfunction!(trade_count, &m)?)?;
    m.add_function(wrap_pyfunction!(signed_volume, &m)?)?;
    m.add_function(wrap_pyfunction!(volume, &m)?)?;
    m.add_function(wrap_pyfunction!(vwap, &m)?)?;
    m.add_function(wrap_pyfunction!(book_imbalance, &m)?)?;
    m.setattr(
        "__doc__",
        "Duration-window indicators of the rule engine for Python strategies.",
    )?;
    Ok(m)
}
