//! Review decisions held in memory by each server on PostgreSQL, so that screening a party
//! does not cost a database round trip.
//!
//! Reviews are few and append-only, and every screening asks for them. A listener thread
//! per store keeps its own connection, `LISTEN`s on [`CHANNEL`] (a statement trigger on
//! `reviews` notifies it at each commit, migration 3) and loads the decisions recorded
//! since the last one it holds. Review records extend the chain one transaction at a time
//! under the chain lock, so they become visible in record-id order, and "every decision
//! with a larger id" is exactly what is new.
//!
//! How current the index is:
//! - decisions recorded through this store are loaded before `record_review` returns;
//! - decisions recorded by another server show once the notification arrives (the commit
//!   plus a round trip, milliseconds), and in any case within [`REFRESH`];
//! - until the first load, whenever the listener has lost its connection, and when loading
//!   this store's own new decision failed (until the listener has loaded afresh), lookups go
//!   to the database as before: the index never answers from a state it cannot vouch for.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use postgres::fallible_iterator::FallibleIterator;
use postgres::Client;

use crate::error::Result;
use crate::types::{ReviewDecision, ReviewKey};

/// The notification channel the `reviews` trigger notifies.
pub(crate) const CHANNEL: &str = "ace_reviews";
/// Longest the index goes without asking for new decisions, notification or not.
pub(crate) const REFRESH: Duration = Duration::from_secs(5);
/// How often the listener looks at its stop flag while waiting.
const POLL: Duration = Duration::from_millis(250);
/// Pause before reconnecting after the listener lost its connection.
const RECONNECT: Duration = Duration::from_secs(1);

/// What the listener has loaded.
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

/// The in-memory review decisions of one store.
#[derive(Default)]
pub(crate) struct ReviewIndex {
    /// `None` until the listener's first load and after it lost its connection.
    loaded: Mutex<Option<Loaded>>,
    stop: AtomicBool,
}

/// Reads the review decisions with a record id above `after`, oldest first.
pub(crate) type Since = fn(&mut Client, i64) -> Result<Vec<ReviewDecision>>;

impl ReviewIndex {
    /// Starts the listener thread of a new index.
    pub fn start(url: &str, since: Since) -> Result<Arc<Self>> {
        let index = Arc::new(ReviewIndex::default());
        let listener = Arc::clone(&index);
        let url = url.to_string();
        std::thread::Builder::new()
            .name("records-reviews".into())
            .spawn(move || listener.listen(&url, since))?;
        Ok(index)
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

    /// Loads what was recorded since the last decision held (on `client`), if the index is live.
    pub fn catch_up(&self, client: &mut Client, since: Since) -> Result<()> {
        let Some(after) = self.up_to() else {
            return Ok(());
        };
        let decisions = since(client, after)?;
        if let Ok(mut guard) = self.loaded.lock() {
            if let Some(loaded) = guard.as_mut() {
                loaded.merge(decisions);
            }
        }
        Ok(())
    }

    /// Stops the listener (within [`POLL`]).
    pub fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }

    fn up_to(&self) -> Option<i64> {
        self.loaded.lock().ok()?.as_ref().map(|l| l.up_to)
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    /// Forgets everything: lookups go to the database until the listener's next full load.
    pub fn forget(&self) {
        if let Ok(mut guard) = self.loaded.lock() {
            *guard = None;
        }
    }

    fn listen(&self, url: &str, since: Since) {
        while !self.stopped() {
            if self.listen_once(url, since).is_err() {
                self.forget();
                std::thread::sleep(RECONNECT);
            }
        }
        self.forget();
    }

    /// Replaces the index with every decision recorded so far.
    fn load_all(&self, client: &mut Client, since: Since) -> Result<()> {
        let mut all = Loaded::default();
        all.merge(since(client, 0)?);
        if let Ok(mut guard) = self.loaded.lock() {
            *guard = Some(all);
        }
        Ok(())
    }

    /// One connection's life: LISTEN, load everything, then load what each notification
    /// (or each [`REFRESH`]) brings, until stopped or the connection fails.
    fn listen_once(&self, url: &str, since: Since) -> Result<()> {
        let mut client = Client::connect(url, postgres::NoTls)?;
        // Listening before the full load: a decision committed in between is notified.
        client.batch_execute(&format!("LISTEN {CHANNEL}"))?;
        self.load_all(&mut client, since)?;
        let mut refreshed = Instant::now();
        while !self.stopped() {
            let notified = client.notifications().timeout_iter(POLL).next()?.is_some();
            if self.up_to().is_none() {
                // Forgotten (a catch-up elsewhere failed): load afresh on this listening
                // connection, which has missed no notification.
                self.load_all(&mut client, since)?;
                refreshed = Instant::now();
            } else if notified || refreshed.elapsed() >= REFRESH {
                // Drain what else arrived: one load answers all of them.
                while client.notifications().iter().next()?.is_some() {}
                self.catch_up(&mut client, since)?;
                refreshed = Instant::now();
            }
        }
        Ok(())
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
        let index = ReviewIndex::default();
        assert!(index.lookup(&[]).is_none());
        *index.loaded.lock().expect("lock") = Some(Loaded::default());
        assert_eq!(index.lookup(&[]), Some(vec![]));
        index.forget();
        assert!(index.lookup(&[]).is_none());
    }
}
