//! Recall and false-positive rate on the development set at the default
//! thresholds, per perturbation kind and per party (person / organisation);
//! for not-listed queries also the share landing in the review band (best
//! score in 0.70..0.85: no hit, but a human has to look).
//!
//! `cargo run --release -p screen --example eval [DEVSET] [--misses] [--band]`
//! (`--band` lists the not-listed queries that land in the review band)

#[path = "common/mod.rs"]
mod common;

use common::{entry_key, Case};
use screen::normalize::{tokenize, NameKind};
use screen::{Query, Screener, DEFAULT_REVIEW_THRESHOLD, DEFAULT_THRESHOLD};
use std::collections::{BTreeMap, HashMap, HashSet};

/// Per-kind tallies: cases, found at the hit threshold, found at the review threshold.
#[derive(Default)]
struct Tally {
    n: usize,
    hit: usize,
    review: usize,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let show_misses = args.iter().any(|a| a == "--misses");
    let show_band = args.iter().any(|a| a == "--band");
    let path = args
        .iter()
        .find(|a| !a.starts_with("--"))
        .map_or_else(common::devset_path, Into::into);
    let cases = common::read_devset(&path)?;
    let screener = Screener::new(common::latin_only(common::load_all()?));
    let keys: Vec<String> = screener.entries().iter().map(entry_key).collect();
    let same = same_party_keys(screener.entries());
    let mut listed: BTreeMap<String, Tally> = BTreeMap::new();
    let mut negative: BTreeMap<String, Tally> = BTreeMap::new();
    let mut listed_party: BTreeMap<String, Tally> = BTreeMap::new();
    let mut negative_party: BTreeMap<String, Tally> = BTreeMap::new();
    let index_of: HashMap<&str, usize> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| (k.as_str(), i))
        .collect();
    for case in &cases {
        let matches = screener.screen(&Query::name(case.query.clone()), DEFAULT_REVIEW_THRESHOLD);
        let (is_hit, is_review) = outcome(case, &matches, &keys, &same);
        let t = if case.label == "listed" {
            listed.entry(case.kind.clone())
        } else {
            negative.entry(case.kind.clone())
        }
        .or_default();
        t.n += 1;
        t.hit += usize::from(is_hit);
        t.review += usize::from(is_review);
        let party = party(case, &index_of, screener.entries());
        let t = if case.label == "listed" {
            listed_party.entry(party.into())
        } else {
            negative_party.entry(party.into())
        }
        .or_default();
        t.n += 1;
        t.hit += usize::from(is_hit);
        t.review += usize::from(is_review);
        let wrong = if case.label == "listed" {
            !is_hit
        } else {
            is_hit
        };
        if show_band && case.label != "listed" && is_review && !is_hit {
            let best = matches
                .first()
                .map_or(String::from("-"), |m| m.explanation.summary.clone());
            println!("BAND [{}] {:?} best: {}", case.kind, case.query, best);
        }
        if show_misses && wrong {
            let best = matches
                .first()
                .map_or(String::from("-"), |m| m.explanation.summary.clone());
            println!(
                "MISS [{}] {:?} (from {:?}) best: {}",
                case.kind,
                case.query,
                case.source.as_deref().unwrap_or(""),
                best
            );
        }
    }
    print_table("listed (recall)", &listed, false);
    print_table("listed (recall) by party", &listed_party, false);
    print_table("not listed (false-positive rate)", &negative, true);
    print_table(
        "not listed (false-positive rate) by party",
        &negative_party,
        true,
    );
    Ok(())
}

/// Whether a case names a person or an organisation: for a listed query its
/// entry's kind (an individual, or anything else), for a not-listed one the
/// kind of name the generator made.
fn party(
    case: &Case,
    index_of: &HashMap<&str, usize>,
    entries: &[lists::model::Entry],
) -> &'static str {
    let person = match &case.expected {
        Some(k) => index_of
            .get(k.as_str())
            .is_some_and(|&i| entries[i].kind == lists::model::PartyKind::Individual),
        None => case.kind.starts_with("person") || case.kind == "hard_shared_surname",
    };
    if person {
        "person"
    } else {
        "organisation"
    }
}

/// For each entry key, the keys of every entry sharing one of its names
/// (the same party on the CSL, the OFAC file and the UN list has three ids).
fn same_party_keys(entries: &[lists::model::Entry]) -> HashMap<String, HashSet<String>> {
    let mut by_name: HashMap<Vec<String>, HashSet<String>> = HashMap::new();
    for e in entries {
        for (n, _) in e.names() {
            by_name.entry(name_key(n)).or_default().insert(entry_key(e));
        }
    }
    let mut out: HashMap<String, HashSet<String>> = HashMap::new();
    for e in entries {
        let set = out.entry(entry_key(e)).or_default();
        for (n, _) in e.names() {
            if let Some(keys) = by_name.get(&name_key(n)) {
                set.extend(keys.iter().cloned());
            }
        }
    }
    out
}

fn name_key(name: &str) -> Vec<String> {
    let mut t: Vec<String> = tokenize(name, NameKind::Unknown)
        .into_iter()
        .filter(|t| !t.legal)
        .map(|t| t.text)
        .collect();
    t.sort();
    t
}

/// Listed cases: whether the expected entry, or an entry of the same party
/// on another list, is found at each threshold. Not-listed cases: whether
/// anything is found.
fn outcome(
    case: &Case,
    matches: &[screen::Match],
    keys: &[String],
    same: &HashMap<String, HashSet<String>>,
) -> (bool, bool) {
    let relevant = |m: &&screen::Match| match &case.expected {
        Some(k) => {
            &keys[m.entry_index] == k
                || same
                    .get(k)
                    .is_some_and(|s| s.contains(&keys[m.entry_index]))
        }
        None => true,
    };
    let hit = matches
        .iter()
        .filter(relevant)
        .any(|m| m.score >= DEFAULT_THRESHOLD);
    let review = matches
        .iter()
        .filter(relevant)
        .any(|m| m.score >= DEFAULT_REVIEW_THRESHOLD);
    (hit, review)
}

/// With `band`, a last column: the share at the review threshold but not
/// at the hit threshold.
fn print_table(title: &str, rows: &BTreeMap<String, Tally>, band: bool) {
    println!(
        "\n{title}: rate at {DEFAULT_THRESHOLD} (hit) and {DEFAULT_REVIEW_THRESHOLD} (review)"
    );
    let extra = |t: &Tally| {
        if band {
            format!(" {:.3} |", rate(t.review - t.hit, t.n))
        } else {
            String::new()
        }
    };
    if band {
        println!("| kind | n | at {DEFAULT_THRESHOLD} | at {DEFAULT_REVIEW_THRESHOLD} | review band only |");
        println!("| --- | ---: | ---: | ---: | ---: |");
    } else {
        println!("| kind | n | at {DEFAULT_THRESHOLD} | at {DEFAULT_REVIEW_THRESHOLD} |");
        println!("| --- | ---: | ---: | ---: |");
    }
    let mut all = Tally::default();
    for (kind, t) in rows {
        println!(
            "| {kind} | {} | {:.3} | {:.3} |{}",
            t.n,
            rate(t.hit, t.n),
            rate(t.review, t.n),
            extra(t)
        );
        all.n += t.n;
        all.hit += t.hit;
        all.review += t.review;
    }
    println!(
        "| **all** | {} | {:.3} | {:.3} |{}",
        all.n,
        rate(all.hit, all.n),
        rate(all.review, all.n),
        extra(&all)
    );
}

fn rate(k: usize, n: usize) -> f64 {
    if n == 0 {
        0.0
    } else {
        k as f64 / n as f64
    }
}
