//! Funding of perpetual contracts: at each `funding` event of the data, an
//! open position pays `rate × notional`, its notional valued at the
//! exchange-side mid (the last mid when the book has none, the average
//! entry price before any): a long pays and a short receives when the rate
//! is positive, the other way round when it is negative. For an inverse
//! contract the notional, and so the payment, is in the base currency.
//!
//! The exchange-side account pays at the event's exchange time, and an
//! equity sample with cause `funding` records it. The strategy's account
//! pays the same amount when it sees the event (the local side sees funding
//! events in the order the exchange processed them, so the payments queue
//! up between the two).

use crate::market::MarketEvent;
use crate::sim::engine::Engine;
use crate::sim::local::LocalSide;
use crate::sim::record::SampleCause;

impl Engine<'_> {
    /// The exchange-side account pays (or receives) the funding of `ev`.
    #[cold]
    #[inline(never)]
    pub(crate) fn exchange_funding(&mut self, ev: &MarketEvent) {
        let rate = ev.funding_rate().filter(|rate| rate.is_finite());
        let mut paid = 0.0;
        if let (Some(rate), true) = (rate, self.exch_account.position_lots() != 0) {
            let mark_ticks = self
                .exchange
                .book
                .mid_ticks()
                .or(self.exch_mark_ticks)
                .unwrap_or(self.exch_account.avg_entry_ticks());
            paid = self.exch_account.apply_funding(rate, mark_ticks);
            self.sample_equity(self.last_exch_ts, SampleCause::Funding);
        }
        self.local.funding_due.push_back(paid);
    }
}

impl LocalSide {
    /// The strategy sees a funding event: its account pays what the
    /// exchange booked for it.
    #[cold]
    #[inline(never)]
    pub(crate) fn pay_funding(&mut self) {
        if let Some(paid) = self.funding_due.pop_front() {
            self.account.pay_funding(paid);
        }
    }
}
