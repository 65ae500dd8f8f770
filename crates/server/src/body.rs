//! JSON request bodies, read in the project's terms: at most [`BODY_LIMIT`] bytes (413
//! beyond), UTF-8, well-formed, no unknown fields, nested at most 128 deep (serde_json's
//! limit) — any failure is a 400 naming the field or the problem, in the JSON error shape.

use crate::error::ApiError;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

/// Largest request body accepted: 1 MiB.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// A JSON body of type `T`, parsed on extraction; rejections are [`ApiError`]s.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let body = JsonBody::from_request(req, state).await?;
        body.parse().map(ApiJson)
    }
}

/// A request body read (within the limit) but not parsed yet, so that the caller's role
/// can be checked before the content is judged.
pub struct JsonBody(pub Bytes);

impl JsonBody {
    /// The body as `T`, or a 400 naming the problem.
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        parse(utf8(&self.0)?)
    }

    /// The body as `T` and as the JSON value received (what a record keeps as its input).
    pub fn parse_with_value<T: DeserializeOwned>(
        &self,
    ) -> Result<(T, serde_json::Value), ApiError> {
        let value: serde_json::Value = parse(utf8(&self.0)?)?;
        let typed = serde_path_to_error::deserialize(&value).map_err(json_error)?;
        Ok((typed, value))
    }
}

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let content_type = req
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok());
        if !is_json(content_type) {
            return Err(ApiError::not_json(content_type));
        }
        Bytes::from_request(req, state)
            .await
            .map(JsonBody)
            .map_err(|rejection| match rejection.status() {
                StatusCode::PAYLOAD_TOO_LARGE => ApiError::TooLarge { limit: BODY_LIMIT },
                _ => ApiError::bad("body", rejection.body_text()),
            })
    }
}

/// The body as text, or a 400 saying where it is not UTF-8.
pub fn utf8(bytes: &[u8]) -> Result<&str, ApiError> {
    std::str::from_utf8(bytes).map_err(|e| {
        ApiError::bad(
            "body",
            format!(
                "not valid UTF-8 (invalid byte at offset {}); send JSON encoded as UTF-8",
                e.valid_up_to()
            ),
        )
    })
}

/// Parses JSON into `T`, naming the JSON path of the first problem.
pub fn parse<T: DeserializeOwned>(text: &str) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_str(text);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(json_error)?;
    de.end().map_err(|e| {
        ApiError::bad(
            "body",
            format!("trailing characters after the JSON value: {e}"),
        )
    })?;
    Ok(value)
}

fn json_error(e: serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    let path = e.path().to_string();
    let inner = e.into_inner();
    let field = if path == "." || path == "?" || path.is_empty() {
        "body".to_string()
    } else {
        path
    };
    let message = match inner.classify() {
        serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
            format!("malformed JSON: {inner}")
        }
        _ => inner.to_string(),
    };
    ApiError::bad(field, message)
}

/// `application/json`, or a JSON type (`application/problem+json`, `…+json`), with any
/// parameters (`; charset=utf-8`).
fn is_json(content_type: Option<&str>) -> bool {
    let Some(ct) = content_type else {
        return false;
    };
    let essence = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}
