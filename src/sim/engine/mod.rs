//! The event loop: two clocks, one merge.
//!
//! The exchange side sees each market event at its exchange time and our
//! order messages when they arrive; the local side (the strategy) sees each
//! market event at its local time and the exchange's answers when they come
//! back. [`Engine::advance`] always processes the earliest of
//!
//! 1. the next market event at the exchange (`exch_ts`),
//! 2. the next order message arriving at the exchange,
//! 3. the next market event seen locally (`local_ts`),
//! 4. the next answer arriving at the strategy,
//! 5. the next timer,
//!
//! and at equal times in exactly that order; within one kind, first
//! scheduled first. It does the exchange-side work (1, 2) itself and returns
//! at the first thing the strategy would see (3, 4, 5) as a [`Wake`]. The
//! engine never calls a strategy: it is driven, so a session can stop after
//! any single event and a seek is a re-run to event N.
//!
//! [`Engine::advance_lean`] is the same step with a small [`Wake`] (about
//! the size of a market event): an order update, several times larger,
//! stays in the engine ([`Engine::delivered_update`]) instead of being
//! copied through every return. The runner uses it; [`Engine::advance`]
//! hands the update over by value, for code that drives the engine by hand.
//!
//! Time rules, chosen for determinism and realism:
//!
//! - Market events are processed in file order. An exchange time that goes
//!   backwards is taken as the previous one.
//! - The local side sees events in file order too, as a feed handler reading
//!   a sequenced stream does: an event's local time is
//!   `max(local_ts, exch_ts, previous local time)`, so local time never goes
//!   backwards and no event is seen before the exchange had it. (With a
//!   constant feed latency, `local_ts` is `exch_ts + latency`.) The strategy
//!   receives each event with this local time in `local_ts`.
//! - One order-entry session: messages reach the exchange in the order they
//!   were sent, and answers reach the strategy in the order they were sent,
//!   so a random latency can delay a message but never reorder it.
//! - After the last market event, messages and timers due no later than the
//!   last event's time are still delivered; later ones are dropped.

use std::collections::VecDeque;
use std::time::Instant;

use crate::market::{Instrument, MarketEvent};
use crate::sim::account::Account;
use crate::sim::compute::ComputeLatency;
use crate::sim::config::{Models, RunConfig};
use crate::sim::exchange::{Exchange, ExchangeModels};
use crate::sim::latency::{FeedLatency, LatencyModel};
use crate::sim::liquidation::SolventMarks;
use crate::sim::local::LocalSide;
use crate::sim::order::{OrderId, OrderMsg};
use crate::sim::order::{OrderState, OrderType, TimeInForce};
use crate::sim::record::{RecordSink, RunRecord};
use crate::sim::risk::RiskLimits;
use crate::sim::schedule::TimeQueue;
use crate::sim::source::{EventBatch, EventSource, SliceSource};
use crate::sim::update::{OrderUpdate, UpdateKind};

mod cursor;
mod multi;
mod wake;

pub(crate) use multi::DueItem;
pub use wake::{EngineError, TimerId, Wake};

/// What [`Engine::delivered_update`] holds before the first order update.
fn no_update() -> OrderUpdate {
    OrderUpdate {
        order_id: OrderId(0),
        kind: UpdateKind::Accepted,
        state: OrderState::New,
        side: crate::market::Side::None,
        order_type: OrderType::Limit,
        time_in_force: TimeInForce::Gtc,
        price_ticks: 0,
        stop_price_ticks: 0,
        qty_lots: 0,
        filled_lots: 0,
        avg_fill_price_ticks: 0.0,
        fill: None,
        reason: None,
        exch_ts_ns: 0,
        local_ts_ns: 0,
    }
}

/// Engine settings that are not models.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EngineSettings {
    /// Cash at the start, currency units.
    pub initial_cash: f64,
    /// Data-time step between equity samples, ns.
    pub equity_step_ns: i64,
    /// When the strategy sees market data.
    pub feed_latency: FeedLatency,
    /// Pre-trade risk limits.
    pub risk: RiskLimits,
    /// Infer market states from the book (see `sim::market_state`).
    pub infer_market_state: bool,
    /// The strategy's compute time, charged to every message it sends.
    pub compute: ComputeLatency,
}

impl EngineSettings {
    /// The settings a [`RunConfig`] names.
    pub fn from_config(config: &RunConfig) -> Self {
        EngineSettings {
            initial_cash: config.initial_cash,
            equity_step_ns: config.equity_step_ns.max(1),
            feed_latency: config.feed_latency(),
            risk: config.risk,
            infer_market_state: config.infer_market_state,
            compute: config.compute,
        }
    }
}

/// Which queue [`Engine::advance`] takes from next, declared in tie order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Next {
    ExchangeData,
    OrderArrival,
    LocalData,
    Response,
    Timer,
}

/// The deterministic exchange simulator for one instrument over one stream
/// of market data.
pub struct Engine<'a> {
    pub(crate) instrument: Instrument,
    source: Box<dyn EventSource<'a> + 'a>,
    batch: EventBatch<'a>,
    /// The exchange side's cursor in `batch`: the next event it processes.
    batch_pos: usize,
    /// The local side's cursor in `batch`: events from here to `batch_pos`
    /// were processed at the exchange and not yet seen locally. They are
    /// read in place; only those left behind when a new batch is loaded go
    /// to `local.feed`.
    local_pos: usize,
    /// Exchange time (kept monotone) of the event before `local_pos`.
    local_prev_exch_ts: i64,
    source_done: bool,
    /// Items due after the end of this engine's data are still processed
    /// (a run over several instruments, whose scheduler decides when the
    /// run ends); otherwise they are dropped and the run ends with its data.
    pub(crate) open_end: bool,
    feed_latency: FeedLatency,
    pub(crate) last_exch_ts: i64,
    pub(crate) exchange: Exchange,
    pub(crate) exch_account: Account,
    pub(crate) exch_mark_ticks: Option<f64>,
    /// Marks at which the exchange-side account is surely solvent.
    pub(crate) solvent_marks: SolventMarks,
    pub(crate) local: LocalSide,
    pub(crate) latency: Box<dyn LatencyModel>,
    pub(crate) risk: RiskLimits,
    pub(crate) to_exchange: TimeQueue<OrderMsg>,
    pub(crate) to_local: TimeQueue<OrderUpdate>,
    /// The order update the last [`Wake::Order`] stood for.
    delivered_update: OrderUpdate,
    /// The strategy's compute time, charged to every message it sends.
    pub(crate) compute: ComputeLatency,
    /// When the callback running now started, while the runner times it.
    pub(crate) callback_start: Option<Instant>,
    pub(crate) timers: TimeQueue<TimerId>,
    pub(crate) canceled_timers: Vec<TimerId>,
    pub(crate) seq: u64,
    pub(crate) last_entry_arrival_ts: i64,
    /// Sequence number of the last order message sent.
    pub(crate) last_entry_seq: u64,
    /// Orders the strategy knows are final, each with the sequence number
    /// of the last message sent before it learned it: the exchange forgets
    /// them once that message has arrived.
    forgettable: VecDeque<(u64, OrderId)>,
    pub(crate) last_response_arrival_ts: i64,
    pub(crate) next_order_id: u64,
    pub(crate) next_timer_id: u64,
    pub(crate) current_timer: Option<TimerId>,
    pub(crate) record: RunRecord,
    /// Where fills, order updates and equity samples go instead of
    /// `record`, when set.
    pub(crate) record_sink: Option<Box<dyn RecordSink + 'a>>,
    equity_step_ns: i64,
    next_equity_ts: i64,
    /// Exchange time of the first equity sample, until it is taken: once
    /// a batch of the data (up to a `LAST_IN_BATCH` event) has given the
    /// book its first mid, or before the first order reaches the exchange or any other
    /// sample is taken, whichever comes first.
    pub(crate) start_sample_ts: Option<i64>,
    /// Local time from which the strategy may trade and the record starts
    /// (`i64::MIN` without a warm-up): orders sent before it are rejected
    /// with reason `warmup`, equity samples before it are not taken.
    pub(crate) trading_from_ns: i64,
    /// Latest local time at which a market event may go to the strategy
    /// straight from the exchange step; `i64::MAX` unless other
    /// instruments' engines run beside this one (see `multi.rs`).
    pub(crate) handover_until_ns: i64,
    /// Units of the run's account currency one unit of this instrument's
    /// currency is worth (1 unless `[fx]` gives a rate).
    pub(crate) account_fx_rate: f64,
    started: bool,
    /// True once the record is closed (final equity sample taken).
    pub(crate) record_closed: bool,
}

impl<'a> Engine<'a> {
    /// An engine configured by `config` over `source`.
    pub fn new(
        instrument: Instrument,
        config: &RunConfig,
        source: impl EventSource<'a> + 'a,
    ) -> Result<Self, EngineError> {
        config.validate()?;
        let models = config.build_models(&instrument)?;
        Ok(Self::with_models(
            instrument,
            EngineSettings::from_config(config),
            models,
            source,
        ))
    }

    /// An engine over a slice of events (borrowed, not copied).
    pub fn from_slice(
        instrument: Instrument,
        config: &RunConfig,
        events: &'a [MarketEvent],
    ) -> Result<Self, EngineError> {
        Self::new(instrument, config, SliceSource::new(events))
    }

    /// An engine with models chosen in code.
    pub fn with_models(
        instrument: Instrument,
        settings: EngineSettings,
        models: Models,
        source: impl EventSource<'a> + 'a,
    ) -> Self {
        let exch_account = Account::new(&instrument, settings.initial_cash);
        let value = exch_account.contract_value();
        let exchange = Exchange::new(
            ExchangeModels {
                queue: models.queue,
                fees: models.fees,
                impact: models.impact,
            },
            value,
            settings.infer_market_state,
        );
        let local = LocalSide::new(
            &instrument,
            settings.initial_cash,
            settings.infer_market_state,
        );
        let record = RunRecord {
            symbol: instrument.symbol.clone(),
            initial_cash: settings.initial_cash,
            ..RunRecord::default()
        };
        Engine {
            instrument,
            source: Box::new(source),
            batch: EventBatch::empty(),
            batch_pos: 0,
            local_pos: 0,
            local_prev_exch_ts: i64::MIN,
            source_done: false,
            open_end: false,
            feed_latency: settings.feed_latency,
            last_exch_ts: i64::MIN,
            exchange,
            exch_account,
            exch_mark_ticks: None,
            solvent_marks: SolventMarks::default(),
            local,
            latency: models.latency,
            risk: settings.risk,
            to_exchange: TimeQueue::default(),
            to_local: TimeQueue::default(),
            delivered_update: no_update(),
            compute: settings.compute,
            callback_start: None,
            timers: TimeQueue::default(),
            canceled_timers: Vec::new(),
            seq: 0,
            last_entry_arrival_ts: i64::MIN,
            last_entry_seq: 0,
            forgettable: VecDeque::new(),
            last_response_arrival_ts: i64::MIN,
            next_order_id: 1,
            next_timer_id: 1,
            current_timer: None,
            record,
            record_sink: None,
            equity_step_ns: settings.equity_step_ns.max(1),
            next_equity_ts: i64::MIN,
            start_sample_ts: None,
            trading_from_ns: i64::MIN,
            handover_until_ns: i64::MAX,
            account_fx_rate: 1.0,
            started: false,
            record_closed: false,
        }
    }

    /// Reads the first batch and sets both clocks to the first event's
    /// exchange time, so that orders sent before any event have a time.
    /// [`Engine::advance`] calls it when needed; calling it twice is harmless.
    pub fn start(&mut self) -> Result<(), EngineError> {
        if self.started {
            return Ok(());
        }
        self.started = true;
        let first_ts = self.next_exch_ts()?.unwrap_or(0);
        self.local.now_ns = first_ts;
        self.start_sample_ts = Some(first_ts);
        self.next_equity_ts = (first_ts.div_euclid(self.equity_step_ns) + 1) * self.equity_step_ns;
        Ok(())
    }

    /// Does all exchange-side work up to the next thing the strategy sees,
    /// and returns it.
    pub fn advance(&mut self) -> Result<Wake, EngineError> {
        let wake = self.advance_lean()?;
        Ok(wake.map_order(|()| self.delivered_update))
    }

    /// [`Engine::advance`] with the order update left in the engine: a
    /// [`Wake::Order`] means [`Engine::delivered_update`] holds it.
    #[inline(always)]
    pub fn advance_lean(&mut self) -> Result<Wake<()>, EngineError> {
        if let Some(ev) = self.advance_market_only() {
            return Ok(Wake::Market(ev));
        }
        self.advance_any()
    }

    /// The common case of [`Engine::advance_lean`], small enough to inline
    /// into the caller's loop: while only market data is due, processes it
    /// up to the next event the strategy sees and returns that; `None`
    /// when anything else is due (then [`Engine::advance_any`] goes on).
    /// A caller that handles this event on its own path, apart from the
    /// general one, keeps it in registers rather than in a merged `Wake`.
    #[inline(always)]
    pub(crate) fn advance_market_only(&mut self) -> Option<MarketEvent> {
        if !self.started {
            return None;
        }
        self.current_timer = None;
        while self.only_market_data_due() {
            if let Some(ev) = self.market_data_step() {
                return Some(ev);
            }
        }
        None
    }

    /// Starts trading and the record at `ts_ns` (ns since the epoch): the
    /// data before it is a warm-up, replayed to the strategy while its
    /// orders are rejected (reason `warmup`) and no equity sample is taken.
    pub fn set_trading_from_ns(&mut self, ts_ns: i64) {
        self.trading_from_ns = ts_ns;
    }

    /// Where trading starts (see [`Engine::set_trading_from_ns`]);
    /// `i64::MIN` without a warm-up.
    pub fn trading_from_ns(&self) -> i64 {
        self.trading_from_ns
    }

    /// The order update of the last [`Wake::Order`].
    pub fn delivered_update(&self) -> &OrderUpdate {
        &self.delivered_update
    }

    /// The strategy's compute latency (`latency.compute`).
    pub fn compute_latency(&self) -> ComputeLatency {
        self.compute
    }

    /// Marks the start of a strategy callback (`None` at its end), for a
    /// measured compute latency.
    #[inline]
    pub fn set_callback_start(&mut self, start: Option<Instant>) {
        self.callback_start = start;
    }

    /// [`Engine::advance_lean`] in general.
    #[inline(never)]
    pub(crate) fn advance_any(&mut self) -> Result<Wake<()>, EngineError> {
        if !self.started {
            self.start()?;
        }
        self.current_timer = None;
        loop {
            if self.only_market_data_due() {
                if let Some(ev) = self.market_data_step() {
                    return Ok(Wake::Market(ev));
                }
                continue;
            }
            let Some((ts, next)) = self.next_due()? else {
                return Ok(Wake::Finished);
            };
            if let Some(wake) = self.process_due(ts, next) {
                return Ok(wake);
            }
        }
    }

    /// Processes the due item `next` (due at `ts`), as [`Engine::next_due`]
    /// chose it; returns what the strategy sees, if anything.
    #[inline]
    fn process_due(&mut self, ts: i64, next: Next) -> Option<Wake<()>> {
        match next {
            Next::ExchangeData => {
                if let Some(ev) = self.exchange_data_step() {
                    return Some(Wake::Market(ev));
                }
            }
            Next::OrderArrival => {
                if self.start_sample_ts.is_some() {
                    // Before the first order can change the account.
                    self.take_start_sample();
                }
                if let Some(msg) = self.to_exchange.pop() {
                    self.exchange.on_order_msg(msg.item, msg.ts);
                    self.route_exchange_output();
                    self.check_liquidation();
                    self.local.apply_queue_changes(&mut self.exchange.queue_log);
                    self.forget_final_orders();
                }
            }
            Next::LocalData => {
                if let Some(ev) = self.deliver_local() {
                    if !self.exchange.queue_log.is_empty() {
                        self.local.apply_queue_changes(&mut self.exchange.queue_log);
                    }
                    return Some(Wake::Market(ev));
                }
            }
            Next::Response => {
                if let Some(answer) = self.to_local.pop() {
                    self.local.now_ns = self.local.now_ns.max(answer.ts);
                    self.local.apply_update(&answer.item);
                    self.note_liquidation(&answer.item);
                    if answer.item.state.is_final() {
                        self.forgettable
                            .push_back((self.last_entry_seq, answer.item.order_id));
                        self.forget_final_orders();
                    }
                    self.delivered_update = answer.item;
                    return Some(Wake::Order(()));
                }
            }
            Next::Timer => {
                if let Some(timer) = self.timers.pop() {
                    if let Some(i) = self.canceled_timers.iter().position(|&t| t == timer.item) {
                        self.canceled_timers.swap_remove(i);
                        return None;
                    }
                    self.local.now_ns = self.local.now_ns.max(ts);
                    self.current_timer = Some(timer.item);
                    return Some(Wake::Timer {
                        ts_ns: self.local.now_ns,
                        id: timer.item,
                    });
                }
            }
        }
        None
    }

    /// Lets the exchange forget the orders the strategy knows are final and
    /// about which no message is still in flight (messages arrive in the
    /// order sent).
    fn forget_final_orders(&mut self) {
        let in_flight_from = self.to_exchange.next_seq().unwrap_or(u64::MAX);
        while let Some(&(seq, id)) = self.forgettable.front() {
            if seq >= in_flight_from {
                break;
            }
            self.exchange.forget(id);
            self.forgettable.pop_front();
        }
    }

    /// True when nothing but market data can be due next: no order message,
    /// answer or timer is pending, no event waits in the feed queue, and the
    /// batch holds the next exchange event.
    #[inline]
    fn only_market_data_due(&self) -> bool {
        let pending = self.local.feed.len()
            | self.to_exchange.len()
            | self.to_local.len()
            | self.timers.len();
        pending == 0 && self.batch_pos < self.batch.len()
    }

    /// [`Engine::advance`]'s work when [`Engine::only_market_data_due`]: the
    /// merge of the exchange and local cursors over the batch, in the tie
    /// order of [`Engine::next_due`]. Returns the event the strategy sees,
    /// if one.
    #[inline(always)]
    fn market_data_step(&mut self) -> Option<MarketEvent> {
        if self.local_pos < self.batch_pos {
            let exch_ts = self.batch[self.batch_pos].exch_ts.max(self.last_exch_ts);
            let local_ts = self.local_times(&self.batch[self.local_pos]).1;
            if local_ts < exch_ts {
                let ev = self.take_local_from_batch();
                self.local.deliver(ev);
                if !self.exchange.queue_log.is_empty() {
                    self.local.apply_queue_changes(&mut self.exchange.queue_log);
                }
                return Some(ev);
            }
        }
        self.exchange_data_step()
    }

    /// The earliest due item and its time, in tie order; `None` when the run
    /// is over.
    #[inline]
    fn next_due(&mut self) -> Result<Option<(i64, Next)>, EngineError> {
        let exch = self.next_exch_ts()?;
        let local = self.next_local_ts();
        // Exchange data wins ties with local data.
        let mut best = match (exch, local) {
            (Some(e), Some(l)) if l < e => Some((l, Next::LocalData)),
            (Some(e), _) => Some((e, Next::ExchangeData)),
            (None, Some(l)) => Some((l, Next::LocalData)),
            (None, None) => None,
        };
        if !(self.to_exchange.is_empty() && self.to_local.is_empty() && self.timers.is_empty()) {
            let others = [
                (self.to_exchange.next_ts(), Next::OrderArrival),
                (self.to_local.next_ts(), Next::Response),
                (self.timers.next_ts(), Next::Timer),
            ];
            for (ts, next) in others {
                if let Some(ts) = ts {
                    // `Next` is declared in tie order: at equal times the
                    // earlier kind wins.
                    if best.is_none_or(|b| (ts, next) < b) {
                        best = Some((ts, next));
                    }
                }
            }
        }
        if exch.is_none()
            && local.is_none()
            && !self.open_end
            && best.is_some_and(|(ts, _)| ts > self.data_end_ns())
        {
            return Ok(None);
        }
        Ok(best)
    }

    /// Time of the last market event, at the exchange or seen locally.
    pub(crate) fn data_end_ns(&self) -> i64 {
        self.last_exch_ts.max(self.local.last_feed_ts)
    }

    /// The account as the exchange knows it (every fill booked at exchange
    /// time). The strategy's own view is [`Engine::account`].
    pub fn exchange_account(&self) -> &Account {
        &self.exch_account
    }

    /// The exchange-side book: the market at exchange time, ahead of what the
    /// strategy sees by the feed latency.
    pub fn exchange_book(&self) -> &crate::book::L2Book {
        &self.exchange.book
    }

    /// Market events processed at the exchange side.
    pub fn exchange_events(&self) -> u64 {
        self.exchange.events
    }

    /// Exchange time of the last market event processed, ns.
    pub fn exchange_now_ns(&self) -> i64 {
        self.last_exch_ts
    }

    /// Order messages and answers in flight, and timers set.
    pub fn pending(&self) -> (usize, usize, usize) {
        (
            self.to_exchange.len(),
            self.to_local.len(),
            self.timers.len(),
        )
    }
}
