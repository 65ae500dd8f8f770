//! What every request handler shares: the regulation, the screening index over the
//! active list snapshot, and the record store.
//!
//! **The list snapshot is swapped while the server runs.** The snapshot's meta and its
//! screener (with the memo of its queries: the memo belongs to the snapshot it
//! memoizes) live together in one [`ActiveLists`] behind an `RwLock<Arc<_>>`.
//! [`AppState::swap_lists`] replaces that `Arc` in one step; the index is built before,
//! off the request path ([`AppState::watch_list_store`] builds it on a thread of its
//! own when the store's `ACTIVE` names another snapshot).
//!
//! **A request sees one snapshot.** An `AppState` value pins the active snapshot the
//! first time it is asked for it ([`AppState::snapshot`], [`AppState::screener`]) and
//! answers with that one for the rest of its life; a clone starts unpinned. Axum hands
//! every request its own clone of the router's state, so the hash a determination
//! records is the hash of the snapshot it was screened against, and a request in
//! flight during a swap finishes on the old snapshot (kept alive by its `Arc` until the
//! last such request is done).

use crate::metrics::Metrics;
use decide::memo::{MemoScreener, MEMO_CAPACITY};
use ear::Law;
use lists::snapshot::{SnapshotMeta, SnapshotStore};
use records::RecordStore;
use screen::Screener;
use std::sync::{Arc, OnceLock, RwLock, Weak};
use std::time::Duration;

/// Cheap to clone: one `Arc` (and an empty pin, see the module doc).
pub struct AppState {
    pub inner: Arc<Inner>,
    /// The snapshot this value answers with, set on first use.
    pinned: OnceLock<Arc<ActiveLists>>,
}

impl Clone for AppState {
    /// A clone shares everything but the pin: it pins the snapshot active when it is
    /// first asked for one.
    fn clone(&self) -> Self {
        AppState {
            inner: Arc::clone(&self.inner),
            pinned: OnceLock::new(),
        }
    }
}

/// A list snapshot in service: its meta and the screener over its entries.
pub struct ActiveLists {
    /// The list snapshot the screener indexes.
    pub meta: SnapshotMeta,
    /// The screener of this snapshot, with a memo of recent queries.
    pub screener: MemoScreener,
}

impl ActiveLists {
    /// A snapshot's meta and its index, with a fresh memo.
    pub fn new(meta: SnapshotMeta, screener: Screener) -> Self {
        let screener = MemoScreener::new(screener, meta.hash.clone(), MEMO_CAPACITY);
        ActiveLists { meta, screener }
    }
}

pub struct Inner {
    pub law: Law,
    /// The active list snapshot and its screener; replaced whole by a swap.
    lists: RwLock<Arc<ActiveLists>>,
    pub store: Arc<dyn RecordStore>,
    /// What `/metrics` reports.
    pub metrics: Metrics,
    /// The web UI's settings (the memo's letterhead), set once at start.
    ui_settings: OnceLock<crate::ui::settings::Settings>,
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
                lists: RwLock::new(Arc::new(ActiveLists::new(snapshot, screener))),
                store,
                metrics: Metrics::default(),
                ui_settings: OnceLock::new(),
            }),
            pinned: OnceLock::new(),
        }
    }

    pub fn law(&self) -> &Law {
        &self.inner.law
    }

    /// The snapshot this value answers with (pinned on first use).
    pub fn lists(&self) -> &ActiveLists {
        self.pinned.get_or_init(|| self.inner.current())
    }

    /// The screener of the pinned snapshot, with its memo (what screening parties uses).
    pub fn screener(&self) -> &MemoScreener {
        &self.lists().screener
    }

    /// The meta of the pinned snapshot: the one [`AppState::screener`] screens against.
    pub fn snapshot(&self) -> &SnapshotMeta {
        &self.lists().meta
    }

    /// The snapshot active now (not pinned): what the next request will see.
    pub fn current_lists(&self) -> Arc<ActiveLists> {
        self.inner.current()
    }

    /// Makes `meta` with its index the active snapshot for every request that starts
    /// from now on, with a fresh memo. Requests already holding the previous snapshot
    /// finish on it. Returns the hash of the snapshot replaced.
    pub fn swap_lists(&self, meta: SnapshotMeta, screener: Screener) -> String {
        self.inner.swap(Arc::new(ActiveLists::new(meta, screener)))
    }

    /// Watches the list store: every `every`, reads `ACTIVE`, and when it names a
    /// snapshot other than the one in service, loads it, builds its index (on this
    /// thread, not a request's) and swaps it in. A snapshot that cannot be loaded is
    /// reported once on standard error and the server keeps the one it has. The thread
    /// ends once every `AppState` of this server is dropped.
    pub fn watch_list_store(
        &self,
        store: SnapshotStore,
        every: Duration,
    ) -> std::io::Result<std::thread::JoinHandle<()>> {
        let inner = Arc::downgrade(&self.inner);
        std::thread::Builder::new()
            .name("ace-lists-watch".into())
            .spawn(move || watch(inner, store, every))
    }

    pub fn store(&self) -> &Arc<dyn RecordStore> {
        &self.inner.store
    }

    /// Sets the web UI's settings (`ace serve --settings`); refused (`Err` with them)
    /// once they are set.
    pub fn set_ui_settings(
        &self,
        settings: crate::ui::settings::Settings,
    ) -> Result<(), crate::ui::settings::Settings> {
        self.inner.ui_settings.set(settings)
    }

    /// The web UI's settings: the ones set, else the defaults.
    pub fn ui_settings(&self) -> &crate::ui::settings::Settings {
        static DEFAULT: OnceLock<crate::ui::settings::Settings> = OnceLock::new();
        self.inner
            .ui_settings
            .get()
            .unwrap_or_else(|| DEFAULT.get_or_init(Default::default))
    }

    /// The counters behind `/metrics`.
    pub fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }
}

impl Inner {
    fn current(&self) -> Arc<ActiveLists> {
        // A poisoned lock only means a swap panicked after taking it; the Arc inside
        // is whole either way.
        let lists = self.lists.read().unwrap_or_else(|e| e.into_inner());
        Arc::clone(&lists)
    }

    fn swap(&self, new: Arc<ActiveLists>) -> String {
        let mut lists = self.lists.write().unwrap_or_else(|e| e.into_inner());
        let old = std::mem::replace(&mut *lists, new);
        drop(lists);
        // The old index is freed here or by the last request holding it, not under the lock.
        old.meta.hash.clone()
    }
}

/// The loop of [`AppState::watch_list_store`].
fn watch(inner: Weak<Inner>, store: SnapshotStore, every: Duration) {
    let mut failed: Option<String> = None;
    loop {
        std::thread::sleep(every);
        let Some(inner) = inner.upgrade() else {
            return;
        };
        let wanted = match store.active_hash() {
            Ok(Some(hash)) => hash,
            // Nothing imported: the server keeps what it was started with.
            Ok(None) => continue,
            Err(e) => {
                report_once(&mut failed, "ACTIVE", format!("{e}"));
                continue;
            }
        };
        if inner.current().meta.hash == wanted || failed.as_deref() == Some(wanted.as_str()) {
            continue;
        }
        // The index beside the snapshot, written by the import that activated it
        // (built here when absent or stale), mapped off the request path.
        let opened = store
            .meta(&wanted)
            .and_then(|meta| Ok((store.open_derived::<Screener>(&meta)?.0, meta)));
        match opened {
            Ok((screener, meta)) => {
                let old = inner.swap(Arc::new(ActiveLists::new(meta, screener)));
                failed = None;
                eprintln!("ace: list snapshot {wanted} is now in service (was {old})");
                report_impact(
                    AppState {
                        inner,
                        pinned: OnceLock::new(),
                    },
                    &old,
                );
            }
            Err(e) => report_once(&mut failed, &wanted, format!("{e}")),
        }
    }
}

/// After a swap: which recorded determinations of the last five years the new snapshot
/// decides differently (`service::impact`), in one line on standard error, with the
/// records changed; the whole report is at `GET /v1/impact` and `/ui/impact`.
fn report_impact(state: AppState, previous: &str) {
    let today = chrono::Utc::now().date_naive();
    match crate::service::impact::impact_of_snapshot(&state, Some(previous), today) {
        Ok(report) => {
            let ids: Vec<String> = report
                .changed
                .iter()
                .take(20)
                .map(|c| format!("#{} {}→{}", c.record_id, c.outcome_before, c.outcome_after))
                .collect();
            eprintln!(
                "ace: impact of snapshot {}: {} of {} current determinations since {} would now come out differently{}{}",
                &report.after.list_snapshot[..12.min(report.after.list_snapshot.len())],
                report.changed.len(),
                report.examined,
                report.since,
                if ids.is_empty() { "" } else { ": " },
                ids.join(", ")
            );
        }
        Err(e) => eprintln!("ace: impact of the new snapshot not computed: {e}"),
    }
}

/// Says once on standard error that `what` could not be taken into service.
fn report_once(failed: &mut Option<String>, what: &str, error: String) {
    if failed.as_deref() != Some(what) {
        eprintln!(
            "ace: list snapshot {what} not taken into service, keeping the current one: {error}"
        );
        *failed = Some(what.to_owned());
    }
}
