//! The one error type of the crate.

/// Everything that can go wrong while keeping records.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The SQLite database refused or failed.
    #[error("SQLite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The PostgreSQL server refused or failed.
    #[error("PostgreSQL: {0}")]
    Postgres(#[from] postgres::Error),
    /// A file could not be read or written.
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
    /// A value could not be turned into JSON or back.
    #[error("JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// A stored row could not be read back as a record.
    #[error("stored record {id} is unreadable: {problem}")]
    Corrupt {
        /// The row's id.
        id: i64,
        /// What is wrong with it.
        problem: String,
    },
    /// A `since`/`until` bound is not a date or an RFC 3339 time.
    #[error("invalid time {value:?}: expected YYYY-MM-DD or an RFC 3339 time such as 2024-05-29T12:00:00Z")]
    InvalidTime {
        /// The value given.
        value: String,
    },
    /// A token name is empty, too long or has characters other than letters, digits, `.`, `_`, `-`, `@`.
    #[error("invalid token name {0:?}: use 1 to 64 letters, digits, '.', '_', '-' or '@'")]
    InvalidTokenName(String),
    /// A token with this name exists already.
    #[error("a token named {0:?} exists already")]
    DuplicateToken(String),
    /// No token has this name.
    #[error("no token is named {0:?}")]
    UnknownToken(String),
    /// The token was revoked already; a revoked token stays revoked.
    #[error("the token {0:?} is revoked already")]
    TokenRevoked(String),
    /// A token expiry that is not a duration, a date or a time in the future.
    #[error("invalid expiry {0:?}: use a duration (90d, 12h), a date (2027-03-01, UTC midnight) or an RFC 3339 time, in the future")]
    InvalidExpiry(String),
    /// A review decision lacks something it must have.
    #[error("invalid review decision: {0}")]
    InvalidReview(String),
    /// The database was migrated by a newer ace than this one.
    #[error("the database has schema version {found}, newer than the {known} this ace knows: upgrade ace")]
    SchemaTooNew {
        /// Highest version applied in the database.
        found: i64,
        /// Highest version this build knows.
        known: i64,
    },
    /// A checkpoint cannot be read, does not verify, or cannot be made (the chain is broken).
    #[error("{0}")]
    Checkpoint(String),
    /// The checkpoint signing key file cannot be read or created.
    #[error("{0}")]
    Key(String),
    /// The group-commit writer thread has stopped (the store is shutting down or crashed).
    #[error("the record writer has stopped")]
    WriterGone,
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
