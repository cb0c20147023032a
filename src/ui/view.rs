//! The window's view of the session: the latest frame and bounded
//! histories built from the session's updates. Panels read it; only
//! [`View::apply`] changes it.

use std::collections::HashMap;

use crate::market::Side;
use crate::session::update::{Batch, CatalogView, ErrorKind, SignalRecord, TradeRecord};
use crate::session::{Frame, RunInfo, RunState, Update};
use crate::sim::stats::Stats;
use crate::sim::{FillRecord, OrderId, OrderUpdate, UpdateKind};

use super::heat::HeatRing;
use super::series::{Ring, Series};

/// Market trades kept for the charts and the ladder.
const TRADES_KEPT: usize = 50_000;
/// Own fills kept for the blotter and the markers.
const FILLS_KEPT: usize = 20_000;
/// Order updates kept for the blotter.
const ORDERS_KEPT: usize = 5_000;
/// Resting-order segments kept for the price chart.
const SEGMENTS_KEPT: usize = 5_000;
/// Signals kept for the blotter.
const SIGNALS_KEPT: usize = 5_000;
/// Console lines kept.
const CONSOLE_KEPT: usize = 2_000;
/// Exact recent points and thinned older points of each chart series.
const SERIES_RECENT: usize = 8_192;
const SERIES_HISTORY: usize = 8_192;

/// What a console line is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineKind {
    /// Something failed.
    Error(ErrorKind),
    /// A note from the session.
    Note,
    /// A line the strategy logged.
    Log,
}

/// One line of the console.
#[derive(Clone, Debug, PartialEq)]
pub struct ConsoleLine {
    /// What it is.
    pub kind: LineKind,
    /// Data time, ns, when it has one.
    pub ts_ns: Option<i64>,
    /// The line.
    pub text: String,
    /// More, shown when expanded (a traceback, a rule path).
    pub detail: String,
}

/// The time one of our orders rested at one price.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment {
    /// The order.
    pub order_id: OrderId,
    /// Buy or sell.
    pub side: Side,
    /// Price, ticks.
    pub price_ticks: i64,
    /// From, exchange time, ns.
    pub start_ns: i64,
    /// Until, exchange time, ns; `None` while it still rests.
    pub end_ns: Option<i64>,
}

/// The settings in force, as the window applied them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AppliedSettings {
    /// The run configuration sent to the session.
    pub config: crate::sim::RunConfig,
    /// The `run.toml` it came from, when one.
    pub path: Option<std::path::PathBuf>,
    /// The strategy's parameters and defaults, found in its file.
    pub params: Vec<(String, toml::Value)>,
    /// Counts applications, so the settings form refreshes after each.
    pub revision: usize,
}

/// What the run before a reload or a settings change showed, kept to
/// compare with the run that replaced it.
#[derive(Clone, Debug)]
pub struct PreviousRun {
    /// What changed since it ran, e.g. `before reload`.
    pub label: String,
    /// Its equity over time.
    pub equity: Series,
    /// Its fills (the newest kept).
    pub fills: Vec<FillRecord>,
    /// Its statistics when it was replaced.
    pub stats: Option<Stats>,
    /// Market events it had seen when it was replaced.
    pub events_seen: u64,
}

/// Everything the panels draw.
#[derive(Clone, Debug)]
pub struct View {
    /// The latest frame.
    pub frame: Option<Frame>,
    /// The run in progress.
    pub run: Option<RunInfo>,
    /// The open folder's symbols and days.
    pub catalog: Option<CatalogView>,
    /// The run's statistics so far.
    pub stats: Option<Stats>,
    /// True when the session has finished every command and waits.
    pub is_idle: bool,
    /// Best bid over time (x: seconds since the day's start, y: ticks).
    pub bid: Series,
    /// Best ask over time.
    pub ask: Series,
    /// Equity over time (y: currency).
    pub equity: Series,
    /// Drawdown from the running peak over time (y: currency, ≤ 0).
    pub drawdown: Series,
    /// Position over time (y: lots).
    pub position: Series,
    equity_peak: f64,
    /// Market trades, oldest first.
    pub trades: Ring<TradeRecord>,
    /// Market trades the session left out at high speed.
    pub trades_skipped: u64,
    /// Our fills, oldest first.
    pub fills: Ring<FillRecord>,
    /// Our fills the session left out at high speed.
    pub fills_skipped: u64,
    /// Order updates, oldest first.
    pub orders: Ring<OrderUpdate>,
    /// Order updates the session left out at high speed.
    pub orders_skipped: u64,
    /// In a run over several instruments, the instrument of each of our
    /// orders (its position in [`RunInfo::instruments`]).
    pub order_instruments: HashMap<OrderId, u16>,
    /// Where our orders rested, oldest first.
    pub segments: Ring<Segment>,
    open_segments: HashMap<OrderId, Segment>,
    /// Rule strategies' signals, oldest first.
    pub signals: Ring<SignalRecord>,
    /// The book over time.
    pub heat: HeatRing,
    /// Console lines, oldest first.
    pub console: Ring<ConsoleLine>,
    /// Errors received since the start.
    pub errors_total: u64,
    /// Updates applied in the last frame, for the overlay.
    pub updates_last_frame: usize,
    /// The settings in force.
    pub settings: AppliedSettings,
    /// The strategy's last failure (to run or to load), shown in a banner
    /// until a fresh run starts or the user closes it.
    pub banner: Option<ConsoleLine>,
    /// The run before the last reload or settings change, to compare.
    pub previous: Option<PreviousRun>,
    /// Whether the previous run shows as an overlay.
    pub show_previous: bool,
    /// Set when a command that replaces the run was sent: the next run
    /// started keeps the one it replaces as [`View::previous`].
    compare_next: Option<String>,
    /// What the replaced run showed, until the next run starts.
    previous_candidate: Option<PreviousRun>,
}

impl Default for View {
    fn default() -> Self {
        View {
            frame: None,
            run: None,
            catalog: None,
            stats: None,
            is_idle: false,
            bid: Series::new(SERIES_RECENT, SERIES_HISTORY),
            ask: Series::new(SERIES_RECENT, SERIES_HISTORY),
            equity: Series::new(SERIES_RECENT, SERIES_HISTORY),
            drawdown: Series::new(SERIES_RECENT, SERIES_HISTORY),
            position: Series::new(SERIES_RECENT, SERIES_HISTORY),
            equity_peak: f64::NEG_INFINITY,
            trades: Ring::new(TRADES_KEPT),
            trades_skipped: 0,
            fills: Ring::new(FILLS_KEPT),
            fills_skipped: 0,
            orders: Ring::new(ORDERS_KEPT),
            orders_skipped: 0,
            order_instruments: HashMap::new(),
            segments: Ring::new(SEGMENTS_KEPT),
            open_segments: HashMap::new(),
            signals: Ring::new(SIGNALS_KEPT),
            heat: HeatRing::default(),
            console: Ring::new(CONSOLE_KEPT),
            errors_total: 0,
            updates_last_frame: 0,
            settings: AppliedSettings::default(),
            banner: None,
            previous: None,
            show_previous: true,
            compare_next: None,
            previous_candidate: None,
        }
    }
}

impl View {
    /// Start of the run's day, ns: the origin of every chart's x axis.
    pub fn origin_ns(&self) -> i64 {
        self.run.as_ref().map_or(0, |run| run.day.start_ns())
    }

    /// Seconds since the day's start of a time in ns, for chart axes.
    pub fn x_from_ns(&self, ts_ns: i64) -> f64 {
        (ts_ns - self.origin_ns()) as f64 / 1e9
    }

    /// The time in ns of a chart x value.
    pub fn ns_from_x(&self, x_secs: f64) -> i64 {
        self.origin_ns() + (x_secs * 1e9) as i64
    }

    /// Local time of the run, ns, once it has started.
    pub fn now_ns(&self) -> Option<i64> {
        self.frame
            .as_ref()
            .map(|f| f.now_ns)
            .filter(|&ts| ts != i64::MIN)
    }

    /// What the session is doing.
    pub fn state(&self) -> RunState {
        self.frame.as_ref().map_or(RunState::Empty, |f| f.state)
    }

    /// Adds a line to the console.
    pub fn log(&mut self, kind: LineKind, text: impl Into<String>, detail: impl Into<String>) {
        if matches!(kind, LineKind::Error(_)) {
            self.errors_total += 1;
        }
        self.console.push(ConsoleLine {
            kind,
            ts_ns: None,
            text: text.into(),
            detail: detail.into(),
        });
    }

    /// Takes in one update from the session.
    pub fn apply(&mut self, update: Update) {
        match update {
            Update::Catalog(catalog) => self.catalog = Some(catalog),
            Update::Started(run) => {
                if let Some(label) = self.compare_next.take() {
                    self.keep_as_previous(label);
                }
                if let Some(candidate) = self.previous_candidate.take() {
                    let same = self.run.as_ref().is_some_and(|p| {
                        p.folder == run.folder
                            && p.instrument.symbol == run.instrument.symbol
                            && p.day == run.day
                    });
                    if same {
                        self.previous = Some(candidate);
                    }
                }
                let same_day = |p: &RunInfo| {
                    p.folder == run.folder
                        && p.instrument.symbol == run.instrument.symbol
                        && p.day == run.day
                };
                if !self.run.as_ref().is_some_and(same_day) {
                    self.previous = None;
                    // The heatmap keeps what it showed of the same day
                    // through re-runs and jumps; another day starts afresh.
                    self.heat.clear();
                }
                self.clear_histories();
                self.run = Some(*run);
                self.banner = None;
            }
            Update::Reset => {
                if let Some(label) = self.compare_next.take() {
                    self.keep_as_previous(label);
                }
                self.clear_histories();
            }
            Update::Frame(frame) => {
                self.is_idle = false;
                self.heat.set_live(frame.now_ns, &frame.local_book);
                self.frame = Some(*frame);
            }
            Update::Batch(batch) => {
                let batch = *batch;
                self.apply_series(&batch);
                self.heat.extend(batch.columns_restart, batch.columns);
                self.trades.extend(batch.trades);
                self.trades_skipped += batch.trades_skipped;
                for (fill, &index) in batch.fills.iter().zip(&batch.fill_instruments) {
                    self.order_instruments.insert(fill.order_id, index);
                }
                for (update, &index) in batch.orders.iter().zip(&batch.order_instruments) {
                    self.order_instruments.insert(update.order_id, index);
                }
                self.fills.extend(batch.fills);
                self.fills_skipped += batch.fills_skipped;
                let followed = self.followed_index();
                for (i, update) in batch.orders.iter().enumerate() {
                    let index = batch
                        .order_instruments
                        .get(i)
                        .map_or(0, |&t| usize::from(t));
                    if index == followed {
                        self.track_segment(update);
                    }
                }
                self.orders.extend(batch.orders);
                self.orders_skipped += batch.orders_skipped;
                for signal in batch.signals {
                    self.signals.push(signal);
                }
                if batch.logs_skipped > 0 {
                    self.log(
                        LineKind::Note,
                        format!(
                            "{} log lines not shown: the strategy logged faster than the window reads",
                            batch.logs_skipped
                        ),
                        "",
                    );
                }
                for line in batch.logs {
                    self.console.push(ConsoleLine {
                        kind: LineKind::Log,
                        ts_ns: Some(line.ts_ns),
                        text: line.text,
                        detail: String::new(),
                    });
                }
                for note in batch.notes {
                    self.log(LineKind::Note, note, "");
                }
                for error in batch.errors {
                    self.errors_total += 1;
                    let line = ConsoleLine {
                        kind: LineKind::Error(error.kind),
                        ts_ns: error.ts_ns,
                        text: error.message,
                        detail: error.detail,
                    };
                    if matches!(error.kind, ErrorKind::Strategy | ErrorKind::StrategyLoad) {
                        self.banner = Some(line.clone());
                    }
                    self.console.push(line);
                }
            }
            Update::Stats(stats) => self.stats = Some(*stats),
            Update::Idle { .. } => self.is_idle = true,
        }
    }

    /// The commands that were to replace the run are done and did not (a
    /// strategy failed to load): nothing to compare with.
    pub fn forget_compare_next(&mut self) {
        self.compare_next = None;
    }

    /// Says that the next run started replaces the current one because of
    /// `label` (e.g. `before reload`), to keep it for comparing.
    /// The first label said before the run starts is kept.
    pub fn compare_next_run(&mut self, label: impl Into<String>) {
        if self.compare_next.is_none() {
            self.compare_next = Some(label.into());
        }
    }

    /// Keeps what the current run shows, to become the previous run once
    /// the next run starts on the same day.
    fn keep_as_previous(&mut self, label: String) {
        if self.run.is_none() || self.equity.is_empty() {
            return;
        }
        self.previous_candidate = Some(PreviousRun {
            label,
            equity: self.equity.clone(),
            fills: self.fills.iter().copied().collect(),
            stats: self.stats.clone(),
            events_seen: self.frame.as_ref().map_or(0, |f| f.events_seen),
        });
    }

    /// Adds a batch's quotes and equity samples to the chart series.
    fn apply_series(&mut self, batch: &Batch) {
        let origin_ns = self.origin_ns();
        let x_of = |ts_ns: i64| (ts_ns - origin_ns) as f64 / 1e9;
        let mut points: Vec<[f64; 2]> = Vec::with_capacity(batch.quotes.len());
        let mut add = |series: &mut Series, points_of: &mut dyn Iterator<Item = [f64; 2]>| {
            points.clear();
            points.extend(points_of);
            series.extend_from_slice(&points);
        };
        let quotes = &batch.quotes;
        add(
            &mut self.bid,
            &mut quotes
                .iter()
                .filter_map(|q| Some([x_of(q.ts_ns), q.bid_ticks? as f64])),
        );
        add(
            &mut self.ask,
            &mut quotes
                .iter()
                .filter_map(|q| Some([x_of(q.ts_ns), q.ask_ticks? as f64])),
        );
        let samples = &batch.equity;
        add(
            &mut self.equity,
            &mut samples.iter().map(|s| [x_of(s.ts_ns), s.account.equity]),
        );
        let mut peak = self.equity_peak;
        add(
            &mut self.drawdown,
            &mut samples.iter().map(|s| {
                peak = peak.max(s.account.equity);
                [x_of(s.ts_ns), s.account.equity - peak]
            }),
        );
        self.equity_peak = peak;
        add(
            &mut self.position,
            &mut samples
                .iter()
                .map(|s| [x_of(s.ts_ns), s.account.position_lots as f64]),
        );
    }

    fn clear_histories(&mut self) {
        self.bid.clear();
        self.ask.clear();
        self.equity.clear();
        self.drawdown.clear();
        self.position.clear();
        self.equity_peak = f64::NEG_INFINITY;
        self.trades.clear();
        self.trades_skipped = 0;
        self.fills.clear();
        self.fills_skipped = 0;
        self.orders.clear();
        self.orders_skipped = 0;
        self.order_instruments.clear();
        self.segments.clear();
        self.open_segments.clear();
        self.signals.clear();
        self.stats = None;
    }

    /// Follows where each order rests, from its updates.
    fn track_segment(&mut self, update: &OrderUpdate) {
        let ts_ns = update.exch_ts_ns;
        let resting = !update.state.is_final()
            && matches!(
                update.kind,
                UpdateKind::Accepted
                    | UpdateKind::Modified
                    | UpdateKind::Fill
                    | UpdateKind::Triggered
            )
            && update.price_ticks != 0;
        let moved = self
            .open_segments
            .get(&update.order_id)
            .is_some_and(|open| open.price_ticks != update.price_ticks);
        if update.state.is_final() || moved {
            if let Some(mut open) = self.open_segments.remove(&update.order_id) {
                open.end_ns = Some(ts_ns);
                self.segments.push(open);
            }
        }
        if resting && !self.open_segments.contains_key(&update.order_id) {
            self.open_segments.insert(
                update.order_id,
                Segment {
                    order_id: update.order_id,
                    side: update.side,
                    price_ticks: update.price_ticks,
                    start_ns: ts_ns,
                    end_ns: None,
                },
            );
        }
    }

    /// Position of the followed instrument among the run's (0 for one).
    pub fn followed_index(&self) -> usize {
        self.run.as_ref().map_or(0, |run| {
            run.instruments
                .iter()
                .position(|i| i.symbol == run.instrument.symbol)
                .unwrap_or(0)
        })
    }

    /// The instrument of our order `id`: in a run over several, the one it
    /// was sent to; else the run's.
    pub fn instrument_of_order(&self, id: OrderId) -> Option<&crate::market::Instrument> {
        let run = self.run.as_ref()?;
        match self.order_instruments.get(&id) {
            Some(&index) => run.instruments.get(usize::from(index)),
            None => Some(&run.instrument),
        }
    }

    /// True when our order `id` is of the followed instrument (always in a
    /// run of one): the charts mark only its fills.
    pub fn is_followed_order(&self, id: OrderId) -> bool {
        self.order_instruments
            .get(&id)
            .is_none_or(|&index| usize::from(index) == self.followed_index())
    }

    /// Segments of orders still resting.
    pub fn open_segments(&self) -> impl Iterator<Item = &Segment> {
        self.open_segments.values()
    }
}
