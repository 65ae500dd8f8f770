//! API tokens held in memory by each server on PostgreSQL, so that authenticating a request
//! does not cost a database round trip.
//!
//! Tokens are few and every API request asks for one. The store's listener
//! ([`crate::pg_listen`]) keeps this index current: a statement trigger on `tokens` notifies
//! [`CHANNEL`] at each commit that creates, revokes or rotates one (migration 7), and the
//! index reloads the table. Expiry is checked at each lookup against the time of the
//! request, as the database query does.
//!
//! How current the index is:
//! - a change made through this store is never answered from the state before it: the
//!   store forgets the index when the change is committed, and lookups go to the database
//!   until the listener has loaded afresh;
//! - a change made elsewhere (another server, `ace tokens revoke`) shows once its
//!   notification arrives: the commit plus a round trip, milliseconds;
//! - while the listener has no connection the index is forgotten and lookups go to the
//!   database.

use std::collections::HashMap;
use std::sync::Mutex;

use postgres::Client;

use crate::error::Result;
use crate::pg_listen::Mirror;
use crate::types::Token;

/// The notification channel the `tokens` trigger notifies.
const CHANNEL: &str = "ace_tokens";

/// Reads every token with its secret hash (the index's loads).
pub(crate) type LoadTokens = fn(&mut Client) -> Result<Vec<(String, Token)>>;

#[derive(Default)]
struct State {
    /// `None` until loaded, and after being forgotten.
    by_hash: Option<HashMap<String, Token>>,
    /// Counts the times the index was forgotten, so that a load which began before a
    /// change was committed does not bring the state before it back.
    forgotten: u64,
}

/// The in-memory tokens of one store.
pub(crate) struct TokenIndex {
    state: Mutex<State>,
    load: LoadTokens,
}

impl TokenIndex {
    /// An index that loads with `load`; it answers once the listener has loaded it.
    pub fn new(load: LoadTokens) -> Self {
        TokenIndex {
            state: Mutex::new(State::default()),
            load,
        }
    }

    /// The active token with this secret hash at time `now` (RFC 3339 UTC, µs); the outer
    /// `None` when the index cannot answer.
    pub fn lookup(&self, secret_hash: &str, now: &str) -> Option<Option<Token>> {
        let state = self.state.lock().ok()?;
        let by_hash = state.by_hash.as_ref()?;
        Some(
            by_hash
                .get(secret_hash)
                .filter(|t| t.status(now) == "active")
                .cloned(),
        )
    }

    fn forgotten(&self) -> Option<u64> {
        self.state.lock().ok().map(|s| s.forgotten)
    }
}

impl Mirror for TokenIndex {
    fn channel(&self) -> &'static str {
        CHANNEL
    }

    fn is_live(&self) -> bool {
        self.state.lock().is_ok_and(|s| s.by_hash.is_some())
    }

    fn load_all(&self, client: &mut Client) -> Result<()> {
        let Some(before) = self.forgotten() else {
            return Ok(());
        };
        let loaded: HashMap<String, Token> = (self.load)(client)?.into_iter().collect();
        if let Ok(mut state) = self.state.lock() {
            // Forgotten while loading: a change was committed that this load may not have
            // seen. Stay forgotten; the listener loads again.
            if state.forgotten == before {
                state.by_hash = Some(loaded);
            }
        }
        Ok(())
    }

    fn catch_up(&self, client: &mut Client) -> Result<()> {
        self.load_all(client)
    }

    fn forget(&self) {
        if let Ok(mut state) = self.state.lock() {
            state.by_hash = None;
            state.forgotten += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Role;

    fn token(name: &str, expires_at: Option<&str>, revoked_at: Option<&str>) -> Token {
        Token {
            name: name.into(),
            role: Role::Analyst,
            created_at: "2026-01-01T00:00:00.000000Z".into(),
            expires_at: expires_at.map(String::from),
            revoked_at: revoked_at.map(String::from),
        }
    }

    fn loaded(tokens: Vec<(&str, Token)>) -> TokenIndex {
        fn nothing(_: &mut Client) -> Result<Vec<(String, Token)>> {
            Ok(vec![])
        }
        let index = TokenIndex::new(nothing);
        index.state.lock().expect("lock").by_hash = Some(
            tokens
                .into_iter()
                .map(|(h, t)| (h.to_string(), t))
                .collect(),
        );
        index
    }

    const NOW: &str = "2026-06-01T00:00:00.000000Z";

    #[test]
    fn only_active_tokens_authenticate() {
        let index = loaded(vec![
            ("a", token("live", None, None)),
            (
                "b",
                token("later", Some("2026-07-01T00:00:00.000000Z"), None),
            ),
            (
                "c",
                token("over", Some("2026-05-01T00:00:00.000000Z"), None),
            ),
            (
                "d",
                token("gone", None, Some("2026-02-01T00:00:00.000000Z")),
            ),
        ]);
        let name = |h| index.lookup(h, NOW).map(|t| t.map(|t| t.name));
        assert_eq!(name("a"), Some(Some("live".to_string())));
        assert_eq!(name("b"), Some(Some("later".to_string())));
        assert_eq!(name("c"), Some(None), "expired");
        assert_eq!(name("d"), Some(None), "revoked");
        assert_eq!(name("zz"), Some(None), "unknown secret");
    }

    #[test]
    fn a_forgotten_index_does_not_answer() {
        let index = loaded(vec![("a", token("live", None, None))]);
        index.forget();
        assert_eq!(index.lookup("a", NOW), None);
        assert!(!index.is_live());
    }
}
