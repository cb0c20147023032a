//! The exact FIFO queue model on order-by-order data: queue positions worked
//! out by hand, in the event order of each importer (LOBSTER: trade, fill,
//! depth; Databento mbo: trade, then modify or cancel of the resting
//! orders), and on a real CME day checked against the L3 book.

mod common;

use common::real_data::real_data_dir;

use ticklab::book::L3Book;
use ticklab::market::import::{self, collect_events, Format, ImportOptions};
use ticklab::market::{flags, EventKind, Instrument, MarketEvent, Side};
use ticklab::sim::{
    Engine, LatencyConfig, OrderId, OrderRequest, OrderUpdate, QueueConfig, RunConfig, Wake,
};
use ticklab::strategy::Ctx;

/// Tick 1, lot 1.
fn instrument() -> Instrument {
    Instrument::new("TEST", 1.0, 1.0)
}

fn fifo_config(entry_ns: i64, response_ns: i64) -> RunConfig {
    RunConfig {
        queue: QueueConfig::Fifo,
        latency: LatencyConfig::Constant {
            entry_ns,
            response_ns,
        },
        ..RunConfig::default()
    }
}

/// Market messages written the way the importers write them, with an L3
/// book to know each order's side, price and size.
#[derive(Default)]
struct Tape {
    book: L3Book,
    events: Vec<MarketEvent>,
}

impl Tape {
    fn l3(
        kind: EventKind,
        ts: i64,
        order_id: u64,
        side: Side,
        price: i64,
        qty: i64,
    ) -> MarketEvent {
        MarketEvent {
            kind,
            order_id,
            ..MarketEvent::depth(ts, side, price, qty).with_flags(0)
        }
    }

    /// One exchange message: `events`, then (LOBSTER) the depth of every
    /// level they touched, or (Databento) nothing more.
    fn message(&mut self, events: &[MarketEvent], with_depth: bool) {
        let mut levels: Vec<(i64, Side, i64)> = Vec::new();
        for ev in events {
            let before = self.book.order(ev.order_id);
            self.book.apply(ev);
            if ev.kind.is_l3() {
                for (side, price) in [(ev.side, ev.price)]
                    .into_iter()
                    .chain(before.map(|o| (o.side, o.price)))
                {
                    if !levels.iter().any(|&(_, s, p)| (s, p) == (side, price)) {
                        levels.push((ev.exch_ts, side, price));
                    }
                }
            }
            self.events.push(*ev);
        }
        if with_depth {
            for (ts, side, price) in levels {
                let qty = self.book.qty_at(side, price);
                self.events
                    .push(MarketEvent::depth(ts, side, price, qty).with_flags(0));
            }
        }
        if let Some(last) = self.events.last_mut() {
            last.flags |= flags::LAST_IN_BATCH;
        }
    }

    fn add(&mut self, ts: i64, order_id: u64, side: Side, price: i64, qty: i64) {
        let ev = Self::l3(EventKind::Add, ts, order_id, side, price, qty);
        self.message(&[ev], true);
    }

    fn resting(&self, order_id: u64) -> (Side, i64, i64) {
        let order = self.book.order(order_id).expect("a resting order");
        (order.side, order.price, order.qty)
    }

    fn cancel(&mut self, ts: i64, order_id: u64) {
        let (side, price, qty) = self.resting(order_id);
        let ev = Self::l3(EventKind::Cancel, ts, order_id, side, price, qty);
        self.message(&[ev], true);
    }

    fn modify(&mut self, ts: i64, order_id: u64, qty: i64) {
        let (side, price, _) = self.resting(order_id);
        let ev = Self::l3(EventKind::Modify, ts, order_id, side, price, qty);
        self.message(&[ev], true);
    }

    /// LOBSTER's execution of `qty` of a resting order: trade, fill, depth.
    fn execute(&mut self, ts: i64, order_id: u64, qty: i64) {
        let (side, price, _) = self.resting(order_id);
        let trade = MarketEvent::trade(ts, side.opposite(), price, qty).with_flags(0);
        let fill = Self::l3(EventKind::Fill, ts, order_id, side, price, qty);
        self.message(&[trade, fill], true);
    }

    /// Databento's match: one trade of the sum, then each resting order's
    /// new size (`modify`) or `cancel`, and no depth.
    fn sweep(&mut self, ts: i64, side: Side, price: i64, takes: &[(u64, i64)]) {
        let total = takes.iter().map(|&(_, qty)| qty).sum();
        let mut events = vec![MarketEvent::trade(ts, side.opposite(), price, total).with_flags(0)];
        for &(order_id, qty) in takes {
            let (_, _, size) = self.resting(order_id);
            events.push(if size > qty {
                Self::l3(EventKind::Modify, ts, order_id, side, price, size - qty)
            } else {
                Self::l3(EventKind::Cancel, ts, order_id, side, price, size)
            });
        }
        self.message(&events, false);
    }
}

/// An engine driven by hand, remembering the order updates it gave.
struct Sim<'a> {
    engine: Engine<'a>,
    updates: Vec<OrderUpdate>,
}

impl<'a> Sim<'a> {
    fn new(events: &'a [MarketEvent], config: &RunConfig) -> Self {
        let mut engine = Engine::from_slice(instrument(), config, events).expect("valid engine");
        engine.start().expect("engine step");
        Sim {
            engine,
            updates: Vec::new(),
        }
    }

    /// Runs to local time `ts` and returns a context to act there.
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

    /// (ahead, level) of order `id` as the strategy sees it at `ts`.
    fn queue_at(&mut self, ts: i64, id: OrderId) -> (i64, i64) {
        let ctx = self.at(ts);
        let queue = ctx
            .order(id)
            .and_then(|o| o.queue())
            .expect("a resting order with a queue position");
        (queue.ahead_lots, queue.level_lots)
    }

    /// (exchange time, price, lots) of every fill of `id` received so far.
    fn fills_of(&self, id: OrderId) -> Vec<(i64, i64, i64)> {
        self.updates
            .iter()
            .filter(|u| u.order_id == id)
            .filter_map(|u| u.fill.map(|f| (u.exch_ts_ns, f.price_ticks, f.qty_lots)))
            .collect()
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
}

const A: u64 = 1;
const B: u64 = 2;
const C: u64 = 3;
const D: u64 = 4;
const ASK: u64 = 50;

/// A (3) and B (5) rest at bid 100; ours (2 lots) is sent at 1 and
/// arrives at 11 with 8 lots ahead (acknowledged at 13).
fn a_and_b_ahead() -> Tape {
    let mut tape = Tape::default();
    tape.add(0, A, Side::Buy, 100, 3);
    tape.add(0, B, Side::Buy, 100, 5);
    tape.add(0, ASK, Side::Sell, 101, 10);
    tape
}

#[test]
fn lobster_order_cancel_partial_fill_and_our_fill_when_b_is_done() {
    let mut tape = a_and_b_ahead();
    tape.add(20, C, Side::Buy, 100, 4); // behind us
    tape.cancel(30, A);
    tape.cancel(40, C);
    tape.add(45, D, Side::Buy, 100, 6); // behind us
    tape.execute(50, B, 2);
    tape.execute(60, B, 3); // B is done
    tape.execute(70, D, 4); // the next execution at 100 is ours
    tape.add(80, 9, Side::Buy, 99, 1);
    let events = tape.events;

    let mut sim = Sim::new(&events, &fifo_config(10, 2));
    let id = sim.at(1).buy(100, 2).unwrap();
    assert_eq!(sim.queue_at(15, id), (3 + 5, 8));
    assert_eq!(sim.queue_at(25, id), (8, 12), "C joined behind us");
    assert_eq!(sim.queue_at(35, id), (5, 9), "A's cancel: only B ahead");
    assert_eq!(sim.queue_at(41, id), (5, 5), "C's cancel moves nothing");
    assert_eq!(sim.queue_at(46, id), (5, 11), "D joined behind us");
    assert_eq!(sim.queue_at(55, id), (3, 9), "B filled 2 of 5");
    assert_eq!(sim.queue_at(65, id), (0, 6), "B done: nothing ahead");
    assert_eq!(
        sim.fills_of(id),
        vec![],
        "not filled before an execution reaches us"
    );
    assert_eq!(sim.engine.exchange_account().position_lots(), 0);
    sim.run_to_end();
    // D's execution of 4 at 70: our 2 lots first, at exchange time 70.
    assert_eq!(sim.fills_of(id), vec![(70, 100, 2)]);
    assert_eq!(sim.engine.account().position_lots(), 2);
}

#[test]
fn databento_order_trade_then_cancels_counts_each_lot_once() {
    let mut tape = a_and_b_ahead();
    tape.add(20, C, Side::Buy, 100, 4); // behind us
                                        // One match of 7: all of A and 4 of B (trade, cancel A, modify B to 1).
    tape.sweep(30, Side::Buy, 100, &[(A, 3), (B, 4)]);
    // One match of 3: B's last lot, then 2 of C, which is behind us: in
    // our place those 2 lots are ours.
    tape.sweep(40, Side::Buy, 100, &[(B, 1), (C, 2)]);
    tape.add(50, 9, Side::Buy, 99, 1);
    let events = tape.events;

    let mut sim = Sim::new(&events, &fifo_config(10, 2));
    let id = sim.at(1).buy(100, 2).unwrap();
    assert_eq!(sim.queue_at(15, id), (8, 8));
    assert_eq!(sim.queue_at(35, id).0, 1, "7 traded, counted once");
    assert_eq!(sim.fills_of(id), vec![]);
    sim.run_to_end();
    assert_eq!(sim.fills_of(id), vec![(40, 100, 2)]);
}

#[test]
fn a_larger_size_sends_an_order_behind_us_and_a_smaller_one_keeps_its_place() {
    let mut tape = a_and_b_ahead();
    tape.modify(30, A, 6); // up: loses priority, now behind us
    tape.modify(40, B, 4); // down: keeps its place ahead of us
    tape.cancel(50, A); // behind us: nothing moves
    tape.execute(60, B, 4);
    tape.add(70, 9, Side::Buy, 99, 1);
    let events = tape.events;

    let mut sim = Sim::new(&events, &fifo_config(10, 2));
    let id = sim.at(1).buy(100, 2).unwrap();
    assert_eq!(sim.queue_at(15, id), (8, 8));
    assert_eq!(sim.queue_at(35, id), (5, 11), "A went behind: B's 5 ahead");
    assert_eq!(sim.queue_at(45, id), (4, 10), "B shrank in place");
    assert_eq!(sim.queue_at(55, id), (4, 4));
    assert_eq!(sim.queue_at(65, id), (0, 0));
    sim.run_to_end();
    assert_eq!(sim.fills_of(id), vec![]);
}

/// Our orders' ids in the reference book (far above the exchange's ids).
const OURS_IN_REFERENCE: u64 = 1 << 62;

/// One of our orders followed against the reference book.
struct Followed {
    id: OrderId,
    side: Side,
    price: i64,
    /// Exchange time the order arrives; it is behind every event up to it.
    arrival_ts: i64,
    sent_ts: i64,
    in_reference: bool,
    exch_position_at_send: i64,
    /// Compared while the order rests untouched at the exchange.
    is_compared: bool,
    is_cancel_sent: bool,
    last_ahead: Option<i64>,
}

/// Where the data says the best prices are.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Quotes {
    /// The L3 book holds every order (a feed that opens with a snapshot of
    /// all orders): the best prices come from the reference book.
    FromL3,
    /// The L3 book misses the orders placed before the data starts: the
    /// best prices come from the strategy's L2 book, and the strategy joins
    /// only a level whose every order the L3 book knows.
    FromL2KnownLevel,
}

/// What a one-lot resting strategy met on real data.
#[derive(Debug, Default)]
struct Followed1Lot {
    sent: usize,
    fills: usize,
    /// Batches after which the strategy's `ahead` equalled the reference.
    compared: usize,
    /// Lots the volume ahead fell by, over all orders.
    lots_moved: i64,
}

/// Runs a one-lot resting strategy with the FIFO model over `events`, and
/// checks after every event that the `ahead` the strategy sees is
/// non-negative, at most the level, never rising while the order rests
/// untouched, and (after every batch) equal to the volume ahead of our
/// order in a reference L3 book that holds it where the exchange queued it.
fn follow_one_lot(events: &[MarketEvent], inst: Instrument, quotes: Quotes) -> Followed1Lot {
    const ENTRY_NS: i64 = 300_000;
    const MAX_REST_NS: i64 = 120_000_000_000;
    let config = fifo_config(ENTRY_NS, 300_000);
    let mut engine = Engine::from_slice(inst, &config, events).expect("valid engine");
    // The market's orders plus ours, as the exchange would queue them.
    let mut reference = L3Book::new();
    let mut last_exch_ts = i64::MIN;
    let mut followed: Option<Followed> = None;
    let mut seen = Followed1Lot::default();
    loop {
        let ev = match engine.advance().expect("engine step") {
            Wake::Finished => break,
            Wake::Order(update) => {
                seen.fills += usize::from(update.fill.is_some());
                if update.state.is_final() {
                    if let Some(f) = followed.take_if(|f| f.id == update.order_id) {
                        reference.cancel(OURS_IN_REFERENCE + f.id.0);
                    }
                }
                continue;
            }
            Wake::Market(ev) => ev,
            Wake::Timer { .. } => continue,
        };
        last_exch_ts = last_exch_ts.max(ev.exch_ts);
        if let Some(f) = followed.as_mut() {
            if !f.in_reference && last_exch_ts > f.arrival_ts {
                reference.add(OURS_IN_REFERENCE + f.id.0, f.side, f.price, 1);
                f.in_reference = true;
            }
        }
        reference.apply(&ev);

        if let Some(f) = followed.as_mut() {
            let ours = OURS_IN_REFERENCE + f.id.0;
            if engine.exchange_account().position_lots() != f.exch_position_at_send
                || (f.in_reference && reference.order(ours).is_none())
            {
                f.is_compared = false; // filled at the exchange, or cleared
            }
            let queue = engine.order(f.id).and_then(|o| o.queue());
            if let (true, true, Some(queue)) = (f.in_reference, f.is_compared, queue) {
                let level_lots = reference.qty_at(f.side, f.price) - 1;
                assert!(queue.ahead_lots >= 0, "{queue:?}");
                assert!(
                    queue.ahead_lots <= level_lots,
                    "{queue:?} level {level_lots}"
                );
                if let Some(last) = f.last_ahead {
                    assert!(queue.ahead_lots <= last, "ahead rose: {last} → {queue:?}");
                    seen.lots_moved += last - queue.ahead_lots;
                }
                f.last_ahead = Some(queue.ahead_lots);
                if ev.is_last_in_batch() {
                    assert_eq!(
                        Some(queue.ahead_lots),
                        reference.qty_ahead(ours),
                        "order {:?} at {} after the event at {}",
                        f.id,
                        f.price,
                        ev.exch_ts
                    );
                    seen.compared += 1;
                }
            }
        }

        // The strategy: one lot resting at the best price of the side that
        // flattens the position, canceled when the market leaves it behind.
        let is_live = ev.is_last_in_batch() && ev.flags & flags::SNAPSHOT == 0;
        let (bid, ask) = match quotes {
            Quotes::FromL3 => (reference.best_bid(), reference.best_ask()),
            Quotes::FromL2KnownLevel => (
                engine.local_book().best_bid(),
                engine.local_book().best_ask(),
            ),
        };
        let (Some(bid), Some(ask)) = (bid, ask) else {
            continue;
        };
        if !is_live || bid.price >= ask.price {
            continue;
        }
        let now = engine.now_ns();
        match followed.as_mut() {
            None if engine.open_orders().is_empty() => {
                let (side, best) = if engine.account().position_lots() <= 0 {
                    (Side::Buy, bid)
                } else {
                    (Side::Sell, ask)
                };
                let is_known = reference.qty_at(side, best.price) == best.qty;
                if quotes == Quotes::FromL2KnownLevel && !is_known {
                    continue;
                }
                let id = engine
                    .submit(OrderRequest::limit(side, best.price, 1))
                    .expect("a valid order");
                seen.sent += 1;
                followed = Some(Followed {
                    id,
                    side,
                    price: best.price,
                    arrival_ts: now + ENTRY_NS,
                    sent_ts: now,
                    in_reference: false,
                    exch_position_at_send: engine.exchange_account().position_lots(),
                    is_compared: true,
                    is_cancel_sent: false,
                    last_ahead: None,
                });
            }
            Some(f) if !f.is_cancel_sent => {
                let best = if f.side == Side::Buy { bid } else { ask };
                if (best.price - f.price).abs() > 4 || now - f.sent_ts > MAX_REST_NS {
                    f.is_compared = false;
                    f.is_cancel_sent = true;
                    engine.cancel(f.id).expect("an open order");
                }
            }
            _ => {}
        }
    }
    println!("{seen:?}");
    seen
}

/// Reads every event of the files of one input.
fn read_real(
    format: Format,
    paths: &[std::path::PathBuf],
    options: &ImportOptions,
) -> (Instrument, Vec<MarketEvent>) {
    let inst = import::resolve_instrument(format, paths, options).expect("the instrument");
    let mut sources = import::open_sources(format, paths, &inst, options).expect("open");
    let events = collect_events(sources[0].as_mut()).expect("convert");
    (inst, events)
}

#[test]
fn fifo_on_a_real_cme_day_equals_the_l3_volume_ahead() {
    let Some(root) = real_data_dir() else {
        return;
    };
    // ES, 2023-12-25: a full snapshot, then a day of order-by-order records
    // (trade, then the resting orders' modify or cancel).
    let path = root.join("nautilus_databento/esh4-glbx-mdp3-20231225.mbo.dbn.zst");
    let mut options = ImportOptions::new("ESH4");
    options.tick_size = Some(0.25);
    let (inst, events) = read_real(Format::Dbn, &[path], &options);
    let seen = follow_one_lot(&events, inst, Quotes::FromL3);
    // 87 orders, 57 fills, 45 526 comparisons and 1 809 lots of queue
    // moved when written; bounds leave room for engine changes.
    assert!(seen.sent >= 50, "{seen:?}");
    assert!(seen.fills >= 30, "{seen:?}");
    assert!(seen.compared >= 20_000, "{seen:?}");
    assert!(seen.lots_moved >= 1_000, "{seen:?}");
}

#[test]
fn fifo_on_real_lobster_messages_equals_the_l3_volume_ahead() {
    let Some(root) = real_data_dir() else {
        return;
    };
    // AAPL, 2012-06-21, 09:30:00 to 09:30:49: trade, fill, then depth.
    let path = root.join("lobster/AAPL_2012-06-21_34200000_57600000_message_10.csv");
    let (inst, events) = read_real(Format::Lobster, &[path], &ImportOptions::new("AAPL"));
    let seen = follow_one_lot(&events, inst, Quotes::FromL2KnownLevel);
    // 35 orders, 6 fills and 797 comparisons when written.
    assert!(seen.sent >= 20, "{seen:?}");
    assert!(seen.fills >= 3, "{seen:?}");
    assert!(seen.compared >= 400, "{seen:?}");
}
