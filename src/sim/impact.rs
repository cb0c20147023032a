//! Market impact for data without depth (L1 quotes or trades only), where an
//! aggressive order cannot walk a book.

use crate::market::Side;
use crate::sim::update::Reason;

/// Prices an aggressive order when the book's depth is unknown.
pub trait ImpactModel: Send {
    /// Short name for records and logs, e.g. `"sqrt"`.
    fn name(&self) -> &'static str;

    /// Price in ticks at which an aggressive order of `qty_lots` on `side`
    /// fills whole, given the reference price `ref_price_ticks` (the touch on
    /// the other side, or the last trade when there is no quote) and the
    /// volume visible there, `visible_lots`. An order the market could not
    /// absorb is refused with a reason.
    fn taker_price_ticks(
        &self,
        side: Side,
        qty_lots: i64,
        ref_price_ticks: i64,
        visible_lots: i64,
    ) -> Result<i64, Reason>;
}

/// Square-root impact: the price moves against the taker by
/// `k · σ · √(qty / ADV)` ticks, rounded to the tick away from the taker,
/// where `σ` is the daily volatility in ticks and `ADV` the average daily
/// volume in lots. An order larger than `max_share_of_visible` of the visible
/// volume is rejected (liquidity limit). The impact is temporary: it prices
/// this order only and does not move the book.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SqrtImpact {
    /// Impact coefficient `k` (dimensionless, typically 0.5–1).
    pub k: f64,
    /// Daily volatility of the price, in ticks.
    pub daily_vol_ticks: f64,
    /// Average daily volume, in lots.
    pub adv_lots: f64,
    /// Largest order as a share of the visible volume (e.g. 1.0 = all of it).
    pub max_share_of_visible: f64,
}

impl SqrtImpact {
    /// Price move against the taker for `qty_lots`, in (fractional) ticks.
    pub fn move_ticks(&self, qty_lots: i64) -> f64 {
        if self.adv_lots <= 0.0 {
            return 0.0;
        }
        self.k * self.daily_vol_ticks * (qty_lots.max(0) as f64 / self.adv_lots).sqrt()
    }
}

impl ImpactModel for SqrtImpact {
    fn name(&self) -> &'static str {
        "sqrt"
    }

    fn taker_price_ticks(
        &self,
        side: Side,
        qty_lots: i64,
        ref_price_ticks: i64,
        visible_lots: i64,
    ) -> Result<i64, Reason> {
        let max_lots = (self.max_share_of_visible * visible_lots.max(0) as f64).floor() as i64;
        if qty_lots > max_lots {
            return Err(Reason::LiquidityLimit { qty_lots, max_lots });
        }
        let moved = self.move_ticks(qty_lots);
        let price = match side {
            Side::Sell => (ref_price_ticks as f64 - moved).floor(),
            _ => (ref_price_ticks as f64 + moved).ceil(),
        };
        Ok(price as i64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqrt_impact_moves_against_the_taker_and_limits_size() {
        let model = SqrtImpact {
            k: 1.0,
            daily_vol_ticks: 100.0,
            adv_lots: 10_000.0,
            max_share_of_visible: 0.5,
        };
        // 100 · √(100/10000) = 10 ticks.
        assert_eq!(model.taker_price_ticks(Side::Buy, 100, 1000, 400), Ok(1010));
        assert_eq!(model.taker_price_ticks(Side::Sell, 100, 1000, 400), Ok(990));
        assert_eq!(
            model.taker_price_ticks(Side::Buy, 300, 1000, 400),
            Err(Reason::LiquidityLimit {
                qty_lots: 300,
                max_lots: 200
            })
        );
    }
}
