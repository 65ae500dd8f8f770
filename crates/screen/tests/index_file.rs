//! The index as a file holds it screens exactly as the index built in memory:
//! the same matches, scores and explanations for the development set and for
//! thousands of listed names; its entries come back as they went in; and an
//! index whose bytes, length, version or snapshot are not the expected ones is
//! refused (the caller then builds it again), never used.

use lists::model::Entry;
use screen::{IndexError, Query, Screener, DEFAULT_REVIEW_THRESHOLD};
use std::sync::OnceLock;

const SNAPSHOT: &str = "5e1f0c0ffee0000000000000000000000000000000000000000000000000abcd";

fn entries() -> &'static [Entry] {
    static ENTRIES: OnceLock<Vec<Entry>> = OnceLock::new();
    ENTRIES.get_or_init(|| match lists::bundled() {
        Ok(s) => s.entries,
        Err(e) => panic!("the bundled snapshot does not load: {e}"),
    })
}

fn file() -> screen::IndexFile {
    Screener::index_file(entries(), b"{\"meta\":1}", SNAPSHOT)
}

fn opened() -> Screener {
    match Screener::from_index_file(file(), Some(SNAPSHOT)) {
        Ok(s) => s,
        Err(e) => panic!("a fresh index file does not open: {e}"),
    }
}

/// Dev-set queries and every 7th listed name (primary or alias), with and
/// without a country.
fn queries() -> Vec<Query> {
    let devset = include_str!("../../../bench/screening/devset.jsonl");
    let mut out: Vec<Query> = devset
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v.get("query")?.as_str().map(Query::name))
        .collect();
    assert!(out.len() > 7000, "the dev set has its queries");
    let names = entries().iter().flat_map(|e| e.names().map(|n| n.0));
    for (i, name) in names.enumerate().filter(|(i, _)| i % 7 == 0) {
        let mut q = Query::name(name);
        if i % 2 == 0 {
            q.country = Some("IR".into());
        }
        out.push(q);
    }
    out
}

#[test]
fn the_file_screens_exactly_as_the_index_built_in_memory() {
    let built = Screener::new(entries().to_vec());
    let file = opened();
    let queries = queries();
    assert!(queries.len() > 15_000, "{} queries", queries.len());
    let mut matched = 0;
    for q in &queries {
        let a = built.screen(q, DEFAULT_REVIEW_THRESHOLD);
        let b = file.screen(q, DEFAULT_REVIEW_THRESHOLD);
        assert_eq!(a, b, "{q:?}");
        matched += usize::from(!a.is_empty());
    }
    // The comparison means something only if most queries match.
    assert!(
        matched * 2 > queries.len(),
        "{matched} of {}",
        queries.len()
    );
}

#[test]
fn entries_come_back_from_the_file_as_they_went_in() {
    let s = opened();
    let all = entries();
    assert_eq!(s.entry_count(), all.len());
    for i in (0..all.len()).step_by(97).chain([all.len() - 1]) {
        assert_eq!(s.entry(i), Some(&all[i]), "entry {i}");
    }
    assert_eq!(s.entry(all.len()), None);
    assert_eq!(s.entries(), all);
    assert_eq!(s.meta(), b"{\"meta\":1}");
    assert_eq!(s.snapshot(), Some(SNAPSHOT));
    // The stored entries are their canonical JSON, one per line: the bytes
    // the snapshot's content hash is computed over.
    let json = s.entries_json();
    assert_eq!(json.iter().filter(|&&b| b == b'\n').count(), all.len());
    let first = json.split(|&b| b == b'\n').next().unwrap_or_default();
    assert_eq!(serde_json::to_vec(&all[0]).ok().as_deref(), Some(first));
}

#[test]
fn a_damaged_short_or_foreign_index_is_refused() {
    let good: Vec<u8> = file().as_ref().to_vec();
    let open = |bytes: Vec<u8>, snapshot: Option<&str>| {
        Screener::open(std::sync::Arc::new(bytes), snapshot).map(|_| ())
    };
    assert_eq!(open(good.clone(), Some(SNAPSHOT)), Ok(()));
    // One bit anywhere: in the header, the vocabulary, the entries' JSON.
    for at in [90, 200, good.len() / 3, good.len() / 2, good.len() - 3] {
        let mut bad = good.clone();
        bad[at] ^= 0x10;
        let err = open(bad, Some(SNAPSHOT)).err();
        assert!(err.is_some(), "a bit flipped at {at} went unnoticed");
    }
    assert_eq!(
        open(good[..good.len() - 4096].to_vec(), Some(SNAPSHOT)),
        Err(IndexError::Length {
            header: good.len() as u64,
            actual: good.len() as u64 - 4096
        })
    );
    let other = "0".repeat(63) + "1";
    assert!(matches!(
        open(good.clone(), Some(&other)),
        Err(IndexError::Snapshot { .. })
    ));
    let mut newer = good.clone();
    newer[8] = newer[8].wrapping_add(1);
    assert!(matches!(
        open(newer, Some(SNAPSHOT)),
        Err(IndexError::Version { .. })
    ));
    let mut foreign = good;
    foreign[20] ^= 1;
    assert_eq!(open(foreign, None), Err(IndexError::Fingerprint));
    // An index built in memory holds no entries: not a file to open.
    assert!(open(Vec::new(), None).is_err());
}
