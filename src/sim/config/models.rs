//! The simulator's models built from a run configuration: the queue,
//! latency, fee and impact model objects a [`RunConfig`] names.

use super::{ConfigError, ImpactConfig, LatencyConfig, QueueConfig, RunConfig};
use crate::market::Instrument;
use crate::sim::fees::{FeeModel, MakerTakerFees};
use crate::sim::impact::{ImpactModel, SqrtImpact};
use crate::sim::latency::{ConstantLatency, InterpolatedLatency, LatencyModel, LognormalLatency};
use crate::sim::queue::{ProbQueue, QueueModel, RiskAverseQueue};
use crate::sim::queue_fifo::FifoQueue;

/// The models of one run, built from a [`RunConfig`] or chosen in code.
pub struct Models {
    /// Queue-position model.
    pub queue: Box<dyn QueueModel>,
    /// Order-entry and response latency.
    pub latency: Box<dyn LatencyModel>,
    /// Fees.
    pub fees: Box<dyn FeeModel>,
    /// Impact model; `None` walks the book.
    pub impact: Option<Box<dyn ImpactModel>>,
}

impl RunConfig {
    /// Builds the models this configuration names; reads the latency
    /// recording when there is one.
    pub fn build_models(&self, instrument: &Instrument) -> Result<Models, ConfigError> {
        let queue: Box<dyn QueueModel> = match self.queue {
            QueueConfig::RiskAverse => Box::new(RiskAverseQueue),
            QueueConfig::ProbPower { n } => Box::new(ProbQueue::power(n)),
            QueueConfig::ProbPower3 { n } => Box::new(ProbQueue::power3(n)),
            QueueConfig::ProbLog => Box::new(ProbQueue::log()),
            QueueConfig::Fifo => Box::new(FifoQueue::new()),
        };
        let latency: Box<dyn LatencyModel> = match &self.latency {
            LatencyConfig::Constant {
                entry_ns,
                response_ns,
            } => Box::new(ConstantLatency {
                entry_ns: *entry_ns,
                response_ns: *response_ns,
            }),
            LatencyConfig::Lognormal {
                entry_median_ns,
                response_median_ns,
                sigma,
            } => Box::new(LognormalLatency::new(
                *entry_median_ns,
                *response_median_ns,
                *sigma,
                self.seed,
            )),
            LatencyConfig::Recorded { path, rows } => {
                if rows.is_empty() {
                    return Err(ConfigError::Invalid {
                        field: "latency.path",
                        reason: format!(
                            "the recording {} was not loaded (read the configuration with session::read_run_config)",
                            path.display()
                        ),
                    });
                }
                Box::new(InterpolatedLatency::from_rows(rows.clone()))
            }
        };
        let defaults = MakerTakerFees::from_instrument(instrument);
        let fees = Box::new(MakerTakerFees {
            maker_rate: self.fees.maker_rate.unwrap_or(defaults.maker_rate),
            taker_rate: self.fees.taker_rate.unwrap_or(defaults.taker_rate),
            per_fill: self.fees.per_fill.unwrap_or(defaults.per_fill),
        });
        let impact: Option<Box<dyn ImpactModel>> = match self.impact {
            ImpactConfig::None => None,
            ImpactConfig::Sqrt {
                k,
                daily_vol_ticks,
                adv_lots,
                max_share_of_visible,
            } => Some(Box::new(SqrtImpact {
                k,
                daily_vol_ticks,
                adv_lots,
                max_share_of_visible,
            })),
        };
        Ok(Models {
            queue,
            latency,
            fees,
            impact,
        })
    }
}
