//! What a file looks like from its first bytes (magic numbers), so that a
//! file given to the wrong converter is named by its format instead of
//! having its bytes echoed as a CSV header.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use flate2::read::MultiGzDecoder;

/// Bytes looked at, before and after gzip.
const HEAD_BYTES: usize = 4096;

/// What the file at `path` looks like when it is not a text table: `Some`
/// with a short description (and the converter to use, where ticklab has
/// one), `None` for text that may be CSV or when the file cannot be read.
pub(crate) fn binary_format(path: &Path) -> Option<String> {
    let head = read_head(File::open(path).ok()?)?;
    if head.starts_with(&[0x1f, 0x8b]) {
        let inner = read_head(MultiGzDecoder::new(File::open(path).ok()?))?;
        return Some(match describe(&inner) {
            Some(what) => format!("gzip-compressed {what}"),
            None if is_text(&inner) => return None,
            None => "gzip-compressed binary data".to_owned(),
        });
    }
    describe(&head).or_else(|| (!is_text(&head)).then(|| "binary data".to_owned()))
}

fn read_head(reader: impl Read) -> Option<Vec<u8>> {
    let mut head = Vec::with_capacity(HEAD_BYTES);
    // A stream that fails part way (a truncated gzip) still shows its head.
    let _ = reader.take(HEAD_BYTES as u64).read_to_end(&mut head);
    Some(head)
}

/// The format of `head` by its magic bytes, or a text layout other than a
/// table (JSON lines, capture lines).
fn describe(head: &[u8]) -> Option<String> {
    let what = if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        let first = zip_first_name(head).unwrap_or_default();
        if first.ends_with(".npy") {
            format!("a zip of NumPy arrays (`{first}`: an hftbacktest .npz; use --from npz)")
        } else if first.ends_with(".data") {
            format!("a zip holding `{first}` (a Bybit order-book file; use --from bybit)")
        } else if first.is_empty() {
            "a zip archive".to_owned()
        } else {
            format!("a zip archive holding `{first}`")
        }
    } else if head.starts_with(b"PAR1") {
        "a Parquet file (a canonical day file needs no conversion: put it in a data folder)"
            .to_owned()
    } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        "zstd-compressed data (Databento's .dbn.zst files are; use --from dbn)".to_owned()
    } else if head.starts_with(b"DBN") && head.get(3).is_some_and(|v| (1..=3).contains(v)) {
        "a Databento DBN file (use --from dbn)".to_owned()
    } else if head.starts_with(b"\x93NUMPY") {
        "a NumPy .npy array".to_owned()
    } else if head.starts_with(b"BZh") {
        "bzip2-compressed data (decompress it first)".to_owned()
    } else if head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0]) {
        "xz-compressed data (decompress it first)".to_owned()
    } else if is_capture_line(head) {
        "hftbacktest collector capture lines (`<local ns> <json>`; use --from collector)".to_owned()
    } else if head.trim_ascii_start().starts_with(b"{") {
        "JSON lines (a Bybit order-book .data file? use --from bybit)".to_owned()
    } else {
        return None;
    };
    Some(what)
}

/// The name of the first entry of a zip archive, from its local header.
fn zip_first_name(head: &[u8]) -> Option<String> {
    let len = usize::from(u16::from_le_bytes([*head.get(26)?, *head.get(27)?]));
    let name = head.get(30..30 + len)?;
    Some(String::from_utf8_lossy(name).into_owned())
}

/// `<digits> {`: a line of hftbacktest's collector.
fn is_capture_line(head: &[u8]) -> bool {
    let digits = head.iter().take_while(|b| b.is_ascii_digit()).count();
    (10..=20).contains(&digits) && head[digits..].starts_with(b" {")
}

/// No NUL byte and valid UTF-8 (but for a character cut at the end).
fn is_text(head: &[u8]) -> bool {
    if head.contains(&0) {
        return false;
    }
    match std::str::from_utf8(head) {
        Ok(_) => true,
        Err(err) => err.error_len().is_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_bytes_name_the_format() {
        let zip_npz =
            b"PK\x03\x04\x2d\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x08\0\0\0data.npy....";
        assert!(describe(zip_npz).unwrap().contains("use --from npz"));
        assert!(describe(b"PAR1\x15\x04")
            .unwrap()
            .starts_with("a Parquet file"));
        assert!(describe(&[0x28, 0xb5, 0x2f, 0xfd, 0])
            .unwrap()
            .contains("zstd"));
        assert!(describe(b"DBN\x02....").unwrap().contains("DBN"));
        assert!(describe(b"1723161255030314667 {\"stream\":1}")
            .unwrap()
            .contains("--from collector"));
        assert_eq!(describe(b"exchange,symbol,timestamp\n"), None);
        assert!(
            is_text(b"a,b\n\xc3"),
            "a character cut at the end is still text"
        );
        assert!(!is_text(b"a\0b"));
    }
}
