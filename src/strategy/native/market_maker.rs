//! A simple market maker: one post-only quote on each side at the touch,
//! moved whenever the best bid or ask moves.
//!
//! It shows the order life cycle a real quoter handles: one quote per side,
//! a modify (not a cancel and resend) when the touch moves, no new request
//! while one is in flight, and a side pulled when the position limit is
//! reached.

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
/// prices.
#[derive(Clone, Debug, Default)]
pub struct MarketMaker {
    config: MarketMakerConfig,
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
        match self.quotes[i].and_then(|id| ctx.order(id).copied()) {
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
                self.quotes[i] = None;
                if allowed {
                    let request =
                        OrderRequest::limit(side, price_ticks, qty).with_tif(TimeInForce::PostOnly);
                    self.quotes[i] = Some(ctx.submit(request)?);
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
        if bid.price >= ask.price || self.quoted_bbo == Some((bid.price, ask.price)) {
            return Ok(());
        }
        self.quoted_bbo = Some((bid.price, ask.price));
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
        _ctx: &mut Ctx<'_, '_>,
        update: &OrderUpdate,
    ) -> Result<(), StrategyError> {
        let i = slot(update.side);
        if self.quotes[i] == Some(update.order_id) {
            if update.state.is_final() {
                self.quotes[i] = None;
            }
            // Look at the book again on the next event: the quote may need
            // to move, or to come back.
            self.quoted_bbo = None;
        }
        Ok(())
    }
}
