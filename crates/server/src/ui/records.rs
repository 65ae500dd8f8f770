//! The records pages: the list with filters (`GET /ui/records`), one record
//! (`GET /ui/records/{id}`), and verifying the hash chain (`POST /ui/records/verify`).

use super::html::{csrf_field, error_page, esc, page, short_hash, Nav};
use super::load_record;
use super::login::CsrfOnly;
use super::render::{self, arr, s};
use super::session::Signed;
use crate::service;
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Form;
use records::{Filter, Record, RecordKind};
use serde::Deserialize;
use serde_json::Value;

/// How many of the newest records a search looks through.
const WINDOW: i64 = 5000;
/// How many records the list shows.
const SHOWN: usize = 200;

/// The list's filters.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RecordQuery {
    kind: String,
    since: String,
    q: String,
}

/// `GET /ui/records`: the newest records first, filtered by kind, date and text.
pub async fn list(
    State(state): State<AppState>,
    signed: Signed,
    Query(query): Query<RecordQuery>,
) -> Response {
    let session = &signed.session;
    let kind = RecordKind::parse(&query.kind);
    let since = query.since.trim().to_string();
    if !since.is_empty() && ear::parse_date(&since).is_none() {
        return error_page(
            StatusCode::BAD_REQUEST,
            Some(session),
            "“since” must be a date, YYYY-MM-DD.",
        );
    }
    let shared = state.clone();
    let found = tokio::task::spawn_blocking(move || {
        let head = shared.store().head()?.map(|h| h.id).unwrap_or(0);
        let filter = Filter {
            kind,
            since: (!since.is_empty()).then_some(since),
            after_id: Some((head - WINDOW).max(0)),
            ..Filter::default()
        };
        service::records(&shared, &filter)
    })
    .await;
    let records = match found {
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
    let needle = query.q.trim().to_lowercase();
    let shown: Vec<&Record> = records
        .iter()
        .rev()
        .filter(|r| needle.is_empty() || matches_text(r, &needle))
        .take(SHOWN)
        .collect();
    let body = format!(
        r#"<div class="title-row"><h1>Records</h1>
<form method="post" action="/ui/records/verify" class="tools">{csrf}<button type="submit" class="primary">Verify the chain</button></form></div>
<p class="lead">Every determination, screening and review decision, append-only and hash-chained (15 CFR part 762). Newest first; a search looks through the newest {WINDOW} records and shows at most {SHOWN}.</p>
<form method="get" action="/ui/records" class="filters">
<div class="field"><label for="kind">Kind</label><select id="kind" name="kind">{kinds}</select></div>
<div class="field"><label for="since">Since</label><input id="since" name="since" type="date" value="{since}"></div>
<div class="field grow"><label for="q">Contains</label><input id="q" name="q" type="search" value="{q}" placeholder="party, ECCN, destination, actor"></div>
<div class="field"><button type="submit">Filter</button></div>
</form>
{table}"#,
        csrf = csrf_field(session),
        kinds = kind_options(kind),
        since = esc(&query.since),
        q = esc(&query.q),
        table = table(&shown),
    );
    page("Records", Some(session), Nav::Records, &body).into_response()
}

/// Whether the record's actor, input or output contains `needle` (lower case).
fn matches_text(record: &Record, needle: &str) -> bool {
    let text = format!("{} {} {}", record.actor, record.input, record.output).to_lowercase();
    text.contains(needle)
}

/// The kind filter's options.
fn kind_options(current: Option<RecordKind>) -> String {
    let mut out = String::from(r#"<option value="">All</option>"#);
    for kind in [
        RecordKind::Determination,
        RecordKind::Screening,
        RecordKind::Review,
    ] {
        let selected = if Some(kind) == current {
            " selected"
        } else {
            ""
        };
        out.push_str(&format!(
            r#"<option value="{0}"{selected}>{0}</option>"#,
            kind.as_str()
        ));
    }
    out
}

/// The records table.
fn table(records: &[&Record]) -> String {
    if records.is_empty() {
        return r#"<p class="notice">No record matches.</p>"#.into();
    }
    let mut rows = String::new();
    for r in records {
        rows.push_str(&format!(
            r#"<tr><td><a href="/ui/records/{id}">#{id}</a></td><td>{when}</td><td>{kind}</td><td>{actor}</td><td>{summary}</td><td>{hash}</td></tr>"#,
            id = r.id,
            when = esc(&render::when(&r.created_at)),
            kind = esc(r.kind.as_str()),
            actor = esc(&r.actor),
            summary = summary(r),
            hash = short_hash(&r.hash),
        ));
    }
    format!(
        r#"<table class="records"><thead><tr><th scope="col">Record</th><th scope="col">Recorded</th><th scope="col">Kind</th><th scope="col">By</th><th scope="col">What</th><th scope="col">Hash</th></tr></thead><tbody>{rows}</tbody></table>"#
    )
}

/// One line saying what a record is about.
fn summary(r: &Record) -> String {
    match r.kind {
        RecordKind::Determination => {
            let det = render::determination(r);
            let code = s(det, "outcome");
            let party = r
                .input
                .get("end_user")
                .map(|e| s(e, "name"))
                .unwrap_or_default();
            let redecides = super::line::supersedes(r)
                .map(|id| format!(r#" <span class="muted">(decides #{id} again)</span>"#))
                .unwrap_or_default();
            format!(
                r#"{} {} → {}{}{redecides}"#,
                render::outcome_pill(code),
                esc(if s(det, "eccn").is_empty() {
                    "published"
                } else {
                    s(det, "eccn")
                }),
                esc(s(det, "destination")),
                if party.is_empty() {
                    String::new()
                } else {
                    format!(" · {}", esc(party))
                },
            )
        }
        RecordKind::Review => format!(
            r#"<span class="verdict-pill {v}">{label}</span> {party} · {list} {entry}"#,
            v = esc(s(&r.output, "verdict")),
            label = esc(&s(&r.output, "verdict").replace('_', " ")),
            party = esc(s(&r.input, "party")),
            list = esc(s(&r.input, "list")),
            entry = esc(s(&r.input, "entry_id")),
        ),
        RecordKind::Screening => format!(
            "{} · {} hit(s), {} to review",
            esc(s(&r.input, "name")),
            arr(&r.output, "hits").len(),
            arr(&r.output, "needs_review").len()
        ),
    }
}

/// `GET /ui/records/{id}`: the record's fields, links, and its input and output.
pub async fn show(State(state): State<AppState>, signed: Signed, Path(id): Path<i64>) -> Response {
    let record = match load_record(&state, &signed, id).await {
        Ok(r) => r,
        Err(refused) => return refused,
    };
    let links = if record.kind == RecordKind::Determination {
        format!(
            r#"<div class="tools"><a class="button" href="/ui/determinations/{id}">Result page</a> <a class="button" href="/ui/records/{id}/memo">Printable memo</a></div>"#
        )
    } else {
        String::new()
    };
    let optional = |v: &Option<String>| v.as_deref().map(short_hash).unwrap_or_else(|| "—".into());
    let body = format!(
        r#"<div class="title-row"><h1>Record #{id} <span class="muted">{kind}</span></h1>{links}</div>
<section class="card"><dl class="facts">
<div><dt>Recorded</dt><dd>{when}</dd></div>
<div><dt>By</dt><dd>{actor}</dd></div>
<div><dt>Hash</dt><dd><code class="hash">{hash}</code></dd></div>
<div><dt>Previous hash</dt><dd><code class="hash">{prev}</code></dd></div>
<div><dt>Ruleset</dt><dd>{ruleset}</dd></div>
<div><dt>List snapshot</dt><dd>{snapshot}</dd></div>
<div><dt>ace version</dt><dd>{version}</dd></div>
<div><dt>Caller's id</dt><dd>{txid}</dd></div>
</dl></section>
<section class="card"><h2>Input</h2><pre class="json">{input}</pre></section>
<section class="card"><h2>Output</h2><pre class="json">{output}</pre></section>"#,
        kind = esc(record.kind.as_str()),
        when = esc(&record.created_at),
        actor = esc(&record.actor),
        hash = esc(&record.hash),
        prev = esc(&record.prev_hash),
        ruleset = optional(&record.ruleset),
        snapshot = optional(&record.list_snapshot),
        version = esc(&record.ace_version),
        txid = esc(record.transaction_id.as_deref().unwrap_or("—")),
        input = esc(&pretty(&record.input)),
        output = esc(&pretty(&record.output)),
    );
    page(
        &format!("Record #{id}"),
        Some(&signed.session),
        Nav::Records,
        &body,
    )
    .into_response()
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}

/// `POST /ui/records/verify`: checks the whole chain and says whether it holds.
pub async fn verify(
    State(state): State<AppState>,
    signed: Signed,
    Form(form): Form<CsrfOnly>,
) -> Response {
    if let Some(refused) = signed.csrf_refusal(&form.csrf) {
        return refused;
    }
    let session = &signed.session;
    let shared = state.clone();
    let report = match tokio::task::spawn_blocking(move || service::verify(&shared)).await {
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
    let head = report
        .head
        .as_ref()
        .map(|h| format!(r#"<p>Head: record #{} with hash <code class="hash">{}</code>. Note it outside the database (e.g. in a signed audit report): deleting the newest records can only be detected against such a note.</p>"#, h.id, esc(&h.hash)))
        .unwrap_or_default();
    let verdict = match &report.first_broken {
        None if report.ok => format!(
            r#"<section class="banner o-ace" role="status" data-verify="ok"><span class="symbol" aria-hidden="true">✓</span><div><p class="code">Chain intact</p><p class="headline">{} record{} read; every link holds.</p></div></section>"#,
            report.records,
            if report.records == 1 { "" } else { "s" }
        ),
        broken => format!(
            r#"<section class="banner o-prohibited" role="alert" data-verify="broken"><span class="symbol" aria-hidden="true">✕</span><div><p class="code">Chain broken</p><p class="headline">{}</p></div></section>"#,
            broken
                .as_ref()
                .map(|b| format!(
                    r#"At <a href="/ui/records/{0}">record #{0}</a>: {1}"#,
                    b.id,
                    esc(&b.problem)
                ))
                .unwrap_or_else(|| "The chain does not verify.".into())
        ),
    };
    let body = format!(
        r#"<h1>Verify the record chain</h1>{verdict}<section class="card">{head}<p><a href="/ui/records">Back to the records</a></p></section>"#
    );
    page("Verify", Some(session), Nav::Records, &body).into_response()
}
