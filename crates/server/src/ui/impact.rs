//! The impact of the last list change (`GET /ui/impact`): which recorded determinations of
//! the last five years the active snapshot decides differently from the one before it
//! (or `?from=HASH`), each with its outcome before and after and the trace of both.

use super::html::{error_page, esc, may_see_queue, page, Nav};
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
        Ok(Err(e)) => format!(
            r#"<h1>Impact of a list change</h1><p class="notice" role="status">{}</p>{}"#,
            esc(&e.to_string()),
            from_form()
        ),
        Err(_) => {
            return error_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                Some(session),
                "internal error",
            )
        }
    };
    page("Impact of a list change", Some(session), Nav::Queue, &body).into_response()
}

fn from_form() -> String {
    r#"<form method="get" action="/ui/impact" class="inline-form"><label for="from">Compare the active snapshot with snapshot (hash or its first 8 characters)</label><input id="from" name="from" autocomplete="off"><button type="submit">Compare</button></form>"#.to_string()
}

fn short(hash: &str) -> &str {
    &hash[..12.min(hash.len())]
}

fn report_html(r: &Impact) -> String {
    let lead = format!(
        r#"<p class="lead" data-changed="{n}">{n} of {examined} current determinations recorded since {since} would now come out differently: list snapshot <code>{before}</code> → <code>{after}</code> (the one in service), each decided again as of today with the same review decisions.</p>"#,
        n = r.changed.len(),
        examined = r.examined,
        since = esc(&r.since),
        before = esc(short(&r.before.list_snapshot)),
        after = esc(short(&r.after.list_snapshot)),
    );
    let rows: String = r.changed.iter().map(row).collect();
    let table = if r.changed.is_empty() {
        r#"<p class="notice" data-impact="none">No recorded determination changes.</p>"#.to_string()
    } else {
        format!(
            r#"<div class="table-scroll"><table class="records impact"><thead><tr><th scope="col">Determination</th><th scope="col">As of</th><th scope="col">Before</th><th scope="col">After</th><th scope="col">Why, after</th></tr></thead><tbody>{rows}</tbody></table></div>"#
        )
    };
    let skipped: String = r
        .skipped
        .iter()
        .map(|s| format!("<li>#{}: {}</li>", s.record_id, esc(&s.why)))
        .collect();
    let skipped = if skipped.is_empty() {
        String::new()
    } else {
        format!(r#"<h2>Not weighed</h2><ul>{skipped}</ul>"#)
    };
    format!(
        r#"<h1>Impact of a list change</h1>
{lead}
{table}
{skipped}
<p class="muted">Part 762 keeps records five years (15 CFR 762.6); the same report is at <code>GET /v1/impact</code> and <code>ace records impact</code>.</p>
{form}"#,
        form = from_form(),
    )
}

fn row(c: &Changed) -> String {
    let because: Vec<String> = c
        .trace_after
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f.get("held").and_then(Value::as_bool) == Some(true))
        .filter(|f| f.get("step").and_then(Value::as_str) == Some("parties"))
        .filter_map(|f| f.get("because").and_then(Value::as_str))
        .map(esc)
        .collect();
    format!(
        r#"<tr data-record="{id}"><td><a href="/ui/determinations/{id}">#{id}</a>{tx}</td><td>{as_of}</td><td>{before}</td><td>{after}</td><td>{why}<br><span class="muted">{cites}</span></td></tr>"#,
        id = c.record_id,
        tx = c
            .transaction_id
            .as_deref()
            .map(|t| format!(" <span class=\"muted\">{}</span>", esc(t)))
            .unwrap_or_default(),
        as_of = esc(&c.as_of),
        before = outcome_pill(&c.outcome_before),
        after = outcome_pill(&c.outcome_after),
        why = because.join("<br>"),
        cites = esc(&c.deciding_after.join("; ")),
    )
}
