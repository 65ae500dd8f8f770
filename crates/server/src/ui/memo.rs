//! The printable determination memo (`GET /ui/records/{id}/memo`): one page a compliance
//! officer files in the export file — header with the record's hashes, the transaction,
//! the outcome, the cited trace, screening and reviews, a signature line.
//!
//! A memo shows the determination's current state: the newest record of its line (a
//! review decides it again as a new record). A HOLD is printed with an "ON HOLD"
//! watermark and without a signature block, and so is any determination with a match
//! still waiting for a person's review: the memo says what is open instead.

use super::html::{error_page, head, html, Markup, DOCTYPE};
use super::render::{self, Controls};
use super::result::{self, live_reviews};
use super::session::Signed;
use super::settings::MemoSettings;
use super::{hold, line, load_record, RecordId};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use records::{Record, RecordKind};
use serde_json::Value;

/// `GET /ui/records/{id}/memo`: the memo of the determination's current state (the
/// newest record of its line, the line listed).
pub async fn show(
    State(state): State<AppState>,
    signed: Signed,
    RecordId(id): RecordId,
) -> Response {
    let asked = match load_record(&state, &signed, id).await {
        Ok(r) => r,
        Err(refused) => return refused,
    };
    if asked.kind != RecordKind::Determination {
        return error_page(
            StatusCode::NOT_FOUND,
            Some(&signed.session),
            &format!("Record #{id} is not a determination: there is no memo for it."),
        );
    }
    let line = match line::line_async(&state, asked.id).await {
        Ok(l) => l,
        Err(e) => return error_page(e.status(), Some(&signed.session), &e.to_string()),
    };
    let record = &line.current;
    let reviews = match live_reviews(&state, record).await {
        Ok(r) => r,
        Err(e) => return error_page(e.status(), Some(&signed.session), &e.to_string()),
    };
    let controls = Controls {
        record_id: record.id,
        csrf: None,
    };
    let det = render::determination(record);
    let open = hold::unsigned_because(record, det, &reviews);
    let held = render::s(det, "outcome") == "HOLD";
    let lists = super::lists_age_of(&state, record).await;
    let first = line.line.first().map_or(record.id, |l| l.record_id);
    let main = html! {
        @if held { div.watermark aria-hidden="true" data-watermark="ON HOLD" {} }
        (header(record, &state.ui_settings().memo, first, lists))
        @if record.id != id {
            p.notice.superseded {
                "Record #" (id) " was decided again after review; this memo shows the current state, record #" (record.id) "."
            }
        }
        section { h2 { "Transaction" } (render::transaction(&record.input, det)) }
        section { h2 { "Outcome" } (render::banner(det, hold::open_items(record, det, &reviews, &controls), html! {})) }
        @if let Some(route) = render::route_and_lines(det) {
            section { h2 { "Route and lines" } (route) }
        }
        @if line.line.len() > 1 {
            section { h2 { "History of this determination" } (result::history(&line.line, record.id)) }
        }
        section { h2 { "Reasoning with citations" } (render::trace_table(det)) }
        section { h2 { "Restricted-party screening and reviews" } (render::screening(record, &reviews, &controls)) }
        @if open.is_empty() { (signature()) } @else { (not_signable(held, &open)) }
        p.disclaimer { "Guidance, not legal advice. " (decide::NOT_LEGAL_ADVICE) }
    };
    memo_page(record.id, held, main).into_response()
}

/// In place of the signature block: why this memo cannot be signed yet.
fn not_signable(held: bool, open: &[String]) -> Markup {
    html! {
        section.not-signable data-signable="no" {
            h2 { "Not for signature" }
            p {
                strong {
                    @if held { "On hold — not an authorization." }
                    @else { "A screening match is still waiting for a person's review." }
                }
                " This memo records the state of the determination; it is not an approval and has no signature block until every item below is resolved by a reviewer and the determination is decided again:"
            }
            ul { @for o in open { li { (o) } } }
        }
    }
}

/// The memo's letterhead (from the server's settings) and identification block: the
/// reference, exporter, item, a licence number to fill in, the record and its hashes.
fn header(record: &Record, memo: &MemoSettings, first: i64, lists: Markup) -> Markup {
    let det = render::determination(record);
    let row = |term: &str, value: Markup| html! { div { dt { (term) } dd { (value) } } };
    let code = |v: &str| html! { code.hash.full { (v) } };
    let given = record
        .transaction_id
        .clone()
        .or_else(|| {
            record
                .input
                .get("id")
                .and_then(|v| v.as_str())
                .map(str::to_string)
        })
        .filter(|r| !r.trim().is_empty());
    let items = item_descriptions(&record.input);
    html! {
        header.memo-head {
            div.letterhead {
                div.letterhead-name {
                    @match &memo.company {
                        Some(company) => p.company { (company) },
                        None => p.company.unset { "[Company name — set it in the server's settings: ace serve --settings FILE]" },
                    }
                    @for line in &memo.address { p.address-line { (line) } }
                }
                p.muted.department { (memo.department.as_deref().unwrap_or("Export compliance")) " · Export file" }
            }
            h1 { "Export Determination Memo" }
            p.subtitle { "License Exception ACE (15 CFR 740.22) and restricted-party screening" }
            dl.facts.memo-ids {
                (row("Reference", html! {
                    @match &given {
                        Some(r) => strong.reference { (r) },
                        None => { strong.reference { (memo.generated_reference(first)) } " " span.muted { "(from the record number)" } },
                    }
                }))
                (row("Exporter", html! {
                    @match memo.exporter() {
                        Some(e) => (e),
                        None => span.muted { "not set in the server's settings" },
                    }
                }))
                (row("Item", html! {
                    @for (i, item) in items.iter().enumerate() { @if i > 0 { br; } (item) }
                }))
                div.fill-in-row {
                    dt { label for="licence-number" { "Licence number" } }
                    dd { input.fill-in id="licence-number" type="text" autocomplete="off"; }
                }
                (row("Date", html! { (record.created_at.chars().take(10).collect::<String>()) }))
                (row("Record", html! { "#" (record.id) }))
                (row("Lists", lists))
                (row("Record hash", code(&record.hash)))
                (row("Ruleset hash", code(render::s(det, "ruleset"))))
                (row("List snapshot hash", code(record.list_snapshot.as_deref().unwrap_or("—"))))
                (row("ace version", html! { (record.ace_version) }))
                (row("Determined by (token)", html! { (record.actor) }))
            }
        }
    }
}

/// What the transaction says the item is: each line's ECCN and description, or the
/// single item's ECCN.
fn item_descriptions(input: &Value) -> Vec<String> {
    let lines = render::arr(input, "items");
    let eccn_of = |v: &Value| {
        if v.get("published").and_then(Value::as_bool) == Some(true) {
            "Published (734.7)".to_string()
        } else {
            match render::s(v, "eccn") {
                "" => "ECCN not given".to_string(),
                e => e.to_string(),
            }
        }
    };
    if lines.is_empty() {
        let item = input.get("item").unwrap_or(&Value::Null);
        return vec![format!("{} — no description given", eccn_of(item))];
    }
    lines
        .iter()
        .map(|l| match render::s(l, "description") {
            "" => format!("{} — no description given", eccn_of(l)),
            d => format!("{} — {d}", eccn_of(l)),
        })
        .collect()
}

/// The signature block.
fn signature() -> Markup {
    html! {
        section.signature data-signable="yes" {
            h2 { "Approval" }
            div.sig-grid {
                div { span.line {} p { "Signature" } }
                div { span.line {} p { "Name and title" } }
                div { span.line {} p { "Date" } }
            }
        }
    }
}

/// The memo's own page frame: no navigation; a toolbar shown on screen only.
fn memo_page(id: i64, held: bool, main: Markup) -> Html<String> {
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            (head(&format!("Determination memo #{id}")))
            body class=(if held { "memo held" } else { "memo" }) {
                nav.memo-toolbar.screen-only aria-label="Memo" {
                    a href={ "/ui/determinations/" (id) } { "← Back to the result" }
                    " "
                    button.primary type="button" data-print { "Print" }
                }
                main.memo-main { article.memo-sheet { (main) } }
            }
        }
    };
    Html(markup.into_string())
}
