//! `ctx.book`: the order book as the strategy sees it, in natural units.
//!
//! The touch (best bid and ask, their sizes, mid and spread) is kept as
//! plain attributes of a Python `ticklab.Book` with `__slots__`, which
//! Python reads as fast as any attribute: the host refreshes only the
//! attributes that changed, before each callback (the book never changes
//! during one), storing into the slots directly (see [`super::members`]).
//! Deeper reads (`levels`, `qty_at`) go to the engine's book.

use std::sync::Arc;

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyFloat;

use super::ctx::unavailable;
use super::members::{Fields, Layout};
use super::module;
use super::slot;
use super::units::Units;
use crate::book::L2Book;
use crate::market::Side;
use crate::strategy::Ctx;

/// Reads of the engine's book beyond the touch, for `ticklab.Book`.
#[pyclass(name = "_BookDepth", module = "ticklab", frozen)]
pub(crate) struct BookDepth {
    owner: u64,
    units: Arc<Units>,
    /// The instrument whose book this is.
    symbol: String,
}

impl BookDepth {
    /// Runs `f` with this instrument's local book.
    #[inline]
    fn with<R>(&self, f: impl FnOnce(&L2Book) -> R) -> PyResult<R> {
        slot::with_ctx(self.owner, |ctx| {
            if ctx.symbol() == self.symbol {
                Ok(f(ctx.book()))
            } else {
                ctx.book_of(&self.symbol)
                    .map(f)
                    .ok_or_else(|| PyRuntimeError::new_err(format!("no book {}", self.symbol)))
            }
        })
        .map_err(unavailable)?
    }
}

#[pymethods]
impl BookDepth {
    /// The `n` best levels of each side, best first: `(bids, asks)`, each a
    /// list of `(price, qty)`.
    #[allow(clippy::type_complexity)]
    fn levels(&self, n: usize) -> PyResult<(Vec<(f64, f64)>, Vec<(f64, f64)>)> {
        let units = &self.units;
        self.with(|book| {
            let side = |side| {
                book.top(side, n)
                    .map(|l| (units.price(l.price), units.qty(l.qty)))
                    .collect::<Vec<_>>()
            };
            (side(Side::Buy), side(Side::Sell))
        })
    }

    /// Quantity resting at `price` on either side (0.0 when none).
    fn qty_at(&self, price: f64) -> PyResult<f64> {
        let ticks = self.units.ticks(price)?;
        let lots =
            self.with(|book| book.qty_at(Side::Buy, ticks) + book.qty_at(Side::Sell, ticks))?;
        Ok(self.units.qty(lots))
    }

    /// Number of price levels on each side: `(bids, asks)`.
    fn depth(&self) -> PyResult<(usize, usize)> {
        self.with(|book| (book.level_count(Side::Buy), book.level_count(Side::Sell)))
    }
}

/// Best bid and ask, price and quantity (ticks, lots), `i64::MIN` for an
/// empty side.
pub(crate) type Touch = [i64; 4];

/// The touch of the book `ctx` shows.
#[inline]
pub(crate) fn touch_of(ctx: &Ctx<'_, '_>) -> Touch {
    let (bid, ask) = (ctx.best_bid(), ctx.best_ask());
    [
        bid.map_or(i64::MIN, |l| l.price),
        bid.map_or(i64::MIN, |l| l.qty),
        ask.map_or(i64::MIN, |l| l.price),
        ask.map_or(i64::MIN, |l| l.qty),
    ]
}

/// The touch attributes of `ticklab.Book`, in the order of the fields of
/// [`BOOK_LAYOUT`].
const TOUCH_NAMES: [&str; 6] = [
    "best_bid",
    "best_bid_qty",
    "best_ask",
    "best_ask_qty",
    "mid",
    "spread",
];

/// Where a `ticklab.Book` keeps its touch attributes (`None`: not found,
/// they are set by name).
static BOOK_LAYOUT: PyOnceLock<Option<Layout<6>>> = PyOnceLock::new();

/// The strategy's `ticklab.Book` and the touch it shows.
pub(crate) struct BookMirror {
    book: Py<PyAny>,
    /// The book's touch attributes, stored into directly.
    fields: Option<Fields<6>>,
    shown: Touch,
}

impl BookMirror {
    /// A `ticklab.Book` of instrument `symbol` for strategy `owner`,
    /// showing an empty book.
    pub(crate) fn new(
        py: Python<'_>,
        owner: u64,
        units: Arc<Units>,
        symbol: String,
    ) -> PyResult<Self> {
        let depth = Py::new(
            py,
            BookDepth {
                owner,
                units,
                symbol,
            },
        )?;
        let class = module::shared(py)?.book_class.bind(py);
        let book = class.call1((depth,))?;
        let layout = BOOK_LAYOUT.get_or_try_init(py, || Layout::of_slots(&book, TOUCH_NAMES))?;
        Ok(BookMirror {
            fields: layout.as_ref().and_then(|layout| layout.fields(&book)),
            book: book.unbind(),
            shown: [i64::MIN; 4],
        })
    }

    /// The Python object.
    pub(crate) fn object(&self, py: Python<'_>) -> Py<PyAny> {
        self.book.clone_ref(py)
    }

    /// The Python object, borrowed.
    pub(crate) fn object_ref(&self) -> &Py<PyAny> {
        &self.book
    }

    /// Sets touch attribute `i` (of [`TOUCH_NAMES`]) to `value`.
    #[inline]
    fn set<'py>(&self, py: Python<'py>, i: usize, value: Bound<'py, PyAny>) -> PyResult<()> {
        match &self.fields {
            Some(fields) => {
                fields.set(i, value);
                Ok(())
            }
            None => self.book.bind(py).setattr(TOUCH_NAMES[i], value),
        }
    }

    /// Makes the object show `touch`, setting only what changed.
    #[inline]
    pub(crate) fn show(&mut self, py: Python<'_>, touch: Touch, units: &Units) -> PyResult<()> {
        if touch == self.shown {
            return Ok(());
        }
        let old = std::mem::replace(&mut self.shown, touch);
        let float = |value: f64| PyFloat::new(py, value).into_any();
        let price = |t: i64| {
            if t == i64::MIN {
                py.None().into_bound(py)
            } else {
                float(units.price(t))
            }
        };
        let qty = |t: i64| float(if t == i64::MIN { 0.0 } else { units.qty(t) });
        if touch[0] != old[0] {
            self.set(py, 0, price(touch[0]))?;
        }
        if touch[1] != old[1] {
            self.set(py, 1, qty(touch[1]))?;
        }
        if touch[2] != old[2] {
            self.set(py, 2, price(touch[2]))?;
        }
        if touch[3] != old[3] {
            self.set(py, 3, qty(touch[3]))?;
        }
        if touch[0] != old[0] || touch[2] != old[2] {
            let both =
                (touch[0] != i64::MIN && touch[2] != i64::MIN).then_some((touch[0], touch[2]));
            let (mid, spread) = match both {
                Some((b, a)) => (
                    float(units.price_f((b + a) as f64 / 2.0)),
                    float(units.price(a - b)),
                ),
                None => (py.None().into_bound(py), py.None().into_bound(py)),
            };
            self.set(py, 4, mid)?;
            self.set(py, 5, spread)?;
        }
        Ok(())
    }
}
