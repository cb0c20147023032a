//! The indicators a rule file names: their fields as serde reads them,
//! their JSON Schema, and their canonical text (the audit's and the
//! errors' name for each).

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Band, OrderSide, Source};
use crate::strategy::rules::bare::{allow_bare_names, deserialize_name_or_table};
use crate::strategy::rules::duration::Duration;
use crate::strategy::rules::vocabulary::BUILT_IN;

/// An indicator. Prices are in the instrument's price units, the spread in
/// ticks, sizes in lots, times in seconds. Windows are durations and weigh
/// irregular events correctly: values of the book (mid, bid, ask,
/// microprice, spread) and the last trade price hold until they change and
/// are weighted by how long they held; trades count once each.
///
/// Every indicator but `time_of_day` is about one instrument: the one its
/// `symbol` names (e.g. `{ mid = { symbol = "ETH-PERP" } }`), by default
/// the run's first. Those without other fields may be written as their bare
/// name (`"mid"`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(remote = "Self", rename_all = "snake_case", deny_unknown_fields)]
#[schemars(transform = indicator_names)]
pub enum IndicatorSpec {
    /// Mid price: half-way between best bid and best ask.
    Mid {
        /// The instrument it reads, by symbol (default: the run's first).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        symbol: Option<String>,
    },
    /// Best bid price.
    Bid {
        /// The instrument it reads, by symbol (default: the run's first).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        symbol: Option<String>,
    },
    /// Best ask price.
    Ask {
        /// The instrument it reads, by symbol (default: the run's first).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        symbol: Option<String>,
    },
    /// Price of the last trade.
    Last {
        /// The instrument it reads, by symbol (default: the run's first).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        symbol: Option<String>,
    },
    /// Microprice: the touch prices weighted by the size on the other side.
    Microprice {
        /// The instrument it reads, by symbol (default: the run's first).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        symbol: Option<String>,
    },
    /// Best ask minus best bid, ticks.
    Spread {
        /// The instrument it reads, by symbol (default: the run's first).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        symbol: Option<String>,
    },
    /// Book imbalance over the top `levels` of each side, from -1 (all
    /// offers) to 1 (all bids): (bid size - ask size) / (bid size + ask size).
    Imbalance {
        /// Levels of each side counted (1 = the touch).
        #[serde(default = "one_level")]
        levels: u32,
        /// The instrument it reads, by symbol (default: the run's first).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        symbol: Option<String>,
    },
    /// Simple moving average over a time window, weighted by time: the
    /// integral of the series over the window divided by its length.
    Sma {
        /// The series averaged (default `mid`).
        #[serde(default)]
        of: Source,
        /// Window length, e.g. `"30s"`.
        window: Duration,
        /// The instrument it reads, by symbol (default: the run's first).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        symbol: Option<String>,
    },
    /// Exponential moving average decayed by elapsed time: a value that held
    /// `half_life` ago weighs half as much as the current one.
    Ema {
        /// The series averaged (default `mid`).
        #[serde(default)]
        of: Source,
        /// Time for a value's weight to halve, e.g. `"10s"`.
        half_life: Duration,
        /// The instrument it reads, by symbol (default: the run's first).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        symbol: Option<String>,
    },
    /// Relative strength index, 0 to 100: rises / (rises + falls) of the
    /// series over the window, times 100; 50 when it did not move.
    Rsi {
        /// The series (default `mid`).
        #[serde(default)]
        of: Source,
        /// Window length.
        window: Duration,
        /// The instrument it reads, by symbol (default: the run's first).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        symbol: Option<String>,
    },
    /// Standard deviation of the series over a time window, weighted by time.
    Stddev {
        /// The series (default `mid`).
        #[serde(default)]
        of: Source,
        /// Window length.
        window: Duration,
        /// The instrument it reads, by symbol (default: the run's first).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        symbol: Option<String>,
    },
    /// Bollinger bands: the time-weighted mean over the window plus or minus
    /// `k` time-weighted standard deviations.
    Bollinger {
        /// The series (default `mid`).
        #[serde(default)]
        of: Source,
        /// Window length.
        window: Duration,
        /// Width of the bands in standard deviations (default 2).
        #[serde(default = "two")]
        k: f64,
        /// Which line.
        band: Band,
        /// The instrument it reads, by symbol (default: the run's first).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        symbol: Option<String>,
    },
    /// Change of the series over the window, in basis points of its value
    /// `window` ago: `(now - then) / then * 10000`, where `then` is the
    /// value that held at the window's start (the earliest value seen
    /// while the run has not yet lasted a window).
    ChangeBp {
        /// The series (default `mid`).
        #[serde(default)]
        of: Source,
        /// Window length, e.g. `"1s"`.
        window: Duration,
        /// The instrument it reads, by symbol (default: the run's first).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        symbol: Option<String>,
    },
    /// Volume-weighted average price of the trades in the window, or of the
    /// whole run when no window is given.
    Vwap {
        /// Window length; omit for the whole run.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        window: Option<Duration>,
        /// The instrument it reads, by symbol (default: the run's first).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        symbol: Option<String>,
    },
    /// Traded quantity in the window, lots.
    Volume {
        /// Window length.
        window: Duration,
        /// The instrument it reads, by symbol (default: the run's first).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        symbol: Option<String>,
    },
    /// Number of trades in the window.
    TradeCount {
        /// Window length.
        window: Duration,
        /// The instrument it reads, by symbol (default: the run's first).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        symbol: Option<String>,
    },
    /// Buyer-initiated minus seller-initiated traded quantity in the window,
    /// lots.
    SignedVolume {
        /// Window length.
        window: Duration,
        /// The instrument it reads, by symbol (default: the run's first).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        symbol: Option<String>,
    },
    /// Our position, lots (negative when short).
    Position {
        /// The instrument it reads, by symbol (default: the run's first).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        symbol: Option<String>,
    },
    /// Unrealized PnL of our position marked to mid, in currency.
    UnrealizedPnl {
        /// The instrument it reads, by symbol (default: the run's first).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        symbol: Option<String>,
    },
    /// Number of our open orders.
    OpenOrders {
        /// The instrument it reads, by symbol (default: the run's first).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        symbol: Option<String>,
    },
    /// Time of day (UTC, local clock), seconds since midnight; compare with
    /// `"HH:MM"` or `"HH:MM:SS"`.
    TimeOfDay,
    /// Seconds since our last fill (infinite before the first); compare with
    /// a duration such as `"30s"`.
    SinceLastFill {
        /// The instrument it reads, by symbol (default: the run's first).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        symbol: Option<String>,
    },
    /// The venue's trading state; compare with `"trading"`, `"pre_open"`,
    /// `"halted"` or `"closed"` (`==`, `!=`). Orders match only in
    /// `"trading"`.
    MarketState {
        /// The instrument it reads, by symbol (default: the run's first).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        symbol: Option<String>,
    },
    /// Market volume ahead of our best resting order on `side` in its queue,
    /// lots (none without such an order).
    AheadQty {
        /// Which of our orders: the highest buy or the lowest sell.
        side: OrderSide,
        /// The instrument it reads, by symbol (default: the run's first).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        symbol: Option<String>,
    },
}

deserialize_name_or_table!(
    IndicatorSpec,
    "an indicator: a name such as \"mid\", or a table such as { sma = { window = \"30s\" } }"
);

/// The schema of an indicator also takes the bare names.
fn indicator_names(schema: &mut schemars::Schema) {
    allow_bare_names(
        schema,
        BUILT_IN,
        "An indicator without parameters, by name, about the run's first instrument.",
    );
}

impl IndicatorSpec {
    /// The symbol of the instrument it reads, when it names one.
    pub fn symbol(&self) -> Option<&str> {
        match self {
            IndicatorSpec::Mid { symbol }
            | IndicatorSpec::Bid { symbol }
            | IndicatorSpec::Ask { symbol }
            | IndicatorSpec::Last { symbol }
            | IndicatorSpec::Microprice { symbol }
            | IndicatorSpec::Spread { symbol }
            | IndicatorSpec::Imbalance { symbol, .. }
            | IndicatorSpec::Sma { symbol, .. }
            | IndicatorSpec::Ema { symbol, .. }
            | IndicatorSpec::Rsi { symbol, .. }
            | IndicatorSpec::Stddev { symbol, .. }
            | IndicatorSpec::Bollinger { symbol, .. }
            | IndicatorSpec::ChangeBp { symbol, .. }
            | IndicatorSpec::Vwap { symbol, .. }
            | IndicatorSpec::Volume { symbol, .. }
            | IndicatorSpec::TradeCount { symbol, .. }
            | IndicatorSpec::SignedVolume { symbol, .. }
            | IndicatorSpec::Position { symbol }
            | IndicatorSpec::UnrealizedPnl { symbol }
            | IndicatorSpec::OpenOrders { symbol }
            | IndicatorSpec::SinceLastFill { symbol }
            | IndicatorSpec::MarketState { symbol }
            | IndicatorSpec::AheadQty { symbol, .. } => symbol.as_deref(),
            IndicatorSpec::TimeOfDay => None,
        }
    }

    /// True for indicators about an instrument (all but `time_of_day`).
    pub fn is_about_an_instrument(&self) -> bool {
        !matches!(self, IndicatorSpec::TimeOfDay)
    }
}

fn one_level() -> u32 {
    1
}

fn two() -> f64 {
    2.0
}

impl fmt::Display for IndicatorSpec {
    /// A short form for the audit: `sma(of=mid, window=30s)`, with
    /// `symbol=...` last when it names one.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self.kind_name();
        let mut params: Vec<String> = Vec::new();
        match self {
            IndicatorSpec::Imbalance { levels, .. } => params.push(format!("levels={levels}")),
            IndicatorSpec::Sma { of, window, .. }
            | IndicatorSpec::Rsi { of, window, .. }
            | IndicatorSpec::Stddev { of, window, .. }
            | IndicatorSpec::ChangeBp { of, window, .. } => {
                params.push(format!("of={}", of.as_str()));
                params.push(format!("window={window}"));
            }
            IndicatorSpec::Ema { of, half_life, .. } => {
                params.push(format!("of={}", of.as_str()));
                params.push(format!("half_life={half_life}"));
            }
            IndicatorSpec::Bollinger {
                of,
                window,
                k,
                band,
                ..
            } => {
                params.push(format!("of={}", of.as_str()));
                params.push(format!("window={window}"));
                params.push(format!("k={k}"));
                params.push(format!("band={}", serde_name(band)));
            }
            IndicatorSpec::Vwap {
                window: Some(w), ..
            } => params.push(format!("window={w}")),
            IndicatorSpec::Volume { window, .. }
            | IndicatorSpec::TradeCount { window, .. }
            | IndicatorSpec::SignedVolume { window, .. } => params.push(format!("window={window}")),
            IndicatorSpec::AheadQty { side, .. } => {
                params.push(format!("side={}", serde_name(side)))
            }
            _ => {}
        }
        if let Some(symbol) = self.symbol() {
            params.push(format!("symbol={symbol}"));
        }
        if params.is_empty() {
            f.write_str(name)
        } else {
            write!(f, "{name}({})", params.join(", "))
        }
    }
}

impl IndicatorSpec {
    /// The name of its kind as written in files, e.g. `sma`.
    pub fn kind_name(&self) -> &'static str {
        match self {
            IndicatorSpec::Mid { .. } => "mid",
            IndicatorSpec::Bid { .. } => "bid",
            IndicatorSpec::Ask { .. } => "ask",
            IndicatorSpec::Last { .. } => "last",
            IndicatorSpec::Microprice { .. } => "microprice",
            IndicatorSpec::Spread { .. } => "spread",
            IndicatorSpec::Imbalance { .. } => "imbalance",
            IndicatorSpec::Sma { .. } => "sma",
            IndicatorSpec::Ema { .. } => "ema",
            IndicatorSpec::Rsi { .. } => "rsi",
            IndicatorSpec::Stddev { .. } => "stddev",
            IndicatorSpec::Bollinger { .. } => "bollinger",
            IndicatorSpec::ChangeBp { .. } => "change_bp",
            IndicatorSpec::Vwap { .. } => "vwap",
            IndicatorSpec::Volume { .. } => "volume",
            IndicatorSpec::TradeCount { .. } => "trade_count",
            IndicatorSpec::SignedVolume { .. } => "signed_volume",
            IndicatorSpec::Position { .. } => "position",
            IndicatorSpec::UnrealizedPnl { .. } => "unrealized_pnl",
            IndicatorSpec::OpenOrders { .. } => "open_orders",
            IndicatorSpec::TimeOfDay => "time_of_day",
            IndicatorSpec::SinceLastFill { .. } => "since_last_fill",
            IndicatorSpec::MarketState { .. } => "market_state",
            IndicatorSpec::AheadQty { .. } => "ahead_qty",
        }
    }
}

/// The name serde writes for a unit enum value.
fn serde_name<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}
