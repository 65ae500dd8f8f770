//! The operations both the API and the UI perform, in one place: screen and decide a
//! transaction and record it; screen a name; record a review; classify; the matrix; read
//! records.
//!
//! Every function here may block on the record store: call it from `spawn_blocking`.
//! A function that records returns only once its record is durable, so an answer sent
//! after it is never lost.
//!
//! # Idempotency
//!
//! A determination with an `id` (or a screening or review with an `id`) is recorded once:
//! sending the same request again returns the same record, marked `replayed: true`, with
//! the same answer. The same `id` with a different body — or with a body whose answer has
//! changed since because the rules, the lists or the review decisions changed — is a 409
//! naming `id`: nothing is recorded, and the recorded answer stays readable at
//! `GET /v1/records/{id}`.
//!
//! # Review decisions in later screenings
//!
//! Every match a screening reports carries `reviews`: the decisions recorded earlier for
//! the same party (its name normalized by the screening engine), list and entry, oldest
//! first. They are shown, never used to hide the match or change the outcome.

use crate::error::ApiError;
use crate::state::AppState;
use decide::screening::{screen_parties, PartyScreener, ScreeningReport};
use decide::transaction::{EndUserKind, PartyInput, Role as PartyRole};
use decide::{decide, Determination, TransactionInput};
use lists::model::ListId;
use records::{
    Filter, NewRecord, NewReview, Record, RecordKind, ReviewDecision, ReviewKey, Role, Token,
    Verdict,
};
use screen::{Match, Query};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::sync::Arc;

/// Longest party name accepted, in characters (the longest listed names are ~300).
pub const MAX_NAME_CHARS: usize = 1000;
/// Longest caller id (`id`) accepted, in characters.
pub const MAX_ID_CHARS: usize = 200;
/// Longest review reason accepted, in characters.
pub const MAX_REASON_CHARS: usize = 4000;

/// A screening match with the earlier review decisions on the same party, list and entry.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReviewedMatch {
    #[serde(flatten)]
    pub r#match: Match,
    /// Decisions recorded earlier for this party, list and entry, oldest first. Shown,
    /// never used to hide the match.
    pub reviews: Vec<ReviewDecision>,
}

/// One screened party with its matches and their earlier reviews.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReviewedParty {
    pub role: PartyRole,
    pub name: String,
    /// The name as the screening engine normalizes it: the key review decisions are kept under.
    pub party_key: String,
    /// Matches at or above the hit threshold.
    pub hits: Vec<ReviewedMatch>,
    /// Matches between the review and hit thresholds: a person must look.
    pub needs_review: Vec<ReviewedMatch>,
}

/// What screening found in a transaction, with the review decisions already made.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReviewedScreening {
    /// Content hash of the list snapshot used.
    pub snapshot: String,
    pub hit_threshold: f64,
    pub review_threshold: f64,
    pub parties: Vec<ReviewedParty>,
}

/// A determination as answered and recorded.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Decided {
    #[serde(flatten)]
    pub determination: Determination,
    pub list_snapshot: String,
    /// The screening as the engine reported it (without reviews); the JSON shows
    /// [`Decided::reviewed`] under `screening`.
    #[serde(skip)]
    pub screening: ScreeningReport,
    /// The screening with each match's earlier review decisions.
    #[serde(rename = "screening")]
    pub reviewed: ReviewedScreening,
    /// The id of the record written before this answer was sent.
    pub record_id: i64,
    pub record_hash: String,
    /// True when the request's `id` was already recorded: this is that record.
    pub replayed: bool,
}

/// The recorded output of a determination: the answer without the record's own fields.
#[derive(Serialize)]
struct DeterminationOutput<'a> {
    #[serde(flatten)]
    determination: &'a Determination,
    list_snapshot: &'a str,
    screening: &'a ReviewedScreening,
}

/// Screens the named parties, decides, and appends the record; blocking (call it from
/// `spawn_blocking`): the record is durable when this returns.
pub fn determine(
    state: &AppState,
    input: TransactionInput,
    actor: &str,
) -> Result<Decided, ApiError> {
    let received = to_json(&input)?;
    determine_received(state, input, received, actor)
}

/// [`determine`], recording `received` — the JSON document as the caller sent it — as
/// the record's input.
pub fn determine_received(
    state: &AppState,
    input: TransactionInput,
    received: Value,
    actor: &str,
) -> Result<Decided, ApiError> {
    let decision = screen_and_decide(state, input)?;
    let reviewed = with_reviews(state, &decision.screening)?;
    let record = decision.record(received, &reviewed, actor)?;
    let appended = append(state, record)?;
    Ok(decision.recorded(reviewed, appended))
}

/// [`determine_received`] without holding a thread while the record is committed: the
/// screening and the decision run on the caller's thread (CPU only), the review lookup too
/// when the store has the decisions in memory (else on the blocking pool), and the answer
/// comes when the writer reports the commit.
pub async fn determine_async(
    state: &AppState,
    input: TransactionInput,
    received: Value,
    actor: &str,
) -> Result<Decided, ApiError> {
    let decision = screen_and_decide(state, input)?;
    let reviewed = with_reviews_async(state, &decision.screening).await?;
    let record = decision.record(received, &reviewed, actor)?;
    let appended = append_async(state, record).await?;
    Ok(decision.recorded(reviewed, appended))
}

/// A transaction screened and decided, not yet recorded.
struct Decision {
    id: Option<String>,
    snapshot: String,
    screening: ScreeningReport,
    determination: Determination,
}

/// Screens the named parties and decides: everything but the review lookup and the record.
fn screen_and_decide(state: &AppState, mut input: TransactionInput) -> Result<Decision, ApiError> {
    check_transaction(&input)?;
    let snapshot = state.snapshot().hash.clone();
    let screening = screen_parties(
        &mut input,
        state.screener(),
        &snapshot,
        screen::DEFAULT_THRESHOLD,
        screen::DEFAULT_REVIEW_THRESHOLD,
    );
    let tx = input.validate(state.law(), chrono::Utc::now().date_naive())?;
    let determination = decide(&tx, state.law())?;
    Ok(Decision {
        id: input.id,
        snapshot,
        screening,
        determination,
    })
}

impl Decision {
    /// The record of this decision: `received` as input, the answer with the reviews as output.
    fn record(
        &self,
        received: Value,
        reviewed: &ReviewedScreening,
        actor: &str,
    ) -> Result<NewRecord, ApiError> {
        let output = to_json(&DeterminationOutput {
            determination: &self.determination,
            list_snapshot: &self.snapshot,
            screening: reviewed,
        })?;
        Ok(NewRecord {
            kind: RecordKind::Determination,
            actor: actor.to_string(),
            input: received,
            output,
            ruleset: Some(self.determination.ruleset.clone()),
            list_snapshot: Some(self.snapshot.clone()),
            transaction_id: self.id.clone(),
        })
    }

    /// The answer, once recorded.
    fn recorded(self, reviewed: ReviewedScreening, appended: Appended) -> Decided {
        Decided {
            determination: self.determination,
            list_snapshot: self.snapshot,
            screening: self.screening,
            reviewed,
            record_id: appended.record.id,
            record_hash: appended.record.hash,
            replayed: appended.replayed,
        }
    }
}

/// Rejects what screening should never see: names too long, ids too long.
fn check_transaction(input: &TransactionInput) -> Result<(), ApiError> {
    if let Some(id) = &input.id {
        check_text("id", id, MAX_ID_CHARS)?;
    }
    let single = [
        ("end_user", &input.end_user),
        ("consignee", &input.consignee),
        ("purchaser", &input.purchaser),
    ];
    let mut parties: Vec<(String, &PartyInput)> = single
        .into_iter()
        .filter_map(|(field, p)| p.as_ref().map(|p| (field.to_string(), p)))
        .collect();
    for (i, p) in input.intermediate_consignees.iter().enumerate() {
        parties.push((format!("intermediate_consignees[{i}]"), p));
    }
    for (field, party) in parties {
        if let Some(name) = &party.name {
            check_text(&format!("{field}.name"), name, MAX_NAME_CHARS)?;
        }
    }
    Ok(())
}

/// A non-empty text of at most `max` characters.
fn check_text(field: &str, value: &str, max: usize) -> Result<(), ApiError> {
    if value.trim().is_empty() {
        return Err(ApiError::bad(field, "must not be empty"));
    }
    let chars = value.chars().count();
    if chars > max {
        return Err(ApiError::bad(
            field,
            format!("{chars} characters; at most {max} are accepted"),
        ));
    }
    Ok(())
}

fn to_json<T: Serialize>(value: &T) -> Result<Value, ApiError> {
    serde_json::to_value(value).map_err(|e| ApiError::Internal(e.to_string()))
}

/// A record as appended, or the earlier one with the same transaction id.
struct Appended {
    record: Record,
    replayed: bool,
}

/// Appends a record; when the store answers with an earlier record under the same
/// transaction id, checks that it is the same request with the same answer (else 409).
fn append(state: &AppState, new: NewRecord) -> Result<Appended, ApiError> {
    let started = now_stamp();
    let sent = replay_copy(&new);
    let record = state.store().append(new)?;
    appended(state, record, &started, sent)
}

/// [`append`] without holding a thread while the record is committed.
async fn append_async(state: &AppState, new: NewRecord) -> Result<Appended, ApiError> {
    let started = now_stamp();
    let sent = replay_copy(&new);
    let (reply, answer) = tokio::sync::oneshot::channel();
    state.store().append_then(
        new,
        Box::new(move |record| {
            let _ = reply.send(record);
        }),
    );
    let record = answer.await.map_err(|_| records::Error::WriterGone)??;
    appended(state, record, &started, sent)
}

/// What a request with an id sent, to compare with an earlier record under that id; only
/// such a request can meet one, so only it pays for the copies.
fn replay_copy(new: &NewRecord) -> Option<(Value, Value)> {
    new.transaction_id
        .is_some()
        .then(|| (new.input.clone(), new.output.clone()))
}

/// The appended record, or the earlier one under the same id if it is the same request
/// with the same answer.
fn appended(
    state: &AppState,
    record: Record,
    started: &str,
    sent: Option<(Value, Value)>,
) -> Result<Appended, ApiError> {
    let earlier = match sent {
        Some(sent) if record.created_at.as_str() < started => sent,
        _ => {
            state.metrics().record_appended();
            return Ok(Appended {
                record,
                replayed: false,
            });
        }
    };
    check_replay(&record, &earlier.0, &earlier.1)?;
    Ok(Appended {
        record,
        replayed: true,
    })
}

/// Now, in the store's timestamp format (text order is time order).
fn now_stamp() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

fn check_replay(record: &Record, input: &Value, output: &Value) -> Result<(), ApiError> {
    let id = record.transaction_id.as_deref().unwrap_or_default();
    let differs = if &record.input != input {
        "a different input"
    } else if &record.output != output {
        "a different answer (the rules, the lists or review decisions changed since)"
    } else {
        return Ok(());
    };
    Err(ApiError::Conflict {
        field: "id".into(),
        message: format!(
            "id {id:?} is already recorded (record {}) with {differs}; GET /v1/records/{} shows it, or send a new id",
            record.id, record.id
        ),
    })
}

/// The key review decisions are kept under: the name as the screening engine normalizes
/// it (case, script, word order of "SURNAME, Given", legal forms).
pub fn party_key(name: &str) -> String {
    let kind = screen::normalize::NameKind::from_party(None);
    let tokens = screen::normalize::tokenize(name, kind);
    let key = tokens
        .iter()
        .map(|t| t.text.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    if key.is_empty() {
        name.trim().to_lowercase()
    } else {
        key
    }
}

/// The list code as the JSON shows it (`EL`, `SDN`, …).
pub fn list_code(list: ListId) -> String {
    match serde_json::to_value(list) {
        Ok(Value::String(code)) => code,
        _ => format!("{list:?}"),
    }
}

/// A list code as the JSON shows it, parsed.
pub fn parse_list(code: &str) -> Option<ListId> {
    serde_json::from_value(Value::String(code.trim().to_string())).ok()
}

/// The key a review decision on match `m` of the party `key` is kept under.
fn review_key(key: &str, m: &Match) -> ReviewKey {
    ReviewKey {
        party_key: key.to_string(),
        list: list_code(m.list),
        entry_id: m.id.clone(),
    }
}

/// The review keys of every match of several parties, in order.
fn keys_of(parties: &[(&str, &[Match])]) -> Vec<ReviewKey> {
    parties
        .iter()
        .flat_map(|(key, matches)| matches.iter().map(|m| review_key(key, m)))
        .collect()
}

/// Decisions found for [`keys_of`], regrouped per party: `[p][i]` for match `i` of party `p`.
fn per_party(
    parties: &[(&str, &[Match])],
    found: Vec<Vec<ReviewDecision>>,
) -> Vec<Vec<Vec<ReviewDecision>>> {
    let mut found = found.into_iter();
    parties
        .iter()
        .map(|(_, matches)| found.by_ref().take(matches.len()).collect())
        .collect()
}

/// Earlier review decisions for every match of several parties, looked up at once (one
/// database round trip however many matches): `[p][i]` for the `i`th match of party `p`.
fn earlier_reviews(
    state: &AppState,
    parties: &[(&str, &[Match])],
) -> Result<Vec<Vec<Vec<ReviewDecision>>>, ApiError> {
    let found = state.store().reviews_for_keys(&keys_of(parties))?;
    Ok(per_party(parties, found))
}

/// Matches with their earlier reviews (`reviews[i]` for `matches[i]`).
fn reviewed(matches: &[Match], reviews: Vec<Vec<ReviewDecision>>) -> Vec<ReviewedMatch> {
    let mut reviews = reviews.into_iter();
    matches
        .iter()
        .map(|m| ReviewedMatch {
            r#match: m.clone(),
            reviews: reviews.next().unwrap_or_default(),
        })
        .collect()
}

/// The engine's screening report with each match's earlier review decisions.
pub fn with_reviews(
    state: &AppState,
    report: &ScreeningReport,
) -> Result<ReviewedScreening, ApiError> {
    let keys = party_keys(report);
    let found = earlier_reviews(state, &lookups(report, &keys))?;
    Ok(reviewed_screening(report, keys, found))
}

/// [`with_reviews`] from an async task: answered from the store's memory when it has the
/// decisions there, else looked up on the blocking pool.
async fn with_reviews_async(
    state: &AppState,
    report: &ScreeningReport,
) -> Result<ReviewedScreening, ApiError> {
    let keys = party_keys(report);
    let parties = lookups(report, &keys);
    let review_keys = keys_of(&parties);
    let found = match state.store().reviews_at_hand(&review_keys) {
        Some(found) => found,
        None => {
            let store = Arc::clone(state.store());
            tokio::task::spawn_blocking(move || store.reviews_for_keys(&review_keys))
                .await
                .map_err(|e| ApiError::Internal(format!("worker failed: {e}")))??
        }
    };
    let found = per_party(&parties, found);
    Ok(reviewed_screening(report, keys, found))
}

/// The review key of each screened party's name.
fn party_keys(report: &ScreeningReport) -> Vec<String> {
    report.parties.iter().map(|p| party_key(&p.name)).collect()
}

/// Each party's hits, then its needs-review matches, under its key.
fn lookups<'a>(report: &'a ScreeningReport, keys: &'a [String]) -> Vec<(&'a str, &'a [Match])> {
    report
        .parties
        .iter()
        .zip(keys)
        .flat_map(|(p, key)| {
            [
                (key.as_str(), &p.hits[..]),
                (key.as_str(), &p.needs_review[..]),
            ]
        })
        .collect()
}

/// The report with the decisions found (`[p]` = party `p`'s hits, then its needs-review).
fn reviewed_screening(
    report: &ScreeningReport,
    keys: Vec<String>,
    found: Vec<Vec<Vec<ReviewDecision>>>,
) -> ReviewedScreening {
    let mut reviews = found.into_iter();
    let parties = report
        .parties
        .iter()
        .zip(keys)
        .map(|(p, key)| ReviewedParty {
            role: p.role,
            name: p.name.clone(),
            hits: reviewed(&p.hits, reviews.next().unwrap_or_default()),
            needs_review: reviewed(&p.needs_review, reviews.next().unwrap_or_default()),
            party_key: key,
        })
        .collect();
    ReviewedScreening {
        snapshot: report.snapshot.clone(),
        hit_threshold: report.hit_threshold,
        review_threshold: report.review_threshold,
        parties,
    }
}

/// `POST /v1/screenings`: one name against the active list snapshot.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScreeningRequest {
    /// The caller's own id: the screening is recorded once per id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The name to screen.
    pub name: String,
    /// ISO code or English name of the party's country (raises or lowers scores a little).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

/// The recorded output of a screening.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ScreeningOutput {
    pub name: String,
    /// ISO 3166-1 alpha-2 code of the country given, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    pub party_key: String,
    pub list_snapshot: String,
    pub hit_threshold: f64,
    pub review_threshold: f64,
    pub hits: Vec<ReviewedMatch>,
    pub needs_review: Vec<ReviewedMatch>,
}

/// A screening as answered and recorded.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Screened {
    #[serde(flatten)]
    pub output: ScreeningOutput,
    pub record_id: i64,
    pub record_hash: String,
    pub replayed: bool,
}

/// Screens one name, with earlier review decisions on each match, and records it.
pub fn screen_name(
    state: &AppState,
    request: ScreeningRequest,
    actor: &str,
) -> Result<Screened, ApiError> {
    let received = to_json(&request)?;
    screen_name_received(state, request, received, actor)
}

/// [`screen_name`], recording `received` (the request as sent) as the record's input.
pub fn screen_name_received(
    state: &AppState,
    request: ScreeningRequest,
    received: Value,
    actor: &str,
) -> Result<Screened, ApiError> {
    check_text("name", &request.name, MAX_NAME_CHARS)?;
    if let Some(id) = &request.id {
        check_text("id", id, MAX_ID_CHARS)?;
    }
    let country = match &request.country {
        None => None,
        Some(c) => Some(
            countries::lookup(c)
                .ok_or_else(|| {
                    ApiError::bad(
                        "country",
                        format!("'{c}' is not an ISO 3166-1 code or a country name"),
                    )
                })?
                .alpha2
                .to_string(),
        ),
    };
    let query = Query {
        name: request.name.clone(),
        country: country.clone(),
        kind: None,
    };
    let (hits, needs_review): (Vec<Match>, Vec<Match>) = state
        .screener()
        .screen(&query, screen::DEFAULT_REVIEW_THRESHOLD)
        .into_iter()
        .partition(|m| m.score >= screen::DEFAULT_THRESHOLD);
    let key = party_key(&request.name);
    let mut reviews = earlier_reviews(state, &[(&key, &hits), (&key, &needs_review)])?.into_iter();
    let output = ScreeningOutput {
        name: request.name.clone(),
        country,
        list_snapshot: state.snapshot().hash.clone(),
        hit_threshold: screen::DEFAULT_THRESHOLD,
        review_threshold: screen::DEFAULT_REVIEW_THRESHOLD,
        hits: reviewed(&hits, reviews.next().unwrap_or_default()),
        needs_review: reviewed(&needs_review, reviews.next().unwrap_or_default()),
        party_key: key,
    };
    let appended = append(
        state,
        NewRecord {
            kind: RecordKind::Screening,
            actor: actor.to_string(),
            input: received,
            output: to_json(&output)?,
            ruleset: None,
            list_snapshot: Some(output.list_snapshot.clone()),
            transaction_id: request.id.clone(),
        },
    )?;
    Ok(Screened {
        output,
        record_id: appended.record.id,
        record_hash: appended.record.hash,
        replayed: appended.replayed,
    })
}

/// `POST /v1/reviews`: a reviewer's decision on one match of a recorded screening.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewRequest {
    /// The determination or screening record whose match is decided.
    pub record_id: i64,
    /// The party's name as screened.
    pub party: String,
    /// The list code of the match (`EL`, `SDN`, …).
    pub list: String,
    /// The entry id of the match.
    pub entry_id: String,
    pub verdict: Verdict,
    /// Why (required).
    pub reason: String,
    /// The caller's own id: the decision is recorded once per id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

/// A review decision as recorded.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Reviewed {
    #[serde(flatten)]
    pub decision: ReviewDecision,
    pub record_hash: String,
}

/// Checks a review against the record it decides on, and records it.
pub fn review(state: &AppState, request: ReviewRequest, actor: &str) -> Result<Reviewed, ApiError> {
    check_text("party", &request.party, MAX_NAME_CHARS)?;
    check_text("entry_id", &request.entry_id, MAX_NAME_CHARS)?;
    check_text("reason", &request.reason, MAX_REASON_CHARS)?;
    if let Some(id) = &request.id {
        check_text("id", id, MAX_ID_CHARS)?;
    }
    let list = parse_list(&request.list).ok_or_else(|| {
        ApiError::bad(
            "list",
            format!("'{}' is not a list code; accepted: the `list` of a match (EL, DPL, UVL, MEU, SDN, SSI, FSE, …)", request.list),
        )
    })?;
    let screened = screened_record(state, request.record_id)?;
    let key = party_key(&request.party);
    let code = list_code(list);
    if !mentions(&screened.output, &key, &code, &request.entry_id) {
        return Err(ApiError::bad(
            "entry_id",
            format!(
                "record {} has no match of party '{}' on list {code} entry {}",
                screened.id, request.party, request.entry_id
            ),
        ));
    }
    let record = state.store().record_review(NewReview {
        party: request.party.clone(),
        party_key: key.clone(),
        list: code.clone(),
        entry_id: request.entry_id.clone(),
        verdict: request.verdict,
        reason: request.reason.clone(),
        actor: actor.to_string(),
        screening_record: Some(screened.id),
        list_snapshot: screened.list_snapshot.clone(),
        transaction_id: request.id.clone(),
        country: None,
        entry_hash: None,
    })?;
    state.metrics().record_appended();
    Ok(Reviewed {
        decision: ReviewDecision {
            record_id: record.id,
            party: request.party,
            party_key: key,
            list: code,
            entry_id: request.entry_id,
            verdict: request.verdict,
            reason: request.reason,
            actor: actor.to_string(),
            screening_record: Some(screened.id),
            created_at: record.created_at,
            country: None,
            entry_hash: None,
        },
        record_hash: record.hash,
    })
}

/// The determination or screening record a review refers to (400 naming `record_id` otherwise).
fn screened_record(state: &AppState, id: i64) -> Result<Record, ApiError> {
    let record = state
        .store()
        .get(id)?
        .ok_or_else(|| ApiError::bad("record_id", format!("there is no record {id}")))?;
    match record.kind {
        RecordKind::Determination | RecordKind::Screening => Ok(record),
        RecordKind::Review => Err(ApiError::bad(
            "record_id",
            format!("record {id} is a review; give the determination or screening record whose match is decided"),
        )),
    }
}

/// Whether a recorded screening output has a match of the party (by key) on the list entry.
fn mentions(output: &Value, key: &str, list: &str, entry_id: &str) -> bool {
    let Some(object) = output.as_object() else {
        return output
            .as_array()
            .is_some_and(|items| items.iter().any(|v| mentions(v, key, list, entry_id)));
    };
    let name = object.get("name").and_then(Value::as_str);
    let has_match = |field: &str| {
        object
            .get(field)
            .and_then(Value::as_array)
            .is_some_and(|ms| {
                ms.iter().any(|m| {
                    m.get("list").and_then(Value::as_str) == Some(list)
                        && m.get("id").and_then(Value::as_str) == Some(entry_id)
                })
            })
    };
    let here = name.is_some_and(|n| party_key(n) == key)
        && (has_match("hits") || has_match("needs_review"));
    here || object.values().any(|v| mentions(v, key, list, entry_id))
}

/// Classifies an item from its answers (no record is kept: a classification is advice
/// the determination that uses it records).
pub fn classify(answers: &classify::Answers) -> Result<classify::Classification, ApiError> {
    Ok(classify::classify(answers)?)
}

/// The classification questionnaire.
pub fn questionnaire() -> &'static classify::Questionnaire {
    classify::questionnaire()
}

/// Records matching a filter, oldest first.
pub fn records(state: &AppState, filter: &Filter) -> Result<Vec<Record>, ApiError> {
    Ok(state.store().list(filter)?)
}

/// One record.
pub fn record_by_id(state: &AppState, id: i64) -> Result<Record, ApiError> {
    state
        .store()
        .get(id)?
        .ok_or_else(|| ApiError::NotFound(format!("record {id}")))
}

/// Checks the whole chain.
pub fn verify(state: &AppState) -> Result<records::VerifyReport, ApiError> {
    Ok(state.store().verify()?)
}

/// A new API token: its secret, shown once.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NewToken {
    pub name: String,
    pub role: Role,
    /// The secret to send as `Authorization: Bearer <token>`; only its hash is stored.
    pub token: String,
}

/// Creates an API token.
pub fn create_token(state: &AppState, name: &str, role: Role) -> Result<NewToken, ApiError> {
    let token = state.store().create_token(name, role)?;
    Ok(NewToken {
        name: name.to_string(),
        role,
        token,
    })
}

/// Every API token (names and roles, never secrets).
pub fn tokens(state: &AppState) -> Result<Vec<Token>, ApiError> {
    Ok(state.store().list_tokens()?)
}

/// One row of the matrix (the type lives in `decide`, shared with `ace matrix`).
pub use decide::MatrixRow;

/// The outcome for every destination, for one ECCN, end-user kind and date.
pub fn matrix(
    state: &AppState,
    eccn: &str,
    kind: EndUserKind,
    date: ear::Date,
) -> Result<Vec<MatrixRow>, ApiError> {
    Ok(decide::matrix(state.law(), eccn, kind, date, false)?)
}

/// Appends a record of another kind (screening, review) — the shared path for the API.
pub fn record(
    state: &AppState,
    kind: RecordKind,
    actor: &str,
    input: serde_json::Value,
    output: serde_json::Value,
) -> Result<Record, ApiError> {
    let record = state.store().append(NewRecord {
        kind,
        actor: actor.to_string(),
        input,
        output,
        ruleset: Some(state.law().hash().to_string()),
        list_snapshot: Some(state.snapshot().hash.clone()),
        transaction_id: None,
    })?;
    state.metrics().record_appended();
    Ok(record)
}
