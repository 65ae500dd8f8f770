//! Reading records, verifying the chain, and API tokens.

use super::{bad_params, blocking};
use crate::auth::{Caller, Permission};
use crate::body::JsonBody;
use crate::error::{ApiError, ErrorBody};
use crate::service::{self, NewToken};
use crate::state::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use records::{Filter, Record, RecordKind, Role, Token, VerifyReport};
use serde::{Deserialize, Serialize};

/// Records in one page by default, and at most.
const DEFAULT_LIMIT: usize = 100;
const MAX_LIMIT: usize = 1000;

/// `GET /v1/records` parameters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RecordsQuery {
    /// Records created at or after (`YYYY-MM-DD` or RFC 3339).
    since: Option<String>,
    /// Records created before (exclusive).
    until: Option<String>,
    /// `determination`, `screening`, `review` or `access` (tokens created, revoked or
    /// rotated; web sign-ins and sign-outs).
    kind: Option<String>,
    /// Only this actor (token name).
    actor: Option<String>,
    /// Only records with a greater id (paging forward: pass `next_after_id`).
    after_id: Option<i64>,
    /// Only records with a smaller id (paging back: pass `prev_before_id`); the page is
    /// the newest such records, oldest first.
    before_id: Option<i64>,
    /// At most this many (default 100, at most 1000).
    limit: Option<usize>,
}

/// One page of records.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RecordsPage {
    pub records: Vec<Record>,
    /// Pass as `after_id` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_after_id: Option<i64>,
    /// Pass as `before_id` for the previous page; absent on a first page (no `after_id`)
    /// and when a page back came up short (nothing before it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prev_before_id: Option<i64>,
}

/// Records, oldest first, filtered and paged.
#[utoipa::path(get, path = "/v1/records", tag = "records", params(RecordsQuery),
    responses((status = 200, body = RecordsPage), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<RecordsQuery>, QueryRejection>,
) -> Result<Json<RecordsPage>, ApiError> {
    caller.require(Permission::Read)?;
    let Query(q) = query.map_err(|e| bad_params("query", e.body_text()))?;
    let filter = filter(&q)?;
    let limit = filter.limit.unwrap_or(DEFAULT_LIMIT);
    let until = q.until.clone();
    let records = blocking(&state, move |s| service::records(s, &filter))
        .await
        .map_err(|e| name_time_field(e, until.as_deref()))?;
    // Forward, a full page may have more after it; back, there is always the page we
    // came from after it. Before the page: more, unless a back page came up short or a
    // forward page started at the beginning.
    let backward = q.before_id.is_some();
    let next_after_id = (backward || records.len() == limit)
        .then(|| records.last().map(|r| r.id))
        .flatten();
    let first = records.first().map(|r| r.id);
    let has_previous = if backward {
        records.len() == limit
    } else {
        q.after_id.is_some_and(|a| a > 0)
    };
    let prev_before_id = has_previous.then_some(first).flatten();
    Ok(Json(RecordsPage {
        records,
        next_after_id,
        prev_before_id,
    }))
}

fn filter(q: &RecordsQuery) -> Result<Filter, ApiError> {
    let kind = match q.kind.as_deref() {
        None => None,
        Some(k) => Some(RecordKind::parse(k).ok_or_else(|| {
            ApiError::bad(
                "kind",
                format!("'{k}'; accepted: determination, screening, review, access"),
            )
        })?),
    };
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT);
    if limit == 0 || limit > MAX_LIMIT {
        return Err(ApiError::bad(
            "limit",
            format!("{limit}; accepted: 1 to {MAX_LIMIT}"),
        ));
    }
    Ok(Filter {
        since: q.since.clone(),
        until: q.until.clone(),
        kind,
        actor: q.actor.clone(),
        after_id: q.after_id,
        before_id: q.before_id,
        limit: Some(limit),
    })
}

/// The store says which time was invalid by value; name the parameter.
fn name_time_field(e: ApiError, until: Option<&str>) -> ApiError {
    match e {
        ApiError::Store(records::Error::InvalidTime { value }) => {
            let field = if Some(value.as_str()) == until {
                "until"
            } else {
                "since"
            };
            ApiError::bad(
                field,
                format!(
                    "'{value}' is not a time; give YYYY-MM-DD or RFC 3339 (2024-05-29T12:00:00Z)"
                ),
            )
        }
        other => other,
    }
}

/// One record by id, exactly as kept.
#[utoipa::path(get, path = "/v1/records/{id}", tag = "records",
    params(("id" = i64, Path, description = "The record id")),
    responses((status = 200, body = Record), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn one(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Record>, ApiError> {
    caller.require(Permission::Read)?;
    let id = super::record_id(&id)?;
    Ok(Json(
        blocking(&state, move |s| service::record_by_id(s, id)).await?,
    ))
}

/// Re-runs a recorded determination with the ruleset and list snapshot named in its
/// record and compares the output byte for byte (canonical JSON): `identical`, `differs`
/// (with the paths that differ) or `cannot_replay` (with exactly what is missing). Records
/// nothing.
#[utoipa::path(post, path = "/v1/determinations/{id}/replay", tag = "records",
    params(("id" = i64, Path, description = "The record id of the determination")),
    responses((status = 200, body = service::replay::Replay), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn replay(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<service::replay::Replay>, ApiError> {
    caller.require(Permission::Read)?;
    let id = super::record_id(&id)?;
    Ok(Json(
        blocking(&state, move |s| service::replay::replay(s, id)).await?,
    ))
}

/// Checks the whole hash chain; reports the first broken link.
#[utoipa::path(get, path = "/v1/records/verify", tag = "records",
    responses((status = 200, body = VerifyReport), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn verify(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<VerifyReport>, ApiError> {
    caller.require(Permission::Read)?;
    Ok(Json(blocking(&state, service::verify).await?))
}

/// Every API token: names and roles, never secrets (admin).
#[utoipa::path(get, path = "/v1/tokens", tag = "tokens",
    responses((status = 200, body = Vec<Token>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn tokens(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<Token>>, ApiError> {
    caller.require(Permission::Admin)?;
    Ok(Json(blocking(&state, service::tokens).await?))
}

/// `POST /v1/tokens` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// 1–64 letters, digits, `.`, `_`, `-`, `@`; recorded as the actor. Never reused, even
    /// after the token is revoked.
    pub name: String,
    pub role: Role,
    /// When the token stops working: a duration (`90d`, `12h`, `30m`), a date (`2027-03-01`,
    /// that day's UTC midnight) or an RFC 3339 time, in the future. Absent: until revoked.
    #[serde(default)]
    pub expires: Option<String>,
}

/// Creates a token (admin); the secret is in the answer once, only its hash is stored. The
/// creation is recorded (an `access` record).
#[utoipa::path(post, path = "/v1/tokens", tag = "tokens", request_body = TokenRequest,
    responses((status = 201, body = NewToken), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create_token(
    State(state): State<AppState>,
    caller: Caller,
    body: JsonBody,
) -> Result<(StatusCode, Json<NewToken>), ApiError> {
    caller.require(Permission::Admin)?;
    let request: TokenRequest = body.parse()?;
    let token = blocking(&state, move |s| {
        service::create_token(
            s,
            &caller.name,
            &request.name,
            request.role,
            request.expires.as_deref(),
        )
    })
    .await?;
    Ok((StatusCode::CREATED, Json(token)))
}

/// Revokes a token (admin): it and its web sessions stop working at once, on every server.
/// Recorded (an `access` record); the name is never given to another token.
#[utoipa::path(delete, path = "/v1/tokens/{name}", tag = "tokens",
    params(("name" = String, Path, description = "The token's name")),
    responses((status = 200, description = "The token, now revoked", body = Token),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "No token has this name", body = ErrorBody),
        (status = 409, description = "The token is revoked already", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn revoke_token(
    State(state): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
) -> Result<Json<Token>, ApiError> {
    caller.require(Permission::Admin)?;
    let token = blocking(&state, move |s| {
        service::revoke_token(s, &caller.name, &name)
    })
    .await?;
    Ok(Json(token))
}

/// Rotates a token (admin): a new secret, shown once; the old secret and its web sessions
/// stop working at once. Recorded (an `access` record).
#[utoipa::path(post, path = "/v1/tokens/{name}/rotate", tag = "tokens",
    params(("name" = String, Path, description = "The token's name")),
    responses((status = 200, body = NewToken),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "No token has this name", body = ErrorBody),
        (status = 409, description = "The token is revoked", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn rotate_token(
    State(state): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
) -> Result<Json<NewToken>, ApiError> {
    caller.require(Permission::Admin)?;
    let token = blocking(&state, move |s| {
        service::rotate_token(s, &caller.name, &name)
    })
    .await?;
    Ok(Json(token))
}

/// `GET /v1/impact` parameters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ImpactQuery {
    /// The snapshot to compare the active one with (full hash, or a prefix of at least 8
    /// characters); default: the one active before it.
    from: Option<String>,
}

/// Which recorded determinations of the last five years (15 CFR 762.6) would come out
/// differently with the active list snapshot than with an earlier one: each current
/// determination decided twice as of today, before and after, with both traces. Records
/// nothing.
#[utoipa::path(get, path = "/v1/impact", tag = "records", params(ImpactQuery),
    responses((status = 200, body = service::impact::Impact),
        (status = 400, description = "`from` names no snapshot, or no earlier one is known", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Reviewers, auditors and admins only", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn impact(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<ImpactQuery>, QueryRejection>,
) -> Result<Json<service::impact::Impact>, ApiError> {
    caller.require(Permission::Read)?;
    if caller.role == Role::Analyst {
        return Err(ApiError::Forbidden {
            role: caller.role.as_str().to_string(),
            action: "read the impact of a list change (reviewer, auditor or admin only)"
                .to_string(),
        });
    }
    let Query(q) = query.map_err(|e| bad_params("query", e.body_text()))?;
    let today = chrono::Utc::now().date_naive();
    Ok(Json(
        blocking(&state, move |s| {
            service::impact::impact_of_snapshot(s, q.from.as_deref(), today)
        })
        .await?,
    ))
}

/// `GET /v1/records/export` parameters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    /// `csv` (a header and one row per record; input and output as canonical JSON text)
    /// or `jsonl` (one record per line). Default `csv`.
    format: Option<String>,
    /// Records created at or after (`YYYY-MM-DD` or RFC 3339).
    since: Option<String>,
    /// Records created before (exclusive).
    until: Option<String>,
    /// `determination`, `screening`, `review` or `access` (tokens created, revoked or
    /// rotated; web sign-ins and sign-outs).
    kind: Option<String>,
    /// Only this actor (token name).
    actor: Option<String>,
}

/// The records as a file, oldest first: CSV for a spreadsheet or an auditor, JSON Lines
/// for a program (the same as `ace records export`).
#[utoipa::path(get, path = "/v1/records/export", tag = "records", params(ExportQuery),
    responses((status = 200, description = "text/csv or application/x-ndjson, as a download", content_type = "text/csv"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn export(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<ExportQuery>, QueryRejection>,
) -> Result<axum::response::Response, ApiError> {
    use axum::http::header;
    use axum::response::IntoResponse;
    caller.require(Permission::Read)?;
    let Query(q) = query.map_err(|e| bad_params("query", e.body_text()))?;
    let (format, content_type, extension) = match q.format.as_deref().unwrap_or("csv") {
        "csv" => (records::Format::Csv, "text/csv; charset=utf-8", "csv"),
        "jsonl" => (records::Format::Jsonl, "application/x-ndjson", "jsonl"),
        other => {
            return Err(ApiError::bad(
                "format",
                format!("'{other}'; accepted: csv, jsonl"),
            ))
        }
    };
    let kind = match q.kind.as_deref() {
        None => None,
        Some(k) => Some(RecordKind::parse(k).ok_or_else(|| {
            ApiError::bad(
                "kind",
                format!("'{k}'; accepted: determination, screening, review, access"),
            )
        })?),
    };
    let filter = Filter {
        since: q.since.clone(),
        until: q.until.clone(),
        kind,
        actor: q.actor.clone(),
        after_id: None,
        before_id: None,
        limit: None,
    };
    let until = q.until.clone();
    let body = blocking(&state, move |s| {
        let mut out = Vec::new();
        s.store().export(&filter, format, &mut out)?;
        Ok(out)
    })
    .await
    .map_err(|e| name_time_field(e, until.as_deref()))?;
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"ace-records.{extension}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        body,
    )
        .into_response())
}
