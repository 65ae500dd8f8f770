//! A record as stored: input and output as the exact text that was hashed, in the text
//! columns or (a compact row) as zstd frames in `input_z`/`output_z`.

use crate::canonical::HashedFields;
use crate::compact::Codec;
use crate::error::{Error, Result};
use crate::types::{Record, RecordKind, ReviewDecision, Role, Session, Token, Verdict};

/// The columns of the `records` table as every ace before compact rows wrote them.
#[cfg(test)]
pub(crate) const COLUMNS: &str =
    "id, kind, created_at, actor, input, output, ruleset, list_snapshot, ace_version, transaction_id, prev_hash, hash";

/// [`COLUMNS`] and the three a compact row adds (SQLite migration 4, PostgreSQL 6): what is
/// read and written.
pub(crate) const STORED_COLUMNS: &str =
    "id, kind, created_at, actor, input, output, ruleset, list_snapshot, ace_version, transaction_id, prev_hash, hash, dictionary, input_z, output_z";

/// One row of `records`, unparsed. Once [`Row::expand`]ed, `input` and `output` are the texts
/// whichever way they were stored.
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
    /// A compact row's dictionary (its id in `dictionaries`).
    pub dictionary: Option<i64>,
    /// A compact row's input, compressed.
    pub input_z: Option<Vec<u8>>,
    /// A compact row's output, compressed.
    pub output_z: Option<Vec<u8>>,
}

impl Row {
    /// Puts the texts of a compact row in `input` and `output`: each is the text column when
    /// it is not empty (a canonical JSON text never is), else its frame decompressed with the
    /// row's dictionary. The frames are kept (see [`Row::stored_twice`]).
    pub fn expand(&mut self, codec: &Codec) -> std::result::Result<(), String> {
        for (name, text, frame) in [
            ("input", &mut self.input, &self.input_z),
            ("output", &mut self.output, &self.output_z),
        ] {
            if !text.is_empty() {
                continue;
            }
            let (Some(dictionary), Some(frame)) = (self.dictionary, frame) else {
                if frame.is_some() {
                    return Err(format!("{name}_z is set but the row names no dictionary"));
                }
                continue;
            };
            *text = codec
                .decompress(dictionary, frame)
                .map_err(|problem| format!("{name}_z does not decompress: {problem}"))?;
        }
        Ok(())
    }

    /// [`Row::expand`], as an error of the crate.
    pub fn expanded(mut self, codec: &Codec) -> Result<Row> {
        let id = self.id;
        self.expand(codec)
            .map_err(|problem| Error::Corrupt { id, problem })?;
        Ok(self)
    }

    /// A text stored both ways, in its text column and as a frame (call before
    /// [`Row::expand`]): the column is what is read, so a compact row never has both.
    pub fn stored_twice(&self) -> Option<&'static str> {
        if !self.input.is_empty() && self.input_z.is_some() {
            Some("input")
        } else if !self.output.is_empty() && self.output_z.is_some() {
            Some("output")
        } else {
            None
        }
    }

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
