//! Replaying a cache while another process writes it: a sandboxed worker
//! may read a cache but never write one, so on a first run the parent
//! process decodes the day and appends its records to the cache's
//! temporary file, saying in a [progress page](super::progress) how many
//! are final, and the worker maps them as they come, waiting when it
//! catches up. If the writing is abandoned (the read failed, the disk is
//! full), the worker reads the rest of the day from Parquet.

use std::fs::File;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use super::format::{HEADER_BYTES, RECORD_BYTES};
use super::map::MappedEvents;
use super::progress::{GrowthState, ProgressView};

/// Longest wait between two looks at the progress page.
const MAX_WAIT: Duration = Duration::from_millis(1);
/// First wait after catching up with the writer.
const FIRST_WAIT: Duration = Duration::from_micros(20);

/// A day's cache that another process writes while this one replays it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FollowedCache {
    /// The day's Parquet file.
    pub source: PathBuf,
    /// The cache's temporary file, being written.
    pub temp: PathBuf,
    /// The cache's name once complete (the temporary file is renamed to
    /// it, perhaps before this process opens it).
    pub target: PathBuf,
    /// The progress page.
    pub page: PathBuf,
    /// The day's slot in the page.
    pub slot: usize,
}

/// What the writer of the caches tells the process that replays them.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CacheHandover {
    /// Days whose cache is being written: replay it as it grows.
    pub following: Vec<FollowedCache>,
    /// Days that get no cache this run (the writer said why): read their
    /// Parquet file without trying to write one.
    pub uncached: Vec<PathBuf>,
}

impl CacheHandover {
    /// True when there is nothing to hand over.
    pub fn is_empty(&self) -> bool {
        self.following.is_empty() && self.uncached.is_empty()
    }
}

/// The handover of this process, set once before its run.
static HANDOVER: OnceLock<CacheHandover> = OnceLock::new();

/// Makes `handover` what every replay of this process follows (a worker,
/// once, before its run); false when one was set already.
pub fn adopt_handover(handover: CacheHandover) -> bool {
    HANDOVER.set(handover).is_ok()
}

/// The handover this process follows (empty unless adopted).
pub(crate) fn handover() -> &'static CacheHandover {
    static EMPTY: CacheHandover = CacheHandover {
        following: Vec::new(),
        uncached: Vec::new(),
    };
    HANDOVER.get().unwrap_or(&EMPTY)
}

/// What the next look at a growing cache found.
#[derive(Debug)]
pub enum Growth {
    /// The next final records, mapped.
    Window(MappedEvents),
    /// Every record was read.
    End,
    /// The writing stopped before the end: the first `replayed` events
    /// were read from the cache, the rest must come from Parquet.
    Abandoned {
        /// Events already handed over.
        replayed: u64,
    },
}

/// A growing cache being followed.
#[derive(Debug)]
pub struct GrowingCache {
    followed: FollowedCache,
    /// The page and the file, once opened (`None`: they could not be).
    opened: Option<(ProgressView, File)>,
    next: u64,
}

impl GrowingCache {
    /// Follows `followed` from its first record; the files are opened at
    /// the first look.
    pub fn new(followed: FollowedCache) -> Self {
        GrowingCache {
            followed,
            opened: None,
            next: 0,
        }
    }

    /// Events handed over so far.
    pub fn replayed(&self) -> u64 {
        self.next
    }

    fn open(followed: &FollowedCache) -> Option<(ProgressView, File)> {
        let view = ProgressView::open(&followed.page).ok()?;
        // Complete caches are renamed: then the file has its final name.
        let file = File::open(&followed.temp)
            .or_else(|_| File::open(&followed.target))
            .ok()?;
        Some((view, file))
    }

    /// The next at most `max_events` final records, waiting while the
    /// writer is behind; the end; or that the writing was abandoned.
    pub fn next_window(&mut self, max_events: u64) -> Result<Growth, String> {
        if self.opened.is_none() {
            match Self::open(&self.followed) {
                Some(opened) => self.opened = Some(opened),
                None => {
                    return Ok(Growth::Abandoned {
                        replayed: self.next,
                    })
                }
            }
        }
        let Some((view, file)) = &self.opened else {
            return Ok(Growth::Abandoned {
                replayed: self.next,
            });
        };
        let mut wait = FIRST_WAIT;
        loop {
            let (state, final_records) = view.read(self.followed.slot);
            if final_records > self.next {
                let count = (final_records - self.next).min(max_events.max(1));
                let offset = HEADER_BYTES as u64 + self.next * RECORD_BYTES as u64;
                let events = usize::try_from(count).map_err(|err| err.to_string())?;
                let window = MappedEvents::map(file, offset, events).map_err(|reason| {
                    format!(
                        "{}: events {}..{}: {reason}",
                        self.followed.temp.display(),
                        self.next,
                        self.next + count
                    )
                })?;
                self.next += count;
                return Ok(Growth::Window(window));
            }
            match state {
                GrowthState::Complete => return Ok(Growth::End),
                GrowthState::Abandoned => {
                    return Ok(Growth::Abandoned {
                        replayed: self.next,
                    })
                }
                GrowthState::Writing => {
                    std::thread::sleep(wait);
                    wait = (wait * 2).min(MAX_WAIT);
                }
            }
        }
    }
}
