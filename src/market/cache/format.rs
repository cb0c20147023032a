//! The cache file's bytes: a fixed header, the events as fixed-size records
//! in the engine's own layout, then a sparse time index.
//!
//! ```text
//! offset 0                  header (HEADER_BYTES, little-endian fields, checksummed)
//! offset HEADER_BYTES       events × RECORD_BYTES: MarketEvent as laid out in memory
//! after the events          index: exch_ts (i64) of every INDEX_EVERY-th event
//! ```
//!
//! A cache is renamed into place as soon as it is written, without waiting
//! for the disk: its header names the boot of the machine it was written
//! in, and a word beside the checksum (outside it) says once the file is
//! known to be on disk (*sealed*). Within the boot that wrote it, the
//! operating system serves the file exactly as written; after a restart,
//! only a sealed cache is read (an unsealed one may have lost data in a
//! crash).
//!
//! Everything is written little-endian; a big-endian machine refuses the
//! file (it falls back to Parquet). The header carries a fingerprint of the
//! `MarketEvent` layout (size, alignment, field offsets), so a build whose
//! event differs refuses a cache written by another.

use std::mem::{align_of, offset_of, size_of};

use crate::market::{MarketEvent, Side};

/// First bytes of every cache file.
pub(crate) const MAGIC: [u8; 8] = *b"TICKLABC";
/// Version of the file format; a file of another version is rebuilt.
pub(crate) const FORMAT_VERSION: u32 = 2;
/// Written as a little-endian `u32`; read back equal only on a
/// little-endian machine.
const ENDIAN_MARK: u32 = 0x0102_0304;
/// Bytes of the header; a multiple of the event's alignment, so records
/// that follow it in a page-aligned mapping are aligned.
pub(crate) const HEADER_BYTES: usize = 160;
/// Bytes of one event record.
pub(crate) const RECORD_BYTES: usize = size_of::<MarketEvent>();
/// Events between two entries of the time index.
pub(crate) const INDEX_EVERY: u64 = 4096;
/// Bytes of one index entry.
pub(crate) const INDEX_ENTRY_BYTES: usize = 8;
/// Offset of the header checksum: it covers every byte before the seal.
const CHECKSUM_AT: usize = HEADER_BYTES - 8;
/// Offset of the seal word, written in place once the file is on disk.
pub(crate) const SEAL_AT: usize = CHECKSUM_AT - 8;
/// The seal word of a cache known to be on disk.
pub(crate) const SEALED: u64 = 0x5345_414c_4544_2121;

const _: () = assert!(HEADER_BYTES.is_multiple_of(align_of::<MarketEvent>()));

/// FNV-1a, 64 bits: a small stable hash (the standard library's hasher may
/// change between Rust versions, and the cache outlives a build).
pub(crate) fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &byte in bytes {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// Fingerprint of the in-memory layout of [`MarketEvent`]: records written
/// by a build with another layout are refused.
pub(crate) fn layout_fingerprint() -> u64 {
    let facts = [
        size_of::<MarketEvent>(),
        align_of::<MarketEvent>(),
        offset_of!(MarketEvent, exch_ts),
        offset_of!(MarketEvent, local_ts),
        offset_of!(MarketEvent, price),
        offset_of!(MarketEvent, qty),
        offset_of!(MarketEvent, order_id),
        offset_of!(MarketEvent, kind),
        offset_of!(MarketEvent, side),
        offset_of!(MarketEvent, flags),
        size_of::<Side>(),
    ];
    let mut bytes = Vec::with_capacity(facts.len() * 8);
    for fact in facts {
        bytes.extend_from_slice(&(fact as u64).to_le_bytes());
    }
    fnv1a(&bytes)
}

/// The event as the bytes of its record: the in-memory layout of a
/// little-endian machine, padding zeroed.
#[inline]
pub(crate) fn encode_event(ev: &MarketEvent, out: &mut [u8; RECORD_BYTES]) {
    out.fill(0);
    let mut put = |at: usize, bytes: &[u8]| out[at..at + bytes.len()].copy_from_slice(bytes);
    put(offset_of!(MarketEvent, exch_ts), &ev.exch_ts.to_le_bytes());
    put(
        offset_of!(MarketEvent, local_ts),
        &ev.local_ts.to_le_bytes(),
    );
    put(offset_of!(MarketEvent, price), &ev.price.to_le_bytes());
    put(offset_of!(MarketEvent, qty), &ev.qty.to_le_bytes());
    put(
        offset_of!(MarketEvent, order_id),
        &ev.order_id.to_le_bytes(),
    );
    put(offset_of!(MarketEvent, kind), &[ev.kind as u8]);
    put(offset_of!(MarketEvent, side), &[ev.side as u8]);
    put(offset_of!(MarketEvent, flags), &[ev.flags]);
}

/// What identifies the Parquet file a cache was built from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SourceStamp {
    /// File size, bytes.
    pub size_bytes: u64,
    /// Last modification time, ns since the Unix epoch.
    pub mtime_ns: i64,
    /// FNV-1a hash of the file's Parquet footer (metadata and the trailing
    /// length and magic).
    pub footer_hash: u64,
}

/// Everything the header says.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Header {
    pub source: SourceStamp,
    pub tick_size: f64,
    pub lot_size: f64,
    pub events: u64,
    pub index_every: u64,
    pub flags_inferred: bool,
    pub local_before_exch: u64,
    pub first_local_before_exch_row: Option<u64>,
    pub row_groups: u64,
    pub first_exch_ts: i64,
    pub last_exch_ts: i64,
    /// The boot the file was written in ([`boot_id`]).
    pub boot_id: u64,
    /// The file is known to be on disk.
    pub sealed: bool,
}

/// A hash of this boot of the machine (Linux's
/// `/proc/sys/kernel/random/boot_id`), 0 when unknown. Read once: call it
/// before a sandbox closes `/proc`.
pub fn boot_id() -> u64 {
    static BOOT: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *BOOT.get_or_init(|| {
        std::fs::read("/proc/sys/kernel/random/boot_id")
            .map(|bytes| fnv1a(bytes.trim_ascii()).max(1))
            .unwrap_or(0)
    })
}

/// Why a header cannot be used, in words for the user.
pub(crate) type HeaderProblem = String;

impl Header {
    /// Entries of the time index.
    pub fn index_entries(&self) -> u64 {
        self.events.div_ceil(self.index_every.max(1))
    }

    /// The size the whole file must have.
    pub fn file_bytes(&self) -> Option<u64> {
        let records = self.events.checked_mul(RECORD_BYTES as u64)?;
        let index = self.index_entries().checked_mul(INDEX_ENTRY_BYTES as u64)?;
        (HEADER_BYTES as u64)
            .checked_add(records)?
            .checked_add(index)
    }

    /// Offset of the index.
    pub fn index_offset(&self) -> u64 {
        HEADER_BYTES as u64 + self.events * RECORD_BYTES as u64
    }

    /// The header's bytes.
    pub fn encode(&self) -> [u8; HEADER_BYTES] {
        let mut out = [0u8; HEADER_BYTES];
        let mut at = 0;
        let mut put = |bytes: &[u8]| {
            out[at..at + bytes.len()].copy_from_slice(bytes);
            at += bytes.len();
        };
        put(&MAGIC);
        put(&FORMAT_VERSION.to_le_bytes());
        put(&ENDIAN_MARK.to_le_bytes());
        put(&(HEADER_BYTES as u32).to_le_bytes());
        put(&(RECORD_BYTES as u32).to_le_bytes());
        put(&layout_fingerprint().to_le_bytes());
        put(&self.source.size_bytes.to_le_bytes());
        put(&self.source.mtime_ns.to_le_bytes());
        put(&self.source.footer_hash.to_le_bytes());
        put(&self.tick_size.to_bits().to_le_bytes());
        put(&self.lot_size.to_bits().to_le_bytes());
        put(&self.events.to_le_bytes());
        put(&self.index_every.to_le_bytes());
        put(&u64::from(self.flags_inferred).to_le_bytes());
        put(&self.local_before_exch.to_le_bytes());
        put(&self
            .first_local_before_exch_row
            .unwrap_or(u64::MAX)
            .to_le_bytes());
        put(&self.row_groups.to_le_bytes());
        put(&self.first_exch_ts.to_le_bytes());
        put(&self.last_exch_ts.to_le_bytes());
        put(&self.boot_id.to_le_bytes());
        let checksum = fnv1a(&out[..SEAL_AT]);
        let seal = if self.sealed { SEALED } else { 0 };
        out[SEAL_AT..CHECKSUM_AT].copy_from_slice(&seal.to_le_bytes());
        out[CHECKSUM_AT..].copy_from_slice(&checksum.to_le_bytes());
        out
    }

    /// Reads a header, refusing a foreign file, another format version,
    /// another byte order or event layout, and a damaged header.
    pub fn decode(bytes: &[u8]) -> Result<Header, HeaderProblem> {
        if bytes.len() < HEADER_BYTES {
            return Err(format!(
                "truncated: {} bytes, shorter than the {HEADER_BYTES}-byte header",
                bytes.len()
            ));
        }
        let mut fields = Fields { bytes, at: 0 };
        if fields.take::<8>() != MAGIC {
            return Err("not a ticklab event cache (wrong magic bytes)".to_owned());
        }
        let version = u32::from_le_bytes(fields.take());
        if version != FORMAT_VERSION {
            return Err(format!(
                "format version {version}, this build reads version {FORMAT_VERSION}"
            ));
        }
        if u32::from_le_bytes(fields.take()) != ENDIAN_MARK || cfg!(target_endian = "big") {
            return Err("written for another byte order".to_owned());
        }
        let header_bytes = u32::from_le_bytes(fields.take()) as usize;
        let record_bytes = u32::from_le_bytes(fields.take()) as usize;
        let layout = fields.u64();
        if header_bytes != HEADER_BYTES
            || record_bytes != RECORD_BYTES
            || layout != layout_fingerprint()
        {
            return Err("written for another event layout".to_owned());
        }
        let checksum = u64::from_le_bytes(
            bytes[CHECKSUM_AT..HEADER_BYTES]
                .try_into()
                .map_err(|_| "truncated header".to_owned())?,
        );
        if checksum != fnv1a(&bytes[..SEAL_AT]) {
            return Err("damaged header (checksum mismatch)".to_owned());
        }
        let source = SourceStamp {
            size_bytes: fields.u64(),
            mtime_ns: fields.i64(),
            footer_hash: fields.u64(),
        };
        let header = Header {
            source,
            tick_size: f64::from_bits(fields.u64()),
            lot_size: f64::from_bits(fields.u64()),
            events: fields.u64(),
            index_every: fields.u64(),
            flags_inferred: fields.u64() != 0,
            local_before_exch: fields.u64(),
            first_local_before_exch_row: Some(fields.u64()).filter(|&row| row != u64::MAX),
            row_groups: fields.u64(),
            first_exch_ts: fields.i64(),
            last_exch_ts: fields.i64(),
            boot_id: fields.u64(),
            sealed: bytes
                .get(SEAL_AT..CHECKSUM_AT)
                .is_some_and(|word| word == SEALED.to_le_bytes()),
        };
        if header.index_every == 0 {
            return Err("damaged header (index step 0)".to_owned());
        }
        Ok(header)
    }
}

/// Little-endian fields read in order from the header bytes (long enough:
/// checked by the caller).
struct Fields<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Fields<'_> {
    fn take<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        if let Some(bytes) = self.bytes.get(self.at..self.at + N) {
            out.copy_from_slice(bytes);
        }
        self.at += N;
        out
    }

    fn u64(&mut self) -> u64 {
        u64::from_le_bytes(self.take())
    }

    fn i64(&mut self) -> i64 {
        i64::from_le_bytes(self.take())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::market::EventKind;

    fn header() -> Header {
        Header {
            source: SourceStamp {
                size_bytes: 1234,
                mtime_ns: 1_700_000_000_123_456_789,
                footer_hash: 0xdead_beef,
            },
            tick_size: 0.1,
            lot_size: 0.001,
            events: 10_000,
            index_every: INDEX_EVERY,
            flags_inferred: true,
            local_before_exch: 2,
            first_local_before_exch_row: Some(17),
            row_groups: 3,
            first_exch_ts: 5,
            last_exch_ts: 99,
            boot_id: 77,
            sealed: false,
        }
    }

    #[test]
    fn header_round_trips_and_sizes_the_file() {
        let header = header();
        let bytes = header.encode();
        assert_eq!(Header::decode(&bytes), Ok(header.clone()));
        // 160 + 10 000 × 48 + 3 index entries × 8.
        assert_eq!(header.file_bytes(), Some(160 + 480_000 + 24));
        assert_eq!(header.index_offset(), 480_160);
    }

    #[test]
    fn header_refuses_foreign_versions_layouts_and_damage() {
        let good = header().encode();
        let mut foreign = good;
        foreign[..8].copy_from_slice(b"PAR1PAR1");
        assert_eq!(
            Header::decode(&foreign),
            Err("not a ticklab event cache (wrong magic bytes)".to_owned())
        );
        let mut older = good;
        older[8..12].copy_from_slice(&0u32.to_le_bytes());
        assert_eq!(
            Header::decode(&older),
            Err("format version 0, this build reads version 2".to_owned())
        );
        let mut endian = good;
        endian[12..16].copy_from_slice(&ENDIAN_MARK.to_be_bytes());
        assert_eq!(
            Header::decode(&endian),
            Err("written for another byte order".to_owned())
        );
        let mut layout = good;
        layout[24] ^= 1;
        assert_eq!(
            Header::decode(&layout),
            Err("written for another event layout".to_owned())
        );
        let mut damaged = good;
        damaged[72] ^= 0x40; // the event count
        assert_eq!(
            Header::decode(&damaged),
            Err("damaged header (checksum mismatch)".to_owned())
        );
        // The seal is outside the checksum: written in place later.
        let mut sealed = good;
        sealed[SEAL_AT..CHECKSUM_AT].copy_from_slice(&SEALED.to_le_bytes());
        assert_eq!(
            Header::decode(&sealed).map(|header| header.sealed),
            Ok(true)
        );
        assert_eq!(
            Header::decode(&good[..100]),
            Err("truncated: 100 bytes, shorter than the 160-byte header".to_owned())
        );
    }

    #[test]
    fn a_record_is_the_event_in_memory() {
        let ev = MarketEvent {
            exch_ts: 0x0102_0304_0506_0708,
            local_ts: -2,
            price: 12_345,
            qty: 7,
            order_id: 99,
            kind: EventKind::Fill,
            side: Side::Sell,
            flags: 3,
        };
        let mut record = [0u8; RECORD_BYTES];
        encode_event(&ev, &mut record);
        assert_eq!(&record[..8], &[8, 7, 6, 5, 4, 3, 2, 1]);
        assert_eq!(&record[40..48], &[8, 1, 3, 0, 0, 0, 0, 0]);
        let back: MarketEvent =
            bytemuck::checked::try_pod_read_unaligned(&record).expect("a valid record");
        assert_eq!(back, ev);
    }
}
