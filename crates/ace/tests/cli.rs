//! The `ace` binary end to end: exit codes, JSON contract, bad input, matrix, rules.

use assert_cmd::Command;
use std::path::PathBuf;

fn ace(data: &tempdir::Dir) -> Command {
    let mut c = Command::cargo_bin("ace").expect("binary");
    c.env("ACE_DATA_DIR", &data.0).env_remove("ACE_RULES_DIR");
    c
}

mod tempdir {
    pub struct Dir(pub std::path::PathBuf);
    impl Dir {
        pub fn new(tag: &str) -> Dir {
            let p = std::env::temp_dir().join(format!("ace-cli-{tag}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&p);
            std::fs::create_dir_all(&p).expect("temp dir");
            Dir(p)
        }
    }
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

fn stdout(c: &mut Command) -> (i32, String, String) {
    let out = c.output().expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[test]
fn check_exit_codes_follow_the_outcome() {
    let d = tempdir::Dir::new("exit");
    let (code, out, _) = stdout(ace(&d).args([
        "check",
        "--eccn",
        "4D004",
        "--to",
        "CN",
        "--end-user",
        "government",
        "--as-of",
        "2023-06-01",
    ]));
    assert_eq!(code, 3, "{out}");
    assert!(out.starts_with("LICENSE_REQUIRED"), "{out}");
    assert!(
        out.contains("15 CFR 740.22(c)(1)(ii)") && out.contains("not legal advice"),
        "{out}"
    );
    let (code, out, _) = stdout(ace(&d).args([
        "check",
        "--eccn",
        "4D004",
        "--to",
        "Germany",
        "--end-user",
        "non_government",
        "--as-of",
        "2023-06-01",
    ]));
    assert_eq!(code, 0, "{out}");
    assert!(out.starts_with("ACE"), "{out}");
    let (code, _, _) = stdout(ace(&d).args([
        "check",
        "--eccn",
        "4D004",
        "--to",
        "CA",
        "--as-of",
        "2023-06-01",
    ]));
    assert_eq!(code, 0);
    let (code, out, _) = stdout(ace(&d).args(["check", "--published", "--to", "CN"]));
    assert_eq!(code, 0);
    assert!(out.starts_with("NOT_SUBJECT"), "{out}");
}

#[test]
fn json_output_keeps_the_contract() {
    let d = tempdir::Dir::new("json");
    let (code, out, _) = stdout(ace(&d).args([
        "check",
        "--eccn",
        "4D004",
        "--to",
        "IL",
        "--end-user",
        "government",
        "--as-of",
        "2023-06-01",
        "--json",
        "--no-screen",
    ]));
    assert_eq!(code, 3);
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["outcome"], "LICENSE_REQUIRED");
    assert_eq!(v["as_of"], "2023-06-01");
    assert_eq!(v["ruleset"].as_str().map(str::len), Some(64));
    let trace = v["trace"].as_array().expect("trace");
    assert!(trace.iter().all(|f| f["citation"].is_string()
        && f["check"].is_string()
        && f["held"].is_boolean()
        && f["because"].is_string()));
    assert!(trace.iter().any(|f| f["because"]
        .as_str()
        .unwrap_or("")
        .contains("Israel (IL), which is in D:2, D:3, D:4 on 2023-06-01")));
}

#[test]
fn input_document_from_stdin() {
    let d = tempdir::Dir::new("stdin");
    let doc = r#"{"date":"2022-04-01","item":{"eccn":"4D004"},"destination":"IL","end_user":{"kind":"government","government_role":"national_csirt"},"purpose":"cyber_incident_response"}"#;
    let (code, out, err) = stdout(
        ace(&d)
            .args(["check", "--input", "-", "--json"])
            .write_stdin(doc),
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("\"ACE\""));
}

#[test]
fn bad_input_exits_2_naming_the_field() {
    let d = tempdir::Dir::new("bad");
    let cases: [(&[&str], &str); 4] = [
        (
            &["check", "--eccn", "4D004", "--to", "Atlantis"],
            "destination",
        ),
        (&["check", "--eccn", "4X004", "--to", "DE"], "item.eccn"),
        (
            &[
                "check",
                "--eccn",
                "4D004",
                "--to",
                "DE",
                "--as-of",
                "2021-01-01",
            ],
            "date",
        ),
        (
            &["check", "--eccn", "5A002.a", "--to", "DE"],
            "outside what ace decides",
        ),
    ];
    for (args, word) in cases {
        let (code, _, err) = stdout(ace(&d).args(args));
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains(word), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    let (code, _, err) = stdout(
        ace(&d)
            .args(["check", "--input", "-"])
            .write_stdin("{\"item\":{\"eccn\":\"4D004\"},\"destination\":\"DE\",\"colour\":1}"),
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("colour") && err.contains("unknown field"),
        "{err}"
    );
}

#[test]
fn screening_finds_nso_group_and_changes_the_answer() {
    let d = tempdir::Dir::new("screen");
    let (code, out, err) = stdout(ace(&d).args([
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
        "2023-06-01",
        "--json",
    ]));
    assert_eq!(code, 3, "{out}{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["review_policy"], "Presumption of denial.");
    assert_eq!(v["list_snapshot"].as_str().map(str::len), Some(64));
    assert!(v["trace"]
        .as_array()
        .expect("trace")
        .iter()
        .any(|f| f["citation"].as_str().unwrap_or("").contains("744.11") && f["held"] == true));
}

#[test]
fn matrix_covers_every_destination() {
    let d = tempdir::Dir::new("matrix");
    let (code, out, _) = stdout(ace(&d).args([
        "matrix",
        "--eccn",
        "4D004",
        "--end-user",
        "government",
        "--as-of",
        "2024-01-01",
        "--csv",
    ]));
    assert_eq!(code, 0);
    let rows: Vec<&str> = out.lines().skip(1).collect();
    assert!(rows.len() >= 249, "{}", rows.len());
    let outcome = |code: &str| {
        rows.iter()
            .find(|r| r.starts_with(&format!("{code},")))
            .map(|r| r.split(',').nth(2).unwrap_or("").to_string())
            .unwrap_or_default()
    };
    assert_eq!(outcome("CA"), "NLR");
    assert_eq!(outcome("DE"), "ACE");
    assert_eq!(outcome("CN"), "LICENSE_REQUIRED");
    assert_eq!(outcome("IR"), "LICENSE_REQUIRED");
    // Cyprus left D:5 when the State Department lifted its arms embargo (2022-10-01;
    // docs/regulation/d5-follows-state.md), so by 2024 a Cypriot government end user may
    // use ACE; Israel (D:2, D:4) may not.
    assert_eq!(outcome("CY"), "ACE");
    assert_eq!(outcome("IL"), "LICENSE_REQUIRED");
}

#[test]
fn rules_show_prints_dates_and_sources() {
    let d = tempdir::Dir::new("rules");
    let (code, out, _) =
        stdout(ace(&d).args(["rules", "show", "group", "D:5", "--as-of", "2022-06-01"]));
    assert_eq!(code, 0);
    assert!(
        out.contains("CY") && out.contains("89 FR 40369") && out.contains("KH"),
        "{out}"
    );
    assert!(
        !out.contains("NI "),
        "Nicaragua is not in D:5 on 2022-06-01: {out}"
    );
    let (_, out, _) =
        stdout(ace(&d).args(["rules", "show", "group", "D:5", "--as-of", "2024-06-01"]));
    assert!(!out.contains("CY ") && out.contains("NI "), "{out}");
}

#[test]
fn rules_dir_overrides_without_rebuilding() {
    let d = tempdir::Dir::new("override");
    let rules = d.0.join("rules");
    std::fs::create_dir_all(&rules).expect("dir");
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../ear/data/country_chart.toml");
    let chart = std::fs::read_to_string(src).expect("chart").replace("{ country = \"CA\", source", "{ country = \"DE\", source = \"test\", confidence = \"text\" },\n  { country = \"CA\", source");
    std::fs::write(rules.join("country_chart.toml"), chart).expect("write");
    let (code, out, _) = stdout(ace(&d).args([
        "check",
        "--eccn",
        "4D004",
        "--to",
        "DE",
        "--as-of",
        "2023-06-01",
    ]));
    assert_eq!(code, 0);
    assert!(out.starts_with("NLR"), "{out}");
}

#[test]
fn classify_answers_feed_check() {
    let d = tempdir::Dir::new("classify");
    let archetypes = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../classify/tests/archetypes");
    let file = std::fs::read_dir(&archetypes)
        .expect("archetypes")
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            std::fs::read_to_string(p)
                .is_ok_and(|t| t.contains("eccn: \"4D004\"") || t.contains("eccn: 4D004"))
        })
        .expect("a 4D004 archetype");
    let (code, out, err) = stdout(
        ace(&d)
            .args(["classify", "--answers"])
            .arg(&file)
            .arg("--json"),
    );
    assert_eq!(code, 0, "{err}");
    let result = d.0.join("result.json");
    std::fs::write(&result, out).expect("write");
    let (code, out, err) = stdout(
        ace(&d)
            .args(["check", "--classification"])
            .arg(&result)
            .args([
                "--to",
                "CN",
                "--end-user",
                "government",
                "--as-of",
                "2023-06-01",
            ]),
    );
    assert_eq!(code, 3, "{out}{err}");
    assert!(out.contains("4D004"), "{out}");
}

#[test]
fn batch_decides_every_row_in_order_and_reports_bad_rows() {
    let d = tempdir::Dir::new("batch");
    let example = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/batch.csv");
    let out = d.0.join("out.jsonl");
    let (code, _, err) = stdout(ace(&d).arg("batch").arg(&example).arg("--out").arg(&out));
    assert_eq!(code, 0, "{err}");
    let rows: Vec<serde_json::Value> = std::fs::read_to_string(&out)
        .expect("out")
        .lines()
        .map(|l| serde_json::from_str(l).expect("jsonl"))
        .collect();
    assert_eq!(rows.len(), 10);
    let ids: Vec<&str> = rows
        .iter()
        .map(|r| r["id"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        ids,
        [
            "tx-001", "tx-002", "tx-003", "tx-004", "tx-005", "tx-006", "tx-007", "tx-008",
            "tx-009", "tx-010"
        ]
    );
    let outcome = |id: &str| {
        rows.iter()
            .find(|r| r["id"] == id)
            .map(|r| r["outcome"].as_str().unwrap_or("").to_string())
            .unwrap_or_default()
    };
    assert_eq!(outcome("tx-001"), "ACE");
    assert_eq!(outcome("tx-003"), "LICENSE_REQUIRED");
    assert_eq!(outcome("tx-005"), "NLR");
    assert_eq!(outcome("tx-009"), "REJECTED");
    assert!(rows[8]["error"]
        .as_str()
        .unwrap_or("")
        .contains("destination"));
    assert!(rows[2]["hits"][0]["list"] == "EL", "{}", rows[2]);
    assert!(
        err.contains("rejected rows: 1") && err.contains("line 10"),
        "{err}"
    );

    let (code, _, err) = stdout(
        ace(&d)
            .arg("batch")
            .arg(&example)
            .arg("--strict")
            .arg("--out")
            .arg(&out),
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("line 10"), "{err}");
}

#[test]
fn batch_rejects_an_unknown_column_naming_it() {
    let d = tempdir::Dir::new("batchhdr");
    let f = d.0.join("bad.csv");
    std::fs::write(&f, "id,eccn,destinaton\nt1,4D004,DE\n").expect("write");
    let (code, _, err) = stdout(ace(&d).arg("batch").arg(&f));
    assert_eq!(code, 2);
    assert!(
        err.contains("destinaton") && err.contains("accepted"),
        "{err}"
    );
}

#[test]
fn rules_calendar_lists_dated_changes_with_sources() {
    let d = tempdir::Dir::new("calendar");
    let (code, out, _) = stdout(ace(&d).args([
        "rules",
        "calendar",
        "--country",
        "Cambodia",
        "--from",
        "2025-01-01",
        "--json",
    ]));
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    let changes = v.as_array().expect("array");
    let kh = changes
        .iter()
        .find(|c| c["what"] == "KH leaves Country Group D:5")
        .expect("Cambodia's exit from D:5 is listed");
    assert_eq!(kh["date"], "2025-11-07");
    assert!(kh["source"].as_str().unwrap_or("").contains("126.1"));
    assert!(changes
        .iter()
        .all(|c| c["date"].as_str() >= Some("2025-01-01")));
    assert!(
        changes
            .iter()
            .all(|c| c["country"].is_null() || c["country"] == "KH"),
        "{out}"
    );
    let (code, _, err) = stdout(ace(&d).args(["rules", "calendar", "--country", "Narnia"]));
    assert_eq!(code, 2);
    assert!(err.contains("--country"), "{err}");
    let (code, _, err) = stdout(ace(&d).args(["rules", "calendar", "--from", "soon"]));
    assert_eq!(code, 2);
    assert!(
        err.contains("--from") && err.contains("YYYY-MM-DD"),
        "{err}"
    );
}
