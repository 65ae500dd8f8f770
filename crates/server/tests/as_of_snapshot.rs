//! A determination as of a date before the snapshot in service screens against the
//! snapshot of the list store published most recently by then, records its hash, and
//! replays from it; on a date no stored snapshot covers, the one in service is used and
//! the answer says no snapshot covers the date. (A test binary of its own: the list store
//! replays and as-of determinations load from is one per process.)

mod common;

use axum::http::StatusCode;
use lists::snapshot::{ImportMode, ImportOptions, SnapshotStore};
use serde_json::{json, Value};
use std::path::Path;

fn says(answer: &Value, words: &str) -> bool {
    answer["trace"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|f| f["because"].as_str().is_some_and(|b| b.contains(words)))
}

#[test]
fn an_older_date_screens_against_the_snapshot_published_by_then() {
    let lists_dir = tempfile::tempdir().expect("dir");
    let lists = SnapshotStore::open(lists_dir.path()).expect("list store");
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/lists/bis_dpl/dpl.txt");
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
    // The file's own date: its newest Last_Update.
    assert_eq!(imported.meta.published.as_deref(), Some("2023-11-28"));
    server::service::replay::set_list_store(lists.clone());

    let s = common::sqlite();
    common::run(async {
        let on = |date: &str| {
            json!({"date": date, "item": {"eccn": "4D004"}, "destination": "DE",
                   "end_user": {"name": "Example Optics GmbH", "kind": "non_government"}})
        };
        // 2024-06-01: the DPL snapshot of 2023-11-28 covers it, the bundled one (in
        // service, 2026-07-31) does not.
        let a = s
            .post("/v1/determinations", &s.analyst, &on("2024-06-01"))
            .await;
        assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
        assert_eq!(
            a.body["list_snapshot"],
            imported.meta.hash.as_str(),
            "{}",
            a.body
        );
        assert!(!says(&a.body, "no list snapshot covers"), "{}", a.body);
        let replayed = s
            .post(
                &format!("/v1/determinations/{}/replay", a.body["record_id"]),
                &s.auditor,
                &json!({}),
            )
            .await;
        assert_eq!(replayed.body["status"], "identical", "{}", replayed.body);
        // 2023-06-01: nothing covers it; the snapshot in service is used and says so.
        let old = s
            .post("/v1/determinations", &s.analyst, &on("2023-06-01"))
            .await;
        assert_eq!(old.status, StatusCode::CREATED, "{}", old.body);
        assert_ne!(old.body["list_snapshot"], imported.meta.hash.as_str());
        assert!(
            says(&old.body, "no list snapshot covers 2023-06-01"),
            "{}",
            old.body
        );
        // Today: the snapshot in service.
        let now = s
            .post(
                "/v1/determinations",
                &s.analyst,
                &json!({"item": {"eccn": "4D004"}, "destination": "DE",
                        "end_user": {"name": "Example Optics GmbH", "kind": "non_government"}}),
            )
            .await;
        assert_eq!(
            now.body["list_snapshot"], old.body["list_snapshot"],
            "{}",
            now.body
        );
    });
}
