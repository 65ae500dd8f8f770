//! Errors as HTTP answers: 400 names the field and what is accepted, 401/403 say what
//! is missing, 5xx never leaks internals beyond a one-line reason.
//!
//! Every error body has one shape: `{"error": kind, "field": "…" (400 only), "message": "…"}`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Bad input: the field and what is accepted.
    #[error("{field}: {message}")]
    BadInput { field: String, message: String },
    #[error("authentication required: send `Authorization: Bearer <token>`")]
    Unauthenticated,
    #[error("forbidden: role {role} cannot {action}")]
    Forbidden { role: String, action: String },
    #[error("not found: {0}")]
    NotFound(String),
    /// The request conflicts with what is recorded (a reused transaction id).
    #[error("conflict: {message}")]
    Conflict { field: String, message: String },
    /// The body is larger than the server accepts.
    #[error("request body too large: at most {limit} bytes are accepted")]
    TooLarge { limit: usize },
    #[error("record store: {0}")]
    Store(#[from] records::Error),
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    /// A 400 naming `field`.
    pub fn bad(field: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError::BadInput {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl From<decide::InputError> for ApiError {
    fn from(e: decide::InputError) -> Self {
        ApiError::BadInput {
            field: e.field,
            message: e.message,
        }
    }
}

impl From<classify::ClassifyError> for ApiError {
    fn from(e: classify::ClassifyError) -> Self {
        use classify::ClassifyError as C;
        let field = match &e {
            C::Missing { question, .. }
            | C::UnknownQuestion { question, .. }
            | C::InvalidAnswer { question, .. } => question.clone(),
            C::Contradictory { questions, .. } => questions.join(","),
            _ => "answers".to_string(),
        };
        ApiError::BadInput {
            field,
            message: e.to_string(),
        }
    }
}

/// The JSON error body (also in the OpenAPI document).
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// `bad_input`, `unauthenticated`, `forbidden`, `not_found`, `conflict`, `too_large`,
    /// `store` or `internal`.
    pub error: String,
    /// For `bad_input` and `conflict`: the JSON path of the field (or the query parameter).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// What is wrong and what is accepted.
    pub message: String,
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadInput { .. } => StatusCode::BAD_REQUEST,
            ApiError::Unauthenticated => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden { .. } => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict { .. } => StatusCode::CONFLICT,
            ApiError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Store(e) if store_error_is_input(e) => StatusCode::BAD_REQUEST,
            ApiError::Store(_) | ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            ApiError::BadInput { .. } => "bad_input",
            ApiError::Unauthenticated => "unauthenticated",
            ApiError::Forbidden { .. } => "forbidden",
            ApiError::NotFound(_) => "not_found",
            ApiError::Conflict { .. } => "conflict",
            ApiError::TooLarge { .. } => "too_large",
            ApiError::Store(e) if store_error_is_input(e) => "bad_input",
            ApiError::Store(_) => "store",
            ApiError::Internal(_) => "internal",
        }
    }

    /// The body sent for this error.
    pub fn body(&self) -> ErrorBody {
        let field = match self {
            ApiError::BadInput { field, .. } | ApiError::Conflict { field, .. } => {
                Some(field.clone())
            }
            ApiError::Store(e) if store_error_is_input(e) => Some(store_error_field(e).into()),
            _ => None,
        };
        ErrorBody {
            error: self.kind().to_string(),
            field,
            message: self.to_string(),
        }
    }
}

/// Store errors caused by what the caller sent rather than by the store.
fn store_error_is_input(e: &records::Error) -> bool {
    matches!(
        e,
        records::Error::InvalidTime { .. }
            | records::Error::InvalidTokenName(_)
            | records::Error::DuplicateToken(_)
            | records::Error::InvalidReview(_)
    )
}

fn store_error_field(e: &records::Error) -> &'static str {
    match e {
        records::Error::InvalidTime { .. } => "since",
        records::Error::InvalidTokenName(_) | records::Error::DuplicateToken(_) => "name",
        _ => "body",
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status(), Json(self.body())).into_response()
    }
}
