//! Snapshot history by date: every snapshot records when its lists were published, and
//! a determination as of a date screens against the one covering it.

use std::path::PathBuf;

use chrono::NaiveDate;
use lists::snapshot::{Covered, ImportMode, ImportOptions, SnapshotStore};

fn data(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../data/lists")
        .join(rel)
}

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn replace_all(published: Option<&str>) -> ImportOptions {
    ImportOptions {
        mode: ImportMode::ReplaceAll,
        force: true,
        published: published.map(date),
        ..ImportOptions::default()
    }
}

/// Imports `file` as the whole snapshot (published as the files say, else `published`);
/// its hash.
fn import(store: &SnapshotStore, file: &str, published: Option<&str>) -> String {
    store
        .import(&[data(file)], &replace_all(published))
        .unwrap_or_else(|e| panic!("{e}"))
        .meta
        .hash
}

fn covered(store: &SnapshotStore, on: &str) -> (bool, String) {
    match store.for_date(date(on)).unwrap_or_else(|e| panic!("{e}")) {
        Covered::Yes(s) => (true, s.meta.hash),
        Covered::No(s) => (false, s.meta.hash),
    }
}

#[test]
fn published_date_comes_from_the_files_else_the_flag() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let store = SnapshotStore::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    let dpl = store
        .import(&[data("bis_dpl/dpl.txt")], &replace_all(None))
        .unwrap_or_else(|e| panic!("{e}"));
    // The newest Last_Update of the DPL file.
    assert_eq!(dpl.meta.published.as_deref(), Some("2023-11-28"));
    let sample = store
        .import(
            &[data("csl/consolidated_sample_2025-06.csv")],
            &replace_all(Some("2025-06-25")),
        )
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(sample.meta.published.as_deref(), Some("2025-06-25"));
    assert!(!sample.meta.created_at.starts_with("2025-06-25"));
}

#[test]
fn a_date_uses_the_newest_snapshot_published_by_then() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let store = SnapshotStore::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    let old = import(&store, "bis_dpl/dpl.txt", None);
    let newer = import(
        &store,
        "csl/consolidated_sample_2025-06.csv",
        Some("2025-06-25"),
    );
    // The active snapshot covers its own date onwards.
    assert_eq!(covered(&store, "2025-07-01"), (true, newer.clone()));
    // Before it, the snapshot published most recently on or before the date.
    assert_eq!(covered(&store, "2024-01-01"), (true, old.clone()));
    assert_eq!(covered(&store, "2023-11-28"), (true, old));
    // Before every snapshot: the active one, not covering.
    assert_eq!(covered(&store, "2022-06-01"), (false, newer));
}

#[test]
fn the_bundled_snapshot_covers_its_own_date_onwards() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let store = SnapshotStore::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    let bundled = lists::bundled().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(bundled.meta.published.as_deref(), Some("2026-07-31"));
    assert_eq!(
        covered(&store, "2026-07-31"),
        (true, bundled.meta.hash.clone())
    );
    assert_eq!(covered(&store, "2026-07-30"), (false, bundled.meta.hash));
}

#[test]
fn find_knows_stored_and_bundled_snapshots_and_says_none_otherwise() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let store = SnapshotStore::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    let bundled = lists::bundled().unwrap_or_else(|e| panic!("{e}"));
    let found = store
        .find(&bundled.meta.hash)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(found.is_some_and(|s| s.meta.bundled));
    let missing = store
        .find(&"0".repeat(64))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(missing.is_none());
}

#[test]
fn a_store_that_asked_before_sees_snapshots_imported_since_by_another_process() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let server = SnapshotStore::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    let cli = SnapshotStore::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    let newest = |on: &str| {
        server
            .newest_published_by(date(on))
            .unwrap_or_else(|e| panic!("{e}"))
            .map(|m| m.hash)
    };
    // Only the bundled snapshot (published 2026-07-31) yet.
    assert_eq!(newest("2025-07-01"), None);
    let old = import(&cli, "bis_dpl/dpl.txt", None);
    assert_eq!(newest("2025-07-01"), Some(old.clone()));
    let newer = import(
        &cli,
        "csl/consolidated_sample_2025-06.csv",
        Some("2025-06-25"),
    );
    // The metas the server read are remembered; the new directory is still found.
    assert_eq!(newest("2025-07-01"), Some(newer));
    assert_eq!(newest("2024-01-01"), Some(old));
}
