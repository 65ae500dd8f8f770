//! A reviewer resolves a red flag that holds a determination (`POST /ui/red-flag-reviews`),
//! in two steps like a match review: the form in the hold's banner leads to a confirmation
//! page saying what will be recorded and what it does; only its "Record" button
//! (`confirmed=yes`) records it. Then the browser goes to the determination as decided
//! again.

use super::html::{csrf_field, error_page, html, may_review, page, Markup, Nav};
use super::render::{self, arr, outcome_pill, s, Controls};
use super::session::{see_other, Signed};
use super::{line, load_record};
use crate::service::red_flag::{review_red_flag, FlagVerdict, RedFlagReviewRequest};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Form;
use serde::Deserialize;
use serde_json::Value;

/// The form as posted.
#[derive(Deserialize)]
pub struct FlagForm {
    #[serde(default)]
    csrf: String,
    record: i64,
    #[serde(default)]
    flag: String,
    #[serde(default)]
    verdict: String,
    #[serde(default)]
    reason: String,
    /// `yes` once the reviewer confirmed on the confirmation page.
    #[serde(default)]
    confirmed: String,
}

/// The resolve/confirm form of red flag `flag` inside hold item `n` (reviewers only).
pub fn flag_form(flag: &str, n: usize, controls: &Controls) -> Markup {
    let Some(csrf) = &controls.csrf else {
        return html! {};
    };
    let reason_id = format!("reason-flag-{n}");
    html! {
        form.review-form method="post" action="/ui/red-flag-reviews" {
            (csrf)
            input type="hidden" name="record" value=(controls.record_id);
            input type="hidden" name="flag" value=(flag);
            label for=(reason_id) { "What you checked (end-user statement, shipping documents, the buyer's business)" }
            textarea id=(reason_id) name="reason" rows="2" required {}
            div.buttons {
                button.danger type="submit" name="verdict" value="confirmed" { "The concern stands…" }
                " "
                button type="submit" name="verdict" value="resolved" { "Resolved: proceed…" }
            }
            p.hint { "Either button asks you to confirm before anything is recorded." }
        }
    }
}

/// `POST /ui/red-flag-reviews`: the confirmation page, or (confirmed) records the
/// resolution and shows the determination as decided again.
pub async fn submit(
    State(state): State<AppState>,
    signed: Signed,
    Form(form): Form<FlagForm>,
) -> Response {
    if let Some(refused) = signed.csrf_refusal(&form.csrf) {
        return refused;
    }
    if let Some(refused) = signed.role_refusal(may_review, "resolve red flags") {
        return refused;
    }
    let session = &signed.session;
    let verdict = match form.verdict.as_str() {
        "confirmed" => FlagVerdict::Confirmed,
        "resolved" => FlagVerdict::Resolved,
        other => {
            let message = format!("verdict: '{other}' is not one of: confirmed, resolved");
            return error_page(StatusCode::BAD_REQUEST, Some(session), &message);
        }
    };
    if form.reason.trim().is_empty() {
        let message = "reason: say what you checked; a resolution without one is not recorded";
        return error_page(StatusCode::BAD_REQUEST, Some(session), message);
    }
    let record = match load_record(&state, &signed, form.record).await {
        Ok(r) => r,
        Err(refused) => return refused,
    };
    match line::line_async(&state, record.id).await {
        Ok(l) if l.current.id != record.id => {
            let message = format!(
                "Determination #{} was decided again as #{}: resolve its red flags there.",
                record.id, l.current.id
            );
            return error_page(StatusCode::CONFLICT, Some(session), &message);
        }
        Ok(_) => {}
        Err(e) => return error_page(e.status(), Some(session), &e.to_string()),
    }
    let det = render::determination(&record);
    let Some(hold) = arr(det, "holds")
        .iter()
        .find(|h| s(h, "kind") == "red_flag" && s(h, "flag") == form.flag)
    else {
        let message = format!(
            "flag: red flag '{}' does not hold this determination",
            form.flag
        );
        return error_page(StatusCode::BAD_REQUEST, Some(session), &message);
    };
    if form.confirmed != "yes" {
        return confirm_page(&signed, record.id, det, hold, &form, verdict);
    }
    let request = RedFlagReviewRequest {
        record_id: record.id,
        flag: form.flag.clone(),
        verdict,
        reason: form.reason.clone(),
        id: None,
    };
    let actor = session.token_name.clone();
    let shared = state.clone();
    let done = tokio::task::spawn_blocking(move || review_red_flag(&shared, request, &actor)).await;
    match done {
        Ok(Ok(reviewed)) => {
            let next = reviewed
                .redecided
                .as_ref()
                .and_then(|d| d.get("record_id"))
                .and_then(Value::as_i64)
                .unwrap_or(record.id);
            see_other(&format!("/ui/determinations/{next}"))
        }
        Ok(Err(e)) => error_page(e.status(), Some(session), &e.to_string()),
        Err(_) => error_page(
            StatusCode::INTERNAL_SERVER_ERROR,
            Some(session),
            "internal error",
        ),
    }
}

/// The page that asks the reviewer to confirm before the resolution is recorded.
fn confirm_page(
    signed: &Signed,
    record: i64,
    det: &Value,
    hold: &Value,
    form: &FlagForm,
    verdict: FlagVerdict,
) -> Response {
    let session = &signed.session;
    let (title, statement, becomes, class) = match verdict {
        FlagVerdict::Confirmed => (
            "Confirm: the concern stands",
            "the red flag's concern stands",
            hold.get("if_true").unwrap_or(&Value::Null),
            "danger solid",
        ),
        FlagVerdict::Resolved => (
            "Confirm: red flag resolved",
            "the red flag is resolved (end user and route confirmed)",
            det.get("if_all_clear").unwrap_or(&Value::Null),
            "primary",
        ),
    };
    let others = arr(det, "holds").len().saturating_sub(1);
    let body = html! {
        h1 { (title) }
        section.card.confirm aria-labelledby="confirm-what" {
            p id="confirm-what" class="lead-strong" { "You are recording that " (statement) ": " strong { (s(hold, "question")) } }
            dl.facts.compact {
                div { dt { "Determination" } dd { a href={ "/ui/determinations/" (record) } { "#" (record) } " " (outcome_pill(s(det, "outcome"))) } }
                div { dt { "Red flag" } dd { (form.flag) } }
                div { dt { "Reason" } dd.reason { (form.reason) } }
                div { dt { "By" } dd { (session.token_name) } }
            }
            @if others == 0 || verdict == FlagVerdict::Confirmed {
                p { "The determination becomes " (outcome_pill(s(becomes, "outcome"))) " when you record it (it is decided again)." }
            } @else {
                p { (others) " other open item(s) keep the determination on hold until resolved." }
            }
            p.muted { "The resolution is a record: it is kept, with your name, in the hash-chained records. It cannot be deleted." }
            form.actions method="post" action="/ui/red-flag-reviews" {
                (csrf_field(session))
                input type="hidden" name="record" value=(record);
                input type="hidden" name="flag" value=(form.flag);
                input type="hidden" name="verdict" value=(form.verdict);
                input type="hidden" name="reason" value=(form.reason);
                input type="hidden" name="confirmed" value="yes";
                button type="submit" class=(class) { "Record" }
                a.button.subtle href={ "/ui/determinations/" (record) } { "Cancel" }
            }
        }
    };
    page(title, Some(session), Nav::Determine, body).into_response()
}
