//! The exchange simulator: deterministic discrete events.
//!
//! Two processors on two clocks, as on a real venue. The exchange side
//! (`exchange.rs`, `taker.rs`, `passive.rs`) sees the market at exchange
//! time and our orders when they arrive; the local side (`local.rs`,
//! `gateway.rs`) is what the strategy sees, at local time. [`Engine`] merges
//! their events by time (see `engine.rs` for the exact order) and is driven
//! one [`Wake`] at a time; it never calls a strategy.
//!
//! Models are traits chosen per run: [`QueueModel`], [`LatencyModel`],
//! [`FeeModel`], [`ImpactModel`]; [`RunConfig`] names them in TOML. The run's
//! fills, order updates and equity curve are kept in a [`RunRecord`], or
//! handed to a [`RecordSink`] as they come (`ticklab run` streams them to
//! its output files that way).

pub mod account;
mod batch;
mod booking;
pub mod compute;
pub mod config;
mod consumed;
pub mod contract;
pub mod engine;
mod exchange;
pub mod fees;
mod funding;
mod gateway;
mod id_hash;
pub mod impact;
pub mod latency;
mod liquidation;
pub mod local;
pub mod margin;
mod market_state;
mod model_table;
pub mod order;
pub mod overrides;
mod passive;
pub mod queue;
pub mod queue_fifo;
pub mod record;
pub mod risk;
mod schedule;
mod side_serde;
pub mod source;
pub mod stats;
mod step_returns;
mod taker;
pub mod trades;
pub mod update;

pub use account::{Account, AccountSnapshot};
pub use compute::{CallbackTime, ComputeLatency, ComputeLatencyError, ComputeTimes};
pub use config::{
    ConfigError, FeeConfig, ImpactConfig, LatencyConfig, Models, QueueConfig, RunConfig,
};
pub use contract::ContractValue;
pub(crate) use engine::DueItem;
pub use engine::{Engine, EngineError, EngineSettings, TimerId, Wake};
pub use fees::{FeeModel, MakerTakerFees};
pub use impact::{ImpactModel, SqrtImpact};
pub use latency::{
    ConstantLatency, FeedLatency, InterpolatedLatency, LatencyFileError, LatencyModel, LatencyRow,
    LognormalLatency,
};
pub use local::{OpenOrder, QueueView};
pub use order::{
    OrderError, OrderId, OrderRequest, OrderState, OrderType, TimeInForce, MAX_BATCH_ORDERS,
};
pub use queue::{ProbQueue, QueueModel, QueueOrder, QueuePos, QueueWeight, RiskAverseQueue};
pub use queue_fifo::FifoQueue;
pub use record::{EquitySample, FillRecord, LogRecord, RecordSink, RunRecord, SampleCause};
pub use risk::{Exposure, RiskLimits};
pub use source::{
    BatchIter, EventBatch, EventSource, FallibleBatchIter, SliceSource, SourceError, VecSource,
};
pub use update::{Fill, Liquidity, OrderUpdate, Reason, UpdateKind};
