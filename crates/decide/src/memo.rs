//! A memo in front of the screener, shared by the server and `ace batch`.
//!
//! Screening is a pure function of the list snapshot and the query, so a party screened
//! again (the same customer on every order, the same consignee on every shipment, the
//! same name on thousands of rows of a batch) gets the matches computed the first time
//! instead of a second walk through the index.
//!
//! **The key is everything that changes the result**: the list snapshot, the name as
//! screening reads it ([`memo_name`]), the country, the kind and the threshold. A memo
//! belongs to one snapshot — it owns the snapshot's screener and its hash, and a newly
//! activated snapshot gets a new memo — so the snapshot part of the key is the memo
//! itself; the rest is [`MemoKey`].
//!
//! Only the engine's matches are memoized. Review decisions are looked up for every
//! screening and applied to it (`screening::screen_parties_with`), so a decision recorded
//! a second ago always counts.

use crate::screening::PartyScreener;
use lists::model::{Entry, PartyKind};
use screen::{Match, Query, Screener, MAX_NAME_CHARS};
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Queries a server remembers before its memo starts afresh (a few MB of matches at most).
pub const MEMO_CAPACITY: usize = 8192;

/// What makes two screenings of one snapshot the same.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct MemoKey {
    name: String,
    country: Option<String>,
    kind: Option<PartyKind>,
    threshold_bits: u64,
}

impl MemoKey {
    fn of(query: &Query, threshold: f64) -> Self {
        MemoKey {
            name: memo_name(&query.name).into_owned(),
            country: query.country.clone(),
            kind: query.kind,
            threshold_bits: threshold.to_bits(),
        }
    }
}

/// The name as screening reads it, for the memo's key: ASCII letters in lower case, runs
/// of ASCII white space made one space, none at either end. Screening folds ASCII case
/// and treats any run of ASCII white space as one token boundary (`screen::normalize`),
/// and nothing else it looks at (a comma, the length of a name it accepts) changes, so
/// names equal in this form have the same matches — "ACME  Ltd" is "Acme Ltd". Other
/// characters (non-ASCII letters, punctuation) are kept as given: their reading is
/// screening's business. A name too long to screen is keyed as given.
pub fn memo_name(name: &str) -> Cow<'_, str> {
    let plain = name.len() <= MAX_NAME_CHARS
        && !name.bytes().any(|b| b.is_ascii_uppercase())
        && !name.starts_with(|c: char| c.is_ascii_whitespace())
        && !name.ends_with(|c: char| c.is_ascii_whitespace())
        && !name
            .as_bytes()
            .windows(2)
            .any(|w| w[0].is_ascii_whitespace() && (w[1].is_ascii_whitespace() || w[0] != b' '));
    if plain || name.len() > MAX_NAME_CHARS {
        return Cow::Borrowed(name);
    }
    let mut out = String::with_capacity(name.len());
    for word in name.split(|c: char| c.is_ascii_whitespace()) {
        if word.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(word.chars().map(|c| c.to_ascii_lowercase()));
    }
    Cow::Owned(out)
}

/// A list snapshot's screener with the memo of its queries.
pub struct MemoScreener {
    screener: Screener,
    snapshot: String,
    memo: Mutex<HashMap<MemoKey, Arc<Vec<Match>>>>,
    capacity: usize,
}

impl MemoScreener {
    /// A memo of at most `capacity` queries (0: none) in front of `screener`, which
    /// indexes the list snapshot whose content hash is `snapshot`.
    pub fn new(screener: Screener, snapshot: impl Into<String>, capacity: usize) -> Self {
        MemoScreener {
            screener,
            snapshot: snapshot.into(),
            memo: Mutex::new(HashMap::new()),
            capacity,
        }
    }

    /// The screener itself, without the memo.
    pub fn screener(&self) -> &Screener {
        &self.screener
    }

    /// The content hash of the list snapshot this memo belongs to.
    pub fn snapshot(&self) -> &str {
        &self.snapshot
    }

    /// Queries remembered now.
    pub fn len(&self) -> usize {
        self.memo.lock().map(|m| m.len()).unwrap_or(0)
    }

    /// Nothing remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn remembered(&self, key: &MemoKey) -> Option<Arc<Vec<Match>>> {
        self.memo.lock().ok()?.get(key).cloned()
    }

    fn remember(&self, key: MemoKey, matches: Arc<Vec<Match>>) {
        let Ok(mut memo) = self.memo.lock() else {
            return;
        };
        // Starting afresh when full keeps the bound without bookkeeping on every hit; the
        // parties that recur are back after their next screening.
        if memo.len() >= self.capacity {
            memo.clear();
        }
        memo.insert(key, matches);
    }
}

impl PartyScreener for MemoScreener {
    fn screen(&self, query: &Query, threshold: f64) -> Vec<Match> {
        if self.capacity == 0 {
            return self.screener.screen(query, threshold);
        }
        let key = MemoKey::of(query, threshold);
        if let Some(matches) = self.remembered(&key) {
            return matches.as_ref().clone();
        }
        let matches = Arc::new(self.screener.screen(query, threshold));
        self.remember(key, Arc::clone(&matches));
        Arc::unwrap_or_clone(matches)
    }

    fn entry(&self, index: usize) -> Option<&Entry> {
        self.screener.entry(index)
    }

    fn find_entry(&self, list: lists::model::ListId, id: &str) -> Option<&Entry> {
        self.screener.find(list, id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lists::model::ListId;

    fn screener() -> Screener {
        let entry = |id: &str, name: &str, country: &str| Entry {
            list: ListId::EntityList,
            id: id.into(),
            name: name.into(),
            aliases: vec![],
            kind: PartyKind::Entity,
            countries: vec![country.into()],
            addresses: vec![],
            programs: vec![],
            license_requirement: None,
            license_policy: None,
            federal_register: None,
            start_date: None,
            end_date: None,
            remarks: None,
        };
        Screener::new(vec![
            entry("1", "NSO Group Technologies", "IL"),
            entry("2", "Positive Technologies", "RU"),
            entry("3", "Example Trading, LLC", "AE"),
        ])
    }

    fn query(name: &str, country: Option<&str>) -> Query {
        Query {
            name: name.into(),
            country: country.map(String::from),
            kind: None,
        }
    }

    #[test]
    fn memoized_matches_equal_fresh_ones_for_every_query_and_threshold() {
        let memo = MemoScreener::new(screener(), "test", 64);
        let fresh = screener();
        let queries = [
            query("NSO Group Technologies", Some("IL")),
            query("NSO Group Technologies", Some("DE")),
            query("NSO Group Technologies", None),
            query("Positive Technologies AO", Some("RU")),
            query("Example GmbH", None),
        ];
        for round in 0..2 {
            for q in &queries {
                for threshold in [0.70, 0.85] {
                    let memoized = PartyScreener::screen(&memo, q, threshold);
                    let expected = fresh.screen(q, threshold);
                    assert_eq!(memoized, expected, "round {round}: {q:?} at {threshold}");
                }
            }
        }
        // Country changes the score, so it is part of the key: both were remembered.
        assert_eq!(memo.len(), queries.len() * 2);
    }

    #[test]
    fn names_keyed_alike_have_the_same_matches_explanations_included() {
        // Each group: names with one memo key; screened fresh, their matches must be
        // equal in every field (the memo hands the first one's to the others).
        let groups: &[&[&str]] = &[
            &[
                "NSO Group Technologies",
                "nso group technologies",
                "  NSO   Group\tTechnologies ",
            ],
            &[
                "Positive Technologies AO",
                "POSITIVE TECHNOLOGIES ao",
                "Positive\n Technologies  AO",
            ],
            &[
                "Example Trading, LLC",
                "EXAMPLE TRADING, LLC",
                "Example  Trading,  LLC",
            ],
            &["PAO, Yu Liang", "pao,  yu liang"],
        ];
        let fresh = screener();
        for group in groups {
            let key = memo_name(group[0]);
            let first = fresh.screen(&query(group[0], Some("IL")), 0.5);
            for name in &group[1..] {
                assert_eq!(
                    memo_name(name),
                    key,
                    "{name:?} is keyed like {:?}",
                    group[0]
                );
                let other = fresh.screen(&query(name, Some("IL")), 0.5);
                assert_eq!(other, first, "{name:?} screens like {:?}", group[0]);
            }
        }
        // Through the memo: the variants are one key.
        let memo = MemoScreener::new(screener(), "test", 64);
        for name in groups[0] {
            PartyScreener::screen(&memo, &query(name, Some("IL")), 0.5);
        }
        assert_eq!(memo.len(), 1);
    }

    #[test]
    fn what_screening_tells_apart_is_kept_apart() {
        assert_ne!(memo_name("Acme, Ltd"), memo_name("Acme Ltd"));
        assert_ne!(
            memo_name("Müller"),
            memo_name("MÜLLER"),
            "non-ASCII case is screening's"
        );
        assert_eq!(memo_name("already plain"), Cow::Borrowed("already plain"));
        let long = "A".repeat(MAX_NAME_CHARS + 1);
        assert_eq!(
            memo_name(&long),
            long,
            "a name too long to screen is keyed as given"
        );
        let memo = MemoScreener::new(screener(), "test", 64);
        let kinds = [None, Some(PartyKind::Individual), Some(PartyKind::Entity)];
        for kind in kinds {
            let q = Query {
                kind,
                ..query("NSO Group Technologies", Some("IL"))
            };
            PartyScreener::screen(&memo, &q, 0.7);
        }
        assert_eq!(memo.len(), kinds.len(), "the kind is part of the key");
    }

    #[test]
    fn the_memo_stays_within_its_capacity() {
        let memo = MemoScreener::new(screener(), "test", 3);
        for i in 0..10 {
            PartyScreener::screen(&memo, &query(&format!("Company {i}"), None), 0.7);
            assert!(
                memo.len() <= 3,
                "{} queries remembered with a capacity of 3",
                memo.len()
            );
        }
        let none = MemoScreener::new(screener(), "test", 0);
        PartyScreener::screen(&none, &query("NSO Group Technologies", None), 0.7);
        assert!(none.is_empty());
        assert_eq!(none.snapshot(), "test");
    }
}
