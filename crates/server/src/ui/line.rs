//! The line of a determination: the first record and every determination that
//! superseded it after a review (a re-decided determination is a new record carrying
//! `"supersedes": id`). Pages show the newest record of the line as the current state.

use crate::error::ApiError;
use crate::state::AppState;
use records::{Filter, Record, RecordKind};
use serde_json::Value;

/// How many determinations after a record are searched for the ones that supersede it.
const WINDOW: usize = 5000;

/// The id a determination record supersedes, if it is a re-decision.
pub fn supersedes(record: &Record) -> Option<i64> {
    let from = |v: &Value| v.get("supersedes").and_then(Value::as_i64);
    from(&record.output)
        .or_else(|| record.output.get("determination").and_then(from))
        .or_else(|| from(&record.input))
}

/// The determinations of `record`'s line, oldest first (just `record` when it was never
/// re-decided). Blocking: call it from `spawn_blocking`.
pub fn line(state: &AppState, record: Record) -> Result<Vec<Record>, ApiError> {
    let mut line = vec![record];
    // Back to the first record.
    while let Some(earlier) = supersedes(&line[0]) {
        if earlier >= line[0].id {
            break;
        }
        match state.store().get(earlier)? {
            Some(r) if r.kind == RecordKind::Determination => line.insert(0, r),
            _ => break,
        }
    }
    // Forward to the newest.
    let last = line.last().map(|r| r.id).unwrap_or_default();
    let later = state.store().list(&Filter {
        kind: Some(RecordKind::Determination),
        after_id: Some(last),
        limit: Some(WINDOW),
        ..Filter::default()
    })?;
    for r in later {
        let newest = line.last().map(|l| l.id).unwrap_or_default();
        if supersedes(&r) == Some(newest) {
            line.push(r);
        }
    }
    Ok(line)
}

/// [`line`] from an async handler.
pub async fn line_async(state: &AppState, record: Record) -> Result<Vec<Record>, ApiError> {
    let state = state.clone();
    tokio::task::spawn_blocking(move || line(&state, record))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
}
