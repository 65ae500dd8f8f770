//! # records — the records ace keeps (EAR part 762)
//!
//! Every determination, screening and review decision is appended to one append-only,
//! hash-chained log, kept at least five years: what was asked (input), what ace answered
//! (output with its trace), which rules and list snapshot were used, which ace, who, when.
//! There is no delete.
//!
//! Two back ends behind one [`RecordStore`]: SQLite (a file, WAL, `synchronous=FULL`; the
//! default) and PostgreSQL (`postgres://…`, several servers may write one database). Both apply
//! versioned migrations on open and refuse `UPDATE`/`DELETE` (and on PostgreSQL `TRUNCATE`) of
//! records with triggers; an insert that does not extend the chain (wrong id or `prev_hash`) is
//! refused too. Appends are group-committed: concurrent callers share one transaction and one
//! flush to disk, and each call returns only once its record is durable.
//!
//! ## The hash chain
//!
//! Record `n` (ids are 1, 2, 3, … without gaps) carries `prev_hash` = the `hash` of record `n-1`
//! (64 zeros for record 1) and `hash` = SHA-256, as 64 lowercase hex digits, of the UTF-8 bytes
//! of its **canonical serialization**:
//!
//! * the record as a JSON object with every field except `hash`: `ace_version`, `actor`,
//!   `created_at`, `id`, `input`, `kind`, `list_snapshot`, `output`, `prev_hash`, `ruleset`,
//!   `transaction_id` (an absent optional field is `null`, never left out);
//! * object keys sorted by their UTF-8 bytes, recursively (inside `input` and `output` too);
//! * no whitespace outside strings;
//! * strings escaped as JSON requires and no more: `"` → `\"`, `\` → `\\`, the control
//!   characters U+0000–U+001F as `\b \f \n \r \t` or `\u00xx` (lowercase hex); everything else,
//!   `/` and non-ASCII included, as raw UTF-8;
//! * numbers as serde_json prints them: integers in decimal; other numbers in the shortest form
//!   that reads back to the same double, with `e` notation only for very large or small ones.
//!
//! An auditor can recompute a hash from an export with any JSON tool that sorts keys and prints
//! compactly, e.g. for each line of `ace records export --format jsonl`:
//!
//! ```text
//! python3 -c 'import sys,json,hashlib
//! for l in sys.stdin:
//!     r=json.loads(l); h=r.pop("hash")
//!     c=json.dumps(r,sort_keys=True,separators=(",",":"),ensure_ascii=False)
//!     print(r["id"], hashlib.sha256(c.encode()).hexdigest()==h)'
//! ```
//!
//! (Python prints some numbers differently from serde_json — `1e+16` for `1e16`, `1e-07` for
//! `1e-7` — so records holding such numbers need a tool that follows the rule above.)
//!
//! ## How records are stored
//!
//! A record's `input` and `output` are kept as their canonical texts, the bytes that were
//! hashed. A new row is stored *compact* when that is smaller (nearly always): the text columns
//! empty, each text one standard zstd frame (`input_z`, `output_z`) made with a dictionary kept
//! in the database's `dictionaries` table (id, SHA-256, bytes) and named by the row
//! (`dictionary`). Rows written before stay as they were; both forms read, export and verify
//! the same, and the hash does not depend on the form. docs/records-format.md is the
//! auditor's description, with how to decompress a row using `zstd -D` alone.
//!
//! ## What `verify` detects, and what it cannot
//!
//! [`RecordStore::verify`] reads the chain in pages and reports the first broken link:
//! an edited field (`hash mismatch`), an edit whose hash was recomputed (the next record's
//! `prev_hash` no longer matches), a deleted record (`id … missing`), records swapped or
//! reordered (the id is hashed, and the links break). It cannot detect, on its own, that the
//! newest records were deleted (the shortened chain is still valid) or that the whole chain was
//! rewritten by someone who recomputed every hash. Both are caught against an external anchor:
//! note [`RecordStore::head`] (id and hash) outside the database, e.g. in a signed audit report,
//! and later check it with [`check_anchor`] — or let ace sign it: a [`checkpoint::Checkpoint`]
//! is the head signed with an Ed25519 key kept in a file, outside the database
//! (`ace records checkpoint`, periodically in `ace serve`), checked with
//! [`checkpoint::check_anchor`] and, without any database, [`checkpoint::verify_export`].

mod canonical;
mod canonical_ser;
mod chain;
pub mod checkpoint;
mod compact;
mod error;
mod export;
mod group;
mod migrations;
mod pg;
mod pg_listen;
mod pg_reviews;
mod pg_tokens;
mod query;
mod row;
mod sqlite;
mod store;
mod time;
mod tokens;
mod types;
mod verify;

use std::path::Path;

pub use canonical::{canonical_json, canonical_record, record_hash, sha256_hex, GENESIS_HASH};
pub use canonical_ser::canonical_json_of;
pub use chain::{DeterminationFields, ACE_VERSION};
pub use error::{Error, Result};
pub use group::Arrival;
pub use store::{Appended, Canonical, Prepared, Preparer, RecordStore};
pub use tokens::{describe_access, parse_expiry};
pub use types::{
    BrokenLink, DeterminationLink, Filter, Format, Head, NewRecord, NewReview, NewToken, Record,
    RecordHead, RecordKind, ReviewDecision, ReviewKey, Role, Session, SignIn, Token, Verdict,
    VerifyReport,
};

/// Opens a record store: a `postgres://` or `postgresql://` URL is a PostgreSQL database;
/// anything else is the path of a SQLite file (an optional `sqlite:` prefix is accepted),
/// created with its directory if missing. Pending schema migrations are applied.
pub fn open(url_or_path: &str) -> Result<Box<dyn RecordStore>> {
    if url_or_path.starts_with("postgres://") || url_or_path.starts_with("postgresql://") {
        return pg::open(url_or_path);
    }
    let path = url_or_path.strip_prefix("sqlite:").unwrap_or(url_or_path);
    sqlite::open(Path::new(path))
}

/// Checks a noted anchor against the store: `None` when the record with that id exists and
/// still has that hash (so nothing up to it was deleted or rewritten), else the problem.
pub fn check_anchor(store: &dyn RecordStore, anchor: &Head) -> Result<Option<BrokenLink>> {
    let problem = match store.get(anchor.id)? {
        None => Some(format!(
            "record {} (the anchor) is missing: records were deleted",
            anchor.id
        )),
        Some(r) if r.hash != anchor.hash => Some(format!(
            "record {} has hash {} but the anchor noted {}: the chain was rewritten",
            anchor.id, r.hash, anchor.hash
        )),
        Some(_) => None,
    };
    Ok(problem.map(|problem| BrokenLink {
        id: anchor.id,
        problem,
    }))
}
