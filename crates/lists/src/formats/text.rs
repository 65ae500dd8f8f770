//! Small text helpers shared by the parsers: decoding, multi-valued fields, weak
//! aliases in remarks, countries, dates and stable ids.

use sha2::{Digest, Sha256};

/// Decodes a whole file as UTF-8, falling back to Latin-1 (every byte is a code
/// point) when it is not valid UTF-8. Returns the text and whether the fallback was used.
pub(crate) fn decode_utf8_or_latin1(bytes: &[u8]) -> (String, bool) {
    let bytes = strip_bom(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => (text.to_owned(), false),
        Err(_) => (bytes.iter().map(|&b| char::from(b)).collect(), true),
    }
}

/// Drops a leading UTF-8 byte-order mark.
pub(crate) fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

/// Splits a `; `-joined multi-valued field into trimmed, non-empty values.
pub(crate) fn split_multi(value: &str) -> Vec<String> {
    value
        .split(';')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The weak a.k.a.s OFAC writes only inside remarks: `a.k.a. 'BNC'.`.
///
/// Each runs from after `a.k.a. ` to the next `; ` (or the end); a trailing `.` and
/// one pair of enclosing single quotes are removed (names may themselves contain
/// apostrophes: `a.k.a. ''ALI'` is `'ALI`).
pub(crate) fn weak_akas(remarks: &str) -> Vec<String> {
    const MARK: &str = "a.k.a. ";
    let mut out = Vec::new();
    let mut rest = remarks;
    while let Some(at) = rest.find(MARK) {
        rest = &rest[at + MARK.len()..];
        let clause = rest.split("; ").next().unwrap_or_default();
        if let Some(name) = quoted_clause(clause) {
            out.push(name);
        }
    }
    out
}

/// The name inside a `'...'` remarks clause, or `None` when it is not quoted.
fn quoted_clause(clause: &str) -> Option<String> {
    let trimmed = clause.trim().trim_end_matches('.').trim_end();
    let inner = trimmed.strip_prefix('\'')?;
    let inner = inner.strip_suffix('\'').unwrap_or(inner);
    let inner = inner.trim();
    (!inner.is_empty()).then(|| inner.to_owned())
}

/// Whether `s` looks like an ISO 3166-1 alpha-2 code (two ASCII capitals).
pub(crate) fn is_alpha2(s: &str) -> bool {
    s.len() == 2 && s.bytes().all(|b| b.is_ascii_uppercase())
}

/// Maps a country code or name (`IR`, `Iran`, `Korea, North`,
/// `Iran (Islamic Republic of)`) to its alpha-2 code through the `countries` crate.
pub(crate) fn country_alpha2(value: &str) -> Option<String> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    if let Some(country) = countries::lookup(value) {
        return Some(country.alpha2.to_string());
    }
    is_alpha2(value).then(|| value.to_owned())
}

/// Adds `value` to `list` unless it is already there (keeps first-seen order).
pub(crate) fn push_unique(list: &mut Vec<String>, value: String) {
    if !list.contains(&value) {
        list.push(value);
    }
}

/// Whether `s` is a date `YYYY-MM-DD` with a plausible month and day.
pub(crate) fn is_iso_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && [0, 1, 2, 3, 5, 6, 8, 9]
            .iter()
            .all(|&i| b[i].is_ascii_digit())
        && (1..=12).contains(&two_digits(&s[5..7]))
        && (1..=31).contains(&two_digits(&s[8..10]))
}

fn two_digits(s: &str) -> u32 {
    s.parse().unwrap_or(0)
}

/// Converts `MM/DD/YYYY` (the DPL's dates) to `YYYY-MM-DD`.
pub(crate) fn us_date_to_iso(s: &str) -> Option<String> {
    let mut parts = s.trim().split('/');
    let (month, day, year) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || year.len() != 4 || month.len() > 2 || day.len() > 2 {
        return None;
    }
    let iso = format!("{year}-{month:0>2}-{day:0>2}");
    is_iso_date(&iso).then_some(iso)
}

/// The newest plausible `YYYY-MM-DD` date among `dates`: dates after today are data-entry
/// errors (the DPL has a `Last_Update` of 3033-09-30) and are ignored.
pub(crate) fn newest_plausible<'a>(dates: impl Iterator<Item = &'a str>) -> Option<String> {
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    dates
        .filter(|d| is_iso_date(d) && **d <= *today)
        .max()
        .map(str::to_owned)
}

/// A `YYYY-MM-DD` or `YYYY-MM` date embedded in a file name
/// (`consolidated_2026-07-31.json`, `consolidated_sample_2025-06.csv`).
pub(crate) fn date_in_file_name(name: &str) -> Option<String> {
    let bytes = name.as_bytes();
    (0..bytes.len()).find_map(|start| {
        let rest = name.get(start..)?;
        if start > 0 && bytes[start - 1].is_ascii_digit() {
            return None;
        }
        let day = rest.get(..10).filter(|d| is_iso_date(d));
        let month = rest
            .get(..7)
            .filter(|m| is_iso_date(&format!("{m}-01")))
            .filter(|_| !rest.as_bytes().get(7).is_some_and(u8::is_ascii_digit));
        day.or(month).map(str::to_owned)
    })
}

/// A stable 16-hex-digit id derived from the given parts.
pub(crate) fn short_hash(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update([0x1F]);
    }
    hex::encode(&hasher.finalize()[..8])
}

/// Joins the non-empty trimmed parts with `, ` (an address from its columns).
pub(crate) fn join_non_empty(parts: &[&str]) -> String {
    parts
        .iter()
        .map(|p| p.trim())
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Maps byte offsets of a text to 1-based line numbers.
pub(crate) struct LineIndex {
    /// Offset just after each `\n`.
    starts: Vec<usize>,
}

impl LineIndex {
    pub(crate) fn new(bytes: &[u8]) -> Self {
        let starts = bytes
            .iter()
            .enumerate()
            .filter(|(_, &b)| b == b'\n')
            .map(|(i, _)| i + 1)
            .collect();
        LineIndex { starts }
    }

    /// The line holding byte `offset`.
    pub(crate) fn line(&self, offset: usize) -> usize {
        self.starts.partition_point(|&start| start <= offset) + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weak_akas_from_remarks() {
        assert_eq!(weak_akas("a.k.a. 'BNC'."), ["BNC"]);
        assert_eq!(
            weak_akas("DOB 1960; a.k.a. ''ALI'; a.k.a. 'ABDEL' AZIZ'; Linked To: X."),
            ["'ALI", "ABDEL' AZIZ"]
        );
        assert!(weak_akas("no aliases here").is_empty());
    }

    #[test]
    fn dates() {
        assert_eq!(us_date_to_iso("06/19/2003").as_deref(), Some("2003-06-19"));
        assert_eq!(us_date_to_iso("6/1/2003").as_deref(), Some("2003-06-01"));
        assert_eq!(us_date_to_iso("13/01/2003"), None);
        assert_eq!(
            date_in_file_name("consolidated_2026-07-31.json").as_deref(),
            Some("2026-07-31")
        );
        assert_eq!(
            date_in_file_name("consolidated_sample_2025-06.csv").as_deref(),
            Some("2025-06")
        );
        assert_eq!(date_in_file_name("sdn.csv"), None);
        assert_eq!(
            newest_plausible(["2020-01-01", "3033-09-30", "2021-02-03"].into_iter()).as_deref(),
            Some("2021-02-03")
        );
    }

    #[test]
    fn multi_values() {
        assert_eq!(split_multi("a; b;; c "), ["a", "b", "c"]);
    }
}
