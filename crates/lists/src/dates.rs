//! When each entry was listed, and when it stopped being listed, from what its list says.
//!
//! - Entity List: the effective date of the rule that added the entry — its earliest
//!   Federal Register citation, looked up in `data/federal_register.toml` (a table of FR
//!   citations and their dates, each with its source and confidence); where the CSL
//!   gives a `start_date`, that date.
//! - CSL rows of every list: `start_date` / `end_date` where present.
//! - Denied Persons List: the earliest `Effective_Date` (start) and the latest
//!   `Expiration_Date` (end); in the CSL's DPL rows, which carry no dates, the date
//!   printed after the order's FR citation (`53 F.R. 3059 2/3/88`: published 1988-02-03),
//!   which the order took effect on or before.
//! - UN: `LISTED_ON`.
//! - OFAC legacy CSV (SDN and the non-SDN lists): no designation dates at all — unknown.
//!
//! An entry whose date cannot be known says so ([`Listing::basis`]): the as-of date
//! logic (`decide`) applies it on the safe side and marks the answer unverified.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::model::{Entry, ListId};

/// The table compiled into the binary.
const BUNDLED: &str = include_str!("../data/federal_register.toml");

/// How many days before its publication an Entity List rule of unverified date may have
/// taken effect (rules take effect on or shortly before publication, when they are put
/// on public inspection).
pub const EFFECTIVE_BEFORE_PUBLICATION_DAYS: i64 = 14;

/// One row of `federal_register.toml`: either the exact dates (`published`, `effective`)
/// or inclusive bounds of the publication date (`published_after`, `published_before`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrDates {
    #[serde(default)]
    pub published: Option<NaiveDate>,
    #[serde(default)]
    pub effective: Option<NaiveDate>,
    #[serde(default)]
    pub published_after: Option<NaiveDate>,
    #[serde(default)]
    pub published_before: Option<NaiveDate>,
    /// `text`, `ecfr-data`, `summary` or `unverified` (as in the regulation data).
    pub confidence: String,
    pub source: String,
}

impl FrDates {
    /// Whether the dates were seen on a copy of the rule (not bracketed).
    pub fn verified(&self) -> bool {
        self.confidence != "unverified" && self.effective.is_some()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    citation: BTreeMap<String, FrDates>,
    #[serde(default)]
    #[allow(dead_code)]
    anchor: Vec<toml::Value>,
}

/// A Federal Register citation: volume and first page (`88 FR 46071`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FrCitation {
    pub volume: u32,
    pub page: u32,
}

impl FrCitation {
    /// The calendar year of the volume (volume 1 is 1936).
    pub fn year(self) -> i32 {
        self.volume as i32 + 1935
    }
}

impl std::fmt::Display for FrCitation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} FR {}", self.volume, self.page)
    }
}

/// Why `federal_register.toml` could not be read.
#[derive(Debug, thiserror::Error)]
pub enum DatesError {
    #[error("federal_register.toml: {0}")]
    Toml(String),
    #[error("federal_register.toml: citation `{key}`: {reason}")]
    Row { key: String, reason: String },
}

/// The table of FR citations and their dates.
#[derive(Debug, Clone, Default)]
pub struct FederalRegister {
    rows: BTreeMap<FrCitation, FrDates>,
}

impl FederalRegister {
    /// The table compiled into the binary (parsed once).
    pub fn bundled() -> &'static FederalRegister {
        static TABLE: OnceLock<FederalRegister> = OnceLock::new();
        TABLE.get_or_init(|| FederalRegister::parse(BUNDLED).unwrap_or_default())
    }

    /// Parses the table; checks every key is one citation and every row has either
    /// both exact dates or both bounds, in order.
    pub fn parse(text: &str) -> Result<FederalRegister, DatesError> {
        let file: File = toml::from_str(text).map_err(|e| DatesError::Toml(e.to_string()))?;
        let mut rows = BTreeMap::new();
        for (key, row) in file.citation {
            let bad = |reason: &str| DatesError::Row {
                key: key.clone(),
                reason: reason.to_owned(),
            };
            let cited = citations(&key);
            let [citation] = cited.as_slice() else {
                return Err(bad("not one citation of the form `88 FR 46071`"));
            };
            let exact = row.published.is_some() && row.effective.is_some();
            let bounded =
                matches!((row.published_after, row.published_before), (Some(a), Some(b)) if a <= b);
            if !exact && !bounded {
                return Err(bad(
                    "give published and effective, or published_after <= published_before",
                ));
            }
            if !matches!(
                row.confidence.as_str(),
                "text" | "ecfr-data" | "summary" | "unverified"
            ) {
                return Err(bad("confidence: text, ecfr-data, summary or unverified"));
            }
            if !exact && row.confidence != "unverified" {
                return Err(bad("a row with bounds only is unverified"));
            }
            rows.insert(*citation, row);
        }
        Ok(FederalRegister { rows })
    }

    /// The dates of one citation, if the table has it.
    pub fn get(&self, citation: FrCitation) -> Option<&FrDates> {
        self.rows.get(&citation)
    }

    /// Every citation in the table.
    pub fn citations(&self) -> impl Iterator<Item = FrCitation> + '_ {
        self.rows.keys().copied()
    }
}

/// Every `NN FR PPPP` (or `NN F.R. PPPP`) citation in `text`, in order of appearance.
pub fn citations(text: &str) -> Vec<FrCitation> {
    let tokens: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || c == ',' || c == ';')
        .filter(|t| !t.is_empty())
        .collect();
    let mut out = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        let t = t.trim_end_matches('.');
        if !(t == "FR" || t == "F.R" || t == "F.R.") {
            continue;
        }
        let (Some(volume), Some(page)) = (
            i.checked_sub(1).and_then(|j| tokens[j].parse::<u32>().ok()),
            tokens.get(i + 1).and_then(|p| p.parse::<u32>().ok()),
        ) else {
            continue;
        };
        if (1..=200).contains(&volume) && page > 0 {
            out.push(FrCitation { volume, page });
        }
    }
    out
}

/// When an entry was listed and until when, as far as the list says.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Listing {
    /// The date the entry took effect, where known exactly (`YYYY-MM-DD`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listed_on: Option<String>,
    /// Without an exact date: the earliest date it may have taken effect.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_before: Option<String>,
    /// Without an exact date: a date by which it was certainly listed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    /// The first date it is no longer listed (DPL expiration, CSL `end_date`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub removed_on: Option<String>,
    /// Where the dates come from, or why the listing date is unknown.
    pub basis: String,
    /// False when the dates rest on unverified data (a bracketed FR date) or are unknown.
    pub verified: bool,
}

impl Listing {
    /// Whether the listing date is unknown (no exact date and no bound).
    pub fn unknown(&self) -> bool {
        self.listed_on.is_none() && self.not_before.is_none() && self.by.is_none()
    }
}

/// The listing of `entry` per the bundled FR table.
pub fn listing(entry: &Entry) -> Listing {
    listing_with(entry, FederalRegister::bundled())
}

/// The listing of `entry`: the list's own start/end dates first, then (Entity List) the
/// effective date of its earliest FR citation, then (DPL rows of the CSL) the date
/// printed with the order's citation; else unknown, with the reason.
pub fn listing_with(entry: &Entry, table: &FederalRegister) -> Listing {
    let iso = |s: &Option<String>| {
        s.as_deref()
            .filter(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").is_ok())
            .map(str::to_owned)
    };
    let removed_on = iso(&entry.end_date);
    if let Some(start) = iso(&entry.start_date) {
        let what = match entry.list {
            ListId::UnConsolidated => "LISTED_ON",
            ListId::DeniedPersons => "effective date of the denial order",
            _ => "start date",
        };
        return Listing {
            listed_on: Some(start.clone()),
            not_before: None,
            by: None,
            removed_on,
            basis: format!("{what} {start}, as the {} gives it", entry.list),
            verified: true,
        };
    }
    let fr = entry.federal_register.as_deref().unwrap_or("");
    let unknown = |basis: String| Listing {
        listed_on: None,
        not_before: None,
        by: None,
        removed_on: removed_on.clone(),
        basis,
        verified: false,
    };
    match entry.list {
        ListId::EntityList => {
            let Some(first) = citations(fr).into_iter().min() else {
                return unknown(
                    "listing date unknown: the entry gives no start date and no Federal Register citation".into(),
                );
            };
            match table.get(first) {
                Some(row) if row.verified() => {
                    let effective = row.effective.map(|d| d.to_string());
                    Listing {
                        listed_on: effective.clone(),
                        not_before: None,
                        by: None,
                        removed_on,
                        basis: format!(
                            "{first}: effective {}, published {} ({})",
                            effective.unwrap_or_default(),
                            row.published.map(|d| d.to_string()).unwrap_or_default(),
                            row.source
                        ),
                        verified: true,
                    }
                }
                Some(row) => {
                    let (after, before) = match (row.published_after, row.published_before) {
                        (Some(a), Some(b)) => (a, b),
                        _ => (
                            row.published.or(row.effective).unwrap_or_default(),
                            row.published.or(row.effective).unwrap_or_default(),
                        ),
                    };
                    Listing {
                        listed_on: None,
                        not_before: Some(
                            (after - chrono::Duration::days(EFFECTIVE_BEFORE_PUBLICATION_DAYS))
                                .to_string(),
                        ),
                        by: Some(before.to_string()),
                        removed_on,
                        basis: format!(
                            "{first}: published between {after} and {before}, exact date unverified ({})",
                            row.source
                        ),
                        verified: false,
                    }
                }
                None => {
                    let year = first.year();
                    let after = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default();
                    Listing {
                        listed_on: None,
                        not_before: Some(
                            (after - chrono::Duration::days(EFFECTIVE_BEFORE_PUBLICATION_DAYS))
                                .to_string(),
                        ),
                        by: Some(format!("{year}-12-31")),
                        removed_on,
                        basis: format!(
                            "{first}: not in federal_register.toml; volume {} gives the year {year}, exact date unverified",
                            first.volume
                        ),
                        verified: false,
                    }
                }
            }
        }
        ListId::DeniedPersons => match order_date(fr) {
            Some(published) => Listing {
                listed_on: None,
                not_before: None,
                by: Some(published.to_string()),
                removed_on,
                basis: format!(
                    "the denial order was published {published} ({}); it took effect on or before that date",
                    fr.trim()
                ),
                verified: true,
            },
            None => unknown(
                "listing date unknown: the entry gives no effective date and no dated Federal Register citation".into(),
            ),
        },
        ListId::Sdn
        | ListId::Ssi
        | ListId::Fse
        | ListId::Plc
        | ListId::MenuBased
        | ListId::Cmic
        | ListId::Capta => unknown(format!(
            "designation date unknown: OFAC's legacy CSV and the CSL as imported carry no designation date for {} entries",
            entry.list
        )),
        ListId::UnConsolidated => {
            unknown("listing date unknown: the entry has no LISTED_ON date".into())
        }
        _ => unknown(format!(
            "listing date unknown: the {} entry gives no start date",
            entry.list
        )),
    }
}

/// The first `M/D/YY` or `M/D/YYYY` date in a DPL citation (`53 F.R. 3059 2/3/88`).
fn order_date(text: &str) -> Option<NaiveDate> {
    text.split_whitespace().find_map(|t| {
        let parts: Vec<&str> = t.trim_end_matches([',', ';', '.']).split('/').collect();
        let [m, d, y] = parts.as_slice() else {
            return None;
        };
        let (m, d, y) = (
            m.parse::<u32>().ok()?,
            d.parse::<u32>().ok()?,
            y.parse::<i32>().ok()?,
        );
        let year = match (y, y.to_string().len()) {
            (y, 4) => y,
            (y, 1 | 2) if y >= 50 => 1900 + y,
            (y, 1 | 2) => 2000 + y,
            _ => return None,
        };
        NaiveDate::from_ymd_opt(year, m, d)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::PartyKind;

    fn entry(list: ListId, fr: Option<&str>, start: Option<&str>, end: Option<&str>) -> Entry {
        Entry {
            list,
            id: "x".into(),
            name: "X".into(),
            aliases: Vec::new(),
            kind: PartyKind::Unknown,
            countries: Vec::new(),
            addresses: Vec::new(),
            programs: Vec::new(),
            license_requirement: None,
            license_policy: None,
            federal_register: fr.map(str::to_owned),
            start_date: start.map(str::to_owned),
            end_date: end.map(str::to_owned),
            remarks: None,
        }
    }

    #[test]
    fn the_bundled_table_parses_and_has_the_spyware_rules() {
        let table = FederalRegister::parse(BUNDLED).expect("federal_register.toml");
        let intellexa = table
            .get(FrCitation {
                volume: 88,
                page: 46071,
            })
            .expect("88 FR 46071");
        assert_eq!(
            intellexa.effective.map(|d| d.to_string()).as_deref(),
            Some("2023-07-18")
        );
        assert!(intellexa.verified());
    }

    #[test]
    fn every_entity_list_citation_of_the_bundled_data_has_a_row() {
        let table = FederalRegister::bundled();
        let snapshot = crate::snapshot::bundled().expect("bundled");
        let mut missing = Vec::new();
        for e in snapshot
            .entries
            .iter()
            .filter(|e| e.list == ListId::EntityList)
        {
            for c in citations(e.federal_register.as_deref().unwrap_or("")) {
                if table.get(c).is_none() {
                    missing.push(c.to_string());
                }
            }
        }
        let csv = include_str!("../../../data/lists/cyber_entity_list.csv");
        for c in citations(csv) {
            if table.get(c).is_none() {
                missing.push(c.to_string());
            }
        }
        assert!(missing.is_empty(), "no row for {missing:?}");
    }

    #[test]
    fn citations_are_read_in_both_styles() {
        assert_eq!(
            citations("84 FR 22961, 85 FR 29852; 53 F.R. 3059 2/3/88 77 FR 61249 No. 195"),
            vec![
                FrCitation {
                    volume: 84,
                    page: 22961
                },
                FrCitation {
                    volume: 85,
                    page: 29852
                },
                FrCitation {
                    volume: 53,
                    page: 3059
                },
                FrCitation {
                    volume: 77,
                    page: 61249
                },
            ]
        );
        assert!(citations("FR Doc. 2023-15343").is_empty());
    }

    #[test]
    fn entity_list_entry_takes_its_earliest_citation() {
        let e = entry(ListId::EntityList, Some("88 FR 46071"), None, None);
        let l = listing(&e);
        assert_eq!(l.listed_on.as_deref(), Some("2023-07-18"));
        assert!(l.verified);
        // An unverified citation gives bounds, not a date.
        let e = entry(
            ListId::EntityList,
            Some("89 FR 96837; 90 FR 14032"),
            None,
            None,
        );
        let l = listing(&e);
        assert_eq!(l.listed_on, None);
        assert_eq!(l.by.as_deref(), Some("2024-12-31"));
        assert!(l.not_before.as_deref() > Some("2024-06"), "{l:?}");
        assert!(!l.verified && l.basis.contains("89 FR 96837"), "{l:?}");
    }

    #[test]
    fn a_start_date_of_the_list_comes_first_and_an_end_date_removes() {
        let e = entry(
            ListId::DeniedPersons,
            None,
            Some("2001-03-15"),
            Some("2031-03-15"),
        );
        let l = listing(&e);
        assert_eq!(l.listed_on.as_deref(), Some("2001-03-15"));
        assert_eq!(l.removed_on.as_deref(), Some("2031-03-15"));
    }

    #[test]
    fn dpl_rows_of_the_csl_are_listed_by_their_order_date() {
        let e = entry(
            ListId::DeniedPersons,
            Some("53 F.R. 3059 2/3/88"),
            None,
            None,
        );
        assert_eq!(listing(&e).by.as_deref(), Some("1988-02-03"));
        let e = entry(
            ListId::DeniedPersons,
            Some("82 F.R. 39105 8/17/2017"),
            None,
            None,
        );
        assert_eq!(listing(&e).by.as_deref(), Some("2017-08-17"));
    }

    #[test]
    fn ofac_and_undated_entries_say_the_date_is_unknown() {
        let l = listing(&entry(ListId::Sdn, None, None, None));
        assert!(l.unknown() && !l.verified);
        assert!(l.basis.contains("designation date unknown"), "{}", l.basis);
        let l = listing(&entry(ListId::EntityList, None, None, None));
        assert!(l.unknown() && l.basis.contains("no Federal Register citation"));
    }

    #[test]
    fn bad_rows_are_refused_naming_the_citation() {
        let bad = r#"[citation]
"88 FR 1" = { published_after = "2023-05-01", published_before = "2023-01-01", confidence = "unverified", source = "x" }"#;
        let err = FederalRegister::parse(bad).err().map(|e| e.to_string());
        assert!(err.is_some_and(|e| e.contains("88 FR 1")));
        let bad = r#"[citation]
"88 FR 1" = { published_after = "2023-01-01", published_before = "2023-05-01", confidence = "summary", source = "x" }"#;
        assert!(FederalRegister::parse(bad).is_err());
    }
}
