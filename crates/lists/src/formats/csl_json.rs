//! The trade.gov Consolidated Screening List, JSON download (`{"results": [...]}`).

use std::path::Path;

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::csl::{list_from_source, merge_same_party, row_to_entry, trailing_country, CslRow};
use super::error::{shown, LoadError};
use super::text::{
    country_alpha2, date_in_file_name, join_non_empty, newest_plausible, split_multi, strip_bom,
};
use super::{ParseOptions, Parsed};

/// The official top level. (`RawValue` cannot sit inside an untagged enum, so a
/// bare array is told apart by its first byte instead.)
#[derive(Deserialize)]
struct Official<'a> {
    #[serde(borrow)]
    results: Vec<&'a RawValue>,
    #[serde(default)]
    source_generated_at: Option<String>,
}

/// The results and the generation time of a document.
fn read_document<'a>(
    file: &Path,
    bytes: &'a [u8],
) -> Result<(Vec<&'a RawValue>, Option<String>), LoadError> {
    let is_array = bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[');
    let parsed = if is_array {
        serde_json::from_slice::<Vec<&RawValue>>(bytes).map(|results| (results, None))
    } else {
        serde_json::from_slice::<Official>(bytes).map(|d| (d.results, d.source_generated_at))
    };
    parsed.map_err(|e| {
        LoadError::field(
            file,
            e.line().max(1),
            "results",
            "a CSL JSON document {\"results\": [...]}",
            e.to_string(),
        )
    })
}

/// Parses a CSL JSON file.
///
/// Accepts the official layout (`{"results": [...]}`, other top-level keys ignored)
/// or a bare array. Per result: `alt_names`, `programs`, `citizenships`,
/// `nationalities` may be arrays of strings or one `; `-joined string; `addresses`
/// is an array of objects (`address`, `city`, `state`, `postal_code`, `country`) or
/// of strings; `id` (or `_id`) is the entry id. Errors name the line the result
/// starts on and the key (`results[12].name`).
///
/// Rows with the same list, id and name are merged (see `csl::merge_same_party`).
/// Source date: `source_generated_at`, else a date in the file name, else the newest
/// plausible `start_date`.
pub fn parse(file: &Path, bytes: &[u8], opts: &ParseOptions) -> Result<Parsed, LoadError> {
    let bytes = strip_bom(bytes);
    let (results, generated_at) = read_document(file, bytes)?;
    let mut out = Parsed::default();
    let mut lines = LineCounter::new(bytes);
    for (index, raw) in results.iter().enumerate() {
        let line = lines.line_of(raw.get());
        let result = ResultRecord::read(file, line, index, raw)?;
        match result.entry(opts) {
            Ok(entry) => {
                out.entries.push(entry);
                out.lines.push(line);
            }
            Err(err) if opts.lenient => out
                .warnings
                .push(format!("{err}; result skipped (lenient)")),
            Err(err) => return Err(err),
        }
    }
    let merged = merge_same_party(&mut out.entries, &mut out.lines);
    if merged > 0 {
        out.warnings.push(format!(
            "{}: {merged} results repeating the id and name of an earlier result were merged into it",
            file.display()
        ));
    }
    out.source_date = generated_at
        .and_then(|g| g.get(..10).map(str::to_owned))
        .filter(|d| super::text::is_iso_date(d))
        .or_else(|| date_in_file_name(&file.file_name()?.to_string_lossy()))
        .or_else(|| newest_plausible(out.entries.iter().filter_map(|e| e.start_date.as_deref())));
    Ok(out)
}

/// Finds the line of a slice of the input from its position, moving forward only.
struct LineCounter<'a> {
    bytes: &'a [u8],
    pos: usize,
    line: usize,
}

impl<'a> LineCounter<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        LineCounter {
            bytes,
            pos: 0,
            line: 1,
        }
    }

    /// The line `part` (a sub-slice of the input) starts on.
    fn line_of(&mut self, part: &str) -> usize {
        let base = self.bytes.as_ptr() as usize;
        let at = (part.as_ptr() as usize)
            .checked_sub(base)
            .filter(|&at| at <= self.bytes.len() && at >= self.pos);
        if let Some(at) = at {
            self.line += self.bytes[self.pos..at]
                .iter()
                .filter(|&&b| b == b'\n')
                .count();
            self.pos = at;
        }
        self.line
    }
}

/// One element of `results`, as a JSON object, with where it came from.
struct ResultRecord<'f> {
    file: &'f Path,
    line: usize,
    index: usize,
    object: Map<String, Value>,
}

impl<'f> ResultRecord<'f> {
    fn read(file: &'f Path, line: usize, index: usize, raw: &RawValue) -> Result<Self, LoadError> {
        match serde_json::from_str::<Value>(raw.get()) {
            Ok(Value::Object(object)) => Ok(ResultRecord {
                file,
                line,
                index,
                object,
            }),
            Ok(other) => Err(LoadError::field(
                file,
                line,
                format!("results[{index}]"),
                "an object",
                shown(&other.to_string()),
            )),
            Err(e) => Err(LoadError::field(
                file,
                line,
                format!("results[{index}]"),
                "an object",
                e.to_string(),
            )),
        }
    }

    fn error(&self, key: &str, expected: &str, found: &Value) -> LoadError {
        LoadError::field(
            self.file,
            self.line,
            format!("results[{}].{key}", self.index),
            expected,
            shown(&found.to_string()),
        )
    }

    /// A string field; absent or null is empty; numbers are accepted as text.
    fn text(&self, key: &str) -> Result<String, LoadError> {
        match self.object.get(key) {
            None | Some(Value::Null) => Ok(String::new()),
            Some(Value::String(s)) => Ok(s.trim().to_owned()),
            Some(Value::Number(n)) => Ok(n.to_string()),
            Some(other) => Err(self.error(key, "a string", other)),
        }
    }

    /// A multi-valued field: an array of strings or one `; `-joined string.
    fn values(&self, key: &str) -> Result<Vec<String>, LoadError> {
        match self.object.get(key) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::String(s)) => Ok(split_multi(s)),
            Some(Value::Array(items)) => items
                .iter()
                .filter(|item| !item.is_null())
                .map(|item| match item {
                    Value::String(s) => Ok(s.trim().to_owned()),
                    other => Err(self.error(key, "an array of strings", other)),
                })
                .filter(|v| v.as_ref().map_or(true, |s| !s.is_empty()))
                .collect(),
            Some(other) => {
                Err(self.error(key, "an array of strings or a `; `-joined string", other))
            }
        }
    }

    /// `addresses`: objects (official) or strings, each as (display, country code).
    fn addresses(&self) -> Result<Vec<(String, Option<String>)>, LoadError> {
        let items = match self.object.get("addresses") {
            None | Some(Value::Null) => return Ok(Vec::new()),
            Some(Value::String(s)) => {
                return Ok(split_multi(s)
                    .into_iter()
                    .map(with_trailing_country)
                    .collect())
            }
            Some(Value::Array(items)) => items,
            Some(other) => {
                return Err(self.error("addresses", "an array of address objects", other))
            }
        };
        items
            .iter()
            .filter(|item| !item.is_null())
            .map(|item| match item {
                Value::String(s) => Ok(with_trailing_country(s.trim().to_owned())),
                Value::Object(fields) => Ok(address_object(fields)),
                other => Err(self.error("addresses", "an array of address objects", other)),
            })
            .collect()
    }

    /// Converts the record; errors name the key.
    fn entry(&self, _opts: &ParseOptions) -> Result<crate::model::Entry, LoadError> {
        let source = self.text("source")?;
        let list = list_from_source(&source).ok_or_else(|| {
            self.error(
                "source",
                "a known list name such as `Entity List (EL) - Bureau of Industry and Security`",
                &Value::String(source.clone()),
            )
        })?;
        let id = match self.text("id")? {
            id if id.is_empty() => self.text("_id")?,
            id => id,
        };
        let mut citizenships = self.values("citizenships")?;
        citizenships.extend(self.values("nationalities")?);
        let row = CslRow {
            id,
            entity_number: self.text("entity_number")?,
            kind: self.text("type")?,
            programs: self.values("programs")?,
            name: self.text("name")?,
            addresses: self.addresses()?,
            federal_register_notice: self.text("federal_register_notice")?,
            start_date: self.text("start_date")?,
            end_date: self.text("end_date")?,
            license_requirement: self.text("license_requirement")?,
            license_policy: self.text("license_policy")?,
            remarks: self.text("remarks")?,
            alt_names: self.values("alt_names")?,
            citizenships,
        };
        Ok(row_to_entry(row, list))
    }
}

fn with_trailing_country(address: String) -> (String, Option<String>) {
    let country = trailing_country(&address);
    (address, country)
}

/// An official address object: display string from its parts, country from `country`.
fn address_object(fields: &Map<String, Value>) -> (String, Option<String>) {
    let part = |key: &str| fields.get(key).and_then(Value::as_str).unwrap_or_default();
    let display = join_non_empty(&[
        part("address"),
        part("city"),
        part("state"),
        part("postal_code"),
        part("country"),
    ]);
    (display, country_alpha2(part("country")))
}
