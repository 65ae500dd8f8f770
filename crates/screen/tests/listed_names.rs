//! Every listed name finds its own entry: each primary name and each alias of
//! every entry of the bundled snapshot, screened verbatim (no country, no
//! kind), must bring its own entry back — an organisation (any kind but
//! `Individual`) at the hit threshold, everyone at least at the review
//! threshold.
//!
//! The few organisation names that cannot reach the hit threshold by a
//! general rule are listed, each with its reason, in
//! `tests/data/listed_name_exceptions.toml`; the test fails when one of them
//! is missing there, when a listed one is no longer needed (it hits now), and
//! when they are more than 0.1 % of the organisation names.
//!
//! Names are screened on every core (`std::thread::scope`); each distinct
//! name string once. Set `LISTED_NAMES_REPORT=1` to print every failure and
//! the counts.

use lists::model::{Entry, PartyKind};
use screen::{check_name, Query, Screener, DEFAULT_REVIEW_THRESHOLD, DEFAULT_THRESHOLD};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

const EXCEPTIONS: &str = include_str!("data/listed_name_exceptions.toml");

/// An organisation name allowed to score under the hit threshold (but not
/// under the review threshold) for its own entry.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Exception {
    /// `LIST:id`, the list as serialized (`EL`, `SDN`, `UN`...).
    entry: String,
    name: String,
    reason: String,
}

/// Reads the exception file: `[[exception]]` tables of `entry`, `name` and
/// `reason`, each a one-line basic string (a subset of TOML whose strings
/// JSON reads the same way).
fn exceptions(text: &str) -> Vec<Exception> {
    let mut out: Vec<BTreeMap<String, String>> = Vec::new();
    for (no, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if line == "[[exception]]" {
            out.push(BTreeMap::new());
            continue;
        }
        let (key, value) = line
            .split_once('=')
            .unwrap_or_else(|| panic!("line {}: expected key = \"value\"", no + 1));
        let value: String = serde_json::from_str(value.trim())
            .unwrap_or_else(|e| panic!("line {}: not a basic string: {e}", no + 1));
        let table = out
            .last_mut()
            .unwrap_or_else(|| panic!("line {}: key outside [[exception]]", no + 1));
        table.insert(key.trim().to_string(), value);
    }
    out.into_iter()
        .map(|mut t| {
            let mut take = |k: &str| {
                t.remove(k)
                    .unwrap_or_else(|| panic!("an exception without {k}: {t:?}"))
            };
            let e = Exception {
                entry: take("entry"),
                name: take("name"),
                reason: take("reason"),
            };
            assert!(t.is_empty(), "unknown keys in {e:?}: {t:?}");
            assert!(!e.reason.trim().is_empty(), "no reason for {e:?}");
            e
        })
        .collect()
}

fn entry_key(e: &Entry) -> String {
    let list = serde_json::to_value(e.list).expect("list id serializes");
    format!("{}:{}", list.as_str().unwrap_or_default(), e.id)
}

/// The outcome for one name of one entry.
struct Outcome {
    entry: usize,
    name: String,
    organisation: bool,
    /// The entry's score, if found at the review threshold.
    score: Option<f64>,
}

fn screen_all(s: &Screener, names: &[(&str, Vec<usize>)]) -> Vec<Outcome> {
    let next = AtomicUsize::new(0);
    let out = Mutex::new(Vec::new());
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get().clamp(1, 4));
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                let mut mine = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some((name, entries)) = names.get(i) else {
                        break;
                    };
                    mine.extend(screen_one(s, name, entries));
                }
                out.lock().unwrap().extend(mine);
            });
        }
    });
    out.into_inner().unwrap()
}

/// Screens one name at the hit threshold and, when one of its entries is not
/// back, again at the review threshold.
fn screen_one(s: &Screener, name: &str, entries: &[usize]) -> Vec<Outcome> {
    let q = Query::name(name);
    let find = |t: f64| {
        let m = s.screen(&q, t);
        entries
            .iter()
            .map(|&e| m.iter().find(|m| m.entry_index == e).map(|m| m.score))
            .collect::<Vec<_>>()
    };
    let mut scores = find(DEFAULT_THRESHOLD);
    if scores.iter().any(Option::is_none) {
        scores = find(DEFAULT_REVIEW_THRESHOLD);
    }
    entries
        .iter()
        .zip(scores)
        .map(|(&e, score)| Outcome {
            entry: e,
            name: name.to_string(),
            organisation: s.entries()[e].kind != PartyKind::Individual,
            score,
        })
        .collect()
}

#[test]
fn every_listed_name_finds_its_own_entry() {
    let started = std::time::Instant::now();
    let snapshot = lists::snapshot::bundled().expect("the bundled snapshot loads");
    let s = Screener::new(snapshot.entries);
    let built = started.elapsed();
    // Each distinct name once, with every entry that carries it.
    let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut unscreenable = 0;
    for (i, e) in s.entries().iter().enumerate() {
        for (name, _) in e.names() {
            if check_name(name).is_err() {
                unscreenable += 1;
                continue;
            }
            let v = by_name.entry(name).or_default();
            if v.last() != Some(&i) {
                v.push(i);
            }
        }
    }
    let mut names: Vec<(&str, Vec<usize>)> = by_name.into_iter().collect();
    names.sort();
    let outcomes = screen_all(&s, &names);

    let listed = exceptions(EXCEPTIONS);
    let mut pending: BTreeMap<(String, String), &Exception> = listed
        .iter()
        .map(|e| ((e.entry.clone(), e.name.clone()), e))
        .collect();
    assert_eq!(pending.len(), listed.len(), "an exception is listed twice");
    let (mut orgs, mut org_hits, mut people, mut people_reviewed) = (0, 0, 0, 0);
    let mut failures = Vec::new();
    for o in &outcomes {
        let key = entry_key(&s.entries()[o.entry]);
        let score = o.score.unwrap_or(0.0);
        let excepted = pending.remove(&(key.clone(), o.name.clone())).is_some();
        let shown = |what: &str| format!("{what}: {key} {:?} scores {score:.4}", o.name);
        if o.organisation {
            orgs += 1;
            if score >= DEFAULT_THRESHOLD {
                org_hits += 1;
                if excepted {
                    failures.push(shown("exception no longer needed"));
                }
            } else if score < DEFAULT_REVIEW_THRESHOLD {
                failures.push(shown("organisation under the review threshold"));
            } else if !excepted {
                failures.push(shown("organisation under the hit threshold"));
            }
        } else {
            people += 1;
            if score >= DEFAULT_REVIEW_THRESHOLD {
                people_reviewed += 1;
            } else {
                failures.push(shown("person under the review threshold"));
            }
            if excepted {
                failures.push(shown(
                    "exception for a person (only organisations may have one)",
                ));
            }
        }
    }
    for e in pending.values() {
        failures.push(format!(
            "exception for a name not screened: {} {:?}",
            e.entry, e.name
        ));
    }
    // At most 0.1 % of the organisation names may be exceptions.
    if listed.len() * 1000 > orgs {
        failures.push(format!(
            "{} exceptions are more than 0.1 % of {orgs} organisation names",
            listed.len()
        ));
    }
    let summary = format!(
        "{} distinct names, {} (entry, name) pairs in {:.1} s (index {:.1} s, {unscreenable} names with nothing to screen skipped): \
         organisations {org_hits}/{orgs} hit ({} excepted), people {people_reviewed}/{people} at review",
        names.len(),
        outcomes.len(),
        started.elapsed().as_secs_f64(),
        built.as_secs_f64(),
        listed.len(),
    );
    println!("{summary}");
    if std::env::var_os("LISTED_NAMES_REPORT").is_some() {
        for f in &failures {
            println!("{f}");
        }
    }
    failures.sort();
    let shown: Vec<&String> = failures.iter().take(40).collect();
    assert!(
        failures.is_empty(),
        "{summary}\n{} failures, the first:\n{shown:#?}",
        failures.len()
    );
}
