//! The error every parser returns: it names the file, the line and the field.

use std::path::{Path, PathBuf};

/// Why a list file could not be loaded.
///
/// Every variant names the file. Content errors (`Field`) also name the 1-based
/// physical line where the offending record starts, the field (column, JSON key or
/// XML element) and what was expected, e.g.
///
/// ```text
/// data/lists/csl/consolidated_partial_2023-11.csv: line 4229, field `addresses`: expected a closing quote `"`, found end of file (truncated record?)
/// ```
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file (or a companion file) could not be read.
    #[error("{}: cannot read file: {source}", file.display())]
    Read {
        file: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A record is malformed.
    #[error("{}: line {line}, field `{field}`: expected {expected}, found {found}", file.display())]
    Field {
        file: PathBuf,
        line: usize,
        field: String,
        expected: String,
        found: String,
    },
    /// An OFAC primary file was given but a required companion file is not beside it.
    #[error("{}: companion file {} not found in the same directory (it holds the {what}); download it together with the primary file", file.display(), companion)]
    MissingCompanion {
        file: PathBuf,
        companion: String,
        what: &'static str,
    },
    /// The format could not be recognised from the file name and its first bytes.
    #[error("{}: cannot tell the list format ({reason}); name it explicitly as one of csl-csv, csl-json, ofac-csv, dpl, un-xml", file.display())]
    UnknownFormat { file: PathBuf, reason: String },
    /// A format name given by the user is not one we know.
    #[error("unknown list format `{0}`: expected one of csl-csv, csl-json, ofac-csv, dpl, un-xml")]
    UnknownFormatName(String),
}

impl LoadError {
    /// A `Field` error, with the pieces given as anything string-like.
    pub(crate) fn field(
        file: &Path,
        line: usize,
        field: impl Into<String>,
        expected: impl Into<String>,
        found: impl Into<String>,
    ) -> Self {
        LoadError::Field {
            file: file.to_path_buf(),
            line,
            field: field.into(),
            expected: expected.into(),
            found: found.into(),
        }
    }

    /// The file the error is about.
    pub fn file(&self) -> Option<&Path> {
        match self {
            LoadError::Read { file, .. }
            | LoadError::Field { file, .. }
            | LoadError::MissingCompanion { file, .. }
            | LoadError::UnknownFormat { file, .. } => Some(file),
            LoadError::UnknownFormatName(_) => None,
        }
    }

    /// The 1-based line of a content error.
    pub fn line(&self) -> Option<usize> {
        match self {
            LoadError::Field { line, .. } => Some(*line),
            _ => None,
        }
    }
}

/// Shortens a found value for an error message, keeping it on one line.
pub(crate) fn shown(value: &str) -> String {
    const MAX: usize = 60;
    let one_line: String = value
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if one_line.chars().count() <= MAX {
        format!("`{one_line}`")
    } else {
        let head: String = one_line.chars().take(MAX).collect();
        format!("`{head}...`")
    }
}
