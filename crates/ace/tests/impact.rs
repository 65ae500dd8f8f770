//! `ace lists import` reports which recorded determinations a new snapshot changes, and
//! `ace records impact` gives the same list (with both traces in --json); a change of the
//! rules data is weighed as of each record's date.

use assert_cmd::Command;
use std::path::Path;
use support::run;

mod support;

fn ace(data: &Path) -> Command {
    let mut c = Command::cargo_bin("ace").expect("binary");
    c.env("ACE_DATA_DIR", data)
        .env_remove("ACE_RULES_DIR")
        .env_remove("ACE_DATABASE");
    c
}

/// Two transactions, recorded; the first end user is the one the new DPL lists.
const BATCH: &str = "id,date,eccn,destination,end_user_name,end_user_kind
tx-a,2024-06-01,4D004,DE,Quillfeather Instruments GmbH,non_government
tx-b,2024-06-01,4D004,DE,Example Bakery Supplies GmbH,non_government
";

/// A Denied Persons List file (BIS's tab-separated layout) with one row.
const DPL: &str = "\"Name\"\t\"Street_Address\"\t\"City\"\t\"State\"\t\"Country\"\t\"Postal_Code\"\t\"Effective_Date\"\t\"Expiration_Date\"\t\"Standard_Order\"\t\"Last_Update\"\t\"Action\"\t\"FR_Citation\"
\"QUILLFEATHER INSTRUMENTS GMBH\"\t\"1 HAUPTSTRASSE\"\t\"MUNICH\"\t\"\"\t\"DE\"\t\"80331\"\t\"01/05/2026\"\t\"01/05/2036\"\t\"Y\"\t\"2026-01-05\"\t\"F.R. NOTICE ADDED\"\t\"91 F.R. 100 1/5/2026\"
";

#[test]
fn a_new_snapshot_reports_the_determinations_it_changes() {
    let d = tempfile::tempdir().expect("temp dir");
    std::fs::write(d.path().join("batch.csv"), BATCH).expect("write");
    std::fs::write(d.path().join("dpl.txt"), DPL).expect("write");
    let (code, out, err) = run(ace(d.path())
        .args(["batch", "--record"])
        .arg(d.path().join("batch.csv")));
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = run(ace(d.path())
        .args(["lists", "import", "--force", "--published", "2026-11-01"])
        .arg(d.path().join("dpl.txt")));
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("1 of 2 current determinations"),
        "the import reports the impact: {out}"
    );
    assert!(out.contains("record 1 [tx-a]"), "{out}");
    assert!(out.contains("ACE → PROHIBITED"), "{out}");
    assert!(!out.contains("[tx-b]"), "{out}");

    let (code, out, err) = run(ace(d.path()).args(["records", "impact", "--json"]));
    assert_eq!(code, 0, "{out}{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["examined"], 2);
    let changed = v["changed"].as_array().expect("changed");
    assert_eq!(changed.len(), 1, "{v}");
    assert_eq!(changed[0]["transaction_id"], "tx-a");
    assert_eq!(changed[0]["outcome_before"], "ACE");
    assert_eq!(changed[0]["outcome_after"], "PROHIBITED");
    assert!(changed[0]["trace_after"]
        .to_string()
        .contains("denied person"));
    assert_ne!(v["before"]["list_snapshot"], v["after"]["list_snapshot"]);
}

#[test]
fn a_rules_change_is_weighed_as_of_each_records_date() {
    let d = tempfile::tempdir().expect("temp dir");
    std::fs::write(d.path().join("batch.csv"), BATCH).expect("write");
    let (code, out, err) = run(ace(d.path())
        .args(["batch", "--record"])
        .arg(d.path().join("batch.csv")));
    assert_eq!(code, 0, "{out}{err}");
    // Rules in which Germany is in D:5 from 2024-01-01: both records (as of 2024-06-01)
    // would need a license.
    // Outside the data directory: DATA_DIR/rules would be the rules in use.
    let elsewhere = tempfile::tempdir().expect("temp dir");
    let rules = elsewhere.path().join("rules-next");
    std::fs::create_dir_all(&rules).expect("dir");
    let groups = include_str!("../../ear/data/country_groups.toml").replace(
        "  { country = \"SY\" }, { country = \"VE\" }, { country = \"ZW\" },",
        "  { country = \"SY\" }, { country = \"VE\" }, { country = \"ZW\" },\n  { country = \"DE\", from = \"2024-01-01\", added_by = \"a test\", confidence = \"unverified\" },",
    );
    std::fs::write(rules.join("country_groups.toml"), groups).expect("write");
    let (code, out, err) = run(ace(d.path())
        .args(["records", "impact", "--rules"])
        .arg(&rules));
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("2 of 2 current determinations"), "{out}");
    assert!(
        out.contains("as of 2024-06-01: ACE → LICENSE_REQUIRED"),
        "{out}"
    );
}

#[test]
fn impact_refuses_a_missing_record_store() {
    let d = tempfile::tempdir().expect("temp dir");
    let (code, _, err) = run(ace(d.path()).args(["records", "impact"]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no records database"), "{err}");
}
