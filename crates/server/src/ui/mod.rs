//! The web UI under `/ui`: server-rendered pages for the compliance officer.
//!
//! | route | page |
//! |---|---|
//! | `GET /` | redirect to `/ui` |
//! | `GET,POST /ui/login`, `POST /ui/logout` | sign in with an API token, sign out |
//! | `GET /ui` | the determination form (`?eccn=`, `?destination=`, `?from=RECORD` prefill it) |
//! | `POST /ui/determinations` | screen, decide, record; redirect to the result |
//! | `GET /ui/determinations/{id}` | the result: banner (a HOLD's open items with their review buttons), screening with reviews, cited trace |
//! | `POST /ui/determinations/{id}/replay` | the auditor's replay: re-run with the record's ruleset and list snapshot, identical or not (both hashes), or what is missing |
//! | `POST /ui/reviews` | a reviewer's decision on one screening match: a confirmation page, then (`confirmed=yes`) recorded |
//! | `GET /ui/queue` | the review queue: held determinations and their open matches, oldest first |
//! | `GET /ui/records` | records, newest first (`?kind=&since=&q=`) |
//! | `GET /ui/records/{id}`, `GET /ui/records/{id}/memo` | one record; the printable memo (letterhead from [`settings`], `ace serve --settings`) |
//! | `POST /ui/records/verify` | verify the hash chain |
//! | `GET /ui/map` | outcome per destination (`?eccn=&end_user=&as_of=`): a world map, each country focusable with its outcome and reason, and a table |
//! | `GET /ui/classify` | the classification questionnaire |
//! | `GET /ui/assets/{file}` | CSS, JS, SVG compiled into the binary |
//!
//! Sessions and CSRF: see [`session`]. Every page is a [`maud`] template, which escapes
//! every value interpolated into it ([`html`]); the Content-Security-Policy allows only
//! this server's own scripts and styles. All decisions go through [`crate::service`].

mod classify;
mod determine;
mod ecfr;
mod hold;
mod html;
mod impact;
mod line;
mod login;
mod map;
mod memo;
mod queue;
mod records;
mod red_flag;
mod render;
mod replay;
mod result;
mod review;
pub mod session;
pub mod settings;

#[cfg(test)]
mod tests;

pub use ecfr::{ecfr_url, link_citation};

use crate::state::AppState;
use axum::extract::Path;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use html::error_page;
use session::Signed;

/// The UI's routes (merged into the application router).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/ui") }))
        .route("/ui", get(determine::show))
        .route("/ui/", get(|| async { Redirect::to("/ui") }))
        .route("/ui/login", get(login::show).post(login::submit))
        .route("/ui/logout", post(login::logout))
        .route("/ui/determinations", post(determine::submit))
        .route("/ui/determinations/{id}", get(result::show))
        .route("/ui/determinations/{id}/replay", post(replay::submit))
        .route("/ui/reviews", post(review::submit))
        .route("/ui/red-flag-reviews", post(red_flag::submit))
        .route("/ui/queue", get(queue::show))
        .route("/ui/impact", get(impact::show))
        .route("/ui/records", get(records::list))
        .route("/ui/records/verify", post(records::verify))
        .route("/ui/records/{id}", get(records::show))
        .route("/ui/records/{id}/memo", get(memo::show))
        .route("/ui/map", get(map::show))
        .route("/ui/classify", get(classify::show))
        .route("/ui/assets/{file}", get(asset))
        .route(
            "/favicon.ico",
            get(|| async { Redirect::permanent("/ui/assets/logo.svg") }),
        )
        .layer(axum::middleware::map_response(security_headers))
}

/// Headers on every UI response: a strict Content-Security-Policy (own scripts and styles
/// only, no framing, forms post only here), no MIME sniffing, no referrer off-site.
async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    let set = [
        (
            "content-security-policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
        ),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "same-origin"),
        ("x-frame-options", "DENY"),
    ];
    for (name, value) in set {
        headers.insert(name, HeaderValue::from_static(value));
    }
    // Pages carry determinations, records and memos: no shared or browser cache keeps a
    // copy after sign-out (the embedded assets set their own caching).
    if !headers.contains_key(CACHE_CONTROL) {
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

const CSS: &str = include_str!("../../assets/ui.css");
const JS: &str = include_str!("../../assets/ui.js");
const LOGO: &str = include_str!("../../assets/logo.svg");

/// `GET /ui/assets/{file}`: the embedded stylesheet, script and logo.
async fn asset(Path(file): Path<String>) -> Response {
    let (body, kind) = match file.as_str() {
        "ui.css" => (CSS, "text/css; charset=utf-8"),
        "ui.js" => (JS, "text/javascript; charset=utf-8"),
        "logo.svg" => (LOGO, "image/svg+xml"),
        _ => return (StatusCode::NOT_FOUND, "no such asset").into_response(),
    };
    (
        [
            (CONTENT_TYPE, HeaderValue::from_static(kind)),
            (
                CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=300"),
            ),
        ],
        body,
    )
        .into_response()
}

/// One record, or the error page to answer with (404 when there is none).
async fn load_record(
    state: &AppState,
    signed: &Signed,
    id: i64,
) -> Result<::records::Record, Response> {
    let shared = state.clone();
    let found =
        tokio::task::spawn_blocking(move || crate::service::record_by_id(&shared, id)).await;
    match found {
        Ok(Ok(record)) => Ok(record),
        Ok(Err(e)) => Err(error_page(
            e.status(),
            Some(&signed.session),
            &e.to_string(),
        )),
        Err(_) => Err(error_page(
            StatusCode::INTERNAL_SERVER_ERROR,
            Some(&signed.session),
            "internal error",
        )),
    }
}

/// The meta of list snapshot `hash`: the one in service, one in the list store, or the
/// bundled one; `None` when this server knows none by that hash. May read a file.
fn snapshot_meta(state: &AppState, hash: &str) -> Option<lists::snapshot::SnapshotMeta> {
    let active = state.current_lists();
    if active.meta.hash == hash {
        return Some(active.meta.clone());
    }
    if let Some(found) = crate::service::replay::list_store().and_then(|s| s.meta(hash).ok()) {
        return Some(found);
    }
    lists::snapshot::bundled_meta()
        .ok()
        .filter(|m| m.hash == hash)
}

/// How old the list snapshot of `record` was when it was decided, and is today
/// ([`render::lists_age`]).
async fn lists_age_of(state: &AppState, record: &::records::Record) -> html::Markup {
    let hash = record.list_snapshot.clone();
    let shared = state.clone();
    let meta = match hash.clone() {
        Some(h) => tokio::task::spawn_blocking(move || snapshot_meta(&shared, &h))
            .await
            .ok()
            .flatten(),
        None => None,
    };
    let decided_on = record.created_at.get(..10).and_then(ear::parse_date);
    let max_age =
        lists::snapshot::max_age_days_from_env().unwrap_or(lists::snapshot::DEFAULT_MAX_AGE_DAYS);
    render::lists_age(
        hash.as_deref(),
        meta.as_ref(),
        decided_on,
        chrono::Utc::now().date_naive(),
        max_age,
    )
}

/// The `{id}` of a UI record page: a positive integer, as the API reads it
/// ([`crate::api::record_id`]). Anything else is a page that does not exist, shown as the UI's own "not found" page rather than axum's plain-text
/// rejection.
pub(crate) struct RecordId(pub i64);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for RecordId {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Response> {
        let Path(text) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| not_found_page())?;
        crate::api::record_id(&text)
            .map(RecordId)
            .map_err(|_| not_found_page())
    }
}

/// A UI path no route serves: the UI's own "not found" page.
pub(crate) fn not_found_page() -> Response {
    html::error_page(
        axum::http::StatusCode::NOT_FOUND,
        None,
        "There is no such page.",
    )
}
