//! The engine's records in a compact form for the worker's channel: the
//! same fields as their own serde form, without its JSON shape (the
//! internal tag of [`Reason`], the flattened account of [`EquitySample`])
//! that a postcard frame cannot carry. A window replaying at full speed
//! sends tens of thousands of these a second.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::market::{MarketState, Side};
use crate::sim::order::{OrderId, OrderState, OrderType, TimeInForce};
use crate::sim::record::SampleCause;
use crate::sim::{AccountSnapshot, EquitySample, Fill, OrderUpdate, Reason, UpdateKind};

/// [`Reason`], externally tagged.
#[derive(Serialize, Deserialize)]
#[serde(remote = "Reason")]
enum ReasonDef {
    MaxOrderSize {
        qty_lots: i64,
        max_lots: i64,
    },
    MaxPosition {
        worst_position_lots: i64,
        max_lots: i64,
    },
    MaxOpenOrders {
        open_orders: usize,
        max: usize,
    },
    PostOnlyWouldCross,
    FillOrKill,
    ImmediateOrCancel,
    NoLiquidity,
    LiquidityLimit {
        qty_lots: i64,
        max_lots: i64,
    },
    UserCancel,
    TooLate,
    UnknownOrder,
    NotModifiable,
    ModifyBelowFilled,
    InsufficientMargin {
        worst_lots: i64,
        price_ticks: i64,
        required_margin: f64,
        equity: f64,
    },
    Liquidation {
        equity: f64,
        maintenance_margin: f64,
    },
    Warmup,
    MarketState {
        state: MarketState,
    },
}

/// A [`Reason`] through [`ReasonDef`].
#[derive(Serialize, Deserialize)]
pub(super) struct ReasonWire(#[serde(with = "ReasonDef")] pub(super) Reason);

/// An optional [`Reason`] through [`ReasonDef`].
mod option_reason {
    use super::*;

    pub(super) fn serialize<S: Serializer>(
        reason: &Option<Reason>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        reason.map(ReasonWire).serialize(serializer)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Reason>, D::Error> {
        Ok(Option::<ReasonWire>::deserialize(deserializer)?.map(|ReasonWire(reason)| reason))
    }
}

/// [`OrderUpdate`], its reason through [`ReasonDef`].
#[derive(Serialize, Deserialize)]
#[serde(remote = "OrderUpdate")]
struct OrderUpdateDef {
    order_id: OrderId,
    kind: UpdateKind,
    state: OrderState,
    #[serde(with = "super::codec::side")]
    side: Side,
    order_type: OrderType,
    time_in_force: TimeInForce,
    price_ticks: i64,
    stop_price_ticks: i64,
    qty_lots: i64,
    filled_lots: i64,
    avg_fill_price_ticks: f64,
    fill: Option<Fill>,
    #[serde(with = "option_reason")]
    reason: Option<Reason>,
    exch_ts_ns: i64,
    local_ts_ns: i64,
}

/// [`EquitySample`], its account not flattened.
#[derive(Serialize, Deserialize)]
#[serde(remote = "EquitySample")]
struct EquitySampleDef {
    ts_ns: i64,
    cause: SampleCause,
    account: AccountSnapshot,
}

/// A list of [`OrderUpdate`]s in their compact form.
pub(crate) mod order_updates {
    use super::*;

    #[derive(Serialize)]
    struct Ref<'a>(#[serde(with = "OrderUpdateDef")] &'a OrderUpdate);

    #[derive(Deserialize)]
    struct Own(#[serde(with = "OrderUpdateDef")] OrderUpdate);

    /// Writes `updates`: packed in a binary format (see
    /// [`super::super::packed`]), a list of rows in a readable one.
    pub(crate) fn serialize<S: Serializer>(
        updates: &[OrderUpdate],
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        if !serializer.is_human_readable() {
            return super::super::packed::serialize(updates, serializer);
        }
        serializer.collect_seq(updates.iter().map(Ref))
    }

    /// Reads what [`serialize`] wrote.
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Vec<OrderUpdate>, D::Error> {
        if !deserializer.is_human_readable() {
            return super::super::packed::deserialize(deserializer);
        }
        Ok(Vec::<Own>::deserialize(deserializer)?
            .into_iter()
            .map(|Own(update)| update)
            .collect())
    }
}

/// A list of [`EquitySample`]s in their compact form.
pub(crate) mod equity_samples {
    use super::*;

    #[derive(Serialize)]
    struct Ref<'a>(#[serde(with = "EquitySampleDef")] &'a EquitySample);

    #[derive(Deserialize)]
    struct Own(#[serde(with = "EquitySampleDef")] EquitySample);

    /// Writes `samples`: packed in a binary format (see
    /// [`super::super::packed`]), a list of rows in a readable one.
    pub(crate) fn serialize<S: Serializer>(
        samples: &[EquitySample],
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        if !serializer.is_human_readable() {
            return super::super::packed::serialize(samples, serializer);
        }
        serializer.collect_seq(samples.iter().map(Ref))
    }

    /// Reads what [`serialize`] wrote.
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Vec<EquitySample>, D::Error> {
        if !deserializer.is_human_readable() {
            return super::super::packed::deserialize(deserializer);
        }
        Ok(Vec::<Own>::deserialize(deserializer)?
            .into_iter()
            .map(|Own(sample)| sample)
            .collect())
    }
}

/// A list of [`QuoteSample`]s: packed in a binary format, as themselves in
/// a readable one.
pub(crate) mod quotes {
    use super::*;
    use crate::session::update::QuoteSample;

    /// Writes `quotes`.
    pub(crate) fn serialize<S: Serializer>(
        quotes: &[QuoteSample],
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        if !serializer.is_human_readable() {
            return super::super::packed::serialize(quotes, serializer);
        }
        quotes.serialize(serializer)
    }

    /// Reads what [`serialize`] wrote.
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Vec<QuoteSample>, D::Error> {
        if !deserializer.is_human_readable() {
            return super::super::packed::deserialize(deserializer);
        }
        Vec::deserialize(deserializer)
    }
}
