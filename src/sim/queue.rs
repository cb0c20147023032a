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

/// How a [`ProbQueue`] splits a decrease between ahead of us (`a` lots) and
/// behind us (`b` lots): the share that comes from ahead.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum QueueWeight {
    /// `f(a) / (f(a) + f(b))` with `f(x) = x^n`: the larger `n`, the more a
    /// decrease is assumed to come from the longer side of the queue
    /// (hftbacktest's `PowerProbQueueFunc`).
    Power {
        /// The exponent `n`.
        n: f64,
    },
    /// `(a / (a + b))^n`: our fraction of the way back in the queue, raised
    /// to `n`; above 1 it takes less from ahead than `Power` does
    /// (hftbacktest's `PowerProbQueueFunc3`, whose probability of a
    /// decrease behind us is `1 − (a / (a + b))^n`).
    PowerOfShare {
        /// The exponent `n`.
        n: f64,
    },
    /// `f(a) / (f(a) + f(b))` with `f(x) = ln(1 + x)` (hftbacktest's
    /// `LogProbQueueFunc`).
    Log,
}

impl QueueWeight {
    fn f(self, x: f64) -> f64 {
        let x = x.max(0.0);
        match self {
            QueueWeight::Power { n } => x.powf(n),
            QueueWeight::Log => x.ln_1p(),
            // Not a weight of each side: see `ProbQueue::share_ahead`.
            QueueWeight::PowerOfShare { .. } => x,
        }
    }
}

/// Probabilistic queue (hftbacktest's `ProbQueueModel`): cancels are split
/// between the volume ahead and behind us.
///
/// Trades at our price move us forward one for one. On a depth update the
/// decrease not explained by those trades, `d = prev − new − traded`, is
/// split: the share `s` of [`QueueWeight`] comes from ahead of us, where
/// `ahead = a` and `behind = b = prev − a`. Then
/// `ahead ← a − s·d + min(b − (1 − s)·d, 0)`, capped at the new level. An
/// increase of the level joins behind us and changes nothing but the cap.
#[derive(Clone, Copy, Debug)]
pub struct ProbQueue {
    /// The weighting function.
    pub weight: QueueWeight,
}

impl ProbQueue {
    /// Power weighting `f(x) = x^n` (`prob_power`).
    pub fn power(n: f64) -> Self {
        ProbQueue {
            weight: QueueWeight::Power { n },
        }
    }

    /// Share of the queue ahead raised to `n`, `(a / (a + b))^n`
    /// (`prob_power3`).
    pub fn power3(n: f64) -> Self {
        ProbQueue {
            weight: QueueWeight::PowerOfShare { n },
        }
    }

    /// Log weighting `f(x) = ln(1 + x)` (`prob_log`).
    pub fn log() -> Self {
        ProbQueue {
            weight: QueueWeight::Log,
        }
    }

    /// Share of a decrease that comes from ahead of us.
    fn share_ahead(&self, ahead: f64, behind: f64) -> f64 {
        if let QueueWeight::PowerOfShare { n } = self.weight {
            let level = ahead.max(0.0) + behind.max(0.0);
            return if level > 0.0 {
                (ahead.max(0.0) / level).powf(n).clamp(0.0, 1.0)
            } else {
                0.0
            };
        }
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
            QueueWeight::PowerOfShare { .. } => "prob_power3",
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
    fn prob_power3_takes_the_share_ahead_to_the_power_n() {
        // ahead 10, behind 30, n = 2: a decrease of 8 takes (10/40)^2 =
        // 1/16 from ahead: 10 − 0.5 = 9.5. prob_power with n = 2 takes
        // 100/(100 + 900) = 1/10 of it: 10 − 0.8 = 9.2.
        let mut model = ProbQueue::power3(2.0);
        let mut pos = model.on_entry(ORDER, 10);
        model.on_depth(ORDER, &mut pos, 10, 40);
        model.on_depth(ORDER, &mut pos, 40, 32);
        assert_eq!(pos.ahead_lots, 9.5);
        assert_eq!(model.name(), "prob_power3");

        let mut power = ProbQueue::power(2.0);
        let mut pos = power.on_entry(ORDER, 10);
        power.on_depth(ORDER, &mut pos, 10, 40);
        power.on_depth(ORDER, &mut pos, 40, 32);
        assert!((pos.ahead_lots - 9.2).abs() < 1e-12, "{pos:?}");

        // Alone at the back of a level of 12 with 12 ahead (b = 0): the
        // whole decrease of 5 comes from ahead: 7. With nothing ahead,
        // nothing moves.
        let mut pos = model.on_entry(ORDER, 12);
        model.on_depth(ORDER, &mut pos, 12, 7);
        assert_eq!(pos.ahead_lots, 7.0);
        let mut pos = model.on_entry(ORDER, 0);
        model.on_depth(ORDER, &mut pos, 0, 20);
        model.on_depth(ORDER, &mut pos, 20, 15);
        assert_eq!(pos.ahead_lots, 0.0);
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
