//! The record of a run: every fill, every order update, the equity curve and
//! the strategy's log, as plain rows for statistics and output files.
//!
//! Field names and meanings here are a stable contract: statistics, output
//! files and tests read them. Add fields at the end; never change a unit.

use serde::{Deserialize, Serialize};

use crate::market::Side;
use crate::sim::account::AccountSnapshot;
use crate::sim::order::OrderId;
use crate::sim::update::{Liquidity, OrderUpdate};

/// One execution of one of our orders, as booked at the exchange.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct FillRecord {
    /// Exchange time of the fill, ns.
    pub exch_ts_ns: i64,
    /// Local time the strategy learned of it, ns.
    pub local_ts_ns: i64,
    /// The order.
    pub order_id: OrderId,
    /// Buy or sell.
    #[serde(with = "crate::sim::side_serde")]
    pub side: Side,
    /// Execution price, ticks.
    pub price_ticks: i64,
    /// Quantity, lots.
    pub qty_lots: i64,
    /// Maker or taker.
    pub liquidity: Liquidity,
    /// Fee, currency units (negative = rebate).
    pub fee: f64,
    /// Time the order waited in the book at its priority before this fill,
    /// ns (0 for taker fills).
    pub time_in_queue_ns: i64,
    /// Execution worse than the local mid at send time, ticks (negative =
    /// better); `None` without a mid.
    pub slippage_ticks: Option<f64>,
    /// Position after the fill, lots.
    pub position_after_lots: i64,
}

/// Why an equity sample was taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SampleCause {
    /// Right after a fill.
    Fill,
    /// At a fixed step of data time.
    Step,
    /// At the end of the run.
    Final,
    /// Right after a funding payment (see `sim::funding`).
    Funding,
}

/// The account at one exchange time, marked to the exchange-side mid.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct EquitySample {
    /// Exchange time, ns.
    pub ts_ns: i64,
    /// Why the sample was taken.
    pub cause: SampleCause,
    /// The account at that time.
    #[serde(flatten)]
    pub account: AccountSnapshot,
}

/// One line the strategy logged.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogRecord {
    /// Local time of the line, ns.
    pub ts_ns: i64,
    /// Market events the strategy had seen when it logged the line.
    pub event_index: u64,
    /// The text.
    pub text: String,
}

/// Everything a run produced, for statistics and output files.
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
pub struct RunRecord {
    /// The instrument's symbol.
    pub symbol: String,
    /// Cash at the start, currency units.
    pub initial_cash: f64,
    /// Every fill, in exchange time order.
    pub fills: Vec<FillRecord>,
    /// Every order update, in the order the exchange (or pre-trade risk)
    /// produced them; fills appear here too, with their piece in `fill`.
    pub orders: Vec<OrderUpdate>,
    /// The equity curve: a sample after every fill and at every step of data
    /// time, and a final one.
    pub equity: Vec<EquitySample>,
    /// The strategy's log lines, in local time order.
    pub logs: Vec<LogRecord>,
    /// Market events processed at the exchange side.
    pub data_events: u64,
}

/// Where the rows of a run go, as the engine produces them, instead of the
/// lists of its [`RunRecord`] (see `Engine::set_record_sink`): a host that
/// writes them out as the run goes keeps memory bounded on any length of
/// data. Rows arrive in the order the lists would hold them.
pub trait RecordSink {
    /// An order update.
    fn order(&mut self, update: &OrderUpdate);
    /// A fill (its order update comes right after it).
    fn fill(&mut self, fill: &FillRecord);
    /// An equity sample.
    fn equity(&mut self, sample: &EquitySample);
}

/// A shared sink, so the host keeps a handle on it while the engine runs.
impl<T: RecordSink + ?Sized> RecordSink for std::rc::Rc<std::cell::RefCell<T>> {
    fn order(&mut self, update: &OrderUpdate) {
        self.borrow_mut().order(update);
    }

    fn fill(&mut self, fill: &FillRecord) {
        self.borrow_mut().fill(fill);
    }

    fn equity(&mut self, sample: &EquitySample) {
        self.borrow_mut().equity(sample);
    }
}
