//! The JSON API under `/v1`, plus `/healthz`, `/metrics` and `/openapi.json`.
//!
//! Every `/v1` call needs an API token (`Authorization: Bearer <token>`); the role decides
//! what it may do (see [`crate::auth`] and [`ROLES`]). Handlers do no blocking work on the
//! async threads: store calls run in `spawn_blocking`.

mod decisions;
pub mod openapi;
mod ops;
mod records;
mod reference;

use crate::body::BODY_LIMIT;
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::DefaultBodyLimit;
use axum::routing::{delete, get, post};
use axum::Router;

/// Who may call what, as documented in `ace serve --help` and the OpenAPI document.
pub const ROLES: &str = "\
Roles (token role x endpoint):
  endpoint                                 analyst reviewer auditor admin
  POST /v1/determinations                     x       x               x
  POST /v1/screenings                         x       x               x
  POST /v1/classifications                    x       x               x
  POST /v1/reviews                                    x               x
  POST /v1/red-flag-reviews                           x               x
  GET  /v1/review-queue                               x       x       x
  GET  /v1/impact                                     x       x       x
  GET  /v1/determinations/{id}                x       x       x       x
  POST /v1/determinations/{id}/replay         x       x       x       x
  GET  /v1/records, /v1/records/{id},         x       x       x       x
       /v1/records/verify, /v1/records/export
  GET  /v1/lists, /v1/rules/..., /v1/matrix,  x       x       x       x
       /v1/classifications/questions
  GET/POST /v1/tokens, DELETE /v1/tokens/{name},                     x
       POST /v1/tokens/{name}/rotate
  GET  /healthz, /metrics, /openapi.json   no token needed
Without a valid token: 401. With a role that may not: 403.";

/// Every route of the API (method, path), as the OpenAPI document lists them.
pub const ROUTES: &[(&str, &str)] = &[
    ("get", "/healthz"),
    ("get", "/metrics"),
    ("get", "/openapi.json"),
    ("post", "/v1/determinations"),
    ("get", "/v1/determinations/{id}"),
    ("post", "/v1/determinations/{id}/replay"),
    ("get", "/v1/review-queue"),
    ("get", "/v1/impact"),
    ("post", "/v1/screenings"),
    ("post", "/v1/reviews"),
    ("post", "/v1/red-flag-reviews"),
    ("post", "/v1/classifications"),
    ("get", "/v1/classifications/questions"),
    ("get", "/v1/matrix"),
    ("get", "/v1/records"),
    ("get", "/v1/records/verify"),
    ("get", "/v1/records/export"),
    ("get", "/v1/records/{id}"),
    ("get", "/v1/lists"),
    ("get", "/v1/rules"),
    ("get", "/v1/rules/groups"),
    ("get", "/v1/rules/groups/{id}"),
    ("get", "/v1/rules/countries/{country}"),
    ("get", "/v1/rules/eccns"),
    ("get", "/v1/rules/eccns/{eccn}"),
    ("get", "/v1/rules/embargoes"),
    ("get", "/v1/rules/periods"),
    ("get", "/v1/tokens"),
    ("post", "/v1/tokens"),
    ("delete", "/v1/tokens/{name}"),
    ("post", "/v1/tokens/{name}/rotate"),
];

pub fn routes() -> Router<AppState> {
    let v1 = Router::new()
        .route("/v1/determinations", post(decisions::determination))
        .route(
            "/v1/determinations/{id}",
            get(decisions::current_determination),
        )
        .route("/v1/determinations/{id}/replay", post(records::replay))
        .route("/v1/review-queue", get(decisions::review_queue))
        .route("/v1/impact", get(records::impact))
        .route("/v1/screenings", post(decisions::screening))
        .route("/v1/reviews", post(decisions::review))
        .route("/v1/red-flag-reviews", post(decisions::red_flag_review))
        .route("/v1/classifications", post(decisions::classification))
        .route("/v1/classifications/questions", get(decisions::questions))
        .route("/v1/matrix", get(decisions::matrix))
        .route("/v1/records", get(records::list))
        .route("/v1/records/verify", get(records::verify))
        .route("/v1/records/export", get(records::export))
        .route("/v1/records/{id}", get(records::one))
        .route(
            "/v1/tokens",
            get(records::tokens).post(records::create_token),
        )
        .route("/v1/tokens/{name}", delete(records::revoke_token))
        .route("/v1/tokens/{name}/rotate", post(records::rotate_token))
        .route("/v1/lists", get(reference::lists))
        .route("/v1/rules", get(reference::rules))
        .route("/v1/rules/groups", get(reference::groups))
        .route("/v1/rules/groups/{id}", get(reference::group))
        .route("/v1/rules/countries/{country}", get(reference::country))
        .route("/v1/rules/eccns", get(reference::eccns))
        .route("/v1/rules/eccns/{eccn}", get(reference::eccn))
        .route("/v1/rules/embargoes", get(reference::embargoes))
        .route("/v1/rules/periods", get(reference::periods))
        .layer(DefaultBodyLimit::max(BODY_LIMIT));
    Router::new()
        .route("/healthz", get(ops::healthz))
        .route("/metrics", get(ops::metrics))
        .route("/openapi.json", get(ops::openapi))
        .merge(v1)
}

/// Runs blocking work (the store, screening, deciding) off the async threads.
pub(crate) async fn blocking<T, F>(state: &AppState, work: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&AppState) -> Result<T, ApiError> + Send + 'static,
{
    let state = state.clone();
    tokio::task::spawn_blocking(move || work(&state))
        .await
        .map_err(|e| ApiError::Internal(format!("worker failed: {e}")))?
}

/// The `{id}` of a record path: a positive integer, else a 400 naming `id` (never a 404 for
/// text that could not be an id).
pub(crate) fn record_id(id: &str) -> Result<i64, ApiError> {
    match id.parse::<i64>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(ApiError::bad(
            "id",
            format!("'{id}' is not a record id (a positive integer)"),
        )),
    }
}

/// A query-string or path rejection as a 400 naming the parameter.
pub(crate) fn bad_params(what: &str, rejection: impl std::fmt::Display) -> ApiError {
    ApiError::bad(what, rejection.to_string())
}
