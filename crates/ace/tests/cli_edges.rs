//! The command line at its edges (issue 13, item 7): closed pipes, trailing content,
//! repeated CSV columns, CRLF line numbers, --strict's results file, a mistyped record
//! store, dates after today, the classification question ids.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A data directory (and scratch space) of its own, removed afterwards.
struct Dir(PathBuf);

impl Dir {
    fn new(tag: &str) -> Dir {
        let p = std::env::temp_dir().join(format!("ace-edges-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).expect("temp dir");
        Dir(p)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    fn write(&self, name: &str, content: &str) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, content).expect("write");
        p
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn ace(d: &Dir) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ace"));
    c.env("ACE_DATA_DIR", d.path("data"))
        .env_remove("ACE_RULES_DIR")
        .env_remove("ACE_DATABASE");
    c
}

/// Exit code, standard output, standard error.
fn run(c: &mut Command) -> (i32, String, String) {
    let out = c.output().expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

/// Runs `c` with its standard output read by a reader that takes `keep` bytes and goes
/// away (as `| head -c` does); returns the exit code, the bytes read and standard error.
fn run_into_closed_pipe(c: &mut Command, keep: usize) -> (i32, Vec<u8>, String) {
    let mut child = c
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawns");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut head = vec![0u8; keep];
    stdout.read_exact(&mut head).expect("the first bytes");
    drop(stdout);
    let out = child.wait_with_output().expect("ends");
    (
        out.status.code().unwrap_or(-1),
        head,
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[test]
fn a_closed_pipe_ends_ace_quietly_with_status_0() {
    let d = Dir::new("pipe");
    // More output than a pipe holds (64 KiB), so ace is still writing when the reader
    // goes: through println! (matrix), a BufWriter (screen --batch), csv::Writer (batch).
    let names: String = (0..4000).map(|i| format!("Example Name {i}\n")).collect();
    let names = d.write("names.txt", &names);
    let rows: String = std::iter::once("id,eccn,destination,end_user_kind\n".to_string())
        .chain((0..3000).map(|i| format!("tx-{i},4D004,DE,non_government\n")))
        .collect();
    let rows = d.write("rows.csv", &rows);
    let commands: Vec<Vec<&str>> = vec![
        vec![
            "matrix",
            "--eccn",
            "4D004",
            "--end-user",
            "government",
            "--json",
        ],
        vec!["screen", "--batch", names.to_str().expect("utf-8")],
        vec![
            "batch",
            rows.to_str().expect("utf-8"),
            "--no-screen",
            "--out-format",
            "csv",
        ],
    ];
    for args in commands {
        let (code, full, _) = run(ace(&d).args(&args));
        assert_eq!(code, 0, "{args:?}");
        assert!(
            full.len() > 70_000,
            "{args:?}: {} bytes do not outlast the pipe's buffer",
            full.len()
        );
        let (code, head, err) = run_into_closed_pipe(ace(&d).args(&args), 100);
        assert_eq!(&head[..], &full.as_bytes()[..100], "{args:?}");
        assert_eq!(code, 0, "{args:?}: a closed pipe is not a failure: {err}");
        assert!(
            !err.contains("panicked") && !err.contains("Broken pipe"),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn check_input_refuses_content_after_the_document() {
    let d = Dir::new("trailing");
    let one = r#"{"item":{"eccn":"4D004"},"destination":"DE","end_user":{"kind":"non_government"},"date":"2024-03-01"}"#;
    let (code, _, err) = run(ace(&d)
        .args(["check", "--no-screen", "--input"])
        .arg(d.write("two.json", &format!("{one}\n{one}\n"))));
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("(document)") && err.contains("line 2 column 1") && err.contains("{\"item\""),
        "names what was found and where: {err}"
    );
    let (code, _, err) = run(ace(&d)
        .args(["check", "--no-screen", "--input"])
        .arg(d.write("junk.json", &format!("{one}  xyz"))));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("`xyz`") && err.contains("line 1"), "{err}");
    // Whitespace after the document is fine.
    let (code, out, err) = run(ace(&d)
        .args(["check", "--no-screen", "--input"])
        .arg(d.write("one.json", &format!("{one}\n\n  \n"))));
    assert_eq!(code, 0, "{out}{err}");
}

#[test]
fn a_csv_column_given_twice_is_refused_naming_it() {
    let d = Dir::new("dup");
    let tx = d.write(
        "tx.csv",
        "id,destination,eccn,end_user_kind,destination\ntx-1,DE,4D004,government,CN\n",
    );
    let (code, out, err) = run(ace(&d).args(["batch", "--no-screen"]).arg(&tx));
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("destination") && err.contains("twice") && err.contains("columns 2 and 5"),
        "{err}"
    );
    assert!(out.is_empty(), "nothing decided: {out}");

    let names = d.write("names.csv", "name,country,Name\nExample GmbH,DE,Other\n");
    let (code, out, err) = run(ace(&d).args(["screen", "--batch"]).arg(&names));
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("`name`") && err.contains("twice"), "{err}");

    let pairs = d.write("pairs.csv", "name1,name2,name2\nA,B,C\n");
    let (code, out, err) = run(ace(&d).args(["compare", "--batch"]).arg(&pairs));
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("`name2`") && err.contains("twice"), "{err}");
}

/// The line numbers `ace batch` gives each row of `content`.
fn batch_lines(d: &Dir, name: &str, content: &str) -> Vec<(u64, String)> {
    let file = d.write(name, content);
    let (code, out, err) = run(ace(d).args(["batch", "--no-screen"]).arg(file));
    assert_eq!(code, 0, "{err}");
    out.lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("JSON line");
            (
                v["line"].as_u64().unwrap_or(0),
                v["outcome"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

#[test]
fn crlf_files_get_the_line_numbers_of_the_file() {
    let d = Dir::new("crlf");
    let lf = "id,eccn,destination,end_user_kind\ntx-1,4D004,DE,non_government\ntx-2,4D004,XX,non_government\n\"tx-3\nsecond line\",4D004,DE,non_government\ntx-4,4D004,XX,non_government\n";
    let expected = vec![
        (2, "ACE".to_string()),
        (3, "REJECTED".to_string()),
        (4, "ACE".to_string()),
        (6, "REJECTED".to_string()),
    ];
    assert_eq!(batch_lines(&d, "lf.csv", lf), expected);
    assert_eq!(
        batch_lines(&d, "crlf.csv", &lf.replace('\n', "\r\n")),
        expected
    );
    let jsonl = "{\"item\":{\"eccn\":\"4D004\"},\"destination\":\"DE\"}\r\n\r\n{\"item\":{\"eccn\":\"4D004\"},\"destination\":\"XX\"}\r\n";
    let lines: Vec<u64> = batch_lines(&d, "crlf.jsonl", jsonl)
        .into_iter()
        .map(|(l, _)| l)
        .collect();
    assert_eq!(lines, vec![1, 3]);
}

/// The files in `dir` (names).
fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn batch_strict_leaves_no_results_file_when_it_stops() {
    let d = Dir::new("strict");
    let out = d.path("out");
    std::fs::create_dir_all(&out).expect("out dir");
    // Enough good rows before the bad one that results were written before it stops.
    let mut rows = String::from("id,eccn,destination,end_user_kind\n");
    for i in 0..2000 {
        rows.push_str(&format!("tx-{i},4D004,DE,non_government\n"));
    }
    rows.push_str("bad,4D004,XX,non_government\n");
    let input = d.write("rows.csv", &rows);
    for results in ["results.csv", "results.jsonl"] {
        let (code, _, err) = run(ace(&d)
            .args(["batch", "--no-screen", "--strict", "--out"])
            .arg(out.join(results))
            .arg(&input));
        assert_eq!(code, 2, "{err}");
        assert!(
            err.contains("line 2002") && err.contains("--strict"),
            "{err}"
        );
        assert!(
            files_in(&out).is_empty(),
            "a stopped run leaves nothing: {:?}",
            files_in(&out)
        );
    }
    // A complete run leaves the results under their name, and nothing else.
    let good = d.write(
        "good.csv",
        "id,eccn,destination,end_user_kind\ntx,4D004,DE,non_government\n",
    );
    let (code, _, err) = run(ace(&d)
        .args(["batch", "--no-screen", "--strict", "--out"])
        .arg(out.join("results.csv"))
        .arg(&good));
    assert_eq!(code, 0, "{err}");
    assert_eq!(files_in(&out), vec!["results.csv".to_string()]);
    let text = std::fs::read_to_string(out.join("results.csv")).expect("results");
    assert!(
        text.starts_with("line,id,outcome") && text.contains("tx,ACE"),
        "{text}"
    );
}

#[test]
fn read_only_record_commands_refuse_a_missing_database() {
    let d = Dir::new("records");
    let missing = d.path("mistyped.sqlite3");
    let shown = missing.display().to_string();
    for args in [
        vec!["records", "verify"],
        vec!["records", "list"],
        vec!["records", "show", "1"],
        vec!["records", "export"],
        vec!["tokens", "list"],
        vec!["batch", "--rescreen"],
    ] {
        let (code, out, err) = run(ace(&d).args(&args).arg("--database").arg(&missing));
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        assert!(
            err.contains("--database") && err.contains(&shown),
            "{args:?} names the flag and the path: {err}"
        );
        assert!(!out.contains("ok"), "{args:?}: {out}");
        assert!(!missing.exists(), "{args:?} created {shown}");
    }
    // The default store, never written to: refused too, naming where it looked.
    let (code, _, err) = run(ace(&d).args(["records", "verify"]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("records.sqlite3"), "{err}");
    assert!(!d.path("data").join("records.sqlite3").exists());
    // Once something is recorded, verify reads it.
    let (code, _, err) = run(ace(&d)
        .args([
            "tokens",
            "create",
            "--name",
            "alice",
            "--role",
            "analyst",
            "--database",
        ])
        .arg(&missing));
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = run(ace(&d)
        .args(["records", "verify", "--database"])
        .arg(&missing));
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("ok"), "{out}");
}

#[test]
fn dates_after_today_are_refused_unless_allowed() {
    let d = Dir::new("future");
    let today = chrono_today();
    let flagged: Vec<Vec<&str>> = vec![
        vec![
            "check",
            "--eccn",
            "4D004",
            "--to",
            "DE",
            "--end-user",
            "non_government",
        ],
        vec!["matrix", "--eccn", "4D004", "--end-user", "government"],
        vec!["rules", "show", "group", "D:5"],
    ];
    for args in &flagged {
        let (code, out, err) = run(ace(&d).args(args).args(["--as-of", "9999-12-31"]));
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        assert!(
            err.contains("--as-of") && err.contains("--allow-future") && err.contains(&today),
            "{args:?} names the flag and today's date: {err}"
        );
        let (code, out, err) =
            run(ace(&d)
                .args(args)
                .args(["--as-of", "9999-12-31", "--allow-future"]));
        assert!(code == 0, "{args:?} with --allow-future: {out}{err}");
        let (code, out, err) = run(ace(&d).args(args).args(["--as-of", &today]));
        assert!(code == 0, "{args:?} today is not the future: {out}{err}");
    }
    let doc = d.write(
        "future.json",
        r#"{"item":{"eccn":"4D004"},"destination":"DE","end_user":{"kind":"non_government"},"date":"9999-12-31"}"#,
    );
    let (code, _, err) = run(ace(&d).args(["check", "--no-screen", "--input"]).arg(&doc));
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("date:") && err.contains("--allow-future") && err.contains(&today),
        "{err}"
    );
    let (code, out, err) = run(ace(&d)
        .args(["check", "--no-screen", "--allow-future", "--input"])
        .arg(&doc));
    assert_eq!(code, 0, "{out}{err}");
}

/// Today (UTC) as YYYY-MM-DD, as ace sees it.
fn chrono_today() -> String {
    chrono::Utc::now().date_naive().to_string()
}

#[test]
fn classify_lists_every_question_id_with_text_and_answers() {
    let d = Dir::new("questions");
    let (code, out, err) = run(ace(&d).args(["classify", "--list-questions"]));
    assert_eq!(code, 0, "{err}");
    let (code, json, err) = run(ace(&d).args(["classify", "--list-questions", "--json"]));
    assert_eq!(code, 0, "{err}");
    let questions: Vec<serde_json::Value> = serde_json::from_str(&json).expect("JSON");
    assert!(questions.len() > 10, "{json}");
    for q in &questions {
        let id = q["id"].as_str().expect("id");
        let text = q["text"].as_str().expect("text");
        let block: Vec<&str> = out
            .split("\n\n")
            .filter(|b| b.starts_with(&format!("{id}\n")))
            .collect();
        assert_eq!(block.len(), 1, "{id} listed once: {out}");
        let block = block[0];
        assert!(block.contains(text), "{id}: its text: {block}");
        match q["kind"].as_str() {
            Some("yes_no") => assert!(
                block.contains("accepted: true (yes) or false (no)"),
                "{block}"
            ),
            _ => {
                for o in q["options"].as_array().expect("options") {
                    let option = o["id"].as_str().expect("option id");
                    assert!(
                        block.contains(&format!("    {option} ")),
                        "{id}: {option}: {block}"
                    );
                }
            }
        }
    }
    // The ids listed are the ones an answers file takes.
    let (code, _, err) = run(ace(&d)
        .args(["classify", "--answers"])
        .arg(d.write("a.yaml", "item_type: software\nno_such_question: true\n")));
    assert_ne!(code, 0);
    assert!(err.contains("no_such_question"), "{err}");
}
