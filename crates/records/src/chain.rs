//! Turning queued appends into chain links: ids, times, previous hashes and hashes,
//! independent of the database that stores them.

use std::collections::HashMap;

use serde_json::Value;

use crate::canonical::{canonical_json, HashedFields, GENESIS_HASH};
use crate::error::{Error, Result};
use crate::time;
use crate::tokens::AccessChange;
use crate::types::{NewRecord, NewReview, Record, RecordKind, Verdict};

/// The version of ace written into every record (the workspace version).
pub const ACE_VERSION: &str = env!("CARGO_PKG_VERSION");

/// A record to append, with input and output already in canonical text
/// (prepared on the caller's thread so the writer thread only hashes and writes).
#[derive(Debug, Clone)]
pub(crate) struct Item {
    pub kind: RecordKind,
    pub actor: String,
    pub input: String,
    pub output: String,
    pub ruleset: Option<String>,
    pub list_snapshot: Option<String>,
    pub transaction_id: Option<String>,
    pub review: Option<ReviewFields>,
    /// For an `access` record: the change to tokens or sessions it records, made in the same
    /// transaction.
    pub access: Option<AccessChange>,
    /// For a determination: what the determination index keeps of it.
    pub determination: Option<DeterminationFields>,
}

/// What the determination index keeps of a determination record, read from its output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DeterminationFields {
    pub outcome: Option<String>,
    pub supersedes: Option<i64>,
    pub review_record: Option<i64>,
}

impl DeterminationFields {
    /// The fields of a determination's output: `outcome` (or `determination.outcome`, as
    /// `ace batch --record` writes it), `supersedes` and `review_record`.
    pub fn of(output: &Value) -> Self {
        let outcome = output
            .get("outcome")
            .and_then(Value::as_str)
            .or_else(|| {
                output
                    .pointer("/determination/outcome")
                    .and_then(Value::as_str)
            })
            .map(str::to_string);
        DeterminationFields {
            outcome,
            supersedes: output.get(SUPERSEDES).and_then(Value::as_i64),
            review_record: output.get(REVIEW_RECORD).and_then(Value::as_i64),
        }
    }
}

/// The field of a determination's output naming the record it supersedes.
pub const SUPERSEDES: &str = "supersedes";
/// The field of a determination's output naming the review record that caused it.
pub const REVIEW_RECORD: &str = "review_record";

/// What a review record adds to the review index.
#[derive(Debug, Clone)]
pub(crate) struct ReviewFields {
    pub party: String,
    pub party_key: String,
    pub list: String,
    pub entry_id: String,
    pub verdict: Verdict,
    pub reason: String,
    pub screening_record: Option<i64>,
    pub country: Option<String>,
    pub entry_hash: Option<String>,
}

impl Item {
    /// Prepares a new record for the writer.
    pub fn from_new(r: &NewRecord) -> Self {
        Item {
            kind: r.kind,
            actor: r.actor.clone(),
            input: canonical_json(&r.input),
            output: canonical_json(&r.output),
            ruleset: r.ruleset.clone(),
            list_snapshot: r.list_snapshot.clone(),
            transaction_id: r.transaction_id.clone(),
            review: None,
            access: None,
            determination: (r.kind == RecordKind::Determination)
                .then(|| DeterminationFields::of(&r.output)),
        }
    }

    fn key(&self) -> Option<(RecordKind, String)> {
        self.transaction_id.clone().map(|t| (self.kind, t))
    }
}

/// The record and index entry a review decision becomes.
pub(crate) fn review_item(review: &NewReview) -> Result<(NewRecord, ReviewFields)> {
    require(&review.reason, "a reason is required")?;
    require(
        &review.party_key,
        "party_key (the normalized party name) is required",
    )?;
    require(&review.list, "the list is required")?;
    require(&review.entry_id, "the entry id is required")?;
    require(&review.actor, "the reviewer (actor) is required")?;
    let input = serde_json::to_value(review)?;
    let output = serde_json::json!({ "verdict": review.verdict.as_str(), "reason": review.reason });
    let record = NewRecord {
        kind: RecordKind::Review,
        actor: review.actor.clone(),
        input,
        output,
        ruleset: None,
        list_snapshot: review.list_snapshot.clone(),
        transaction_id: review.transaction_id.clone(),
    };
    let fields = ReviewFields {
        party: review.party.clone(),
        party_key: review.party_key.clone(),
        list: review.list.clone(),
        entry_id: review.entry_id.clone(),
        verdict: review.verdict,
        reason: review.reason.clone(),
        screening_record: review.screening_record,
        country: review.country.clone(),
        entry_hash: review.entry_hash.clone(),
    };
    Ok((record, fields))
}

fn require(value: &str, message: &str) -> Result<()> {
    if value.trim().is_empty() {
        Err(Error::InvalidReview(message.to_string()))
    } else {
        Ok(())
    }
}

/// What the writer answers for one item.
#[derive(Debug, Clone)]
pub(crate) enum Outcome {
    /// Appended: the fields the store added.
    Appended(Stamp),
    /// Not appended: a record with the same kind and transaction id exists; here it is.
    Existing(Box<Record>),
}

/// The fields the store adds to a new record.
#[derive(Debug, Clone)]
pub(crate) struct Stamp {
    pub id: i64,
    pub created_at: String,
    pub prev_hash: String,
    pub hash: String,
}

impl Outcome {
    /// The full record, completing a stamp with the caller's own new record.
    pub fn into_record(self, r: NewRecord) -> Record {
        match self {
            Outcome::Existing(existing) => *existing,
            Outcome::Appended(s) => Record {
                id: s.id,
                kind: r.kind,
                created_at: s.created_at,
                actor: r.actor,
                input: r.input,
                output: r.output,
                ruleset: r.ruleset,
                list_snapshot: r.list_snapshot,
                ace_version: ACE_VERSION.to_string(),
                transaction_id: r.transaction_id,
                prev_hash: s.prev_hash,
                hash: s.hash,
            },
        }
    }
}

/// The newest link as the writer sees it under its lock.
#[derive(Debug, Clone)]
pub(crate) struct Tip {
    pub id: i64,
    pub hash: String,
    pub created_at: String,
}

/// A new link ready to insert.
pub(crate) struct Link<'a> {
    pub stamp: Stamp,
    pub item: &'a Item,
}

impl Link<'_> {
    /// The hash inputs of this link.
    pub fn fields(&self) -> HashedFields<'_> {
        HashedFields {
            id: self.stamp.id,
            kind: self.item.kind.as_str(),
            created_at: &self.stamp.created_at,
            actor: &self.item.actor,
            input: &self.item.input,
            output: &self.item.output,
            ruleset: self.item.ruleset.as_deref(),
            list_snapshot: self.item.list_snapshot.as_deref(),
            ace_version: ACE_VERSION,
            transaction_id: self.item.transaction_id.as_deref(),
            prev_hash: &self.stamp.prev_hash,
        }
    }
}

/// The database side of appending: one transaction that excludes every other writer.
pub(crate) trait ChainWriter: Send + 'static {
    /// Begins a transaction holding the chain lock; returns the newest link, if any.
    fn begin(&mut self) -> Result<Option<Tip>>;
    /// Records already stored under these (kind, transaction id) keys.
    fn existing(&mut self, keys: &[(RecordKind, String)]) -> Result<Vec<Record>>;
    /// Inserts the links (and their review index entries) in chain order.
    fn insert(&mut self, links: &[Link<'_>]) -> Result<()>;
    /// Commits durably.
    fn commit(&mut self) -> Result<()>;
    /// Abandons the transaction; errors are ignored (the connection may be gone).
    fn rollback(&mut self);
}

/// Writes every item of `groups` in one transaction; answers per group, per item.
pub(crate) fn write_groups(
    w: &mut dyn ChainWriter,
    groups: &[&[Item]],
) -> Result<Vec<Vec<Outcome>>> {
    let written = w
        .begin()
        .and_then(|tip| link_and_insert(w, tip, groups))
        .and_then(|outcomes| w.commit().map(|()| outcomes));
    // Also after a failed begin: its transaction may be open (e.g. the tip query failed).
    if written.is_err() {
        w.rollback();
    }
    written
}

fn link_and_insert(
    w: &mut dyn ChainWriter,
    tip: Option<Tip>,
    groups: &[&[Item]],
) -> Result<Vec<Vec<Outcome>>> {
    let mut known = stored_keys(w, groups)?;
    let mut next = NextLink::after(tip);
    let mut links: Vec<Link<'_>> = Vec::new();
    let mut outcomes = Vec::with_capacity(groups.len());
    for group in groups {
        let mut answers = Vec::with_capacity(group.len());
        for item in group.iter() {
            let key = item.key();
            match key.as_ref().and_then(|k| known.get(k)) {
                Some(Known::Stored(record)) => answers.push(Outcome::Existing(record.clone())),
                Some(Known::InBatch(at)) => {
                    answers.push(Outcome::Existing(Box::new(record_of(&links[*at])?)))
                }
                None => {
                    let link = next.link(item);
                    if let Some(k) = key {
                        known.insert(k, Known::InBatch(links.len()));
                    }
                    answers.push(Outcome::Appended(link.stamp.clone()));
                    links.push(link);
                }
            }
        }
        outcomes.push(answers);
    }
    if !links.is_empty() {
        w.insert(&links)?;
    }
    Ok(outcomes)
}

/// Where a record with a given (kind, transaction id) already is.
enum Known {
    /// In the database.
    Stored(Box<Record>),
    /// Earlier in this batch, at this index of the links.
    InBatch(usize),
}

/// The records already stored under the keys of the batch.
fn stored_keys(
    w: &mut dyn ChainWriter,
    groups: &[&[Item]],
) -> Result<HashMap<(RecordKind, String), Known>> {
    let keys: Vec<(RecordKind, String)> = groups
        .iter()
        .flat_map(|g| g.iter().filter_map(Item::key))
        .collect();
    let mut known = HashMap::with_capacity(keys.len());
    if keys.is_empty() {
        return Ok(known);
    }
    for record in w.existing(&keys)? {
        if let Some(t) = record.transaction_id.clone() {
            known.insert((record.kind, t), Known::Stored(Box::new(record)));
        }
    }
    Ok(known)
}

/// Assigns ids, times and previous hashes in order.
struct NextLink {
    id: i64,
    prev_hash: String,
    created_at: String,
}

impl NextLink {
    fn after(tip: Option<Tip>) -> Self {
        let now = time::now();
        match tip {
            Some(t) => NextLink {
                id: t.id + 1,
                created_at: time::not_before(now, &t.created_at),
                prev_hash: t.hash,
            },
            None => NextLink {
                id: 1,
                prev_hash: GENESIS_HASH.to_string(),
                created_at: now,
            },
        }
    }

    fn link<'a>(&mut self, item: &'a Item) -> Link<'a> {
        let mut link = Link {
            stamp: Stamp {
                id: self.id,
                created_at: self.created_at.clone(),
                prev_hash: self.prev_hash.clone(),
                hash: String::new(),
            },
            item,
        };
        link.stamp.hash = link.fields().hash();
        self.id += 1;
        self.prev_hash = link.stamp.hash.clone();
        link
    }
}

/// The full record of a link, for a second append with the same key in the same batch.
fn record_of(link: &Link<'_>) -> Result<Record> {
    let item = link.item;
    Ok(Record {
        id: link.stamp.id,
        kind: item.kind,
        created_at: link.stamp.created_at.clone(),
        actor: item.actor.clone(),
        input: serde_json::from_str::<Value>(&item.input)?,
        output: serde_json::from_str::<Value>(&item.output)?,
        ruleset: item.ruleset.clone(),
        list_snapshot: item.list_snapshot.clone(),
        ace_version: ACE_VERSION.to_string(),
        transaction_id: item.transaction_id.clone(),
        prev_hash: link.stamp.prev_hash.clone(),
        hash: link.stamp.hash.clone(),
    })
}
