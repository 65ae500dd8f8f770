//! Step 3 made automatic: every named party is screened against a list snapshot, and
//! each hit on a list the EAR gives an effect to (EL, DPL, UVL, MEU, SDN) becomes a
//! stated list membership of that party. Matches between the review threshold and the
//! hit threshold are reported as "needs review", never silently dropped.

use crate::transaction::{ListCode, ListHit, PartyInput, Role, TransactionInput};
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
}

impl ScreeningReport {
    pub fn any_needs_review(&self) -> bool {
        self.parties.iter().any(|p| !p.needs_review.is_empty())
    }
}

/// What screening a transaction needs of a screener: the matches of one query at a
/// threshold, and the entries those matches point into. [`Screener`] is one; a server may
/// put a memo in front of it (screening is a pure function of the snapshot and the query).
pub trait PartyScreener {
    /// Matches scoring at least `threshold`, best first.
    fn screen(&self, query: &Query, threshold: f64) -> Vec<Match>;
    /// The entries of the snapshot, indexed by [`Match::entry_index`].
    fn entries(&self) -> &[Entry];
}

impl PartyScreener for Screener {
    fn screen(&self, query: &Query, threshold: f64) -> Vec<Match> {
        Screener::screen(self, query, threshold)
    }

    fn entries(&self) -> &[Entry] {
        Screener::entries(self)
    }
}

/// Screens every named party of `input`, adding decisive hits to its `lists`.
pub fn screen_parties(
    input: &mut TransactionInput,
    screener: &impl PartyScreener,
    snapshot: &str,
    hit: f64,
    review: f64,
) -> ScreeningReport {
    let destination = input.destination.clone();
    let mut parties = Vec::new();
    let mut visit = |role: Role, party: &mut PartyInput| {
        let Some(name) = party.name.clone() else {
            return;
        };
        let country = party.country.as_deref().or(if role == Role::EndUser {
            destination.as_deref()
        } else {
            None
        });
        let query = Query {
            name: name.clone(),
            country: country
                .and_then(countries::lookup)
                .map(|c| c.alpha2.to_string()),
            kind: None,
        };
        let (hits, needs_review): (Vec<Match>, Vec<Match>) = screener
            .screen(&query, review)
            .into_iter()
            .partition(|m| m.score >= hit);
        for m in &hits {
            if let Some(list_hit) = list_hit(m, &screener.entries()[m.entry_index]) {
                if !party
                    .lists
                    .iter()
                    .any(|h| h.list == list_hit.list && h.id == list_hit.id)
                {
                    party.lists.push(list_hit);
                }
            }
        }
        parties.push(PartyScreening {
            role,
            name,
            hits,
            needs_review,
        });
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
    ScreeningReport {
        snapshot: snapshot.to_string(),
        hit_threshold: hit,
        review_threshold: review,
        parties,
    }
}

/// The EAR effect of a hit, for the lists that have one in the order of review.
fn list_hit(m: &Match, entry: &Entry) -> Option<ListHit> {
    let list = match m.list {
        ListId::EntityList => ListCode::EntityList,
        ListId::DeniedPersons => ListCode::DeniedPersons,
        ListId::Unverified => ListCode::Unverified,
        ListId::MilitaryEndUser => ListCode::MilitaryEndUser,
        ListId::Sdn => ListCode::Sdn,
        _ => return None,
    };
    Some(ListHit {
        list,
        name: Some(entry.name.clone()),
        id: Some(entry.id.clone()),
        license_requirement: entry.license_requirement.clone(),
        license_policy: entry.license_policy.clone(),
        federal_register: entry.federal_register.clone(),
        program: (!entry.programs.is_empty()).then(|| entry.programs.join("; ")),
        score: Some(m.score),
    })
}
