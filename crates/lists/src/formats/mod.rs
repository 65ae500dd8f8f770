//! Parsers for the official list formats, format detection and `load_path`.
//!
//! | [`Format`] | files | parser |
//! | --- | --- | --- |
//! | `csl-csv` | trade.gov `consolidated.csv` | [`csl_csv::parse`] |
//! | `csl-json` | trade.gov `consolidated.json` | [`csl_json::parse`] |
//! | `ofac-csv` | `sdn.csv` / `cons_prim.csv` + companions | [`ofac::load`], [`ofac::parse`] |
//! | `dpl` | BIS `dpl.txt` | [`dpl::parse`] |
//! | `un-xml` | UN `consolidated.xml` | [`un_xml::parse`] |
//!
//! Every parser returns entries plus, in parallel, the 1-based line where each
//! entry's record starts, warnings, and the list's own date if it has one.

mod csl;
pub mod csl_csv;
pub mod csl_json;
mod delimited;
pub mod dpl;
mod error;
pub mod ofac;
mod text;
pub mod un_xml;

use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

pub use error::LoadError;

use crate::model::{Entry, ListId};

/// The official file formats.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Format {
    /// trade.gov Consolidated Screening List, CSV.
    #[serde(rename = "csl-csv")]
    CslCsv,
    /// trade.gov Consolidated Screening List, JSON.
    #[serde(rename = "csl-json")]
    CslJson,
    /// OFAC legacy CSV (SDN or consolidated non-SDN set).
    #[serde(rename = "ofac-csv")]
    OfacCsv,
    /// BIS Denied Persons List, tab-separated text.
    #[serde(rename = "dpl")]
    Dpl,
    /// UN Security Council Consolidated List, XML.
    #[serde(rename = "un-xml")]
    UnXml,
}

impl Format {
    /// Every format, in the order of their names in messages.
    pub const ALL: [Format; 5] = [
        Format::CslCsv,
        Format::CslJson,
        Format::OfacCsv,
        Format::Dpl,
        Format::UnXml,
    ];

    /// The name used on the command line and in `meta.json`.
    pub fn name(self) -> &'static str {
        match self {
            Format::CslCsv => "csl-csv",
            Format::CslJson => "csl-json",
            Format::OfacCsv => "ofac-csv",
            Format::Dpl => "dpl",
            Format::UnXml => "un-xml",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Format {
    type Err = LoadError;

    /// Parses `csl-csv`, `csl-json`, `ofac-csv`, `dpl` or `un-xml` (any case).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase();
        Format::ALL
            .into_iter()
            .find(|f| f.name() == wanted)
            .ok_or_else(|| LoadError::UnknownFormatName(s.to_owned()))
    }
}

/// How strict parsing is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ParseOptions {
    /// Skip, with a warning, what would otherwise be an error: a truncated final
    /// record, a CSL row or result naming an unknown list, a UN record without a
    /// reference number. Column-count, encoding and syntax errors stay errors.
    pub lenient: bool,
}

/// What one parser produced.
#[derive(Debug, Clone, Default)]
pub struct Parsed {
    pub entries: Vec<Entry>,
    /// For each entry, the 1-based line where its record starts.
    pub lines: Vec<usize>,
    pub warnings: Vec<String>,
    /// The list's own date, `YYYY-MM-DD` (or `YYYY-MM` from a file name).
    pub source_date: Option<String>,
}

/// A loaded file.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub format: Format,
    pub entries: Vec<Entry>,
    /// For each entry, the 1-based line where its record starts (the first row, for
    /// parties grouped or merged from several rows).
    pub lines: Vec<usize>,
    pub warnings: Vec<String>,
    /// The date of the list, `YYYY-MM-DD` (or `YYYY-MM` when only a file name gives
    /// it). Per format: UN — `dateGenerated`; CSL JSON — `source_generated_at`, else
    /// the file name, else the newest `start_date`; CSL CSV — the newest plausible
    /// `start_date`, else the file name; DPL — the newest plausible `Last_Update`;
    /// OFAC — a date in the primary file's name, else none. "Plausible" means not
    /// after today (the DPL has a `Last_Update` of 3033-09-30).
    pub source_date: Option<String>,
}

/// Recognises a format from the file name and its first bytes (a few KB suffice).
///
/// By content first (after a BOM and whitespace): `{`/`[` → CSL JSON; `<` → UN XML;
/// a first line with tabs → DPL; a first line naming `_id`/`source`/`alt_names` →
/// CSL CSV; a first line starting with a number and a comma → OFAC CSV. Then by
/// extension (`.json`, `.xml`, `.txt`). `None` when nothing fits.
pub fn detect(path: &Path, first_bytes: &[u8]) -> Option<Format> {
    detect_by_content(first_bytes).or_else(|| detect_by_extension(path))
}

fn detect_by_content(first_bytes: &[u8]) -> Option<Format> {
    let bytes = text::strip_bom(first_bytes);
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace())?;
    let bytes = &bytes[start..];
    match bytes.first()? {
        b'{' | b'[' => return Some(Format::CslJson),
        b'<' => return Some(Format::UnXml),
        _ => {}
    }
    let end = bytes
        .iter()
        .position(|&b| b == b'\n')
        .unwrap_or(bytes.len());
    let first_line = String::from_utf8_lossy(&bytes[..end]);
    if first_line.contains('\t') {
        return Some(Format::Dpl);
    }
    let unquoted = first_line.replace('"', "");
    if unquoted.starts_with("_id,")
        || (unquoted.contains("source") && unquoted.contains("alt_names"))
    {
        return Some(Format::CslCsv);
    }
    let digits = unquoted.bytes().take_while(u8::is_ascii_digit).count();
    (digits > 0 && unquoted.as_bytes().get(digits) == Some(&b',')).then_some(Format::OfacCsv)
}

fn detect_by_extension(path: &Path) -> Option<Format> {
    let ext = path.extension()?.to_string_lossy().to_ascii_lowercase();
    match ext.as_str() {
        "json" => Some(Format::CslJson),
        "xml" => Some(Format::UnXml),
        "txt" | "tsv" => Some(Format::Dpl),
        _ => None,
    }
}

/// Loads a list file, detecting its format. For OFAC, give the primary file
/// (`sdn.csv` or `cons_prim.csv`); its companions are found beside it.
pub fn load_path(path: &Path, opts: &ParseOptions) -> Result<Loaded, LoadError> {
    load_path_as(path, None, opts)
}

/// Loads a list file in the given format, or a detected one when `format` is `None`.
pub fn load_path_as(
    path: &Path,
    format: Option<Format>,
    opts: &ParseOptions,
) -> Result<Loaded, LoadError> {
    let bytes = std::fs::read(path).map_err(|source| LoadError::Read {
        file: path.to_path_buf(),
        source,
    })?;
    let format = match format {
        Some(format) => format,
        None => detect(path, &bytes[..bytes.len().min(4096)]).ok_or_else(|| {
            LoadError::UnknownFormat {
                file: path.to_path_buf(),
                reason: "neither the first bytes nor the extension match a known list format"
                    .to_owned(),
            }
        })?,
    };
    let parsed = match format {
        Format::OfacCsv => {
            reject_companion(path)?;
            ofac::load(path, opts)?
        }
        other => parse_bytes(other, path, &bytes, opts)?,
    };
    Ok(Loaded {
        format,
        entries: parsed.entries,
        lines: parsed.lines,
        warnings: parsed.warnings,
        source_date: parsed.source_date,
    })
}

/// An OFAC companion file given on its own cannot be loaded: say which file to give.
fn reject_companion(path: &Path) -> Result<(), LoadError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if ofac::is_companion_name(&name) {
        return Err(LoadError::UnknownFormat {
            file: path.to_path_buf(),
            reason: format!(
                "{name} is an OFAC companion file; load the primary file (sdn.csv or cons_prim.csv) beside it"
            ),
        });
    }
    Ok(())
}

/// Parses a single file held in memory. `file` is only used in messages. For
/// `ofac-csv` this reads the primary file alone (no aliases or addresses); use
/// [`ofac::parse`] to give the companions.
pub fn parse_bytes(
    format: Format,
    file: &Path,
    bytes: &[u8],
    opts: &ParseOptions,
) -> Result<Parsed, LoadError> {
    match format {
        Format::CslCsv => csl_csv::parse(file, bytes, opts),
        Format::CslJson => csl_json::parse(file, bytes, opts),
        Format::Dpl => dpl::parse(file, bytes, opts),
        Format::UnXml => un_xml::parse(file, bytes, opts),
        Format::OfacCsv => {
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let files = ofac::OfacFiles {
                primary: ofac::FileBytes { path: file, bytes },
                alt: None,
                add: None,
                comments: None,
            };
            ofac::parse(&files, ofac::OfacSet::from_file_name(&name), opts)
        }
    }
}

/// Why a loaded file cannot become part of a snapshot.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidList {
    /// The file parsed but holds no entry.
    #[error("{file}: no entries (an empty or wrong file?)")]
    NoEntries { file: String },
    /// An entry has an empty primary name.
    #[error("{file}: line {line}: entry `{id}` has an empty name")]
    EmptyName {
        file: String,
        line: usize,
        id: String,
    },
    /// Two entries of one list share an id.
    #[error("{file}: lines {first_line} and {second_line}: duplicate id `{id}` in list {list:?}")]
    DuplicateId {
        file: String,
        list: ListId,
        id: String,
        first_line: usize,
        second_line: usize,
    },
}

/// Checks a loaded file can go into a snapshot: it has entries, every entry has a
/// name, and no two entries of the same list share an id.
pub fn validate(file: &Path, loaded: &Loaded) -> Result<(), InvalidList> {
    let file = file.display().to_string();
    if loaded.entries.is_empty() {
        return Err(InvalidList::NoEntries { file });
    }
    let mut seen: HashMap<(ListId, &str), usize> = HashMap::new();
    for (i, entry) in loaded.entries.iter().enumerate() {
        let line = loaded.lines.get(i).copied().unwrap_or(0);
        if entry.name.trim().is_empty() {
            return Err(InvalidList::EmptyName {
                file,
                line,
                id: entry.id.clone(),
            });
        }
        if let Some(first_line) = seen.insert((entry.list, entry.id.as_str()), line) {
            return Err(InvalidList::DuplicateId {
                file,
                list: entry.list,
                id: entry.id.clone(),
                first_line,
                second_line: line,
            });
        }
    }
    Ok(())
}
