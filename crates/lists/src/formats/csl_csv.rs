//! The trade.gov Consolidated Screening List, CSV download (29 columns, header row).

use std::path::Path;

use super::csl::{list_from_source, merge_same_party, row_to_entry, trailing_country, CslRow};
use super::delimited::{split, RawRecord};
use super::error::{shown, LoadError};
use super::text::{date_in_file_name, newest_plausible, split_multi, strip_bom};
use super::{ParseOptions, Parsed};

/// The columns this parser reads; the header must name each of them.
const REQUIRED: [&str; 3] = ["source", "name", "alt_names"];

/// Parses a CSL CSV file.
///
/// * The header is read by name, so column order does not matter; a repeated header
///   row (the 2023-11 download has two) is skipped with a warning.
/// * Every row must have as many fields as the header. A final record cut off inside
///   a quoted field is an error, or with `opts.lenient` a warning and is skipped.
/// * Fields must be UTF-8 (the CSL is UTF-8; there is no Latin-1 fallback here).
/// * Rows with the same list, id and name are merged into one entry (several addresses).
/// * Source date: the newest plausible `start_date`, else a date in the file name.
pub fn parse(file: &Path, bytes: &[u8], opts: &ParseOptions) -> Result<Parsed, LoadError> {
    let split = split(strip_bom(bytes), b',');
    let mut records = split.records.into_iter();
    let header_record = records
        .next()
        .ok_or_else(|| LoadError::field(file, 1, "_id", "the CSL header row", "an empty file"))?;
    let header = Header::read(file, &header_record)?;
    let mut out = Parsed::default();
    for record in records {
        if header.is_repeat(&record) {
            out.warnings.push(format!(
                "{}: line {}: repeated header row skipped",
                file.display(),
                record.line
            ));
            continue;
        }
        if let Some(entry_and_line) = header.entry(file, &record, opts, &mut out.warnings)? {
            out.entries.push(entry_and_line);
            out.lines.push(record.line);
        }
    }
    if let Some(open) = split.unterminated {
        let field = header.name_of(open.field);
        let err = LoadError::field(
            file,
            open.line,
            field,
            "a closing quote `\"`",
            "end of file (truncated record?)",
        );
        if !opts.lenient {
            return Err(err);
        }
        out.warnings
            .push(format!("{err}; record skipped (lenient)"));
    }
    finish(file, out)
}

/// Merges multi-row parties and works out the source date.
fn finish(file: &Path, mut out: Parsed) -> Result<Parsed, LoadError> {
    let merged = merge_same_party(&mut out.entries, &mut out.lines);
    if merged > 0 {
        out.warnings.push(format!(
            "{}: {merged} rows repeating the id and name of an earlier row were merged into it",
            file.display()
        ));
    }
    out.source_date = newest_plausible(out.entries.iter().filter_map(|e| e.start_date.as_deref()))
        .or_else(|| date_in_file_name(&file.file_name()?.to_string_lossy()));
    Ok(out)
}

/// The header row: column names and where each one we read is.
struct Header {
    names: Vec<String>,
}

impl Header {
    fn read(file: &Path, record: &RawRecord) -> Result<Self, LoadError> {
        let names: Vec<String> = record
            .fields
            .iter()
            .map(|f| String::from_utf8_lossy(f).trim().to_owned())
            .collect();
        let header = Header { names };
        if let Some(missing) = REQUIRED.iter().find(|n| header.index(n).is_none()) {
            return Err(LoadError::field(
                file,
                record.line,
                *missing,
                format!("the CSL header row naming column `{missing}`"),
                shown(&header.names.join(",")),
            ));
        }
        Ok(header)
    }

    fn index(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    fn name_of(&self, index: usize) -> String {
        self.names
            .get(index)
            .cloned()
            .unwrap_or_else(|| format!("column {}", index + 1))
    }

    fn is_repeat(&self, record: &RawRecord) -> bool {
        record.fields.len() == self.names.len()
            && record
                .fields
                .iter()
                .zip(&self.names)
                .all(|(f, n)| f.as_slice() == n.as_bytes())
    }

    /// Decodes one data row; `Ok(None)` when lenient mode skips it.
    fn entry(
        &self,
        file: &Path,
        record: &RawRecord,
        opts: &ParseOptions,
        warnings: &mut Vec<String>,
    ) -> Result<Option<crate::model::Entry>, LoadError> {
        let row = Row::decode(self, file, record)?;
        let source = row.get("source");
        let Some(list) = list_from_source(source) else {
            let err = LoadError::field(
                file,
                record.line,
                "source",
                "a known list name such as `Entity List (EL) - Bureau of Industry and Security`",
                shown(source),
            );
            if opts.lenient {
                warnings.push(format!("{err}; row skipped (lenient)"));
                return Ok(None);
            }
            return Err(err);
        };
        Ok(Some(row_to_entry(row.to_csl_row(), list)))
    }
}

/// A data row decoded to text, looked up by column name.
struct Row<'h> {
    header: &'h Header,
    values: Vec<String>,
}

impl<'h> Row<'h> {
    fn decode(header: &'h Header, file: &Path, record: &RawRecord) -> Result<Self, LoadError> {
        let expected = header.names.len();
        if record.fields.len() != expected {
            let field = header.name_of(record.fields.len().min(expected));
            return Err(LoadError::field(
                file,
                record.line,
                field,
                format!("{expected} columns as in the header"),
                format!("{} columns", record.fields.len()),
            ));
        }
        let mut values = Vec::with_capacity(expected);
        for (i, raw) in record.fields.iter().enumerate() {
            let text = String::from_utf8(raw.clone()).map_err(|e| {
                LoadError::field(
                    file,
                    record.line,
                    header.name_of(i),
                    "UTF-8 text",
                    format!("an invalid byte at offset {}", e.utf8_error().valid_up_to()),
                )
            })?;
            values.push(text);
        }
        Ok(Row { header, values })
    }

    fn get(&self, name: &str) -> &str {
        self.header
            .index(name)
            .and_then(|i| self.values.get(i))
            .map(|v| v.trim())
            .unwrap_or_default()
    }

    fn to_csl_row(&self) -> CslRow {
        let id = match self.get("_id") {
            "" => self.get("id"),
            id => id,
        };
        let mut citizenships = split_multi(self.get("citizenships"));
        citizenships.extend(split_multi(self.get("nationalities")));
        CslRow {
            id: id.to_owned(),
            entity_number: self.get("entity_number").to_owned(),
            kind: self.get("type").to_owned(),
            programs: split_multi(self.get("programs")),
            name: self.get("name").to_owned(),
            addresses: split_multi(self.get("addresses"))
                .into_iter()
                .map(|a| {
                    let country = trailing_country(&a);
                    (a, country)
                })
                .collect(),
            federal_register_notice: self.get("federal_register_notice").to_owned(),
            start_date: self.get("start_date").to_owned(),
            end_date: self.get("end_date").to_owned(),
            license_requirement: self.get("license_requirement").to_owned(),
            license_policy: self.get("license_policy").to_owned(),
            remarks: self.get("remarks").to_owned(),
            alt_names: split_multi(self.get("alt_names")),
            citizenships,
        }
    }
}
