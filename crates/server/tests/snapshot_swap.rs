//! A running server takes a newly activated list snapshot into service without a
//! restart: the watcher notices `ACTIVE`, builds the index off the request path and
//! swaps it in; a request that already holds the old snapshot finishes on it; the
//! screening memo belongs to its snapshot.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use decide::screening::PartyScreener;
use http_body_util::BodyExt;
use lists::snapshot::{ImportMode, ImportOptions, SnapshotStore};
use records::Role;
use serde_json::{json, Value};
use server::AppState;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tower::ServiceExt;

fn data(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../data/lists")
        .join(rel)
}

/// The files alone make the snapshot, whatever it drops.
fn replace_all() -> ImportOptions {
    ImportOptions {
        mode: ImportMode::ReplaceAll,
        force: true,
        ..ImportOptions::default()
    }
}

async fn send(
    app: &axum::Router,
    method: &str,
    uri: &str,
    token: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = Request::builder()
        .method(method)
        .uri(uri)
        .header("authorization", format!("Bearer {token}"));
    if body.is_some() {
        request = request.header("content-type", "application/json");
    }
    let body = body.map_or_else(Body::empty, |b| Body::from(b.to_string()));
    let response = app
        .clone()
        .oneshot(request.body(body).expect("request"))
        .await
        .expect("answer");
    let status = response.status();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

async fn active_hash(app: &axum::Router, token: &str) -> String {
    let (status, body) = send(app, "GET", "/v1/lists", token, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["hash"].as_str().unwrap_or_default().to_string()
}

/// Screens NSO Group (Israel) through the API: (snapshot hash, number of hits).
async fn screen_nso(app: &axum::Router, token: &str) -> (String, usize) {
    let (status, body) = send(
        app,
        "POST",
        "/v1/screenings",
        token,
        Some(json!({"name": "NSO Group", "country": "IL"})),
    )
    .await;
    assert!(status.is_success(), "{status}: {body}");
    let hits = body["hits"].as_array().map_or(0, Vec::len);
    (
        body["list_snapshot"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        hits,
    )
}

async fn wait_for(app: &axum::Router, token: &str, hash: &str) {
    let started = Instant::now();
    while active_hash(app, token).await != hash {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the server did not take snapshot {hash} into service"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[test]
fn a_newly_activated_snapshot_is_served_without_a_restart() {
    let dir = tempfile::tempdir().expect("temp dir");
    let lists = SnapshotStore::open(&dir.path().join("lists")).expect("list store");
    let with_el = lists
        .import(&[data("cyber_entity_list.csv")], &replace_all())
        .expect("import the Entity List")
        .meta;
    let snapshot = lists.active_or_bundled().expect("active");
    assert_eq!(snapshot.meta.hash, with_el.hash);

    let records = records::open(&dir.path().join("r.sqlite3").to_string_lossy()).expect("records");
    let token = records
        .create_token(&records::NewToken::new("alice", Role::Analyst, "admin"))
        .expect("token");
    let state = AppState::new(
        ear::Law::bundled().expect("rules"),
        screen::Screener::new(snapshot.entries),
        snapshot.meta,
        Arc::from(records),
    );
    state
        .watch_list_store(lists.clone(), Duration::from_millis(50))
        .expect("watcher");
    let app = server::router(state.clone());

    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(async {
            assert_eq!(active_hash(&app, &token).await, with_el.hash);
            let (hash, hits) = screen_nso(&app, &token).await;
            assert_eq!((hash.as_str(), hits), (with_el.hash.as_str(), 1));

            // A request in flight: it pinned the snapshot before the swap.
            let in_flight = state.clone();
            assert_eq!(in_flight.snapshot().hash, with_el.hash);

            // Another process activates a snapshot without the Entity List.
            let dpl_only = lists
                .import(&[data("bis_dpl/dpl.txt")], &replace_all())
                .expect("import the DPL")
                .meta;
            wait_for(&app, &token, &dpl_only.hash).await;
            let (hash, hits) = screen_nso(&app, &token).await;
            assert_eq!(
                (hash.as_str(), hits),
                (dpl_only.hash.as_str(), 0),
                "the memo of the old snapshot is not used for the new one"
            );
            assert_eq!(state.current_lists().meta.hash, dpl_only.hash);

            // The request in flight finishes on the snapshot it started with.
            assert_eq!(in_flight.snapshot().hash, with_el.hash);
            let query = screen::Query {
                name: "NSO Group".into(),
                country: Some("IL".into()),
                kind: None,
            };
            let old = in_flight
                .screener()
                .screen(&query, screen::DEFAULT_THRESHOLD);
            assert_eq!(old.len(), 1, "{old:?}");
            assert_eq!(
                in_flight.screener().screener().entry_count(),
                with_el.total()
            );

            // A rollback is picked up the same way.
            let back = lists.rollback(None).expect("rollback").meta;
            assert_eq!(back.hash, with_el.hash);
            wait_for(&app, &token, &with_el.hash).await;
            let (hash, hits) = screen_nso(&app, &token).await;
            assert_eq!((hash.as_str(), hits), (with_el.hash.as_str(), 1));
        });
}

#[test]
fn a_snapshot_that_cannot_be_loaded_leaves_the_served_one_in_place() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().join("lists");
    let lists = SnapshotStore::open(&root).expect("list store");
    let meta = lists
        .import(&[data("cyber_entity_list.csv")], &replace_all())
        .expect("import")
        .meta;
    let snapshot = lists.active_or_bundled().expect("active");
    let records = records::open(&dir.path().join("r.sqlite3").to_string_lossy()).expect("records");
    let state = AppState::new(
        ear::Law::bundled().expect("rules"),
        screen::Screener::new(snapshot.entries),
        snapshot.meta,
        Arc::from(records),
    );
    state
        .watch_list_store(lists, Duration::from_millis(20))
        .expect("watcher");
    // ACTIVE names a snapshot that is not stored.
    std::fs::write(root.join("ACTIVE"), format!("{}\n", "0".repeat(64))).expect("write");
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(state.current_lists().meta.hash, meta.hash);
}
