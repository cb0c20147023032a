//! The round trips of one instrument as its fills come: open lots in a
//! FIFO queue, the trip they belong to, and the excursions seen at each
//! equity sample (see the module docs of `report::trades`).

use std::collections::VecDeque;

use crate::market::{Instrument, Side};
use crate::report::trades::RoundTrip;
use crate::sim::contract::ContractValue;
use crate::sim::record::{EquitySample, FillRecord};

/// Lots still open from one entry fill.
#[derive(Clone, Copy, Debug)]
struct Lot {
    qty_lots: i64,
    price_ticks: i64,
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
    /// Open lots, oldest first (all on the side of the position).
    lots: VecDeque<Lot>,
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
            lots: VecDeque::new(),
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
            self.lots.push_back(Lot {
                qty_lots: qty,
                price_ticks: fill.price_ticks,
            });
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
            self.lots.clear();
        }
        if rest > 0 {
            let mut trip = OpenTrip::new(ts, sign);
            trip.enter(fill.price_ticks, rest, fill.fee - closing_fee);
            self.open = Some(trip);
            self.lots.push_back(Lot {
                qty_lots: rest,
                price_ticks: fill.price_ticks,
            });
            self.position_lots += sign * rest;
        }
    }

    /// Matches `qty_lots` of exit at `price_ticks` against the oldest open
    /// lots.
    fn match_exit(&mut self, price_ticks: i64, qty_lots: i64, fee: f64) {
        let Some(trip) = self.open.as_mut() else {
            return;
        };
        let mut left = qty_lots;
        while left > 0 {
            let Some(lot) = self.lots.front_mut() else {
                break;
            };
            let matched = left.min(lot.qty_lots);
            trip.gross_pnl += self.value.pnl(
                lot.price_ticks as f64,
                price_ticks as f64,
                matched * trip.sign,
            );
            lot.qty_lots -= matched;
            left -= matched;
            if lot.qty_lots == 0 {
                self.lots.pop_front();
            }
        }
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
        let open_pnl: f64 = self
            .lots
            .iter()
            .map(|lot| {
                self.value
                    .pnl(lot.price_ticks as f64, mark, lot.qty_lots * trip.sign)
            })
            .sum();
        let running = trip.gross_pnl + open_pnl;
        trip.worst = trip.worst.min(running);
        trip.best = trip.best.max(running);
    }

    /// The trips closed since the last call, oldest first.
    pub fn take_closed(&mut self) -> std::vec::Drain<'_, RoundTrip> {
        self.closed.drain(..)
    }
}
