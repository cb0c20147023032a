//! The traded instrument: its tick and lot grid, currency and fees, read from
//! `<folder>/<SYMBOL>/instrument.toml`.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Why an `instrument.toml` could not be used.
#[derive(Debug, thiserror::Error)]
pub enum InstrumentError {
    /// The file could not be read.
    #[error("{path}: cannot read instrument file: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// The file is not valid TOML, a field is missing or has the wrong type.
    /// The message names the field, line and column.
    #[error("{path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The parser's message, with line, column and field.
        message: String,
    },
    /// A field is present but its value cannot be used.
    #[error("{path}{}: field `{field}`: {reason}", line.map(|l| format!(":{l}")).unwrap_or_default())]
    Invalid {
        /// The file (or `<memory>` for an instrument built in code).
        path: PathBuf,
        /// The line of the field in the file, from 1, when read from one.
        line: Option<usize>,
        /// The field's name.
        field: &'static str,
        /// What is wrong with its value.
        reason: String,
    },
}

/// A value that does not sit on the instrument's price or lot grid.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GridError {
    /// NaN or infinite.
    #[error("{value} is not a finite number")]
    NotFinite {
        /// The offending value.
        value: f64,
    },
    /// Not a whole multiple of the grid step.
    #[error("{value} is not a multiple of the {what} {step}")]
    OffGrid {
        /// The offending value.
        value: f64,
        /// `"tick size"` or `"lot size"`.
        what: &'static str,
        /// The grid step.
        step: f64,
    },
    /// Too large to count in ticks or lots.
    #[error("{value} is out of range")]
    OutOfRange {
        /// The offending value.
        value: f64,
    },
}

/// Static description of a tradable instrument.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Instrument {
    /// Ticker as used in the data folder, e.g. `BTC-PERP`.
    pub symbol: String,
    /// Minimum price increment, in currency units.
    pub tick_size: f64,
    /// Minimum quantity increment, in base units (contracts, shares, coins).
    pub lot_size: f64,
    /// Currency of prices and cash, e.g. `USD`.
    pub currency: String,
    /// Fee rate on passive fills as a fraction of notional (negative = rebate).
    #[serde(default)]
    pub maker_fee_rate: f64,
    /// Fee rate on aggressive fills as a fraction of notional.
    #[serde(default)]
    pub taker_fee_rate: f64,
    /// Fixed fee charged on every fill, in currency units.
    #[serde(default)]
    pub fee_per_fill: f64,
    /// Currency value of one unit of price movement on one base unit.
    #[serde(default = "one")]
    pub contract_multiplier: f64,
    /// Free text: venue, origin of the data (e.g. "synthetic, see README").
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Margin an order or position needs, as a fraction of its notional:
    /// 1.0 (the default) is fully funded, 0.1 is 10× leverage.
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub initial_margin_rate: f64,
    /// Margin below which the position is liquidated, as a fraction of its
    /// notional at the mark; `None` (the default) is half the initial rate.
    /// See [`Instrument::maintenance_rate`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maintenance_margin_rate: Option<f64>,
    /// An inverse (coin-margined) contract, like BTCUSD perpetuals: one lot
    /// is `lot_size` contracts of `contract_multiplier` quote-currency
    /// units, and PnL, fees, cash and equity are in the base currency.
    #[serde(default, skip_serializing_if = "is_false")]
    pub inverse: bool,
}

fn one() -> f64 {
    1.0
}

fn is_one(value: &f64) -> bool {
    *value == 1.0
}

fn is_false(value: &bool) -> bool {
    !*value
}

impl Instrument {
    /// A plain instrument with no fees and multiplier 1, for tests and tools.
    pub fn new(symbol: &str, tick_size: f64, lot_size: f64) -> Self {
        Instrument {
            symbol: symbol.to_owned(),
            tick_size,
            lot_size,
            currency: "USD".to_owned(),
            maker_fee_rate: 0.0,
            taker_fee_rate: 0.0,
            fee_per_fill: 0.0,
            contract_multiplier: 1.0,
            description: String::new(),
            initial_margin_rate: 1.0,
            maintenance_margin_rate: None,
            inverse: false,
        }
    }

    /// The maintenance margin rate: as given, else half the initial rate.
    pub fn maintenance_rate(&self) -> f64 {
        self.maintenance_margin_rate
            .unwrap_or(self.initial_margin_rate / 2.0)
    }

    /// Reads and validates an `instrument.toml`.
    pub fn from_file(path: &Path) -> Result<Self, InstrumentError> {
        let text = std::fs::read_to_string(path).map_err(|source| InstrumentError::Io {
            path: path.to_owned(),
            source,
        })?;
        Self::from_toml_str(&text, path)
    }

    /// Parses and validates instrument TOML; `path` is only used in errors.
    pub fn from_toml_str(text: &str, path: &Path) -> Result<Self, InstrumentError> {
        let instrument: Instrument =
            toml::from_str(text).map_err(|err| InstrumentError::Parse {
                path: path.to_owned(),
                message: err.to_string().trim_end().to_owned(),
            })?;
        instrument
            .validate(path)
            .map_err(|err| err.placed_in(text))?;
        Ok(instrument)
    }

    /// Writes the instrument as TOML, with an optional leading comment block.
    pub fn to_toml_string(&self, header_comment: &str) -> String {
        let mut out = String::new();
        for line in header_comment.lines() {
            out.push_str("# ");
            out.push_str(line);
            out.push('\n');
        }
        // Serialising a plain struct of strings and floats cannot fail.
        out.push_str(&toml::to_string(self).unwrap_or_default());
        out
    }

    /// Checks every field's value; `path` is only used in errors.
    pub fn validate(&self, path: &Path) -> Result<(), InstrumentError> {
        let invalid = |field: &'static str, reason: String| InstrumentError::Invalid {
            path: path.to_owned(),
            line: None,
            field,
            reason,
        };
        if self.symbol.trim().is_empty() {
            return Err(invalid("symbol", "must not be empty".into()));
        }
        for (field, value) in [
            ("tick_size", self.tick_size),
            ("lot_size", self.lot_size),
            ("contract_multiplier", self.contract_multiplier),
        ] {
            if !(value.is_finite() && value > 0.0) {
                return Err(invalid(
                    field,
                    format!("must be a positive number, got {value}"),
                ));
            }
        }
        for (field, value, what) in [
            ("tick_size", self.tick_size, "price"),
            ("lot_size", self.lot_size, "quantity"),
        ] {
            if value < MIN_STEP {
                return Err(invalid(
                    field,
                    format!(
                        "{value:e} is too small: a {what} of {ORDINARY_MAGNITUDE} would be {:.3e} steps, more than the 2^53 counted exactly (the smallest accepted is {MIN_STEP:.3e})",
                        ORDINARY_MAGNITUDE / value
                    ),
                ));
            }
        }
        for (field, value) in [
            ("maker_fee_rate", self.maker_fee_rate),
            ("taker_fee_rate", self.taker_fee_rate),
            ("fee_per_fill", self.fee_per_fill),
        ] {
            if !value.is_finite() {
                return Err(invalid(
                    field,
                    format!("must be a finite number, got {value}"),
                ));
            }
        }
        if self.currency.trim().is_empty() {
            return Err(invalid("currency", "must not be empty".into()));
        }
        self.validate_margin(path)
    }

    /// Checks the margin rates: `0 < initial`, `0 <= maintenance <= initial`.
    fn validate_margin(&self, path: &Path) -> Result<(), InstrumentError> {
        let invalid = |field: &'static str, reason: String| InstrumentError::Invalid {
            path: path.to_owned(),
            line: None,
            field,
            reason,
        };
        let initial = self.initial_margin_rate;
        if !(initial.is_finite() && initial > 0.0) {
            return Err(invalid(
                "initial_margin_rate",
                format!("must be a positive number, got {initial}"),
            ));
        }
        let maintenance = self.maintenance_rate();
        if !(maintenance.is_finite() && (0.0..=initial).contains(&maintenance)) {
            return Err(invalid(
                "maintenance_margin_rate",
                format!("must be between 0 and initial_margin_rate ({initial}), got {maintenance}"),
            ));
        }
        Ok(())
    }

    /// Converts a price in currency units to ticks; errors when off the grid.
    pub fn ticks_from_price(&self, price: f64) -> Result<i64, GridError> {
        on_grid(price, self.tick_size, "tick size")
    }

    /// Converts a quantity in base units to lots; errors when off the grid.
    pub fn lots_from_qty(&self, qty: f64) -> Result<i64, GridError> {
        on_grid(qty, self.lot_size, "lot size")
    }

    /// Converts ticks back to a price in currency units.
    pub fn price_from_ticks(&self, ticks: i64) -> f64 {
        // Multiplying by the decimal step then rounding to its decimals gives
        // the shortest representation (30000.1, not 30000.100000000002).
        round_to_step_decimals(ticks as f64 * self.tick_size, self.tick_size)
    }

    /// The price of a trade in currency units: `ticks`, plus half a tick
    /// when `half_tick` (a trade between two ticks, see
    /// [`crate::market::flags::HALF_TICK`]).
    pub fn trade_price(&self, ticks: i64, half_tick: bool) -> f64 {
        if half_tick {
            round_to_step_decimals((ticks as f64 + 0.5) * self.tick_size, self.tick_size / 2.0)
        } else {
            self.price_from_ticks(ticks)
        }
    }

    /// Converts lots back to a quantity in base units.
    pub fn qty_from_lots(&self, lots: i64) -> f64 {
        round_to_step_decimals(lots as f64 * self.lot_size, self.lot_size)
    }

    /// Currency value of `lots` at `ticks`: price × quantity × multiplier.
    pub fn notional(&self, ticks: i64, lots: i64) -> f64 {
        self.price_from_ticks(ticks) * self.qty_from_lots(lots) * self.contract_multiplier
    }

    /// Number of decimals needed to print prices of this instrument.
    pub fn price_decimals(&self) -> usize {
        step_decimals(self.tick_size)
    }

    /// Number of decimals needed to print quantities of this instrument.
    pub fn qty_decimals(&self) -> usize {
        step_decimals(self.lot_size)
    }
}

/// Largest magnitude, in steps, that converts exactly (2^53).
const MAX_STEPS: f64 = 9_007_199_254_740_992.0;

/// A price or quantity every instrument must be able to count in ticks or
/// lots: one million currency (or base) units.
const ORDINARY_MAGNITUDE: f64 = 1e6;

/// Smallest tick or lot size: [`ORDINARY_MAGNITUDE`] in at most
/// [`MAX_STEPS`] steps (about 1.1e-10).
const MIN_STEP: f64 = ORDINARY_MAGNITUDE / MAX_STEPS;

impl InstrumentError {
    /// The same error with the line of its field in `text`, the TOML it was
    /// read from.
    fn placed_in(self, text: &str) -> Self {
        match self {
            InstrumentError::Invalid {
                path,
                line: None,
                field,
                reason,
            } => InstrumentError::Invalid {
                line: field_line(text, field),
                path,
                field,
                reason,
            },
            other => other,
        }
    }
}

/// 1-based line of the top-level key `field` in TOML `text`.
fn field_line(text: &str, field: &str) -> Option<usize> {
    let table = toml::de::DeTable::parse(text).ok()?;
    let (key, _) = table.get_ref().get_key_value(field)?;
    let start = key.span().start;
    Some(text.get(..start)?.matches('\n').count() + 1)
}

fn on_grid(value: f64, step: f64, what: &'static str) -> Result<i64, GridError> {
    if !value.is_finite() {
        return Err(GridError::NotFinite { value });
    }
    let steps = value / step;
    let rounded = steps.round();
    if rounded.abs() > MAX_STEPS {
        return Err(GridError::OutOfRange { value });
    }
    // Division by a decimal step is inexact in binary; accept errors far below
    // one step and far above float noise.
    let tolerance = 1e-6_f64.max(rounded.abs() * 1e-12);
    if (steps - rounded).abs() > tolerance {
        return Err(GridError::OffGrid { value, what, step });
    }
    // In range: |rounded| <= 2^53, so the cast is exact.
    Ok(rounded as i64)
}

fn step_decimals(step: f64) -> usize {
    (0..=12)
        .find(|&d| {
            let scaled = step * 10f64.powi(d);
            (scaled - scaled.round()).abs() < 1e-9 * scaled.max(1.0)
        })
        .unwrap_or(12) as usize
}

fn round_to_step_decimals(value: f64, step: f64) -> f64 {
    let scale = 10f64.powi(step_decimals(step) as i32);
    (value * scale).round() / scale
}

#[cfg(test)]
mod tests {
    use super::*;

    fn btc() -> Instrument {
        Instrument::new("BTC-PERP", 0.1, 0.001)
    }

    #[test]
    fn prices_convert_to_ticks_and_back() {
        let inst = btc();
        assert_eq!(inst.ticks_from_price(65000.3), Ok(650_003));
        assert_eq!(inst.price_from_ticks(650_003), 65000.3);
        assert_eq!(inst.lots_from_qty(0.007), Ok(7));
        assert_eq!(inst.qty_from_lots(7), 0.007);
    }

    #[test]
    fn off_grid_and_non_finite_are_errors() {
        let inst = btc();
        assert!(matches!(
            inst.ticks_from_price(65000.35),
            Err(GridError::OffGrid {
                what: "tick size",
                ..
            })
        ));
        assert!(matches!(
            inst.ticks_from_price(f64::NAN),
            Err(GridError::NotFinite { .. })
        ));
        assert!(matches!(
            inst.lots_from_qty(f64::INFINITY),
            Err(GridError::NotFinite { .. })
        ));
    }

    #[test]
    fn toml_round_trips_and_missing_field_is_named() {
        let inst = btc();
        let text = inst.to_toml_string("synthetic");
        let back = Instrument::from_toml_str(&text, Path::new("x.toml")).unwrap();
        assert_eq!(back, inst);

        let err =
            Instrument::from_toml_str("symbol = \"A\"\ntick_size = 0.1\n", Path::new("a.toml"))
                .unwrap_err()
                .to_string();
        assert!(err.contains("a.toml") && err.contains("lot_size"), "{err}");
    }

    #[test]
    fn invalid_values_name_the_field() {
        let text = "symbol = \"A\"\ntick_size = -1.0\nlot_size = 1.0\ncurrency = \"USD\"\n";
        let err = Instrument::from_toml_str(text, Path::new("a.toml")).unwrap_err();
        assert!(
            matches!(
                err,
                InstrumentError::Invalid {
                    field: "tick_size",
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn bad_grid_steps_are_reported_at_their_line() {
        let cases = [
            ("tick_size = 0.0", "tick_size", 3, "must be a positive number, got 0"),
            ("tick_size = -0.5", "tick_size", 3, "must be a positive number, got -0.5"),
            ("tick_size = nan", "tick_size", 3, "must be a positive number, got NaN"),
            ("tick_size = 1e-300", "tick_size", 3, "1e-300 is too small: a price of 1000000 would be 1.000e306 steps, more than the 2^53 counted exactly (the smallest accepted is 1.110e-10)"),
        ];
        for (tick_line, field, line, reason) in cases {
            let text = format!("symbol = \"A\"\ncurrency = \"USD\"\n{tick_line}\nlot_size = 1.0\n");
            let err = Instrument::from_toml_str(&text, Path::new("A/instrument.toml")).unwrap_err();
            assert_eq!(
                err.to_string(),
                format!("A/instrument.toml:{line}: field `{field}`: {reason}")
            );
        }
        let text = "symbol = \"A\"\ntick_size = 0.01\n\n\nlot_size = 1e-12\ncurrency = \"USD\"\n";
        let err = Instrument::from_toml_str(text, Path::new("i.toml")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "i.toml:5: field `lot_size`: 1e-12 is too small: a quantity of 1000000 would be 1.000e18 steps, more than the 2^53 counted exactly (the smallest accepted is 1.110e-10)"
        );
        // The smallest real tick sizes (1e-8, Databento's 1e-9) are fine.
        let text = "symbol = \"A\"\ntick_size = 1e-9\nlot_size = 1e-8\ncurrency = \"USD\"\n";
        assert!(Instrument::from_toml_str(text, Path::new("i.toml")).is_ok());
    }

    #[test]
    fn decimals_follow_the_step() {
        assert_eq!(btc().price_decimals(), 1);
        assert_eq!(btc().qty_decimals(), 3);
        assert_eq!(Instrument::new("X", 0.01, 1.0).qty_decimals(), 0);
    }
}
