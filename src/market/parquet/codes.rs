//! String columns (`kind`, `side`) decoded straight to small codes.
//!
//! A dictionary-encoded column is read page by page: each dictionary entry
//! is looked up once, and each row is only an index into that table, so no
//! string is materialised per row. Columns in other encodings go through
//! the generic decoder and are looked up row by row.

use parquet::basic::Encoding;
use parquet::column::page::{Page, PageReader};
use parquet::data_type::ByteArrayType;

use super::columns::Col;
use super::rle;

/// Code of a null row.
pub(crate) const NULL_CODE: u8 = 255;
/// Code of a string that is not a known name.
pub(crate) const UNKNOWN_CODE: u8 = 254;
/// Code of a dictionary index past the dictionary's end (corrupt data).
const OUT_OF_RANGE_CODE: u8 = 253;

/// Looks up the code of a name (`None` when unknown).
pub(crate) type NameMap = fn(&[u8]) -> Option<u8>;

/// True when every encoding of a column chunk is one the page decoder
/// handles.
pub(crate) fn pages_supported(encodings: impl IntoIterator<Item = Encoding>) -> bool {
    encodings.into_iter().all(|encoding| {
        matches!(
            encoding,
            Encoding::PLAIN | Encoding::PLAIN_DICTIONARY | Encoding::RLE_DICTIONARY | Encoding::RLE
        )
    })
}

/// A string column of one row group, read as codes a batch at a time.
pub(crate) struct CodeCol {
    source: Source,
    map: NameMap,
    /// Codes of the last batch, one per row ([`NULL_CODE`] for nulls,
    /// [`UNKNOWN_CODE`] for unknown names).
    pub codes: Vec<u8>,
    /// The first unknown name met in the row group, in row order.
    first_unknown: Option<Vec<u8>>,
}

enum Source {
    Pages(PageSource),
    Values(Box<Col<ByteArrayType>>),
}

struct PageSource {
    pages: Box<dyn PageReader>,
    max_def_level: i16,
    /// Code of each dictionary entry.
    dictionary: Vec<u8>,
    /// The bytes of each unknown dictionary entry (`None` when known).
    unknown_entries: Vec<Option<Vec<u8>>>,
    /// Codes of the current page, and how many were handed out.
    page_codes: Vec<u8>,
    page_pos: usize,
    present: Vec<bool>,
    indices: Vec<u32>,
}

impl CodeCol {
    /// Reads pages directly (the column's encodings must be supported).
    pub fn from_pages(pages: Box<dyn PageReader>, max_def_level: i16, map: NameMap) -> Self {
        CodeCol {
            source: Source::Pages(PageSource {
                pages,
                max_def_level,
                dictionary: Vec::new(),
                unknown_entries: Vec::new(),
                page_codes: Vec::new(),
                page_pos: 0,
                present: Vec::new(),
                indices: Vec::new(),
            }),
            map,
            codes: Vec::new(),
            first_unknown: None,
        }
    }

    /// Reads through the generic decoder.
    pub fn from_values(col: Col<ByteArrayType>, map: NameMap) -> Self {
        CodeCol {
            source: Source::Values(Box::new(col)),
            map,
            codes: Vec::new(),
            first_unknown: None,
        }
    }

    /// The first unknown name of the row group, as (lossy) text.
    pub fn first_unknown(&self) -> String {
        String::from_utf8_lossy(self.first_unknown.as_deref().unwrap_or_default()).into_owned()
    }

    /// Decodes the codes of the next `rows` rows into `codes`.
    pub fn read(&mut self, rows: usize) -> Result<(), String> {
        self.codes.clear();
        let map = self.map;
        match &mut self.source {
            Source::Values(col) => {
                col.read(rows)?;
                let first_unknown = &mut self.first_unknown;
                let codes = &mut self.codes;
                col.for_each_row(|value| {
                    let code = match value {
                        None => NULL_CODE,
                        Some(bytes) => lookup(map, bytes.data(), first_unknown),
                    };
                    codes.push(code);
                });
                Ok(())
            }
            Source::Pages(source) => {
                while self.codes.len() < rows {
                    if source.page_pos == source.page_codes.len() {
                        let page = source
                            .pages
                            .get_next_page()
                            .map_err(|err| err.to_string())?
                            .ok_or_else(|| {
                                format!(
                                    "the column ends {} rows before the row group does",
                                    rows - self.codes.len()
                                )
                            })?;
                        source.decode_page(&page, map, &mut self.first_unknown)?;
                        continue;
                    }
                    let take =
                        (rows - self.codes.len()).min(source.page_codes.len() - source.page_pos);
                    let end = source.page_pos + take;
                    self.codes
                        .extend_from_slice(&source.page_codes[source.page_pos..end]);
                    source.page_pos = end;
                }
                Ok(())
            }
        }
    }
}

fn lookup(map: NameMap, bytes: &[u8], first_unknown: &mut Option<Vec<u8>>) -> u8 {
    map(bytes).unwrap_or_else(|| {
        first_unknown.get_or_insert_with(|| bytes.to_vec());
        UNKNOWN_CODE
    })
}

/// Calls `each` with every one of `count` PLAIN-encoded byte arrays.
fn plain_strings(data: &[u8], count: usize, mut each: impl FnMut(&[u8])) -> Result<(), String> {
    let mut pos = 0;
    for _ in 0..count {
        let length = data
            .get(pos..pos + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
            .ok_or_else(|| "truncated string length".to_owned())?;
        let bytes = data
            .get(pos + 4..pos + 4 + length)
            .ok_or_else(|| "truncated string".to_owned())?;
        each(bytes);
        pos += 4 + length;
    }
    Ok(())
}

impl PageSource {
    fn decode_page(
        &mut self,
        page: &Page,
        map: NameMap,
        first_unknown: &mut Option<Vec<u8>>,
    ) -> Result<(), String> {
        self.page_codes.clear();
        self.page_pos = 0;
        match page {
            Page::DictionaryPage {
                buf,
                num_values,
                encoding,
                ..
            } => {
                if !matches!(encoding, Encoding::PLAIN | Encoding::PLAIN_DICTIONARY) {
                    return Err(format!("dictionary page in encoding {encoding}"));
                }
                self.dictionary.clear();
                self.unknown_entries.clear();
                let (dictionary, unknown) = (&mut self.dictionary, &mut self.unknown_entries);
                plain_strings(buf, *num_values as usize, |bytes| {
                    let code = map(bytes);
                    dictionary.push(code.unwrap_or(UNKNOWN_CODE));
                    unknown.push(code.is_none().then(|| bytes.to_vec()));
                })
            }
            Page::DataPage {
                buf,
                num_values,
                encoding,
                def_level_encoding,
                ..
            } => {
                let (levels, values) = if self.max_def_level > 0 {
                    if *def_level_encoding != Encoding::RLE {
                        return Err(format!(
                            "definition levels in encoding {def_level_encoding}"
                        ));
                    }
                    let length = buf
                        .get(..4)
                        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
                        .ok_or_else(|| "truncated definition levels".to_owned())?;
                    let levels = buf
                        .get(4..4 + length)
                        .ok_or_else(|| "truncated definition levels".to_owned())?;
                    (Some(levels), buf.get(4 + length..).unwrap_or_default())
                } else {
                    (None, &buf[..])
                };
                self.decode_values(
                    *num_values as usize,
                    levels,
                    values,
                    *encoding,
                    map,
                    first_unknown,
                )
            }
            Page::DataPageV2 {
                buf,
                num_values,
                encoding,
                def_levels_byte_len,
                rep_levels_byte_len,
                ..
            } => {
                let levels_start = *rep_levels_byte_len as usize;
                let values_start = levels_start + *def_levels_byte_len as usize;
                let levels = buf
                    .get(levels_start..values_start)
                    .ok_or_else(|| "truncated definition levels".to_owned())?;
                let values = buf.get(values_start..).unwrap_or_default();
                let levels = (self.max_def_level > 0).then_some(levels);
                self.decode_values(
                    *num_values as usize,
                    levels,
                    values,
                    *encoding,
                    map,
                    first_unknown,
                )
            }
        }
    }

    fn decode_values(
        &mut self,
        rows: usize,
        levels: Option<&[u8]>,
        values: &[u8],
        encoding: Encoding,
        map: NameMap,
        first_unknown: &mut Option<Vec<u8>>,
    ) -> Result<(), String> {
        let mut present_rows = rows;
        if let Some(levels) = levels {
            let max_level = self.max_def_level;
            let bit_width = 16 - (max_level as u16).leading_zeros();
            self.indices.clear();
            rle::decode(levels, bit_width, rows, &mut self.indices)?;
            self.present.clear();
            self.present
                .extend(self.indices.iter().map(|&level| level == max_level as u32));
            present_rows = self.present.iter().filter(|&&p| p).count();
        }
        let codes = &mut self.page_codes;
        match encoding {
            Encoding::RLE_DICTIONARY | Encoding::PLAIN_DICTIONARY => {
                let (&bit_width, indices) = values
                    .split_first()
                    .ok_or_else(|| "missing dictionary indices".to_owned())?;
                self.indices.clear();
                rle::decode(
                    indices,
                    u32::from(bit_width),
                    present_rows,
                    &mut self.indices,
                )?;
                let dictionary = &self.dictionary;
                codes.extend(self.indices.iter().map(|&index| {
                    dictionary
                        .get(index as usize)
                        .copied()
                        .unwrap_or(OUT_OF_RANGE_CODE)
                }));
                if codes.iter().any(|&code| code >= OUT_OF_RANGE_CODE) {
                    if codes.contains(&OUT_OF_RANGE_CODE) {
                        return Err("dictionary index out of range".to_owned());
                    }
                    let position = codes.iter().position(|&code| code == UNKNOWN_CODE);
                    if let (None, Some(position)) = (&first_unknown, position) {
                        let index = self.indices[position] as usize;
                        *first_unknown = self.unknown_entries.get(index).cloned().flatten();
                    }
                }
            }
            Encoding::PLAIN => {
                plain_strings(values, present_rows, |bytes| {
                    codes.push(lookup(map, bytes, first_unknown));
                })?;
            }
            other => return Err(format!("data page in encoding {other}")),
        }
        if present_rows < rows {
            // Spread the values over the rows, nulls in between.
            codes.resize(rows, NULL_CODE);
            let mut next = present_rows;
            for row in (0..rows).rev() {
                if self.present.get(row).copied().unwrap_or(false) {
                    next -= 1;
                    codes[row] = codes[next];
                } else {
                    codes[row] = NULL_CODE;
                }
            }
        }
        Ok(())
    }
}
