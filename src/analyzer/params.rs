//! The parameters a strategy takes, discovered from the strategy itself:
//! the built-in market maker's settings, a rule file's `[params]`, the
//! keyword arguments (and their defaults) of a Python class's `__init__`.

use std::path::Path;

use crate::strategy::native::MarketMakerConfig;
use crate::strategy::rules::{self, RuleSet};

/// The parameters a strategy is known to take.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StrategyParams {
    /// Each name and its default value when known, sorted by name.
    pub known: Vec<(String, Option<toml::Value>)>,
    /// True when any name is taken (a Python `__init__` with `**kwargs`,
    /// or one that could not be read): names are then not checked.
    pub open: bool,
}

impl StrategyParams {
    /// The parameters of `strategy` (a built-in name or a file); `base`
    /// is the run configuration's `[params]`, whose names count as known.
    pub fn discover(strategy: &str, base: &toml::Table) -> Result<StrategyParams, String> {
        let mut params = StrategyParams::default();
        match strategy {
            "noop" => {}
            "mm" | "market_maker" => {
                let table = toml::Table::try_from(MarketMakerConfig::default())
                    .map_err(|err| err.to_string())?;
                params.known = table.into_iter().map(|(k, v)| (k, Some(v))).collect();
            }
            file if rules::is_rule_file(Path::new(file)) => {
                let rules = RuleSet::from_path(Path::new(file)).map_err(|err| err.to_string())?;
                params.known = rules
                    .params()
                    .iter()
                    .map(|(k, v)| (k.clone(), Some(toml::Value::Float(*v))))
                    .collect();
            }
            file if file.ends_with(".py") => match std::fs::read_to_string(file) {
                Ok(text) => params = python_init_params(&text),
                Err(err) => return Err(format!("{file}: cannot read: {err}")),
            },
            _ => params.open = true,
        }
        for key in base.keys() {
            if !params.known.iter().any(|(k, _)| k == key) {
                params.known.push((key.clone(), base.get(key).cloned()));
            }
        }
        params.known.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(params)
    }

    /// The default of `name`, if it is known and has one.
    pub fn default_of(&self, name: &str) -> Option<&toml::Value> {
        self.known
            .iter()
            .find(|(k, _)| k == name)
            .and_then(|(_, v)| v.as_ref())
    }

    /// True when the strategy takes `name`.
    pub fn takes(&self, name: &str) -> bool {
        self.open || self.known.iter().any(|(k, _)| k == name)
    }

    /// The known names, for messages: `a, b` or `none`.
    pub fn names(&self) -> String {
        if self.known.is_empty() {
            "none".to_owned()
        } else {
            let names: Vec<&str> = self.known.iter().map(|(k, _)| k.as_str()).collect();
            names.join(", ")
        }
    }
}

/// The keyword parameters of the first `def __init__(...)` in a Python
/// file, with their defaults (read as TOML values where they are plain
/// numbers, booleans or strings). `open` when it has `**kwargs` or none
/// is found.
pub(crate) fn python_init_params(text: &str) -> StrategyParams {
    let Some(start) = text.find("def __init__(") else {
        return StrategyParams {
            known: Vec::new(),
            open: true,
        };
    };
    let body = &text[start + "def __init__(".len()..];
    let mut depth = 0i32;
    let mut parts = Vec::new();
    let mut current = String::new();
    for c in body.chars() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' if depth == 0 => break,
            ')' | ']' | '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    parts.push(current);
    let mut params = StrategyParams::default();
    for part in parts {
        let part = part
            .lines()
            .map(|l| l.split('#').next().unwrap_or(""))
            .collect::<Vec<_>>()
            .join(" ");
        let part = part.trim();
        if part.starts_with("**") {
            params.open = true;
            continue;
        }
        if part.is_empty() || part.starts_with('*') || part == "/" {
            continue;
        }
        let (head, default) = match part.split_once('=') {
            Some((head, default)) => (head, Some(default.trim())),
            None => (part, None),
        };
        let name = head.split(':').next().unwrap_or("").trim();
        if name.is_empty() || name == "self" {
            continue;
        }
        let default = default.map(|text| match text {
            "True" => toml::Value::Boolean(true),
            "False" => toml::Value::Boolean(false),
            _ => super::value::parse_value(text.trim_matches('\'')),
        });
        params.known.push((name.to_owned(), default));
    }
    params.known.sort_by(|a, b| a.0.cmp(&b.0));
    params
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_python_init_gives_its_keywords_and_defaults() {
        let text = "class S(ticklab.Strategy):\n    def __init__(self, max_ahead: float = 0.5, qty=2,  # lots\n                 side='buy', *, flag=True):\n        pass\n";
        let params = python_init_params(text);
        assert!(!params.open);
        assert_eq!(params.names(), "flag, max_ahead, qty, side");
        assert_eq!(
            params.default_of("max_ahead"),
            Some(&toml::Value::Float(0.5))
        );
        assert_eq!(params.default_of("qty"), Some(&toml::Value::Integer(2)));
        assert_eq!(
            params.default_of("side"),
            Some(&toml::Value::String("buy".into()))
        );
        assert_eq!(params.default_of("flag"), Some(&toml::Value::Boolean(true)));
        assert!(python_init_params("def __init__(self, **kw): pass").open);
        assert!(python_init_params("class S: pass").open);
    }

    #[test]
    fn the_market_maker_takes_its_two_settings() {
        let params = StrategyParams::discover("mm", &toml::Table::new()).unwrap();
        assert_eq!(params.names(), "max_position_lots, qty_lots");
        assert!(!params.takes("spread"));
        assert_eq!(
            StrategyParams::discover("noop", &toml::Table::new())
                .unwrap()
                .names(),
            "none"
        );
    }
}
