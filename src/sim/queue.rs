//! Queue-position models: how much volume rests ahead of our order at its
//! price level, estimated from what the market data shows.
//!
//! With L2 data the exchange only shows the total at each price, so where our
//! order sits in that queue is an estimate. Each model is a small struct with
//! its rule in its doc comment; the exchange calls it on entry, on every trade
//! at our price and on every depth update of our level.
//!
//! Contract shared by all models: after [`QueueModel::on_trade`], a negative
//! `ahead_lots` means that much traded volume reached our order; the exchange
//! fills that much (in whole lots) and sets `ahead_lots` back to 0.

use crate::market::{MarketEvent, Side};
use crate::sim::order::OrderId;

/// Where one of our resting orders stands in its level's queue.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct QueuePos {
    /// Market volume estimated to rest ahead of the order at its price, in
    /// lots (fractional for probabilistic models).
    pub ahead_lots: f64,
    /// Volume traded at the level since its last depth update, in lots, so
    /// that the depth update that follows a trade is not counted twice.
    pub traded_since_depth_lots: i64,
}

/// Which order a queue model is asked about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QueueOrder {
    /// Our order's id.
    pub id: OrderId,
    /// Its side (bid for a buy, ask for a sell).
    pub side: Side,
    /// Its price in ticks.
    pub price_ticks: i64,
}

/// A queue-position model.
pub trait QueueModel: Send {
    /// Short name for records and logs, e.g. `"risk_averse"`.
    fn name(&self) -> &'static str;

    /// Our order joins the back of its level, which holds `level_lots` of
    /// market volume on the exchange book at arrival.
    fn on_entry(&mut self, order: QueueOrder, level_lots: i64) -> QueuePos {
        let _ = order;
        QueuePos {
            ahead_lots: level_lots.max(0) as f64,
            traded_since_depth_lots: 0,
        }
    }

    /// `trade_lots` traded at our order's price, against our side.
    fn on_trade(&mut self, order: QueueOrder, pos: &mut QueuePos, trade_lots: i64) {
        let _ = order;
        pos.ahead_lots -= trade_lots as f64;
        pos.traded_since_depth_lots += trade_lots;
    }

    /// The market volume at our order's level went from `prev_lots` to
    /// `new_lots` (a depth update of that price).
    fn on_depth(&mut self, order: QueueOrder, pos: &mut QueuePos, prev_lots: i64, new_lots: i64);

    /// Hook for order-by-order (L3) data: every add, modify, cancel or fill
    /// message of the market, whatever its price, and every clear, before
    /// our orders are updated. An exact FIFO model keeps the market's orders
    /// by `ev.order_id` here, so that [`QueueModel::on_l3_at_level`] can
    /// tell whether a message is ahead of ours. L2 models ignore it.
    fn observe_l3(&mut self, ev: &MarketEvent) {
        let _ = ev;
    }

    /// Hook for L3 data: a market order-by-order message on our order's
    /// side, just after [`QueueModel::observe_l3`] saw it. It may concern
    /// our level even at another price (a modify that moves an order away
    /// from our price), so the model checks. An exact FIFO model reduces
    /// `ahead_lots` only for orders that were in front of ours; it never
    /// makes it negative (fills come from trades, see
    /// [`QueueModel::on_trade`]). L2 models ignore it.
    fn on_l3_at_level(&mut self, order: QueueOrder, pos: &mut QueuePos, ev: &MarketEvent) {
        let _ = (order, pos, ev);
    }

    /// Market volume resting at our order's level as the model's own
    /// order-by-order book knows it (with the volume ahead of us that no
    /// known order accounts for), in lots; `None` for models without one or
    /// for an order the model does not follow.
    fn l3_level_lots(&self, order: QueueOrder) -> Option<i64> {
        let _ = order;
        None
    }

    /// Our order left the book (filled, canceled, or re-entered after losing
    /// priority): stateful models drop what they keep for it.
    fn on_exit(&mut self, order: OrderId) {
        let _ = order;
    }
}

/// Risk-averse queue: only trades at our price move us forward.
///
/// `ahead ← ahead − trade` on a trade at our price; on a depth update every
/// decrease is assumed to come from behind us, except that the volume ahead
/// can never exceed what the level holds: `ahead ← min(ahead, new_level)`.
#[derive(Clone, Copy, Debug, Default)]
pub struct RiskAverseQueue;

impl QueueModel for RiskAverseQueue {
    fn name(&self) -> &'static str {
        "risk_averse"
    }

    fn on_depth(&mut self, _order: QueueOrder, pos: &mut QueuePos, _prev: i64, new_lots: i64) {
        pos.traded_since_depth_lots = 0;
        pos.ahead_lots = pos.ahead_lots.min(new_lots.max(0) as f64);
    }
}

/// The weighting function of a [`ProbQueue`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum QueueWeight {
    /// `f(x) = x^n`: the larger `n`, the more a decrease is assumed to come
    /// from the longer side of the queue.
    Power {
        /// The exponent `n`.
        n: f64,
    },
    /// `f(x) = ln(1 + x)`.
    Log,
}

impl QueueWeight {
    fn f(self, x: f64) -> f64 {
        let x = x.max(0.0);
        match self {
            QueueWeight::Power { n } => x.powf(n),
            QueueWeight::Log => x.ln_1p(),
        }
    }
}

/// Probabilistic queue (as documented by hftbacktest's `ProbQueueModel`):
/// cancels are split between the volume ahead and behind us.
///
/// Trades at our price move us forward one for one. On a depth update the
/// decrease not explained by those trades, `d = prev − new − traded`, is
/// split: the share `f(ahead) / (f(ahead) + f(behind))` comes from ahead of
/// us, where `behind = prev − ahead` and `f` is [`QueueWeight`]. Then
/// `ahead ← ahead − share·d + min(behind − (1 − share)·d, 0)`, capped at the
/// new level. An increase of the level joins behind us and changes nothing
/// but the cap.
#[derive(Clone, Copy, Debug)]
pub struct ProbQueue {
    /// The weighting function.
    pub weight: QueueWeight,
}

impl ProbQueue {
    /// Power weighting `f(x) = x^n`.
    pub fn power(n: f64) -> Self {
        ProbQueue {
            weight: QueueWeight::Power { n },
        }
    }

    /// Log weighting `f(x) = ln(1 + x)`.
    pub fn log() -> Self {
        ProbQueue {
            weight: QueueWeight::Log,
        }
    }

    /// Share of a decrease that comes from ahead of us.
    fn share_ahead(&self, ahead: f64, behind: f64) -> f64 {
        let (fa, fb) = (self.weight.f(ahead), self.weight.f(behind));
        let total = fa + fb;
        if total > 0.0 && total.is_finite() {
            fa / total
        } else if ahead > 0.0 && behind <= 0.0 {
            1.0
        } else {
            // Nothing on either side, or both sides overflow: split evenly
            // when there is volume ahead, else nothing comes from ahead.
            if ahead > 0.0 {
                0.5
            } else {
                0.0
            }
        }
    }
}

impl QueueModel for ProbQueue {
    fn name(&self) -> &'static str {
        match self.weight {
            QueueWeight::Power { .. } => "prob_power",
            QueueWeight::Log => "prob_log",
        }
    }

    fn on_depth(&mut self, _order: QueueOrder, pos: &mut QueuePos, prev: i64, new_lots: i64) {
        let decrease = (prev - new_lots - pos.traded_since_depth_lots) as f64;
        pos.traded_since_depth_lots = 0;
        let cap = new_lots.max(0) as f64;
        if decrease <= 0.0 {
            pos.ahead_lots = pos.ahead_lots.min(cap);
            return;
        }
        let ahead = pos.ahead_lots.max(0.0);
        let behind = prev as f64 - ahead;
        let share = self.share_ahead(ahead, behind);
        let estimate = ahead - share * decrease + (behind - (1.0 - share) * decrease).min(0.0);
        pos.ahead_lots = estimate.clamp(0.0, cap);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORDER: QueueOrder = QueueOrder {
        id: OrderId(1),
        side: Side::Buy,
        price_ticks: 100,
    };

    #[test]
    fn risk_averse_only_trades_move_and_level_caps() {
        let mut model = RiskAverseQueue;
        let mut pos = model.on_entry(ORDER, 30);
        model.on_trade(ORDER, &mut pos, 10);
        assert_eq!(pos.ahead_lots, 20.0);
        model.on_depth(ORDER, &mut pos, 20, 15);
        assert_eq!(pos.ahead_lots, 15.0);
        model.on_depth(ORDER, &mut pos, 15, 40);
        assert_eq!(pos.ahead_lots, 15.0);
    }

    #[test]
    fn prob_power_splits_by_queue_shape() {
        // ahead 10, behind 30, n = 1: a decrease of 8 takes 10/40 = 1/4 from
        // ahead: 10 − 2 = 8.
        let mut model = ProbQueue::power(1.0);
        let mut pos = model.on_entry(ORDER, 10);
        model.on_depth(ORDER, &mut pos, 10, 40);
        model.on_depth(ORDER, &mut pos, 40, 32);
        assert!((pos.ahead_lots - 8.0).abs() < 1e-12, "{pos:?}");
    }

    #[test]
    fn prob_does_not_count_trades_twice() {
        let mut model = ProbQueue::log();
        let mut pos = model.on_entry(ORDER, 20);
        model.on_trade(ORDER, &mut pos, 5);
        model.on_depth(ORDER, &mut pos, 20, 15);
        assert_eq!(pos.ahead_lots, 15.0);
    }
}
