//! `ticklab.indicators`: the rule engine's duration-window indicators for
//! Python strategies — the same implementations ([`crate::strategy::indicators`])
//! fed the same way, so a Python strategy reads exactly the values a rule
//! file compares.
//!
//! An indicator registered with `ctx.register(ind)` is fed by the host:
//! trades as they come (at the strategy's local time), book series when the
//! book is consistent (the last event of an exchange message) and its
//! touch moved. It is evaluated where a rule file's indicators are (a
//! consistent book that may have moved the touch, after an order changed,
//! at a trade), since reading a window drops what left it and so moves
//! the last bits of later values; a strategy's own reads look at a copy.
//! Book series are kept in ticks and read in price units, as the rules
//! keep them. An indicator not registered is fed by
//! `ind.update(ts_ns, value)` in the caller's own units.

mod make;

pub(crate) use make::module;
use make::side_of;

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyModule, PyString};

use crate::book::{L2Book, Level};
use crate::market::day_range::span_ns_from_text;
use crate::market::{EventKind, MarketEvent, Side};
use crate::strategy::indicators::{
    imbalance, microprice_ticks, TimeEma, TimeWeightedWindow, TradeWindow, WindowedRsi,
};

/// The book series an indicator is computed on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Of {
    Mid,
    Bid,
    Ask,
    Last,
    Microprice,
    Spread,
}

impl Of {
    fn parse(text: &str) -> PyResult<Of> {
        Ok(match text {
            "mid" => Of::Mid,
            "bid" => Of::Bid,
            "ask" => Of::Ask,
            "last" => Of::Last,
            "microprice" => Of::Microprice,
            "spread" => Of::Spread,
            other => {
                return Err(PyValueError::new_err(format!(
                    "of: {other:?} is not a series; one of mid, bid, ask, last, microprice, spread"
                )))
            }
        })
    }

    /// Read in price units (spread stays in ticks).
    fn is_price(self) -> bool {
        self != Of::Spread
    }
}

/// What a trade window reports.
#[derive(Clone, Copy, Debug)]
enum TradeOut {
    Vwap,
    Volume,
    Count,
    Signed,
}

/// An indicator's state.
#[derive(Clone, Debug)]
enum State {
    Sma(TimeWeightedWindow),
    Stddev(TimeWeightedWindow),
    Ema(TimeEma),
    Rsi(WindowedRsi),
    Trades(TradeWindow, TradeOut),
    Imbalance { levels: usize, value: f64 },
}

/// A duration-window indicator (`ticklab.indicators.SMA(...)` and the
/// others): fed by the host once registered with `ctx.register(ind)`, or
/// by `ind.update(ts_ns, value)`.
#[pyclass(name = "Indicator", module = "ticklab.indicators")]
pub(crate) struct PyIndicator {
    name: &'static str,
    text: String,
    of: Option<Of>,
    state: State,
    /// The instrument it is fed from (`None`: the run's first).
    symbol: Option<String>,
    /// Ticks to the value read: the tick size for a price series fed by
    /// the host, 1 otherwise.
    scale: f64,
    /// The latest time it was told of, ns.
    now_ns: i64,
    /// The touch at its last evaluation.
    touch: (Option<Level>, Option<Level>),
    /// Since the last evaluation: a book event may have moved the touch.
    touch_may_differ: bool,
    /// Since the last evaluation: one of the strategy's orders changed.
    orders_changed: bool,
    /// The time and value of the last evaluation.
    evaluated: Option<(i64, f64)>,
    /// Evaluations so far.
    evaluations: u64,
    registered: bool,
}

impl PyIndicator {
    fn new(name: &'static str, text: String, of: Option<Of>, state: State) -> Self {
        PyIndicator {
            name,
            text,
            of,
            state,
            symbol: None,
            scale: 1.0,
            now_ns: i64::MIN,
            touch: (None, None),
            touch_may_differ: true,
            orders_changed: true,
            evaluated: None,
            evaluations: 0,
            registered: false,
        }
    }

    fn push(&mut self, ts_ns: i64, x: f64) {
        match &mut self.state {
            State::Sma(w) | State::Stddev(w) => w.push(ts_ns, x),
            State::Ema(e) => e.push(ts_ns, x),
            State::Rsi(r) => r.push(ts_ns, x),
            State::Trades(..) | State::Imbalance { .. } => {}
        }
    }

    /// Registered with a run of instruments named `symbols`, the tick size
    /// of each: checks the symbol and sets the scale.
    pub(crate) fn attach(&mut self, symbols: &[String], tick_sizes: &[f64]) -> PyResult<usize> {
        let index = match &self.symbol {
            None => 0,
            Some(symbol) => symbols.iter().position(|s| s == symbol).ok_or_else(|| {
                PyValueError::new_err(format!(
                    "{}: symbol {symbol:?} is not an instrument of this run; it has: {}",
                    self.text,
                    symbols.join(", ")
                ))
            })?,
        };
        if self.registered {
            return Err(PyValueError::new_err(format!(
                "{}: registered already",
                self.text
            )));
        }
        self.registered = true;
        let tick = tick_sizes.get(index).copied().unwrap_or(1.0);
        self.scale = match (&self.state, self.of) {
            (State::Sma(_) | State::Stddev(_) | State::Ema(_), Some(of)) if of.is_price() => tick,
            (State::Trades(_, TradeOut::Vwap), _) => tick,
            _ => 1.0,
        };
        Ok(index)
    }

    /// A trade at local time `ts_ns`, as the rules' indicators see it.
    pub(crate) fn on_trade(&mut self, ts_ns: i64, aggressor: Side, price_ticks: i64, qty: i64) {
        self.now_ns = ts_ns;
        match &mut self.state {
            State::Trades(window, _) => window.push(ts_ns, aggressor, price_ticks, qty),
            _ if self.of == Some(Of::Last) => self.push(ts_ns, price_ticks as f64),
            _ => {}
        }
    }

    /// A book event that is not a trade: whether it may have moved the
    /// touch of the last evaluation (a level behind the touch cannot).
    pub(crate) fn on_depth(&mut self, ts_ns: i64, ev: &MarketEvent) {
        self.now_ns = ts_ns;
        if self.touch_may_differ {
            return;
        }
        self.touch_may_differ = match (ev.kind, ev.side) {
            (EventKind::Depth | EventKind::Snapshot, Side::Buy) => {
                self.touch.0.is_none_or(|best| ev.price >= best.price)
            }
            (EventKind::Depth | EventKind::Snapshot, Side::Sell) => {
                self.touch.1.is_none_or(|best| ev.price <= best.price)
            }
            _ => true,
        };
    }

    /// One of the strategy's orders on this instrument changed.
    pub(crate) fn on_order(&mut self) {
        self.orders_changed = true;
    }

    /// The book is consistent at local time `ts_ns` (the last event of an
    /// exchange message; `is_forced` when that event is a trade or the
    /// market state changed): where the rule engine evaluates, the book
    /// series are fed if the touch moved and the value is taken, as the
    /// rules take theirs.
    pub(crate) fn on_book(
        &mut self,
        ts_ns: i64,
        book: &L2Book,
        touch: (Option<Level>, Option<Level>),
        is_forced: bool,
    ) {
        self.now_ns = ts_ns;
        let touch_changed = touch != self.touch;
        let due = std::mem::take(&mut self.touch_may_differ)
            | std::mem::take(&mut self.orders_changed)
            | is_forced;
        if !(touch_changed || due) {
            return;
        }
        self.touch = touch;
        if touch_changed {
            self.feed_book(ts_ns, book, touch);
        }
        let value = self.value_at_ns(ts_ns);
        self.evaluated = Some((ts_ns, value));
        self.evaluations += 1;
    }

    fn feed_book(&mut self, ts_ns: i64, book: &L2Book, touch: (Option<Level>, Option<Level>)) {
        if let State::Imbalance { levels, value } = &mut self.state {
            *value = imbalance(book, *levels).unwrap_or(f64::NAN);
            return;
        }
        let Some(of) = self.of.filter(|of| *of != Of::Last) else {
            return;
        };
        let (bid, ask) = (
            touch.0.map_or(f64::NAN, |l| l.price as f64),
            touch.1.map_or(f64::NAN, |l| l.price as f64),
        );
        let x = match of {
            Of::Bid => bid,
            Of::Ask => ask,
            Of::Mid => (bid + ask) / 2.0,
            Of::Spread => ask - bid,
            Of::Microprice => microprice_ticks(book).unwrap_or(f64::NAN),
            Of::Last => f64::NAN,
        };
        if !x.is_nan() {
            self.push(ts_ns, x);
        }
    }

    /// Any other event at local time `ts_ns`.
    pub(crate) fn tell_time(&mut self, ts_ns: i64) {
        self.now_ns = ts_ns;
    }

    /// The value at `now_ns` (NaN when not known) without changing the
    /// state (a window's reading drops what left it, which moves the last
    /// bits of later sums): the value of the last evaluation when at its
    /// time, else read off a copy.
    fn peek(&self, now_ns: i64) -> f64 {
        match self.evaluated {
            Some((ts_ns, value)) if ts_ns == now_ns => value,
            _ => {
                let mut copy = self.state.clone();
                read(&mut copy, now_ns) * self.scale
            }
        }
    }

    /// The value at `now_ns` (NaN when not known), as the rules read it.
    fn value_at_ns(&mut self, now_ns: i64) -> f64 {
        read(&mut self.state, now_ns) * self.scale
    }
}

/// An indicator's raw value at `now_ns` (NaN when not known), as the rule
/// engine reads it (a window drops what left it).
fn read(state: &mut State, now_ns: i64) -> f64 {
    match state {
        State::Sma(w) => w.mean(now_ns).unwrap_or(f64::NAN),
        State::Stddev(w) => w.stats(now_ns).map_or(f64::NAN, |s| s.stddev),
        State::Ema(e) => e.value(now_ns).unwrap_or(f64::NAN),
        State::Rsi(r) => r.value(now_ns).unwrap_or(f64::NAN),
        State::Trades(window, out) => {
            window.evict(now_ns);
            match out {
                TradeOut::Vwap => window.vwap_ticks().unwrap_or(f64::NAN),
                TradeOut::Volume => window.volume_lots() as f64,
                TradeOut::Count => window.count() as f64,
                TradeOut::Signed => window.signed_lots() as f64,
            }
        }
        State::Imbalance { value, .. } => *value,
    }
}

#[pymethods]
impl PyIndicator {
    /// Feeds a value at `ts_ns` (ns since the epoch, not before the last):
    /// for `SMA`, `EMA`, `RSI` and `Stddev` the series' value in your own
    /// units; for the trade windows a trade of `value` lots (whole) on
    /// `side` (`"buy"`/`"sell"` or a `ticklab.Side`, the aggressor) at
    /// `price_ticks` (for `VWAP`). An indicator registered with `ctx` is
    /// fed by the run instead.
    #[pyo3(signature = (ts_ns, value, side=None, price_ticks=0))]
    fn update(
        &mut self,
        ts_ns: i64,
        value: f64,
        side: Option<&Bound<'_, PyAny>>,
        price_ticks: i64,
    ) -> PyResult<()> {
        if self.registered {
            return Err(PyValueError::new_err(format!(
                "{}: registered with ctx, the run feeds it",
                self.text
            )));
        }
        if ts_ns < self.now_ns {
            return Err(PyValueError::new_err(format!(
                "{}: ts_ns {ts_ns} is before the last update ({})",
                self.text, self.now_ns
            )));
        }
        self.now_ns = ts_ns;
        self.evaluated = None;
        match &mut self.state {
            State::Trades(window, _) => {
                let side = side_of(side)?;
                if value.fract() != 0.0 {
                    return Err(PyValueError::new_err(format!(
                        "{}: value is a trade's size in whole lots, got {value}",
                        self.text
                    )));
                }
                window.push(ts_ns, side, price_ticks, value as i64);
            }
            State::Imbalance { value: v, .. } => *v = value,
            _ => {
                if !value.is_nan() {
                    self.push(ts_ns, value);
                }
            }
        }
        Ok(())
    }

    /// The value at the latest time the indicator was told of (the event
    /// being handled, for one registered with `ctx`); `None` while not
    /// known (no data yet, an empty window).
    #[getter]
    fn value(&self) -> Option<f64> {
        if self.now_ns == i64::MIN {
            return None;
        }
        let x = self.peek(self.now_ns);
        x.is_finite().then_some(x)
    }

    /// The value at `now_ns` (not before the latest update), e.g.
    /// `ind.value_at(ctx.now)` in a timer callback.
    fn value_at(&self, now_ns: i64) -> Option<f64> {
        if self.now_ns == i64::MIN {
            return None;
        }
        let x = self.peek(now_ns.max(self.now_ns));
        x.is_finite().then_some(x)
    }

    /// How many times the run has evaluated it: where a rule file
    /// evaluates its indicators (a consistent book that may have moved the
    /// touch, after an order changed, at a trade). A strategy that wants to
    /// act where a rule would acts when this count moves.
    #[getter]
    fn evaluations(&self) -> u64 {
        self.evaluations
    }

    /// The indicator's kind (`"sma"`, `"ema"`, ...).
    #[getter]
    fn kind(&self) -> &'static str {
        self.name
    }

    fn __repr__(&self) -> String {
        let value = self.value();
        format!("<ticklab.indicators.{} = {value:?}>", self.text)
    }
}
