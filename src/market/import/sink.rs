//! The end of a conversion: events, already in exchange-time order, go to
//! one canonical Parquet file per UTC day in `<out>/<SYMBOL>/`.
//!
//! The sink keeps the book (L2 levels and L3 orders) as the events build
//! it. When a day file opens in the middle of the stream and its first
//! event is not itself a full clear, the file opens with that book: a clear
//! of both sides, then every level (`snapshot`) and every resting order in
//! queue order (`add`), all flagged SNAPSHOT, at the first event's time. So
//! each day file replays on its own.

use std::path::PathBuf;

use crate::book::{ApplyOutcome, L2Book, L3Book, L3Outcome};
use crate::market::catalog::Day;
use crate::market::parquet::{EventWriter, WriteOptions, WriteSummary};
use crate::market::{flags, EventKind, Instrument, MarketEvent, Side};

use super::ImportError;

/// Writes one Parquet file per UTC day of `exch_ts`.
pub(crate) struct DaySink {
    dir: PathBuf,
    instrument: Instrument,
    options: WriteOptions,
    local_ts_shift_ns: i64,
    current: Option<(Day, EventWriter)>,
    l2: L2Book,
    l3: L3Book,
    carry: Vec<MarketEvent>,
    pub(crate) days: Vec<WriteSummary>,
    pub(crate) events_written: u64,
    pub(crate) carried_events: u64,
    pub(crate) crossed_batches: u64,
    pub(crate) local_before_exch: u64,
    pub(crate) min_feed_latency_ns: Option<i64>,
}

impl DaySink {
    /// A sink writing into `dir` (the symbol folder, which must exist).
    pub(crate) fn new(
        dir: PathBuf,
        instrument: Instrument,
        options: WriteOptions,
        local_ts_shift_ns: i64,
    ) -> Self {
        DaySink {
            dir,
            instrument,
            options,
            local_ts_shift_ns,
            current: None,
            l2: L2Book::new(),
            l3: L3Book::new(),
            carry: Vec::new(),
            days: Vec::new(),
            events_written: 0,
            carried_events: 0,
            crossed_batches: 0,
            local_before_exch: 0,
            min_feed_latency_ns: None,
        }
    }

    /// Writes the events of one input row; all share the first one's day.
    pub(crate) fn write_batch(&mut self, batch: &mut [MarketEvent]) -> Result<(), ImportError> {
        let Some(first) = batch.first().copied() else {
            return Ok(());
        };
        let day = Day::from_ts_ns(first.exch_ts);
        if self.current.as_ref().map(|(d, _)| *d) != Some(day) {
            self.open_day(day, &first)?;
        }
        for ev in batch.iter_mut() {
            ev.local_ts = ev.local_ts.saturating_add(self.local_ts_shift_ns);
        }
        self.write_events_of(batch)
    }

    fn write_events_of(&mut self, events: &[MarketEvent]) -> Result<(), ImportError> {
        let Some((_, writer)) = self.current.as_mut() else {
            return Ok(());
        };
        for ev in events {
            writer.write(ev)?;
            let latency_ns = ev.feed_latency_ns();
            if latency_ns < 0 {
                self.local_before_exch += 1;
            }
            if self.min_feed_latency_ns.is_none_or(|min| latency_ns < min) {
                self.min_feed_latency_ns = Some(latency_ns);
            }
            let l2_crossed = matches!(self.l2.apply(ev), ApplyOutcome::Crossed { .. });
            let l3_crossed = matches!(self.l3.apply(ev), L3Outcome::Crossed { .. });
            if l2_crossed || l3_crossed {
                self.crossed_batches += 1;
            }
        }
        self.events_written += events.len() as u64;
        Ok(())
    }

    fn open_day(&mut self, day: Day, first: &MarketEvent) -> Result<(), ImportError> {
        self.finish_day()?;
        let path = self.dir.join(format!("{day}.parquet"));
        let writer = EventWriter::create(&path, &self.instrument, &self.options)?;
        self.current = Some((day, writer));
        let opens_with_full_clear = first.kind == EventKind::Clear && first.side == Side::None;
        let has_book = !(self.l2.is_empty() && self.l3.is_empty());
        if has_book && !opens_with_full_clear {
            self.carry_book_over(first)?;
        }
        Ok(())
    }

    /// Opens the new day with the book as it stands.
    fn carry_book_over(&mut self, first: &MarketEvent) -> Result<(), ImportError> {
        let at = |kind, side, price, qty, order_id| MarketEvent {
            exch_ts: first.exch_ts,
            local_ts: first.local_ts.saturating_add(self.local_ts_shift_ns),
            price,
            qty,
            order_id,
            kind,
            side,
            flags: flags::SNAPSHOT,
        };
        let mut carry = std::mem::take(&mut self.carry);
        carry.clear();
        carry.push(at(EventKind::Clear, Side::None, 0, 0, 0));
        for side in [Side::Buy, Side::Sell] {
            for level in self.l2.levels(side) {
                carry.push(at(EventKind::Snapshot, side, level.price, level.qty, 0));
            }
        }
        for side in [Side::Buy, Side::Sell] {
            for level in self.l3.levels(side) {
                for order in self.l3.orders_at(side, level.price) {
                    carry.push(at(
                        EventKind::Add,
                        side,
                        order.price,
                        order.qty,
                        order.order_id,
                    ));
                }
            }
        }
        if let Some(last) = carry.last_mut() {
            last.flags |= flags::LAST_IN_BATCH;
        }
        let result = self.write_events_of(&carry);
        self.carried_events += carry.len() as u64;
        self.carry = carry;
        result
    }

    fn finish_day(&mut self) -> Result<(), ImportError> {
        if let Some((_, writer)) = self.current.take() {
            self.days.push(writer.finish()?);
        }
        Ok(())
    }

    /// Finishes the last day file.
    pub(crate) fn finish(&mut self) -> Result<(), ImportError> {
        self.finish_day()
    }
}
