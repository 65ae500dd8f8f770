//! A person resolves a red flag that holds a determination, as a reviewer resolves a
//! screening match: the resolution is a review record in the chain, and the determination
//! is decided again at once — the flag `resolved` (the end user and route are confirmed;
//! it no longer holds) or `confirmed` (the concern stands; the hold's "if true" answer is
//! the answer).

use super::{
    check_text, now_stamp, record_by_id, redecide, Reviewed, MAX_ID_CHARS, MAX_REASON_CHARS,
};
use crate::error::ApiError;
use crate::state::AppState;
use records::{NewReview, RecordKind, ReviewDecision, Verdict};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The list code a red-flag review is recorded under (never a screening list's).
pub const RED_FLAG_LIST: &str = "RED_FLAG";

/// What a person found about a red flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FlagVerdict {
    /// The concern does not stand (end user and route confirmed): the flag no longer holds.
    Resolved,
    /// The concern stands: the answer is the one the hold gave if the flag is true.
    Confirmed,
}

/// `POST /v1/red-flag-reviews`.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RedFlagReviewRequest {
    /// Any determination record of the line held by the flag.
    pub record_id: i64,
    /// The flag's id as the hold gives it (`buyer-location`, `kyc-3`, …).
    pub flag: String,
    pub verdict: FlagVerdict,
    /// Why (required): what the person checked.
    pub reason: String,
    /// The caller's own id: the resolution is recorded once per id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

/// Records the resolution and decides the determination again (see the module doc).
pub fn review_red_flag(
    state: &AppState,
    request: RedFlagReviewRequest,
    actor: &str,
) -> Result<Reviewed, ApiError> {
    check_text("flag", &request.flag, MAX_ID_CHARS)?;
    check_text("reason", &request.reason, MAX_REASON_CHARS)?;
    if let Some(id) = &request.id {
        check_text("id", id, MAX_ID_CHARS)?;
    }
    let held = record_by_id(state, request.record_id)?;
    if held.kind != RecordKind::Determination {
        return Err(ApiError::bad(
            "record_id",
            format!("record {} is not a determination", held.id),
        ));
    }
    let line = state.store().determination_line(held.id)?;
    let current = match line.last() {
        Some(l) if l.record_id != held.id => record_by_id(state, l.record_id)?,
        _ => held.clone(),
    };
    let party = open_flag_party(&current.output, &request.flag).ok_or_else(|| {
        ApiError::bad(
            "flag",
            format!(
                "the current determination of record {}'s line (record {}) is not held by red flag '{}'; open red flags: {}",
                held.id,
                current.id,
                request.flag,
                open_flags(&current.output).join(", ")
            ),
        )
    })?;
    let verdict = match request.verdict {
        FlagVerdict::Confirmed => Verdict::TrueMatch,
        FlagVerdict::Resolved => Verdict::FalsePositive,
    };
    let started = now_stamp();
    let record = state.store().record_review(NewReview {
        party: party.clone(),
        party_key: format!("red-flag:{}", request.flag),
        list: RED_FLAG_LIST.into(),
        entry_id: request.flag.clone(),
        verdict,
        reason: request.reason.clone(),
        actor: actor.to_string(),
        screening_record: Some(current.id),
        list_snapshot: None,
        transaction_id: request.id.clone(),
        country: None,
        entry_hash: None,
    })?;
    let replayed = request.id.is_some() && record.created_at.as_str() < started.as_str();
    if !replayed {
        state.metrics().record_appended();
    }
    let flag = request.flag.clone();
    let redecided = redecide(state, &current, &record, actor, replayed, |input| {
        let into = match request.verdict {
            FlagVerdict::Confirmed => &mut input.confirmed_red_flags,
            FlagVerdict::Resolved => &mut input.resolved_red_flags,
        };
        if !into.contains(&flag) {
            into.push(flag);
        }
        true
    })?;
    Ok(Reviewed {
        decision: ReviewDecision {
            record_id: record.id,
            party,
            party_key: format!("red-flag:{}", request.flag),
            list: RED_FLAG_LIST.into(),
            entry_id: request.flag,
            verdict,
            reason: request.reason,
            actor: record.actor.clone(),
            screening_record: Some(current.id),
            created_at: record.created_at,
            country: None,
            entry_hash: None,
        },
        record_hash: record.hash,
        redecided: Some(redecided),
    })
}

/// The red-flag holds of a recorded determination output.
fn flag_holds(output: &Value) -> impl Iterator<Item = &Value> {
    output
        .get("holds")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|h| h.get("kind").and_then(Value::as_str) == Some("red_flag"))
}

/// The party a red flag's hold names (or "the transaction"), when the flag holds `output`.
fn open_flag_party(output: &Value, flag: &str) -> Option<String> {
    flag_holds(output)
        .find(|h| h.get("flag").and_then(Value::as_str) == Some(flag))
        .map(|h| {
            h.get("party")
                .and_then(Value::as_str)
                .unwrap_or("the transaction")
                .to_string()
        })
}

fn open_flags(output: &Value) -> Vec<&str> {
    let flags: Vec<&str> = flag_holds(output)
        .filter_map(|h| h.get("flag").and_then(Value::as_str))
        .collect();
    if flags.is_empty() {
        vec!["none"]
    } else {
        flags
    }
}
