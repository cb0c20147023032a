//! A strategy's parameters and their defaults, found without running it:
//! the keyword defaults of a Python class's `__init__`, a rule file's
//! `[params]` table, the built-in market maker's settings. The window's
//! settings offers them for `[params]`.

use std::path::Path;

use crate::strategy::native::market_maker::MarketMakerConfig;

/// The parameters `strategy` (a built-in name or a file) takes, with their
/// defaults, in the order written. Unknown strategies and unreadable files
/// have none.
pub fn discover_params(strategy: &str) -> Vec<(String, toml::Value)> {
    match strategy {
        "mm" | "market_maker" => toml::Table::try_from(MarketMakerConfig::default())
            .map(|table| table.into_iter().collect())
            .unwrap_or_default(),
        _ => {
            let path = Path::new(strategy);
            let Ok(text) = std::fs::read_to_string(path) else {
                return Vec::new();
            };
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().to_lowercase())
                .unwrap_or_default();
            if name.ends_with(".py") {
                python_init_defaults(&text)
            } else if name.ends_with(".toml") {
                toml::from_str::<toml::Table>(&text)
                    .ok()
                    .and_then(|mut t| t.remove("params"))
                    .and_then(|p| p.as_table().cloned())
                    .map(|t| t.into_iter().collect())
                    .unwrap_or_default()
            } else if name.ends_with(".json") {
                serde_json::from_str::<serde_json::Value>(&text)
                    .ok()
                    .and_then(|v| v.get("params").cloned())
                    .and_then(|p| toml::Value::try_from(p).ok())
                    .and_then(|p| p.as_table().cloned())
                    .map(|t| t.into_iter().collect())
                    .unwrap_or_default()
            } else {
                Vec::new()
            }
        }
    }
}

/// The keyword arguments with literal defaults of the first `__init__` in
/// Python source `text` (numbers, `True`/`False`, quoted strings).
pub fn python_init_defaults(text: &str) -> Vec<(String, toml::Value)> {
    let Some(start) = text.find("def __init__(") else {
        return Vec::new();
    };
    let args_start = start + "def __init__(".len();
    let mut depth = 0usize;
    let mut end = None;
    for (i, c) in text[args_start..].char_indices() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' if depth > 0 => depth -= 1,
            ')' => {
                end = Some(args_start + i);
                break;
            }
            _ => {}
        }
    }
    let Some(end) = end else {
        return Vec::new();
    };
    split_top_level(&text[args_start..end])
        .into_iter()
        .filter_map(|arg| {
            let (left, default) = arg.split_once('=')?;
            let name = left.split(':').next()?.trim();
            if name.is_empty() || name.starts_with('*') || name == "self" {
                return None;
            }
            Some((name.to_owned(), python_literal(default.trim())?))
        })
        .collect()
}

/// `text` split at commas outside brackets and strings.
fn split_top_level(text: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    for c in text.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '(' | '[' | '{') => depth += 1,
            (None, ')' | ']' | '}') => depth = depth.saturating_sub(1),
            (None, ',') if depth == 0 => {
                parts.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    parts.push(current);
    // Drop comments and line breaks inside the argument list.
    parts
        .into_iter()
        .map(|p| {
            p.lines()
                .map(|l| l.split('#').next().unwrap_or(""))
                .collect::<Vec<_>>()
                .join(" ")
                .trim()
                .to_owned()
        })
        .filter(|p| !p.is_empty())
        .collect()
}

/// A Python literal as a TOML value, when it is a plain one.
fn python_literal(text: &str) -> Option<toml::Value> {
    match text {
        "True" => return Some(toml::Value::Boolean(true)),
        "False" => return Some(toml::Value::Boolean(false)),
        _ => {}
    }
    let unquoted = text
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .or_else(|| text.strip_prefix('\'').and_then(|t| t.strip_suffix('\'')));
    if let Some(inner) = unquoted {
        return Some(toml::Value::String(inner.to_owned()));
    }
    let digits = text.replace('_', "");
    if let Ok(n) = digits.parse::<i64>() {
        return Some(toml::Value::Integer(n));
    }
    digits
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .map(toml::Value::Float)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_keyword_defaults_in_order() {
        let source = "class Q(Strategy):\n    def __init__(self, qty=0.005, levels: int = 3,\n                 name='q', on=True, *args, cb=print, tags=(1, 2), **kw):\n        pass\n";
        let params = python_init_defaults(source);
        assert_eq!(
            params,
            vec![
                ("qty".to_owned(), toml::Value::Float(0.005)),
                ("levels".to_owned(), toml::Value::Integer(3)),
                ("name".to_owned(), toml::Value::String("q".to_owned())),
                ("on".to_owned(), toml::Value::Boolean(true)),
            ]
        );
    }

    #[test]
    fn the_shipped_queue_mm_and_the_built_in_mm() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/strategies/queue_mm.py");
        let names: Vec<String> = discover_params(path).into_iter().map(|(n, _)| n).collect();
        assert_eq!(
            names,
            ["qty", "max_position", "max_ahead", "pull_imbalance"]
        );
        assert_eq!(
            discover_params("mm"),
            vec![
                ("max_position_lots".to_owned(), toml::Value::Integer(10)),
                ("qty_lots".to_owned(), toml::Value::Integer(1)),
            ]
        );
    }

    #[test]
    fn a_rule_files_params_table() {
        let dir = tempfile::tempdir().unwrap();
        let toml_path = dir.path().join("a.rules.toml");
        std::fs::write(&toml_path, "[params]\nthreshold = 0.3\nqty = 2\n").unwrap();
        assert_eq!(
            discover_params(&toml_path.display().to_string()),
            vec![
                ("qty".to_owned(), toml::Value::Integer(2)),
                ("threshold".to_owned(), toml::Value::Float(0.3)),
            ]
        );
        let json_path = dir.path().join("b.rules.json");
        std::fs::write(&json_path, r#"{"params": {"n": 5}}"#).unwrap();
        assert_eq!(
            discover_params(&json_path.display().to_string()),
            vec![("n".to_owned(), toml::Value::Integer(5))]
        );
    }
}
