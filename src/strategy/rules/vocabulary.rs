//! The vocabulary of rule files: the indicator names a rule may use, and
//! what each indicator's values measure.

use std::fmt;

use super::schema::{Band, IndicatorSpec, Source};

/// What an indicator's values measure; two sides of a comparison must
/// measure the same thing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// A price, in the instrument's price units.
    Price,
    /// A distance in ticks (the spread).
    Ticks,
    /// A ratio without unit (imbalance, %B).
    Ratio,
    /// 0 to 100 (RSI).
    Percent,
    /// Basis points of a price (a change over a window).
    BasisPoints,
    /// A quantity in lots.
    Lots,
    /// A count (trades, orders).
    Count,
    /// Money, in the instrument's currency.
    Money,
    /// A length of time in seconds.
    Seconds,
    /// Seconds since midnight.
    TimeOfDay,
    /// A market state (`"trading"`, `"pre_open"`, `"halted"`, `"closed"`).
    State,
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Unit::Price => "a price",
            Unit::Ticks => "ticks",
            Unit::Ratio => "a ratio",
            Unit::Percent => "0 to 100",
            Unit::BasisPoints => "basis points",
            Unit::Lots => "lots",
            Unit::Count => "a count",
            Unit::Money => "money",
            Unit::Seconds => "seconds",
            Unit::TimeOfDay => "a time of day",
            Unit::State => "a market state",
        })
    }
}

/// Indicators that can be used by name without parameters.
pub(crate) const BUILT_IN: &[&str] = &[
    "mid",
    "bid",
    "ask",
    "last",
    "microprice",
    "spread",
    "imbalance",
    "position",
    "unrealized_pnl",
    "open_orders",
    "time_of_day",
    "since_last_fill",
    "market_state",
];

/// Indicators that need parameters, with an example.
pub(crate) const WITH_PARAMETERS: &[(&str, &str)] = &[
    ("sma", "{ sma = { of = \"mid\", window = \"30s\" } }"),
    ("ema", "{ ema = { of = \"mid\", half_life = \"10s\" } }"),
    ("rsi", "{ rsi = { of = \"mid\", window = \"1m\" } }"),
    ("stddev", "{ stddev = { of = \"mid\", window = \"1m\" } }"),
    (
        "bollinger",
        "{ bollinger = { window = \"1m\", band = \"upper\" } }",
    ),
    ("vwap", "{ vwap = { window = \"5m\" } }"),
    ("volume", "{ volume = { window = \"10s\" } }"),
    ("trade_count", "{ trade_count = { window = \"10s\" } }"),
    ("signed_volume", "{ signed_volume = { window = \"10s\" } }"),
    (
        "change_bp",
        "{ change_bp = { of = \"mid\", window = \"1s\" } }",
    ),
    ("ahead_qty", "{ ahead_qty = { side = \"buy\" } }"),
];

/// The indicator a parameterless name stands for.
pub(crate) fn built_in(name: &str) -> Option<IndicatorSpec> {
    let symbol = None;
    Some(match name {
        "mid" => IndicatorSpec::Mid { symbol },
        "bid" => IndicatorSpec::Bid { symbol },
        "ask" => IndicatorSpec::Ask { symbol },
        "last" => IndicatorSpec::Last { symbol },
        "microprice" => IndicatorSpec::Microprice { symbol },
        "spread" => IndicatorSpec::Spread { symbol },
        "imbalance" => IndicatorSpec::Imbalance { levels: 1, symbol },
        "position" => IndicatorSpec::Position { symbol },
        "unrealized_pnl" => IndicatorSpec::UnrealizedPnl { symbol },
        "open_orders" => IndicatorSpec::OpenOrders { symbol },
        "time_of_day" => IndicatorSpec::TimeOfDay,
        "since_last_fill" => IndicatorSpec::SinceLastFill { symbol },
        "market_state" => IndicatorSpec::MarketState { symbol },
        _ => return None,
    })
}

fn source_unit(of: Source) -> Unit {
    match of {
        Source::Spread => Unit::Ticks,
        _ => Unit::Price,
    }
}

/// The unit of an indicator's values.
pub(crate) fn unit_of(spec: &IndicatorSpec) -> Unit {
    match spec {
        IndicatorSpec::Mid { .. }
        | IndicatorSpec::Bid { .. }
        | IndicatorSpec::Ask { .. }
        | IndicatorSpec::Last { .. }
        | IndicatorSpec::Microprice { .. }
        | IndicatorSpec::Vwap { .. } => Unit::Price,
        IndicatorSpec::Spread { .. } => Unit::Ticks,
        IndicatorSpec::Imbalance { .. } => Unit::Ratio,
        IndicatorSpec::Sma { of, .. }
        | IndicatorSpec::Ema { of, .. }
        | IndicatorSpec::Stddev { of, .. } => source_unit(*of),
        IndicatorSpec::Bollinger {
            band: Band::PercentB,
            ..
        } => Unit::Ratio,
        IndicatorSpec::Bollinger { of, .. } => source_unit(*of),
        IndicatorSpec::ChangeBp { .. } => Unit::BasisPoints,
        IndicatorSpec::Rsi { .. } => Unit::Percent,
        IndicatorSpec::Volume { .. }
        | IndicatorSpec::SignedVolume { .. }
        | IndicatorSpec::Position { .. }
        | IndicatorSpec::AheadQty { .. } => Unit::Lots,
        IndicatorSpec::TradeCount { .. } | IndicatorSpec::OpenOrders { .. } => Unit::Count,
        IndicatorSpec::UnrealizedPnl { .. } => Unit::Money,
        IndicatorSpec::TimeOfDay => Unit::TimeOfDay,
        IndicatorSpec::SinceLastFill { .. } => Unit::Seconds,
        IndicatorSpec::MarketState { .. } => Unit::State,
    }
}
