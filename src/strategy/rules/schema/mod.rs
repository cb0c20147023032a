//! The rule file format as Rust types: what serde reads from `.rules.toml`
//! and `.rules.json`, and what schemars turns into the JSON Schema.
//!
//! Doc comments on these types are the descriptions an editor shows for
//! each field, so they speak to the person writing the file.

mod indicator;

pub use indicator::IndicatorSpec;

use std::collections::BTreeMap;
use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::bare::{allow_bare_names, deserialize_name_or_table};
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
///
/// In a run over several instruments, indicators and actions name their
/// instrument with `symbol` (indicators default to the run's first, actions
/// to the instrument whose event evaluated the rule), and a rule is
/// evaluated on the events of the instruments its `on` names (by default,
/// those its condition reads).
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
    /// The instruments whose events evaluate this rule, by symbol (one, or
    /// a list). By default those its condition reads: each indicator's
    /// `symbol`, the run's first instrument for indicators without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on: Option<Symbols>,
}

/// One symbol (`"ETH-PERP"`) or several (`["BTC-PERP", "ETH-PERP"]`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Symbols {
    /// One instrument.
    One(String),
    /// Several instruments.
    Many(Vec<String>),
}

impl Symbols {
    /// The symbols, in the order written.
    pub fn as_slice(&self) -> &[String] {
        match self {
            Symbols::One(one) => std::slice::from_ref(one),
            Symbols::Many(many) => many,
        }
    }
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

/// Something a rule does when it fires. Each acts on one instrument: the
/// one its `symbol` names, by default the instrument whose event evaluated
/// the rule (in a run of one instrument, that one).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(remote = "Self", rename_all = "snake_case", deny_unknown_fields)]
#[schemars(transform = action_names)]
pub enum Action {
    /// Send a buy order.
    Buy(OrderAction),
    /// Send a sell order.
    Sell(OrderAction),
    /// Cancel every open order (quotes and stops included; stops are
    /// disarmed).
    CancelAll(Scope),
    /// Cancel every open order, disarm stops, and close the position with a
    /// market order.
    Flatten(Scope),
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

deserialize_name_or_table!(
    Action,
    "an action: \"cancel_all\", \"flatten\" or a table such as { buy = { lots = 1 } }"
);

/// The schema of an action also takes the bare names.
fn action_names(schema: &mut schemars::Schema) {
    allow_bare_names(
        schema,
        &["cancel_all", "flatten"],
        "`cancel_all` or `flatten` on the instrument whose event evaluated the rule.",
    );
}

/// The instrument an action without other fields acts on.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Scope {
    /// The instrument, by symbol (default: the one whose event evaluated
    /// the rule).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symbol: Option<String>,
}

impl Action {
    /// The action's name as written in files.
    pub fn name(&self) -> &'static str {
        match self {
            Action::Buy(_) => "buy",
            Action::Sell(_) => "sell",
            Action::CancelAll(_) => "cancel_all",
            Action::Flatten(_) => "flatten",
            Action::Quote(_) => "quote",
            Action::StopLoss(_) => "stop_loss",
            Action::TakeProfit(_) => "take_profit",
        }
    }

    /// The symbol of the instrument it acts on, when it names one.
    pub fn symbol(&self) -> Option<&str> {
        match self {
            Action::Buy(order) | Action::Sell(order) => order.symbol.as_deref(),
            Action::CancelAll(scope) | Action::Flatten(scope) => scope.symbol.as_deref(),
            Action::Quote(quote) => quote.symbol.as_deref(),
            Action::StopLoss(p) | Action::TakeProfit(p) => p.symbol.as_deref(),
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
    /// The instrument, by symbol (default: the one whose event evaluated
    /// the rule).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symbol: Option<String>,
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
    /// The instrument, by symbol (default: the one whose event evaluated
    /// the rule).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symbol: Option<String>,
}

/// Distance of a protective order from the average entry price.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProtectAction {
    /// Distance from the average entry price, ticks (at least 1).
    pub ticks: i64,
    /// The instrument, by symbol (default: the one whose event evaluated
    /// the rule).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symbol: Option<String>,
}
