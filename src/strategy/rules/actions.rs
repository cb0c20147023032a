//! Carrying out actions through the [`Ctx`]: orders sized and capped by the
//! position limit, quotes kept on both sides, and the stops that protect a
//! position.

use std::borrow::Cow;

use crate::market::Side;
use crate::sim::{OpenOrder, OrderId, OrderRequest, OrderType, OrderUpdate, TimeInForce};
use crate::strategy::{Ctx, StrategyError};

use super::audit::{Outcome, RequestRecord};
use super::price::{Anchor, PriceSpec};
use super::schema::{Action, OrderAction, OrderSide, ProtectAction, QuoteAction, Tif};
use super::venue::On;

/// Sends `request` for instrument `on` and notes it in `out`.
fn send(
    ctx: &mut Ctx<'_, '_>,
    on: On<'_>,
    request: OrderRequest,
    out: &mut Outcome,
) -> Result<OrderId, StrategyError> {
    let order_id = on.submit(ctx, request)?;
    out.requests.push(RequestRecord::New {
        order_id,
        side: if request.side == Side::Buy {
            OrderSide::Buy
        } else {
            OrderSide::Sell
        },
        order_type: request.order_type,
        time_in_force: request.time_in_force,
        price_ticks: request.price_ticks,
        stop_price_ticks: request.stop_price_ticks,
        qty_lots: request.qty_lots,
    });
    out.acted = true;
    Ok(order_id)
}

fn cancel(
    ctx: &mut Ctx<'_, '_>,
    order_id: OrderId,
    out: &mut Outcome,
) -> Result<(), StrategyError> {
    ctx.cancel(order_id)?;
    out.requests.push(RequestRecord::Cancel { order_id });
    out.acted = true;
    Ok(())
}

fn modify(
    ctx: &mut Ctx<'_, '_>,
    order_id: OrderId,
    price_ticks: i64,
    qty_lots: i64,
    out: &mut Outcome,
) -> Result<(), StrategyError> {
    ctx.modify(order_id, price_ticks, qty_lots)?;
    out.requests.push(RequestRecord::Modify {
        order_id,
        price_ticks,
        qty_lots,
    });
    out.acted = true;
    Ok(())
}

/// The open order `id` of instrument `on`, unless a cancel of it is on
/// its way.
fn live(ctx: &Ctx<'_, '_>, on: On<'_>, id: Option<OrderId>) -> Option<OpenOrder> {
    id.and_then(|id| on.order(ctx, id))
        .filter(|o| !o.cancel_pending)
}

fn time_in_force(tif: Tif) -> TimeInForce {
    match tif {
        Tif::Gtc => TimeInForce::Gtc,
        Tif::Ioc => TimeInForce::Ioc,
        Tif::Fok => TimeInForce::Fok,
        Tif::PostOnly => TimeInForce::PostOnly,
    }
}

/// Stops and take-profits attached to the position.
#[derive(Clone, Debug, Default)]
struct Protection {
    stop_ticks: Option<i64>,
    take_ticks: Option<i64>,
    stop: Option<OrderId>,
    take: Option<OrderId>,
    /// The position has been open since they were armed.
    seen_position: bool,
    /// Position and average entry (bits) they were last placed for.
    synced: Option<(i64, u64)>,
    /// A change had to wait for an answer from the exchange.
    dirty: bool,
}

impl Protection {
    fn is_armed(&self) -> bool {
        self.stop_ticks.is_some() || self.take_ticks.is_some()
    }

    fn owns(&self, id: OrderId) -> bool {
        self.stop == Some(id) || self.take == Some(id)
    }

    fn disarm(&mut self) {
        *self = Protection::default();
    }

    /// Places, moves or removes the protective orders to fit the position.
    fn sync(
        &mut self,
        ctx: &mut Ctx<'_, '_>,
        on: On<'_>,
        force: bool,
        out: &mut Outcome,
    ) -> Result<(), StrategyError> {
        let position = on.position_lots(ctx);
        let avg_ticks = on.account(ctx).map_or(0.0, |a| a.avg_entry_ticks());
        let state = (position, avg_ticks.to_bits());
        if !self.is_armed() || (!force && !self.dirty && self.synced == Some(state)) {
            return Ok(());
        }
        self.synced = Some(state);
        self.dirty = false;
        if position == 0 {
            for id in [self.stop.take(), self.take.take()] {
                if let Some(order) = live(ctx, on, id) {
                    cancel(ctx, order.id, out)?;
                }
            }
            if self.seen_position {
                self.disarm();
            }
            return Ok(());
        }
        self.seen_position = true;
        let qty = position.abs();
        let long = position > 0;
        let exit = if long { Side::Sell } else { Side::Buy };
        if let Some(ticks) = self.stop_ticks {
            let stop_ticks = if long {
                (avg_ticks - ticks as f64).floor()
            } else {
                (avg_ticks + ticks as f64).ceil()
            } as i64;
            let current = live(ctx, on, self.stop);
            let fits = current.is_some_and(|o| {
                o.side == exit && o.stop_price_ticks == stop_ticks && o.leaves_lots() == qty
            });
            if !fits {
                if let Some(order) = current {
                    cancel(ctx, order.id, out)?;
                }
                self.stop = Some(send(
                    ctx,
                    on,
                    OrderRequest::stop_market(exit, stop_ticks, qty),
                    out,
                )?);
            }
        }
        if let Some(ticks) = self.take_ticks {
            let price_ticks = if long {
                (avg_ticks + ticks as f64).ceil()
            } else {
                (avg_ticks - ticks as f64).floor()
            } as i64;
            match live(ctx, on, self.take) {
                Some(o)
                    if o.side == exit && o.price_ticks == price_ticks && o.leaves_lots() == qty => {
                }
                Some(o) if o.side == exit && o.modify_pending => self.dirty = true,
                Some(o) if o.side == exit => {
                    modify(ctx, o.id, price_ticks, o.filled_lots + qty, out)?
                }
                current => {
                    if let Some(order) = current {
                        cancel(ctx, order.id, out)?;
                    }
                    self.take = Some(send(
                        ctx,
                        on,
                        OrderRequest::limit(exit, price_ticks, qty),
                        out,
                    )?);
                }
            }
        }
        Ok(())
    }
}

/// Runs actions for one rule strategy and keeps what they leave behind,
/// per instrument: quote order ids and armed stops. The position limit
/// holds on each instrument.
#[derive(Clone, Debug)]
pub(crate) struct Executor {
    max_position_lots: Option<i64>,
    /// Actions of the file.
    actions: usize,
    /// Instruments of the run.
    instruments: usize,
    /// Our bid and ask quote for each action of the file (by flat index)
    /// on each instrument: `key * instruments + instrument`.
    quotes: Vec<[Option<OrderId>; 2]>,
    /// Per instrument.
    protection: Vec<Protection>,
    /// Reused list of orders to cancel.
    to_cancel: Vec<OrderId>,
}

impl Executor {
    /// An executor for a file with `actions` actions in all, over one
    /// instrument.
    pub(crate) fn new(max_position_lots: Option<i64>, actions: usize) -> Executor {
        Executor {
            max_position_lots,
            actions,
            instruments: 1,
            quotes: vec![[None; 2]; actions],
            protection: vec![Protection::default()],
            to_cancel: Vec::new(),
        }
    }

    /// Acts over `count` instruments (before anything was done).
    pub(crate) fn set_instruments(&mut self, count: usize) {
        self.instruments = count.max(1);
        self.quotes = vec![[None; 2]; self.actions * self.instruments];
        self.protection = vec![Protection::default(); self.instruments];
    }

    /// Carries out `action`, the file's action number `key`, on instrument
    /// `on`.
    pub(crate) fn run(
        &mut self,
        ctx: &mut Ctx<'_, '_>,
        on: On<'_>,
        action: &Action,
        key: usize,
    ) -> Result<Outcome, StrategyError> {
        match action {
            Action::Buy(order) => self.order(ctx, on, Side::Buy, order),
            Action::Sell(order) => self.order(ctx, on, Side::Sell, order),
            Action::CancelAll(_) => self.cancel_all(ctx, on),
            Action::Flatten(_) => self.flatten(ctx, on),
            Action::Quote(quote) => self.quote(ctx, on, quote, key),
            Action::StopLoss(p) => self.protect(ctx, on, p, true),
            Action::TakeProfit(p) => self.protect(ctx, on, p, false),
        }
    }

    /// Keeps the protective orders of instrument `on` in line after an
    /// update of one of its orders.
    pub(crate) fn on_order(
        &mut self,
        ctx: &mut Ctx<'_, '_>,
        on: On<'_>,
        _update: &OrderUpdate,
    ) -> Result<(), StrategyError> {
        let mut out = Outcome::default();
        match self.protection.get_mut(on.index) {
            Some(protection) => protection.sync(ctx, on, false, &mut out),
            None => Ok(()),
        }
    }

    /// The protective orders of instrument `inst`.
    fn protection_of(&mut self, inst: usize) -> &mut Protection {
        if inst >= self.protection.len() {
            self.protection.resize(inst + 1, Protection::default());
        }
        &mut self.protection[inst]
    }

    fn size_lots(&self, lots: Option<i64>, share: Option<f64>) -> i64 {
        match (lots, share, self.max_position_lots) {
            (Some(lots), _, _) => lots,
            (None, Some(share), Some(max)) => (share * max as f64).floor() as i64,
            _ => 0,
        }
    }

    /// How much more can be bought (sold) without the position plus the
    /// open orders on that side passing the limit.
    fn room_lots(&self, ctx: &Ctx<'_, '_>, on: On<'_>, side: Side) -> i64 {
        let Some(max) = self.max_position_lots else {
            return i64::MAX;
        };
        let protection = self.protection.get(on.index);
        let open: i64 = on
            .open_orders(ctx)
            .iter()
            .filter(|o| {
                o.side == side && !o.cancel_pending && !protection.is_some_and(|p| p.owns(o.id))
            })
            .map(OpenOrder::leaves_lots)
            .sum();
        max - side.sign() * on.position_lots(ctx) - open
    }

    fn order(
        &mut self,
        ctx: &mut Ctx<'_, '_>,
        on: On<'_>,
        side: Side,
        action: &OrderAction,
    ) -> Result<Outcome, StrategyError> {
        let wanted = self.size_lots(action.lots, action.share);
        if wanted < 1 {
            return Ok(Outcome::skipped("size rounds to 0 lots"));
        }
        let qty = wanted.min(self.room_lots(ctx, on, side));
        if qty < 1 {
            return Ok(Outcome::skipped("position limit reached"));
        }
        let request = match action.price {
            PriceSpec::Market => OrderRequest::market(side, qty),
            PriceSpec::Limit {
                anchor,
                offset_ticks,
            } => {
                let Some(anchor_ticks) = anchor_price(ctx, on, anchor, side) else {
                    return Ok(Outcome::skipped(
                        "the book has no price to place the order against",
                    ));
                };
                OrderRequest::limit(side, anchor_ticks + offset_ticks, qty)
                    .with_tif(time_in_force(action.tif))
            }
        };
        let mut out = Outcome::default();
        send(ctx, on, request, &mut out)?;
        Ok(out)
    }

    /// Cancels every order that can still rest in the book (market orders
    /// on their way trade or expire at once; orders already being canceled
    /// are left alone) and disarms the stops.
    fn cancel_all(&mut self, ctx: &mut Ctx<'_, '_>, on: On<'_>) -> Result<Outcome, StrategyError> {
        let protection = self.protection_of(on.index);
        let was_armed = protection.is_armed();
        protection.disarm();
        self.to_cancel.clear();
        self.to_cancel.extend(
            on.open_orders(ctx)
                .iter()
                .filter(|o| o.order_type != OrderType::Market && !o.cancel_pending)
                .map(|o| o.id),
        );
        for &id in &self.to_cancel {
            ctx.cancel(id)?;
        }
        let orders = self.to_cancel.len();
        let mut out = Outcome {
            acted: orders > 0 || was_armed,
            ..Outcome::default()
        };
        if orders > 0 {
            out.requests.push(RequestRecord::CancelAll { orders });
        } else if !was_armed {
            out.note = Some(Cow::Borrowed("no open order"));
        }
        Ok(out)
    }

    fn flatten(&mut self, ctx: &mut Ctx<'_, '_>, on: On<'_>) -> Result<Outcome, StrategyError> {
        let mut out = self.cancel_all(ctx, on)?;
        // Market orders on their way will still trade: count them in.
        let in_flight: i64 = on
            .open_orders(ctx)
            .iter()
            .filter(|o| o.order_type == OrderType::Market)
            .map(|o| o.side.sign() * o.leaves_lots())
            .sum();
        let target = -(on.position_lots(ctx) + in_flight);
        if target != 0 {
            let side = if target > 0 { Side::Buy } else { Side::Sell };
            send(ctx, on, OrderRequest::market(side, target.abs()), &mut out)?;
            out.note = None;
        } else if !out.acted {
            out.note = Some(Cow::Borrowed("already flat"));
        }
        Ok(out)
    }

    fn quote(
        &mut self,
        ctx: &mut Ctx<'_, '_>,
        on: On<'_>,
        quote: &QuoteAction,
        key: usize,
    ) -> Result<Outcome, StrategyError> {
        let touch = on.book(ctx).map(|book| (book.best_bid(), book.best_ask()));
        let Some((Some(bid), Some(ask))) = touch else {
            return Ok(Outcome::skipped("the book is one-sided"));
        };
        if bid.price >= ask.price {
            return Ok(Outcome::skipped("the book is crossed"));
        }
        let qty = self.size_lots(quote.lots, quote.share);
        if qty < 1 {
            return Ok(Outcome::skipped("size rounds to 0 lots"));
        }
        let position = on.position_lots(ctx);
        let center =
            (bid.price + ask.price) as f64 / 2.0 - quote.skew_ticks_per_lot * position as f64;
        let half = quote.spread_ticks as f64 / 2.0;
        let bid_ticks = ((center - half).floor() as i64).min(ask.price - 1);
        let ask_ticks = ((center + half).ceil() as i64).max(bid.price + 1);
        let mut out = Outcome::default();
        for (i, (side, price_ticks)) in [(Side::Buy, bid_ticks), (Side::Sell, ask_ticks)]
            .into_iter()
            .enumerate()
        {
            let allowed = self
                .max_position_lots
                .is_none_or(|max| side.sign() * position + qty <= max);
            let index = key * self.instruments + on.index;
            if index >= self.quotes.len() {
                self.quotes.resize(index + 1, [None; 2]);
            }
            let slot = &mut self.quotes[index][i];
            match slot.and_then(|id| on.order(ctx, id)) {
                Some(order) if order.cancel_pending || order.modify_pending => {}
                Some(order) if !allowed => cancel(ctx, order.id, &mut out)?,
                Some(order) if order.price_ticks != price_ticks => {
                    modify(
                        ctx,
                        order.id,
                        price_ticks,
                        order.filled_lots + qty,
                        &mut out,
                    )?;
                }
                Some(_) => {}
                None => {
                    *slot = None;
                    if allowed {
                        let request = OrderRequest::limit(side, price_ticks, qty)
                            .with_tif(TimeInForce::PostOnly);
                        *slot = Some(send(ctx, on, request, &mut out)?);
                    }
                }
            }
        }
        if !out.acted {
            out.note = Some(Cow::Borrowed("quotes already in place"));
        }
        Ok(out)
    }

    fn protect(
        &mut self,
        ctx: &mut Ctx<'_, '_>,
        on: On<'_>,
        p: &ProtectAction,
        stop: bool,
    ) -> Result<Outcome, StrategyError> {
        let protection = self.protection_of(on.index);
        let slot = if stop {
            &mut protection.stop_ticks
        } else {
            &mut protection.take_ticks
        };
        let changed = *slot != Some(p.ticks);
        *slot = Some(p.ticks);
        let mut out = Outcome::default();
        protection.sync(ctx, on, changed, &mut out)?;
        if changed {
            out.acted = true;
            let what = if stop { "stop-loss" } else { "take-profit" };
            out.note = Some(Cow::Owned(format!(
                "{what} armed {} ticks from the average entry",
                p.ticks
            )));
        } else if !out.acted {
            out.note = Some(Cow::Borrowed("already armed"));
        }
        Ok(out)
    }
}

/// The price of instrument `on`'s book an order is placed against: for
/// the mid, rounded away from the other side (buys down, sells up).
fn anchor_price(ctx: &Ctx<'_, '_>, on: On<'_>, anchor: Anchor, side: Side) -> Option<i64> {
    let book = on.book(ctx)?;
    match anchor {
        Anchor::Bid => book.best_bid().map(|l| l.price),
        Anchor::Ask => book.best_ask().map(|l| l.price),
        Anchor::Mid => {
            let mid = book.mid_ticks()?;
            Some(if side == Side::Buy {
                mid.floor()
            } else {
                mid.ceil()
            } as i64)
        }
    }
}
