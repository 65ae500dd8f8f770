//! API tokens and web sessions: secrets made from 32 random bytes and stored only as their
//! SHA-256; expiry; and the `access` records that say who created, revoked or rotated a
//! token and who signed in or out.

use crate::canonical::sha256_hex;
use crate::error::{Error, Result};
use crate::types::{NewRecord, NewToken, RecordKind, Role};
use chrono::{DateTime, Duration, NaiveDate, SecondsFormat, Utc};
use serde_json::json;

/// Prefix of every secret, so a leaked one is recognisable in logs and scanners.
const SECRET_PREFIX: &str = "ace_";

/// 32 random bytes as 64 hex digits.
pub(crate) fn random_hex() -> Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes)
        .map_err(|e| Error::Io(std::io::Error::other(e.to_string())))?;
    Ok(hex::encode(bytes))
}

/// A new random secret: `ace_` and 64 hex digits.
pub(crate) fn new_secret() -> Result<String> {
    Ok(format!("{SECRET_PREFIX}{}", random_hex()?))
}

/// What is stored for a secret (or a session id).
pub(crate) fn secret_hash(secret: &str) -> String {
    sha256_hex(secret.as_bytes())
}

/// Token names: 1–64 letters, digits, `.`, `_`, `-`, `@` (they appear as actors in records).
pub(crate) fn check_name(name: &str) -> Result<()> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@');
    if name.is_empty() || name.len() > 64 || !name.chars().all(allowed) {
        return Err(Error::InvalidTokenName(name.to_string()));
    }
    Ok(())
}

/// When a token given `expires` at `now` stops working, as stored (RFC 3339 UTC, µs):
/// `expires` is a duration (`90d`, `12h`, `30m`), a date (`2027-03-01`: that day's UTC
/// midnight) or an RFC 3339 time; it must lie in the future.
pub fn parse_expiry(expires: &str, now: DateTime<Utc>) -> Result<String> {
    let invalid = || Error::InvalidExpiry(expires.to_string());
    let text = expires.trim();
    let at = if let Some(at) = duration_of(text).and_then(|d| now.checked_add_signed(d)) {
        at
    } else if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        date.and_hms_opt(0, 0, 0).ok_or_else(invalid)?.and_utc()
    } else {
        DateTime::parse_from_rfc3339(text)
            .map_err(|_| invalid())?
            .with_timezone(&Utc)
    };
    if at <= now {
        return Err(invalid());
    }
    Ok(at.to_rfc3339_opts(SecondsFormat::Micros, true))
}

/// `90d`, `12h`, `30m`: a positive whole number of days, hours or minutes.
fn duration_of(text: &str) -> Option<Duration> {
    let unit = text.chars().last()?;
    let n: i64 = text[..text.len() - unit.len_utf8()].parse().ok()?;
    if n <= 0 {
        return None;
    }
    match unit {
        'd' => Duration::try_days(n),
        'h' => Duration::try_hours(n),
        'm' => Duration::try_minutes(n),
        _ => None,
    }
}

/// A change to who may act, made in the same transaction as its `access` record.
#[derive(Debug, Clone)]
pub(crate) enum AccessChange {
    /// A new token (the name must be new, even among revoked tokens).
    Create {
        name: String,
        role: Role,
        secret_sha256: String,
        expires_at: Option<String>,
    },
    /// The token stops working at once; its sessions end.
    Revoke { name: String },
    /// The token gets a new secret; the old one and its sessions stop working at once.
    Rotate { name: String, secret_sha256: String },
    /// A web session starts for the token whose current secret has this hash.
    SignIn {
        id_sha256: String,
        token_name: String,
        token_secret_sha256: String,
        csrf: String,
        expires_at: String,
    },
    /// A web session ends.
    SignOut { id_sha256: String },
}

impl AccessChange {
    /// Whether it changes the `tokens` table (a sign-in or sign-out changes only sessions).
    pub fn changes_tokens(&self) -> bool {
        matches!(
            self,
            AccessChange::Create { .. } | AccessChange::Revoke { .. } | AccessChange::Rotate { .. }
        )
    }
}

/// The `access` record of a change: what happened, to which token, by whom. Never a secret
/// or a session id — a session is named by the first 16 hex digits of its id's SHA-256.
pub(crate) fn access_record(change: &AccessChange, actor: &str) -> NewRecord {
    let (input, output) = match change {
        AccessChange::Create {
            name,
            role,
            expires_at,
            ..
        } => (
            json!({"event": "token_created", "token": name, "role": role.as_str(), "expires_at": expires_at}),
            json!({"status": "active"}),
        ),
        AccessChange::Revoke { name } => (
            json!({"event": "token_revoked", "token": name}),
            json!({"status": "revoked", "sessions": "ended"}),
        ),
        AccessChange::Rotate { name, .. } => (
            json!({"event": "token_rotated", "token": name}),
            json!({"status": "active", "sessions": "ended"}),
        ),
        AccessChange::SignIn {
            id_sha256,
            token_name,
            expires_at,
            ..
        } => (
            json!({"event": "sign_in", "token": token_name, "via": "web UI"}),
            json!({"session": session_label(id_sha256), "expires_at": expires_at}),
        ),
        AccessChange::SignOut { id_sha256 } => (
            json!({"event": "sign_out"}),
            json!({"session": session_label(id_sha256)}),
        ),
    };
    NewRecord {
        kind: RecordKind::Access,
        actor: actor.to_string(),
        input,
        output,
        ruleset: None,
        list_snapshot: None,
        transaction_id: None,
    }
}

/// What an `access` record's input says, in plain words: "Token created: carol
/// (reviewer), expires 2027-03-01", "Signed in to the web UI as dora", …
pub fn describe_access(input: &serde_json::Value) -> String {
    let text = |key: &str| {
        input
            .get(key)
            .and_then(serde_json::Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let token = text("token");
    match text("event").as_str() {
        "token_created" => {
            let expiry = match text("expires_at") {
                e if e.is_empty() => "no expiry".to_string(),
                e => format!("expires {}", e.get(..10).unwrap_or(&e)),
            };
            format!("Token created: {token} ({}), {expiry}", text("role"))
        }
        "token_revoked" => format!("Token revoked: {token}; its sessions ended"),
        "token_rotated" => format!("Token rotated: {token} has a new secret; its sessions ended"),
        "sign_in" => format!("Signed in to the web UI as {token}"),
        "sign_out" => "Signed out of the web UI".to_string(),
        other => format!("Access: {other}"),
    }
}

/// How a session is named in records: enough to tell sign-in and sign-out apart, too little
/// to find the session.
fn session_label(id_sha256: &str) -> &str {
    id_sha256.get(..16).unwrap_or(id_sha256)
}

/// A new token's change and its secret.
pub(crate) fn create(new: &NewToken) -> Result<(AccessChange, String)> {
    check_name(&new.name)?;
    let secret = new_secret()?;
    let change = AccessChange::Create {
        name: new.name.clone(),
        role: new.role,
        secret_sha256: secret_hash(&secret),
        expires_at: new.expires_at.clone(),
    };
    Ok((change, secret))
}

/// Statements shared by both back ends (`$n` parameters: SQLite reads them as numbered).
pub(crate) mod sql {
    /// The token with name `$1`.
    pub const BY_NAME: &str =
        "SELECT name, role, created_at, expires_at, revoked_at FROM tokens WHERE name = $1";
    /// The active token with secret hash `$1` at time `$2`.
    pub const ACTIVE_BY_HASH: &str =
        "SELECT name, role, created_at, expires_at, revoked_at FROM tokens
          WHERE secret_sha256 = $1 AND revoked_at IS NULL
            AND (expires_at IS NULL OR expires_at > $2)";
    /// Every token with its secret hash (the sixth column).
    pub const ALL_WITH_HASH: &str =
        "SELECT name, role, created_at, expires_at, revoked_at, secret_sha256 FROM tokens";
    /// Every token, by name.
    pub const ALL: &str =
        "SELECT name, role, created_at, expires_at, revoked_at FROM tokens ORDER BY name";
    /// The live session with id hash `$1` at time `$2`: unexpired, its token active with the
    /// secret it was started with. Columns: token name, role, csrf, expires_at.
    pub const LIVE_SESSION: &str = "SELECT s.token_name, t.role, s.csrf, s.expires_at
           FROM sessions s JOIN tokens t ON t.name = s.token_name
          WHERE s.id_sha256 = $1 AND s.expires_at > $2
            AND t.secret_sha256 = s.token_secret_sha256 AND t.revoked_at IS NULL
            AND (t.expires_at IS NULL OR t.expires_at > $2)";
    /// The token name of the session with id hash `$1`, live or not.
    pub const SESSION_TOKEN: &str = "SELECT token_name FROM sessions WHERE id_sha256 = $1";
}

/// One statement of an [`AccessChange`]: its SQL, its text parameters, and whether it must
/// change exactly one row (else the change did not happen as its record would say).
pub(crate) struct Statement {
    pub sql: &'static str,
    pub params: Vec<Option<String>>,
    pub one_row: bool,
}

impl AccessChange {
    /// The statements that make the change, in order, at `at` (the record's time).
    pub(crate) fn statements(&self, at: &str) -> Vec<Statement> {
        let stmt = |sql, params: Vec<Option<&str>>, one_row| Statement {
            sql,
            params: params.into_iter().map(|p| p.map(str::to_string)).collect(),
            one_row,
        };
        match self {
            AccessChange::Create {
                name,
                role,
                secret_sha256,
                expires_at,
            } => vec![stmt(
                "INSERT INTO tokens (name, role, secret_sha256, created_at, expires_at)
                 VALUES ($1, $2, $3, $4, $5)",
                vec![
                    Some(name),
                    Some(role.as_str()),
                    Some(secret_sha256),
                    Some(at),
                    expires_at.as_deref(),
                ],
                true,
            )],
            AccessChange::Revoke { name } => vec![
                stmt(
                    "UPDATE tokens SET revoked_at = $2 WHERE name = $1 AND revoked_at IS NULL",
                    vec![Some(name), Some(at)],
                    true,
                ),
                stmt(
                    "DELETE FROM sessions WHERE token_name = $1",
                    vec![Some(name)],
                    false,
                ),
            ],
            AccessChange::Rotate {
                name,
                secret_sha256,
            } => vec![
                stmt(
                    "UPDATE tokens SET secret_sha256 = $2 WHERE name = $1 AND revoked_at IS NULL",
                    vec![Some(name), Some(secret_sha256)],
                    true,
                ),
                stmt(
                    "DELETE FROM sessions WHERE token_name = $1",
                    vec![Some(name)],
                    false,
                ),
            ],
            AccessChange::SignIn {
                id_sha256,
                token_name,
                token_secret_sha256,
                csrf,
                expires_at,
            } => vec![
                // Sessions that ended are dropped here, so the table stays as small as the
                // number of live sessions.
                stmt(
                    "DELETE FROM sessions WHERE expires_at <= $1",
                    vec![Some(at)],
                    false,
                ),
                stmt(
                    "INSERT INTO sessions
                       (id_sha256, token_name, token_secret_sha256, csrf, created_at, expires_at)
                     VALUES ($1, $2, $3, $4, $5, $6)",
                    vec![
                        Some(id_sha256),
                        Some(token_name),
                        Some(token_secret_sha256),
                        Some(csrf),
                        Some(at),
                        Some(expires_at),
                    ],
                    true,
                ),
            ],
            AccessChange::SignOut { id_sha256 } => vec![stmt(
                "DELETE FROM sessions WHERE id_sha256 = $1",
                vec![Some(id_sha256)],
                false,
            )],
        }
    }
}

/// The error of a statement that had to change one row and changed `changed`.
pub(crate) fn not_applied(statement: &Statement, changed: u64) -> Error {
    Error::Corrupt {
        id: 0,
        problem: format!(
            "an access change found the tokens table other than checked ({changed} rows changed by {:?}); nothing was recorded, try again",
            statement.sql.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    }

    #[test]
    fn secrets_are_random_and_prefixed() {
        let (a, b) = (
            new_secret().unwrap_or_default(),
            new_secret().unwrap_or_default(),
        );
        assert!(a.starts_with("ace_") && a.len() == 68);
        assert_ne!(a, b);
    }

    #[test]
    fn names_are_checked() {
        assert!(check_name("alice@example.com").is_ok());
        assert!(check_name("").is_err());
        assert!(check_name("a b").is_err());
    }

    #[test]
    fn expiry_as_duration_date_or_time() {
        let now = at("2026-12-02T10:00:00Z");
        let parsed = |s| parse_expiry(s, now).ok();
        assert_eq!(
            parsed("90d").as_deref(),
            Some("2027-03-02T10:00:00.000000Z")
        );
        assert_eq!(
            parsed("12h").as_deref(),
            Some("2026-12-02T22:00:00.000000Z")
        );
        assert_eq!(
            parsed("2027-03-01").as_deref(),
            Some("2027-03-01T00:00:00.000000Z")
        );
        assert_eq!(
            parsed("2027-01-01T09:00:00+01:00").as_deref(),
            Some("2027-01-01T08:00:00.000000Z")
        );
    }

    #[test]
    fn expiry_must_be_future_and_well_formed() {
        let now = at("2026-12-02T10:00:00Z");
        for bad in [
            "2026-12-01",
            "0d",
            "-3d",
            "soon",
            "90",
            "2026-12-02T10:00:00Z",
            "",
        ] {
            assert!(
                matches!(parse_expiry(bad, now), Err(Error::InvalidExpiry(_))),
                "{bad:?} accepted"
            );
        }
    }

    #[test]
    fn access_records_never_hold_secrets() {
        let (change, secret) = create(&NewToken {
            name: "ci".into(),
            role: Role::Analyst,
            expires_at: None,
            actor: "root".into(),
        })
        .expect("token");
        let record = access_record(&change, "root");
        let text = format!("{} {}", record.input, record.output);
        assert!(!text.contains(&secret) && !text.contains(&secret_hash(&secret)));
        assert_eq!(record.input["event"], "token_created");
        let sign_in = AccessChange::SignIn {
            id_sha256: "ab".repeat(32),
            token_name: "ci".into(),
            token_secret_sha256: secret_hash(&secret),
            csrf: "c".into(),
            expires_at: "2026-12-02T18:00:00.000000Z".into(),
        };
        let record = access_record(&sign_in, "ci");
        assert_eq!(record.output["session"], "abababababababab");
        assert!(!record.output.to_string().contains(&"ab".repeat(32)));
    }

    #[test]
    fn access_records_read_in_words() {
        let created = json!({"event": "token_created", "token": "carol", "role": "reviewer",
            "expires_at": "2027-03-01T00:00:00.000000Z"});
        assert_eq!(
            describe_access(&created),
            "Token created: carol (reviewer), expires 2027-03-01"
        );
        let revoked = json!({"event": "token_revoked", "token": "carol"});
        assert!(describe_access(&revoked).starts_with("Token revoked: carol"));
        let signed = json!({"event": "sign_in", "token": "dora"});
        assert_eq!(describe_access(&signed), "Signed in to the web UI as dora");
    }
}
