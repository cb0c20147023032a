//! The header of a NumPy `.npy` array: a magic string, a version, and a
//! Python dict literal giving the record layout (`descr`), the memory order
//! and the shape. Only what a one-dimensional array of little-endian
//! records needs is read.

use std::collections::BTreeMap;
use std::io::Read;

/// A field of a structured record: its byte offset and type code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NpyField {
    /// Byte offset in the record.
    pub offset: usize,
    /// NumPy type string without byte order: `u8`, `i8`, `f8`, ...
    pub code: String,
}

/// The layout of a one-dimensional `.npy` array of structured records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NpyHeader {
    /// Bytes per record.
    pub itemsize: usize,
    /// Records in the array.
    pub len: u64,
    /// Fields by name.
    pub fields: BTreeMap<String, NpyField>,
}

/// Reads the header of an `.npy` stream, leaving `reader` at the first record.
pub(crate) fn read_header(reader: &mut dyn Read) -> Result<NpyHeader, String> {
    let mut magic = [0u8; 8];
    reader
        .read_exact(&mut magic)
        .map_err(|err| format!("cannot read the .npy magic: {err}"))?;
    if &magic[..6] != b"\x93NUMPY" {
        return Err("not a .npy array (no \\x93NUMPY magic)".into());
    }
    let header_len = match magic[6] {
        1 => {
            let mut len = [0u8; 2];
            reader.read_exact(&mut len).map_err(|e| e.to_string())?;
            usize::from(u16::from_le_bytes(len))
        }
        2 | 3 => {
            let mut len = [0u8; 4];
            reader.read_exact(&mut len).map_err(|e| e.to_string())?;
            u32::from_le_bytes(len) as usize
        }
        other => return Err(format!(".npy format version {other} is not known")),
    };
    if header_len > 1 << 20 {
        return Err(format!(".npy header of {header_len} bytes: too large"));
    }
    let mut text = vec![0u8; header_len];
    reader
        .read_exact(&mut text)
        .map_err(|err| format!("the .npy header is cut short: {err}"))?;
    let text = String::from_utf8_lossy(&text);
    let value = Parser::new(&text)
        .value()
        .map_err(|err| format!("cannot read the .npy header {:?}: {err}", text.trim()))?;
    header_from(&value)
}

fn header_from(value: &Py) -> Result<NpyHeader, String> {
    let Py::Dict(entries) = value else {
        return Err("the .npy header is not a dict".into());
    };
    let get = |key: &str| {
        entries
            .iter()
            .find(|(k, _)| matches!(k, Py::Str(s) if s == key))
            .map(|(_, v)| v)
    };
    if matches!(get("fortran_order"), Some(Py::Bool(true))) {
        return Err("a Fortran-ordered array: expected C order".into());
    }
    let len = match get("shape") {
        Some(Py::Seq(dims)) if dims.len() == 1 => match dims[0] {
            Py::Int(n) if n >= 0 => n as u64,
            _ => return Err("the .npy shape is not a length".into()),
        },
        _ => return Err("expected a one-dimensional array (shape `(n,)`)".into()),
    };
    let descr = get("descr").ok_or("the .npy header has no `descr`")?;
    let (fields, itemsize) = fields_from(descr)?;
    Ok(NpyHeader {
        itemsize,
        len,
        fields,
    })
}

/// Fields and record size of a structured `descr`: a list of
/// `(name, type)` tuples, or a dict of `names`, `formats`, `offsets`,
/// `itemsize`.
fn fields_from(descr: &Py) -> Result<(BTreeMap<String, NpyField>, usize), String> {
    let mut fields = BTreeMap::new();
    match descr {
        Py::Seq(items) => {
            let mut offset = 0;
            for item in items {
                let Py::Seq(parts) = item else {
                    return Err("a `descr` entry is not a (name, type) tuple".into());
                };
                let (Some(Py::Str(name)), Some(Py::Str(kind))) = (parts.first(), parts.get(1))
                else {
                    return Err("a `descr` entry is not a (name, type) tuple".into());
                };
                if parts.len() > 2 {
                    return Err(format!("field `{name}` is a sub-array: not supported"));
                }
                let (code, size) = type_code(kind)?;
                if !name.is_empty() {
                    fields.insert(name.clone(), NpyField { offset, code });
                }
                offset += size;
            }
            Ok((fields, offset))
        }
        Py::Dict(entries) => {
            let get = |key: &str| {
                entries
                    .iter()
                    .find(|(k, _)| matches!(k, Py::Str(s) if s == key))
                    .map(|(_, v)| v)
            };
            let (Some(Py::Seq(names)), Some(Py::Seq(formats)), Some(Py::Seq(offsets))) =
                (get("names"), get("formats"), get("offsets"))
            else {
                return Err("a dict `descr` needs names, formats and offsets".into());
            };
            let mut end = 0;
            for ((name, format), offset) in names.iter().zip(formats).zip(offsets) {
                let (Py::Str(name), Py::Str(format), Py::Int(offset)) = (name, format, offset)
                else {
                    return Err(
                        "a dict `descr` has a name, format or offset of the wrong type".into(),
                    );
                };
                let offset = usize::try_from(*offset).map_err(|_| "a negative offset")?;
                let (code, size) = type_code(format)?;
                end = end.max(offset + size);
                fields.insert(name.clone(), NpyField { offset, code });
            }
            let itemsize = match get("itemsize") {
                Some(Py::Int(n)) => usize::try_from(*n).map_err(|_| "a negative itemsize")?,
                _ => end,
            };
            Ok((fields, itemsize))
        }
        Py::Str(kind) => Err(format!(
            "a plain array of {kind}: expected structured records (hftbacktest's event_dtype)"
        )),
        _ => Err("`descr` is neither a list nor a dict".into()),
    }
}

/// The type code without byte order, and its size in bytes.
fn type_code(kind: &str) -> Result<(String, usize), String> {
    let (order, code) = match kind.as_bytes().first() {
        Some(b'<' | b'|' | b'=') => (kind.as_bytes()[0], &kind[1..]),
        Some(b'>') => return Err(format!("big-endian field type {kind:?}: not supported")),
        _ => (b'=', kind),
    };
    let _ = order;
    let size: usize = code
        .get(1..)
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| format!("field type {kind:?} is not known"))?;
    Ok((code.to_owned(), size))
}

/// A Python literal as NumPy writes it in a header.
#[derive(Debug, Clone, PartialEq)]
enum Py {
    Str(String),
    Int(i64),
    Bool(bool),
    None,
    Seq(Vec<Py>),
    Dict(Vec<(Py, Py)>),
}

struct Parser<'a> {
    text: &'a [u8],
    pos: usize,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str) -> Self {
        Parser {
            text: text.as_bytes(),
            pos: 0,
        }
    }

    fn skip_space(&mut self) {
        while self.text.get(self.pos).is_some_and(u8::is_ascii_whitespace) {
            self.pos += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.skip_space();
        self.text.get(self.pos).copied()
    }

    fn value(&mut self) -> Result<Py, String> {
        match self.peek() {
            Some(b'{') => {
                self.pos += 1;
                let mut entries = Vec::new();
                while self.peek() != Some(b'}') {
                    let key = self.value()?;
                    if self.peek() != Some(b':') {
                        return Err(format!("expected `:` at byte {}", self.pos));
                    }
                    self.pos += 1;
                    entries.push((key, self.value()?));
                    if self.peek() == Some(b',') {
                        self.pos += 1;
                    }
                }
                self.pos += 1;
                Ok(Py::Dict(entries))
            }
            Some(open @ (b'[' | b'(')) => {
                let close = if open == b'[' { b']' } else { b')' };
                self.pos += 1;
                let mut items = Vec::new();
                loop {
                    match self.peek() {
                        Some(c) if c == close => break,
                        None => return Err("unclosed list".into()),
                        _ => {}
                    }
                    items.push(self.value()?);
                    if self.peek() == Some(b',') {
                        self.pos += 1;
                    }
                }
                self.pos += 1;
                Ok(Py::Seq(items))
            }
            Some(quote @ (b'\'' | b'"')) => {
                self.pos += 1;
                let start = self.pos;
                while self.text.get(self.pos).is_some_and(|&c| c != quote) {
                    self.pos += 1;
                }
                let text = String::from_utf8_lossy(&self.text[start..self.pos]).into_owned();
                self.pos += 1;
                Ok(Py::Str(text))
            }
            Some(_) => {
                let start = self.pos;
                while self
                    .text
                    .get(self.pos)
                    .is_some_and(|&c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
                {
                    self.pos += 1;
                }
                let word = std::str::from_utf8(&self.text[start..self.pos]).unwrap_or("");
                match word {
                    "True" => Ok(Py::Bool(true)),
                    "False" => Ok(Py::Bool(false)),
                    "None" => Ok(Py::None),
                    "" => Err(format!("unexpected byte at {}", self.pos)),
                    _ => word
                        .trim_end_matches('L')
                        .parse()
                        .map(Py::Int)
                        .map_err(|_| format!("unexpected word {word:?}")),
                }
            }
            None => Err("the header ends early".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_list_and_the_dict_forms_of_a_record_layout() {
        let list = "{'descr': [('ev', '<u8'), ('exch_ts', '<i8'), ('', '|V8'), ('px', '<f8')], \
                    'fortran_order': False, 'shape': (3,), }";
        let header = header_from(&Parser::new(list).value().unwrap()).unwrap();
        assert_eq!(header.len, 3);
        assert_eq!(header.itemsize, 32);
        assert_eq!(header.fields["px"].offset, 24);
        assert_eq!(header.fields["ev"].code, "u8");

        let dict = "{'descr': {'names': ['ev', 'px'], 'formats': ['<u8', '<f8'], \
                    'offsets': [0, 16], 'itemsize': 64}, 'fortran_order': False, 'shape': (7,)}";
        let header = header_from(&Parser::new(dict).value().unwrap()).unwrap();
        assert_eq!((header.itemsize, header.len), (64, 7));
        assert_eq!(header.fields["px"].offset, 16);

        let fortran = "{'descr': [('ev', '<u8')], 'fortran_order': True, 'shape': (3,)}";
        assert!(header_from(&Parser::new(fortran).value().unwrap()).is_err());
    }
}
