//! The two cursors over the current batch of market events: the exchange
//! side's (`batch_pos`) and the local side's (`local_pos`, never ahead of
//! it), with the local time rule of the module docs and the direct hand-over
//! of an event to the strategy when nothing else is due before it.

use crate::market::{EventKind, MarketEvent};
use crate::sim::record::SampleCause;
use crate::sim::source::EventBatch;

use super::{Engine, EngineError};

impl Engine<'_> {
    /// Exchange time of the next market event, loading batches as needed.
    #[inline]
    pub(super) fn next_exch_ts(&mut self) -> Result<Option<i64>, EngineError> {
        if let Some(ev) = self.batch.get(self.batch_pos) {
            return Ok(Some(ev.exch_ts.max(self.last_exch_ts)));
        }
        self.load_batch()
    }

    /// Fetches batches until one has an event or the source ends.
    #[cold]
    pub(super) fn load_batch(&mut self) -> Result<Option<i64>, EngineError> {
        while self.batch_pos >= self.batch.len() {
            if self.source_done {
                return Ok(None);
            }
            self.spill_local();
            self.batch_pos = 0;
            self.local_pos = 0;
            match self.source.next_batch().map_err(EngineError::Source)? {
                Some(batch) => self.batch = batch,
                None => {
                    self.source_done = true;
                    self.batch = EventBatch::empty();
                }
            }
        }
        Ok(Some(
            self.batch[self.batch_pos].exch_ts.max(self.last_exch_ts),
        ))
    }

    /// Before the batch is replaced: the events of it the local side has not
    /// seen yet go to the feed queue, with their local time.
    pub(super) fn spill_local(&mut self) {
        while self.local_pos < self.batch_pos {
            let ev = self.take_local_from_batch();
            self.local.feed.push_back(ev);
        }
    }

    /// Local time of the event at the local cursor, given the exchange and
    /// local times of the event before it: `max(local_ts, exch_ts, previous
    /// local time)`, with exchange time kept monotone (see the module docs).
    #[inline]
    pub(super) fn local_times(&self, ev: &MarketEvent) -> (i64, i64) {
        let exch_ts = ev.exch_ts.max(self.local_prev_exch_ts);
        let local_ts = self
            .feed_latency
            .local_ts(exch_ts, ev.local_ts)
            .max(exch_ts)
            .max(self.local.last_feed_ts);
        (exch_ts, local_ts)
    }

    /// Local time of the next market event the strategy sees, if the
    /// exchange has processed one it has not seen.
    #[inline]
    pub(super) fn next_local_ts(&self) -> Option<i64> {
        if let Some(ev) = self.local.feed.front() {
            return Some(ev.local_ts);
        }
        if self.local_pos < self.batch_pos {
            return Some(self.local_times(&self.batch[self.local_pos]).1);
        }
        None
    }

    /// Moves the local cursor past its event and returns that event with
    /// its local time in `local_ts`. The caller checks that the exchange has
    /// processed it (`local_pos < batch_pos`).
    #[inline]
    pub(super) fn take_local_from_batch(&mut self) -> MarketEvent {
        let ev = self.batch[self.local_pos];
        let (exch_ts, local_ts) = self.local_times(&ev);
        self.local_pos += 1;
        self.local_prev_exch_ts = exch_ts;
        self.local.last_feed_ts = local_ts;
        MarketEvent { local_ts, ..ev }
    }

    /// The strategy sees the next market event processed at the exchange:
    /// from the feed queue first, then from the batch.
    #[inline]
    pub(super) fn deliver_local(&mut self) -> Option<MarketEvent> {
        let ev = match self.local.feed.pop_front() {
            Some(ev) => ev,
            None if self.local_pos < self.batch_pos => self.take_local_from_batch(),
            None => return None,
        };
        self.local.deliver(ev);
        Some(ev)
    }

    /// The exchange processes the next market event, which then travels to
    /// the local side; returns it when the strategy sees it at once.
    #[inline(always)]
    pub(super) fn exchange_data_step(&mut self) -> Option<MarketEvent> {
        let ev = self.batch[self.batch_pos];
        self.batch_pos += 1;
        let exch_ts = ev.exch_ts.max(self.last_exch_ts);
        self.last_exch_ts = exch_ts;
        if exch_ts >= self.next_equity_ts {
            let boundary = exch_ts.div_euclid(self.equity_step_ns) * self.equity_step_ns;
            self.sample_equity(boundary, SampleCause::Step);
            self.next_equity_ts = boundary + self.equity_step_ns;
        }
        self.exchange.now_ns = exch_ts;
        self.exchange.on_market(&ev);
        if self.start_sample_ts.is_some()
            && ev.is_last_in_batch()
            && self.exchange.book.mid_ticks().is_some()
        {
            // The book has its first mid at the end of a batch: the start
            // sample is marked there, whatever the source's own batches are.
            self.take_start_sample();
        }
        if !self.exchange.out.is_empty() {
            self.route_exchange_output();
        }
        if ev.kind == EventKind::Funding {
            self.exchange_funding(&ev);
        }
        if self.exch_account.position_lots() != 0 && ev.is_last_in_batch() {
            self.check_liquidation_at_batch_end();
        }
        if self.local_pos + 1 != self.batch_pos || !self.local.feed.is_empty() {
            // The strategy has events to see before this one.
            return None;
        }
        let (_, local_ts) = self.local_times(&ev);
        if !self.local_is_next(local_ts) {
            return None;
        }
        // Nothing else is due before the strategy sees this event: hand it
        // over now rather than through the local cursor.
        self.local_pos = self.batch_pos;
        self.local_prev_exch_ts = exch_ts;
        self.local.last_feed_ts = local_ts;
        let seen = MarketEvent { local_ts, ..ev };
        self.local.deliver(seen);
        if !self.exchange.queue_log.is_empty() {
            self.local.apply_queue_changes(&mut self.exchange.queue_log);
        }
        Some(seen)
    }

    /// True when a market event seen locally at `local_ts` is certainly the
    /// next due item: every other queue is due later (or loses the tie).
    #[inline]
    pub(super) fn local_is_next(&self, local_ts: i64) -> bool {
        // The next exchange event wins a tie; one in a batch not loaded yet
        // is unknown, so the feed queue takes the event.
        let exch_later = self
            .batch
            .get(self.batch_pos)
            .is_some_and(|next| next.exch_ts.max(self.last_exch_ts) > local_ts);
        exch_later
            && local_ts <= self.handover_until_ns
            && self.to_exchange.next_ts().is_none_or(|ts| ts > local_ts)
            && self.to_local.next_ts().is_none_or(|ts| ts >= local_ts)
            && self.timers.next_ts().is_none_or(|ts| ts >= local_ts)
    }
}
