//! The UN Security Council Consolidated List XML (`CONSOLIDATED_LIST`).

use std::collections::BTreeSet;
use std::path::Path;

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use super::error::LoadError;
use super::text::{country_alpha2, is_iso_date, join_non_empty, push_unique, LineIndex};
use super::{ParseOptions, Parsed};
use crate::model::{Alias, AliasKind, Entry, ListId, PartyKind};

const ROOT: &str = "CONSOLIDATED_LIST";

/// Parses the UN consolidated list.
///
/// One entry per `INDIVIDUAL` / `ENTITY`: id = `REFERENCE_NUMBER`; name = the
/// non-empty `FIRST_NAME` .. `FOURTH_NAME` joined with spaces; program =
/// `UN_LIST_TYPE`; `start_date` = `LISTED_ON`; remarks = `COMMENTS1`. Aliases:
/// `QUALITY` `Low` → [`AliasKind::Weak`], `Good` or empty → `Aka`; empty
/// placeholders skipped; `NAME_ORIGINAL_SCRIPT` is kept as an `Aka` alias.
/// Countries come from `NATIONALITY/VALUE` and address `COUNTRY` (UN country
/// names, mapped through the `countries` crate; unknown names are listed in one
/// warning). Source date: the date part of the root's `dateGenerated`.
pub fn parse(file: &Path, bytes: &[u8], opts: &ParseOptions) -> Result<Parsed, LoadError> {
    let lines = LineIndex::new(bytes);
    let text = std::str::from_utf8(super::text::strip_bom(bytes)).map_err(|e| {
        LoadError::field(
            file,
            lines.line(e.valid_up_to()),
            ROOT,
            "UTF-8 text",
            "an invalid byte",
        )
    })?;
    let mut parser = UnParser {
        file,
        opts,
        lines,
        stack: Vec::new(),
        record: None,
        out: Parsed::default(),
        unknown_countries: BTreeSet::new(),
    };
    parser.run(text)?;
    Ok(parser.finish())
}

/// Streaming state.
struct UnParser<'a> {
    file: &'a Path,
    opts: &'a ParseOptions,
    lines: LineIndex,
    /// Open element names, root first.
    stack: Vec<String>,
    record: Option<Record>,
    out: Parsed,
    unknown_countries: BTreeSet<String>,
}

/// The fields of the record being read.
#[derive(Default)]
struct Record {
    kind: Option<PartyKind>,
    line: usize,
    names: [String; 4],
    list_type: String,
    reference: String,
    listed_on: String,
    original_script: String,
    comments: String,
    nationalities: Vec<String>,
    aliases: Vec<Alias>,
    alias_quality: String,
    alias_name: String,
    address: [String; 5],
    addresses: Vec<(String, String)>,
}

impl UnParser<'_> {
    fn run(&mut self, text: &str) -> Result<(), LoadError> {
        let mut reader = Reader::from_str(text);
        reader.config_mut().trim_text(true);
        loop {
            let position = to_usize(reader.buffer_position());
            let event = reader.read_event().map_err(|e| {
                let at = to_usize(reader.error_position());
                self.syntax_error(at, &e.to_string())
            })?;
            match event {
                Event::Start(start) => self.open(&start, position)?,
                Event::Empty(start) => {
                    self.open(&start, position)?;
                    self.close(position)?;
                }
                Event::End(_) => self.close(position)?,
                Event::Text(t) => {
                    let value = t
                        .unescape()
                        .map_err(|e| self.syntax_error(position, &e.to_string()))?;
                    self.text(&value);
                }
                Event::CData(c) => {
                    let value = String::from_utf8_lossy(&c).into_owned();
                    self.text(&value);
                }
                Event::Eof => return self.end_of_file(text.len()),
                _ => {}
            }
        }
    }

    fn syntax_error(&self, at: usize, message: &str) -> LoadError {
        let field = self
            .stack
            .last()
            .cloned()
            .unwrap_or_else(|| ROOT.to_owned());
        LoadError::field(
            self.file,
            self.lines.line(at),
            field,
            "well-formed XML",
            message.to_owned(),
        )
    }

    fn end_of_file(&self, len: usize) -> Result<(), LoadError> {
        match self.stack.last() {
            Some(open) => Err(LoadError::field(
                self.file,
                self.lines.line(len),
                open.clone(),
                format!("closing tag </{open}>"),
                "end of file (truncated?)",
            )),
            None if self.out.source_date.is_none() && self.out.entries.is_empty() => {
                Err(LoadError::field(
                    self.file,
                    1,
                    ROOT,
                    format!("root element <{ROOT}>"),
                    "no element",
                ))
            }
            None => Ok(()),
        }
    }

    fn open(&mut self, start: &BytesStart, position: usize) -> Result<(), LoadError> {
        let name = String::from_utf8_lossy(start.name().as_ref()).into_owned();
        if self.stack.is_empty() {
            self.root(start, &name, position)?;
        }
        let parent = self.stack.last().map(String::as_str);
        let kind = match (parent, name.as_str()) {
            (Some("INDIVIDUALS"), "INDIVIDUAL") => Some(PartyKind::Individual),
            (Some("ENTITIES"), "ENTITY") => Some(PartyKind::Entity),
            _ => None,
        };
        if let Some(kind) = kind {
            self.record = Some(Record {
                kind: Some(kind),
                line: self.lines.line(position),
                ..Record::default()
            });
        }
        self.stack.push(name);
        Ok(())
    }

    /// Checks the root element and takes `dateGenerated` from it.
    fn root(&mut self, start: &BytesStart, name: &str, position: usize) -> Result<(), LoadError> {
        if name != ROOT {
            return Err(LoadError::field(
                self.file,
                self.lines.line(position),
                ROOT,
                format!("root element <{ROOT}>"),
                format!("<{name}>"),
            ));
        }
        let generated = start
            .try_get_attribute("dateGenerated")
            .ok()
            .flatten()
            .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()));
        self.out.source_date = generated
            .and_then(|g| g.get(..10).map(str::to_owned))
            .filter(|d| is_iso_date(d));
        Ok(())
    }

    /// Stores text by its path below the record element, e.g.
    /// `["INDIVIDUAL_ALIAS", "QUALITY"]`.
    fn text(&mut self, value: &str) {
        let path: Vec<&str> = self
            .stack
            .get(3..)
            .unwrap_or_default()
            .iter()
            .map(String::as_str)
            .collect();
        let Some(record) = self.record.as_mut() else {
            return;
        };
        let slot = match path.as_slice() {
            ["FIRST_NAME"] => &mut record.names[0],
            ["SECOND_NAME"] => &mut record.names[1],
            ["THIRD_NAME"] => &mut record.names[2],
            ["FOURTH_NAME"] => &mut record.names[3],
            ["UN_LIST_TYPE"] => &mut record.list_type,
            ["REFERENCE_NUMBER"] => &mut record.reference,
            ["LISTED_ON"] => &mut record.listed_on,
            ["NAME_ORIGINAL_SCRIPT"] => &mut record.original_script,
            ["COMMENTS1"] => &mut record.comments,
            [alias, "QUALITY"] if alias.ends_with("_ALIAS") => &mut record.alias_quality,
            [alias, "ALIAS_NAME"] if alias.ends_with("_ALIAS") => &mut record.alias_name,
            [address, part] if address.ends_with("_ADDRESS") => match address_slot(part) {
                Some(i) => &mut record.address[i],
                None => return,
            },
            ["NATIONALITY", "VALUE"] => {
                record.nationalities.push(value.trim().to_owned());
                return;
            }
            _ => return,
        };
        slot.push_str(value);
    }

    fn close(&mut self, position: usize) -> Result<(), LoadError> {
        let Some(name) = self.stack.pop() else {
            return Ok(());
        };
        let in_record_field = self.stack.len() == 3;
        if let Some(record) = self.record.as_mut() {
            if in_record_field && name.ends_with("_ALIAS") {
                record.finish_alias();
            } else if in_record_field && name.ends_with("_ADDRESS") {
                record.finish_address();
            }
        }
        if self.stack.len() == 2 && (name == "INDIVIDUAL" || name == "ENTITY") {
            if let Some(record) = self.record.take() {
                self.finish_record(record, position)?;
            }
        }
        Ok(())
    }

    fn finish_record(&mut self, record: Record, _position: usize) -> Result<(), LoadError> {
        if record.reference.trim().is_empty() {
            let err = LoadError::field(
                self.file,
                record.line,
                "REFERENCE_NUMBER",
                "a reference number such as `QDi.001`",
                "an empty value",
            );
            if !self.opts.lenient {
                return Err(err);
            }
            self.out
                .warnings
                .push(format!("{err}; record skipped (lenient)"));
            return Ok(());
        }
        let line = record.line;
        let entry = record.into_entry(&mut self.unknown_countries);
        self.out.entries.push(entry);
        self.out.lines.push(line);
        Ok(())
    }

    fn finish(mut self) -> Parsed {
        if !self.unknown_countries.is_empty() {
            let names: Vec<&str> = self.unknown_countries.iter().map(String::as_str).collect();
            self.out.warnings.push(format!(
                "{}: country names not recognised (kept in the address only): {}",
                self.file.display(),
                names.join("; ")
            ));
        }
        self.out
    }
}

/// Index in `Record::address` of an address part element.
fn address_slot(part: &str) -> Option<usize> {
    ["STREET", "CITY", "STATE_PROVINCE", "ZIP_CODE", "COUNTRY"]
        .iter()
        .position(|p| *p == part)
}

impl Record {
    fn finish_alias(&mut self) {
        let name = std::mem::take(&mut self.alias_name).trim().to_owned();
        let quality = std::mem::take(&mut self.alias_quality);
        let kind = if quality.trim().eq_ignore_ascii_case("low") {
            AliasKind::Weak
        } else {
            AliasKind::Aka
        };
        if !name.is_empty() && !self.aliases.iter().any(|a| a.name == name) {
            self.aliases.push(Alias { name, kind });
        }
    }

    fn finish_address(&mut self) {
        let parts = std::mem::take(&mut self.address);
        let [street, city, state, zip, country] = &parts;
        let display = join_non_empty(&[street, city, state, zip, country]);
        if !display.is_empty() {
            self.addresses.push((display, country.trim().to_owned()));
        }
    }

    fn into_entry(self, unknown_countries: &mut BTreeSet<String>) -> Entry {
        let name = join_non_empty_with_space(&self.names);
        let mut aliases = self.aliases;
        let script = self.original_script.trim();
        if !script.is_empty() && script != name && !aliases.iter().any(|a| a.name == script) {
            aliases.push(Alias {
                name: script.to_owned(),
                kind: AliasKind::Aka,
            });
        }
        let mut countries = Vec::new();
        let country_names = self
            .nationalities
            .iter()
            .chain(self.addresses.iter().map(|(_, c)| c));
        for country in country_names.filter(|c| !c.is_empty()) {
            match country_alpha2(country) {
                Some(code) => push_unique(&mut countries, code),
                None => {
                    unknown_countries.insert(country.clone());
                }
            }
        }
        let listed_on = self
            .listed_on
            .trim()
            .get(..10)
            .unwrap_or_default()
            .to_owned();
        let comments = self.comments.trim();
        let list_type = self.list_type.trim();
        Entry {
            list: ListId::UnConsolidated,
            id: self.reference.trim().to_owned(),
            name,
            aliases,
            kind: self.kind.unwrap_or(PartyKind::Unknown),
            countries,
            addresses: self
                .addresses
                .into_iter()
                .map(|(display, _)| display)
                .collect(),
            programs: if list_type.is_empty() {
                Vec::new()
            } else {
                vec![list_type.to_owned()]
            },
            license_requirement: None,
            license_policy: None,
            federal_register: None,
            start_date: is_iso_date(&listed_on).then_some(listed_on),
            end_date: None,
            remarks: (!comments.is_empty()).then(|| comments.to_owned()),
        }
    }
}

fn join_non_empty_with_space(parts: &[String]) -> String {
    parts
        .iter()
        .map(|p| p.trim())
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Positions from quick-xml as `usize` (saturating on 32-bit targets).
fn to_usize(position: impl TryInto<usize>) -> usize {
    position.try_into().unwrap_or(usize::MAX)
}
