//! The review queue (`GET /ui/queue`): every held determination with its open matches,
//! oldest first, each linking to its result page where the matches are decided.

use super::html::{html, list_label, may_see_queue, page, Markup, Nav};
use super::render::{self, outcome_pill, s};
use super::session::Signed;
use crate::service::{self, QueueItem};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

/// `GET /ui/queue`.
pub async fn show(State(state): State<AppState>, signed: Signed) -> Response {
    if let Some(refused) = signed.role_refusal(may_see_queue, "see the review queue") {
        return refused;
    }
    let session = &signed.session;
    let shared = state.clone();
    let found = tokio::task::spawn_blocking(move || service::review_queue(&shared)).await;
    let held = match found {
        Ok(Ok(h)) => h,
        Ok(Err(e)) => return super::html::error_page(e.status(), Some(session), &e.to_string()),
        Err(_) => {
            return super::html::error_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                Some(session),
                "internal error",
            )
        }
    };
    let open: usize = held.iter().map(|q| q.open.len()).sum();
    let body = html! {
        h1 { "Review queue" }
        @if held.is_empty() {
            p.notice data-queue="empty" { "Nothing is on hold: no determination waits for a review." }
        } @else {
            p.lead {
                (held.len()) " determination" (if held.len() == 1 { " is" } else { "s are" })
                " on hold with " (open) " open match" (if open == 1 { "" } else { "es" })
                ", oldest first. None of them authorizes an export until a reviewer resolves its matches; each review decides the determination again."
            }
            (table(&held))
        }
        p { a href="/ui/impact" { "Which recorded determinations the last list change decides differently" } }
    };
    page("Review queue", Some(session), Nav::Queue, body).into_response()
}

/// The queue as a table: one row per held determination.
fn table(held: &[QueueItem]) -> Markup {
    html! {
        div.table-scroll role="region" aria-label="Held determinations" tabindex="0" {
        table.records.queue {
            thead { tr {
                th scope="col" { "Determination" } th scope="col" { "Held since" }
                th scope="col" { "Destination" } th scope="col" { "Open matches" }
                th scope="col" { "If all are false positives" }
            } }
            tbody {
                @for q in held {
                    @let destination = q.destination.as_deref().unwrap_or_default();
                    tr data-record=(q.record_id) data-line=(q.line) {
                        td {
                            a href={ "/ui/determinations/" (q.record_id) } { "#" (q.record_id) }
                            " " (outcome_pill("HOLD"))
                            @if q.line != q.record_id {
                                br;
                                span.muted { "first asked as " a href={ "/ui/determinations/" (q.line) } { "#" (q.line) } }
                            }
                        }
                        td { (render::when(&q.held_since)) br; span.muted { "asked by " (q.asked_by) } }
                        td {
                            @match countries::lookup(destination) {
                                Some(c) => { (c.name) " (" (destination) ")" },
                                None => (destination),
                            }
                        }
                        td { ul.queue-matches {
                            @for (n, h) in q.open.iter().enumerate() { (open_match(q.record_id, n, h)) }
                        } }
                        td {
                            @if let Some(c) = &q.if_all_clear { (outcome_pill(s(c, "outcome"))) }
                        }
                    }
                }
            }
        }
        }
    }
}

/// One open match of a held determination, linking to it on the result page.
fn open_match(record: i64, n: usize, h: &Value) -> Markup {
    let if_true = h.get("if_true").unwrap_or(&Value::Null);
    let codes: Vec<&str> = h
        .get("entry")
        .map(|e| render::arr(e, "countries"))
        .unwrap_or_default()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    html! {
        li {
            a href={ "/ui/determinations/" (record) "#hold-" (n) } { (s(h, "party")) " — " (s(h, "entry_name")) }
            " " span.list { (list_label(s(h, "list"))) }
            " " span.muted {
                "entry " (s(h, "entry_id"))
                @if let Some(x) = h.get("score").and_then(Value::as_f64) { ", score " (format!("{x:.2}")) }
                @if !codes.is_empty() { ", entry countries " (codes.join(", ")) }
            }
            br;
            span.muted { "if true:" } " " (outcome_pill(s(if_true, "outcome")))
        }
    }
}
