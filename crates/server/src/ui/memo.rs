//! The printable determination memo (`GET /ui/records/{id}/memo`): one page a compliance
//! officer files in the export file — header with the record's hashes, the transaction,
//! the outcome, the cited trace, screening and reviews, a signature line.
//!
//! A memo shows the determination's current state: the newest record of its line (a
//! review decides it again as a new record). A HOLD is printed with an "ON HOLD"
//! watermark and without a signature block, and so is any determination with a match
//! still waiting for a person's review: the memo says what is open instead.

use super::html::{error_page, esc};
use super::render::{self, Controls};
use super::result::{self, live_reviews};
use super::session::Signed;
use super::{hold, line, load_record};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use records::{Record, RecordKind};

/// `GET /ui/records/{id}/memo`: the memo of the determination's current state (the
/// newest record of its line, the line listed).
pub async fn show(State(state): State<AppState>, signed: Signed, Path(id): Path<i64>) -> Response {
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
    let current = if record.id == id {
        String::new()
    } else {
        format!(
            r#"<p class="notice superseded">Record #{id} was decided again after review; this memo shows the current state, record #{now}.</p>"#,
            now = record.id
        )
    };
    let main = format!(
        r#"{watermark}{header}{current}
<section><h2>Transaction</h2>{transaction}</section>
<section><h2>Outcome</h2>{banner}</section>
{route}{history}
<section><h2>Reasoning with citations</h2>{trace}</section>
<section><h2>Restricted-party screening and reviews</h2>{screening}</section>
{signature}
<p class="disclaimer">Guidance, not legal advice. {notice}</p>"#,
        watermark = if held {
            r#"<div class="watermark" aria-hidden="true">ON HOLD</div>"#
        } else {
            ""
        },
        header = header(record),
        transaction = render::transaction(&record.input, det),
        banner = render::banner(det, &hold::open_items(record, det, &reviews, &controls)),
        history = match result::history(&line.line, record.id) {
            h if h.is_empty() => String::new(),
            h => format!("<section><h2>History of this determination</h2>{h}</section>"),
        },
        trace = render::trace_table(det),
        route = match render::route_and_lines(det) {
            r if r.is_empty() => r,
            r => format!("<section><h2>Route and lines</h2>{r}</section>"),
        },
        screening = render::screening(record, &reviews, &controls),
        signature = if open.is_empty() {
            signature()
        } else {
            not_signable(held, &open)
        },
        notice = esc(decide::NOT_LEGAL_ADVICE),
    );
    memo_page(record.id, held, &main).into_response()
}

/// In place of the signature block: why this memo cannot be signed yet.
fn not_signable(held: bool, open: &[String]) -> String {
    let items: String = open
        .iter()
        .map(|o| format!("<li>{}</li>", esc(o)))
        .collect();
    format!(
        r#"<section class="not-signable" data-signable="no"><h2>Not for signature</h2>
<p><strong>{why}</strong> This memo records the state of the determination; it is not an approval and has no signature block until every item below is resolved by a reviewer and the determination is decided again:</p>
<ul>{items}</ul></section>"#,
        why = if held {
            "On hold — not an authorization."
        } else {
            "A screening match is still waiting for a person's review."
        },
    )
}

/// The memo's letterhead and identification block.
fn header(record: &Record) -> String {
    let det = render::determination(record);
    let row =
        |term: &str, value: &str| format!("<div><dt>{}</dt><dd>{value}</dd></div>", esc(term));
    let code = |v: &str| format!(r#"<code class="hash full">{}</code>"#, esc(v));
    format!(
        r#"<header class="memo-head">
<div class="letterhead"><p class="company">[Company name]</p><p class="muted">Export compliance · Export file</p></div>
<h1>Export Determination Memo</h1>
<p class="subtitle">License Exception ACE (15 CFR 740.22) and restricted-party screening</p>
<dl class="facts memo-ids">
{date}{record_id}{hash}{ruleset}{snapshot}{version}{actor}
</dl>
</header>"#,
        date = row(
            "Date",
            &esc(&record.created_at.chars().take(10).collect::<String>())
        ),
        record_id = row("Record", &format!("#{}", record.id)),
        hash = row("Record hash", &code(&record.hash)),
        ruleset = row("Ruleset hash", &code(render::s(det, "ruleset"))),
        snapshot = row(
            "List snapshot hash",
            &code(record.list_snapshot.as_deref().unwrap_or("—"))
        ),
        version = row("ace version", &esc(&record.ace_version)),
        actor = row("Determined by (token)", &esc(&record.actor)),
    )
}

/// The signature block.
fn signature() -> String {
    r#"<section class="signature" data-signable="yes"><h2>Approval</h2>
<div class="sig-grid">
<div><span class="line"></span><p>Signature</p></div>
<div><span class="line"></span><p>Name and title</p></div>
<div><span class="line"></span><p>Date</p></div>
</div></section>"#
        .to_string()
}

/// The memo's own page frame: no navigation; a toolbar shown on screen only.
fn memo_page(id: i64, held: bool, main: &str) -> Html<String> {
    let class = if held { "memo held" } else { "memo" };
    Html(format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Determination memo #{id} · ace</title>
<link rel="icon" href="/ui/assets/logo.svg" type="image/svg+xml">
<link rel="stylesheet" href="/ui/assets/ui.css">
<script src="/ui/assets/ui.js" defer></script>
</head>
<body class="{class}">
<div class="memo-toolbar screen-only"><a href="/ui/determinations/{id}">← Back to the result</a> <button type="button" class="primary" data-print>Print</button></div>
<article class="memo-sheet">
{main}
</article>
</body>
</html>"#
    ))
}
