//! Properties of runs over several days and several instruments, over
//! random markets traded by the built-in market maker: cutting a stream
//! into days changes nothing, each instrument's position is the sum of its
//! fills, and its part of the account balances.

use proptest::prelude::*;
use proptest::strategy::Strategy as Strategy_;

use ticklab::market::{Instrument, MarketEvent, Side};
use ticklab::session::source::{DaysSource, OpenDay};
use ticklab::sim::{Engine, EngineSettings, RunConfig, RunRecord, VecSource};
use ticklab::strategy::native::MarketMaker;
use ticklab::strategy::Runner;

/// A market from random steps `(op, qty)`: the touch resized, trades at the
/// touch followed by the level they leave, and moves of the mid by one
/// tick; the book stays uncrossed. Times are 1 ms apart from `start_ns`.
fn market(steps: &[(u8, i64)], start_ns: i64) -> Vec<MarketEvent> {
    let mut events = Vec::new();
    let (mut bid, mut ask) = (999_i64, 1_001_i64);
    let (mut bid_qty, mut ask_qty) = (10_i64, 10_i64);
    events.push(MarketEvent::depth(start_ns, Side::Buy, bid, bid_qty).with_flags(0));
    events.push(MarketEvent::depth(start_ns, Side::Sell, ask, ask_qty));
    for (i, &(op, qty)) in steps.iter().enumerate() {
        let ts = start_ns + 1_000_000 * (i as i64 + 1);
        match op {
            0 => {
                bid_qty = qty;
                events.push(MarketEvent::depth(ts, Side::Buy, bid, bid_qty));
            }
            1 => {
                ask_qty = qty;
                events.push(MarketEvent::depth(ts, Side::Sell, ask, ask_qty));
            }
            2 => {
                let traded = qty.min(bid_qty);
                bid_qty = (bid_qty - traded).max(1);
                events.push(MarketEvent::trade(ts, Side::Sell, bid, traded).with_flags(0));
                events.push(MarketEvent::depth(ts, Side::Buy, bid, bid_qty));
            }
            3 => {
                let traded = qty.min(ask_qty);
                ask_qty = (ask_qty - traded).max(1);
                events.push(MarketEvent::trade(ts, Side::Buy, ask, traded).with_flags(0));
                events.push(MarketEvent::depth(ts, Side::Sell, ask, ask_qty));
            }
            4 => {
                // The mid up a tick: the ask level goes, a new bid above.
                events.push(MarketEvent::depth(ts, Side::Sell, ask, 0).with_flags(0));
                events.push(MarketEvent::depth(ts, Side::Sell, ask + 1, qty).with_flags(0));
                events.push(MarketEvent::depth(ts, Side::Buy, bid, 0).with_flags(0));
                events.push(MarketEvent::depth(ts, Side::Buy, bid + 1, qty));
                (bid, ask, bid_qty, ask_qty) = (bid + 1, ask + 1, qty, qty);
            }
            _ => {
                events.push(MarketEvent::depth(ts, Side::Buy, bid, 0).with_flags(0));
                events.push(MarketEvent::depth(ts, Side::Buy, bid - 1, qty).with_flags(0));
                events.push(MarketEvent::depth(ts, Side::Sell, ask, 0).with_flags(0));
                events.push(MarketEvent::depth(ts, Side::Sell, ask - 1, qty));
                (bid, ask, bid_qty, ask_qty) = (bid - 1, ask - 1, qty, qty);
            }
        }
    }
    // A last event well later, so every answer in flight is delivered.
    let end = start_ns + 1_000_000 * (steps.len() as i64 + 2) + 1_000_000_000;
    events.push(MarketEvent::depth(end, Side::Buy, bid - 20, 1));
    events
}

fn instrument(symbol: &str) -> Instrument {
    let mut inst = Instrument::new(symbol, 0.5, 0.1);
    inst.maker_fee_rate = -0.0001;
    inst.taker_fee_rate = 0.0005;
    inst
}

fn config() -> RunConfig {
    RunConfig {
        equity_step_ns: 5_000_000,
        ..RunConfig::default()
    }
}

fn engine(
    symbol: &str,
    source: impl ticklab::sim::EventSource<'static> + 'static,
) -> Engine<'static> {
    let config = config();
    let models = config
        .build_models(&instrument(symbol))
        .expect("valid models");
    Engine::with_models(
        instrument(symbol),
        EngineSettings::from_config(&config),
        models,
        source,
    )
}

fn steps() -> impl Strategy_<Value = Vec<(u8, i64)>> {
    prop::collection::vec((0u8..6, 1i64..20), 10..150)
}

/// Runs the market maker over `engines` to the end; their records.
fn run(engines: Vec<Engine<'static>>) -> Vec<RunRecord> {
    let mut runner = Runner::with_instruments(engines, MarketMaker::default()).expect("an engine");
    runner.run().expect("the run ends");
    let (engines, _) = runner.into_engines();
    engines.into_iter().map(Engine::into_record).collect()
}

fn day_of(events: Vec<MarketEvent>) -> OpenDay {
    Box::new(move || {
        Ok(Box::new(VecSource::new(events)) as Box<dyn ticklab::sim::EventSource<'static>>)
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn cutting_a_stream_into_days_changes_nothing(steps in steps(), cut in 0usize..400) {
        let events = market(&steps, 1_000_000);
        let whole = run(vec![engine("ONE", VecSource::new(events.clone()))]);
        let cut = cut.min(events.len());
        let (first, second) = events.split_at(cut);
        let days = DaysSource::new(vec![day_of(first.to_vec()), day_of(second.to_vec())]);
        let split = run(vec![engine("ONE", days)]);
        prop_assert_eq!(&whole[0].fills, &split[0].fills);
        prop_assert_eq!(&whole[0].orders, &split[0].orders);
        prop_assert_eq!(&whole[0].equity, &split[0].equity);
    }

    #[test]
    fn each_instruments_position_is_its_fills_and_its_cash_balances(
        steps_a in steps(), steps_b in steps(), offset in 0i64..3_000_000
    ) {
        let a = market(&steps_a, 1_000_000);
        let b = market(&steps_b, 1_000_000 + offset);
        let records = run(vec![
            engine("AAA", VecSource::new(a)),
            engine("BBB", VecSource::new(b)),
        ]);
        let mut ids = Vec::new();
        for record in &records {
            let inst = instrument(&record.symbol);
            let mut position = 0;
            let mut cash = config().initial_cash;
            for fill in &record.fills {
                let signed = if fill.side == Side::Buy { fill.qty_lots } else { -fill.qty_lots };
                position += signed;
                prop_assert_eq!(fill.position_after_lots, position);
                cash -= signed as f64 * inst.notional(fill.price_ticks, 1) + fill.fee;
                ids.push(fill.order_id.0);
            }
            let last = record.equity.last().expect("a final sample");
            prop_assert_eq!(last.account.position_lots, position);
            prop_assert!((last.account.cash - cash).abs() < 1e-6, "{} vs {}", last.account.cash, cash);
        }
        // Order ids are the run's: no two instruments share one.
        let mut by_instrument: Vec<Vec<u64>> = records
            .iter()
            .map(|r| r.orders.iter().map(|o| o.order_id.0).collect())
            .collect();
        for ids in &mut by_instrument {
            ids.sort_unstable();
            ids.dedup();
        }
        prop_assert!(by_instrument[0].iter().all(|id| !by_instrument[1].contains(id)));
    }
}
