//! The event cache: a day's events in the engine's own `#[repr(C)]` layout,
//! memory-mapped and replayed in place.
//!
//! The first replay of a day file decodes the Parquet file as usual and, on
//! the loader thread, writes its events to a cache file as they go by (no
//! extra pass); the file is renamed into place only once the whole day was
//! read without an error, so every value in a cache has passed the Parquet
//! reader's validation. Later replays map the cache a window at a time and
//! hand the windows to the engine: no decoding, no per-event validation.
//!
//! A sandboxed worker may read a cache but not write one: for it, the
//! parent process writes the cache while the worker replays the records
//! already written, following the file as it grows (see `follow`).
//!
//! A cache lives in `.ticklab-cache/` beside the day file (in the symbol
//! folder), or, when that folder cannot be written, in the user's cache
//! folder (`$XDG_CACHE_HOME/ticklab` or `~/.cache/ticklab`);
//! `TICKLAB_CACHE_DIR` puts every cache in one folder instead. A cache is
//! used only when its header matches this build (format version, byte
//! order, event layout), its size matches its header, and the day file is
//! the one it was built from (size, modification time and a hash of the
//! Parquet footer) read with the same tick and lot size; anything else is
//! reported once and the day is read from Parquet (and cached again).

mod follow;
mod format;
mod map;
mod plan;
mod progress;
mod reader;
mod stamp;
mod tap;
mod writer;

pub use follow::{adopt_handover, CacheHandover, FollowedCache, GrowingCache, Growth};
pub use format::{boot_id, SourceStamp};
pub use map::MappedEvents;
pub use plan::{cache_paths, clear_cache, plan_replay, CacheOptions, ReplayPlan, CACHE_DIR_ENV};
pub use progress::{GrowthState, ProgressPage, ProgressView};
pub use reader::{CacheInfo, EventCache};
pub use tap::CacheTap;
pub use writer::wait_for_seals;

/// Name of the folder beside the data that holds its caches.
pub const CACHE_DIR_NAME: &str = ".ticklab-cache";

/// Extension of a cache file.
pub const CACHE_EXTENSION: &str = "events";
