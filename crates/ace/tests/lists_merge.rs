//! `ace lists import` replaces list by list: importing `dpl.txt` alone keeps the Entity
//! List, so NSO Group is still a listed party; shrinking needs --force; --replace-all
//! replaces everything; `ace lists rollback` undoes an import; `status` shows the history.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn ace(data: &Path) -> Command {
    let mut c = Command::cargo_bin("ace").expect("binary");
    c.env("ACE_DATA_DIR", data)
        .env_remove("ACE_LIST_MAX_AGE_DAYS");
    c
}

fn lists_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/lists")
}

/// Runs ace; returns (exit code, stdout, stderr).
fn run(data: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let out = ace(data).args(args).output().expect("runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn status(data: &Path) -> serde_json::Value {
    let (code, out, err) = run(data, &["lists", "status", "--json"]);
    assert_eq!(code, Some(0), "{err}");
    serde_json::from_str(&out).expect("json")
}

/// The outcome for NSO Group to Israel (the example).
fn nso_outcome(data: &Path) -> String {
    let (_, out, err) = run(
        data,
        &[
            "check",
            "--eccn",
            "4D004",
            "--to",
            "IL",
            "--end-user",
            "non_government",
            "--end-user-name",
            "NSO Group",
            "--as-of",
            "2024-06-01",
            "--json",
        ],
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|_| panic!("{out}{err}"));
    v["outcome"]
        .as_str()
        .or_else(|| v["determination"]["outcome"].as_str())
        .unwrap_or_default()
        .to_string()
}

#[test]
fn importing_the_dpl_alone_keeps_the_entity_list_and_can_be_rolled_back() {
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path();
    let dpl = lists_dir().join("bis_dpl/dpl.txt");
    let dpl = dpl.to_str().expect("utf-8 path");
    let bundled = status(data)["active"]["hash"]
        .as_str()
        .expect("hash")
        .to_string();
    // On the bundled lists NSO Group is on the Entity List (tests/cli.rs checks it).
    let listed = "LICENSE_REQUIRED";

    // The 2023 DPL is much smaller than the bundled CSL's DPL: refused, counts named.
    let (code, _, err) = run(data, &["lists", "import", dpl]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("DPL would go from")
            && err.contains("--force")
            && err.contains("active snapshot is unchanged"),
        "{err}"
    );
    assert_eq!(status(data)["active"]["hash"], bundled.as_str());

    // Forced: the DPL is replaced, every other list kept; NSO Group is still listed.
    let (code, out, err) = run(data, &["lists", "import", "--force", dpl]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.contains("replaced DPL") && out.contains("kept EL"),
        "{out}"
    );
    let after = status(data);
    assert_eq!(after["active"]["counts"]["DPL"], 547);
    assert!(after["active"]["counts"]["EL"].as_u64().unwrap_or(0) > 1000);
    assert!(after["active"]["counts"]["SDN"].as_u64().unwrap_or(0) > 1000);
    assert_eq!(after["active"]["counts"]["UN"], 1003);
    assert_eq!(after["active"]["based_on"], bundled.as_str());
    assert_eq!(nso_outcome(data), listed);
    let imported = after["active"]["hash"].as_str().expect("hash").to_string();

    // --replace-all without --force would drop every other list: refused, each named.
    let (code, _, err) = run(data, &["lists", "import", "--replace-all", dpl]);
    assert_eq!(code, Some(2), "{err}");
    for list in [
        "EL would be dropped",
        "SDN would be dropped",
        "UN would be dropped",
    ] {
        assert!(err.contains(list), "{list}: {err}");
    }
    // Forced: the DPL alone; NSO Group is no longer a listed party.
    let (code, _, err) = run(data, &["lists", "import", "--replace-all", "--force", dpl]);
    assert_eq!(code, Some(0), "{err}");
    assert_ne!(nso_outcome(data), "LICENSE_REQUIRED");

    // Rollback: the merged snapshot again, then the bundled one by name.
    let (code, out, err) = run(data, &["lists", "rollback"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains(&imported), "{out}");
    assert_eq!(status(data)["active"]["hash"], imported.as_str());
    let (code, _, err) = run(data, &["lists", "rollback", "bundled"]);
    assert_eq!(code, Some(0), "{err}");
    let (code, _, err) = run(data, &["lists", "rollback", "ffff0000"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("ffff0000"), "{err}");

    let now = status(data);
    assert_eq!(now["active"]["hash"], bundled.as_str());
    let actions: Vec<&str> = now["history"]
        .as_array()
        .expect("history")
        .iter()
        .map(|a| a["action"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        actions,
        ["in_use", "import", "replace_all", "rollback", "rollback"]
    );
    let (_, text, _) = run(data, &["lists", "status"]);
    assert!(
        text.contains("activation history") && text.contains("replace_all"),
        "{text}"
    );
}

#[test]
fn status_says_how_old_the_lists_are() {
    let dir = tempfile::tempdir().expect("dir");
    let v = status(dir.path());
    assert!(v["age_days"].as_i64().is_some(), "{v}");
    assert_eq!(v["max_age_days"], 7);
    // The bundled lists are dated 2026-07-31: stale with a maximum age of 0 days once
    // that day has passed, never stale with a very large maximum.
    let out = ace(dir.path())
        .args(["lists", "status", "--json"])
        .env("ACE_LIST_MAX_AGE_DAYS", "100000")
        .output()
        .expect("runs");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(v["stale"].is_null(), "{v}");
    let out = ace(dir.path())
        .args(["lists", "status", "--max-age-days", "soon"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--max-age-days"));
}

#[test]
fn import_and_rollback_help_teach_with_examples() {
    let dir = tempfile::tempdir().expect("dir");
    let (_, import, _) = run(dir.path(), &["lists", "import", "--help"]);
    for wanted in [
        "--replace-all",
        "--force",
        "Examples:",
        "ace lists import dpl.txt",
    ] {
        assert!(import.contains(wanted), "{wanted}: {import}");
    }
    let (_, rollback, _) = run(dir.path(), &["lists", "rollback", "--help"]);
    for wanted in ["Examples:", "ace lists rollback bundled", "HASH"] {
        assert!(rollback.contains(wanted), "{wanted}: {rollback}");
    }
}
