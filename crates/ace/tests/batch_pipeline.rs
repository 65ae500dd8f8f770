//! `ace batch` as a pipeline (issue 14): the input is streamed (peak memory does not grow
//! with the file), results and records come in input order whatever the number of
//! threads, the screening memo changes no result, and bad rows keep their line numbers.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

struct Dir(PathBuf);

impl Dir {
    fn new(tag: &str) -> Dir {
        let p = std::env::temp_dir().join(format!("ace-pipeline-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).expect("temp dir");
        Dir(p)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn ace(d: &Dir) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ace"));
    c.env("ACE_DATA_DIR", &d.0)
        .env_remove("ACE_RULES_DIR")
        .stdin(Stdio::null());
    c
}

fn run(c: &mut Command) -> Output {
    let out = c.output().expect("ace runs");
    assert!(
        out.status.success(),
        "ace failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

const HEADER: &str = "id,date,eccn,destination,end_user_name,end_user_kind\n";

/// Names that recur, listed ones among them, some in other cases and spacing.
const NAMES: &[&str] = &[
    "NSO Group",
    "nso  group",
    "Positive Technologies",
    "POSITIVE TECHNOLOGIES",
    "Huawei Technologies Co Ltd",
    "Banco Nacional de Cuba",
    "Nordic Data GmbH",
    "Atlas Networks Ltd",
    "Anna Smith",
    "Omar Haddad",
    "Rosoboronexport",
    "Cedar Labs Inc",
];

const DESTS: &[&str] = &["DE", "CN", "IL", "RU", "JP", "CU", "AE"];

/// A CSV of `n` transactions with recurring names.
fn transactions(path: &Path, n: usize) {
    let mut s = String::from(HEADER);
    for i in 0..n {
        let kind = if i % 5 == 0 {
            "government"
        } else {
            "non_government"
        };
        s.push_str(&format!(
            "t{i},2024-06-01,4D004,{},\"{}\",{kind}\n",
            DESTS[i % DESTS.len()],
            NAMES[(i * 7) % NAMES.len()]
        ));
    }
    std::fs::write(path, s).expect("write");
}

fn json_lines(out: &[u8]) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(out)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

#[test]
fn results_come_in_input_order_with_several_threads() {
    let d = Dir::new("order");
    let file = d.path("tx.csv");
    // Several jobs' worth of rows, so that workers finish out of order.
    transactions(&file, 3000);
    let many = run(ace(&d).arg("batch").arg(&file).args(["--threads", "4"]));
    let one = run(ace(&d).arg("batch").arg(&file).args(["--threads", "1"]));
    let rows = json_lines(&many.stdout);
    assert_eq!(rows.len(), 3000);
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row["line"], i + 2, "row {i}: {row}");
        assert_eq!(row["id"], format!("t{i}"), "row {i}: {row}");
    }
    assert_eq!(
        String::from_utf8_lossy(&many.stdout),
        String::from_utf8_lossy(&one.stdout),
        "four threads and one give the same output"
    );
}

#[test]
fn the_memo_changes_no_outcome_citation_or_hit() {
    let d = Dir::new("memo");
    let file = d.path("tx.csv");
    transactions(&file, 1500);
    let memo = run(ace(&d).arg("batch").arg(&file).args(["--threads", "2"]));
    let fresh = run(ace(&d)
        .arg("batch")
        .arg(&file)
        .args(["--threads", "2", "--no-memo"]));
    let (memo, fresh) = (json_lines(&memo.stdout), json_lines(&fresh.stdout));
    assert_eq!(memo.len(), 1500);
    assert_eq!(memo, fresh, "with and without the memo");
    // The file exercises the memo: listed names hit, and more than one outcome.
    let hits = memo
        .iter()
        .filter(|r| r["hits"].as_array().is_some_and(|h| !h.is_empty()))
        .count();
    assert!(hits > 100, "{hits} rows with hits");
    let outcomes: std::collections::BTreeSet<_> =
        memo.iter().map(|r| r["outcome"].to_string()).collect();
    assert!(outcomes.len() >= 3, "{outcomes:?}");
}

#[test]
fn bad_rows_anywhere_in_the_stream_keep_their_line_numbers() {
    let d = Dir::new("bad");
    let file = d.path("tx.csv");
    let mut s = String::from(HEADER);
    let mut bad_lines = Vec::new();
    for i in 0..2000 {
        let line = i + 2;
        match i % 331 {
            7 => {
                s.push_str(&format!(
                    "t{i},2024-06-01,4D004,Atlantis,Acme Ltd,non_government\n"
                ));
                bad_lines.push(line);
            }
            11 => {
                s.push_str(&format!("t{i},2024-06-01,4D004\n"));
                bad_lines.push(line);
            }
            _ => s.push_str(&format!(
                "t{i},2024-06-01,4D004,DE,Company {} GmbH,non_government\n",
                i % 50
            )),
        }
    }
    std::fs::write(&file, s).expect("write");
    let out = run(ace(&d).arg("batch").arg(&file).args(["--threads", "3"]));
    let rows = json_lines(&out.stdout);
    assert_eq!(rows.len(), 2000, "no row is lost");
    let rejected: Vec<u64> = rows
        .iter()
        .filter(|r| r["outcome"] == "REJECTED")
        .map(|r| r["line"].as_u64().expect("line"))
        .collect();
    let expected: Vec<u64> = bad_lines.iter().map(|&l| l as u64).collect();
    assert_eq!(rejected, expected);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("line {}:", bad_lines[0])), "{err}");
    assert!(err.contains("Atlantis"), "{err}");
    assert!(err.contains("3 fields where the header has 6"), "{err}");

    // JSON Lines: a line that is not JSON, one that is not UTF-8, blank lines skipped.
    let jsonl = d.path("tx.jsonl");
    let mut bytes = Vec::new();
    for i in 0..600 {
        match i {
            300 => bytes.extend_from_slice(b"{not json\n"),
            400 => bytes.extend_from_slice(b"{\"destination\": \"\xff\xfe\"}\n"),
            500 => bytes.extend_from_slice(b"\r\n"),
            _ => bytes.extend_from_slice(
                format!("{{\"id\":\"j{i}\",\"item\":{{\"eccn\":\"4D004\"}},\"destination\":\"DE\",\"date\":\"2024-06-01\"}}\r\n")
                    .as_bytes(),
            ),
        }
    }
    std::fs::write(&jsonl, bytes).expect("write");
    let out = run(ace(&d).arg("batch").arg(&jsonl).args(["--threads", "2"]));
    let rows = json_lines(&out.stdout);
    assert_eq!(rows.len(), 599, "the blank line is skipped, nothing else");
    let rejected: Vec<u64> = rows
        .iter()
        .filter(|r| r["outcome"] == "REJECTED")
        .map(|r| r["line"].as_u64().expect("line"))
        .collect();
    assert_eq!(rejected, [301, 401]);
    assert_eq!(rows[598]["line"], 600);
    assert_eq!(rows[598]["id"], "j599");
}

#[test]
fn records_are_appended_in_input_order_whatever_the_threads() {
    let d = Dir::new("records");
    let file = d.path("tx.csv");
    transactions(&file, 1200);
    let out = run(ace(&d)
        .arg("batch")
        .arg(&file)
        .args(["--record", "--threads", "4"]));
    let rows = json_lines(&out.stdout);
    assert_eq!(rows.len(), 1200);
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row["record_id"], i + 1, "row {i}: {row}");
    }
    let store =
        records::open(&d.path("records.sqlite3").to_string_lossy()).expect("the record store");
    let recorded = store.list(&records::Filter::default()).expect("records");
    let ids: Vec<_> = recorded
        .iter()
        .map(|r| r.transaction_id.clone().unwrap_or_default())
        .collect();
    let expected: Vec<_> = (0..1200).map(|i| format!("t{i}")).collect();
    assert_eq!(ids, expected, "the chain holds the rows in input order");
    assert!(store.verify().expect("verify").ok);
}

/// The highest resident set size of a child, read from /proc while it runs (VmHWM only
/// grows, so the last reading is within one poll of the peak).
#[cfg(target_os = "linux")]
fn peak_rss_kb(c: &mut Command) -> u64 {
    let mut child = c
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("ace starts");
    let status = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    loop {
        if let Ok(text) = std::fs::read_to_string(&status) {
            if let Some(kb) = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            {
                peak = peak.max(kb);
            }
        }
        if child.try_wait().expect("wait").is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let out = child.wait_with_output().expect("ace ends");
    assert!(
        out.status.success(),
        "ace failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    peak
}

/// A CSV of `n` rows of about 1 KB each (long names), for a file much larger than what
/// the pipeline holds at once.
#[cfg(target_os = "linux")]
fn fat_transactions(path: &Path, n: usize) {
    use std::io::Write;
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).expect("create"));
    f.write_all(HEADER.as_bytes()).expect("write");
    let filler = "Consolidated Maritime Engineering and Logistics Holdings ".repeat(16);
    for i in 0..n {
        writeln!(
            f,
            "t{i},2024-06-01,4D004,DE,\"{filler}{}\",non_government",
            i % 1000
        )
        .expect("write");
    }
    f.flush().expect("flush");
}

#[cfg(target_os = "linux")]
#[test]
fn a_file_four_times_larger_takes_no_more_memory() {
    let d = Dir::new("stream");
    let (small, large) = (d.path("small.csv"), d.path("large.csv"));
    fat_transactions(&small, 6_000);
    fat_transactions(&large, 24_000);
    let size = |p: &Path| std::fs::metadata(p).map(|m| m.len() / 1024).unwrap_or(0);
    let grew_kb = size(&large) - size(&small);
    assert!(grew_kb > 16_000, "the larger file is {grew_kb} KB larger");
    let peak = |file: &Path| {
        peak_rss_kb(
            ace(&d)
                .arg("batch")
                .arg(file)
                .args(["--no-screen", "--threads", "2", "--out"])
                .arg(d.path("out.jsonl")),
        )
    };
    let (p_small, p_large) = (peak(&small), peak(&large));
    // Reading the whole file, or a chunk of 50,000 rows, would add ~60 MB (the file and
    // its parsed rows); streaming holds a few thousand rows whatever the file's size.
    assert!(
        p_large < p_small + 12 * 1024,
        "peak RSS {p_small} KB for {} KB of input, {p_large} KB for {} KB",
        size(&small),
        size(&large)
    );
}
