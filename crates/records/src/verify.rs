//! Checking the chain link by link, as the pages of records stream past.

use std::collections::VecDeque;

use crate::canonical::GENESIS_HASH;
use crate::chain::DeterminationFields;
use crate::compact::Codec;
use crate::error::Result;
use crate::row::{ReviewRow, Row};
use crate::types::{BrokenLink, DeterminationLink, Head, NewReview, VerifyReport};

/// The state of a chain check: what the next record must look like.
pub(crate) struct ChainCheck {
    expected_id: i64,
    prev_hash: String,
    records: u64,
    broken: Option<BrokenLink>,
    head: Option<Head>,
}

impl ChainCheck {
    /// A check starting at record 1.
    pub fn new() -> Self {
        ChainCheck {
            expected_id: 1,
            prev_hash: GENESIS_HASH.to_string(),
            records: 0,
            broken: None,
            head: None,
        }
    }

    /// A check of the records after record `id`, whose hash is `prev_hash` (a head signed
    /// before: the checkpointer checks only what was appended since).
    pub fn after(id: i64, prev_hash: &str) -> Self {
        ChainCheck {
            expected_id: id + 1,
            prev_hash: prev_hash.to_string(),
            ..ChainCheck::new()
        }
    }

    /// The last record checked, or the first broken link.
    pub fn outcome(self) -> std::result::Result<Option<Head>, BrokenLink> {
        match self.broken {
            Some(broken) => Err(broken),
            None => Ok(self.head),
        }
    }

    /// Checks the next row, with what [`check_rows`] found wrong with it on its own; false
    /// once a link is broken (the rest need not be read).
    pub fn next(&mut self, row: &Row, found: Option<&str>) -> bool {
        self.records += 1;
        if let Some(problem) = self.problem(row, found) {
            self.broken = Some(BrokenLink {
                id: row.id,
                problem,
            });
            return false;
        }
        self.expected_id = row.id + 1;
        self.prev_hash = row.hash.clone();
        self.head = Some(Head {
            id: row.id,
            hash: row.hash.clone(),
        });
        true
    }

    fn problem(&self, row: &Row, found: Option<&str>) -> Option<String> {
        if row.id != self.expected_id {
            return Some(self.gap(row.id));
        }
        if let Some(found) = found {
            return Some(found.to_string());
        }
        if row.prev_hash != self.prev_hash {
            return Some(self.unlinked(row));
        }
        None
    }

    fn gap(&self, found: i64) -> String {
        let missing = self.expected_id;
        if missing == 1 {
            format!("id 1 missing (the chain starts at {found})")
        } else if found == missing + 1 {
            format!(
                "id {missing} missing (gap between {} and {found})",
                missing - 1
            )
        } else {
            format!(
                "ids {missing}..={} missing (gap between {} and {found})",
                found - 1,
                missing - 1
            )
        }
    }

    fn unlinked(&self, row: &Row) -> String {
        if row.id == 1 {
            format!(
                "prev_hash of record 1 is {} instead of the genesis value (64 zeros)",
                row.prev_hash
            )
        } else {
            format!(
                "prev_hash does not match record {}'s hash (prev_hash {}, record {} hash {})",
                row.id - 1,
                row.prev_hash,
                row.id - 1,
                self.prev_hash
            )
        }
    }

    /// The report; `index` is the first index row that disagrees with its record, reported
    /// when the chain itself holds.
    pub fn finish(self, index: Option<BrokenLink>) -> VerifyReport {
        let broken = self.broken.or(index);
        VerifyReport {
            records: self.records,
            ok: broken.is_none(),
            first_broken: broken,
            head: self.head,
        }
    }
}

/// A row with what can be checked of it alone: its texts expanded and hashed, and a
/// determination's index fields read from its output.
pub(crate) struct Checked {
    pub row: Row,
    /// A compact row that does not decompress, a hash that does not match, a text stored twice.
    pub problem: Option<String>,
    /// A determination's index fields (or why they cannot be read), when the row is sound.
    pub determination: Option<std::result::Result<DeterminationFields, String>>,
}

/// Checks the rows of a page on `threads` threads (this one among them), in order.
pub(crate) fn check_rows(page: Vec<Row>, codec: &Codec, threads: usize) -> Vec<Checked> {
    let per_thread = page.len().div_ceil(threads.max(1)).max(1);
    if threads <= 1 || page.len() <= per_thread {
        return page.into_iter().map(|row| check_row(row, codec)).collect();
    }
    let mut chunks: Vec<Vec<Row>> = Vec::with_capacity(threads);
    let mut rows = page.into_iter();
    loop {
        let chunk: Vec<Row> = rows.by_ref().take(per_thread).collect();
        if chunk.is_empty() {
            break;
        }
        chunks.push(chunk);
    }
    let mut chunks = chunks.into_iter();
    let first = chunks.next().unwrap_or_default();
    std::thread::scope(|scope| {
        let others: Vec<_> = chunks
            .map(|chunk| {
                scope.spawn(move || {
                    chunk
                        .into_iter()
                        .map(|row| check_row(row, codec))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let mut checked: Vec<Checked> = first.into_iter().map(|r| check_row(r, codec)).collect();
        for other in others {
            match other.join() {
                Ok(more) => checked.extend(more),
                // A checking thread cannot panic on a row's content; if it did, fail loudly.
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        checked
    })
}

/// What can be checked of one row alone.
fn check_row(mut row: Row, codec: &Codec) -> Checked {
    let problem = row_problem(&mut row, codec);
    let determination = (problem.is_none() && row.kind == "determination").then(|| {
        DeterminationFields::from_text(&row.output).map_err(|e| format!("output is not JSON: {e}"))
    });
    Checked {
        row,
        problem,
        determination,
    }
}

/// What is wrong with one row on its own, its texts expanded in place: a compact row that
/// does not decompress, a hash that does not match, a text stored twice.
pub(crate) fn row_problem(row: &mut Row, codec: &Codec) -> Option<String> {
    let twice = row.stored_twice();
    if let Err(problem) = row.expand(codec) {
        return Some(problem);
    }
    let recomputed = row.recomputed_hash();
    if recomputed != row.hash {
        return Some(format!(
            "hash mismatch: stored {} recomputed {recomputed}",
            row.hash
        ));
    }
    twice.map(|text| format!("{text} is stored twice, as text and in {text}_z (a row keeps one)"))
}

/// An index table read page by page in record-id order, as the chain walk reaches it.
pub(crate) struct IndexPages<T, F> {
    fetch: F,
    page: VecDeque<T>,
    after: i64,
    exhausted: bool,
}

/// A row of an index table, kept under the id of the record it indexes.
pub(crate) trait Indexed {
    fn record_id(&self) -> i64;
}

impl Indexed for ReviewRow {
    fn record_id(&self) -> i64 {
        self.record_id
    }
}

impl Indexed for DeterminationLink {
    fn record_id(&self) -> i64 {
        self.record_id
    }
}

impl<T: Indexed, F: FnMut(i64) -> Result<Vec<T>>> IndexPages<T, F> {
    /// Pages fetched by `fetch(after)`: the rows with a record id above `after`, in order
    /// (an empty page ends the table).
    pub fn new(fetch: F) -> Self {
        IndexPages {
            fetch,
            page: VecDeque::new(),
            after: 0,
            exhausted: false,
        }
    }

    /// The next row's record id, fetching a page when needed.
    fn front_id(&mut self) -> Result<Option<i64>> {
        if self.page.is_empty() && !self.exhausted {
            let page = (self.fetch)(self.after)?;
            self.exhausted = page.is_empty();
            if let Some(last) = page.last() {
                self.after = last.record_id();
            }
            self.page.extend(page);
        }
        Ok(self.page.front().map(Indexed::record_id))
    }

    /// The row for record `id`, if it is next; a row for an earlier record is an orphan
    /// (its record is of another kind): `Err` with its id.
    pub fn take(&mut self, id: i64) -> Result<std::result::Result<Option<T>, i64>> {
        match self.front_id()? {
            Some(front) if front < id => Ok(Err(front)),
            Some(front) if front == id => Ok(Ok(self.page.pop_front())),
            _ => Ok(Ok(None)),
        }
    }

    /// The record id of a row left after the chain's last record, if any.
    pub fn leftover(&mut self) -> Result<Option<i64>> {
        self.front_id()
    }
}

/// The `reviews` row a review record implies: what the record's input says, with the
/// record's actor and time.
pub(crate) fn expected_review(row: &Row) -> std::result::Result<ReviewRow, String> {
    let review: NewReview = serde_json::from_str(&row.input)
        .map_err(|e| format!("review record {} has an unreadable input: {e}", row.id))?;
    Ok(ReviewRow {
        record_id: row.id,
        party: review.party,
        party_key: review.party_key,
        list: review.list,
        entry_id: review.entry_id,
        verdict: review.verdict.as_str().to_string(),
        reason: review.reason,
        actor: row.actor.clone(),
        screening_record: review.screening_record,
        created_at: row.created_at.clone(),
        country: review.country,
        entry_hash: review.entry_hash,
    })
}

/// The fields in which an index row differs from what its record says, named.
pub(crate) fn review_differences(table: &ReviewRow, record: &ReviewRow) -> Vec<String> {
    let mut out = Vec::new();
    let mut field = |name: &str, t: String, r: String| {
        if t != r {
            out.push(format!("{name} is {t} in the table but {r} in the record"));
        }
    };
    let q = |s: &str| format!("{s:?}");
    let oq = |s: &Option<String>| {
        s.as_deref()
            .map_or("null".to_string(), |s| format!("{s:?}"))
    };
    let oi = |i: &Option<i64>| i.map_or("null".to_string(), |i| i.to_string());
    field("party", q(&table.party), q(&record.party));
    field("party_key", q(&table.party_key), q(&record.party_key));
    field("list", q(&table.list), q(&record.list));
    field("entry_id", q(&table.entry_id), q(&record.entry_id));
    field("verdict", q(&table.verdict), q(&record.verdict));
    field("reason", q(&table.reason), q(&record.reason));
    field("actor", q(&table.actor), q(&record.actor));
    field(
        "screening_record",
        oi(&table.screening_record),
        oi(&record.screening_record),
    );
    field("created_at", q(&table.created_at), q(&record.created_at));
    field("country", oq(&table.country), oq(&record.country));
    field("entry_hash", oq(&table.entry_hash), oq(&record.entry_hash));
    out
}

/// The fields in which a `determinations` row differs from what its record says.
pub(crate) fn determination_differences(
    table: &DeterminationLink,
    record: &DeterminationFields,
    line: i64,
) -> Vec<String> {
    let mut out = Vec::new();
    let oq = |s: &Option<String>| {
        s.as_deref()
            .map_or("null".to_string(), |s| format!("{s:?}"))
    };
    let oi = |i: &Option<i64>| i.map_or("null".to_string(), |i| i.to_string());
    let mut field = |name: &str, t: String, r: String| {
        if t != r {
            out.push(format!("{name} is {t} in the table but {r} in the record"));
        }
    };
    field("outcome", oq(&table.outcome), oq(&record.outcome));
    field("supersedes", oi(&table.supersedes), oi(&record.supersedes));
    field(
        "review_record",
        oi(&table.review_record),
        oi(&record.review_record),
    );
    field("line", table.line.to_string(), line.to_string());
    out
}
