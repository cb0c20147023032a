//! The run's instruments as a rule strategy addresses them: by their
//! position among the run's symbols, read and traded through the [`Ctx`]
//! of whichever instrument's event is being handled.
//!
//! The instrument being handled is read through the `Ctx` directly; the
//! others by symbol ([`Ctx::book_of`], [`Ctx::submit_to`], ...).

use crate::book::L2Book;
use crate::market::MarketState;
use crate::sim::{Account, OpenOrder, OrderError, OrderId, OrderRequest};
use crate::strategy::Ctx;

/// One of the run's instruments: its position among the run's symbols
/// and its symbol.
#[derive(Clone, Copy, Debug)]
pub(crate) struct On<'s> {
    pub index: usize,
    pub symbol: &'s str,
}

impl On<'_> {
    /// True when it is the instrument whose event `ctx` handles.
    #[inline]
    fn is_current(&self, ctx: &Ctx<'_, '_>) -> bool {
        ctx.instrument_index() == self.index
    }

    /// Its order book as the strategy sees it.
    pub(crate) fn book<'c>(&self, ctx: &'c Ctx<'_, '_>) -> Option<&'c L2Book> {
        if self.is_current(ctx) {
            Some(ctx.book())
        } else {
            ctx.book_of(self.symbol)
        }
    }

    /// Its part of the account.
    pub(crate) fn account<'c>(&self, ctx: &'c Ctx<'_, '_>) -> Option<&'c Account> {
        if self.is_current(ctx) {
            Some(ctx.account())
        } else {
            ctx.account_of(self.symbol)
        }
    }

    /// Signed position, lots (0 when the run has no such instrument).
    pub(crate) fn position_lots(&self, ctx: &Ctx<'_, '_>) -> i64 {
        self.account(ctx).map_or(0, Account::position_lots)
    }

    /// Its open orders, in the order sent.
    pub(crate) fn open_orders<'c>(&self, ctx: &'c Ctx<'_, '_>) -> &'c [OpenOrder] {
        if self.is_current(ctx) {
            ctx.open_orders()
        } else {
            ctx.open_orders_of(self.symbol).unwrap_or(&[])
        }
    }

    /// Its open order `id`.
    pub(crate) fn order(&self, ctx: &Ctx<'_, '_>, id: OrderId) -> Option<OpenOrder> {
        if self.is_current(ctx) {
            ctx.order(id).copied()
        } else {
            self.open_orders(ctx).iter().find(|o| o.id == id).copied()
        }
    }

    /// Its venue's trading state.
    pub(crate) fn market_state(&self, ctx: &Ctx<'_, '_>) -> Option<MarketState> {
        if self.is_current(ctx) {
            Some(ctx.market_state())
        } else {
            ctx.market_state_of(self.symbol)
        }
    }

    /// Unrealized PnL of its position marked to its local mid (the average
    /// entry without one), currency units.
    pub(crate) fn unrealized_pnl(&self, ctx: &Ctx<'_, '_>) -> f64 {
        if self.is_current(ctx) {
            return ctx.unrealized_pnl();
        }
        let Some(account) = self.account(ctx) else {
            return f64::NAN;
        };
        let mark = self
            .book(ctx)
            .and_then(L2Book::mid_ticks)
            .unwrap_or(account.avg_entry_ticks());
        account.unrealized_pnl(mark)
    }

    /// Sends an order for it.
    pub(crate) fn submit(
        &self,
        ctx: &mut Ctx<'_, '_>,
        request: OrderRequest,
    ) -> Result<OrderId, OrderError> {
        if self.is_current(ctx) {
            ctx.submit(request)
        } else {
            ctx.submit_to(self.symbol, request)
        }
    }
}
