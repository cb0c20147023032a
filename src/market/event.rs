//! The canonical market event: one flat record per thing the market did.
//!
//! Prices are integers in ticks and quantities integers in lots of the
//! instrument (see [`crate::market::Instrument`]); floats only appear at the
//! edges (files, Python, plots).

use std::fmt;
use std::str::FromStr;

use super::state::MarketState;

/// What a [`MarketEvent`] says happened.
#[repr(u8)]
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default, bytemuck::CheckedBitPattern,
)]
pub enum EventKind {
    /// A price level of the L2 book now holds `qty` lots (0 deletes the level).
    #[default]
    Depth = 0,
    /// A trade of `qty` lots at `price`; `side` is the aggressor's side.
    Trade = 1,
    /// The best level of `side` is now `price` with `qty` lots (L1 data):
    /// better levels on that side are gone.
    Bbo = 2,
    /// The book is cleared: both sides when `side` is [`Side::None`],
    /// otherwise that side only. Usually opens a snapshot.
    Clear = 3,
    /// A level of a full-book snapshot; applied like [`EventKind::Depth`].
    Snapshot = 4,
    /// L3: order `order_id` joins the back of the queue at `price` with `qty`.
    Add = 5,
    /// L3: order `order_id` now has `qty` lots (at `price`).
    Modify = 6,
    /// L3: order `order_id` leaves the book.
    Cancel = 7,
    /// L3: order `order_id` traded `qty` lots at `price`; `side` is that
    /// resting order's side (written `buy` for a bid, `sell` for an ask).
    Fill = 8,
    /// A funding payment of a perpetual falls due: each open position pays
    /// (or, when negative, receives) its notional × the rate. The rate is
    /// [`MarketEvent::funding_rate`]; `price` and `qty` are 0. The book
    /// ignores it.
    Funding = 9,
    /// The venue's trading state changed to the
    /// [`MarketState`] whose code is in
    /// `order_id` (see [`MarketEvent::status`]); `side` is `None`, `price`
    /// and `qty` are 0. In files the state's name is in the `side` column.
    Status = 10,
}

impl EventKind {
    /// Every kind, in discriminant order.
    pub const ALL: [EventKind; 11] = [
        EventKind::Depth,
        EventKind::Trade,
        EventKind::Bbo,
        EventKind::Clear,
        EventKind::Snapshot,
        EventKind::Add,
        EventKind::Modify,
        EventKind::Cancel,
        EventKind::Fill,
        EventKind::Funding,
        EventKind::Status,
    ];

    /// The lower-case name used in files (`"depth"`, `"trade"`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Depth => "depth",
            EventKind::Trade => "trade",
            EventKind::Bbo => "bbo",
            EventKind::Clear => "clear",
            EventKind::Snapshot => "snapshot",
            EventKind::Add => "add",
            EventKind::Modify => "modify",
            EventKind::Cancel => "cancel",
            EventKind::Fill => "fill",
            EventKind::Funding => "funding",
            EventKind::Status => "status",
        }
    }

    /// Parses the file name of a kind from raw bytes (ASCII, case-insensitive).
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.as_str().as_bytes().eq_ignore_ascii_case(bytes))
    }

    /// True for the kinds that change an L2 price level directly.
    pub fn is_level_update(self) -> bool {
        matches!(
            self,
            EventKind::Depth | EventKind::Snapshot | EventKind::Bbo
        )
    }

    /// True for the order-by-order (L3) kinds.
    pub fn is_l3(self) -> bool {
        matches!(
            self,
            EventKind::Add | EventKind::Modify | EventKind::Cancel | EventKind::Fill
        )
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for EventKind {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::from_bytes(s.as_bytes()).ok_or_else(|| UnknownName(s.to_owned()))
    }
}

/// The side of the book (for depth) or of the aggressor (for trades).
///
/// On book events `Buy` is the bid side and `Sell` the ask side; on a trade
/// it is the side of the order that crossed the spread.
#[repr(u8)]
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default, bytemuck::CheckedBitPattern,
)]
pub enum Side {
    /// Bid side of the book, or a buyer-initiated trade.
    Buy = 0,
    /// Ask side of the book, or a seller-initiated trade.
    Sell = 1,
    /// No side: a trade of unknown aggressor, or a clear of both sides.
    #[default]
    None = 2,
}

impl Side {
    /// The other side; `None` stays `None`.
    pub fn opposite(self) -> Side {
        match self {
            Side::Buy => Side::Sell,
            Side::Sell => Side::Buy,
            Side::None => Side::None,
        }
    }

    /// +1 for buy, -1 for sell, 0 for none: the sign of a position change.
    pub fn sign(self) -> i64 {
        match self {
            Side::Buy => 1,
            Side::Sell => -1,
            Side::None => 0,
        }
    }

    /// The name written to files for an event of `kind`: `bid`/`ask` on
    /// book events, `buy`/`sell` on trades, `none` otherwise.
    pub fn file_name(self, kind: EventKind) -> &'static str {
        let book_side = !matches!(kind, EventKind::Trade | EventKind::Fill);
        match (self, book_side) {
            (Side::Buy, true) => "bid",
            (Side::Sell, true) => "ask",
            (Side::Buy, false) => "buy",
            (Side::Sell, false) => "sell",
            (Side::None, _) => "none",
        }
    }

    /// Parses a side name from raw bytes: `bid`/`buy`/`b`, `ask`/`sell`/`a`/`s`,
    /// `none`/`unknown`/empty (ASCII, case-insensitive).
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        const BUY: [&str; 3] = ["bid", "buy", "b"];
        const SELL: [&str; 4] = ["ask", "sell", "a", "s"];
        const NONE: [&str; 4] = ["none", "unknown", "", "n"];
        let is = |names: &[&str]| {
            names
                .iter()
                .any(|n| n.as_bytes().eq_ignore_ascii_case(bytes))
        };
        if is(&BUY) {
            Some(Side::Buy)
        } else if is(&SELL) {
            Some(Side::Sell)
        } else if is(&NONE) {
            Some(Side::None)
        } else {
            None
        }
    }
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Side::Buy => "buy",
            Side::Sell => "sell",
            Side::None => "none",
        })
    }
}

impl FromStr for Side {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::from_bytes(s.as_bytes()).ok_or_else(|| UnknownName(s.to_owned()))
    }
}

/// A name that is not one of the known kinds or sides.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown name {0:?}")]
pub struct UnknownName(pub String);

/// Bits of [`MarketEvent::flags`].
pub mod flags {
    /// The book is consistent after this event: the last event of a batch
    /// that shares one exchange message (e.g. one snapshot or one diff).
    pub const LAST_IN_BATCH: u8 = 1;
    /// The event belongs to a snapshot (a full rebuild of the book).
    pub const SNAPSHOT: u8 = 2;
    /// Trades only: the trade printed half a tick above `price`, between
    /// two ticks of the book's grid (a hidden or midpoint execution, as
    /// LOBSTER's type-5 rows at half a cent). In Parquet the `price` column
    /// holds the exact price; the book's grid is unchanged.
    pub const HALF_TICK: u8 = 4;
}

/// One thing the market did, as a flat fixed-size record.
///
/// A day of data is a slice of these that streams from disk (the event
/// cache maps them from a file: the derive checks kind and side bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default, bytemuck::CheckedBitPattern)]
pub struct MarketEvent {
    /// Exchange time, ns since the Unix epoch.
    pub exch_ts: i64,
    /// Time our feed handler saw the event, ns since the Unix epoch.
    pub local_ts: i64,
    /// Price in ticks of the instrument.
    pub price: i64,
    /// Quantity in lots: the new level quantity (depth) or the traded size.
    pub qty: i64,
    /// Exchange order id for L3 events; the funding rate's `f64` bits for
    /// [`EventKind::Funding`]; else 0.
    pub order_id: u64,
    /// What happened.
    pub kind: EventKind,
    /// Book side, or aggressor side for trades.
    pub side: Side,
    /// Bit set of [`flags`].
    pub flags: u8,
}

impl MarketEvent {
    /// A depth update that sets the level `price` of `side` to `qty` lots.
    pub fn depth(ts: i64, side: Side, price: i64, qty: i64) -> Self {
        MarketEvent {
            exch_ts: ts,
            local_ts: ts,
            price,
            qty,
            order_id: 0,
            kind: EventKind::Depth,
            side,
            flags: flags::LAST_IN_BATCH,
        }
    }

    /// A trade of `qty` lots at `price`, initiated by `aggressor`.
    pub fn trade(ts: i64, aggressor: Side, price: i64, qty: i64) -> Self {
        MarketEvent {
            kind: EventKind::Trade,
            ..Self::depth(ts, aggressor, price, qty)
        }
    }

    /// A funding event at `ts`: positions pay `rate` (a fraction, e.g.
    /// 0.0001 = 1 bp; positive = longs pay shorts) of their notional. The
    /// rate travels bit for bit in `order_id`.
    pub fn funding(ts: i64, rate: f64) -> Self {
        MarketEvent {
            exch_ts: ts,
            local_ts: ts,
            price: 0,
            qty: 0,
            order_id: rate.to_bits(),
            kind: EventKind::Funding,
            side: Side::None,
            flags: flags::LAST_IN_BATCH,
        }
    }

    /// The funding rate of a [`EventKind::Funding`] event, as a fraction of
    /// notional; `None` for other kinds.
    pub fn funding_rate(&self) -> Option<f64> {
        (self.kind == EventKind::Funding).then(|| f64::from_bits(self.order_id))
    }

    /// The same event, seen locally at `local_ts`.
    #[must_use]
    pub fn seen_at(mut self, local_ts: i64) -> Self {
        self.local_ts = local_ts;
        self
    }

    /// The same event with the given flag bits replacing the current ones.
    #[must_use]
    pub fn with_flags(mut self, flags: u8) -> Self {
        self.flags = flags;
        self
    }

    /// True when the book is consistent after this event.
    pub fn is_last_in_batch(&self) -> bool {
        self.flags & flags::LAST_IN_BATCH != 0
    }

    /// True for a trade that printed half a tick above `price` (see
    /// [`flags::HALF_TICK`]).
    pub fn is_half_tick(&self) -> bool {
        self.flags & flags::HALF_TICK != 0
    }

    /// The price in ticks as a float: `price`, or `price + 0.5` for a
    /// half-tick trade.
    pub fn exact_price_ticks(&self) -> f64 {
        if self.is_half_tick() {
            self.price as f64 + 0.5
        } else {
            self.price as f64
        }
    }

    /// A status event: the venue is in `state` from `ts` on.
    pub fn status(ts: i64, state: MarketState) -> Self {
        MarketEvent {
            kind: EventKind::Status,
            side: Side::None,
            order_id: state as u64,
            ..Self::depth(ts, Side::None, 0, 0)
        }
    }

    /// The state a status event announces (`None` for other kinds, and for
    /// a status event with an unknown code).
    pub fn market_state(&self) -> Option<MarketState> {
        if self.kind == EventKind::Status {
            MarketState::from_code(self.order_id)
        } else {
            None
        }
    }

    /// The name in the file's `side` column: the state's name on a status
    /// event, else [`Side::file_name`].
    pub fn side_file_name(&self) -> &'static str {
        match self.kind {
            EventKind::Status => self.market_state().map_or("none", MarketState::as_str),
            kind => self.side.file_name(kind),
        }
    }

    /// Feed latency of this event: `local_ts - exch_ts`, in ns.
    pub fn feed_latency_ns(&self) -> i64 {
        self.local_ts - self.exch_ts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_is_flat_and_small() {
        assert_eq!(std::mem::size_of::<MarketEvent>(), 48);
    }

    #[test]
    fn kind_names_round_trip() {
        for kind in EventKind::ALL {
            assert_eq!(kind.as_str().parse::<EventKind>(), Ok(kind));
        }
        assert_eq!("TRADE".parse::<EventKind>(), Ok(EventKind::Trade));
        assert!("quote".parse::<EventKind>().is_err());
    }

    #[test]
    fn side_names_round_trip_for_book_and_trade() {
        for side in [Side::Buy, Side::Sell, Side::None] {
            for kind in [EventKind::Depth, EventKind::Trade] {
                assert_eq!(side.file_name(kind).parse::<Side>(), Ok(side));
            }
        }
        assert_eq!(Side::Buy.file_name(EventKind::Depth), "bid");
        assert_eq!(Side::Sell.file_name(EventKind::Trade), "sell");
        assert!("long".parse::<Side>().is_err());
    }
}
