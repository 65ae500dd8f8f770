//! The embedded back end: one SQLite file in WAL mode, `synchronous=FULL`.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use rusqlite::{params, Connection, ErrorCode, OptionalExtension};

use crate::chain::{ChainWriter, Link, Tip};
use crate::error::{Error, Result};
use crate::group::GroupCommit;
use crate::migrations::{self, Migration};
use crate::query::{Param, Selection};
use crate::row::{token_of, ReviewRow, Row, COLUMNS, REVIEW_COLUMNS};
use crate::store::{Backend, RecordStore, Store};
use crate::types::{Head, Record, RecordKind, ReviewDecision, ReviewKey, Token};

/// How long a connection waits for another process's write lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// Opens (creating if needed) the SQLite file and applies pending migrations.
pub(crate) fn open(path: &Path) -> Result<Box<dyn RecordStore>> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut first = connect(path)?;
    migrate(&mut first, migrations::SQLITE)?;
    let writer = SqliteWriter {
        conn: connect(path)?,
    };
    let backend = Sqlite {
        path: path.to_path_buf(),
        idle: Mutex::new(vec![first]),
    };
    Ok(Box::new(Store::new(
        backend,
        GroupCommit::start(Box::new(writer))?,
    )))
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
fn migrate(conn: &mut Connection, all: &[Migration]) -> Result<()> {
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
    })
}

fn read_token(r: &rusqlite::Row<'_>) -> rusqlite::Result<(String, String, String)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
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
    })
}

fn sql_value(p: &Param) -> rusqlite::types::Value {
    match p {
        Param::Text(s) => rusqlite::types::Value::Text(s.clone()),
        Param::Int(i) => rusqlite::types::Value::Integer(*i),
    }
}

impl Backend for Sqlite {
    fn rows(&self, selection: &Selection, limit: usize) -> Result<Vec<Row>> {
        let (sql, params) = selection.sql(COLUMNS, limit, |i| format!("?{i}"));
        let values: Vec<rusqlite::types::Value> = params.iter().map(sql_value).collect();
        self.with_conn(|c| {
            let mut stmt = c.prepare_cached(&sql)?;
            let rows = stmt.query_map(rusqlite::params_from_iter(values), read_row)?;
            Ok(rows.collect::<rusqlite::Result<Vec<Row>>>()?)
        })
    }

    fn row(&self, id: i64) -> Result<Option<Row>> {
        let sql = format!("SELECT {COLUMNS} FROM records WHERE id = ?1");
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

    fn insert_token(&self, token: &Token, secret_hash: &str) -> Result<()> {
        self.with_conn(|c| {
            let inserted = c.execute(
                "INSERT INTO tokens (name, role, secret_sha256, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![token.name, token.role.as_str(), secret_hash, token.created_at],
            );
            match inserted {
                Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == ErrorCode::ConstraintViolation => {
                    Err(Error::DuplicateToken(token.name.clone()))
                }
                other => other.map(|_| ()).map_err(Error::from),
            }
        })
    }

    fn token_by_hash(&self, secret_hash: &str) -> Result<Option<Token>> {
        self.with_conn(|c| {
            let sql = "SELECT name, role, created_at FROM tokens WHERE secret_sha256 = ?1";
            let found = c
                .prepare_cached(sql)?
                .query_row([secret_hash], read_token)
                .optional()?;
            found.map(|(n, r, t)| token_of(n, &r, t)).transpose()
        })
    }

    fn tokens(&self) -> Result<Vec<Token>> {
        self.with_conn(|c| {
            let mut stmt =
                c.prepare_cached("SELECT name, role, created_at FROM tokens ORDER BY name")?;
            let rows = stmt.query_map([], read_token)?;
            rows.map(|r| {
                r.map_err(Error::from)
                    .and_then(|(n, role, t)| token_of(n, &role, t))
            })
            .collect()
        })
    }
}

/// The connection the group-commit thread writes through.
struct SqliteWriter {
    conn: Connection,
}

impl ChainWriter for SqliteWriter {
    fn begin(&mut self) -> Result<Option<Tip>> {
        self.conn.execute_batch("BEGIN IMMEDIATE")?;
        let sql = "SELECT id, hash, created_at FROM records ORDER BY id DESC LIMIT 1";
        let tip = self
            .conn
            .query_row(sql, [], |r| {
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
        let sql = format!("SELECT {COLUMNS} FROM records WHERE kind = ?1 AND transaction_id = ?2");
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut found = Vec::new();
        for (kind, transaction_id) in keys {
            if let Some(row) = stmt
                .query_row(params![kind.as_str(), transaction_id], read_row)
                .optional()?
            {
                found.push(row.into_record()?);
            }
        }
        Ok(found)
    }

    fn insert(&mut self, links: &[Link<'_>]) -> Result<()> {
        let mut record = self.conn.prepare_cached(&format!(
            "INSERT INTO records ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
        ))?;
        let mut review = self.conn.prepare_cached(
            "INSERT INTO reviews (record_id, party, party_key, list, entry_id, verdict, reason, actor, screening_record, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )?;
        for link in links {
            let (s, i) = (&link.stamp, link.item);
            record.execute(params![
                s.id,
                i.kind.as_str(),
                s.created_at,
                i.actor,
                i.input,
                i.output,
                i.ruleset,
                i.list_snapshot,
                crate::chain::ACE_VERSION,
                i.transaction_id,
                s.prev_hash,
                s.hash
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
                    s.created_at
                ])?;
            }
        }
        Ok(())
    }

    fn commit(&mut self) -> Result<()> {
        Ok(self.conn.execute_batch("COMMIT")?)
    }

    fn rollback(&mut self) {
        let _ = self.conn.execute_batch("ROLLBACK");
    }
}
