//! The data kept: records, filters, verification reports, tokens and review decisions.

use serde::{Deserialize, Serialize};

/// What a record is the record of.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    /// A determination (`decide`): the transaction in, the determination with its trace out.
    Determination,
    /// A screening of parties against the lists.
    Screening,
    /// A reviewer's decision on a screening hit.
    Review,
    /// Who may act: a token created, revoked or rotated, a sign-in or sign-out of the web UI.
    Access,
}

impl RecordKind {
    /// Every kind, in the order lists show them.
    pub const ALL: [RecordKind; 4] = [
        RecordKind::Determination,
        RecordKind::Screening,
        RecordKind::Review,
        RecordKind::Access,
    ];

    /// The name stored in the database and used in the canonical serialization.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Determination => "determination",
            RecordKind::Screening => "screening",
            RecordKind::Review => "review",
            RecordKind::Access => "access",
        }
    }

    /// Parses a stored name; `None` for anything else.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "determination" => Some(RecordKind::Determination),
            "screening" => Some(RecordKind::Screening),
            "review" => Some(RecordKind::Review),
            "access" => Some(RecordKind::Access),
            _ => None,
        }
    }
}

/// A record to append; the store adds id, time, version and hashes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewRecord {
    /// What is recorded.
    pub kind: RecordKind,
    /// Who asked: the name of the API token (or the local user for the command line).
    pub actor: String,
    /// The full input, as received.
    pub input: serde_json::Value,
    /// The full output, with its trace.
    pub output: serde_json::Value,
    /// Hash of the regulatory data (ruleset) used, if any.
    pub ruleset: Option<String>,
    /// Hash of the list snapshot used, if any.
    pub list_snapshot: Option<String>,
    /// The caller's idempotency key: a second append of the same kind and key returns the first record.
    pub transaction_id: Option<String>,
}

/// A new record's fields besides its input and output (see [`NewRecord`]).
#[derive(Debug, Clone)]
pub struct RecordHead {
    pub kind: RecordKind,
    pub actor: String,
    pub ruleset: Option<String>,
    pub list_snapshot: Option<String>,
    pub transaction_id: Option<String>,
}

/// A kept record: one link of the hash chain.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// Position in the chain: 1, 2, 3, … without gaps.
    pub id: i64,
    /// What is recorded.
    pub kind: RecordKind,
    /// When it was appended: RFC 3339, UTC, microseconds (`2024-05-29T12:34:56.123456Z`).
    pub created_at: String,
    /// Who asked.
    pub actor: String,
    /// The full input.
    pub input: serde_json::Value,
    /// The full output with its trace.
    pub output: serde_json::Value,
    /// Hash of the ruleset used, if any.
    pub ruleset: Option<String>,
    /// Hash of the list snapshot used, if any.
    pub list_snapshot: Option<String>,
    /// Version of ace that wrote the record.
    pub ace_version: String,
    /// The caller's idempotency key, if any.
    pub transaction_id: Option<String>,
    /// `hash` of the record before (64 hex digits); 64 zeros for record 1.
    pub prev_hash: String,
    /// SHA-256 (hex) of this record's canonical serialization (see the crate docs).
    pub hash: String,
}

/// Which records to list or export. Every condition given must hold.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Filter {
    /// Records created at or after this time (`YYYY-MM-DD` or RFC 3339).
    pub since: Option<String>,
    /// Records created before this time (exclusive).
    pub until: Option<String>,
    /// Only this kind.
    pub kind: Option<RecordKind>,
    /// Only this actor.
    pub actor: Option<String>,
    /// Only records with an id greater than this (for paging forward).
    pub after_id: Option<i64>,
    /// Only records with an id smaller than this (for paging back): the page is the
    /// newest `limit` such records, still returned oldest first.
    #[serde(default)]
    pub before_id: Option<i64>,
    /// At most this many records (all when `None`).
    pub limit: Option<usize>,
}

/// The first place where the chain does not hold.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrokenLink {
    /// The id of the record where the problem shows.
    pub id: i64,
    /// What is wrong, precisely.
    pub problem: String,
}

/// The result of checking the whole chain.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyReport {
    /// How many records were read.
    pub records: u64,
    /// True when every link holds.
    pub ok: bool,
    /// The first broken link, if any.
    pub first_broken: Option<BrokenLink>,
    /// The last record read (id and hash): note it outside the database as an anchor,
    /// since deleting the newest records can only be detected against such a note.
    pub head: Option<Head>,
}

/// The newest record of the chain: what an auditor notes down as an external anchor.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Head {
    /// Its id (= the number of records).
    pub id: i64,
    /// Its hash.
    pub hash: String,
}

/// Output format of `export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// One JSON object per line: the record as in [`Record`].
    Jsonl,
    /// A header and one row per record; input and output as canonical JSON text.
    Csv,
}

/// What an API token may do.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Runs determinations and screenings.
    Analyst,
    /// Also decides on screening hits.
    Reviewer,
    /// Reads and verifies records.
    Auditor,
    /// Everything, including tokens.
    Admin,
}

impl Role {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Analyst => "analyst",
            Role::Reviewer => "reviewer",
            Role::Auditor => "auditor",
            Role::Admin => "admin",
        }
    }

    /// Parses a stored or typed name; `None` for anything else.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "analyst" => Some(Role::Analyst),
            "reviewer" => Some(Role::Reviewer),
            "auditor" => Some(Role::Auditor),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// An API token as stored: never the secret, only who and what.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Token {
    /// Unique name; recorded as the actor of what the token does.
    pub name: String,
    /// What it may do.
    pub role: Role,
    /// When it was created (RFC 3339 UTC, µs).
    pub created_at: String,
    /// When it stops working (RFC 3339 UTC, µs); `None`: when it is revoked.
    pub expires_at: Option<String>,
    /// When it was revoked; a revoked token never works again and its name is not reused.
    pub revoked_at: Option<String>,
}

impl Token {
    /// `active`, `expired` or `revoked` at time `now` (RFC 3339 UTC, µs).
    pub fn status(&self, now: &str) -> &'static str {
        if self.revoked_at.is_some() {
            "revoked"
        } else if self.expires_at.as_deref().is_some_and(|e| e <= now) {
            "expired"
        } else {
            "active"
        }
    }
}

/// A token to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewToken {
    /// 1–64 letters, digits, `.`, `_`, `-`, `@`; never used before (even by a revoked token).
    pub name: String,
    pub role: Role,
    /// When it stops working (RFC 3339 UTC); `None` for never.
    pub expires_at: Option<String>,
    /// Who creates it: recorded as the actor of the `access` record.
    pub actor: String,
}

impl NewToken {
    /// A token with no expiry, created by `actor`.
    pub fn new(name: impl Into<String>, role: Role, actor: impl Into<String>) -> Self {
        NewToken {
            name: name.into(),
            role,
            expires_at: None,
            actor: actor.into(),
        }
    }
}

/// A signed-in browser, as the record store keeps it (the session id only as its SHA-256).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The token signed in with: the actor of everything done in the session.
    pub token_name: String,
    /// The token's role.
    pub role: Role,
    /// The CSRF token every form of the session carries.
    pub csrf: String,
    /// When the session ends (RFC 3339 UTC, µs).
    pub expires_at: String,
}

/// A session just started: its id goes to the browser (and is not stored), with the session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignIn {
    pub id: String,
    pub session: Session,
}

/// A reviewer's verdict on a screening hit.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The party is the listed entry.
    TrueMatch,
    /// The party is not the listed entry.
    FalsePositive,
}

impl Verdict {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::TrueMatch => "true_match",
            Verdict::FalsePositive => "false_positive",
        }
    }

    /// Parses a stored name; `None` for anything else.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "true_match" => Some(Verdict::TrueMatch),
            "false_positive" => Some(Verdict::FalsePositive),
            _ => None,
        }
    }
}

/// A review decision to record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewReview {
    /// The party's name as screened.
    pub party: String,
    /// The party's name normalized by the screening engine: the key later screenings look up.
    pub party_key: String,
    /// The list of the entry (e.g. "SDN", "Entity List").
    pub list: String,
    /// The entry's id on that list.
    pub entry_id: String,
    /// True match or false positive.
    pub verdict: Verdict,
    /// Why (required).
    pub reason: String,
    /// The reviewer (token name).
    pub actor: String,
    /// The screening record whose hit is decided, if known.
    pub screening_record: Option<i64>,
    /// Hash of the list snapshot the hit came from, if known.
    pub list_snapshot: Option<String>,
    /// Idempotency key, as for [`NewRecord::transaction_id`].
    pub transaction_id: Option<String>,
    /// The party's country (ISO 3166-1 alpha-2) as screened, when it had one: the decision
    /// does not apply to a namesake in another country.
    #[serde(default)]
    pub country: Option<String>,
    /// The content hash of the listed entry as the reviewer saw it: the decision lapses when
    /// the entry changes.
    #[serde(default)]
    pub entry_hash: Option<String>,
}

/// What review decisions are looked up by: a party's normalized name, a list and an entry.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ReviewKey {
    /// The party's name as the screening engine normalizes it.
    pub party_key: String,
    /// The list code (`EL`, `SDN`, ...).
    pub list: String,
    /// The entry's id on that list.
    pub entry_id: String,
}

/// A recorded review decision, as indexed for later screenings.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewDecision {
    /// The id of the review record in the chain.
    pub record_id: i64,
    /// The party's name as screened.
    pub party: String,
    /// The normalized key.
    pub party_key: String,
    /// The list.
    pub list: String,
    /// The entry id.
    pub entry_id: String,
    /// The verdict.
    pub verdict: Verdict,
    /// The reason.
    pub reason: String,
    /// The reviewer.
    pub actor: String,
    /// The screening record decided on, if given.
    pub screening_record: Option<i64>,
    /// When (RFC 3339 UTC, µs).
    pub created_at: String,
    /// The party's country (ISO alpha-2) as screened, if it had one.
    #[serde(default)]
    pub country: Option<String>,
    /// The content hash of the entry as the reviewer saw it, if recorded.
    #[serde(default)]
    pub entry_hash: Option<String>,
}

/// A determination record as indexed: its outcome and its place in a line of records that
/// supersede one another (a re-decision after a review supersedes the record before it).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeterminationLink {
    /// The determination record.
    pub record_id: i64,
    /// Its outcome (`HOLD`, `ACE`, ...), as its output says.
    pub outcome: Option<String>,
    /// The record it supersedes, if any.
    pub supersedes: Option<i64>,
    /// The review record that caused it, if any.
    pub review_record: Option<i64>,
    /// The first record of its line (its own id when it supersedes nothing).
    pub line: i64,
}
