//! What market data does to our resting orders at the exchange: depth
//! updates move queue estimates, trades at our price fill us once the volume
//! ahead is gone, trades through our price fill us outright, a book that
//! moves through our price fills us, and trades trigger stops.
//!
//! Only in continuous trading (see `sim::market_state`). In a pre-open,
//! halt or close, depth and order-by-order updates still move queue
//! estimates (orders ahead of ours do leave), but trades printed then
//! neither fill, nor move a queue, nor trigger a stop, and the book moving
//! through an order does not fill it. At the open, the opening's first
//! trade is the opening price: each resting order priced better than it
//! (a buy above, a sell below) fills whole at the opening price, as maker,
//! as in a single-price auction; an order at the opening price fills as
//! the queue model lets trades at its price reach it; the book moving
//! through an order fills it again only once the book has ended a batch
//! uncrossed.

use crate::market::{EventKind, MarketEvent, Side};
use crate::sim::exchange::{Exchange, QueueChange};
use crate::sim::update::{Liquidity, UpdateKind};

impl Exchange {
    /// Applies one market event to the exchange-side book and works our
    /// orders against it. Allocates nothing.
    #[inline(always)]
    pub(crate) fn on_market(&mut self, ev: &MarketEvent) {
        self.events += 1;
        match ev.kind {
            EventKind::Depth | EventKind::Snapshot => self.on_depth(ev),
            _ => self.on_other_market(ev),
        }
    }

    /// The end of a batch: the state tracker sees the consistent book
    /// first, then (only in continuous trading) orders the book moved
    /// through fill, when `check_cross` or a level reached one of them.
    #[inline]
    fn batch_end(&mut self, check_cross: bool) {
        self.state.at_batch_end(self.book.is_crossed());
        if !self.resting.is_empty()
            && (check_cross || self.cross_pending)
            && self.state.is_continuous()
        {
            self.cross_pending = false;
            self.fill_crossed();
        }
    }

    /// A depth or snapshot event, most of the data: small enough to inline
    /// into the event loop.
    #[inline(always)]
    fn on_depth(&mut self, ev: &MarketEvent) {
        let prev = self.book.set_level(ev.side, ev.price, ev.qty);
        if !self.consumed.is_empty() {
            self.consumed.clear_level(ev.side, ev.price);
        }
        if !self.resting.is_empty() {
            self.level_changed(ev.side, ev.price, prev, ev.qty.max(0));
            if ev.qty > 0 && self.may_cross(ev.side, ev.price) {
                self.cross_pending = true;
            }
        }
        if ev.is_last_in_batch() {
            self.batch_end(false);
        }
    }

    /// Every market event but depth and snapshot.
    #[inline(never)]
    fn on_other_market(&mut self, ev: &MarketEvent) {
        match ev.kind {
            EventKind::Depth | EventKind::Snapshot => return self.on_depth(ev),
            EventKind::Bbo => {
                self.book.apply(ev);
                if !self.consumed.is_empty() {
                    self.consumed.clear_side(ev.side);
                }
                if !self.resting.is_empty() {
                    self.bbo_changed(ev.side, ev.price);
                }
            }
            EventKind::Clear => {
                // Queue estimates are kept: the snapshot that usually follows
                // sets the levels again, and an increase never moves us back.
                self.book.apply(ev);
                self.consumed.clear_side(ev.side);
                self.models.queue.observe_l3(ev);
            }
            EventKind::Trade => {
                self.state.before(ev);
                self.last_trade = Some((ev.price, ev.qty));
                // A trade printed in an auction or a halt fills nothing and
                // moves no queue.
                if self.state.state().is_trading() {
                    if self.state.is_opening() && self.state.opening_price_ticks() == Some(ev.price)
                    {
                        self.open_cross(ev.price);
                    }
                    if !self.resting.is_empty() {
                        self.trade_hits_resting(ev);
                    }
                    if !self.stops.is_empty() {
                        self.trigger_stops(ev.price, ev.is_half_tick());
                    }
                }
            }
            EventKind::Add | EventKind::Modify | EventKind::Cancel | EventKind::Fill => {
                self.models.queue.observe_l3(ev);
                if !self.resting.is_empty() {
                    self.l3_moves_resting(ev);
                }
            }
            // Funding moves money, not the book (see `sim::funding`).
            EventKind::Funding => {}
            EventKind::Status => {
                self.state.before(ev);
            }
        }
        if ev.is_last_in_batch() {
            self.batch_end(ev.kind == EventKind::Bbo);
        }
    }

    /// The opening trade printed at `price`: every resting order priced
    /// better than it fills whole at `price`, as maker (see the module
    /// docs).
    fn open_cross(&mut self, price: i64) {
        let mut i = 0;
        while i < self.resting.len() {
            let order = &self.resting[i];
            let is_better = match order.req.side {
                Side::Buy => order.req.price_ticks > price,
                Side::Sell => order.req.price_ticks < price,
                Side::None => false,
            };
            if is_better {
                let mut order = self.resting.remove(i);
                let lots = order.leaves_lots();
                self.fill(&mut order, price, lots, Liquidity::Maker);
            } else {
                i += 1;
            }
        }
    }

    /// An order-by-order message: the queue model moves our orders on its
    /// side (it tells which are concerned: a modify may move a market order
    /// away from our price). Fills come from the trade that precedes an
    /// execution (see `sim::queue_fifo`), never from these messages.
    fn l3_moves_resting(&mut self, ev: &MarketEvent) {
        for i in 0..self.resting.len() {
            let mut order = self.resting[i];
            if order.req.side != ev.side {
                continue;
            }
            let key = order.queue_order();
            let ahead_before = order.queue.ahead_lots;
            self.models.queue.on_l3_at_level(key, &mut order.queue, ev);
            let mut level_changed = false;
            if let Some(lots) = self.models.queue.l3_level_lots(key) {
                level_changed = lots != order.level_lots;
                order.level_lots = lots;
            }
            if order.queue.ahead_lots != ahead_before || level_changed {
                self.log_queue(&order);
            }
            self.resting[i] = order;
        }
    }

    /// True when a level at `price` on `side` reaches one of our orders on
    /// the other side, so the book may have moved through it.
    #[inline]
    fn may_cross(&self, side: Side, price: i64) -> bool {
        self.resting.iter().any(|o| match (side, o.req.side) {
            (Side::Sell, Side::Buy) => price <= o.req.price_ticks,
            (Side::Buy, Side::Sell) => price >= o.req.price_ticks,
            _ => false,
        })
    }

    /// The market volume at `price` on `side` went from `prev` to `new` lots.
    #[inline]
    fn level_changed(&mut self, side: Side, price: i64, prev: i64, new: i64) {
        for order in &mut self.resting {
            if order.req.price_ticks != price || order.req.side != side {
                continue;
            }
            let key = order.queue_order();
            self.models.queue.on_depth(key, &mut order.queue, prev, new);
            order.level_lots = new;
            self.queue_log.push_back(QueueChange {
                as_of_event: self.events,
                id: order.id,
                ahead_lots: order.queue.ahead_lots.max(0.0).ceil() as i64,
                level_lots: new,
            });
        }
    }

    /// L1 data replaced the best level of `side` by `bbo_price`: our level is
    /// updated when it is that price, and emptied when it is better.
    fn bbo_changed(&mut self, side: Side, bbo_price: i64) {
        for i in 0..self.resting.len() {
            let order = self.resting[i];
            if order.req.side != side {
                continue;
            }
            let price = order.req.price_ticks;
            let better = match side {
                Side::Buy => price > bbo_price,
                _ => price < bbo_price,
            };
            if price == bbo_price || better {
                let new = self.book.qty_at(side, price);
                self.level_changed(side, price, order.level_lots, new);
            }
        }
    }

    /// After a consistent book update: an order whose price the other side
    /// of the book moved through (or reached, when nothing is ahead of the
    /// order) would have traded; it fills whole at its own price as maker.
    fn fill_crossed(&mut self) {
        let best_bid = self.book.best_price(Side::Buy);
        let best_ask = self.book.best_price(Side::Sell);
        let mut i = 0;
        while i < self.resting.len() {
            let order = &self.resting[i];
            let price = order.req.price_ticks;
            // At our price exactly, the seller (buyer) would have met the
            // volume ahead of us first: only an order at the front fills.
            let at_front = order.queue.ahead_lots <= 0.0;
            let crossed = match order.req.side {
                Side::Buy => best_ask.is_some_and(|ask| ask < price || (ask == price && at_front)),
                Side::Sell => best_bid.is_some_and(|bid| bid > price || (bid == price && at_front)),
                Side::None => false,
            };
            if crossed {
                let mut order = self.resting.remove(i);
                let lots = order.leaves_lots();
                self.fill(&mut order, price, lots, Liquidity::Maker);
            } else {
                i += 1;
            }
        }
    }

    /// A trade: our orders at its price move up the queue and fill with the
    /// volume that reaches them; orders it traded through fill whole.
    ///
    /// Our own orders at one price share the trade's volume in time
    /// priority: what the first one took is not there for the next.
    ///
    /// A half-tick trade (exact price `ev.price + ½`, see
    /// [`crate::market::flags::HALF_TICK`]) is never at an order's price: it
    /// fills a buy at `b` outright only when it printed below it
    /// (`ev.price < b`), a sell at `a` only when it printed above it
    /// (`ev.price >= a`), always at the order's own price, and moves no
    /// queue.
    fn trade_hits_resting(&mut self, ev: &MarketEvent) {
        let hits_bids = ev.side != Side::Buy;
        let hits_asks = ev.side != Side::Sell;
        let half_tick = ev.is_half_tick();
        let mut used_lots = 0;
        let mut i = 0;
        while i < self.resting.len() {
            let mut order = self.resting[i];
            let price = order.req.price_ticks;
            let hit = match order.req.side {
                Side::Buy => hits_bids && (ev.price < price || (ev.price == price && !half_tick)),
                Side::Sell => hits_asks && ev.price >= price,
                Side::None => false,
            };
            if !hit {
                i += 1;
                continue;
            }
            let through = half_tick || ev.price != price;
            let lots = if through {
                order.leaves_lots()
            } else {
                let key = order.queue_order();
                self.models.queue.on_trade(key, &mut order.queue, ev.qty);
                // Traded volume beyond the queue ahead, whole lots.
                let reached = (-order.queue.ahead_lots).max(0.0).floor() as i64;
                order.queue.ahead_lots = order.queue.ahead_lots.max(0.0);
                let lots = (reached - used_lots).clamp(0, order.leaves_lots());
                used_lots += lots;
                lots
            };
            if lots > 0 {
                self.fill(&mut order, price, lots, Liquidity::Maker);
            }
            if order.leaves_lots() == 0 {
                self.resting.remove(i);
                continue;
            }
            if !through {
                self.log_queue(&order);
            }
            self.resting[i] = order;
            i += 1;
        }
    }

    /// Stops whose stop price the trade at `trade_price` reached (at or
    /// through) trigger, in arrival order, and work at once. A half-tick
    /// trade printed at `trade_price + ½`: it reaches a sell stop only below
    /// it.
    fn trigger_stops(&mut self, trade_price: i64, half_tick: bool) {
        let mut i = 0;
        while i < self.stops.len() {
            let stop = self.stops[i].req.stop_price_ticks;
            let triggered = match self.stops[i].req.side {
                Side::Buy => trade_price >= stop,
                Side::Sell => trade_price < stop || (trade_price == stop && !half_tick),
                Side::None => false,
            };
            if triggered {
                let order = self.stops.remove(i);
                self.emit(&order, UpdateKind::Triggered, None, None);
                self.execute(order);
            } else {
                i += 1;
            }
        }
    }
}
