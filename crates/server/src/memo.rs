//! A memo in front of the screener. Screening is a pure function of the list snapshot and
//! the query, and each memo belongs to one snapshot (a newly activated snapshot gets a new
//! screener and a new memo, see `state`), so a party screened
//! again (the same customer on every order, the same consignee on every shipment) gets the
//! matches computed the first time instead of a second walk through the index.
//!
//! Only the engine's matches are memoized. Review decisions are looked up in the record
//! store for every screening and applied to it, so a decision recorded a second ago (by
//! this server or another one sharing the database) always counts.

use decide::screening::PartyScreener;
use lists::model::{Entry, PartyKind};
use screen::{Match, Query, Screener};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Queries remembered before the memo starts afresh (a few MB of matches at most).
pub const MEMO_CAPACITY: usize = 8192;

/// What makes two screenings the same: the exact query and threshold.
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
            name: query.name.clone(),
            country: query.country.clone(),
            kind: query.kind,
            threshold_bits: threshold.to_bits(),
        }
    }
}

/// The screener of the active snapshot with the memo.
pub struct MemoScreener {
    screener: Screener,
    memo: Mutex<HashMap<MemoKey, Arc<Vec<Match>>>>,
    capacity: usize,
}

impl MemoScreener {
    /// A memo of at most `capacity` queries in front of `screener`.
    pub fn new(screener: Screener, capacity: usize) -> Self {
        MemoScreener {
            screener,
            memo: Mutex::new(HashMap::new()),
            capacity,
        }
    }

    /// The screener itself, without the memo.
    pub fn screener(&self) -> &Screener {
        &self.screener
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
        let key = MemoKey::of(query, threshold);
        if let Some(matches) = self.remembered(&key) {
            return matches.as_ref().clone();
        }
        let matches = Arc::new(self.screener.screen(query, threshold));
        if self.capacity > 0 {
            self.remember(key, Arc::clone(&matches));
        }
        Arc::unwrap_or_clone(matches)
    }

    fn entries(&self) -> &[Entry] {
        self.screener.entries()
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
        let memo = MemoScreener::new(screener(), 16);
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
                    let scores = |m: &[Match]| -> Vec<(String, u64)> {
                        m.iter()
                            .map(|m| (m.id.clone(), m.score.to_bits()))
                            .collect()
                    };
                    assert_eq!(
                        scores(&memoized),
                        scores(&expected),
                        "round {round}: {q:?} at {threshold}"
                    );
                }
            }
        }
        // Country changes the score, so it is part of the key: both were remembered.
        let memo_len = memo.memo.lock().map(|m| m.len()).unwrap_or(0);
        assert_eq!(memo_len, queries.len() * 2);
    }

    #[test]
    fn the_memo_stays_within_its_capacity() {
        let memo = MemoScreener::new(screener(), 3);
        for i in 0..10 {
            PartyScreener::screen(&memo, &query(&format!("Company {i}"), None), 0.7);
            let len = memo.memo.lock().map(|m| m.len()).unwrap_or(usize::MAX);
            assert!(len <= 3, "{len} queries remembered with a capacity of 3");
        }
    }
}
