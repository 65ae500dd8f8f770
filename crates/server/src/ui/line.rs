//! The line of a determination: the first record and every determination that
//! superseded it after a review (a re-decided determination is a new record carrying
//! `"supersedes": id`; [`crate::service::determination_line`]). Pages show the newest
//! record of the line as the current state.

use crate::error::ApiError;
use crate::service::{self, DeterminationLine};
use crate::state::AppState;
use records::Record;
use serde_json::Value;

/// The id a determination record supersedes, if it is a re-decision.
pub fn supersedes(record: &Record) -> Option<i64> {
    let from = |v: &Value| v.get("supersedes").and_then(Value::as_i64);
    from(&record.output).or_else(|| record.output.get("determination").and_then(from))
}

/// The line of determination `id` and its current state, from an async handler.
pub async fn line_async(state: &AppState, id: i64) -> Result<DeterminationLine, ApiError> {
    let state = state.clone();
    tokio::task::spawn_blocking(move || service::determination_line(&state, id))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
}
