//! The indicators of one rule strategy, fed from market events and read at
//! each evaluation.
//!
//! Book values are taken when the book is consistent (the last event of an
//! exchange message); trades are counted as they come. Values are computed
//! in ticks and lots and turned into price units as they are read, so sums
//! over windows stay exact.

use crate::book::{L2Book, Level};
use crate::market::Side;
use crate::strategy::indicators::{
    imbalance, microprice_ticks, TimeEma, TimeWeightedWindow, TradeWindow, WindowedRsi,
};
use crate::strategy::Ctx;

use super::duration::DAY_NS;
use super::schema::{Band, IndicatorSpec, OrderSide, Source};
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
    Imbalance(usize),
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
            IndicatorSpec::Mid => SlotState::Series(Source::Mid),
            IndicatorSpec::Bid => SlotState::Series(Source::Bid),
            IndicatorSpec::Ask => SlotState::Series(Source::Ask),
            IndicatorSpec::Last => SlotState::Series(Source::Last),
            IndicatorSpec::Microprice => SlotState::Series(Source::Microprice),
            IndicatorSpec::Spread => SlotState::Series(Source::Spread),
            IndicatorSpec::Imbalance { levels } => SlotState::Imbalance(*levels as usize),
            IndicatorSpec::Sma { of, window } => mean(*of, window.as_ns(), MeanOut::Sma),
            IndicatorSpec::Stddev { of, window } => mean(*of, window.as_ns(), MeanOut::Stddev),
            IndicatorSpec::Bollinger {
                of,
                window,
                k,
                band,
            } => mean(*of, window.as_ns(), MeanOut::Band { k: *k, band: *band }),
            IndicatorSpec::Ema { of, half_life } => SlotState::Ema {
                of: *of,
                ema: TimeEma::new(half_life.as_ns()),
            },
            IndicatorSpec::Rsi { of, window } => SlotState::Rsi {
                of: *of,
                rsi: WindowedRsi::new(window.as_ns()),
            },
            IndicatorSpec::Vwap { window } => trades(window.map(|w| w.as_ns()), TradeOut::Vwap),
            IndicatorSpec::Volume { window } => trades(Some(window.as_ns()), TradeOut::Volume),
            IndicatorSpec::TradeCount { window } => trades(Some(window.as_ns()), TradeOut::Count),
            IndicatorSpec::SignedVolume { window } => {
                trades(Some(window.as_ns()), TradeOut::Signed)
            }
            IndicatorSpec::Position => SlotState::Position,
            IndicatorSpec::UnrealizedPnl => SlotState::UnrealizedPnl,
            IndicatorSpec::OpenOrders => SlotState::OpenOrders,
            IndicatorSpec::TimeOfDay => SlotState::TimeOfDay,
            IndicatorSpec::SinceLastFill => SlotState::SinceLastFill,
            IndicatorSpec::MarketState => SlotState::MarketState,
            IndicatorSpec::AheadQty { side } => SlotState::AheadQty(match side {
                OrderSide::Buy => Side::Buy,
                OrderSide::Sell => Side::Sell,
            }),
        }
    }

    /// The series this indicator is fed with, if any.
    fn source(&self) -> Option<Source> {
        match self {
            SlotState::Mean { of, .. } | SlotState::Ema { of, .. } | SlotState::Rsi { of, .. } => {
                Some(*of)
            }
            _ => None,
        }
    }

    fn push(&mut self, ts_ns: i64, x: f64) {
        match self {
            SlotState::Mean { window, .. } => window.push(ts_ns, x),
            SlotState::Ema { ema, .. } => ema.push(ts_ns, x),
            SlotState::Rsi { rsi, .. } => rsi.push(ts_ns, x),
            _ => {}
        }
    }
}

/// The book series at the last consistent book, in ticks (NaN when there
/// is none).
#[derive(Clone, Copy, Debug)]
struct Series {
    bid: f64,
    ask: f64,
    mid: f64,
    microprice: f64,
    spread: f64,
    last: f64,
}

impl Series {
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

/// All indicators of one rule strategy and their current values.
#[derive(Clone, Debug)]
pub(crate) struct Bank {
    slots: Vec<SlotState>,
    /// Multiplier from ticks to the value shown, per slot.
    scales: Vec<f64>,
    /// Slot values at the last evaluation (NaN = not known), then the
    /// program's constants: the operands of its comparisons.
    values: Vec<f64>,
    series: Series,
    /// Whether any indicator is fed from the book.
    uses_book: bool,
    /// Whether any indicator needs the microprice.
    uses_microprice: bool,
    /// Imbalance of the touch sizes at the last consistent book.
    touch_imbalance: f64,
    /// Whether any indicator is fed with trades.
    uses_trades: bool,
    last_fill_ns: Option<i64>,
}

impl Bank {
    /// The indicators of `slots`, empty, followed by the constants `consts`.
    pub(crate) fn new(slots: &[IndicatorSpec], consts: &[f64]) -> Bank {
        let states: Vec<SlotState> = slots.iter().map(SlotState::new).collect();
        let uses_microprice = states.iter().any(|s| match s {
            SlotState::Series(src) => *src == Source::Microprice,
            other => other.source() == Some(Source::Microprice),
        });
        let mut values = vec![f64::NAN; states.len()];
        values.extend_from_slice(consts);
        let uses_book = states.iter().any(|s| match s {
            SlotState::Series(src) => *src != Source::Last,
            SlotState::Imbalance(_) => true,
            other => other.source().is_some_and(|src| src != Source::Last),
        });
        Bank {
            scales: vec![1.0; states.len()],
            values,
            slots: states,
            series: Series {
                bid: f64::NAN,
                ask: f64::NAN,
                mid: f64::NAN,
                microprice: f64::NAN,
                spread: f64::NAN,
                last: f64::NAN,
            },
            uses_book,
            uses_microprice,
            touch_imbalance: f64::NAN,
            uses_trades: slots.iter().any(|spec| {
                matches!(
                    spec,
                    IndicatorSpec::Vwap { .. }
                        | IndicatorSpec::Volume { .. }
                        | IndicatorSpec::TradeCount { .. }
                        | IndicatorSpec::SignedVolume { .. }
                ) || spec_source(spec) == Some(Source::Last)
            }),
            last_fill_ns: None,
        }
    }

    /// Sets the tick size, so prices read in the instrument's price units.
    pub(crate) fn set_tick_size(&mut self, specs: &[IndicatorSpec], tick_size: f64) {
        for (scale, spec) in self.scales.iter_mut().zip(specs) {
            *scale = if unit_of(spec) == Unit::Price {
                tick_size
            } else {
                1.0
            };
        }
    }

    /// Slot values at the last evaluation (NaN = not known), then the
    /// constants.
    pub(crate) fn operands(&self) -> &[f64] {
        &self.values
    }

    /// A trade seen at local time `ts_ns`.
    pub(crate) fn on_trade(
        &mut self,
        ts_ns: i64,
        aggressor: Side,
        price_ticks: i64,
        qty_lots: i64,
    ) {
        self.series.last = price_ticks as f64;
        if !self.uses_trades {
            return;
        }
        for slot in &mut self.slots {
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

    /// The book is consistent at local time `ts_ns`, with this best bid and
    /// ask.
    pub(crate) fn on_book(
        &mut self,
        ts_ns: i64,
        book: &L2Book,
        touch: (Option<Level>, Option<Level>),
    ) {
        if !self.uses_book {
            return;
        }
        let (bid, ask) = touch;
        let s = &mut self.series;
        s.bid = bid.map_or(f64::NAN, |l| l.price as f64);
        s.ask = ask.map_or(f64::NAN, |l| l.price as f64);
        // As `indicators::imbalance` over one level.
        let (bid_lots, ask_lots) = (bid.map_or(0, |l| l.qty), ask.map_or(0, |l| l.qty));
        self.touch_imbalance = if bid_lots + ask_lots > 0 {
            (bid_lots - ask_lots) as f64 / (bid_lots + ask_lots) as f64
        } else {
            f64::NAN
        };
        s.mid = (s.bid + s.ask) / 2.0;
        s.spread = s.ask - s.bid;
        if self.uses_microprice {
            s.microprice = microprice_ticks(book).unwrap_or(f64::NAN);
        }
        let series = self.series;
        for slot in &mut self.slots {
            if let Some(src) = slot.source() {
                let x = series.get(src);
                if src != Source::Last && !x.is_nan() {
                    slot.push(ts_ns, x);
                }
            }
        }
    }

    /// One of our orders filled; the strategy learned of it at `ts_ns`.
    pub(crate) fn on_fill(&mut self, ts_ns: i64) {
        self.last_fill_ns = Some(ts_ns);
    }

    /// Computes every slot's value at local time `now_ns`.
    pub(crate) fn evaluate(&mut self, ctx: &Ctx<'_, '_>, now_ns: i64) {
        let series = self.series;
        for ((slot, value), scale) in self
            .slots
            .iter_mut()
            .zip(&mut self.values)
            .zip(&self.scales)
        {
            *value = scale
                * match slot {
                    SlotState::Series(src) => series.get(*src),
                    SlotState::Imbalance(1) => self.touch_imbalance,
                    SlotState::Imbalance(levels) => {
                        imbalance(ctx.book(), *levels).unwrap_or(f64::NAN)
                    }
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
                    SlotState::Trades { window, out } => {
                        window.evict(now_ns);
                        match out {
                            TradeOut::Vwap => window.vwap_ticks().unwrap_or(f64::NAN),
                            TradeOut::Volume => window.volume_lots() as f64,
                            TradeOut::Count => window.count() as f64,
                            TradeOut::Signed => window.signed_lots() as f64,
                        }
                    }
                    SlotState::Position => ctx.position_lots() as f64,
                    SlotState::UnrealizedPnl => ctx.unrealized_pnl(),
                    SlotState::OpenOrders => ctx.open_orders().len() as f64,
                    SlotState::TimeOfDay => now_ns.rem_euclid(DAY_NS) as f64 * SECS_PER_NS,
                    SlotState::SinceLastFill => self
                        .last_fill_ns
                        .map_or(f64::INFINITY, |t| (now_ns - t) as f64 * SECS_PER_NS),
                    SlotState::MarketState => f64::from(ctx.market_state() as u8),
                    SlotState::AheadQty(side) => ahead_lots(ctx, *side),
                };
        }
    }
}

/// The series an indicator is computed on, if any.
fn spec_source(spec: &IndicatorSpec) -> Option<Source> {
    match spec {
        IndicatorSpec::Sma { of, .. }
        | IndicatorSpec::Ema { of, .. }
        | IndicatorSpec::Rsi { of, .. }
        | IndicatorSpec::Stddev { of, .. }
        | IndicatorSpec::Bollinger { of, .. } => Some(*of),
        _ => None,
    }
}

/// Lots ahead of our best resting order on `side` (NaN without one).
fn ahead_lots(ctx: &Ctx<'_, '_>, side: Side) -> f64 {
    let best = ctx
        .open_orders()
        .iter()
        .filter(|o| o.side == side)
        .filter_map(|o| o.queue().map(|q| (o.price_ticks, q.ahead_lots)))
        .max_by_key(|&(price, _)| if side == Side::Buy { price } else { -price });
    best.map_or(f64::NAN, |(_, ahead)| ahead as f64)
}
