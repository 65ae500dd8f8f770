//! The current state of a determination (the newest record of its line of re-decisions)
//! and the review queue (every line whose current state is HOLD).

use super::record_by_id;
use crate::error::ApiError;
use crate::state::AppState;
use records::{DeterminationLink, Record, RecordKind};
use serde::Serialize;
use serde_json::Value;

/// Queue items in one page by default, and at most.
pub const DEFAULT_QUEUE_LIMIT: usize = 50;
pub const MAX_QUEUE_LIMIT: usize = 500;

/// One record of a determination's line.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LineEntry {
    pub record_id: i64,
    /// `HOLD`, `ACE`, `PROHIBITED`, ...
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    /// Who asked (the first record) or whose review re-decided it.
    pub actor: String,
    pub created_at: String,
    /// The record this one superseded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supersedes: Option<i64>,
    /// The review record that caused this re-decision.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub review_record: Option<i64>,
}

/// A determination's current state: the newest record of its line, and the line.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DeterminationLine {
    /// The record asked for.
    pub record_id: i64,
    /// True when a newer record of the line supersedes the one asked for.
    pub superseded: bool,
    /// The newest record of the line: the current state.
    pub current: Record,
    /// Every record of the line, oldest first (the first is the determination as first
    /// asked; each later one a re-decision after a review).
    pub line: Vec<LineEntry>,
}

fn entry_of(link: &DeterminationLink, record: &Record) -> LineEntry {
    LineEntry {
        record_id: record.id,
        outcome: link.outcome.clone(),
        actor: record.actor.clone(),
        created_at: record.created_at.clone(),
        supersedes: link.supersedes,
        review_record: link.review_record,
    }
}

/// The current state of determination `id` and the line of records behind it
/// (404 when there is no such determination record).
pub fn determination_line(state: &AppState, id: i64) -> Result<DeterminationLine, ApiError> {
    let asked = state
        .store()
        .get(id)?
        .filter(|r| r.kind == RecordKind::Determination)
        .ok_or_else(|| ApiError::NotFound(format!("determination record {id}")))?;
    let links = state.store().determination_line(id)?;
    let mut line = Vec::with_capacity(links.len().max(1));
    let mut current = None;
    for link in &links {
        let record = if link.record_id == id {
            asked.clone()
        } else {
            record_by_id(state, link.record_id)?
        };
        line.push(entry_of(link, &record));
        current = Some(record);
    }
    let current = match current {
        Some(c) => c,
        None => {
            // Not indexed (cannot happen after the migration; kept safe): a line of one.
            let link = DeterminationLink {
                record_id: id,
                outcome: asked
                    .output
                    .get("outcome")
                    .and_then(Value::as_str)
                    .map(String::from),
                supersedes: None,
                review_record: None,
                line: id,
            };
            line.push(entry_of(&link, &asked));
            asked
        }
    };
    Ok(DeterminationLine {
        record_id: id,
        superseded: current.id != id,
        current,
        line,
    })
}

/// A held determination waiting for a reviewer.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct QueueItem {
    /// The current (held) record of the line: review its matches with this `record_id`.
    pub record_id: i64,
    /// The first record of the line (the determination as first asked).
    pub line: i64,
    /// When the line's first record was made: how long it has been waiting.
    pub held_since: String,
    /// Who asked for the determination.
    pub asked_by: String,
    /// The caller's id of the transaction, if it had one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination: Option<String>,
    /// The open matches (`holds` of the determination: party, list, entry, score, the
    /// question and the outcome if true), each with the listed entry as screened.
    #[schema(value_type = Vec<Object>)]
    pub open: Vec<Value>,
    /// The outcome if every open match is a false positive.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub if_all_clear: Option<Value>,
}

/// One page of the review queue.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct QueuePage {
    pub items: Vec<QueueItem>,
    /// Pass as `after` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_after: Option<i64>,
}

/// The determination of a recorded output (`ace batch --record` nests it).
fn determination_of(output: &Value) -> &Value {
    match output.get("determination") {
        Some(d) if output.get("outcome").is_none() => d,
        _ => output,
    }
}

/// The entry a hold is about, as the record's screening shows it.
fn entry_for(output: &Value, hold: &Value) -> Option<Value> {
    let (list, id) = (hold.get("list")?, hold.get("entry_id")?);
    let parties = output.pointer("/screening/parties")?.as_array()?;
    parties
        .iter()
        .flat_map(|p| ["needs_review", "hits"].map(|f| p.get(f).and_then(Value::as_array)))
        .flatten()
        .flatten()
        .find(|m| m.get("list") == Some(list) && m.get("id") == Some(id))
        .and_then(|m| m.get("entry").cloned())
}

fn queue_item(state: &AppState, link: &DeterminationLink) -> Result<QueueItem, ApiError> {
    let current = record_by_id(state, link.record_id)?;
    let first = if link.line == current.id {
        current.clone()
    } else {
        record_by_id(state, link.line)?
    };
    let determination = determination_of(&current.output);
    let open = determination
        .get("holds")
        .and_then(Value::as_array)
        .map(|holds| {
            holds
                .iter()
                .map(|h| {
                    let mut h = h.clone();
                    if let (Some(entry), Some(o)) =
                        (entry_for(&current.output, &h), h.as_object_mut())
                    {
                        o.insert("entry".into(), entry);
                    }
                    h
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(QueueItem {
        record_id: current.id,
        line: link.line,
        held_since: first.created_at.clone(),
        asked_by: first.actor.clone(),
        transaction_id: first.transaction_id.clone(),
        destination: determination
            .get("destination")
            .and_then(Value::as_str)
            .map(String::from),
        open,
        if_all_clear: determination.get("if_all_clear").cloned(),
    })
}

/// One page of the review queue: the held lines after line `after`, oldest first.
pub fn review_queue_page(
    state: &AppState,
    after: i64,
    limit: usize,
) -> Result<QueuePage, ApiError> {
    let limit = limit.clamp(1, MAX_QUEUE_LIMIT);
    let held = state.store().held(after, limit)?;
    let next_after = (held.len() == limit)
        .then(|| held.last().map(|l| l.line))
        .flatten();
    let items = held
        .iter()
        .map(|link| queue_item(state, link))
        .collect::<Result<_, _>>()?;
    Ok(QueuePage { items, next_after })
}

/// Every held determination (a line whose newest record is HOLD), oldest first.
pub fn review_queue(state: &AppState) -> Result<Vec<QueueItem>, ApiError> {
    let mut items = Vec::new();
    let mut after = 0;
    loop {
        let page = review_queue_page(state, after, MAX_QUEUE_LIMIT)?;
        items.extend(page.items);
        match page.next_after {
            Some(next) => after = next,
            None => return Ok(items),
        }
    }
}
