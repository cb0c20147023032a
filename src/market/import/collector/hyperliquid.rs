//! Hyperliquid messages in a capture: `l2Book` (the top 20 levels per
//! side, whole, in every message) and `trades`.
//!
//! - `l2Book` → a `clear` and every level as `snapshot` events (SNAPSHOT
//!   flag), one batch at the message's `time`: the book beyond 20 levels is
//!   not in the data.
//! - `trades` → one `trade` per trade at its `time`; `side` is the taker's
//!   (`B` buy, `A` sell).

use std::collections::VecDeque;

use serde::Deserialize;

use super::Batch;
use crate::market::import::json_levels::{end_batch, snapshot_clear, JsonAt, OneSymbol};
use crate::market::import::{ImportError, RowRef};
use crate::market::{flags, EventKind, Instrument, MarketEvent, Side};

/// One level of an `l2Book` message.
#[derive(Deserialize)]
struct Level<'a> {
    px: &'a str,
    sz: &'a str,
}

/// The `data` of an `l2Book` message.
#[derive(Deserialize)]
pub(super) struct L2Book<'a> {
    coin: &'a str,
    time: i64,
    #[serde(borrow)]
    levels: [Vec<Level<'a>>; 2],
}

/// One trade of a `trades` message.
#[derive(Deserialize)]
pub(super) struct Trade<'a> {
    coin: &'a str,
    side: &'a str,
    px: &'a str,
    sz: &'a str,
    time: i64,
}

/// The state of one Hyperliquid coin in a capture.
#[derive(Default)]
pub(super) struct HyperliquidBook {
    coin: OneSymbol,
}

impl HyperliquidBook {
    fn check_coin(&mut self, at: JsonAt<'_>, coin: &str) -> Result<(), ImportError> {
        self.coin
            .check(at, "coin", coin, "the capture holds several coins")
    }

    /// An `l2Book` message: one snapshot batch.
    pub(super) fn book(
        &mut self,
        at: JsonAt<'_>,
        book: &L2Book<'_>,
        local_ts: i64,
        inst: &Instrument,
        out: &mut VecDeque<Batch>,
    ) -> Result<(), ImportError> {
        self.check_coin(at, book.coin)?;
        let base = MarketEvent {
            exch_ts: at.ms_to_ns("time", book.time)?,
            local_ts,
            ..MarketEvent::default()
        };
        let mut events = vec![snapshot_clear(base)];
        for (side, levels, field) in [
            (Side::Buy, &book.levels[0], "levels[0]"),
            (Side::Sell, &book.levels[1], "levels[1]"),
        ] {
            for level in levels {
                events.push(MarketEvent {
                    kind: EventKind::Snapshot,
                    side,
                    price: at.ticks(field, level.px, inst)?,
                    qty: at.lots(field, level.sz, inst)?,
                    flags: flags::SNAPSHOT,
                    ..base
                });
            }
        }
        end_batch(&mut events);
        out.push_back((RowRef::Line(at.line), events));
        Ok(())
    }

    /// A `trades` message: one batch per trade.
    pub(super) fn trades(
        &mut self,
        at: JsonAt<'_>,
        trades: &[Trade<'_>],
        local_ts: i64,
        inst: &Instrument,
        out: &mut VecDeque<Batch>,
    ) -> Result<(), ImportError> {
        for trade in trades {
            self.check_coin(at, trade.coin)?;
            let side = match trade.side {
                "B" => Side::Buy,
                "A" => Side::Sell,
                other => return Err(at.error("side", other, "expected B or A")),
            };
            let event = at.trade(
                ("time", trade.time),
                ("px", trade.px),
                ("sz", trade.sz),
                side,
                local_ts,
                inst,
            )?;
            out.push_back((RowRef::Line(at.line), vec![event]));
        }
        Ok(())
    }
}
