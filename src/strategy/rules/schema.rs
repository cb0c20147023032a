//! The rule file format as Rust types: what serde reads from `.rules.toml`
//! and `.rules.json`, and what schemars turns into the JSON Schema.
//!
//! Doc comments on these types are the descriptions an editor shows for
//! each field, so they speak to the person writing the file.

use std::collections::BTreeMap;
use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::condition::Condition;
use super::duration::Duration;
use super::price::PriceSpec;

/// A no-code strategy: named indicators, and rules that act when their
/// condition holds. Conditions are evaluated, all on the same snapshot,
/// whenever what they read may have changed: the best bid or ask moved or
/// changed size, a trade printed, or one of the strategy's orders changed
/// (files reading `ahead_qty` or a deeper imbalance: at every consistent
/// book). Then the actions of the rules whose conditions hold run in file
/// order. Every firing is recorded with the value of each condition.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "ticklab rule file")]
pub struct RuleFile {
    /// What the strategy does, in a sentence or two.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Limits shared by all rules.
    #[serde(default)]
    pub settings: Settings,
    /// Indicators named once and used by name in conditions, e.g.
    /// `fast = { ema = { of = "mid", half_life = "5s" } }`. Names are
    /// lower case letters, digits and `_`, and may not be a built-in
    /// indicator's name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub indicators: BTreeMap<String, IndicatorSpec>,
    /// Numbers the conditions name with a `$`, e.g. `threshold = 0.3` and
    /// `rhs = "$threshold"`: the run configuration's `[params]` (and so
    /// `ticklab sweep`) may give them other values. Names are lower case
    /// letters, digits and `_`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, f64>,
    /// The rules, in the order their actions run.
    pub rules: Vec<Rule>,
}

/// Limits shared by all rules.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Largest absolute position, lots. A `buy` or `sell` is cut so that the
    /// position plus the open orders on its side stay within it (and skipped
    /// when nothing is left); `quote` pulls the side that would pass it.
    /// Needed by sizes given as a `share`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_position_lots: Option<i64>,
}

/// One rule: when its condition holds, do its actions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Name shown in the signal audit; unique in the file.
    pub name: String,
    /// The condition.
    pub when: Condition,
    /// What to do when the condition holds, in order. A rule fires when its
    /// condition holds and at least one action does something (sends,
    /// changes or cancels an order, or arms a stop); an action with nothing
    /// to do (quotes already in place, already flat, position limit reached)
    /// neither fires the rule nor starts its cooldown.
    pub then: Vec<Action>,
    /// Least time between two firings of this rule, e.g. `"5s"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cooldown: Option<Duration>,
    /// Most firings of this rule in a run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_fires: Option<u32>,
}

/// How two values are compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum Op {
    /// Greater than.
    #[serde(rename = ">")]
    Gt,
    /// Greater than or equal.
    #[serde(rename = ">=")]
    Ge,
    /// Less than.
    #[serde(rename = "<")]
    Lt,
    /// Less than or equal.
    #[serde(rename = "<=")]
    Le,
    /// Equal.
    #[serde(rename = "==")]
    Eq,
    /// Not equal.
    #[serde(rename = "!=")]
    Ne,
    /// `lhs` went from at or below `rhs` at the previous evaluation to above
    /// it now: true once per crossing.
    #[serde(rename = "crosses_above")]
    CrossesAbove,
    /// `lhs` went from at or above `rhs` at the previous evaluation to below
    /// it now: true once per crossing.
    #[serde(rename = "crosses_below")]
    CrossesBelow,
}

impl Op {
    /// The operator as written in files.
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Eq => "==",
            Op::Ne => "!=",
            Op::CrossesAbove => "crosses_above",
            Op::CrossesBelow => "crosses_below",
        }
    }

    /// True for the two crossing operators.
    pub fn is_crossing(self) -> bool {
        matches!(self, Op::CrossesAbove | Op::CrossesBelow)
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A series an indicator is computed on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// Mid price.
    #[default]
    Mid,
    /// Best bid price.
    Bid,
    /// Best ask price.
    Ask,
    /// Price of the last trade.
    Last,
    /// Microprice.
    Microprice,
    /// Spread, ticks.
    Spread,
}

impl Source {
    /// The name as written in files.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Mid => "mid",
            Source::Bid => "bid",
            Source::Ask => "ask",
            Source::Last => "last",
            Source::Microprice => "microprice",
            Source::Spread => "spread",
        }
    }
}

/// Which line of the Bollinger bands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Band {
    /// Mean plus `k` standard deviations.
    Upper,
    /// The mean (the SMA).
    Middle,
    /// Mean minus `k` standard deviations.
    Lower,
    /// Upper minus lower.
    Width,
    /// Where the series is between the bands: 0 at the lower band, 1 at the
    /// upper (may leave [0, 1]).
    PercentB,
}

/// Buy or sell side of our orders.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrderSide {
    /// Our buy orders.
    Buy,
    /// Our sell orders.
    Sell,
}

/// An indicator. Prices are in the instrument's price units, the spread in
/// ticks, sizes in lots, times in seconds. Windows are durations and weigh
/// irregular events correctly: values of the book (mid, bid, ask,
/// microprice, spread) and the last trade price hold until they change and
/// are weighted by how long they held; trades count once each.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum IndicatorSpec {
    /// Mid price: half-way between best bid and best ask.
    Mid,
    /// Best bid price.
    Bid,
    /// Best ask price.
    Ask,
    /// Price of the last trade.
    Last,
    /// Microprice: the touch prices weighted by the size on the other side.
    Microprice,
    /// Best ask minus best bid, ticks.
    Spread,
    /// Book imbalance over the top `levels` of each side, from -1 (all
    /// offers) to 1 (all bids): (bid size - ask size) / (bid size + ask size).
    Imbalance {
        /// Levels of each side counted (1 = the touch).
        #[serde(default = "one_level")]
        levels: u32,
    },
    /// Simple moving average over a time window, weighted by time: the
    /// integral of the series over the window divided by its length.
    Sma {
        /// The series averaged (default `mid`).
        #[serde(default)]
        of: Source,
        /// Window length, e.g. `"30s"`.
        window: Duration,
    },
    /// Exponential moving average decayed by elapsed time: a value that held
    /// `half_life` ago weighs half as much as the current one.
    Ema {
        /// The series averaged (default `mid`).
        #[serde(default)]
        of: Source,
        /// Time for a value's weight to halve, e.g. `"10s"`.
        half_life: Duration,
    },
    /// Relative strength index, 0 to 100: rises / (rises + falls) of the
    /// series over the window, times 100; 50 when it did not move.
    Rsi {
        /// The series (default `mid`).
        #[serde(default)]
        of: Source,
        /// Window length.
        window: Duration,
    },
    /// Standard deviation of the series over a time window, weighted by time.
    Stddev {
        /// The series (default `mid`).
        #[serde(default)]
        of: Source,
        /// Window length.
        window: Duration,
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
    },
    /// Volume-weighted average price of the trades in the window, or of the
    /// whole run when no window is given.
    Vwap {
        /// Window length; omit for the whole run.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        window: Option<Duration>,
    },
    /// Traded quantity in the window, lots.
    Volume {
        /// Window length.
        window: Duration,
    },
    /// Number of trades in the window.
    TradeCount {
        /// Window length.
        window: Duration,
    },
    /// Buyer-initiated minus seller-initiated traded quantity in the window,
    /// lots.
    SignedVolume {
        /// Window length.
        window: Duration,
    },
    /// Our position, lots (negative when short).
    Position,
    /// Unrealized PnL of our position marked to mid, in currency.
    UnrealizedPnl,
    /// Number of our open orders.
    OpenOrders,
    /// Time of day (UTC, local clock), seconds since midnight; compare with
    /// `"HH:MM"` or `"HH:MM:SS"`.
    TimeOfDay,
    /// Seconds since our last fill (infinite before the first); compare with
    /// a duration such as `"30s"`.
    SinceLastFill,
    /// The venue's trading state; compare with `"trading"`, `"pre_open"`,
    /// `"halted"` or `"closed"` (`==`, `!=`). Orders match only in
    /// `"trading"`.
    MarketState,
    /// Market volume ahead of our best resting order on `side` in its queue,
    /// lots (none without such an order).
    AheadQty {
        /// Which of our orders: the highest buy or the lowest sell.
        side: OrderSide,
    },
}

fn one_level() -> u32 {
    1
}

fn two() -> f64 {
    2.0
}

impl fmt::Display for IndicatorSpec {
    /// A short form for the audit: `sma(of=mid, window=30s)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IndicatorSpec::Mid => f.write_str("mid"),
            IndicatorSpec::Bid => f.write_str("bid"),
            IndicatorSpec::Ask => f.write_str("ask"),
            IndicatorSpec::Last => f.write_str("last"),
            IndicatorSpec::Microprice => f.write_str("microprice"),
            IndicatorSpec::Spread => f.write_str("spread"),
            IndicatorSpec::Imbalance { levels } => write!(f, "imbalance(levels={levels})"),
            IndicatorSpec::Sma { of, window } => {
                write!(f, "sma(of={}, window={window})", of.as_str())
            }
            IndicatorSpec::Ema { of, half_life } => {
                write!(f, "ema(of={}, half_life={half_life})", of.as_str())
            }
            IndicatorSpec::Rsi { of, window } => {
                write!(f, "rsi(of={}, window={window})", of.as_str())
            }
            IndicatorSpec::Stddev { of, window } => {
                write!(f, "stddev(of={}, window={window})", of.as_str())
            }
            IndicatorSpec::Bollinger {
                of,
                window,
                k,
                band,
            } => write!(
                f,
                "bollinger(of={}, window={window}, k={k}, band={})",
                of.as_str(),
                serde_name(band)
            ),
            IndicatorSpec::Vwap { window: Some(w) } => write!(f, "vwap(window={w})"),
            IndicatorSpec::Vwap { window: None } => f.write_str("vwap"),
            IndicatorSpec::Volume { window } => write!(f, "volume(window={window})"),
            IndicatorSpec::TradeCount { window } => write!(f, "trade_count(window={window})"),
            IndicatorSpec::SignedVolume { window } => write!(f, "signed_volume(window={window})"),
            IndicatorSpec::Position => f.write_str("position"),
            IndicatorSpec::UnrealizedPnl => f.write_str("unrealized_pnl"),
            IndicatorSpec::OpenOrders => f.write_str("open_orders"),
            IndicatorSpec::TimeOfDay => f.write_str("time_of_day"),
            IndicatorSpec::SinceLastFill => f.write_str("since_last_fill"),
            IndicatorSpec::MarketState => f.write_str("market_state"),
            IndicatorSpec::AheadQty { side } => write!(f, "ahead_qty(side={})", serde_name(side)),
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

/// Time in force of a limit order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Tif {
    /// Good till canceled: what does not fill at once rests in the book.
    #[default]
    Gtc,
    /// Immediate or cancel: fills what it can at once, the rest is canceled.
    Ioc,
    /// Fill or kill: fills whole at once or not at all.
    Fok,
    /// Post only: rests in the book, or is rejected if it would trade at once.
    PostOnly,
}

/// Something a rule does when it fires.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Action {
    /// Send a buy order.
    Buy(OrderAction),
    /// Send a sell order.
    Sell(OrderAction),
    /// Cancel every open order (quotes and stops included; stops are
    /// disarmed).
    CancelAll,
    /// Cancel every open order, disarm stops, and close the position with a
    /// market order.
    Flatten,
    /// Keep one post-only quote on each side around the mid, moving them
    /// when the wanted prices change.
    Quote(QuoteAction),
    /// Protect the position with a stop-market order `ticks` from its
    /// average entry price, resized and moved as the position changes,
    /// until the position is closed. Armed while flat, it waits for the
    /// next position.
    StopLoss(ProtectAction),
    /// Take profit with a limit order `ticks` from the average entry price,
    /// resized and moved as the position changes, until the position is
    /// closed.
    TakeProfit(ProtectAction),
}

impl Action {
    /// The action's name as written in files.
    pub fn name(&self) -> &'static str {
        match self {
            Action::Buy(_) => "buy",
            Action::Sell(_) => "sell",
            Action::CancelAll => "cancel_all",
            Action::Flatten => "flatten",
            Action::Quote(_) => "quote",
            Action::StopLoss(_) => "stop_loss",
            Action::TakeProfit(_) => "take_profit",
        }
    }
}

/// A buy or sell order. Give its size as `lots` or as a `share` of
/// `settings.max_position_lots`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderAction {
    /// Size in lots.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lots: Option<i64>,
    /// Size as a share of the maximum position, above 0 and at most 1
    /// (rounded down to whole lots).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub share: Option<f64>,
    /// `"market"`, or a limit price relative to the book in ticks:
    /// `"bid"`, `"bid+1"`, `"ask-2"`, `"mid"` (default `"market"`). A limit
    /// at mid rounds away from the other side (buys down, sells up).
    #[serde(default)]
    pub price: PriceSpec,
    /// Time in force of a limit order (default `gtc`); market orders are
    /// immediate or cancel.
    #[serde(default)]
    pub tif: Tif,
}

/// Quotes on both sides: a bid at most `mid - spread_ticks / 2` and an ask
/// at least `mid + spread_ticks / 2` (rounded away from the mid), both
/// shifted by `skew_ticks_per_lot` times the position against it, never
/// crossing the book.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QuoteAction {
    /// Distance between our bid and our ask, ticks (at least 1).
    pub spread_ticks: i64,
    /// Size of each quote in lots.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lots: Option<i64>,
    /// Size of each quote as a share of the maximum position.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub share: Option<f64>,
    /// Ticks both quotes move down per lot of long position (up when short),
    /// to lean against inventory (default 0).
    #[serde(default)]
    pub skew_ticks_per_lot: f64,
}

/// Distance of a protective order from the average entry price.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProtectAction {
    /// Distance from the average entry price, ticks (at least 1).
    pub ticks: i64,
}
