//! The account with margin, worked by hand: buying power refused with its
//! reason, a liquidation at exact prices, fees and equity, an inverse
//! contract's PnL in BTC, and funding payments.
//!
//! Each test builds a few market events, drives the engine directly (a timer
//! at the moment the strategy acts, then `Ctx` calls), and checks what the
//! strategy received and the run record.

use std::path::Path;

use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::RowAccessor;
use ticklab::book::L2Book;
use ticklab::market::parquet::{read_events, write_events, ReadOptions, WriteOptions};
use ticklab::market::{flags, EventKind, Instrument, InstrumentError, MarketEvent, Side};
use ticklab::sim::stats::Stats;
use ticklab::sim::{
    Engine, LatencyConfig, Liquidity, OrderId, OrderState, OrderUpdate, Reason, RunConfig,
    RunRecord, SampleCause, UpdateKind, Wake,
};
use ticklab::strategy::python::{PythonOptions, PythonSpec, PythonStrategy};
use ticklab::strategy::{run_to_end, Ctx};

/// Tick 1, lot 1: one tick on one lot is worth 1 currency unit.
fn instrument() -> Instrument {
    Instrument::new("TEST", 1.0, 1.0)
}

/// A 10× perpetual: initial margin 10 %, maintenance 5 %.
fn perp() -> Instrument {
    let mut inst = instrument();
    inst.initial_margin_rate = 0.1;
    inst.maintenance_margin_rate = Some(0.05);
    inst
}

fn config(initial_cash: f64) -> RunConfig {
    RunConfig {
        initial_cash,
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

/// An event inside a batch: the book is not consistent after it.
fn mid_batch(ev: MarketEvent) -> MarketEvent {
    ev.with_flags(0)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9 * a.abs().max(1.0)
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

    /// Runs until local time `ts`, then returns a context to act at `ts`.
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
        Ctx::new(&mut self.engine)
    }

    fn run_to_end(mut self) -> (Vec<OrderUpdate>, RunRecord) {
        loop {
            match self.engine.advance().expect("engine step") {
                Wake::Order(update) => self.updates.push(update),
                Wake::Finished => break,
                _ => {}
            }
        }
        (self.updates, self.engine.into_record())
    }
}

fn updates_of(updates: &[OrderUpdate], id: OrderId) -> Vec<OrderUpdate> {
    updates
        .iter()
        .filter(|u| u.order_id == id)
        .copied()
        .collect()
}

fn rejection(updates: &[OrderUpdate], id: OrderId) -> Reason {
    let update = updates_of(updates, id)
        .into_iter()
        .find(|u| u.kind == UpdateKind::Rejected)
        .unwrap_or_else(|| panic!("order {id} was not rejected"));
    update.reason.expect("a rejection has a reason")
}

#[test]
fn orders_beyond_buying_power_are_rejected_with_the_figures() {
    // Equity 1,000 at 10× buys 10,000 of notional: 100 lots at 100.
    let events = [bid(0, 99, 100), ask(0, 101, 100), bid(1_000, 98, 1)];
    let mut sim = Sim::new(&events, &config(1_000.0), perp());
    let mut ctx = sim.at(1);
    // 50 lots at 95: 0.1 × 95 × 50 = 475 ≤ 1,000.
    let first = ctx.buy(95, 50).unwrap();
    // 50 open + 60 = 110 lots at 96: 0.1 × 96 × 110 = 1,056 > 1,000.
    let too_big = ctx.buy(96, 60).unwrap();
    // Sells net against buys: the worst case is max(long 50, short 90) =
    // 90 lots at 104 = 936 ≤ 1,000, although 50 + 90 lots would not fit.
    let sell = ctx.sell(104, 90).unwrap();
    // A market buy is valued at the best ask, 101: 150 lots = 1,515.
    let market = ctx.buy_market(100).unwrap();
    // Once accepted, a modify is checked with its new size at its new
    // price in place of the old: 120 lots at 95 = 1,140 > 1,000; moving
    // the price alone adds nothing.
    let mut ctx = sim.at(30);
    ctx.modify(first, 95, 120).unwrap();
    ctx.modify(first, 97, 50).unwrap();
    let (updates, record) = sim.run_to_end();

    let modifies: Vec<(UpdateKind, Option<String>)> = updates_of(&updates, first)
        .iter()
        .map(|u| (u.kind, u.reason.map(|r| r.to_string())))
        .collect();
    assert_eq!(
        modifies,
        [
            (UpdateKind::Accepted, None),
            (
                UpdateKind::ModifyRejected,
                Some(
                    "insufficient margin: 120 lots at 95 ticks need 1140 initial margin, \
                     equity is 1000"
                        .to_owned()
                )
            ),
            (UpdateKind::Modified, None),
        ]
    );

    assert_eq!(
        rejection(&updates, too_big).to_string(),
        "insufficient margin: 110 lots at 96 ticks need 1056 initial margin, equity is 1000"
    );
    let Reason::InsufficientMargin {
        worst_lots,
        price_ticks,
        required_margin,
        equity,
    } = rejection(&updates, too_big)
    else {
        panic!("not a margin rejection");
    };
    assert_eq!((worst_lots, price_ticks), (110, 96));
    assert!(close(required_margin, 1_056.0) && close(equity, 1_000.0));
    assert_eq!(
        rejection(&updates, market).to_string(),
        "insufficient margin: 150 lots at 101 ticks need 1515 initial margin, equity is 1000"
    );
    let kinds: Vec<UpdateKind> = updates_of(&updates, sell).iter().map(|u| u.kind).collect();
    assert_eq!(kinds, [UpdateKind::Accepted]);
    // The rejection is in the orders table, at the time it was sent.
    let row = record
        .orders
        .iter()
        .find(|u| u.order_id == too_big)
        .unwrap();
    assert_eq!((row.kind, row.exch_ts_ns), (UpdateKind::Rejected, 1));
    assert_eq!(Stats::from_record(&record, &perp()).orders_rejected, 2);
}

#[test]
fn a_fully_funded_account_buys_up_to_its_equity_and_always_may_reduce() {
    // Default instrument: rate 1.0. Cash 10,000 buys 100 lots at 100.
    let events = [bid(0, 99, 500), ask(0, 100, 500), bid(1_000, 98, 1)];
    let mut sim = Sim::new(&events, &config(10_000.0), instrument());
    let mut ctx = sim.at(1);
    let hundred = ctx.buy_market(100).unwrap();
    // 101 lots at 100 = 10,100 > 10,000.
    let one_more = ctx.buy(100, 1).unwrap();
    // Valued at its own price: 101 lots at 99 = 9,999 fits.
    let cheaper = ctx.buy(99, 1).unwrap();
    ctx.cancel(cheaper).unwrap();
    // After the fill (at 21 locally) equity is 100 × 99.5 = 9,950 at the
    // mid: selling needs no margin, adding does.
    let mut ctx = sim.at(30);
    let reduce = ctx.sell(105, 100).unwrap();
    let add = ctx.buy(100, 1).unwrap();
    let (updates, _) = sim.run_to_end();

    let filled: Vec<_> = updates_of(&updates, hundred)
        .iter()
        .filter_map(|u| u.fill.map(|f| (f.price_ticks, f.qty_lots)))
        .collect();
    assert_eq!(filled, [(100, 100)]);
    assert_eq!(
        rejection(&updates, one_more).to_string(),
        "insufficient margin: 101 lots at 100 ticks need 10100 initial margin, equity is 10000"
    );
    assert_eq!(updates_of(&updates, cheaper)[0].kind, UpdateKind::Accepted);
    assert_eq!(
        updates_of(&updates, reduce)[0].kind,
        UpdateKind::Accepted,
        "a reducing order needs no margin"
    );
    assert_eq!(
        rejection(&updates, add).to_string(),
        "insufficient margin: 101 lots at 100 ticks need 10100 initial margin, equity is 9950"
    );
}

#[test]
fn a_position_below_maintenance_is_closed_at_market_with_the_taker_fee() {
    let mut inst = perp();
    inst.taker_fee_rate = 0.001;
    let events = [
        bid(0, 99, 100),
        ask(0, 100, 100),
        // At 100 the market gaps down in one batch: bids 93 × 50 and
        // 92 × 100, ask 94.
        mid_batch(bid(100, 99, 0)),
        mid_batch(bid(100, 93, 50)),
        mid_batch(bid(100, 92, 100)),
        mid_batch(ask(100, 100, 0)),
        ask(100, 94, 100),
        bid(1_000, 91, 1),
    ];
    let mut sim = Sim::new(&events, &config(1_000.0), inst.clone());
    let mut ctx = sim.at(1);
    let resting_buy = ctx.buy(90, 5).unwrap();
    // 95 lots at the ask 100: 0.1 × 9,500 = 950 ≤ 1,000.
    let entry = ctx.buy_market(90).unwrap();
    let resting_sell = ctx.sell(110, 10).unwrap();
    let (updates, record) = sim.run_to_end();

    // Entry at 11: 90 lots at 100, fee 0.001 × 9,000 = 9; cash
    // 1,000 − 9,000 − 9 = −8,009. At 100 the mid is 93.5: equity
    // −8,009 + 90 × 93.5 = 406 < maintenance 0.05 × 8,415 = 420.75.
    let entry_fills: Vec<_> = updates_of(&updates, entry)
        .iter()
        .filter_map(|u| u.fill.map(|f| (f.price_ticks, f.qty_lots)))
        .collect();
    assert_eq!(entry_fills, [(100, 90)]);
    let liquidation = OrderId(4);
    let expected_reason = "liquidation: equity 406 below maintenance margin 420.75";
    for id in [resting_buy, resting_sell] {
        let last = *updates_of(&updates, id).last().unwrap();
        assert_eq!(
            (last.kind, last.state),
            (UpdateKind::Canceled, OrderState::Canceled)
        );
        assert_eq!((last.exch_ts_ns, last.local_ts_ns), (100, 110));
        assert_eq!(last.reason.unwrap().to_string(), expected_reason);
    }
    // The venue's own market sell walks the bids: 50 at 93, 40 at 92.
    let closing = updates_of(&updates, liquidation);
    let kinds: Vec<UpdateKind> = closing.iter().map(|u| u.kind).collect();
    assert_eq!(
        kinds,
        [UpdateKind::Accepted, UpdateKind::Fill, UpdateKind::Fill]
    );
    assert!(closing
        .iter()
        .all(|u| u.reason.unwrap().to_string() == expected_reason && u.side == Side::Sell));
    let pieces: Vec<_> = closing
        .iter()
        .filter_map(|u| {
            u.fill
                .map(|f| (f.price_ticks, f.qty_lots, f.liquidity, f.fee))
        })
        .collect();
    assert_eq!(pieces.len(), 2);
    assert_eq!(
        (pieces[0].0, pieces[0].1, pieces[0].2),
        (93, 50, Liquidity::Taker)
    );
    assert_eq!(
        (pieces[1].0, pieces[1].1, pieces[1].2),
        (92, 40, Liquidity::Taker)
    );
    // Fees 0.001 × 4,650 = 4.65 and 0.001 × 3,680 = 3.68.
    assert!(close(pieces[0].3, 4.65) && close(pieces[1].3, 3.68));
    assert_eq!(closing.last().unwrap().state, OrderState::Filled);

    // Realized (93 − 100) × 50 + (92 − 100) × 40 = −670; fees 9 + 8.33;
    // equity 1,000 − 670 − 17.33 = 312.67, flat.
    let last = record.equity.last().unwrap().account;
    assert_eq!(last.position_lots, 0);
    assert!(close(last.realized_pnl, -670.0), "{last:?}");
    assert!(close(last.fees_paid, 17.33), "{last:?}");
    assert!(close(last.equity, 312.67), "{last:?}");
    assert!(close(last.cash, 312.67), "{last:?}");
    let stats = Stats::from_record(&record, &inst);
    assert_eq!(stats.liquidations, 1);
    assert!(close(stats.final_equity, 312.67));
    // The console line, when the strategy learns the closing order is done.
    let lines: Vec<&str> = record.logs.iter().map(|l| l.text.as_str()).collect();
    assert_eq!(
        lines,
        [
            "liquidation: equity 406 below maintenance margin 420.75; open orders canceled; \
             order #4 sold 90 of 90 lots at market, average price 92.56"
        ]
    );
    assert_eq!(record.logs[0].ts_ns, 110);
}

#[test]
fn an_inverse_contract_books_its_pnl_in_btc() {
    // BTCUSD coin-margined: tick 0.5 USD, one lot = one contract of 1 USD,
    // 100× (1 % initial), taker fee 5 bp; money in BTC.
    let mut inst = Instrument::new("BTCUSD", 0.5, 1.0);
    inst.inverse = true;
    inst.initial_margin_rate = 0.01;
    inst.taker_fee_rate = 0.0005;
    let events = [
        bid(0, 39_999, 100_000), // 19,999.5 USD
        ask(0, 40_000, 100_000), // 20,000 USD
        mid_batch(bid(100, 39_999, 0)),
        mid_batch(ask(100, 40_000, 0)),
        mid_batch(bid(100, 50_000, 100_000)), // 25,000 USD
        ask(100, 50_001, 100_000),
        bid(1_000, 49_000, 1),
    ];
    let mut sim = Sim::new(&events, &config(1.0), inst.clone());
    let buy = sim.at(1).buy_market(10_000).unwrap();
    let mut ctx = sim.at(150);
    // Marked at the mid 25,000.25 USD: 10,000 × (1/20,000 − 1/25,000.25).
    let unrealized = ctx.account().unrealized_pnl(50_000.5);
    assert!(
        close(unrealized, 0.5 - 10_000.0 / 25_000.25),
        "{unrealized}"
    );
    let sell = ctx.sell_market(10_000).unwrap();
    let (updates, record) = sim.run_to_end();

    let fill_of = |id| {
        updates_of(&updates, id)
            .iter()
            .find_map(|u| u.fill)
            .unwrap()
    };
    // Buy 10,000 contracts at 20,000 USD: 0.5 BTC, fee 0.00025 BTC.
    let (bought, sold) = (fill_of(buy), fill_of(sell));
    assert_eq!((bought.price_ticks, bought.qty_lots), (40_000, 10_000));
    assert!(close(bought.fee, 0.000_25), "{}", bought.fee);
    // Sell them at 25,000 USD: 0.4 BTC, fee 0.0002 BTC.
    assert_eq!((sold.price_ticks, sold.qty_lots), (50_000, 10_000));
    assert!(close(sold.fee, 0.000_2), "{}", sold.fee);
    // PnL = 10,000 × 1 × (1/20,000 − 1/25,000) = 0.1 BTC; equity
    // 1 + 0.1 − 0.00045 = 1.09955 BTC.
    let last = record.equity.last().unwrap().account;
    assert_eq!(last.position_lots, 0);
    assert!(close(last.realized_pnl, 0.1), "{last:?}");
    assert!(close(last.fees_paid, 0.000_45), "{last:?}");
    assert!(close(last.cash, 1.099_55), "{last:?}");
    assert!(close(last.equity, 1.099_55), "{last:?}");
    let stats = Stats::from_record(&record, &inst);
    assert!(close(stats.pnl, 0.099_55));
    // Turnover in BTC: 0.5 + 0.4.
    assert!(close(stats.turnover, 0.9), "{}", stats.turnover);
    // While long, the equity sample after the buy marks at the mid
    // 19,999.75 USD: 1 − 0.00025 + 10,000 × (1/20,000 − 1/19,999.75).
    let after_buy = record
        .equity
        .iter()
        .find(|s| s.cause == SampleCause::Fill)
        .unwrap()
        .account;
    assert!(close(after_buy.avg_entry_ticks, 40_000.0));
    assert!(close(
        after_buy.equity,
        1.0 - 0.000_25 + 0.5 - 10_000.0 / 19_999.75
    ));
}

#[test]
fn funding_is_paid_on_the_position_notional_at_the_mid() {
    let events = [
        bid(0, 99, 1_000),
        ask(0, 101, 1_000),
        MarketEvent::funding(50, 0.000_1),
        MarketEvent::funding(60, -0.000_2),
        MarketEvent::funding(90, 0.000_1),
        bid(1_000, 98, 1),
    ];
    let mut sim = Sim::new(&events, &config(100_000.0), instrument());
    sim.at(1).buy_market(10).unwrap();
    sim.at(61).sell_market(30).unwrap();
    let strategy_paid = sim.at(95).account().funding_paid();
    let (_, record) = sim.run_to_end();

    // Long 10 at the mid 100 (notional 1,000): pays 0.1 at 50, receives
    // 0.2 at 60; short 20 at 90 (notional −2,000): receives 0.2.
    let funding: Vec<(i64, i64, f64)> = record
        .equity
        .iter()
        .filter(|s| s.cause == SampleCause::Funding)
        .map(|s| (s.ts_ns, s.account.position_lots, s.account.funding_paid))
        .collect();
    assert_eq!(funding.len(), 3);
    let expected = [(50, 10, 0.1), (60, 10, -0.1), (90, -20, -0.3)];
    for (row, want) in funding.iter().zip(expected) {
        assert_eq!((row.0, row.1), (want.0, want.1));
        assert!(close(row.2, want.2), "{row:?} vs {want:?}");
    }
    // Each payment is a cash flow in the equity table.
    let cash_at = |ts| {
        record
            .equity
            .iter()
            .rfind(|s| s.ts_ns <= ts)
            .unwrap()
            .account
            .cash
    };
    assert!(close(cash_at(50) - cash_at(49), -0.1));
    assert!(close(cash_at(90) - cash_at(89), 0.2));
    let stats = Stats::from_record(&record, &instrument());
    assert!(close(stats.funding_paid, -0.3), "{}", stats.funding_paid);
    // The strategy's own account paid the same when it saw the events.
    assert!(close(strategy_paid, -0.3), "{strategy_paid}");
    // The books balance with funding.
    for sample in &record.equity {
        let a = sample.account;
        let explained = a.realized_pnl + a.unrealized_pnl - a.fees_paid - a.funding_paid;
        assert!(close(a.equity - 100_000.0, explained), "{sample:?}");
    }
}

#[test]
fn funding_events_round_trip_through_parquet_and_leave_the_book_alone() {
    let inst = instrument();
    let rates = [0.000_1, -0.000_037_5, 1.234_567_890_123_4e-5];
    let mut events = vec![bid(0, 99, 5), ask(0, 101, 5)];
    events.extend(
        rates
            .iter()
            .enumerate()
            .map(|(i, &rate)| MarketEvent::funding(100 * (i as i64 + 1), rate)),
    );
    events.push(bid(1_000, 98, 1));
    let dir = tempfile::TempDir::new().unwrap();
    let path = dir.path().join("2026-03-02.parquet");
    write_events(
        &path,
        &inst,
        events.iter().copied(),
        &WriteOptions::default(),
    )
    .unwrap();

    // On disk: kind "funding", side "none", the rate in `price`, qty 0.
    let reader = SerializedFileReader::new(std::fs::File::open(&path).unwrap()).unwrap();
    let rows: Vec<_> = reader
        .get_row_iter(None)
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    for (i, &rate) in rates.iter().enumerate() {
        let row = &rows[2 + i];
        let column = |name: &str| row.get_column_iter().position(|(n, _)| n == name).unwrap();
        assert_eq!(row.get_string(column("kind")).unwrap(), "funding");
        assert_eq!(row.get_string(column("side")).unwrap(), "none");
        assert_eq!(
            row.get_double(column("price")).unwrap().to_bits(),
            rate.to_bits()
        );
        assert_eq!(row.get_double(column("qty")).unwrap(), 0.0);
    }

    let (back, _) = read_events(&path, &inst, ReadOptions::default()).unwrap();
    assert_eq!(back, events);
    let read_rates: Vec<f64> = back.iter().filter_map(MarketEvent::funding_rate).collect();
    assert_eq!(read_rates, rates);
    assert_eq!(back[2].kind, EventKind::Funding);
    assert_eq!(back[2].flags & flags::LAST_IN_BATCH, flags::LAST_IN_BATCH);

    let mut book = L2Book::new();
    for ev in &back[..2] {
        book.apply(ev);
    }
    let before = (book.best_bid(), book.best_ask());
    book.apply(&back[2]);
    assert_eq!((book.best_bid(), book.best_ask()), before);
}

#[test]
fn a_non_finite_funding_rate_is_an_error_naming_row_and_column() {
    let inst = instrument();
    let dir = tempfile::TempDir::new().unwrap();
    let path = dir.path().join("2026-03-02.parquet");
    let events = [bid(0, 99, 5), MarketEvent::funding(10, f64::NAN)];
    write_events(&path, &inst, events, &WriteOptions::default()).unwrap();
    let err = read_events(&path, &inst, ReadOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("2026-03-02.parquet") && err.contains("row 1") && err.contains("price"),
        "{err}"
    );
}

#[test]
fn instrument_toml_reads_the_margin_fields_and_checks_them() {
    let base = "symbol = \"X\"\ntick_size = 0.5\nlot_size = 1.0\ncurrency = \"USD\"\n";
    let path = Path::new("X/instrument.toml");
    let plain = Instrument::from_toml_str(base, path).unwrap();
    assert_eq!(plain.initial_margin_rate, 1.0);
    assert_eq!(plain.maintenance_rate(), 0.5);
    assert!(!plain.inverse);
    // Defaults are not written back: old files stay byte for byte.
    assert!(!plain.to_toml_string("").contains("margin"));

    let perp_text = format!(
        "{base}initial_margin_rate = 0.1\nmaintenance_margin_rate = 0.05\ninverse = true\n"
    );
    let perp = Instrument::from_toml_str(&perp_text, path).unwrap();
    assert_eq!(
        (
            perp.initial_margin_rate,
            perp.maintenance_rate(),
            perp.inverse
        ),
        (0.1, 0.05, true)
    );
    let again = Instrument::from_toml_str(&perp.to_toml_string(""), path).unwrap();
    assert_eq!(again, perp);

    let bad = format!("{base}initial_margin_rate = 0.1\nmaintenance_margin_rate = 0.2\n");
    let err = Instrument::from_toml_str(&bad, path).unwrap_err();
    assert!(
        matches!(
            err,
            InstrumentError::Invalid {
                field: "maintenance_margin_rate",
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "X/instrument.toml:6: field `maintenance_margin_rate`: must be between 0 and \
         initial_margin_rate (0.1), got 0.2"
    );
    let zero = format!("{base}initial_margin_rate = 0.0\n");
    let err = Instrument::from_toml_str(&zero, path).unwrap_err();
    assert_eq!(
        err.to_string(),
        "X/instrument.toml:5: field `initial_margin_rate`: must be a positive number, got 0"
    );
}

/// A Python strategy goes 10× long before a funding event and a gap down.
const PROBE_PY: &str = r##"
import ticklab

class Probe(ticklab.Strategy):
    def __init__(self):
        self.sent = False

    def on_market(self, ctx, ev):
        if ev.kind == ticklab.EventKind.FUNDING:
            ctx.log(f"funding {ev.price!r} position {ctx.position} cash {ctx.cash:.4f}")
        elif not self.sent and ctx.book.best_ask is not None:
            self.sent = True
            ctx.buy(90)

    def on_depth(self, ctx, ev):
        if ev.kind == ticklab.EventKind.FUNDING:
            ctx.log("on_depth saw a funding event")

    def on_order(self, ctx, update):
        if update.kind == ticklab.UpdateKind.ACCEPTED and update.reason:
            ctx.log(f"#{update.order_id} {update.side.value}: {update.reason}")
"##;

#[test]
fn a_python_strategy_sees_funding_and_its_liquidation() {
    let mut inst = perp();
    inst.taker_fee_rate = 0.001;
    let events = [
        bid(0, 99, 100),
        ask(0, 100, 100),
        MarketEvent::funding(50, 0.000_1),
        mid_batch(bid(100, 99, 0)),
        mid_batch(bid(100, 93, 50)),
        mid_batch(bid(100, 92, 100)),
        mid_batch(ask(100, 100, 0)),
        ask(100, 94, 100),
        bid(1_000, 91, 1),
    ];
    let dir = tempfile::TempDir::new().unwrap();
    let path = dir.path().join("probe.py");
    std::fs::write(&path, PROBE_PY).unwrap();
    let strategy = PythonStrategy::new(
        PythonSpec {
            path,
            class: None,
            params: toml::Table::new(),
        },
        PythonOptions::default(),
    );
    let engine = Engine::from_slice(inst, &config(1_000.0), &events).unwrap();
    let record = run_to_end(engine, strategy).unwrap();

    // Bought 90 at 100 (fee 9): cash −8,009. Funding 1 bp of 90 × 99.5 =
    // 0.8955. At the gap equity is −8,009.8955 + 90 × 93.5 = 405.1045,
    // below 0.05 × 8,415 = 420.75.
    let lines: Vec<&str> = record.logs.iter().map(|l| l.text.as_str()).collect();
    assert_eq!(
        lines,
        [
            "funding 0.0001 position 90.0 cash -8009.8955",
            "#2 sell: liquidation: equity 405.1045 below maintenance margin 420.75",
            "liquidation: equity 405.1045 below maintenance margin 420.75; open orders \
             canceled; order #2 sold 90 of 90 lots at market, average price 92.56",
        ]
    );
    let last = record.equity.last().unwrap().account;
    // 1,000 − 670 − 17.33 − 0.8955.
    assert!(close(last.equity, 311.7745), "{last:?}");
    assert!(close(last.funding_paid, 0.8955), "{last:?}");
}
