//! What `ace batch --record` keeps as a determination's output — the determination and the
//! matches of its named parties, not the screening report the API's records keep — and the
//! steps that make it, shared by the batch that writes such records and by the replay that
//! re-creates one to compare it byte for byte.

use crate::screening::{screen_parties, PartyScreener, ScreeningReport};
use crate::transaction::{ScreenedSnapshot, TransactionInput};
use crate::Determination;
use serde::Serialize;

/// One match of a named party, as a batch's results and records list it.
#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    /// The party's name as given.
    pub party: String,
    /// The list's code (`entity_list`, `sdn`, …).
    pub list: String,
    /// The entry's id on that list.
    pub id: String,
    /// The listed name that matched.
    pub name: String,
    pub score: f64,
}

/// A batch determination record's output.
#[derive(Serialize)]
pub struct RecordedOutput<'a> {
    pub determination: &'a Determination,
    pub hits: &'a [Hit],
    pub needs_review: &'a [Hit],
}

/// The matches of a screening report: those at or above the hit threshold, and those a
/// person must review.
pub fn hits_of(report: &ScreeningReport) -> (Vec<Hit>, Vec<Hit>) {
    let (mut hits, mut needs_review) = (Vec::new(), Vec::new());
    for p in &report.parties {
        let to_hit = |m: &screen::Match| Hit {
            party: p.name.clone(),
            list: m.list.code().to_string(),
            id: m.id.clone(),
            name: m.name.clone(),
            score: m.score,
        };
        hits.extend(p.hits.iter().map(to_hit));
        needs_review.extend(p.needs_review.iter().map(to_hit));
    }
    (hits, needs_review)
}

/// Screens a batch row's named parties against `snapshot` at the default thresholds, as
/// `ace batch` does: no review decisions apply (a batch records none).
pub fn screen_row(
    input: &mut TransactionInput,
    screener: &impl PartyScreener,
    snapshot: &str,
    published: Option<ear::Date>,
) -> ScreeningReport {
    input.screened_against = Some(ScreenedSnapshot {
        hash: snapshot.to_string(),
        published,
    });
    screen_parties(
        input,
        screener,
        snapshot,
        screen::DEFAULT_THRESHOLD,
        screen::DEFAULT_REVIEW_THRESHOLD,
    )
}

/// A recorded input as it was before screening: the list memberships screening added (they
/// carry a score) dropped, those the row declared kept.
pub fn unscreened(input: &mut TransactionInput) {
    for p in input
        .end_user
        .iter_mut()
        .chain(input.consignee.iter_mut())
        .chain(input.purchaser.iter_mut())
        .chain(input.intermediate_consignees.iter_mut())
    {
        p.lists.retain(|h| h.score.is_none());
    }
}
