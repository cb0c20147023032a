//! The tap: what the session collects from a running engine for the window,
//! step by step (market trades, the sampled touch) and batch by batch (the
//! record's new fills, order updates, equity samples and log lines).
//!
//! Per step it does two comparisons and, now and then, a push: replay at
//! full speed must stay close to the headless throughput.

use crate::market::{EventKind, MarketEvent};
use crate::sim::{Engine, RunRecord};

use super::update::{Batch, QuoteSample, TradeRecord};

/// Data-time step between two samples of the touch, ns, by default.
pub const DEFAULT_QUOTE_STEP_NS: i64 = 100_000_000;

/// Most market trades kept between two batches; older ones are counted and
/// left out.
const MAX_TRADES_PER_BATCH: usize = 20_000;

/// Most order updates sent in one batch; older ones are counted and left
/// out.
const MAX_ORDERS_PER_BATCH: usize = 20_000;

/// How far the window has been sent each list of the record.
#[derive(Clone, Copy, Debug, Default)]
struct Cursors {
    fills: usize,
    orders: usize,
    equity: usize,
    logs: usize,
}

/// Collects what the window needs from a run.
#[derive(Debug)]
pub struct Tap {
    quote_step_ns: i64,
    next_quote_ns: i64,
    trades: Vec<TradeRecord>,
    trades_skipped: u64,
    quotes: Vec<QuoteSample>,
    sent: Cursors,
}

impl Tap {
    /// A tap sampling the touch every `quote_step_ns` of data time.
    pub fn new(quote_step_ns: i64) -> Self {
        Tap {
            quote_step_ns: quote_step_ns.max(1),
            next_quote_ns: i64::MIN,
            trades: Vec::new(),
            trades_skipped: 0,
            quotes: Vec::new(),
            sent: Cursors::default(),
        }
    }

    /// Starts over for a fresh run: nothing sent yet.
    pub fn reset(&mut self) {
        self.next_quote_ns = i64::MIN;
        self.trades.clear();
        self.trades_skipped = 0;
        self.quotes.clear();
        self.sent = Cursors::default();
    }

    /// Takes note of a market event the strategy just saw.
    #[inline]
    pub fn on_market(&mut self, engine: &Engine<'_>, ev: &MarketEvent) {
        if ev.kind == EventKind::Trade {
            if self.trades.len() >= MAX_TRADES_PER_BATCH {
                let dropped = MAX_TRADES_PER_BATCH / 2;
                self.trades.drain(..dropped);
                self.trades_skipped += dropped as u64;
            }
            self.trades.push(TradeRecord {
                ts_ns: ev.local_ts,
                price_ticks: ev.price,
                qty_lots: ev.qty,
                side: ev.side,
            });
        }
        if ev.local_ts >= self.next_quote_ns {
            self.sample_quote(engine, ev.local_ts);
        }
    }

    #[cold]
    fn sample_quote(&mut self, engine: &Engine<'_>, ts_ns: i64) {
        let book = engine.local_book();
        self.quotes.push(QuoteSample {
            ts_ns,
            bid_ticks: book.best_bid().map(|l| l.price),
            ask_ticks: book.best_ask().map(|l| l.price),
            position_lots: engine.account().position_lots(),
        });
        self.next_quote_ns = (ts_ns.div_euclid(self.quote_step_ns) + 1) * self.quote_step_ns;
    }

    /// Everything new since the previous batch.
    pub fn take_batch(&mut self, record: &RunRecord) -> Batch {
        let sent = &mut self.sent;
        let fills = record.fills.get(sent.fills..).unwrap_or_default().to_vec();
        sent.fills = record.fills.len();
        let mut orders_from = sent.orders;
        let mut orders_skipped = 0;
        if record.orders.len().saturating_sub(orders_from) > MAX_ORDERS_PER_BATCH {
            let skip_to = record.orders.len() - MAX_ORDERS_PER_BATCH;
            orders_skipped = (skip_to - orders_from) as u64;
            orders_from = skip_to;
        }
        let orders = record
            .orders
            .get(orders_from..)
            .unwrap_or_default()
            .to_vec();
        sent.orders = record.orders.len();
        let equity = record
            .equity
            .get(sent.equity..)
            .unwrap_or_default()
            .to_vec();
        sent.equity = record.equity.len();
        let logs = record.logs.get(sent.logs..).unwrap_or_default().to_vec();
        sent.logs = record.logs.len();
        Batch {
            fills,
            orders,
            orders_skipped,
            equity,
            trades: std::mem::take(&mut self.trades),
            trades_skipped: std::mem::take(&mut self.trades_skipped),
            quotes: std::mem::take(&mut self.quotes),
            logs,
            ..Batch::default()
        }
    }
}
