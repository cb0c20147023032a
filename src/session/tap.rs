//! The tap: what the session collects from a running engine for the window,
//! step by step (market trades, the sampled touch) and batch by batch (the
//! pending fills, order updates and equity samples, and the strategy's new
//! log lines). Every list it holds is bounded, however long the window
//! takes to ask for the next batch.
//!
//! Per step it does two comparisons and, now and then, a push: replay at
//! full speed must stay close to the headless throughput.

use crate::market::{EventKind, MarketEvent};
use crate::sim::{Engine, LogRecord};

use super::heat::ColumnSampler;
use super::rows::{keep_newest, thin, PendingRows, MAX_PENDING_ROWS};
use super::update::{Batch, QuoteSample, TradeRecord};

/// Data-time step between two samples of the touch, ns, by default.
pub const DEFAULT_QUOTE_STEP_NS: i64 = 100_000_000;

/// Most market trades kept between two batches; older ones are counted and
/// left out.
const MAX_TRADES_PER_BATCH: usize = 20_000;

/// Most samples of the touch kept between two batches; beyond, they are
/// thinned to a coarser step.
const MAX_QUOTES_PER_BATCH: usize = 20_000;

/// Collects what the window needs from a run.
#[derive(Debug)]
pub struct Tap {
    quote_step_ns: i64,
    next_quote_ns: i64,
    trades: Vec<TradeRecord>,
    trades_skipped: u64,
    quotes: Vec<QuoteSample>,
    /// The book, sampled for the depth heatmap.
    pub columns: ColumnSampler,
}

impl Tap {
    /// A tap sampling the touch every `quote_step_ns` of data time, and the
    /// top `depth` levels of the book every `column_step_ns`.
    pub fn new(quote_step_ns: i64, column_step_ns: i64, depth: usize) -> Self {
        Tap {
            quote_step_ns: quote_step_ns.max(1),
            next_quote_ns: i64::MIN,
            trades: Vec::new(),
            trades_skipped: 0,
            quotes: Vec::new(),
            columns: ColumnSampler::new(column_step_ns, depth),
        }
    }

    /// Starts over for a fresh run: nothing sent yet.
    pub fn reset(&mut self) {
        self.next_quote_ns = i64::MIN;
        self.trades.clear();
        self.trades_skipped = 0;
        self.quotes.clear();
        self.columns.reset();
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
        if self.columns.is_due(ev.local_ts) {
            self.columns.sample(engine.local_book(), ev.local_ts);
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
        thin(&mut self.quotes, MAX_QUOTES_PER_BATCH);
        self.next_quote_ns = (ts_ns.div_euclid(self.quote_step_ns) + 1) * self.quote_step_ns;
    }

    /// Everything new since the previous batch: the market trades and the
    /// touch collected here, the rows pending in `rows`, and `logs`, the
    /// strategy's log lines taken from the run since then.
    pub fn take_batch(&mut self, mut logs: Vec<LogRecord>, rows: &mut PendingRows) -> Batch {
        let mut logs_skipped = 0;
        keep_newest(&mut logs, MAX_PENDING_ROWS, &mut logs_skipped);
        let taken = rows.take();
        let (columns_restart, columns) = self.columns.take();
        Batch {
            fills: taken.fills,
            fills_skipped: taken.fills_skipped,
            orders: taken.orders,
            orders_skipped: taken.orders_skipped,
            equity: taken.equity,
            trades: std::mem::take(&mut self.trades),
            trades_skipped: std::mem::take(&mut self.trades_skipped),
            quotes: std::mem::take(&mut self.quotes),
            logs,
            logs_skipped,
            columns,
            columns_restart,
            fill_instruments: taken.fill_instruments,
            order_instruments: taken.order_instruments,
            ..Batch::default()
        }
    }
}
