//! One engine among several: a run over several instruments has one engine
//! per instrument (its own exchange side, queue, latency, fees and local
//! book), and a scheduler (`strategy::runner`) that always processes the
//! earliest due item among them, at equal times in the order the symbols
//! were named.
//!
//! The scheduler asks each engine when its next item is due
//! ([`Engine::next_due_ns`]), tells the earliest how far it may go
//! ([`Engine::set_handover_until_ns`]: the next item of the others) and has
//! it process exactly that one item ([`Engine::advance_one`]). A market event
//! the exchange step would hand to the strategy at once is held back for the
//! local cursor when its local time is past that limit, so that what the
//! strategy sees is in time order across instruments.

use super::{Engine, EngineError, Next, Wake};
use crate::market::MarketEvent;

/// An engine's next due item: its time and which queue it comes from.
pub(crate) type DueItem = (i64, Next);

impl Engine<'_> {
    /// Time of the next item this engine processes (a market event at the
    /// exchange or seen locally, an order message, an answer, a timer), ns;
    /// `None` when it is over.
    pub fn next_due_ns(&mut self) -> Result<Option<i64>, EngineError> {
        if !self.started {
            self.start()?;
        }
        Ok(self.next_due()?.map(|(ts, _)| ts))
    }

    /// Processes exactly the next due item and returns what the strategy
    /// sees from it, if anything ([`Wake::Finished`] when the engine is
    /// over).
    pub fn advance_one(&mut self) -> Result<Option<Wake<()>>, EngineError> {
        if !self.started {
            self.start()?;
        }
        self.current_timer = None;
        match self.next_due()? {
            None => Ok(Some(Wake::Finished)),
            Some((ts, next)) => Ok(self.process_due(ts, next)),
        }
    }

    /// The next due item, for a scheduler that then has it processed with
    /// [`Engine::advance_through`]; `None` when the engine is over.
    #[inline]
    pub(crate) fn next_due_item(&mut self) -> Result<Option<DueItem>, EngineError> {
        if !self.started {
            self.start()?;
        }
        if self.only_market_data_due() {
            return Ok(Some(self.next_market_item()));
        }
        self.next_due()
    }

    /// [`Engine::next_due`] when only market data is due: the event at the
    /// local cursor when its local time comes first, else the next at the
    /// exchange (which wins a tie).
    #[inline(always)]
    fn next_market_item(&self) -> DueItem {
        let exch_ts = self.batch[self.batch_pos].exch_ts.max(self.last_exch_ts);
        if self.local_pos < self.batch_pos {
            let local_ts = self.local_times(&self.batch[self.local_pos]).1;
            if local_ts < exch_ts {
                return (local_ts, Next::LocalData);
            }
        }
        (exch_ts, Next::ExchangeData)
    }

    /// Processes this engine's due items, the first one being `item`
    /// (which [`Engine::next_due_item`] gave, nothing having changed
    /// since), up to the first the strategy sees, as long as they are due
    /// by `until_ns` (the others' next items: nothing of theirs can come
    /// between, since only the strategy changes them). Returns what the
    /// strategy sees, or `None` when the next item is due after `until_ns`
    /// or the engine is over. A market event is not handed back: it is
    /// written to `seen`.
    #[inline(always)]
    pub(crate) fn advance_through(
        &mut self,
        item: DueItem,
        until_ns: i64,
        seen: &mut MarketEvent,
    ) -> Result<Option<Wake<(), ()>>, EngineError> {
        self.handover_until_ns = until_ns;
        self.current_timer = None;
        let (mut ts, mut next) = item;
        loop {
            // Market data alone takes the inline step the one-instrument
            // loop takes (the same choice as `process_due` makes then).
            let woke = if self.only_market_data_due() {
                self.market_data_step().map(|ev| {
                    *seen = ev;
                    Wake::Market(())
                })
            } else {
                self.process_due(ts, next).map(|wake| {
                    wake.map_market(|ev| {
                        *seen = ev;
                    })
                })
            };
            if let Some(wake) = woke {
                return Ok(Some(wake));
            }
            let due = if self.only_market_data_due() {
                Some(self.next_market_item())
            } else {
                self.next_due()?
            };
            match due {
                Some((due_ns, due)) if due_ns <= until_ns => (ts, next) = (due_ns, due),
                _ => return Ok(None),
            }
        }
    }

    /// True once every market event of this engine has been processed at
    /// the exchange and seen locally (its next items, if any, are order
    /// messages, answers and timers). Valid after [`Engine::next_due_item`].
    pub(crate) fn data_over(&self) -> bool {
        self.source_done
            && self.batch_pos >= self.batch.len()
            && self.local_pos >= self.batch_pos
            && self.local.feed.is_empty()
    }

    /// Market events the exchange step processes may reach the strategy
    /// at once only up to local time `ts_ns`; later ones wait for the
    /// local cursor. `i64::MAX` (the default) for a run of one instrument.
    pub fn set_handover_until_ns(&mut self, ts_ns: i64) {
        self.handover_until_ns = ts_ns;
    }

    /// Sets how many units of the run's account currency one unit of this
    /// instrument's currency is worth (a fixed `[fx]` rate; 1 by default).
    pub fn set_account_fx_rate(&mut self, rate: f64) {
        self.account_fx_rate = rate;
    }

    /// See [`Engine::set_account_fx_rate`].
    pub fn account_fx_rate(&self) -> f64 {
        self.account_fx_rate
    }

    /// Messages, answers and timers queued so far: it moves whenever
    /// something is queued, so a scheduler knows the next due item may have
    /// changed.
    pub(crate) fn message_seq(&self) -> u64 {
        self.seq
    }

    /// The id the next order sent through this engine gets.
    pub(crate) fn next_order_id(&self) -> u64 {
        self.next_order_id
    }

    /// Order ids are unique in a run: engines of one run share the count.
    pub(crate) fn set_next_order_id(&mut self, id: u64) {
        self.next_order_id = id;
    }

    /// Moves the strategy's clock on this engine to `ts_ns` when it is
    /// behind: the strategy acts at one time for every instrument.
    pub(crate) fn catch_up_local_now(&mut self, ts_ns: i64) {
        self.local.now_ns = self.local.now_ns.max(ts_ns);
    }
}
