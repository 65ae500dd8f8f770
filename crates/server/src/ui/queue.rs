//! The review queue (`GET /ui/queue`): every held determination with its open matches,
//! oldest first, each linking to its result page where the matches are decided.

use super::html::{esc, list_label, may_see_queue, page, Nav};
use super::line::supersedes;
use super::render::{self, arr, outcome_pill, s};
use super::session::Signed;
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use records::{Filter, Record, RecordKind};
use serde_json::Value;
use std::collections::HashSet;

/// How many of the newest records the queue looks through.
const WINDOW: i64 = 20_000;

/// The held determinations that are the current state of their line, oldest first.
fn held(state: &AppState) -> Result<Vec<Record>, ApiError> {
    let head = state.store().head()?.map(|h| h.id).unwrap_or(0);
    let determinations = state.store().list(&Filter {
        kind: Some(RecordKind::Determination),
        after_id: Some((head - WINDOW).max(0)),
        ..Filter::default()
    })?;
    let replaced: HashSet<i64> = determinations.iter().filter_map(supersedes).collect();
    Ok(determinations
        .into_iter()
        .filter(|r| !replaced.contains(&r.id))
        .filter(|r| s(render::determination(r), "outcome") == "HOLD")
        .collect())
}

/// `GET /ui/queue`.
pub async fn show(State(state): State<AppState>, signed: Signed) -> Response {
    if let Some(refused) = signed.role_refusal(may_see_queue, "see the review queue") {
        return refused;
    }
    let session = &signed.session;
    let shared = state.clone();
    let found = tokio::task::spawn_blocking(move || held(&shared)).await;
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
    let open: usize = held
        .iter()
        .map(|r| arr(render::determination(r), "holds").len())
        .sum();
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
{table}"#,
        table = table(&held),
    );
    page("Review queue", Some(session), Nav::Queue, &body).into_response()
}

/// The queue as a table: one row per held determination.
fn table(held: &[Record]) -> String {
    if held.is_empty() {
        return String::new();
    }
    let mut rows = String::new();
    for r in held {
        let det = render::determination(r);
        let party = r
            .input
            .get("end_user")
            .map(|e| s(e, "name"))
            .unwrap_or_default();
        let mut items = String::new();
        for (n, h) in arr(det, "holds").iter().enumerate() {
            items.push_str(&open_match(r.id, n, h));
        }
        rows.push_str(&format!(
            r#"<tr data-record="{id}"><td><a href="/ui/determinations/{id}">#{id}</a><br>{pill}</td><td>{when}</td><td>{eccn} → {destination}{party}</td><td><ul class="queue-matches">{items}</ul></td><td>{clear}</td></tr>"#,
            id = r.id,
            pill = outcome_pill("HOLD"),
            when = esc(&render::when(&r.created_at)),
            eccn = esc(if s(det, "eccn").is_empty() {
                "published"
            } else {
                s(det, "eccn")
            }),
            destination = esc(s(det, "destination")),
            party = if party.is_empty() {
                String::new()
            } else {
                format!("<br>{}", esc(party))
            },
            clear = det
                .get("if_all_clear")
                .map(|c| outcome_pill(s(c, "outcome")))
                .unwrap_or_default(),
        ));
    }
    format!(
        r#"<table class="records queue"><thead><tr><th scope="col">Determination</th><th scope="col">Recorded</th><th scope="col">Item, destination, end user</th><th scope="col">Open matches</th><th scope="col">If all are false positives</th></tr></thead><tbody>{rows}</tbody></table>"#
    )
}

/// One open match of a held determination, linking to it on the result page.
fn open_match(record: i64, n: usize, h: &Value) -> String {
    let if_true = h.get("if_true").unwrap_or(&Value::Null);
    format!(
        r#"<li><a href="/ui/determinations/{record}#hold-{n}">{party} — {entry}</a> <span class="list">{list}</span> <span class="muted">entry {id}{score}</span><br><span class="muted">if true:</span> {pill}</li>"#,
        party = esc(s(h, "party")),
        entry = esc(s(h, "entry_name")),
        list = esc(list_label(s(h, "list"))),
        id = esc(s(h, "entry_id")),
        score = h
            .get("score")
            .and_then(Value::as_f64)
            .map(|x| format!(", score {x:.2}"))
            .unwrap_or_default(),
        pill = outcome_pill(s(if_true, "outcome")),
    )
}
