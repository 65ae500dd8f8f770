//! Regulatory scenarios as data: every file in tests/scenarios/ holds `[[scenario]]`s
//! with an input transaction, the expected outcome (or the field a bad input must name),
//! and the citations that must hold in the trace. A compliance reviewer can read and add
//! them without writing Rust.

use decide::{decide, Outcome, TransactionInput};
use ear::{parse_date, Law};
use serde::Deserialize;
use std::path::Path;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    scenario: Vec<Scenario>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Scenario {
    name: String,
    note: String,
    input: toml::Value,
    #[serde(default)]
    outcome: Option<String>,
    /// Citations (substrings) that must appear in findings that held.
    #[serde(default)]
    held: Vec<String>,
    /// Citations (substrings) that must appear in findings that did not hold.
    #[serde(default)]
    not_held: Vec<String>,
    /// For bad input: the field the error must name.
    #[serde(default)]
    error_field: Option<String>,
    /// For bad input: words the message must contain.
    #[serde(default)]
    error_contains: Vec<String>,
    #[serde(default)]
    unverified: Option<bool>,
    /// Words some finding's `because` must contain.
    #[serde(default)]
    because_contains: Vec<String>,
}

fn run(s: &Scenario, law: &Law) -> Result<(), String> {
    let json = serde_json::to_string(&s.input).map_err(|e| e.to_string())?;
    let today = parse_date("2026-11-22").ok_or("date")?;
    let result = decide::parse_input(&json).and_then(|input: TransactionInput| {
        let tx = input.validate(law, today)?;
        decide(&tx, law)
    });
    match (&s.error_field, result) {
        (Some(field), Err(e)) => {
            if &e.field != field {
                return Err(format!(
                    "error names field {:?}, expected {field:?}: {e}",
                    e.field
                ));
            }
            for w in &s.error_contains {
                if !e.message.contains(w.as_str()) {
                    return Err(format!("error message lacks {w:?}: {e}"));
                }
            }
            Ok(())
        }
        (Some(field), Ok(d)) => Err(format!("expected an error on {field}, got {}", d.outcome)),
        (None, Err(e)) => Err(format!("unexpected error: {e}")),
        (None, Ok(d)) => {
            let want = s
                .outcome
                .as_deref()
                .ok_or("scenario needs `outcome` or `error_field`")?;
            let trace = || serde_json::to_string_pretty(&d.trace).unwrap_or_default();
            if d.outcome.code() != want {
                return Err(format!(
                    "outcome {} expected {want}; trace:\n{}",
                    d.outcome,
                    trace()
                ));
            }
            for c in &s.held {
                if !d
                    .trace
                    .iter()
                    .any(|f| f.held && f.citation.contains(c.as_str()))
                {
                    return Err(format!("no held finding cites {c:?}; trace:\n{}", trace()));
                }
            }
            for c in &s.not_held {
                if !d
                    .trace
                    .iter()
                    .any(|f| !f.held && f.citation.contains(c.as_str()))
                {
                    return Err(format!(
                        "no finding that did not hold cites {c:?}; trace:\n{}",
                        trace()
                    ));
                }
            }
            for w in &s.because_contains {
                if !d.trace.iter().any(|f| f.because.contains(w.as_str())) {
                    return Err(format!("no finding says {w:?}; trace:\n{}", trace()));
                }
            }
            if let Some(u) = s.unverified {
                if d.unverified != u {
                    return Err(format!(
                        "unverified = {}, expected {u}; trace:\n{}",
                        d.unverified,
                        trace()
                    ));
                }
            }
            if d.trace.iter().any(|f| f.citation.is_empty()) {
                return Err("a finding has no citation".into());
            }
            Ok(())
        }
    }
}

#[test]
fn every_scenario_file_passes() {
    let law = Law::bundled().expect("rules");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("scenarios dir")
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    let mut failures = Vec::new();
    let mut count = 0;
    let mut outcomes = std::collections::BTreeMap::new();
    for path in files
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
    {
        let text = std::fs::read_to_string(path).expect("read");
        let file: File =
            toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for s in &file.scenario {
            count += 1;
            assert!(!s.note.is_empty(), "{}: a scenario needs a note", s.name);
            *outcomes
                .entry(s.outcome.clone().unwrap_or_else(|| "bad input".into()))
                .or_insert(0) += 1;
            if let Err(e) = run(s, &law) {
                failures.push(format!(
                    "{} / {}: {e}",
                    path.file_name().unwrap_or_default().to_string_lossy(),
                    s.name
                ));
            }
        }
    }
    eprintln!("{count} scenarios: {outcomes:?}");
    assert!(count >= 60, "only {count} scenarios");
    for o in Outcome::ALL {
        assert!(outcomes.contains_key(o.code()), "no scenario expects {o}");
    }
    assert!(
        failures.is_empty(),
        "{} of {count} scenarios failed:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
