//! The operations both the API and the UI perform, in one place: screen and decide a
//! transaction and record it; screen a name; record a review (and re-decide the
//! determination it is on); the review queue; classify; the matrix; read records.
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
//! # Review decisions are applied
//!
//! Every party screened in a determination is looked up in the review decisions recorded
//! before (by [`party_key`], list and entry), and screening applies them
//! ([`decide::clearance`]): a true match confirms the membership, a false positive clears
//! it — until the entry changes (its content hash differs from the one the reviewer saw)
//! or the clearance expires ([`clearance_months`], `ace serve --clearance-months`); a
//! lapsed decision is shown and the match is open again. Each match still shows every
//! decision recorded on it (`reviews`).
//!
//! # Re-decisions
//!
//! A review on a determination record re-decides the determination: its recorded input,
//! today's rules and lists, the decisions now recorded. The answer is a new record whose
//! output carries `supersedes` (the record it replaces as the current state) and
//! `review_record`; records are never rewritten. The records that supersede one another
//! form a line ([`determination_line`]); the newest is the current state. A line whose
//! current state is `HOLD` is in the review queue ([`review_queue`]).

pub mod impact;
mod line;
pub mod red_flag;
pub mod replay;
mod view;

pub use line::{
    determination_line, review_queue, review_queue_page, DeterminationLine, LineEntry, QueueItem,
    QueuePage, DEFAULT_QUEUE_LIMIT, MAX_QUEUE_LIMIT,
};
pub use view::{
    list_code, EntryView, ResolvedView, ReviewedMatch, ReviewedParty, ReviewedScreening,
};

use crate::error::ApiError;
use crate::state::AppState;
use decide::clearance::{Clearance, Clearances, DEFAULT_CLEARANCE_MONTHS};
use decide::screening::{
    screen_parties_with, Decided as Applied, PartyScreener, ScreeningReport, Verdict as Applies,
    Verdicts,
};
use decide::transaction::{EndUserKind, PartyInput, Role as PartyRole};
use decide::{Determination, TransactionInput};
use lists::model::{Entry, ListId};
use records::{
    Canonical, Filter, NewRecord, NewReview, Record, RecordHead, RecordKind, ReviewDecision,
    ReviewKey, Role, Token, Verdict,
};
use screen::{Match, Query};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

pub use decide::clearance::party_key;

/// Longest party name accepted, in characters (the longest listed names are ~300).
pub const MAX_NAME_CHARS: usize = 1000;
/// Longest caller id (`id`) accepted, in characters.
pub const MAX_ID_CHARS: usize = 200;
/// Longest review reason accepted, in characters.
pub const MAX_REASON_CHARS: usize = 4000;

/// How long a false-positive clearance lasts, in months (`ace serve --clearance-months`).
static CLEARANCE_MONTHS: AtomicU32 = AtomicU32::new(DEFAULT_CLEARANCE_MONTHS);

/// Sets how long a false-positive clearance lasts, for every determination from now on
/// (0: a false positive clears nothing after the day it was decided).
pub fn set_clearance_months(months: u32) {
    CLEARANCE_MONTHS.store(months, Ordering::Relaxed);
}

/// How long a false-positive clearance lasts, in months.
pub fn clearance_months() -> u32 {
    CLEARANCE_MONTHS.load(Ordering::Relaxed)
}

/// A determination as answered and recorded.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Decided {
    #[serde(flatten)]
    pub determination: Determination,
    pub list_snapshot: String,
    /// The screening as the engine reported it; the JSON shows [`Decided::reviewed`] under
    /// `screening`.
    #[serde(skip)]
    pub screening: ScreeningReport,
    /// The screening with each match's entry and review decisions.
    #[serde(rename = "screening")]
    pub reviewed: ReviewedScreening,
    /// For a re-decision: the record this one supersedes as the current state.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supersedes: Option<i64>,
    /// For a re-decision: the review record that caused it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub review_record: Option<i64>,
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
    #[serde(skip_serializing_if = "Option::is_none")]
    supersedes: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    review_record: Option<i64>,
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
    let record = decision.record(received, actor)?;
    let appended = append(state, record)?;
    Ok(decision.recorded(appended))
}

/// [`determine_received`] without holding a thread while the record is committed: the
/// screening and the decision run on the caller's thread (CPU only), the review lookup too
/// when the store has the decisions at hand (else on the blocking pool), and the answer
/// comes when the writer reports the commit.
pub async fn determine_async(
    state: &AppState,
    input: TransactionInput,
    received: Value,
    actor: &str,
) -> Result<Answer, ApiError> {
    check_transaction(&input)?;
    if replay::other_snapshot(state, &input).is_some() {
        // Loading another snapshot (and building its index) blocks: not on this worker.
        let (state, actor) = (state.clone(), actor.to_string());
        let decided = tokio::task::spawn_blocking(move || {
            determine_received(&state, input, received, &actor)
        })
        .await
        .map_err(|e| ApiError::Internal(format!("worker failed: {e}")))??;
        return Answer::of(&decided);
    }
    // Announced before the work: the writer may then hold a commit for it a moment.
    let arrival = state.store().announce();
    let asked = asked_of(state, &input);
    let found = match state.store().reviews_at_hand(&asked.keys) {
        Some(found) => found,
        None => {
            let store = Arc::clone(state.store());
            let keys = asked.keys.clone();
            tokio::task::spawn_blocking(move || store.reviews_for_keys(&keys))
                .await
                .map_err(|e| ApiError::Internal(format!("worker failed: {e}")))??
        }
    };
    let decision = decide_with(state, input, distinct(found), &asked)?;
    let (prepared, output) = decision.prepared(state, &received, actor)?;
    let prepared = prepared.announced(arrival);
    let appended = append_prepared(state, prepared, &decision, received).await?;
    if appended.replayed {
        return Answer::of(&decision.recorded(appended));
    }
    Ok(Answer {
        replayed: false,
        json: answer_text(output, &appended),
    })
}

/// A determination answered over the API: whether it is a replay, and its JSON.
pub struct Answer {
    pub replayed: bool,
    /// A [`Decided`] as JSON.
    pub json: String,
}

impl Answer {
    fn of(decided: &Decided) -> Result<Answer, ApiError> {
        Ok(Answer {
            replayed: decided.replayed,
            json: serde_json::to_string(decided).map_err(|e| ApiError::Internal(e.to_string()))?,
        })
    }
}

/// The JSON of a new record's [`Decided`] from the record's canonical output, which holds
/// every field of the answer but the record's own three: serializing the answer again
/// would repeat the work (the same values; keys in canonical order).
fn answer_text(output: String, appended: &Appended) -> String {
    use std::fmt::Write;
    let mut json = output;
    json.pop(); // the output object's closing brace
    let hash = serde_json::Value::String(appended.hash.clone());
    // Grown once, not copied again: the output is kilobytes long.
    json.reserve(appended.hash.len() + 64);
    let _ = write!(
        json,
        ",\"record_hash\":{hash},\"record_id\":{},\"replayed\":false}}",
        appended.id
    );
    json
}

/// A transaction screened and decided, not yet recorded.
struct Decision {
    id: Option<String>,
    snapshot: String,
    screening: ScreeningReport,
    reviewed: ReviewedScreening,
    determination: Determination,
    supersedes: Option<i64>,
    review_record: Option<i64>,
}

/// What screening a transaction asks about: the review keys of its matches, and the
/// country each party is screened with.
struct Asked {
    keys: Vec<ReviewKey>,
    countries: HashMap<(PartyRole, String), Option<String>>,
}

/// One question screening asked: the party (role, name), its country, the match's key.
type Question = (PartyRole, String, Option<String>, ReviewKey);

/// A [`Verdicts`] that decides nothing and notes what it was asked.
#[derive(Default)]
struct Asking(RefCell<Vec<Question>>);

impl Verdicts for Asking {
    fn verdict(
        &self,
        role: PartyRole,
        name: &str,
        country: Option<&str>,
        m: &Match,
        _entry: &Entry,
    ) -> Option<Applied> {
        self.0.borrow_mut().push((
            role,
            name.to_string(),
            country.map(String::from),
            review_key(&party_key(name), m),
        ));
        None
    }
}

/// The review keys screening `input` will ask about (screening a copy: the matches are
/// memoized, so screening again with the decisions costs little).
fn asked_of(state: &AppState, input: &TransactionInput) -> Asked {
    let asking = Asking::default();
    let mut probe = input.clone();
    screen_parties_with(
        &mut probe,
        state.screener(),
        "",
        screen::DEFAULT_THRESHOLD,
        screen::DEFAULT_REVIEW_THRESHOLD,
        &asking,
    );
    let mut keys = Vec::new();
    let mut countries = HashMap::new();
    for (role, name, country, key) in asking.0.into_inner() {
        countries.insert((role, name), country);
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    Asked { keys, countries }
}

/// Each decision once, from the per-key lookups.
fn distinct(found: Vec<Vec<ReviewDecision>>) -> Vec<ReviewDecision> {
    let mut all: Vec<ReviewDecision> = found.into_iter().flatten().collect();
    all.sort_by_key(|d| d.record_id);
    all.dedup_by_key(|d| d.record_id);
    all
}

/// A recorded decision as screening applies it (`None` for a list code or date that does
/// not parse: such a decision was never recorded by ace).
fn clearance_of(d: &ReviewDecision) -> Option<Clearance> {
    Some(Clearance {
        party_key: d.party_key.clone(),
        country: d.country.clone(),
        list: parse_list(&d.list)?,
        entry_id: d.entry_id.clone(),
        entry_hash: d.entry_hash.clone(),
        verdict: match d.verdict {
            Verdict::TrueMatch => Applies::TrueMatch,
            Verdict::FalsePositive => Applies::FalsePositive,
        },
        by: d.actor.clone(),
        on: ear::parse_date(d.created_at.get(..10)?)?,
        reason: d.reason.clone(),
        record_id: Some(d.record_id),
    })
}

/// Screens the named parties with the review decisions recorded on them, and decides;
/// blocking (the decisions are read from the store).
fn screen_and_decide(state: &AppState, input: TransactionInput) -> Result<Decision, ApiError> {
    check_transaction(&input)?;
    // As of a date before the snapshot in service: the snapshot published by then.
    let dated = replay::as_of_state(state, &input);
    let state = dated.as_ref().unwrap_or(state);
    let asked = asked_of(state, &input);
    let found = state.store().reviews_for_keys(&asked.keys)?;
    decide_with(state, input, distinct(found), &asked)
}

/// Screens applying `decisions` and decides: CPU only.
fn decide_with(
    state: &AppState,
    input: TransactionInput,
    decisions: Vec<ReviewDecision>,
    asked: &Asked,
) -> Result<Decision, ApiError> {
    decide_on(
        state,
        input,
        decisions,
        asked,
        chrono::Utc::now().date_naive(),
    )
}

/// [`decide_with`] as of `today` (the default as-of date, and the day clearances are
/// checked against): a replay passes the day the record was made.
fn decide_on(
    state: &AppState,
    mut input: TransactionInput,
    decisions: Vec<ReviewDecision>,
    asked: &Asked,
    today: ear::Date,
) -> Result<Decision, ApiError> {
    let snapshot = state.snapshot().hash.clone();
    // The as-of logic needs the snapshot's publication date (decide::as_of).
    input.screened_against = Some(decide::transaction::ScreenedSnapshot {
        hash: snapshot.clone(),
        published: state.snapshot().published_on(),
    });
    let screener = state.screener();
    let screening = screen_applying(state, &mut input, &decisions, today);
    let reviewed = view::reviewed_screening(&screening, screener, &decisions, &asked.countries);
    // One item or the lines of an order (each line decided, the strictest decides).
    let (_, determination) = decide::determine(&input, state.law(), today)?;
    Ok(Decision {
        id: input.id,
        snapshot,
        screening,
        reviewed,
        determination,
        supersedes: None,
        review_record: None,
    })
}

/// Screens the named parties of `input` against the snapshot of `state`, applying the
/// review decisions recorded in its store as a determination would (a false positive
/// clears the party until the entry changes or the clearance expires; a true match
/// confirms it), without recording anything: `ace check` next to a record store.
pub fn screen_with_reviews(
    state: &AppState,
    input: &mut TransactionInput,
    today: ear::Date,
) -> Result<ScreeningReport, ApiError> {
    let asked = asked_of(state, input);
    let decisions = distinct(state.store().reviews_for_keys(&asked.keys)?);
    Ok(screen_applying(state, input, &decisions, today))
}

/// Screens the named parties against the snapshot of `state` at the default thresholds,
/// applying `decisions` as clearances on `today`: what a determination and `ace check`
/// share.
fn screen_applying(
    state: &AppState,
    input: &mut TransactionInput,
    decisions: &[ReviewDecision],
    today: ear::Date,
) -> ScreeningReport {
    let clearances: Vec<Clearance> = decisions.iter().filter_map(clearance_of).collect();
    let verdicts = Clearances {
        decisions: &clearances,
        today,
        months: clearance_months(),
    };
    screen_parties_with(
        input,
        state.screener(),
        &state.snapshot().hash,
        screen::DEFAULT_THRESHOLD,
        screen::DEFAULT_REVIEW_THRESHOLD,
        &verdicts,
    )
}

impl Decision {
    /// What the record of this decision keeps as its output.
    fn output(&self) -> DeterminationOutput<'_> {
        DeterminationOutput {
            determination: &self.determination,
            list_snapshot: &self.snapshot,
            screening: &self.reviewed,
            supersedes: self.supersedes,
            review_record: self.review_record,
        }
    }

    /// What the determination index keeps of [`Decision::output`]: its top-level `outcome`,
    /// `supersedes` and `review_record`.
    fn index_fields(&self) -> records::DeterminationFields {
        records::DeterminationFields {
            outcome: Some(self.determination.outcome.code().to_string()),
            supersedes: self.supersedes,
            review_record: self.review_record,
        }
    }

    /// The record of this decision: `received` as input, the answer as output.
    fn record(&self, received: Value, actor: &str) -> Result<NewRecord, ApiError> {
        Ok(NewRecord {
            kind: RecordKind::Determination,
            actor: actor.to_string(),
            input: received,
            output: to_json(&self.output())?,
            ruleset: Some(self.determination.ruleset.clone()),
            list_snapshot: Some(self.snapshot.clone()),
            transaction_id: self.id.clone(),
        })
    }

    /// [`Decision::record`] prepared for the store on this thread: its canonical texts
    /// written straight from the answer, without building the output's JSON document.
    /// Also answers the output's canonical text (the answer is made from it).
    fn prepared(
        &self,
        state: &AppState,
        received: &Value,
        actor: &str,
    ) -> Result<(records::Prepared, String), ApiError> {
        let canonical = |text: serde_json::Result<Canonical>| {
            text.map_err(|e| ApiError::Internal(e.to_string()))
        };
        let head = RecordHead {
            kind: RecordKind::Determination,
            actor: actor.to_string(),
            ruleset: Some(self.determination.ruleset.clone()),
            list_snapshot: Some(self.snapshot.clone()),
            transaction_id: self.id.clone(),
        };
        let output = canonical(Canonical::of(&self.output()))?;
        let text = output.as_str().to_string();
        let prepared = state.store().preparer().prepare_determination(
            head,
            canonical(Canonical::of(received))?,
            output,
            self.index_fields(),
        );
        Ok((prepared, text))
    }

    /// The answer, once recorded.
    fn recorded(self, appended: Appended) -> Decided {
        Decided {
            determination: self.determination,
            list_snapshot: self.snapshot,
            screening: self.screening,
            reviewed: self.reviewed,
            supersedes: self.supersedes,
            review_record: self.review_record,
            record_id: appended.id,
            record_hash: appended.hash,
            replayed: appended.replayed,
        }
    }
}

/// Rejects what screening should never see: names too long, ids too long.
fn check_transaction(input: &TransactionInput) -> Result<(), ApiError> {
    input.check_size()?;
    if let Some(id) = &input.id {
        check_text("id", id, MAX_ID_CHARS)?;
    }
    if let Some(date) = input.date.as_deref().and_then(ear::parse_date) {
        not_after_today("date", date)?;
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

/// Refuses an as-of date after today (400 naming `field`): the regulation is known only as
/// it stands (`ace check --allow-future` is the command line's explicit way round).
pub(crate) fn not_after_today(field: &str, date: ear::Date) -> Result<(), ApiError> {
    let today = chrono::Utc::now().date_naive();
    if date > today {
        return Err(ApiError::bad(
            field,
            format!(
                "{date} is after today ({today}); ace knows the regulation only as it stands: \
                 give a date from 2022-03-07 up to {today}"
            ),
        ));
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

/// Where a record stands: appended, or the earlier one with the same transaction id.
struct Appended {
    id: i64,
    hash: String,
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

/// A determination's prepared record appended without holding a thread while it is
/// committed. When the request's id was recorded before, the earlier record is read and
/// must hold the same input and answer (a replay), else the request conflicts.
async fn append_prepared(
    state: &AppState,
    prepared: records::Prepared,
    decision: &Decision,
    received: Value,
) -> Result<Appended, ApiError> {
    let (reply, answer) = tokio::sync::oneshot::channel();
    state.store().append_prepared_then(
        prepared,
        Box::new(move |stands| {
            let _ = reply.send(stands);
        }),
    );
    let stands = answer.await.map_err(|_| records::Error::WriterGone)??;
    if stands.new {
        state.metrics().record_appended();
        return Ok(Appended {
            id: stands.id,
            hash: stands.hash,
            replayed: false,
        });
    }
    let store = Arc::clone(state.store());
    let earlier = tokio::task::spawn_blocking(move || store.get(stands.id))
        .await
        .map_err(|e| ApiError::Internal(format!("worker failed: {e}")))??
        .ok_or_else(|| ApiError::Internal(format!("record {} is gone", stands.id)))?;
    check_replay(&earlier, &received, &to_json(&decision.output())?)?;
    Ok(Appended {
        id: earlier.id,
        hash: earlier.hash,
        replayed: true,
    })
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
                id: record.id,
                hash: record.hash,
                replayed: false,
            });
        }
    };
    check_replay(&record, &earlier.0, &earlier.1)?;
    Ok(Appended {
        id: record.id,
        hash: record.hash,
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

/// Screens one name, with each match's entry and the review decisions on it, and records it.
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
    let screener = state.screener();
    let (hits, needs_review): (Vec<Match>, Vec<Match>) = screener
        .screen(&query, screen::DEFAULT_REVIEW_THRESHOLD)
        .into_iter()
        .partition(|m| m.score >= screen::DEFAULT_THRESHOLD);
    let key = party_key(&request.name);
    let keys: Vec<ReviewKey> = hits
        .iter()
        .chain(&needs_review)
        .map(|m| review_key(&key, m))
        .collect();
    let decisions = distinct(state.store().reviews_for_keys(&keys)?);
    let entries: &dyn PartyScreener = screener;
    let output = ScreeningOutput {
        name: request.name.clone(),
        country,
        list_snapshot: state.snapshot().hash.clone(),
        hit_threshold: screen::DEFAULT_THRESHOLD,
        review_threshold: screen::DEFAULT_REVIEW_THRESHOLD,
        hits: view::reviewed_matches(&hits, entries, &key, &decisions),
        needs_review: view::reviewed_matches(&needs_review, entries, &key, &decisions),
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
        record_id: appended.id,
        record_hash: appended.hash,
        replayed: appended.replayed,
    })
}

/// `POST /v1/reviews`: a reviewer's decision on one match of a recorded determination or
/// screening.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewRequest {
    /// The determination or screening record whose match is decided (for a determination,
    /// any record of its line).
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

/// A review decision as recorded, with the re-decision it caused.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Reviewed {
    #[serde(flatten)]
    pub decision: ReviewDecision,
    pub record_hash: String,
    /// For a review on a determination: the new determination record that supersedes the
    /// line's current one (the answer as `POST /v1/determinations` gives it, with
    /// `supersedes` and `review_record`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub redecided: Option<Value>,
}

/// Checks a review against the record it decides on and records it; a review on a
/// determination re-decides it ([`redecide`]).
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
    let seen = seen_match(&screened.output, &key, &code, &request.entry_id).ok_or_else(|| {
        ApiError::bad(
            "entry_id",
            format!(
                "record {} has no match of party '{}' on list {code} entry {}",
                screened.id, request.party, request.entry_id
            ),
        )
    })?;
    // Records from before entries were hashed: the entry as screened is the one of the
    // snapshot in service, if the record was screened against it.
    let entry_hash = seen.entry_hash.or_else(|| {
        (screened.list_snapshot.as_deref() == Some(state.snapshot().hash.as_str()))
            .then(|| state.screener().find_entry(list, &request.entry_id))
            .flatten()
            .map(decide::clearance::entry_hash)
    });
    let started = now_stamp();
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
        country: seen.country.clone(),
        entry_hash: entry_hash.clone(),
    })?;
    let replayed = request.id.is_some() && record.created_at.as_str() < started.as_str();
    if !replayed {
        state.metrics().record_appended();
    }
    let redecided = match screened.kind {
        RecordKind::Determination => Some(redecide(
            state,
            &screened,
            &record,
            actor,
            replayed,
            |_| false,
        )?),
        _ => None,
    };
    Ok(Reviewed {
        decision: ReviewDecision {
            record_id: record.id,
            party: request.party,
            party_key: key,
            list: code,
            entry_id: request.entry_id,
            verdict: request.verdict,
            reason: request.reason,
            actor: record.actor.clone(),
            screening_record: Some(screened.id),
            created_at: record.created_at,
            country: seen.country,
            entry_hash,
        },
        record_hash: record.hash,
        redecided,
    })
}

/// Re-decides the determination `reviewed` belongs to after `review`: the current record
/// of its line, re-run (its recorded input, today's rules and lists, the decisions now
/// recorded), appended as a new record that supersedes it. For a replayed review, the
/// record it caused then.
/// `amend` changes the input before it is decided again (a red flag's resolution) and
/// says whether it did: the new record then keeps the amended input.
pub(crate) fn redecide(
    state: &AppState,
    reviewed: &Record,
    review: &Record,
    actor: &str,
    replayed: bool,
    amend: impl FnOnce(&mut TransactionInput) -> bool,
) -> Result<Value, ApiError> {
    let line = state.store().determination_line(reviewed.id)?;
    if replayed {
        if let Some(earlier) = line.iter().find(|l| l.review_record == Some(review.id)) {
            let record = record_by_id(state, earlier.record_id)?;
            return answer_of(&record, true);
        }
    }
    let current_id = line.last().map_or(reviewed.id, |l| l.record_id);
    let current = if current_id == reviewed.id {
        reviewed.clone()
    } else {
        record_by_id(state, current_id)?
    };
    let mut input: TransactionInput =
        serde_json::from_value(current.input.clone()).map_err(|e| {
            ApiError::bad(
                "record_id",
                format!(
                    "record {current_id} (the current determination) has an input that is no longer a transaction document, so it cannot be re-decided: {e}"
                ),
            )
        })?;
    // The caller's id stays with the first record: a re-decision is a record of its own.
    input.id = None;
    let recorded_input = if amend(&mut input) {
        let mut amended = serde_json::to_value(&input)
            .map_err(|e| ApiError::Internal(format!("re-decision input: {e}")))?;
        if let (Some(object), Some(id)) = (amended.as_object_mut(), current.input.get("id")) {
            object.insert("id".into(), id.clone());
        }
        amended
    } else {
        current.input.clone()
    };
    let mut decision = screen_and_decide(state, input)?;
    decision.supersedes = Some(current.id);
    decision.review_record = Some(review.id);
    let record = decision.record(recorded_input, actor)?;
    let appended = append(state, record)?;
    to_json(&decision.recorded(appended))
}

/// A recorded determination as its answer was given: the output with the record's fields.
fn answer_of(record: &Record, replayed: bool) -> Result<Value, ApiError> {
    let mut answer = record.output.clone();
    let object = answer
        .as_object_mut()
        .ok_or_else(|| ApiError::Internal(format!("record {} has no output object", record.id)))?;
    object.insert("record_id".into(), Value::from(record.id));
    object.insert("record_hash".into(), Value::from(record.hash.clone()));
    object.insert("replayed".into(), Value::from(replayed));
    Ok(answer)
}

/// The determination or screening record a review refers to (400 naming `record_id` otherwise).
fn screened_record(state: &AppState, id: i64) -> Result<Record, ApiError> {
    let record = state
        .store()
        .get(id)?
        .ok_or_else(|| ApiError::bad("record_id", format!("there is no record {id}")))?;
    match record.kind {
        RecordKind::Determination | RecordKind::Screening => Ok(record),
        RecordKind::Review | RecordKind::Access => Err(ApiError::bad(
            "record_id",
            format!("record {id} is a {} record; give the determination or screening record whose match is decided", record.kind.as_str()),
        )),
    }
}

/// What a recorded output says of a match a review decides: the party's country as
/// screened and the entry's content hash (`None` in records from before they were kept).
struct SeenMatch {
    country: Option<String>,
    entry_hash: Option<String>,
}

/// The match of the party (by key) on the list entry in a recorded screening output, if
/// there is one: among its hits, needs-review and resolved matches.
fn seen_match(output: &Value, key: &str, list: &str, entry_id: &str) -> Option<SeenMatch> {
    let Some(object) = output.as_object() else {
        return output
            .as_array()?
            .iter()
            .find_map(|v| seen_match(v, key, list, entry_id));
    };
    let name = object.get("name").and_then(Value::as_str);
    if name.is_some_and(|n| party_key(n) == key) {
        let found = ["hits", "needs_review", "resolved"]
            .iter()
            .filter_map(|field| object.get(*field).and_then(Value::as_array))
            .flatten()
            .find(|m| {
                m.get("list").and_then(Value::as_str) == Some(list)
                    && m.get("id").and_then(Value::as_str) == Some(entry_id)
            });
        if let Some(m) = found {
            let text = |v: Option<&Value>| v.and_then(Value::as_str).map(String::from);
            return Some(SeenMatch {
                country: text(object.get("country")),
                entry_hash: text(m.pointer("/entry/entry_hash")),
            });
        }
    }
    object
        .values()
        .find_map(|v| seen_match(v, key, list, entry_id))
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
    /// When it stops working (RFC 3339 UTC); absent: until revoked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    /// The secret to send as `Authorization: Bearer <token>`; only its hash is stored.
    pub token: String,
}

/// Creates an API token for `actor` (recorded), expiring at `expires` (a duration such as
/// `90d`, a date, or an RFC 3339 time) or never.
pub fn create_token(
    state: &AppState,
    actor: &str,
    name: &str,
    role: Role,
    expires: Option<&str>,
) -> Result<NewToken, ApiError> {
    let expires_at = expires
        .map(|e| records::parse_expiry(e, chrono::Utc::now()))
        .transpose()
        .map_err(|e| ApiError::bad("expires", e.to_string()))?;
    let token = state.store().create_token(&records::NewToken {
        name: name.to_string(),
        role,
        expires_at: expires_at.clone(),
        actor: actor.to_string(),
    })?;
    Ok(NewToken {
        name: name.to_string(),
        role,
        expires_at,
        token,
    })
}

/// Revokes a token at once, with its web sessions on every server (recorded).
pub fn revoke_token(state: &AppState, actor: &str, name: &str) -> Result<Token, ApiError> {
    state
        .store()
        .revoke_token(name, actor)
        .map_err(token_change_error)
}

/// Gives a token a new secret; the old one and its web sessions stop at once (recorded).
pub fn rotate_token(state: &AppState, actor: &str, name: &str) -> Result<NewToken, ApiError> {
    let secret = state
        .store()
        .rotate_token(name, actor)
        .map_err(token_change_error)?;
    let token = state
        .store()
        .list_tokens()?
        .into_iter()
        .find(|t| t.name == name)
        .ok_or_else(|| ApiError::NotFound(format!("no token is named {name:?}")))?;
    Ok(NewToken {
        name: token.name,
        role: token.role,
        expires_at: token.expires_at,
        token: secret,
    })
}

/// An unknown token is a 404, a revoked one a 409 (it stays revoked).
fn token_change_error(e: records::Error) -> ApiError {
    match e {
        records::Error::UnknownToken(_) => ApiError::NotFound(e.to_string()),
        records::Error::TokenRevoked(_) => ApiError::Conflict {
            field: "name".into(),
            message: e.to_string(),
        },
        other => other.into(),
    }
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
    not_after_today("as_of", date)?;
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
