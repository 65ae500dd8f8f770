//! The records pages: the list with filters (`GET /ui/records`), one record
//! (`GET /ui/records/{id}`), and verifying the hash chain (`POST /ui/records/verify`).

use super::html::{csrf_field, error_page, html, page, short_hash, Markup, Nav};
use super::login::CsrfOnly;
use super::render::{self, arr, s};
use super::session::Signed;
use super::{load_record, RecordId};
use crate::service;
use crate::state::AppState;
use axum::extract::{Query, State};
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
    let body = html! {
        div.title-row {
            h1 { "Records" }
            form.tools method="post" action="/ui/records/verify" {
                (csrf_field(session))
                button.primary type="submit" { "Verify the chain" }
            }
        }
        p.lead {
            "Every determination, screening and review decision, append-only and hash-chained (15 CFR part 762). Newest first; a search looks through the newest "
            (WINDOW) " records and shows at most " (SHOWN) "."
        }
        form.filters method="get" action="/ui/records" {
            div.field { label for="kind" { "Kind" } select id="kind" name="kind" { (kind_options(kind)) } }
            div.field { label for="since" { "Since" } input id="since" name="since" type="date" value=(query.since); }
            div.field.grow {
                label for="q" { "Contains" }
                input id="q" name="q" type="search" value=(query.q) placeholder="party, ECCN, destination, actor";
            }
            div.field { button type="submit" { "Filter" } }
        }
        (table(&shown))
    };
    page("Records", Some(session), Nav::Records, body).into_response()
}

/// Whether the record's actor, input or output contains `needle` (lower case).
fn matches_text(record: &Record, needle: &str) -> bool {
    let text = format!("{} {} {}", record.actor, record.input, record.output).to_lowercase();
    text.contains(needle)
}

/// The kind filter's options.
fn kind_options(current: Option<RecordKind>) -> Markup {
    html! {
        option value="" { "All" }
        @for kind in RecordKind::ALL {
            option value=(kind.as_str()) selected[Some(kind) == current] { (kind.as_str()) }
        }
    }
}

/// The records table.
fn table(records: &[&Record]) -> Markup {
    if records.is_empty() {
        return html! { p.notice { "No record matches." } };
    }
    html! {
        div.table-scroll role="region" aria-label="Records" tabindex="0" {
        table.records {
            thead { tr {
                th scope="col" { "Record" } th scope="col" { "Recorded" } th scope="col" { "Kind" }
                th scope="col" { "By" } th scope="col" { "What" } th scope="col" { "Hash" }
            } }
            tbody {
                @for r in records {
                    tr {
                        td { a href={ "/ui/records/" (r.id) } { "#" (r.id) } }
                        td { (render::when(&r.created_at)) }
                        td { (r.kind.as_str()) }
                        td { (r.actor) }
                        td { (summary(r)) }
                        td { (short_hash(&r.hash)) }
                    }
                }
            }
        }
        }
    }
}

/// One line saying what a record is about.
fn summary(r: &Record) -> Markup {
    match r.kind {
        RecordKind::Determination => {
            let det = render::determination(r);
            let party = r
                .input
                .get("end_user")
                .map(|e| s(e, "name"))
                .unwrap_or_default();
            let eccn = match s(det, "eccn") {
                "" => "published",
                e => e,
            };
            html! {
                (render::outcome_pill(s(det, "outcome")))
                " " (eccn) " → " (s(det, "destination"))
                @if !party.is_empty() { " · " (party) }
                @if let Some(id) = super::line::supersedes(r) {
                    " " span.muted { "(decides #" (id) " again)" }
                }
            }
        }
        RecordKind::Review => html! {
            span class={ "verdict-pill " (s(&r.output, "verdict")) } { (s(&r.output, "verdict").replace('_', " ")) }
            " " (s(&r.input, "party")) " · " (s(&r.input, "list")) " " (s(&r.input, "entry_id"))
        },
        RecordKind::Screening => html! {
            (s(&r.input, "name")) " · " (arr(&r.output, "hits").len()) " hit(s), "
            (arr(&r.output, "needs_review").len()) " to review"
        },
        RecordKind::Access => html! { (records::describe_access(&r.input)) },
    }
}

/// `GET /ui/records/{id}`: the record's fields, links, and its input and output.
pub async fn show(
    State(state): State<AppState>,
    signed: Signed,
    RecordId(id): RecordId,
) -> Response {
    let record = match load_record(&state, &signed, id).await {
        Ok(r) => r,
        Err(refused) => return refused,
    };
    let optional = |v: &Option<String>| match v {
        Some(h) => short_hash(h),
        None => html! { "—" },
    };
    let body = html! {
        div.title-row {
            h1 { "Record #" (id) " " span.muted { (record.kind.as_str()) } }
            @if record.kind == RecordKind::Determination {
                div.tools {
                    a.button href={ "/ui/determinations/" (id) } { "Result page" } " "
                    a.button href={ "/ui/records/" (id) "/memo" } { "Printable memo" }
                }
            }
        }
        section.card { dl.facts {
            div { dt { "Recorded" } dd { (record.created_at) } }
            div { dt { "By" } dd { (record.actor) } }
            div { dt { "Hash" } dd { code.hash { (record.hash) } } }
            div { dt { "Previous hash" } dd { code.hash { (record.prev_hash) } } }
            div { dt { "Ruleset" } dd { (optional(&record.ruleset)) } }
            div { dt { "List snapshot" } dd { (optional(&record.list_snapshot)) } }
            div { dt { "ace version" } dd { (record.ace_version) } }
            div { dt { "Caller's id" } dd { (record.transaction_id.as_deref().unwrap_or("—")) } }
        } }
        section.card { h2 { "Input" } pre.json role="region" tabindex="0" aria-label="Input, as JSON" { (pretty(&record.input)) } }
        section.card { h2 { "Output" } pre.json role="region" tabindex="0" aria-label="Output, as JSON" { (pretty(&record.output)) } }
    };
    page(
        &format!("Record #{id}"),
        Some(&signed.session),
        Nav::Records,
        body,
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
    let broken = match &report.first_broken {
        None if report.ok => None,
        broken => Some(broken),
    };
    let body = html! {
        h1 { "Verify the record chain" }
        @match broken {
            None => section.banner.o-ace role="status" data-verify="ok" {
                span.symbol aria-hidden="true" { "✓" }
                div {
                    p.code { "Chain intact" }
                    p.headline {
                        (report.records) " record" @if report.records != 1 { "s" } " read; every link holds."
                    }
                }
            },
            Some(b) => section.banner.o-prohibited role="alert" data-verify="broken" {
                span.symbol aria-hidden="true" { "✕" }
                div {
                    p.code { "Chain broken" }
                    p.headline {
                        @match b {
                            Some(b) => { "At " a href={ "/ui/records/" (b.id) } { "record #" (b.id) } ": " (b.problem) },
                            None => "The chain does not verify.",
                        }
                    }
                }
            },
        }
        section.card {
            @if let Some(h) = &report.head {
                p {
                    "Head: record #" (h.id) " with hash " code.hash { (h.hash) }
                    ". Note it outside the database (e.g. in a signed audit report): deleting the newest records can only be detected against such a note."
                }
            }
            p { a href="/ui/records" { "Back to the records" } }
        }
    };
    page("Verify", Some(session), Nav::Records, body).into_response()
}
