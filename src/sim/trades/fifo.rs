//! The round trips of one instrument as its fills come: open lots in a
//! FIFO queue, the trip they belong to, and the excursions seen at each
//! equity sample (see the module docs of `sim::trades`).

use std::collections::VecDeque;

use crate::market::{Instrument, Side};
use crate::sim::contract::ContractValue;
use crate::sim::record::{EquitySample, FillRecord};
use crate::sim::trades::RoundTrip;

/// Lots still open from one entry fill.
#[derive(Clone, Copy, Debug)]
struct Lot {
    qty_lots: i64,
    price_ticks: i64,
}

/// The open lots of the position, oldest first, with sums kept as lots
/// come and go so that marking them costs the same however many are open.
#[derive(Clone, Debug, Default)]
struct OpenLots {
    lots: VecDeque<Lot>,
    /// Lots open.
    count: i64,
    /// Σ ticks × lots: a linear contract's entry cost, exact.
    ticks_lots: i128,
    /// Σ money value at entry: an inverse contract's entry cost.
    value_sum: f64,
}

impl OpenLots {
    fn add(&mut self, value: ContractValue, price_ticks: i64, qty_lots: i64) {
        self.count += qty_lots;
        self.ticks_lots += i128::from(price_ticks) * i128::from(qty_lots);
        self.value_sum += value.notional(price_ticks as f64, qty_lots);
    }

    fn push(&mut self, value: ContractValue, price_ticks: i64, qty_lots: i64) {
        self.add(value, price_ticks, qty_lots);
        self.lots.push_back(Lot {
            qty_lots,
            price_ticks,
        });
    }

    /// Takes `qty_lots` from the oldest lots; returns the gross PnL of
    /// closing them at `exit_ticks` (a position on side `sign`).
    fn take(&mut self, value: ContractValue, qty_lots: i64, exit_ticks: i64, sign: i64) -> f64 {
        let mut pnl = 0.0;
        let mut left = qty_lots;
        while left > 0 {
            let Some(lot) = self.lots.front_mut() else {
                break;
            };
            let matched = left.min(lot.qty_lots);
            let entry_ticks = lot.price_ticks;
            pnl += value.pnl(entry_ticks as f64, exit_ticks as f64, matched * sign);
            lot.qty_lots -= matched;
            left -= matched;
            if lot.qty_lots == 0 {
                self.lots.pop_front();
            }
            self.add(value, entry_ticks, -matched);
        }
        if self.lots.is_empty() {
            // No drift carried over from one trip to the next.
            *self = OpenLots::default();
        }
        pnl
    }

    /// PnL of the open lots (a position on side `sign`) marked at
    /// `mark_ticks`.
    fn pnl(&self, value: ContractValue, sign: i64, mark_ticks: f64) -> f64 {
        if self.count <= 0 {
            return 0.0;
        }
        if value.is_inverse() {
            sign as f64 * self.value_sum - value.notional(mark_ticks, sign * self.count)
        } else {
            let entry_ticks = self.ticks_lots as f64 / self.count as f64;
            value.pnl(entry_ticks, mark_ticks, sign * self.count)
        }
    }
}

/// The trip under way.
#[derive(Clone, Debug)]
struct OpenTrip {
    open_ts_ns: i64,
    /// +1 long, −1 short.
    sign: i64,
    entered_lots: i64,
    entered_ticks_lots: f64,
    exited_lots: i64,
    exited_ticks_lots: f64,
    gross_pnl: f64,
    fees: f64,
    funding: f64,
    /// Lowest and highest running PnL before fees seen at a mark.
    worst: f64,
    best: f64,
    fills: u32,
}

impl OpenTrip {
    fn new(open_ts_ns: i64, sign: i64) -> Self {
        OpenTrip {
            open_ts_ns,
            sign,
            entered_lots: 0,
            entered_ticks_lots: 0.0,
            exited_lots: 0,
            exited_ticks_lots: 0.0,
            gross_pnl: 0.0,
            fees: 0.0,
            funding: 0.0,
            worst: 0.0,
            best: 0.0,
            fills: 0,
        }
    }

    fn enter(&mut self, price_ticks: i64, qty_lots: i64, fee: f64) {
        self.entered_lots += qty_lots;
        self.entered_ticks_lots += price_ticks as f64 * qty_lots as f64;
        self.fees += fee;
        self.fills += 1;
    }

    fn close(&self, close_ts_ns: i64) -> RoundTrip {
        let mean = |sum: f64, lots: i64| if lots > 0 { sum / lots as f64 } else { 0.0 };
        RoundTrip {
            open_ts_ns: self.open_ts_ns,
            close_ts_ns,
            side: if self.sign > 0 { Side::Buy } else { Side::Sell },
            qty_lots: self.entered_lots,
            entry_ticks: mean(self.entered_ticks_lots, self.entered_lots),
            exit_ticks: mean(self.exited_ticks_lots, self.exited_lots),
            gross_pnl: self.gross_pnl,
            fees: self.fees,
            funding: self.funding,
            pnl: self.gross_pnl - self.fees - self.funding,
            mae: -self.worst,
            mfe: self.best,
            fills: self.fills,
        }
    }
}

/// Round trips of one instrument, built fill by fill; closed ones wait in
/// [`TripTracker::take_closed`] until taken.
#[derive(Clone, Debug)]
pub struct TripTracker {
    value: ContractValue,
    /// Signed position, lots.
    position_lots: i64,
    /// Open lots (all on the side of the position).
    lots: OpenLots,
    open: Option<OpenTrip>,
    /// Funding paid up to the last equity sample.
    funding_paid: f64,
    closed: Vec<RoundTrip>,
}

impl TripTracker {
    /// A flat tracker of `instrument`.
    pub fn new(instrument: &Instrument) -> Self {
        TripTracker {
            value: ContractValue::from_instrument(instrument),
            position_lots: 0,
            lots: OpenLots::default(),
            open: None,
            funding_paid: 0.0,
            closed: Vec::new(),
        }
    }

    /// Books a fill: opens, adds to, reduces, closes or reverses the trip.
    pub fn fill(&mut self, fill: &FillRecord) {
        let qty = fill.qty_lots;
        let sign = fill.side.sign();
        if qty <= 0 || sign == 0 {
            return;
        }
        let ts = fill.exch_ts_ns;
        if self.position_lots == 0 || self.position_lots.signum() == sign {
            let trip = self.open.get_or_insert_with(|| OpenTrip::new(ts, sign));
            trip.enter(fill.price_ticks, qty, fill.fee);
            self.lots.push(self.value, fill.price_ticks, qty);
            self.position_lots += sign * qty;
            return;
        }
        let closing = qty.min(self.position_lots.abs());
        let rest = qty - closing;
        let closing_fee = if rest > 0 {
            fill.fee * closing as f64 / qty as f64
        } else {
            fill.fee
        };
        self.match_exit(fill.price_ticks, closing, closing_fee);
        self.position_lots += sign * closing;
        if self.position_lots == 0 {
            if let Some(trip) = self.open.take() {
                self.closed.push(trip.close(ts));
            }
            self.lots = OpenLots::default();
        }
        if rest > 0 {
            let mut trip = OpenTrip::new(ts, sign);
            trip.enter(fill.price_ticks, rest, fill.fee - closing_fee);
            self.open = Some(trip);
            self.lots.push(self.value, fill.price_ticks, rest);
            self.position_lots += sign * rest;
        }
    }

    /// Matches `qty_lots` of exit at `price_ticks` against the oldest open
    /// lots.
    fn match_exit(&mut self, price_ticks: i64, qty_lots: i64, fee: f64) {
        let Some(trip) = self.open.as_mut() else {
            return;
        };
        trip.gross_pnl += self.lots.take(self.value, qty_lots, price_ticks, trip.sign);
        trip.exited_lots += qty_lots;
        trip.exited_ticks_lots += price_ticks as f64 * qty_lots as f64;
        trip.fees += fee;
        trip.fills += 1;
    }

    /// Takes in an equity sample of the instrument: the funding paid since
    /// the last one goes to the open trip, and its mark moves the trip's
    /// excursions.
    pub fn equity(&mut self, sample: &EquitySample) {
        let paid = sample.account.funding_paid - self.funding_paid;
        self.funding_paid = sample.account.funding_paid;
        let Some(trip) = self.open.as_mut() else {
            return;
        };
        trip.funding += paid;
        let mark = sample.account.mark_ticks;
        if !mark.is_finite() {
            return;
        }
        let running = trip.gross_pnl + self.lots.pnl(self.value, trip.sign, mark);
        trip.worst = trip.worst.min(running);
        trip.best = trip.best.max(running);
    }

    /// The trips closed since the last call, oldest first.
    pub fn take_closed(&mut self) -> std::vec::Drain<'_, RoundTrip> {
        self.closed.drain(..)
    }
}
