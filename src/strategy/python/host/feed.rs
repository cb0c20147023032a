//! What the host hands the strategy's market callbacks: each callback
//! prepared with `ctx` and its instrument's event object, the registered
//! indicators fed as the rules feed theirs, and the instrument's slot.

use super::*;

/// The market callbacks a strategy defines, each ready to call with `ctx`
/// and one instrument's event object.
pub(super) struct MarketCalls {
    pub(super) on_market: Option<Prepared>,
    pub(super) on_depth: Option<Prepared>,
    pub(super) on_trade: Option<Prepared>,
    pub(super) on_bbo: Option<Prepared>,
    pub(super) on_status: Option<Prepared>,
}

impl MarketCalls {
    /// The callbacks of `loaded`, called with `ctx` and `event`.
    pub(super) fn new(
        py: Python<'_>,
        loaded: &Loaded,
        ctx: &Py<PyCtx>,
        event: &Py<PyMarketEvent>,
    ) -> PyResult<Self> {
        let (ctx, event) = (ctx.bind(py).as_any(), event.bind(py).as_any());
        let prepare = |callback: &Option<Py<PyAny>>| {
            callback
                .as_ref()
                .map(|f| Prepared::new(py, f.bind(py), &[ctx, event]))
                .transpose()
        };
        let c = &loaded.callbacks;
        Ok(MarketCalls {
            on_market: prepare(&c.on_market)?,
            on_depth: prepare(&c.on_depth)?,
            on_trade: prepare(&c.on_trade)?,
            on_bbo: prepare(&c.on_bbo)?,
            on_status: prepare(&c.on_status)?,
        })
    }
}

/// Feeds the indicators registered with `ctx` with `ev`, as the rule
/// engine feeds its own: a trade as it comes, the book at the last event of
/// an exchange message.
#[cold]
#[inline(never)]
pub(super) fn feed_indicators(
    rt: &Runtime,
    ctx: &Ctx<'_, '_>,
    ev: &MarketEvent,
) -> Result<(), StrategyError> {
    let (index, now_ns) = (ctx.instrument_index(), ctx.now_ns());
    let touch = (ctx.best_bid(), ctx.best_ask());
    let is_trade = ev.kind == EventKind::Trade;
    let is_last = ev.is_last_in_batch();
    each_indicator(rt, |of, indicator| {
        if of != index {
            indicator.tell_time(now_ns);
            return;
        }
        if is_trade {
            indicator.on_trade(now_ns, ev.side, ev.price, ev.qty);
        } else {
            indicator.on_depth(now_ns, ev);
        }
        if is_last {
            indicator.on_book(now_ns, ctx.book(), touch, is_trade);
        }
    })
}

/// Calls `f` with each indicator registered with the runtime's `ctx` and
/// the index of the instrument it is fed from.
pub(super) fn each_indicator(
    rt: &Runtime,
    f: impl FnMut(usize, &mut crate::strategy::python::indicators::PyIndicator),
) -> Result<(), StrategyError> {
    Python::attach(|py| rt.ctx.get().each_indicator(py, f))
        .map_err(|err| StrategyError::msg(format!("feeding the indicators: {err}")))
}

/// The instrument `ctx` is over, as an index into a runtime's vectors of
/// `count` instruments.
#[inline]
pub(super) fn slot_of(count: usize, ctx: &Ctx<'_, '_>) -> usize {
    if count <= 1 {
        0
    } else {
        ctx.instrument_index().min(count - 1)
    }
}
