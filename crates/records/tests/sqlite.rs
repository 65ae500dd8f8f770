//! The common suite against SQLite files in temporary directories.

mod common;

use common::Db;
use tempfile::TempDir;

struct SqliteDb {
    dir: TempDir,
}

fn fresh() -> SqliteDb {
    SqliteDb {
        dir: tempfile::tempdir().expect("temp dir"),
    }
}

impl Db for SqliteDb {
    fn url(&self) -> String {
        self.dir
            .path()
            .join("data")
            .join("records.sqlite")
            .display()
            .to_string()
    }

    fn exec(&self, sql: &str) -> Result<(), String> {
        let conn = rusqlite::Connection::open(self.url()).map_err(|e| e.to_string())?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(|e| e.to_string())?;
        conn.execute_batch(sql).map_err(|e| e.to_string())
    }

    fn query_text(&self, sql: &str) -> Result<Vec<String>, String> {
        let conn = rusqlite::Connection::open(self.url()).map_err(|e| e.to_string())?;
        let mut stmt = conn.prepare(sql).map_err(|e| e.to_string())?;
        let rows = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(|e| e.to_string())?;
        rows.collect::<Result<Vec<_>, _>>()
            .map_err(|e| e.to_string())
    }

    fn drop_guards_sql(&self) -> &'static str {
        "DROP TRIGGER records_no_update; DROP TRIGGER records_no_delete; DROP TRIGGER records_linear;"
    }

    fn drop_index_guards_sql(&self) -> &'static str {
        "DROP TRIGGER reviews_no_update; DROP TRIGGER reviews_no_delete; DROP TRIGGER determinations_no_update; DROP TRIGGER determinations_no_delete;"
    }

    fn drop_dictionary_guards_sql(&self) -> &'static str {
        "DROP TRIGGER dictionaries_no_update; DROP TRIGGER dictionaries_no_delete;"
    }

    fn query_blobs(&self, sql: &str) -> Result<Vec<Vec<u8>>, String> {
        let conn = rusqlite::Connection::open(self.url()).map_err(|e| e.to_string())?;
        let mut stmt = conn.prepare(sql).map_err(|e| e.to_string())?;
        let rows = stmt
            .query_map([], |r| r.get::<_, Vec<u8>>(0))
            .map_err(|e| e.to_string())?;
        rows.collect::<Result<Vec<_>, _>>()
            .map_err(|e| e.to_string())
    }

    fn blob_literal(&self, bytes: &[u8]) -> String {
        format!("X'{}'", hex::encode(bytes))
    }

    /// The pages of the records table, its indexes and the determination index (SQLite's
    /// `dbstat`, which reads committed pages whether in the file or the WAL).
    fn size_sql(&self) -> &'static str {
        "SELECT CAST(SUM(pgsize) AS TEXT) FROM dbstat
          WHERE name IN ('records', 'records_created_at', 'records_kind_transaction',
                         'determinations', 'determinations_line', 'determinations_held')"
    }
}

every_backend!(fresh());

#[test]
fn schema_is_versioned() {
    let db = fresh();
    drop(db.open());
    drop(db.open());
    let conn = rusqlite::Connection::open(db.url()).expect("open");
    let versions: i64 = conn
        .query_row("SELECT COUNT(*) FROM schema_migrations", [], |r| r.get(0))
        .expect("query");
    assert_eq!(versions, 4);
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .expect("pragma");
    assert_eq!(mode, "wal");
    conn.execute(
        "INSERT INTO schema_migrations VALUES (999, 'future', 'x')",
        [],
    )
    .expect("insert");
    assert!(matches!(
        records::open(&db.url()),
        Err(records::Error::SchemaTooNew { found: 999, .. })
    ));
}

/// Records name every party and transaction: the database and its WAL and shared-memory
/// files are readable by their owner only, whatever the umask.
#[cfg(unix)]
#[test]
fn database_files_are_created_private() {
    use std::os::unix::fs::PermissionsExt;
    let db = fresh();
    let store = db.open();
    store.append(common::determination(0)).expect("append");
    for suffix in ["", "-wal", "-shm"] {
        let path = format!("{}{suffix}", db.url());
        let mode = std::fs::metadata(&path)
            .unwrap_or_else(|e| panic!("{path}: {e}"))
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{path} has mode {:o}", mode & 0o777);
    }
}
