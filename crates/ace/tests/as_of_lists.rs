//! `ace check --as-of` and the lists (issue 12): an Entity List entry listed after the
//! as-of date does not decide and is shown as listed later; the snapshot screened against
//! is the one published most recently on or before the date, and an answer no snapshot
//! covers says so.

use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;

fn ace(data: &Path) -> Command {
    let mut c = Command::cargo_bin("ace").expect("binary");
    c.env("ACE_DATA_DIR", data)
        .env_remove("ACE_RULES_DIR")
        .env_remove("ACE_DATABASE");
    c
}

/// Exit code and the JSON answer of `ace check --json`.
fn check(data: &Path, name: &str, to: &str, as_of: &str) -> (i32, Value) {
    let out = ace(data)
        .args([
            "check",
            "--eccn",
            "4D004",
            "--to",
            to,
            "--end-user",
            "non_government",
            "--end-user-name",
            name,
            "--as-of",
            as_of,
            "--json",
        ])
        .output()
        .expect("runs");
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap_or(-1), json)
}

fn findings(answer: &Value) -> Vec<Value> {
    answer["trace"].as_array().cloned().unwrap_or_default()
}

fn says(answer: &Value, words: &str) -> bool {
    findings(answer)
        .iter()
        .any(|f| f["because"].as_str().is_some_and(|b| b.contains(words)))
}

#[test]
fn the_issue_example_no_longer_applies_the_2023_rule_in_2022() {
    let dir = tempfile::tempdir().expect("dir");
    let (_, a) = check(dir.path(), "Intellexa S.A.", "GR", "2022-06-01");
    assert!(says(&a, "listed later (on 2023-07-18)"), "{a:#}");
    let deciding_el = findings(&a).iter().any(|f| {
        f["held"] == true
            && f["citation"]
                .as_str()
                .is_some_and(|c| c.contains("88 FR 46071"))
    });
    assert!(!deciding_el, "88 FR 46071 still decides: {a:#}");
    assert!(says(&a, "no list snapshot covers 2022-06-01"), "{a:#}");
    assert_eq!(a["unverified"], true);
    // After the rule took effect, and on a date the bundled snapshot covers, it decides.
    let (_, later) = check(dir.path(), "Intellexa S.A.", "GR", "2026-08-01");
    assert!(!says(&later, "listed later"), "{later:#}");
    assert!(!says(&later, "no list snapshot covers"), "{later:#}");
    let el = findings(&later)
        .iter()
        .any(|f| f["held"] == true && f["citation"].as_str().is_some_and(|c| c.contains("744.11")));
    assert!(el, "{later:#}");
}

#[test]
fn a_date_screens_against_the_snapshot_published_by_then() {
    let dir = tempfile::tempdir().expect("dir");
    let sample = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data/lists/csl/consolidated_sample_2025-06.csv");
    let out = ace(dir.path())
        .args([
            "lists",
            "import",
            "--replace-all",
            "--force",
            "--published",
            "2025-06-25",
        ])
        .arg(&sample)
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("published 2025-06-25"), "{stdout}");
    let bad = ace(dir.path())
        .args(["lists", "import", "--published", "25/06/2025"])
        .arg(&sample)
        .output()
        .expect("runs");
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--published"));

    // The imported snapshot (active) covers 2025-07-01.
    let (_, a) = check(dir.path(), "Example Optics GmbH", "DE", "2025-07-01");
    let imported = a["list_snapshot"].as_str().unwrap_or_default().to_string();
    assert!(!says(&a, "no list snapshot covers"), "{a:#}");
    // Nothing covers 2024-01-01: the active one is used, and the answer says so.
    let (_, old) = check(dir.path(), "Example Optics GmbH", "DE", "2024-01-01");
    assert_eq!(old["list_snapshot"], imported.as_str());
    assert!(says(&old, "no list snapshot covers 2024-01-01"), "{old:#}");
    assert_eq!(old["unverified"], true);

    // With the bundled snapshot (2026-07-31) active again, 2025-07-01 still screens
    // against the one published by then.
    let back = ace(dir.path())
        .args(["lists", "rollback", "bundled"])
        .output()
        .expect("runs");
    assert!(
        back.status.success(),
        "{}",
        String::from_utf8_lossy(&back.stderr)
    );
    let (_, again) = check(dir.path(), "Example Optics GmbH", "DE", "2025-07-01");
    assert_eq!(again["list_snapshot"], imported.as_str(), "{again:#}");
    let (_, now) = check(dir.path(), "Example Optics GmbH", "DE", "2026-08-01");
    assert_ne!(now["list_snapshot"], imported.as_str(), "{now:#}");
}
