//! List updates are all-or-nothing: truncated, malformed, empty and duplicated-id files
//! are refused with a message naming the file, and the active snapshot stays as it was.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn ace(data: &Path) -> Command {
    let mut c = Command::cargo_bin("ace").expect("binary");
    c.env("ACE_DATA_DIR", data);
    c
}

fn active_hash(data: &Path) -> String {
    let out = ace(data)
        .args(["lists", "status", "--json"])
        .output()
        .expect("status");
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    v["active"]["hash"].as_str().expect("hash").to_string()
}

/// The first data record of a CSL CSV, re-written as one CSV line.
fn first_record(csv_text: &str) -> String {
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let record = reader.records().next().expect("row").expect("csv");
    write_record(record.iter().map(str::to_string).collect())
}

/// The same CSL row with another name in its `name` column (the sixth).
fn renamed(row: &str) -> String {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(row.as_bytes());
    let record = reader.records().next().expect("row").expect("csv");
    let mut fields: Vec<String> = record.iter().map(str::to_string).collect();
    fields[5] = "A Completely Different Party".into();
    write_record(fields)
}

fn write_record(fields: Vec<String>) -> String {
    let mut w = csv::WriterBuilder::new()
        .quote_style(csv::QuoteStyle::Always)
        .from_writer(vec![]);
    w.write_record(&fields).expect("write");
    String::from_utf8(w.into_inner().expect("flush"))
        .expect("utf8")
        .trim_end()
        .to_string()
}

fn lists_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/lists")
}

#[test]
fn bad_list_files_are_refused_and_the_active_snapshot_is_unchanged() {
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path();
    let good = lists_dir().join("csl/consolidated_sample_2025-06.csv");
    // The 13-row sample is far smaller than the bundled lists it replaces: forced.
    let out = ace(data)
        .args(["lists", "import", "--replace-all", "--force"])
        .arg(&good)
        .output()
        .expect("import");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let before = active_hash(data);

    let sample = std::fs::read_to_string(&good).expect("sample");
    let header = sample.lines().next().expect("header").to_string();
    let first_row = first_record(&sample);
    let cases: Vec<(&str, String)> = vec![
        ("truncated.csv", sample[..sample.len() * 2 / 3].to_string()),
        (
            "malformed.csv",
            format!("{header}\n\"only\",\"three\",\"fields\"\n"),
        ),
        ("empty.csv", format!("{header}\n")),
        // The official files repeat an id for the same party at several addresses (merged);
        // the same id naming two different parties is a corrupt or poisoned file.
        (
            "duplicated.csv",
            format!("{header}\n{first_row}\n{}\n", renamed(&first_row)),
        ),
        ("garbage.json", "{\"results\": [ {\"name\": 42 ".to_string()),
    ];
    for (name, content) in cases {
        let file = data.join(name);
        std::fs::write(&file, &content).expect("write");
        let out = ace(data)
            .args(["lists", "import"])
            .arg(&file)
            .output()
            .expect("import");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {err}");
        assert!(
            err.contains(name) && err.contains("active snapshot is unchanged"),
            "{name}: {err}"
        );
        assert_eq!(
            active_hash(data),
            before,
            "{name} changed the active snapshot"
        );
    }
    // A good file together with a bad one is refused as a whole.
    let bad = data.join("malformed.csv");
    let out = ace(data)
        .args(["lists", "import"])
        .arg(lists_dir().join("bis_dpl/dpl.txt"))
        .arg(&bad)
        .output()
        .expect("import");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(active_hash(data), before);
}
