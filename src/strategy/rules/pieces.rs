//! Reading a large `.rules.toml` a few rules at a time, so that memory stays
//! a small multiple of the file's size.
//!
//! The TOML reader builds a tree of the whole document (every key and value
//! with its span) before serde sees it, about 60 times the size of the
//! text. A rule file is a short head (`description`, `[settings]`,
//! `[indicators]`, `[params]`) and a long run of `[[rules]]` tables, so the text is cut
//! before each top-level `[[rules]]` header: the head is read on its own and
//! the rules a group of about [`GROUP_BYTES`] at a time, each group a TOML
//! document of its own. Anything the cut does not expect (a quoted header, a
//! `[rules.x]` table away from its rule, a `rules` key in the head, any
//! error) makes the caller read the whole text the usual way instead, so
//! the result and every error message are those of the whole document.

use std::collections::BTreeMap;
use std::ops::Range;

use serde::Deserialize;

use super::schema::{IndicatorSpec, Rule, RuleFile, Settings};

/// Text of `[[rules]]` tables read as one document.
const GROUP_BYTES: usize = 64 * 1024;

/// Everything of a rule file but its rules.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Head {
    #[serde(default)]
    description: String,
    #[serde(default)]
    settings: Settings,
    #[serde(default)]
    indicators: BTreeMap<String, IndicatorSpec>,
    #[serde(default)]
    params: BTreeMap<String, f64>,
}

/// A group of `[[rules]]` tables.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Rules {
    rules: Vec<Rule>,
}

/// The file read a group of rules at a time; `None` when it must be read
/// whole (see the module docs).
pub(crate) fn read_toml_in_pieces(text: &str) -> Option<RuleFile> {
    let cut = cut(text)?;
    let head: Head = toml::from_str(&cut.head).ok()?;
    let mut rules = Vec::new();
    for group in cut.rule_groups {
        let group: Rules = toml::from_str(text.get(group)?).ok()?;
        rules.extend(group.rules);
    }
    Some(RuleFile {
        description: head.description,
        settings: head.settings,
        indicators: head.indicators,
        params: head.params,
        rules,
    })
}

/// A rule file's text cut into its head and groups of rules.
struct Cut {
    /// The text outside the `[[rules]]` tables, in file order.
    head: String,
    /// Ranges of the text holding whole `[[rules]]` tables.
    rule_groups: Vec<Range<usize>>,
}

/// What a top-level header starts.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Header {
    /// `[[rules]]`: a new rule.
    Rule,
    /// `[rules.x]` or `[[rules.x]]`: a table inside the last rule.
    InRule,
    /// Any other table.
    Other,
}

fn cut(text: &str) -> Option<Cut> {
    let mut head = String::new();
    let mut rule_groups: Vec<Range<usize>> = Vec::new();
    // The section being read: its start, and whether it is rules.
    let mut start = 0;
    let mut in_rules = false;
    for (at, header) in headers(text)? {
        match header {
            Header::InRule if in_rules => continue,
            Header::InRule => return None,
            Header::Rule if in_rules => {
                // Cut between two rules only once the group is big enough.
                if at - start < GROUP_BYTES {
                    continue;
                }
                rule_groups.push(start..at);
            }
            Header::Rule | Header::Other => {
                if in_rules {
                    rule_groups.push(start..at);
                } else {
                    head.push_str(&text[start..at]);
                }
            }
        }
        start = at;
        in_rules = header == Header::Rule;
    }
    if in_rules {
        rule_groups.push(start..text.len());
    } else {
        head.push_str(&text[start..]);
    }
    (!rule_groups.is_empty()).then_some(Cut { head, rule_groups })
}

/// Byte offset and kind of every top-level table header (a `[` first on
/// its line, outside strings, comments and values); `None` for a header
/// this module does not read (a quoted key).
fn headers(text: &str) -> Option<Vec<(usize, Header)>> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut depth = 0_i64;
    let mut line_start = true;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'\n' => line_start = true,
            b' ' | b'\t' | b'\r' => {}
            b'#' => {
                i = end_of_line(bytes, i);
                continue;
            }
            b'"' | b'\'' => {
                i = end_of_string(bytes, i)?;
                line_start = false;
                continue;
            }
            b'[' if line_start && depth == 0 => {
                let end = end_of_line(bytes, i);
                found.push((i, header_kind(&text[i..end])?));
                i = end;
                continue;
            }
            b'[' | b'{' => {
                depth += 1;
                line_start = false;
            }
            b']' | b'}' => {
                depth -= 1;
                line_start = false;
            }
            _ => line_start = false,
        }
        i += 1;
    }
    Some(found)
}

/// The kind of the header on `line` (which starts with `[`).
fn header_kind(line: &str) -> Option<Header> {
    let close = line.find(']')?;
    let key: String = line[..close]
        .chars()
        .filter(|c| !matches!(c, '[' | ' ' | '\t'))
        .collect();
    if key.contains(['"', '\'']) {
        return None;
    }
    let array = line.starts_with("[[");
    Some(match key.as_str() {
        "rules" if array => Header::Rule,
        "rules" => return None,
        key if key.starts_with("rules.") => Header::InRule,
        _ => Header::Other,
    })
}

/// Offset of the newline ending the line that holds `from` (or the end).
fn end_of_line(bytes: &[u8], from: usize) -> usize {
    bytes[from..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |p| from + p)
}

/// Offset just past the string starting at `from` (basic or literal, one
/// line or multi-line); `None` when it does not end.
fn end_of_string(bytes: &[u8], from: usize) -> Option<usize> {
    let quote = bytes[from];
    let triple = bytes.get(from..from + 3) == Some(&[quote, quote, quote][..]);
    let mut i = from + if triple { 3 } else { 1 };
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'\\' && quote == b'"' {
            i += 2;
            continue;
        }
        if b == quote {
            if !triple {
                return Some(i + 1);
            }
            if bytes.get(i..i + 3) == Some(&[quote, quote, quote][..]) {
                // Up to two more quotes may close the string's content.
                let mut end = i + 3;
                while end < bytes.len() && end < i + 5 && bytes[end] == quote {
                    end += 1;
                }
                return Some(end);
            }
        }
        if b == b'\n' && !triple {
            return None;
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn whole(text: &str) -> RuleFile {
        toml::from_str(text).unwrap_or_else(|err| panic!("{err}"))
    }

    const RULE: &str = "[[rules]]\nname = \"r{i}\" # [[rules]] in a comment\nwhen = { all = [\n    { lhs = \"mid\", op = \">\", rhs = {i} },\n] }\nthen = [\n  { buy = { lots = 1 } },\n]\n[rules.when_note]\n";

    #[test]
    fn pieces_read_what_the_whole_document_reads() {
        let mut text = String::from(
            "description = \"\"\"\n[[rules]] inside a string\n\"\"\"\n[settings]\nmax_position_lots = 3\n",
        );
        // Enough rules for several groups, the indicators after them.
        let mut i = 0;
        while text.len() < 3 * GROUP_BYTES {
            text.push_str(
                &RULE
                    .replace("{i}", &i.to_string())
                    .replace("[rules.when_note]\n", ""),
            );
            i += 1;
        }
        text.push_str("[indicators]\nfast = { ema = { of = \"mid\", half_life = \"2s\" } }\n");
        let cut = cut(&text).map(|c| c.rule_groups.len());
        assert!(cut.is_some_and(|groups| groups >= 3), "{cut:?}");
        assert_eq!(read_toml_in_pieces(&text), Some(whole(&text)));
    }

    #[test]
    fn unusual_files_are_left_to_the_whole_reader() {
        // A table of a rule away from it, a quoted header, a `rules` key.
        for text in [
            "[[rules]]\nname = \"a\"\n[settings]\n[rules.x]\n",
            "[[\"rules\"]]\nname = \"a\"\n",
            "rules = []\n[[rules]]\nname = \"a\"\n",
            "[[rules]]\nname = \"unterminated\n",
        ] {
            assert!(read_toml_in_pieces(text).is_none(), "{text}");
        }
    }
}
