//! What identifies a Parquet file's contents cheaply: its size, its
//! modification time and a hash of its footer (the metadata that lists
//! every row group and column chunk, with their offsets and statistics).

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;
use std::time::UNIX_EPOCH;

use super::format::{fnv1a, SourceStamp};

/// Bytes hashed at the end of a file that has no readable Parquet footer
/// length, and the most hashed of any footer.
const TAIL_BYTES: u64 = 64 * 1024;
const MAX_FOOTER_BYTES: u64 = 16 * 1024 * 1024;

impl SourceStamp {
    /// The stamp of the file at `path` as it is now.
    pub fn of(path: &Path) -> io::Result<SourceStamp> {
        let mut file = File::open(path)?;
        let meta = file.metadata()?;
        let size_bytes = meta.len();
        let mtime_ns = meta
            .modified()
            .ok()
            .and_then(|time| time.duration_since(UNIX_EPOCH).ok())
            .and_then(|since| i64::try_from(since.as_nanos()).ok())
            .unwrap_or(0);
        // A Parquet file ends with the footer's length (u32, little-endian)
        // and the magic `PAR1`.
        let mut footer_len = TAIL_BYTES;
        if size_bytes >= 8 {
            let mut trailer = [0u8; 8];
            file.seek(SeekFrom::End(-8))?;
            file.read_exact(&mut trailer)?;
            if &trailer[4..] == b"PAR1" {
                let len = u32::from_le_bytes([trailer[0], trailer[1], trailer[2], trailer[3]]);
                footer_len = u64::from(len) + 8;
            }
        }
        let hashed = footer_len.min(MAX_FOOTER_BYTES).min(size_bytes);
        let mut tail = vec![0u8; usize::try_from(hashed).unwrap_or(0)];
        file.seek(SeekFrom::Start(size_bytes - hashed))?;
        file.read_exact(&mut tail)?;
        Ok(SourceStamp {
            size_bytes,
            mtime_ns,
            footer_hash: fnv1a(&tail),
        })
    }

    /// How `self` (the file now) differs from `built` (the file the cache
    /// was built from), in words; `None` when they match.
    pub(crate) fn change_from(&self, built: &SourceStamp) -> Option<String> {
        if self.size_bytes != built.size_bytes {
            Some(format!(
                "the data file changed (size {} bytes, the cache was built from {} bytes)",
                self.size_bytes, built.size_bytes
            ))
        } else if self.mtime_ns != built.mtime_ns {
            Some("the data file changed (modification time)".to_owned())
        } else if self.footer_hash != built.footer_hash {
            Some("the data file changed (footer contents)".to_owned())
        } else {
            None
        }
    }
}
