//! `ace records replay`: a determination recorded (as the server records it) against a
//! snapshot of the data directory's list store replays byte for byte, alone and in an
//! audit (`--all --since`); once its snapshot is deleted, the replay names what is
//! missing and exits 1. Records of `ace batch` replay byte for byte too.

use assert_cmd::Command;
use lists::snapshot::{ImportMode, ImportOptions, SnapshotStore};
use std::path::Path;
use std::sync::Arc;
use support::run;

mod support;

fn ace(data: &Path) -> Command {
    let mut c = Command::cargo_bin("ace").expect("binary");
    c.env("ACE_DATA_DIR", data)
        .env_remove("ACE_RULES_DIR")
        .env_remove("ACE_DATABASE");
    c
}

/// Imports the small CSL sample into the data directory's list store and records one
/// determination screened against it, as `POST /v1/determinations` does. Returns the
/// snapshot's hash.
fn recorded_determination(data: &Path) -> String {
    let lists = SnapshotStore::open(&data.join("lists")).expect("list store");
    let file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data/lists/csl/consolidated_sample_2025-06.csv");
    let imported = lists
        .import(
            &[file],
            &ImportOptions {
                mode: ImportMode::ReplaceAll,
                force: true,
                ..ImportOptions::default()
            },
        )
        .expect("import");
    let snapshot = lists.load(&imported.meta.hash).expect("load");
    let store = records::open(&data.join("records.sqlite3").to_string_lossy()).expect("store");
    let state = server::AppState::new(
        ear::Law::bundled().expect("rules"),
        screen::Screener::new(snapshot.entries),
        snapshot.meta,
        Arc::from(store),
    );
    let input = decide::parse_input(
        r#"{"date":"2024-06-01","item":{"eccn":"4D004"},"destination":"DE",
            "end_user":{"name":"Example Optics GmbH","kind":"non_government"}}"#,
    )
    .expect("input");
    let decided = server::service::determine(&state, input, "alice").expect("determine");
    assert_eq!(decided.record_id, 1);
    imported.meta.hash
}

/// `ace records replay --all --since 2000-01-01 --json`: exit code, stdout, stderr.
fn replay_all_json(data: &Path) -> (i32, String, String) {
    run(ace(data).args([
        "records",
        "replay",
        "--all",
        "--since",
        "2000-01-01",
        "--json",
    ]))
}

#[test]
fn a_recorded_determination_replays_and_a_deleted_snapshot_is_named() {
    let dir = tempfile::tempdir().expect("dir");
    let hash = recorded_determination(dir.path());

    let (code, out, err) = run(ace(dir.path()).args(["records", "replay", "1"]));
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("record 1: identical"), "{out}");
    let hashes: Vec<&str> = out
        .lines()
        .filter_map(|l| {
            l.trim()
                .strip_prefix("recorded output ")
                .or_else(|| l.trim().strip_prefix("replayed output "))
        })
        .collect();
    assert_eq!(hashes.len(), 2, "{out}");
    assert_eq!(hashes[0], hashes[1], "{out}");
    assert!(hashes[0].starts_with("sha256:"), "{out}");

    let (code, out, _) =
        run(ace(dir.path()).args(["records", "replay", "--all", "--since", "2000-01-01"]));
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("1 determination(s) replayed: 1 identical, 0 differ, 0 cannot be replayed"),
        "{out}"
    );

    std::fs::remove_dir_all(dir.path().join("lists/snapshots").join(&hash)).expect("delete");
    let (code, out, _) = run(ace(dir.path()).args(["records", "replay", "1"]));
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("record 1: CANNOT REPLAY"), "{out}");
    assert!(
        out.contains(&format!("snapshot {hash} is no longer in")),
        "{out}"
    );
    assert!(
        out.contains("import it again or restore it from backup"),
        "{out}"
    );

    let (code, out, _) = replay_all_json(dir.path());
    assert_eq!(code, 1, "{out}");
    let replays: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(replays[0]["status"], "cannot_replay", "{out}");

    let (code, _, err) = run(ace(dir.path()).args(["records", "replay", "--all"]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--since"), "{err}");
}

/// Rows of a batch: a listed company (a hit), a listed Russian company, a row without a date
/// (decided as of the day it was recorded), a clean one.
const BATCH: &str = "id,date,eccn,destination,end_user_name,end_user_kind
b-1,2023-06-01,4D004,IL,NSO Group,non_government
b-2,2024-02-01,4D004,RU,Positive Technologies,non_government
b-3,,4D004,DE,Example GmbH,non_government
b-4,2023-06-01,5A001.j,JP,Example KK,non_government
";

#[test]
fn records_of_ace_batch_replay_byte_for_byte() {
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("rows.csv");
    std::fs::write(&file, BATCH).expect("write");
    let (code, out, err) = run(ace(dir.path())
        .args(["batch", "--record", "--out"])
        .arg(dir.path().join("results.csv"))
        .arg(&file));
    assert_eq!(code, 0, "{out}{err}");

    let (code, out, err) = replay_all_json(dir.path());
    assert_eq!(code, 0, "{out}{err}");
    let replays: serde_json::Value = serde_json::from_str(&out).expect("json");
    let replays = replays.as_array().expect("a list");
    assert_eq!(replays.len(), 4, "{out}");
    for r in replays {
        assert_eq!(r["status"], "identical", "{r}");
        assert_eq!(r["recorded_hash"], r["replayed_hash"], "{r}");
    }
    // The re-made outputs hold the matches, not only the outcome: NSO Group's hit.
    let store =
        records::open(&dir.path().join("records.sqlite3").to_string_lossy()).expect("store");
    let nso = store.get(1).expect("read").expect("record 1");
    let hits = nso.output["hits"].as_array().expect("hits");
    assert!(
        hits.iter()
            .any(|h| h["list"] == "EL" && h["name"] == "NSO Group"),
        "{}",
        nso.output
    );
}
