//! Determinations, screenings, reviews, classifications and the matrix.

use super::{bad_params, blocking};
use crate::auth::{Caller, Permission};
use crate::body::JsonBody;
use crate::error::{ApiError, ErrorBody};
use crate::service::{
    self, Decided, DeterminationLine, MatrixRow, QueuePage, ReviewRequest, Reviewed, Screened,
    ScreeningRequest,
};
use crate::state::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::header::{HeaderName, CONTENT_TYPE};
use axum::http::StatusCode;
use axum::Json;
use decide::transaction::EndUserKind;
use decide::TransactionInput;
use records::Role;
use serde::Deserialize;

/// Screens the named parties, decides, records, and answers with the record id.
#[utoipa::path(post, path = "/v1/determinations", tag = "decisions",
    request_body(content = TransactionInput, description = "The transaction document of `ace check --input` (docs/transaction.md)"),
    responses(
        (status = 201, description = "Decided and recorded (200 when `id` was already recorded: `replayed`)", body = Decided),
        (status = 400, description = "Bad input: `field` names it", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, description = "`id` already recorded with another input or answer", body = ErrorBody),
        (status = 413, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn determination(
    State(state): State<AppState>,
    caller: Caller,
    body: JsonBody,
) -> Result<(StatusCode, [(HeaderName, &'static str); 1], String), ApiError> {
    caller.require(Permission::Create)?;
    let (input, received): (TransactionInput, _) = body.parse_with_value()?;
    // No thread is held while the record commits: the response waits on the writer.
    let answer = service::determine_async(&state, input, received, &caller.name).await?;
    Ok((
        created_unless(answer.replayed),
        [(CONTENT_TYPE, "application/json")],
        answer.json,
    ))
}

/// 201 for a new record, 200 for a replayed one.
fn created_unless(replayed: bool) -> StatusCode {
    if replayed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    }
}

/// Screens one name against the active list snapshot and records it.
#[utoipa::path(post, path = "/v1/screenings", tag = "decisions",
    request_body = ScreeningRequest,
    responses(
        (status = 201, description = "Screened and recorded; each match carries earlier review decisions", body = Screened),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 413, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn screening(
    State(state): State<AppState>,
    caller: Caller,
    body: JsonBody,
) -> Result<(StatusCode, Json<Screened>), ApiError> {
    caller.require(Permission::Create)?;
    let (request, received): (ScreeningRequest, _) = body.parse_with_value()?;
    let screened = blocking(&state, move |s| {
        service::screen_name_received(s, request, received, &caller.name)
    })
    .await?;
    Ok((created_unless(screened.replayed), Json(screened)))
}

/// The current state of a determination: the newest record of its line (each review on
/// a determination appends a re-decision that supersedes the record before it) and the
/// line of records behind it.
#[utoipa::path(get, path = "/v1/determinations/{id}", tag = "decisions",
    params(("id" = i64, Path, description = "Any determination record of the line")),
    responses((status = 200, body = DeterminationLine), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 404, description = "No determination record with this id", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn current_determination(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<DeterminationLine>, ApiError> {
    caller.require(Permission::Read)?;
    let id = super::record_id(&id)?;
    Ok(Json(
        blocking(&state, move |s| service::determination_line(s, id)).await?,
    ))
}

/// `GET /v1/review-queue` parameters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct QueueQuery {
    /// Only lines after this one (paging: pass the last `next_after`).
    after: Option<i64>,
    /// At most this many (default 50, at most 500).
    limit: Option<usize>,
}

/// Every held determination (the current state of its line is HOLD) with its open
/// matches, oldest first.
#[utoipa::path(get, path = "/v1/review-queue", tag = "decisions", params(QueueQuery),
    responses((status = 200, body = QueuePage), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Reviewers, auditors and admins only", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn review_queue(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<QueueQuery>, QueryRejection>,
) -> Result<Json<QueuePage>, ApiError> {
    caller.require(Permission::Read)?;
    if caller.role == Role::Analyst {
        return Err(ApiError::Forbidden {
            role: caller.role.as_str().to_string(),
            action: "read the review queue (reviewer, auditor or admin only)".to_string(),
        });
    }
    let Query(q) = query.map_err(|e| bad_params("query", e.body_text()))?;
    let limit = q.limit.unwrap_or(service::DEFAULT_QUEUE_LIMIT);
    if limit == 0 || limit > service::MAX_QUEUE_LIMIT {
        return Err(ApiError::bad(
            "limit",
            format!("{limit}; accepted: 1 to {}", service::MAX_QUEUE_LIMIT),
        ));
    }
    let after = q.after.unwrap_or(0);
    Ok(Json(
        blocking(&state, move |s| service::review_queue_page(s, after, limit)).await?,
    ))
}

/// A reviewer marks a match of a recorded determination or screening as a true match or a
/// false positive. On a determination, the determination is re-decided at once: the answer
/// carries the new record (`redecided`), which supersedes the current one.
#[utoipa::path(post, path = "/v1/reviews", tag = "decisions",
    request_body = ReviewRequest,
    responses(
        (status = 201, description = "The decision, recorded and applied to later screenings of the same party; `redecided` for a determination", body = Reviewed),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, description = "Only a reviewer or an admin decides reviews", body = ErrorBody),
        (status = 413, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn review(
    State(state): State<AppState>,
    caller: Caller,
    body: JsonBody,
) -> Result<(StatusCode, Json<Reviewed>), ApiError> {
    caller.require(Permission::Review)?;
    let request: ReviewRequest = body.parse()?;
    let reviewed = blocking(&state, move |s| service::review(s, request, &caller.name)).await?;
    Ok((StatusCode::CREATED, Json(reviewed)))
}

/// A person resolves a red flag that holds a recorded determination: `resolved` (the end
/// user and route are confirmed: the flag no longer holds) or `confirmed` (the concern
/// stands: the answer the hold gave "if true"). The resolution is a review record and the
/// determination is decided again at once (`redecided` supersedes the current record).
#[utoipa::path(post, path = "/v1/red-flag-reviews", tag = "decisions",
    request_body = service::red_flag::RedFlagReviewRequest,
    responses(
        (status = 201, description = "The resolution, recorded; `redecided` is the new determination record", body = Reviewed),
        (status = 400, description = "`field` names what is wrong: `flag` when it does not hold the determination (the open ones are listed)", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Only a reviewer or an admin resolves red flags", body = ErrorBody),
        (status = 413, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn red_flag_review(
    State(state): State<AppState>,
    caller: Caller,
    body: JsonBody,
) -> Result<(StatusCode, Json<Reviewed>), ApiError> {
    caller.require(Permission::Review)?;
    let request: service::red_flag::RedFlagReviewRequest = body.parse()?;
    let reviewed = blocking(&state, move |s| {
        service::red_flag::review_red_flag(s, request, &caller.name)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(reviewed)))
}

/// Classification guidance from a complete set of answers (not recorded).
#[utoipa::path(post, path = "/v1/classifications", tag = "classification",
    request_body(content = classify::Answers, description = "question id → true/false or an option id"),
    responses(
        (status = 200, body = classify::Classification),
        (status = 400, description = "`field` names the missing, unknown, invalid or contradictory question(s)", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 413, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn classification(
    caller: Caller,
    body: JsonBody,
) -> Result<Json<classify::Classification>, ApiError> {
    caller.require(Permission::Create)?;
    let answers: classify::Answers = body.parse()?;
    Ok(Json(service::classify(&answers)?))
}

/// The classification questionnaire: questions, conditions, contradictions.
#[utoipa::path(get, path = "/v1/classifications/questions", tag = "classification",
    responses((status = 200, body = classify::Questionnaire), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn questions(caller: Caller) -> Result<Json<&'static classify::Questionnaire>, ApiError> {
    caller.require(Permission::Read)?;
    Ok(Json(service::questionnaire()))
}

/// `GET /v1/matrix` parameters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MatrixQuery {
    /// The ECCN, e.g. `4D004` or `5A001.j`.
    eccn: String,
    /// `government` or `non_government`.
    end_user: String,
    /// `YYYY-MM-DD` (default: today).
    as_of: Option<String>,
}

/// The outcome for every destination at once.
#[utoipa::path(get, path = "/v1/matrix", tag = "decisions", params(MatrixQuery),
    responses((status = 200, body = Vec<MatrixRow>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn matrix(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<MatrixQuery>, QueryRejection>,
) -> Result<Json<Vec<MatrixRow>>, ApiError> {
    caller.require(Permission::Read)?;
    let Query(q) = query.map_err(|e| bad_params("query", e.body_text()))?;
    let kind = match q.end_user.as_str() {
        "government" => EndUserKind::Government,
        "non_government" => EndUserKind::NonGovernment,
        other => {
            return Err(ApiError::bad(
                "end_user",
                format!("'{other}'; accepted: government, non_government"),
            ))
        }
    };
    let date = parse_as_of(q.as_of.as_deref())?;
    let eccn = q.eccn;
    let rows = blocking(&state, move |s| service::matrix(s, &eccn, kind, date))
        .await
        .map_err(|e| match e {
            ApiError::BadInput { field, message } if field.starts_with("item.") => {
                ApiError::bad("eccn", message)
            }
            other => other,
        })?;
    Ok(Json(rows))
}

/// An `as_of` query parameter: a date up to today, default today.
pub(crate) fn parse_as_of(value: Option<&str>) -> Result<ear::Date, ApiError> {
    match value {
        None => Ok(chrono::Utc::now().date_naive()),
        Some(s) => {
            let date = ear::parse_date(s).ok_or_else(|| {
                ApiError::bad(
                    "as_of",
                    format!("'{s}' is not a date; give YYYY-MM-DD, e.g. 2023-06-01"),
                )
            })?;
            crate::service::not_after_today("as_of", date)?;
            Ok(date)
        }
    }
}
