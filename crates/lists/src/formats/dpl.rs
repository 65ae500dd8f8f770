//! The BIS Denied Persons List text file (tab-separated, quoted, one row per address).

use std::collections::HashMap;
use std::path::Path;

use super::delimited::{split, RawRecord};
use super::error::{shown, LoadError};
use super::text::{
    country_alpha2, join_non_empty, newest_plausible, push_unique, short_hash, strip_bom,
    us_date_to_iso,
};
use super::{ParseOptions, Parsed};
use crate::model::{Entry, ListId, PartyKind};

/// The DPL's columns, in the order the header gives them.
const COLUMNS: [&str; 12] = [
    "Name",
    "Street_Address",
    "City",
    "State",
    "Country",
    "Postal_Code",
    "Effective_Date",
    "Expiration_Date",
    "Standard_Order",
    "Last_Update",
    "Action",
    "FR_Citation",
];

/// Parses the DPL.
///
/// Rows are grouped into one entry per party by (name, first FR citation), in order
/// of first appearance; the entry's line is its first row's. The first citation
/// (`68 F.R. 38290`) is the order that created the listing; the citation text
/// after it differs between rows of one party (later notices appended, typos such
/// as `81.F.R.` or `88 F.R.30078`), so grouping on the whole text would split
/// parties. This gives 547 parties in the 2023-11 file: 545 distinct names, two of
/// which (`I. ASH`, `HAYDEE HERRERA`) belong to two separate orders each. The
/// entry keeps the longest citation text seen. Id: `dpl-` + a stable 16-hex-digit
/// hash of name and first citation. Names are trimmed (some start with a
/// space). `Effective_Date`/`Expiration_Date` (`MM/DD/YYYY`) become `start_date`
/// (earliest) and `end_date` (latest) as `YYYY-MM-DD`; a malformed date is an error.
/// `Action` becomes the remarks. Source date: the newest plausible `Last_Update`
/// (future dates are data-entry errors and ignored).
pub fn parse(file: &Path, bytes: &[u8], opts: &ParseOptions) -> Result<Parsed, LoadError> {
    let split = split(strip_bom(bytes), b'\t');
    let mut records = split.records.iter();
    let header = records
        .next()
        .ok_or_else(|| LoadError::field(file, 1, "Name", "the DPL header row", "an empty file"))?;
    check_header(file, header)?;
    let mut out = Parsed::default();
    if let Some(open) = split.unterminated {
        let err = LoadError::field(
            file,
            open.line,
            COLUMNS.get(open.field).copied().unwrap_or("(extra column)"),
            "a closing quote `\"`",
            "end of file (truncated record?)",
        );
        if !opts.lenient {
            return Err(err);
        }
        out.warnings
            .push(format!("{err}; record skipped (lenient)"));
    }
    let mut grouper = Grouper::default();
    let mut last_updates = Vec::new();
    for record in records {
        let row = decode(file, record)?;
        last_updates.push(row.get(9).to_owned());
        grouper.add(file, &row)?;
    }
    out.entries = grouper.entries;
    out.lines = grouper.lines;
    out.source_date = newest_plausible(last_updates.iter().map(String::as_str));
    Ok(out)
}

fn check_header(file: &Path, header: &RawRecord) -> Result<(), LoadError> {
    for (i, expected) in COLUMNS.iter().enumerate() {
        let found = header
            .fields
            .get(i)
            .map(|f| String::from_utf8_lossy(f))
            .unwrap_or_default();
        if found.trim() != *expected {
            return Err(LoadError::field(
                file,
                header.line,
                *expected,
                format!("the DPL header row with column `{expected}`"),
                shown(&found),
            ));
        }
    }
    Ok(())
}

/// A decoded row (fields trimmed).
struct Row {
    line: usize,
    fields: Vec<String>,
}

impl Row {
    fn get(&self, i: usize) -> &str {
        self.fields.get(i).map(String::as_str).unwrap_or_default()
    }
}

fn decode(file: &Path, record: &RawRecord) -> Result<Row, LoadError> {
    if record.fields.len() != COLUMNS.len() {
        let at = record.fields.len().min(COLUMNS.len() - 1);
        return Err(LoadError::field(
            file,
            record.line,
            COLUMNS[at],
            format!("{} tab-separated columns", COLUMNS.len()),
            format!("{} columns", record.fields.len()),
        ));
    }
    let mut fields = Vec::with_capacity(COLUMNS.len());
    for (i, raw) in record.fields.iter().enumerate() {
        let text = std::str::from_utf8(raw).map_err(|_| {
            LoadError::field(
                file,
                record.line,
                COLUMNS[i],
                "ASCII or UTF-8 text",
                "an invalid byte",
            )
        })?;
        fields.push(text.trim().to_owned());
    }
    Ok(Row {
        line: record.line,
        fields,
    })
}

/// Groups rows into parties by (name, FR citation).
#[derive(Default)]
struct Grouper {
    entries: Vec<Entry>,
    lines: Vec<usize>,
    index: HashMap<(String, String), usize>,
}

impl Grouper {
    fn add(&mut self, file: &Path, row: &Row) -> Result<(), LoadError> {
        let effective = date(file, row, 6)?;
        let expiration = date(file, row, 7)?;
        let name = row.get(0).to_owned();
        let citation = row.get(11);
        let key = (name.clone(), first_citation(citation));
        let at = match self.index.get(&key) {
            Some(&at) => at,
            None => {
                self.lines.push(row.line);
                self.entries.push(new_entry(name, &key.1));
                self.index.insert(key, self.entries.len() - 1);
                self.entries.len() - 1
            }
        };
        if let Some(entry) = self.entries.get_mut(at) {
            add_row(entry, row, effective, expiration);
        }
        Ok(())
    }
}

/// The first citation of an FR text, normalised: `81.F.R. 22576 4/18/2016` and
/// `81 F.R. 22576, 82 F.R. ...` both give `81 F R 22576`. Text that does not start
/// with a citation is used whole (whitespace-normalised).
fn first_citation(citation: &str) -> String {
    let spaced = citation.replace(['.', ','], " ");
    let tokens: Vec<&str> = spaced.split_whitespace().collect();
    match tokens.as_slice() {
        [volume, f, r, page, ..] if f.eq_ignore_ascii_case("F") && r.eq_ignore_ascii_case("R") => {
            format!("{volume} F R {page}")
        }
        [volume, fr, page, ..] if fr.eq_ignore_ascii_case("FR") => format!("{volume} F R {page}"),
        _ => tokens.join(" "),
    }
}

fn new_entry(name: String, first_citation: &str) -> Entry {
    Entry {
        list: ListId::DeniedPersons,
        id: format!("dpl-{}", short_hash(&[&name, first_citation])),
        name,
        aliases: Vec::new(),
        kind: PartyKind::Unknown,
        countries: Vec::new(),
        addresses: Vec::new(),
        programs: Vec::new(),
        license_requirement: None,
        license_policy: None,
        federal_register: None,
        start_date: None,
        end_date: None,
        remarks: None,
    }
}

/// Adds one row's address, country, dates and action to its party.
fn add_row(entry: &mut Entry, row: &Row, effective: Option<String>, expiration: Option<String>) {
    let address = join_non_empty(&[row.get(1), row.get(2), row.get(3), row.get(5), row.get(4)]);
    if !address.is_empty() {
        push_unique(&mut entry.addresses, address);
    }
    if let Some(code) = country_alpha2(row.get(4)) {
        push_unique(&mut entry.countries, code);
    }
    entry.start_date = [entry.start_date.take(), effective]
        .into_iter()
        .flatten()
        .min();
    entry.end_date = [entry.end_date.take(), expiration]
        .into_iter()
        .flatten()
        .max();
    let citation = row.get(11);
    if entry.federal_register.as_ref().map_or(0, String::len) < citation.len() {
        entry.federal_register = Some(citation.to_owned());
    }
    let action = row.get(10);
    if !action.is_empty() {
        match &mut entry.remarks {
            Some(remarks) if remarks.split("; ").any(|a| a == action) => {}
            Some(remarks) => {
                remarks.push_str("; ");
                remarks.push_str(action);
            }
            None => entry.remarks = Some(action.to_owned()),
        }
    }
}

/// Reads a `MM/DD/YYYY` column; empty is `None`, anything else malformed is an error.
fn date(file: &Path, row: &Row, column: usize) -> Result<Option<String>, LoadError> {
    let value = row.get(column);
    if value.is_empty() {
        return Ok(None);
    }
    us_date_to_iso(value).map(Some).ok_or_else(|| {
        LoadError::field(
            file,
            row.line,
            COLUMNS[column],
            "a date MM/DD/YYYY",
            shown(value),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::first_citation;

    #[test]
    fn first_citation_ignores_later_notices_and_typos() {
        assert_eq!(first_citation("81.F.R. 22576 4/18/2016"), "81 F R 22576");
        assert_eq!(
            first_citation("81 F.R. 22576, 88 F.R.30078 5/10/2023"),
            "81 F R 22576"
        );
        assert_eq!(first_citation("80 F.R 61358 10/13/15"), "80 F R 61358");
        assert_eq!(first_citation(" odd   text "), "odd text");
    }
}
