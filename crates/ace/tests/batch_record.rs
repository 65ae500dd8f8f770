//! `ace batch --record`: idempotent re-runs, crash safety (SIGKILL mid-run), and
//! `--rescreen` after a list change.

use assert_cmd::Command;
use std::path::{Path, PathBuf};
use std::time::Duration;

struct Dir(PathBuf);

impl Dir {
    fn new(tag: &str) -> Dir {
        let p = std::env::temp_dir().join(format!("ace-batchrec-{tag}-{}", std::process::id()));
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

fn ace(d: &Dir) -> Command {
    let mut c = Command::cargo_bin("ace").expect("binary");
    c.env("ACE_DATA_DIR", &d.0).env_remove("ACE_RULES_DIR");
    c
}

/// Runs `cmd`; its output, once it has exited successfully (else its stderr is the failure).
fn succeeds(cmd: &mut Command) -> std::process::Output {
    let out = cmd.output().expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn store(d: &Dir) -> Box<dyn records::RecordStore> {
    records::open(&d.0.join("records.sqlite3").to_string_lossy()).expect("store")
}

/// A CSV of `n` transactions, every one with an id and a named end user.
fn transactions(path: &Path, n: usize) {
    let mut s = String::from("id,date,eccn,destination,end_user_name,end_user_kind\n");
    let dests = ["DE", "CN", "IL", "JP", "BR", "CA"];
    for i in 0..n {
        s.push_str(&format!(
            "t{i},2023-06-01,4D004,{},Company {i} Ltd,non_government\n",
            dests[i % dests.len()]
        ));
    }
    std::fs::write(path, s).expect("write");
}

#[test]
fn rerunning_a_recorded_batch_records_nothing_twice() {
    let d = Dir::new("idem");
    let file = d.0.join("tx.csv");
    transactions(&file, 200);
    for _ in 0..2 {
        succeeds(
            ace(&d)
                .arg("batch")
                .arg(&file)
                .arg("--record")
                .arg("--out")
                .arg(d.0.join("out.jsonl")),
        );
    }
    let s = store(&d);
    assert_eq!(s.count().expect("count"), 200);
    assert!(s.verify().expect("verify").ok);
}

#[test]
fn a_batch_killed_mid_run_leaves_a_valid_chain_and_restarts_cleanly() {
    let d = Dir::new("kill");
    let file = d.0.join("tx.csv");
    let n = 12_000;
    transactions(&file, n);
    let bin = assert_cmd::cargo::cargo_bin("ace");
    let mut child = std::process::Command::new(&bin)
        .env("ACE_DATA_DIR", &d.0)
        .args(["batch", "--no-screen", "--record", "--out"])
        .arg(d.0.join("out.jsonl"))
        .arg(&file)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    // Kill once some chunks are durable but (very likely) before the run ends.
    let db = d.0.join("records.sqlite3");
    let start = std::time::Instant::now();
    while start.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(100));
        if db.exists() && store(&d).count().unwrap_or(0) > 0 {
            break;
        }
    }
    child.kill().expect("SIGKILL");
    let _ = child.wait();
    let before = store(&d).count().expect("count");
    let report = store(&d).verify().expect("verify");
    assert!(
        report.ok,
        "chain broken after SIGKILL: {:?}",
        report.first_broken
    );
    assert!(before > 0, "nothing was recorded before the kill");

    succeeds(
        ace(&d)
            .args(["batch", "--no-screen", "--record", "--out"])
            .arg(d.0.join("out.jsonl"))
            .arg(&file),
    );
    let s = store(&d);
    assert_eq!(
        s.count().expect("count"),
        n as u64,
        "every transaction recorded exactly once after the restart"
    );
    assert!(s.verify().expect("verify").ok);
}

#[test]
fn rescreen_reports_determinations_an_entity_list_change_would_change() {
    let d = Dir::new("rescreen");
    let file = d.0.join("tx.csv");
    std::fs::write(&file, "id,date,eccn,destination,end_user_name,end_user_kind\nnso,2023-06-01,4D004,IL,NSO Group,non_government\nacme,2023-06-01,4D004,DE,Acme Widgets GmbH,non_government\n").expect("write");
    succeeds(ace(&d).arg("batch").arg(&file).arg("--record"));
    // Nothing changed yet.
    let out = ace(&d)
        .args(["batch", "--rescreen"])
        .output()
        .expect("rescreen");
    assert!(out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stdout).trim().is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // A snapshot without the Entity List: NSO Group's determination would change.
    let un =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/lists/un/UN_consolidated.xml");
    succeeds(
        ace(&d)
            .args(["lists", "import", "--replace-all", "--force"])
            .arg(&un),
    );
    let out = ace(&d)
        .args(["batch", "--rescreen"])
        .output()
        .expect("rescreen");
    let text = String::from_utf8_lossy(&out.stdout);
    let changes: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("jsonl"))
        .collect();
    assert_eq!(changes.len(), 1, "{text}");
    assert_eq!(changes[0]["transaction_id"], "nso");
    assert_eq!(changes[0]["recorded_outcome"], "LICENSE_REQUIRED");
    assert_eq!(changes[0]["outcome_now"], "ACE");
}

#[test]
fn rescreen_keeps_a_membership_the_row_declared_with_a_score() {
    let d = Dir::new("declared");
    let file = d.0.join("tx.jsonl");
    // No list names this company: only the row says it is on the Entity List (with a score
    // copied from some earlier answer). Re-screening must not drop that and answer ACE.
    std::fs::write(
        &file,
        r#"{"id":"declared","date":"2023-06-01","item":{"eccn":"4D004"},"destination":"DE","end_user":{"name":"Quorvanta Widgets GmbH","kind":"non_government","lists":[{"list":"EL","id":"row-1","score":0.93}]}}"#,
    )
    .expect("write");
    succeeds(ace(&d).arg("batch").arg(&file).arg("--record"));
    let recorded = store(&d)
        .list(&records::Filter::default())
        .expect("records");
    let outcome = recorded.iter().find_map(|r| {
        r.output
            .pointer("/determination/outcome")?
            .as_str()
            .map(str::to_string)
    });
    assert_eq!(outcome.as_deref(), Some("LICENSE_REQUIRED"), "{recorded:?}");
    let out = succeeds(ace(&d).args(["batch", "--rescreen"]));
    assert!(
        String::from_utf8_lossy(&out.stdout).trim().is_empty(),
        "nothing changed, yet: {}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// The check a determination carries when its date is before the screening snapshot's
/// publication (decide::as_of): no snapshot covers that date.
const COVERAGE_CHECK: &str = "a list snapshot covers the as-of date";

/// The `check` of every finding in a determination's trace.
fn checks(determination: &serde_json::Value) -> Vec<String> {
    determination["trace"]
        .as_array()
        .expect("a trace")
        .iter()
        .filter_map(|f| f["check"].as_str().map(str::to_string))
        .collect()
}

#[test]
fn a_row_dated_before_the_snapshot_is_answered_as_ace_check_answers_it() {
    let d = Dir::new("asof");
    let file = d.0.join("tx.csv");
    // Long before the bundled snapshot was published.
    std::fs::write(
        &file,
        "id,date,eccn,destination,end_user_name,end_user_kind\n\
         old-1,2022-06-01,4D004,DE,Example GmbH,non_government\n",
    )
    .expect("write");
    succeeds(
        ace(&d)
            .args(["batch", "--record", "--out"])
            .arg(d.0.join("out.jsonl"))
            .arg(&file),
    );
    let record = store(&d).get(1).expect("get").expect("the row's record");
    let batch = &record.output["determination"];

    let check = ace(&d)
        .args([
            "check",
            "--json",
            "--as-of",
            "2022-06-01",
            "--eccn",
            "4D004",
            "--to",
            "DE",
            "--end-user",
            "non_government",
            "--end-user-name",
            "Example GmbH",
        ])
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&check.stdout);
    let answer: serde_json::Value = serde_json::from_str(&text).expect("check --json");
    let single = answer.get("determination").unwrap_or(&answer);

    assert!(checks(single).iter().any(|c| c == COVERAGE_CHECK), "{text}");
    assert_eq!(
        checks(batch),
        checks(single),
        "the same checks, in the same order"
    );
    assert_eq!(batch["unverified"], single["unverified"]);
    assert_eq!(batch["unverified"], serde_json::json!(true));
    assert_eq!(batch["outcome"], single["outcome"]);
    // The results row says it too.
    let results = std::fs::read_to_string(d.0.join("out.jsonl")).expect("results");
    let row: serde_json::Value =
        serde_json::from_str(results.lines().next().expect("a row")).expect("JSON row");
    assert_eq!(row["unverified"], serde_json::json!(true), "{results}");
    let csv = d.0.join("out.csv");
    succeeds(ace(&d).args(["batch", "--out"]).arg(&csv).arg(&file));
    let text = std::fs::read_to_string(&csv).expect("CSV results");
    let mut lines = text.lines();
    assert!(
        lines.next().is_some_and(|h| h.ends_with(",unverified")),
        "{text}"
    );
    assert!(lines.next().is_some_and(|r| r.ends_with(",true")), "{text}");
}
