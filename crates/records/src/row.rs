//! A record as stored: input and output as the exact text that was hashed.

use crate::canonical::HashedFields;
use crate::error::{Error, Result};
use crate::types::{Record, RecordKind, ReviewDecision, Role, Session, Token, Verdict};

/// The columns of the `records` table, in this order in every SELECT.
pub(crate) const COLUMNS: &str =
    "id, kind, created_at, actor, input, output, ruleset, list_snapshot, ace_version, transaction_id, prev_hash, hash";

/// One row of `records`, unparsed.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    pub id: i64,
    pub kind: String,
    pub created_at: String,
    pub actor: String,
    pub input: String,
    pub output: String,
    pub ruleset: Option<String>,
    pub list_snapshot: Option<String>,
    pub ace_version: String,
    pub transaction_id: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

impl Row {
    /// The hash recomputed over the stored text (so that any edit of a byte shows).
    pub fn recomputed_hash(&self) -> String {
        HashedFields {
            id: self.id,
            kind: &self.kind,
            created_at: &self.created_at,
            actor: &self.actor,
            input: &self.input,
            output: &self.output,
            ruleset: self.ruleset.as_deref(),
            list_snapshot: self.list_snapshot.as_deref(),
            ace_version: &self.ace_version,
            transaction_id: self.transaction_id.as_deref(),
            prev_hash: &self.prev_hash,
        }
        .hash()
    }

    /// Parses the row into a record.
    pub fn into_record(self) -> Result<Record> {
        let id = self.id;
        let corrupt = |problem: String| Error::Corrupt { id, problem };
        let kind = RecordKind::parse(&self.kind)
            .ok_or_else(|| corrupt(format!("unknown kind {:?}", self.kind)))?;
        let input = serde_json::from_str(&self.input)
            .map_err(|e| corrupt(format!("input is not JSON: {e}")))?;
        let output = serde_json::from_str(&self.output)
            .map_err(|e| corrupt(format!("output is not JSON: {e}")))?;
        Ok(Record {
            id,
            kind,
            created_at: self.created_at,
            actor: self.actor,
            input,
            output,
            ruleset: self.ruleset,
            list_snapshot: self.list_snapshot,
            ace_version: self.ace_version,
            transaction_id: self.transaction_id,
            prev_hash: self.prev_hash,
            hash: self.hash,
        })
    }
}

/// The columns of the `reviews` table, in this order in every SELECT.
pub(crate) const REVIEW_COLUMNS: &str =
    "record_id, party, party_key, list, entry_id, verdict, reason, actor, screening_record, created_at, country, entry_hash";

/// One row of `reviews`, unparsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ReviewRow {
    pub record_id: i64,
    pub party: String,
    pub party_key: String,
    pub list: String,
    pub entry_id: String,
    pub verdict: String,
    pub reason: String,
    pub actor: String,
    pub screening_record: Option<i64>,
    pub created_at: String,
    pub country: Option<String>,
    pub entry_hash: Option<String>,
}

impl ReviewRow {
    /// Parses the row into a decision.
    pub fn into_decision(self) -> Result<ReviewDecision> {
        let verdict = Verdict::parse(&self.verdict).ok_or_else(|| Error::Corrupt {
            id: self.record_id,
            problem: format!("review has unknown verdict {:?}", self.verdict),
        })?;
        Ok(ReviewDecision {
            record_id: self.record_id,
            party: self.party,
            party_key: self.party_key,
            list: self.list,
            entry_id: self.entry_id,
            verdict,
            reason: self.reason,
            actor: self.actor,
            screening_record: self.screening_record,
            created_at: self.created_at,
            country: self.country,
            entry_hash: self.entry_hash,
        })
    }
}

/// The columns of the `determinations` index, in this order in every SELECT.
pub(crate) const DETERMINATION_COLUMNS: &str =
    "record_id, outcome, supersedes, review_record, line";

/// A row of `tokens` as read (see [`crate::tokens::sql`]).
pub(crate) struct TokenRow {
    pub name: String,
    pub role: String,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub revoked_at: Option<String>,
}

impl TokenRow {
    pub fn into_token(self) -> Result<Token> {
        Ok(Token {
            role: role_of(&self.role, &self.name)?,
            name: self.name,
            created_at: self.created_at,
            expires_at: self.expires_at,
            revoked_at: self.revoked_at,
        })
    }
}

/// A live session as read by [`crate::tokens::sql::LIVE_SESSION`].
pub(crate) struct SessionRow {
    pub token_name: String,
    pub role: String,
    pub csrf: String,
    pub expires_at: String,
}

impl SessionRow {
    pub fn into_session(self) -> Result<Session> {
        Ok(Session {
            role: role_of(&self.role, &self.token_name)?,
            token_name: self.token_name,
            csrf: self.csrf,
            expires_at: self.expires_at,
        })
    }
}

fn role_of(role: &str, token: &str) -> Result<Role> {
    Role::parse(role).ok_or_else(|| Error::Corrupt {
        id: 0,
        problem: format!("token {token:?} has unknown role {role:?}"),
    })
}
