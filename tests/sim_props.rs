//! Properties of the simulator over random markets and random strategies:
//! positions add up, the account balances, no fill beats its limit, and a
//! run is reproducible to the byte.

use proptest::prelude::*;

use ticklab::book::L2Book;
use ticklab::market::{Instrument, MarketEvent, Side};
use ticklab::sim::{
    Engine, LatencyConfig, OrderRequest, OrderType, QueueConfig, RunConfig, RunRecord, TimeInForce,
    UpdateKind,
};
use ticklab::strategy::{run_to_end, Ctx, Strategy, StrategyError};

/// Builds a market from random steps `(op, x, qty)`: depth changes near the
/// touch, trades at the touch followed by the depth update they cause, and
/// moves of the mid that keep the book uncrossed. Feed latency jitters, so
/// local times are not monotone.
fn market(steps: &[(u8, u8, i64)]) -> Vec<MarketEvent> {
    let mut book = L2Book::new();
    let mut events = Vec::new();
    let mut mid = 1_000_i64;
    let mut push = |book: &mut L2Book, ev: MarketEvent| {
        book.apply(&ev);
        events.push(ev);
    };
    for i in 0..5 {
        push(&mut book, MarketEvent::depth(0, Side::Buy, mid - 1 - i, 10));
        push(
            &mut book,
            MarketEvent::depth(0, Side::Sell, mid + 1 + i, 10),
        );
    }
    for (step, &(op, x, qty)) in steps.iter().enumerate() {
        let ts = 1_000 * (step as i64 + 1);
        let seen = ts + 50 + i64::from(x) * 37 % 900;
        let ev = |e: MarketEvent| e.seen_at(seen);
        match op {
            0..=5 => {
                let side = if op % 2 == 0 { Side::Buy } else { Side::Sell };
                let depth = i64::from(x % 5);
                let price = if side == Side::Buy {
                    mid - 1 - depth
                } else {
                    mid + 1 + depth
                };
                push(&mut book, ev(MarketEvent::depth(ts, side, price, qty - 1)));
            }
            6 | 7 => {
                let (aggressor, book_side) = if op == 6 {
                    (Side::Sell, Side::Buy)
                } else {
                    (Side::Buy, Side::Sell)
                };
                if let Some(price) = book.best_price(book_side) {
                    let level = book.qty_at(book_side, price);
                    let traded = qty.min(level);
                    push(
                        &mut book,
                        ev(MarketEvent::trade(ts, aggressor, price, traded)),
                    );
                    push(
                        &mut book,
                        ev(MarketEvent::depth(ts, book_side, price, level - traded)),
                    );
                }
            }
            8 => {
                mid += 1;
                push(
                    &mut book,
                    ev(MarketEvent::depth(ts, Side::Sell, mid, 0).with_flags(0)),
                );
                push(
                    &mut book,
                    ev(MarketEvent::depth(ts, Side::Buy, mid - 1, qty)),
                );
            }
            _ => {
                mid -= 1;
                push(
                    &mut book,
                    ev(MarketEvent::depth(ts, Side::Buy, mid, 0).with_flags(0)),
                );
                push(
                    &mut book,
                    ev(MarketEvent::depth(ts, Side::Sell, mid + 1, qty)),
                );
            }
        }
    }
    // A last event far later, so every answer in flight is delivered.
    let end = 1_000 * (steps.len() as i64 + 1) + 1_000_000_000;
    push(&mut book, MarketEvent::depth(end, Side::Buy, mid - 50, 1));
    events
}

/// What the random strategy does at a given market event.
#[derive(Clone, Copy, Debug)]
struct Action {
    at_event: u64,
    kind: u8,
    offset_ticks: i64,
    qty_lots: i64,
}

/// Sends the scripted orders, cancels and modifies.
struct Scripted {
    actions: Vec<Action>,
    next: usize,
}

impl Strategy for Scripted {
    fn on_market(&mut self, ctx: &mut Ctx<'_, '_>, _ev: &MarketEvent) -> Result<(), StrategyError> {
        while let Some(action) = self.actions.get(self.next).copied() {
            if action.at_event > ctx.event_index() {
                break;
            }
            self.next += 1;
            let (Some(bid), Some(ask)) = (ctx.best_bid(), ctx.best_ask()) else {
                continue;
            };
            let (q, off) = (action.qty_lots, action.offset_ticks);
            let request = match action.kind {
                0 => OrderRequest::limit(Side::Buy, bid.price - off + 1, q),
                1 => OrderRequest::limit(Side::Sell, ask.price + off - 1, q),
                2 => OrderRequest::market(Side::Buy, q),
                3 => OrderRequest::market(Side::Sell, q),
                4 => OrderRequest::limit(Side::Buy, ask.price + off, q).with_tif(TimeInForce::Ioc),
                5 => OrderRequest::limit(Side::Sell, bid.price - off, q).with_tif(TimeInForce::Fok),
                6 => {
                    OrderRequest::limit(Side::Buy, bid.price + 1, q).with_tif(TimeInForce::PostOnly)
                }
                7 => OrderRequest::stop_limit(Side::Sell, bid.price - off, bid.price - off - 1, q),
                8 => OrderRequest::stop_market(Side::Buy, ask.price + off, q),
                9 => {
                    if let Some(first) = ctx.open_orders().first().map(|o| o.id) {
                        ctx.cancel(first)?;
                    }
                    continue;
                }
                _ => {
                    let first = ctx
                        .open_orders()
                        .iter()
                        .find(|o| o.order_type == OrderType::Limit)
                        .copied();
                    if let Some(o) = first {
                        ctx.modify(o.id, o.price_ticks + off - 2, o.filled_lots + q)?;
                    }
                    continue;
                }
            };
            ctx.submit(request)?;
        }
        Ok(())
    }
}

fn config(seed: u64, prob_queue: bool) -> RunConfig {
    RunConfig {
        seed,
        equity_step_ns: 5_000,
        queue: if prob_queue {
            QueueConfig::ProbPower { n: 2.0 }
        } else {
            QueueConfig::RiskAverse
        },
        latency: LatencyConfig::Lognormal {
            entry_median_ns: 700,
            response_median_ns: 900,
            sigma: 0.5,
        },
        ..RunConfig::default()
    }
}

fn instrument() -> Instrument {
    let mut inst = Instrument::new("PROP", 0.5, 0.1);
    inst.maker_fee_rate = -0.0001;
    inst.taker_fee_rate = 0.0005;
    inst.fee_per_fill = 0.01;
    inst
}

fn run(events: &[MarketEvent], actions: &[Action], config: &RunConfig) -> (RunRecord, i64) {
    let engine = Engine::from_slice(instrument(), config, events).expect("valid engine");
    let mut runner = ticklab::strategy::Runner::new(
        engine,
        Scripted {
            actions: actions.to_vec(),
            next: 0,
        },
    );
    runner.run().expect("run");
    let local_position = runner.engine().account().position_lots();
    (runner.into_record(), local_position)
}

fn steps() -> impl Strategy_<Value = Vec<(u8, u8, i64)>> {
    prop::collection::vec((0u8..10, 0u8..255, 1i64..25), 20..200)
}

fn actions() -> impl Strategy_<Value = Vec<Action>> {
    prop::collection::vec((0u64..300, 0u8..11, 0i64..4, 1i64..6), 0..40).prop_map(|mut raw| {
        raw.sort_by_key(|a| a.0);
        raw.into_iter()
            .map(|(at_event, kind, offset_ticks, qty_lots)| Action {
                at_event,
                kind,
                offset_ticks,
                qty_lots,
            })
            .collect()
    })
}

use proptest::strategy::Strategy as Strategy_;

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn positions_add_up_and_the_account_balances(
        steps in steps(), actions in actions(), seed in 0u64..1_000, prob in any::<bool>()
    ) {
        let events = market(&steps);
        let (record, local_position) = run(&events, &actions, &config(seed, prob));

        let mut position = 0;
        for fill in &record.fills {
            position += fill.side.sign() * fill.qty_lots;
            prop_assert_eq!(fill.position_after_lots, position);
        }
        prop_assert_eq!(local_position, position);
        let last = record.equity.last().unwrap().account;
        prop_assert_eq!(last.position_lots, position);

        let initial = record.initial_cash;
        let mut previous: Option<ticklab::sim::AccountSnapshot> = None;
        for sample in &record.equity {
            let a = sample.account;
            let balance = a.equity - initial - (a.realized_pnl + a.unrealized_pnl - a.fees_paid);
            prop_assert!(balance.abs() < 1e-6, "out of balance by {} at {:?}", balance, sample);
            if let Some(p) = previous {
                let change = a.equity - p.equity;
                let explained = (a.realized_pnl - p.realized_pnl) + (a.unrealized_pnl - p.unrealized_pnl)
                    - (a.fees_paid - p.fees_paid);
                prop_assert!((change - explained).abs() < 1e-6);
            }
            previous = Some(a);
        }
    }

    #[test]
    fn no_fill_is_worse_than_its_limit(steps in steps(), actions in actions(), seed in 0u64..1_000) {
        let events = market(&steps);
        let (record, _) = run(&events, &actions, &config(seed, true));
        for update in record.orders.iter().filter(|u| u.kind == UpdateKind::Fill) {
            let fill = update.fill.unwrap();
            prop_assert!(update.filled_lots <= update.qty_lots);
            if matches!(update.order_type, OrderType::Limit | OrderType::StopLimit) {
                let ok = match update.side {
                    Side::Buy => fill.price_ticks <= update.price_ticks,
                    _ => fill.price_ticks >= update.price_ticks,
                };
                prop_assert!(ok, "fill {:?} beyond limit of {:?}", fill, update);
            }
        }
    }

    #[test]
    fn the_same_inputs_and_seed_give_the_same_bytes(
        steps in steps(), actions in actions(), seed in 0u64..1_000
    ) {
        let events = market(&steps);
        let config = config(seed, true);
        let first = serde_json::to_vec(&run(&events, &actions, &config).0).unwrap();
        let second = serde_json::to_vec(&run(&events, &actions, &config).0).unwrap();
        prop_assert_eq!(first, second);
    }
}

#[test]
fn run_to_end_replays_a_day_with_the_market_maker() {
    let steps: Vec<(u8, u8, i64)> = (0..2_000u32)
        .map(|i| {
            (
                (i * 7 % 10) as u8,
                (i * 13 % 255) as u8,
                i64::from(i % 20 + 1),
            )
        })
        .collect();
    let events = market(&steps);
    let engine = Engine::from_slice(instrument(), &config(1, false), &events).unwrap();
    let record = run_to_end(engine, ticklab::strategy::native::MarketMaker::default()).unwrap();
    assert!(!record.fills.is_empty());
    assert!(record.orders.iter().any(|u| u.kind == UpdateKind::Modified));
    assert_eq!(record.data_events, events.len() as u64);
}
