//! Orders in Python: the open orders a strategy reads (`ctx.open_orders`)
//! and the requests it builds (`ctx.buy`, `ctx.sell`, `ctx.submit_batch`).

use std::sync::Arc;

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PySequence, PyString};

use super::module;
use super::units::Units;
use crate::market::Side;
use crate::sim::{OpenOrder, OrderRequest, OrderType, TimeInForce};

/// One of the strategy's open orders as it knows it, with its queue
/// position; a snapshot taken when read.
#[pyclass(name = "Order", module = "ticklab", frozen)]
pub(crate) struct PyOrder {
    order: OpenOrder,
    units: Arc<Units>,
}

impl PyOrder {
    /// `order` in natural units.
    pub(crate) fn new(order: OpenOrder, units: Arc<Units>) -> Self {
        PyOrder { order, units }
    }
}

#[pymethods]
impl PyOrder {
    /// The order's id.
    #[getter]
    fn id(&self) -> u64 {
        self.order.id.0
    }

    /// Buy or sell (`Side`).
    #[getter]
    fn side(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        Ok(module::shared(py)?.side(py, self.order.side))
    }

    /// Limit price, None for market and stop-market orders.
    #[getter]
    fn price(&self) -> Option<f64> {
        self.order
            .order_type
            .has_limit()
            .then(|| self.units.price(self.order.price_ticks))
    }

    /// Stop price, None unless a stop order.
    #[getter]
    fn stop_price(&self) -> Option<f64> {
        self.order
            .order_type
            .is_stop()
            .then(|| self.units.price(self.order.stop_price_ticks))
    }

    /// Total quantity.
    #[getter]
    fn qty(&self) -> f64 {
        self.units.qty(self.order.qty_lots)
    }

    /// Quantity filled so far.
    #[getter]
    fn filled(&self) -> f64 {
        self.units.qty(self.order.filled_lots)
    }

    /// Quantity still working.
    #[getter]
    fn leaves(&self) -> f64 {
        self.units.qty(self.order.leaves_lots())
    }

    /// Status as last reported (`OrderStatus`; NEW until the exchange
    /// answers).
    #[getter]
    fn status(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        Ok(module::shared(py)?.order_status(py, self.order.state))
    }

    /// Order type (`OrderType`).
    #[getter]
    fn order_type(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        Ok(module::shared(py)?.order_type(py, self.order.order_type))
    }

    /// Time in force (`Tif`).
    #[getter]
    fn tif(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        Ok(module::shared(py)?.tif(py, self.order.time_in_force))
    }

    /// Volume estimated ahead of the order in its queue; None until the
    /// exchange has acknowledged it, and for orders that do not rest.
    #[getter]
    fn ahead_qty(&self) -> Option<f64> {
        self.order.queue().map(|q| self.units.qty(q.ahead_lots))
    }

    /// Market volume at the order's price level; None when `ahead_qty` is.
    #[getter]
    fn level_qty(&self) -> Option<f64> {
        self.order.queue().map(|q| self.units.qty(q.level_lots))
    }

    /// Average fill price so far, None when nothing filled.
    #[getter]
    fn avg_fill_price(&self) -> Option<f64> {
        (self.order.filled_lots > 0).then(|| self.units.avg_price(self.order.avg_fill_price_ticks))
    }

    /// A cancel is on its way and not yet answered.
    #[getter]
    fn cancel_pending(&self) -> bool {
        self.order.cancel_pending
    }

    /// A modify is on its way and not yet answered.
    #[getter]
    fn modify_pending(&self) -> bool {
        self.order.modify_pending
    }

    /// Local time the order was sent, ns since the epoch.
    #[getter]
    fn sent_ts(&self) -> i64 {
        self.order.sent_ts_ns
    }

    fn __repr__(&self) -> String {
        let o = &self.order;
        let price = self
            .price()
            .map_or_else(|| "market".to_owned(), |p| p.to_string());
        let queue = o.queue().map_or_else(String::new, |q| {
            format!(
                " ahead {} of {}",
                self.units.qty(q.ahead_lots),
                self.units.qty(q.level_lots)
            )
        });
        format!(
            "<Order #{} {} {} @ {} filled {} {:?}{}>",
            o.id.0,
            o.side,
            self.qty(),
            price,
            self.filled(),
            o.state,
            queue
        )
    }
}

/// What `ctx.buy` / `ctx.sell` (or one batch entry) asked for.
pub(crate) struct OrderArgs<'py> {
    pub side: Side,
    pub qty: f64,
    pub price: Option<f64>,
    pub tif: Option<Bound<'py, PyAny>>,
    pub post_only: bool,
    pub stop: Option<f64>,
}

impl OrderArgs<'_> {
    /// The request in ticks and lots: limit when a price is given, market
    /// otherwise; a stop price makes it a stop-limit or stop-market.
    pub(crate) fn request(&self, units: &Units) -> PyResult<OrderRequest> {
        let qty_lots = units.lots(self.qty)?;
        if qty_lots <= 0 {
            return Err(PyValueError::new_err(format!(
                "quantity must be positive, got {}",
                self.qty
            )));
        }
        let price = self.price.map(|p| units.ticks(p)).transpose()?;
        let stop = self.stop.map(|p| units.ticks(p)).transpose()?;
        let mut request = match (price, stop) {
            (Some(price), None) => OrderRequest::limit(self.side, price, qty_lots),
            (None, None) => OrderRequest::market(self.side, qty_lots),
            (None, Some(stop)) => OrderRequest::stop_market(self.side, stop, qty_lots),
            (Some(price), Some(stop)) => OrderRequest::stop_limit(self.side, stop, price, qty_lots),
        };
        if let Some(tif) = &self.tif {
            request.time_in_force = tif_from(tif)?;
        }
        if self.post_only {
            if request.time_in_force != TimeInForce::Gtc
                && request.time_in_force != TimeInForce::PostOnly
            {
                return Err(PyValueError::new_err(
                    "post_only=True goes with tif GTC (or POST_ONLY), not another time in force",
                ));
            }
            if !request.order_type.has_limit() {
                return Err(PyValueError::new_err("post_only=True needs a limit price"));
            }
            request.time_in_force = TimeInForce::PostOnly;
        }
        if matches!(
            request.order_type,
            OrderType::Market | OrderType::StopMarket
        ) && !matches!(request.time_in_force, TimeInForce::Ioc | TimeInForce::Fok)
        {
            return Err(PyValueError::new_err(
                "an order without a price is a market order: its time in force is IOC or FOK",
            ));
        }
        Ok(request)
    }
}

/// A time in force from a `Tif` member or its name (`"gtc"`, `"ioc"`,
/// `"fok"`, `"post_only"`, any case).
pub(crate) fn tif_from(value: &Bound<'_, PyAny>) -> PyResult<TimeInForce> {
    let text = value
        .cast::<PyString>()
        .map_err(|_| PyTypeError::new_err("tif must be a ticklab.Tif or its name"))?
        .to_cow()?
        .to_ascii_lowercase()
        .replace('-', "_");
    match text.as_str() {
        "gtc" => Ok(TimeInForce::Gtc),
        "ioc" => Ok(TimeInForce::Ioc),
        "fok" => Ok(TimeInForce::Fok),
        "post_only" | "postonly" | "gtx" => Ok(TimeInForce::PostOnly),
        other => Err(PyValueError::new_err(format!(
            "unknown time in force {other:?}: use Tif.GTC, Tif.IOC, Tif.FOK or Tif.POST_ONLY"
        ))),
    }
}

/// A side from a `Side` member or `"buy"` / `"sell"` (any case).
pub(crate) fn side_from(value: &Bound<'_, PyAny>) -> PyResult<Side> {
    let text = value
        .cast::<PyString>()
        .map_err(|_| PyTypeError::new_err("side must be Side.BUY, Side.SELL, \"buy\" or \"sell\""))?
        .to_cow()?
        .to_ascii_lowercase();
    match text.as_str() {
        "buy" | "b" | "bid" => Ok(Side::Buy),
        "sell" | "s" | "ask" => Ok(Side::Sell),
        other => Err(PyValueError::new_err(format!(
            "unknown side {other:?}: use Side.BUY or Side.SELL"
        ))),
    }
}

/// One entry of `ctx.submit_batch`: a dict with `side`, `qty` and optional
/// `price`, `tif`, `post_only`, `stop`; or a tuple `(side, qty[, price])`.
pub(crate) fn batch_entry(
    units: &Units,
    entry: &Bound<'_, PyAny>,
    index: usize,
) -> PyResult<OrderRequest> {
    let args = if let Ok(dict) = entry.cast::<PyDict>() {
        let get = |key: &str| dict.get_item(key);
        for key in dict.keys() {
            let key: String = key.extract()?;
            if !["side", "qty", "price", "tif", "post_only", "stop"].contains(&key.as_str()) {
                return Err(PyValueError::new_err(format!(
                    "order {index}: unknown key {key:?} (keys: side, qty, price, tif, post_only, stop)"
                )));
            }
        }
        let required = |key: &str| {
            get(key)?
                .ok_or_else(|| PyValueError::new_err(format!("order {index}: missing {key:?}")))
        };
        let optional_f64 = |key: &str| -> PyResult<Option<f64>> {
            match get(key)? {
                Some(v) if !v.is_none() => Ok(Some(v.extract()?)),
                _ => Ok(None),
            }
        };
        OrderArgs {
            side: side_from(&required("side")?)?,
            qty: required("qty")?.extract()?,
            price: optional_f64("price")?,
            tif: get("tif")?.filter(|t| !t.is_none()),
            post_only: get("post_only")?
                .map(|p| p.is_truthy())
                .transpose()?
                .unwrap_or(false),
            stop: optional_f64("stop")?,
        }
    } else if let Ok(seq) = entry.cast::<PySequence>() {
        let len = seq.len()?;
        if !(2..=3).contains(&len) || entry.is_instance_of::<PyString>() {
            return Err(PyValueError::new_err(format!(
                "order {index}: a tuple entry is (side, qty) or (side, qty, price)"
            )));
        }
        let price = if len == 3 {
            let p = seq.get_item(2)?;
            if p.is_none() {
                None
            } else {
                Some(p.extract()?)
            }
        } else {
            None
        };
        OrderArgs {
            side: side_from(&seq.get_item(0)?)?,
            qty: seq.get_item(1)?.extract()?,
            price,
            tif: None,
            post_only: false,
            stop: None,
        }
    } else {
        return Err(PyTypeError::new_err(format!(
            "order {index}: expected a dict or a (side, qty, price) tuple"
        )));
    };
    args.request(units).map_err(|err| {
        let py = entry.py();
        PyValueError::new_err(format!("order {index}: {}", err.value(py)))
    })
}
