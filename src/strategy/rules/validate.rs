//! Errors in rule files, each naming the field (`rules[2].when.all[1].lhs`)
//! and its line and column, for both formats.
//!
//! Reading a file has two stages: serde reads the text into the types of
//! [`super::schema`] (syntax, unknown keys, wrong types, bad durations), then
//! the compile step checks what serde cannot (names resolve, units match,
//! lists are not empty). Either stage yields one error; this module places
//! it in the file.

use std::path::PathBuf;

use super::pieces;
use super::schema::RuleFile;
use super::spans::{line_col, offset_of_line_col, FieldPath, SpanNode};

/// A rule file's two spellings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// `.rules.toml`
    Toml,
    /// `.rules.json`
    Json,
}

/// What is wrong in a rule file, and where.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{column}: {}{message}", if path.is_empty() { String::new() } else { format!("{path}: ") })]
pub struct RuleFileError {
    /// The file, as given.
    pub file: String,
    /// The field, e.g. `rules[2].when.all[1].lhs` (empty for the file as a
    /// whole, e.g. a syntax error).
    pub path: String,
    /// Line, from 1.
    pub line: usize,
    /// Column in characters, from 1.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

/// Why a rule file cannot be loaded.
#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    /// The file cannot be read.
    #[error("{}: cannot read: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The name does not say which format.
    #[error("{}: a rule file's name ends in .rules.toml or .rules.json", path.display())]
    Extension {
        /// The file.
        path: PathBuf,
    },
    /// The file is read but wrong.
    #[error(transparent)]
    Invalid(#[from] RuleFileError),
    /// The file names a symbol the run does not have.
    #[error("{0}")]
    Symbol(String),
    /// A value given for one of the file's `[params]` (the run
    /// configuration's `[params]`) cannot be used.
    #[error("[params] {name}: {reason}")]
    Param {
        /// The parameter.
        name: String,
        /// What is wrong.
        reason: String,
    },
}

/// A problem found after reading, at a field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Invalid {
    pub path: FieldPath,
    pub message: String,
}

impl Invalid {
    pub(crate) fn new(path: &FieldPath, message: impl Into<String>) -> Self {
        Invalid {
            path: path.clone(),
            message: message.into(),
        }
    }
}

/// A rule file's text with what is needed to place errors in it.
pub(crate) struct Source<'t> {
    pub text: &'t str,
    pub format: Format,
    pub file: &'t str,
}

impl Source<'_> {
    fn tree(&self) -> Option<SpanNode> {
        match self.format {
            Format::Toml => SpanNode::from_toml(self.text),
            Format::Json => SpanNode::from_json(self.text),
        }
    }

    fn error_at(&self, path: String, offset: usize, message: String) -> RuleFileError {
        let (line, column) = line_col(self.text, offset);
        RuleFileError {
            file: self.file.to_owned(),
            path,
            line,
            column,
            message,
        }
    }

    /// Reads the text into a [`RuleFile`].
    pub(crate) fn parse(&self) -> Result<RuleFile, RuleFileError> {
        match self.format {
            Format::Toml => match pieces::read_toml_in_pieces(self.text) {
                Some(file) => Ok(file),
                None => toml::from_str(self.text).map_err(|err| {
                    let offset = err.span().map_or(0, |s| s.start);
                    self.serde_error(offset, err.message().trim().to_owned(), false)
                }),
            },
            Format::Json => serde_json::from_str(self.text).map_err(|err| {
                let offset = offset_of_line_col(self.text, err.line(), err.column());
                let text = err.to_string();
                let message = text
                    .rsplit_once(" at line ")
                    .map_or(text.as_str(), |(m, _)| m)
                    .to_owned();
                self.serde_error(offset, message, true)
            }),
        }
    }

    /// An error serde reported at byte `offset`: named by the field there.
    /// JSON positions point just past the offending token, so the error is
    /// shown at the start of that field instead.
    fn serde_error(&self, offset: usize, message: String, at_field_start: bool) -> RuleFileError {
        let Some(tree) = self.tree() else {
            return self.error_at(String::new(), offset, message);
        };
        let path = tree.path_at(offset);
        let shown = if at_field_start && !path.0.is_empty() {
            tree.offset_of(&path)
        } else {
            offset
        };
        self.error_at(path.to_string(), shown, message)
    }

    /// Line and column (from 1) of each field of `paths`; `None` for one
    /// that is not in the text.
    pub(crate) fn places<'p>(
        &self,
        paths: impl Iterator<Item = &'p FieldPath>,
    ) -> Vec<Option<(usize, usize)>> {
        let tree = self.tree();
        paths
            .map(|path| {
                let tree = tree.as_ref()?;
                Some(line_col(self.text, tree.offset_of(path)))
            })
            .collect()
    }

    /// Places a problem found after reading.
    pub(crate) fn invalid(&self, invalid: Invalid) -> RuleFileError {
        let offset = self.tree().map_or(0, |tree| tree.offset_of(&invalid.path));
        self.error_at(invalid.path.to_string(), offset, invalid.message)
    }
}
