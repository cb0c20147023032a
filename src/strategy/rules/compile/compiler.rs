//! The compiler's walk over a rule file: indicators to slots, conditions
//! to nodes children-first, actions checked, symbols noted where they are
//! written.

use super::*;

/// Checks an indicator's name: well formed and not a built-in's.
pub(super) fn check_name(name: &str, path: &FieldPath) -> Result<(), Invalid> {
    let mut chars = name.chars();
    let well_formed = chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !well_formed {
        return Err(Invalid::new(
            path,
            format!("indicator name {name:?}: use lower case letters, digits and `_`, starting with a letter"),
        ));
    }
    if BUILT_IN.contains(&name) || WITH_PARAMETERS.iter().any(|(n, _)| *n == name) {
        return Err(Invalid::new(
            path,
            format!("indicator name {name:?} is a built-in indicator's name; choose another"),
        ));
    }
    Ok(())
}

/// Checks what serde cannot about an indicator's fields.
pub(super) fn check_spec(spec: &IndicatorSpec, path: &FieldPath) -> Result<(), Invalid> {
    match spec {
        _ if spec.symbol().is_some_and(|s| s.trim().is_empty()) => Err(Invalid::new(
            &path.key(spec.kind_name()).key("symbol"),
            "a symbol cannot be empty",
        )),
        IndicatorSpec::Imbalance { levels, .. } if !(1..=100).contains(levels) => {
            Err(Invalid::new(
                &path.key("imbalance").key("levels"),
                format!("levels must be 1 to 100, got {levels}"),
            ))
        }
        IndicatorSpec::Bollinger { k, .. } if !(k.is_finite() && *k > 0.0) => Err(Invalid::new(
            &path.key("bollinger").key("k"),
            format!("k must be a positive number, got {k}"),
        )),
        _ => Ok(()),
    }
}

/// Checks an order's size: `lots` or a `share` of the maximum position.
fn check_size(
    lots: Option<i64>,
    share: Option<f64>,
    max: Option<i64>,
    path: &FieldPath,
) -> Result<(), Invalid> {
    match (lots, share) {
        (None, None) => Err(Invalid::new(
            path,
            "give the size as `lots` or as a `share` of the maximum position",
        )),
        (Some(_), Some(_)) => Err(Invalid::new(
            path,
            "give the size as `lots` or as `share`, not both",
        )),
        (Some(lots), None) if lots < 1 => Err(Invalid::new(
            &path.key("lots"),
            format!("must be at least 1, got {lots}"),
        )),
        (None, Some(share)) if !(share > 0.0 && share <= 1.0) => Err(Invalid::new(
            &path.key("share"),
            format!("must be above 0 and at most 1, got {share}"),
        )),
        (None, Some(_)) if max.is_none() => Err(Invalid::new(
            &path.key("share"),
            "a `share` size needs settings.max_position_lots",
        )),
        _ => Ok(()),
    }
}

/// Compiles one rule file's indicators and rules into a [`Program`]'s parts.
pub(super) struct Compiler<'f> {
    pub(super) file: &'f RuleFile,
    pub(super) slots: Vec<IndicatorSpec>,
    pub(super) nodes: Vec<Node>,
    pub(super) child_ids: Vec<usize>,
    pub(super) symbol_refs: Vec<SymbolRef>,
    /// The rule being compiled.
    pub(super) rule: Option<usize>,
}

impl Compiler<'_> {
    /// Notes the symbol `spec` names (written at `path`, the indicator).
    pub(super) fn note_symbol(&mut self, spec: &IndicatorSpec, path: &FieldPath) {
        if let Some(symbol) = spec.symbol() {
            let at = path.key(spec.kind_name()).key("symbol");
            if !self.symbol_refs.iter().any(|r| r.path == at) {
                self.symbol_refs.push(SymbolRef {
                    symbol: symbol.to_owned(),
                    path: at,
                    rule: self.rule,
                    at: None,
                });
            }
        }
    }

    /// Notes a symbol a rule names at `path` (its `on`, an action).
    pub(super) fn add_symbol(&mut self, symbol: &str, path: FieldPath) -> Result<(), Invalid> {
        if symbol.trim().is_empty() {
            return Err(Invalid::new(&path, "a symbol cannot be empty"));
        }
        self.symbol_refs.push(SymbolRef {
            symbol: symbol.to_owned(),
            path,
            rule: self.rule,
            at: None,
        });
        Ok(())
    }

    /// A named indicator is read by the rule being compiled: the first
    /// such rule is the one its symbol's errors name.
    pub(super) fn note_use(&mut self, name: &str) {
        if self.symbol_refs.iter().all(|r| r.rule.is_some()) {
            return;
        }
        let at = FieldPath::default().key("indicators").key(name);
        let rule = self.rule;
        for r in &mut self.symbol_refs {
            if r.rule.is_none() && r.path.0.starts_with(&at.0) {
                r.rule = rule;
            }
        }
    }

    pub(super) fn slot(&mut self, spec: &IndicatorSpec) -> usize {
        match self.slots.iter().position(|s| s == spec) {
            Some(i) => i,
            None => {
                self.slots.push(spec.clone());
                self.slots.len() - 1
            }
        }
    }

    pub(super) fn push(&mut self, kind: NodeKind, children: &[usize], path: &FieldPath) -> usize {
        let start = self.child_ids.len();
        self.child_ids.extend_from_slice(children);
        self.nodes.push(Node {
            kind,
            children: start..self.child_ids.len(),
            path: path.to_string(),
        });
        self.nodes.len() - 1
    }

    pub(super) fn list(
        &mut self,
        conds: &[Condition],
        key: &str,
        path: &FieldPath,
    ) -> Result<Vec<usize>, Invalid> {
        if conds.is_empty() {
            return Err(Invalid::new(
                path,
                format!("`{key}` needs at least one condition"),
            ));
        }
        conds
            .iter()
            .enumerate()
            .map(|(i, cond)| self.condition(cond, &path.index(i)))
            .collect()
    }

    pub(super) fn condition(
        &mut self,
        cond: &Condition,
        path: &FieldPath,
    ) -> Result<usize, Invalid> {
        match cond {
            Condition::All { all } => {
                let ids = self.list(all, "all", &path.key("all"))?;
                Ok(self.push(NodeKind::All, &ids, path))
            }
            Condition::Any { any } => {
                let ids = self.list(any, "any", &path.key("any"))?;
                Ok(self.push(NodeKind::Any, &ids, path))
            }
            Condition::Not { not } => {
                let id = self.condition(not, &path.key("not"))?;
                Ok(self.push(NodeKind::Not, &[id], path))
            }
            Condition::AtLeast { at_least } => {
                let at = path.key("at_least");
                let ids = self.list(&at_least.of, "of", &at.key("of"))?;
                if at_least.n < 1 || at_least.n as usize > ids.len() {
                    return Err(Invalid::new(
                        &at.key("n"),
                        format!(
                            "n must be 1 to {} (the number of conditions), got {}",
                            ids.len(),
                            at_least.n
                        ),
                    ));
                }
                Ok(self.push(NodeKind::AtLeast(at_least.n), &ids, path))
            }
            Condition::Compare(cmp) => {
                let kind = self.comparison(cmp, path)?;
                Ok(self.push(kind, &[], path))
            }
        }
    }

    pub(super) fn comparison(
        &mut self,
        cmp: &Comparison,
        path: &FieldPath,
    ) -> Result<NodeKind, Invalid> {
        let lhs = self.operand(&cmp.lhs, &path.key("lhs"))?;
        let rhs = self.operand(&cmp.rhs, &path.key("rhs"))?;
        if matches!((lhs.arg, rhs.arg), (Arg::Const(_), Arg::Const(_))) {
            return Err(Invalid::new(
                path,
                format!(
                    "compares two constants ({} {} {}); one side must be an indicator",
                    lhs.label, cmp.op, rhs.label
                ),
            ));
        }
        if let (Some(a), Some(b)) = (lhs.unit, rhs.unit) {
            if a != b {
                return Err(Invalid::new(
                    path,
                    format!(
                        "cannot compare {} ({a}) with {} ({b})",
                        lhs.label, rhs.label
                    ),
                ));
            }
        }
        Ok(NodeKind::Compare {
            lhs,
            op: cmp.op,
            rhs,
        })
    }

    pub(super) fn operand(
        &mut self,
        operand: &Operand,
        path: &FieldPath,
    ) -> Result<CompiledOperand, Invalid> {
        match operand {
            Operand::Number(x) => {
                if !x.is_finite() {
                    return Err(Invalid::new(path, "must be a finite number"));
                }
                Ok(CompiledOperand {
                    arg: Arg::Const(*x),
                    label: format_number(*x),
                    unit: None,
                })
            }
            Operand::Indicator(spec) => {
                check_spec(spec, path)?;
                self.note_symbol(spec, path);
                let unit = Some(unit_of(spec));
                Ok(CompiledOperand {
                    arg: Arg::Slot(self.slot(spec)),
                    label: spec.to_string(),
                    unit,
                })
            }
            Operand::Name(name) => self.named(name, path),
        }
    }

    pub(super) fn named(
        &mut self,
        name: &str,
        path: &FieldPath,
    ) -> Result<CompiledOperand, Invalid> {
        if let Some(param) = name.strip_prefix('$') {
            return self.param(param, path);
        }
        if name.starts_with(|c: char| c.is_ascii_digit()) {
            let (secs, unit) = if name.contains(':') {
                (parse_time_of_day_secs(name), Unit::TimeOfDay)
            } else {
                (
                    Duration::parse(name).map(Duration::as_secs_f64),
                    Unit::Seconds,
                )
            };
            return Ok(CompiledOperand {
                arg: Arg::Const(secs.map_err(|m| Invalid::new(path, m))?),
                label: name.to_owned(),
                unit: Some(unit),
            });
        }
        let spec = match self.file.indicators.get(name) {
            Some(spec) => {
                self.note_use(name);
                spec.clone()
            }
            None => match (built_in(name), MarketState::from_bytes(name.as_bytes())) {
                (Some(spec), _) => spec,
                // A state name, to compare with `market_state`.
                (None, Some(state)) => {
                    return Ok(CompiledOperand {
                        arg: Arg::Const(f64::from(state as u8)),
                        label: name.to_owned(),
                        unit: Some(Unit::State),
                    })
                }
                (None, None) => return Err(self.unknown(name, path)),
            },
        };
        let unit = Some(unit_of(&spec));
        Ok(CompiledOperand {
            arg: Arg::Slot(self.slot(&spec)),
            label: name.to_owned(),
            unit,
        })
    }

    /// `$name`: the number of `[params]` it names.
    pub(super) fn param(&self, name: &str, path: &FieldPath) -> Result<CompiledOperand, Invalid> {
        match self.file.params.get(name) {
            Some(&value) => Ok(CompiledOperand {
                arg: Arg::Const(value),
                label: format!("${name}"),
                unit: None,
            }),
            None => {
                let known: Vec<&str> = self.file.params.keys().map(String::as_str).collect();
                let known = if known.is_empty() {
                    String::from("none")
                } else {
                    known.join(", ")
                };
                Err(Invalid::new(
                    path,
                    format!("unknown parameter ${name}; named in [params]: {known}"),
                ))
            }
        }
    }

    pub(super) fn unknown(&self, name: &str, path: &FieldPath) -> Invalid {
        if let Some((_, example)) = WITH_PARAMETERS.iter().find(|(n, _)| *n == name) {
            return Invalid::new(
                path,
                format!("indicator `{name}` needs parameters: name it in [indicators] or write it inline, e.g. {example}"),
            );
        }
        let defined: Vec<&str> = self.file.indicators.keys().map(String::as_str).collect();
        let defined = if defined.is_empty() {
            String::from("none")
        } else {
            defined.join(", ")
        };
        Invalid::new(
            path,
            format!(
                "unknown indicator {name:?}; named in [indicators]: {defined}; built in: {}",
                BUILT_IN.join(", ")
            ),
        )
    }

    pub(super) fn check_action(&self, action: &Action, path: &FieldPath) -> Result<(), Invalid> {
        let max = self.file.settings.max_position_lots;
        match action {
            Action::Buy(order) | Action::Sell(order) => {
                let inner = path.key(action.name());
                check_size(order.lots, order.share, max, &inner)?;
                if order.price == PriceSpec::Market && order.tif != Tif::Gtc {
                    return Err(Invalid::new(
                        &inner.key("tif"),
                        "`tif` applies to limit orders; a market order is always immediate or cancel",
                    ));
                }
                Ok(())
            }
            Action::Quote(quote) => {
                let inner = path.key("quote");
                if quote.spread_ticks < 1 {
                    return Err(Invalid::new(
                        &inner.key("spread_ticks"),
                        format!("must be at least 1, got {}", quote.spread_ticks),
                    ));
                }
                if !quote.skew_ticks_per_lot.is_finite() {
                    return Err(Invalid::new(
                        &inner.key("skew_ticks_per_lot"),
                        "must be a finite number",
                    ));
                }
                check_size(quote.lots, quote.share, max, &inner)
            }
            Action::StopLoss(p) | Action::TakeProfit(p) if p.ticks < 1 => Err(Invalid::new(
                &path.key(action.name()).key("ticks"),
                format!("must be at least 1, got {}", p.ticks),
            )),
            _ => Ok(()),
        }
    }
}

/// A constant as the audit shows it: `0.6`, `3`.
fn format_number(x: f64) -> String {
    format!("{x}")
}
