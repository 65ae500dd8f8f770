//! The screening index kept beside a snapshot (issue 14, item 1): `ace lists import`
//! writes it, `ace check` maps it; an index file whose bytes do not match its hash,
//! or that was cut short, is built again and replaced — never used — and the answer
//! is the same as with a good one. The bundled snapshot's index and meta are worked
//! out on first use and kept in the data directory.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn ace(data: &Path) -> Command {
    let mut c = Command::cargo_bin("ace").expect("binary");
    c.env("ACE_DATA_DIR", data)
        .env_remove("ACE_RULES_DIR")
        .env_remove("ACE_DATABASE")
        .env_remove("ACE_LIST_MAX_AGE_DAYS");
    c
}

/// `ace check --json` of an export to `name`: standard output and error.
fn check_both(data: &Path, name: &str) -> (String, String) {
    let out = ace(data)
        .args([
            "check",
            "--json",
            "--eccn",
            "4D004",
            "--to",
            "AM",
            "--end-user",
            "non_government",
            "--end-user-name",
            name,
            "--as-of",
            "2026-01-15",
        ])
        .output()
        .expect("runs");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The answer of [`check_both`].
fn check(data: &Path, name: &str) -> String {
    check_both(data, name).0
}

/// The one `screen.idx` under `dir`.
fn index_file(dir: &Path) -> PathBuf {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.file_name().is_some_and(|n| n == "screen.idx") {
                found.push(p);
            }
        }
    }
    assert_eq!(found.len(), 1, "{found:?}");
    found.remove(0)
}

#[test]
fn a_damaged_or_short_index_file_is_rebuilt_not_trusted() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let data = tmp.path();
    let sample = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data/lists/csl/consolidated_sample_2025-06.csv");
    let out = ace(data)
        .args(["lists", "import", "--replace-all", "--force"])
        .arg(&sample)
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Written by the import, beside the snapshot.
    let path = index_file(&data.join("lists/snapshots"));
    let good = std::fs::read(&path).expect("index");

    let answer = check(data, "Atlas Sanatgaran");
    assert!(answer.contains("\"Atlas Sanatgaran\""), "a hit: {answer}");
    assert_eq!(std::fs::read(&path).expect("index"), good, "used as it was");

    // A flipped bit in the middle of the file (the vocabulary, postings or
    // entries): the hash does not match, so it is built again, and the answer is
    // the one the good file gave.
    let mut bad = good.clone();
    let mid = bad.len() / 2;
    bad[mid] ^= 0x40;
    std::fs::write(&path, &bad).expect("damaged");
    let (again, said) = check_both(data, "Atlas Sanatgaran");
    assert_eq!(again, answer);
    assert!(
        said.contains("built again: index bytes do not match their hash"),
        "{said}"
    );
    assert_eq!(std::fs::read(&path).expect("index"), good, "replaced");

    // Cut short: the same.
    std::fs::write(&path, &good[..good.len() - 1000]).expect("truncated");
    let (again, said) = check_both(data, "Atlas Sanatgaran");
    assert_eq!(again, answer);
    assert!(said.contains("built again: index of"), "{said}");
    assert_eq!(std::fs::read(&path).expect("index"), good, "replaced");

    // Gone: built again.
    std::fs::remove_file(&path).expect("removed");
    assert_eq!(check(data, "Atlas Sanatgaran"), answer);
    assert_eq!(std::fs::read(&path).expect("index"), good, "written again");
}

#[test]
fn the_bundled_snapshot_is_indexed_once_and_kept() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let data = tmp.path();
    let first = check(data, "Sinobright Import and Export Company");
    let bundled = data.join("lists/bundled");
    let path = index_file(&bundled);
    let dir = path.parent().expect("dir");
    assert!(dir.join("meta.json").exists(), "the bundled meta is kept");
    assert_eq!(
        dir.file_name().and_then(|n| n.to_str()),
        Some(lists::snapshot::BUNDLED_KEY)
    );
    let kept = std::fs::read(&path).expect("index");
    // The next run maps it: same answer, same file.
    assert_eq!(check(data, "Sinobright Import and Export Company"), first);
    assert_eq!(std::fs::read(&path).expect("index"), kept);
    // The answer names the bundled snapshot, as it did when it parsed the lists.
    let meta = lists::snapshot::bundled_meta().expect("bundled");
    assert!(first.contains(&meta.hash), "{first}");
    assert!(first.contains("Sinobright"), "{first}");
}
