//! Sums over the trades of a sliding time window.

use std::collections::VecDeque;

use crate::market::Side;

/// One trade kept in the window.
#[derive(Clone, Copy, Debug)]
struct Trade {
    ts_ns: i64,
    price_ticks: i64,
    qty_lots: i64,
    sign: i64,
}

/// Volume, count, signed volume and VWAP of the trades in a window.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TradeWindowStats {
    /// Traded quantity, lots.
    pub volume_lots: i64,
    /// Number of trades.
    pub count: u64,
    /// Buyer-initiated minus seller-initiated quantity, lots (trades of
    /// unknown aggressor count zero).
    pub signed_lots: i64,
    /// Volume-weighted average price, ticks; `None` without trades.
    pub vwap_ticks: Option<f64>,
}

/// The trades of the last `window_ns` (all trades since the start when the
/// window is `None`), each counted once: the window at `now` holds the
/// trades with time in `(now - w, now]`.
///
/// Sums are kept in integers (lots, ticks × lots), so they are exact however
/// long the day.
#[derive(Clone, Debug)]
pub struct TradeWindow {
    window_ns: Option<i64>,
    trades: VecDeque<Trade>,
    volume_lots: i64,
    signed_lots: i64,
    notional_ticks_lots: i128,
    count: u64,
}

impl TradeWindow {
    /// An empty window over `window_ns`, or over the whole run when `None`.
    pub fn new(window_ns: Option<i64>) -> Self {
        TradeWindow {
            window_ns: window_ns.map(|w| w.max(1)),
            trades: VecDeque::new(),
            volume_lots: 0,
            signed_lots: 0,
            notional_ticks_lots: 0,
            count: 0,
        }
    }

    /// A trade of `qty_lots` at `price_ticks` by `aggressor` at `ts_ns`.
    pub fn push(&mut self, ts_ns: i64, aggressor: Side, price_ticks: i64, qty_lots: i64) {
        let trade = Trade {
            ts_ns,
            price_ticks,
            qty_lots,
            sign: aggressor.sign(),
        };
        self.apply(&trade, 1);
        if self.window_ns.is_some() {
            self.trades.push_back(trade);
            self.evict(ts_ns);
        }
    }

    fn apply(&mut self, t: &Trade, sign: i64) {
        self.volume_lots += sign * t.qty_lots;
        self.signed_lots += sign * t.sign * t.qty_lots;
        self.notional_ticks_lots +=
            i128::from(sign) * i128::from(t.price_ticks) * i128::from(t.qty_lots);
        if sign > 0 {
            self.count += 1;
        } else {
            self.count -= 1;
        }
    }

    /// Drops the trades that have left the window ending at `now_ns`; the
    /// accessors then answer for that window.
    pub fn evict(&mut self, now_ns: i64) {
        let Some(window_ns) = self.window_ns else {
            return;
        };
        let cutoff = now_ns - window_ns;
        while let Some(t) = self.trades.front().copied() {
            if t.ts_ns > cutoff {
                break;
            }
            self.trades.pop_front();
            self.apply(&t, -1);
        }
    }

    /// The sums over the window ending at `now_ns`.
    pub fn stats(&mut self, now_ns: i64) -> TradeWindowStats {
        self.evict(now_ns);
        TradeWindowStats {
            volume_lots: self.volume_lots,
            count: self.count,
            signed_lots: self.signed_lots,
            vwap_ticks: self.vwap_ticks(),
        }
    }

    /// Traded quantity in the window as of the last push or eviction, lots.
    pub fn volume_lots(&self) -> i64 {
        self.volume_lots
    }

    /// Number of trades in the window as of the last push or eviction.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Signed volume in the window as of the last push or eviction, lots.
    pub fn signed_lots(&self) -> i64 {
        self.signed_lots
    }

    /// VWAP in the window as of the last push or eviction, ticks; `None`
    /// without trades.
    pub fn vwap_ticks(&self) -> Option<f64> {
        (self.volume_lots > 0).then(|| self.notional_ticks_lots as f64 / self.volume_lots as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_leave_with_their_trades() {
        let mut w = TradeWindow::new(Some(10));
        w.push(0, Side::Buy, 100, 2);
        w.push(5, Side::Sell, 103, 1);
        w.push(9, Side::None, 106, 1);
        let s = w.stats(9);
        assert_eq!((s.volume_lots, s.count, s.signed_lots), (4, 3, 1));
        assert_eq!(s.vwap_ticks, Some((200.0 + 103.0 + 106.0) / 4.0));
        let s = w.stats(10);
        assert_eq!((s.volume_lots, s.count, s.signed_lots), (2, 2, -1));
        assert_eq!(w.stats(100).vwap_ticks, None);
    }
}
