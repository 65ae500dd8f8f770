//! `ace check` and `ace batch` on the whole transaction: HOLD (exit 5) for a review-band
//! match and a red flag, a route decided leg by leg, names that cannot be screened.

use assert_cmd::Command;
use support::run;

mod support;

fn ace(data: &std::path::Path) -> Command {
    let mut c = Command::cargo_bin("ace").expect("binary");
    c.env("ACE_DATA_DIR", data).env_remove("ACE_RULES_DIR");
    c
}

fn data_dir(tag: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("ace-holds-{tag}"))
        .tempdir()
        .expect("temp dir")
}

/// A stated possible membership is what screening writes for a review-band match.
#[test]
fn a_possible_match_holds_with_exit_5_and_both_answers() {
    let d = data_dir("possible");
    let doc = r#"{"date":"2024-06-01","item":{"eccn":"4D004"},"destination":"DE",
        "end_user":{"name":"Example Air","kind":"non_government",
        "lists":[{"list":"DPL","status":"possible","name":"EXAMPLE AIR","score":0.8}]}}"#;
    let (code, out, err) = run(ace(d.path())
        .args(["check", "--no-screen", "--json", "--input", "-"])
        .write_stdin(doc));
    assert_eq!(code, 5, "{out}{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["outcome"], "HOLD");
    assert_eq!(v["holds"][0]["if_true"]["outcome"], "PROHIBITED");
    assert_eq!(v["if_all_clear"]["outcome"], "ACE");
    let (code, out, _) = run(ace(d.path())
        .args(["check", "--no-screen", "--input", "-"])
        .write_stdin(doc));
    assert_eq!(code, 5);
    assert!(out.starts_with("HOLD"), "{out}");
    assert!(
        out.contains("if the match to EXAMPLE AIR (DPL) is true: PROHIBITED (15 CFR 736.2(b)(4)")
            && out.contains("if every match is a false positive: ACE"),
        "{out}"
    );
}

#[test]
fn a_buyer_in_russia_holds_and_a_route_is_drawn() {
    let d = data_dir("route");
    let (code, out, err) = run(ace(d.path()).args([
        "check",
        "--no-screen",
        "--as-of",
        "2024-06-01",
        "--eccn",
        "4D004",
        "--to",
        "DE",
        "--end-user",
        "non_government",
        "--purchaser",
        "Example Trading LLC",
        "--purchaser-country",
        "RU",
        "--intermediate",
        "Example BV,NL,distributor,non_government",
    ]));
    assert_eq!(code, 5, "{out}{err}");
    assert!(out.contains("Red flag buyer-location"), "{out}");
    assert!(out.contains("US ──export──▶ NL"), "{out}");
    assert!(out.contains("NL ──reexport──▶ DE"), "{out}");
    let (code, out, _) = run(ace(d.path()).args([
        "check",
        "--no-screen",
        "--as-of",
        "2024-06-01",
        "--eccn",
        "4D004",
        "--to",
        "DE",
        "--end-user",
        "non_government",
        "--intermediate",
        "Example OOO,RU,distributor,non_government",
    ]));
    assert_eq!(code, 3, "{out}");
    assert!(
        out.contains("15 CFR 746.8") && out.contains("◀ decides"),
        "{out}"
    );
}

#[test]
fn bad_party_input_names_the_field() {
    let d = data_dir("bad");
    let (code, _, err) = run(ace(d.path()).args([
        "check",
        "--eccn",
        "4D004",
        "--to",
        "DE",
        "--end-user",
        "non_government",
        "--consignee",
        "X",
        "--consignee-country",
        "Narnia",
    ]));
    assert_eq!(code, 2);
    assert!(
        err.contains("consignee.country") && err.contains("Narnia"),
        "{err}"
    );
    let (code, _, err) = run(ace(d.path()).args([
        "check",
        "--eccn",
        "4D004",
        "--to",
        "DE",
        "--end-user",
        "non_government",
        "--end-user-name",
        "  ...  ",
    ]));
    assert_eq!(code, 2);
    assert!(err.contains("end_user.name"), "{err}");
    let (code, _, err) = run(ace(d.path()).args([
        "check",
        "--eccn",
        "4D004",
        "--to",
        "DE",
        "--intermediate",
        "OnlyAName",
    ]));
    assert_eq!(code, 2);
    assert!(
        err.contains("--intermediate") && err.contains("NAME,COUNTRY"),
        "{err}"
    );
}

#[test]
fn batch_counts_holds_apart() {
    let d = data_dir("batch");
    let csv = d.path().join("in.csv");
    std::fs::write(
        &csv,
        "id,date,eccn,destination,end_user_kind,purchaser_name,purchaser_country,red_flags\n\
         a,2024-06-01,4D004,DE,non_government,,,\n\
         b,2024-06-01,4D004,DE,non_government,Example LLC,RU,\n\
         c,2024-06-01,4D004,DE,non_government,,,kyc-2\n",
    )
    .expect("write");
    let out = d.path().join("out.csv");
    let (code, _, err) = run(ace(d.path()).args([
        "batch",
        "--no-screen",
        csv.to_str().expect("path"),
        "--out",
        out.to_str().expect("path"),
    ]));
    assert_eq!(code, 0, "{err}");
    let text = std::fs::read_to_string(&out).expect("results");
    let outcomes: Vec<&str> = text
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').nth(2))
        .collect();
    assert_eq!(outcomes, ["ACE", "HOLD", "HOLD"], "{text}");
    assert!(err.contains("HOLD"), "{err}");
}

/// `ace screen --batch` on two threads: rows come back in input order with their line
/// numbers; a row that cannot be screened gets an error and the run goes on.
#[test]
fn screen_batch_reports_bad_rows_and_keeps_order() {
    let d = data_dir("screen-batch");
    let csv = d.path().join("names.csv");
    let mut text = String::from("name,country\n");
    for i in 0..40 {
        text.push_str(&format!("Example Name {i},DE\n"));
    }
    text.push_str("\"...\",DE\nNSO Group,IL\nSomeone,Narnia\n");
    std::fs::write(&csv, text).expect("write");
    let (code, out, err) = run(ace(d.path()).args([
        "screen",
        "--batch",
        csv.to_str().expect("path"),
        "--threads",
        "2",
    ]));
    assert_eq!(code, 0, "{err}");
    let rows: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    assert_eq!(rows.len(), 43);
    let lines: Vec<u64> = rows.iter().filter_map(|r| r["line"].as_u64()).collect();
    assert_eq!(lines, (2..=44).collect::<Vec<u64>>());
    assert!(rows[40]["error"]
        .as_str()
        .is_some_and(|e| e.contains("name")));
    assert!(rows[41]["matches"][0]["name"]
        .as_str()
        .is_some_and(|n| n.contains("NSO")));
    assert!(rows[42]["error"]
        .as_str()
        .is_some_and(|e| e.contains("Narnia")));
    assert!(err.contains("2 row(s) could not be screened"), "{err}");
}

/// `ace matrix` with the route fixed: a Russian distributor on every route makes every
/// destination need a license, and the row says which leg decided.
#[test]
fn matrix_with_a_fixed_route_names_the_deciding_leg() {
    let d = data_dir("matrix-route");
    let (code, out, err) = run(ace(d.path()).args([
        "matrix",
        "--eccn",
        "4D004",
        "--end-user",
        "non_government",
        "--as-of",
        "2024-06-01",
        "--json",
        "--intermediate",
        "Example OOO,RU,distributor,non_government",
    ]));
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    let rows = v["rows"].as_array().expect("rows");
    let de = rows.iter().find(|r| r["code"] == "DE").expect("DE row");
    assert_eq!(de["outcome"], "LICENSE_REQUIRED", "{de}");
    assert!(
        de["deciding"][0]
            .as_str()
            .is_some_and(|s| s.contains("US → RU")),
        "{de}"
    );
    let (_, plain, _) = run(ace(d.path()).args([
        "matrix",
        "--eccn",
        "4D004",
        "--end-user",
        "non_government",
        "--as-of",
        "2024-06-01",
        "--json",
    ]));
    let v: serde_json::Value = serde_json::from_str(&plain).expect("json");
    let de = v["rows"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r["code"] == "DE").cloned())
        .expect("DE row");
    assert_eq!(de["outcome"], "ACE");
}

/// A reviewer's false positives recorded in the data directory's record store (as `ace
/// serve` records them) release `ace check`'s hold; `--no-reviews` ignores them.
#[test]
fn ace_check_applies_the_review_decisions_of_the_local_record_store() {
    let d = data_dir("local-reviews");
    let args = |name: &str| -> Vec<String> {
        [
            "check",
            "--eccn",
            "4D004",
            "--to",
            "DE",
            "--end-user",
            "non_government",
            "--end-user-name",
            name,
            "--json",
        ]
        .map(String::from)
        .to_vec()
    };
    // A name in the review band of the bundled snapshot (the first that holds).
    let (name, held) = ["Cytrox Digital Labs", "Intellexa Labs", "Candiru Software"]
        .into_iter()
        .find_map(|name| {
            let (code, out, _) = run(ace(d.path()).args(args(name)));
            (code == 5).then(|| (name, serde_json::from_str::<serde_json::Value>(&out)))
        })
        .expect("one candidate is held");
    let held = held.expect("json");
    let store =
        records::open(&d.path().join("records.sqlite3").to_string_lossy()).expect("record store");
    let holds = held["holds"].as_array().expect("holds");
    for hold in holds {
        store
            .record_review(records::NewReview {
                party: name.into(),
                party_key: decide::clearance::party_key(name),
                list: hold["list"].as_str().expect("list").into(),
                entry_id: hold["entry_id"].as_str().expect("entry").into(),
                verdict: records::Verdict::FalsePositive,
                reason: "another firm: registry and address checked".into(),
                actor: "rita".into(),
                screening_record: None,
                list_snapshot: None,
                transaction_id: None,
                country: None,
                entry_hash: None,
            })
            .expect("review");
    }
    drop(store);
    let (code, out, err) = run(ace(d.path()).args(args(name)));
    assert_eq!(
        code, 0,
        "released by the recorded false positives: {out}{err}"
    );
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["outcome"], "ACE");
    let resolved = &v["screening"]["parties"][0]["resolved"];
    assert_eq!(resolved.as_array().map(Vec::len), Some(holds.len()), "{v}");
    let (code, out, _) = run(ace(d.path()).args(args(name)).arg("--no-reviews"));
    assert_eq!(code, 5, "--no-reviews ignores them: {out}");
}
