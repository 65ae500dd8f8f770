//! Operational endpoints: no token needed.

use crate::state::AppState;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::Json;

/// Liveness: the server answers and its record store can be read.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "`ok`", body = String),
        (status = 503, description = "the record store cannot be read", body = String)))]
pub async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    let store = state.store().clone();
    let readable = tokio::task::spawn_blocking(move || store.head().is_ok())
        .await
        .unwrap_or(false);
    if readable {
        (axum::http::StatusCode::OK, "ok")
    } else {
        (
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "record store unavailable",
        )
    }
}

/// Prometheus text format: requests by route, method and status; latency histograms by
/// route; records appended.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "Prometheus text exposition format 0.0.4", body = String)))]
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        state.metrics().render(),
    )
}

/// This API's OpenAPI 3.1 document, generated from the types.
#[utoipa::path(get, path = "/openapi.json", tag = "operations",
    responses((status = 200, description = "OpenAPI 3.1 document", body = Object)))]
pub async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(super::openapi::document())
}
