//! The printable determination memo (`GET /ui/records/{id}/memo`): one page a compliance
//! officer files in the export file — header with the record's hashes, the transaction,
//! the outcome, the cited trace, screening and reviews, a signature line.

use super::html::{error_page, esc};
use super::load_record;
use super::render::{self, Controls};
use super::result::live_reviews;
use super::session::Signed;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use records::{Record, RecordKind};

/// `GET /ui/records/{id}/memo`.
pub async fn show(State(state): State<AppState>, signed: Signed, Path(id): Path<i64>) -> Response {
    let record = match load_record(&state, &signed, id).await {
        Ok(r) => r,
        Err(refused) => return refused,
    };
    if record.kind != RecordKind::Determination {
        return error_page(
            StatusCode::NOT_FOUND,
            Some(&signed.session),
            &format!("Record #{id} is not a determination: there is no memo for it."),
        );
    }
    let reviews = match live_reviews(&state, &record).await {
        Ok(r) => r,
        Err(e) => return error_page(e.status(), Some(&signed.session), &e.to_string()),
    };
    let controls = Controls {
        record_id: record.id,
        csrf: None,
    };
    let det = render::determination(&record);
    let main = format!(
        r#"{header}
<section><h2>Transaction</h2>{transaction}</section>
<section><h2>Outcome</h2>{banner}</section>
<section><h2>Reasoning with citations</h2>{trace}</section>
<section><h2>Restricted-party screening and reviews</h2>{screening}</section>
{signature}
<p class="disclaimer">Guidance, not legal advice. {notice}</p>"#,
        header = header(&record),
        transaction = render::transaction(&record.input, det),
        banner = render::banner(det),
        trace = render::trace_table(det),
        screening = render::screening(&record, &reviews, &controls),
        signature = signature(),
        notice = esc(decide::NOT_LEGAL_ADVICE),
    );
    memo_page(record.id, &main).into_response()
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
    r#"<section class="signature"><h2>Approval</h2>
<div class="sig-grid">
<div><span class="line"></span><p>Signature</p></div>
<div><span class="line"></span><p>Name and title</p></div>
<div><span class="line"></span><p>Date</p></div>
</div></section>"#
        .to_string()
}

/// The memo's own page frame: no navigation; a toolbar shown on screen only.
fn memo_page(id: i64, main: &str) -> Html<String> {
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
<body class="memo">
<div class="memo-toolbar screen-only"><a href="/ui/determinations/{id}">← Back to the result</a> <button type="button" class="primary" data-print>Print</button></div>
<article class="memo-sheet">
{main}
</article>
</body>
</html>"#
    ))
}
