//! From a read [`RuleFile`] to the program the strategy runs: names
//! resolved to indicator slots (each distinct indicator computed once),
//! condition trees flattened children-first, and every check serde cannot
//! make, each failing at its field.

mod compiler;

use compiler::{check_name, check_spec, Compiler};

use std::collections::HashMap;
use std::ops::Range;

use super::condition::{Comparison, Condition, Operand};
use super::duration::{parse_time_of_day_secs, Duration};
use super::price::PriceSpec;
use super::schema::{Action, IndicatorSpec, Op, RuleFile, Symbols, Tif};
use super::spans::FieldPath;
use super::validate::Invalid;
use super::vocabulary::{built_in, unit_of, Unit, BUILT_IN, WITH_PARAMETERS};
use crate::market::MarketState;

/// A value a comparison reads.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Arg {
    /// A constant (numbers, durations in seconds, times of day in seconds).
    Const(f64),
    /// The current value of indicator slot `i`.
    Slot(usize),
}

/// One side of a comparison, with what the audit shows for it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct CompiledOperand {
    pub arg: Arg,
    /// As written: a name, a constant, or the inline indicator spelled out.
    pub label: String,
    pub unit: Option<Unit>,
}

/// What a node of a condition tree is.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum NodeKind {
    All,
    Any,
    Not,
    AtLeast(u32),
    Compare {
        lhs: CompiledOperand,
        op: Op,
        rhs: CompiledOperand,
    },
}

/// A node of a condition tree; its children come before it in
/// [`Program::nodes`].
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Node {
    pub kind: NodeKind,
    /// Range of [`Program::child_ids`].
    pub children: Range<usize>,
    /// Field path in the file, e.g. `rules[0].when.all[1]`.
    pub path: String,
}

/// A rule ready to run.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct CompiledRule {
    pub name: String,
    /// Its condition's first node: its nodes are `first_node..=root`.
    pub first_node: usize,
    /// Its condition's root node.
    pub root: usize,
    /// The symbols whose events evaluate it, when the file says so.
    pub on: Option<Vec<String>>,
    pub actions: Vec<Action>,
    pub cooldown_ns: Option<i64>,
    pub max_fires: Option<u32>,
}

/// How a [`HotNode`] is evaluated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HotKind {
    /// A comparison of two operands.
    Compare,
    /// True when at least `need` children are (`all`, `any`, `at_least`).
    AtLeast,
    /// True when its one child is false.
    Not,
}

/// What evaluating a node needs, packed apart from what the audit shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct HotNode {
    pub kind: HotKind,
    /// Comparisons: bit `3 * previous + current` is the truth for those
    /// outcomes (0 below, 1 equal, 2 above; previous 3 = not known).
    pub table: u16,
    /// `AtLeast`: children that must hold.
    pub need: u32,
    /// Comparisons: positions of the two values in the operand array
    /// (indicator slots first, then constants).
    pub lhs: u32,
    pub rhs: u32,
    /// Range of [`Program::child_ids`].
    pub first_child: u32,
    pub end_child: u32,
}

/// Truth table of `op` over (previous outcome, outcome), see [`HotNode`].
pub(crate) fn truth_table(op: Op) -> u16 {
    // Over the current outcome only: bit 0 below, 1 equal, 2 above.
    let now = |mask: u16| mask | mask << 3 | mask << 6 | mask << 9;
    match op {
        Op::Gt => now(0b100),
        Op::Ge => now(0b110),
        Op::Lt => now(0b001),
        Op::Le => now(0b011),
        Op::Eq => now(0b010),
        Op::Ne => now(0b101),
        // Was below or equal, now above.
        Op::CrossesAbove => 1 << 2 | 1 << 5,
        // Was above or equal, now below.
        Op::CrossesBelow => 1 << 3 | 1 << 6,
    }
}

/// A checked rule file, ready to run.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Program {
    pub file: RuleFile,
    /// Distinct indicators, each computed once per evaluation.
    pub slots: Vec<IndicatorSpec>,
    /// Constants compared against, after the slots in the operand array.
    pub consts: Vec<f64>,
    /// Every condition node of every rule, children first.
    pub nodes: Vec<Node>,
    /// The same nodes, packed for evaluation.
    pub hot: Vec<HotNode>,
    pub child_ids: Vec<usize>,
    /// The same children, packed for evaluation.
    pub hot_child_ids: Vec<u32>,
    pub rules: Vec<CompiledRule>,
    /// Every symbol the file names, where, and which rule uses it.
    pub symbol_refs: Vec<SymbolRef>,
    /// The file, as named in errors (empty until [`Program::locate`]).
    pub file_name: String,
}

/// A symbol named in a rule file.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct SymbolRef {
    pub symbol: String,
    /// The field naming it, e.g. `indicators.eth.mid.symbol`.
    pub path: FieldPath,
    /// The first rule that uses it (none for an indicator no rule reads).
    pub rule: Option<usize>,
    /// Line and column of the field, from 1 (once located).
    pub at: Option<(usize, usize)>,
}

impl Program {
    /// Places every symbol the file names in its text, for errors about
    /// symbols the run does not have; `file` names the file.
    pub(crate) fn locate(&mut self, source: &super::validate::Source<'_>) {
        self.file_name = source.file.to_owned();
        if self.symbol_refs.is_empty() {
            return;
        }
        let places = source.places(self.symbol_refs.iter().map(|r| &r.path));
        for (symbol_ref, at) in self.symbol_refs.iter_mut().zip(places) {
            symbol_ref.at = at;
        }
    }

    /// An error naming the first symbol of the file that is not one of the
    /// run's `symbols`: the file, line and column, the field, the rule and
    /// the run's symbols.
    pub(crate) fn check_symbols(&self, symbols: &[&str]) -> Result<(), String> {
        let Some(unknown) = self
            .symbol_refs
            .iter()
            .find(|r| !symbols.contains(&r.symbol.as_str()))
        else {
            return Ok(());
        };
        let place = match unknown.at {
            Some((line, column)) => format!("{}:{line}:{column}: ", self.file_name),
            None if self.file_name.is_empty() => String::new(),
            None => format!("{}: ", self.file_name),
        };
        let rule = match unknown.rule.and_then(|i| self.rules.get(i)) {
            Some(rule) => format!("rule {:?}", rule.name),
            None => "read by no rule".to_owned(),
        };
        Err(format!(
            "{place}{}: unknown symbol {:?} ({rule}); the run's symbols: {}",
            unknown.path,
            unknown.symbol,
            symbols.join(", ")
        ))
    }

    /// Every slot that rule `i`'s condition reads.
    pub(crate) fn slots_of_rule(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        let rule = &self.rules[i];
        self.nodes[rule.first_node..=rule.root]
            .iter()
            .filter_map(|node| match &node.kind {
                NodeKind::Compare { lhs, rhs, .. } => Some([lhs.arg, rhs.arg]),
                _ => None,
            })
            .flatten()
            .filter_map(|arg| match arg {
                Arg::Slot(slot) => Some(slot),
                Arg::Const(_) => None,
            })
    }

    /// Checks `file` and builds its program.
    pub(crate) fn compile(file: RuleFile) -> Result<Program, Invalid> {
        let mut c = Compiler {
            file: &file,
            slots: Vec::new(),
            nodes: Vec::new(),
            child_ids: Vec::new(),
            symbol_refs: Vec::new(),
            rule: None,
        };
        let root = FieldPath::default();
        if let Some(max) = file.settings.max_position_lots {
            if max < 1 {
                return Err(Invalid::new(
                    &root.key("settings").key("max_position_lots"),
                    format!("must be at least 1 lot, got {max}"),
                ));
            }
        }
        for (name, value) in &file.params {
            let path = root.key("params").key(name);
            let well_formed = name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
                && name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !well_formed {
                return Err(Invalid::new(
                    &path,
                    format!("parameter name {name:?}: use lower case letters, digits and `_`, starting with a letter"),
                ));
            }
            if !value.is_finite() {
                return Err(Invalid::new(&path, "must be a finite number"));
            }
        }
        for (name, spec) in &file.indicators {
            let path = root.key("indicators").key(name);
            check_name(name, &path)?;
            check_spec(spec, &path)?;
            c.note_symbol(spec, &path);
        }
        if file.rules.is_empty() {
            return Err(Invalid::new(
                &root.key("rules"),
                "a rule file needs at least one rule",
            ));
        }
        let mut rules = Vec::with_capacity(file.rules.len());
        // Each rule name and the first rule that has it.
        let mut names: HashMap<&str, usize> = HashMap::with_capacity(file.rules.len());
        for (i, rule) in file.rules.iter().enumerate() {
            let path = root.key("rules").index(i);
            if rule.name.trim().is_empty() {
                return Err(Invalid::new(&path.key("name"), "a rule needs a name"));
            }
            if let Some(j) = names.insert(rule.name.as_str(), i) {
                return Err(Invalid::new(
                    &path.key("name"),
                    format!("rule name {:?} is already used by rules[{j}]", rule.name),
                ));
            }
            c.rule = Some(i);
            let first_node = c.nodes.len();
            let root_node = c.condition(&rule.when, &path.key("when"))?;
            let on = match &rule.on {
                None => None,
                Some(on) => {
                    let symbols = on.as_slice();
                    if symbols.is_empty() {
                        return Err(Invalid::new(
                            &path.key("on"),
                            "`on` needs at least one symbol",
                        ));
                    }
                    for (k, symbol) in symbols.iter().enumerate() {
                        let at = match on {
                            Symbols::One(_) => path.key("on"),
                            Symbols::Many(_) => path.key("on").index(k),
                        };
                        c.add_symbol(symbol, at)?;
                    }
                    Some(symbols.to_vec())
                }
            };
            if rule.then.is_empty() {
                return Err(Invalid::new(
                    &path.key("then"),
                    "a rule needs at least one action",
                ));
            }
            for (k, action) in rule.then.iter().enumerate() {
                let at = path.key("then").index(k);
                c.check_action(action, &at)?;
                if let Some(symbol) = action.symbol() {
                    c.add_symbol(symbol, at.key(action.name()).key("symbol"))?;
                }
            }
            if rule.max_fires == Some(0) {
                return Err(Invalid::new(&path.key("max_fires"), "must be at least 1"));
            }
            rules.push(CompiledRule {
                name: rule.name.clone(),
                first_node,
                root: root_node,
                on,
                actions: rule.then.clone(),
                cooldown_ns: rule.cooldown.map(Duration::as_ns),
                max_fires: rule.max_fires,
            });
        }
        let (slots, nodes, child_ids, symbol_refs) = (c.slots, c.nodes, c.child_ids, c.symbol_refs);
        let mut consts = Vec::new();
        let mut operand = |arg: Arg| -> u32 {
            let index = match arg {
                Arg::Slot(i) => i,
                Arg::Const(x) => {
                    consts.push(x);
                    slots.len() + consts.len() - 1
                }
            };
            index as u32
        };
        let hot = nodes
            .iter()
            .map(|node| {
                let mut hot = HotNode {
                    kind: HotKind::AtLeast,
                    table: 0,
                    need: node.children.len() as u32,
                    lhs: 0,
                    rhs: 0,
                    first_child: node.children.start as u32,
                    end_child: node.children.end as u32,
                };
                match &node.kind {
                    NodeKind::All => {}
                    NodeKind::Any => hot.need = 1,
                    NodeKind::AtLeast(n) => hot.need = *n,
                    NodeKind::Not => hot.kind = HotKind::Not,
                    NodeKind::Compare { lhs, op, rhs } => {
                        hot.kind = HotKind::Compare;
                        hot.table = truth_table(*op);
                        hot.lhs = operand(lhs.arg);
                        hot.rhs = operand(rhs.arg);
                    }
                }
                hot
            })
            .collect();
        let hot_child_ids = child_ids.iter().map(|&c| c as u32).collect();
        Ok(Program {
            file,
            slots,
            consts,
            nodes,
            hot,
            child_ids,
            hot_child_ids,
            rules,
            symbol_refs,
            file_name: String::new(),
        })
    }
}
