//! The signal audit: one record per firing, saying when, which rule, what
//! its actions did, and the truth and operand values of every node of its
//! condition, so "why did it buy here?" has an answer.
//!
//! Records are plain serde types. The strategy appends them to a
//! [`SignalFeed`] that the session (or `ticklab run`, which writes
//! `signals.jsonl`) drains.

use std::borrow::Cow;
use std::io::{self, Write};
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use serde::{Deserialize, Serialize};

use crate::sim::{OrderId, OrderType, TimeInForce};

use super::compile::{Arg, NodeKind, Program};
use super::eval::NodeState;
use super::schema::{Op, OrderSide};
use super::vocabulary::Unit;

/// One firing of a rule.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Signal {
    /// Local time of the firing, ns since the epoch.
    pub ts_ns: i64,
    /// Market events the strategy had seen (the step-mode event index).
    pub event_index: u64,
    /// The instrument whose event evaluated the rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symbol: Option<String>,
    /// The rule's name.
    pub rule: String,
    /// The rule's position in the file, from 0.
    pub rule_index: usize,
    /// Which firing of this rule it is, from 1.
    pub fire_count: u32,
    /// What each of the rule's actions did, in order.
    pub actions: Vec<ActionRecord>,
    /// The rule's condition at the firing, every node with its values.
    pub when: NodeRecord,
}

/// What kind of condition node.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeType {
    /// All children.
    All,
    /// Any child.
    Any,
    /// Not its child.
    Not,
    /// At least `n` children.
    AtLeast,
    /// A comparison.
    Compare,
}

/// One node of a condition at a firing.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NodeRecord {
    /// Field path in the file, e.g. `rules[0].when.all[1]`.
    pub path: String,
    /// What kind of node.
    pub node: NodeType,
    /// True or false; `None` when a value it needs was not known.
    pub truth: Option<bool>,
    /// For `at_least`: how many children had to hold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<u32>,
    /// For comparisons: the left-hand value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lhs: Option<OperandRecord>,
    /// For comparisons: the operator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub op: Option<Op>,
    /// For comparisons: the right-hand value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rhs: Option<OperandRecord>,
    /// The child nodes, in file order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<NodeRecord>,
}

/// One side of a comparison at a firing.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OperandRecord {
    /// As written: an indicator's name, a constant, or an inline indicator
    /// spelled out (`sma(of=mid, window=30s)`).
    pub source: String,
    /// For an indicator about an instrument: that instrument's symbol.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symbol: Option<String>,
    /// Its value (prices in price units, spread in ticks, sizes in lots,
    /// times in seconds); `None` when not known (or infinite).
    pub value: Option<f64>,
    /// For crossings: the value at the previous evaluation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<f64>,
    /// What the value measures; `None` for a plain number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<Unit>,
}

/// What one action did at a firing.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ActionRecord {
    /// The action as written: `buy`, `sell`, `cancel_all`, `flatten`,
    /// `quote`, `stop_loss`, `take_profit`.
    pub action: String,
    /// The instrument it acted on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symbol: Option<String>,
    /// Orders it sent, changed or canceled.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requests: Vec<RequestRecord>,
    /// Why it did nothing, or what it armed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One request an action made.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "request", rename_all = "snake_case")]
pub enum RequestRecord {
    /// A new order.
    New {
        /// Its id.
        order_id: OrderId,
        /// Buy or sell.
        side: OrderSide,
        /// Limit, market or stop-market.
        order_type: OrderType,
        /// Time in force.
        time_in_force: TimeInForce,
        /// Limit price, ticks (0 for market orders).
        price_ticks: i64,
        /// Stop price, ticks (0 unless a stop).
        stop_price_ticks: i64,
        /// Quantity, lots.
        qty_lots: i64,
    },
    /// A new price and total quantity for a resting limit order.
    Modify {
        /// The order.
        order_id: OrderId,
        /// New price, ticks.
        price_ticks: i64,
        /// New total quantity (including what has filled), lots.
        qty_lots: i64,
    },
    /// A cancel of one order.
    Cancel {
        /// The order.
        order_id: OrderId,
    },
    /// A cancel of every open order.
    CancelAll {
        /// How many cancels were sent.
        orders: usize,
    },
}

/// What an action did, before it is known whether the rule fired (no
/// allocation unless it sent something).
#[derive(Clone, Debug, Default)]
pub(crate) struct Outcome {
    pub requests: Vec<RequestRecord>,
    pub note: Option<Cow<'static, str>>,
    /// True when it changed something: sent, changed or canceled an order,
    /// or armed a stop.
    pub acted: bool,
}

impl Outcome {
    /// Did nothing, for `reason`.
    pub(crate) fn skipped(reason: &'static str) -> Outcome {
        Outcome {
            note: Some(Cow::Borrowed(reason)),
            ..Outcome::default()
        }
    }
}

/// Builds the record of a node and its children; `symbols` are the run's,
/// in the order named.
pub(crate) fn node_record(
    program: &Program,
    states: &[NodeState],
    id: usize,
    symbols: &[String],
) -> NodeRecord {
    let node = &program.nodes[id];
    let state = &states[id];
    let known = |x: f64| x.is_finite().then_some(x);
    let mut record = NodeRecord {
        path: node.path.clone(),
        node: NodeType::Compare,
        truth: state.truth.known(),
        n: None,
        lhs: None,
        op: None,
        rhs: None,
        children: program.child_ids[node.children.clone()]
            .iter()
            .map(|&c| node_record(program, states, c, symbols))
            .collect(),
    };
    match &node.kind {
        NodeKind::All => record.node = NodeType::All,
        NodeKind::Any => record.node = NodeType::Any,
        NodeKind::Not => record.node = NodeType::Not,
        NodeKind::AtLeast(n) => {
            record.node = NodeType::AtLeast;
            record.n = Some(*n);
        }
        NodeKind::Compare { lhs, op, rhs } => {
            let crossing = op.is_crossing();
            let symbol_of = |arg: Arg| match arg {
                Arg::Slot(slot) => program.slots.get(slot).and_then(|spec| {
                    if !spec.is_about_an_instrument() {
                        return None;
                    }
                    let symbol = spec.symbol().or(symbols.first().map(String::as_str))?;
                    Some(symbol.to_owned())
                }),
                Arg::Const(_) => None,
            };
            record.lhs = Some(OperandRecord {
                source: lhs.label.clone(),
                symbol: symbol_of(lhs.arg),
                value: known(state.lhs),
                previous: if crossing {
                    known(state.prev_lhs)
                } else {
                    None
                },
                unit: lhs.unit,
            });
            record.op = Some(*op);
            record.rhs = Some(OperandRecord {
                source: rhs.label.clone(),
                symbol: symbol_of(rhs.arg),
                value: known(state.rhs),
                previous: if crossing {
                    known(state.prev_rhs)
                } else {
                    None
                },
                unit: rhs.unit,
            });
        }
    }
    record
}

/// Where a rule strategy puts its signals, shared with whoever reads them:
/// cloning gives another handle on the same records.
#[derive(Clone, Debug, Default)]
pub struct SignalFeed {
    records: Arc<Mutex<Vec<Signal>>>,
}

impl SignalFeed {
    /// An empty feed.
    pub fn new() -> Self {
        SignalFeed::default()
    }

    /// Adds a record.
    pub(crate) fn push(&self, signal: Signal) {
        // A panic while the lock was held cannot leave a half-pushed Vec,
        // so a poisoned lock still holds good records.
        self.records
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(signal);
    }

    /// Takes every record added since the last drain, oldest first.
    pub fn drain(&self) -> Vec<Signal> {
        std::mem::take(&mut *self.records.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Records waiting to be drained.
    pub fn len(&self) -> usize {
        self.records
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// True when no record is waiting.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Writes `signals` to `out` as JSON lines, one record a line.
pub fn write_jsonl(mut out: impl Write, signals: &[Signal]) -> io::Result<()> {
    for signal in signals {
        serde_json::to_writer(&mut out, signal)?;
        out.write_all(b"\n")?;
    }
    out.flush()
}

/// Writes `signals` to the file `path` as JSON lines.
pub fn write_jsonl_file(path: &Path, signals: &[Signal]) -> io::Result<()> {
    let file = std::fs::File::create(path)?;
    write_jsonl(io::BufWriter::new(file), signals)
}
