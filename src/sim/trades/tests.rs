//! Round trips of a fill sequence worked by hand.

use crate::market::{Instrument, Side};
use crate::sim::account::AccountSnapshot;
use crate::sim::order::OrderId;
use crate::sim::record::{EquitySample, FillRecord, SampleCause};
use crate::sim::stats::StatsBuilder;
use crate::sim::trades::{RoundTrip, TradeStats};
use crate::sim::update::Liquidity;

/// Tick 0.5, lot 2: one tick on one lot is worth 1.
pub(crate) fn instrument() -> Instrument {
    Instrument::new("X", 0.5, 2.0)
}

fn fill(ts_ns: i64, side: Side, price_ticks: i64, qty_lots: i64, fee: f64) -> FillRecord {
    FillRecord {
        exch_ts_ns: ts_ns,
        local_ts_ns: ts_ns,
        order_id: OrderId(1),
        side,
        price_ticks,
        qty_lots,
        liquidity: Liquidity::Taker,
        fee,
        time_in_queue_ns: 0,
        slippage_ticks: None,
        position_after_lots: 0,
    }
}

fn sample(ts_ns: i64, cause: SampleCause, mark_ticks: f64, funding_paid: f64) -> EquitySample {
    EquitySample {
        ts_ns,
        cause,
        account: AccountSnapshot {
            position_lots: 0,
            avg_entry_ticks: 0.0,
            cash: 0.0,
            realized_pnl: 0.0,
            unrealized_pnl: 0.0,
            fees_paid: 0.0,
            equity: 0.0,
            mark_ticks,
            funding_paid,
        },
    }
}

/// What a builder fed `rows` keeps.
pub(crate) enum Row {
    Fill(FillRecord),
    Mark(EquitySample),
}

pub(crate) fn run(rows: &[Row]) -> (Vec<RoundTrip>, TradeStats) {
    let mut builder = StatsBuilder::new(1_000.0, &instrument());
    builder.keep_trips();
    for row in rows {
        match row {
            Row::Fill(f) => builder.fill(f),
            Row::Mark(s) => builder.equity(s),
        }
    }
    let mut trips = Vec::new();
    builder.take_trips_into(&mut trips);
    (trips, builder.finish(0).trades)
}

pub(crate) fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

/// Open, scale in, partial close, reversal, close; then a small loss and a
/// trip left open.
pub(crate) fn scaled_and_reversed() -> Vec<Row> {
    use Row::{Fill as F, Mark as M};
    use SampleCause::{Fill, Funding, Step};
    vec![
        // Long 2 at 100 (fee 0.2); marked at 99.5: running −1.
        F(fill(100, Side::Buy, 100, 2, 0.2)),
        M(sample(100, Fill, 99.5, 0.0)),
        // Scale in 3 at 102 (fee 0.3); marked at 102: running 2·2 = 4.
        F(fill(200, Side::Buy, 102, 3, 0.3)),
        M(sample(200, Fill, 102.0, 0.0)),
        // Marked at 98: (98 − 100)·2 + (98 − 102)·3 = −16.
        M(sample(250, Step, 98.0, 0.0)),
        // Sell 3 at 104 (fee 0.3), FIFO: 2 of 100 (+8) and 1 of 102 (+2);
        // 2 of 102 left, marked at 104.5: 10 + 2.5·2 = 15.
        F(fill(300, Side::Sell, 104, 3, 0.3)),
        M(sample(300, Fill, 104.5, 0.0)),
        // Funding 0.5 paid while open; marked at 103: 10 + 1·2 = 12.
        M(sample(350, Funding, 103.0, 0.5)),
        // Sell 6 at 101 (fee 0.6): 2 close the trip ((101 − 102)·2 = −2,
        // fee 0.2), 4 open a short (fee 0.4); marked at 100.5: +2.
        F(fill(400, Side::Sell, 101, 6, 0.6)),
        M(sample(400, Fill, 100.5, 0.5)),
        // Marked at 103: (101 − 103)·4 = −8.
        M(sample(450, Step, 103.0, 0.5)),
        // Buy 4 at 99 with a rebate of 0.4: (101 − 99)·4 = +8.
        F(fill(500, Side::Buy, 99, 4, -0.4)),
        M(sample(500, Fill, 99.0, 0.5)),
        // Long 1 at 100, out at 99: −1 and fees 0.2.
        F(fill(600, Side::Buy, 100, 1, 0.1)),
        M(sample(600, Fill, 100.0, 0.5)),
        F(fill(700, Side::Sell, 99, 1, 0.1)),
        M(sample(700, Fill, 99.0, 0.5)),
        // Still open at the end: not a round trip.
        F(fill(800, Side::Buy, 100, 1, 0.1)),
        M(sample(800, Fill, 90.0, 0.5)),
    ]
}

#[test]
fn fifo_round_trips_of_scaling_in_a_partial_close_and_a_reversal() {
    let (trips, _) = run(&scaled_and_reversed());
    assert_eq!(trips.len(), 3, "{trips:#?}");
    let [a, b, c] = [trips[0], trips[1], trips[2]];
    // Entries 2·100 + 3·102 = 506, exits 3·104 + 2·101 = 514.
    assert_eq!(
        (a.open_ts_ns, a.close_ts_ns, a.holding_ns()),
        (100, 400, 300)
    );
    assert_eq!((a.side, a.qty_lots, a.fills), (Side::Buy, 5, 4));
    assert!(
        close(a.entry_ticks, 101.2) && close(a.exit_ticks, 102.8),
        "{a:?}"
    );
    assert!(close(a.gross_pnl, 8.0), "{a:?}");
    assert!(close(a.fees, 0.2 + 0.3 + 0.3 + 0.2), "{a:?}");
    assert!(close(a.funding, 0.5), "{a:?}");
    assert!(close(a.pnl, 8.0 - 1.0 - 0.5), "{a:?}");
    assert!(close(a.mae, 16.0) && close(a.mfe, 15.0), "{a:?}");

    assert_eq!(
        (b.open_ts_ns, b.close_ts_ns, b.holding_ns()),
        (400, 500, 100)
    );
    assert_eq!((b.side, b.qty_lots, b.fills), (Side::Sell, 4, 2));
    assert!(
        close(b.entry_ticks, 101.0) && close(b.exit_ticks, 99.0),
        "{b:?}"
    );
    assert!(close(b.gross_pnl, 8.0) && close(b.fees, 0.0), "{b:?}");
    assert!(close(b.funding, 0.0) && close(b.pnl, 8.0), "{b:?}");
    assert!(close(b.mae, 8.0) && close(b.mfe, 2.0), "{b:?}");

    assert_eq!(
        (c.open_ts_ns, c.close_ts_ns, c.qty_lots, c.fills),
        (600, 700, 1, 2)
    );
    assert!(close(c.gross_pnl, -1.0) && close(c.pnl, -1.2), "{c:?}");
    assert!(close(c.mae, 0.0) && close(c.mfe, 0.0), "{c:?}");
}

#[test]
fn trade_stats_of_the_worked_trips() {
    let (_, stats) = run(&scaled_and_reversed());
    assert_eq!((stats.round_trips, stats.wins, stats.losses), (3, 2, 1));
    let some = |x: Option<f64>, want: f64| x.is_some_and(|x| close(x, want));
    assert!(some(stats.win_rate, 2.0 / 3.0), "{stats:?}");
    assert!(some(stats.avg_win, (6.5 + 8.0) / 2.0), "{stats:?}");
    assert!(some(stats.avg_loss, -1.2), "{stats:?}");
    assert!(some(stats.profit_factor, 14.5 / 1.2), "{stats:?}");
    assert!(
        some(stats.largest_win, 8.0) && some(stats.largest_loss, -1.2),
        "{stats:?}"
    );
    assert!(some(stats.avg_holding_ns, 500.0 / 3.0), "{stats:?}");
    assert!(
        some(stats.avg_mae, 8.0) && some(stats.worst_mae, 16.0),
        "{stats:?}"
    );
    assert!(
        some(stats.avg_mfe, 17.0 / 3.0) && some(stats.best_mfe, 15.0),
        "{stats:?}"
    );
}

#[test]
fn without_a_losing_trip_the_profit_factor_is_null() {
    use Row::{Fill as F, Mark as M};
    let (_, stats) = run(&[
        F(fill(1, Side::Sell, 100, 1, 0.0)),
        M(sample(1, SampleCause::Fill, 100.0, 0.0)),
        F(fill(2, Side::Buy, 90, 1, 0.0)),
    ]);
    assert_eq!((stats.round_trips, stats.wins, stats.losses), (1, 1, 0));
    assert_eq!(stats.profit_factor, None);
    assert_eq!(stats.avg_loss, None);
    assert_eq!(stats.largest_loss, None);
    let json = serde_json::to_value(&stats).expect("stats as JSON");
    assert_eq!(json["profit_factor"], serde_json::Value::Null);
    assert_eq!(json["win_rate"], serde_json::json!(1.0));
    assert_eq!(
        stats.line(),
        "round trips 1 (1 won, 0 lost): win rate 100.0%, profit factor inf, avg win 10.00, avg loss n/a"
    );

    let (trips, none) = run(&[]);
    assert!(trips.is_empty());
    assert_eq!(none, TradeStats::default());
}

#[test]
fn an_inverse_contracts_trip_is_valued_in_coins() {
    // Inverse, 100 per lot at a price of one tick: a lot at p is worth
    // 100 / p.
    let mut inst = Instrument::new("INV", 1.0, 1.0);
    inst.inverse = true;
    inst.contract_multiplier = 100.0;
    let mut builder = StatsBuilder::new(10.0, &inst);
    builder.keep_trips();
    let marks = [
        // Long 2 at 100: marked at 100, nothing.
        (Some(fill(1, Side::Buy, 100, 2, 0.0)), 100.0),
        // And 2 at 200, marked at 200: 200 · (1/100 − 1/200) = 1.
        (Some(fill(2, Side::Buy, 200, 2, 0.0)), 200.0),
        // At 110: 200 · (1/100 − 1/110) + 200 · (1/200 − 1/110) = −7/11.
        (None, 110.0),
    ];
    for (ts, (f, mark)) in marks.into_iter().enumerate() {
        if let Some(f) = f {
            builder.fill(&f);
        }
        builder.equity(&sample(ts as i64 + 1, SampleCause::Step, mark, 0.0));
    }
    // Out at 125: 200 · (1/100 − 1/125) + 200 · (1/200 − 1/125) = −0.2.
    builder.fill(&fill(4, Side::Sell, 125, 4, 0.0));
    let mut trips = Vec::new();
    builder.take_trips_into(&mut trips);
    assert_eq!(trips.len(), 1);
    let t = trips[0];
    assert!(close(t.gross_pnl, -0.2) && close(t.pnl, -0.2), "{t:?}");
    assert!(close(t.mfe, 1.0) && close(t.mae, 7.0 / 11.0), "{t:?}");
}

#[test]
fn statistics_with_their_round_trips_cross_a_binary_channel() {
    // The window's worker sends `Stats` as postcard, which has no maps of
    // unknown length: the round trips are a plain nested struct.
    let mut builder = StatsBuilder::new(1_000.0, &instrument());
    for row in scaled_and_reversed() {
        match row {
            Row::Fill(f) => builder.fill(&f),
            Row::Mark(s) => builder.equity(&s),
        }
    }
    let stats = builder.finish(7);
    let bytes = postcard::to_allocvec(&stats).expect("postcard");
    let back: crate::sim::stats::Stats = postcard::from_bytes(&bytes).expect("postcard");
    assert_eq!(back, stats);
    assert_eq!(back.trades.round_trips, 3);
    let json = serde_json::to_value(&stats).expect("JSON");
    assert_eq!(json["trades"]["round_trips"], 3);
}
