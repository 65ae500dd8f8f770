//! The review queue (`GET /ui/queue`): every held determination with its open matches,
//! oldest first, each linking to its result page where the matches are decided.

use super::html::{esc, list_label, may_see_queue, page, Nav};
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
    let lead = if held.is_empty() {
        r#"<p class="notice" data-queue="empty">Nothing is on hold: no determination waits for a review.</p>"#.to_string()
    } else {
        format!(
            r#"<p class="lead">{} determination{} on hold with {} open match{}, oldest first. None of them authorizes an export until a reviewer resolves its matches; each review decides the determination again.</p>"#,
            held.len(),
            if held.len() == 1 { " is" } else { "s are" },
            open,
            if open == 1 { "" } else { "es" },
        )
    };
    let body = format!(
        r#"<h1>Review queue</h1>
{lead}
{table}
<p><a href="/ui/impact">Which recorded determinations the last list change decides differently</a></p>"#,
        table = table(&held),
    );
    page("Review queue", Some(session), Nav::Queue, &body).into_response()
}

/// The queue as a table: one row per held determination.
fn table(held: &[QueueItem]) -> String {
    if held.is_empty() {
        return String::new();
    }
    let mut rows = String::new();
    for q in held {
        let items: String = q
            .open
            .iter()
            .enumerate()
            .map(|(n, h)| open_match(q.record_id, n, h))
            .collect();
        let first = if q.line == q.record_id {
            String::new()
        } else {
            format!(
                r#"<br><span class="muted">first asked as <a href="/ui/determinations/{0}">#{0}</a></span>"#,
                q.line
            )
        };
        let destination = q.destination.as_deref().unwrap_or_default();
        rows.push_str(&format!(
            r#"<tr data-record="{id}" data-line="{line}"><td><a href="/ui/determinations/{id}">#{id}</a> {pill}{first}</td><td>{since}<br><span class="muted">asked by {who}</span></td><td>{destination}</td><td><ul class="queue-matches">{items}</ul></td><td>{clear}</td></tr>"#,
            id = q.record_id,
            line = q.line,
            pill = outcome_pill("HOLD"),
            since = esc(&render::when(&q.held_since)),
            who = esc(&q.asked_by),
            destination = match countries::lookup(destination) {
                Some(c) => format!("{} ({})", esc(c.name), esc(destination)),
                None => esc(destination),
            },
            clear = q
                .if_all_clear
                .as_ref()
                .map(|c| outcome_pill(s(c, "outcome")))
                .unwrap_or_default(),
        ));
    }
    format!(
        r#"<table class="records queue"><thead><tr><th scope="col">Determination</th><th scope="col">Held since</th><th scope="col">Destination</th><th scope="col">Open matches</th><th scope="col">If all are false positives</th></tr></thead><tbody>{rows}</tbody></table>"#
    )
}

/// One open match of a held determination, linking to it on the result page.
fn open_match(record: i64, n: usize, h: &Value) -> String {
    let if_true = h.get("if_true").unwrap_or(&Value::Null);
    format!(
        r#"<li><a href="/ui/determinations/{record}#hold-{n}">{party} — {entry}</a> <span class="list">{list}</span> <span class="muted">entry {id}{score}{countries}</span><br><span class="muted">if true:</span> {pill}</li>"#,
        party = esc(s(h, "party")),
        entry = esc(s(h, "entry_name")),
        list = esc(list_label(s(h, "list"))),
        id = esc(s(h, "entry_id")),
        score = h
            .get("score")
            .and_then(Value::as_f64)
            .map(|x| format!(", score {x:.2}"))
            .unwrap_or_default(),
        countries = h
            .get("entry")
            .map(|e| super::render::arr(e, "countries"))
            .filter(|c| !c.is_empty())
            .map(|c| {
                let codes: Vec<&str> = c.iter().filter_map(Value::as_str).collect();
                format!(", entry countries {}", esc(&codes.join(", ")))
            })
            .unwrap_or_default(),
        pill = outcome_pill(s(if_true, "outcome")),
    )
}
