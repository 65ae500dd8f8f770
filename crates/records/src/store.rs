//! The `RecordStore` interface and its one implementation over any database back end.

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use crate::chain::{review_item, DeterminationFields, Item};
use crate::compact::{dictionary_problem, Codec};
use crate::error::{Error, Result};
use crate::export;
use crate::group::{Arrival, GroupCommit};
use crate::query::Selection;
use crate::row::{ReviewRow, Row};
use crate::time;
use crate::tokens::{self, AccessChange};
use crate::types::{
    BrokenLink, DeterminationLink, Filter, Format, Head, NewRecord, NewReview, NewToken, Record,
    RecordHead, RecordKind, ReviewDecision, ReviewKey, Session, SignIn, Token, VerifyReport,
};
use crate::verify::{
    check_rows, determination_differences, expected_review, review_differences, row_problem,
    ChainCheck, Checked, IndexPages,
};
use serde::Serialize;

/// Records read per query when streaming (verify, export, unlimited lists).
const PAGE: usize = 1000;

/// The record keeping of ace: an append-only, hash-chained log plus tokens and the review index.
///
/// Synchronous; every method may block on the database (call it from `spawn_blocking` in
/// async code). Appends are group-committed: concurrent callers share one transaction.
pub trait RecordStore: Send + Sync {
    /// Appends a record; it is durable when this returns. If a record of the same kind with the
    /// same `transaction_id` exists, returns that one and appends nothing. An error does not
    /// prove that nothing was written (the connection may break during `COMMIT`): retry with
    /// the same `transaction_id`.
    fn append(&self, record: NewRecord) -> Result<Record>;
    /// [`RecordStore::append`] without waiting: `done` is called with the record once it is
    /// durable (or with the error), from the writer thread — so it must be quick (e.g. send
    /// on a channel). For callers that must not block a thread on the commit.
    fn append_then(&self, record: NewRecord, done: Box<dyn FnOnce(Result<Record>) + Send>);
    /// What makes records ready to append on any thread ([`Prepared`]).
    fn preparer(&self) -> Preparer;
    /// Announces a record that will be appended soon, before it is worked out: hand the
    /// [`Arrival`] over with [`Prepared::announced`] (or drop it to give the record up).
    /// On SQLite, while one is outstanding the writer holds its next commit a moment
    /// (≤ 1 ms) so that the record shares it: under load, fewer fsyncs and page writes per
    /// record. PostgreSQL flushes in its own server and does not wait for it.
    fn announce(&self) -> Arrival;
    /// [`RecordStore::append_then`] of a record prepared beforehand, perhaps on another
    /// thread: the caller's thread only hands it to the writer.
    fn append_prepared_then(
        &self,
        prepared: Prepared,
        done: Box<dyn FnOnce(Result<Appended>) + Send>,
    );
    /// Appends several records in one transaction, in order (same idempotency rule per record).
    fn append_many(&self, records: Vec<NewRecord>) -> Result<Vec<Record>>;
    /// The record with this id.
    fn get(&self, id: i64) -> Result<Option<Record>>;
    /// Records matching the filter, oldest first (all of them when `limit` is `None`).
    fn list(&self, filter: &Filter) -> Result<Vec<Record>>;
    /// Number of records.
    fn count(&self) -> Result<u64>;
    /// The newest record's id and hash: note it outside the database as an anchor.
    fn head(&self) -> Result<Option<Head>>;
    /// Checks the whole chain, page by page; reports the first broken link.
    fn verify(&self) -> Result<VerifyReport>;
    /// Checks the chain after record `id` (whose hash is `prev_hash`) as [`verify`] checks
    /// it — ids gap-free, each row's texts hashed again, each linked to the one before —
    /// without the index tables: the newest record, `None` when there is none after `id`,
    /// or the first broken link. What a checkpoint is signed over.
    ///
    /// [`verify`]: RecordStore::verify
    fn check_chain_after(
        &self,
        id: i64,
        prev_hash: &str,
    ) -> Result<std::result::Result<Option<Head>, BrokenLink>>;
    /// Writes the matching records; returns how many.
    fn export(&self, filter: &Filter, format: Format, out: &mut dyn Write) -> Result<u64>;
    /// Appends a review record and indexes the decision for later screenings, atomically.
    fn record_review(&self, review: NewReview) -> Result<Record>;
    /// Every decision recorded for this normalized party name, list and entry, oldest first.
    fn reviews_for(
        &self,
        party_key: &str,
        list: &str,
        entry_id: &str,
    ) -> Result<Vec<ReviewDecision>> {
        let key = ReviewKey {
            party_key: party_key.to_string(),
            list: list.to_string(),
            entry_id: entry_id.to_string(),
        };
        Ok(self.reviews_for_keys(&[key])?.pop().unwrap_or_default())
    }
    /// [`RecordStore::reviews_for`] for several keys at once, in one database round trip:
    /// the decisions of `keys[i]` are at `[i]`, oldest first.
    fn reviews_for_keys(&self, keys: &[ReviewKey]) -> Result<Vec<Vec<ReviewDecision>>>;
    /// [`RecordStore::reviews_for_keys`] when the store can answer from memory, without any
    /// I/O (PostgreSQL's review index, once loaded); `None` otherwise.
    fn reviews_at_hand(&self, keys: &[ReviewKey]) -> Option<Vec<Vec<ReviewDecision>>> {
        let _ = keys;
        None
    }
    /// The line of determination records `id` belongs to — each re-decision after a review
    /// supersedes the record before it — oldest first; its newest record is the current
    /// state. Empty when `id` is not a determination record.
    fn determination_line(&self, id: i64) -> Result<Vec<DeterminationLink>>;
    /// The lines whose newest record is `HOLD`, oldest line first (by the id of its first
    /// record), only lines after `after_line`, at most `limit`: the newest record of each.
    fn held(&self, after_line: i64, limit: usize) -> Result<Vec<DeterminationLink>>;
    /// Creates a token, recorded (an `access` record by `new.actor`) in the same transaction;
    /// returns its secret, which is not stored and cannot be shown again.
    /// `Error::DuplicateToken` when any token, even a revoked one, has the name.
    fn create_token(&self, new: &NewToken) -> Result<String>;
    /// Revokes a token at once — it and its web sessions stop working on every server — and
    /// records it; returns the token as it is now.
    fn revoke_token(&self, name: &str, actor: &str) -> Result<Token>;
    /// Gives a token a new secret — the old secret and its web sessions stop working at
    /// once — and records it; returns the new secret.
    fn rotate_token(&self, name: &str, actor: &str) -> Result<String>;
    /// The active token (neither expired nor revoked) a secret belongs to, if any.
    fn authenticate(&self, secret: &str) -> Result<Option<Token>>;
    /// [`RecordStore::authenticate`] when it can be answered without waiting (from memory,
    /// or a read on a connection at hand that cannot block); `None` when it cannot, and the
    /// caller asks [`RecordStore::authenticate`] where blocking is allowed.
    fn authenticate_at_hand(&self, secret: &str) -> Option<Result<Option<Token>>>;
    /// All tokens by name, expired and revoked ones included.
    fn list_tokens(&self) -> Result<Vec<Token>>;
    /// Starts a web session for the active token of `secret`, for `lifetime` (never past the
    /// token's expiry), and records the sign-in; `None` when the secret is no active token's.
    fn sign_in(&self, secret: &str, lifetime: Duration) -> Result<Option<SignIn>>;
    /// The live session with this id: unexpired, its token active with the secret it was
    /// started with.
    fn session(&self, id: &str) -> Result<Option<Session>>;
    /// Ends the session with this id and records the sign-out; nothing when there is none.
    fn sign_out(&self, id: &str) -> Result<()>;
}

/// The reading side and the tokens of a database; appends go through a [`crate::chain::ChainWriter`].
pub(crate) trait Backend: Send + Sync + 'static {
    /// Rows matching a selection, ordered by id, at most `limit`.
    fn rows(&self, selection: &Selection, limit: usize) -> Result<Vec<Row>>;
    /// One row.
    fn row(&self, id: i64) -> Result<Option<Row>>;
    /// Number of rows.
    fn count(&self) -> Result<u64>;
    /// The newest row's id and hash.
    fn head(&self) -> Result<Option<Head>>;
    /// Indexed review decisions for each key (`[i]` for `keys[i]`), oldest first.
    fn reviews_for_keys(&self, keys: &[ReviewKey]) -> Result<Vec<Vec<ReviewDecision>>>;
    /// Review decisions from memory, without I/O, when the back end keeps them there.
    fn reviews_at_hand(&self, keys: &[ReviewKey]) -> Option<Vec<Vec<ReviewDecision>>> {
        let _ = keys;
        None
    }
    /// Called after this store recorded a review decision, before `record_review` returns:
    /// a back end that keeps decisions in memory loads it here.
    fn reviews_recorded(&self) {}
    /// Rows of `reviews` with a record id above `after`, in order, at most `limit`.
    fn review_rows(&self, after: i64, limit: usize) -> Result<Vec<ReviewRow>>;
    /// Rows of `determinations` with a record id above `after`, in order, at most `limit`.
    fn determination_rows(&self, after: i64, limit: usize) -> Result<Vec<DeterminationLink>>;
    /// The rows of the line record `id` belongs to, in order (none when it has no row).
    fn line_rows(&self, id: i64) -> Result<Vec<DeterminationLink>>;
    /// The newest row of each line whose newest row is `HOLD`, lines after `after_line`, by line.
    fn held_rows(&self, after_line: i64, limit: usize) -> Result<Vec<DeterminationLink>>;
    /// The token with this name, whatever its state.
    fn token(&self, name: &str) -> Result<Option<Token>>;
    /// The active token with this secret hash at time `now`.
    fn token_by_hash(&self, secret_hash: &str, now: &str) -> Result<Option<Token>>;
    /// [`Backend::token_by_hash`] without waiting: from memory, or from a connection at hand
    /// when the read cannot block; `None` when it cannot be answered that way.
    fn token_at_hand(&self, secret_hash: &str, now: &str) -> Option<Result<Option<Token>>>;
    /// Called after a token change made through this store was committed: a back end that
    /// keeps tokens in memory must not answer from the state before it.
    fn tokens_changed(&self) {}
    /// All tokens by name.
    fn tokens(&self) -> Result<Vec<Token>>;
    /// The live session with this id hash at time `now` (see [`tokens::sql::LIVE_SESSION`]).
    fn session_by_hash(&self, id_sha256: &str, now: &str) -> Result<Option<Session>>;
    /// The token name of the session with this id hash, live or not.
    fn session_token(&self, id_sha256: &str) -> Result<Option<String>>;
    /// Every row of `dictionaries`: id, SHA-256 as stored, bytes.
    fn dictionaries(&self) -> Result<Vec<(i64, String, Vec<u8>)>>;
}

/// JSON text in the canonical form records are hashed over; made only by
/// [`Canonical::of`], so a record prepared from it cannot carry another form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Canonical(String);

impl Canonical {
    /// The canonical text of a value, written straight from it ([`crate::canonical_json_of`]).
    pub fn of<T: Serialize + ?Sized>(value: &T) -> serde_json::Result<Self> {
        crate::canonical_json_of(value).map(Canonical)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A record made ready to append — its canonical texts and compact form worked out — on
/// whichever thread made it, so that the thread handing records to the writer in order
/// (`ace batch --record`) only hands them over.
pub struct Prepared {
    item: Item,
    /// The codec of the store it was prepared for.
    codec: Arc<Codec>,
    /// Its announcement ([`RecordStore::announce`]), if it was announced.
    arrival: Arrival,
}

impl Prepared {
    /// This record is the one `arrival` announced: the writer stops waiting for it once it
    /// has it.
    pub fn announced(mut self, arrival: Arrival) -> Self {
        self.arrival = arrival;
        self
    }

    /// The record's transaction id, as it will be stored.
    pub fn transaction_id(&self) -> Option<&str> {
        self.item.transaction_id.as_deref()
    }
}

/// Where a prepared record stands in the chain once appended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appended {
    pub id: i64,
    pub hash: String,
    pub transaction_id: Option<String>,
    /// False when a record of the same kind and transaction id was there already: it is
    /// that record's place (appending is idempotent).
    pub new: bool,
}

/// Makes [`Prepared`] records for one store; cheap to clone, for any thread.
#[derive(Clone)]
pub struct Preparer {
    codec: Arc<Codec>,
}

impl Preparer {
    /// A record from its canonical input and output, ready to append.
    pub fn prepare(&self, head: RecordHead, input: Canonical, output: Canonical) -> Prepared {
        self.ready(Item::from_canonical(head, input.0, output.0, &self.codec))
    }

    /// [`Preparer::prepare`] for a determination whose index fields the caller knows from
    /// the value its output was written from, so the output's text is not read again for
    /// them. They must be what the text says ([`DeterminationFields::from_text`]): debug
    /// builds check it here, and `ace records verify` compares the index with every
    /// record's text either way.
    pub fn prepare_determination(
        &self,
        head: RecordHead,
        input: Canonical,
        output: Canonical,
        fields: DeterminationFields,
    ) -> Prepared {
        debug_assert_eq!(head.kind, RecordKind::Determination);
        debug_assert_eq!(
            DeterminationFields::from_text(&output.0).ok(),
            Some(fields.clone()),
            "index fields other than the output's text says"
        );
        self.ready(Item::new(
            head,
            input.0,
            output.0,
            Some(fields),
            &self.codec,
        ))
    }

    fn ready(&self, item: Item) -> Prepared {
        Prepared {
            item,
            codec: Arc::clone(&self.codec),
            arrival: Arrival::default(),
        }
    }
}

/// A back end with its group-commit writer.
pub(crate) struct Store<B: Backend> {
    backend: B,
    writer: GroupCommit,
    codec: Arc<Codec>,
}

impl<B: Backend> Store<B> {
    /// Joins a back end, its writer and the codec of compact rows.
    pub fn new(backend: B, writer: GroupCommit, codec: Arc<Codec>) -> Self {
        Store {
            backend,
            writer,
            codec,
        }
    }

    /// Calls `each` for every matching row, texts expanded, until it returns false.
    fn for_each_row(
        &self,
        filter: &Filter,
        mut each: impl FnMut(Row) -> Result<bool>,
    ) -> Result<()> {
        self.for_each_page(filter, |page| {
            for row in page {
                if !each(row.expanded(&self.codec)?)? {
                    return Ok(false);
                }
            }
            Ok(true)
        })
    }

    /// Calls `each` for every page of matching rows as stored (compact rows not expanded),
    /// until it returns false.
    fn for_each_page(
        &self,
        filter: &Filter,
        mut each: impl FnMut(Vec<Row>) -> Result<bool>,
    ) -> Result<()> {
        let mut selection = Selection::of(filter)?;
        let mut remaining = filter.limit.unwrap_or(usize::MAX);
        if selection.before_id.is_some() {
            // Paging back: one page, the newest before the id, given oldest first.
            let mut page = self.backend.rows(&selection, remaining.min(PAGE))?;
            page.reverse();
            each(page)?;
            return Ok(());
        }
        while remaining > 0 {
            let page = self.backend.rows(&selection, remaining.min(PAGE))?;
            let full = page.len() == remaining.min(PAGE);
            remaining -= page.len();
            let Some(last) = page.last() else {
                break;
            };
            selection.after_id = last.id;
            if !each(page)? || !full {
                break;
            }
        }
        Ok(())
    }

    /// The first dictionary whose bytes are not those its SHA-256 names.
    fn dictionary_problem(&self) -> Result<Option<BrokenLink>> {
        Ok(self
            .backend
            .dictionaries()?
            .iter()
            .find_map(|(id, sha256, bytes)| dictionary_problem(*id, sha256, bytes))
            .map(|problem| BrokenLink { id: 0, problem }))
    }
}

impl<B: Backend> Store<B> {
    /// Whether the index rows of record `row` (in `reviews` and `determinations`) say what
    /// the record says: the first disagreement, if any. An edited, added or removed index
    /// row shows here even though the chain holds.
    fn index_problem(
        &self,
        checked: &Checked,
        reviews: &mut IndexPages<ReviewRow, impl FnMut(i64) -> Result<Vec<ReviewRow>>>,
        lines: &mut IndexPages<
            DeterminationLink,
            impl FnMut(i64) -> Result<Vec<DeterminationLink>>,
        >,
    ) -> Result<Option<BrokenLink>> {
        let row = &checked.row;
        let broken = |id: i64, problem: String| Ok(Some(BrokenLink { id, problem }));
        let orphan = |table: &str, id: i64| {
            broken(
                id,
                format!(
                    "the {table} table has a row for record {id}, which is not a {} record",
                    if table == "reviews" {
                        "review"
                    } else {
                        "determination"
                    }
                ),
            )
        };
        match (row.kind.as_str(), reviews.take(row.id)?) {
            (_, Err(id))
            | ("determination" | "screening", Ok(Some(ReviewRow { record_id: id, .. }))) => {
                return orphan("reviews", id)
            }
            ("review", Ok(None)) => {
                return broken(
                    row.id,
                    format!("review record {} has no row in the reviews table", row.id),
                )
            }
            ("review", Ok(Some(table))) => {
                let record = match expected_review(row) {
                    Ok(r) => r,
                    Err(problem) => return broken(row.id, problem),
                };
                let differences = review_differences(&table, &record);
                if !differences.is_empty() {
                    return broken(
                        row.id,
                        format!(
                            "the reviews row of record {} was changed: {}",
                            row.id,
                            differences.join("; ")
                        ),
                    );
                }
            }
            _ => {}
        }
        match (row.kind.as_str(), lines.take(row.id)?) {
            (_, Err(id))
            | ("review" | "screening", Ok(Some(DeterminationLink { record_id: id, .. }))) => {
                orphan("determinations", id)
            }
            ("determination", Ok(None)) => broken(
                row.id,
                format!(
                    "determination record {} has no row in the determinations table",
                    row.id
                ),
            ),
            ("determination", Ok(Some(table))) => {
                let fields = match &checked.determination {
                    Some(Ok(fields)) => fields,
                    Some(Err(problem)) => return broken(row.id, problem.clone()),
                    None => return broken(row.id, "output was not read".to_string()),
                };
                let line = match fields.supersedes {
                    Some(s) => self
                        .backend
                        .determination_rows(s.saturating_sub(1), 1)?
                        .into_iter()
                        .find(|l| l.record_id == s)
                        .map_or(row.id, |l| l.line),
                    None => row.id,
                };
                let differences = determination_differences(&table, fields, line);
                if differences.is_empty() {
                    Ok(None)
                } else {
                    broken(
                        row.id,
                        format!(
                            "the determinations row of record {} was changed: {}",
                            row.id,
                            differences.join("; ")
                        ),
                    )
                }
            }
            _ => Ok(None),
        }
    }
}

impl<B: Backend> RecordStore for Store<B> {
    fn append(&self, record: NewRecord) -> Result<Record> {
        let mut appended = self.append_many(vec![record])?;
        appended.pop().ok_or(crate::Error::WriterGone)
    }

    fn append_then(&self, record: NewRecord, done: Box<dyn FnOnce(Result<Record>) + Send>) {
        let items = vec![Item::from_new(&record, &self.codec)];
        self.writer.submit_then(
            items,
            Arrival::default(),
            Box::new(move |outcomes| {
                let outcome = outcomes.and_then(|mut o| o.pop().ok_or(crate::Error::WriterGone));
                done(outcome.map(|o| o.into_record(record)));
            }),
        );
    }

    fn preparer(&self) -> Preparer {
        Preparer {
            codec: Arc::clone(&self.codec),
        }
    }

    fn announce(&self) -> Arrival {
        self.writer.announce()
    }

    fn append_prepared_then(
        &self,
        prepared: Prepared,
        done: Box<dyn FnOnce(Result<Appended>) + Send>,
    ) {
        // Compact texts name this database's dictionary: one prepared for another store
        // is compressed again.
        let mut item = prepared.item;
        if !Arc::ptr_eq(&prepared.codec, &self.codec) {
            item.compact = self.codec.compress(&item.input, &item.output);
        }
        let transaction_id = item.transaction_id.clone();
        self.writer.submit_then(
            vec![item],
            prepared.arrival,
            Box::new(move |outcomes| {
                let outcome = outcomes.and_then(|mut o| o.pop().ok_or(crate::Error::WriterGone));
                done(outcome.map(|o| o.into_appended(transaction_id)));
            }),
        );
    }

    fn append_many(&self, records: Vec<NewRecord>) -> Result<Vec<Record>> {
        let items = records
            .iter()
            .map(|r| Item::from_new(r, &self.codec))
            .collect();
        let outcomes = self.writer.submit(items)?;
        Ok(outcomes
            .into_iter()
            .zip(records)
            .map(|(o, r)| o.into_record(r))
            .collect())
    }

    fn get(&self, id: i64) -> Result<Option<Record>> {
        self.backend
            .row(id)?
            .map(|row| row.expanded(&self.codec)?.into_record())
            .transpose()
    }

    fn list(&self, filter: &Filter) -> Result<Vec<Record>> {
        let mut records = Vec::new();
        self.for_each_row(filter, |row| {
            records.push(row.into_record()?);
            Ok(true)
        })?;
        Ok(records)
    }

    fn count(&self) -> Result<u64> {
        self.backend.count()
    }

    fn head(&self) -> Result<Option<Head>> {
        self.backend.head()
    }

    /// The chain is read page by page on one thread while the pages before are checked:
    /// each row's texts decompressed and hashed, and a determination's index fields read, on
    /// every core ([`check_rows`]); then the links and index rows in order on this one.
    fn verify(&self) -> Result<VerifyReport> {
        let mut check = ChainCheck::new();
        let mut reviews = IndexPages::new(|after| self.backend.review_rows(after, PAGE));
        let mut lines = IndexPages::new(|after| self.backend.determination_rows(after, PAGE));
        let mut index: Option<BrokenLink> = None;
        let mut chain_ok = true;
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get().clamp(1, 8));
        std::thread::scope(|scope| -> Result<()> {
            let (pages, arriving) = std::sync::mpsc::sync_channel::<Result<Vec<Row>>>(2);
            scope.spawn(move || {
                let read = self.for_each_page(&Filter::default(), |page| {
                    // A closed channel: the check stopped at a broken link.
                    Ok(pages.send(Ok(page)).is_ok())
                });
                if let Err(e) = read {
                    let _ = pages.send(Err(e));
                }
            });
            for page in arriving {
                for checked in check_rows(page?, &self.codec, threads) {
                    if !check.next(&checked.row, checked.problem.as_deref()) {
                        chain_ok = false;
                        return Ok(());
                    }
                    if index.is_none() {
                        index = self.index_problem(&checked, &mut reviews, &mut lines)?;
                    }
                }
            }
            Ok(())
        })?;
        if chain_ok && index.is_none() {
            let left = [
                ("reviews", reviews.leftover()?),
                ("determinations", lines.leftover()?),
            ];
            index = left.into_iter().find_map(|(table, id)| {
                id.map(|id| BrokenLink {
                    id,
                    problem: format!(
                        "the {table} table has a row for record {id}, which does not exist"
                    ),
                })
            });
        }
        if chain_ok && index.is_none() {
            index = self.dictionary_problem()?;
        }
        Ok(check.finish(index))
    }

    fn check_chain_after(
        &self,
        id: i64,
        prev_hash: &str,
    ) -> Result<std::result::Result<Option<Head>, BrokenLink>> {
        let mut check = ChainCheck::after(id, prev_hash);
        let after = Filter {
            after_id: Some(id),
            ..Filter::default()
        };
        // Rows as stored, hashed from their texts: no JSON document is built per record, and
        // no index field read (a server's checkpoint checks every record it appended since
        // the last one).
        self.for_each_page(&after, |page| {
            for mut row in page {
                let problem = row_problem(&mut row, &self.codec);
                if !check.next(&row, problem.as_deref()) {
                    return Ok(false);
                }
            }
            Ok(true)
        })?;
        Ok(check.outcome())
    }

    fn export(&self, filter: &Filter, format: Format, out: &mut dyn Write) -> Result<u64> {
        export::start(format, out)?;
        let mut written = 0;
        self.for_each_row(filter, |row| {
            export::write_row(format, row, out)?;
            written += 1;
            Ok(true)
        })?;
        out.flush()?;
        Ok(written)
    }

    fn record_review(&self, review: NewReview) -> Result<Record> {
        let (record, fields) = review_item(&review)?;
        let mut item = Item::from_new(&record, &self.codec);
        item.review = Some(fields);
        let mut outcomes = self.writer.submit(vec![item])?;
        let outcome = outcomes.pop().ok_or(crate::Error::WriterGone)?;
        self.backend.reviews_recorded();
        Ok(outcome.into_record(record))
    }

    fn reviews_for_keys(&self, keys: &[ReviewKey]) -> Result<Vec<Vec<ReviewDecision>>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        self.backend.reviews_for_keys(keys)
    }

    fn reviews_at_hand(&self, keys: &[ReviewKey]) -> Option<Vec<Vec<ReviewDecision>>> {
        self.backend.reviews_at_hand(keys)
    }

    fn determination_line(&self, id: i64) -> Result<Vec<DeterminationLink>> {
        self.backend.line_rows(id)
    }

    fn held(&self, after_line: i64, limit: usize) -> Result<Vec<DeterminationLink>> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        self.backend.held_rows(after_line, limit)
    }

    fn create_token(&self, new: &NewToken) -> Result<String> {
        tokens::check_name(&new.name)?;
        if self.backend.token(&new.name)?.is_some() {
            return Err(Error::DuplicateToken(new.name.clone()));
        }
        let (change, secret) = tokens::create(new)?;
        self.record_access(change, &new.actor)?;
        Ok(secret)
    }

    fn revoke_token(&self, name: &str, actor: &str) -> Result<Token> {
        self.revocable(name)?;
        let change = AccessChange::Revoke {
            name: name.to_string(),
        };
        self.record_access(change, actor)?;
        self.backend
            .token(name)?
            .ok_or_else(|| Error::UnknownToken(name.to_string()))
    }

    fn rotate_token(&self, name: &str, actor: &str) -> Result<String> {
        self.revocable(name)?;
        let secret = tokens::new_secret()?;
        let change = AccessChange::Rotate {
            name: name.to_string(),
            secret_sha256: tokens::secret_hash(&secret),
        };
        self.record_access(change, actor)?;
        Ok(secret)
    }

    fn authenticate(&self, secret: &str) -> Result<Option<Token>> {
        self.backend
            .token_by_hash(&tokens::secret_hash(secret), &time::now())
    }

    fn authenticate_at_hand(&self, secret: &str) -> Option<Result<Option<Token>>> {
        self.backend
            .token_at_hand(&tokens::secret_hash(secret), &time::now())
    }

    fn list_tokens(&self) -> Result<Vec<Token>> {
        self.backend.tokens()
    }

    fn sign_in(&self, secret: &str, lifetime: Duration) -> Result<Option<SignIn>> {
        let Some(token) = self.authenticate(secret)? else {
            return Ok(None);
        };
        let id = tokens::random_hex()?;
        let csrf = tokens::random_hex()?;
        // Never past the token's own expiry.
        let session_end = time::after(lifetime);
        let expires_at = match &token.expires_at {
            Some(token_end) if *token_end < session_end => token_end.clone(),
            _ => session_end,
        };
        let change = AccessChange::SignIn {
            id_sha256: tokens::secret_hash(&id),
            token_name: token.name.clone(),
            token_secret_sha256: tokens::secret_hash(secret),
            csrf: csrf.clone(),
            expires_at: expires_at.clone(),
        };
        self.record_access(change, &token.name)?;
        Ok(Some(SignIn {
            id,
            session: Session {
                token_name: token.name,
                role: token.role,
                csrf,
                expires_at,
            },
        }))
    }

    fn session(&self, id: &str) -> Result<Option<Session>> {
        self.backend
            .session_by_hash(&tokens::secret_hash(id), &time::now())
    }

    fn sign_out(&self, id: &str) -> Result<()> {
        let id_sha256 = tokens::secret_hash(id);
        let Some(token_name) = self.backend.session_token(&id_sha256)? else {
            return Ok(());
        };
        self.record_access(AccessChange::SignOut { id_sha256 }, &token_name)?;
        Ok(())
    }
}

impl<B: Backend> Store<B> {
    /// Appends the `access` record of a change and makes the change, in one transaction.
    fn record_access(&self, change: AccessChange, actor: &str) -> Result<Record> {
        let record = tokens::access_record(&change, actor);
        let changes_tokens = change.changes_tokens();
        let mut item = Item::from_new(&record, &self.codec);
        item.access = Some(change);
        let submitted = self.writer.submit(vec![item]);
        if changes_tokens {
            // Committed (or failed) by now: either way, not answered from memory before it.
            self.backend.tokens_changed();
        }
        let mut outcomes = submitted?;
        let outcome = outcomes.pop().ok_or(Error::WriterGone)?;
        Ok(outcome.into_record(record))
    }

    /// `Ok` when the token exists and is not revoked (it may have expired: revoking or
    /// rotating an expired token is allowed).
    fn revocable(&self, name: &str) -> Result<()> {
        match self.backend.token(name)? {
            None => Err(Error::UnknownToken(name.to_string())),
            Some(t) if t.revoked_at.is_some() => Err(Error::TokenRevoked(name.to_string())),
            Some(_) => Ok(()),
        }
    }
}
