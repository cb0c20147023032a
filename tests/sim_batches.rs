//! The engine reads market data in batches; where the batches split the day
//! must not change anything the strategy sees or the run records.

use proptest::prelude::*;

use ticklab::market::{Instrument, MarketEvent, Side};
use ticklab::sim::{BatchIter, Engine, LatencyConfig, OrderUpdate, RunConfig, RunRecord};
use ticklab::strategy::native::MarketMaker;
use ticklab::strategy::{Ctx, Runner, Strategy, StrategyError};

/// What the strategy was shown, in order.
#[derive(Debug, PartialEq)]
enum Seen {
    Market(MarketEvent, i64),
    Order(Box<OrderUpdate>, i64),
}

/// The market maker, noting every callback with the local time.
struct Watched {
    inner: MarketMaker,
    seen: Vec<Seen>,
}

impl Strategy for Watched {
    fn on_market(&mut self, ctx: &mut Ctx<'_, '_>, ev: &MarketEvent) -> Result<(), StrategyError> {
        self.seen.push(Seen::Market(*ev, ctx.now_ns()));
        self.inner.on_market(ctx, ev)
    }

    fn on_order(
        &mut self,
        ctx: &mut Ctx<'_, '_>,
        update: &OrderUpdate,
    ) -> Result<(), StrategyError> {
        self.seen.push(Seen::Order(Box::new(*update), ctx.now_ns()));
        self.inner.on_order(ctx, update)
    }
}

/// A market from random steps `(gap_ns, kind, x)`: depth changes around a
/// mid that moves, trades at the touch; gaps of 0 put events at one
/// exchange time, and the feed latency jitters around the order latency
/// (so local times go backwards in the data and the clocks interleave).
fn market(steps: &[(u8, u8, u8)]) -> Vec<MarketEvent> {
    let mut events = Vec::new();
    let mut ts = 1_000_000_i64;
    let mut mid = 1_000_i64;
    for i in 0..5 {
        events.push(MarketEvent::depth(ts, Side::Buy, mid - 1 - i, 10));
        events.push(MarketEvent::depth(ts, Side::Sell, mid + 1 + i, 10));
    }
    for &(gap, kind, x) in steps {
        ts += i64::from(gap % 4) * 400;
        let seen = ts + 300 + i64::from(x) * 13;
        let ev = match kind % 6 {
            0 | 1 => {
                MarketEvent::depth(ts, Side::Buy, mid - 1 - i64::from(x % 4), i64::from(x % 9))
            }
            2 | 3 => {
                MarketEvent::depth(ts, Side::Sell, mid + 1 + i64::from(x % 4), i64::from(x % 9))
            }
            4 => {
                let aggressor = if x % 2 == 0 { Side::Buy } else { Side::Sell };
                let price = if aggressor == Side::Buy {
                    mid + 1
                } else {
                    mid - 1
                };
                MarketEvent::trade(ts, aggressor, price, 1 + i64::from(x % 5))
            }
            _ => {
                mid += if x % 2 == 0 { 1 } else { -1 };
                MarketEvent::depth(ts, Side::Buy, mid - 1, 1 + i64::from(x % 7))
            }
        };
        events.push(ev.seen_at(seen));
    }
    events
}

fn config() -> RunConfig {
    RunConfig {
        equity_step_ns: 10_000,
        latency: LatencyConfig::Constant {
            entry_ns: 700,
            response_ns: 900,
        },
        ..RunConfig::default()
    }
}

fn instrument() -> Instrument {
    Instrument::new("BATCH", 0.5, 0.1)
}

fn run(engine: Engine<'_>) -> (RunRecord, Vec<Seen>) {
    let mut runner = Runner::new(
        engine,
        Watched {
            inner: MarketMaker::default(),
            seen: Vec::new(),
        },
    );
    runner.run().expect("run");
    let (engine, watched) = runner.into_parts();
    (engine.into_record(), watched.seen)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn batch_boundaries_change_nothing(
        steps in prop::collection::vec((0u8..8, 0u8..6, 0u8..=255), 1..300),
        cuts in prop::collection::vec(0usize..320, 0..12),
    ) {
        let events = market(&steps);
        let whole = run(Engine::from_slice(instrument(), &config(), &events).expect("engine"));

        let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(events.len())).collect();
        cuts.push(0);
        cuts.push(events.len());
        cuts.sort_unstable();
        // Empty batches too: the engine skips them.
        let batches: Vec<Vec<MarketEvent>> =
            cuts.windows(2).map(|w| events[w[0]..w[1]].to_vec()).collect();
        let split = run(
            Engine::new(instrument(), &config(), BatchIter::new(batches.into_iter()))
                .expect("engine"),
        );
        prop_assert_eq!(&whole.1, &split.1);
        prop_assert_eq!(&whole.0, &split.0);
        prop_assert!(whole.0.data_events == events.len() as u64);
    }
}
