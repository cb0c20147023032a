//! The order flow: what each exchange message does to the book.
//!
//! A message is one of
//! - a limit order joining a level: liquidity providers quote around the
//!   fair price, mostly at or near the touch, with a long tail of deeper
//!   orders; when the spread is wide they step inside it, so it refills;
//! - a cancel: cancels hit levels in proportion to their size, several times
//!   more often near the touch, and most often quotes that the fair price
//!   has moved through (stale quotes are pulled);
//! - a market order: its side leans towards the fair price, with some
//!   persistence; it takes the touch and sometimes sweeps several levels,
//!   more often and harder when the book lags the fair price. Most orders
//!   larger than the touch are limit orders at the touch price: they take
//!   the touch only, and some rest their remainder there.
//!
//! Adds and cancels balance at a set number of resting orders per side, and
//! a side that runs short of levels is refilled over its usual depth.

use crate::market::{MarketEvent, Side};

use super::book_sim::SimBook;
use super::random::Sampler;
use super::spec::BookParams;

/// Share of adds placed exactly at the quote.
const AT_QUOTE_SHARE: f64 = 0.3;
/// Share of adds that improve a wide spread by one tick.
const IMPROVE_SHARE: f64 = 0.5;
/// Extra add weight per tick of spread beyond one.
const WIDE_SPREAD_ADD_BOOST_PER_TICK: f64 = 0.5;
/// Cancel weight of a level at the touch relative to a deep one, minus one.
const NEAR_TOUCH_CANCEL_BOOST: f64 = 5.0;
/// Distance over which the near-touch cancel boost fades, in ticks.
const NEAR_TOUCH_CANCEL_TICKS: f64 = 2.0;
/// Cancel weight of a stale quote, per tick it is through the fair price.
const STALE_CANCEL_WEIGHT_PER_TICK: f64 = 4.0;
/// Cancel weight a side gains per stale level (a level the fair price has
/// moved through), relative to the weight of one add.
const STALE_SIDE_CANCEL_WEIGHT: f64 = 1.0;
/// Chance that a stale quote is pulled whole rather than reduced.
const STALE_PULL_SHARE: f64 = 0.3;
/// How strongly market orders lean towards the fair price (per tick).
const AGGRESSOR_LEAN_PER_TICK: f64 = 1.2;
/// Chance that a market order repeats the side of the last one when the
/// book sits at the fair price.
const AGGRESSOR_PERSISTENCE: f64 = 0.4;
/// Extra market-order share per tick the mid lags the fair price.
const LAG_MARKET_ORDER_BOOST: f64 = 0.3;
/// Highest share of messages that are market orders.
const MAX_MARKET_ORDER_SHARE: f64 = 0.35;
/// Share of market orders larger than the touch that are limit orders at
/// the touch price (they take the touch only).
const MARKETABLE_LIMIT_SHARE: f64 = 0.7;
/// Share of those whose remainder rests on the book at that price.
const REST_REMAINDER_SHARE: f64 = 0.4;
/// Levels a market order always leaves on the side it takes from.
const LEVELS_LEFT_BY_SWEEP: usize = 8;

/// Decides and applies the messages of the day.
pub(crate) struct OrderFlow {
    params: BookParams,
    half_spread_ticks: f64,
    /// Mean size of a limit order, in lots.
    mean_order_lots: f64,
    /// `ln(max_distance + 1)`, for log-uniform distances.
    log_distance_span: f64,
    /// Cancel weight per lot by distance behind the quote, in ticks.
    cancel_weight_by_distance: Vec<f64>,
    last_aggressor: Side,
}

impl OrderFlow {
    /// The flow of a book with `params`, quoting `half_spread_ticks` around
    /// the fair price.
    pub(crate) fn new(params: &BookParams, half_spread_ticks: f64) -> Self {
        let max_distance = params.max_distance_ticks.max(1);
        let cancel_weight_by_distance = (0..=2 * max_distance)
            .map(|d| {
                1.0 + NEAR_TOUCH_CANCEL_BOOST * (-f64::from(d) / NEAR_TOUCH_CANCEL_TICKS).exp()
            })
            .collect();
        OrderFlow {
            params: params.clone(),
            half_spread_ticks,
            mean_order_lots: (params.median_order_lots
                * (0.5 * params.order_size_sigma.powi(2)).exp())
            .max(1.0),
            log_distance_span: f64::from(max_distance + 1).ln(),
            cancel_weight_by_distance,
            last_aggressor: Side::Buy,
        }
    }

    /// A fresh book around `fair_ticks`: most ticks out to the maximum
    /// distance hold a level of a few orders.
    pub(crate) fn seed_book(&self, fair_ticks: f64, rng: &mut Sampler) -> SimBook {
        let mut book = SimBook::new();
        for side in [Side::Buy, Side::Sell] {
            let quote = self.quote_ticks(side, fair_ticks);
            let book_side = book.side_mut(side);
            for distance in 0..i64::from(self.params.max_distance_ticks) {
                if distance > 0 && rng.chance(0.2) {
                    continue;
                }
                let price = book_side.behind(quote, distance).max(1);
                let orders = 1 + rng.geometric(0.4);
                for _ in 0..orders {
                    let lots = self.order_lots(rng);
                    book_side.add(price, lots);
                }
            }
        }
        book
    }

    /// Applies one message at `exch_ts` to `book`, appending its events to
    /// `out` (exchange time only; the caller sets local time and flags).
    pub(crate) fn message(
        &mut self,
        book: &mut SimBook,
        fair_ticks: f64,
        exch_ts: i64,
        rng: &mut Sampler,
        out: &mut Vec<MarketEvent>,
    ) {
        let lag_ticks = book.mid_ticks().map_or(0.0, |mid| fair_ticks - mid);
        let market_order_share = (self.params.market_order_share
            * (1.0 + LAG_MARKET_ORDER_BOOST * (lag_ticks.abs() - 1.0).max(0.0)))
        .min(MAX_MARKET_ORDER_SHARE);
        if rng.chance(market_order_share) {
            let aggressor = self.aggressor(lag_ticks, rng);
            if self.market_order(book, aggressor, lag_ticks, exch_ts, rng, out) {
                return;
            }
        }
        // Adds and cancels: a side's cancel weight grows with its resting
        // orders, so each side settles where the two balance.
        let spread_ticks = match (book.bids.best_ticks(), book.asks.best_ticks()) {
            (Some(bid), Some(ask)) => ask - bid,
            _ => 1,
        };
        // A wide spread draws liquidity providers in.
        let wide_spread_boost =
            (1.0 + WIDE_SPREAD_ADD_BOOST_PER_TICK * (spread_ticks - 1) as f64).min(4.0);
        let weights = [Side::Buy, Side::Sell].map(|side| {
            let own = book.side(side);
            let thin_boost = if own.len() < self.params.min_levels {
                2.0
            } else {
                1.0
            };
            let add = thin_boost * wide_spread_boost;
            let cancel = if own.len() <= LEVELS_LEFT_BY_SWEEP {
                0.0
            } else {
                let quote = self.quote_ticks(side, fair_ticks);
                let stale_levels = own
                    .levels()
                    .iter()
                    .take_while(|level| own.distance_ticks(quote, level.price_ticks) < 0)
                    .count();
                own.total_lots() as f64
                    / (self.mean_order_lots * self.params.resting_orders_per_side.max(1.0))
                    + STALE_SIDE_CANCEL_WEIGHT * stale_levels as f64
            };
            (add, cancel)
        });
        let total: f64 = weights.iter().map(|(add, cancel)| add + cancel).sum();
        let mut pick = rng.uniform() * total;
        for (side, (add, cancel)) in [Side::Buy, Side::Sell].into_iter().zip(weights) {
            if pick < add {
                self.add(book, side, fair_ticks, exch_ts, rng, out);
                return;
            }
            pick -= add;
            if pick < cancel {
                self.cancel(book, side, fair_ticks, exch_ts, rng, out);
                return;
            }
            pick -= cancel;
        }
        // Rounding left the pick past the end: add to the thinner side.
        let side = if book.bids.len() <= book.asks.len() {
            Side::Buy
        } else {
            Side::Sell
        };
        self.add(book, side, fair_ticks, exch_ts, rng, out);
    }

    /// Price at which providers on `side` quote around `fair_ticks`.
    fn quote_ticks(&self, side: Side, fair_ticks: f64) -> i64 {
        if side == Side::Buy {
            (fair_ticks - self.half_spread_ticks).floor() as i64
        } else {
            (fair_ticks + self.half_spread_ticks).ceil() as i64
        }
    }

    /// A limit order joins `side`.
    fn add(
        &self,
        book: &mut SimBook,
        side: Side,
        fair_ticks: f64,
        exch_ts: i64,
        rng: &mut Sampler,
        out: &mut Vec<MarketEvent>,
    ) {
        let quote = self.quote_ticks(side, fair_ticks);
        let (own, opposite) = book.side_and_opposite(side);
        let spread_ticks = match (own.best_ticks(), opposite.best_ticks()) {
            (Some(best), Some(opposite_best)) => (opposite_best - best).abs(),
            _ => 0,
        };
        let max_distance = i64::from(self.params.max_distance_ticks);
        let price = match own.best_ticks() {
            _ if own.len() < self.params.min_levels && rng.chance(0.5) => {
                // Refill a thin side anywhere over its usual depth.
                own.behind(quote, rng.below(max_distance as usize + 1) as i64)
            }
            Some(best) if spread_ticks > 1 && rng.chance(IMPROVE_SHARE) => own.behind(best, -1),
            _ => {
                let distance = if rng.chance(AT_QUOTE_SHARE) {
                    0
                } else {
                    ((rng.uniform() * self.log_distance_span).exp() - 1.0).floor() as i64
                };
                own.behind(quote, distance)
            }
        };
        // Never cross the opposite side (that would be a market order) and
        // never quote at or below zero.
        let price = match opposite.best_ticks() {
            Some(opposite_best) if own.distance_ticks(opposite_best, price) <= 0 => {
                own.behind(opposite_best, 1)
            }
            _ => price,
        }
        .max(1);
        let lots = self.order_lots(rng);
        let new_lots = own.add(price, lots);
        out.push(MarketEvent::depth(exch_ts, side, price, new_lots));
    }

    /// An order on `side` is cancelled, or its size reduced.
    fn cancel(
        &self,
        book: &mut SimBook,
        side: Side,
        fair_ticks: f64,
        exch_ts: i64,
        rng: &mut Sampler,
        out: &mut Vec<MarketEvent>,
    ) {
        let quote = self.quote_ticks(side, fair_ticks);
        let own = book.side_mut(side);
        let max_distance = i64::from(self.params.max_distance_ticks);
        let is_too_far = |price: i64| own.distance_ticks(quote, price) > 2 * max_distance;
        if own.len() > self.params.max_levels || own.farthest_ticks().is_some_and(is_too_far) {
            let index = own.len() - 1;
            let price = own.levels()[index].price_ticks;
            own.remove_lots(index, i64::MAX);
            out.push(MarketEvent::depth(exch_ts, side, price, 0));
            return;
        }
        let weight = |distance: i64, lots: i64| -> f64 {
            let per_lot = if distance < 0 {
                STALE_CANCEL_WEIGHT_PER_TICK * (-distance) as f64
            } else {
                let index = (distance as usize).min(self.cancel_weight_by_distance.len() - 1);
                self.cancel_weight_by_distance[index]
            };
            per_lot * lots as f64
        };
        let total: f64 = own
            .levels()
            .iter()
            .map(|level| weight(own.distance_ticks(quote, level.price_ticks), level.lots))
            .sum();
        let mut pick = rng.uniform() * total;
        let mut index = own.len() - 1;
        for (i, level) in own.levels().iter().enumerate() {
            pick -= weight(own.distance_ticks(quote, level.price_ticks), level.lots);
            if pick < 0.0 {
                index = i;
                break;
            }
        }
        let level = own.levels()[index];
        let is_stale = own.distance_ticks(quote, level.price_ticks) < 0;
        let lots = if is_stale && rng.chance(STALE_PULL_SHARE) {
            level.lots
        } else {
            self.order_lots(rng)
        };
        let new_lots = own.remove_lots(index, lots);
        out.push(MarketEvent::depth(
            exch_ts,
            side,
            level.price_ticks,
            new_lots,
        ));
    }

    /// The side of the next market order.
    fn aggressor(&mut self, lag_ticks: f64, rng: &mut Sampler) -> Side {
        let side = if lag_ticks.abs() < 1.0 && rng.chance(AGGRESSOR_PERSISTENCE) {
            self.last_aggressor
        } else {
            let buy_chance = 1.0 / (1.0 + (-AGGRESSOR_LEAN_PER_TICK * lag_ticks).exp());
            if rng.chance(buy_chance) {
                Side::Buy
            } else {
                Side::Sell
            }
        };
        self.last_aggressor = side;
        side
    }

    /// A market order of `aggressor` takes liquidity: one trade per level it
    /// reaches, then the new quantity of each of those levels. Returns false
    /// (and does nothing) when the side is too thin to take from.
    fn market_order(
        &self,
        book: &mut SimBook,
        aggressor: Side,
        lag_ticks: f64,
        exch_ts: i64,
        rng: &mut Sampler,
        out: &mut Vec<MarketEvent>,
    ) -> bool {
        let (own, passive) = book.side_and_opposite(aggressor);
        if passive.len() <= LEVELS_LEFT_BY_SWEEP {
            return false;
        }
        let reachable = passive.len() - LEVELS_LEFT_BY_SWEEP;
        let leaning = (lag_ticks * aggressor.sign() as f64 - 1.0).max(0.0);
        let sweep_share = (self.params.sweep_share * (1.0 + 0.5 * leaning)).min(0.7);
        let is_sweep = rng.chance(sweep_share);
        let mut lots = if is_sweep {
            let levels = (2 + rng.geometric(0.55) as usize + leaning as usize).min(reachable);
            let through: i64 = passive.levels()[..levels - 1]
                .iter()
                .map(|level| level.lots)
                .sum();
            let last = passive.levels()[levels - 1].lots;
            through + ((last as f64 * rng.uniform()).ceil() as i64).clamp(1, last)
        } else {
            let median = self.params.median_market_order_lots * (1.0 + 0.5 * leaning);
            round_size(
                rng.lognormal(median, self.params.market_order_sigma),
                0.3,
                rng,
            )
        };
        let reachable_lots: i64 = passive.levels()[..reachable]
            .iter()
            .map(|level| level.lots)
            .sum();
        lots = lots.clamp(1, reachable_lots);
        // Most orders larger than the touch are marketable limit orders at
        // the touch price: they take the touch only, and part of them rest
        // on the book at that price, which becomes the new best.
        let touch = passive.levels()[0];
        let mut resting_lots = 0;
        if !is_sweep && lots > touch.lots && rng.chance(MARKETABLE_LIMIT_SHARE) {
            if rng.chance(REST_REMAINDER_SHARE) {
                resting_lots = lots - touch.lots;
            }
            lots = touch.lots;
        }
        // Trades first, one per level reached, then the new quantity of each
        // of those levels, all in the same message.
        let first_trade = out.len();
        let mut touched = 0;
        for level in passive.levels() {
            if lots == 0 {
                break;
            }
            let taken = lots.min(level.lots);
            out.push(MarketEvent::trade(
                exch_ts,
                aggressor,
                level.price_ticks,
                taken,
            ));
            lots -= taken;
            touched += 1;
        }
        for index in 0..touched {
            let level = passive.levels()[index];
            let taken = out[first_trade + index].qty;
            out.push(MarketEvent::depth(
                exch_ts,
                passive.side(),
                level.price_ticks,
                level.lots - taken,
            ));
        }
        // Deeper levels first, so that removing a level leaves the indices
        // of the better ones unchanged.
        for index in (0..touched).rev() {
            passive.remove_lots(index, out[first_trade + index].qty);
        }
        if resting_lots > 0 {
            let new_lots = own.add(touch.price_ticks, resting_lots);
            out.push(MarketEvent::depth(
                exch_ts,
                aggressor,
                touch.price_ticks,
                new_lots,
            ));
        }
        true
    }

    /// Size of a new limit order, in lots.
    fn order_lots(&self, rng: &mut Sampler) -> i64 {
        let lots = rng.lognormal(self.params.median_order_lots, self.params.order_size_sigma);
        round_size(lots, self.params.round_size_share, rng)
    }
}

/// `lots` as a whole number of at least one lot; with chance `round_share`
/// rounded to the nearest 1, 2 or 5 × 10^k, as people size orders.
fn round_size(lots: f64, round_share: f64, rng: &mut Sampler) -> i64 {
    let lots = lots.max(1.0);
    if !rng.chance(round_share) {
        return lots.round() as i64;
    }
    let magnitude = 10f64.powi(lots.log10().floor() as i32);
    let mantissa = lots / magnitude;
    let round = if mantissa < 1.5 {
        1.0
    } else if mantissa < 3.5 {
        2.0
    } else if mantissa < 7.5 {
        5.0
    } else {
        10.0
    };
    (round * magnitude).round().max(1.0) as i64
}
