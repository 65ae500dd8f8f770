//! Regulatory scenarios as data: every file in tests/scenarios/ holds `[[scenario]]`s
//! with an input transaction, the expected outcome (or the field a bad input must name),
//! and the citations that must hold in the trace. A compliance reviewer can read and add
//! them without writing Rust.

use decide::clearance::{entry_hash, party_key, Clearance, Clearances};
use decide::screening::{screen_parties_with, Verdict};
use decide::transaction::ScreenedSnapshot;
use decide::{Determination, Outcome, TransactionInput};
use ear::{parse_date, Law};
use serde::Deserialize;
use std::path::Path;
use std::sync::OnceLock;

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
    /// Words some known nearby rule change (`known_changes`) must contain; `[]` with
    /// `no_known_changes = true` asserts there is none.
    #[serde(default)]
    known_changes_contain: Vec<String>,
    #[serde(default)]
    no_known_changes: bool,
    /// Citations (substrings) no finding may carry, held or not.
    #[serde(default)]
    not_cited: Vec<String>,
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
    /// Screen the named parties against the bundled list snapshot first, as `ace check`
    /// does.
    #[serde(default)]
    screen: bool,
    /// Earlier review decisions screening applies (with `screen`).
    #[serde(default)]
    reviews: Vec<ReviewSpec>,
    /// For HOLD: the outcome of each open item if confirmed, in order.
    #[serde(default)]
    if_true: Vec<String>,
    /// For HOLD: the outcome if every open item is a false positive.
    #[serde(default)]
    if_all_clear: Option<String>,
    /// Words some hold's question or reason must contain.
    #[serde(default)]
    hold_contains: Vec<String>,
    /// For an order: each line's outcome code, or "outside" for a line ace does not decide.
    #[serde(default)]
    lines: Vec<String>,
    /// Entry ids (or names) that must not be a confirmed list membership of any party.
    #[serde(default)]
    not_listed: Vec<String>,
}

/// An earlier review decision: the party's name, the entry (by list code and a word of
/// its primary name), the verdict, and optionally how it lapses.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReviewSpec {
    party: String,
    list: String,
    entry_name: String,
    verdict: String,
    on: String,
    /// Record the decision against an older version of the entry (as if it changed since).
    #[serde(default)]
    entry_changed_since: bool,
}

fn screener() -> &'static screen::Screener {
    &bundled().0
}

/// The bundled snapshot's screener and the snapshot as screening reports it (its hash
/// and the date its lists were published: the as-of logic needs both).
fn bundled() -> &'static (screen::Screener, ScreenedSnapshot) {
    static BUNDLED: OnceLock<(screen::Screener, ScreenedSnapshot)> = OnceLock::new();
    BUNDLED.get_or_init(|| {
        let snapshot = lists::snapshot::bundled().expect("bundled snapshot");
        let screened = ScreenedSnapshot {
            hash: snapshot.meta.hash.clone(),
            published: snapshot.meta.published_on(),
        };
        (screen::Screener::new(snapshot.entries), screened)
    })
}

/// The decisions of `specs` against the bundled entries.
fn clearances(specs: &[ReviewSpec]) -> Result<Vec<Clearance>, String> {
    let entries = screener().entries();
    specs
        .iter()
        .map(|r| {
            let list: lists::model::ListId =
                serde_json::from_value(serde_json::Value::String(r.list.clone()))
                    .map_err(|e| format!("review list {}: {e}", r.list))?;
            let entry = entries
                .iter()
                .find(|e| e.list == list && e.name.contains(&r.entry_name))
                .ok_or_else(|| format!("no {} entry named {:?}", r.list, r.entry_name))?;
            let mut hash = entry_hash(entry);
            if r.entry_changed_since {
                hash = format!("{hash}-older");
            }
            Ok(Clearance {
                party_key: party_key(&r.party),
                country: None,
                list,
                entry_id: entry.id.clone(),
                entry_hash: Some(hash),
                verdict: match r.verdict.as_str() {
                    "true_match" => Verdict::TrueMatch,
                    "false_positive" => Verdict::FalsePositive,
                    v => return Err(format!("verdict {v:?}: true_match or false_positive")),
                },
                by: "scenario".into(),
                on: parse_date(&r.on).ok_or("review date")?,
                reason: "scenario".into(),
                record_id: None,
            })
        })
        .collect()
}

fn determine(s: &Scenario, law: &Law) -> Result<Result<Determination, decide::InputError>, String> {
    let json = serde_json::to_string(&s.input).map_err(|e| e.to_string())?;
    let today = parse_date("2026-11-22").ok_or("date")?;
    let decisions = clearances(&s.reviews)?;
    Ok(
        decide::parse_input(&json).and_then(|mut input: TransactionInput| {
            if s.screen {
                let verdicts = Clearances {
                    decisions: &decisions,
                    today,
                    months: decide::clearance::DEFAULT_CLEARANCE_MONTHS,
                };
                input.screened_against = Some(bundled().1.clone());
                screen_parties_with(
                    &mut input,
                    screener(),
                    "bundled",
                    screen::DEFAULT_THRESHOLD,
                    screen::DEFAULT_REVIEW_THRESHOLD,
                    &verdicts,
                );
            }
            decide::determine(&input, law, today).map(|(_, d)| d)
        }),
    )
}

/// The HOLD expectations: each open item's outcome if true, the all-clear outcome, words.
fn check_holds(s: &Scenario, d: &Determination) -> Result<(), String> {
    if !s.if_true.is_empty() {
        let got: Vec<&str> = d.holds.iter().map(|h| h.if_true.outcome.code()).collect();
        if got != s.if_true {
            return Err(format!("if_true {got:?}, expected {:?}", s.if_true));
        }
    }
    if let Some(want) = &s.if_all_clear {
        let got = d.if_all_clear.as_ref().map(|r| r.outcome.code());
        if got != Some(want.as_str()) {
            return Err(format!("if_all_clear {got:?}, expected {want}"));
        }
    }
    for w in &s.hold_contains {
        if !d
            .holds
            .iter()
            .any(|h| h.question.contains(w.as_str()) || h.reason.contains(w.as_str()))
        {
            return Err(format!("no hold says {w:?}: {:?}", d.holds));
        }
    }
    if !s.lines.is_empty() {
        let got: Vec<&str> = d
            .lines
            .iter()
            .map(|l| l.outcome.map(Outcome::code).unwrap_or("outside"))
            .collect();
        if got != s.lines {
            return Err(format!("lines {got:?}, expected {:?}", s.lines));
        }
    }
    if d.outcome == Outcome::Hold && (d.holds.is_empty() || d.if_all_clear.is_none()) {
        return Err("HOLD without its open items and all-clear outcome".into());
    }
    Ok(())
}

fn run(s: &Scenario, law: &Law) -> Result<(), String> {
    let result = determine(s, law)?;
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
            for w in &s.known_changes_contain {
                if !d.known_changes.iter().any(|c| c.what.contains(w.as_str())) {
                    return Err(format!("no known change says {w:?}: {:?}", d.known_changes));
                }
            }
            if s.no_known_changes && !d.known_changes.is_empty() {
                return Err(format!("known changes reported: {:?}", d.known_changes));
            }
            for c in &s.not_cited {
                if let Some(f) = d.trace.iter().find(|f| f.citation.contains(c.as_str())) {
                    return Err(format!(
                        "a finding cites {c:?}: {}; trace:\n{}",
                        f.citation,
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
            for n in &s.not_listed {
                let listed = d.trace.iter().any(|f| {
                    f.held
                        && f.step == decide::Step::Parties
                        && !f.citation.contains("supp. no. 3")
                        && f.because.contains(n.as_str())
                });
                if listed {
                    return Err(format!(
                        "{n:?} is stated as a list membership; trace:\n{}",
                        trace()
                    ));
                }
            }
            check_holds(s, &d)
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
