//! `Ctx`: the strategy's whole world — the local book, its position and
//! orders, the clock, and the ways to act (orders, timers, log).
//!
//! Everything here is at local time: the book is the market as the feed has
//! delivered it, orders and the account change when the exchange's answers
//! arrive. Each open order's queue position is the exchange-side estimate as
//! of the last market event the strategy has seen (never ahead of the local
//! book); see [`OpenOrder::queue`].

use crate::book::{L2Book, Level};
use crate::market::{Instrument, MarketState, Side};
use crate::sim::{Account, Engine, OpenOrder, OrderError, OrderId, OrderRequest, TimerId};

/// What a strategy callback acts through: a view of the engine at local time.
///
/// In a run over several instruments, `Ctx` is over the engine of the
/// instrument whose event (order update, timer) the strategy is handling:
/// [`Ctx::book`], [`Ctx::position_lots`], [`Ctx::submit`] are that
/// instrument's, and the `*_of` / `*_to` methods reach the others by symbol.
pub struct Ctx<'e, 'a> {
    engine: &'e mut Engine<'a>,
    /// The engines of the run's other instruments (none for one).
    peers: &'e mut [Box<Engine<'a>>],
    /// Position of this engine's instrument among the run's, in the order
    /// the symbols were named.
    index: usize,
    /// The run's symbols in that order (empty for one instrument).
    symbols: &'e [String],
}

impl<'e, 'a> Ctx<'e, 'a> {
    /// A context over `engine` (the runner and strategy hosts make these).
    pub fn new(engine: &'e mut Engine<'a>) -> Self {
        Ctx {
            engine,
            peers: &mut [],
            index: 0,
            symbols: &[],
        }
    }

    /// A context over `engine`, the `index`th of the run's instruments
    /// (`symbols`, in the order named), beside the engines of the others.
    pub fn with_peers(
        engine: &'e mut Engine<'a>,
        peers: &'e mut [Box<Engine<'a>>],
        index: usize,
        symbols: &'e [String],
    ) -> Self {
        Ctx {
            engine,
            peers,
            index,
            symbols,
        }
    }

    /// The symbol of the instrument being handled.
    pub fn symbol(&self) -> &str {
        &self.engine.instrument().symbol
    }

    /// Position of the instrument being handled among the run's, in the
    /// order the symbols were named (0 for a run of one instrument).
    pub fn instrument_index(&self) -> usize {
        self.index
    }

    /// The run's symbols, in the order named.
    pub fn symbols(&self) -> Vec<&str> {
        if self.symbols.is_empty() {
            vec![self.symbol()]
        } else {
            self.symbols.iter().map(String::as_str).collect()
        }
    }

    /// The engine of `symbol`, if the run has it.
    fn engine_of(&self, symbol: &str) -> Option<&Engine<'a>> {
        if self.engine.instrument().symbol == symbol {
            return Some(self.engine);
        }
        self.peers
            .iter()
            .map(|e| &**e)
            .find(|e| e.instrument().symbol == symbol)
    }

    /// The instrument `symbol` of the run.
    pub fn instrument_of(&self, symbol: &str) -> Option<&Instrument> {
        self.engine_of(symbol).map(Engine::instrument)
    }

    /// The order book of `symbol` as the strategy sees it.
    pub fn book_of(&self, symbol: &str) -> Option<&L2Book> {
        self.engine_of(symbol).map(Engine::local_book)
    }

    /// The signed position in `symbol`, lots.
    pub fn position_of(&self, symbol: &str) -> Option<i64> {
        self.engine_of(symbol).map(|e| e.account().position_lots())
    }

    /// The account part of `symbol` as the strategy knows it.
    pub fn account_of(&self, symbol: &str) -> Option<&Account> {
        self.engine_of(symbol).map(Engine::account)
    }

    /// The open orders of `symbol`, in the order sent.
    pub fn open_orders_of(&self, symbol: &str) -> Option<&[OpenOrder]> {
        self.engine_of(symbol).map(Engine::open_orders)
    }

    /// The trading state of `symbol`'s venue as the strategy sees it.
    pub fn market_state_of(&self, symbol: &str) -> Option<MarketState> {
        self.engine_of(symbol).map(Engine::market_state)
    }

    /// Equity of the run's one account, in its currency (the first
    /// instrument's): cash plus every instrument's position marked to its
    /// local mid (the average entry price without one). Each instrument's
    /// engine keeps its own part of the account, all starting from the same
    /// initial cash, counted once; a part in another currency counts at its
    /// `[fx]` rate.
    pub fn account_equity(&self) -> f64 {
        let part = |e: &Engine<'_>| {
            let account = e.account();
            let mark = e
                .local_book()
                .mid_ticks()
                .unwrap_or(account.avg_entry_ticks());
            (account.equity(mark) - account.initial_cash()) * e.account_fx_rate()
        };
        self.account().initial_cash()
            + part(self.engine)
            + self.peers.iter().map(|e| part(e)).sum::<f64>()
    }

    /// Sends an order for `symbol`: the instrument being handled, or any
    /// other of the run's. A symbol the run does not have is an error
    /// naming the symbols it has.
    pub fn submit_to(
        &mut self,
        symbol: &str,
        request: OrderRequest,
    ) -> Result<OrderId, OrderError> {
        if self.engine.instrument().symbol == symbol {
            return self.engine.submit(request);
        }
        let symbols = self.symbols().join(", ");
        let next_id = self.engine.next_order_id();
        let Some(target) = self
            .peers
            .iter_mut()
            .find(|e| e.instrument().symbol == symbol)
        else {
            return Err(OrderError::UnknownSymbol {
                symbol: symbol.to_owned(),
                symbols,
            });
        };
        // Order ids are the run's: the count goes on from this engine's;
        // and the strategy acts now on every instrument.
        target.set_next_order_id(next_id.max(target.next_order_id()));
        target.catch_up_local_now(self.engine.now_ns());
        let id = target.submit(request)?;
        self.engine.set_next_order_id(target.next_order_id());
        Ok(id)
    }

    /// The engine holding the open order `id`: this instrument's or
    /// another's.
    fn engine_with_order(&mut self, id: OrderId) -> &mut Engine<'a> {
        if self.engine.order(id).is_none() {
            let now_ns = self.engine.now_ns();
            if let Some(peer) = self.peers.iter_mut().find(|e| e.order(id).is_some()) {
                // The strategy acts now on every instrument.
                peer.catch_up_local_now(now_ns);
                return peer;
            }
        }
        self.engine
    }

    /// Local time, ns since the epoch.
    pub fn now_ns(&self) -> i64 {
        self.engine.now_ns()
    }

    /// Market events seen so far (the event index of step mode), over
    /// every instrument of the run.
    pub fn event_index(&self) -> u64 {
        self.engine.events_seen() + self.peers.iter().map(|e| e.events_seen()).sum::<u64>()
    }

    /// The instrument: tick and lot size for converting to natural units.
    pub fn instrument(&self) -> &Instrument {
        self.engine.instrument()
    }

    /// The venue's trading state as the strategy sees it: only in
    /// [`MarketState::Trading`] do orders match.
    pub fn market_state(&self) -> MarketState {
        self.engine.market_state()
    }

    /// The order book as the strategy sees it.
    pub fn book(&self) -> &L2Book {
        self.engine.local_book()
    }

    /// Best bid: price in ticks and quantity in lots.
    pub fn best_bid(&self) -> Option<Level> {
        self.book().best_bid()
    }

    /// Best ask: price in ticks and quantity in lots.
    pub fn best_ask(&self) -> Option<Level> {
        self.book().best_ask()
    }

    /// Mid price in ticks (may be a half tick).
    pub fn mid_ticks(&self) -> Option<f64> {
        self.book().mid_ticks()
    }

    /// Best ask minus best bid, ticks.
    pub fn spread_ticks(&self) -> Option<i64> {
        self.book().spread_ticks()
    }

    /// The account as the strategy knows it.
    pub fn account(&self) -> &Account {
        self.engine.account()
    }

    /// Signed position in lots (positive = long).
    pub fn position_lots(&self) -> i64 {
        self.account().position_lots()
    }

    /// Average entry price of the position, ticks (0 when flat).
    pub fn avg_entry_ticks(&self) -> f64 {
        self.account().avg_entry_ticks()
    }

    /// Cash, currency units.
    pub fn cash(&self) -> f64 {
        self.account().cash()
    }

    /// Realized PnL before fees, currency units.
    pub fn realized_pnl(&self) -> f64 {
        self.account().realized_pnl()
    }

    /// Fees paid, currency units (negative when rebates dominate).
    pub fn fees_paid(&self) -> f64 {
        self.account().fees_paid()
    }

    /// Mark price used for unrealized PnL and equity: the local mid, or the
    /// average entry price when the book has no mid.
    pub fn mark_ticks(&self) -> f64 {
        self.mid_ticks().unwrap_or(self.avg_entry_ticks())
    }

    /// Unrealized PnL of the position marked to the local mid, currency units.
    pub fn unrealized_pnl(&self) -> f64 {
        self.account().unrealized_pnl(self.mark_ticks())
    }

    /// Cash plus the position marked to the local mid, currency units.
    pub fn equity(&self) -> f64 {
        self.account().equity(self.mark_ticks())
    }

    /// Open orders, in the order sent.
    pub fn open_orders(&self) -> &[OpenOrder] {
        self.engine.open_orders()
    }

    /// The open order `id`; `None` once it is final or if it never existed.
    pub fn order(&self, id: OrderId) -> Option<&OpenOrder> {
        self.engine.order(id)
    }

    /// Sends a good-till-canceled limit buy.
    pub fn buy(&mut self, price_ticks: i64, qty_lots: i64) -> Result<OrderId, OrderError> {
        self.submit(OrderRequest::limit(Side::Buy, price_ticks, qty_lots))
    }

    /// Sends a good-till-canceled limit sell.
    pub fn sell(&mut self, price_ticks: i64, qty_lots: i64) -> Result<OrderId, OrderError> {
        self.submit(OrderRequest::limit(Side::Sell, price_ticks, qty_lots))
    }

    /// Sends a market buy.
    pub fn buy_market(&mut self, qty_lots: i64) -> Result<OrderId, OrderError> {
        self.submit(OrderRequest::market(Side::Buy, qty_lots))
    }

    /// Sends a market sell.
    pub fn sell_market(&mut self, qty_lots: i64) -> Result<OrderId, OrderError> {
        self.submit(OrderRequest::market(Side::Sell, qty_lots))
    }

    /// Sends any order; returns its id at once. Pre-trade risk breaches come
    /// back as a `Rejected` update, not as an error.
    pub fn submit(&mut self, request: OrderRequest) -> Result<OrderId, OrderError> {
        self.engine.submit(request)
    }

    /// Sends up to 100 orders in one call; nothing is sent if any is invalid.
    pub fn submit_batch(&mut self, requests: &[OrderRequest]) -> Result<Vec<OrderId>, OrderError> {
        self.engine.submit_batch(requests)
    }

    /// Asks to cancel an open order (of any of the run's instruments).
    pub fn cancel(&mut self, id: OrderId) -> Result<(), OrderError> {
        self.engine_with_order(id).cancel(id)
    }

    /// Asks to cancel every open order; returns how many cancels were sent.
    pub fn cancel_all(&mut self) -> usize {
        self.engine.cancel_all()
    }

    /// Asks to change a limit order's price and total quantity (lots,
    /// including what has filled).
    pub fn modify(
        &mut self,
        id: OrderId,
        price_ticks: i64,
        qty_lots: i64,
    ) -> Result<(), OrderError> {
        self.engine_with_order(id).modify(id, price_ticks, qty_lots)
    }

    /// Sets a timer for local time `ts_ns`.
    pub fn set_timer_at(&mut self, ts_ns: i64) -> TimerId {
        self.engine.set_timer_at(ts_ns)
    }

    /// Sets a timer `delay_ns` from now.
    pub fn set_timer_in(&mut self, delay_ns: i64) -> Result<TimerId, OrderError> {
        if delay_ns < 0 {
            return Err(OrderError::NegativeDelay { delay_ns });
        }
        let at = self.now_ns().saturating_add(delay_ns);
        Ok(self.engine.set_timer_at(at))
    }

    /// Cancels a timer that has not fired.
    pub fn cancel_timer(&mut self, id: TimerId) {
        self.engine.cancel_timer(id);
    }

    /// The timer being handled, inside `on_timer`.
    pub fn current_timer(&self) -> Option<TimerId> {
        self.engine.current_timer()
    }

    /// Writes a line to the run's log, stamped with local time.
    pub fn log(&mut self, text: impl Into<String>) {
        self.engine.log(text);
    }
}
