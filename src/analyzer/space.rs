//! The space a sweep explores: axes of values, each a strategy parameter
//! or a run-configuration field, from `--grid`, `--range` and the run
//! configuration's `[sweep]` table.

use super::error::SweepError;
use super::value::{parse_value, value_text};

/// One dimension of the space: a key and the values it takes, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    /// The key as written: a strategy parameter (`max_ahead`,
    /// `params.max_ahead`) or a run-configuration field by its dotted path
    /// (`queue.model`, `seed`).
    pub key: String,
    /// Its values, in the order given; never empty, no value twice.
    pub values: Vec<toml::Value>,
    /// Where it was given, for errors: `--grid max_ahead=0.2,0.5`.
    pub origin: String,
}

/// The axes of a sweep; its grid is every combination of their values.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Space {
    /// The axes, in order: the `[sweep]` table's, then every `--grid`, then
    /// every `--range`.
    pub axes: Vec<Axis>,
}

/// A point of the space: each axis's value, in axis order.
pub type Point = Vec<toml::Value>;

impl Space {
    /// The space of `[sweep]` (`table`), then the `--grid` flags
    /// (`grids`), then the `--range` flags (`ranges`), each in the order
    /// given; a key given on the command line replaces the table's axis of
    /// that key (in its place).
    pub fn parse(
        table: &toml::Table,
        grids: &[String],
        ranges: &[String],
    ) -> Result<Space, SweepError> {
        let mut space = Space::default();
        for (key, value) in flatten_sweep_table(table) {
            let origin = format!("[sweep] {key}");
            let values = match &value {
                toml::Value::Array(items) => items.clone(),
                toml::Value::String(text) if text.contains("..") => {
                    range_values(text).map_err(|reason| SweepError::new(&origin, reason))?
                }
                toml::Value::Table(range) => {
                    let part = |name: &str| {
                        range.get(name).map(value_text).ok_or_else(|| {
                            SweepError::new(
                                &origin,
                                format!(
                                    "a range needs `from`, `to` and `step`; `{name}` is missing"
                                ),
                            )
                        })
                    };
                    let text = format!("{}..{}:{}", part("from")?, part("to")?, part("step")?);
                    range_values(&text).map_err(|reason| SweepError::new(&origin, reason))?
                }
                other => vec![other.clone()],
            };
            space.push(key, values, origin, false)?;
        }
        for flag in grids {
            let origin = format!("--grid {flag}");
            let (key, list) = split_key(flag).map_err(|reason| SweepError::new(&origin, reason))?;
            let values = list.split(',').map(str::trim).map(|text| {
                if text.is_empty() {
                    Err(SweepError::new(
                        &origin,
                        "an empty value; write KEY=v1,v2,...",
                    ))
                } else {
                    Ok(parse_value(text))
                }
            });
            let values = values.collect::<Result<Vec<_>, _>>()?;
            space.push(key.to_owned(), values, origin, true)?;
        }
        for flag in ranges {
            let origin = format!("--range {flag}");
            let (key, text) = split_key(flag).map_err(|reason| SweepError::new(&origin, reason))?;
            let values = range_values(text).map_err(|reason| SweepError::new(&origin, reason))?;
            space.push(key.to_owned(), values, origin, true)?;
        }
        Ok(space)
    }

    fn push(
        &mut self,
        key: String,
        values: Vec<toml::Value>,
        origin: String,
        from_flag: bool,
    ) -> Result<(), SweepError> {
        if values.is_empty() {
            return Err(SweepError::new(&origin, "an empty list of values"));
        }
        for (i, value) in values.iter().enumerate() {
            if values[..i].contains(value) {
                return Err(SweepError::new(
                    &origin,
                    format!("the value {} is listed twice", value_text(value)),
                ));
            }
        }
        let axis = Axis {
            key,
            values,
            origin,
        };
        match self.axes.iter().position(|a| a.key == axis.key) {
            Some(i) if from_flag && !self.axes[i].origin.starts_with("--") => {
                self.axes[i] = axis;
                Ok(())
            }
            Some(i) => Err(SweepError::new(
                &axis.origin,
                format!("`{}` is already swept by {}", axis.key, self.axes[i].origin),
            )),
            None => {
                self.axes.push(axis);
                Ok(())
            }
        }
    }

    /// Number of points of the grid.
    pub fn size(&self) -> usize {
        self.axes
            .iter()
            .map(|axis| axis.values.len())
            .fold(1usize, usize::saturating_mul)
    }

    /// The point at grid position `index` (0 to [`Space::size`]): the last
    /// axis varies fastest.
    pub fn point_at(&self, index: usize) -> Point {
        let mut rest = index;
        let mut point = vec![toml::Value::Boolean(false); self.axes.len()];
        for (slot, axis) in point.iter_mut().zip(&self.axes).rev() {
            let n = axis.values.len();
            *slot = axis.values[rest % n].clone();
            rest /= n;
        }
        point
    }

    /// The point of one value index per axis.
    pub fn point_of(&self, genes: &[usize]) -> Point {
        self.axes
            .iter()
            .zip(genes)
            .map(|(axis, &i)| axis.values[i].clone())
            .collect()
    }
}

/// `KEY=rest`, with a key that is not empty.
fn split_key(flag: &str) -> Result<(&str, &str), String> {
    match flag.split_once('=') {
        Some((key, rest)) if !key.trim().is_empty() => Ok((key.trim(), rest)),
        _ => Err("write KEY=values".to_owned()),
    }
}

/// `[sweep]` entries by dotted key: a nested table that is not a range
/// (`from`/`to`/`step`) adds its name to its keys' paths.
fn flatten_sweep_table(table: &toml::Table) -> Vec<(String, toml::Value)> {
    let mut out = Vec::new();
    for (key, value) in table {
        match value {
            toml::Value::Table(inner) if !inner.contains_key("from") => {
                for (sub, v) in flatten_sweep_table(inner) {
                    out.push((format!("{key}.{sub}"), v));
                }
            }
            other => out.push((key.clone(), other.clone())),
        }
    }
    out
}

/// `from..to:step`, both ends included: integers when all three are,
/// otherwise floats rounded to the decimals written.
pub(crate) fn range_values(text: &str) -> Result<Vec<toml::Value>, String> {
    let shape = || format!("{text:?}: write from..to:step, e.g. 0.1..0.5:0.1");
    let (span, step) = text.split_once(':').ok_or_else(shape)?;
    let (from, to) = span.split_once("..").ok_or_else(shape)?;
    let parts = [from.trim(), to.trim(), step.trim()];
    let values = parts.map(parse_value);
    if values.iter().all(|v| matches!(v, toml::Value::Integer(_))) {
        let [from, to, step] = values.map(|v| v.as_integer().unwrap_or(0));
        if step <= 0 {
            return Err(format!("the step must be above 0, got {step}"));
        }
        if to < from {
            return Err(format!("the range ends ({to}) before it starts ({from})"));
        }
        let count = (to - from) / step + 1;
        if count > 1_000_000 {
            return Err(format!("{count} values; at most 1000000"));
        }
        return Ok((0..count)
            .map(|i| toml::Value::Integer(from + i * step))
            .collect());
    }
    let mut numbers = [0.0f64; 3];
    for (slot, (value, part)) in numbers.iter_mut().zip(values.iter().zip(parts)) {
        *slot = match value {
            toml::Value::Integer(i) => *i as f64,
            toml::Value::Float(f) => *f,
            _ => return Err(format!("{part:?} is not a number")),
        };
    }
    let [from, to, step] = numbers;
    if step.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) {
        return Err(format!("the step must be above 0, got {step}"));
    }
    if to < from {
        return Err(format!("the range ends ({to}) before it starts ({from})"));
    }
    let decimals = parts.iter().map(|p| decimals_of(p)).max().unwrap_or(0);
    let scale = 10f64.powi(decimals as i32);
    let count = ((to - from) / step + 1e-9).floor() as i64 + 1;
    if count > 1_000_000 {
        return Err(format!("{count} values; at most 1000000"));
    }
    Ok((0..count)
        .map(|i| toml::Value::Float(((from + i as f64 * step) * scale).round() / scale))
        .collect())
}

/// Digits after the decimal point of a number as written (`1e-4`: 4).
fn decimals_of(text: &str) -> usize {
    let lower = text.to_ascii_lowercase();
    let (mantissa, exponent) = match lower.split_once('e') {
        Some((m, e)) => (m.to_owned(), e.parse::<i64>().unwrap_or(0)),
        None => (lower.clone(), 0),
    };
    let fraction = mantissa.split_once('.').map_or(0, |(_, f)| f.len()) as i64;
    (fraction - exponent).clamp(0, 15) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(values: &[toml::Value]) -> Vec<String> {
        values.iter().map(value_text).collect()
    }

    #[test]
    fn ranges_include_both_ends_and_keep_the_written_decimals() {
        assert_eq!(texts(&range_values("1..7:3").unwrap()), ["1", "4", "7"]);
        assert_eq!(texts(&range_values("1..8:3").unwrap()), ["1", "4", "7"]);
        assert_eq!(
            texts(&range_values("0.1..0.5:0.1").unwrap()),
            ["0.1", "0.2", "0.3", "0.4", "0.5"]
        );
        assert_eq!(
            texts(&range_values("0..1:0.5").unwrap()),
            ["0.0", "0.5", "1.0"]
        );
        assert_eq!(
            range_values("1..5:0").unwrap_err(),
            "the step must be above 0, got 0"
        );
        assert_eq!(
            range_values("1..5:0.0").unwrap_err(),
            "the step must be above 0, got 0"
        );
        assert_eq!(
            range_values("5..1:1").unwrap_err(),
            "the range ends (1) before it starts (5)"
        );
        assert!(range_values("1-5")
            .unwrap_err()
            .contains("write from..to:step"));
    }

    #[test]
    fn the_grid_is_every_combination_with_the_last_axis_fastest() {
        let space = Space::parse(
            &toml::Table::new(),
            &["a=1,2".to_owned(), "b=x,y,z".to_owned()],
            &[],
        )
        .unwrap();
        assert_eq!(space.size(), 6);
        let points: Vec<String> = (0..6)
            .map(|i| texts(&space.point_at(i)).join(" "))
            .collect();
        assert_eq!(points, ["1 x", "1 y", "1 z", "2 x", "2 y", "2 z"]);
    }

    #[test]
    fn the_command_line_replaces_the_tables_axis_and_mistakes_name_the_flag() {
        let table: toml::Table = toml::from_str(
            "seed = [1, 2]\nmax_ahead = \"0.5..1.0:0.25\"\n[queue]\nmodel = [\"risk_averse\", \"prob_log\"]\n[qty]\nfrom = 1\nto = 3\nstep = 1\n",
        )
        .unwrap();
        let space = Space::parse(&table, &["seed=7".to_owned()], &[]).unwrap();
        let keys: Vec<(&str, Vec<String>)> = space
            .axes
            .iter()
            .map(|a| (a.key.as_str(), texts(&a.values)))
            .collect();
        assert_eq!(
            keys,
            [
                ("max_ahead", vec!["0.5".into(), "0.75".into(), "1.0".into()]),
                ("qty", vec!["1".into(), "2".into(), "3".into()]),
                ("queue.model", vec!["risk_averse".into(), "prob_log".into()]),
                ("seed", vec!["7".into()]),
            ]
        );
        let none = toml::Table::new();
        let err = Space::parse(&none, &["a=1,,2".to_owned()], &[]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "--grid a=1,,2: an empty value; write KEY=v1,v2,..."
        );
        let err = Space::parse(&none, &["a=".to_owned()], &[]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "--grid a=: an empty value; write KEY=v1,v2,..."
        );
        let err = Space::parse(&none, &["a=1,1".to_owned()], &[]).unwrap_err();
        assert_eq!(err.to_string(), "--grid a=1,1: the value 1 is listed twice");
        let err = Space::parse(&none, &[], &["a=1..3:0".to_owned()]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "--range a=1..3:0: the step must be above 0, got 0"
        );
        let err = Space::parse(&none, &["a=1".to_owned()], &["a=1..3:1".to_owned()]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "--range a=1..3:1: `a` is already swept by --grid a=1"
        );
    }
}
