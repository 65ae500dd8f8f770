//! Prints how long each list file and the bundled snapshot take to load.
//! Run: `cargo run --release -p lists --example load_times`

use std::path::PathBuf;
use std::time::Instant;

use lists::formats::{load_path, ParseOptions};
use lists::snapshot::{bundled, ImportMode, ImportOptions, SnapshotStore};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let data = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/lists");
    let lenient = ParseOptions { lenient: true };
    for rel in [
        "csl/consolidated_2026-07-31.json",
        "un/UN_consolidated.xml",
        "ofac_sdn/sdn.csv",
        "ofac_cons/cons_prim.csv",
        "bis_dpl/dpl.txt",
        "csl/consolidated_partial_2023-11.csv",
        "csl/consolidated_sample_2025-06.csv",
    ] {
        let started = Instant::now();
        let loaded = load_path(&data.join(rel), &lenient)?;
        println!(
            "{rel}: {} entries in {:?} (source date {:?})",
            loaded.entries.len(),
            started.elapsed(),
            loaded.source_date
        );
    }
    let started = Instant::now();
    let snapshot = bundled()?;
    println!(
        "bundled(): {} entries in {:?}",
        snapshot.entries.len(),
        started.elapsed()
    );

    let dir = std::env::temp_dir().join(format!("ace-lists-times-{}", std::process::id()));
    let store = SnapshotStore::open(&dir)?;
    let files: Vec<PathBuf> = [
        "csl/consolidated_2026-07-31.json",
        "un/UN_consolidated.xml",
        "ofac_sdn/sdn.csv",
        "ofac_cons/cons_prim.csv",
        "bis_dpl/dpl.txt",
        "cyber_entity_list.csv",
    ]
    .iter()
    .map(|r| data.join(r))
    .collect();
    let started = Instant::now();
    let opts = ImportOptions {
        parse: ParseOptions::default(),
        mode: ImportMode::ReplaceAll,
        force: true,
        ..ImportOptions::default()
    };
    let meta = store.import(&files, &opts)?.meta;
    println!(
        "import of {} files: {} entries in {:?}",
        files.len(),
        meta.total(),
        started.elapsed()
    );
    let started = Instant::now();
    let active = store.active()?.map(|s| s.entries.len());
    println!("active(): {active:?} entries in {:?}", started.elapsed());
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
