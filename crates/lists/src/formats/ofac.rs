//! OFAC's legacy CSV files: a primary file (`sdn.csv` or `cons_prim.csv`) with
//! companions for aliases, addresses and remarks overflow.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use super::delimited::{split, RawRecord};
use super::error::{shown, LoadError};
use super::text::{
    country_alpha2, date_in_file_name, decode_utf8_or_latin1, join_non_empty, push_unique,
    weak_akas,
};
use super::{ParseOptions, Parsed};
use crate::model::{Alias, AliasKind, Entry, ListId, PartyKind};

const PRIMARY_COLUMNS: [&str; 12] = [
    "ent_num",
    "SDN_Name",
    "SDN_Type",
    "Program",
    "Title",
    "Call_Sign",
    "Vess_type",
    "Tonnage",
    "GRT",
    "Vess_flag",
    "Vess_owner",
    "Remarks",
];
const ALT_COLUMNS: [&str; 5] = ["ent_num", "alt_num", "alt_type", "alt_name", "alt_remarks"];
const ADD_COLUMNS: [&str; 6] = [
    "ent_num",
    "add_num",
    "address",
    "city_state_province_postal",
    "country",
    "add_remarks",
];
const COMMENT_COLUMNS: [&str; 2] = ["ent_num", "remarks_continuation"];

/// Which OFAC publication a set of files is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfacSet {
    /// `sdn.csv`, `alt.csv`, `add.csv`, `sdn_comments.csv`: every row is on the SDN list.
    Sdn,
    /// `cons_prim.csv`, `cons_alt.csv`, `cons_add.csv`, `cons_comments.csv`: the
    /// non-SDN lists, each row assigned by its programs (see [`consolidated_list`]).
    Consolidated,
}

impl OfacSet {
    /// Tells the set from the primary file's name (`cons_*` is the consolidated set).
    pub fn from_file_name(name: &str) -> Self {
        if name.to_ascii_lowercase().starts_with("cons") {
            OfacSet::Consolidated
        } else {
            OfacSet::Sdn
        }
    }

    /// Companion file names: aliases, addresses, remarks overflow.
    fn companions(self) -> [&'static str; 3] {
        match self {
            OfacSet::Sdn => ["alt.csv", "add.csv", "sdn_comments.csv"],
            OfacSet::Consolidated => ["cons_alt.csv", "cons_add.csv", "cons_comments.csv"],
        }
    }
}

/// Whether a file name is one of the OFAC companion files (not loadable on its own).
pub fn is_companion_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [OfacSet::Sdn, OfacSet::Consolidated]
        .iter()
        .any(|set| set.companions().contains(&lower.as_str()))
}

/// One file's name (for messages) and content.
#[derive(Debug, Clone, Copy)]
pub struct FileBytes<'a> {
    pub path: &'a Path,
    pub bytes: &'a [u8],
}

/// The four files of one OFAC set; companions may be absent.
#[derive(Debug, Clone, Copy)]
pub struct OfacFiles<'a> {
    pub primary: FileBytes<'a>,
    pub alt: Option<FileBytes<'a>>,
    pub add: Option<FileBytes<'a>>,
    pub comments: Option<FileBytes<'a>>,
}

/// Loads an OFAC set from its primary file, finding the companions beside it
/// (file names compared case-insensitively: the Sanctions List Service serves
/// `SDN.CSV`, `ALT.CSV`, ...).
///
/// The alias and address files are **required** (without them aliases and countries
/// would silently be lost, which weakens screening): a missing one is
/// [`LoadError::MissingCompanion`]. The comments file only carries the overflow of
/// long remarks, so a missing one is a warning.
pub fn load(primary: &Path, opts: &ParseOptions) -> Result<Parsed, LoadError> {
    let name = primary
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let set = OfacSet::from_file_name(&name);
    let [alt_name, add_name, comments_name] = set.companions();
    let primary_bytes = read(primary)?;
    let dir = primary.parent().unwrap_or_else(|| Path::new("."));
    let alt_path = find_companion(dir, alt_name)
        .ok_or_else(|| missing(primary, alt_name, "aliases (a.k.a., f.k.a., n.k.a.)"))?;
    let add_path = find_companion(dir, add_name)
        .ok_or_else(|| missing(primary, add_name, "addresses and countries"))?;
    let comments_path = find_companion(dir, comments_name);
    let alt_bytes = read(&alt_path)?;
    let add_bytes = read(&add_path)?;
    let comments_bytes = comments_path.as_deref().map(read).transpose()?;
    let files = OfacFiles {
        primary: FileBytes {
            path: primary,
            bytes: &primary_bytes,
        },
        alt: Some(FileBytes {
            path: &alt_path,
            bytes: &alt_bytes,
        }),
        add: Some(FileBytes {
            path: &add_path,
            bytes: &add_bytes,
        }),
        comments: comments_path
            .as_deref()
            .zip(comments_bytes.as_deref())
            .map(|(path, bytes)| FileBytes { path, bytes }),
    };
    let mut parsed = parse(&files, set, opts)?;
    if files.comments.is_none() {
        parsed.warnings.insert(
            0,
            format!(
                "{}: companion file {comments_name} not found; remarks longer than 1,000 characters stay cut",
                primary.display()
            ),
        );
    }
    Ok(parsed)
}

fn read(path: &Path) -> Result<Vec<u8>, LoadError> {
    std::fs::read(path).map_err(|source| LoadError::Read {
        file: path.to_path_buf(),
        source,
    })
}

fn missing(primary: &Path, companion: &str, what: &'static str) -> LoadError {
    LoadError::MissingCompanion {
        file: primary.to_path_buf(),
        companion: companion.to_owned(),
        what,
    }
}

/// The file in `dir` whose name equals `name` ignoring ASCII case.
fn find_companion(dir: &Path, name: &str) -> Option<PathBuf> {
    let exact = dir.join(name);
    if exact.is_file() {
        return Some(exact);
    }
    std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| {
            p.is_file()
                && p.file_name()
                    .is_some_and(|n| n.to_string_lossy().eq_ignore_ascii_case(name))
        })
}

/// Parses an OFAC set from bytes. Every row of the primary file becomes an entry
/// (id = `ent_num`); companion rows are attached by `ent_num` (rows naming an unknown
/// `ent_num` are counted in a warning). Source date: a date in the primary file's
/// name, if any (the legacy CSV carries none).
pub fn parse(files: &OfacFiles, set: OfacSet, opts: &ParseOptions) -> Result<Parsed, LoadError> {
    let mut out = Parsed::default();
    let mut builder = Builder::default();
    for record in table(files.primary, &PRIMARY_COLUMNS, opts, &mut out.warnings)? {
        builder.primary(files.primary.path, &record, set)?;
    }
    if let Some(file) = files.comments {
        for record in table(file, &COMMENT_COLUMNS, opts, &mut out.warnings)? {
            builder.comment(file.path, &record)?;
        }
    }
    builder.finish_remarks();
    if let Some(file) = files.alt {
        for record in table(file, &ALT_COLUMNS, opts, &mut out.warnings)? {
            builder.alias(file.path, &record, &mut out.warnings)?;
        }
    }
    if let Some(file) = files.add {
        for record in table(file, &ADD_COLUMNS, opts, &mut out.warnings)? {
            builder.address(file.path, &record)?;
        }
    }
    builder.report(files.primary.path, &mut out.warnings);
    out.entries = builder.entries;
    out.lines = builder.lines;
    out.source_date = files
        .primary
        .path
        .file_name()
        .and_then(|n| date_in_file_name(&n.to_string_lossy()));
    Ok(out)
}

/// A decoded row: text fields with `-0-` turned into empty strings.
struct Row {
    line: usize,
    fields: Vec<String>,
}

impl Row {
    fn get(&self, i: usize) -> &str {
        self.fields.get(i).map(String::as_str).unwrap_or_default()
    }
}

/// Decodes a file (UTF-8, else Latin-1) and checks every row has `columns.len()` fields.
fn table(
    file: FileBytes,
    columns: &[&str],
    opts: &ParseOptions,
    warnings: &mut Vec<String>,
) -> Result<Vec<Row>, LoadError> {
    let (text, latin1) = decode_utf8_or_latin1(file.bytes);
    if latin1 {
        warnings.push(format!(
            "{}: not valid UTF-8, read as Latin-1",
            file.path.display()
        ));
    }
    let split = split(text.as_bytes(), b',');
    if let Some(open) = split.unterminated {
        let field = columns.get(open.field).copied().unwrap_or("(extra column)");
        let err = LoadError::field(
            file.path,
            open.line,
            field,
            "a closing quote `\"`",
            "end of file (truncated record?)",
        );
        if !opts.lenient {
            return Err(err);
        }
        warnings.push(format!("{err}; record skipped (lenient)"));
    }
    split
        .records
        .iter()
        .map(|record| decode_row(file.path, record, columns))
        .collect()
}

fn decode_row(path: &Path, record: &RawRecord, columns: &[&str]) -> Result<Row, LoadError> {
    if record.fields.len() != columns.len() {
        let at = record.fields.len().min(columns.len().saturating_sub(1));
        return Err(LoadError::field(
            path,
            record.line,
            columns.get(at).copied().unwrap_or("(extra column)"),
            format!("{} comma-separated columns", columns.len()),
            format!("{} columns", record.fields.len()),
        ));
    }
    let fields = record
        .fields
        .iter()
        .map(|f| null_to_empty(&String::from_utf8_lossy(f)))
        .collect();
    Ok(Row {
        line: record.line,
        fields,
    })
}

/// OFAC writes nulls as `-0-` (followed by a space).
fn null_to_empty(value: &str) -> String {
    match value.trim() {
        "-0-" => String::new(),
        trimmed => trimmed.to_owned(),
    }
}

/// Parses the `ent_num` column (the first of every file).
fn ent_num(path: &Path, row: &Row) -> Result<u64, LoadError> {
    row.get(0).parse().map_err(|_| {
        LoadError::field(
            path,
            row.line,
            "ent_num",
            "an entity number",
            shown(row.get(0)),
        )
    })
}

/// Splits `A] [B] [C` into programs.
fn programs(value: &str) -> Vec<String> {
    value
        .split("] [")
        .map(|p| p.trim_matches(|c: char| c == '[' || c == ']' || c.is_whitespace()))
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The non-SDN list a consolidated-file row belongs to, by its programs:
/// `FSE-*` → FSE; `NS-PLC` → PLC; `CMIC-*` → CMIC; `561-Related`/`CAPTA` → CAP;
/// `UKRAINE-EO13662` (the sectoral sanctions directives) → SSI; anything else is
/// a menu-based sanction (NS-MBS: `RUSSIA-EO14024`, `CAATSA - RUSSIA`, ...).
pub fn consolidated_list(programs: &[String]) -> ListId {
    let has = |pred: &dyn Fn(&str) -> bool| programs.iter().any(|p| pred(&p.to_ascii_uppercase()));
    if has(&|p| p.starts_with("FSE")) {
        ListId::Fse
    } else if has(&|p| p.contains("NS-PLC")) {
        ListId::Plc
    } else if has(&|p| p.starts_with("CMIC")) {
        ListId::Cmic
    } else if has(&|p| p.starts_with("561") || p.starts_with("CAPTA")) {
        ListId::Capta
    } else if has(&|p| p.starts_with("UKRAINE-EO13662")) {
        ListId::Ssi
    } else {
        ListId::MenuBased
    }
}

fn kind(sdn_type: &str) -> PartyKind {
    match sdn_type.to_ascii_lowercase().as_str() {
        "" => PartyKind::Entity,
        "individual" => PartyKind::Individual,
        "vessel" => PartyKind::Vessel,
        "aircraft" => PartyKind::Aircraft,
        _ => PartyKind::Unknown,
    }
}

/// Collects entries and attaches companion rows to them by `ent_num`.
#[derive(Default)]
struct Builder {
    entries: Vec<Entry>,
    lines: Vec<usize>,
    index: HashMap<u64, usize>,
    orphans: usize,
    unknown_countries: BTreeSet<String>,
}

impl Builder {
    fn primary(&mut self, path: &Path, row: &Row, set: OfacSet) -> Result<(), LoadError> {
        let number = ent_num(path, row)?;
        let programs = programs(row.get(3));
        let list = match set {
            OfacSet::Sdn => ListId::Sdn,
            OfacSet::Consolidated => consolidated_list(&programs),
        };
        let remarks = row.get(11);
        self.index.entry(number).or_insert(self.entries.len());
        self.lines.push(row.line);
        self.entries.push(Entry {
            list,
            id: number.to_string(),
            name: row.get(1).to_owned(),
            aliases: Vec::new(),
            kind: kind(row.get(2)),
            countries: Vec::new(),
            addresses: Vec::new(),
            programs,
            license_requirement: None,
            license_policy: None,
            federal_register: None,
            start_date: None,
            end_date: None,
            remarks: (!remarks.is_empty()).then(|| remarks.to_owned()),
        });
        Ok(())
    }

    fn target(&mut self, path: &Path, row: &Row) -> Result<Option<&mut Entry>, LoadError> {
        let number = ent_num(path, row)?;
        match self.index.get(&number) {
            Some(&i) => Ok(self.entries.get_mut(i)),
            None => {
                self.orphans += 1;
                Ok(None)
            }
        }
    }

    /// Appends remarks overflow (the split may fall inside a word: no separator).
    fn comment(&mut self, path: &Path, row: &Row) -> Result<(), LoadError> {
        let text = row.get(1).to_owned();
        if let Some(entry) = self.target(path, row)? {
            entry
                .remarks
                .get_or_insert_with(String::new)
                .push_str(&text);
        }
        Ok(())
    }

    /// Extracts the weak a.k.a.s from the complete remarks.
    fn finish_remarks(&mut self) {
        for entry in &mut self.entries {
            let weak = entry.remarks.as_deref().map(weak_akas).unwrap_or_default();
            for name in weak {
                add_alias(entry, name, AliasKind::Weak);
            }
        }
    }

    fn alias(
        &mut self,
        path: &Path,
        row: &Row,
        warnings: &mut Vec<String>,
    ) -> Result<(), LoadError> {
        let kind = match row.get(2).to_ascii_lowercase().as_str() {
            "aka" | "" => AliasKind::Aka,
            "fka" => AliasKind::Fka,
            "nka" => AliasKind::Nka,
            other => {
                warnings.push(format!(
                    "{}: line {}: alt_type {} unknown, read as a.k.a.",
                    path.display(),
                    row.line,
                    shown(other)
                ));
                AliasKind::Aka
            }
        };
        let name = row.get(3).to_owned();
        if let Some(entry) = self.target(path, row)? {
            add_alias(entry, name, kind);
        }
        Ok(())
    }

    fn address(&mut self, path: &Path, row: &Row) -> Result<(), LoadError> {
        let display = join_non_empty(&[row.get(2), row.get(3), row.get(4)]);
        let country_name = row.get(4).to_owned();
        let code = country_alpha2(&country_name);
        if code.is_none() && !country_name.is_empty() {
            self.unknown_countries.insert(country_name);
        }
        if let Some(entry) = self.target(path, row)? {
            if let Some(code) = code {
                push_unique(&mut entry.countries, code);
            }
            if !display.is_empty() {
                push_unique(&mut entry.addresses, display);
            }
        }
        Ok(())
    }

    fn report(&self, path: &Path, warnings: &mut Vec<String>) {
        if self.orphans > 0 {
            warnings.push(format!(
                "{}: {} companion rows name an ent_num not in the primary file and were ignored",
                path.display(),
                self.orphans
            ));
        }
        if !self.unknown_countries.is_empty() {
            let names: Vec<&str> = self.unknown_countries.iter().map(String::as_str).collect();
            warnings.push(format!(
                "{}: country names not recognised (kept in the address only): {}",
                path.display(),
                names.join("; ")
            ));
        }
    }
}

fn add_alias(entry: &mut Entry, name: String, kind: AliasKind) {
    let name = name.trim().to_owned();
    let duplicate = name.is_empty()
        || name == entry.name
        || entry
            .aliases
            .iter()
            .any(|a| a.name == name && a.kind == kind);
    if !duplicate {
        entry.aliases.push(Alias { name, kind });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn program_split_and_lists() {
        let p = programs("NPWMD] [CYBER2] [CAATSA - RUSSIA");
        assert_eq!(p, ["NPWMD", "CYBER2", "CAATSA - RUSSIA"]);
        assert_eq!(
            consolidated_list(&programs("UKRAINE-EO13662] [RUSSIA-EO14024")),
            ListId::Ssi
        );
        assert_eq!(consolidated_list(&programs("SDGT] [NS-PLC")), ListId::Plc);
        assert_eq!(consolidated_list(&programs("561-Related")), ListId::Capta);
        assert_eq!(
            consolidated_list(&programs("RUSSIA-EO14024")),
            ListId::MenuBased
        );
    }
}
