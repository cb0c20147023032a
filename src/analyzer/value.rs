//! Values written on the command line (`--grid seed=1,2`), read as TOML
//! values: integers, floats, booleans, otherwise text.

/// `text` as the TOML value it spells: `3` an integer, `0.5` or `1e-4` a
/// float, `true` a boolean, anything else (or a quoted `"3"`) text.
pub(crate) fn parse_value(text: &str) -> toml::Value {
    let text = text.trim();
    if let Some(inner) = text
        .strip_prefix('"')
        .and_then(|rest| rest.strip_suffix('"'))
    {
        return toml::Value::String(inner.to_owned());
    }
    let digits = text.replace('_', "");
    if let Ok(int) = digits.parse::<i64>() {
        return toml::Value::Integer(int);
    }
    if let Ok(float) = digits.parse::<f64>() {
        if float.is_finite()
            && digits.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '+' || c == '.')
        {
            return toml::Value::Float(float);
        }
    }
    match text {
        "true" => toml::Value::Boolean(true),
        "false" => toml::Value::Boolean(false),
        _ => toml::Value::String(text.to_owned()),
    }
}

/// A value as a column cell and in messages: text without quotes,
/// numbers as TOML writes them.
pub(crate) fn value_text(value: &toml::Value) -> String {
    match value {
        toml::Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// The value as a number, for numeric columns and the genetic search.
pub(crate) fn value_number(value: &toml::Value) -> Option<f64> {
    match value {
        toml::Value::Integer(int) => Some(*int as f64),
        toml::Value::Float(float) => Some(*float),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_read_as_their_toml_type() {
        assert_eq!(parse_value("3"), toml::Value::Integer(3));
        assert_eq!(parse_value("1_000"), toml::Value::Integer(1000));
        assert_eq!(parse_value("-0.5"), toml::Value::Float(-0.5));
        assert_eq!(parse_value("1e-4"), toml::Value::Float(1e-4));
        assert_eq!(parse_value("true"), toml::Value::Boolean(true));
        assert_eq!(
            parse_value("prob_power"),
            toml::Value::String("prob_power".into())
        );
        assert_eq!(parse_value("\"3\""), toml::Value::String("3".into()));
        assert_eq!(parse_value("inf"), toml::Value::String("inf".into()));
        assert_eq!(value_text(&toml::Value::Float(0.2)), "0.2");
        assert_eq!(value_text(&toml::Value::String("fifo".into())), "fifo");
    }
}
