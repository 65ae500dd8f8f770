//! Anchored records (issue 13, item 4): `ace records checkpoint` signs the chain's head;
//! `ace records verify --against` and `ace records verify-export` find the two attacks
//! that plain `verify` cannot — the newest records deleted (truncation) and record 5
//! rewritten (LICENSE_REQUIRED → NLR) with the later hashes recomputed — on SQLite and on
//! PostgreSQL; a checkpoint whose signature does not verify is refused. The attacker has
//! write access to the database and drops its append-only triggers first.
//!
//! PostgreSQL: `ACE_TEST_POSTGRES_URL`, else `postgres://postgres@127.0.0.1:5432/test`;
//! each test gets a fresh database, dropped afterwards.

use assert_cmd::Command;
use serde_json::json;
use std::path::{Path, PathBuf};
use support::{run, Served};

mod support;

/// A record database under test and raw SQL behind the store's back.
trait Db {
    fn url(&self) -> String;
    fn exec(&self, sql: &str);
    /// SQL dropping the triggers that refuse UPDATE and DELETE.
    fn drop_triggers(&self) -> &'static str;
}

struct Sqlite(PathBuf);

impl Db for Sqlite {
    fn url(&self) -> String {
        self.0.display().to_string()
    }
    fn exec(&self, sql: &str) {
        let conn = rusqlite::Connection::open(&self.0).expect("open SQLite");
        conn.execute_batch(sql)
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    fn drop_triggers(&self) -> &'static str {
        "DROP TRIGGER records_no_update; DROP TRIGGER records_no_delete;
         DROP TRIGGER determinations_no_update; DROP TRIGGER determinations_no_delete;"
    }
}

struct Postgres {
    admin: String,
    name: String,
}

impl Postgres {
    fn fresh(tag: &str) -> Postgres {
        let admin = std::env::var("ACE_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string());
        let name = format!("ace_cli_checkpoint_{tag}_{}", std::process::id());
        let mut client = postgres::Client::connect(&admin, postgres::NoTls).unwrap_or_else(|e| {
            panic!(
                "PostgreSQL is not reachable at {admin} ({e}); run scripts/ensure-postgres.sh \
                 and set ACE_TEST_POSTGRES_URL"
            )
        });
        client
            .batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
            .expect("drop old database");
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create database");
        Postgres { admin, name }
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        if let Ok(mut c) = postgres::Client::connect(&self.admin, postgres::NoTls) {
            let _ = c.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

impl Db for Postgres {
    fn url(&self) -> String {
        let scheme = self.admin.find("://").map_or(0, |i| i + 3);
        let base = self.admin.split('?').next().unwrap_or(&self.admin);
        let end = base[scheme..].find('/').map_or(base.len(), |i| scheme + i);
        format!("{}/{}", &base[..end], self.name)
    }
    fn exec(&self, sql: &str) {
        let mut c = postgres::Client::connect(&self.url(), postgres::NoTls).expect("connect");
        c.batch_execute(sql)
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    fn drop_triggers(&self) -> &'static str {
        "DROP TRIGGER records_no_update ON records; DROP TRIGGER records_linear ON records;
         DROP TRIGGER determinations_no_update ON determinations;"
    }
}

fn ace(data: &Path, db: &dyn Db) -> Command {
    let mut c = Command::cargo_bin("ace").expect("binary");
    c.env("ACE_DATA_DIR", data)
        .env("ACE_DATABASE", db.url())
        .env_remove("ACE_RULES_DIR")
        .env_remove("ACE_CHECKPOINT_KEY")
        .env_remove("ACE_CHECKPOINT_DIR");
    c
}

/// Eight determinations; record 5 is LICENSE_REQUIRED.
fn record_eight(db: &dyn Db) {
    let store = records::open(&db.url()).expect("store");
    for n in 1..=8 {
        let outcome = if n == 5 { "LICENSE_REQUIRED" } else { "NLR" };
        store
            .append(records::NewRecord {
                kind: records::RecordKind::Determination,
                actor: "alice".into(),
                input: json!({"destination": "CN", "eccn": "5A002", "n": n}),
                output: json!({"outcome": outcome, "trace": []}),
                ruleset: None,
                list_snapshot: None,
                transaction_id: Some(format!("t{n}")),
            })
            .expect("append");
    }
}

/// Record 5 says NLR, and records 5..8 carry recomputed hashes: a valid chain (the output
/// written as text, its compressed frame removed: a row keeps one or the other).
fn rewrite_record_5(db: &dyn Db) {
    let store = records::open(&db.url()).expect("store");
    let mut prev = store.get(4).expect("get").expect("record 4").hash;
    for n in 5..=8 {
        let mut r = store.get(n).expect("get").expect("record");
        if n == 5 {
            r.output["outcome"] = json!("NLR");
        }
        r.prev_hash = prev;
        r.hash = records::record_hash(&r);
        db.exec(&format!(
            "UPDATE records SET output = '{}', output_z = NULL, prev_hash = '{}', hash = '{}' WHERE id = {n}",
            records::canonical_json(&r.output),
            r.prev_hash,
            r.hash
        ));
        prev = r.hash;
    }
    db.exec("UPDATE determinations SET outcome = 'NLR' WHERE record_id = 5");
}

fn both_attacks_are_found(db: &dyn Db) {
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().join("data");
    record_eight(db);

    let (code, out, err) = run(ace(&data, db).args(["records", "checkpoint"]));
    assert_eq!(code, 0, "{out}{err}");
    let signed: serde_json::Value = serde_json::from_str(&out).expect("a checkpoint on stdout");
    assert_eq!(
        (&signed["head_id"], &signed["records"]),
        (&json!(8), &json!(8))
    );
    let key_pub = data.join("checkpoint.key.pub");
    assert!(err.contains("created the checkpoint signing key"), "{err}");
    let checkpoints = data.join("checkpoints");
    let files: Vec<PathBuf> = std::fs::read_dir(&checkpoints)
        .expect("checkpoint dir")
        .map(|e| e.expect("entry").path())
        .collect();
    assert_eq!(files.len(), 1);
    let checkpoint = files[0].display().to_string();
    let head = format!("8:{}", signed["head_hash"].as_str().expect("hash"));

    let (code, out, err) =
        run(ace(&data, db).args(["records", "verify", "--against", &checkpoint]));
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("holds: checkpoint"), "{out}");

    // An altered checkpoint is refused, whatever it says.
    let forged = dir.path().join("forged.json");
    let text = std::fs::read_to_string(&files[0]).expect("read");
    std::fs::write(&forged, text.replace("\"head_id\": 8", "\"head_id\": 6")).expect("write");
    let (code, out, err) = run(ace(&data, db)
        .args(["records", "verify", "--against"])
        .arg(&forged));
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("signature does not verify") && err.contains("refused"),
        "{err}"
    );
    // So is one signed by another key than the pinned one.
    let (code, _, err) = run(ace(&data, db).args([
        "records",
        "verify",
        "--against",
        &checkpoint,
        "--public-key",
        &"ab".repeat(32),
    ]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("not by the expected key"), "{err}");

    let export = dir.path().join("before.jsonl");
    let (code, _, err) = run(ace(&data, db)
        .args(["records", "export", "--out"])
        .arg(&export));
    assert_eq!(code, 0, "{err}");

    // Record 5 rewritten, later hashes recomputed: plain verify is satisfied, the checkpoint is not.
    db.exec(db.drop_triggers());
    rewrite_record_5(db);
    let (code, out, _) = run(ace(&data, db).args(["records", "verify"]));
    assert_eq!(code, 0, "the recomputed chain is a valid chain: {out}");
    let (code, out, err) =
        run(ace(&data, db).args(["records", "verify", "--against", &checkpoint]));
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains("FAILED") && out.contains("rewritten chain: record 8"),
        "{out}"
    );

    // The same found offline, in an export, against the checkpoint and its public key.
    let tampered = dir.path().join("after.jsonl");
    let (code, _, err) = run(ace(&data, db)
        .args(["records", "export", "--out"])
        .arg(&tampered));
    assert_eq!(code, 0, "{err}");
    let offline = |file: &Path| {
        let mut c = Command::cargo_bin("ace").expect("binary");
        c.args(["records", "verify-export"])
            .arg(file)
            .args(["--against", &checkpoint, "--public-key"])
            .arg(&key_pub);
        run(&mut c)
    };
    let (code, out, err) = offline(&export);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = offline(&tampered);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("rewritten chain"), "{out}");

    // The newest records deleted: a shorter valid chain, and the signed head is gone.
    db.exec("DELETE FROM determinations WHERE record_id > 6; DELETE FROM records WHERE id > 6");
    let (code, out, _) = run(ace(&data, db).args(["records", "verify"]));
    assert_eq!(code, 0, "the truncated chain is a valid chain: {out}");
    for against in [checkpoints.display().to_string(), head] {
        let (code, out, err) =
            run(ace(&data, db).args(["records", "verify", "--against", &against]));
        assert_eq!(code, 1, "{against}: {out}{err}");
        assert!(
            out.contains("truncation: record 8") && out.contains("ends at record 6"),
            "{against}: {out}"
        );
    }
}

#[test]
fn truncation_and_a_recomputed_chain_are_found_on_sqlite() {
    let dir = tempfile::tempdir().expect("dir");
    both_attacks_are_found(&Sqlite(dir.path().join("records.sqlite3")));
}

#[test]
fn truncation_and_a_recomputed_chain_are_found_on_postgres() {
    both_attacks_are_found(&Postgres::fresh("attacks"));
}

#[test]
fn against_takes_only_checkpoints_and_hashes_and_names_what_it_accepts() {
    let dir = tempfile::tempdir().expect("dir");
    let db = Sqlite(dir.path().join("records.sqlite3"));
    record_eight(&db);
    let data = dir.path().join("data");
    let (code, _, err) = run(ace(&data, &db).args(["records", "verify", "--against", "nope"]));
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("--against 'nope'") && err.contains("ID:HASH"),
        "{err}"
    );
    let (code, _, err) = run(ace(&data, &db).args(["serve", "--checkpoint-every", "1w"]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--checkpoint-every: '1w'"), "{err}");
}

/// `ace serve` signs the head of the records it serves into the data directory's
/// checkpoints when it starts, and again at a graceful shutdown (SIGTERM) when records
/// were added since; what it signed holds against `verify --against`.
#[test]
fn the_server_signs_checkpoints_at_start_and_at_shutdown() {
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().join("data");
    let db = Sqlite(data.join("records.sqlite3"));
    record_eight(&db);
    let mut serve = std::process::Command::new(assert_cmd::cargo::cargo_bin("ace"));
    serve
        .env("ACE_DATA_DIR", &data)
        .env_remove("ACE_DATABASE")
        .env_remove("ACE_CHECKPOINT_KEY")
        .env_remove("ACE_CHECKPOINT_DIR")
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--checkpoint-every",
            "1h",
        ]);
    let server = Served::start(serve);
    let checkpoints = data.join("checkpoints");
    let signed = |n: usize| {
        let started = std::time::Instant::now();
        loop {
            let mut heads: Vec<i64> = std::fs::read_dir(&checkpoints)
                .into_iter()
                .flatten()
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "json"))
                .filter_map(|p| std::fs::read_to_string(p).ok())
                .filter_map(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
                .filter_map(|c| c["head_id"].as_i64())
                .collect();
            heads.sort_unstable();
            if heads.len() >= n || started.elapsed() > std::time::Duration::from_secs(60) {
                return heads;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    };
    let at_start = signed(1);
    // Another process records while the server runs (SQLite allows it); then SIGTERM.
    let store = records::open(&db.url()).expect("store");
    store
        .append(records::NewRecord {
            kind: records::RecordKind::Screening,
            actor: "bob".into(),
            input: json!({"name": "Example GmbH"}),
            output: json!({"hits": []}),
            ruleset: None,
            list_snapshot: None,
            transaction_id: None,
        })
        .expect("append");
    drop(store);
    let (status, _) = server.terminate();
    assert_eq!(at_start, vec![8], "a checkpoint at start");
    assert!(status.success(), "{status:?}");
    assert_eq!(signed(2), vec![8, 9], "and one at shutdown");
    let (code, out, err) = run(ace(&data, &db)
        .args(["records", "verify", "--against"])
        .arg(&checkpoints));
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(out.matches("holds: checkpoint").count(), 2, "{out}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(data.join("checkpoint.key"))
            .expect("the server created its key")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
