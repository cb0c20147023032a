//! A simple market maker: one post-only quote on each side at the touch,
//! moved whenever the best bid or ask moves.
//!
//! It shows the order life cycle a real quoter handles: one quote per side,
//! a modify (not a cancel and resend) when the touch moves, no new request
//! while one is in flight, and a side pulled when the position limit is
//! reached. In a run over several instruments it quotes every one of them,
//! each with its own quotes and position limit.

use serde::{Deserialize, Serialize};

use crate::market::{MarketEvent, Side};
use crate::sim::{OrderId, OrderRequest, OrderUpdate, TimeInForce};
use crate::strategy::{Callback, CallbackSet, Ctx, Strategy, StrategyError};

/// Parameters of [`MarketMaker`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MarketMakerConfig {
    /// Quantity of each quote, lots.
    pub qty_lots: i64,
    /// Largest absolute position, lots: at the limit the side that would
    /// add to it is pulled.
    pub max_position_lots: i64,
}

impl Default for MarketMakerConfig {
    fn default() -> Self {
        MarketMakerConfig {
            qty_lots: 1,
            max_position_lots: 10,
        }
    }
}

/// Quotes both sides at the touch and re-quotes on every change of the best
/// prices, on every instrument of the run.
#[derive(Clone, Debug, Default)]
pub struct MarketMaker {
    config: MarketMakerConfig,
    /// The quotes on each instrument, in the order the run names them.
    books: Vec<Quoting>,
}

/// The market maker's quotes on one instrument.
#[derive(Clone, Copy, Debug, Default)]
struct Quoting {
    /// Our quote on the bid (0) and on the ask (1).
    quotes: [Option<OrderId>; 2],
    /// Best bid and ask we last quoted against, ticks.
    quoted_bbo: Option<(i64, i64)>,
}

fn slot(side: Side) -> usize {
    usize::from(side == Side::Sell)
}

impl MarketMaker {
    /// A market maker with these parameters.
    pub fn new(config: MarketMakerConfig) -> Self {
        MarketMaker {
            config,
            ..MarketMaker::default()
        }
    }

    /// Its parameters.
    pub fn config(&self) -> &MarketMakerConfig {
        &self.config
    }

    /// The quotes on the instrument `ctx` is over.
    fn quoting(&mut self, ctx: &Ctx<'_, '_>) -> &mut Quoting {
        let index = ctx.instrument_index();
        if self.books.len() <= index {
            self.books.resize(index + 1, Quoting::default());
        }
        &mut self.books[index]
    }

    fn quote(
        &mut self,
        ctx: &mut Ctx<'_, '_>,
        side: Side,
        price_ticks: i64,
    ) -> Result<(), StrategyError> {
        let qty = self.config.qty_lots;
        let position = ctx.position_lots();
        let allowed = match side {
            Side::Buy => position + qty <= self.config.max_position_lots,
            _ => position - qty >= -self.config.max_position_lots,
        };
        let i = slot(side);
        let quoted = self.quoting(ctx).quotes[i];
        match quoted.and_then(|id| ctx.order(id).copied()) {
            Some(order) => {
                if order.cancel_pending || order.modify_pending {
                    return Ok(());
                }
                if !allowed {
                    ctx.cancel(order.id)?;
                } else if order.price_ticks != price_ticks {
                    ctx.modify(order.id, price_ticks, order.filled_lots + qty)?;
                }
            }
            None => {
                self.quoting(ctx).quotes[i] = None;
                if allowed {
                    let request =
                        OrderRequest::limit(side, price_ticks, qty).with_tif(TimeInForce::PostOnly);
                    let id = ctx.submit(request)?;
                    self.quoting(ctx).quotes[i] = Some(id);
                }
            }
        }
        Ok(())
    }
}

impl Strategy for MarketMaker {
    fn on_market(&mut self, ctx: &mut Ctx<'_, '_>, _ev: &MarketEvent) -> Result<(), StrategyError> {
        let (Some(bid), Some(ask)) = (ctx.best_bid(), ctx.best_ask()) else {
            return Ok(());
        };
        let quoting = self.quoting(ctx);
        if bid.price >= ask.price || quoting.quoted_bbo == Some((bid.price, ask.price)) {
            return Ok(());
        }
        quoting.quoted_bbo = Some((bid.price, ask.price));
        self.quote(ctx, Side::Buy, bid.price)?;
        self.quote(ctx, Side::Sell, ask.price)
    }

    fn callbacks(&self) -> CallbackSet {
        CallbackSet::NONE
            .with(Callback::Market)
            .with(Callback::Order)
    }

    fn on_order(
        &mut self,
        ctx: &mut Ctx<'_, '_>,
        update: &OrderUpdate,
    ) -> Result<(), StrategyError> {
        let i = slot(update.side);
        let quoting = self.quoting(ctx);
        if quoting.quotes[i] == Some(update.order_id) {
            if update.state.is_final() {
                quoting.quotes[i] = None;
            }
            // Look at the book again on the next event: the quote may need
            // to move, or to come back.
            quoting.quoted_bbo = None;
        }
        Ok(())
    }
}
