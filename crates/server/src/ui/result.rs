//! The result page of a determination (`GET /ui/determinations/{id}`): the banner (with
//! a HOLD's open items and their review buttons), the transaction, the record and its
//! line, the screening with reviews, the cited trace.

use super::html::{csrf_field, error_page, esc, may_review, page, Nav};
use super::render::{self, arr, s, Controls, Reviews};
use super::session::{see_other, Signed};
use super::{hold, line, load_record};
use crate::error::ApiError;
use crate::service::{self, LineEntry};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use records::{Record, RecordKind, ReviewKey};

/// `GET /ui/determinations/{id}`.
pub async fn show(State(state): State<AppState>, signed: Signed, Path(id): Path<i64>) -> Response {
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
        csrf: (current && may_review(session.role)).then_some(field.as_str()),
    };
    let det = render::determination(&record);
    let superseded = if current {
        String::new()
    } else {
        let now = render::determination(&line.current);
        format!(
            r#"<p class="notice superseded" role="note">Superseded: after a review this determination was decided again as <a href="/ui/determinations/{newest}">#{newest}</a> ({pill}), the current state. This page shows #{id} as it was recorded; review decisions are made on the current one.</p>"#,
            pill = render::outcome_pill(s(now, "outcome")),
        )
    };
    let body = format!(
        r#"<div class="title-row"><h1>Determination <span class="muted">#{id}</span></h1>
<div class="tools"><a class="button" href="/ui/records/{id}/memo">Printable memo</a> <a class="button subtle" href="/ui?from={id}">Amend as new</a> <a class="button subtle" href="/ui/records/{id}">Record</a> <form method="post" action="/ui/determinations/{id}/replay" class="inline" title="Re-run with the ruleset and list snapshot named in the record and check the output is byte-identical">{field}<button type="submit" class="button subtle">Replay</button></form></div></div>
{superseded}{banner}
<div class="columns">
<section class="card"><h2>Transaction</h2>{transaction}</section>
<section class="card"><h2>Record</h2>{provenance}{history}</section>
</div>
{route}<section class="card"><h2>Screening</h2>{screening}</section>
<section class="card"><h2>Reasoning, step by step</h2><p class="muted">Every rule checked, in the order of review; the first that settles the outcome ends it. Citations link to the eCFR.</p>{trace}</section>"#,
        id = record.id,
        banner = render::banner(det, &hold::open_items(&record, det, &reviews, &controls)),
        transaction = render::transaction(&record.input, det),
        provenance = render::provenance(&record, det),
        history = history(&line.line, record.id),
        screening = render::screening(&record, &reviews, &controls),
        route = match render::route_and_lines(det) {
            r if r.is_empty() => r,
            r => format!(
                r#"<section class="card"><h2>Route and lines</h2><p class="muted">Every leg and every line is decided; the strictest decides the transaction.</p>{r}</section>"#
            ),
        },
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

/// The line of a re-decided determination, oldest first, the shown one marked; empty
/// when the determination was never decided again.
pub fn history(line: &[LineEntry], shown: i64) -> String {
    if line.len() < 2 {
        return String::new();
    }
    let mut out = String::from(
        r#"<div class="history"><p class="history-title">Decided again after reviews (oldest first)</p><ol>"#,
    );
    for (i, r) in line.iter().enumerate() {
        let label = if i + 1 == line.len() {
            " <strong>current</strong>"
        } else {
            ""
        };
        let here = if r.record_id == shown {
            r#" aria-current="page""#
        } else {
            ""
        };
        let after = r
            .review_record
            .map(|rr| {
                format!(
                    r#", after <a href="/ui/records/{rr}">review #{rr}</a> by {}"#,
                    esc(&r.actor)
                )
            })
            .unwrap_or_default();
        out.push_str(&format!(
            r#"<li><a href="/ui/determinations/{id}"{here}>#{id}</a> {pill} <span class="muted">{when}{after}</span>{label}</li>"#,
            id = r.record_id,
            pill = render::outcome_pill(r.outcome.as_deref().unwrap_or("?")),
            when = esc(&render::when(&r.created_at)),
        ));
    }
    out.push_str("</ol></div>");
    out
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
