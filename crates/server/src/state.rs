//! What every request handler shares: the regulation, the screening index over the
//! active list snapshot, and the record store.

use crate::auth::TokenCache;
use crate::memo::{MemoScreener, MEMO_CAPACITY};
use crate::metrics::Metrics;
use ear::Law;
use lists::snapshot::SnapshotMeta;
use records::RecordStore;
use screen::Screener;
use std::sync::Arc;

/// Cheap to clone: one `Arc`.
#[derive(Clone)]
pub struct AppState {
    pub inner: Arc<Inner>,
}

pub struct Inner {
    pub law: Law,
    /// The screener of the active snapshot, with a memo of recent queries.
    pub screener: MemoScreener,
    /// The active list snapshot the screener indexes.
    pub snapshot: SnapshotMeta,
    pub store: Arc<dyn RecordStore>,
    /// Recently verified API tokens.
    pub tokens: TokenCache,
    /// What `/metrics` reports.
    pub metrics: Metrics,
}

impl AppState {
    pub fn new(
        law: Law,
        screener: Screener,
        snapshot: SnapshotMeta,
        store: Arc<dyn RecordStore>,
    ) -> Self {
        AppState {
            inner: Arc::new(Inner {
                law,
                screener: MemoScreener::new(screener, MEMO_CAPACITY),
                snapshot,
                store,
                tokens: TokenCache::default(),
                metrics: Metrics::default(),
            }),
        }
    }

    pub fn law(&self) -> &Law {
        &self.inner.law
    }

    /// The screener of the active snapshot, with its memo (what screening parties uses).
    pub fn screener(&self) -> &MemoScreener {
        &self.inner.screener
    }

    pub fn snapshot(&self) -> &SnapshotMeta {
        &self.inner.snapshot
    }

    pub fn store(&self) -> &Arc<dyn RecordStore> {
        &self.inner.store
    }

    /// The counters behind `/metrics`.
    pub fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }
}
