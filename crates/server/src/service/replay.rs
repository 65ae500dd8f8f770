//! Replay: a recorded determination re-run with the ruleset and the list snapshot named
//! in its record, and its output compared byte for byte (canonical JSON) with the one
//! recorded — the auditor's "what did you know, and what did the law say, on the day you
//! shipped?".
//!
//! The re-run is the one a determination takes ([`super::decide_on`]): the recorded
//! input, screened against the named snapshot with the review decisions recorded before
//! the record (applied as of the day it was made), decided with the rules at hand. What a
//! replay needs and cannot find is named: the snapshot (no longer in the list store),
//! the rules (another ruleset hash: ace keeps the hash, not the files), an input that is
//! no longer a transaction document. A record of `ace batch` keeps another output (the
//! determination and the matches, no screening report and no review decisions applied):
//! it is re-made the way the batch made it ([`decide::batch_record`]).

use super::{asked_of, decide_on, distinct, to_json, DeterminationOutput};
use crate::error::ApiError;
use crate::state::AppState;
use decide::TransactionInput;
use lists::snapshot::SnapshotStore;
use records::{canonical_json, sha256_hex, Filter, Record, RecordKind};
use serde::Serialize;
use serde_json::Value;
use std::sync::{Arc, Mutex, OnceLock};

/// What a replay found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReplayStatus {
    /// The re-run output is byte-identical (canonical JSON) to the recorded one.
    Identical,
    /// The re-run output differs: `differences` says where.
    Differs,
    /// Something the re-run needs is missing: `missing` says what.
    CannotReplay,
}

/// The result of replaying one record.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Replay {
    pub record_id: i64,
    pub status: ReplayStatus,
    /// `sha256:` of the recorded output's canonical JSON.
    pub recorded_hash: String,
    /// `sha256:` of the re-run output's canonical JSON (absent when it could not run).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replayed_hash: Option<String>,
    /// The ruleset and the list snapshot the record names.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ruleset: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub list_snapshot: Option<String>,
    /// For `cannot_replay`: exactly what is missing, and what to do.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub missing: Option<String>,
    /// For `differs`: the JSON paths whose values differ (the first 20), recorded → replayed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub differences: Vec<String>,
    /// Set when the record was written by another version of ace than the one replaying.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// How many differing paths a replay lists.
const MAX_DIFFERENCES: usize = 20;

/// The list store replays load snapshots from (set once by `ace serve` and the command
/// line; without it only the snapshot in service can be replayed against).
static LIST_STORE: OnceLock<SnapshotStore> = OnceLock::new();

/// Tells replays where the list snapshots are kept (the first call wins).
pub fn set_list_store(store: SnapshotStore) {
    let _ = LIST_STORE.set(store);
}

/// The list store set by [`set_list_store`], if any.
pub(crate) fn list_store() -> Option<&'static SnapshotStore> {
    LIST_STORE.get()
}

/// The state of the last snapshot replayed against (building its index takes seconds:
/// a replay of many records of one snapshot builds it once), keyed by snapshot hash and
/// record store.
static LAST: Mutex<Option<Cached>> = Mutex::new(None);

/// A replay state: its snapshot hash, its record store's address, the state.
type Cached = (String, usize, AppState);

/// Replays record `id` (see the module doc). `Err` only for a record that does not exist
/// or a store that cannot be read; everything a replay lacks is a `cannot_replay` answer.
pub fn replay(state: &AppState, id: i64) -> Result<Replay, ApiError> {
    let record = super::record_by_id(state, id)?;
    replay_record(state, &record)
}

/// Replays every determination recorded at or after `since` (`YYYY-MM-DD` or RFC
/// 3339), oldest first.
pub fn replay_since(state: &AppState, since: &str) -> Result<Vec<Replay>, ApiError> {
    if ear::parse_date(since).is_none() && chrono::DateTime::parse_from_rfc3339(since).is_err() {
        return Err(ApiError::bad(
            "since",
            format!("'{since}' is not a date; give YYYY-MM-DD or an RFC 3339 time"),
        ));
    }
    let filter = Filter {
        since: Some(since.to_string()),
        kind: Some(RecordKind::Determination),
        ..Filter::default()
    };
    let found = state.store().list(&filter)?;
    found.iter().map(|r| replay_record(state, r)).collect()
}

/// Replays one record already read.
pub fn replay_record(state: &AppState, record: &Record) -> Result<Replay, ApiError> {
    let recorded_canonical = canonical_json(&record.output);
    let mut out = Replay {
        record_id: record.id,
        status: ReplayStatus::CannotReplay,
        recorded_hash: format!("sha256:{}", sha256_hex(recorded_canonical.as_bytes())),
        replayed_hash: None,
        ruleset: record.ruleset.clone(),
        list_snapshot: record.list_snapshot.clone(),
        missing: None,
        differences: Vec::new(),
        note: (record.ace_version != env!("CARGO_PKG_VERSION")).then(|| {
            format!(
                "recorded by ace {}, replayed by ace {}",
                record.ace_version,
                env!("CARGO_PKG_VERSION")
            )
        }),
    };
    let cannot = |mut out: Replay, what: String| {
        out.missing = Some(what);
        Ok(out)
    };
    if record.kind != RecordKind::Determination {
        return cannot(
            out,
            format!(
                "record {} is a {} record, not a determination: only determinations are replayed",
                record.id,
                record.kind.as_str()
            ),
        );
    }
    let rules = state.law().hash();
    match record.ruleset.as_deref() {
        Some(r) if r == rules => {}
        Some(r) => {
            return cannot(
                out,
                format!(
                    "ruleset {r} is not the rules data at hand ({rules}): ace keeps the hash of the rules it used, not their files; replay with the rules directory of that version (--rules-dir)"
                ),
            )
        }
        None => return cannot(out, format!("record {} names no ruleset", record.id)),
    }
    let Some(hash) = record.list_snapshot.clone() else {
        return cannot(out, format!("record {} names no list snapshot", record.id));
    };
    let replaying = match state_for(state, &hash) {
        Ok(s) => s,
        Err(missing) => return cannot(out, missing),
    };
    let mut input: TransactionInput = match serde_json::from_value(record.input.clone()) {
        Ok(input) => input,
        Err(e) => {
            return cannot(
                out,
                format!(
                    "record {}'s input is no longer a transaction document: {e}",
                    record.id
                ),
            )
        }
    };
    // A re-decision's input keeps the first record's id; decide_on records none.
    if record.output.get("supersedes").is_some() {
        input.id = None;
    }
    let Some(today) = day_of(record, &input) else {
        return cannot(
            out,
            format!(
                "record {} has no readable as-of date or creation time",
                record.id
            ),
        );
    };
    let rerun = if is_batch_record(record) {
        rerun_batch_record(&replaying, input, &record.output, today)
    } else {
        rerun_determination(&replaying, record, input, today)?
    };
    let replayed = match rerun {
        Ok(replayed) => replayed,
        Err(refused) => {
            out.status = ReplayStatus::Differs;
            out.differences = vec![format!("the re-run was refused: {refused}")];
            return Ok(out);
        }
    };
    let replayed_canonical = canonical_json(&replayed);
    out.replayed_hash = Some(format!(
        "sha256:{}",
        sha256_hex(replayed_canonical.as_bytes())
    ));
    if replayed_canonical == recorded_canonical {
        out.status = ReplayStatus::Identical;
    } else {
        out.status = ReplayStatus::Differs;
        differences("", &record.output, &replayed, &mut out.differences);
    }
    Ok(out)
}

/// Whether `ace batch` wrote the record: its output nests the determination beside the
/// matches, where the API's records keep the determination's fields at the top.
fn is_batch_record(record: &Record) -> bool {
    record.output.get("determination").is_some()
}

/// A determination recorded through the API or the UI decided again, as
/// [`super::decide_on`] decides: the review decisions recorded before it applied. The
/// outer `Err` is a store that cannot be read; the inner one, a re-run the rules refused.
fn rerun_determination(
    replaying: &AppState,
    record: &Record,
    input: TransactionInput,
    today: ear::Date,
) -> Result<Result<Value, String>, ApiError> {
    let asked = asked_of(replaying, &input);
    let found = replaying.store().reviews_for_keys(&asked.keys)?;
    // The review decisions recorded before this record: those it could have applied.
    let decisions = distinct(found)
        .into_iter()
        .filter(|d| d.record_id < record.id)
        .collect();
    match decide_on(replaying, input, decisions, &asked, today) {
        Ok(mut decision) => {
            decision.supersedes = record.output.get("supersedes").and_then(Value::as_i64);
            decision.review_record = record.output.get("review_record").and_then(Value::as_i64);
            Ok(Ok(to_json(&DeterminationOutput {
                determination: &decision.determination,
                list_snapshot: &decision.snapshot,
                screening: &decision.reviewed,
                supersedes: decision.supersedes,
                review_record: decision.review_record,
            })?))
        }
        Err(e) => Ok(Err(e.to_string())),
    }
}

/// A record of `ace batch` made again as the batch made it: the memberships its screening
/// added dropped, the names screened again against the snapshot (a batch applies no review
/// decisions), decided as of the record's day; its output is the determination and the
/// matches (`decide::batch_record`). `Err`: the rules refused the re-run.
fn rerun_batch_record(
    replaying: &AppState,
    mut input: TransactionInput,
    recorded: &Value,
    today: ear::Date,
) -> Result<Value, String> {
    use decide::batch_record::{hits_of, screen_row, unscreened, RecordedOutput};
    unscreened(&mut input, recorded);
    let snapshot = replaying.snapshot();
    let report = screen_row(
        &mut input,
        replaying.screener(),
        &snapshot.hash,
        snapshot.published_on(),
    );
    let (hits, needs_review) = hits_of(&report);
    let (_, determination) =
        decide::determine(&input, replaying.law(), today).map_err(|e| e.to_string())?;
    serde_json::to_value(RecordedOutput {
        determination: &determination,
        hits: &hits,
        needs_review: &needs_review,
    })
    .map_err(|e| e.to_string())
}

/// The day the record was decided on: its as-of date when the input left the date to
/// "today", else the day it was recorded (for the clearances' expiry).
fn day_of(record: &Record, input: &TransactionInput) -> Option<ear::Date> {
    let created = record.created_at.get(..10).and_then(ear::parse_date);
    match input.date {
        Some(_) => created,
        None => record
            .output
            .get("as_of")
            // `ace batch` records keep it under `determination`.
            .or_else(|| record.output.pointer("/determination/as_of"))
            .and_then(Value::as_str)
            .and_then(ear::parse_date)
            .or(created),
    }
}

/// The date of `input` when a determination of it may screen against another snapshot
/// than `state`'s ([`as_of_state`]): the date is before the publication of the snapshot in
/// service and a list store is known. Cheap: reads nothing.
fn date_before_snapshot(state: &AppState, input: &TransactionInput) -> Option<ear::Date> {
    let date = input.date.as_deref().and_then(ear::parse_date)?;
    let before = state.snapshot().published_on().is_some_and(|p| p > date);
    (LIST_STORE.get().is_some() && before).then_some(date)
}

/// The state a determination as of its date screens with, when it is not `state`'s: the
/// snapshot in service was published after the date, and the list store holds one
/// published by then — the newest such (built once, cached). `None`: screen with `state`
/// (its snapshot covers the date, no list store is known, or no snapshot covers the
/// date, which the answer then says).
pub fn as_of_state(state: &AppState, input: &TransactionInput) -> Option<AppState> {
    let hash = other_snapshot(state, input)?;
    state_for(state, &hash).ok()
}

/// The hash of the snapshot [`as_of_state`] screens `input` against, when it is not
/// `state`'s. Cheap enough for a request's async thread: the list store lists its
/// directory, and remembers the metas it read.
pub fn other_snapshot(state: &AppState, input: &TransactionInput) -> Option<String> {
    let date = date_before_snapshot(state, input)?;
    let meta = LIST_STORE.get()?.newest_published_by(date).ok()??;
    (meta.hash != state.snapshot().hash).then_some(meta.hash)
}

/// A state screening against snapshot `hash`: `state` itself when that is its snapshot,
/// else one built for it (cached); `Err` says exactly what is missing.
pub(crate) fn state_for(state: &AppState, hash: &str) -> Result<AppState, String> {
    if state.snapshot().hash == hash {
        return Ok(state.clone());
    }
    let store_key = Arc::as_ptr(state.store()) as *const () as usize;
    let Some(lists) = LIST_STORE.get() else {
        return Err(format!(
            "snapshot {hash} is not the one in service ({}) and no list store is known to load it from",
            state.snapshot().hash
        ));
    };
    // Still kept? (A cached index must not hide a snapshot deleted since.)
    if lists.meta(hash).is_err() && bundled_hash().as_deref() != Some(hash) {
        return Err(format!(
            "snapshot {hash} is no longer in {}; import it again or restore it from backup",
            lists.dir().display()
        ));
    }
    if let Ok(last) = LAST.lock() {
        if let Some((h, k, s)) = last.as_ref() {
            if h == hash && *k == store_key {
                return Ok(s.clone());
            }
        }
    }
    let meta = match lists.meta(hash) {
        Ok(meta) => meta,
        Err(_) => match lists.bundled_meta() {
            Ok(meta) if meta.hash == hash => meta,
            _ => {
                return Err(format!(
                    "snapshot {hash} is no longer in {}; import it again or restore it from backup",
                    lists.dir().display()
                ))
            }
        },
    };
    let screener = match lists.open_derived::<screen::Screener>(&meta) {
        Ok((screener, _)) => screener,
        Err(e) => return Err(format!("snapshot {hash} cannot be read: {e}")),
    };
    // A replay proves a record: the entries it screens against must be the
    // snapshot's, byte for byte (the index checked its own bytes only).
    let content = lists::snapshot::content_hash_of_lines(screener.entries_json());
    if content != hash {
        return Err(format!(
            "snapshot {hash} does not hold the entries it names: they hash to {content}"
        ));
    }
    let built = AppState::new(
        state.law().clone(),
        screener,
        meta,
        Arc::clone(state.store()),
    );
    if let Ok(mut last) = LAST.lock() {
        *last = Some((hash.to_string(), store_key, built.clone()));
    }
    Ok(built)
}

/// The hash of the snapshot compiled into the binary (parsed once).
fn bundled_hash() -> Option<String> {
    static HASH: OnceLock<Option<String>> = OnceLock::new();
    HASH.get_or_init(|| match LIST_STORE.get() {
        Some(lists) => lists.bundled_meta().ok().map(|m| m.hash),
        None => lists::snapshot::bundled_meta().ok().map(|m| m.hash),
    })
    .clone()
}

/// The JSON paths where `a` and `b` differ (at most [`MAX_DIFFERENCES`]).
fn differences(path: &str, a: &Value, b: &Value, out: &mut Vec<String>) {
    if out.len() >= MAX_DIFFERENCES || a == b {
        return;
    }
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                let p = format!("{path}.{k}");
                match (x.get(k), y.get(k)) {
                    (Some(v), Some(w)) => differences(&p, v, w, out),
                    (Some(_), None) => push(out, format!("{p}: recorded, absent in the re-run")),
                    (None, Some(_)) => {
                        push(out, format!("{p}: absent in the record, in the re-run"))
                    }
                    (None, None) => {}
                }
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (v, w)) in x.iter().zip(y).enumerate() {
                differences(&format!("{path}[{i}]"), v, w, out);
            }
        }
        _ => push(
            out,
            format!(
                "{}: {} → {}",
                if path.is_empty() { "." } else { path },
                short(a),
                short(b)
            ),
        ),
    }
}

fn push(out: &mut Vec<String>, line: String) {
    if out.len() < MAX_DIFFERENCES {
        out.push(line);
    }
}

/// A value in at most 80 characters.
fn short(v: &Value) -> String {
    let text = v.to_string();
    if text.chars().count() <= 80 {
        text
    } else {
        format!("{}…", text.chars().take(79).collect::<String>())
    }
}
