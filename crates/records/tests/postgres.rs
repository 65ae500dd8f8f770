//! The common suite against PostgreSQL: each test gets a fresh database, dropped afterwards.
//!
//! The server is `ACE_TEST_POSTGRES_URL`, else `postgres://postgres@127.0.0.1:5432/test`;
//! if neither answers the tests fail (run `scripts/ensure-postgres.sh` to get one).

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};

use common::Db;
use postgres::{Client, NoTls};

const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

struct PgDb {
    admin_url: String,
    name: String,
    dir: tempfile::TempDir,
}

fn admin_url() -> String {
    std::env::var("ACE_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_URL.to_string())
}

fn admin() -> Client {
    let url = admin_url();
    match Client::connect(&url, NoTls) {
        Ok(client) => client,
        Err(e) => panic!(
            "PostgreSQL is not reachable at {url} ({e}). Run scripts/ensure-postgres.sh and set \
             ACE_TEST_POSTGRES_URL to the URL it prints."
        ),
    }
}

/// The URL of the same server with another database name.
fn with_database(url: &str, name: &str) -> String {
    let authority_start = url.find("://").map_or(0, |i| i + 3);
    let (base, query) = match url.find('?') {
        Some(q) => (&url[..q], &url[q..]),
        None => (url, ""),
    };
    let path_start = base[authority_start..]
        .find('/')
        .map_or(base.len(), |i| authority_start + i);
    format!("{}/{name}{query}", &base[..path_start])
}

fn fresh() -> PgDb {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let name = format!(
        "ace_records_test_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    );
    let mut admin = admin();
    admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
        .expect("drop old database");
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .expect("create database");
    PgDb {
        admin_url: admin_url(),
        name,
        dir: tempfile::tempdir().expect("temp dir"),
    }
}

impl Drop for PgDb {
    fn drop(&mut self) {
        if let Ok(mut admin) = Client::connect(&self.admin_url, NoTls) {
            let _ = admin.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

impl Db for PgDb {
    fn url(&self) -> String {
        with_database(&self.admin_url, &self.name)
    }

    fn exec(&self, sql: &str) -> Result<(), String> {
        let mut client = Client::connect(&self.url(), NoTls).map_err(|e| e.to_string())?;
        client.batch_execute(sql).map_err(|e| {
            let detail = e
                .as_db_error()
                .map(|d| d.message().to_string())
                .unwrap_or_default();
            format!("{e}: {detail}")
        })
    }

    fn query_text(&self, sql: &str) -> Result<Vec<String>, String> {
        let mut client = Client::connect(&self.url(), NoTls).map_err(|e| e.to_string())?;
        let rows = client.query(sql, &[]).map_err(|e| e.to_string())?;
        rows.iter()
            .map(|r| r.try_get::<_, String>(0).map_err(|e| e.to_string()))
            .collect()
    }

    fn drop_guards_sql(&self) -> &'static str {
        "DROP TRIGGER records_no_update ON records; DROP TRIGGER records_linear ON records;"
    }

    fn drop_index_guards_sql(&self) -> &'static str {
        "DROP TRIGGER reviews_no_update ON reviews; DROP TRIGGER determinations_no_update ON determinations;"
    }

    fn drop_dictionary_guards_sql(&self) -> &'static str {
        "DROP TRIGGER dictionaries_no_update ON dictionaries;"
    }

    fn query_blobs(&self, sql: &str) -> Result<Vec<Vec<u8>>, String> {
        let mut client = Client::connect(&self.url(), NoTls).map_err(|e| e.to_string())?;
        let rows = client.query(sql, &[]).map_err(|e| e.to_string())?;
        rows.iter()
            .map(|r| r.try_get::<_, Vec<u8>>(0).map_err(|e| e.to_string()))
            .collect()
    }

    fn blob_literal(&self, bytes: &[u8]) -> String {
        format!("decode('{}', 'hex')", hex::encode(bytes))
    }

    /// The records table with its indexes and TOAST, and the determination index.
    fn size_sql(&self) -> &'static str {
        "SELECT (pg_total_relation_size('records') + pg_total_relation_size('determinations'))::text"
    }
}

every_backend!(fresh());

#[test]
fn truncate_is_refused() {
    let db = fresh();
    drop(db.open());
    let refused = db
        .exec("TRUNCATE records CASCADE")
        .expect_err("truncate refused");
    assert!(refused.contains("append-only"), "{refused}");
}

#[test]
fn servers_starting_together_migrate_once() {
    let db = fresh();
    let url = db.url();
    let openers: Vec<_> = (0..4)
        .map(|_| {
            let url = url.clone();
            std::thread::spawn(move || records::open(&url).map(drop).map_err(|e| e.to_string()))
        })
        .collect();
    for opener in openers {
        opener.join().expect("thread").expect("open");
    }
    let mut client = Client::connect(&url, NoTls).expect("connect");
    let row = client
        .query_one(
            "SELECT COUNT(*), COUNT(DISTINCT version), MAX(version) FROM schema_migrations",
            &[],
        )
        .expect("query");
    let (rows, versions, latest): (i64, i64, i64) = (row.get(0), row.get(1), row.get(2));
    // Each migration applied exactly once, none skipped (v2 replaced the chain trigger).
    assert!(latest >= 2, "latest migration {latest}");
    assert_eq!((rows, versions), (latest, latest));
}

#[test]
fn database_url_is_rewritten() {
    assert_eq!(
        with_database("postgres://u@h:5432/test", "x"),
        "postgres://u@h:5432/x"
    );
    assert_eq!(
        with_database("postgresql://u@h/test?sslmode=disable", "x"),
        "postgresql://u@h/x?sslmode=disable"
    );
    assert_eq!(with_database("postgres://u@h", "x"), "postgres://u@h/x");
}

#[test]
fn record_texts_are_compressed_with_lz4_where_the_server_has_it() {
    let db = fresh();
    let store = db.open();
    drop(store);
    let mut client = Client::connect(&db.url(), NoTls).expect("connect");
    let has_lz4: bool = client
        .query_one(
            "SELECT current_setting('server_version_num')::int >= 140000
                AND EXISTS (SELECT 1 FROM pg_settings
                             WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals))",
            &[],
        )
        .expect("query")
        .get(0);
    let version: i32 = client
        .query_one("SELECT current_setting('server_version_num')::int", &[])
        .expect("version")
        .get(0);
    if version < 140000 {
        // No per-column compression before PostgreSQL 14: the migration leaves the default.
        return;
    }
    let methods: Vec<String> = client
        .query(
            "SELECT attcompression::text FROM pg_attribute
              WHERE attrelid = 'records'::regclass AND attname IN ('input', 'output')",
            &[],
        )
        .expect("query")
        .iter()
        .map(|r| r.get(0))
        .collect();
    let expected = if has_lz4 { "l" } else { "" };
    assert_eq!(methods, vec![expected.to_string(), expected.to_string()]);
}
