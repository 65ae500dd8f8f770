//! Replay over the API: a recorded determination re-run with the ruleset and the list
//! snapshot named in its record is byte-identical (the canonical hash of both outputs
//! printed); a held determination and the re-decision a review made of it replay too
//! (the decisions recorded before each record apply); a record whose snapshot was
//! deleted from the list store cannot be replayed, and the answer names the snapshot and
//! the store. On SQLite and PostgreSQL.

mod common;

use axum::http::StatusCode;
use common::{held_determination, transaction, TestServer};
use lists::snapshot::{ImportMode, ImportOptions, SnapshotStore};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// The list store replays load snapshots from: one per test binary (the replay module
/// keeps one), in a directory that outlives every test.
fn list_store() -> &'static SnapshotStore {
    static STORE: OnceLock<(tempfile::TempDir, SnapshotStore)> = OnceLock::new();
    let (_, store) = STORE.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = SnapshotStore::open(dir.path()).expect("list store");
        server::service::replay::set_list_store(store.clone());
        (dir, store)
    });
    store
}

/// A publication date after every as-of date of these tests, so that no snapshot of
/// the store is picked for a determination's date instead of the one in service.
fn not_covering() -> Option<chrono::NaiveDate> {
    chrono::NaiveDate::from_ymd_opt(2026, 8, 1)
}

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data/lists")
        .join(rel)
}

fn replay_uri(id: &Value) -> String {
    format!("/v1/determinations/{}/replay", id.as_i64().unwrap_or(-1))
}

async fn replay(s: &TestServer, id: &Value) -> Value {
    let a = s.post(&replay_uri(id), &s.auditor, &json!({})).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    a.body
}

fn assert_identical(r: &Value) {
    assert_eq!(r["status"], "identical", "{r}");
    assert!(
        r["recorded_hash"]
            .as_str()
            .is_some_and(|h| h.starts_with("sha256:")),
        "{r}"
    );
    assert_eq!(r["recorded_hash"], r["replayed_hash"], "{r}");
}

mod cases {
    use super::*;

    pub async fn a_recorded_determination_replays_byte_for_byte(s: &TestServer) {
        list_store();
        let a = s
            .post(
                "/v1/determinations",
                &s.analyst,
                &transaction("Example Optics GmbH"),
            )
            .await;
        assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
        let r = replay(s, &a.body["record_id"]).await;
        assert_identical(&r);
        assert_eq!(r["list_snapshot"], a.body["list_snapshot"], "{r}");
        // Nothing is recorded by a replay.
        let before = s.count();
        replay(s, &a.body["record_id"]).await;
        assert_eq!(s.count(), before);
        // Not a record id, not a determination: said so.
        let bad = s
            .post("/v1/determinations/x/replay", &s.auditor, &json!({}))
            .await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
        let none = s
            .post("/v1/determinations/99999/replay", &s.auditor, &json!({}))
            .await;
        assert_eq!(none.status, StatusCode::NOT_FOUND, "{}", none.body);
    }

    pub async fn a_held_determination_and_its_re_decision_replay(s: &TestServer) {
        list_store();
        let (held, name) = held_determination(s).await;
        // The match view says when the entry was listed, or why that is unknown.
        let entry = &held["screening"]["parties"][0]["needs_review"][0]["entry"];
        assert!(
            entry["listing"].as_str().is_some_and(|l| !l.is_empty()),
            "{entry}"
        );
        let hold = &held["holds"][0];
        let review = json!({
            "record_id": held["record_id"],
            "party": name,
            "list": hold["list"],
            "entry_id": hold["entry_id"],
            "verdict": "true_match",
            "reason": "same registry number",
        });
        let reviewed = s.post("/v1/reviews", &s.reviewer, &review).await;
        assert_eq!(reviewed.status, StatusCode::CREATED, "{}", reviewed.body);
        let redecided = &reviewed.body["redecided"];
        assert!(redecided["record_id"].is_i64(), "{}", reviewed.body);
        // The held record replays without the later review; the re-decision with it.
        assert_identical(&replay(s, &held["record_id"]).await);
        assert_identical(&replay(s, &redecided["record_id"]).await);
        // A review record is not a determination.
        let r = replay(s, &reviewed.body["record_id"]).await;
        assert_eq!(r["status"], "cannot_replay", "{r}");
        assert!(
            r["missing"]
                .as_str()
                .is_some_and(|m| m.contains("not a determination")),
            "{r}"
        );
    }

    /// A determination screened against a snapshot of the list store (not the one in
    /// service) replays from the store; once that snapshot is deleted, the replay says
    /// exactly which snapshot is missing from where.
    pub async fn a_deleted_snapshot_is_named(s: &TestServer, file: &str) {
        let lists = list_store();
        let imported = lists
            .import(
                &[data(file)],
                &ImportOptions {
                    mode: ImportMode::ReplaceAll,
                    force: true,
                    published: not_covering(),
                    ..ImportOptions::default()
                },
            )
            .expect("import");
        let snapshot = lists.load(&imported.meta.hash).expect("load");
        let other = server::AppState::new(
            s.state.law().clone(),
            screen::Screener::new(snapshot.entries),
            snapshot.meta,
            Arc::clone(s.state.store()),
        );
        let app = server::router(other);
        let a = s
            .post_to(
                &app,
                "/v1/determinations",
                &s.analyst,
                &transaction("Example Optics GmbH"),
            )
            .await;
        assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
        assert_eq!(a.body["list_snapshot"], imported.meta.hash.as_str());
        // Replayed by the main server (another snapshot in service): loaded from the store.
        assert_identical(&replay(s, &a.body["record_id"]).await);

        // Another snapshot becomes active first: the store's active one is never deleted
        // (the other back end's test imports into the same store).
        lists
            .import(
                &[data("ofac_cons/cons_prim.csv")],
                &ImportOptions {
                    mode: ImportMode::ReplaceAll,
                    force: true,
                    published: not_covering(),
                    ..ImportOptions::default()
                },
            )
            .expect("import another");
        let dir = lists.dir().join("snapshots").join(&imported.meta.hash);
        std::fs::remove_dir_all(&dir).expect("delete the snapshot");
        let r = replay(s, &a.body["record_id"]).await;
        assert_eq!(r["status"], "cannot_replay", "{r}");
        let missing = r["missing"].as_str().unwrap_or_default();
        assert!(missing.contains(&imported.meta.hash), "{r}");
        assert!(missing.contains("is no longer in"), "{r}");
        assert!(missing.contains(&lists.dir().display().to_string()), "{r}");
        assert!(r["replayed_hash"].is_null(), "{r}");
    }

    pub async fn the_endpoint_is_in_the_openapi_document(s: &TestServer) {
        let doc = s.get("/openapi.json", &s.auditor).await;
        assert_eq!(doc.status, StatusCode::OK);
        assert!(
            doc.body["paths"]["/v1/determinations/{id}/replay"]["post"].is_object(),
            "{}",
            doc.body["paths"]
        );
    }
}

/// The cases, once per back end.
macro_rules! suite {
    ($backend:ident, $file:expr) => {
        mod $backend {
            use super::*;

            #[test]
            fn a_recorded_determination_replays_byte_for_byte() {
                let s = common::$backend();
                common::run(cases::a_recorded_determination_replays_byte_for_byte(&s));
            }

            #[test]
            fn a_held_determination_and_its_re_decision_replay() {
                let s = common::$backend();
                common::run(cases::a_held_determination_and_its_re_decision_replay(&s));
            }

            #[test]
            fn a_deleted_snapshot_is_named() {
                let s = common::$backend();
                common::run(cases::a_deleted_snapshot_is_named(&s, $file));
            }

            #[test]
            fn the_endpoint_is_in_the_openapi_document() {
                let s = common::$backend();
                common::run(cases::the_endpoint_is_in_the_openapi_document(&s));
            }
        }
    };
}

// Each back end deletes a snapshot of its own (the list store is shared).
suite!(sqlite, "csl/consolidated_sample_2025-06.csv");
suite!(postgres, "bis_dpl/dpl.txt");
