//! Lists are replaced list by list: an import replaces the lists its files carry and
//! keeps the others; shrinking is refused unless forced; any earlier snapshot can be
//! made active again, and every activation is in the history.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use lists::model::ListId;
use lists::snapshot::{
    bundled, ActivationKind, ImportError, ImportMode, ImportOptions, Imported, RollbackError,
    Snapshot, SnapshotStore,
};

fn data(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../data/lists")
        .join(rel)
}

fn temp_dir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap_or_else(|e| panic!("temp dir: {e}"))
}

fn open(dir: &Path) -> SnapshotStore {
    SnapshotStore::open(dir).unwrap_or_else(|e| panic!("{e}"))
}

fn merge(force: bool) -> ImportOptions {
    ImportOptions {
        force,
        ..ImportOptions::default()
    }
}

fn import(store: &SnapshotStore, files: &[PathBuf], opts: ImportOptions) -> Imported {
    store.import(files, &opts).unwrap_or_else(|e| panic!("{e}"))
}

fn active(store: &SnapshotStore) -> Snapshot {
    store.active_or_bundled().unwrap_or_else(|e| panic!("{e}"))
}

fn stored(store: &SnapshotStore) -> Vec<String> {
    store.status().map(|s| s.stored).unwrap_or_default()
}

fn without(counts: &BTreeMap<ListId, usize>, list: ListId) -> BTreeMap<ListId, usize> {
    let mut counts = counts.clone();
    counts.remove(&list);
    counts
}

/// A DPL file of the first `rows` records of the bundled `dpl.txt` (header kept).
fn short_dpl(dir: &Path, rows: usize) -> PathBuf {
    let text = fs::read_to_string(data("bis_dpl/dpl.txt")).unwrap_or_else(|e| panic!("{e}"));
    let kept: Vec<&str> = text.lines().take(rows + 1).collect();
    let path = dir.join("dpl_short.txt");
    fs::write(&path, kept.join("\n") + "\n").unwrap_or_else(|e| panic!("{e}"));
    path
}

#[test]
fn an_import_replaces_the_lists_its_files_carry_and_keeps_the_others() {
    let root = temp_dir();
    let store = open(&root.path().join("lists"));
    let base = active(&store);
    assert!(base.meta.bundled);

    // dpl.txt alone: the DPL is replaced, the Entity List, SDN, UN and the rest stay.
    let imported = store.import(&[data("bis_dpl/dpl.txt")], &merge(false));
    let imported = match imported {
        Ok(imported) => imported,
        // The bundled CSL's DPL may be larger than the 2023 file by more than 10%.
        Err(ImportError::Shrinks { losses, .. }) => {
            assert!(
                losses.iter().all(|l| l.list == ListId::DeniedPersons),
                "{losses:?}"
            );
            import(&store, &[data("bis_dpl/dpl.txt")], merge(true))
        }
        Err(e) => panic!("{e}"),
    };
    let meta = &imported.meta;
    assert_eq!(imported.replaced, vec![ListId::DeniedPersons]);
    assert_eq!(imported.previous, base.meta.hash);
    assert_eq!(meta.based_on.as_deref(), Some(base.meta.hash.as_str()));
    assert_eq!(meta.counts[&ListId::DeniedPersons], 547);
    assert_eq!(
        without(&meta.counts, ListId::DeniedPersons),
        without(&base.meta.counts, ListId::DeniedPersons),
        "every other list is kept whole"
    );
    assert!(!meta.bundled);
    // Sources per list: DPL from dpl.txt alone, the others from the bundled files.
    assert_eq!(meta.sources_of(ListId::DeniedPersons), vec!["dpl.txt"]);
    assert_eq!(
        meta.sources_of(ListId::EntityList),
        vec!["consolidated_2026-07-31.json"]
    );
    assert_eq!(
        meta.sources_of(ListId::UnConsolidated),
        vec!["UN_consolidated.xml"]
    );
    let csl = meta
        .sources
        .iter()
        .find(|s| s.file_name == "consolidated_2026-07-31.json");
    assert!(
        csl.is_some_and(|s| !s.lists.contains_key(&ListId::DeniedPersons)
            && s.entries == s.lists.values().sum::<usize>())
    );
    // The listed party the issue is about is still listed.
    let snapshot = active(&store);
    assert_eq!(snapshot.meta.hash, meta.hash);
    assert!(snapshot
        .entries
        .iter()
        .any(|e| e.list == ListId::EntityList && e.name == "NSO Group"));

    // A second import (UN) keeps the DPL of the first and the bundled CSL lists.
    let second = import(&store, &[data("un/UN_consolidated.xml")], merge(false));
    assert_eq!(second.replaced, vec![ListId::UnConsolidated]);
    assert_eq!(second.meta.counts, meta.counts, "same content, same counts");
    assert_eq!(
        second.meta.hash, meta.hash,
        "the same entries are the same snapshot"
    );
    let sdn = import(&store, &[data("ofac_sdn/sdn.csv")], merge(true));
    assert_eq!(sdn.replaced, vec![ListId::Sdn]);
    assert_eq!(sdn.meta.counts[&ListId::Sdn], 8_976);
    assert_eq!(sdn.meta.counts[&ListId::DeniedPersons], 547);
    assert_eq!(sdn.meta.sources_of(ListId::DeniedPersons), vec!["dpl.txt"]);
    assert_eq!(sdn.meta.sources_of(ListId::Sdn), vec!["sdn.csv"]);
    assert_eq!(
        sdn.meta.counts[&ListId::EntityList],
        base.meta.counts[&ListId::EntityList]
    );

    // The history: the bundled snapshot in use, then each import.
    let history = store.history().unwrap_or_else(|e| panic!("{e}"));
    let actions: Vec<(ActivationKind, &str)> = history
        .iter()
        .map(|a| (a.action, a.hash.as_str()))
        .collect();
    assert_eq!(
        actions,
        vec![
            (ActivationKind::InUse, base.meta.hash.as_str()),
            (ActivationKind::Import, meta.hash.as_str()),
            (ActivationKind::Import, meta.hash.as_str()),
            (ActivationKind::Import, sdn.meta.hash.as_str()),
        ]
    );
    assert!(history[1].detail.contains("dpl.txt") && history[1].detail.contains("kept EL"));
    let text = fs::read_to_string(root.path().join("lists/HISTORY")).unwrap_or_default();
    assert_eq!(text.lines().count(), 4);
    assert!(text
        .lines()
        .all(|l| serde_json::from_str::<serde_json::Value>(l)
            .is_ok_and(|v| v["hash"].is_string() && v["at"].is_string())));
}

#[test]
fn shrinking_or_dropping_a_list_is_refused_unless_forced() {
    let root = temp_dir();
    let store = open(&root.path().join("lists"));
    let dpl = import(
        &store,
        &[data("bis_dpl/dpl.txt"), data("un/UN_consolidated.xml")],
        ImportOptions {
            mode: ImportMode::ReplaceAll,
            force: true,
            ..ImportOptions::default()
        },
    );
    assert_eq!(dpl.meta.counts[&ListId::DeniedPersons], 547);
    assert_eq!(dpl.meta.counts.len(), 2);

    // 547 -> 400 DPL entries: more than 10% lost.
    let scratch = temp_dir();
    let short = short_dpl(scratch.path(), 420);
    let before = stored(&store);
    let err = match store.import(std::slice::from_ref(&short), &merge(false)) {
        Err(e) => e,
        Ok(i) => panic!(
            "a DPL of {} entries was accepted",
            i.meta.counts[&ListId::DeniedPersons]
        ),
    };
    let message = err.to_string();
    let ImportError::Shrinks { losses, active } = &err else {
        panic!("{message}")
    };
    assert_eq!(active, &dpl.meta.hash);
    assert_eq!(losses.len(), 1, "{message}");
    assert_eq!(losses[0].list, ListId::DeniedPersons);
    assert_eq!(losses[0].before, 547);
    assert!(losses[0].after < 490, "{message}");
    assert!(
        message.contains("DPL would go from 547 to")
            && message.contains("lost")
            && message.contains("--force"),
        "{message}"
    );
    assert_eq!(
        store.active_hash().ok().flatten(),
        Some(dpl.meta.hash.clone())
    );
    assert_eq!(stored(&store), before, "nothing written");

    // Replacing the whole snapshot with the cyber Entity List drops DPL and UN.
    let replace = ImportOptions {
        mode: ImportMode::ReplaceAll,
        ..ImportOptions::default()
    };
    let err = store
        .import(&[data("cyber_entity_list.csv")], &replace)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        err.contains("DPL would be dropped (all 547 entries)")
            && err.contains("UN would be dropped (all 1003 entries)"),
        "{err}"
    );
    assert_eq!(
        store.active_hash().ok().flatten(),
        Some(dpl.meta.hash.clone())
    );

    // A loss of 10% or less passes; --force passes anything and reports what was lost.
    let fine = short_dpl(scratch.path(), 645);
    let kept = import(&store, &[fine], merge(false));
    assert!(kept.losses.is_empty());
    assert!(kept.meta.counts[&ListId::DeniedPersons] >= 493);
    let forced = import(
        &store,
        &[data("cyber_entity_list.csv")],
        ImportOptions {
            force: true,
            ..replace
        },
    );
    let dropped: Vec<ListId> = forced.losses.iter().map(|l| l.list).collect();
    assert_eq!(dropped, vec![ListId::DeniedPersons, ListId::UnConsolidated]);
    assert_eq!(forced.meta.counts.len(), 1);
    assert_eq!(forced.meta.based_on, None);
    assert!(forced.kept.is_empty());
}

#[test]
fn rollback_reactivates_earlier_snapshots_and_is_recorded() {
    let root = temp_dir();
    let store = open(&root.path().join("lists"));
    assert!(matches!(
        store.rollback(None),
        Err(RollbackError::NoEarlier { .. })
    ));
    let replace = ImportOptions {
        mode: ImportMode::ReplaceAll,
        force: true,
        ..ImportOptions::default()
    };
    let first = import(&store, &[data("cyber_entity_list.csv")], replace);
    let second = import(&store, &[data("bis_dpl/dpl.txt")], merge(false));
    assert_eq!(second.kept, vec![ListId::EntityList]);
    assert_ne!(first.meta.hash, second.meta.hash);

    // Default: the previously active snapshot; again: back to where it started.
    let back = store.rollback(None).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(back.meta.hash, first.meta.hash);
    assert_eq!(back.previous, second.meta.hash);
    assert_eq!(
        store.active_hash().ok().flatten(),
        Some(first.meta.hash.clone())
    );
    let again = store.rollback(None).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(again.meta.hash, second.meta.hash);

    // By prefix, and to the bundled snapshot (written to the store on the way).
    let by_prefix = store
        .rollback(Some(&first.meta.hash[..10]))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(by_prefix.meta.hash, first.meta.hash);
    let bundled_hash = bundled().map(|b| b.meta.hash).unwrap_or_default();
    let to_bundled = store
        .rollback(Some("bundled"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(to_bundled.meta.hash, bundled_hash);
    assert!(to_bundled.meta.bundled);
    assert!(stored(&store).contains(&bundled_hash));
    let snapshot = active(&store);
    assert_eq!(snapshot.meta.hash, bundled_hash);

    // Unknown and malformed targets name what was given and change nothing.
    for given in ["0000000000", "xyz", "ab"] {
        let err = store.rollback(Some(given)).err().map(|e| e.to_string());
        assert!(
            err.as_deref()
                .is_some_and(|e| e.contains(given) && e.contains("ace lists status")),
            "{given}: {err:?}"
        );
    }
    assert_eq!(
        store.active_hash().ok().flatten(),
        Some(bundled_hash.clone())
    );

    let history = store.history().unwrap_or_else(|e| panic!("{e}"));
    let kinds: Vec<ActivationKind> = history.iter().map(|a| a.action).collect();
    assert_eq!(
        kinds,
        vec![
            ActivationKind::InUse,
            ActivationKind::ReplaceAll,
            ActivationKind::Import,
            ActivationKind::Rollback,
            ActivationKind::Rollback,
            ActivationKind::Rollback,
            ActivationKind::Rollback,
        ]
    );
    assert_eq!(history[0].hash, bundled_hash);
    assert!(history[3].detail.contains(&second.meta.hash[..12]));
    assert_eq!(
        store.status().ok().map(|s| s.history.len()),
        Some(history.len())
    );
}

#[test]
fn a_corrupt_history_refuses_the_import_and_changes_nothing() {
    let root = temp_dir();
    let store = open(root.path());
    let replace = ImportOptions {
        mode: ImportMode::ReplaceAll,
        force: true,
        ..ImportOptions::default()
    };
    let first = import(&store, &[data("cyber_entity_list.csv")], replace);
    fs::write(root.path().join("HISTORY"), "{\"at\": 1}\n").unwrap_or_else(|e| panic!("{e}"));
    let err = store
        .import(&[data("bis_dpl/dpl.txt")], &replace)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.contains("HISTORY") && err.contains("line 1"), "{err}");
    assert_eq!(store.active_hash().ok().flatten(), Some(first.meta.hash));
}

#[test]
fn a_list_may_lose_up_to_ten_percent() {
    use lists::snapshot::losses;
    let counts = |pairs: &[(ListId, usize)]| pairs.iter().copied().collect::<BTreeMap<_, _>>();
    let before = counts(&[(ListId::Sdn, 100), (ListId::EntityList, 50)]);
    assert!(losses(
        &before,
        &counts(&[(ListId::Sdn, 90), (ListId::EntityList, 50)])
    )
    .is_empty());
    let shrunk = losses(
        &before,
        &counts(&[(ListId::Sdn, 89), (ListId::EntityList, 60)]),
    );
    assert_eq!(shrunk.len(), 1);
    assert_eq!(
        (shrunk[0].list, shrunk[0].before, shrunk[0].after),
        (ListId::Sdn, 100, 89)
    );
    assert_eq!(
        shrunk[0].to_string(),
        "SDN would go from 100 to 89 entries (11 lost, 11.0%)"
    );
    let dropped = losses(
        &before,
        &counts(&[(ListId::Sdn, 100), (ListId::UnConsolidated, 5)]),
    );
    assert_eq!(dropped.len(), 1);
    assert_eq!(
        dropped[0].to_string(),
        "EL would be dropped (all 50 entries)"
    );
}

#[test]
fn two_imports_at_once_keep_each_others_lists() {
    let root = temp_dir();
    let dir = root.path().join("lists");
    let store = open(&dir);
    let replace = ImportOptions {
        mode: ImportMode::ReplaceAll,
        force: true,
        ..ImportOptions::default()
    };
    import(&store, &[data("cyber_entity_list.csv")], replace);
    let threads: Vec<_> = [data("bis_dpl/dpl.txt"), data("un/UN_consolidated.xml")]
        .into_iter()
        .map(|file| {
            let store = open(&dir);
            std::thread::spawn(move || store.import(&[file], &merge(false)).map(|i| i.meta))
        })
        .collect();
    for thread in threads {
        let imported = thread.join().unwrap_or_else(|_| panic!("import thread"));
        assert!(
            imported.is_ok(),
            "{:?}",
            imported.err().map(|e| e.to_string())
        );
    }
    let counts = active(&store).meta.counts;
    assert_eq!(
        counts.keys().copied().collect::<Vec<_>>(),
        vec![
            ListId::EntityList,
            ListId::DeniedPersons,
            ListId::UnConsolidated
        ]
    );
    assert_eq!(store.history().map(|h| h.len()).unwrap_or_default(), 4);
    assert!(!dir.join("LOCK").exists(), "the lock is released");
}

#[test]
fn sources_of_a_snapshot_written_before_per_list_sources_are_kept_with_a_warning() {
    let root = temp_dir();
    let dir = root.path().join("lists");
    let store = open(&dir);
    let replace = ImportOptions {
        mode: ImportMode::ReplaceAll,
        force: true,
        ..ImportOptions::default()
    };
    let old = import(&store, &[data("cyber_entity_list.csv")], replace).meta;
    // Rewrite its meta.json as an older ace wrote it: no `lists` per source.
    let meta_path = dir.join("snapshots").join(&old.hash).join("meta.json");
    let mut meta: serde_json::Value =
        serde_json::from_slice(&fs::read(&meta_path).unwrap_or_else(|e| panic!("{e}")))
            .unwrap_or_else(|e| panic!("{e}"));
    for source in meta["sources"].as_array_mut().into_iter().flatten() {
        source.as_object_mut().map(|s| s.remove("lists"));
    }
    fs::write(&meta_path, meta.to_string()).unwrap_or_else(|e| panic!("{e}"));

    let merged = import(&store, &[data("bis_dpl/dpl.txt")], merge(false)).meta;
    assert_eq!(merged.counts[&ListId::EntityList], 8);
    let names: Vec<&str> = merged
        .sources
        .iter()
        .map(|s| s.file_name.as_str())
        .collect();
    assert_eq!(names, vec!["dpl.txt", "cyber_entity_list.csv"]);
    assert!(
        merged
            .warnings
            .iter()
            .any(|w| w.contains("cyber_entity_list.csv") && w.contains("does not record")),
        "{:?}",
        merged.warnings
    );
}
