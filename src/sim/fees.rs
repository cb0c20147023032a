//! Fee models: what each fill costs.

use crate::market::Instrument;
use crate::sim::update::Liquidity;

/// What the venue charges for a fill.
pub trait FeeModel: Send {
    /// Short name for records and logs, e.g. `"maker_taker"`.
    fn name(&self) -> &'static str;

    /// Fee in currency units for a fill of `qty_lots` worth `notional`
    /// currency units, as maker or taker (negative = rebate).
    fn fee(&self, notional: f64, qty_lots: i64, liquidity: Liquidity) -> f64;
}

/// Maker/taker rates on notional plus a fixed fee per fill:
/// `fee = rate · notional + per_fill`, with `rate` the maker rate on passive
/// fills and the taker rate on aggressive ones (a negative rate is a rebate).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MakerTakerFees {
    /// Fraction of notional charged on maker fills (e.g. -0.0001 = 1 bp rebate).
    pub maker_rate: f64,
    /// Fraction of notional charged on taker fills (e.g. 0.0005 = 5 bp).
    pub taker_rate: f64,
    /// Fixed fee per fill, currency units.
    pub per_fill: f64,
}

impl MakerTakerFees {
    /// The instrument's own fee schedule.
    pub fn from_instrument(instrument: &Instrument) -> Self {
        MakerTakerFees {
            maker_rate: instrument.maker_fee_rate,
            taker_rate: instrument.taker_fee_rate,
            per_fill: instrument.fee_per_fill,
        }
    }
}

impl FeeModel for MakerTakerFees {
    fn name(&self) -> &'static str {
        "maker_taker"
    }

    fn fee(&self, notional: f64, _qty_lots: i64, liquidity: Liquidity) -> f64 {
        let rate = match liquidity {
            Liquidity::Maker => self.maker_rate,
            Liquidity::Taker => self.taker_rate,
        };
        rate * notional.abs() + self.per_fill
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maker_rebate_and_taker_fee() {
        let fees = MakerTakerFees {
            maker_rate: -0.0001,
            taker_rate: 0.0005,
            per_fill: 0.5,
        };
        assert!((fees.fee(10_000.0, 1, Liquidity::Maker) - (-1.0 + 0.5)).abs() < 1e-12);
        assert!((fees.fee(10_000.0, 1, Liquidity::Taker) - (5.0 + 0.5)).abs() < 1e-12);
    }
}
