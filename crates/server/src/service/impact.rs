//! The impact of a change: which recorded determinations of the last five years (the part
//! 762 retention period, 15 CFR 762.6) would now come out differently under another list
//! snapshot or other rules data. Each is decided twice — before and after the change, on
//! the same day with the same review decisions — so that only the change shows, and the
//! answer carries both traces.
//!
//! A new list snapshot is weighed as re-screening weighs it: as of today (is this customer
//! listed now?). New rules data is weighed as of each record's own as-of date (the dated
//! rows that changed are about the past as much as the future).

use super::replay::{list_store, state_for};
use super::{asked_of, decide_on, distinct};
use crate::error::ApiError;
use crate::state::AppState;
use decide::TransactionInput;
use records::{Filter, Record, RecordKind};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashSet;

/// How far back recorded determinations are weighed (15 CFR 762.6(a): five years).
pub const RETENTION_YEARS: i32 = 5;

/// Which day each determination is decided as of, before and after.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ImpactDate {
    /// Today: the parties as the lists stand now (a list change).
    Today,
    /// The record's own as-of date (a rules change).
    Recorded,
}

/// One side of the change: the list snapshot and the rules.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Side {
    pub list_snapshot: String,
    pub ruleset: String,
}

/// A recorded determination that comes out differently after the change.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Changed {
    pub record_id: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    /// The day both decisions were made as of.
    pub as_of: String,
    pub outcome_before: String,
    pub outcome_after: String,
    /// The citations that carried each answer.
    pub deciding_before: Vec<String>,
    pub deciding_after: Vec<String>,
    /// Both traces, whole.
    #[schema(value_type = Vec<Object>)]
    pub trace_before: Value,
    #[schema(value_type = Vec<Object>)]
    pub trace_after: Value,
}

/// A record that could not be weighed, and why.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Skipped {
    pub record_id: i64,
    pub why: String,
}

/// The report.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Impact {
    pub before: Side,
    pub after: Side,
    pub as_of: ImpactDate,
    /// Records created on or after this day were weighed.
    pub since: String,
    /// Current determinations weighed (a record superseded by a re-decision is not).
    pub examined: usize,
    pub changed: Vec<Changed>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<Skipped>,
}

/// The impact of moving from `before` to `after` (each a law and a snapshot) on the
/// determinations recorded in `after`'s store in the last five years.
pub fn impact(
    before: &AppState,
    after: &AppState,
    as_of: ImpactDate,
    today: ear::Date,
) -> Result<Impact, ApiError> {
    let since = retention_start(today);
    let records = current_determinations(after, &since.to_string())?;
    let mut report = Impact {
        before: side(before),
        after: side(after),
        as_of,
        since: since.to_string(),
        examined: 0,
        changed: Vec::new(),
        skipped: Vec::new(),
    };
    for record in &records {
        report.examined += 1;
        match weigh(before, after, record, as_of, today) {
            Ok(Some(changed)) => report.changed.push(changed),
            Ok(None) => {}
            Err(why) => report.skipped.push(Skipped {
                record_id: record.id,
                why,
            }),
        }
    }
    Ok(report)
}

/// The impact of the active snapshot of `state` against snapshot `from` (default: the one
/// active before it, from the list store's history).
pub fn impact_of_snapshot(
    state: &AppState,
    from: Option<&str>,
    today: ear::Date,
) -> Result<Impact, ApiError> {
    let from = match from {
        Some(hash) => resolve(state, hash)?,
        None => previous_snapshot(state)?,
    };
    let before = state_for(state, &from).map_err(|missing| ApiError::bad("from", missing))?;
    impact(&before, state, ImpactDate::Today, today)
}

/// The first day of the retention period ending `today`.
pub fn retention_start(today: ear::Date) -> ear::Date {
    use chrono::Datelike;
    today
        .with_year(today.year() - RETENTION_YEARS)
        .unwrap_or(today - chrono::Duration::days(365 * RETENTION_YEARS as i64 + 1))
}

fn side(state: &AppState) -> Side {
    Side {
        list_snapshot: state.snapshot().hash.clone(),
        ruleset: state.law().hash().to_string(),
    }
}

/// A snapshot hash given in full or by a prefix of at least 8 characters.
fn resolve(state: &AppState, given: &str) -> Result<String, ApiError> {
    if given.len() == 64 {
        return Ok(given.to_string());
    }
    let known = history_hashes(state);
    let found: Vec<&String> = known.iter().filter(|h| h.starts_with(given)).collect();
    match (given.len() >= 8, found.as_slice()) {
        (true, [one]) => Ok((*one).clone()),
        _ => Err(ApiError::bad(
            "from",
            format!("'{given}' names no single snapshot of the list store's history; give a full hash or a prefix of at least 8 characters (GET /v1/lists)"),
        )),
    }
}

fn history_hashes(state: &AppState) -> Vec<String> {
    let mut hashes: Vec<String> = list_store()
        .and_then(|s| s.history().ok())
        .unwrap_or_default()
        .into_iter()
        .map(|a| a.hash)
        .collect();
    hashes.push(state.snapshot().hash.clone());
    hashes
}

/// The snapshot active before the one in service.
fn previous_snapshot(state: &AppState) -> Result<String, ApiError> {
    let active = &state.snapshot().hash;
    history_hashes(state)
        .into_iter()
        .rev()
        .find(|h| h != active)
        .ok_or_else(|| {
            ApiError::bad(
                "from",
                "the list store has no earlier snapshot to compare with; give from=HASH",
            )
        })
}

/// The current record of every determination line recorded since `since`, oldest first.
fn current_determinations(state: &AppState, since: &str) -> Result<Vec<Record>, ApiError> {
    let all = state.store().list(&Filter {
        since: Some(since.to_string()),
        kind: Some(RecordKind::Determination),
        ..Filter::default()
    })?;
    let superseded: HashSet<i64> = all
        .iter()
        .filter_map(|r| r.output.get("supersedes").and_then(Value::as_i64))
        .collect();
    Ok(all
        .into_iter()
        .filter(|r| !superseded.contains(&r.id))
        .collect())
}

/// One record decided before and after the change; `Some` when the answers differ.
fn weigh(
    before: &AppState,
    after: &AppState,
    record: &Record,
    as_of: ImpactDate,
    today: ear::Date,
) -> Result<Option<Changed>, String> {
    let mut input: TransactionInput = serde_json::from_value(record.input.clone())
        .map_err(|e| format!("the input is no longer a transaction document: {e}"))?;
    input.id = None;
    let day = match as_of {
        ImpactDate::Today => today,
        ImpactDate::Recorded => recorded_as_of(record).unwrap_or(today),
    };
    input.date = Some(day.to_string());
    let decide_in = |state: &AppState| -> Result<decide::Determination, String> {
        let asked = asked_of(state, &input);
        let found = state
            .store()
            .reviews_for_keys(&asked.keys)
            .map_err(|e| e.to_string())?;
        decide_on(state, input.clone(), distinct(found), &asked, today)
            .map(|d| d.determination)
            .map_err(|e| format!("refused: {e}"))
    };
    let (old, new) = (decide_in(before)?, decide_in(after)?);
    let deciding = |d: &decide::Determination| -> Vec<String> {
        d.deciding_citations()
            .into_iter()
            .map(str::to_string)
            .collect()
    };
    let (cites_before, cites_after) = (deciding(&old), deciding(&new));
    if old.outcome == new.outcome && cites_before == cites_after {
        return Ok(None);
    }
    let trace = |d: &decide::Determination| serde_json::to_value(&d.trace).unwrap_or(Value::Null);
    Ok(Some(Changed {
        record_id: record.id,
        transaction_id: record.transaction_id.clone(),
        as_of: day.to_string(),
        outcome_before: old.outcome.to_string(),
        outcome_after: new.outcome.to_string(),
        deciding_before: cites_before,
        deciding_after: cites_after,
        trace_before: trace(&old),
        trace_after: trace(&new),
    }))
}

/// The as-of date a record was decided on.
fn recorded_as_of(record: &Record) -> Option<ear::Date> {
    record
        .output
        .get("as_of")
        .or_else(|| record.output.pointer("/determination/as_of"))
        .and_then(Value::as_str)
        .and_then(ear::parse_date)
}
