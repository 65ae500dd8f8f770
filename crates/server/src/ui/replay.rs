//! The auditor's replay (`POST /ui/determinations/{id}/replay`, the "Replay" button of a
//! determination page): the recorded determination re-run with the ruleset and list
//! snapshot named in its record ([`crate::service::replay`]), and whether the output is
//! byte-identical — both canonical hashes shown — or what differs, or what is missing.

use super::html::{error_page, html, page, Nav};
use super::login::CsrfOnly;
use super::session::Signed;
use super::RecordId;
use crate::service::replay::{self, ReplayStatus};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Form;

/// `POST /ui/determinations/{id}/replay`: replays the record and shows the result (any
/// signed-in role: a replay records nothing).
pub async fn submit(
    State(state): State<AppState>,
    signed: Signed,
    RecordId(id): RecordId,
    Form(form): Form<CsrfOnly>,
) -> Response {
    if let Some(refused) = signed.csrf_refusal(&form.csrf) {
        return refused;
    }
    let session = &signed.session;
    let shared = state.clone();
    let r = match tokio::task::spawn_blocking(move || replay::replay(&shared, id)).await {
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
    let (class, code, headline) = match r.status {
        ReplayStatus::Identical => (
            "o-ace",
            "Identical",
            "Re-run with the ruleset and list snapshot named in the record, the determination is byte for byte the one recorded.",
        ),
        ReplayStatus::Differs => (
            "o-prohibited",
            "Differs",
            "Re-run with the ruleset and list snapshot named in the record, the determination is not the one recorded.",
        ),
        ReplayStatus::CannotReplay => (
            "o-hold",
            "Cannot replay",
            "Something the re-run needs is missing.",
        ),
    };
    let status = match r.status {
        ReplayStatus::Identical => "identical",
        ReplayStatus::Differs => "differs",
        ReplayStatus::CannotReplay => "cannot_replay",
    };
    let body = html! {
        h1 { "Replay of determination " span.muted { "#" (id) } }
        section class={ "banner " (class) } role="status" data-replay=(status) {
            div { p.code { (code) } p.headline { (headline) } }
        }
        section.card {
            dl.facts {
                div { dt { "Recorded output" } dd { code.hash { (r.recorded_hash) } } }
                @if let Some(h) = &r.replayed_hash {
                    div { dt { "Replayed output" } dd { code.hash { (h) } } }
                }
                @for (label, value) in [("Ruleset", &r.ruleset), ("List snapshot", &r.list_snapshot)] {
                    @if let Some(v) = value {
                        div { dt { (label) } dd { code.hash { (v) } } }
                    }
                }
            }
            @if let Some(m) = &r.missing {
                p data-replay="missing" { strong { "Missing:" } " " (m) }
            }
            @if !r.differences.is_empty() {
                h2 { "Where it differs" }
                ul { @for d in &r.differences { li { code { (d) } } } }
            }
            @if let Some(n) = &r.note { p.muted { (n) } }
            p { a href={ "/ui/determinations/" (id) } { "Back to the determination" } }
        }
    };
    page(&format!("Replay #{id}"), Some(session), Nav::Records, body).into_response()
}
