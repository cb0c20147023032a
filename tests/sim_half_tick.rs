//! Trades that printed half a tick off the grid (LOBSTER's hidden
//! executions at half a cent, flag HALF_TICK) against resting orders and
//! stops, worked by hand: such a trade is never at an order's price, fills
//! only what it printed beyond, and always at the order's own price.

use ticklab::market::{flags, Instrument, MarketEvent, Side};
use ticklab::sim::{Engine, LatencyConfig, OrderId, OrderRequest, OrderUpdate, RunConfig, Wake};
use ticklab::strategy::Ctx;

fn half_tick_trade(ts: i64, aggressor: Side, tick_below: i64, qty: i64) -> MarketEvent {
    let trade = MarketEvent::trade(ts, aggressor, tick_below, qty);
    trade.with_flags(trade.flags | flags::HALF_TICK)
}

#[test]
fn half_tick_trades_fill_only_what_they_printed_beyond_at_the_orders_price() {
    let events = [
        MarketEvent::depth(0, Side::Buy, 100, 10),
        MarketEvent::depth(0, Side::Sell, 103, 10),
        // 101.5, seller-initiated: above our bid at 101, so it does not
        // reach it (a whole-tick trade at 101 would fill it: nothing ahead).
        half_tick_trade(10, Side::Sell, 101, 7),
        // 101.5, buyer-initiated: below our ask at 102.
        half_tick_trade(20, Side::Buy, 101, 7),
        // 102.5, buyer-initiated: through our ask at 102, which fills whole at 102.
        half_tick_trade(30, Side::Buy, 102, 1),
        // 100.5, seller-initiated: through our bid at 101 (fills whole at
        // 101), but above the sell stop at 100, which stays.
        half_tick_trade(40, Side::Sell, 100, 1),
        // 99.5: below the stop, which triggers and sells at the bid, 100.
        half_tick_trade(50, Side::Sell, 99, 1),
        MarketEvent::depth(60, Side::Buy, 100, 10),
    ];
    let config = RunConfig {
        latency: LatencyConfig::Constant {
            entry_ns: 1,
            response_ns: 1,
        },
        ..RunConfig::default()
    };
    let mut engine = Engine::from_slice(Instrument::new("T", 1.0, 1.0), &config, &events).unwrap();
    engine.start().unwrap();
    let timer = engine.set_timer_at(1);
    let mut updates: Vec<OrderUpdate> = Vec::new();
    loop {
        match engine.advance().unwrap() {
            Wake::Timer { id, .. } if id == timer => break,
            Wake::Order(update) => updates.push(update),
            _ => {}
        }
    }
    let (buy, sell, stop) = {
        let mut ctx = Ctx::new(&mut engine);
        (
            ctx.buy(101, 5).unwrap(),
            ctx.sell(102, 5).unwrap(),
            ctx.submit(OrderRequest::stop_market(Side::Sell, 100, 1))
                .unwrap(),
        )
    };
    loop {
        match engine.advance().unwrap() {
            Wake::Order(update) => updates.push(update),
            Wake::Finished => break,
            _ => {}
        }
    }
    let fills_of = |id: OrderId| -> Vec<(i64, i64, i64)> {
        updates
            .iter()
            .filter(|u| u.order_id == id)
            .filter_map(|u| u.fill.map(|f| (u.exch_ts_ns, f.price_ticks, f.qty_lots)))
            .collect()
    };
    assert_eq!(fills_of(sell), vec![(30, 102, 5)]);
    assert_eq!(fills_of(buy), vec![(40, 101, 5)]);
    assert_eq!(fills_of(stop), vec![(50, 100, 1)]);
    assert_eq!(engine.account().position_lots(), -1);
}
