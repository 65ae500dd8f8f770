//! Turning queued appends into chain links: ids, times, previous hashes and hashes,
//! independent of the database that stores them.

use std::collections::HashMap;

use serde_json::Value;

use crate::canonical::{canonical_json, HashedFields, GENESIS_HASH};
use crate::compact::{Codec, Compact};
use crate::error::{Error, Result};
use crate::time;
use crate::tokens::AccessChange;
use crate::types::{NewRecord, NewReview, Record, RecordHead, RecordKind, Verdict};

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
    /// The texts compressed, when the row is stored compact (the texts above are still what
    /// is hashed).
    pub compact: Option<Compact>,
}

/// What the determination index keeps of a determination record, read from its output
/// (or, when a server prepares one, known from the value the output was written from:
/// [`crate::Preparer::prepare_determination`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeterminationFields {
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

impl DeterminationFields {
    /// [`DeterminationFields::of`] the output's canonical text, read without building the
    /// document: only the four fields are kept, everything else is skipped (verify reads
    /// every determination).
    pub fn from_text(output: &str) -> serde_json::Result<Self> {
        let top: fields::Top = serde_json::from_str(output)?;
        Ok(DeterminationFields {
            outcome: top.outcome.or(top.nested_outcome),
            supersedes: top.supersedes,
            review_record: top.review_record,
        })
    }
}

/// Deserializers that read what [`DeterminationFields::of`] reads from a `Value`, with the
/// same answers (a later duplicate key wins, as in a `Value`), skipping the rest.
mod fields {
    use std::fmt;

    use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
    use serde::Deserialize;

    /// The top level of an output.
    #[derive(Default)]
    pub struct Top {
        pub outcome: Option<String>,
        pub nested_outcome: Option<String>,
        pub supersedes: Option<i64>,
        pub review_record: Option<i64>,
    }

    impl<'de> Deserialize<'de> for Top {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            d.deserialize_any(TopVisitor)
        }
    }

    /// Consumes any value, keeping nothing: `Visitor::Value` is `T::default()`.
    macro_rules! skip_other_values {
        () => {
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
                Ok(Default::default())
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
                Ok(Default::default())
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
                Ok(Default::default())
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
                Ok(Default::default())
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
                Ok(Default::default())
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Default::default())
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Default::default())
            }
        };
    }

    struct TopVisitor;

    impl<'de> Visitor<'de> for TopVisitor {
        type Value = Top;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a JSON value")
        }
        skip_other_values!();
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Top, A::Error> {
            let mut top = Top::default();
            while let Some(key) = map.next_key::<Key>()? {
                match key {
                    Key::Outcome => top.outcome = map.next_value::<Text>()?.0,
                    Key::Determination => {
                        top.nested_outcome = map.next_value::<Nested>()?.0;
                    }
                    Key::Supersedes => top.supersedes = map.next_value::<Integer>()?.0,
                    Key::ReviewRecord => top.review_record = map.next_value::<Integer>()?.0,
                    Key::Other => {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
            }
            Ok(top)
        }
    }

    /// A key of the top level.
    enum Key {
        Outcome,
        Determination,
        Supersedes,
        ReviewRecord,
        Other,
    }

    impl<'de> Deserialize<'de> for Key {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct KeyVisitor;
            impl Visitor<'_> for KeyVisitor {
                type Value = Key;
                fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                    f.write_str("a key")
                }
                fn visit_str<E: de::Error>(self, key: &str) -> Result<Key, E> {
                    Ok(match key {
                        "outcome" => Key::Outcome,
                        "determination" => Key::Determination,
                        super::SUPERSEDES => Key::Supersedes,
                        super::REVIEW_RECORD => Key::ReviewRecord,
                        _ => Key::Other,
                    })
                }
            }
            d.deserialize_str(KeyVisitor)
        }
    }

    /// A string value (`Value::as_str`), else nothing.
    #[derive(Default)]
    struct Text(Option<String>);

    impl<'de> Deserialize<'de> for Text {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct TextVisitor;
            impl<'de> Visitor<'de> for TextVisitor {
                type Value = Text;
                fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                    f.write_str("a JSON value")
                }
                fn visit_bool<E: de::Error>(self, _: bool) -> Result<Text, E> {
                    Ok(Text(None))
                }
                fn visit_i64<E: de::Error>(self, _: i64) -> Result<Text, E> {
                    Ok(Text(None))
                }
                fn visit_u64<E: de::Error>(self, _: u64) -> Result<Text, E> {
                    Ok(Text(None))
                }
                fn visit_f64<E: de::Error>(self, _: f64) -> Result<Text, E> {
                    Ok(Text(None))
                }
                fn visit_str<E: de::Error>(self, s: &str) -> Result<Text, E> {
                    Ok(Text(Some(s.to_string())))
                }
                fn visit_unit<E: de::Error>(self) -> Result<Text, E> {
                    Ok(Text(None))
                }
                fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Text, A::Error> {
                    while seq.next_element::<IgnoredAny>()?.is_some() {}
                    Ok(Text(None))
                }
                fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Text, A::Error> {
                    while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                    Ok(Text(None))
                }
            }
            d.deserialize_any(TextVisitor)
        }
    }

    /// An integer that fits in an i64 (`Value::as_i64`), else nothing.
    #[derive(Default)]
    struct Integer(Option<i64>);

    impl<'de> Deserialize<'de> for Integer {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct IntegerVisitor;
            impl<'de> Visitor<'de> for IntegerVisitor {
                type Value = Integer;
                fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                    f.write_str("a JSON value")
                }
                fn visit_bool<E: de::Error>(self, _: bool) -> Result<Integer, E> {
                    Ok(Integer(None))
                }
                fn visit_i64<E: de::Error>(self, i: i64) -> Result<Integer, E> {
                    Ok(Integer(Some(i)))
                }
                fn visit_u64<E: de::Error>(self, u: u64) -> Result<Integer, E> {
                    Ok(Integer(i64::try_from(u).ok()))
                }
                fn visit_f64<E: de::Error>(self, _: f64) -> Result<Integer, E> {
                    Ok(Integer(None))
                }
                fn visit_str<E: de::Error>(self, _: &str) -> Result<Integer, E> {
                    Ok(Integer(None))
                }
                fn visit_unit<E: de::Error>(self) -> Result<Integer, E> {
                    Ok(Integer(None))
                }
                fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Integer, A::Error> {
                    while seq.next_element::<IgnoredAny>()?.is_some() {}
                    Ok(Integer(None))
                }
                fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Integer, A::Error> {
                    while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                    Ok(Integer(None))
                }
            }
            d.deserialize_any(IntegerVisitor)
        }
    }

    /// The string `outcome` of an object (`pointer("/determination/outcome")`), else nothing.
    #[derive(Default)]
    struct Nested(Option<String>);

    impl<'de> Deserialize<'de> for Nested {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct NestedVisitor;
            impl<'de> Visitor<'de> for NestedVisitor {
                type Value = Nested;
                fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                    f.write_str("a JSON value")
                }
                skip_other_values!();
                fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Nested, A::Error> {
                    let mut outcome = None;
                    while let Some(key) = map.next_key::<Key>()? {
                        match key {
                            Key::Outcome => outcome = map.next_value::<Text>()?.0,
                            _ => {
                                map.next_value::<IgnoredAny>()?;
                            }
                        }
                    }
                    Ok(Nested(outcome))
                }
            }
            d.deserialize_any(NestedVisitor)
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
    /// Prepares a new record for the writer: canonical texts, compressed when that is smaller.
    pub fn from_new(r: &NewRecord, codec: &Codec) -> Self {
        let head = RecordHead {
            kind: r.kind,
            actor: r.actor.clone(),
            ruleset: r.ruleset.clone(),
            list_snapshot: r.list_snapshot.clone(),
            transaction_id: r.transaction_id.clone(),
        };
        let fields =
            (r.kind == RecordKind::Determination).then(|| DeterminationFields::of(&r.output));
        Item::new(
            head,
            canonical_json(&r.input),
            canonical_json(&r.output),
            fields,
            codec,
        )
    }

    /// An item from a record's canonical input and output texts; a determination's index
    /// fields are read from the text, as `verify` reads them.
    pub fn from_canonical(head: RecordHead, input: String, output: String, codec: &Codec) -> Self {
        let fields = (head.kind == RecordKind::Determination)
            .then(|| DeterminationFields::from_text(&output).unwrap_or_default());
        Item::new(head, input, output, fields, codec)
    }

    pub(crate) fn new(
        head: RecordHead,
        input: String,
        output: String,
        determination: Option<DeterminationFields>,
        codec: &Codec,
    ) -> Self {
        Item {
            compact: codec.compress(&input, &output),
            kind: head.kind,
            actor: head.actor,
            input,
            output,
            ruleset: head.ruleset,
            list_snapshot: head.list_snapshot,
            transaction_id: head.transaction_id,
            review: None,
            access: None,
            determination,
        }
    }

    /// The input as its text column stores it: empty when the row is compact.
    pub fn stored_input(&self) -> &str {
        if self.compact.is_some() {
            ""
        } else {
            &self.input
        }
    }

    /// The output as its text column stores it: empty when the row is compact.
    pub fn stored_output(&self) -> &str {
        if self.compact.is_some() {
            ""
        } else {
            &self.output
        }
    }

    fn key(&self) -> Option<(RecordKind, String)> {
        self.transaction_id.clone().map(|t| (self.kind, t))
    }

    /// A record that only adds itself: no transaction id to look up first, no review or
    /// access change beside it, not a re-decision whose line is read from an earlier row.
    fn is_plain(&self) -> bool {
        self.transaction_id.is_none()
            && self.review.is_none()
            && self.access.is_none()
            && self
                .determination
                .as_ref()
                .is_none_or(|d| d.supersedes.is_none())
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
    /// Where the record stands: its id and hash, and whether it is new.
    pub fn into_appended(self, transaction_id: Option<String>) -> crate::store::Appended {
        match self {
            Outcome::Existing(existing) => crate::store::Appended {
                id: existing.id,
                hash: existing.hash,
                transaction_id: existing.transaction_id,
                new: false,
            },
            Outcome::Appended(s) => crate::store::Appended {
                id: s.id,
                hash: s.hash,
                transaction_id,
                new: true,
            },
        }
    }

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

impl Stamp {
    /// The tip once this link is the newest.
    fn tip(&self) -> Tip {
        Tip {
            id: self.id,
            hash: self.hash.clone(),
            created_at: self.created_at.clone(),
        }
    }
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

    /// Whether a commit flushes to disk in this process (SQLite: an fsync of the WAL), so
    /// that each record more per commit saves this process CPU and the disk page writes:
    /// then the writer waits a moment for records announced ahead
    /// ([`crate::RecordStore::announce`]). PostgreSQL flushes in its own server, where holding
    /// commits back measured slower (bench/server, 2026-12-03 06:37).
    fn flushes_here(&self) -> bool {
        false
    }

    /// Whether this back end can write a batch of plain records with
    /// [`ChainWriter::insert_committed`]: where a transaction costs round trips to a
    /// server, one statement is much cheaper.
    fn writes_in_one_statement(&self) -> bool {
        false
    }

    /// Inserts `links` (plain records, linked after the newest link this writer committed)
    /// and commits them, in one statement that takes the chain lock itself. `Ok(false)`:
    /// the database refused the statement and nothing was written — the chain has moved on
    /// (another writer appended since: the ids are taken) or another refusal, which the
    /// transaction that follows meets again and reports.
    fn insert_committed(&mut self, _links: &[Link<'_>]) -> Result<bool> {
        Ok(false)
    }
}

/// Most plain batches written in a transaction, after the chain was found moved on, before
/// one statement is tried again: writers that share a database soon stop trying.
const MOST_BATCHES_BEFORE_RETRY: u32 = 64;

/// A writer, and what it knows of the chain from one batch to the next.
pub(crate) struct Chain {
    writer: Box<dyn ChainWriter>,
    /// The newest link this writer committed: still the chain's tip unless another writer
    /// has appended since (kept only for a writer that writes in one statement).
    own_tip: Option<Tip>,
    /// Plain batches to write in a transaction before trying one statement again.
    wait: u32,
    /// What `wait` is set to the next time the chain is found moved on: doubled at each
    /// refusal, halved at each success.
    backoff: u32,
}

impl Chain {
    pub fn new(writer: Box<dyn ChainWriter>) -> Self {
        Chain {
            writer,
            own_tip: None,
            wait: 0,
            backoff: 1,
        }
    }

    /// Writes every item of `groups` and commits; answers per group, per item. Plain
    /// records go in one statement after this writer's own tip when it can; otherwise, or
    /// when the chain has moved on, in a transaction holding the chain lock.
    pub fn write(&mut self, groups: &[&[Item]]) -> Result<Vec<Vec<Outcome>>> {
        match self.write_after_own_tip(groups) {
            Ok(Some(outcomes)) => return Ok(outcomes),
            Ok(None) => {}
            Err(e) => {
                self.own_tip = None;
                return Err(e);
            }
        }
        let written = write_groups(self.writer.as_mut(), groups);
        self.own_tip = match &written {
            Ok((_, tip)) if self.writer.writes_in_one_statement() => tip.clone(),
            _ => None,
        };
        written.map(|(outcomes, _)| outcomes)
    }

    /// The items of `groups` linked after the writer's own tip and written in one
    /// statement; `None` when not tried or refused (nothing written).
    fn write_after_own_tip(&mut self, groups: &[&[Item]]) -> Result<Option<Vec<Vec<Outcome>>>> {
        if self.wait > 0 {
            self.wait -= 1;
            return Ok(None);
        }
        let plain = |_: &Tip| groups.iter().all(|g| g.iter().all(Item::is_plain));
        let Some(tip) = self.own_tip.take().filter(plain) else {
            return Ok(None);
        };
        let mut next = NextLink::after(Some(tip));
        let links: Vec<Link<'_>> = groups
            .iter()
            .flat_map(|g| g.iter())
            .map(|item| next.link(item))
            .collect();
        if !self.writer.insert_committed(&links)? {
            self.wait = self.backoff;
            self.backoff = (self.backoff * 2).min(MOST_BATCHES_BEFORE_RETRY);
            return Ok(None);
        }
        // Halved, not reset: two busy servers sharing a database succeed now and then,
        // and a reset would have them try (and wait on each other's lock) every other batch.
        self.backoff = (self.backoff / 2).max(1);
        self.own_tip = links.last().map(|l| l.stamp.tip());
        let mut stamps = links.into_iter().map(|l| l.stamp);
        Ok(Some(
            groups
                .iter()
                .map(|g| {
                    g.iter()
                        .filter_map(|_| stamps.next().map(Outcome::Appended))
                        .collect()
                })
                .collect(),
        ))
    }
}

/// Writes every item of `groups` in one transaction holding the chain lock; answers per
/// group, per item, and the tip the transaction left.
fn write_groups(
    w: &mut dyn ChainWriter,
    groups: &[&[Item]],
) -> Result<(Vec<Vec<Outcome>>, Option<Tip>)> {
    let written = w
        .begin()
        .and_then(|tip| link_and_insert(w, tip, groups))
        .and_then(|written| w.commit().map(|()| written));
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
) -> Result<(Vec<Vec<Outcome>>, Option<Tip>)> {
    let mut known = stored_keys(w, groups)?;
    let mut next = NextLink::after(tip.clone());
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
    let tip = links.last().map(|l| l.stamp.tip()).or(tip);
    Ok((outcomes, tip))
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
pub(crate) struct NextLink {
    id: i64,
    prev_hash: String,
    created_at: String,
}

impl NextLink {
    pub fn after(tip: Option<Tip>) -> Self {
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

    pub fn link<'a>(&mut self, item: &'a Item) -> Link<'a> {
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

/// A plain determination record numbered `n`, as the writer takes it (texts, no compact
/// form): for tests of the writers.
#[cfg(test)]
pub(crate) fn plain_item(n: usize) -> Item {
    let codec = Codec::new(None, Box::new(|_| Ok(None))).expect("codec");
    Item::from_new(
        &NewRecord {
            kind: RecordKind::Determination,
            actor: "a".into(),
            input: serde_json::json!({ "n": n }),
            output: serde_json::json!({ "outcome": "NLR" }),
            ruleset: None,
            list_snapshot: None,
            transaction_id: None,
        },
        &codec,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// A database in memory that keeps the chain rules (gap-free ids, each link on the one
    /// before), and counts how each batch was written.
    #[derive(Default)]
    struct Ledger {
        links: Vec<Tip>,
        transactions: usize,
        one_statements: usize,
        refused: usize,
    }

    impl Ledger {
        fn tip(&self) -> Option<Tip> {
            self.links.last().cloned()
        }

        fn take(&mut self, links: &[Link<'_>]) {
            for link in links {
                let expected = self
                    .tip()
                    .map_or((1, GENESIS_HASH.to_string()), |t| (t.id + 1, t.hash));
                assert_eq!(
                    (link.stamp.id, link.stamp.prev_hash.clone()),
                    expected,
                    "a link off the chain"
                );
                self.links.push(link.stamp.tip());
            }
        }

        /// Another writer appends a link.
        fn append_elsewhere(&mut self) {
            let (id, prev) = self
                .tip()
                .map_or((1, GENESIS_HASH.to_string()), |t| (t.id + 1, t.hash));
            self.links.push(Tip {
                id,
                hash: format!("{prev}+{id}"),
                created_at: time::now(),
            });
        }
    }

    struct FakeWriter {
        ledger: Arc<Mutex<Ledger>>,
        one_statement: bool,
        pending: Vec<Tip>,
    }

    impl ChainWriter for FakeWriter {
        fn begin(&mut self) -> Result<Option<Tip>> {
            let mut ledger = self.ledger.lock().expect("ledger");
            ledger.transactions += 1;
            Ok(ledger.tip())
        }
        fn existing(&mut self, _: &[(RecordKind, String)]) -> Result<Vec<Record>> {
            Ok(Vec::new())
        }
        fn insert(&mut self, links: &[Link<'_>]) -> Result<()> {
            self.pending = links.iter().map(|l| l.stamp.tip()).collect();
            self.ledger.lock().expect("ledger").take(links);
            Ok(())
        }
        fn commit(&mut self) -> Result<()> {
            Ok(())
        }
        fn rollback(&mut self) {}
        fn writes_in_one_statement(&self) -> bool {
            self.one_statement
        }
        fn insert_committed(&mut self, links: &[Link<'_>]) -> Result<bool> {
            let mut ledger = self.ledger.lock().expect("ledger");
            let first = links.first().expect("a link");
            let still_at_tip = ledger
                .tip()
                .is_some_and(|t| t.id + 1 == first.stamp.id && t.hash == first.stamp.prev_hash);
            if !still_at_tip {
                ledger.refused += 1;
                return Ok(false);
            }
            ledger.one_statements += 1;
            ledger.take(links);
            Ok(true)
        }
    }

    fn chain(one_statement: bool) -> (Chain, Arc<Mutex<Ledger>>) {
        let ledger = Arc::new(Mutex::new(Ledger::default()));
        let writer = FakeWriter {
            ledger: Arc::clone(&ledger),
            one_statement,
            pending: Vec::new(),
        };
        (Chain::new(Box::new(writer)), ledger)
    }

    /// Writes one batch of `items` in two groups; the ids answered, in order.
    fn write(chain: &mut Chain, items: &[Item]) -> Vec<i64> {
        let (a, b) = items.split_at(items.len() / 2);
        chain
            .write(&[a, b])
            .expect("written")
            .into_iter()
            .flatten()
            .map(|o| match o {
                Outcome::Appended(stamp) => stamp.id,
                Outcome::Existing(record) => record.id,
            })
            .collect()
    }

    fn counts(ledger: &Arc<Mutex<Ledger>>) -> (usize, usize, usize) {
        let l = ledger.lock().expect("ledger");
        (l.transactions, l.one_statements, l.refused)
    }

    #[test]
    fn plain_batches_after_the_writers_own_tip_take_one_statement() {
        let (mut chain, ledger) = chain(true);
        let items: Vec<Item> = (0..4).map(plain_item).collect();
        assert_eq!(write(&mut chain, &items), vec![1, 2, 3, 4]);
        assert_eq!(write(&mut chain, &items), vec![5, 6, 7, 8]);
        assert_eq!(write(&mut chain, &items), vec![9, 10, 11, 12]);
        // The first batch learns the tip in a transaction; the next ones need none.
        assert_eq!(counts(&ledger), (1, 2, 0));
    }

    #[test]
    fn a_chain_moved_on_is_written_in_a_transaction_and_one_statement_tried_again_later() {
        let (mut chain, ledger) = chain(true);
        let items: Vec<Item> = (0..2).map(plain_item).collect();
        write(&mut chain, &items);
        ledger.lock().expect("ledger").append_elsewhere();
        // Refused (nothing written), then written after the real tip in a transaction.
        assert_eq!(write(&mut chain, &items), vec![4, 5]);
        assert_eq!(counts(&ledger), (2, 0, 1));
        // One batch in a transaction before trying again; then one statement again.
        assert_eq!(write(&mut chain, &items), vec![6, 7]);
        assert_eq!(counts(&ledger), (3, 0, 1));
        assert_eq!(write(&mut chain, &items), vec![8, 9]);
        assert_eq!(counts(&ledger), (3, 1, 1));
        // Moved on again at the next try: twice as many batches wait.
        ledger.lock().expect("ledger").append_elsewhere();
        write(&mut chain, &items);
        write(&mut chain, &items);
        assert_eq!(counts(&ledger), (5, 1, 2));
        ledger.lock().expect("ledger").append_elsewhere();
        write(&mut chain, &items);
        assert_eq!(counts(&ledger), (6, 1, 3));
        write(&mut chain, &items);
        write(&mut chain, &items);
        assert_eq!(counts(&ledger), (8, 1, 3));
        write(&mut chain, &items);
        assert_eq!(counts(&ledger), (8, 2, 3));
        // A success halves the wait rather than forgetting it: the next refusal waits two.
        ledger.lock().expect("ledger").append_elsewhere();
        write(&mut chain, &items);
        assert_eq!(counts(&ledger), (9, 2, 4));
        write(&mut chain, &items);
        write(&mut chain, &items);
        assert_eq!(counts(&ledger), (11, 2, 4));
        write(&mut chain, &items);
        assert_eq!(counts(&ledger), (11, 3, 4));
        let l = ledger.lock().expect("ledger");
        assert_eq!(
            l.links.len(),
            14 * 2 + 4,
            "every record written once, in one chain"
        );
    }

    #[test]
    fn records_that_need_the_transaction_never_take_one_statement() {
        let (mut chain, ledger) = chain(true);
        let items: Vec<Item> = (0..2).map(plain_item).collect();
        write(&mut chain, &items);
        let mut keyed = plain_item(9);
        keyed.transaction_id = Some("order-1".into());
        let mut redecision = plain_item(10);
        redecision.determination = Some(DeterminationFields {
            supersedes: Some(1),
            ..DeterminationFields::default()
        });
        for item in [keyed, redecision] {
            chain
                .write(&[std::slice::from_ref(&item)])
                .expect("written");
        }
        assert_eq!(counts(&ledger), (3, 0, 0));
    }

    #[test]
    fn a_writer_without_one_statement_always_writes_in_a_transaction() {
        let (mut chain, ledger) = chain(false);
        let items: Vec<Item> = (0..2).map(plain_item).collect();
        for _ in 0..3 {
            write(&mut chain, &items);
        }
        assert_eq!(counts(&ledger), (3, 0, 0));
    }

    /// Verify reads a determination's index fields from its text without building the
    /// document: the answers must be those of the `Value` reading that appends use.
    #[test]
    fn index_fields_from_text_are_those_of_the_document() {
        let outputs = [
            r#"{"outcome":"HOLD","trace":[{"a":[1,{"outcome":"X"}]}]}"#,
            r#"{"determination":{"outcome":"NLR","trace":[]},"hits":[],"needs_review":[]}"#,
            r#"{"determination":{"outcome":"NLR"},"outcome":"ACE"}"#,
            r#"{"determination":{"outcome":7},"outcome":null}"#,
            r#"{"determination":["outcome"],"outcome":{"outcome":"ACE"}}"#,
            r#"{"determination":{"x":{"outcome":"deep"}}}"#,
            r#"{"review_record":12,"supersedes":9,"outcome":"NLR"}"#,
            r#"{"review_record":-3,"supersedes":1.0}"#,
            r#"{"review_record":18446744073709551615,"supersedes":"9"}"#,
            r#"{"supersedes":[1],"review_record":{"id":1}}"#,
            r#"{"outcome":"A","outcome":"B"}"#,
            r#"{"outcome":"é \"q\" \\ \n"}"#,
            r#"[{"outcome":"ACE"}]"#,
            r#""ACE""#,
            r#"null"#,
        ];
        for text in outputs {
            let value: Value = serde_json::from_str(text).expect("JSON");
            assert_eq!(
                DeterminationFields::from_text(text).expect("read"),
                DeterminationFields::of(&value),
                "{text}"
            );
        }
        assert!(DeterminationFields::from_text(r#"{"outcome":"ACE""#).is_err());
    }
}
