//! A server over a fresh record store (a temporary SQLite file, or a fresh PostgreSQL
//! database), with one token per role, driven with `tower::ServiceExt::oneshot`.

#![allow(dead_code)]

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use records::{RecordStore, Role};
use serde_json::Value;
use server::AppState;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use tower::ServiceExt;

/// The server under test and what it needs.
pub struct TestServer {
    pub app: Router,
    pub state: AppState,
    pub analyst: String,
    pub reviewer: String,
    pub auditor: String,
    pub admin: String,
    /// Records in the store once set up: the `access` records of the four tokens.
    pub base: u64,
    _dir: tempfile::TempDir,
    _pg: Option<PgDatabase>,
}

/// The bundled regulation and list snapshot, loaded once per test binary.
fn bundled() -> &'static (ear::Law, lists::Snapshot) {
    static BUNDLED: OnceLock<(ear::Law, lists::Snapshot)> = OnceLock::new();
    BUNDLED.get_or_init(|| {
        let law = ear::Law::bundled().expect("bundled rules");
        let snapshot = lists::bundled().expect("bundled lists");
        (law, snapshot)
    })
}

fn server_over(
    store: Box<dyn RecordStore>,
    dir: tempfile::TempDir,
    pg: Option<PgDatabase>,
) -> TestServer {
    let (law, snapshot) = bundled();
    let screener = screen::Screener::new(snapshot.entries.clone());
    let token = |name: &str, role| {
        store
            .create_token(&records::NewToken::new(name, role, "admin"))
            .expect("token")
    };
    let (analyst, reviewer, auditor, admin) = (
        token("alice", Role::Analyst),
        token("rita", Role::Reviewer),
        token("otto", Role::Auditor),
        token("root", Role::Admin),
    );
    let base = store.count().expect("count");
    let state = AppState::new(
        law.clone(),
        screener,
        snapshot.meta.clone(),
        Arc::from(store),
    );
    TestServer {
        app: server::router(state.clone()),
        state,
        analyst,
        reviewer,
        auditor,
        admin,
        base,
        _dir: dir,
        _pg: pg,
    }
}

/// A server over a temporary SQLite file.
pub fn sqlite() -> TestServer {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("records.sqlite3");
    let store = records::open(&path.to_string_lossy()).expect("open sqlite");
    server_over(store, dir, None)
}

/// A server over a fresh database on `ACE_TEST_POSTGRES_URL`
/// (default `postgres://postgres@127.0.0.1:5432/test`), dropped afterwards.
pub fn postgres() -> TestServer {
    let db = PgDatabase::create();
    let store = records::open(&db.url).expect("open postgres");
    server_over(store, tempfile::tempdir().expect("temp dir"), Some(db))
}

/// A database of its own on the test server.
pub struct PgDatabase {
    admin_url: String,
    name: String,
    pub url: String,
}

fn admin_url() -> String {
    std::env::var("ACE_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/test".to_string())
}

/// The same server URL with another database name.
fn with_database(url: &str, name: &str) -> String {
    let authority_start = url.find("://").map_or(0, |i| i + 3);
    let (base, query) = match url.find('?') {
        Some(q) => (&url[..q], &url[q..]),
        None => (url, ""),
    };
    let path_start = base[authority_start..]
        .find('/')
        .map_or(base.len(), |i| authority_start + i);
    format!("{}/{name}{query}", &base[..path_start])
}

impl PgDatabase {
    fn create() -> PgDatabase {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let admin_url = admin_url();
        let name = format!(
            "ace_server_test_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        let mut admin = postgres::Client::connect(&admin_url, postgres::NoTls).unwrap_or_else(|e| {
            panic!("PostgreSQL is not reachable at {admin_url} ({e}); run scripts/ensure-postgres.sh and set ACE_TEST_POSTGRES_URL")
        });
        for sql in [
            format!("DROP DATABASE IF EXISTS {name}"),
            format!("CREATE DATABASE {name}"),
        ] {
            admin.batch_execute(&sql).expect("create database");
        }
        let url = with_database(&admin_url, &name);
        PgDatabase {
            admin_url,
            name,
            url,
        }
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        if let Ok(mut admin) = postgres::Client::connect(&self.admin_url, postgres::NoTls) {
            let _ = admin.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

/// An answer: status and JSON body (a non-JSON body as a JSON string).
pub struct Answer {
    pub status: StatusCode,
    pub body: Value,
}

impl TestServer {
    /// Sends one request.
    pub async fn send(
        &self,
        method: &str,
        uri: &str,
        token: Option<&str>,
        body: Vec<u8>,
    ) -> Answer {
        let mut request = Request::builder().method(method).uri(uri);
        if let Some(t) = token {
            request = request.header("authorization", format!("Bearer {t}"));
        }
        if !body.is_empty() {
            request = request.header("content-type", "application/json");
        }
        let request = request.body(Body::from(body)).expect("request");
        let response = self.app.clone().oneshot(request).await.expect("answer");
        let status = response.status();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        let body = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
        Answer { status, body }
    }

    pub async fn get(&self, uri: &str, token: &str) -> Answer {
        self.send("GET", uri, Some(token), Vec::new()).await
    }

    pub async fn post(&self, uri: &str, token: &str, body: &Value) -> Answer {
        self.send("POST", uri, Some(token), body.to_string().into_bytes())
            .await
    }

    /// Records appended since the server was set up — the `access` records of its four
    /// tokens left out (asked from a plain thread: the PostgreSQL client must not run
    /// inside the async runtime).
    pub fn count(&self) -> u64 {
        off_runtime(|| self.state.store().count().expect("count")) - self.base
    }

    /// Whether the whole chain verifies.
    pub fn verified(&self) -> bool {
        off_runtime(|| self.state.store().verify().expect("verify").ok)
    }
}

impl TestServer {
    /// A router over the same record store (and so the same tokens and decisions) whose
    /// list snapshot is the bundled one changed by `change`: another snapshot, as after a
    /// list update.
    pub fn router_with_lists(&self, change: impl FnOnce(&mut Vec<lists::model::Entry>)) -> Router {
        let (law, snapshot) = bundled();
        let mut entries = snapshot.entries.clone();
        change(&mut entries);
        let mut meta = snapshot.meta.clone();
        meta.hash = format!("{}-changed", meta.hash);
        let state = AppState::new(
            law.clone(),
            screen::Screener::new(entries),
            meta,
            Arc::clone(self.state.store()),
        );
        server::router(state)
    }

    /// Sends one request to another router (e.g. [`TestServer::router_with_lists`]).
    pub async fn post_to(&self, app: &Router, uri: &str, token: &str, body: &Value) -> Answer {
        let request = Request::builder()
            .method("POST")
            .uri(uri)
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/json")
            .body(Body::from(body.to_string()))
            .expect("request");
        let response = app.clone().oneshot(request).await.expect("answer");
        let status = response.status();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        let body = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
        Answer { status, body }
    }
}

/// Names that screen in the review band against the bundled lists (found by trying, not
/// written into any code path): the first whose determination is HOLD is used.
pub const REVIEW_BAND_CANDIDATES: &[&str] = &[
    "Cytrox Digital Labs",
    "Cytrox Holdings",
    "Intellexa Labs",
    "Candiru Software",
    "Positive Technology Labs",
];

/// A determination of a review-band name: its answer (HOLD), and the name.
pub async fn held_determination(s: &TestServer) -> (Value, String) {
    let mut seen = Vec::new();
    for name in REVIEW_BAND_CANDIDATES {
        let a = s
            .post("/v1/determinations", &s.analyst, &transaction(name))
            .await;
        assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
        if a.body["outcome"] == "HOLD" {
            return (a.body, name.to_string());
        }
        seen.push(format!("{name}: {}", a.body["outcome"]));
    }
    panic!("no candidate is held with the bundled lists: {seen:?}");
}

/// Runs blocking store work on a thread of its own.
pub fn off_runtime<T: Send>(work: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|scope| scope.spawn(work).join().expect("store work"))
}

/// Runs a test body on a runtime, outside of which the server is built and dropped.
pub fn run<F: std::future::Future<Output = ()>>(body: F) {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(body)
}

/// A transaction decided with ACE, naming an end user.
pub fn transaction(end_user: &str) -> Value {
    serde_json::json!({
        "date": "2024-06-01",
        "item": {"eccn": "4D004"},
        "destination": "DE",
        "end_user": {"name": end_user, "kind": "non_government"}
    })
}
