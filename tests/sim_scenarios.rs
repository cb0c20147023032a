//! Engine scenarios with outcomes worked out by hand.
//!
//! Each test builds a few market events, drives the engine directly (a timer
//! at the moment the strategy acts, then `Ctx` calls), and checks the order
//! updates the strategy receives and the run record.

use ticklab::market::{Instrument, MarketEvent, Side};
use ticklab::sim::{
    Engine, LatencyConfig, Liquidity, OrderId, OrderRequest, OrderState, OrderUpdate, QueueConfig,
    Reason, RiskLimits, RunConfig, TimeInForce, UpdateKind, Wake,
};
use ticklab::strategy::Ctx;

/// Tick 1, lot 1: one tick on one lot is worth 1 currency unit.
fn instrument() -> Instrument {
    Instrument::new("TEST", 1.0, 1.0)
}

fn config(entry_ns: i64, response_ns: i64) -> RunConfig {
    RunConfig {
        latency: LatencyConfig::Constant {
            entry_ns,
            response_ns,
        },
        ..RunConfig::default()
    }
}

fn bid(ts: i64, price: i64, qty: i64) -> MarketEvent {
    MarketEvent::depth(ts, Side::Buy, price, qty)
}

fn ask(ts: i64, price: i64, qty: i64) -> MarketEvent {
    MarketEvent::depth(ts, Side::Sell, price, qty)
}

fn trade(ts: i64, aggressor: Side, price: i64, qty: i64) -> MarketEvent {
    MarketEvent::trade(ts, aggressor, price, qty)
}

/// An engine driven by hand, remembering what the strategy saw.
struct Sim<'a> {
    engine: Engine<'a>,
    updates: Vec<OrderUpdate>,
}

impl<'a> Sim<'a> {
    fn new(events: &'a [MarketEvent], config: &RunConfig, instrument: Instrument) -> Self {
        let mut engine = Engine::from_slice(instrument, config, events).expect("valid engine");
        engine.start().expect("engine step");
        Sim {
            engine,
            updates: Vec::new(),
        }
    }

    /// Runs until local time `ts` (everything due before it, and at it up to
    /// and including responses), then returns a context to act at `ts`.
    fn at(&mut self, ts: i64) -> Ctx<'_, 'a> {
        let timer = self.engine.set_timer_at(ts);
        loop {
            match self.engine.advance().expect("engine step") {
                Wake::Timer { id, .. } if id == timer => break,
                Wake::Order(update) => self.updates.push(update),
                Wake::Finished => panic!("data ended before {ts}"),
                _ => {}
            }
        }
        assert_eq!(self.engine.now_ns(), ts);
        Ctx::new(&mut self.engine)
    }

    fn run_to_end(&mut self) {
        loop {
            match self.engine.advance().expect("engine step") {
                Wake::Order(update) => self.updates.push(update),
                Wake::Finished => break,
                _ => {}
            }
        }
    }

    fn updates_of(&self, id: OrderId) -> Vec<OrderUpdate> {
        self.updates
            .iter()
            .filter(|u| u.order_id == id)
            .copied()
            .collect()
    }

    fn kinds_of(&self, id: OrderId) -> Vec<UpdateKind> {
        self.updates_of(id).iter().map(|u| u.kind).collect()
    }

    fn fills_of(&self, id: OrderId) -> Vec<(i64, i64)> {
        self.updates_of(id)
            .iter()
            .filter_map(|u| u.fill.map(|f| (f.price_ticks, f.qty_lots)))
            .collect()
    }
}

#[test]
fn resting_buy_fills_after_the_queue_ahead_trades() {
    let mut inst = instrument();
    inst.tick_size = 0.5;
    inst.maker_fee_rate = 0.0002;
    inst.fee_per_fill = 0.01;
    let events = [
        bid(0, 100, 30),
        ask(0, 101, 10),
        trade(20, Side::Sell, 100, 10),
        bid(21, 100, 20),
        trade(30, Side::Sell, 100, 25),
        bid(31, 100, 0),
        bid(40, 99, 1),
    ];
    let mut sim = Sim::new(&events, &config(10, 10), inst);
    let id = sim.at(1).buy(100, 5).unwrap();
    // Arrives at 11 behind the 30 lots then at 100.
    let _ = sim.at(25);
    let view = sim.engine.order(id).unwrap();
    assert_eq!(view.queue().map(|q| q.ahead_lots), Some(20));
    assert!(sim.fills_of(id).is_empty());
    sim.run_to_end();

    // Second trade: 25 − 20 ahead = 5 lots reach us; all at our price.
    let fills: Vec<_> = sim
        .updates_of(id)
        .into_iter()
        .filter(|u| u.fill.is_some())
        .collect();
    assert_eq!(fills.len(), 1);
    let fill = fills[0].fill.unwrap();
    assert_eq!((fill.price_ticks, fill.qty_lots), (100, 5));
    assert_eq!(fill.liquidity, Liquidity::Maker);
    assert_eq!(fills[0].exch_ts_ns, 30);
    assert_eq!(fills[0].local_ts_ns, 40);
    assert_eq!(fills[0].state, OrderState::Filled);
    // Notional 100 ticks × 0.5 × 5 lots = 250; fee = 0.0002 × 250 + 0.01.
    assert!((fill.fee - 0.06).abs() < 1e-12, "{}", fill.fee);
    assert_eq!(fill.time_in_queue_ns, 30 - 11);
    assert_eq!(sim.engine.account().position_lots(), 5);
    assert!((sim.engine.account().fees_paid() - 0.06).abs() < 1e-12);
}

#[test]
fn market_buy_walks_the_book_and_taken_liquidity_stays_taken() {
    let events = [
        bid(0, 99, 10),
        ask(0, 100, 5),
        ask(0, 101, 4),
        ask(0, 102, 10),
        bid(50, 98, 1),
        ask(60, 102, 10),
        bid(70, 97, 1),
    ];
    let mut sim = Sim::new(&events, &config(0, 0), instrument());
    let first = sim.at(10).buy_market(12).unwrap();
    let second = sim.at(20).buy_market(10).unwrap();
    // The data refreshes 102 at 60: its 10 lots are there again, 100 and 101
    // are still taken.
    let third = sim.at(65).buy_market(1).unwrap();
    sim.run_to_end();

    assert_eq!(sim.fills_of(first), vec![(100, 5), (101, 4), (102, 3)]);
    let last = *sim.updates_of(first).last().unwrap();
    assert_eq!(last.state, OrderState::Filled);
    assert!((last.avg_fill_price_ticks - 1210.0 / 12.0).abs() < 1e-12);
    // Slippage against the mid at send time, 99.5.
    let slippage: Vec<_> = sim
        .updates_of(first)
        .iter()
        .filter_map(|u| u.fill.and_then(|f| f.slippage_ticks))
        .collect();
    assert_eq!(slippage, vec![0.5, 1.5, 2.5]);

    assert_eq!(sim.fills_of(second), vec![(102, 7)]);
    let last = *sim.updates_of(second).last().unwrap();
    assert_eq!(last.state, OrderState::Canceled);
    assert_eq!(last.reason, Some(Reason::ImmediateOrCancel));

    assert_eq!(sim.fills_of(third), vec![(102, 1)]);
    assert_eq!(sim.engine.account().position_lots(), 20);
}

#[test]
fn post_only_fok_and_ioc_follow_their_time_in_force() {
    let events = [
        bid(0, 99, 10),
        ask(0, 100, 5),
        ask(0, 101, 4),
        bid(100, 98, 1),
    ];
    let mut sim = Sim::new(&events, &config(0, 0), instrument());
    let mut ctx = sim.at(10);
    let post = ctx
        .submit(OrderRequest::limit(Side::Buy, 100, 1).with_tif(TimeInForce::PostOnly))
        .unwrap();
    let fok = ctx
        .submit(OrderRequest::limit(Side::Buy, 101, 10).with_tif(TimeInForce::Fok))
        .unwrap();
    let ioc = ctx
        .submit(OrderRequest::limit(Side::Buy, 100, 8).with_tif(TimeInForce::Ioc))
        .unwrap();
    sim.run_to_end();

    assert_eq!(sim.kinds_of(post), vec![UpdateKind::Rejected]);
    let rejected = sim.updates_of(post)[0];
    assert_eq!(rejected.state, OrderState::Rejected);
    assert_eq!(rejected.reason, Some(Reason::PostOnlyWouldCross));

    // 9 lots at or below 101 < 10: expires whole, nothing filled.
    assert_eq!(
        sim.kinds_of(fok),
        vec![UpdateKind::Accepted, UpdateKind::Expired]
    );
    let expired = *sim.updates_of(fok).last().unwrap();
    assert_eq!(
        (expired.state, expired.filled_lots),
        (OrderState::Expired, 0)
    );
    assert_eq!(expired.reason, Some(Reason::FillOrKill));

    // 5 lots at 100, the other 3 canceled.
    assert_eq!(sim.fills_of(ioc), vec![(100, 5)]);
    let last = *sim.updates_of(ioc).last().unwrap();
    assert_eq!((last.state, last.filled_lots), (OrderState::Canceled, 5));
    assert_eq!(last.reason, Some(Reason::ImmediateOrCancel));
    assert_eq!(sim.engine.account().position_lots(), 5);
    assert!(sim.engine.open_orders().is_empty());
}

#[test]
fn the_book_at_arrival_decides_and_the_fill_is_learned_after_the_response() {
    let events = [
        bid(0, 99, 10),
        ask(0, 100, 5),
        ask(50, 100, 2),
        ask(50, 101, 10),
        bid(300, 98, 1),
    ];
    let mut sim = Sim::new(&events, &config(100, 30), instrument());
    let mut ctx = sim.at(10);
    // At send time 5 lots sit at 100; at arrival (110) only 2 do.
    assert_eq!(ctx.best_ask().map(|l| (l.price, l.qty)), Some((100, 5)));
    let id = ctx.buy_market(5).unwrap();
    assert_eq!(ctx.order(id).map(|o| o.state), Some(OrderState::New));

    let ctx = sim.at(139);
    assert_eq!(ctx.position_lots(), 0, "the fill is not known before 140");
    let ctx = sim.at(140);
    assert_eq!(ctx.position_lots(), 5);

    assert_eq!(sim.fills_of(id), vec![(100, 2), (101, 3)]);
    for update in sim.updates_of(id) {
        assert_eq!(
            (update.exch_ts_ns, update.local_ts_ns),
            (110, 140),
            "{update:?}"
        );
    }
    let record = sim.engine.record();
    assert!(record
        .fills
        .iter()
        .all(|f| f.exch_ts_ns == 110 && f.local_ts_ns == 140));
}

#[test]
fn a_fill_at_the_exchange_beats_a_cancel_still_in_flight() {
    let events = [
        bid(0, 99, 10),
        ask(0, 102, 10),
        trade(200, Side::Sell, 100, 5),
        bid(400, 98, 1),
    ];
    let mut sim = Sim::new(&events, &config(100, 100), instrument());
    let id = sim.at(0).buy(100, 5).unwrap();
    // The order rests from 100; the cancel sent at 150 arrives at 250, after
    // the trade at 200 filled it.
    sim.at(150).cancel(id).unwrap();
    assert!(sim.engine.order(id).unwrap().cancel_pending);
    sim.run_to_end();

    assert_eq!(
        sim.kinds_of(id),
        vec![
            UpdateKind::Accepted,
            UpdateKind::Fill,
            UpdateKind::CancelRejected
        ]
    );
    let updates = sim.updates_of(id);
    assert_eq!(updates[1].state, OrderState::Filled);
    assert_eq!((updates[1].exch_ts_ns, updates[1].local_ts_ns), (200, 300));
    assert_eq!(updates[2].reason, Some(Reason::TooLate));
    assert_eq!((updates[2].exch_ts_ns, updates[2].local_ts_ns), (250, 350));
    assert_eq!(sim.engine.account().position_lots(), 5);
    assert!(sim.engine.order(id).is_none());
}

#[test]
fn stop_market_triggers_on_the_first_trade_through_its_stop() {
    let events = [
        bid(0, 99, 10),
        ask(0, 106, 10),
        trade(100, Side::Buy, 104, 1),
        trade(200, Side::Buy, 106, 1),
        trade(300, Side::Buy, 107, 1),
        bid(400, 98, 1),
    ];
    let mut sim = Sim::new(&events, &config(0, 0), instrument());
    let id = sim
        .at(10)
        .submit(OrderRequest::stop_market(Side::Buy, 105, 2))
        .unwrap();
    sim.run_to_end();

    assert_eq!(
        sim.kinds_of(id),
        vec![
            UpdateKind::Accepted,
            UpdateKind::Triggered,
            UpdateKind::Fill
        ]
    );
    let updates = sim.updates_of(id);
    assert_eq!(updates[1].exch_ts_ns, 200);
    assert_eq!(sim.fills_of(id), vec![(106, 2)]);
    assert_eq!(updates[2].fill.map(|f| f.liquidity), Some(Liquidity::Taker));
    assert_eq!(updates[2].state, OrderState::Filled);
}

#[test]
fn a_trade_at_the_stop_price_triggers_a_stop_limit() {
    let events = [
        bid(0, 99, 10),
        ask(0, 101, 10),
        trade(100, Side::Sell, 96, 1),
        trade(200, Side::Sell, 95, 1),
        bid(300, 98, 1),
    ];
    let mut sim = Sim::new(&events, &config(0, 0), instrument());
    let id = sim
        .at(10)
        .submit(OrderRequest::stop_limit(Side::Sell, 95, 99, 4))
        .unwrap();
    sim.run_to_end();
    let updates = sim.updates_of(id);
    assert_eq!(updates[1].kind, UpdateKind::Triggered);
    assert_eq!(updates[1].exch_ts_ns, 200);
    assert_eq!(sim.fills_of(id), vec![(99, 4)]);
}

#[test]
fn a_trade_through_our_price_fills_us_outright() {
    let events = [
        bid(0, 100, 50),
        ask(0, 101, 10),
        trade(100, Side::Sell, 99, 1),
        bid(101, 100, 0),
        bid(200, 98, 1),
    ];
    let mut sim = Sim::new(&events, &config(0, 0), instrument());
    let id = sim.at(10).buy(100, 3).unwrap();
    let _ = sim.at(50);
    assert_eq!(
        sim.engine
            .order(id)
            .and_then(|o| o.queue())
            .map(|q| q.ahead_lots),
        Some(50)
    );
    sim.run_to_end();
    assert_eq!(sim.fills_of(id), vec![(100, 3)]);
    let fill = sim.updates_of(id).last().unwrap().fill.unwrap();
    assert_eq!(fill.liquidity, Liquidity::Maker);
}

#[test]
fn an_order_filled_in_three_pieces_reports_each_and_leaves_the_book() {
    let events = [
        bid(0, 99, 10),
        ask(0, 102, 10),
        trade(10, Side::Buy, 101, 3),
        trade(20, Side::Buy, 101, 3),
        trade(30, Side::Buy, 101, 3),
        trade(40, Side::Buy, 101, 3),
        bid(50, 98, 1),
    ];
    let mut sim = Sim::new(&events, &config(0, 0), instrument());
    let id = sim.at(1).sell(101, 9).unwrap();
    sim.run_to_end();

    let fills: Vec<_> = sim
        .updates_of(id)
        .into_iter()
        .filter(|u| u.fill.is_some())
        .collect();
    let seen: Vec<_> = fills
        .iter()
        .map(|u| (u.exch_ts_ns, u.filled_lots, u.state))
        .collect();
    assert_eq!(
        seen,
        vec![
            (10, 3, OrderState::PartiallyFilled),
            (20, 6, OrderState::PartiallyFilled),
            (30, 9, OrderState::Filled),
        ]
    );
    assert_eq!(sim.engine.account().position_lots(), -9);
    assert!(sim.engine.order(id).is_none());
    assert_eq!(
        sim.engine.record().fills.len(),
        3,
        "the trade at 40 found no order"
    );
}

#[test]
fn modify_keeps_priority_on_a_size_decrease_and_loses_it_on_a_price_change() {
    let events = [
        bid(0, 100, 30),
        bid(0, 99, 40),
        ask(0, 101, 10),
        trade(10, Side::Sell, 100, 10),
        bid(11, 100, 20),
        bid(30, 100, 25),
        ask(100, 102, 1),
    ];
    let mut sim = Sim::new(&events, &config(0, 0), instrument());
    let id = sim.at(1).buy(100, 5).unwrap();
    let ahead = |sim: &Sim| {
        sim.engine
            .order(id)
            .and_then(|o| o.queue())
            .map(|q| q.ahead_lots)
    };

    // 30 ahead, 10 traded: 20 ahead.
    sim.at(20).modify(id, 100, 3).unwrap();
    let _ = sim.at(40);
    assert_eq!(ahead(&sim), Some(20), "a smaller size keeps the place");
    assert_eq!(sim.engine.order(id).map(|o| o.qty_lots), Some(3));

    sim.at(50).modify(id, 99, 3).unwrap();
    let _ = sim.at(60);
    assert_eq!(ahead(&sim), Some(40), "a new price goes to the back");
    assert_eq!(sim.engine.order(id).map(|o| o.price_ticks), Some(99));

    sim.at(70).modify(id, 99, 4).unwrap();
    let _ = sim.at(80);
    assert_eq!(
        ahead(&sim),
        Some(40),
        "a larger size goes to the back of the same level"
    );
    let kinds = sim.kinds_of(id);
    assert_eq!(
        kinds.iter().filter(|k| **k == UpdateKind::Modified).count(),
        3
    );
}

#[test]
fn a_position_limit_breach_is_rejected_with_its_reason() {
    let events = [bid(0, 99, 10), ask(0, 101, 10), bid(100, 98, 1)];
    let config = RunConfig {
        risk: RiskLimits {
            max_position_lots: Some(5),
            ..RiskLimits::default()
        },
        ..config(10, 10)
    };
    let mut sim = Sim::new(&events, &config, instrument());
    let mut ctx = sim.at(10);
    let ok = ctx.buy(98, 3).unwrap();
    let breach = ctx.buy(97, 3).unwrap();
    // The rejection comes from pre-trade risk, at once.
    let _ = sim.at(11);
    assert_eq!(sim.kinds_of(breach), vec![UpdateKind::Rejected]);
    let rejected = sim.updates_of(breach)[0];
    assert_eq!(rejected.state, OrderState::Rejected);
    assert_eq!(
        rejected.reason,
        Some(Reason::MaxPosition {
            worst_position_lots: 6,
            max_lots: 5
        })
    );
    assert_eq!(rejected.local_ts_ns, 10);
    assert!(rejected.reason.unwrap().to_string().contains("maximum 5"));
    sim.run_to_end();
    assert_eq!(sim.kinds_of(ok), vec![UpdateKind::Accepted]);
}

#[test]
fn ties_follow_the_documented_order() {
    // Zero latency everywhere: an order sent at 10 arrives at 10, after the
    // exchange data at 10 and before the strategy sees that data.
    let events = [
        bid(0, 99, 10),
        ask(0, 101, 10),
        ask(10, 100, 5),
        bid(20, 98, 1),
    ];
    let mut sim = Sim::new(&events, &config(0, 0), instrument());
    let id = sim.at(5).buy(100, 1).unwrap();
    let _ = sim.at(5);
    // The order, sent at 5, arrived at 5: the ask at 100 (exchange time 10)
    // did not exist yet, so it rests.
    assert_eq!(sim.kinds_of(id), vec![UpdateKind::Accepted]);
    let mut seen = Vec::new();
    loop {
        match sim.engine.advance().unwrap() {
            Wake::Market(ev) => seen.push(("market", ev.local_ts)),
            Wake::Order(u) => seen.push(("order", u.local_ts_ns)),
            Wake::Timer { ts_ns, .. } => seen.push(("timer", ts_ns)),
            Wake::Finished => break,
        }
    }
    // At 10 the ask crossing our bid fills us at the exchange first; the
    // strategy then sees the market event, then the fill.
    assert_eq!(&seen[..2], &[("market", 10), ("order", 10)]);
}

#[test]
fn a_batch_of_orders_gets_consecutive_ids_and_bad_requests_are_errors() {
    let events = [bid(0, 99, 10), ask(0, 101, 10), bid(100, 98, 1)];
    let mut sim = Sim::new(&events, &config(0, 0), instrument());
    let mut ctx = sim.at(1);
    let batch: Vec<_> = (0..100)
        .map(|i| OrderRequest::limit(Side::Buy, 90 - i, 1))
        .collect();
    let ids = ctx.submit_batch(&batch).unwrap();
    assert_eq!(ids.len(), 100);
    assert!(ids.windows(2).all(|w| w[1].0 == w[0].0 + 1));
    let too_many: Vec<_> = (0..101)
        .map(|_| OrderRequest::limit(Side::Buy, 90, 1))
        .collect();
    assert!(ctx.submit_batch(&too_many).is_err());
    assert!(ctx.buy(90, 0).is_err());
    assert!(ctx.cancel(OrderId(9_999)).is_err());
    assert_eq!(ctx.open_orders().len(), 100);
}

// ---------------------------------------------------------------------------
// Partial fills on thin levels, worked by hand.

/// Price, lots and liquidity of each fill of `id`, in order.
fn pieces_of(sim: &Sim<'_>, id: OrderId) -> Vec<(i64, i64, Liquidity)> {
    sim.updates_of(id)
        .iter()
        .filter_map(|u| u.fill.map(|f| (f.price_ticks, f.qty_lots, f.liquidity)))
        .collect()
}

#[test]
fn a_limit_buy_takes_two_thin_levels_then_rests_and_fills_as_maker() {
    let events = [
        bid(0, 99, 4),
        ask(0, 100, 2),
        ask(0, 101, 1),
        ask(0, 103, 5),
        // The feed catches up with what we took: 100 and 101 are gone.
        ask(20, 100, 0),
        ask(21, 101, 0),
        // A seller hits 101, where we are first in the queue.
        trade(30, Side::Sell, 101, 3),
        bid(40, 98, 1),
    ];
    let mut sim = Sim::new(&events, &config(0, 0), instrument());
    let id = sim.at(10).buy(101, 5).unwrap();
    let _ = sim.at(25);
    // 2 at 100 and the 1 at 101 taken; 2 lots rest at 101 with nothing
    // ahead (no market bid at 101).
    assert_eq!(
        pieces_of(&sim, id),
        vec![(100, 2, Liquidity::Taker), (101, 1, Liquidity::Taker)]
    );
    let view = sim.engine.order(id).unwrap();
    assert_eq!(view.queue().map(|q| q.ahead_lots), Some(0));
    sim.run_to_end();

    // The trade of 3 reaches our 2 resting lots first.
    assert_eq!(
        pieces_of(&sim, id),
        vec![
            (100, 2, Liquidity::Taker),
            (101, 1, Liquidity::Taker),
            (101, 2, Liquidity::Maker),
        ]
    );
    let states: Vec<_> = sim
        .updates_of(id)
        .iter()
        .filter(|u| u.fill.is_some())
        .map(|u| (u.exch_ts_ns, u.filled_lots, u.state))
        .collect();
    assert_eq!(
        states,
        vec![
            (10, 2, OrderState::PartiallyFilled),
            (10, 3, OrderState::PartiallyFilled),
            (30, 5, OrderState::Filled),
        ]
    );
    // (2 × 100 + 1 × 101 + 2 × 101) / 5
    let last = *sim.updates_of(id).last().unwrap();
    assert!((last.avg_fill_price_ticks - 503.0 / 5.0).abs() < 1e-12);
    assert_eq!(sim.engine.account().position_lots(), 5);
}

#[test]
fn liquidity_taken_by_one_market_order_is_missing_for_the_next() {
    let events = [
        bid(0, 99, 5),
        ask(0, 100, 3),
        ask(0, 101, 2),
        ask(0, 102, 4),
        // 100 refreshed by the feed: 1 lot there now, whatever we took.
        ask(50, 100, 1),
        bid(90, 98, 1),
    ];
    let mut sim = Sim::new(&events, &config(0, 0), instrument());
    let first = sim.at(10).buy_market(4).unwrap();
    let second = sim.at(20).buy_market(3).unwrap();
    let third = sim.at(60).buy_market(3).unwrap();
    sim.run_to_end();

    // 100: 3 of 3; 101: 1 of 2.
    assert_eq!(sim.fills_of(first), vec![(100, 3), (101, 1)]);
    // 100 is taken; 101 has 2 − 1 = 1 left; then 2 of the 4 at 102.
    assert_eq!(sim.fills_of(second), vec![(101, 1), (102, 2)]);
    // 100 is the feed's 1 lot again; 101 is still all taken (2 of 2); 102
    // has 4 − 2 = 2 left. Without what the first two took: (100, 1),
    // (101, 2).
    assert_eq!(sim.fills_of(third), vec![(100, 1), (102, 2)]);
    assert_eq!(sim.engine.account().position_lots(), 10);
}

#[test]
fn two_resting_sells_share_thin_trades_in_time_priority() {
    let events = [
        bid(0, 99, 5),
        ask(0, 101, 1),
        ask(0, 102, 5),
        // 4 lots lift 101: the market's 1 lot ahead, then 3 of ours.
        trade(20, Side::Buy, 101, 4),
        ask(21, 101, 0),
        trade(30, Side::Buy, 101, 2),
        // A buyer pays 102: the rest of our 101 offer fills outright.
        trade(40, Side::Buy, 102, 1),
        bid(50, 98, 1),
    ];
    let mut sim = Sim::new(&events, &config(0, 0), instrument());
    let first = sim.at(1).sell(101, 3).unwrap();
    let second = sim.at(2).sell(101, 3).unwrap();
    sim.run_to_end();

    // First: 1 ahead, 4 traded: 3 reach it, all it wants.
    assert_eq!(sim.fills_of(first), vec![(101, 3)]);
    // Second: the same 3 lots reached it too, but the first order had them;
    // then 2 of the next trade, then 1 on the trade through 102.
    let seen: Vec<_> = sim
        .updates_of(second)
        .iter()
        .filter_map(|u| {
            u.fill
                .map(|f| (u.exch_ts_ns, f.price_ticks, f.qty_lots, u.state))
        })
        .collect();
    assert_eq!(
        seen,
        vec![
            (30, 101, 2, OrderState::PartiallyFilled),
            (40, 101, 1, OrderState::Filled),
        ]
    );
    assert_eq!(sim.engine.account().position_lots(), -6);
}

#[test]
fn prob_power3_and_prob_power_move_a_resting_order_differently() {
    let events = [
        bid(0, 100, 10),
        ask(0, 101, 10),
        bid(10, 100, 40),
        // 20 lots canceled: 10 ahead of us, 30 behind.
        bid(20, 100, 20),
        trade(30, Side::Sell, 100, 10),
        bid(31, 100, 9),
        trade(40, Side::Sell, 100, 4),
        bid(50, 99, 1),
    ];
    let run = |queue: QueueConfig| {
        let config = RunConfig {
            queue,
            ..config(0, 0)
        };
        let mut sim = Sim::new(&events, &config, instrument());
        let id = sim.at(1).buy(100, 5).unwrap();
        sim.run_to_end();
        sim.fills_of(id)
    };
    // prob_power3, n = 2: (10/40)^2 = 1/16 of the 20 from ahead: 8.75
    // ahead; the trade of 10 reaches 1.25: 1 lot. Then nothing is ahead:
    // the trade of 4 fills the other 4.
    assert_eq!(
        run(QueueConfig::ProbPower3 { n: 2.0 }),
        vec![(100, 1), (100, 4)]
    );
    // prob_power, n = 2: 100/(100 + 900) = 1/10 of the 20: 8 ahead; the
    // trade of 10 reaches 2; the trade of 4 fills the last 3.
    assert_eq!(
        run(QueueConfig::ProbPower { n: 2.0 }),
        vec![(100, 2), (100, 3)]
    );
}
