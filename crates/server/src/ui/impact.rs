//! The impact of the last list change (`GET /ui/impact`): which recorded determinations of
//! the last five years the active snapshot decides differently from the one before it
//! (or `?from=HASH`), each with its outcome before and after and the trace of both.

use super::html::{error_page, html, may_see_queue, page, Markup, Nav};
use super::render::outcome_pill;
use super::session::Signed;
use crate::service::impact::{impact_of_snapshot, Changed, Impact};
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ImpactQuery {
    from: Option<String>,
}

/// `GET /ui/impact`.
pub async fn show(
    State(state): State<AppState>,
    signed: Signed,
    Query(q): Query<ImpactQuery>,
) -> Response {
    if let Some(refused) = signed.role_refusal(may_see_queue, "see the impact of a list change") {
        return refused;
    }
    let session = &signed.session;
    let shared = state.clone();
    let today = chrono::Utc::now().date_naive();
    let from = q.from.filter(|f| !f.trim().is_empty());
    let done =
        tokio::task::spawn_blocking(move || impact_of_snapshot(&shared, from.as_deref(), today))
            .await;
    let body = match done {
        Ok(Ok(report)) => report_html(&report),
        Ok(Err(e)) => html! {
            h1 { "Impact of a list change" }
            p.notice role="status" { (e.to_string()) }
            (from_form())
        },
        Err(_) => {
            return error_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                Some(session),
                "internal error",
            )
        }
    };
    page("Impact of a list change", Some(session), Nav::Queue, body).into_response()
}

fn from_form() -> Markup {
    html! {
        form.inline-form method="get" action="/ui/impact" {
            label for="from" { "Compare the active snapshot with snapshot (hash or its first 8 characters)" }
            input id="from" name="from" autocomplete="off";
            button type="submit" { "Compare" }
        }
    }
}

fn short(hash: &str) -> &str {
    &hash[..12.min(hash.len())]
}

fn report_html(r: &Impact) -> Markup {
    html! {
        h1 { "Impact of a list change" }
        p.lead data-changed=(r.changed.len()) {
            (r.changed.len()) " of " (r.examined) " current determinations recorded since " (r.since)
            " would now come out differently: list snapshot " code { (short(&r.before.list_snapshot)) }
            " → " code { (short(&r.after.list_snapshot)) }
            " (the one in service), each decided again as of today with the same review decisions."
        }
        @if r.changed.is_empty() {
            p.notice data-impact="none" { "No recorded determination changes." }
        } @else {
            div.table-scroll role="region" aria-label="Determinations that change" tabindex="0" { table.records.impact {
                thead { tr {
                    th scope="col" { "Determination" } th scope="col" { "As of" } th scope="col" { "Before" }
                    th scope="col" { "After" } th scope="col" { "Why, after" }
                } }
                tbody { @for c in &r.changed { (row(c)) } }
            } }
        }
        @if !r.skipped.is_empty() {
            h2 { "Not weighed" }
            ul { @for s in &r.skipped { li { "#" (s.record_id) ": " (s.why) } } }
        }
        p.muted {
            "Part 762 keeps records five years (15 CFR 762.6); the same report is at "
            code { "GET /v1/impact" } " and " code { "ace records impact" } "."
        }
        (from_form())
    }
}

fn row(c: &Changed) -> Markup {
    let because: Vec<&str> = c
        .trace_after
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f.get("held").and_then(Value::as_bool) == Some(true))
        .filter(|f| f.get("step").and_then(Value::as_str) == Some("parties"))
        .filter_map(|f| f.get("because").and_then(Value::as_str))
        .collect();
    html! {
        tr data-record=(c.record_id) {
            td {
                a href={ "/ui/determinations/" (c.record_id) } { "#" (c.record_id) }
                @if let Some(t) = &c.transaction_id { " " span.muted { (t) } }
            }
            td { (c.as_of) }
            td { (outcome_pill(&c.outcome_before)) }
            td { (outcome_pill(&c.outcome_after)) }
            td {
                @for (i, b) in because.iter().enumerate() { @if i > 0 { br; } (b) }
                br;
                span.muted { (c.deciding_after.join("; ")) }
            }
        }
    }
}
