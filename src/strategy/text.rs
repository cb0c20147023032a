//! Strategy files (Python and rule files) read as UTF-8 text; a file that
//! is not is refused with the place of its first bad byte.

use std::path::Path;

/// Why a strategy file could not be read as text.
#[derive(Debug, thiserror::Error)]
pub enum TextError {
    /// The file could not be read.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// A byte sequence that is not UTF-8.
    #[error(
        "not UTF-8 text: byte 0x{byte:02X} at byte offset {offset} (line {line}, column {column}); save the file as UTF-8"
    )]
    NotUtf8 {
        /// Offset of the first bad byte from the start of the file, from 0.
        offset: usize,
        /// Its line, from 1.
        line: usize,
        /// Its column in characters, from 1.
        column: usize,
        /// The byte.
        byte: u8,
    },
}

/// The text of the file at `path`.
pub(crate) fn read_utf8(path: &Path) -> Result<String, TextError> {
    utf8_text(std::fs::read(path)?)
}

/// `bytes` as text, or where they stop being UTF-8.
pub(crate) fn utf8_text(bytes: Vec<u8>) -> Result<String, TextError> {
    String::from_utf8(bytes).map_err(|err| {
        let bytes = err.as_bytes();
        let offset = err.utf8_error().valid_up_to();
        // Everything before `offset` is valid UTF-8.
        let before = std::str::from_utf8(&bytes[..offset]).unwrap_or_default();
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        TextError::NotUtf8 {
            offset,
            line: before.matches('\n').count() + 1,
            column: before[line_start..].chars().count() + 1,
            byte: bytes.get(offset).copied().unwrap_or_default(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_bad_byte_is_placed() {
        let text = b"import ticklab\n# caf\xc3\xa9 cr\xe8me\n".to_vec();
        let err = utf8_text(text).unwrap_err();
        assert_eq!(
            err.to_string(),
            "not UTF-8 text: byte 0xE8 at byte offset 25 (line 2, column 10); save the file as UTF-8"
        );
        assert_eq!(utf8_text(b"ok\n".to_vec()).unwrap(), "ok\n");
    }
}
