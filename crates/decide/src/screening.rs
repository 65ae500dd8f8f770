//! Step 3 made automatic: every named party is screened against a list snapshot, and
//! each match on a list the EAR gives an effect to (EL, DPL, UVL, MEU, SDN) becomes a
//! list membership of that party: a hit (at or above the hit threshold, on more than
//! generic words) a *confirmed* one, a match in the review band — or a hit that rests on
//! generic words alone — a *possible* one, which holds the determination
//! ([`crate::hold`]) until a person resolves it. A reviewer's earlier decision on the same
//! party and entry ([`Verdicts`]) settles a match either way: a true match is confirmed,
//! a false positive is cleared and shown as such.

use crate::transaction::{
    ListCode, ListHit, MembershipStatus, OwnerInput, PartyInput, Role, ScreenedSnapshot,
    TransactionInput,
};
use lists::model::{Entry, ListId};
use screen::{Match, Query, Screener};
use serde::Serialize;

/// What screening found, per party.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct ScreeningReport {
    /// Content hash of the list snapshot used.
    pub snapshot: String,
    pub hit_threshold: f64,
    pub review_threshold: f64,
    pub parties: Vec<PartyScreening>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct PartyScreening {
    pub role: Role,
    pub name: String,
    /// Matches at or above the hit threshold.
    pub hits: Vec<Match>,
    /// Matches between the review and hit thresholds: a person must look.
    pub needs_review: Vec<Match>,
    /// Matches a reviewer decided earlier, with the decision applied.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resolved: Vec<ResolvedMatch>,
    /// The party's owners, screened in turn (through every layer).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub owners: Vec<OwnerScreening>,
    /// When each matched entry was listed (and removed), or why that is unknown: the
    /// as-of date applies only entries listed by then.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub listings: Vec<MatchListing>,
}

/// The listing dates of one matched entry.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct MatchListing {
    pub list: ListId,
    pub id: String,
    #[serde(flatten)]
    pub listing: lists::dates::Listing,
}

/// What screening found for one owner.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct OwnerScreening {
    pub name: String,
    pub hits: Vec<Match>,
    pub needs_review: Vec<Match>,
}

/// A match settled by an earlier review decision.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct ResolvedMatch {
    pub list: ListId,
    pub id: String,
    pub name: String,
    pub score: f64,
    pub verdict: Verdict,
    /// Who decided, when and why, in one line.
    pub decided: String,
    /// Set when the decision has lapsed and was not applied: why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lapsed: Option<String>,
}

impl ScreeningReport {
    pub fn any_needs_review(&self) -> bool {
        self.parties.iter().any(|p| !p.needs_review.is_empty())
    }
}

/// A reviewer's decision on whether a party is a listed entry.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    TrueMatch,
    FalsePositive,
}

/// An earlier decision that applies to a match: the verdict and one line saying who
/// decided, when and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decided {
    pub verdict: Verdict,
    pub decided: String,
    /// Why the decision no longer applies (the entry changed, the clearance expired):
    /// the match is open again and the report shows the lapsed decision.
    pub lapsed: Option<String>,
}

/// Earlier review decisions, looked up by the caller (decide does no I/O): for a party
/// (its role and name as given, its country code) and a match, the decision in force.
pub trait Verdicts {
    fn verdict(
        &self,
        role: Role,
        name: &str,
        country: Option<&str>,
        m: &Match,
        entry: &Entry,
    ) -> Option<Decided>;
}

/// No earlier decisions.
pub struct NoVerdicts;

impl Verdicts for NoVerdicts {
    fn verdict(&self, _: Role, _: &str, _: Option<&str>, _: &Match, _: &Entry) -> Option<Decided> {
        None
    }
}

/// What screening a transaction needs of a screener: the matches of one query at a
/// threshold, and the entries those matches point into. [`Screener`] is one; a server may
/// put a memo in front of it (screening is a pure function of the snapshot and the query).
pub trait PartyScreener {
    /// Matches scoring at least `threshold`, best first.
    fn screen(&self, query: &Query, threshold: f64) -> Vec<Match>;
    /// The snapshot's entry [`Match::entry_index`] points at.
    fn entry(&self, index: usize) -> Option<&Entry>;
    /// The snapshot's entry `list`/`id`, if it has one.
    fn find_entry(&self, list: ListId, id: &str) -> Option<&Entry>;
}

impl PartyScreener for Screener {
    fn screen(&self, query: &Query, threshold: f64) -> Vec<Match> {
        Screener::screen(self, query, threshold)
    }

    fn entry(&self, index: usize) -> Option<&Entry> {
        Screener::entry(self, index)
    }

    fn find_entry(&self, list: ListId, id: &str) -> Option<&Entry> {
        Screener::find(self, list, id)
    }
}

/// The entry of a match: the snapshot's, or — should the screener not give it,
/// which a match always has — one made of what the match says (list, id, name;
/// no listing date, so the as-of logic applies it on the safe side). A match is
/// never dropped for want of its entry.
fn entry_of<'a>(
    screener: &'a impl PartyScreener,
    m: &Match,
    made: &'a mut Option<Entry>,
) -> &'a Entry {
    match screener.entry(m.entry_index) {
        Some(e) => e,
        None => made.insert(Entry::bare(
            m.list,
            m.id.clone(),
            m.name.clone(),
            lists::model::PartyKind::Unknown,
        )),
    }
}

/// Screens every named party of `input`, adding its matches to its `lists` (hits as
/// confirmed memberships, review-band matches as possible ones).
pub fn screen_parties(
    input: &mut TransactionInput,
    screener: &impl PartyScreener,
    snapshot: &str,
    hit: f64,
    review: f64,
) -> ScreeningReport {
    screen_parties_with(input, screener, snapshot, hit, review, &NoVerdicts)
}

/// [`screen_parties`], applying earlier review decisions.
pub fn screen_parties_with(
    input: &mut TransactionInput,
    screener: &impl PartyScreener,
    snapshot: &str,
    hit: f64,
    review: f64,
    verdicts: &impl Verdicts,
) -> ScreeningReport {
    let destination = input.destination.clone();
    let mut parties = Vec::new();
    let mut visit = |role: Role, party: &mut PartyInput| {
        let Some(name) = party.name.clone() else {
            return;
        };
        let country = party
            .country
            .as_deref()
            .or(if role == Role::EndUser {
                destination.as_deref()
            } else {
                None
            })
            .and_then(countries::lookup)
            .map(|c| c.alpha2.to_string());
        let query = Query {
            name: name.clone(),
            country: country.clone(),
            kind: None,
        };
        let mut screened = PartyScreening {
            role,
            name: name.clone(),
            hits: Vec::new(),
            needs_review: Vec::new(),
            resolved: Vec::new(),
            owners: Vec::new(),
            listings: Vec::new(),
        };
        for m in screener.screen(&query, review) {
            let mut made = None;
            let entry = entry_of(screener, &m, &mut made);
            screened.listings.push(MatchListing {
                list: entry.list,
                id: entry.id.clone(),
                listing: lists::dates::listing(entry),
            });
            let decided = verdicts.verdict(role, &name, country.as_deref(), &m, entry);
            let (decided, lapsed) = match decided {
                Some(d) if d.lapsed.is_some() => (None, Some(d)),
                other => (other, None),
            };
            let status = match &decided {
                Some(d) if d.verdict == Verdict::FalsePositive => None,
                Some(_) => Some(MembershipStatus::Confirmed),
                None if m.score >= hit && !m.generic_only => Some(MembershipStatus::Confirmed),
                None => Some(MembershipStatus::Possible),
            };
            if let Some(status) = status {
                if let Some(list_hit) = list_hit(&m, entry, status, hit) {
                    add_membership(party, list_hit);
                }
            }
            if let Some(d) = decided.or(lapsed) {
                screened.resolved.push(ResolvedMatch {
                    list: m.list,
                    id: m.id.clone(),
                    name: m.name.clone(),
                    score: m.score,
                    verdict: d.verdict,
                    decided: d.decided,
                    lapsed: d.lapsed.clone(),
                });
                if d.lapsed.is_none() {
                    continue;
                }
            }
            match status {
                Some(MembershipStatus::Confirmed) => screened.hits.push(m),
                _ => screened.needs_review.push(m),
            }
        }
        screen_owners(
            &mut party.owners,
            screener,
            hit,
            review,
            &mut screened.owners,
        );
        parties.push(screened);
    };
    if let Some(p) = input.end_user.as_mut() {
        visit(Role::EndUser, p);
    }
    if let Some(p) = input.consignee.as_mut() {
        visit(Role::Consignee, p);
    }
    for p in input.intermediate_consignees.iter_mut() {
        visit(Role::IntermediateConsignee, p);
    }
    if let Some(p) = input.purchaser.as_mut() {
        visit(Role::Purchaser, p);
    }
    // The caller may have said when the snapshot was published; else only its hash.
    input
        .screened_against
        .get_or_insert_with(|| ScreenedSnapshot {
            hash: snapshot.to_string(),
            published: None,
        });
    ScreeningReport {
        snapshot: snapshot.to_string(),
        hit_threshold: hit,
        review_threshold: review,
        parties,
    }
}

/// Screens every named owner, through the layers, adding its matches to its `lists`.
fn screen_owners(
    owners: &mut [OwnerInput],
    screener: &impl PartyScreener,
    hit: f64,
    review: f64,
    out: &mut Vec<OwnerScreening>,
) {
    for owner in owners.iter_mut() {
        if let Some(name) = owner.name.clone() {
            let query = Query {
                name: name.clone(),
                country: owner
                    .country
                    .as_deref()
                    .and_then(countries::lookup)
                    .map(|c| c.alpha2.to_string()),
                kind: None,
            };
            let mut screened = OwnerScreening {
                name,
                hits: Vec::new(),
                needs_review: Vec::new(),
            };
            for m in screener.screen(&query, review) {
                let mut made = None;
                let entry = entry_of(screener, &m, &mut made);
                let status = if m.score >= hit && !m.generic_only {
                    MembershipStatus::Confirmed
                } else {
                    MembershipStatus::Possible
                };
                if let Some(h) = list_hit(&m, entry, status, hit) {
                    if !owner.lists.iter().any(|l| l.list == h.list && l.id == h.id) {
                        owner.lists.push(h);
                    }
                }
                match status {
                    MembershipStatus::Confirmed => screened.hits.push(m),
                    MembershipStatus::Possible => screened.needs_review.push(m),
                }
            }
            out.push(screened);
        }
        screen_owners(&mut owner.owners, screener, hit, review, out);
    }
}

/// Adds a membership unless the party already has it; a confirmed one replaces a
/// possible one for the same entry.
fn add_membership(party: &mut PartyInput, new: ListHit) {
    let same = |h: &ListHit| h.list == new.list && h.id == new.id;
    match party.lists.iter_mut().find(|h| same(h)) {
        Some(existing) if new.status == MembershipStatus::Confirmed => {
            existing.status = MembershipStatus::Confirmed;
            existing.reason = None;
        }
        Some(_) => {}
        None => party.lists.push(new),
    }
}

/// The EAR effect of a hit, for the lists that have one in the order of review.
fn list_hit(m: &Match, entry: &Entry, status: MembershipStatus, hit: f64) -> Option<ListHit> {
    let list = match m.list {
        ListId::EntityList => ListCode::EntityList,
        ListId::DeniedPersons => ListCode::DeniedPersons,
        ListId::Unverified => ListCode::Unverified,
        ListId::MilitaryEndUser => ListCode::MilitaryEndUser,
        ListId::Sdn => ListCode::Sdn,
        _ => return None,
    };
    let reason = (status == MembershipStatus::Possible).then(|| {
        if m.generic_only && m.score >= hit {
            format!(
                "the match (score {:.2}) rests on generic words alone: not stated as fact",
                m.score
            )
        } else {
            format!(
                "screening score {:.2} is in the review band, below the hit threshold {hit:.2}",
                m.score
            )
        }
    });
    let dates = lists::dates::listing(entry);
    Some(ListHit {
        listed_on: dates.listed_on,
        listed_not_before: dates.not_before,
        listed_by: dates.by,
        removed_on: dates.removed_on,
        listing: Some(dates.basis),
        listing_unverified: !dates.verified,
        list,
        status,
        reason,
        name: Some(entry.name.clone()),
        id: Some(entry.id.clone()),
        license_requirement: entry.license_requirement.clone(),
        license_policy: entry.license_policy.clone(),
        federal_register: entry.federal_register.clone(),
        program: (!entry.programs.is_empty()).then(|| entry.programs.join("; ")),
        score: Some(m.score),
        via_owners: None,
    })
}
