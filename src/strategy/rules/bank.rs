//! The indicators of one rule strategy, fed from market events and read at
//! each evaluation.
//!
//! Each indicator is about one of the run's instruments and is fed from its
//! data alone. Book values are taken when that instrument's book is
//! consistent (the last event of an exchange message); trades are counted
//! as they come. Values are computed
//! in ticks and lots and turned into price units as they are read, so sums
//! over windows stay exact.

use crate::book::{L2Book, Level};
use crate::market::Side;
use crate::sim::OpenOrder;
use crate::strategy::indicators::{
    imbalance, microprice_ticks, TimeEma, TimeWeightedWindow, TradeWindow, ValueAgo, WindowedRsi,
};
use crate::strategy::Ctx;

use super::duration::DAY_NS;
use super::schema::{Band, IndicatorSpec, OrderSide, Source};
use super::venue::On;
use super::vocabulary::{unit_of, Unit};

/// Seconds in a nanosecond (a multiplication is much cheaper than a
/// division on the evaluation path).
const SECS_PER_NS: f64 = 1e-9;

/// What a time-weighted window reports.
#[derive(Clone, Copy, Debug)]
enum MeanOut {
    Sma,
    Stddev,
    Band { k: f64, band: Band },
}

/// What a trade window reports.
#[derive(Clone, Copy, Debug)]
enum TradeOut {
    Vwap,
    Volume,
    Count,
    Signed,
}

/// One indicator's state.
#[derive(Clone, Debug)]
enum SlotState {
    Series(Source),
    /// Imbalance of the touch sizes.
    TouchImbalance,
    /// Over more than one level: the value at the last consistent book.
    Imbalance {
        levels: usize,
        value: f64,
    },
    Mean {
        of: Source,
        window: TimeWeightedWindow,
        out: MeanOut,
    },
    Ema {
        of: Source,
        ema: TimeEma,
    },
    Rsi {
        of: Source,
        rsi: WindowedRsi,
    },
    Change {
        of: Source,
        ago: ValueAgo,
    },
    Trades {
        window: TradeWindow,
        out: TradeOut,
    },
    Position,
    UnrealizedPnl,
    OpenOrders,
    TimeOfDay,
    SinceLastFill,
    MarketState,
    AheadQty(Side),
}

impl SlotState {
    fn new(spec: &IndicatorSpec) -> SlotState {
        let mean = |of: Source, window: i64, out| SlotState::Mean {
            of,
            window: TimeWeightedWindow::new(window),
            out,
        };
        let trades = |window: Option<i64>, out| SlotState::Trades {
            window: TradeWindow::new(window),
            out,
        };
        match spec {
            IndicatorSpec::Mid { .. } => SlotState::Series(Source::Mid),
            IndicatorSpec::Bid { .. } => SlotState::Series(Source::Bid),
            IndicatorSpec::Ask { .. } => SlotState::Series(Source::Ask),
            IndicatorSpec::Last { .. } => SlotState::Series(Source::Last),
            IndicatorSpec::Microprice { .. } => SlotState::Series(Source::Microprice),
            IndicatorSpec::Spread { .. } => SlotState::Series(Source::Spread),
            IndicatorSpec::Imbalance { levels: 1, .. } => SlotState::TouchImbalance,
            IndicatorSpec::Imbalance { levels, .. } => SlotState::Imbalance {
                levels: *levels as usize,
                value: f64::NAN,
            },
            IndicatorSpec::Sma { of, window, .. } => mean(*of, window.as_ns(), MeanOut::Sma),
            IndicatorSpec::Stddev { of, window, .. } => mean(*of, window.as_ns(), MeanOut::Stddev),
            IndicatorSpec::Bollinger {
                of,
                window,
                k,
                band,
                ..
            } => mean(*of, window.as_ns(), MeanOut::Band { k: *k, band: *band }),
            IndicatorSpec::Ema { of, half_life, .. } => SlotState::Ema {
                of: *of,
                ema: TimeEma::new(half_life.as_ns()),
            },
            IndicatorSpec::Rsi { of, window, .. } => SlotState::Rsi {
                of: *of,
                rsi: WindowedRsi::new(window.as_ns()),
            },
            IndicatorSpec::ChangeBp { of, window, .. } => SlotState::Change {
                of: *of,
                ago: ValueAgo::new(window.as_ns()),
            },
            IndicatorSpec::Vwap { window, .. } => trades(window.map(|w| w.as_ns()), TradeOut::Vwap),
            IndicatorSpec::Volume { window, .. } => trades(Some(window.as_ns()), TradeOut::Volume),
            IndicatorSpec::TradeCount { window, .. } => {
                trades(Some(window.as_ns()), TradeOut::Count)
            }
            IndicatorSpec::SignedVolume { window, .. } => {
                trades(Some(window.as_ns()), TradeOut::Signed)
            }
            IndicatorSpec::Position { .. } => SlotState::Position,
            IndicatorSpec::UnrealizedPnl { .. } => SlotState::UnrealizedPnl,
            IndicatorSpec::OpenOrders { .. } => SlotState::OpenOrders,
            IndicatorSpec::TimeOfDay => SlotState::TimeOfDay,
            IndicatorSpec::SinceLastFill { .. } => SlotState::SinceLastFill,
            IndicatorSpec::MarketState { .. } => SlotState::MarketState,
            IndicatorSpec::AheadQty { side, .. } => SlotState::AheadQty(match side {
                OrderSide::Buy => Side::Buy,
                OrderSide::Sell => Side::Sell,
            }),
        }
    }

    /// The series this indicator is fed with, if any.
    fn source(&self) -> Option<Source> {
        match self {
            SlotState::Mean { of, .. }
            | SlotState::Ema { of, .. }
            | SlotState::Rsi { of, .. }
            | SlotState::Change { of, .. } => Some(*of),
            _ => None,
        }
    }

    /// Whether it reads the book of its instrument.
    fn uses_book(&self) -> bool {
        match self {
            SlotState::Series(src) => *src != Source::Last,
            SlotState::TouchImbalance | SlotState::Imbalance { .. } => true,
            other => other.source().is_some_and(|src| src != Source::Last),
        }
    }

    /// Whether it reads the trades of its instrument.
    fn uses_trades(&self) -> bool {
        matches!(self, SlotState::Trades { .. }) || self.source() == Some(Source::Last)
    }

    /// Whether it needs the microprice of its instrument.
    fn uses_microprice(&self) -> bool {
        match self {
            SlotState::Series(src) => *src == Source::Microprice,
            other => other.source() == Some(Source::Microprice),
        }
    }

    fn push(&mut self, ts_ns: i64, x: f64) {
        match self {
            SlotState::Mean { window, .. } => window.push(ts_ns, x),
            SlotState::Ema { ema, .. } => ema.push(ts_ns, x),
            SlotState::Rsi { rsi, .. } => rsi.push(ts_ns, x),
            SlotState::Change { ago, .. } => ago.push(ts_ns, x),
            _ => {}
        }
    }
}

/// The book series of one instrument at its last consistent book, in ticks
/// (NaN when there is none).
#[derive(Clone, Copy, Debug)]
struct Series {
    bid: f64,
    ask: f64,
    mid: f64,
    microprice: f64,
    spread: f64,
    last: f64,
    /// Imbalance of the touch sizes.
    imbalance: f64,
}

impl Series {
    const UNKNOWN: Series = Series {
        bid: f64::NAN,
        ask: f64::NAN,
        mid: f64::NAN,
        microprice: f64::NAN,
        spread: f64::NAN,
        last: f64::NAN,
        imbalance: f64::NAN,
    };

    fn get(&self, source: Source) -> f64 {
        match source {
            Source::Mid => self.mid,
            Source::Bid => self.bid,
            Source::Ask => self.ask,
            Source::Last => self.last,
            Source::Microprice => self.microprice,
            Source::Spread => self.spread,
        }
    }
}

/// What the indicators of one instrument are fed.
#[derive(Clone, Debug)]
struct Feed {
    series: Series,
    /// Whether any of its indicators is fed from the book.
    uses_book: bool,
    /// Whether any of its indicators needs the microprice.
    uses_microprice: bool,
    /// Whether any of its indicators is fed with trades.
    uses_trades: bool,
    last_fill_ns: Option<i64>,
}

/// All indicators of one rule strategy and their current values.
#[derive(Clone, Debug)]
pub(crate) struct Bank {
    slots: Vec<SlotState>,
    /// The instrument of each slot, by its position among the run's
    /// symbols.
    instruments: Vec<usize>,
    /// Multiplier from ticks to the value shown, per slot.
    scales: Vec<f64>,
    /// Slot values at the last evaluation (NaN = not known), then the
    /// program's constants: the operands of its comparisons.
    values: Vec<f64>,
    /// Per instrument of the run.
    feeds: Vec<Feed>,
}

impl Bank {
    /// The indicators of `slots`, empty, followed by the constants
    /// `consts`; every slot on the run's first instrument until
    /// [`Bank::bind`].
    pub(crate) fn new(slots: &[IndicatorSpec], consts: &[f64]) -> Bank {
        let states: Vec<SlotState> = slots.iter().map(SlotState::new).collect();
        let mut values = vec![f64::NAN; states.len()];
        values.extend_from_slice(consts);
        let mut bank = Bank {
            scales: vec![1.0; states.len()],
            instruments: vec![0; states.len()],
            values,
            slots: states,
            feeds: Vec::new(),
        };
        bank.set_feeds(1);
        bank
    }

    fn set_feeds(&mut self, count: usize) {
        self.feeds = (0..count)
            .map(|i| {
                let mine = || {
                    self.slots
                        .iter()
                        .zip(&self.instruments)
                        .filter(move |(_, &inst)| inst == i)
                        .map(|(slot, _)| slot)
                };
                Feed {
                    series: Series::UNKNOWN,
                    uses_book: mine().any(SlotState::uses_book),
                    uses_microprice: mine().any(SlotState::uses_microprice),
                    uses_trades: mine().any(SlotState::uses_trades),
                    last_fill_ns: None,
                }
            })
            .collect();
    }

    /// Puts each slot on its instrument (`instruments`, positions among the
    /// run's `count` instruments) and sets the tick size each reads prices
    /// with (`tick_sizes`, per instrument).
    pub(crate) fn bind(
        &mut self,
        specs: &[IndicatorSpec],
        instruments: Vec<usize>,
        tick_sizes: &[f64],
    ) {
        for ((scale, spec), &inst) in self.scales.iter_mut().zip(specs).zip(&instruments) {
            *scale = if unit_of(spec) == Unit::Price {
                tick_sizes.get(inst).copied().unwrap_or(1.0)
            } else {
                1.0
            };
        }
        self.instruments = instruments;
        self.set_feeds(tick_sizes.len().max(1));
    }

    /// Whether any indicator reads instrument `inst`'s market data.
    pub(crate) fn reads_market(&self, inst: usize) -> bool {
        self.feeds
            .get(inst)
            .is_some_and(|feed| feed.uses_book || feed.uses_trades)
    }

    /// Slot values at the last evaluation (NaN = not known), then the
    /// constants.
    pub(crate) fn operands(&self) -> &[f64] {
        &self.values
    }

    /// A trade of instrument `inst` seen at local time `ts_ns`.
    pub(crate) fn on_trade(
        &mut self,
        inst: usize,
        ts_ns: i64,
        aggressor: Side,
        price_ticks: i64,
        qty_lots: i64,
    ) {
        let Some(feed) = self.feeds.get_mut(inst) else {
            return;
        };
        feed.series.last = price_ticks as f64;
        if !feed.uses_trades {
            return;
        }
        for (slot, _) in self
            .slots
            .iter_mut()
            .zip(&self.instruments)
            .filter(|(_, &i)| i == inst)
        {
            match slot {
                SlotState::Trades { window, .. } => {
                    window.push(ts_ns, aggressor, price_ticks, qty_lots)
                }
                other if other.source() == Some(Source::Last) => {
                    other.push(ts_ns, price_ticks as f64)
                }
                _ => {}
            }
        }
    }

    /// The book of instrument `inst` is consistent at local time `ts_ns`,
    /// with this best bid and ask.
    pub(crate) fn on_book(
        &mut self,
        inst: usize,
        ts_ns: i64,
        book: &L2Book,
        touch: (Option<Level>, Option<Level>),
    ) {
        let Some(feed) = self.feeds.get_mut(inst) else {
            return;
        };
        if !feed.uses_book {
            return;
        }
        let (bid, ask) = touch;
        let s = &mut feed.series;
        s.bid = bid.map_or(f64::NAN, |l| l.price as f64);
        s.ask = ask.map_or(f64::NAN, |l| l.price as f64);
        // As `indicators::imbalance` over one level.
        let (bid_lots, ask_lots) = (bid.map_or(0, |l| l.qty), ask.map_or(0, |l| l.qty));
        s.imbalance = if bid_lots + ask_lots > 0 {
            (bid_lots - ask_lots) as f64 / (bid_lots + ask_lots) as f64
        } else {
            f64::NAN
        };
        s.mid = (s.bid + s.ask) / 2.0;
        s.spread = s.ask - s.bid;
        if feed.uses_microprice {
            s.microprice = microprice_ticks(book).unwrap_or(f64::NAN);
        }
        let series = feed.series;
        for (slot, _) in self
            .slots
            .iter_mut()
            .zip(&self.instruments)
            .filter(|(_, &i)| i == inst)
        {
            if let SlotState::Imbalance { levels, value } = slot {
                *value = imbalance(book, *levels).unwrap_or(f64::NAN);
            } else if let Some(src) = slot.source() {
                let x = series.get(src);
                if src != Source::Last && !x.is_nan() {
                    slot.push(ts_ns, x);
                }
            }
        }
    }

    /// One of our orders of instrument `inst` filled; the strategy learned
    /// of it at `ts_ns`.
    pub(crate) fn on_fill(&mut self, inst: usize, ts_ns: i64) {
        if let Some(feed) = self.feeds.get_mut(inst) {
            feed.last_fill_ns = Some(ts_ns);
        }
    }

    /// Computes every slot's value at local time `now_ns`; `symbols` are
    /// the run's, in the order named.
    pub(crate) fn evaluate(&mut self, ctx: &Ctx<'_, '_>, now_ns: i64, symbols: &[String]) {
        let feeds = &self.feeds;
        for (((slot, value), scale), &inst) in self
            .slots
            .iter_mut()
            .zip(&mut self.values)
            .zip(&self.scales)
            .zip(&self.instruments)
        {
            let Some(feed) = feeds.get(inst) else {
                *value = f64::NAN;
                continue;
            };
            let on = On {
                index: inst,
                symbol: symbols.get(inst).map_or("", String::as_str),
            };
            let series = &feed.series;
            *value = scale
                * match slot {
                    SlotState::Series(src) => series.get(*src),
                    SlotState::TouchImbalance => series.imbalance,
                    SlotState::Imbalance { value, .. } => *value,
                    SlotState::Mean {
                        window,
                        out: MeanOut::Sma,
                        ..
                    } => window.mean(now_ns).unwrap_or(f64::NAN),
                    SlotState::Mean { of, window, out } => match window.stats(now_ns) {
                        None => f64::NAN,
                        Some(stats) => match *out {
                            MeanOut::Sma => stats.mean,
                            MeanOut::Stddev => stats.stddev,
                            MeanOut::Band { k, band } => match band {
                                Band::Upper => stats.mean + k * stats.stddev,
                                Band::Middle => stats.mean,
                                Band::Lower => stats.mean - k * stats.stddev,
                                Band::Width => 2.0 * k * stats.stddev,
                                Band::PercentB => {
                                    let x = window.last().unwrap_or(series.get(*of));
                                    let width = 2.0 * k * stats.stddev;
                                    if width > 0.0 {
                                        (x - (stats.mean - k * stats.stddev)) / width
                                    } else {
                                        f64::NAN
                                    }
                                }
                            },
                        },
                    },
                    SlotState::Ema { ema, .. } => ema.value(now_ns).unwrap_or(f64::NAN),
                    SlotState::Rsi { rsi, .. } => rsi.value(now_ns).unwrap_or(f64::NAN),
                    SlotState::Change { of, ago } => match ago.value(now_ns) {
                        Some(then) => (series.get(*of) - then) / then * BP_PER_UNIT,
                        None => f64::NAN,
                    },
                    SlotState::Trades { window, out } => {
                        window.evict(now_ns);
                        match out {
                            TradeOut::Vwap => window.vwap_ticks().unwrap_or(f64::NAN),
                            TradeOut::Volume => window.volume_lots() as f64,
                            TradeOut::Count => window.count() as f64,
                            TradeOut::Signed => window.signed_lots() as f64,
                        }
                    }
                    SlotState::Position => on.position_lots(ctx) as f64,
                    SlotState::UnrealizedPnl => on.unrealized_pnl(ctx),
                    SlotState::OpenOrders => on.open_orders(ctx).len() as f64,
                    SlotState::TimeOfDay => now_ns.rem_euclid(DAY_NS) as f64 * SECS_PER_NS,
                    SlotState::SinceLastFill => feed
                        .last_fill_ns
                        .map_or(f64::INFINITY, |t| (now_ns - t) as f64 * SECS_PER_NS),
                    SlotState::MarketState => on
                        .market_state(ctx)
                        .map_or(f64::NAN, |state| f64::from(state as u8)),
                    SlotState::AheadQty(side) => ahead_lots(on.open_orders(ctx), *side),
                };
        }
    }
}

/// Basis points in one unit of a ratio.
const BP_PER_UNIT: f64 = 1e4;

/// Lots ahead of our best resting order on `side` among `orders` (NaN
/// without one).
fn ahead_lots(orders: &[OpenOrder], side: Side) -> f64 {
    let best = orders
        .iter()
        .filter(|o| o.side == side)
        .filter_map(|o| o.queue().map(|q| (o.price_ticks, q.ahead_lots)))
        .max_by_key(|&(price, _)| if side == Side::Buy { price } else { -price });
    best.map_or(f64::NAN, |(_, ahead)| ahead as f64)
}
