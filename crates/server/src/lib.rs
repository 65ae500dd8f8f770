//! ace over HTTP: the JSON API (`/v1/...`), the web UI (`/ui/...`), health and metrics.
//!
//! The server is stateless apart from the record store it writes to: several servers
//! may share one PostgreSQL. All decisions go through [`service`], which both the API
//! and the UI call, so the two can never disagree.
//!
//! A request that records something is answered only after its record is durable
//! (the store's append returns after the commit), so a shutdown — which stops accepting,
//! then lets in-flight requests finish — loses no acknowledged record.

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

/// The whole application: API, UI and operational endpoints.
pub fn router(state: AppState) -> Router {
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

/// Serves `state` on `listen` until SIGINT or SIGTERM, then stops accepting, finishes the
/// requests in flight and returns. `ready` is called with the bound address (useful with
/// port 0). Runs its own multi-threaded runtime; blocks the calling thread.
pub fn serve(state: AppState, listen: &str, ready: impl FnOnce(SocketAddr)) -> std::io::Result<()> {
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
        let app = router(state);
        axum::serve(listener, app)
            .with_graceful_shutdown(shutdown_signal())
            .await
    });
    drop(runtime);
    drop(keep);
    served
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
