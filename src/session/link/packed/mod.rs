//! The high-volume rows of a batch (order updates, equity samples, quotes)
//! packed into one byte string per list on the worker's channel.
//!
//! A window replaying a day at full speed receives hundreds of thousands of
//! these rows, and reading them field by field through serde costs the
//! window and the worker more than the engine spends making them. Packed,
//! a list is written and read in one tight loop: integers as zigzag
//! LEB128 varints (a row's time as the difference from the row before),
//! floats as their 8 bytes, enums as one byte each, the rare rejection
//! reason as postcard. Every value crosses exactly, floats bit for bit.
//! A human-readable format (JSON) gets the rows' own serde form instead.

use serde::de::Visitor;
use serde::ser::Error as _;
use serde::{Deserializer, Serializer};

use crate::market::Side;
use crate::sim::order::{OrderState, OrderType, TimeInForce};
use crate::sim::record::SampleCause;
use crate::sim::{Liquidity, UpdateKind};

mod rows;

/// Why a packed list could not be read.
#[derive(Debug, thiserror::Error)]
pub(crate) enum PackedError {
    /// The bytes end inside a row.
    #[error("packed rows cut short")]
    Short,
    /// A varint longer than 64 bits.
    #[error("a packed integer overflows")]
    Overflow,
    /// A byte that names no variant of an enum.
    #[error("packed {what} {tag} names nothing")]
    Tag {
        /// The enum.
        what: &'static str,
        /// The byte read.
        tag: u8,
    },
    /// The rejection reason failed to read.
    #[error("a packed reason: {0}")]
    Reason(#[from] postcard::Error),
}

/// Appends values to a packed list.
pub(crate) struct Packer {
    bytes: Vec<u8>,
}

impl Packer {
    #[inline]
    fn u8(&mut self, value: u8) {
        self.bytes.push(value);
    }

    #[inline]
    fn u64(&mut self, mut value: u64) {
        while value >= 0x80 {
            self.bytes.push((value as u8) | 0x80);
            value >>= 7;
        }
        self.bytes.push(value as u8);
    }

    #[inline]
    fn i64(&mut self, value: i64) {
        self.u64(((value << 1) ^ (value >> 63)) as u64);
    }

    #[inline]
    fn f64(&mut self, value: f64) {
        self.bytes.extend_from_slice(&value.to_bits().to_le_bytes());
    }

    #[inline]
    fn tag<T: Tag>(&mut self, value: T) {
        self.u8(value.tag());
    }
}

/// Reads values from a packed list.
pub(crate) struct Unpacker<'a> {
    bytes: &'a [u8],
}

impl Unpacker<'_> {
    fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    #[inline]
    fn u8(&mut self) -> Result<u8, PackedError> {
        let (&first, rest) = self.bytes.split_first().ok_or(PackedError::Short)?;
        self.bytes = rest;
        Ok(first)
    }

    #[inline]
    fn u64(&mut self) -> Result<u64, PackedError> {
        if let Some((&first, rest)) = self.bytes.split_first() {
            if first < 0x80 {
                self.bytes = rest;
                return Ok(u64::from(first));
            }
        }
        let mut value = 0_u64;
        let mut shift = 0_u32;
        loop {
            let byte = self.u8()?;
            if shift == 63 && byte > 1 {
                return Err(PackedError::Overflow);
            }
            value |= u64::from(byte & 0x7f) << shift;
            if byte < 0x80 {
                return Ok(value);
            }
            shift += 7;
            if shift > 63 {
                return Err(PackedError::Overflow);
            }
        }
    }

    #[inline]
    fn i64(&mut self) -> Result<i64, PackedError> {
        let raw = self.u64()?;
        Ok(((raw >> 1) as i64) ^ -((raw & 1) as i64))
    }

    #[inline]
    fn f64(&mut self) -> Result<f64, PackedError> {
        let (bytes, rest) = self
            .bytes
            .split_first_chunk::<8>()
            .ok_or(PackedError::Short)?;
        self.bytes = rest;
        Ok(f64::from_bits(u64::from_le_bytes(*bytes)))
    }

    #[inline]
    fn tag<T: Tag>(&mut self) -> Result<T, PackedError> {
        let tag = self.u8()?;
        T::from_tag(tag).ok_or(PackedError::Tag { what: T::NAME, tag })
    }
}

/// An enum without fields as one byte.
trait Tag: Sized + Copy {
    /// What the enum is, for errors.
    const NAME: &'static str;
    /// The byte of `self`.
    fn tag(self) -> u8;
    /// The variant of `tag`.
    fn from_tag(tag: u8) -> Option<Self>;
}

/// Implements [`Tag`] for an enum, each variant its byte; a variant added
/// to the enum and not here fails to compile.
macro_rules! tags {
    ($ty:ident, $name:literal, { $($variant:ident = $tag:literal),+ $(,)? }) => {
        impl Tag for $ty {
            const NAME: &'static str = $name;

            fn tag(self) -> u8 {
                match self {
                    $($ty::$variant => $tag,)+
                }
            }

            fn from_tag(tag: u8) -> Option<Self> {
                match tag {
                    $($tag => Some($ty::$variant),)+
                    _ => None,
                }
            }
        }
    };
}

tags!(Side, "side", { None = 0, Buy = 1, Sell = 2 });
tags!(UpdateKind, "update kind", {
    Accepted = 0, Fill = 1, Modified = 2, Triggered = 3, Canceled = 4,
    Rejected = 5, Expired = 6, CancelRejected = 7, ModifyRejected = 8,
});
tags!(OrderState, "order state", {
    New = 0, Accepted = 1, PartiallyFilled = 2, Filled = 3, Canceled = 4,
    Rejected = 5, Expired = 6,
});
tags!(OrderType, "order type", { Limit = 0, Market = 1, StopMarket = 2, StopLimit = 3 });
tags!(TimeInForce, "time in force", { Gtc = 0, Ioc = 1, Fok = 2, PostOnly = 3 });
tags!(Liquidity, "liquidity", { Maker = 0, Taker = 1 });
tags!(SampleCause, "sample cause", { Fill = 0, Step = 1, Final = 2, Funding = 3 });

/// A kind of row that packs.
pub(crate) trait Packed: Sized {
    /// Appends `self`; `last_ts_ns` is the time of the row before (0 for
    /// the first), updated to this row's.
    fn pack(&self, out: &mut Packer, last_ts_ns: &mut i64) -> Result<(), PackedError>;
    /// Reads a row written by [`Packed::pack`].
    fn unpack(input: &mut Unpacker<'_>, last_ts_ns: &mut i64) -> Result<Self, PackedError>;
}

/// Packs `rows` into one byte string.
pub(crate) fn pack<T: Packed>(rows: &[T]) -> Result<Vec<u8>, PackedError> {
    let mut out = Packer {
        bytes: Vec::with_capacity(rows.len() * 24 + 8),
    };
    out.u64(rows.len() as u64);
    let mut last_ts_ns = 0;
    for row in rows {
        row.pack(&mut out, &mut last_ts_ns)?;
    }
    Ok(out.bytes)
}

/// Reads rows written by [`pack`].
pub(crate) fn unpack<T: Packed>(bytes: &[u8]) -> Result<Vec<T>, PackedError> {
    let mut input = Unpacker { bytes };
    let count = input.u64()?;
    // Each row takes at least a byte: a count beyond that is a lie.
    let count = usize::try_from(count)
        .ok()
        .filter(|&count| count <= bytes.len())
        .ok_or(PackedError::Short)?;
    let mut last_ts_ns = 0;
    let mut rows = Vec::with_capacity(count);
    for _ in 0..count {
        rows.push(T::unpack(&mut input, &mut last_ts_ns)?);
    }
    if !input.is_empty() {
        return Err(PackedError::Short);
    }
    Ok(rows)
}

/// Writes `rows` packed in a binary format.
pub(crate) fn serialize<T: Packed, S: Serializer>(
    rows: &[T],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    if serializer.is_human_readable() {
        return Err(S::Error::custom("packed rows are for binary formats"));
    }
    let bytes = pack(rows).map_err(S::Error::custom)?;
    serializer.serialize_bytes(&bytes)
}

/// Reads rows written by [`serialize`].
pub(crate) fn deserialize<'de, T: Packed, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<T>, D::Error> {
    deserializer.deserialize_bytes(PackedVisitor(std::marker::PhantomData))
}

/// Reads a packed list from a byte string.
struct PackedVisitor<T>(std::marker::PhantomData<T>);

impl<'de, T: Packed> Visitor<'de> for PackedVisitor<T> {
    type Value = Vec<T>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("packed rows")
    }

    fn visit_bytes<E: serde::de::Error>(self, bytes: &[u8]) -> Result<Vec<T>, E> {
        unpack(bytes).map_err(E::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::market::MarketState;
    use crate::session::update::QuoteSample;
    use crate::sim::order::OrderId;
    use crate::sim::Reason;
    use crate::sim::{AccountSnapshot, EquitySample, Fill, OrderUpdate};

    fn order(id: u64, exch_ts_ns: i64) -> OrderUpdate {
        OrderUpdate {
            order_id: OrderId(id),
            kind: UpdateKind::Accepted,
            state: OrderState::Accepted,
            side: Side::Buy,
            order_type: OrderType::Limit,
            time_in_force: TimeInForce::PostOnly,
            price_ticks: 6_543_210,
            stop_price_ticks: 0,
            qty_lots: 3,
            filled_lots: 0,
            avg_fill_price_ticks: 0.0,
            fill: None,
            reason: None,
            exch_ts_ns,
            local_ts_ns: exch_ts_ns + 150_000,
        }
    }

    #[test]
    fn order_updates_come_back_exactly_with_their_fills_and_reasons() {
        let mut filled = order(8, 1_772_409_600_000_000_500);
        filled.kind = UpdateKind::Fill;
        filled.state = OrderState::PartiallyFilled;
        filled.side = Side::Sell;
        filled.filled_lots = 1;
        filled.avg_fill_price_ticks = 6_543_210.5;
        filled.fill = Some(Fill {
            price_ticks: 6_543_211,
            qty_lots: 1,
            liquidity: Liquidity::Maker,
            fee: -0.012_5,
            time_in_queue_ns: 2_500_000,
            slippage_ticks: Some(-0.5),
        });
        let mut unslipped = filled;
        unslipped.fill = filled.fill.map(|fill| Fill {
            slippage_ticks: None,
            liquidity: Liquidity::Taker,
            ..fill
        });
        let mut rejected = order(9, 1_772_409_599_000_000_000);
        rejected.kind = UpdateKind::Rejected;
        rejected.state = OrderState::Rejected;
        rejected.reason = Some(Reason::InsufficientMargin {
            worst_lots: -7,
            price_ticks: 6_500_000,
            required_margin: 1234.75,
            equity: f64::MIN_POSITIVE,
        });
        let mut halted = order(u64::MAX, i64::MIN);
        halted.local_ts_ns = i64::MAX;
        halted.reason = Some(Reason::MarketState {
            state: MarketState::Halted,
        });
        let rows = vec![
            order(7, 1_772_409_600_000_000_000),
            filled,
            unslipped,
            rejected,
            halted,
        ];
        let bytes = pack(&rows).unwrap();
        let read: Vec<OrderUpdate> = unpack(&bytes).unwrap();
        assert_eq!(read, rows);
    }

    #[test]
    fn equity_samples_and_quotes_come_back_bit_for_bit() {
        let sample = EquitySample {
            ts_ns: 1_772_409_600_123_456_789,
            cause: SampleCause::Funding,
            account: AccountSnapshot {
                position_lots: -12,
                avg_entry_ticks: 6_543_210.25,
                cash: -1e300,
                realized_pnl: 0.1 + 0.2,
                unrealized_pnl: -0.0,
                fees_paid: 3.5,
                equity: 10_000.125,
                mark_ticks: f64::INFINITY,
                funding_paid: 1e-300,
            },
        };
        let samples = vec![sample, EquitySample { ts_ns: 5, ..sample }];
        let read: Vec<EquitySample> = unpack(&pack(&samples).unwrap()).unwrap();
        assert_eq!(read, samples);
        assert_eq!(
            read[0].account.unrealized_pnl.to_bits(),
            (-0.0_f64).to_bits()
        );
        let quotes = vec![
            QuoteSample {
                ts_ns: 100,
                bid_ticks: Some(99),
                ask_ticks: Some(101),
                position_lots: 0,
            },
            QuoteSample {
                ts_ns: 90,
                bid_ticks: None,
                ask_ticks: Some(-3),
                position_lots: -4,
            },
            QuoteSample {
                ts_ns: 90,
                bid_ticks: Some(i64::MIN),
                ask_ticks: None,
                position_lots: i64::MAX,
            },
        ];
        let read: Vec<QuoteSample> = unpack(&pack(&quotes).unwrap()).unwrap();
        assert_eq!(read, quotes);
    }

    #[test]
    fn cut_or_corrupt_rows_are_refused() {
        let bytes = pack(&[order(7, 1_000)]).unwrap();
        let cut = unpack::<OrderUpdate>(&bytes[..bytes.len() - 1]).unwrap_err();
        assert_eq!(cut.to_string(), "packed rows cut short");
        let mut longer = bytes.clone();
        longer.push(0);
        let extra = unpack::<OrderUpdate>(&longer).unwrap_err();
        assert_eq!(extra.to_string(), "packed rows cut short");
        // The count, the time, the local delay, the id: then the kind.
        let mut bad = bytes;
        let kind_at = 1 + 2 + 3 + 1;
        assert_eq!(bad[kind_at], 0);
        bad[kind_at] = 9;
        let tag = unpack::<OrderUpdate>(&bad).unwrap_err();
        assert_eq!(tag.to_string(), "packed update kind 9 names nothing");
        let lying = [0xff, 0xff, 0xff, 0xff, 0x0f];
        assert_eq!(
            unpack::<QuoteSample>(&lying).unwrap_err().to_string(),
            "packed rows cut short"
        );
        let long = [0xff_u8; 11];
        assert_eq!(
            unpack::<QuoteSample>(&long).unwrap_err().to_string(),
            "a packed integer overflows"
        );
    }
}
