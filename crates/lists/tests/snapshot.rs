//! The snapshot store: content hashes, atomic activation, the bundled data.

use std::fs;
use std::path::{Path, PathBuf};

use lists::formats::ParseOptions;
use lists::model::ListId;
use lists::snapshot::{bundled, ImportError, ImportMode, ImportOptions, SnapshotStore};

fn data(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../data/lists")
        .join(rel)
}

/// The files alone make the snapshot (these tests are about one import's files).
fn replace_all(parse: ParseOptions) -> ImportOptions {
    ImportOptions {
        parse,
        mode: ImportMode::ReplaceAll,
        force: true,
        ..ImportOptions::default()
    }
}

fn temp_dir() -> tempfile::TempDir {
    match tempfile::tempdir() {
        Ok(dir) => dir,
        Err(e) => panic!("temp dir: {e}"),
    }
}

fn open(dir: &Path) -> SnapshotStore {
    match SnapshotStore::open(dir) {
        Ok(store) => store,
        Err(e) => panic!("{e}"),
    }
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    if let Err(e) = fs::write(&path, bytes) {
        panic!("{e}");
    }
    path
}

const CSL_HEADER: &str = "_id,source,entity_number,type,programs,name,title,addresses,federal_register_notice,start_date,end_date,standard_order,license_requirement,license_policy,call_sign,vessel_type,gross_tonnage,gross_registered_tonnage,vessel_flag,vessel_owner,remarks,source_list_url,alt_names,citizenships,dates_of_birth,nationalities,places_of_birth,source_information_url,ids\n";

fn csl_row(id: &str, name: &str) -> String {
    let mut fields = vec![String::new(); 29];
    fields[0] = id.to_owned();
    fields[1] = "Entity List (EL) - Bureau of Industry and Security".to_owned();
    fields[5] = name.to_owned();
    fields[7] = "Moscow, RU".to_owned();
    let quoted: Vec<String> = fields.iter().map(|f| format!("\"{f}\"")).collect();
    format!("{}\n", quoted.join(","))
}

#[test]
fn failed_imports_leave_the_active_snapshot_untouched() {
    let root = temp_dir();
    let store = open(&root.path().join("lists"));
    let good = [data("cyber_entity_list.csv"), data("bis_dpl/dpl.txt")];
    let meta = match store
        .import(&good, &replace_all(ParseOptions::default()))
        .map(|i| i.meta)
    {
        Ok(meta) => meta,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(meta.counts[&ListId::EntityList], 8);
    assert_eq!(meta.counts[&ListId::DeniedPersons], 547);
    assert_eq!(meta.sources.len(), 2);
    let active_hash = |store: &SnapshotStore| store.active_hash().ok().flatten();
    assert_eq!(active_hash(&store).as_deref(), Some(meta.hash.as_str()));
    let stored_before = store.status().map(|s| s.stored).unwrap_or_default();

    let scratch = temp_dir();
    let bad_files = [
        ("truncated", data("csl/consolidated_partial_2023-11.csv")),
        (
            "malformed",
            write(
                scratch.path(),
                "malformed.csv",
                format!("{CSL_HEADER}\"a\",\"b\"\n").as_bytes(),
            ),
        ),
        (
            "empty",
            write(scratch.path(), "empty.csv", CSL_HEADER.as_bytes()),
        ),
        (
            "duplicate id",
            write(
                scratch.path(),
                "dup.csv",
                format!(
                    "{CSL_HEADER}{}{}",
                    csl_row("x1", "ONE"),
                    csl_row("x1", "TWO")
                )
                .as_bytes(),
            ),
        ),
        (
            "empty name",
            write(
                scratch.path(),
                "noname.csv",
                format!("{CSL_HEADER}{}", csl_row("x1", "")).as_bytes(),
            ),
        ),
        (
            "garbage",
            write(
                scratch.path(),
                "garbage.bin",
                &[0xFF, 0x00, 0x13, 0x37, 0xFE, 0x80],
            ),
        ),
        ("missing", scratch.path().join("no-such-file.json")),
    ];
    for (what, bad) in bad_files {
        let files = [data("cyber_entity_list.csv"), bad];
        let result = store.import(&files, &replace_all(ParseOptions::default()));
        let Err(err) = result else {
            panic!("{what}: import must fail")
        };
        let message = err.to_string();
        match what {
            "duplicate id" => {
                assert!(matches!(err, ImportError::Invalid(_)), "{message}");
                assert!(
                    message.contains("lines 2 and 3") && message.contains("x1"),
                    "{message}"
                );
            }
            "empty name" => assert!(
                message.contains("line 2") && message.contains("empty name"),
                "{message}"
            ),
            "empty" => assert!(message.contains("no entries"), "{message}"),
            _ => {}
        }
        assert_eq!(
            active_hash(&store).as_deref(),
            Some(meta.hash.as_str()),
            "{what}"
        );
        let stored_after = store.status().map(|s| s.stored).unwrap_or_default();
        assert_eq!(stored_after, stored_before, "{what}: no snapshot written");
    }
    let leftovers: Vec<_> = fs::read_dir(root.path().join("lists/snapshots"))
        .map(|d| d.filter_map(Result::ok).map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert_eq!(leftovers.len(), 1, "{leftovers:?}");
    let active = store.active().ok().flatten().map(|s| s.entries.len());
    assert_eq!(active, Some(8 + 547));
}

#[test]
fn same_content_same_hash_whatever_the_file_order() {
    let a = temp_dir();
    let b = temp_dir();
    let files = [
        data("cyber_entity_list.csv"),
        data("un/UN_consolidated.xml"),
    ];
    let reversed = [files[1].clone(), files[0].clone()];
    let opts = ParseOptions::default();
    let first = open(a.path())
        .import(&files, &replace_all(opts))
        .map(|i| i.meta.hash)
        .ok();
    let second = open(b.path())
        .import(&reversed, &replace_all(opts))
        .map(|i| i.meta.hash)
        .ok();
    assert!(first.is_some());
    assert_eq!(first, second);
    // Re-importing identical content re-activates the same snapshot.
    let again = open(a.path())
        .import(&reversed, &replace_all(opts))
        .map(|i| i.meta.hash)
        .ok();
    assert_eq!(first, again);
}

#[test]
fn ofac_companions_in_the_file_list_are_read_through_the_primary() {
    let dir = temp_dir();
    let files: Vec<PathBuf> = ["sdn.csv", "alt.csv", "add.csv", "sdn_comments.csv"]
        .iter()
        .map(|f| data(&format!("ofac_sdn/{f}")))
        .collect();
    let meta = match open(dir.path())
        .import(&files, &replace_all(ParseOptions::default()))
        .map(|i| i.meta)
    {
        Ok(meta) => meta,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(meta.counts[&ListId::Sdn], 8_976);
    assert_eq!(meta.sources.len(), 1);
}

#[test]
fn bundled_data_is_used_until_something_is_imported() {
    let dir = temp_dir();
    let store = open(dir.path());
    assert!(store.active().ok().flatten().is_none());
    let snapshot = match store.active_or_bundled() {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    };
    assert!(snapshot.meta.bundled);
    assert_eq!(snapshot.meta.counts[&ListId::UnConsolidated], 1_003);
    assert_eq!(snapshot.meta.counts[&ListId::Sdn], 19_181);
    assert_eq!(snapshot.meta.created_at, "2026-07-31T00:00:00Z");
    assert!(snapshot.entries.iter().any(|e| e.name == "NSO Group"));
    assert_eq!(
        bundled().map(|s| s.meta.hash).ok(),
        Some(snapshot.meta.hash.clone())
    );
    let status = store.status().ok();
    assert!(status.is_some_and(|s| s.active.is_none() && s.stored.is_empty()));
}

#[test]
fn a_corrupt_active_pointer_is_an_error_not_a_silent_fallback() {
    let dir = temp_dir();
    let store = open(dir.path());
    write(dir.path(), "ACTIVE", b"not-a-hash\n");
    assert!(store.active().is_err());
    assert!(store.active_or_bundled().is_err());
}
