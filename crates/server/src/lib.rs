//! ace over HTTP: the JSON API (`/v1/...`), the web UI (`/ui/...`), health and metrics.
//!
//! The server is stateless apart from the record store it writes to: several servers
//! may share one PostgreSQL. All decisions go through [`service`], which both the API
//! and the UI call, so the two can never disagree.
//!
//! A request that records something is answered only after its record is durable
//! (the store's append returns after the commit), so a shutdown — which stops accepting,
//! then lets in-flight requests finish — loses no acknowledged record.

mod access_log;
pub mod api;
pub mod auth;
pub mod body;
pub mod error;
pub mod metrics;
pub mod service;
pub mod state;
pub mod ui;

pub use error::ApiError;
pub use state::AppState;

use axum::Router;
use std::net::SocketAddr;
use std::time::Duration;

/// The whole application: API, UI and operational endpoints.
pub fn router(state: AppState) -> Router {
    use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
    Router::new()
        .merge(api::routes())
        .merge(ui::routes())
        .fallback(fallback)
        .method_not_allowed_fallback(error::method_not_allowed)
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .with_state(state)
        // Outermost first: every request gets an id (or keeps the caller's
        // `x-request-id`), the answer carries it back, the access log names it; bodies
        // are gzip-compressed for clients that accept it.
        .layer(tower_http::compression::CompressionLayer::new().gzip(true))
        .layer(axum::middleware::from_fn(access_log::log))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
}

/// A path no route serves: the UI's page under /ui, a problem document elsewhere.
async fn fallback(uri: axum::http::Uri) -> axum::response::Response {
    use axum::response::IntoResponse;
    if uri.path().starts_with("/ui") {
        ui::not_found_page()
    } else {
        error::not_found(uri).await.into_response()
    }
}

/// How the server treats its connections.
#[derive(Debug, Clone, Copy)]
pub struct ServeOptions {
    /// How long a client may take to send a request's headers — and how long a kept-alive
    /// connection may sit idle — before it is closed (slow-header and idle floods).
    pub header_read_timeout: Duration,
    /// After SIGINT/SIGTERM: how long requests in flight may take before the server exits
    /// anyway. Idle connections are closed at once.
    pub shutdown_grace: Duration,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            header_read_timeout: Duration::from_secs(10),
            shutdown_grace: Duration::from_secs(30),
        }
    }
}

/// Serves `state` on `listen` until SIGINT or SIGTERM, then stops accepting, closes idle
/// connections, finishes the requests in flight (within `shutdown_grace`) and returns.
/// `ready` is called with the bound address (useful with port 0). Runs its own
/// multi-threaded runtime; blocks the calling thread.
pub fn serve(state: AppState, listen: &str, ready: impl FnOnce(SocketAddr)) -> std::io::Result<()> {
    serve_with(
        state,
        listen,
        ServeOptions::default(),
        ready,
        shutdown_signal(),
    )
}

/// [`serve`] with `options`, until `stop` resolves.
pub fn serve_with(
    state: AppState,
    listen: &str,
    options: ServeOptions,
    ready: impl FnOnce(SocketAddr),
    stop: impl std::future::Future<Output = ()>,
) -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("ace-serve")
        .build()?;
    // The last handle on the state (and so the store) is dropped here, off the runtime:
    // the PostgreSQL client runs a runtime of its own, which must not be dropped inside one.
    let keep = state.clone();
    let served = runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen).await?;
        ready(listener.local_addr()?);
        accept_loop(listener, router(state), options, stop).await;
        Ok(())
    });
    drop(runtime);
    drop(keep);
    served
}

/// Accepts connections until `stop`, each served by hyper's HTTP/1 with the header-read
/// timeout; then closes idle connections and waits for the busy ones.
async fn accept_loop(
    listener: tokio::net::TcpListener,
    app: Router,
    options: ServeOptions,
    stop: impl std::future::Future<Output = ()>,
) {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(options.header_read_timeout);
    tokio::pin!(stop);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((stream, _)) => stream,
                    // Out of file descriptors or a connection reset before accept: wait a
                    // moment rather than spin; the listener itself is still good.
                    Err(_) => {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let service = hyper_util::service::TowerToHyperService::new(app.clone());
                // No upgrades (WebSocket): the API and the UI answer plain HTTP/1.
                let connection =
                    http.serve_connection(hyper_util::rt::TokioIo::new(stream), service);
                let watched = graceful.watch(connection);
                tokio::spawn(async move {
                    let _ = watched.await;
                });
            }
            () = &mut stop => break,
        }
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {},
        () = tokio::time::sleep(options.shutdown_grace) => {},
    }
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
}
