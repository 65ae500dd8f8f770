//! The result page of a determination (`GET /ui/determinations/{id}`): the banner (with
//! a HOLD's open items and their review buttons), the transaction, the record and its
//! line, the screening with reviews, the cited trace.

use super::html::{csrf_field, error_page, html, may_review, page, Markup, Nav};
use super::render::{self, arr, s, Controls, Reviews};
use super::session::{see_other, Signed};
use super::{hold, line, load_record, RecordId};
use crate::error::ApiError;
use crate::service::{self, LineEntry};
use crate::state::AppState;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use records::{Record, RecordKind, ReviewKey};

/// `GET /ui/determinations/{id}`.
pub async fn show(
    State(state): State<AppState>,
    signed: Signed,
    RecordId(id): RecordId,
) -> Response {
    let record = match load_record(&state, &signed, id).await {
        Ok(r) => r,
        Err(refused) => return refused,
    };
    if record.kind != RecordKind::Determination {
        return see_other(&format!("/ui/records/{id}"));
    }
    let line = match line::line_async(&state, record.id).await {
        Ok(l) => l,
        Err(e) => return error_page(e.status(), Some(&signed.session), &e.to_string()),
    };
    let reviews = match live_reviews(&state, &record).await {
        Ok(r) => r,
        Err(e) => return error_page(e.status(), Some(&signed.session), &e.to_string()),
    };
    let session = &signed.session;
    let field = csrf_field(session);
    let newest = line.current.id;
    let current = !line.superseded;
    let controls = Controls {
        record_id: record.id,
        csrf: (current && may_review(session.role)).then_some(&field),
    };
    let det = render::determination(&record);
    let id = record.id;
    let lists = super::lists_age_of(&state, &record).await;
    let body = html! {
        div.title-row {
            h1 { "Determination " span.muted { "#" (id) } }
            div.tools {
                a.button href={ "/ui/records/" (id) "/memo" } { "Printable memo" } " "
                a.button.subtle href={ "/ui?from=" (id) } { "Amend as new" } " "
                a.button.subtle href={ "/ui/records/" (id) } { "Record" } " "
                form.inline method="post" action={ "/ui/determinations/" (id) "/replay" }
                    title="Re-run with the ruleset and list snapshot named in the record and check the output is byte-identical" {
                    (field)
                    button.button.subtle type="submit" { "Replay" }
                }
            }
        }
        @if !current {
            p.notice.superseded role="note" {
                "Superseded: after a review this determination was decided again as "
                a href={ "/ui/determinations/" (newest) } { "#" (newest) }
                " (" (render::outcome_pill(s(render::determination(&line.current), "outcome")))
                "), the current state. This page shows #" (id)
                " as it was recorded; review decisions are made on the current one."
            }
        }
        (render::banner(det, hold::open_items(&record, det, &reviews, &controls), lists))
        div.columns {
            section.card { h2 { "Transaction" } (render::transaction(&record.input, det)) }
            section.card { h2 { "Record" } (render::provenance(&record, det)) (history(&line.line, id)) }
        }
        @if let Some(route) = render::route_and_lines(det) {
            section.card {
                h2 { "Route and lines" }
                p.muted { "Every leg and every line is decided; the strictest decides the transaction." }
                (route)
            }
        }
        section.card { h2 { "Screening" } (render::screening(&record, &reviews, &controls)) }
        section.card {
            h2 { "Reasoning, step by step" }
            p.muted { "Every rule checked, in the order of review; the first that settles the outcome ends it. Citations link to the eCFR." }
            (render::trace(det))
        }
    };
    page(
        &format!("Determination #{id}"),
        Some(session),
        Nav::Determine,
        body,
    )
    .into_response()
}

/// The line of a re-decided determination, oldest first, the shown one marked; empty
/// when the determination was never decided again.
pub fn history(line: &[LineEntry], shown: i64) -> Markup {
    if line.len() < 2 {
        return html! {};
    }
    html! {
        div.history {
            p.history-title { "Decided again after reviews (oldest first)" }
            ol {
                @for (i, r) in line.iter().enumerate() {
                    li {
                        a href={ "/ui/determinations/" (r.record_id) } aria-current=[(r.record_id == shown).then_some("page")] {
                            "#" (r.record_id)
                        }
                        " " (render::outcome_pill(r.outcome.as_deref().unwrap_or("?"))) " "
                        span.muted {
                            (render::when(&r.created_at))
                            @if let Some(rr) = r.review_record {
                                ", after " a href={ "/ui/records/" (rr) } { "review #" (rr) } " by " (r.actor)
                            }
                        }
                        @if i + 1 == line.len() { " " strong { "current" } }
                    }
                }
            }
        }
    }
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
