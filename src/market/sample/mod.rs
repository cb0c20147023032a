//! Synthetic but realistic market data for the shipped samples.
//!
//! A sample day is generated, not recorded. Messages arrive as a
//! self-exciting (Hawkes) process whose baseline follows an intraday
//! activity profile; each message adds to a level, cancels from one, or is a
//! market order that takes the touch and sometimes sweeps deeper levels. The
//! order flow leans towards an unobserved fair price that diffuses and now
//! and then jumps, so the book follows it through bursts of sweeps, pulled
//! quotes and refills. Feed latency is lognormal jitter with rare stalls.
//!
//! Everything is integer ticks and lots, and fully determined by the
//! [`SampleSpec`] and the seed: the same pair gives the same events, byte for
//! byte, on every run.
//!
//! ```
//! use ticklab::market::sample::{generate, SampleSpec};
//!
//! let spec = SampleSpec::stock().with_target_events(5_000);
//! let events: Vec<_> = generate(&spec, 42).collect();
//! assert!(events.len() > 1_000);
//! ```

mod book_sim;
mod flow;
mod folder;
mod generator;
mod hawkes;
mod latency;
mod price;
mod profile;
mod random;
mod spec;

pub use folder::{write_sample_folder, SampleError, SampleFolderOptions, WrittenSample};
pub use generator::SampleEvents;
pub use profile::ActivityProfile;
pub use spec::{
    BookParams, CivilDate, HawkesParams, LatencyParams, Leader, PriceParams, SampleSpec, Session,
    SAMPLE_DAY, SAMPLE_DAY_2,
};

/// The seed of the shipped sample data.
pub const DEFAULT_SEED: u64 = 42;

/// The events of `spec`'s day for `seed`, generated lazily as the iterator
/// is read.
///
/// The day opens with a clear and a snapshot of the book (flagged
/// [`crate::market::flags::SNAPSHOT`]), followed by depth updates and
/// trades. Events of one exchange message share `exch_ts` and only the last
/// is flagged [`crate::market::flags::LAST_IN_BATCH`]; a trade is followed in
/// its message by the new quantity of every level it reached.
pub fn generate(spec: &SampleSpec, seed: u64) -> SampleEvents {
    SampleEvents::new(spec, seed)
}
