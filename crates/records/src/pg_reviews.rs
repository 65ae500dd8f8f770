//! Review decisions held in memory by each server on PostgreSQL, so that screening a party
//! does not cost a database round trip.
//!
//! Reviews are few and append-only, and every screening asks for them. The store's listener
//! ([`crate::pg_listen`]) keeps this index current: a statement trigger on `reviews`
//! notifies [`CHANNEL`] at each commit (migration 3) and the index loads the decisions
//! recorded since the last one it holds. Review records extend the chain one transaction
//! at a time under the chain lock, so they become visible in record-id order, and "every
//! decision with a larger id" is exactly what is new.
//!
//! How current the index is:
//! - decisions recorded through this store are loaded before `record_review` returns;
//! - decisions recorded by another server show once the notification arrives (the commit
//!   plus a round trip, milliseconds), and in any case within [`crate::pg_listen::REFRESH`];
//! - until the first load, whenever the listener has lost its connection, and when loading
//!   this store's own new decision failed (until the listener has loaded afresh), lookups go
//!   to the database as before: the index never answers from a state it cannot vouch for.

use std::collections::HashMap;
use std::sync::Mutex;

use postgres::Client;

use crate::error::Result;
use crate::pg_listen::Mirror;
use crate::types::{ReviewDecision, ReviewKey};

/// The notification channel the `reviews` trigger notifies.
const CHANNEL: &str = "ace_reviews";

/// What the index has loaded.
#[derive(Default)]
struct Loaded {
    /// The largest review record id loaded.
    up_to: i64,
    by_key: HashMap<ReviewKey, Vec<ReviewDecision>>,
}

impl Loaded {
    /// Adds decisions newer than those held, in record-id order.
    fn merge(&mut self, decisions: Vec<ReviewDecision>) {
        for d in decisions {
            if d.record_id <= self.up_to {
                continue;
            }
            self.up_to = d.record_id;
            let key = ReviewKey {
                party_key: d.party_key.clone(),
                list: d.list.clone(),
                entry_id: d.entry_id.clone(),
            };
            self.by_key.entry(key).or_default().push(d);
        }
    }
}

/// Reads the review decisions with a record id above `after`, oldest first.
pub(crate) type Since = fn(&mut Client, i64) -> Result<Vec<ReviewDecision>>;

/// The in-memory review decisions of one store.
pub(crate) struct ReviewIndex {
    /// `None` until the listener's first load and after it lost its connection.
    loaded: Mutex<Option<Loaded>>,
    since: Since,
}

impl ReviewIndex {
    /// An index that loads with `since`; it answers once the listener has loaded it.
    pub fn new(since: Since) -> Self {
        ReviewIndex {
            loaded: Mutex::new(None),
            since,
        }
    }

    /// The decisions for each key, or `None` when the index cannot answer.
    pub fn lookup(&self, keys: &[ReviewKey]) -> Option<Vec<Vec<ReviewDecision>>> {
        let guard = self.loaded.lock().ok()?;
        let loaded = guard.as_ref()?;
        Some(
            keys.iter()
                .map(|k| loaded.by_key.get(k).cloned().unwrap_or_default())
                .collect(),
        )
    }

    fn up_to(&self) -> Option<i64> {
        self.loaded.lock().ok()?.as_ref().map(|l| l.up_to)
    }
}

impl Mirror for ReviewIndex {
    fn channel(&self) -> &'static str {
        CHANNEL
    }

    fn is_live(&self) -> bool {
        self.up_to().is_some()
    }

    /// Replaces the index with every decision recorded so far.
    fn load_all(&self, client: &mut Client) -> Result<()> {
        let mut all = Loaded::default();
        all.merge((self.since)(client, 0)?);
        if let Ok(mut guard) = self.loaded.lock() {
            *guard = Some(all);
        }
        Ok(())
    }

    /// Loads what was recorded since the last decision held (on `client`), if the index is live.
    fn catch_up(&self, client: &mut Client) -> Result<()> {
        let Some(after) = self.up_to() else {
            return Ok(());
        };
        let decisions = (self.since)(client, after)?;
        if let Ok(mut guard) = self.loaded.lock() {
            if let Some(loaded) = guard.as_mut() {
                loaded.merge(decisions);
            }
        }
        Ok(())
    }

    /// Forgets everything: lookups go to the database until the listener's next full load.
    fn forget(&self) {
        if let Ok(mut guard) = self.loaded.lock() {
            *guard = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Verdict;

    fn decision(id: i64, party: &str) -> ReviewDecision {
        ReviewDecision {
            record_id: id,
            party: party.into(),
            party_key: party.into(),
            list: "SDN".into(),
            entry_id: "1".into(),
            verdict: Verdict::FalsePositive,
            reason: "r".into(),
            actor: "a".into(),
            screening_record: None,
            created_at: "t".into(),
            country: None,
            entry_hash: None,
        }
    }

    #[test]
    fn merging_keeps_each_decision_once_in_id_order() {
        let mut loaded = Loaded::default();
        loaded.merge(vec![decision(3, "a"), decision(5, "a"), decision(6, "b")]);
        // A second load that overlaps the first (two catch-ups racing) adds nothing twice.
        loaded.merge(vec![decision(5, "a"), decision(6, "b"), decision(8, "a")]);
        let key = ReviewKey {
            party_key: "a".into(),
            list: "SDN".into(),
            entry_id: "1".into(),
        };
        let ids: Vec<i64> = loaded.by_key[&key].iter().map(|d| d.record_id).collect();
        assert_eq!(ids, vec![3, 5, 8]);
        assert_eq!(loaded.up_to, 8);
    }

    #[test]
    fn an_index_that_has_not_loaded_does_not_answer() {
        fn none(_: &mut Client, _: i64) -> Result<Vec<ReviewDecision>> {
            Ok(vec![])
        }
        let index = ReviewIndex::new(none);
        assert!(index.lookup(&[]).is_none());
        *index.loaded.lock().expect("lock") = Some(Loaded::default());
        assert_eq!(index.lookup(&[]), Some(vec![]));
        index.forget();
        assert!(index.lookup(&[]).is_none());
    }
}
