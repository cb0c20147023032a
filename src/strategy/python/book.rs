//! `ctx.book`: the order book as the strategy sees it, in natural units.
//!
//! The touch (best bid and ask, their sizes, mid and spread) is kept as
//! plain attributes of a Python `ticklab.Book` with `__slots__`, which
//! Python reads as fast as any attribute: the host refreshes only the
//! attributes that changed, before each callback (the book never changes
//! during one). Deeper reads (`levels`, `qty_at`) go to the engine's book.

use std::sync::Arc;

use pyo3::exceptions::PyRuntimeError;
use pyo3::intern;
use pyo3::prelude::*;

use super::ctx::unavailable;
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

/// The strategy's `ticklab.Book` and the touch it shows.
pub(crate) struct BookMirror {
    book: Py<PyAny>,
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
        Ok(BookMirror {
            book: class.call1((depth,))?.unbind(),
            shown: [i64::MIN; 4],
        })
    }

    /// The Python object.
    pub(crate) fn object(&self, py: Python<'_>) -> Py<PyAny> {
        self.book.clone_ref(py)
    }

    /// Makes the object show `touch`, setting only what changed.
    #[inline]
    pub(crate) fn show(&mut self, py: Python<'_>, touch: Touch, units: &Units) -> PyResult<()> {
        if touch == self.shown {
            return Ok(());
        }
        let old = std::mem::replace(&mut self.shown, touch);
        let book = self.book.bind(py);
        let price = |t: i64| (t != i64::MIN).then(|| units.price(t));
        let qty = |t: i64| if t == i64::MIN { 0.0 } else { units.qty(t) };
        if touch[0] != old[0] {
            book.setattr(intern!(py, "best_bid"), price(touch[0]))?;
        }
        if touch[1] != old[1] {
            book.setattr(intern!(py, "best_bid_qty"), qty(touch[1]))?;
        }
        if touch[2] != old[2] {
            book.setattr(intern!(py, "best_ask"), price(touch[2]))?;
        }
        if touch[3] != old[3] {
            book.setattr(intern!(py, "best_ask_qty"), qty(touch[3]))?;
        }
        if touch[0] != old[0] || touch[2] != old[2] {
            let both =
                (touch[0] != i64::MIN && touch[2] != i64::MIN).then_some((touch[0], touch[2]));
            let mid = both.map(|(b, a)| units.price_f((b + a) as f64 / 2.0));
            let spread = both.map(|(b, a)| units.price(a - b));
            book.setattr(intern!(py, "mid"), mid)?;
            book.setattr(intern!(py, "spread"), spread)?;
        }
        Ok(())
    }
}
