//! A reviewer's decision on one screening match (`POST /ui/reviews`), in two steps: the
//! form (on the result page) leads to a confirmation page that says what will be recorded
//! and what it does to the determination; only its "Record" button (`confirmed=yes`)
//! records the decision. Then the browser goes to the determination as decided again.
//!
//! The confirmation is a page, not a script dialog, so it holds without JavaScript.

use super::hold::verdict_label;
use super::html::{csrf_field, error_page, html, list_label, may_review, page, Markup, Nav};
use super::render::{self, arr, outcome_pill, s};
use super::session::{see_other, Signed};
use super::{line, load_record};
use crate::service::{self, ReviewRequest};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Form;
use records::{Record, Verdict};
use serde::Deserialize;
use serde_json::Value;

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
    /// `yes` once the reviewer confirmed on the confirmation page.
    #[serde(default)]
    confirmed: String,
}

/// `POST /ui/reviews`: the confirmation page, or (confirmed) records the decision and
/// shows the determination as decided again.
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
    let session = &signed.session;
    let record = match load_record(&state, &signed, form.record).await {
        Ok(r) => r,
        Err(refused) => return refused,
    };
    let request = match review_request(&record, &form) {
        Ok(r) => r,
        Err(message) => return error_page(StatusCode::BAD_REQUEST, Some(session), &message),
    };
    let newest = match line::line_async(&state, record.id).await {
        Ok(l) => l.current.id,
        Err(e) => return error_page(e.status(), Some(session), &e.to_string()),
    };
    if newest != record.id {
        return error_page(
            StatusCode::CONFLICT,
            Some(session),
            &format!(
                "Determination #{} was decided again as #{newest}: review the matches on #{newest}.",
                record.id
            ),
        );
    }
    if form.confirmed != "yes" {
        return confirm_page(&signed, &record, &form, &request);
    }
    let actor = session.token_name.clone();
    let shared = state.clone();
    let done = tokio::task::spawn_blocking(move || service::review(&shared, request, &actor)).await;
    let reviewed = match done {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => return error_page(e.status(), Some(session), &e.to_string()),
        Err(_) => {
            return error_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                Some(session),
                "internal error",
            )
        }
    };
    // The determination as decided again with the decision: the line's new current state.
    let redecided = reviewed
        .redecided
        .as_ref()
        .and_then(|d| d.get("record_id"))
        .and_then(Value::as_i64);
    match redecided {
        Some(id) if id != record.id => see_other(&format!("/ui/determinations/{id}")),
        _ => see_other(&format!(
            "/ui/determinations/{}#match-{}-{}-{}",
            form.record, form.party, form.group, form.index
        )),
    }
}

/// The page that asks the reviewer to confirm a decision before it is recorded.
fn confirm_page(
    signed: &Signed,
    record: &Record,
    form: &ReviewForm,
    request: &ReviewRequest,
) -> Response {
    let session = &signed.session;
    let det = render::determination(record);
    let m = matched(record, form).unwrap_or(&Value::Null);
    let hold = arr(det, "holds")
        .iter()
        .find(|h| s(h, "list") == request.list && s(h, "entry_id") == request.entry_id);
    let effect: Markup = match (request.verdict, hold) {
        (Verdict::TrueMatch, Some(h)) => {
            let if_true = h.get("if_true").unwrap_or(&Value::Null);
            html! {
                p {
                    "With this match confirmed the determination becomes "
                    (outcome_pill(s(if_true, "outcome")))
                    " (the determination is decided again when you record it)."
                }
            }
        }
        (Verdict::FalsePositive, Some(_)) => {
            let others = arr(det, "holds").len() - 1;
            let clear = det.get("if_all_clear").unwrap_or(&Value::Null);
            if others == 0 {
                html! {
                    p {
                        "This is the last open item: with it cleared the determination becomes "
                        (outcome_pill(s(clear, "outcome")))
                        " (it is decided again when you record it)."
                    }
                }
            } else {
                html! {
                    p {
                        (others) " other item" (if others == 1 { "" } else { "s" })
                        " stay" (if others == 1 { "s" } else { "" })
                        " open: the determination stays on hold until "
                        (if others == 1 { "it is" } else { "they are" }) " resolved."
                    }
                }
            }
        }
        _ => html! {},
    };
    let (title, button_class) = match request.verdict {
        Verdict::TrueMatch => ("Confirm: true match", "danger solid"),
        Verdict::FalsePositive => ("Confirm: false positive", "primary"),
    };
    let statement = match request.verdict {
        Verdict::TrueMatch => "is",
        Verdict::FalsePositive => "is not",
    };
    let anchor = format!("match-{}-{}-{}", form.party, form.group, form.index);
    let label = verdict_label(request.verdict);
    let record_id = record.id;
    let body = html! {
        h1 { (title) }
        section.card.confirm aria-labelledby="confirm-what" {
            p id="confirm-what" class="lead-strong" {
                "You are recording that " strong { (request.party) } " " strong.stmt { (statement) }
                " the listed " strong { (s(m, "name")) } " (" (list_label(&request.list)) ", entry "
                (request.entry_id) ", score " (format!("{:.2}", m.get("score").and_then(Value::as_f64).unwrap_or(0.0))) ")."
            }
            dl.facts.compact {
                div { dt { "Determination" } dd { a href={ "/ui/determinations/" (record_id) } { "#" (record_id) } " " (outcome_pill(s(det, "outcome"))) } }
                div { dt { "Decision" } dd { (label) } }
                div { dt { "Reason" } dd.reason { (request.reason) } }
                div { dt { "By" } dd { (session.token_name) } }
            }
            (effect)
            p.muted { "A review decision is a record: it is kept, with your name, in the hash-chained records and applies to later screenings of this party and entry. It cannot be deleted; a later decision can be recorded." }
            form.actions method="post" action="/ui/reviews" {
                (csrf_field(session))
                input type="hidden" name="record" value=(record_id);
                input type="hidden" name="party" value=(form.party);
                input type="hidden" name="group" value=(form.group);
                input type="hidden" name="index" value=(form.index);
                input type="hidden" name="verdict" value=(request.verdict.as_str());
                input type="hidden" name="reason" value=(request.reason);
                input type="hidden" name="confirmed" value="yes";
                button type="submit" class=(button_class) { "Record: " (label.to_lowercase()) }
                a.button.subtle href={ "/ui/determinations/" (record_id) "#" (anchor) } { "Cancel" }
            }
        }
    };
    page(title, Some(session), Nav::Determine, body).into_response()
}

/// The match the form names.
fn matched<'a>(record: &'a Record, form: &ReviewForm) -> Option<&'a Value> {
    let party = record
        .output
        .get("screening")
        .map(|sc| arr(sc, "parties"))
        .and_then(|ps| ps.get(form.party))?;
    arr(party, &form.group).get(form.index)
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
