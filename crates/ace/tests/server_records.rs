//! `ace tokens`, `ace records` and `ace serve` end to end, over a temporary data directory.

use assert_cmd::Command;
use records::{NewRecord, RecordKind};
use serde_json::json;
use std::io::{Read, Write};
use std::path::Path;
use support::{run, Served};

mod support;

fn ace(data: &Path) -> Command {
    let mut c = Command::cargo_bin("ace").expect("binary");
    c.env("ACE_DATA_DIR", data)
        .env_remove("ACE_RULES_DIR")
        .env_remove("ACE_DATABASE");
    c
}

fn sqlite_file(data: &Path) -> std::path::PathBuf {
    data.join("records.sqlite3")
}

/// Three records in the data directory's store.
fn three_records(data: &Path) {
    let store = records::open(&sqlite_file(data).to_string_lossy()).expect("open");
    for (n, kind) in [
        RecordKind::Determination,
        RecordKind::Screening,
        RecordKind::Determination,
    ]
    .into_iter()
    .enumerate()
    {
        store
            .append(NewRecord {
                kind,
                actor: "alice".into(),
                input: json!({"n": n}),
                output: json!({"outcome": "ACE", "name": "Example GmbH", "hits": []}),
                ruleset: None,
                list_snapshot: None,
                transaction_id: None,
            })
            .expect("append");
    }
}

#[test]
fn tokens_create_prints_the_token_alone_once() {
    let dir = tempfile::tempdir().expect("dir");
    let (code, out, _) =
        run(ace(dir.path()).args(["tokens", "create", "--name", "alice", "--role", "analyst"]));
    assert_eq!(code, 0);
    let secret = out.strip_suffix('\n').expect("one line");
    assert!(
        secret.starts_with("ace_") && secret.len() == 68 && !secret.contains(char::is_whitespace),
        "{out:?}"
    );
    let (code, _, err) =
        run(ace(dir.path()).args(["tokens", "create", "--name", "alice", "--role", "admin"]));
    assert_eq!(code, 2, "{err}");
    let (code, _, _) =
        run(ace(dir.path()).args(["tokens", "create", "--name", "bob", "--role", "janitor"]));
    assert_eq!(code, 2);
    let (code, listed, _) = run(ace(dir.path()).args(["tokens", "list"]));
    assert_eq!(code, 0);
    assert!(listed.contains("alice") && listed.contains("analyst") && !listed.contains(secret));
    let db = std::fs::read(sqlite_file(dir.path())).expect("store");
    assert!(
        !db.windows(secret.len()).any(|w| w == secret.as_bytes()),
        "only a hash is stored"
    );
}

#[test]
fn tokens_expire_rotate_and_revoke_from_the_command_line() {
    let dir = tempfile::tempdir().expect("dir");
    let create = |extra: &[&str]| {
        let mut args = vec!["tokens", "create", "--name", "ci", "--role", "analyst"];
        args.extend_from_slice(extra);
        run(ace(dir.path()).args(&args))
    };
    let (code, _, err) = create(&["--expires", "yesterday"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--expires") && err.contains("90d"), "{err}");
    let (code, first, _) = create(&["--expires", "2099-01-01"]);
    assert_eq!(code, 0);
    let first = first.trim().to_string();
    let (_, listed, _) = run(ace(dir.path()).args(["tokens", "list"]));
    assert!(
        listed.contains("active") && listed.contains("2099-01-01T00:00:00"),
        "{listed}"
    );
    let (code, rotated, _) = run(ace(dir.path()).args(["tokens", "rotate", "--name", "ci"]));
    assert_eq!(code, 0);
    let rotated = rotated.trim().to_string();
    assert!(rotated.starts_with("ace_") && rotated != first);
    let store = records::open(&sqlite_file(dir.path()).to_string_lossy()).expect("open");
    assert!(store.authenticate(&first).expect("auth").is_none());
    assert!(store.authenticate(&rotated).expect("auth").is_some());
    let (code, _, err) = run(ace(dir.path()).args(["tokens", "revoke", "--name", "ci"]));
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("revoked"), "{err}");
    assert!(store.authenticate(&rotated).expect("auth").is_none());
    let (_, listed, _) = run(ace(dir.path()).args(["tokens", "list"]));
    assert!(listed.contains("revoked"), "{listed}");
    for again in [
        ["tokens", "revoke", "--name", "ci"],
        ["tokens", "rotate", "--name", "ci"],
    ] {
        let (code, _, err) = run(ace(dir.path()).args(again));
        assert_eq!(code, 2, "{err}");
        assert!(
            err.contains("revoked already") || err.contains("is revoked"),
            "{err}"
        );
    }
    let (code, _, err) = run(ace(dir.path()).args(["tokens", "revoke", "--name", "nobody"]));
    assert_eq!(code, 2);
    assert!(err.contains("no token is named"), "{err}");
    // Each change is an access record by the local user.
    let (code, out, _) = run(ace(dir.path()).args(["records", "list", "--kind", "access"]));
    assert_eq!(code, 0);
    for words in [
        "Token created: ci",
        "Token rotated: ci",
        "Token revoked: ci",
    ] {
        assert!(out.contains(words), "{words}: {out}");
    }
    assert!(out.contains("cli:"), "{out}");
}

#[test]
fn records_verify_passes_then_names_the_tampered_record() {
    let dir = tempfile::tempdir().expect("dir");
    three_records(dir.path());
    let (code, out, _) = run(ace(dir.path()).args(["records", "verify"]));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("ok: 3 records"), "{out}");

    let conn = rusqlite::Connection::open(sqlite_file(dir.path())).expect("sqlite");
    conn.execute_batch(
        "DROP TRIGGER records_no_update; UPDATE records SET actor = 'mallory' WHERE id = 2;",
    )
    .expect("tamper");
    drop(conn);
    let (code, out, err) = run(ace(dir.path()).args(["records", "verify"]));
    assert_eq!(code, 1);
    assert!(out.contains("BROKEN at record 2: hash mismatch"), "{out}");
    assert!(err.contains("record 2"), "{err}");
    let (_, json_out, _) = run(ace(dir.path()).args(["records", "verify", "--json"]));
    let report: serde_json::Value = serde_json::from_str(&json_out).expect("json");
    assert_eq!(report["first_broken"]["id"], 2);
}

#[test]
fn records_list_show_and_export() {
    let dir = tempfile::tempdir().expect("dir");
    three_records(dir.path());
    let (code, out, _) = run(ace(dir.path()).args(["records", "list"]));
    assert_eq!((code, out.lines().count()), (0, 3), "{out}");
    let (_, out, _) =
        run(ace(dir.path()).args(["records", "list", "--kind", "screening", "--json"]));
    let only: serde_json::Value = serde_json::from_str(out.trim()).expect("one JSON line");
    assert_eq!(only["id"], 2);
    let (code, out, _) = run(ace(dir.path()).args(["records", "show", "3"]));
    assert_eq!(code, 0);
    let shown: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(
        (shown["id"].as_i64(), shown["kind"].as_str()),
        (Some(3), Some("determination"))
    );
    assert_eq!(run(ace(dir.path()).args(["records", "show", "99"])).0, 2);
    let (code, csv, _) = run(ace(dir.path()).args([
        "records",
        "export",
        "--format",
        "csv",
        "--since",
        "2000-01-01",
    ]));
    assert_eq!((code, csv.lines().count()), (0, 4), "{csv}");
    let (_, jsonl, _) = run(ace(dir.path()).args(["records", "export", "--since", "2999-01-01"]));
    assert_eq!(jsonl, "");
    assert_eq!(
        run(ace(dir.path()).args(["records", "export", "--since", "soon"])).0,
        2
    );
}

/// One HTTP/1.1 request over a fresh connection; the status code and body.
fn http(addr: &str, method: &str, path: &str, token: &str, body: &str) -> (u16, String) {
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).expect("send");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("read");
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

/// The access log of `serve_answers_and_stops_gracefully_on_sigterm`: one whole line per
/// request with its id, method, path and status, and neither the token nor the query.
fn assert_access_log(log: &str, token: &str) {
    let access: Vec<&str> = log
        .lines()
        .filter(|l| l.starts_with("ace: access "))
        .collect();
    let with = |needle: &str| access.iter().filter(|l| l.contains(needle)).count();
    assert_eq!(with(" POST /v1/determinations 201 "), 3, "{log}");
    assert_eq!(with(" POST /v1/determinations 401 "), 1, "{log}");
    assert_eq!(with(" GET /v1/records 200 "), 1, "{log}");
    for line in &access {
        let id = line
            .strip_prefix("ace: access id=")
            .and_then(|rest| rest.split(' ').next())
            .unwrap_or_default();
        assert_eq!(id.len(), 36, "a request id (a UUID) on every line: {line}");
        assert!(line.ends_with("ms"), "one line per request: {line}");
    }
    assert!(!log.contains(token), "the token never reaches the log");
    assert!(!log.contains("actor=alice"), "nor the query string");
}

#[test]
fn serve_answers_and_stops_gracefully_on_sigterm() {
    let dir = tempfile::tempdir().expect("dir");
    let (_, token, _) =
        run(ace(dir.path()).args(["tokens", "create", "--name", "alice", "--role", "analyst"]));
    let token = token.trim().to_string();
    let mut serve = std::process::Command::new(assert_cmd::cargo::cargo_bin("ace"));
    serve
        .env("ACE_DATA_DIR", dir.path())
        .args(["serve", "--listen", "127.0.0.1:0"]);
    let server = Served::start(serve);
    let addr = server.addr.clone();
    let transaction = r#"{"date":"2024-06-01","item":{"eccn":"4D004"},"destination":"DE","end_user":{"name":"Example GmbH","kind":"non_government"}}"#;
    let mut acknowledged = 0;
    for _ in 0..3 {
        let (status, body) = http(&addr, "POST", "/v1/determinations", &token, transaction);
        assert_eq!(status, 201, "{body}");
        acknowledged += 1;
    }
    let (status, _) = http(&addr, "POST", "/v1/determinations", "wrong", transaction);
    assert_eq!(status, 401);
    let (status, _) = http(&addr, "GET", "/v1/records?actor=alice", &token, "");
    assert_eq!(status, 200);
    let (status, log) = server.terminate();
    assert_eq!(status.code(), Some(0));
    assert_access_log(&log, &token);
    let (code, out, _) = run(ace(dir.path()).args(["records", "verify"]));
    assert_eq!(code, 0);
    // The token's creation is a record too, before the determinations.
    assert!(
        out.contains(&format!("ok: {} records", acknowledged + 1)),
        "{out}"
    );
}
