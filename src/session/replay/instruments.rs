//! A replay over several days and instruments for the window: opening the
//! selection (as `ticklab run --symbol --day` resolves it), the instrument
//! the window follows, and the frame of that instrument with the run's
//! clock, event counts and account.

use std::path::PathBuf;

use crate::market::catalog::Catalog;
use crate::market::day_range::DaySelection;
use crate::market::Instrument;
use crate::sim::stats::Stats;
use crate::sim::Engine;

use super::{DynRunner, Replay};
use crate::session::frame::{Frame, RunState};
use crate::session::select::open_instruments;
use crate::session::update::{CatalogView, ErrorKind, ErrorRecord, Update};

impl Replay {
    /// Every instrument of the run, in the order named.
    pub(super) fn instruments(&self) -> Vec<Instrument> {
        self.day
            .iter()
            .chain(&self.others)
            .map(|run| run.instrument.clone())
            .collect()
    }

    /// The days the run trades (every instrument's, the warm-up's left
    /// out), oldest first.
    pub(super) fn traded_days(&self) -> Vec<crate::market::catalog::Day> {
        let mut traded: Vec<_> = self
            .day
            .iter()
            .chain(&self.others)
            .flat_map(|run| run.days.iter().filter(|d| !d.warmup).map(|d| d.day))
            .collect();
        traded.sort_unstable();
        traded.dedup();
        traded
    }

    /// Each day's statistics of the run so far (the account's), oldest
    /// first, as `ticklab run` gives them in `by_day`; empty for a run of
    /// one day.
    pub fn stats_by_day(&self) -> Vec<crate::report::DayStats> {
        self.rows
            .as_ref()
            .map(|rows| rows.borrow().stats_by_day())
            .unwrap_or_default()
    }

    /// The symbol the window follows, once a run is loaded.
    pub fn followed_symbol(&self) -> Option<String> {
        self.instruments()
            .get(self.focus)
            .map(|instrument| instrument.symbol.clone())
    }

    /// Opens `folder` and starts a fresh run over `symbols` (the folder's
    /// first when empty; in the order that breaks ties) and `days`, exactly
    /// as `ticklab run --symbol A,B --day D` resolves them: days of the
    /// span without data are gaps (said in the console), a named symbol or
    /// day the folder lacks is an error listing what it has.
    pub fn open(&mut self, folder: PathBuf, symbols: &[String], days: &DaySelection) -> bool {
        let catalog = match Catalog::open(&folder) {
            Ok(catalog) => catalog,
            Err(err) => {
                self.report(ErrorRecord::of(ErrorKind::Data, &err));
                return false;
            }
        };
        self.outbox
            .push_back(Update::Catalog(CatalogView::of(&catalog)));
        let named = match symbols {
            [] => catalog
                .instruments
                .first()
                .map(|i| i.instrument.symbol.clone())
                .unwrap_or_default(),
            _ => symbols.join(","),
        };
        let runs = match open_instruments(&folder, Some(&named), Some(days), None) {
            Ok(runs) => runs,
            Err(err) => {
                self.report(ErrorRecord::of(ErrorKind::Data, &err));
                return false;
            }
        };
        let Some((first, others)) = runs.split_first() else {
            return false;
        };
        for run in others {
            let (currency, account) = (&run.instrument.currency, &first.instrument.currency);
            if self.config.fx_rate(currency, account).is_none() {
                self.report(ErrorRecord::msg(
                    ErrorKind::Data,
                    format!(
                        "{} is in {account} and {} in {currency}: give a fixed rate in the run configuration, e.g. [fx] {currency} = 1.0 (units of {account} per {currency}; ticklab simulates no FX)",
                        first.instrument.symbol, run.instrument.symbol
                    ),
                ));
                return false;
            }
        }
        let mut span_ns: Option<(i64, i64)> = None;
        for run in &runs {
            self.notes.extend(run.warnings.iter().cloned());
            for gap in &run.gaps {
                self.notes.push(format!(
                    "{}: no data from {} to {}: a gap in time; position, cash and orders carry over",
                    run.instrument.symbol, gap.from, gap.to
                ));
            }
            let Some(data) = catalog.instrument(&run.instrument.symbol) else {
                continue;
            };
            for day in &run.days {
                let Some((from, to)) = data.day(day.day).and_then(|f| f.exch_ts_span_ns()) else {
                    continue;
                };
                span_ns = Some(match span_ns {
                    Some((a, b)) => (a.min(from), b.max(to)),
                    None => (from, to),
                });
            }
        }
        self.folder = Some(folder);
        self.day = Some(first.clone());
        self.others = others.to_vec();
        self.focus = 0;
        self.crossed_noted = false;
        self.span_ns = span_ns;
        self.checkpoints.clear();
        self.fresh_run()
    }

    /// Follows instrument `symbol` of the run: re-runs from the start to
    /// the event the run had reached with the window's frames and charts
    /// on that instrument. Returns the event to re-run to, or `None` when
    /// there is nothing to do (the symbol is followed already, or the run
    /// does not have it: then the error is queued).
    pub fn follow(&mut self, symbol: &str) -> Option<u64> {
        self.runner.as_ref()?;
        let instruments = self.instruments();
        let Some(index) = instruments.iter().position(|i| i.symbol == symbol) else {
            let has: Vec<&str> = instruments.iter().map(|i| i.symbol.as_str()).collect();
            self.report(ErrorRecord::msg(
                ErrorKind::Command,
                format!(
                    "no symbol {symbol:?} in this run; it has: {}",
                    has.join(", ")
                ),
            ));
            return None;
        };
        if index == self.focus {
            return None;
        }
        let target = self.events_seen();
        self.landing_ns = Some(self.now_ns()).filter(|&ts| ts != i64::MIN);
        self.focus = index;
        self.checkpoints.rewind();
        self.fresh_run().then_some(target)
    }

    /// Each instrument's statistics alone (its fills, orders and part of
    /// the account), in the order named, as `ticklab run` writes them in
    /// `summary.json`'s `by_symbol`; empty for a run of one instrument.
    pub fn stats_by_symbol(&self) -> Vec<(String, Stats)> {
        let (Some(runner), Some(rows)) = (&self.runner, &self.rows) else {
            return Vec::new();
        };
        if runner.other_engines().next().is_none() {
            return Vec::new();
        }
        let engines: Vec<&Engine<'_>> = std::iter::once(runner.engine())
            .chain(runner.other_engines())
            .collect();
        let events: Vec<u64> = engines.iter().map(|e| e.exchange_events()).collect();
        engines
            .iter()
            .map(|e| e.instrument().symbol.clone())
            .zip(rows.borrow().stats_by_instrument(&events))
            .collect()
    }
}

/// The frame of instrument `focus` of `runner`'s run: its books and open
/// orders, with the run's clock and event counts and the whole account
/// (cash, PnL, fees and equity over every instrument, each marked to its
/// local mid) beside that instrument's position.
pub(super) fn frame_of(
    runner: &DynRunner,
    focus: usize,
    state: RunState,
    wakes: u64,
    depth: usize,
) -> Frame {
    let clock = runner.engine();
    let engine = runner.engine_of(focus).unwrap_or(clock);
    let mut frame = Frame::of(engine, state, wakes, depth);
    if runner.other_engines().next().is_none() {
        return frame;
    }
    frame.now_ns = runner.now_ns();
    frame.events_seen = runner.events_seen();
    frame.exchange_events = runner.exchange_events();
    let engines = || std::iter::once(clock).chain(runner.other_engines());
    frame.exchange_now_ns = engines()
        .map(Engine::exchange_now_ns)
        .max()
        .unwrap_or(frame.exchange_now_ns);
    let initial = clock.account().initial_cash();
    let (mut cash, mut realized, mut unrealized) = (0.0, 0.0, 0.0);
    let (mut fees, mut funding, mut equity) = (0.0, 0.0, 0.0);
    for part in engines() {
        let account = part.account();
        let mark = part
            .local_book()
            .mid_ticks()
            .unwrap_or_else(|| account.avg_entry_ticks());
        let snapshot = account.snapshot(mark);
        let rate = part.account_fx_rate();
        cash += (snapshot.cash - initial) * rate;
        realized += snapshot.realized_pnl * rate;
        unrealized += snapshot.unrealized_pnl * rate;
        fees += snapshot.fees_paid * rate;
        funding += snapshot.funding_paid * rate;
        equity += (snapshot.equity - initial) * rate;
    }
    let account = &mut frame.account;
    account.cash = initial + cash;
    account.realized_pnl = realized;
    account.unrealized_pnl = unrealized;
    account.fees_paid = fees;
    account.funding_paid = funding;
    account.equity = initial + equity;
    frame
}
