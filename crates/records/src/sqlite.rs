//! The embedded back end: one SQLite file in WAL mode, `synchronous=FULL`, created 0600.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::{params, Connection, OptionalExtension};

use crate::chain::{ChainWriter, Link, Tip};
use crate::compact::{self, Codec};
use crate::error::{Error, Result};
use crate::group::GroupCommit;
use crate::migrations::{self, Migration};
use crate::query::{Param, Selection};
use crate::row::{
    ReviewRow, Row, SessionRow, TokenRow, DETERMINATION_COLUMNS, REVIEW_COLUMNS, STORED_COLUMNS,
};
use crate::store::{Backend, RecordStore, Store};
use crate::tokens;
use crate::types::{
    DeterminationLink, Head, Record, RecordKind, ReviewDecision, ReviewKey, Session, Token,
};

/// The lines whose newest record is HOLD (`d` is the newest of its line), after line `?1`,
/// at most `?2` (SQLite numbering; PostgreSQL's is the same with `$`).
const HELD_WHERE: &str = "WHERE d.outcome = 'HOLD' AND d.line > ?1
  AND NOT EXISTS (SELECT 1 FROM determinations n WHERE n.line = d.line AND n.record_id > d.record_id)
ORDER BY d.line LIMIT ?2";

/// How long a connection waits for another process's write lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// Opens (creating if needed) the SQLite file and applies pending migrations.
pub(crate) fn open(path: &Path) -> Result<Box<dyn RecordStore>> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    // Records hold every party's name and every transaction: readable by their owner only.
    // SQLite gives the -wal and -shm files the mode of the database file.
    match crate::checkpoint::create_private(path) {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e.into()),
    }
    let mut first = connect(path)?;
    migrate(&mut first, migrations::SQLITE)?;
    let dictionary = bundled_dictionary(&mut first)?;
    let dictionaries = path.to_path_buf();
    let codec = Arc::new(Codec::new(
        Some(dictionary),
        Box::new(move |id| dictionary_bytes(&connect(&dictionaries)?, id)),
    )?);
    let writer = SqliteWriter {
        conn: connect(path)?,
        codec: codec.clone(),
    };
    let backend = Sqlite {
        path: path.to_path_buf(),
        idle: Mutex::new(vec![first]),
    };
    Ok(Box::new(Store::new(
        backend,
        GroupCommit::start(Box::new(writer))?,
        codec,
    )))
}

/// The id of the bundled dictionary in `dictionaries`, stored there first if it is not yet
/// (the next free id), under the write lock.
fn bundled_dictionary(conn: &mut Connection) -> Result<i64> {
    let sha256 = compact::bundled_sha256();
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    tx.execute(
        "INSERT INTO dictionaries (id, sha256, bytes)
         SELECT COALESCE(MAX(id), 0) + 1, ?1, ?2 FROM dictionaries
         HAVING NOT EXISTS (SELECT 1 FROM dictionaries WHERE sha256 = ?1)",
        params![sha256, compact::BUNDLED],
    )?;
    let id = tx.query_row(
        "SELECT id FROM dictionaries WHERE sha256 = ?1",
        [&sha256],
        |r| r.get(0),
    )?;
    tx.commit()?;
    Ok(id)
}

/// The bytes of dictionary `id`.
fn dictionary_bytes(conn: &Connection, id: i64) -> Result<Option<Vec<u8>>> {
    Ok(conn
        .query_row("SELECT bytes FROM dictionaries WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .optional()?)
}

/// A connection with the settings every connection needs: WAL, durable commits, waiting on locks.
fn connect(path: &Path) -> Result<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    let _mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
    conn.execute_batch("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;")?;
    Ok(conn)
}

/// Applies the migrations not yet applied, under the write lock so two processes cannot race.
///
/// Foreign keys are off while migrating and checked before the commit: a migration may
/// rebuild a table others refer to (SQLite cannot alter a CHECK constraint in place), which
/// drops the old table first (SQLite's documented procedure for schema changes).
fn migrate(conn: &mut Connection, all: &[Migration]) -> Result<()> {
    conn.execute_batch("PRAGMA foreign_keys=OFF")?;
    let migrated = migrate_in_transaction(conn, all);
    conn.execute_batch("PRAGMA foreign_keys=ON")?;
    migrated
}

fn migrate_in_transaction(conn: &mut Connection, all: &[Migration]) -> Result<()> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
    )?;
    let current: i64 = tx.query_row(
        "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
        [],
        |r| r.get(0),
    )?;
    let known = migrations::latest(all);
    if current > known {
        return Err(Error::SchemaTooNew {
            found: current,
            known,
        });
    }
    for m in all.iter().filter(|m| m.version > current) {
        tx.execute_batch(m.sql)?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
            params![m.version, m.name, crate::time::now()],
        )?;
    }
    let dangling: Option<String> = tx
        .query_row("PRAGMA foreign_key_check", [], |r| r.get(0))
        .optional()?;
    if let Some(table) = dangling {
        return Err(Error::Corrupt {
            id: 0,
            problem: format!("after migrating, table {table} refers to rows that do not exist"),
        });
    }
    tx.commit()?;
    Ok(())
}

/// Reading connections, opened on demand and kept for reuse.
struct Sqlite {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

impl Sqlite {
    fn with_conn<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let pooled = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        let conn = match pooled {
            Some(c) => c,
            None => connect(&self.path)?,
        };
        let result = f(&conn);
        if let Ok(mut idle) = self.idle.lock() {
            idle.push(conn);
        }
        result
    }
}

/// The decisions for each key, oldest first. In-process, one cached statement run per key
/// costs less than building one query for all.
fn reviews_on(c: &Connection, keys: &[ReviewKey]) -> Result<Vec<Vec<ReviewDecision>>> {
    let sql = format!(
        "SELECT {REVIEW_COLUMNS} FROM reviews
         WHERE party_key = ?1 AND list = ?2 AND entry_id = ?3 ORDER BY record_id"
    );
    let mut stmt = c.prepare_cached(&sql)?;
    keys.iter()
        .map(|k| {
            let rows = stmt.query_map(params![k.party_key, k.list, k.entry_id], read_review)?;
            rows.map(|r| r.map_err(Error::from).and_then(ReviewRow::into_decision))
                .collect()
        })
        .collect()
}

/// The active token with this secret hash at time `now`.
fn active_token(c: &Connection, secret_hash: &str, now: &str) -> Result<Option<Token>> {
    let found = c
        .prepare_cached(&numbered(tokens::sql::ACTIVE_BY_HASH))?
        .query_row([secret_hash, now], read_token)
        .optional()?;
    found.map(TokenRow::into_token).transpose()
}

fn read_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    Ok(Row {
        id: r.get(0)?,
        kind: r.get(1)?,
        created_at: r.get(2)?,
        actor: r.get(3)?,
        input: r.get(4)?,
        output: r.get(5)?,
        ruleset: r.get(6)?,
        list_snapshot: r.get(7)?,
        ace_version: r.get(8)?,
        transaction_id: r.get(9)?,
        prev_hash: r.get(10)?,
        hash: r.get(11)?,
        dictionary: r.get(12)?,
        input_z: r.get(13)?,
        output_z: r.get(14)?,
    })
}

/// A statement written with PostgreSQL's `$n` parameters, for SQLite: `?n` (SQLite would
/// number `$n` by first appearance rather than by `n`).
fn numbered(sql: &str) -> String {
    sql.replace('$', "?")
}

fn read_token(r: &rusqlite::Row<'_>) -> rusqlite::Result<TokenRow> {
    Ok(TokenRow {
        name: r.get(0)?,
        role: r.get(1)?,
        created_at: r.get(2)?,
        expires_at: r.get(3)?,
        revoked_at: r.get(4)?,
    })
}

fn read_review(r: &rusqlite::Row<'_>) -> rusqlite::Result<ReviewRow> {
    Ok(ReviewRow {
        record_id: r.get(0)?,
        party: r.get(1)?,
        party_key: r.get(2)?,
        list: r.get(3)?,
        entry_id: r.get(4)?,
        verdict: r.get(5)?,
        reason: r.get(6)?,
        actor: r.get(7)?,
        screening_record: r.get(8)?,
        created_at: r.get(9)?,
        country: r.get(10)?,
        entry_hash: r.get(11)?,
    })
}

fn read_link(r: &rusqlite::Row<'_>) -> rusqlite::Result<DeterminationLink> {
    Ok(DeterminationLink {
        record_id: r.get(0)?,
        outcome: r.get(1)?,
        supersedes: r.get(2)?,
        review_record: r.get(3)?,
        line: r.get(4)?,
    })
}

/// A `LIMIT` value: SQLite takes a signed 64-bit integer.
fn limit_of(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

fn sql_value(p: &Param) -> rusqlite::types::Value {
    match p {
        Param::Text(s) => rusqlite::types::Value::Text(s.clone()),
        Param::Int(i) => rusqlite::types::Value::Integer(*i),
    }
}

impl Backend for Sqlite {
    fn rows(&self, selection: &Selection, limit: usize) -> Result<Vec<Row>> {
        let (sql, params) = selection.sql(STORED_COLUMNS, limit, |i| format!("?{i}"));
        let values: Vec<rusqlite::types::Value> = params.iter().map(sql_value).collect();
        self.with_conn(|c| {
            let mut stmt = c.prepare_cached(&sql)?;
            let rows = stmt.query_map(rusqlite::params_from_iter(values), read_row)?;
            Ok(rows.collect::<rusqlite::Result<Vec<Row>>>()?)
        })
    }

    fn row(&self, id: i64) -> Result<Option<Row>> {
        let sql = format!("SELECT {STORED_COLUMNS} FROM records WHERE id = ?1");
        self.with_conn(|c| {
            Ok(c.prepare_cached(&sql)?
                .query_row([id], read_row)
                .optional()?)
        })
    }

    fn count(&self) -> Result<u64> {
        self.with_conn(|c| {
            let n: i64 = c.query_row("SELECT COUNT(*) FROM records", [], |r| r.get(0))?;
            Ok(u64::try_from(n).unwrap_or(0))
        })
    }

    fn head(&self) -> Result<Option<Head>> {
        self.with_conn(|c| {
            let sql = "SELECT id, hash FROM records ORDER BY id DESC LIMIT 1";
            let head = c.query_row(sql, [], |r| {
                Ok(Head {
                    id: r.get(0)?,
                    hash: r.get(1)?,
                })
            });
            Ok(head.optional()?)
        })
    }

    fn reviews_for_keys(&self, keys: &[ReviewKey]) -> Result<Vec<Vec<ReviewDecision>>> {
        self.with_conn(|c| reviews_on(c, keys))
    }

    /// On an idle pooled connection only (never opening one, never waiting for one): an
    /// indexed read of a small table in this process, answered from SQLite's page cache —
    /// and a WAL reader never waits for the writer.
    fn reviews_at_hand(&self, keys: &[ReviewKey]) -> Option<Vec<Vec<ReviewDecision>>> {
        let conn = self.idle.try_lock().ok()?.pop()?;
        let found = reviews_on(&conn, keys).ok();
        if let Ok(mut idle) = self.idle.lock() {
            idle.push(conn);
        }
        found
    }

    fn review_rows(&self, after: i64, limit: usize) -> Result<Vec<ReviewRow>> {
        let sql = format!(
            "SELECT {REVIEW_COLUMNS} FROM reviews WHERE record_id > ?1 ORDER BY record_id LIMIT ?2"
        );
        self.with_conn(|c| {
            let mut stmt = c.prepare_cached(&sql)?;
            let rows = stmt.query_map(params![after, limit_of(limit)], read_review)?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    fn determination_rows(&self, after: i64, limit: usize) -> Result<Vec<DeterminationLink>> {
        let sql = format!(
            "SELECT {DETERMINATION_COLUMNS} FROM determinations WHERE record_id > ?1
             ORDER BY record_id LIMIT ?2"
        );
        self.with_conn(|c| {
            let mut stmt = c.prepare_cached(&sql)?;
            let rows = stmt.query_map(params![after, limit_of(limit)], read_link)?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    fn line_rows(&self, id: i64) -> Result<Vec<DeterminationLink>> {
        let sql = format!(
            "SELECT {DETERMINATION_COLUMNS} FROM determinations
             WHERE line = (SELECT line FROM determinations WHERE record_id = ?1)
             ORDER BY record_id"
        );
        self.with_conn(|c| {
            let mut stmt = c.prepare_cached(&sql)?;
            let rows = stmt.query_map(params![id], read_link)?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    fn held_rows(&self, after_line: i64, limit: usize) -> Result<Vec<DeterminationLink>> {
        let sql = format!("SELECT {DETERMINATION_COLUMNS} FROM determinations d {HELD_WHERE}");
        self.with_conn(|c| {
            let mut stmt = c.prepare_cached(&sql)?;
            let rows = stmt.query_map(params![after_line, limit_of(limit)], read_link)?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    fn token(&self, name: &str) -> Result<Option<Token>> {
        self.with_conn(|c| {
            let found = c
                .prepare_cached(&numbered(tokens::sql::BY_NAME))?
                .query_row([name], read_token)
                .optional()?;
            found.map(TokenRow::into_token).transpose()
        })
    }

    fn token_by_hash(&self, secret_hash: &str, now: &str) -> Result<Option<Token>> {
        self.with_conn(|c| active_token(c, secret_hash, now))
    }

    /// On an idle pooled connection only, as [`Backend::reviews_at_hand`]: an indexed read of
    /// a small table, and a WAL reader never waits for the writer. Always the database's
    /// current state: a token revoked by another process stops at once.
    fn token_at_hand(&self, secret_hash: &str, now: &str) -> Option<Result<Option<Token>>> {
        let conn = self.idle.try_lock().ok()?.pop()?;
        let found = active_token(&conn, secret_hash, now);
        if let Ok(mut idle) = self.idle.lock() {
            idle.push(conn);
        }
        Some(found)
    }

    fn tokens(&self) -> Result<Vec<Token>> {
        self.with_conn(|c| {
            let mut stmt = c.prepare_cached(&numbered(tokens::sql::ALL))?;
            let rows = stmt.query_map([], read_token)?;
            rows.map(|r| r.map_err(Error::from).and_then(TokenRow::into_token))
                .collect()
        })
    }

    fn session_by_hash(&self, id_sha256: &str, now: &str) -> Result<Option<Session>> {
        self.with_conn(|c| {
            let found = c
                .prepare_cached(&numbered(tokens::sql::LIVE_SESSION))?
                .query_row([id_sha256, now], |r| {
                    Ok(SessionRow {
                        token_name: r.get(0)?,
                        role: r.get(1)?,
                        csrf: r.get(2)?,
                        expires_at: r.get(3)?,
                    })
                })
                .optional()?;
            found.map(SessionRow::into_session).transpose()
        })
    }

    fn session_token(&self, id_sha256: &str) -> Result<Option<String>> {
        self.with_conn(|c| {
            Ok(c.prepare_cached(&numbered(tokens::sql::SESSION_TOKEN))?
                .query_row([id_sha256], |r| r.get(0))
                .optional()?)
        })
    }

    fn dictionaries(&self) -> Result<Vec<(i64, String, Vec<u8>)>> {
        self.with_conn(|c| {
            let mut stmt = c.prepare("SELECT id, sha256, bytes FROM dictionaries ORDER BY id")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }
}

/// The connection the group-commit thread writes through.
struct SqliteWriter {
    conn: Connection,
    codec: Arc<Codec>,
}

impl ChainWriter for SqliteWriter {
    fn flushes_here(&self) -> bool {
        true
    }

    fn begin(&mut self) -> Result<Option<Tip>> {
        // Both statements prepared once per connection, not parsed for every batch.
        self.conn.prepare_cached("BEGIN IMMEDIATE")?.execute([])?;
        let sql = "SELECT id, hash, created_at FROM records ORDER BY id DESC LIMIT 1";
        let tip = self
            .conn
            .prepare_cached(sql)?
            .query_row([], |r| {
                Ok(Tip {
                    id: r.get(0)?,
                    hash: r.get(1)?,
                    created_at: r.get(2)?,
                })
            })
            .optional()?;
        Ok(tip)
    }

    fn existing(&mut self, keys: &[(RecordKind, String)]) -> Result<Vec<Record>> {
        let sql =
            format!("SELECT {STORED_COLUMNS} FROM records WHERE kind = ?1 AND transaction_id = ?2");
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut found = Vec::new();
        for (kind, transaction_id) in keys {
            if let Some(row) = stmt
                .query_row(params![kind.as_str(), transaction_id], read_row)
                .optional()?
            {
                found.push(row.expanded(&self.codec)?.into_record()?);
            }
        }
        Ok(found)
    }

    fn insert(&mut self, links: &[Link<'_>]) -> Result<()> {
        let mut record = self.conn.prepare_cached(&format!(
            "INSERT INTO records ({STORED_COLUMNS})
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"
        ))?;
        let mut review = self.conn.prepare_cached(&format!(
            "INSERT INTO reviews ({REVIEW_COLUMNS})
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
        ))?;
        let mut determination = self.conn.prepare_cached(&format!(
            "INSERT INTO determinations ({DETERMINATION_COLUMNS})
             VALUES (?1, ?2, ?3, ?4, COALESCE((SELECT line FROM determinations WHERE record_id = ?3), ?1))"
        ))?;
        for link in links {
            let (s, i) = (&link.stamp, link.item);
            let compact = i.compact.as_ref();
            record.execute(params![
                s.id,
                i.kind.as_str(),
                s.created_at,
                i.actor,
                i.stored_input(),
                i.stored_output(),
                i.ruleset,
                i.list_snapshot,
                crate::chain::ACE_VERSION,
                i.transaction_id,
                s.prev_hash,
                s.hash,
                compact.map(|c| c.dictionary),
                compact.map(|c| &c.input_z),
                compact.map(|c| &c.output_z)
            ])?;
            if let Some(r) = &i.review {
                review.execute(params![
                    s.id,
                    r.party,
                    r.party_key,
                    r.list,
                    r.entry_id,
                    r.verdict.as_str(),
                    r.reason,
                    i.actor,
                    r.screening_record,
                    s.created_at,
                    r.country,
                    r.entry_hash
                ])?;
            }
            if let Some(d) = &i.determination {
                determination.execute(params![s.id, d.outcome, d.supersedes, d.review_record])?;
            }
            if let Some(change) = &i.access {
                for statement in change.statements(&s.created_at) {
                    let changed = self
                        .conn
                        .prepare_cached(&numbered(statement.sql))?
                        .execute(rusqlite::params_from_iter(&statement.params))?;
                    if statement.one_row && changed != 1 {
                        return Err(tokens::not_applied(&statement, changed as u64));
                    }
                }
            }
        }
        Ok(())
    }

    fn commit(&mut self) -> Result<()> {
        self.conn.prepare_cached("COMMIT")?.execute([])?;
        Ok(())
    }

    fn rollback(&mut self) {
        let _ = self.conn.execute_batch("ROLLBACK");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::row::COLUMNS;

    #[test]
    fn migration_2_indexes_the_determinations_recorded_before() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut conn = connect(&dir.path().join("r.sqlite")).expect("connect");
        migrate(&mut conn, &migrations::SQLITE[..1]).expect("version 1");
        let insert = |id: i64, kind: &str, output: &str, prev: &str| {
            conn.execute(
                &format!("INSERT INTO records ({COLUMNS}) VALUES (?1, ?2, 't', 'a', '{{}}', ?3, NULL, NULL, 'v', NULL, ?4, ?5)"),
                params![id, kind, output, prev, format!("h{id}")],
            )
        };
        insert(
            1,
            "determination",
            r#"{"outcome":"HOLD"}"#,
            crate::GENESIS_HASH,
        )
        .expect("1");
        insert(
            2,
            "determination",
            r#"{"determination":{"outcome":"NLR"}}"#,
            "h1",
        )
        .expect("2");
        insert(3, "screening", r#"{"hits":[]}"#, "h2").expect("3");
        migrate(&mut conn, migrations::SQLITE).expect("version 2");
        let sql = format!("SELECT {DETERMINATION_COLUMNS} FROM determinations ORDER BY record_id");
        let mut stmt = conn.prepare(&sql).expect("prepare");
        let rows: Vec<DeterminationLink> = stmt
            .query_map([], read_link)
            .expect("query")
            .collect::<rusqlite::Result<_>>()
            .expect("rows");
        let seen: Vec<(i64, Option<&str>, i64)> = rows
            .iter()
            .map(|r| (r.record_id, r.outcome.as_deref(), r.line))
            .collect();
        assert_eq!(seen, vec![(1, Some("HOLD"), 1), (2, Some("NLR"), 2)]);
    }

    #[test]
    fn migration_3_rebuilds_records_with_rows_reviews_and_guards_intact() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut conn = connect(&dir.path().join("r.sqlite")).expect("connect");
        migrate(&mut conn, &migrations::SQLITE[..2]).expect("version 2");
        conn.execute(
            &format!("INSERT INTO records ({COLUMNS}) VALUES (1, 'review', 't', 'a', '{{}}', '{{}}', NULL, NULL, 'v', NULL, ?1, 'h1')"),
            params![crate::GENESIS_HASH],
        )
        .expect("record");
        conn.execute(
            "INSERT INTO reviews (record_id, party, party_key, list, entry_id, verdict, reason, actor, created_at)
             VALUES (1, 'p', 'p', 'l', 'e', 'true_match', 'r', 'a', 't')",
            [],
        )
        .expect("review");
        migrate(&mut conn, migrations::SQLITE).expect("version 3");
        let kept: (i64, String, String) = conn
            .query_row("SELECT id, kind, hash FROM records", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .expect("row");
        assert_eq!(kept, (1, "review".to_string(), "h1".to_string()));
        // The review still refers to its record, and the guards came back with the table.
        let fk: Option<String> = conn
            .query_row("PRAGMA foreign_key_check", [], |r| r.get(0))
            .optional()
            .expect("check");
        assert_eq!(fk, None);
        let delete = conn.execute("DELETE FROM records WHERE id = 1", []);
        assert!(format!("{delete:?}").contains("append-only"), "{delete:?}");
        let fork = conn.execute(
            &format!("INSERT INTO records ({COLUMNS}) VALUES (2, 'access', 't', 'a', '{{}}', '{{}}', NULL, NULL, 'v', NULL, 'not-h1', 'h2')"),
            [],
        );
        assert!(format!("{fork:?}").contains("chain"), "{fork:?}");
        conn.execute(
            &format!("INSERT INTO records ({COLUMNS}) VALUES (2, 'access', 't', 'a', '{{}}', '{{}}', NULL, NULL, 'v', NULL, 'h1', 'h2')"),
            [],
        )
        .expect("an access record follows");
        let foreign_keys: i64 = conn
            .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
            .expect("pragma");
        assert_eq!(foreign_keys, 1, "foreign keys are on again after migrating");
    }

    #[test]
    fn migration_4_leaves_rows_written_before_as_they_were_and_readable() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("r.sqlite");
        let mut conn = connect(&path).expect("connect");
        migrate(&mut conn, &migrations::SQLITE[..3]).expect("version 3");
        // Two records as ace wrote them before compact rows, hashes and all.
        let mut prev = crate::GENESIS_HASH.to_string();
        let mut written = Vec::new();
        for id in 1..=2 {
            let record = Record {
                id,
                kind: RecordKind::Screening,
                created_at: format!("2026-01-0{id}T00:00:00.000000Z"),
                actor: "old".into(),
                input: serde_json::json!({"name": format!("Party {id}"), "country": "DE"}),
                output: serde_json::json!({"hits": [], "needs_review": []}),
                ruleset: None,
                list_snapshot: Some("ab".repeat(32)),
                ace_version: "0.1.0".into(),
                transaction_id: None,
                prev_hash: prev.clone(),
                hash: String::new(),
            };
            let record = Record {
                hash: crate::record_hash(&record),
                ..record
            };
            conn.execute(
                &format!("INSERT INTO records ({COLUMNS}) VALUES (?1, 'screening', ?2, 'old', ?3, ?4, NULL, ?5, '0.1.0', NULL, ?6, ?7)"),
                params![
                    id,
                    record.created_at,
                    crate::canonical_json(&record.input),
                    crate::canonical_json(&record.output),
                    record.list_snapshot,
                    record.prev_hash,
                    record.hash
                ],
            )
            .expect("old row");
            prev = record.hash.clone();
            written.push(record);
        }
        let before: Vec<(String, String)> = conn
            .prepare("SELECT input, output FROM records ORDER BY id")
            .expect("prepare")
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .expect("query")
            .collect::<rusqlite::Result<_>>()
            .expect("rows");
        drop(conn);

        let store = open(&path).expect("open migrates to version 4");
        let mut big = crate::NewRecord {
            kind: RecordKind::Screening,
            actor: "new".into(),
            input: serde_json::json!({"name": "Party 3", "country": "DE"}),
            output: serde_json::json!({"hits": [], "needs_review": [],
                "note": "the item is published software or technology (not subject to the EAR)"}),
            ruleset: None,
            list_snapshot: Some("ab".repeat(32)),
            transaction_id: None,
        };
        big.output["trace"] = serde_json::json!([
            "15 CFR 740.22(b)(1)",
            "15 CFR 734.3(b)(3); 15 CFR 734.7",
            "15 CFR 740.22(c)(1)"
        ]);
        let third = store.append(big).expect("append after the old rows");
        assert_eq!(third.prev_hash, written[1].hash);
        let report = store.verify().expect("verify");
        assert!(report.ok, "{:?}", report.first_broken);
        assert_eq!(report.records, 3);
        assert_eq!(store.get(1).expect("get"), Some(written[0].clone()));

        let conn = connect(&path).expect("connect");
        let after: Vec<(String, String)> = conn
            .prepare("SELECT input, output FROM records WHERE id <= 2 ORDER BY id")
            .expect("prepare")
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .expect("query")
            .collect::<rusqlite::Result<_>>()
            .expect("rows");
        assert_eq!(after, before, "rows written before are not rewritten");
        let kinds: Vec<(i64, Option<i64>, bool)> = conn
            .prepare("SELECT id, dictionary, input = '' FROM records ORDER BY id")
            .expect("prepare")
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .expect("query")
            .collect::<rusqlite::Result<_>>()
            .expect("rows");
        assert_eq!(
            kinds,
            vec![(1, None, false), (2, None, false), (3, Some(1), true)]
        );
    }
}
