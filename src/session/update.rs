//! What a session tells the window: frames, append-only batches, and the
//! few events in between (a folder opened, a run restarted, an error).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::market::catalog::{Catalog, Day};
use crate::market::{Instrument, Side};
use crate::sim::stats::Stats;
use crate::sim::{EquitySample, FillRecord, LogRecord, OrderUpdate};

use super::frame::Frame;
use super::heat::{keep_newest_columns, BookColumn};
use super::rows::{keep_newest, keep_newest_tagged, thin, MAX_PENDING_ROWS};

/// One message from the session thread.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Update {
    /// A data folder was opened: its symbols and days.
    Catalog(CatalogView),
    /// A fresh run started: which days and instruments, which strategy.
    Started(Box<RunInfo>),
    /// The run is being re-run from the start (a seek backwards, a
    /// reload): everything appended so far is void, and the batches that
    /// follow start over.
    Reset,
    /// The run as it stands; at most one per repaint.
    Frame(Box<Frame>),
    /// What happened since the previous batch.
    Batch(Box<Batch>),
    /// The run's statistics so far.
    Stats(#[serde(with = "crate::session::link::codec::stats")] Box<Stats>),
    /// Every command received so far is done and the engine waits.
    Idle {
        /// Commands the session has finished, in all.
        commands_done: u64,
    },
}

/// A data folder's symbols and days, for the data browser.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CatalogView {
    /// The folder (or file) opened.
    pub root: PathBuf,
    /// Its instruments, sorted by symbol.
    pub symbols: Vec<SymbolView>,
    /// Files that do not fit the layout, with the reason.
    pub skipped: Vec<String>,
}

/// One instrument of a data folder.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SymbolView {
    /// The symbol.
    pub symbol: String,
    /// Its days, oldest first.
    pub days: Vec<DayView>,
}

/// One day file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayView {
    /// The day.
    pub day: Day,
    /// Events in the file.
    pub rows: u64,
    /// First and last exchange time, ns, when the file says.
    pub span_ns: Option<(i64, i64)>,
}

impl CatalogView {
    /// The view of an opened catalog.
    pub fn of(catalog: &Catalog) -> Self {
        CatalogView {
            root: catalog.root.clone(),
            symbols: catalog
                .instruments
                .iter()
                .map(|data| SymbolView {
                    symbol: data.instrument.symbol.clone(),
                    days: data
                        .days
                        .iter()
                        .map(|file| DayView {
                            day: file.day,
                            rows: file.rows(),
                            span_ns: file.exch_ts_span_ns(),
                        })
                        .collect(),
                })
                .collect(),
            skipped: catalog
                .skipped
                .iter()
                .map(|s| format!("{}: {}", s.path.display(), s.reason))
                .collect(),
        }
    }
}

/// The days, instruments and strategy of the run that just started.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunInfo {
    /// The data folder.
    pub folder: PathBuf,
    /// The instrument the window follows: the one traded, or in a run over
    /// several, the one the ladder and the charts show.
    #[serde(with = "crate::session::link::codec::self_described")]
    pub instrument: Instrument,
    /// The first day.
    pub day: Day,
    /// Events in the run's files (every day and instrument).
    pub rows: u64,
    /// First and last exchange time of the run, ns, when known.
    pub span_ns: Option<(i64, i64)>,
    /// Every instrument of the run, in the order named (which breaks ties
    /// at equal times); one for a run of one.
    #[serde(with = "crate::session::link::codec::self_described")]
    pub instruments: Vec<Instrument>,
    /// The days the run trades, oldest first.
    pub days: Vec<Day>,
    /// The strategy: a built-in name or a file; `None` replays the market
    /// with no strategy.
    pub strategy: Option<String>,
    /// Cash at the start, currency units.
    pub initial_cash: f64,
}

/// A trade in the market (anyone's), as the strategy saw it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TradeRecord {
    /// Local time, ns.
    pub ts_ns: i64,
    /// Price, ticks.
    pub price_ticks: i64,
    /// Size, lots.
    pub qty_lots: i64,
    /// The aggressor: `Buy` lifted the ask, `Sell` hit the bid.
    #[serde(with = "crate::session::link::codec::side")]
    pub side: Side,
}

/// The touch at one moment of local time, sampled at a fixed data-time
/// step for the price chart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteSample {
    /// Local time, ns.
    pub ts_ns: i64,
    /// Best bid, ticks.
    pub bid_ticks: Option<i64>,
    /// Best ask, ticks.
    pub ask_ticks: Option<i64>,
    /// The strategy's position, lots.
    pub position_lots: i64,
}

/// One condition of a signal and its value when the signal fired.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConditionValue {
    /// The condition as written, e.g. `imbalance(5) > 0.3`.
    pub text: String,
    /// The value of its left-hand side, as text.
    pub value: String,
    /// Whether it held.
    pub holds: bool,
}

/// A rule strategy's decision, with why it fired.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SignalRecord {
    /// Local time, ns.
    pub ts_ns: i64,
    /// Market events the strategy had seen.
    pub event_index: u64,
    /// The rule's name.
    pub rule: String,
    /// What it did, e.g. `buy 2 @ market`.
    pub action: String,
    /// Each condition and its value.
    pub conditions: Vec<ConditionValue>,
}

/// Which part of the work failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ErrorKind {
    /// Opening the folder or the day.
    Data,
    /// Loading the strategy (file, syntax, parameters).
    StrategyLoad,
    /// A strategy callback failed during the run.
    Strategy,
    /// The engine could not go on (market data).
    Engine,
    /// A command that cannot be done now.
    Command,
}

/// An error, shown once in the console.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ErrorRecord {
    /// What failed.
    pub kind: ErrorKind,
    /// One line saying what went wrong.
    pub message: String,
    /// The whole story: the chain of causes, the traceback or the rule
    /// path; empty when the message says it all.
    pub detail: String,
    /// Local time of the run when it happened, ns.
    pub ts_ns: Option<i64>,
    /// Market events the strategy had seen when it happened.
    pub event_index: Option<u64>,
}

impl ErrorRecord {
    /// An error from any `std::error::Error`, its causes in `detail`.
    pub fn of(kind: ErrorKind, err: &(dyn std::error::Error + 'static)) -> Self {
        let mut detail = String::new();
        let mut source = err.source();
        while let Some(cause) = source {
            let text = cause.to_string();
            if !err.to_string().contains(&text) {
                detail.push_str("caused by: ");
                detail.push_str(&text);
                detail.push('\n');
            }
            source = cause.source();
        }
        ErrorRecord {
            kind,
            message: err.to_string(),
            detail: detail.trim_end().to_owned(),
            ts_ns: None,
            event_index: None,
        }
    }

    /// An error with a message only.
    pub fn msg(kind: ErrorKind, message: impl Into<String>) -> Self {
        ErrorRecord {
            kind,
            message: message.into(),
            detail: String::new(),
            ts_ns: None,
            event_index: None,
        }
    }
}

/// Everything that happened since the previous batch; each list in time
/// order, appended to what came before.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Batch {
    /// Our fills, as booked at the exchange.
    pub fills: Vec<FillRecord>,
    /// Fills left out because too many came at once (at high speed); the
    /// statistics still count them.
    pub fills_skipped: u64,
    /// Order updates, as the exchange (or pre-trade risk) produced them.
    #[serde(with = "crate::session::link::records::order_updates")]
    pub orders: Vec<OrderUpdate>,
    /// Order updates left out because too many came at once (at high
    /// speed); the blotter says so.
    pub orders_skipped: u64,
    /// Equity samples.
    #[serde(with = "crate::session::link::records::equity_samples")]
    pub equity: Vec<EquitySample>,
    /// Market trades.
    pub trades: Vec<TradeRecord>,
    /// Market trades left out because too many came at once.
    pub trades_skipped: u64,
    /// The touch, sampled at a fixed data-time step.
    #[serde(with = "crate::session::link::records::quotes")]
    pub quotes: Vec<QuoteSample>,
    /// The book on the heatmap's grid of data time, the newest
    /// `HEAT_COLUMNS` at most.
    pub columns: Vec<BookColumn>,
    /// True when `columns` start afresh: the heatmap forgets the columns it
    /// holds before taking these.
    pub columns_restart: bool,
    /// Rule strategies' signals.
    pub signals: Vec<SignalRecord>,
    /// The strategy's log lines.
    pub logs: Vec<LogRecord>,
    /// Log lines left out because too many came at once.
    pub logs_skipped: u64,
    /// Errors.
    pub errors: Vec<ErrorRecord>,
    /// Notes from the session that are not errors (e.g. how long a re-run
    /// took).
    pub notes: Vec<String>,
    /// In a run over several instruments, the instrument of each fill (its
    /// position in [`RunInfo::instruments`]); empty for one.
    pub fill_instruments: Vec<u16>,
    /// In a run over several instruments, the instrument of each order
    /// update; empty for one.
    pub order_instruments: Vec<u16>,
}

impl Batch {
    /// True when there is nothing to send.
    pub fn is_empty(&self) -> bool {
        self.fills.is_empty()
            && self.fills_skipped == 0
            && self.orders.is_empty()
            && self.orders_skipped == 0
            && self.equity.is_empty()
            && self.trades.is_empty()
            && self.trades_skipped == 0
            && self.quotes.is_empty()
            && self.columns.is_empty()
            && !self.columns_restart
            && self.signals.is_empty()
            && self.logs.is_empty()
            && self.logs_skipped == 0
            && self.errors.is_empty()
            && self.notes.is_empty()
    }

    /// Appends `later` to this batch. The lists that grow with the data
    /// stay bounded however many batches merge: the oldest fills, order
    /// updates and trades are counted and left out, equity samples and
    /// quotes are thinned.
    pub fn append(&mut self, mut later: Batch) {
        self.fills.append(&mut later.fills);
        self.fill_instruments.append(&mut later.fill_instruments);
        self.fills_skipped += later.fills_skipped;
        keep_newest_tagged(
            &mut self.fills,
            &mut self.fill_instruments,
            MAX_PENDING_ROWS,
            &mut self.fills_skipped,
        );
        self.orders.append(&mut later.orders);
        self.order_instruments.append(&mut later.order_instruments);
        self.orders_skipped += later.orders_skipped;
        keep_newest_tagged(
            &mut self.orders,
            &mut self.order_instruments,
            MAX_PENDING_ROWS,
            &mut self.orders_skipped,
        );
        self.equity.append(&mut later.equity);
        thin(&mut self.equity, MAX_PENDING_ROWS);
        self.trades.append(&mut later.trades);
        self.trades_skipped += later.trades_skipped;
        keep_newest(&mut self.trades, MAX_PENDING_ROWS, &mut self.trades_skipped);
        self.quotes.append(&mut later.quotes);
        thin(&mut self.quotes, MAX_PENDING_ROWS);
        if later.columns_restart {
            self.columns.clear();
            self.columns_restart = true;
        }
        self.columns.append(&mut later.columns);
        keep_newest_columns(&mut self.columns);
        self.signals.append(&mut later.signals);
        self.logs.append(&mut later.logs);
        self.logs_skipped += later.logs_skipped;
        keep_newest(&mut self.logs, MAX_PENDING_ROWS, &mut self.logs_skipped);
        self.errors.append(&mut later.errors);
        self.notes.append(&mut later.notes);
    }
}
