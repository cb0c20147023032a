//! hftbacktest's side: the day in its event layout and its backtest over it.
//!
//! Each ticklab event becomes one hftbacktest row seen by both processors
//! (`EXCH_EVENT | LOCAL_EVENT`), a depth or trade event with its side bit.
//! ticklab's local side reads the feed in file order and never lets local
//! time go backwards (an event's local time is `max(local_ts, exch_ts,
//! previous local time)`); hftbacktest wants each processor's timestamps
//! in order, so the row's `local_ts` is that same running maximum. Both
//! simulators then see every event at the same two times.

use anyhow::{anyhow, Context};
use hftbacktest::backtest::assettype::LinearAsset;
use hftbacktest::backtest::data::{Data, DataSource};
use hftbacktest::backtest::models::{
    CommonFees, ConstantLatency, RiskAdverseQueueModel, TradingValueFeeModel,
};
use hftbacktest::backtest::{Backtest, ExchangeKind, L2AssetBuilder};
use hftbacktest::depth::{HashMapMarketDepth, MarketDepth, ROIVectorMarketDepth};
use hftbacktest::prelude::{Bot, OrdType, Status, TimeInForce};
use hftbacktest::types::{
    Event, BUY_EVENT, DEPTH_EVENT, EXCH_EVENT, LOCAL_EVENT, SELL_EVENT, TRADE_EVENT,
};
use ticklab::market::{EventKind, Instrument, MarketEvent, Side};

use crate::outcome::Outcome;

/// Order-entry and response latency of both simulators, ns.
pub const ORDER_LATENCY_NS: i64 = 500_000;

/// Order id of the one resting order.
const ORDER_ID: u64 = 1;

/// Longest wait for the first feed event, ns (far beyond the day's start).
const FIRST_FEED_TIMEOUT_NS: i64 = 3_600_000_000_000;

/// The day in hftbacktest's layout (see the module docs).
pub fn convert(events: &[MarketEvent], instrument: &Instrument) -> anyhow::Result<Vec<Event>> {
    let mut local_ts = i64::MIN;
    events
        .iter()
        .enumerate()
        .map(|(row, ev)| {
            let side = match ev.side {
                Side::Buy => BUY_EVENT,
                Side::Sell => SELL_EVENT,
                Side::None => 0,
            };
            let kind = match ev.kind {
                EventKind::Depth => DEPTH_EVENT,
                EventKind::Trade => TRADE_EVENT,
                other => return Err(anyhow!("event {row}: no hftbacktest row for {other}")),
            };
            local_ts = local_ts.max(ev.local_ts).max(ev.exch_ts);
            Ok(Event {
                ev: EXCH_EVENT | LOCAL_EVENT | kind | side,
                exch_ts: ev.exch_ts,
                local_ts,
                px: ev.price as f64 * instrument.tick_size,
                qty: ev.qty as f64 * instrument.lot_size,
                order_id: 0,
                ival: 0,
                fval: 0.0,
            })
        })
        .collect()
}

/// The order book hftbacktest keeps on each side.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Depth {
    /// `HashMapMarketDepth`: its default, used by its examples.
    HashMap,
    /// `ROIVectorMarketDepth`: a vector over a price range of interest
    /// (here the day's whole range), its fastest L2 book.
    RoiVector,
}

impl Depth {
    /// Name in the results table.
    pub fn name(self) -> &'static str {
        match self {
            Depth::HashMap => "HashMapMarketDepth",
            Depth::RoiVector => "ROIVectorMarketDepth",
        }
    }
}

/// The day in memory, ready for any number of backtests over it.
pub struct Day {
    data: Data<Event>,
    tick_size: f64,
    lot_size: f64,
    maker_fee: f64,
    taker_fee: f64,
    roi_lb: f64,
    roi_ub: f64,
}

impl Day {
    /// Copies `events` (already converted) into hftbacktest's buffer once.
    pub fn new(events: &[Event], instrument: &Instrument) -> Self {
        let (lo, hi) = events.iter().fold((f64::MAX, f64::MIN), |(lo, hi), ev| {
            (lo.min(ev.px), hi.max(ev.px))
        });
        let margin = 100.0 * instrument.tick_size;
        Day {
            data: Data::from_data(events),
            tick_size: instrument.tick_size,
            lot_size: instrument.lot_size,
            maker_fee: instrument.maker_fee_rate,
            taker_fee: instrument.taker_fee_rate,
            roi_lb: lo - margin,
            roi_ub: hi + margin,
        }
    }

    /// Events in the day.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// One backtest over the day: a buy three ticks under the best bid at
    /// the first feed event, left resting to the end. Returns how the
    /// order ended.
    pub fn run(&self, depth: Depth) -> anyhow::Result<Outcome> {
        match depth {
            Depth::HashMap => {
                let (tick, lot) = (self.tick_size, self.lot_size);
                self.run_with(move || HashMapMarketDepth::new(tick, lot))
            }
            Depth::RoiVector => {
                let (tick, lot, lb, ub) = (self.tick_size, self.lot_size, self.roi_lb, self.roi_ub);
                self.run_with(move || ROIVectorMarketDepth::new(tick, lot, lb, ub))
            }
        }
    }

    fn run_with<MD>(&self, depth: impl Fn() -> MD + 'static) -> anyhow::Result<Outcome>
    where
        MD: MarketDepth + hftbacktest::depth::L2MarketDepth + 'static,
    {
        let asset = L2AssetBuilder::new()
            .data(vec![DataSource::Data(self.data.clone())])
            .parallel_load(false)
            .latency_model(ConstantLatency::new(ORDER_LATENCY_NS, ORDER_LATENCY_NS))
            .asset_type(LinearAsset::new(1.0))
            .fee_model(TradingValueFeeModel::new(CommonFees::new(
                self.maker_fee,
                self.taker_fee,
            )))
            .queue_model(RiskAdverseQueueModel::new())
            .exchange(ExchangeKind::NoPartialFillExchange)
            .depth(depth)
            .build()
            .map_err(|err| anyhow!("hftbacktest asset: {err:?}"))?;
        let mut bt = Backtest::builder()
            .add_asset(asset)
            .build()
            .map_err(|err| anyhow!("hftbacktest backtest: {err:?}"))?;
        bt.wait_next_feed(false, FIRST_FEED_TIMEOUT_NS)
            .context("hftbacktest: the first feed event")?;
        let bid_tick = bt.depth(0).best_bid_tick();
        let price_ticks = bid_tick - 3;
        bt.submit_buy_order(
            0,
            ORDER_ID,
            price_ticks as f64 * self.tick_size,
            self.lot_size,
            TimeInForce::GTC,
            OrdType::Limit,
            false,
        )
        .context("hftbacktest: the resting order")?;
        bt.goto_end().context("hftbacktest: the replay")?;
        let order = bt
            .orders(0)
            .get(&ORDER_ID)
            .ok_or_else(|| anyhow!("hftbacktest lost the order"))?;
        let fill_exch_ts = (order.status == Status::Filled).then_some(order.exch_timestamp);
        let depth = bt.depth(0);
        Ok(Outcome {
            events: self.len() as u64,
            price_ticks,
            fill_exch_ts,
            // Responses come back after the constant response latency.
            fill_local_ts: fill_exch_ts.map(|ts| ts + ORDER_LATENCY_NS),
            touch_at_end: Some((depth.best_bid_tick(), depth.best_ask_tick())),
        })
    }
}
