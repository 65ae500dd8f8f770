//! The result page of a determination (`GET /ui/determinations/{id}`) and review
//! decisions on its screening matches (`POST /ui/reviews`).

use super::html::{csrf_field, error_page, may_review, page, Nav};
use super::load_record;
use super::render::{self, arr, s, Controls, Reviews};
use super::session::{see_other, Signed};
use crate::error::ApiError;
use crate::service::{self, ReviewRequest};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Form;
use records::{Record, RecordKind, ReviewKey, Verdict};
use serde::Deserialize;
use serde_json::Value;

/// `GET /ui/determinations/{id}`.
pub async fn show(State(state): State<AppState>, signed: Signed, Path(id): Path<i64>) -> Response {
    let record = match load_record(&state, &signed, id).await {
        Ok(r) => r,
        Err(refused) => return refused,
    };
    if record.kind != RecordKind::Determination {
        return see_other(&format!("/ui/records/{id}"));
    }
    let reviews = match live_reviews(&state, &record).await {
        Ok(r) => r,
        Err(e) => return error_page(e.status(), Some(&signed.session), &e.to_string()),
    };
    let session = &signed.session;
    let field = csrf_field(session);
    let controls = Controls {
        record_id: record.id,
        csrf: may_review(session.role).then_some(field.as_str()),
    };
    let det = render::determination(&record);
    let body = format!(
        r#"<div class="title-row"><h1>Determination <span class="muted">#{id}</span></h1>
<div class="tools"><a class="button" href="/ui/records/{id}/memo">Printable memo</a> <a class="button subtle" href="/ui?from={id}">Amend as new</a> <a class="button subtle" href="/ui/records/{id}">Record</a></div></div>
{banner}
<div class="columns">
<section class="card"><h2>Transaction</h2>{transaction}</section>
<section class="card"><h2>Record</h2>{provenance}</section>
</div>
<section class="card"><h2>Screening</h2>{screening}</section>
<section class="card"><h2>Reasoning, step by step</h2><p class="muted">Every rule checked, in the order of review; the first that settles the outcome ends it. Citations link to the eCFR.</p>{trace}</section>"#,
        id = record.id,
        banner = render::banner(det),
        transaction = render::transaction(&record.input, det),
        provenance = render::provenance(&record, det),
        screening = render::screening(&record, &reviews, &controls),
        trace = render::trace(det),
    );
    page(
        &format!("Determination #{}", record.id),
        Some(session),
        Nav::Determine,
        &body,
    )
    .into_response()
}

/// Every review decision recorded for the matches of a record, looked up now (so the
/// decisions made after the determination show too).
pub async fn live_reviews(state: &AppState, record: &Record) -> Result<Reviews, ApiError> {
    let keys = match_keys(record);
    let state = state.clone();
    let looked = tokio::task::spawn_blocking(move || {
        let lookup: Vec<ReviewKey> = keys
            .iter()
            .map(|(party_key, list, entry_id)| ReviewKey {
                party_key: party_key.clone(),
                list: list.clone(),
                entry_id: entry_id.clone(),
            })
            .collect();
        let found = state.store().reviews_for_keys(&lookup)?;
        Ok::<Reviews, ApiError>(keys.into_iter().zip(found).collect())
    })
    .await;
    looked.map_err(|e| ApiError::Internal(e.to_string()))?
}

/// (party key, list, entry id) of every match in a determination record.
fn match_keys(record: &Record) -> Vec<(String, String, String)> {
    let Some(screening) = record.output.get("screening") else {
        return Vec::new();
    };
    let mut keys = Vec::new();
    for party in arr(screening, "parties") {
        let key = match s(party, "party_key") {
            "" => service::party_key(s(party, "name")),
            k => k.to_string(),
        };
        for m in arr(party, "hits").iter().chain(arr(party, "needs_review")) {
            keys.push((
                key.clone(),
                s(m, "list").to_string(),
                s(m, "id").to_string(),
            ));
        }
    }
    keys.sort();
    keys.dedup();
    keys
}

/// The review form as posted: which match of which record, the verdict and why.
#[derive(Deserialize)]
pub struct ReviewForm {
    #[serde(default)]
    csrf: String,
    record: i64,
    party: usize,
    group: String,
    index: usize,
    #[serde(default)]
    verdict: String,
    #[serde(default)]
    reason: String,
}

/// `POST /ui/reviews`: records a reviewer's decision on one match, then shows it.
pub async fn submit(
    State(state): State<AppState>,
    signed: Signed,
    Form(form): Form<ReviewForm>,
) -> Response {
    if let Some(refused) = signed.csrf_refusal(&form.csrf) {
        return refused;
    }
    if let Some(refused) = signed.role_refusal(may_review, "record review decisions") {
        return refused;
    }
    let record = match load_record(&state, &signed, form.record).await {
        Ok(r) => r,
        Err(refused) => return refused,
    };
    let request = match review_request(&record, &form) {
        Ok(r) => r,
        Err(message) => {
            return error_page(StatusCode::BAD_REQUEST, Some(&signed.session), &message)
        }
    };
    let actor = signed.session.token_name.clone();
    let shared = state.clone();
    let done = tokio::task::spawn_blocking(move || service::review(&shared, request, &actor)).await;
    match done {
        Ok(Ok(_)) => see_other(&format!(
            "/ui/determinations/{}#match-{}-{}-{}",
            form.record, form.party, form.group, form.index
        )),
        Ok(Err(e)) => error_page(e.status(), Some(&signed.session), &e.to_string()),
        Err(_) => error_page(
            StatusCode::INTERNAL_SERVER_ERROR,
            Some(&signed.session),
            "internal error",
        ),
    }
}

/// The API's review request for the match the form names, read from the record (the
/// browser names a position, never the party, list or entry itself).
fn review_request(record: &Record, form: &ReviewForm) -> Result<ReviewRequest, String> {
    let verdict = match form.verdict.as_str() {
        "true_match" => Verdict::TrueMatch,
        "false_positive" => Verdict::FalsePositive,
        _ => return Err("Choose “true match” or “false positive”.".into()),
    };
    if form.reason.trim().is_empty() {
        return Err("A review decision needs a reason.".into());
    }
    if !matches!(form.group.as_str(), "hits" | "needs_review") {
        return Err("Unknown match group.".into());
    }
    let party = record
        .output
        .get("screening")
        .map(|sc| arr(sc, "parties"))
        .and_then(|ps| ps.get(form.party))
        .ok_or("This record has no such party.")?;
    let m: &Value = arr(party, &form.group)
        .get(form.index)
        .ok_or("This party has no such match.")?;
    Ok(ReviewRequest {
        record_id: record.id,
        party: s(party, "name").to_string(),
        list: s(m, "list").to_string(),
        entry_id: s(m, "id").to_string(),
        verdict,
        reason: form.reason.trim().to_string(),
        id: None,
    })
}
