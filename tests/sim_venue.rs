//! Market states in the simulator: nothing matches outside continuous
//! trading, orders that rested in an auction fill at the open, and the
//! strategy sees the state. Outcomes worked out by hand, and one real CME
//! day whose pre-open shows only as a crossed book.

use std::path::PathBuf;

use ticklab::book::L2Book;
use ticklab::market::import::{self, collect_events, Format, ImportOptions};
use ticklab::market::{EventKind, Instrument, MarketEvent, MarketState, Side, StateTracker};
use ticklab::sim::{
    Engine, LatencyConfig, Liquidity, OrderId, OrderRequest, OrderUpdate, Reason, RunConfig,
    UpdateKind, Wake,
};
use ticklab::strategy::rules::RuleSet;
use ticklab::strategy::{run_to_end, Ctx, Runner, Strategy, StrategyError};

/// Tick 1, lot 1.
fn instrument() -> Instrument {
    Instrument::new("TEST", 1.0, 1.0)
}

/// Entry and response latency 10 ns each; the default (risk-averse) queue.
fn config() -> RunConfig {
    RunConfig {
        latency: LatencyConfig::Constant {
            entry_ns: 10,
            response_ns: 10,
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

fn status(ts: i64, state: MarketState) -> MarketEvent {
    MarketEvent::status(ts, state)
}

/// An engine driven by hand, keeping the order updates the strategy got.
struct Sim<'a> {
    engine: Engine<'a>,
    updates: Vec<OrderUpdate>,
    /// (local time, state) of each state change the strategy was told of.
    changes: Vec<(i64, MarketState)>,
}

impl<'a> Sim<'a> {
    fn new(events: &'a [MarketEvent], config: &RunConfig) -> Self {
        let mut engine = Engine::from_slice(instrument(), config, events).expect("valid engine");
        engine.start().expect("engine start");
        Sim {
            engine,
            updates: Vec::new(),
            changes: Vec::new(),
        }
    }

    fn step(&mut self) -> Wake {
        let wake = self.engine.advance().expect("engine step");
        match wake {
            Wake::Order(update) => self.updates.push(update),
            Wake::Market(_) => {
                if let Some(ev) = self.engine.take_status_change() {
                    let state = ev.market_state().expect("a status event");
                    self.changes.push((ev.local_ts, state));
                }
            }
            _ => {}
        }
        wake
    }

    /// Runs to local time `ts` and returns a context to act then.
    fn at(&mut self, ts: i64) -> Ctx<'_, 'a> {
        let timer = self.engine.set_timer_at(ts);
        loop {
            match self.step() {
                Wake::Timer { id, .. } if id == timer => break,
                Wake::Finished => panic!("data ended before {ts}"),
                _ => {}
            }
        }
        Ctx::new(&mut self.engine)
    }

    fn run_to_end(&mut self) {
        while self.step() != Wake::Finished {}
    }

    fn kinds_of(&self, id: OrderId) -> Vec<UpdateKind> {
        self.updates
            .iter()
            .filter(|u| u.order_id == id)
            .map(|u| u.kind)
            .collect()
    }

    /// (price, lots, exchange time, local time, liquidity) of each fill.
    fn fills_of(&self, id: OrderId) -> Vec<(i64, i64, i64, i64, Liquidity)> {
        self.updates
            .iter()
            .filter(|u| u.order_id == id)
            .filter_map(|u| {
                u.fill.map(|f| {
                    (
                        f.price_ticks,
                        f.qty_lots,
                        u.exch_ts_ns,
                        u.local_ts_ns,
                        f.liquidity,
                    )
                })
            })
            .collect()
    }
}

/// Pre-open from 100, the book crossed at 110, a trade printed in the
/// auction at 160, the open at 200 with its first trade at 102 at 210, the
/// book uncrossed at 220. Orders sent at 120 arrive at 130:
///
/// - A buy 103 × 2 and B sell 100 × 1 would cross the book; in the auction
///   they rest. Both are better than the opening price 102: they fill whole
///   at 102 at 210, as maker.
/// - C buy 101 × 1 is below the opening price: no fill at the open. The
///   book uncrosses at 220 with no ask; an ask at 101 at 300 reaches it (it
///   is at the front of its level): it fills at 101 at 300.
/// - F buy 100 × 1 joins behind 10 lots. The auction's trade at 100 × 4
///   moves neither it nor anything else: 10 ahead still at 170. After the
///   open, a trade at 100 × 12 at 400 leaves 2 lots past the 10 ahead: F
///   fills 1 at 100.
/// - D market buy 1 arrives in the pre-open: rejected, the state as reason.
#[test]
fn orders_rest_in_the_auction_and_fill_at_the_open() {
    let mut uncross_bid = bid(220, 103, 0);
    uncross_bid.flags = 0;
    let events = [
        bid(0, 100, 10),
        ask(0, 101, 10),
        status(100, MarketState::PreOpen),
        bid(110, 103, 5),
        ask(150, 101, 3),
        trade(160, Side::None, 100, 4),
        status(200, MarketState::Trading),
        trade(210, Side::None, 102, 4),
        uncross_bid,
        ask(220, 101, 0),
        ask(300, 101, 4),
        trade(400, Side::Sell, 100, 12),
        bid(500, 99, 1),
    ];
    let mut sim = Sim::new(&events, &config());
    let mut ctx = sim.at(120);
    assert_eq!(ctx.market_state(), MarketState::PreOpen);
    let a = ctx.buy(103, 2).unwrap();
    let b = ctx.sell(100, 1).unwrap();
    let c = ctx.buy(101, 1).unwrap();
    let f = ctx.buy(100, 1).unwrap();
    let d = ctx.submit(OrderRequest::market(Side::Buy, 1)).unwrap();

    let ctx = sim.at(170);
    assert_eq!(ctx.market_state(), MarketState::PreOpen);
    let queue = |id| ctx.order(id).and_then(|o| o.queue()).map(|q| q.ahead_lots);
    assert_eq!(queue(f), Some(10));
    assert_eq!(queue(c), Some(0));
    for id in [a, b, c, f] {
        assert_eq!(sim.kinds_of(id), vec![UpdateKind::Accepted], "{id:?}");
    }
    assert_eq!(sim.kinds_of(d), vec![UpdateKind::Rejected]);
    let rejection = sim.updates.iter().find(|u| u.order_id == d).unwrap();
    assert_eq!(
        rejection.reason,
        Some(Reason::MarketState {
            state: MarketState::PreOpen
        })
    );
    assert_eq!(
        rejection.reason.unwrap().to_string(),
        "market pre_open: no continuous matching"
    );
    assert_eq!((rejection.exch_ts_ns, rejection.local_ts_ns), (130, 140));

    let ctx = sim.at(205);
    assert_eq!(ctx.market_state(), MarketState::Trading);
    sim.run_to_end();
    let maker = Liquidity::Maker;
    assert_eq!(sim.fills_of(a), vec![(102, 2, 210, 220, maker)]);
    assert_eq!(sim.fills_of(b), vec![(102, 1, 210, 220, maker)]);
    assert_eq!(sim.fills_of(c), vec![(101, 1, 300, 310, maker)]);
    assert_eq!(sim.fills_of(f), vec![(100, 1, 400, 410, maker)]);
    assert_eq!(
        sim.changes,
        vec![(100, MarketState::PreOpen), (200, MarketState::Trading)]
    );
    // Long 2 + 1 + 1, short 1: 3 lots.
    assert_eq!(sim.engine.account().position_lots(), 3);
}

/// The same orders without states or a cross: continuous matching, for
/// contrast. A and C take the ask at 101 on arrival (2 and 1 of its 10
/// lots); the trade at 160 at F's price moves F's queue from 10 to 6.
#[test]
fn without_states_or_a_cross_the_same_orders_match_continuously() {
    let events = [
        bid(0, 100, 10),
        ask(0, 101, 10),
        trade(160, Side::Sell, 100, 4),
        bid(500, 99, 1),
    ];
    let mut sim = Sim::new(&events, &config());
    let mut ctx = sim.at(120);
    assert_eq!(ctx.market_state(), MarketState::Trading);
    let a = ctx.buy(103, 2).unwrap();
    let c = ctx.buy(101, 1).unwrap();
    let f = ctx.buy(100, 1).unwrap();
    let ctx = sim.at(170);
    assert_eq!(
        ctx.order(f).and_then(|o| o.queue()).map(|q| q.ahead_lots),
        Some(6)
    );
    sim.run_to_end();
    assert_eq!(sim.fills_of(a), vec![(101, 2, 130, 140, Liquidity::Taker)]);
    assert_eq!(sim.fills_of(c), vec![(101, 1, 130, 140, Liquidity::Taker)]);
    assert!(sim.changes.is_empty());
}

/// No status events: the book crosses at 110 with no trade, so the venue is
/// in a pre-open from that batch on; the trade at 300 opens it. A buy at
/// 103 resting through the cross does not fill when the book moves through
/// it; the opening trade at 102 fills it at 102.
#[test]
fn a_crossed_book_without_trades_is_an_inferred_pre_open() {
    let mut uncross = ask(310, 101, 0);
    uncross.flags = 0;
    let events = [
        bid(0, 100, 10),
        ask(0, 104, 10),
        bid(110, 103, 5),
        ask(115, 101, 3),
        trade(300, Side::None, 102, 3),
        uncross,
        bid(310, 103, 0),
        bid(400, 99, 1),
    ];
    let mut sim = Sim::new(&events, &config());
    let mut ctx = sim.at(50);
    let a = ctx.buy(103, 2).unwrap();
    let ctx = sim.at(120);
    assert_eq!(ctx.market_state(), MarketState::PreOpen);
    let mut ctx = sim.at(130);
    let d = ctx.sell_market(1).unwrap();
    sim.run_to_end();
    // A arrived at 60 behind nothing at 103 (the bid came at 110), below the
    // ask at 104: it rested.
    assert_eq!(
        sim.kinds_of(a),
        vec![UpdateKind::Accepted, UpdateKind::Fill]
    );
    assert_eq!(sim.fills_of(a), vec![(102, 2, 300, 310, Liquidity::Maker)]);
    let rejection = sim.updates.iter().find(|u| u.order_id == d).unwrap();
    assert_eq!(
        (rejection.kind, rejection.reason),
        (
            UpdateKind::Rejected,
            Some(Reason::MarketState {
                state: MarketState::PreOpen
            })
        )
    );
    // The bid at 110 alone does not cross (ask 104); the ask at 115 does.
    assert_eq!(
        sim.changes,
        vec![(115, MarketState::PreOpen), (300, MarketState::Trading)]
    );
}

/// `infer_market_state = false` keeps the continuous rules on a crossed
/// book: the ask moving through the resting buy fills it at its price.
#[test]
fn inference_can_be_turned_off() {
    let events = [
        bid(0, 100, 10),
        ask(0, 104, 10),
        bid(110, 103, 5),
        ask(115, 101, 3),
        bid(400, 99, 1),
    ];
    let config = RunConfig {
        infer_market_state: false,
        ..config()
    };
    let mut sim = Sim::new(&events, &config);
    let a = sim.at(50).buy(103, 2).unwrap();
    sim.run_to_end();
    assert_eq!(sim.fills_of(a), vec![(103, 2, 115, 125, Liquidity::Maker)]);
}

/// What a strategy sees of the states through the runner.
#[derive(Default)]
struct Watcher {
    /// (local time, state in the event, ctx.market_state()) per on_status.
    statuses: Vec<(i64, Option<MarketState>, MarketState)>,
    market_kinds: Vec<EventKind>,
}

impl Strategy for Watcher {
    fn on_market(&mut self, _ctx: &mut Ctx<'_, '_>, ev: &MarketEvent) -> Result<(), StrategyError> {
        self.market_kinds.push(ev.kind);
        Ok(())
    }

    fn on_status(&mut self, ctx: &mut Ctx<'_, '_>, ev: &MarketEvent) -> Result<(), StrategyError> {
        self.statuses
            .push((ev.local_ts, ev.market_state(), ctx.market_state()));
        Ok(())
    }
}

#[test]
fn the_strategy_sees_each_change_once_and_status_events_only_in_on_status() {
    let events = [
        bid(0, 100, 10),
        ask(0, 101, 10),
        status(100, MarketState::Halted),
        status(150, MarketState::Halted),
        status(200, MarketState::Trading),
        trade(250, Side::Buy, 101, 1),
        status(300, MarketState::Closed),
    ];
    let engine = Engine::from_slice(instrument(), &config(), &events).unwrap();
    let mut runner = Runner::new(engine, Watcher::default());
    runner.run().unwrap();
    let watcher = runner.strategy();
    assert_eq!(
        watcher.statuses,
        vec![
            (100, Some(MarketState::Halted), MarketState::Halted),
            (200, Some(MarketState::Trading), MarketState::Trading),
            (300, Some(MarketState::Closed), MarketState::Closed),
        ]
    );
    assert_eq!(
        watcher.market_kinds,
        vec![EventKind::Depth, EventKind::Depth, EventKind::Trade]
    );
}

// ------------------------------------------------------------ a real CME day

/// The real samples' folder: `TICKLAB_REAL_DATA`, by default
/// `../shared/data/real` from the project's root.
fn real_data() -> Option<PathBuf> {
    let root = std::env::var_os("TICKLAB_REAL_DATA").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/real"),
        PathBuf::from,
    );
    if root.is_dir() {
        Some(root)
    } else {
        println!(
            "note: the real data folder {} is missing (set TICKLAB_REAL_DATA); the test is skipped",
            root.display()
        );
        None
    }
}

/// 2023-12-25 22:50 UTC: inside ESH4's crossed pre-open.
const PRE_OPEN_PROBE_NS: i64 = 1_703_544_600_000_000_000;

/// Quotes one lot each side at the touch (post-only) whenever it has no
/// order, and at 22:50 sends a market buy and a buy limited 2 points above
/// the best ask.
#[derive(Default)]
struct Prober {
    statuses: Vec<(i64, MarketState)>,
    probe_state: Option<MarketState>,
    market_id: Option<OrderId>,
    limit_id: Option<OrderId>,
    updates: Vec<OrderUpdate>,
}

impl Strategy for Prober {
    fn on_start(&mut self, ctx: &mut Ctx<'_, '_>) -> Result<(), StrategyError> {
        ctx.set_timer_at(PRE_OPEN_PROBE_NS);
        Ok(())
    }

    fn on_market(&mut self, ctx: &mut Ctx<'_, '_>, ev: &MarketEvent) -> Result<(), StrategyError> {
        if !ev.is_last_in_batch() || !ctx.open_orders().is_empty() {
            return Ok(());
        }
        if let (Some(bid), Some(ask)) = (ctx.best_bid(), ctx.best_ask()) {
            let post = ticklab::sim::TimeInForce::PostOnly;
            ctx.submit(OrderRequest::limit(Side::Buy, bid.price, 1).with_tif(post))?;
            ctx.submit(OrderRequest::limit(Side::Sell, ask.price, 1).with_tif(post))?;
        }
        Ok(())
    }

    fn on_status(&mut self, ctx: &mut Ctx<'_, '_>, ev: &MarketEvent) -> Result<(), StrategyError> {
        self.statuses.push((ev.exch_ts, ctx.market_state()));
        Ok(())
    }

    fn on_timer(&mut self, ctx: &mut Ctx<'_, '_>, _ts_ns: i64) -> Result<(), StrategyError> {
        self.probe_state = Some(ctx.market_state());
        self.market_id = Some(ctx.buy_market(1)?);
        if let Some(ask) = ctx.best_ask() {
            self.limit_id = Some(ctx.buy(ask.price + 8, 1)?);
        }
        Ok(())
    }

    fn on_order(
        &mut self,
        _ctx: &mut Ctx<'_, '_>,
        update: &OrderUpdate,
    ) -> Result<(), StrategyError> {
        self.updates.push(*update);
        Ok(())
    }
}

#[test]
fn esh4_fills_nothing_before_the_first_trade_of_the_open() {
    let Some(root) = real_data() else {
        return;
    };
    let path = root.join("nautilus_databento/esh4-glbx-mdp3-20231225.mbo.dbn.zst");
    let mut options = ImportOptions::new("ESH4");
    options.tick_size = Some(0.25);
    let inst = import::resolve_instrument(Format::Dbn, std::slice::from_ref(&path), &options)
        .expect("the instrument");
    let mut sources = import::open_sources(Format::Dbn, &[path], &inst, &options).expect("open");
    let events = collect_events(sources[0].as_mut()).expect("convert");
    // The day's first trade, found in the data itself: the 17:00 CT open.
    let first_trade = events
        .iter()
        .find(|e| e.kind == EventKind::Trade)
        .expect("a trade");
    assert_eq!(first_trade.exch_ts, 1_703_545_200_000_000_000); // 23:00:00 UTC
    assert_eq!(first_trade.price, 19_201); // 4800.25
    assert!(events.iter().all(|e| e.kind != EventKind::Status));

    // What a crossed-book check consults: every batch that ends crossed
    // (891, see the data's README) is one the tracker does not call
    // continuous trading.
    let mut book = L2Book::new();
    let mut tracker = StateTracker::new(true);
    let (mut crossed, mut crossed_in_continuous) = (0, 0);
    for e in &events {
        tracker.before(e);
        book.apply(e);
        if e.is_last_in_batch() {
            tracker.at_batch_end(book.is_crossed());
            if book.is_crossed() {
                crossed += 1;
                crossed_in_continuous += u32::from(tracker.is_continuous());
            }
        }
    }
    assert_eq!((crossed, crossed_in_continuous), (891, 0));

    let engine = Engine::from_slice(inst, &RunConfig::default(), &events).expect("engine");
    let mut runner = Runner::new(engine, Prober::default());
    runner.run().expect("run");
    let prober = runner.strategy();
    let fills: Vec<&OrderUpdate> = prober.updates.iter().filter(|u| u.fill.is_some()).collect();
    assert!(!fills.is_empty(), "the strategy trades after the open");
    let early: Vec<_> = fills
        .iter()
        .filter(|u| u.exch_ts_ns < first_trade.exch_ts)
        .collect();
    assert!(early.is_empty(), "fills before the open: {early:?}");

    // At 22:50 the venue is in its pre-open: the market order is rejected,
    // the crossing limit rests and fills at the opening price.
    assert_eq!(prober.probe_state, Some(MarketState::PreOpen));
    let market = prober
        .updates
        .iter()
        .find(|u| Some(u.order_id) == prober.market_id)
        .expect("an answer to the market order");
    assert_eq!(
        (market.kind, market.reason),
        (
            UpdateKind::Rejected,
            Some(Reason::MarketState {
                state: MarketState::PreOpen
            })
        )
    );
    let limit_fills: Vec<(i64, i64, i64)> = prober
        .updates
        .iter()
        .filter(|u| Some(u.order_id) == prober.limit_id)
        .filter_map(|u| u.fill.map(|f| (f.price_ticks, f.qty_lots, u.exch_ts_ns)))
        .collect();
    assert_eq!(limit_fills, vec![(19_201, 1, first_trade.exch_ts)]);

    // The pre-open starts with the first crossed batch (22:39:55 UTC, see
    // the data's README); the open is the first trade.
    assert_eq!(prober.statuses.len(), 2, "{:?}", prober.statuses);
    let (pre_open_ts, pre_open) = prober.statuses[0];
    assert_eq!(pre_open, MarketState::PreOpen);
    assert!(
        (1_703_543_995_000_000_000..1_703_543_996_000_000_000).contains(&pre_open_ts),
        "{pre_open_ts}"
    );
    assert_eq!(
        prober.statuses[1],
        (first_trade.exch_ts, MarketState::Trading)
    );
}

// ------------------------------------------------------------- rule files

const BUY_WHEN_TRADING: &str = r#"
[[rules]]
name = "buy at the open"
when = { all = [
    { lhs = "market_state", op = "==", rhs = "trading" },
    { lhs = "position", op = "==", rhs = 0 },
] }
then = [ { buy = { lots = 1 } } ]
max_fires = 1
"#;

/// A rule reading `market_state` fires when the state changes to trading
/// (at 200, the status event; not at the book updates of the pre-open
/// before it), and its market order fills at the open's book.
#[test]
fn a_rule_waits_for_the_market_state() {
    let events = [
        status(0, MarketState::PreOpen),
        bid(10, 100, 10),
        ask(20, 101, 10),
        bid(30, 100, 12),
        status(200, MarketState::Trading),
        bid(300, 99, 1),
    ];
    let strategy = RuleSet::from_toml_str(BUY_WHEN_TRADING, "open.rules.toml")
        .expect("a valid rule file")
        .strategy();
    let feed = strategy.signal_feed();
    let engine = Engine::from_slice(instrument(), &config(), &events).unwrap();
    let record = run_to_end(engine, strategy).unwrap();
    let fired: Vec<i64> = feed.drain().iter().map(|s| s.ts_ns).collect();
    assert_eq!(fired, vec![200]);
    let fills: Vec<(i64, i64, i64)> = record
        .fills
        .iter()
        .map(|f| (f.price_ticks, f.qty_lots, f.exch_ts_ns))
        .collect();
    assert_eq!(fills, vec![(101, 1, 210)]);
}

#[test]
fn a_market_state_compares_only_with_a_market_state() {
    let text = BUY_WHEN_TRADING.replace(r#"lhs = "market_state""#, r#"lhs = "spread""#);
    let err = match RuleSet::from_toml_str(&text, "bad.rules.toml") {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(err) => err,
    };
    assert_eq!(err.path, "rules[0].when.all[0]");
    assert_eq!(
        err.message,
        "cannot compare spread (ticks) with trading (a market state)"
    );
}

// ------------------------------------------------------------------ Python

const PY_WATCHER: &str = r#"
from ticklab import Strategy, MarketState, EventKind


class Watcher(Strategy):
    def on_market(self, ctx, ev):
        assert ev.kind != EventKind.STATUS

    def on_status(self, ctx, ev):
        assert isinstance(ev.state, MarketState)
        print(ev.kind, ev.state, ctx.market_state, ev.local_ts)
        if ctx.market_state == MarketState.PRE_OPEN:
            ctx.buy(1)
"#;

/// A Python strategy's `on_status` sees each change with `ev.state` and
/// `ctx.market_state`; its market order in the pre-open is rejected with
/// the state as reason.
#[test]
fn python_on_status_and_ctx_market_state() {
    use ticklab::strategy::python::{PythonOptions, PythonSpec, PythonStrategy};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("watcher.py");
    std::fs::write(&path, PY_WATCHER).unwrap();
    let strategy = PythonStrategy::new(
        PythonSpec {
            path,
            class: None,
            params: toml::Table::new(),
        },
        PythonOptions::default(),
    );
    let mut uncross = bid(300, 102, 0);
    uncross.flags = 0;
    let events = [
        bid(0, 100, 10),
        ask(0, 101, 10),
        bid(100, 102, 5),
        trade(200, Side::Buy, 101, 1),
        uncross,
        ask(300, 101, 0),
        bid(400, 99, 1),
    ];
    let engine = Engine::from_slice(instrument(), &config(), &events).unwrap();
    let record = run_to_end(engine, strategy).unwrap();
    let logs: Vec<&str> = record.logs.iter().map(|l| l.text.as_str()).collect();
    assert_eq!(
        logs,
        vec!["status pre_open pre_open 100", "status trading trading 200",]
    );
    assert_eq!(record.fills.len(), 0);
    let rejected: Vec<_> = record
        .orders
        .iter()
        .filter(|u| u.kind == UpdateKind::Rejected)
        .map(|u| u.reason)
        .collect();
    assert_eq!(
        rejected,
        vec![Some(Reason::MarketState {
            state: MarketState::PreOpen
        })]
    );
}
