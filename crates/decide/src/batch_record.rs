//! What `ace batch --record` keeps as a determination's output — the determination and the
//! matches of its named parties, not the screening report the API's records keep — and the
//! steps that make it, shared by the batch that writes such records and by the replay that
//! re-creates one to compare it byte for byte.

use crate::screening::{screen_parties, PartyScreener, ScreeningReport};
use crate::transaction::{ListHit, OwnerInput, ScreenedSnapshot, TransactionInput};
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

/// A recorded input as it was before screening, given the record's output: the list
/// memberships screening added dropped, those the row declared kept.
///
/// Screening adds a membership, with its score, for each match of a named party that the
/// output lists (`hits`, `needs_review`: party, list, id), and for each match of an owner.
/// A row may declare a membership with a score too (copied from an earlier answer, say): a
/// named party's is kept unless the output lists that very match (screening then met the
/// same entry, and screening the name again meets it again). An owner's matches are not in
/// the output, so an owner's memberships with a score are taken for screening's.
pub fn unscreened(input: &mut TransactionInput, output: &serde_json::Value) {
    let matched: Vec<(&str, &str, &str)> = ["hits", "needs_review"]
        .iter()
        .filter_map(|key| output.get(*key).and_then(serde_json::Value::as_array))
        .flatten()
        .filter_map(|m| {
            let field = |k: &str| m.get(k).and_then(serde_json::Value::as_str);
            Some((field("party")?, field("list")?, field("id")?))
        })
        .collect();
    for p in input
        .end_user
        .iter_mut()
        .chain(input.consignee.iter_mut())
        .chain(input.purchaser.iter_mut())
        .chain(input.intermediate_consignees.iter_mut())
    {
        let party = p.name.as_deref().unwrap_or_default();
        let screened = |h: &ListHit| {
            h.score.is_some()
                && matched.iter().any(|&(name, list, id)| {
                    name == party && list == h.list.code() && h.id.as_deref() == Some(id)
                })
        };
        p.lists.retain(|h| !screened(h));
        p.owners.iter_mut().for_each(unscreened_owner);
    }
}

/// An owner as it was before screening: its memberships with a score dropped, its own
/// owners' too.
fn unscreened_owner(owner: &mut OwnerInput) {
    owner.lists.retain(|h| h.score.is_none());
    owner.owners.iter_mut().for_each(unscreened_owner);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ids(lists: &[ListHit]) -> Vec<&str> {
        lists.iter().filter_map(|h| h.id.as_deref()).collect()
    }

    /// `input` as `unscreened` leaves it, given `output`: its end user.
    fn end_user_unscreened(
        mut input: TransactionInput,
        output: &serde_json::Value,
    ) -> crate::transaction::PartyInput {
        unscreened(&mut input, output);
        input.end_user.unwrap_or_else(|| panic!("end user"))
    }

    /// A recorded row: an end user with a membership the row declared with a score, one
    /// screening added (its match in the output) and one declared without a score; an
    /// owner with one screening added and one declared.
    fn recorded() -> (TransactionInput, serde_json::Value) {
        let input = serde_json::from_value(json!({
            "date": "2026-11-20",
            "item": {"eccn": "4D004"},
            "destination": "DE",
            "end_user": {
                "name": "Acme Widgets GmbH",
                "lists": [
                    {"list": "EL", "id": "declared-scored", "score": 0.91},
                    {"list": "SDN", "id": "screened", "score": 0.95},
                    {"list": "DPL", "id": "declared"}
                ],
                "owners": [{
                    "name": "Holding AG",
                    "lists": [
                        {"list": "EL", "id": "owner-screened", "score": 0.97},
                        {"list": "EL", "id": "owner-declared"}
                    ]
                }]
            }
        }))
        .unwrap_or_else(|e| panic!("{e}"));
        let output = json!({
            "hits": [{"party": "Acme Widgets GmbH", "list": "SDN", "id": "screened",
                      "name": "ACME", "score": 0.95}],
            "needs_review": []
        });
        (input, output)
    }

    #[test]
    fn screening_s_memberships_go_and_the_row_s_stay_even_with_a_score() {
        let (input, output) = recorded();
        let end_user = end_user_unscreened(input, &output);
        assert_eq!(ids(&end_user.lists), ["declared-scored", "declared"]);
        assert_eq!(ids(&end_user.owners[0].lists), ["owner-declared"]);
    }

    #[test]
    fn a_match_listed_for_another_party_or_list_does_not_take_a_membership() {
        let (input, _) = recorded();
        let output = json!({
            "hits": [
                {"party": "Someone Else", "list": "SDN", "id": "screened", "score": 0.95},
                {"party": "Acme Widgets GmbH", "list": "EL", "id": "screened", "score": 0.95}
            ],
            "needs_review": [{"party": "Acme Widgets GmbH", "list": "EL",
                              "id": "declared-scored", "score": 0.8}]
        });
        let end_user = end_user_unscreened(input, &output);
        // The row's scored membership is that very match: screening's again next time.
        assert_eq!(ids(&end_user.lists), ["screened", "declared"]);
    }
}
