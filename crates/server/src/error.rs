//! Errors as HTTP answers: 400 names the field and what is accepted, 401/403 say what
//! is missing, 5xx never leaks internals beyond a one-line reason.
//!
//! Every error body is an RFC 9457 problem document (`application/problem+json`):
//! `{"type": "about:blank", "title", "status", "detail"}` with the members ace has always
//! sent as extensions — `{"error": kind, "field": "…" (400 only), "message": "…"}` — so
//! clients that read `field` keep working. A 401 carries `WWW-Authenticate: Bearer`.

use axum::http::{header, HeaderValue, StatusCode};
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
    /// The method is not one the path answers.
    #[error("method not allowed: {0}")]
    MethodNotAllowed(String),
    /// The body is not declared as JSON.
    #[error("unsupported media type: {0}")]
    UnsupportedMediaType(String),
    #[error("record store: {0}")]
    Store(#[from] records::Error),
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    /// A 415: the body is not declared as JSON.
    pub fn not_json(got: Option<&str>) -> Self {
        ApiError::UnsupportedMediaType(format!(
            "the body must be sent as Content-Type: application/json (got {})",
            got.map_or_else(|| "no Content-Type".to_string(), |c| format!("'{c}'"))
        ))
    }

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

/// The error body: an RFC 9457 problem document (also in the OpenAPI document).
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// RFC 9457 `type`: `about:blank` (the `error` member says which problem).
    #[serde(rename = "type")]
    pub problem_type: String,
    /// RFC 9457 `title`: the HTTP status phrase.
    pub title: String,
    /// RFC 9457 `status`: the HTTP status code.
    pub status: u16,
    /// RFC 9457 `detail`: what is wrong and what is accepted (the same text as `message`).
    pub detail: String,
    /// `bad_input`, `unauthenticated`, `forbidden`, `not_found`, `conflict`, `too_large`,
    /// `method_not_allowed`, `unsupported_media_type`, `store` or `internal`.
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
            ApiError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
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
            ApiError::MethodNotAllowed(_) => "method_not_allowed",
            ApiError::UnsupportedMediaType(_) => "unsupported_media_type",
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
        let status = self.status();
        ErrorBody {
            problem_type: "about:blank".into(),
            title: status.canonical_reason().unwrap_or("Error").into(),
            status: status.as_u16(),
            detail: self.to_string(),
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
        let status = self.status();
        let mut response = (status, Json(self.body())).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if status == StatusCode::UNAUTHORIZED {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"ace\""),
            );
        }
        response
    }
}

/// The answer for a path no route serves (API paths; the UI has its own page).
pub async fn not_found(uri: axum::http::Uri) -> ApiError {
    ApiError::NotFound(format!(
        "no endpoint at {}; the endpoints are listed in /openapi.json",
        uri.path()
    ))
}

/// The answer for a method a path does not answer.
pub async fn method_not_allowed(method: axum::http::Method, uri: axum::http::Uri) -> ApiError {
    ApiError::MethodNotAllowed(format!(
        "{method} is not answered at {}; the methods of each path are in /openapi.json",
        uri.path()
    ))
}
