//! What decides: the [`Strategy`] trait, the [`Ctx`] a strategy acts
//! through, and the [`Runner`] that drives the simulator and hands each
//! thing the strategy should see to it.
//!
//! The simulator never calls a strategy. The runner asks the engine for the
//! next [`crate::sim::Wake`] (a market event at local time, an order update,
//! a timer), calls the matching method with a [`Ctx`] over the engine, and
//! the orders the strategy sends go into the engine's queues with their entry
//! latency. Native strategies live in [`native`]; Python and rule-file hosts
//! implement the same trait.

pub mod activity;
pub mod callbacks;
mod clock;
pub mod console_tap;
pub mod ctx;
pub mod indicators;
pub mod native;
pub mod python;
pub mod rules;
pub mod runner;
pub mod text;
mod timing;

pub use callbacks::{Callback, CallbackSet};
pub use ctx::Ctx;
pub use runner::{run_to_end, RunError, Runner};

use crate::market::catalog::Day;
use crate::market::MarketEvent;
use crate::sim::{OrderError, OrderUpdate};

/// Why a strategy callback failed.
#[derive(Debug, thiserror::Error)]
pub enum StrategyError {
    /// A request the strategy made could not be sent (bad quantity, unknown
    /// order, ...).
    #[error(transparent)]
    Order(#[from] OrderError),
    /// The strategy's own code failed, e.g. a Python exception.
    #[error("{}{message}", location.as_deref().map(|l| format!("{l}: ")).unwrap_or_default())]
    Failed {
        /// What went wrong.
        message: String,
        /// Where in the strategy's source, e.g. `mm.py:42`, when known.
        location: Option<String>,
    },
}

impl StrategyError {
    /// A failure with a message and no source location.
    pub fn msg(message: impl Into<String>) -> Self {
        StrategyError::Failed {
            message: message.into(),
            location: None,
        }
    }
}

/// A trading strategy: reacts to what it sees, acts through the [`Ctx`].
///
/// Every method has a default that does nothing, so a strategy implements
/// only what it needs. An error stops the run at that callback (the session
/// decides whether to go on).
pub trait Strategy {
    /// Called once before the first event; the books are still empty and the
    /// clock is at the first event's exchange time.
    fn on_start(&mut self, ctx: &mut Ctx<'_, '_>) -> Result<(), StrategyError> {
        let _ = ctx;
        Ok(())
    }

    /// A market event reached the strategy; `ctx.book()` already includes it.
    fn on_market(&mut self, ctx: &mut Ctx<'_, '_>, ev: &MarketEvent) -> Result<(), StrategyError> {
        let _ = (ctx, ev);
        Ok(())
    }

    /// The venue's trading state changed (see [`crate::market::MarketState`]):
    /// `ev` is a status event with the new state (`ev.market_state()`), the
    /// data's own or one inferred from the book; `ctx.market_state()`
    /// already says it. Status events reach this method only, never
    /// [`Strategy::on_market`].
    fn on_status(&mut self, ctx: &mut Ctx<'_, '_>, ev: &MarketEvent) -> Result<(), StrategyError> {
        let _ = (ctx, ev);
        Ok(())
    }

    /// The exchange (or pre-trade risk) answered about one of our orders;
    /// `ctx`'s orders, position and cash already include it.
    fn on_order(
        &mut self,
        ctx: &mut Ctx<'_, '_>,
        update: &OrderUpdate,
    ) -> Result<(), StrategyError> {
        let _ = (ctx, update);
        Ok(())
    }

    /// A timer set with `ctx.set_timer_*` fired at local time `ts_ns`
    /// (`ctx.current_timer()` tells which).
    fn on_timer(&mut self, ctx: &mut Ctx<'_, '_>, ts_ns: i64) -> Result<(), StrategyError> {
        let _ = (ctx, ts_ns);
        Ok(())
    }

    /// Called once after the data is over.
    fn on_finish(&mut self, ctx: &mut Ctx<'_, '_>) -> Result<(), StrategyError> {
        let _ = ctx;
        Ok(())
    }

    /// A day of the run begins (UTC): before the first thing the strategy
    /// sees at or after its midnight, or right after `on_start` for the
    /// first day. Position, orders and timers carry over from the day
    /// before; days without data get no call.
    fn on_day_start(&mut self, ctx: &mut Ctx<'_, '_>, day: Day) -> Result<(), StrategyError> {
        let _ = (ctx, day);
        Ok(())
    }

    /// A day of the run is over: before the next day's
    /// [`Strategy::on_day_start`], or before `on_finish` for the last day.
    fn on_day_end(&mut self, ctx: &mut Ctx<'_, '_>, day: Day) -> Result<(), StrategyError> {
        let _ = (ctx, day);
        Ok(())
    }

    /// The callbacks this strategy defines. The runner asks once `on_start`
    /// has run (which it always calls) and from then on calls, and times,
    /// only these: a strategy that leaves out `on_market` costs nothing per
    /// market event. By default every callback.
    fn callbacks(&self) -> CallbackSet {
        CallbackSet::ALL
    }
}

impl<S: Strategy + ?Sized> Strategy for Box<S> {
    fn on_start(&mut self, ctx: &mut Ctx<'_, '_>) -> Result<(), StrategyError> {
        (**self).on_start(ctx)
    }
    fn on_market(&mut self, ctx: &mut Ctx<'_, '_>, ev: &MarketEvent) -> Result<(), StrategyError> {
        (**self).on_market(ctx, ev)
    }
    fn on_status(&mut self, ctx: &mut Ctx<'_, '_>, ev: &MarketEvent) -> Result<(), StrategyError> {
        (**self).on_status(ctx, ev)
    }
    fn on_order(
        &mut self,
        ctx: &mut Ctx<'_, '_>,
        update: &OrderUpdate,
    ) -> Result<(), StrategyError> {
        (**self).on_order(ctx, update)
    }
    fn on_timer(&mut self, ctx: &mut Ctx<'_, '_>, ts_ns: i64) -> Result<(), StrategyError> {
        (**self).on_timer(ctx, ts_ns)
    }
    fn on_finish(&mut self, ctx: &mut Ctx<'_, '_>) -> Result<(), StrategyError> {
        (**self).on_finish(ctx)
    }
    fn on_day_start(&mut self, ctx: &mut Ctx<'_, '_>, day: Day) -> Result<(), StrategyError> {
        (**self).on_day_start(ctx, day)
    }
    fn on_day_end(&mut self, ctx: &mut Ctx<'_, '_>, day: Day) -> Result<(), StrategyError> {
        (**self).on_day_end(ctx, day)
    }
    fn callbacks(&self) -> CallbackSet {
        (**self).callbacks()
    }
}
