//! Rule files: indicators against hand computation, firing semantics, the
//! signal audit, equivalence with a native strategy, validation errors and
//! the JSON Schema.

use serde_json::json;
use ticklab::book::Level;
use ticklab::market::{EventKind, Instrument, MarketEvent, Side};
use ticklab::session::StrategyChoice;
use ticklab::sim::{
    Engine, FillRecord, LatencyConfig, OrderType, OrderUpdate, RunConfig, RunRecord,
};
use ticklab::strategy::indicators::{
    imbalance, TimeEma, TimeWeightedWindow, TradeWindow, WindowedRsi,
};
use ticklab::strategy::rules::{self, RuleSet, Signal};
use ticklab::strategy::{run_to_end, Ctx, Strategy, StrategyError};

const MS: i64 = 1_000_000;
const S: i64 = 1_000_000_000;
/// 2023-11-14 22:13:20 UTC.
const T0: i64 = 1_700_000_000 * S;

/// Tick 1, lot 1: prices in price units equal prices in ticks.
fn instrument() -> Instrument {
    Instrument::new("TEST", 1.0, 1.0)
}

fn config() -> RunConfig {
    RunConfig {
        latency: LatencyConfig::Constant {
            entry_ns: 1_000,
            response_ns: 1_000,
        },
        ..RunConfig::default()
    }
}

/// Market events built batch by batch; the last event of each batch marks
/// the book consistent.
#[derive(Default)]
struct Tape {
    events: Vec<MarketEvent>,
    bid: Option<i64>,
    ask: Option<i64>,
}

impl Tape {
    /// The touch becomes `bid`/`ask` with these sizes, in one batch.
    fn touch(&mut self, ts: i64, bid: i64, bid_qty: i64, ask: i64, ask_qty: i64) -> &mut Self {
        let mut batch = Vec::new();
        if let Some(old) = self.bid.filter(|&p| p != bid) {
            batch.push(MarketEvent::depth(ts, Side::Buy, old, 0));
        }
        if let Some(old) = self.ask.filter(|&p| p != ask) {
            batch.push(MarketEvent::depth(ts, Side::Sell, old, 0));
        }
        batch.push(MarketEvent::depth(ts, Side::Buy, bid, bid_qty));
        batch.push(MarketEvent::depth(ts, Side::Sell, ask, ask_qty));
        let last = batch.len() - 1;
        for (i, ev) in batch.into_iter().enumerate() {
            self.events
                .push(if i == last { ev } else { ev.with_flags(0) });
        }
        self.bid = Some(bid);
        self.ask = Some(ask);
        self
    }

    fn trade(&mut self, ts: i64, aggressor: Side, price: i64, qty: i64) -> &mut Self {
        self.events
            .push(MarketEvent::trade(ts, aggressor, price, qty));
        self
    }
}

fn rule_set(text: &str) -> RuleSet {
    match RuleSet::from_toml_str(text, "test.rules.toml") {
        Ok(set) => set,
        Err(err) => panic!("{err}"),
    }
}

/// Runs `text` over `events`: the run record and every signal.
fn run_rules(text: &str, events: &[MarketEvent]) -> (RunRecord, Vec<Signal>) {
    let strategy = rule_set(text).strategy();
    let feed = strategy.signal_feed();
    let engine = Engine::from_slice(instrument(), &config(), events).expect("valid config");
    let record = run_to_end(engine, strategy).expect("run");
    (record, feed.drain())
}

fn fire_times_s(signals: &[Signal]) -> Vec<f64> {
    signals
        .iter()
        .map(|s| (s.ts_ns - T0) as f64 / S as f64)
        .collect()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

// ---------------------------------------------------------------------------
// Indicators against hand computation on irregular timestamps.

#[test]
fn sma_of_3s_across_a_10s_gap_is_weighted_by_time() {
    let mut sma = TimeWeightedWindow::new(3 * S);
    sma.push(T0, 100.0);
    sma.push(T0 + 500 * MS, 100.0); // the same value again: no change
    sma.push(T0 + 10 * S, 110.0);
    let mean = |w: &mut TimeWeightedWindow, t: i64| w.stats(t).map(|s| s.mean).unwrap_or(f64::NAN);
    // Just after the gap the window [7 s, 10 s] saw only 100.
    assert_eq!(mean(&mut sma, T0 + 10 * S), 100.0);
    // [8 s, 11 s]: 100 for 2 s, 110 for 1 s.
    assert!(close(
        mean(&mut sma, T0 + 11 * S),
        (2.0 * 100.0 + 110.0) / 3.0
    ));
    // A third value at 11.5 s: [8.5 s, 11.5 s] = 100 × 1.5 + 110 × 1.5.
    sma.push(T0 + 11_500 * MS, 120.0);
    assert!(close(mean(&mut sma, T0 + 11_500 * MS), 105.0));
    // [9 s, 12 s] = 100 × 1 + 110 × 1.5 + 120 × 0.5.
    assert!(close(
        mean(&mut sma, T0 + 12 * S),
        (100.0 + 165.0 + 60.0) / 3.0
    ));
    // Time-weighted standard deviation over [9 s, 12 s].
    let m = (100.0 + 165.0 + 60.0) / 3.0;
    let var =
        ((100.0_f64 - m).powi(2) + 1.5 * (110.0_f64 - m).powi(2) + 0.5 * (120.0_f64 - m).powi(2))
            / 3.0;
    let sd = sma.stats(T0 + 12 * S).map(|s| s.stddev).unwrap_or(f64::NAN);
    assert!(close(sd, var.sqrt()), "{sd} vs {}", var.sqrt());
}

#[test]
fn ema_decays_by_elapsed_time_not_by_event_count() {
    let half_life = 4 * S;
    let mut ema = TimeEma::new(half_life);
    ema.push(T0, 100.0);
    ema.push(T0 + S, 116.0);
    // 116 has held for 0 s: still 100.
    assert_eq!(ema.value(T0 + S), Some(100.0));
    // One half-life later, half-way; two, three quarters.
    assert!(close(ema.value(T0 + 5 * S).unwrap_or(f64::NAN), 108.0));
    assert!(close(ema.value(T0 + 9 * S).unwrap_or(f64::NAN), 112.0));
    // A thousand updates at the same price change nothing.
    let mut busy = TimeEma::new(half_life);
    busy.push(T0, 100.0);
    busy.push(T0 + S, 116.0);
    for i in 0..1000 {
        busy.push(T0 + S + i * 4 * MS, 116.0);
    }
    assert!(close(busy.value(T0 + 5 * S).unwrap_or(f64::NAN), 108.0));
    // After 1 s: 116 - 16 × 2^(-1/4).
    let expected = 116.0 - 16.0 * 2f64.powf(-0.25);
    assert!(close(ema.value(T0 + 2 * S).unwrap_or(f64::NAN), expected));
}

#[test]
fn rsi_on_a_known_series() {
    let mut rsi = WindowedRsi::new(10 * S);
    // 44, 45, 47, 46, 48, 47, 47: rises 1 + 2 + 2 = 5, falls 1 + 1 = 2.
    for (t_ms, x) in [
        (0, 44.0),
        (700, 45.0),
        (1_300, 47.0),
        (4_000, 46.0),
        (4_100, 48.0),
        (9_000, 47.0),
        (9_500, 47.0),
    ] {
        rsi.push(T0 + t_ms * MS, x);
    }
    assert!(close(
        rsi.value(T0 + 9_500 * MS).unwrap_or(f64::NAN),
        500.0 / 7.0
    ));
    // At 10.7 s the rise at 0.7 s has left (window (0.7 s, 10.7 s]).
    assert!(close(
        rsi.value(T0 + 10_700 * MS).unwrap_or(f64::NAN),
        400.0 / 6.0
    ));
    // At 14.1 s only the fall at 9 s is left.
    assert_eq!(rsi.value(T0 + 14_100 * MS), Some(0.0));
    assert_eq!(rsi.value(T0 + 60 * S), Some(50.0));
}

#[test]
fn trade_window_and_book_imbalance() {
    let mut w = TradeWindow::new(Some(2 * S));
    w.push(T0, Side::Buy, 100, 3);
    w.push(T0 + 1500 * MS, Side::Sell, 102, 1);
    let s = w.stats(T0 + 1500 * MS);
    assert_eq!((s.volume_lots, s.count, s.signed_lots), (4, 2, 2));
    assert_eq!(s.vwap_ticks, Some(100.5));
    let s = w.stats(T0 + 2 * S);
    assert_eq!(
        (s.volume_lots, s.signed_lots, s.vwap_ticks),
        (1, -1, Some(102.0))
    );

    let mut book = ticklab::L2Book::new();
    for (side, price, qty) in [
        (Side::Buy, 99, 6),
        (Side::Buy, 98, 4),
        (Side::Sell, 101, 2),
        (Side::Sell, 102, 3),
    ] {
        book.apply(&MarketEvent::depth(T0, side, price, qty));
    }
    assert_eq!(imbalance(&book, 1), Some(0.5));
    assert_eq!(imbalance(&book, 2), Some(1.0 / 3.0));
}

#[test]
fn rule_indicators_read_in_price_units() {
    // Tick 0.5: a mid of 201 ticks is 100.5 in price units.
    let text = r#"
        [indicators]
        slow = { sma = { of = "mid", window = "3s" } }
        [[rules]]
        name = "see"
        when = { all = [ { lhs = "mid", op = ">", rhs = 0 }, { lhs = "slow", op = ">", rhs = 0 }, { lhs = "spread", op = ">", rhs = 0 } ] }
        then = [ { buy = { lots = 1, price = "bid-10" } } ]
        max_fires = 1
    "#;
    let mut tape = Tape::default();
    tape.touch(T0, 200, 5, 202, 5);
    let strategy = rule_set(text).strategy();
    let feed = strategy.signal_feed();
    let mut inst = instrument();
    inst.tick_size = 0.5;
    let engine = Engine::from_slice(inst, &config(), &tape.events).expect("config");
    run_to_end(engine, strategy).expect("run");
    let signals = feed.drain();
    let values: Vec<_> = signals[0]
        .when
        .children
        .iter()
        .map(|c| c.lhs.as_ref().and_then(|l| l.value))
        .collect();
    assert_eq!(values, [Some(100.5), Some(100.5), Some(2.0)]);
}

// ---------------------------------------------------------------------------
// Firing semantics.

#[test]
fn crosses_above_fires_once_per_crossing() {
    let text = r#"
        [[rules]]
        name = "up"
        when = { lhs = "mid", op = "crosses_above", rhs = 100.2 }
        then = [ { buy = { lots = 1 } } ]
    "#;
    let mut tape = Tape::default();
    // Mid: 100, 101 (cross), 101, 102, 100, 100, 101 (cross), 99, 103 (cross).
    for (i, (bid, ask)) in [
        (99, 101),
        (100, 102),
        (100, 102),
        (101, 103),
        (99, 101),
        (99, 101),
        (100, 102),
        (98, 100),
        (102, 104),
    ]
    .into_iter()
    .enumerate()
    {
        let ts = T0 + i as i64 * S;
        tape.touch(ts, bid, 10, ask, 10);
        if i == 5 {
            // A trade is one more evaluation below the line: no crossing.
            tape.trade(ts + 1, Side::Buy, 101, 1);
        }
    }
    // One more book, so the last order reaches the exchange before the data ends.
    tape.touch(T0 + 9 * S, 102, 10, 104, 10);
    let (record, signals) = run_rules(text, &tape.events);
    assert_eq!(fire_times_s(&signals), [1.0, 6.0, 8.0]);
    assert_eq!(record.fills.len(), 3);
}

#[test]
fn at_least_counts_true_children() {
    // Three conditions on the spread, the imbalance and the mid; the rule
    // needs two of them.
    let text = r#"
        [[rules]]
        name = "two of three"
        when = { at_least = { n = 2, of = [
            { lhs = "spread", op = ">=", rhs = 3 },
            { lhs = "imbalance", op = ">", rhs = 0 },
            { lhs = "mid", op = ">", rhs = 105 },
        ] } }
        then = [ { buy = { lots = 1, price = "bid-50" } } ]
    "#;
    let mut tape = Tape::default();
    let books = [
        (100, 10, 102, 10), // 0 of 3
        (100, 20, 103, 10), // spread 3, imbalance > 0: 2 of 3 -> fires
        (100, 10, 103, 20), // spread only: 1 of 3
        (106, 10, 107, 10), // mid only: 1 of 3
        (106, 30, 109, 10), // all three -> fires
        (106, 10, 108, 30), // mid only
        (106, 10, 109, 30), // spread and mid -> fires
    ];
    for (i, &(bid, bq, ask, aq)) in books.iter().enumerate() {
        tape.touch(T0 + i as i64 * S, bid, bq, ask, aq);
    }
    let (_, signals) = run_rules(text, &tape.events);
    assert_eq!(fire_times_s(&signals), [1.0, 4.0, 6.0]);
    let truths: Vec<Vec<Option<bool>>> = signals
        .iter()
        .map(|s| s.when.children.iter().map(|c| c.truth).collect())
        .collect();
    assert_eq!(
        truths,
        [
            [Some(true), Some(true), Some(false)],
            [Some(true), Some(true), Some(true)],
            [Some(true), Some(false), Some(true)],
        ]
    );
    assert_eq!(signals[0].when.n, Some(2));
}

#[test]
fn cooldown_holds_and_max_fires_stops() {
    let text = r#"
        [[rules]]
        name = "every two seconds"
        when = { lhs = "spread", op = ">=", rhs = 1 }
        then = [ { buy = { lots = 1, price = "bid-50" } } ]
        cooldown = "2s"

        [[rules]]
        name = "three times"
        when = { lhs = "spread", op = ">=", rhs = 1 }
        then = [ { sell = { lots = 1, price = "ask+50" } } ]
        max_fires = 3
    "#;
    let mut tape = Tape::default();
    for i in 0..20 {
        // Every 500 ms, sizes changing so each batch is a new book.
        tape.touch(T0 + i * 500 * MS, 100, 10 + i, 102, 10);
    }
    let (_, signals) = run_rules(text, &tape.events);
    let times = |rule: &str| {
        fire_times_s(
            &signals
                .iter()
                .filter(|s| s.rule == rule)
                .cloned()
                .collect::<Vec<_>>(),
        )
    };
    assert_eq!(times("every two seconds"), [0.0, 2.0, 4.0, 6.0, 8.0]);
    assert_eq!(times("three times"), [0.0, 0.5, 1.0]);
    let counts: Vec<u32> = signals
        .iter()
        .filter(|s| s.rule == "three times")
        .map(|s| s.fire_count)
        .collect();
    assert_eq!(counts, [1, 2, 3]);
}

#[test]
fn unknown_values_do_not_fire_and_not_stays_unknown() {
    // Before any trade `last` is unknown, so `not (last > 0)` is unknown too.
    let text = r#"
        [[rules]]
        name = "no trade yet"
        when = { not = { lhs = "last", op = ">", rhs = 0 } }
        then = [ { buy = { lots = 1, price = "bid-50" } } ]

        [[rules]]
        name = "traded"
        when = { any = [ { lhs = "last", op = ">", rhs = 0 }, { lhs = "spread", op = ">", rhs = 100 } ] }
        then = [ { sell = { lots = 1, price = "ask+50" } } ]
        max_fires = 1
    "#;
    let mut tape = Tape::default();
    tape.touch(T0, 100, 10, 102, 10);
    tape.trade(T0 + S, Side::Sell, 100, 1);
    tape.touch(T0 + 2 * S, 100, 9, 102, 10);
    let (_, signals) = run_rules(text, &tape.events);
    let names: Vec<&str> = signals.iter().map(|s| s.rule.as_str()).collect();
    assert_eq!(names, ["traded"]);
    assert_eq!(fire_times_s(&signals), [1.0]);
}

// ---------------------------------------------------------------------------
// The audit record of a known firing.

#[test]
fn audit_record_of_a_known_firing() {
    let text = r#"
        [indicators]
        slow = { sma = { of = "mid", window = "3s" } }

        [[rules]]
        name = "cross up"
        when = { all = [
            { lhs = "mid", op = "crosses_above", rhs = "slow" },
            { lhs = "spread", op = "<=", rhs = 2 },
            { not = { lhs = { vwap = { window = "1m" } }, op = ">", rhs = "mid" } },
        ] }
        then = [ { buy = { lots = 1, price = "bid" } }, "cancel_all" ]
    "#;
    let mut tape = Tape::default();
    tape.touch(T0, 99, 10, 101, 10); // events 1-2, mid 100
    tape.trade(T0 + 4 * S, Side::Buy, 101, 3); // event 3
    tape.touch(T0 + 10 * S, 101, 10, 103, 10); // events 4-7, mid 102
    let (_, signals) = run_rules(text, &tape.events);
    assert_eq!(signals.len(), 1);
    let expected = json!({
        "ts_ns": T0 + 10 * S,
        "event_index": 7,
        // The instrument whose event evaluated the rule.
        "symbol": "TEST",
        "rule": "cross up",
        "rule_index": 0,
        "fire_count": 1,
        "actions": [
            {
                "action": "buy",
                "symbol": "TEST",
                "requests": [{
                    "request": "new",
                    "order_id": 1,
                    "side": "buy",
                    "order_type": "limit",
                    "time_in_force": "gtc",
                    "price_ticks": 101,
                    "stop_price_ticks": 0,
                    "qty_lots": 1
                }]
            },
            {
                "action": "cancel_all",
                "symbol": "TEST",
                "requests": [{ "request": "cancel_all", "orders": 1 }]
            }
        ],
        "when": {
            "path": "rules[0].when",
            "node": "all",
            "truth": true,
            "children": [
                {
                    "path": "rules[0].when.all[0]",
                    "node": "compare",
                    "truth": true,
                    "lhs": { "source": "mid", "symbol": "TEST", "value": 102.0, "previous": 100.0, "unit": "price" },
                    "op": "crosses_above",
                    // The 3 s window [7 s, 10 s] saw only the mid of 100.
                    "rhs": { "source": "slow", "symbol": "TEST", "value": 100.0, "previous": 100.0, "unit": "price" }
                },
                {
                    "path": "rules[0].when.all[1]",
                    "node": "compare",
                    "truth": true,
                    "lhs": { "source": "spread", "symbol": "TEST", "value": 2.0, "unit": "ticks" },
                    "op": "<=",
                    "rhs": { "source": "2", "value": 2.0 }
                },
                {
                    "path": "rules[0].when.all[2]",
                    "node": "not",
                    "truth": true,
                    "children": [{
                        "path": "rules[0].when.all[2].not",
                        "node": "compare",
                        "truth": false,
                        "lhs": { "source": "vwap(window=1m)", "symbol": "TEST", "value": 101.0, "unit": "price" },
                        "op": ">",
                        "rhs": { "source": "mid", "symbol": "TEST", "value": 102.0, "unit": "price" }
                    }]
                }
            ]
        }
    });
    assert_eq!(
        serde_json::to_value(&signals[0]).expect("serializable"),
        expected
    );
    // The record reads back from its JSON line.
    let mut line = Vec::new();
    rules::write_jsonl(&mut line, &signals).expect("write");
    let back: Signal = serde_json::from_slice(&line).expect("read back");
    assert_eq!(back, signals[0]);
}

// ---------------------------------------------------------------------------
// A rule file and the same strategy written natively fill alike.

/// xorshift64*: a fixed random stream.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> i64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n) as i64
    }
}

/// A random walk of the touch with trades, irregularly spaced.
fn random_day(batches: usize) -> Vec<MarketEvent> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut tape = Tape::default();
    let (mut ts, mut bid) = (T0, 1_000);
    for _ in 0..batches {
        ts += 1 + rng.below(400 * MS as u64);
        match rng.below(10) {
            0..=1 => bid += rng.below(3) - 1,
            2..=3 => {
                let buy = rng.below(2) == 0;
                let (side, price) = if buy {
                    (Side::Buy, bid + 1)
                } else {
                    (Side::Sell, bid)
                };
                tape.trade(ts, side, price, 1 + rng.below(5));
            }
            4..=6 => {
                // Depth far behind the touch: no evaluation point.
                let (side, price) = if rng.below(2) == 0 {
                    (Side::Buy, 500 + rng.below(5))
                } else {
                    (Side::Sell, 1_500 + rng.below(5))
                };
                tape.events
                    .push(MarketEvent::depth(ts, side, price, rng.below(30)));
                continue;
            }
            _ => {}
        }
        let spread = 1 + rng.below(2);
        tape.touch(ts, bid, 1 + rng.below(40), bid + spread, 1 + rng.below(40));
    }
    tape.events
}

const EQUIVALENT_RULES: &str = r#"
    [indicators]
    slow = { sma = { of = "mid", window = "5s" } }

    [[rules]]
    name = "buy the bid pressure"
    when = { all = [ { lhs = "imbalance", op = ">", rhs = 0.6 }, { lhs = "position", op = "<", rhs = 3 } ] }
    then = [ { buy = { lots = 1 } } ]
    cooldown = "1s"

    [[rules]]
    name = "sell the offer pressure"
    when = { all = [ { lhs = "imbalance", op = "<", rhs = -0.6 }, { lhs = "position", op = ">", rhs = -3 } ] }
    then = [ { sell = { lots = 1 } } ]
    cooldown = "1s"

    [[rules]]
    name = "offer on a dip"
    when = { lhs = "mid", op = "crosses_below", rhs = "slow" }
    then = [ { sell = { lots = 1, price = "ask+1" } } ]
    cooldown = "2s"
"#;

/// The same three rules, by hand, evaluated at the same moments: a
/// consistent book whose touch changed, a trade, or the first book after
/// an order update.
#[derive(Default)]
struct NativeEquivalent {
    slow: Option<TimeWeightedWindow>,
    prev: Option<(f64, f64)>,
    last_fire_ns: [Option<i64>; 3],
    last_touch: Option<(Level, Level)>,
    orders_changed: bool,
}

impl Strategy for NativeEquivalent {
    fn on_order(
        &mut self,
        _ctx: &mut Ctx<'_, '_>,
        _update: &OrderUpdate,
    ) -> Result<(), StrategyError> {
        self.orders_changed = true;
        Ok(())
    }

    fn on_market(&mut self, ctx: &mut Ctx<'_, '_>, ev: &MarketEvent) -> Result<(), StrategyError> {
        if !ev.is_last_in_batch() {
            return Ok(());
        }
        let now = ctx.now_ns();
        let (Some(bid), Some(ask)) = (ctx.best_bid(), ctx.best_ask()) else {
            return Ok(());
        };
        let touch = Some((bid, ask));
        if touch == self.last_touch && !self.orders_changed && ev.kind != EventKind::Trade {
            return Ok(());
        }
        self.last_touch = touch;
        self.orders_changed = false;
        let mid = (bid.price + ask.price) as f64 / 2.0;
        let window = self
            .slow
            .get_or_insert_with(|| TimeWeightedWindow::new(5 * S));
        window.push(now, mid);
        let slow = window.mean(now).unwrap_or(f64::NAN);
        let imb = (bid.qty - ask.qty) as f64 / (bid.qty + ask.qty) as f64;
        let position = ctx.position_lots();
        let crossed = self.prev.is_some_and(|(m, s)| m >= s) && mid < slow;
        self.prev = Some((mid, slow));
        let wants = [
            imb > 0.6 && position < 3,
            imb < -0.6 && position > -3,
            crossed,
        ];
        let cooldowns = [S, S, 2 * S];
        for i in 0..3 {
            if !wants[i] || self.last_fire_ns[i].is_some_and(|t| now - t < cooldowns[i]) {
                continue;
            }
            self.last_fire_ns[i] = Some(now);
            match i {
                0 => ctx.buy_market(1)?,
                1 => ctx.sell_market(1)?,
                _ => ctx.sell(ctx.best_ask().map_or(0, |l| l.price) + 1, 1)?,
            };
        }
        Ok(())
    }
}

#[test]
fn rule_file_and_native_strategy_fill_alike() {
    let events = random_day(30_000);
    let (rules_record, signals) = run_rules(EQUIVALENT_RULES, &events);
    let native = NativeEquivalent::default();
    let engine = Engine::from_slice(instrument(), &config(), &events).expect("config");
    let native_record = run_to_end(engine, native).expect("run");
    let fills = |r: &RunRecord| -> Vec<FillRecord> { r.fills.clone() };
    assert!(
        rules_record.fills.len() > 50,
        "{} fills",
        rules_record.fills.len()
    );
    assert!(rules_record
        .fills
        .iter()
        .any(|f| f.liquidity == ticklab::sim::Liquidity::Maker));
    assert_eq!(fills(&rules_record), fills(&native_record));
    assert_eq!(rules_record.orders.len(), native_record.orders.len());
    assert!(signals.iter().any(|s| s.rule == "offer on a dip"));
}

// ---------------------------------------------------------------------------
// Actions.

#[test]
fn stop_loss_and_take_profit_follow_the_position() {
    let text = r#"
        [[rules]]
        name = "enter"
        when = { lhs = "position", op = "==", rhs = 0 }
        then = [ { buy = { lots = 2 } }, { stop_loss = { ticks = 5 } }, { take_profit = { ticks = 3 } } ]
        max_fires = 1
    "#;
    let mut tape = Tape::default();
    tape.touch(T0, 100, 10, 101, 10); // buys 2 at 101
    tape.touch(T0 + S, 101, 10, 102, 10);
    tape.touch(T0 + 2 * S, 103, 10, 104, 10);
    tape.trade(T0 + 3 * S, Side::Buy, 104, 20); // our take-profit at 104 fills
    tape.touch(T0 + 4 * S, 103, 10, 105, 10);
    let (record, signals) = run_rules(text, &tape.events);
    assert_eq!(signals.len(), 1);
    let notes: Vec<Option<&str>> = signals[0]
        .actions
        .iter()
        .map(|a| a.note.as_deref())
        .collect();
    assert_eq!(
        notes,
        [
            None,
            Some("stop-loss armed 5 ticks from the average entry"),
            Some("take-profit armed 3 ticks from the average entry")
        ]
    );
    let placed: Vec<(OrderType, i64, i64, i64)> = record
        .orders
        .iter()
        .filter(|u| u.kind == ticklab::sim::UpdateKind::Accepted)
        .map(|u| (u.order_type, u.price_ticks, u.stop_price_ticks, u.qty_lots))
        .collect();
    // Entry at 101: stop at 96, take-profit at 104, both for 2 lots.
    assert!(
        placed.contains(&(OrderType::StopMarket, 0, 96, 2)),
        "{placed:?}"
    );
    assert!(
        placed.contains(&(OrderType::Limit, 104, 0, 2)),
        "{placed:?}"
    );
    let fills: Vec<(Side, i64, i64)> = record
        .fills
        .iter()
        .map(|f| (f.side, f.price_ticks, f.qty_lots))
        .collect();
    assert_eq!(fills, [(Side::Buy, 101, 2), (Side::Sell, 104, 2)]);
    // Flat again: the stop is canceled.
    let last = record
        .orders
        .iter()
        .rev()
        .find(|u| u.order_type == OrderType::StopMarket);
    assert_eq!(
        last.map(|u| u.kind),
        Some(ticklab::sim::UpdateKind::Canceled)
    );
}

#[test]
fn quote_keeps_one_order_a_side_and_respects_the_limit() {
    let text = r#"
        [settings]
        max_position_lots = 1

        [[rules]]
        name = "make"
        when = { lhs = "spread", op = ">=", rhs = 2 }
        then = [ { quote = { spread_ticks = 2, lots = 1 } } ]
    "#;
    let mut tape = Tape::default();
    tape.touch(T0, 100, 10, 104, 10); // mid 102: quotes 101 / 103
    tape.touch(T0 + S, 100, 11, 104, 10); // same prices: nothing to do
    tape.touch(T0 + 2 * S, 102, 10, 106, 10); // mid 104: move to 103 / 105
    tape.trade(T0 + 3 * S, Side::Sell, 103, 5); // our bid fills: long 1
    tape.touch(T0 + 4 * S, 102, 9, 106, 10); // at the limit: no new bid
    let (record, signals) = run_rules(text, &tape.events);
    assert_eq!(fire_times_s(&signals), [0.0, 2.0]);
    let kinds: Vec<Vec<&str>> = signals
        .iter()
        .map(|s| {
            s.actions[0]
                .requests
                .iter()
                .map(|r| match r {
                    rules::RequestRecord::New { .. } => "new",
                    rules::RequestRecord::Modify { .. } => "modify",
                    _ => "other",
                })
                .collect()
        })
        .collect();
    assert_eq!(kinds, [vec!["new", "new"], vec!["modify", "modify"]]);
    assert_eq!(record.fills.len(), 1);
    assert_eq!(
        (
            record.fills[0].price_ticks,
            record.fills[0].position_after_lots
        ),
        (103, 1)
    );
}

#[test]
fn flatten_counts_market_orders_on_their_way() {
    let text = r#"
        [[rules]]
        name = "enter"
        when = { lhs = "time_of_day", op = "<", rhs = "22:13:21" }
        then = [ { buy = { lots = 3 } } ]
        max_fires = 1

        [[rules]]
        name = "exit"
        when = { all = [ { lhs = "time_of_day", op = ">=", rhs = "22:13:22" }, { lhs = "since_last_fill", op = ">", rhs = "500ms" } ] }
        then = [ "flatten" ]
    "#;
    let mut tape = Tape::default();
    for i in 0..8 {
        tape.touch(T0 + i * 500 * MS, 100, 10 + i, 101, 10);
        if i == 4 {
            // 500 ns after the exit, its market order is still on its way
            // (entry latency 1 µs): the position is 3 but nothing to do.
            tape.touch(T0 + 2 * S + 500, 100, 20, 101, 10);
        }
    }
    let (record, signals) = run_rules(text, &tape.events);
    // The position is closed once, however often the exit holds afterwards.
    assert_eq!(fire_times_s(&signals), [0.0, 2.0]);
    assert_eq!(record.fills.last().map(|f| f.position_after_lots), Some(0));
    assert_eq!(record.fills.len(), 2);
}

// ---------------------------------------------------------------------------
// Formats and validation.

#[test]
fn toml_and_json_read_the_same_rules() {
    let toml_text = r#"
        description = "both"
        [settings]
        max_position_lots = 4
        [indicators]
        fast = { ema = { half_life = "2s" } }
        [[rules]]
        name = "a"
        when = { any = [ { lhs = "fast", op = "crosses_above", rhs = { sma = { window = "1m" } } }, { lhs = "rsi_fast", op = "<", rhs = 30 } ] }
        then = [ { buy = { share = 0.5, price = "bid+1", tif = "post_only" } }, "flatten" ]
        cooldown = "1.5s"
    "#
    .replace("rsi_fast", "fast");
    let json_text = r#"{
        "description": "both",
        "settings": { "max_position_lots": 4 },
        "indicators": { "fast": { "ema": { "half_life": "2s" } } },
        "rules": [{
            "name": "a",
            "when": { "any": [
                { "lhs": "fast", "op": "crosses_above", "rhs": { "sma": { "window": "1m" } } },
                { "lhs": "fast", "op": "<", "rhs": 30 }
            ] },
            "then": [ { "buy": { "share": 0.5, "price": "bid+1", "tif": "post_only" } }, "flatten" ],
            "cooldown": "1500ms"
        }]
    }"#;
    let a = rule_set(&toml_text);
    let b = RuleSet::from_json_str(json_text, "x.rules.json").expect("valid json");
    assert_eq!(a, b);
    // The file writes back as the same JSON.
    let again = serde_json::to_string(a.file()).expect("serialize");
    assert_eq!(
        RuleSet::from_json_str(&again, "again.rules.json").expect("valid"),
        a
    );
}

fn error_of(text: &str) -> rules::RuleFileError {
    match RuleSet::from_toml_str(text, "bad.rules.toml") {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(err) => err,
    }
}

const RULES_HEAD: &str = r#"[indicators]
fast = { ema = { of = "mid", half_life = "2s" } }

[[rules]]
name = "one"
when = { lhs = "fast", op = ">", rhs = "mid" }
then = [ { buy = { lots = 1 } } ]

[[rules]]
name = "two"
when = { lhs = "spread", op = ">", rhs = 1 }
then = [ "cancel_all" ]
"#;

#[test]
fn unknown_indicator_names_its_path_line_and_column() {
    let text = format!(
        r#"{RULES_HEAD}
[[rules]]
name = "three"
when = {{ all = [
    {{ lhs = "spread", op = "<", rhs = 3 }},
    {{ lhs = "fsat", op = "crosses_above", rhs = "mid" }},
] }}
then = [ {{ sell = {{ lots = 1 }} }} ]
"#
    );
    let err = error_of(&text);
    assert_eq!(err.path, "rules[2].when.all[1].lhs");
    assert_eq!((err.line, err.column), (18, 13));
    assert!(
        err.message
            .starts_with("unknown indicator \"fsat\"; named in [indicators]: fast; built in: mid,"),
        "{}",
        err.message
    );
    assert!(
        err.to_string()
            .starts_with("bad.rules.toml:18:13: rules[2].when.all[1].lhs: unknown indicator"),
        "{err}"
    );
}

#[test]
fn wrong_types_name_their_path_and_line() {
    // A string where a count is expected (caught by serde).
    let err = error_of(&format!("{RULES_HEAD}max_fires = \"ten\"\n"));
    assert_eq!((err.path.as_str(), err.line), ("rules[1].max_fires", 13));
    assert!(
        err.message.contains("invalid type: string \"ten\""),
        "{}",
        err.message
    );

    // Comparing a price with seconds (caught when the names are resolved).
    let text = RULES_HEAD.replace(r#"rhs = "mid" }"#, r#"rhs = "since_last_fill" }"#);
    let err = error_of(&text);
    assert_eq!(
        (err.path.as_str(), err.line, err.column),
        ("rules[0].when", 6, 8)
    );
    assert_eq!(
        err.message,
        "cannot compare fast (a price) with since_last_fill (seconds)"
    );

    // A table where a number or name is expected.
    let err = error_of(&RULES_HEAD.replace("rhs = 1 }", "rhs = true }"));
    assert_eq!((err.path.as_str(), err.line), ("rules[1].when.rhs", 11));
}

#[test]
fn bad_window_string_names_its_path_and_line() {
    let err = error_of(&RULES_HEAD.replace(r#"half_life = "2s""#, r#"half_life = "2 secs""#));
    assert_eq!(err.path, "indicators.fast.ema.half_life");
    assert_eq!((err.line, err.column), (2, 42));
    assert!(
        err.message.starts_with("bad duration \"2 secs\""),
        "{}",
        err.message
    );

    // Inline, deep in a rule.
    let text = RULES_HEAD.replace(r#"rhs = "mid" }"#, r#"rhs = { sma = { window = "5x" } } }"#);
    let err = error_of(&text);
    assert_eq!(
        (err.path.as_str(), err.line),
        ("rules[0].when.rhs.sma.window", 6)
    );
}

#[test]
fn empty_all_names_its_path_and_line() {
    let err = error_of(&RULES_HEAD.replace(
        r#"when = { lhs = "spread", op = ">", rhs = 1 }"#,
        "when = { all = [] }",
    ));
    assert_eq!(
        (err.path.as_str(), err.line, err.column),
        ("rules[1].when.all", 11, 16)
    );
    assert_eq!(err.message, "`all` needs at least one condition");
}

#[test]
fn json_errors_name_their_path_and_line_too() {
    let json_text = r#"{
  "rules": [
    {
      "name": "a",
      "when": { "all": [ { "lhs": "mid", "op": ">", "rhs": { "sma": { "window": "30x" } } } ] },
      "then": [ "flatten" ]
    },
    {
      "name": "b",
      "when": { "all": [] },
      "then": [ "flatten" ]
    }
  ]
}"#;
    let err = RuleSet::from_json_str(json_text, "bad.rules.json").expect_err("bad window");
    assert_eq!(
        (err.path.as_str(), err.line, err.column),
        ("rules[0].when.all[0].rhs.sma.window", 5, 81)
    );
    let fixed = json_text.replace("30x", "30s");
    let err = RuleSet::from_json_str(&fixed, "bad.rules.json").expect_err("empty all");
    assert_eq!(
        (err.path.as_str(), err.line, err.column),
        ("rules[1].when.all", 10, 24)
    );
    let err = RuleSet::from_json_str(
        &fixed.replace(r#""name": "b""#, r#""name": "b", "colour": 1"#),
        "x",
    )
    .expect_err("unknown field");
    assert_eq!((err.path.as_str(), err.line), ("rules[1].colour", 9));
    assert!(
        err.message.starts_with("unknown field `colour`"),
        "{}",
        err.message
    );
}

#[test]
fn other_mistakes_are_caught_before_running() {
    let cases = [
        (RULES_HEAD.replace("then = [ \"cancel_all\" ]", "then = []"), "rules[1].then", "a rule needs at least one action"),
        (RULES_HEAD.replace("name = \"two\"", "name = \"one\""), "rules[1].name", "rule name \"one\" is already used by rules[0]"),
        (RULES_HEAD.replace("{ buy = { lots = 1 } }", "{ buy = { share = 0.5 } }"), "rules[0].then[0].buy.share", "a `share` size needs settings.max_position_lots"),
        (RULES_HEAD.replace("{ buy = { lots = 1 } }", "{ buy = { } }"), "rules[0].then[0].buy", "give the size as `lots` or as a `share` of the maximum position"),
        (RULES_HEAD.replace("rhs = \"mid\"", "rhs = \"sma\""), "rules[0].when.rhs", "indicator `sma` needs parameters: name it in [indicators] or write it inline, e.g. { sma = { of = \"mid\", window = \"30s\" } }"),
        (RULES_HEAD.replace("lhs = \"spread\", op = \">\", rhs = 1", "lhs = 2, op = \">\", rhs = 1"), "rules[1].when", "compares two constants (2 > 1); one side must be an indicator"),
        (RULES_HEAD.replace("fast = {", "mid = {"), "indicators.mid", "indicator name \"mid\" is a built-in indicator's name; choose another"),
    ];
    for (text, path, message) in cases {
        let err = error_of(&text);
        assert_eq!((err.path.as_str(), err.message.as_str()), (path, message));
    }
    let err = error_of(&RULES_HEAD.replace("op = \">\", rhs = 1", "op = \"=>\", rhs = 1"));
    assert_eq!(err.path, "rules[1].when.op");
    assert!(
        err.message.starts_with("unknown variant `=>`"),
        "{}",
        err.message
    );
    let err = error_of(&RULES_HEAD.replace(
        "then = [ \"cancel_all\" ]",
        "then = [ \"cancel_everything\" ]",
    ));
    assert_eq!((err.path.as_str(), err.line), ("rules[1].then[0]", 12));
}

// ---------------------------------------------------------------------------
// Schema, examples and the strategy choice.

#[test]
fn schema_asset_matches_the_types() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/rules.schema.json");
    let on_disk = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        on_disk == rules::json_schema(),
        "assets/rules.schema.json is out of date: run `cargo run -- schema rules --out assets/rules.schema.json`"
    );
    let schema: serde_json::Value = serde_json::from_str(&on_disk).expect("schema is JSON");
    assert_eq!(schema["title"], "ticklab rule file");
    assert!(schema["$defs"]["IndicatorSpec"].is_object());
}

#[test]
fn example_strategies_load() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/strategies");
    let mut loaded = Vec::new();
    for name in [
        "imbalance_scalper",
        "lead_lag",
        "mean_reversion",
        "spread_mm",
    ] {
        let path = std::path::PathBuf::from(dir).join(format!("{name}.rules.toml"));
        let text = std::fs::read_to_string(&path).expect("example exists");
        assert!(
            text.starts_with("# "),
            "{name}: starts with a comment header"
        );
        match StrategyChoice::parse(&path.display().to_string(), &toml::Table::new()) {
            Ok(StrategyChoice::Rules { rules, .. }) => loaded.push(rules.file().rules.len()),
            Ok(other) => panic!("{name}: parsed as {other:?}"),
            Err(err) => panic!("{err}"),
        }
    }
    assert!(loaded.iter().all(|&n| n >= 2), "{loaded:?}");
}

#[test]
fn strategy_choice_reports_rule_file_errors() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("broken.rules.toml");
    std::fs::write(
        &path,
        "[[rules]]\nname = \"x\"\nwhen = { all = [] }\nthen = [\"flatten\"]\n",
    )
    .expect("write");
    let err = StrategyChoice::parse(&path.display().to_string(), &toml::Table::new())
        .expect_err("empty all");
    assert!(
        err.to_string().contains(
            "broken.rules.toml:3:16: rules[0].when.all: `all` needs at least one condition"
        ),
        "{err}"
    );
    let choice = StrategyChoice::parse(
        &path.display().to_string().replace("broken", "missing"),
        &toml::Table::new(),
    );
    assert!(choice.is_err());
}

#[test]
fn event_kinds_other_than_trades_do_not_count_as_trades() {
    let text = r#"
        [[rules]]
        name = "volume"
        when = { lhs = { volume = { window = "10s" } }, op = ">=", rhs = 5 }
        then = [ { buy = { lots = 1, price = "bid-50" } } ]
        max_fires = 1
    "#;
    let mut tape = Tape::default();
    tape.touch(T0, 100, 10, 101, 10);
    tape.trade(T0 + S, Side::Buy, 101, 3);
    let mut clear = MarketEvent::depth(T0 + 2 * S, Side::Buy, 99, 7);
    clear.kind = EventKind::Snapshot;
    tape.events.push(clear);
    tape.trade(T0 + 3 * S, Side::Sell, 100, 2);
    let (_, signals) = run_rules(text, &tape.events);
    assert_eq!(fire_times_s(&signals), [3.0]);
}

#[test]
fn a_rule_file_not_in_utf8_is_refused_at_its_first_bad_byte() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("latin1.rules.toml");
    // 0xE9 ("é" in Latin-1) at byte 18, line 1, column 19.
    std::fs::write(&path, b"description = \"caf\xe9\"\n").unwrap();
    let err = RuleSet::from_path(&path).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{}: cannot read: not UTF-8 text: byte 0xE9 at byte offset 18 (line 1, column 19); save the file as UTF-8",
            path.display()
        )
    );
}

#[test]
fn params_are_named_with_a_dollar_and_a_run_config_can_change_them() {
    let text = r#"
        [params]
        wide = 3

        [[rules]]
        name = "wide spread"
        when = { lhs = "spread", op = ">=", rhs = "$wide" }
        then = [ { buy = { lots = 1, price = "bid-50" } } ]
        cooldown = "1ms"
    "#;
    let mut tape = Tape::default();
    // Spreads 2, 3, 4, 5 ticks at 0, 1, 2 and 3 s.
    for (i, ask) in [102, 103, 104, 105].into_iter().enumerate() {
        tape.touch(T0 + i as i64 * S, 100, 10, ask, 10);
    }
    let (_, signals) = run_rules(text, &tape.events);
    assert_eq!(fire_times_s(&signals), [1.0, 2.0, 3.0]);
    assert_eq!(
        signals[0].when.rhs.as_ref().map(|o| o.source.as_str()),
        Some("$wide")
    );

    // The run configuration's [params] sets it: 5 ticks fires only at 3 s.
    let five: toml::Table = toml::from_str("wide = 5").unwrap();
    let strategy = rule_set(text).with_params(&five).unwrap().strategy();
    let feed = strategy.signal_feed();
    let engine = Engine::from_slice(instrument(), &config(), &tape.events).expect("valid config");
    run_to_end(engine, strategy).expect("run");
    assert_eq!(fire_times_s(&feed.drain()), [3.0]);
    let choice = StrategyChoice::parse("x.rules.toml", &five);
    assert!(choice.is_err(), "a missing file is still an error");

    let err = rule_set(text)
        .with_params(&toml::from_str("narrow = 1").unwrap())
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "[params] narrow: the rule file has no such parameter; its [params]: wide"
    );
    let err = rule_set(text)
        .with_params(&toml::from_str("wide = \"x\"").unwrap())
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "[params] wide: must be a finite number, got \"x\""
    );

    let err = RuleSet::from_toml_str(&text.replace("$wide", "$wider"), "p.rules.toml").unwrap_err();
    assert_eq!(
        err.to_string(),
        "p.rules.toml:7:51: rules[0].when.rhs: unknown parameter $wider; named in [params]: wide"
    );
}
