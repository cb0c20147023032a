//! No-code strategies: a rule file is named indicators and rules, each a
//! condition tree over indicators and a list of actions. Every firing is
//! recorded with the truth and values of every node of its condition (see
//! [`audit`]).
//!
//! ```toml
//! # Buys when the bids outweigh the offers and the short EMA crosses above
//! # the long one; a stop protects every position.
//! description = "imbalance-confirmed EMA cross"
//!
//! [settings]
//! max_position_lots = 4
//!
//! [indicators]
//! fast = { ema = { of = "mid", half_life = "2s" } }
//! slow = { sma = { of = "mid", window = "30s" } }
//! book = { imbalance = { levels = 3 } }
//!
//! [[rules]]
//! name = "enter long"
//! when = { all = [
//!     { lhs = "fast", op = "crosses_above", rhs = "slow" },
//!     { lhs = "book", op = ">", rhs = 0.3 },
//! ] }
//! then = [ { buy = { lots = 1, price = "bid" } }, { stop_loss = { ticks = 20 } } ]
//! cooldown = "5s"
//! ```
//!
//! The same file can be written as JSON (`.rules.json`); both are read
//! through the serde types of [`schema`], whose JSON Schema
//! (`ticklab schema rules`, `assets/rules.schema.json`) editors use for
//! completion. A mistake is reported once, with its field path, line and
//! column: `imbalance.rules.toml:14:23: rules[0].when.all[1].lhs: unknown
//! indicator "bok"; ...`.
//!
//! In a run over several instruments an indicator names its instrument
//! (`{ mid = { symbol = "ETH-PERP" } }`, by default the run's first), a
//! rule the instruments whose events evaluate it (`on = "BTC-PERP"`, by
//! default those its condition reads) and an action the instrument it
//! trades (`{ buy = { lots = 1, symbol = "ETH-PERP" } }`, by default the
//! one whose event evaluated the rule); see [`RulesStrategy`]. A symbol the
//! run does not have is refused before the run starts
//! ([`RuleSet::check_symbols`]).
//!
//! Indicators are incremental and windows are durations; how each weighs
//! irregularly spaced events is documented in [`crate::strategy::indicators`]
//! and on [`IndicatorSpec`].

mod actions;
pub mod audit;
mod bank;
pub(crate) mod bare;
mod compile;
pub mod condition;
pub mod duration;
mod eval;
mod pieces;
pub mod price;
pub mod schema;
mod spans;
mod strategy;
pub mod validate;
mod venue;
mod vocabulary;

use std::fmt;
use std::path::Path;
use std::sync::Arc;

pub use audit::{
    write_jsonl, write_jsonl_file, ActionRecord, NodeRecord, NodeType, OperandRecord,
    RequestRecord, Signal, SignalFeed,
};
pub use condition::{AtLeast, Comparison, Condition, Operand};
pub use duration::Duration;
pub use price::{Anchor, PriceSpec};
pub use schema::{
    Action, Band, IndicatorSpec, Op, OrderAction, OrderSide, ProtectAction, QuoteAction, Rule,
    RuleFile, Scope, Settings, Source, Symbols, Tif,
};
pub use spans::{FieldPath, Seg};
pub use strategy::RulesStrategy;
pub use validate::{Format, RuleFileError, RulesError};
pub use vocabulary::Unit;

use crate::strategy::text::{read_utf8, TextError};
use compile::Program;

/// True when `path` names a rule file: `*.rules.toml` or `*.rules.json`.
pub fn is_rule_file(path: &Path) -> bool {
    format_of(path).is_some()
}

fn format_of(path: &Path) -> Option<Format> {
    let name = path.file_name()?.to_str()?.to_ascii_lowercase();
    if name.ends_with(".rules.toml") {
        Some(Format::Toml)
    } else if name.ends_with(".rules.json") {
        Some(Format::Json)
    } else {
        None
    }
}

/// A checked rule file, ready to run any number of times. Cloning is cheap.
#[derive(Clone)]
pub struct RuleSet {
    program: Arc<Program>,
}

impl RuleSet {
    /// Reads and checks the rule file at `path` (`.rules.toml` or
    /// `.rules.json`).
    pub fn from_path(path: &Path) -> Result<RuleSet, RulesError> {
        let format = format_of(path).ok_or_else(|| RulesError::Extension {
            path: path.to_owned(),
        })?;
        let text = read_utf8(path).map_err(|err| RulesError::Read {
            path: path.to_owned(),
            source: match err {
                TextError::Io(source) => source,
                not_utf8 => std::io::Error::new(std::io::ErrorKind::InvalidData, not_utf8),
            },
        })?;
        Ok(RuleSet::from_str(
            &text,
            format,
            &path.display().to_string(),
        )?)
    }

    /// Reads and checks rule file text; `file` names it in errors.
    pub fn from_str(text: &str, format: Format, file: &str) -> Result<RuleSet, RuleFileError> {
        let source = validate::Source { text, format, file };
        let rule_file = source.parse()?;
        let mut program = Program::compile(rule_file).map_err(|invalid| source.invalid(invalid))?;
        program.locate(&source);
        Ok(RuleSet {
            program: Arc::new(program),
        })
    }

    /// Reads and checks `.rules.toml` text.
    pub fn from_toml_str(text: &str, file: &str) -> Result<RuleSet, RuleFileError> {
        RuleSet::from_str(text, Format::Toml, file)
    }

    /// Reads and checks `.rules.json` text.
    pub fn from_json_str(text: &str, file: &str) -> Result<RuleSet, RuleFileError> {
        RuleSet::from_str(text, Format::Json, file)
    }

    /// The same rules with some of their `[params]` given other values:
    /// `overrides` is the run configuration's `[params]` table. Each name
    /// must be one of the file's `[params]` and each value a number.
    pub fn with_params(&self, overrides: &toml::Table) -> Result<RuleSet, RulesError> {
        if overrides.is_empty() {
            return Ok(self.clone());
        }
        let mut file = self.program.file.clone();
        for (name, value) in overrides {
            let number = match value {
                toml::Value::Float(x) if x.is_finite() => *x,
                toml::Value::Integer(i) => *i as f64,
                other => {
                    return Err(RulesError::Param {
                        name: name.clone(),
                        reason: format!("must be a finite number, got {other}"),
                    })
                }
            };
            match file.params.get_mut(name) {
                Some(slot) => *slot = number,
                None => {
                    let known: Vec<&str> = file.params.keys().map(String::as_str).collect();
                    return Err(RulesError::Param {
                        name: name.clone(),
                        reason: format!(
                            "the rule file has no such parameter; its [params]: {}",
                            if known.is_empty() {
                                "none".to_owned()
                            } else {
                                known.join(", ")
                            }
                        ),
                    });
                }
            }
        }
        let mut program = Program::compile(file).map_err(|invalid| RulesError::Param {
            name: invalid.path.to_string(),
            reason: invalid.message,
        })?;
        // The same text, so the same symbols in the same places.
        program.file_name.clone_from(&self.program.file_name);
        program.symbol_refs.clone_from(&self.program.symbol_refs);
        Ok(RuleSet {
            program: Arc::new(program),
        })
    }

    /// Checks that every symbol the file names (indicators, `on`, actions)
    /// is one of the run's `symbols`; the error names the file, line and
    /// column, the field, the rule and the run's symbols.
    pub fn check_symbols(&self, symbols: &[&str]) -> Result<(), RulesError> {
        self.program
            .check_symbols(symbols)
            .map_err(RulesError::Symbol)
    }

    /// The file's `[params]`: each name and its value in the file.
    pub fn params(&self) -> &std::collections::BTreeMap<String, f64> {
        &self.program.file.params
    }

    /// The file as read.
    pub fn file(&self) -> &RuleFile {
        &self.program.file
    }

    /// A fresh strategy running these rules, with its own signal feed.
    pub fn strategy(&self) -> RulesStrategy {
        RulesStrategy::new(Arc::clone(&self.program))
    }
}

impl PartialEq for RuleSet {
    fn eq(&self, other: &Self) -> bool {
        self.program.file == other.program.file
    }
}

impl fmt::Debug for RuleSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.program.rules.iter().map(|r| r.name.as_str()).collect();
        f.debug_struct("RuleSet").field("rules", &names).finish()
    }
}

/// The JSON Schema of rule files, pretty-printed with a final newline (the
/// content of `assets/rules.schema.json`).
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(RuleFile);
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}
