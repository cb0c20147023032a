//! How each packed row is laid out: its time as the difference from the
//! row before, then its fields in a fixed order (see the parent module for
//! the encoding of each value).

use super::{Packed, PackedError, Packer, Unpacker};
use crate::session::link::records::ReasonWire;
use crate::session::update::QuoteSample;
use crate::sim::order::OrderId;
use crate::sim::{AccountSnapshot, EquitySample, Fill, OrderUpdate};

/// Appends a row's time as the difference from the row before.
fn pack_ts(out: &mut Packer, ts_ns: i64, last_ts_ns: &mut i64) {
    out.i64(ts_ns.wrapping_sub(*last_ts_ns));
    *last_ts_ns = ts_ns;
}

/// Reads a time written by [`pack_ts`].
fn unpack_ts(input: &mut Unpacker<'_>, last_ts_ns: &mut i64) -> Result<i64, PackedError> {
    let ts_ns = last_ts_ns.wrapping_add(input.i64()?);
    *last_ts_ns = ts_ns;
    Ok(ts_ns)
}

impl Packed for QuoteSample {
    fn pack(&self, out: &mut Packer, last_ts_ns: &mut i64) -> Result<(), PackedError> {
        pack_ts(out, self.ts_ns, last_ts_ns);
        let flags = u8::from(self.bid_ticks.is_some()) | (u8::from(self.ask_ticks.is_some()) << 1);
        out.u8(flags);
        if let Some(bid) = self.bid_ticks {
            out.i64(bid);
        }
        if let Some(ask) = self.ask_ticks {
            out.i64(ask);
        }
        out.i64(self.position_lots);
        Ok(())
    }

    fn unpack(input: &mut Unpacker<'_>, last_ts_ns: &mut i64) -> Result<Self, PackedError> {
        let ts_ns = unpack_ts(input, last_ts_ns)?;
        let flags = input.u8()?;
        let bid_ticks = if flags & 1 != 0 {
            Some(input.i64()?)
        } else {
            None
        };
        let ask_ticks = if flags & 2 != 0 {
            Some(input.i64()?)
        } else {
            None
        };
        Ok(QuoteSample {
            ts_ns,
            bid_ticks,
            ask_ticks,
            position_lots: input.i64()?,
        })
    }
}

impl Packed for EquitySample {
    fn pack(&self, out: &mut Packer, last_ts_ns: &mut i64) -> Result<(), PackedError> {
        pack_ts(out, self.ts_ns, last_ts_ns);
        out.tag(self.cause);
        let a = &self.account;
        out.i64(a.position_lots);
        for value in [
            a.avg_entry_ticks,
            a.cash,
            a.realized_pnl,
            a.unrealized_pnl,
            a.fees_paid,
            a.equity,
            a.mark_ticks,
            a.funding_paid,
        ] {
            out.f64(value);
        }
        Ok(())
    }

    fn unpack(input: &mut Unpacker<'_>, last_ts_ns: &mut i64) -> Result<Self, PackedError> {
        let ts_ns = unpack_ts(input, last_ts_ns)?;
        let cause = input.tag()?;
        let account = AccountSnapshot {
            position_lots: input.i64()?,
            avg_entry_ticks: input.f64()?,
            cash: input.f64()?,
            realized_pnl: input.f64()?,
            unrealized_pnl: input.f64()?,
            fees_paid: input.f64()?,
            equity: input.f64()?,
            mark_ticks: input.f64()?,
            funding_paid: input.f64()?,
        };
        Ok(EquitySample {
            ts_ns,
            cause,
            account,
        })
    }
}

/// Flags of an order update's optional parts.
const HAS_FILL: u8 = 1;
const HAS_SLIPPAGE: u8 = 2;
const HAS_REASON: u8 = 4;

impl Packed for OrderUpdate {
    fn pack(&self, out: &mut Packer, last_ts_ns: &mut i64) -> Result<(), PackedError> {
        pack_ts(out, self.exch_ts_ns, last_ts_ns);
        out.i64(self.local_ts_ns.wrapping_sub(self.exch_ts_ns));
        out.u64(self.order_id.0);
        out.tag(self.kind);
        out.tag(self.state);
        out.tag(self.side);
        out.tag(self.order_type);
        out.tag(self.time_in_force);
        out.i64(self.price_ticks);
        out.i64(self.stop_price_ticks);
        out.i64(self.qty_lots);
        out.i64(self.filled_lots);
        out.f64(self.avg_fill_price_ticks);
        let slippage = self.fill.and_then(|fill| fill.slippage_ticks);
        let flags = if self.fill.is_some() { HAS_FILL } else { 0 }
            | if slippage.is_some() { HAS_SLIPPAGE } else { 0 }
            | if self.reason.is_some() { HAS_REASON } else { 0 };
        out.u8(flags);
        if let Some(fill) = &self.fill {
            out.i64(fill.price_ticks);
            out.i64(fill.qty_lots);
            out.tag(fill.liquidity);
            out.f64(fill.fee);
            out.i64(fill.time_in_queue_ns);
            if let Some(slippage) = slippage {
                out.f64(slippage);
            }
        }
        if let Some(reason) = self.reason {
            let bytes = std::mem::take(&mut out.bytes);
            out.bytes = postcard::to_extend(&ReasonWire(reason), bytes)?;
        }
        Ok(())
    }

    fn unpack(input: &mut Unpacker<'_>, last_ts_ns: &mut i64) -> Result<Self, PackedError> {
        let exch_ts_ns = unpack_ts(input, last_ts_ns)?;
        let local_ts_ns = exch_ts_ns.wrapping_add(input.i64()?);
        let order_id = OrderId(input.u64()?);
        let kind = input.tag()?;
        let state = input.tag()?;
        let side = input.tag()?;
        let order_type = input.tag()?;
        let time_in_force = input.tag()?;
        let price_ticks = input.i64()?;
        let stop_price_ticks = input.i64()?;
        let qty_lots = input.i64()?;
        let filled_lots = input.i64()?;
        let avg_fill_price_ticks = input.f64()?;
        let flags = input.u8()?;
        let fill = if flags & HAS_FILL != 0 {
            Some(Fill {
                price_ticks: input.i64()?,
                qty_lots: input.i64()?,
                liquidity: input.tag()?,
                fee: input.f64()?,
                time_in_queue_ns: input.i64()?,
                slippage_ticks: if flags & HAS_SLIPPAGE != 0 {
                    Some(input.f64()?)
                } else {
                    None
                },
            })
        } else {
            None
        };
        let reason = if flags & HAS_REASON != 0 {
            let (ReasonWire(reason), rest) = postcard::take_from_bytes(input.bytes)?;
            input.bytes = rest;
            Some(reason)
        } else {
            None
        };
        Ok(OrderUpdate {
            order_id,
            kind,
            state,
            side,
            order_type,
            time_in_force,
            price_ticks,
            stop_price_ticks,
            qty_lots,
            filled_lots,
            avg_fill_price_ticks,
            fill,
            reason,
            exch_ts_ns,
            local_ts_ns,
        })
    }
}
