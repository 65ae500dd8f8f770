//! Every `ace …` command of README.md runs as written, in the README's order, from a
//! directory holding a copy of `examples/` and the official list files the README
//! imports (the bundled copies stand in for the downloads), against the built binary.
//! Each command's exit code is checked; a command added to the README without an
//! expected exit code here fails the test, so the README cannot drift from what runs.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The README's commands (comment stripped) and the exit code each must give.
const EXPECTED: &[(&str, i32)] = &[
    ("ace check --eccn 4D004 --to Germany --end-user non_government --end-user-name \"Example GmbH\"", 0),
    ("ace check --eccn 4D004 --to CN --end-user government --as-of 2023-06-01", 3),
    ("ace check --eccn 4D004 --to IL --end-user non_government --end-user-name \"NSO Group\"", 3),
    ("ace check --eccn 4E001.c --to CN --deemed-export --as-of 2022-04-01", 0),
    ("ace check --input examples/transaction.json --json", 0),
    ("ace check --eccn 4D004 --to DE --end-user non_government --end-user-name \"Iran Air\"", 4),
    ("ace check --eccn 4D004 --to DE --end-user non_government --purchaser-country RU --intermediate \"Example Logistics,TR,forwarder\"", 5),
    ("ace check --eccn 4D004 --to CN --exporter-country DE --end-user non_government", 3),
    ("ace matrix --eccn 5A001.j --end-user government --as-of 2024-01-01", 0),
    ("ace matrix --eccn 4D004 --end-user non_government --intermediate \"Example Logistics,TR,forwarder\"", 0),
    ("ace rules show group D:5 --as-of 2024-01-01", 0),
    ("ace rules calendar --country KH", 0),
    ("ace screen \"NSO Group Technologies\" --country IL", 0),
    ("ace screen --batch examples/names.csv > hits.jsonl", 0),
    ("ace compare \"MADURO MOROS, Nicolas\" \"Nicolas Maduro\"", 0),
    ("ace lists import consolidated.json UN_consolidated.xml", 0),
    // The stand-in dpl.txt (2023-11-30, 547 names) has fewer DPL entries than the 2026 CSL
    // imported just before (1,518): the shrink guard refuses it, naming the counts.
    ("ace lists import dpl.txt", 2),
    ("ace lists import --replace-all --force consolidated.json", 0),
    ("ace lists rollback", 0),
    ("ace lists status", 0),
    ("ace classify --list-questions", 0),
    ("ace classify --answers examples/product.yaml --json > class.json && ace check --classification class.json --to DE --end-user non_government", 0),
    ("ace batch examples/batch.csv --out results.csv --record", 0),
    ("ace batch --rescreen", 0),
    ("ace records impact", 0),
    ("ace tokens create --name alice --role analyst", 0),
    ("ace tokens create --name ci --role analyst --expires 90d", 0),
    ("ace tokens rotate --name ci", 0),
    ("ace tokens revoke --name alice", 0),
    ("ace openapi > openapi.json", 0),
    ("ace records verify", 0),
    ("ace records checkpoint --checkpoint-dir checkpoints", 0),
    ("ace records verify --against checkpoints", 0),
    // The batch's records, re-made as the batch made them: every one identical (exit 0).
    ("ace records replay --all --since 2025-01-01", 0),
    ("ace records export --since 2025-01-01 --format csv > records.csv", 0),
];

/// README commands not run here, and why.
const NOT_RUN: &[(&str, &str)] = &[
    ("ace classify", "interactive: it asks on the terminal"),
    (
        "ace serve --listen 127.0.0.1:8080",
        "a server: runs until stopped (tests/server_records.rs runs it)",
    ),
    (
        "ace serve --database postgres://user@host/db",
        "needs a PostgreSQL server at that address",
    ),
];

/// Official list files the README imports by name, and the bundled copy standing in.
const LIST_FILES: &[(&str, &str)] = &[
    (
        "consolidated.json",
        "data/lists/csl/consolidated_2026-07-31.json",
    ),
    ("UN_consolidated.xml", "data/lists/un/UN_consolidated.xml"),
    ("dpl.txt", "data/lists/bis_dpl/dpl.txt"),
];

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The commands of the README's `sh` blocks that start with `ace` (or run it through
/// `cargo run ... --bin ace --`), continuation lines joined, comments stripped.
fn readme_commands() -> Vec<String> {
    let text = std::fs::read_to_string(repo().join("README.md")).expect("README.md");
    let mut commands = Vec::new();
    let mut in_sh = false;
    let mut pending = String::new();
    for line in text.lines() {
        if line.starts_with("```") {
            in_sh = line.trim() == "```sh";
            continue;
        }
        if !in_sh {
            continue;
        }
        let code = match line.find(" #") {
            Some(i) => &line[..i],
            None => line,
        };
        pending.push_str(code.trim_end());
        if let Some(stripped) = pending.strip_suffix('\\') {
            pending = format!("{} ", stripped.trim_end());
            continue;
        }
        let command = std::mem::take(&mut pending);
        let command = command.split_whitespace().collect::<Vec<_>>().join(" ");
        let command = command
            .strip_prefix("cargo run --release --bin ace -- ")
            .map(|rest| format!("ace {rest}"))
            .unwrap_or(command);
        if command.starts_with("ace ") || command == "ace" {
            commands.push(command);
        }
    }
    commands
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        std::fs::copy(entry.path(), to.join(entry.file_name())).expect("copy");
    }
}

#[test]
fn every_readme_command_runs_as_written() {
    let commands = readme_commands();
    assert!(commands.len() >= 25, "{commands:#?}");
    for (expected, _) in EXPECTED {
        assert!(
            commands.iter().any(|c| c == expected),
            "no longer in the README (remove it here): {expected}"
        );
    }
    let cwd = std::env::temp_dir().join(format!("ace-readme-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&cwd);
    copy_dir(&repo().join("examples"), &cwd.join("examples"));
    for (name, bundled) in LIST_FILES {
        std::fs::copy(repo().join(bundled), cwd.join(name)).expect("list file");
    }
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_ace"));
    let bin_dir = bin.parent().expect("bin dir");
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut failures = Vec::new();
    for command in &commands {
        if let Some((_, why)) = NOT_RUN.iter().find(|(c, _)| c == command) {
            eprintln!("not run: {command} ({why})");
            continue;
        }
        let Some((_, code)) = EXPECTED.iter().find(|(c, _)| c == command) else {
            failures.push(format!(
                "{command}: new in the README: add its exit code to EXPECTED"
            ));
            continue;
        };
        let out = Command::new("sh")
            .arg("-c")
            .arg(command)
            .current_dir(&cwd)
            .env("PATH", &path)
            .env("ACE_DATA_DIR", cwd.join("data"))
            .env_remove("ACE_RULES_DIR")
            .env_remove("ACE_DATABASE")
            .output()
            .expect("sh runs");
        let got = out.status.code().unwrap_or(-1);
        let err = String::from_utf8_lossy(&out.stderr);
        if got != *code || err.contains("panicked") {
            failures.push(format!("{command}: exit {got}, expected {code}: {err}"));
        }
    }
    // What the redirections wrote.
    let hits = std::fs::read_to_string(cwd.join("hits.jsonl")).unwrap_or_default();
    let results = std::fs::read_to_string(cwd.join("results.csv")).unwrap_or_default();
    let records = std::fs::read_to_string(cwd.join("records.csv")).unwrap_or_default();
    let _ = std::fs::remove_dir_all(&cwd);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(
        hits.lines().count(),
        5,
        "one line per name of examples/names.csv: {hits}"
    );
    assert!(hits.contains("NSO"), "{hits}");
    assert!(results.starts_with("line,id,outcome"), "{results}");
    assert!(records.lines().count() > 1, "{records}");
}
