//! Reading one entry of a zip archive as a stream (hftbacktest `.npz`,
//! Bybit order-book zips): the central directory (zip64 included, as NumPy
//! writes it) says where the entry is, and its bytes are streamed from the
//! file through a deflate decoder, so memory does not grow with the entry.
//! Stored and deflate entries are read; other methods are an error.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use flate2::read::DeflateDecoder;

use super::ImportError;

const EOCD: u32 = 0x0605_4b50;
const ZIP64_LOCATOR: u32 = 0x0706_4b50;
const ZIP64_EOCD: u32 = 0x0606_4b50;
const CENTRAL: u32 = 0x0201_4b50;
const LOCAL: u32 = 0x0403_4b50;
/// The end record, at most this far from the end (22 bytes + a comment).
const EOCD_SEARCH_BYTES: u64 = 22 + 0xffff;
const STORED: u16 = 0;
const DEFLATED: u16 = 8;

/// True when the file starts with a zip local header.
pub(crate) fn is_zip(path: &Path) -> Result<bool, ImportError> {
    let mut head = [0u8; 4];
    let mut file = File::open(path).map_err(|err| ImportError::io(path, err))?;
    let read = file
        .read(&mut head)
        .map_err(|err| ImportError::io(path, err))?;
    Ok(read == 4 && (head == *b"PK\x03\x04" || head == *b"PK\x05\x06"))
}

/// One entry of the central directory.
struct Entry {
    name: String,
    method: u16,
    compressed_size: u64,
    local_offset: u64,
}

fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

fn u64_at(bytes: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(bytes.get(at..at + 8)?.try_into().ok()?))
}

fn read_at(file: &mut File, offset: u64, len: usize) -> std::io::Result<Vec<u8>> {
    file.seek(SeekFrom::Start(offset))?;
    let mut bytes = vec![0; len];
    file.read_exact(&mut bytes)?;
    Ok(bytes)
}

/// The central directory's entries.
fn entries(file: &mut File) -> Result<Vec<Entry>, String> {
    let io = |err: std::io::Error| err.to_string();
    let len = file.seek(SeekFrom::End(0)).map_err(io)?;
    let tail_len = len.min(EOCD_SEARCH_BYTES);
    let tail = read_at(file, len - tail_len, tail_len as usize).map_err(io)?;
    let eocd = (0..tail.len().saturating_sub(21))
        .rev()
        .find(|&at| u32_at(&tail, at) == Some(EOCD))
        .ok_or("no end-of-central-directory record")?;
    let bad = || "a damaged end-of-central-directory record".to_owned();
    let mut count = u64::from(u16_at(&tail, eocd + 10).ok_or_else(bad)?);
    let mut dir_size = u64::from(u32_at(&tail, eocd + 12).ok_or_else(bad)?);
    let mut dir_offset = u64::from(u32_at(&tail, eocd + 16).ok_or_else(bad)?);
    if eocd >= 20 && u32_at(&tail, eocd - 20) == Some(ZIP64_LOCATOR) {
        let at = u64_at(&tail, eocd - 12).ok_or_else(bad)?;
        let record = read_at(file, at, 56).map_err(io)?;
        if u32_at(&record, 0) != Some(ZIP64_EOCD) {
            return Err("a damaged zip64 end record".into());
        }
        count = u64_at(&record, 32).ok_or_else(bad)?;
        dir_size = u64_at(&record, 40).ok_or_else(bad)?;
        dir_offset = u64_at(&record, 48).ok_or_else(bad)?;
    }
    if dir_size > len {
        return Err("a central directory larger than the file".into());
    }
    let dir = read_at(file, dir_offset, dir_size as usize).map_err(io)?;
    let mut out = Vec::new();
    let mut at = 0;
    for _ in 0..count {
        let bad = || {
            format!(
                "a damaged central directory entry at byte {}",
                dir_offset + at as u64
            )
        };
        if u32_at(&dir, at) != Some(CENTRAL) {
            return Err(bad());
        }
        let method = u16_at(&dir, at + 10).ok_or_else(bad)?;
        let mut compressed_size = u64::from(u32_at(&dir, at + 20).ok_or_else(bad)?);
        let uncompressed = u32_at(&dir, at + 24).ok_or_else(bad)?;
        let name_len = usize::from(u16_at(&dir, at + 28).ok_or_else(bad)?);
        let extra_len = usize::from(u16_at(&dir, at + 30).ok_or_else(bad)?);
        let comment_len = usize::from(u16_at(&dir, at + 32).ok_or_else(bad)?);
        let mut local_offset = u64::from(u32_at(&dir, at + 42).ok_or_else(bad)?);
        let name = dir.get(at + 46..at + 46 + name_len).ok_or_else(bad)?;
        let extra = dir
            .get(at + 46 + name_len..at + 46 + name_len + extra_len)
            .ok_or_else(bad)?;
        // Zip64: the sizes and offset that do not fit 32 bits are in the
        // 0x0001 extra field, in this order, only those that overflowed.
        let mut field = 0;
        while field + 4 <= extra.len() {
            let id = u16_at(extra, field).ok_or_else(bad)?;
            let size = usize::from(u16_at(extra, field + 2).ok_or_else(bad)?);
            if id == 1 {
                let mut value_at = field + 4;
                let mut next = || {
                    let value = u64_at(extra, value_at);
                    value_at += 8;
                    value
                };
                if uncompressed == u32::MAX {
                    next().ok_or_else(bad)?;
                }
                if compressed_size == u64::from(u32::MAX) {
                    compressed_size = next().ok_or_else(bad)?;
                }
                if local_offset == u64::from(u32::MAX) {
                    local_offset = next().ok_or_else(bad)?;
                }
            }
            field += 4 + size;
        }
        out.push(Entry {
            name: String::from_utf8_lossy(name).into_owned(),
            method,
            compressed_size,
            local_offset,
        });
        at += 46 + name_len + extra_len + comment_len;
    }
    Ok(out)
}

/// Opens the first entry whose name ends with `suffix`; returns its reader
/// and its name.
pub(crate) fn open_entry(
    path: &Path,
    suffix: &str,
) -> Result<(Box<dyn Read + Send>, String), ImportError> {
    let mut file = File::open(path).map_err(|err| ImportError::io(path, err))?;
    let entries = entries(&mut file).map_err(|reason| {
        ImportError::format(path, format!("not a readable zip archive: {reason}"))
    })?;
    let Some(entry) = entries.iter().find(|e| e.name.ends_with(suffix)) else {
        let names: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
        return Err(ImportError::format(
            path,
            format!(
                "the zip holds no `*{suffix}` entry (it holds: {})",
                if names.is_empty() {
                    "nothing".to_owned()
                } else {
                    names.join(", ")
                }
            ),
        ));
    };
    let local =
        read_at(&mut file, entry.local_offset, 30).map_err(|err| ImportError::io(path, err))?;
    let (Some(LOCAL), Some(name_len), Some(extra_len)) =
        (u32_at(&local, 0), u16_at(&local, 26), u16_at(&local, 28))
    else {
        return Err(ImportError::format(
            path,
            format!("zip entry `{}`: a damaged local header", entry.name),
        ));
    };
    let start = entry.local_offset + 30 + u64::from(name_len) + u64::from(extra_len);
    file.seek(SeekFrom::Start(start))
        .map_err(|err| ImportError::io(path, err))?;
    let raw = BufReader::with_capacity(1 << 16, file).take(entry.compressed_size);
    let reader: Box<dyn Read + Send> = match entry.method {
        STORED => Box::new(raw),
        DEFLATED => Box::new(BufReader::with_capacity(1 << 16, DeflateDecoder::new(raw))),
        other => {
            return Err(ImportError::format(
                path,
                format!(
                    "zip entry `{}` uses compression method {other}: only stored and deflate \
                     entries are read",
                    entry.name
                ),
            ))
        }
    };
    Ok((reader, entry.name.clone()))
}
