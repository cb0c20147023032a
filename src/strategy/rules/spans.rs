//! Where each value of a rule file is written: a tree of byte spans keyed
//! like the file, built from the TOML or JSON text. It turns a field path
//! (`rules[2].when.all[1].lhs`) into a line and column, and the position of
//! a parse error back into a field path.

use std::fmt;
use std::ops::Range;

use toml::de::{DeTable, DeValue};

/// One step of a field path: a table key or an array index.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Seg {
    /// A key of a table (object).
    Key(String),
    /// A position in an array, from 0.
    Index(usize),
}

/// A field in a rule file, e.g. `rules[2].when.all[1].lhs`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct FieldPath(pub Vec<Seg>);

impl FieldPath {
    /// The path one key further down.
    #[must_use]
    pub fn key(&self, key: &str) -> FieldPath {
        let mut segs = self.0.clone();
        segs.push(Seg::Key(key.to_owned()));
        FieldPath(segs)
    }

    /// The path one array index further down.
    #[must_use]
    pub fn index(&self, index: usize) -> FieldPath {
        let mut segs = self.0.clone();
        segs.push(Seg::Index(index));
        FieldPath(segs)
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                Seg::Key(k) if i == 0 => f.write_str(k)?,
                Seg::Key(k) => write!(f, ".{k}")?,
                Seg::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// A value of the file and where it is written.
#[derive(Clone, Debug, Default)]
pub(crate) struct SpanNode {
    /// Where its key is written, for table entries.
    key_span: Option<Range<usize>>,
    /// Where the value is written.
    span: Range<usize>,
    children: Vec<(Seg, SpanNode)>,
}

impl SpanNode {
    /// The tree of a TOML document; `None` when it does not parse.
    pub(crate) fn from_toml(text: &str) -> Option<SpanNode> {
        let table = DeTable::parse(text).ok()?;
        let span = table.span();
        Some(SpanNode {
            key_span: None,
            span,
            children: toml_table(table.get_ref()),
        })
    }

    /// The tree of a JSON document; `None` when it does not parse.
    pub(crate) fn from_json(text: &str) -> Option<SpanNode> {
        let mut scan = JsonScan {
            bytes: text.as_bytes(),
            pos: 0,
        };
        scan.skip_ws();
        let node = scan.value(0)?;
        scan.skip_ws();
        (scan.pos == scan.bytes.len()).then_some(node)
    }

    /// Byte offset where the node at `path` (or its deepest ancestor in the
    /// file) is written: its value, or its key when the value is a table
    /// written elsewhere.
    pub(crate) fn offset_of(&self, path: &FieldPath) -> usize {
        let mut node = self;
        for seg in &path.0 {
            match node.children.iter().find(|(s, _)| s == seg) {
                Some((_, child)) => node = child,
                None => break,
            }
        }
        match &node.key_span {
            Some(key) if node.span.start < key.start || node.span.is_empty() => key.start,
            _ => node.span.start,
        }
    }

    /// The path of the deepest value whose text (or key) holds `offset`.
    pub(crate) fn path_at(&self, offset: usize) -> FieldPath {
        let mut best = (0, Vec::new());
        let mut path = Vec::new();
        self.deepest(offset, &mut path, &mut best);
        FieldPath(best.1)
    }

    fn contains(&self, offset: usize) -> bool {
        let within = |r: &Range<usize>| r.start <= offset && offset <= r.end;
        within(&self.span) || self.key_span.as_ref().is_some_and(within)
    }

    fn deepest(&self, offset: usize, path: &mut Vec<Seg>, best: &mut (usize, Vec<Seg>)) {
        for (seg, child) in &self.children {
            path.push(seg.clone());
            if child.contains(offset) && path.len() > best.0 {
                *best = (path.len(), path.clone());
            }
            child.deepest(offset, path, best);
            path.pop();
        }
    }
}

fn toml_table(table: &DeTable<'_>) -> Vec<(Seg, SpanNode)> {
    table
        .iter()
        .map(|(key, value)| {
            let mut node = toml_value(value.get_ref(), value.span());
            node.key_span = Some(key.span());
            (Seg::Key(key.get_ref().to_string()), node)
        })
        .collect()
}

fn toml_value(value: &DeValue<'_>, span: Range<usize>) -> SpanNode {
    let children = match value {
        DeValue::Table(table) => toml_table(table),
        DeValue::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| (Seg::Index(i), toml_value(item.get_ref(), item.span())))
            .collect(),
        _ => Vec::new(),
    };
    SpanNode {
        key_span: None,
        span,
        children,
    }
}

/// Deepest nesting of JSON arrays and objects followed (as serde_json).
const MAX_JSON_DEPTH: usize = 128;

/// A minimal JSON reader that keeps only structure and positions.
struct JsonScan<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl JsonScan<'_> {
    fn skip_ws(&mut self) {
        while self.pos < self.bytes.len() && self.bytes[self.pos].is_ascii_whitespace() {
            self.pos += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn eat(&mut self, byte: u8) -> Option<()> {
        self.skip_ws();
        (self.peek()? == byte).then(|| self.pos += 1)
    }

    fn string(&mut self) -> Option<(String, Range<usize>)> {
        let start = self.pos;
        self.eat(b'"')?;
        loop {
            match self.peek()? {
                b'"' => break,
                b'\\' => self.pos += 2,
                _ => self.pos += 1,
            }
        }
        self.pos += 1;
        let raw = self.bytes.get(start..self.pos)?;
        let text: String = serde_json::from_slice(raw).ok()?;
        Some((text, start..self.pos))
    }

    fn value(&mut self, depth: usize) -> Option<SpanNode> {
        self.skip_ws();
        let start = self.pos;
        let mut children = Vec::new();
        match self.peek()? {
            b'{' | b'[' if depth >= MAX_JSON_DEPTH => return None,
            b'{' => {
                self.pos += 1;
                self.skip_ws();
                if self.peek()? != b'}' {
                    loop {
                        self.skip_ws();
                        let (key, key_span) = self.string()?;
                        self.eat(b':')?;
                        let mut node = self.value(depth + 1)?;
                        node.key_span = Some(key_span);
                        children.push((Seg::Key(key), node));
                        self.skip_ws();
                        if self.peek()? != b',' {
                            break;
                        }
                        self.pos += 1;
                    }
                }
                self.eat(b'}')?;
            }
            b'[' => {
                self.pos += 1;
                self.skip_ws();
                if self.peek()? != b']' {
                    loop {
                        let node = self.value(depth + 1)?;
                        children.push((Seg::Index(children.len()), node));
                        self.skip_ws();
                        if self.peek()? != b',' {
                            break;
                        }
                        self.pos += 1;
                    }
                }
                self.eat(b']')?;
            }
            b'"' => {
                self.string()?;
            }
            _ => {
                while self
                    .peek()
                    .is_some_and(|b| !matches!(b, b',' | b']' | b'}') && !b.is_ascii_whitespace())
                {
                    self.pos += 1;
                }
                if self.pos == start {
                    return None;
                }
            }
        }
        Some(SpanNode {
            key_span: None,
            span: start..self.pos,
            children,
        })
    }
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// Byte offset of 1-based `line` and byte `column` (as serde_json reports).
pub(crate) fn offset_of_line_col(text: &str, line: usize, column: usize) -> usize {
    let line_start = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum::<usize>();
    (line_start + column.saturating_sub(1)).min(text.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(segs: &[&str]) -> FieldPath {
        FieldPath(
            segs.iter()
                .map(|s| match s.parse() {
                    Ok(i) => Seg::Index(i),
                    Err(_) => Seg::Key((*s).to_owned()),
                })
                .collect(),
        )
    }

    #[test]
    fn paths_print_like_code() {
        assert_eq!(
            path(&["rules", "2", "when", "all", "1", "lhs"]).to_string(),
            "rules[2].when.all[1].lhs"
        );
    }

    #[test]
    fn toml_and_json_agree_on_positions() {
        let toml = "[[rules]]\nname = \"a\"\n\n[[rules]]\nname = \"b\"\nwhen = { all = [ { lhs = \"mid\" }, { lhs = \"fsat\" } ] }\n";
        let tree = SpanNode::from_toml(toml).unwrap_or_default();
        let p = path(&["rules", "1", "when", "all", "1", "lhs"]);
        assert_eq!(line_col(toml, tree.offset_of(&p)), (6, 43));
        assert_eq!(tree.path_at(tree.offset_of(&p)), p);

        let json = "{\n  \"rules\": [\n    {\"name\": \"a\"},\n    {\"when\": {\"all\": [{\"lhs\": \"mid\"}, {\"lhs\": \"fsat\"}]}}\n  ]\n}\n";
        let tree = SpanNode::from_json(json).unwrap_or_default();
        let p = path(&["rules", "1", "when", "all", "1", "lhs"]);
        assert_eq!(line_col(json, tree.offset_of(&p)), (4, 47));
        assert_eq!(tree.path_at(tree.offset_of(&p) + 3), p);
        assert!(SpanNode::from_json("{\"a\": [1, 2}").is_none());
    }

    #[test]
    fn serde_json_positions_map_back() {
        let text = "{\n  \"a\": 1\n}";
        assert_eq!(offset_of_line_col(text, 2, 3), 4);
    }
}
