//! Booking what the exchange produced: every order update goes into the run
//! record and back to the strategy after the response latency, every fill
//! into the exchange-side account and the equity curve.

use crate::sim::engine::Engine;
use crate::sim::record::{EquitySample, FillRecord, RecordSink, RunRecord, SampleCause};
use crate::sim::update::OrderUpdate;

impl<'a> Engine<'a> {
    /// Books what the exchange produced and sends it back to the strategy
    /// with the response latency.
    pub(crate) fn route_exchange_output(&mut self) {
        let mut out = std::mem::take(&mut self.exchange.out);
        for mut update in out.drain(..) {
            let exch_ts = update.exch_ts_ns;
            let arrival = exch_ts
                .saturating_add(self.latency.response_latency_ns(exch_ts))
                .max(self.last_response_arrival_ts);
            self.last_response_arrival_ts = arrival;
            update.local_ts_ns = arrival;
            if let Some(fill) = update.fill {
                self.exch_account.apply_fill(
                    update.side,
                    fill.price_ticks,
                    fill.qty_lots,
                    fill.fee,
                );
                if self.exch_mark_ticks.is_none() && self.exchange.book.mid_ticks().is_none() {
                    self.exch_mark_ticks = Some(fill.price_ticks as f64);
                }
                self.book_fill(FillRecord {
                    exch_ts_ns: exch_ts,
                    local_ts_ns: arrival,
                    order_id: update.order_id,
                    side: update.side,
                    price_ticks: fill.price_ticks,
                    qty_lots: fill.qty_lots,
                    liquidity: fill.liquidity,
                    fee: fill.fee,
                    time_in_queue_ns: fill.time_in_queue_ns,
                    slippage_ticks: fill.slippage_ticks,
                    position_after_lots: self.exch_account.position_lots(),
                });
                self.sample_equity(exch_ts, SampleCause::Fill);
            }
            self.book_order(update);
            self.seq += 1;
            self.to_local.push(arrival, self.seq, update);
        }
        self.exchange.out = out;
    }

    /// Records the exchange-side account, marked to the exchange mid (or
    /// the last mark when the book has none), at exchange time `ts_ns`.
    pub(crate) fn sample_equity(&mut self, ts_ns: i64, cause: SampleCause) {
        if ts_ns < self.trading_from_ns {
            // The warm-up: the record starts after it.
            return;
        }
        if self.start_sample_ts.is_some() {
            self.take_start_sample();
        }
        self.push_equity_sample(ts_ns, cause);
    }

    /// Takes the run's first equity sample, at the first event's time,
    /// when it is still due.
    pub(crate) fn take_start_sample(&mut self) {
        if self.last_exch_ts < self.trading_from_ns {
            // Still warming up: the first sample is taken after it.
            return;
        }
        if let Some(ts_ns) = self.start_sample_ts.take() {
            self.push_equity_sample(ts_ns.max(self.trading_from_ns), SampleCause::Step);
        }
    }

    fn push_equity_sample(&mut self, ts_ns: i64, cause: SampleCause) {
        if let Some(mid) = self.exchange.book.mid_ticks() {
            self.exch_mark_ticks = Some(mid);
        }
        let mark = self.exch_mark_ticks.unwrap_or(0.0);
        let sample = EquitySample {
            ts_ns,
            cause,
            account: self.exch_account.snapshot(mark),
        };
        match &mut self.record_sink {
            Some(sink) => sink.equity(&sample),
            None => self.record.equity.push(sample),
        }
    }

    /// Records an order update: to the sink when there is one, else to the
    /// record.
    pub(crate) fn book_order(&mut self, update: OrderUpdate) {
        match &mut self.record_sink {
            Some(sink) => sink.order(&update),
            None => self.record.orders.push(update),
        }
    }

    fn book_fill(&mut self, fill: FillRecord) {
        match &mut self.record_sink {
            Some(sink) => sink.fill(&fill),
            None => self.record.fills.push(fill),
        }
    }

    /// Sends the run's fills, order updates and equity samples to `sink` as
    /// they are produced, from now on, instead of keeping them in the
    /// record ([`Engine::record`] then holds only the log lines). Call it
    /// before the first step to see every row.
    pub fn set_record_sink(&mut self, sink: Box<dyn RecordSink + 'a>) {
        self.record_sink = Some(sink);
    }

    /// The record so far (grows as the run goes on; without fills, orders
    /// and equity when a sink takes them).
    pub fn record(&self) -> &RunRecord {
        &self.record
    }

    /// Closes the record once the run is over: takes the final equity
    /// sample and counts the market events. Only the first call does
    /// anything; [`Engine::into_record`] calls it too.
    pub fn close_record(&mut self) {
        if self.record_closed {
            return;
        }
        self.record_closed = true;
        let ts = self.last_exch_ts.max(self.local.now_ns);
        self.sample_equity(ts, SampleCause::Final);
        self.record.data_events = self.exchange.events;
    }

    /// Ends the run: closes the record and hands it over.
    pub fn into_record(mut self) -> RunRecord {
        self.close_record();
        self.record
    }
}
