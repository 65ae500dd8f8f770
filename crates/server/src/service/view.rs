//! What the API shows of a screening: each match with the listed entry as the reviewer
//! needs it (list, programs, addresses, countries, aliases, listing date, Federal Register
//! citation, a source URL) and the review decisions recorded on it.

use decide::clearance::entry_hash;
use decide::screening::{PartyScreener, ResolvedMatch, ScreeningReport};
use decide::transaction::Role as PartyRole;
use lists::model::{Entry, ListId};
use records::ReviewDecision;
use screen::Match;
use serde::Serialize;
use std::collections::HashMap;

/// A listed entry as a reviewer needs to see it to decide a match.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EntryView {
    pub list: ListId,
    pub id: String,
    /// The primary name as published.
    pub name: String,
    /// Every other name it is listed under, as published.
    pub aliases: Vec<String>,
    /// ISO 3166-1 alpha-2 codes of its addresses, citizenships and nationalities.
    pub countries: Vec<String>,
    /// Addresses as published.
    pub addresses: Vec<String>,
    /// Sanctions programs (OFAC, UN list type).
    pub programs: Vec<String>,
    /// The date it was listed (`YYYY-MM-DD`), where the list gives one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_date: Option<String>,
    /// The date the listing ends (DPL), where given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_date: Option<String>,
    /// Federal Register citation(s), e.g. `86 FR 60759`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub federal_register: Option<String>,
    /// Entity List license requirement and review policy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub license_requirement: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub license_policy: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remarks: Option<String>,
    /// Where to read the listing: the Federal Register notice when the citation is one
    /// (`federalregister.gov/citation/...`), else the publisher's search page for the list.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_url: Option<String>,
    /// SHA-256 of the entry's content as screened: a review decision keeps it, and a
    /// false positive lapses when the entry changes.
    pub entry_hash: String,
    /// The date it took effect, where known exactly (`lists::dates`: the list's own
    /// date, an Entity List entry's Federal Register date).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listed_on: Option<String>,
    /// Where its listing dates come from, or why the listing date is unknown.
    pub listing: String,
}

impl EntryView {
    pub fn of(entry: &Entry) -> Self {
        let listing = lists::dates::listing(entry);
        EntryView {
            list: entry.list,
            id: entry.id.clone(),
            name: entry.name.clone(),
            aliases: entry.aliases.iter().map(|a| a.name.clone()).collect(),
            countries: entry.countries.clone(),
            addresses: entry.addresses.clone(),
            programs: entry.programs.clone(),
            start_date: entry.start_date.clone(),
            end_date: entry.end_date.clone(),
            federal_register: entry.federal_register.clone(),
            license_requirement: entry.license_requirement.clone(),
            license_policy: entry.license_policy.clone(),
            remarks: entry.remarks.clone(),
            source_url: source_url(entry),
            entry_hash: entry_hash(entry),
            listed_on: listing.listed_on,
            listing: listing.basis,
        }
    }
}

/// The Federal Register notice of the first citation (`86 FR 60759` →
/// `https://www.federalregister.gov/citation/86-FR-60759`), else the list's search page.
pub fn source_url(entry: &Entry) -> Option<String> {
    let cited = entry.federal_register.as_deref().and_then(|fr| {
        let mut words = fr.split_whitespace();
        let volume = words.next()?;
        let fr_word = words.next()?;
        let page: String = words
            .next()?
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        let numeric = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
        (numeric(volume) && fr_word == "FR" && numeric(&page))
            .then(|| format!("https://www.federalregister.gov/citation/{volume}-FR-{page}"))
    });
    cited.or_else(|| list_page(entry.list).map(str::to_string))
}

/// The publisher's search page of a list.
fn list_page(list: ListId) -> Option<&'static str> {
    use ListId::*;
    match list {
        Sdn | Ssi | Fse | Plc | MenuBased | Cmic | Capta => {
            Some("https://sanctionssearch.ofac.treas.gov/")
        }
        UnConsolidated => {
            Some("https://main.un.org/securitycouncil/en/content/un-sc-consolidated-list")
        }
        EntityList | DeniedPersons | Unverified | MilitaryEndUser | Isn | Debarred => {
            Some("https://www.trade.gov/data-visualization/csl-search")
        }
    }
}

/// A screening match with the listed entry and the review decisions on the same party,
/// list and entry.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReviewedMatch {
    #[serde(flatten)]
    pub r#match: Match,
    /// The listed entry matched, as screened.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry: Option<EntryView>,
    /// Decisions recorded for this party, list and entry, oldest first (the newest that has
    /// not lapsed is applied: see `resolved`).
    pub reviews: Vec<ReviewDecision>,
}

/// A match an earlier review decision settled (or a lapsed one, shown and not applied).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ResolvedView {
    #[serde(flatten)]
    pub resolved: ResolvedMatch,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry: Option<EntryView>,
}

/// One screened party with its matches and their reviews.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReviewedParty {
    pub role: PartyRole,
    pub name: String,
    /// The name as the screening engine normalizes it: the key review decisions are kept under.
    pub party_key: String,
    /// The country the party was screened with (ISO alpha-2), if any: a review decision
    /// keeps it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Matches at or above the hit threshold, and true matches a reviewer confirmed.
    pub hits: Vec<ReviewedMatch>,
    /// Matches a person must look at: the review band, generic words alone, or a decision
    /// that lapsed.
    pub needs_review: Vec<ReviewedMatch>,
    /// Matches settled by an earlier decision (and lapsed decisions, not applied).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resolved: Vec<ResolvedView>,
}

/// What screening found in a transaction, with the review decisions applied.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReviewedScreening {
    /// Content hash of the list snapshot used.
    pub snapshot: String,
    pub hit_threshold: f64,
    pub review_threshold: f64,
    pub parties: Vec<ReviewedParty>,
}

/// The list code as the JSON shows it (`EL`, `SDN`, …).
pub fn list_code(list: ListId) -> String {
    list.code().to_string()
}

/// The decisions on party `key` about match `m`, oldest first.
fn decisions_on(
    decisions: &[ReviewDecision],
    key: &str,
    list: ListId,
    id: &str,
) -> Vec<ReviewDecision> {
    let code = list.code();
    let mut found: Vec<ReviewDecision> = decisions
        .iter()
        .filter(|d| d.party_key == key && d.list == code && d.entry_id == id)
        .cloned()
        .collect();
    found.sort_by_key(|d| d.record_id);
    found
}

/// Matches with their entries and decisions.
pub fn reviewed_matches(
    matches: &[Match],
    entries: &dyn PartyScreener,
    key: &str,
    decisions: &[ReviewDecision],
) -> Vec<ReviewedMatch> {
    matches
        .iter()
        .map(|m| ReviewedMatch {
            entry: entries.entry(m.entry_index).map(EntryView::of),
            reviews: decisions_on(decisions, key, m.list, &m.id),
            r#match: m.clone(),
        })
        .collect()
}

/// The engine's report as the API shows it. `countries` holds the country each party
/// was screened with, by role and name.
pub fn reviewed_screening(
    report: &ScreeningReport,
    entries: &dyn PartyScreener,
    decisions: &[ReviewDecision],
    countries: &HashMap<(PartyRole, String), Option<String>>,
) -> ReviewedScreening {
    let parties = report
        .parties
        .iter()
        .map(|p| {
            let key = decide::clearance::party_key(&p.name);
            ReviewedParty {
                role: p.role,
                name: p.name.clone(),
                country: countries.get(&(p.role, p.name.clone())).cloned().flatten(),
                hits: reviewed_matches(&p.hits, entries, &key, decisions),
                needs_review: reviewed_matches(&p.needs_review, entries, &key, decisions),
                resolved: p
                    .resolved
                    .iter()
                    .map(|r| ResolvedView {
                        entry: entries.find_entry(r.list, &r.id).map(EntryView::of),
                        resolved: r.clone(),
                    })
                    .collect(),
                party_key: key,
            }
        })
        .collect();
    ReviewedScreening {
        snapshot: report.snapshot.clone(),
        hit_threshold: report.hit_threshold,
        review_threshold: report.review_threshold,
        parties,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lists::model::PartyKind;

    fn entry(list: ListId, fr: Option<&str>) -> Entry {
        Entry {
            list,
            id: "1".into(),
            name: "Example".into(),
            aliases: vec![],
            kind: PartyKind::Entity,
            countries: vec![],
            addresses: vec![],
            programs: vec![],
            license_requirement: None,
            license_policy: None,
            federal_register: fr.map(String::from),
            start_date: None,
            end_date: None,
            remarks: None,
        }
    }

    #[test]
    fn a_federal_register_citation_links_to_its_notice() {
        assert_eq!(
            source_url(&entry(ListId::EntityList, Some("86 FR 60759"))).as_deref(),
            Some("https://www.federalregister.gov/citation/86-FR-60759")
        );
        assert_eq!(
            source_url(&entry(ListId::EntityList, Some("84 FR 22963, 5/21/19"))).as_deref(),
            Some("https://www.federalregister.gov/citation/84-FR-22963")
        );
        assert_eq!(
            source_url(&entry(ListId::Sdn, Some("see remarks"))).as_deref(),
            Some("https://sanctionssearch.ofac.treas.gov/")
        );
    }
}
